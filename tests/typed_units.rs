//! Typed units of work (`Database::unit`, `unit_write`, the repository's `…_async`): native async
//! connections on PostgreSQL and MySQL, the blocking hop on SQLite. One body per behaviour, run
//! on all three backends.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use trapperkeeper_db::native::{UnitConnection, UnitFuture};
use trapperkeeper_db::repository::sensors::{self, NewSensor};
use trapperkeeper_db::repository::tenants::{self, NewTenant};
use trapperkeeper_db::repository::Page;
use trapperkeeper_db::statement;
use trapperkeeper_db::url::Backend;
use trapperkeeper_db::{Database, Error};

use common::{runtime, TestDb};

diesel::table! {
    tk_typed (id) {
        id -> Integer,
        n -> BigInt,
    }
}

backend_tests!(
    typed_calls_run_natively_on_servers_and_read_what_closures_read,
    typed_write_commits_or_rolls_back_as_a_whole,
    typed_write_whose_caller_goes_away_commits_nothing_on_servers,
    panic_in_a_typed_unit_is_an_error_and_the_pool_serves,
    both_pools_together_stay_within_max_connections,
);
backend_tests!(servers: killed_native_session_costs_one_typed_call, typed_call_dropped_mid_statement_is_discarded);

async fn open_with_table(db: &TestDb, max: u32) -> Database {
    let database = Database::open(&db.config().with_pool_size(max, 0))
        .await
        .unwrap();
    database
        .run(|c| {
            c.batch_execute(
                "CREATE TABLE tk_typed (id INTEGER NOT NULL PRIMARY KEY, n BIGINT NOT NULL)",
            )
            .map_err(Error::from)
        })
        .await
        .unwrap();
    database
}

fn insert(c: UnitConnection<'_>, id: i32) -> UnitFuture<'_, usize, Error> {
    Box::pin(async move {
        Ok(statement!(c, diesel::insert_into(tk_typed::table)
            .values((tk_typed::id.eq(id), tk_typed::n.eq(i64::from(id)))) => execute)?)
    })
}

async fn rows(database: &Database) -> i64 {
    database
        .unit(|c| {
            Box::pin(async move {
                Ok::<_, Error>(statement!(c, tk_typed::table.count() => get_result::<i64>)?)
            })
        })
        .await
        .unwrap()
}

fn typed_calls_run_natively_on_servers_and_read_what_closures_read(db: &TestDb) {
    runtime().block_on(async {
        let database = Database::open(&db.config()).await.unwrap();
        assert_eq!(database.runs_natively(), db.backend != Backend::Sqlite);
        let tenant = database
            .run(|c| tenants::create(c, NewTenant { name: "t".into() }))
            .await
            .unwrap()
            .tenant_id;
        let mut made = Vec::new();
        for i in 0..7 {
            let new = NewSensor {
                name: format!("s{i}"),
                description: (i % 2 == 0).then(|| format!("ünïcode {i} 🚀")),
                metadata: format!("{{\"i\":{i}}}"),
            };
            made.push(
                database
                    .run(move |c| sensors::create(c, tenant, new))
                    .await
                    .unwrap(),
            );
        }
        let deleted = made[3].sensor_id;
        database
            .run(move |c| sensors::soft_delete(c, tenant, deleted))
            .await
            .unwrap();
        // One by one: the live rows, each equal to what the blocking path reads.
        for s in &made {
            let id = s.sensor_id;
            let typed = sensors::get_async(&database, tenant, id).await;
            let blocking = database.run(move |c| sensors::get(c, tenant, id)).await;
            if id == deleted {
                assert!(typed.is_err() && blocking.is_err(), "{typed:?}");
            } else {
                assert_eq!(typed.unwrap(), blocking.unwrap());
            }
        }
        // Pages, after an id and from the start, audits included.
        for after in [None, Some(made[1].sensor_id)] {
            let page = Page { after, limit: 3 };
            assert_eq!(
                sensors::list_async(&database, tenant, page).await.unwrap(),
                database
                    .run(move |c| sensors::list(c, tenant, page))
                    .await
                    .unwrap()
            );
            assert_eq!(
                sensors::audit_list_including_deleted_async(&database, tenant, page)
                    .await
                    .unwrap(),
                database
                    .run(move |c| sensors::audit_list_including_deleted(c, tenant, page))
                    .await
                    .unwrap()
            );
        }
        let all = sensors::list_async(&database, tenant, Page::first(50))
            .await
            .unwrap();
        assert_eq!(all.len(), 6);
        // Another tenant's rows are not this one's.
        let other = database
            .run(|c| tenants::create(c, NewTenant { name: "o".into() }))
            .await
            .unwrap()
            .tenant_id;
        assert!(sensors::get_async(&database, other, made[0].sensor_id)
            .await
            .is_err());
        // A bad page is the same typed error on both paths.
        let bad = Page {
            after: None,
            limit: 0,
        };
        let typed = sensors::list_async(&database, tenant, bad)
            .await
            .unwrap_err();
        let blocking = database
            .run(move |c| sensors::list(c, tenant, bad))
            .await
            .unwrap_err();
        assert_eq!(typed.to_string(), blocking.to_string());
    });
}

fn typed_write_commits_or_rolls_back_as_a_whole(db: &TestDb) {
    runtime().block_on(async {
        let database = open_with_table(db, 2).await;
        // The second insert violates the key: neither stays.
        let failed = database
            .unit_write(|c| Box::pin(async move { insert_twice(c, 1, 1).await }))
            .await;
        assert!(failed.is_err());
        assert_eq!(rows(&database).await, 0);
        let done = database
            .unit_write(|c| Box::pin(async move { insert_twice(c, 1, 2).await }))
            .await
            .unwrap();
        assert_eq!(done, 2);
        assert_eq!(rows(&database).await, 2);
        // Outside a write, each statement commits as it runs.
        let autocommit = database
            .unit(|c| Box::pin(async move { insert_twice(c, 3, 3).await }))
            .await;
        assert!(autocommit.is_err());
        assert_eq!(rows(&database).await, 3);
        // The pool hands out connections outside any transaction afterwards.
        let open = database
            .run(|c| Ok::<_, Error>(c.in_transaction()))
            .await
            .unwrap();
        assert!(!open);
    });
}

/// Two inserts on one connection (a reborrow per statement).
async fn insert_twice(c: UnitConnection<'_>, a: i32, b: i32) -> Result<usize, Error> {
    let mut c = c;
    let first = insert(reborrow(&mut c), a).await?;
    let second = insert(reborrow(&mut c), b).await?;
    Ok(first + second)
}

fn reborrow<'a>(c: &'a mut UnitConnection<'_>) -> UnitConnection<'a> {
    c.reborrow()
}

fn typed_write_whose_caller_goes_away_commits_nothing_on_servers(db: &TestDb) {
    runtime().block_on(async {
        let database = open_with_table(db, 2).await;
        let broken_before = database.state().connections_closed_broken;
        let inserted = Arc::new(AtomicU32::new(0));
        let seen = inserted.clone();
        let unit = database.unit_write(move |c| {
            Box::pin(async move {
                let n = insert(c, 1).await?;
                seen.fetch_add(1, Ordering::SeqCst);
                // Still inside the transaction when the caller gives up.
                tokio::time::sleep(Duration::from_millis(400)).await;
                Ok::<_, Error>(n)
            })
        });
        let outcome = tokio::time::timeout(Duration::from_millis(100), unit).await;
        assert_eq!(inserted.load(Ordering::SeqCst), 1, "the insert ran");
        if database.runs_natively() {
            // The native connection was dropped mid-transaction: discarded, and the server
            // rolled back.
            assert!(outcome.is_err(), "the caller stopped waiting");
            assert_eq!(rows(&database).await, 0);
            assert_eq!(
                database.state().connections_closed_broken,
                broken_before + 1
            );
        } else {
            // SQLite's blocking hop: a started unit runs to its end (the pool's guarantee), and
            // its caller waits for it.
            assert_eq!(outcome.unwrap().unwrap(), 1);
            assert_eq!(rows(&database).await, 1);
        }
        // The pool serves.
        database.unit_write(|c| insert(c, 2)).await.unwrap();
    });
}

fn panic_in_a_typed_unit_is_an_error_and_the_pool_serves(db: &TestDb) {
    runtime().block_on(async {
        let database = open_with_table(db, 1).await;
        let crashed = database
            .unit_write(|c| {
                Box::pin(async move {
                    insert(c, 1).await?;
                    if std::hint::black_box(true) {
                        panic!("the unit fell over");
                    }
                    Ok::<_, Error>(())
                })
            })
            .await;
        match crashed {
            Err(Error::Panicked(message)) => assert!(message.contains("fell over"), "{message}"),
            other => panic!("expected Panicked, got {other:?}"),
        }
        assert_eq!(rows(&database).await, 0, "the panicked write left nothing");
        database.unit(|c| insert(c, 2)).await.unwrap();
        assert_eq!(rows(&database).await, 1);
    });
}

/// Closures (the blocking pool) and typed units (the native pool on servers) at once never hold
/// more than `max_connections` connections together, and every call gets through.
fn both_pools_together_stay_within_max_connections(db: &TestDb) {
    const MAX: u32 = 3;
    runtime().block_on(async {
        let database = open_with_table(db, MAX).await;
        let peak = Arc::new(AtomicU32::new(0));
        let mut set = tokio::task::JoinSet::new();
        for task in 0..8u32 {
            let (database, peak) = (database.clone(), peak.clone());
            set.spawn(async move {
                for call in 0..6u32 {
                    let id = (task * 100 + call) as i32;
                    if (task + call) % 2 == 0 {
                        database
                            .run(move |c| {
                                std::thread::sleep(Duration::from_millis(5));
                                diesel::insert_into(tk_typed::table)
                                    .values((tk_typed::id.eq(id), tk_typed::n.eq(0)))
                                    .execute(c)
                                    .map_err(Error::from)
                            })
                            .await?;
                    } else {
                        database
                            .unit(move |c| {
                                Box::pin(async move {
                                    tokio::time::sleep(Duration::from_millis(5)).await;
                                    insert(c, id).await
                                })
                            })
                            .await?;
                    }
                    peak.fetch_max(database.state().connections, Ordering::SeqCst);
                }
                Ok::<_, Error>(())
            });
        }
        while let Some(done) = set.join_next().await {
            done.unwrap().unwrap();
        }
        assert_eq!(rows(&database).await, 48);
        let peak = peak.load(Ordering::SeqCst);
        assert!(peak <= MAX, "{peak} connections open at once");
        assert!(database.state().connections <= MAX);
    });
}

#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
fn killed_native_session_costs_one_typed_call(db: &TestDb) {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let sql = match db.backend {
        Backend::Postgres => "SELECT CAST(pg_backend_pid() AS BIGINT) AS id",
        _ => "SELECT CAST(CONNECTION_ID() AS SIGNED) AS id",
    };
    runtime().block_on(async {
        let database = Database::open(&db.config().with_pool_size(1, 0))
            .await
            .unwrap();
        assert!(database.runs_natively());
        let session = || {
            database.unit(move |c| {
                Box::pin(async move {
                    Ok::<_, Error>(statement!(c, diesel::sql_query(sql) => get_result::<Id>)?.id)
                })
            })
        };
        let first = session().await.unwrap();
        let kill = match db.backend {
            Backend::Postgres => format!("SELECT pg_terminate_backend({first})"),
            _ => format!("KILL {first}"),
        };
        let mut admin = trapperkeeper_db::connection::establish(
            &trapperkeeper_db::url::DatabaseUrl::parse(&common::admin_url(db.backend)).unwrap(),
        )
        .unwrap();
        admin.batch_execute(&kill).unwrap();
        let broken_before = database.state().connections_closed_broken;
        // The dead session fails once; the next typed call gets a fresh connection.
        assert!(session().await.is_err(), "a killed session cannot answer");
        let second = session().await.unwrap();
        assert_ne!(first, second);
        assert_eq!(
            database.state().connections_closed_broken,
            broken_before + 1
        );
    });
}

/// A typed call whose caller goes away while its statement runs: that connection may still have
/// the answer coming, so it is discarded, and the next call reads its own answer.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
fn typed_call_dropped_mid_statement_is_discarded(db: &TestDb) {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let slow = match db.backend {
        Backend::Postgres => "SELECT CAST(7 AS BIGINT) AS n FROM pg_sleep(1)",
        _ => "SELECT CAST(7 + SLEEP(1) AS SIGNED) AS n",
    };
    runtime().block_on(async {
        let database = open_with_table(db, 1).await;
        let broken_before = database.state().connections_closed_broken;
        let unit = database.unit(move |c| {
            Box::pin(async move {
                Ok::<_, Error>(statement!(c, diesel::sql_query(slow) => get_result::<N>)?.n)
            })
        });
        assert!(tokio::time::timeout(Duration::from_millis(200), unit)
            .await
            .is_err());
        let quick_sql = match db.backend {
            Backend::Postgres => "SELECT CAST(42 AS BIGINT) AS n",
            _ => "SELECT CAST(42 AS SIGNED) AS n",
        };
        let quick = database
            .unit(move |c| {
                Box::pin(async move {
                    Ok::<_, Error>(
                        statement!(c, diesel::sql_query(quick_sql) => get_result::<N>)?.n,
                    )
                })
            })
            .await
            .unwrap();
        assert_eq!(quick, 42);
        assert_eq!(
            database.state().connections_closed_broken,
            broken_before + 1
        );
    });
}
