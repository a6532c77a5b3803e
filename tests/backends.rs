//! The core behaviours, one body each, run on SQLite, PostgreSQL and MySQL.

mod common;

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use trapperkeeper_db::config::MigrationPolicy;
use trapperkeeper_db::migrations::MigrationError;
use trapperkeeper_db::url::Backend;
use trapperkeeper_db::{AnyConnection, Database, Error};

use common::{runtime, TestDb};

diesel::table! {
    tk_test_counter (id) {
        id -> Integer,
        n -> BigInt,
    }
}

const CREATE_COUNTER: &str =
    "CREATE TABLE tk_test_counter (id INTEGER NOT NULL PRIMARY KEY, n BIGINT NOT NULL)";

fn count_rows(conn: &mut AnyConnection) -> i64 {
    tk_test_counter::table.count().get_result(conn).unwrap()
}

async fn open_with_counter(
    db: &TestDb,
    config: trapperkeeper_db::config::DatabaseConfig,
) -> Database {
    let database = Database::open(&config).await.unwrap();
    database
        .run(|c| c.batch_execute(CREATE_COUNTER).map_err(Error::from))
        .await
        .unwrap();
    let _ = db;
    database
}

backend_tests!(
    session_settings_are_applied_on_every_pooled_connection,
    open_applies_migrations_once,
    write_transaction_commits_or_rolls_back_as_a_whole,
    pool_exhaustion_is_a_typed_timeout_then_recovers,
    dropped_future_mid_transaction_commits_nothing,
    unit_of_work_leaving_a_transaction_open_is_discarded,
    started_unit_runs_to_its_end_on_a_multi_thread_runtime,
    panic_in_unit_of_work_is_an_error_and_pool_serves,
    eight_processes_migrate_one_fresh_database,
    tampered_migration_checksum_stops_start_up,
    a_revert_by_the_diesel_cli_is_applied_again,
    unknown_applied_version_stops_start_up,
    refuse_policy_does_not_apply_pending_migrations,
    diesel_cli_and_library_share_migration_state,
    pools_to_different_backends_work_side_by_side,
    write_transactions_leave_the_connection_autocommitting,
    callers_take_turns_for_connections,
    one_caller_at_a_time_reuses_the_warm_connection,
    min_idle_equal_to_max_connections_opens_and_serves,
    sqlite_write_units_queue_for_the_write_lock_holding_no_connection,
    a_refused_sign_in_is_a_configuration_error_not_retryable,
    a_write_whose_caller_left_keeps_its_turn_until_its_unit_ends,
    pool_counters_count_the_connections_open_made,
);

/// `connections_created` counts every connection opened since start, the ones `Database::open`
/// opened itself included (bb8 counts only its own): the start-up one, which joins the blocking
/// pool, and on a server the native driver's sign-in proof, which is closed.
fn pool_counters_count_the_connections_open_made(db: &TestDb) {
    runtime().block_on(async {
        let database = Database::open(&db.config().with_pool_size(4, 0))
            .await
            .unwrap();
        let native = u64::from(database.runs_natively());
        let at_start = database.state();
        assert_eq!(at_start.connections, 1, "{at_start:?}");
        assert_eq!(at_start.connections_created, 1 + native, "{at_start:?}");
        database
            .run(|c| c.ping().map_err(Error::from))
            .await
            .unwrap();
        assert_eq!(
            database.state().connections_created,
            1 + native,
            "a call reuses the start-up connection: {:?}",
            database.state()
        );
        database
            .unit(|c| {
                Box::pin(async move {
                    trapperkeeper_db::statement!(c, diesel::sql_query("SELECT 1") => execute)?;
                    Ok::<_, Error>(())
                })
            })
            .await
            .unwrap();
        let after = database.state();
        assert_eq!(
            after.connections_created,
            1 + 2 * native,
            "a typed unit opens a native connection on a server, none on SQLite: {after:?}"
        );
        assert_eq!(after.connections, 1 + native as u32, "{after:?}");
    });
}

/// On a current-thread runtime a unit runs on the blocking pool and its caller can go away
/// mid-unit; the unit's turn (and on SQLite the write lock's) is given back only when the unit
/// has ended and its connection is back. A second writer meanwhile takes no connection on SQLite
/// (it waits for the write lock in process) and writes on its own on the servers.
fn a_write_whose_caller_left_keeps_its_turn_until_its_unit_ends(db: &TestDb) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    common::current_thread_runtime().block_on(async {
        let database = open_with_counter(db, db.config().with_pool_size(4, 1)).await;
        let (started, release) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let first = {
            let (database, started, release) = (database.clone(), started.clone(), release.clone());
            tokio::spawn(async move {
                database
                    .write(move |c| {
                        started.store(true, Ordering::SeqCst);
                        while !release.load(Ordering::SeqCst) {
                            std::thread::sleep(Duration::from_millis(5));
                        }
                        count_rows(c);
                        Ok::<_, Error>(())
                    })
                    .await
            })
        };
        while !started.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        first.abort(); // the caller goes away; the unit runs on
        let _ = first.await;
        let second = {
            let database = database.clone();
            tokio::spawn(async move {
                database
                    .write(|c| {
                        diesel::insert_into(tk_test_counter::table)
                            .values((tk_test_counter::id.eq(1), tk_test_counter::n.eq(1i64)))
                            .execute(c)?;
                        Ok::<_, Error>(())
                    })
                    .await
            })
        };
        // The servers' second write ends on its own; SQLite's waits (the whole 2 s).
        let deadline = Instant::now() + Duration::from_secs(2);
        while !second.is_finished() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let state = database.state();
        let in_use = state.connections - state.idle_connections;
        let second_done = second.is_finished();
        release.store(true, Ordering::SeqCst);
        second.await.unwrap().unwrap();
        // SQLite: the second writer waits for the lock without a connection; the servers: it
        // has written on a connection of its own and given it back.
        assert_eq!(
            (in_use, second_done),
            (1, db.backend != Backend::Sqlite),
            "connections in use and whether the second write was done, {state:?}"
        );
    });
}

/// A database that answers and refuses the configuration (an unknown user or database, a SQLite
/// file that cannot be opened) fails start-up with a configuration error: retrying the same
/// settings cannot help, unlike a server that is down (retryable).
fn a_refused_sign_in_is_a_configuration_error_not_retryable(db: &TestDb) {
    use trapperkeeper_db::error::ErrorKind;
    let mut refused = Vec::new();
    let mut down = None;
    match db.backend {
        Backend::Sqlite => {
            let file = db.dir().join("a-plain-file");
            std::fs::write(&file, b"not a directory").unwrap();
            refused.push(format!("sqlite://{}/tk.db", file.display()));
        }
        _ => {
            let url = url::Url::parse(&db.url).unwrap();
            let mut user = url.clone();
            user.set_username("tk_no_such_role").unwrap();
            refused.push(user.to_string());
            let mut database = url.clone();
            database.set_path("/tk_no_such_database");
            refused.push(database.to_string());
            let mut port = url;
            port.set_port(Some(1)).unwrap();
            down = Some(port.to_string());
        }
    }
    runtime().block_on(async {
        let open = |url: String| async move {
            let config = trapperkeeper_db::config::DatabaseConfig::for_url(&url)
                .unwrap()
                .with_connection_timeout(Duration::from_secs(3));
            Database::open(&config).await.unwrap_err()
        };
        for url in refused {
            let err = open(url).await;
            assert_eq!(err.kind(), ErrorKind::Config, "{err}");
            assert!(!err.is_retryable(), "{err}");
            let as_repository = trapperkeeper_db::repository::Error::from(err);
            assert_eq!(as_repository.kind(), ErrorKind::Config, "{as_repository}");
        }
        if let Some(url) = down {
            let err = open(url).await;
            assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
            assert!(err.is_retryable());
        }
    });
}

/// On SQLite this process's write units queue for the one write lock before they take a
/// connection: while one holds it, the others hold no connection (racing inside SQLite, each
/// held one while it slept in the busy handler) and reads go on. On the servers write units
/// run side by side.
fn sqlite_write_units_queue_for_the_write_lock_holding_no_connection(db: &TestDb) {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    runtime().block_on(async {
        let database = open_with_counter(db, db.config().with_pool_size(8, 1)).await;
        let inside = Arc::new(AtomicUsize::new(0));
        let release = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..6)
            .map(|i| {
                let (database, inside, release) =
                    (database.clone(), inside.clone(), release.clone());
                tokio::spawn(async move {
                    database
                        .write(move |c| {
                            inside.fetch_add(1, Ordering::SeqCst);
                            diesel::insert_into(tk_test_counter::table)
                                .values((tk_test_counter::id.eq(i), tk_test_counter::n.eq(1i64)))
                                .execute(c)?;
                            // The first writer holds the lock until the checks below are done.
                            while !release.load(Ordering::SeqCst) {
                                std::thread::sleep(Duration::from_millis(5));
                            }
                            inside.fetch_sub(1, Ordering::SeqCst);
                            Ok::<_, Error>(())
                        })
                        .await
                })
            })
            .collect();
        // The servers let all six in; SQLite one. Then give the others time to queue (racing
        // inside SQLite, each would have checked out a connection by then).
        let expected_inside = if db.backend == Backend::Sqlite { 1 } else { 6 };
        let deadline = Instant::now() + Duration::from_secs(10);
        while inside.load(Ordering::SeqCst) < expected_inside && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let state = database.state();
        let (in_use, units_inside) = (
            state.connections - state.idle_connections,
            inside.load(Ordering::SeqCst),
        );
        // A read goes on while the writer holds the lock.
        let read = database
            .run(|c| Ok::<_, Error>(count_rows(c)))
            .await
            .unwrap();
        release.store(true, Ordering::SeqCst);
        for w in writers {
            w.await.unwrap().unwrap();
        }
        let rows = database
            .run(|c| Ok::<_, Error>(count_rows(c)))
            .await
            .unwrap();
        assert_eq!(rows, 6);
        assert!(read <= 6);
        assert_eq!(
            (in_use, units_inside),
            (expected_inside as u32, expected_inside),
            "connections in use and write units inside, {state:?}"
        );
    });
}

/// Issue 13's bug: `min_idle = max_connections` (accepted by the configuration) made
/// `Database::open` fail with "the new pool refused its first connection". The pool holds at
/// most `max_connections`, and every connection serves.
fn min_idle_equal_to_max_connections_opens_and_serves(db: &TestDb) {
    runtime().block_on(async {
        let config = db.config().with_pool_size(3, 3);
        config.validate().unwrap();
        let database = Database::open(&config).await.unwrap();
        let tasks = common::holding_pings(&database, 6, Duration::from_millis(50));
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let state = database.state();
        assert!(state.connections <= 3, "{state:?}");
        assert!(state.connections >= 1, "{state:?}");
    });
}

fn session_settings_are_applied_on_every_pooled_connection(db: &TestDb) {
    runtime().block_on(async {
        let database = Database::open(&db.config()).await.unwrap();
        // Four at once, so they land on four different pooled connections.
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let database = database.clone();
                tokio::spawn(async move {
                    database
                        .run(|c| {
                            std::thread::sleep(Duration::from_millis(100));
                            c.session_settings().map_err(Error::from)
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        for task in tasks {
            let settings: std::collections::HashMap<_, _> =
                task.await.unwrap().into_iter().collect();
            match db.backend {
                Backend::Sqlite => {
                    assert_eq!(settings["busy_timeout"], "5000");
                    assert_eq!(settings["journal_mode"], "wal");
                    assert_eq!(settings["synchronous"], "1", "1 = NORMAL");
                    assert_eq!(settings["foreign_keys"], "1");
                }
                Backend::Postgres => assert_eq!(settings["TimeZone"], "UTC"),
                Backend::Mysql => {
                    assert_eq!(settings["time_zone"], "+00:00");
                    assert_eq!(settings["character_set_connection"], "utf8mb4");
                    assert!(
                        settings["sql_mode"].contains("STRICT_ALL_TABLES"),
                        "{settings:?}"
                    );
                }
            }
        }
        assert!(
            database.state().connections_created >= 2,
            "{:?}",
            database.state()
        );
    });
}

fn open_applies_migrations_once(db: &TestDb) {
    runtime().block_on(async {
        let database = Database::open(&db.config()).await.unwrap();
        let report = database.migrate(MigrationPolicy::Apply).await.unwrap();
        assert!(report.applied_now.is_empty(), "second run applies nothing");
        assert!(report.status.pending.is_empty());
        assert_eq!(report.status.applied[0].name, "0001_create_tenants");
        // The first migration's table exists with the audit columns.
        database
            .run(|c| {
                c.batch_execute(
                    "SELECT tenant_id, name, created_at, modified_at, deleted_at FROM tenants",
                )
                .map_err(Error::from)
            })
            .await
            .unwrap();
    });
}

fn write_transaction_commits_or_rolls_back_as_a_whole(db: &TestDb) {
    runtime().block_on(async {
        let database = open_with_counter(db, db.config()).await;
        let failed: Result<(), Error> = database
            .write(|c| {
                diesel::insert_into(tk_test_counter::table)
                    .values((tk_test_counter::id.eq(1), tk_test_counter::n.eq(1)))
                    .execute(c)?;
                // A second statement fails: duplicate key.
                diesel::insert_into(tk_test_counter::table)
                    .values((tk_test_counter::id.eq(1), tk_test_counter::n.eq(2)))
                    .execute(c)?;
                Ok(())
            })
            .await;
        assert!(matches!(failed, Err(Error::Query(_))), "{failed:?}");
        let committed = database
            .write(|c| {
                diesel::insert_into(tk_test_counter::table)
                    .values((tk_test_counter::id.eq(2), tk_test_counter::n.eq(2)))
                    .execute(c)?;
                // A nested write becomes a savepoint; its failure leaves the outer one intact.
                let inner: Result<(), Error> = c.write_transaction(|c| {
                    diesel::insert_into(tk_test_counter::table)
                        .values((tk_test_counter::id.eq(3), tk_test_counter::n.eq(3)))
                        .execute(c)?;
                    Err(Error::Cancelled)
                });
                assert!(inner.is_err());
                Ok::<_, Error>(count_rows(c))
            })
            .await
            .unwrap();
        assert_eq!(committed, 1);
        let ids: Vec<i32> = database
            .run(|c| Ok::<_, Error>(tk_test_counter::table.select(tk_test_counter::id).load(c)?))
            .await
            .unwrap();
        assert_eq!(ids, vec![2]);
    });
}

#[derive(QueryableByName)]
struct Counter {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = Value)]
    value: String,
}

/// After every kind of write transaction — committed, rolled back by the caller, rolled back by
/// a failed statement, with a failed savepoint inside — the connection autocommits again: a
/// plain statement on it is seen at once from another session. (On MySQL a write transaction
/// begins with `SET autocommit = 0` and ends with `SET autocommit = 1`: see `mysql_write` in
/// src/connection.rs.) There, one insert in a write transaction costs the server 3 commands, as
/// for diesel-async and sqlx; diesel's `BEGIN`/`COMMIT` through `batch_execute` cost 7.
fn write_transactions_leave_the_connection_autocommitting(db: &TestDb) {
    let config = db.config();
    let mut conn = trapperkeeper_db::pool::connect_sync(&config).unwrap();
    let mut other = trapperkeeper_db::pool::connect_sync(&config).unwrap();
    conn.batch_execute(CREATE_COUNTER).unwrap();
    let insert = |c: &mut AnyConnection, id: i32| -> Result<(), Error> {
        diesel::insert_into(tk_test_counter::table)
            .values((tk_test_counter::id.eq(id), tk_test_counter::n.eq(1)))
            .execute(c)?;
        Ok(())
    };
    conn.write_transaction(|c| insert(c, 1)).unwrap();
    let by_caller = conn.write_transaction(|c| {
        insert(c, 2)?;
        Err::<(), _>(Error::Cancelled)
    });
    assert!(by_caller.is_err());
    let by_statement = conn.write_transaction(|c| {
        insert(c, 3)?;
        insert(c, 1) // duplicate key
    });
    assert!(
        matches!(by_statement, Err(Error::Query(_))),
        "{by_statement:?}"
    );
    conn.write_transaction(|c| {
        insert(c, 4)?;
        let inner = c.write_transaction(|c| {
            insert(c, 5)?;
            Err::<(), _>(Error::Cancelled)
        });
        assert!(inner.is_err());
        Ok::<_, Error>(())
    })
    .unwrap();
    assert!(!conn.in_transaction());
    insert(&mut conn, 6).unwrap();
    let seen: Vec<i32> = tk_test_counter::table
        .select(tk_test_counter::id)
        .order(tk_test_counter::id)
        .load(&mut other)
        .unwrap();
    assert_eq!(seen, vec![1, 4, 6]);

    if db.backend == Backend::Mysql {
        let questions = |c: &mut AnyConnection| -> i64 {
            diesel::sql_query("SHOW SESSION STATUS LIKE 'Questions'")
                .get_result::<Counter>(c)
                .unwrap()
                .value
                .parse()
                .unwrap()
        };
        let before = questions(&mut conn);
        conn.write_transaction(|c| insert(c, 7)).unwrap();
        // The second reading counts itself.
        let commands = questions(&mut conn) - before - 1;
        assert_eq!(
            commands, 3,
            "server commands for one insert in a write transaction"
        );
    }
}

/// Callers get connections in the order they asked. 32 tasks share 4 connections, each call
/// holding its connection for 2 ms: every task finishes within 2× of the mean number of calls.
/// (bb8 alone is not fair — a task that has just returned a connection can take it again
/// before the waiter bb8 woke runs — and some tasks finished 1–3 calls in 2 s under load.) On
/// the servers a task served from the queue runs a lease of units ahead of it, up to a share of
/// the patience (half the checkout timeout, 2.5 s here) per turn; 4 s holds three or four turns
/// of the queue, so shares even out.
fn callers_take_turns_for_connections(db: &TestDb) {
    runtime().block_on(async {
        let database = Database::open(&db.config().with_pool_size(4, 4))
            .await
            .unwrap();
        let until = Instant::now() + Duration::from_millis(4000);
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let database = database.clone();
                tokio::spawn(async move {
                    let mut calls = 0u32;
                    while Instant::now() < until {
                        database
                            .run(|c| {
                                std::thread::sleep(Duration::from_millis(2));
                                c.ping().map_err(Error::from)
                            })
                            .await
                            .unwrap();
                        calls += 1;
                    }
                    calls
                })
            })
            .collect();
        let mut calls = Vec::new();
        for t in tasks {
            calls.push(t.await.unwrap());
        }
        let mean = calls.iter().sum::<u32>() as f64 / calls.len() as f64;
        let (min, max) = (*calls.iter().min().unwrap(), *calls.iter().max().unwrap());
        assert!(
            mean >= 10.0 && min as f64 >= mean / 2.0 && max as f64 <= mean * 2.0,
            "calls per task {calls:?}, mean {mean:.1}"
        );
    });
}

/// One caller at a time gets the connection it used last (LIFO), not the one idle longest: its
/// server session is warm. A temporary table, which only its own session sees, marks it.
fn one_caller_at_a_time_reuses_the_warm_connection(db: &TestDb) {
    runtime().block_on(async {
        let database = Database::open(&db.config().with_pool_size(4, 4))
            .await
            .unwrap();
        // Four connections open: four units at once (beside a native pool no spares are kept
        // ahead for `min_idle`).
        for unit in common::holding_pings(&database, 4, Duration::from_millis(100)) {
            unit.await.unwrap().unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while database.state().idle_connections < 4 {
            assert!(Instant::now() < deadline, "{:?}", database.state());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let temporary = if db.backend == Backend::Mysql {
            "TEMPORARY"
        } else {
            "TEMP"
        };
        let create = format!("CREATE {temporary} TABLE tk_session_marker (x INTEGER)");
        database
            .run(move |c| c.batch_execute(&create).map_err(Error::from))
            .await
            .unwrap();
        for call in 0..20 {
            let seen = database
                .run(|c| {
                    c.batch_execute("SELECT COUNT(*) FROM tk_session_marker")
                        .map_err(Error::from)
                })
                .await;
            assert!(
                seen.is_ok(),
                "call {call} ran on another connection: {seen:?}"
            );
        }
        assert_eq!(database.state().connections, 4);
    });
}

fn pool_exhaustion_is_a_typed_timeout_then_recovers(db: &TestDb) {
    runtime().block_on(async {
        let timeout = Duration::from_millis(1000);
        let config = db
            .config()
            .with_pool_size(2, 0)
            .with_connection_timeout(timeout);
        let database = Database::open(&config).await.unwrap();
        let holders = common::holding_pings(&database, 2, Duration::from_millis(2500));
        tokio::time::sleep(Duration::from_millis(300)).await;
        let started = Instant::now();
        let err = database
            .run(|c| c.ping().map_err(Error::from))
            .await
            .unwrap_err();
        let waited = started.elapsed();
        assert!(matches!(err, Error::PoolTimeout { .. }), "{err:?}");
        assert!(err.is_retryable());
        assert!(waited >= timeout.mul_f64(0.95), "gave up early: {waited:?}");
        assert!(
            waited <= timeout.mul_f64(1.1) + Duration::from_millis(50),
            "took {waited:?}"
        );
        for h in holders {
            h.await.unwrap().unwrap();
        }
        // Full recovery: many units of work, all served.
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let database = database.clone();
                tokio::spawn(async move { database.run(|c| c.ping().map_err(Error::from)).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
    });
}

fn dropped_future_mid_transaction_commits_nothing(db: &TestDb) {
    // On a current-thread runtime the unit of work runs on the blocking pool, so the awaiting
    // future can be dropped while the transaction is open.
    common::current_thread_runtime().block_on(async {
        let config = db.config().with_pool_size(2, 0);
        let database = open_with_counter(db, config).await;
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let write = database.write(move |c| {
            diesel::insert_into(tk_test_counter::table)
                .values((tk_test_counter::id.eq(1), tk_test_counter::n.eq(1)))
                .execute(c)?;
            started_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(400));
            Ok::<_, Error>(())
        });
        // Drop the future while the insert is done and the commit is still ahead.
        let outcome = tokio::time::timeout(Duration::from_millis(150), write).await;
        assert!(outcome.is_err(), "the future was dropped by the timeout");
        started_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("the unit of work had started");
        tokio::time::sleep(Duration::from_millis(700)).await;
        let (rows, open) = database
            .run(|c| Ok::<_, Error>((count_rows(c), c.in_transaction())))
            .await
            .unwrap();
        assert_eq!(rows, 0, "nothing committed");
        assert!(!open);
        // Every pooled connection is free of transactions and usable for writes.
        let tasks: Vec<_> = (0..2)
            .map(|i| {
                let database = database.clone();
                tokio::spawn(async move {
                    database
                        .write(move |c| {
                            std::thread::sleep(Duration::from_millis(100));
                            diesel::insert_into(tk_test_counter::table)
                                .values((tk_test_counter::id.eq(10 + i), tk_test_counter::n.eq(0)))
                                .execute(c)?;
                            Ok::<_, Error>(())
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let rows = database
            .run(|c| Ok::<_, Error>(count_rows(c)))
            .await
            .unwrap();
        assert_eq!(rows, 2);
    });
}

fn started_unit_runs_to_its_end_on_a_multi_thread_runtime(db: &TestDb) {
    // On a multi-thread runtime the unit runs in place: a timeout cannot cut it off half-way, so
    // it commits as a whole and the caller learns the outcome.
    runtime().block_on(async {
        let database = open_with_counter(db, db.config()).await;
        let write = database.write(|c| {
            diesel::insert_into(tk_test_counter::table)
                .values((tk_test_counter::id.eq(1), tk_test_counter::n.eq(1)))
                .execute(c)?;
            std::thread::sleep(Duration::from_millis(300));
            Ok::<_, Error>(())
        });
        let outcome = tokio::time::timeout(Duration::from_millis(50), write).await;
        assert!(matches!(outcome, Ok(Ok(()))), "{outcome:?}");
        let rows = database
            .run(|c| Ok::<_, Error>(count_rows(c)))
            .await
            .unwrap();
        assert_eq!(rows, 1);
    });
}

fn unit_of_work_leaving_a_transaction_open_is_discarded(db: &TestDb) {
    runtime().block_on(async {
        let config = db.config().with_pool_size(1, 0);
        let database = open_with_counter(db, config).await;
        let broken_before = database.state().connections_closed_broken;
        // A careless unit of work that begins and never commits.
        database
            .run(|c| {
                use diesel::connection::TransactionManager;
                <AnyConnection as TransactionManager<AnyConnection>>::begin_transaction(c)?;
                diesel::insert_into(tk_test_counter::table)
                    .values((tk_test_counter::id.eq(1), tk_test_counter::n.eq(1)))
                    .execute(c)?;
                Ok::<_, Error>(())
            })
            .await
            .unwrap();
        // bb8 discards the connection on return; give it a moment to replace it.
        let (rows, open) = database
            .run(|c| Ok::<_, Error>((count_rows(c), c.in_transaction())))
            .await
            .unwrap();
        assert!(!open);
        assert_eq!(
            rows, 0,
            "the abandoned transaction was rolled back, not committed"
        );
        assert_eq!(
            database.state().connections_closed_broken,
            broken_before + 1
        );
    });
}

fn panic_in_unit_of_work_is_an_error_and_pool_serves(db: &TestDb) {
    runtime().block_on(async {
        let config = db.config().with_pool_size(1, 0);
        let database = Database::open(&config).await.unwrap();
        let err = database
            .run(|_c| -> Result<(), Error> { panic!("boom in a unit of work") })
            .await
            .unwrap_err();
        match &err {
            Error::Panicked(message) => assert!(message.contains("boom in a unit of work")),
            other => panic!("expected Panicked, got {other:?}"),
        }
        assert_eq!(database.state().connections_closed_broken, 1);
        for _ in 0..3 {
            database
                .run(|c| c.ping().map_err(Error::from))
                .await
                .unwrap();
        }
    });
}

fn eight_processes_migrate_one_fresh_database(db: &TestDb) {
    let children: Vec<_> = (0..8)
        .map(|_| {
            std::process::Command::new(env!("CARGO_BIN_EXE_trapperkeeper"))
                .args(["--db-url", &db.url, "db", "migrate"])
                .env_remove("TK_DATABASE_URL")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut applied_now = 0;
    for child in children {
        let out = child.wait_with_output().map(common::recorded).unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "stdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        applied_now += stdout.lines().filter(|l| l.starts_with("applied ")).count();
    }
    let mut conn = trapperkeeper_db::pool::connect_sync(&db.config()).unwrap();
    let status = trapperkeeper_db::migrations::status(&mut conn).unwrap();
    assert!(status.pending.is_empty());
    assert_eq!(
        applied_now,
        status.applied.len(),
        "each migration applied by exactly one process"
    );
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    for table in [
        "__diesel_schema_migrations",
        "__trapperkeeper_migration_checksums",
    ] {
        let n: N = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(n.n as usize, status.applied.len(), "{table}");
    }
}

fn tampered_migration_checksum_stops_start_up(db: &TestDb) {
    runtime().block_on(async {
        let database = Database::open(&db.config()).await.unwrap();
        database
            .run(|c| {
                c.batch_execute(
                    "UPDATE __trapperkeeper_migration_checksums SET checksum = \
                     '0000000000000000000000000000000000000000000000000000000000000000' WHERE version = '0001'",
                )
                .map_err(Error::from)
            })
            .await
            .unwrap();
        let err = Database::open(&db.config()).await.unwrap_err();
        match &err {
            Error::Migration(MigrationError::ChecksumMismatch { version, .. }) => assert_eq!(version, "0001"),
            other => panic!("expected ChecksumMismatch, got {other:?}"),
        }
        assert!(err.to_string().contains("migration 0001 was changed"), "{err}");
    });
}

/// `diesel migration revert` (which knows nothing of the checksum table) and then start-up:
/// the reverted migration is applied again and start-up succeeds, checksums kept true (it once
/// failed on the leftover checksum's primary key).
fn a_revert_by_the_diesel_cli_is_applied_again(db: &TestDb) {
    let Some(diesel) = common::diesel_cli() else {
        return;
    };
    runtime().block_on(async {
        Database::open(&db.config()).await.unwrap();
    });
    let folder = format!("migrations/{}", db.backend.name());
    for args in [&["migration", "revert"][..], &["migration", "redo"][..]] {
        common::run_diesel(&diesel, db, &[args, &["--migration-dir", &folder]].concat());
        runtime().block_on(async {
            let database = Database::open(&db.config())
                .await
                .unwrap_or_else(|e| panic!("after {args:?}: {e}"));
            let (status, checksums) = database
                .run(|c| {
                    let status = trapperkeeper_db::migrations::status(c)?;
                    let n: i64 = diesel::sql_query(
                        "SELECT COUNT(*) AS n FROM __trapperkeeper_migration_checksums",
                    )
                    .get_result::<Count>(c)
                    .map_err(Error::from)?
                    .n;
                    Ok::<_, Error>((status, n))
                })
                .await
                .unwrap();
            assert!(status.pending.is_empty(), "{status:?}");
            assert_eq!(checksums as usize, status.applied.len());
        });
    }
    // A checksum tampered with after the redo is still caught: the records are live.
    runtime().block_on(async {
        let database = Database::open(&db.config()).await.unwrap();
        database
            .run(|c| {
                c.batch_execute(
                    "UPDATE __trapperkeeper_migration_checksums SET checksum = \
                     '0000000000000000000000000000000000000000000000000000000000000000'",
                )
                .map_err(Error::from)
            })
            .await
            .unwrap();
        assert!(Database::open(&db.config()).await.is_err());
    });
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn unknown_applied_version_stops_start_up(db: &TestDb) {
    runtime().block_on(async {
        let database = Database::open(&db.config()).await.unwrap();
        database
            .run(|c| {
                c.batch_execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('9999')")
                    .map_err(Error::from)
            })
            .await
            .unwrap();
        let err = Database::open(&db.config()).await.unwrap_err();
        match &err {
            Error::Migration(MigrationError::UnknownVersions { versions }) => {
                assert_eq!(versions, &["9999"])
            }
            other => panic!("expected UnknownVersions, got {other:?}"),
        }
        assert!(err.to_string().contains("9999"), "{err}");
    });
}

fn refuse_policy_does_not_apply_pending_migrations(db: &TestDb) {
    runtime().block_on(async {
        let refuse = db.config().with_migration_policy(MigrationPolicy::Refuse);
        let err = Database::open(&refuse).await.unwrap_err();
        assert!(
            matches!(&err, Error::Migration(MigrationError::Pending { names }) if names[0] == "0001_create_tenants"),
            "{err:?}"
        );
        let database = Database::connect(&refuse).await.unwrap();
        let absent = database
            .run(|c| c.batch_execute("SELECT 1 FROM tenants").map_err(Error::from))
            .await;
        assert!(absent.is_err(), "refusing created no table");
        Database::open(&db.config()).await.unwrap();
        Database::open(&refuse).await.expect("nothing pending any more");
    });
}

fn diesel_cli_and_library_share_migration_state(db: &TestDb) {
    let Some(diesel) = common::diesel_cli() else {
        return;
    };
    let folder = format!(
        "{}/migrations/{}",
        env!("CARGO_MANIFEST_DIR"),
        db.backend.name()
    );
    let diesel_cmd = |args: &[&str]| {
        common::run_diesel(&diesel, db, &[args, &["--migration-dir", &folder]].concat())
    };
    diesel_cmd(&["migration", "run"]);
    runtime().block_on(async {
        // Applied by the CLI: the library sees it, records its checksum, applies nothing.
        let database = Database::open(&db.config()).await.unwrap();
        let report = database.migrate(MigrationPolicy::Apply).await.unwrap();
        assert!(report.applied_now.is_empty());
        assert!(report.status.pending.is_empty());
    });
    assert!(diesel_cmd(&["migration", "pending"]).contains("false"));
    diesel_cmd(&["migration", "revert", "--all"]);
    let mut conn = trapperkeeper_db::pool::connect_sync(&db.config()).unwrap();
    let status = trapperkeeper_db::migrations::status(&mut conn).unwrap();
    assert!(
        status.applied.is_empty(),
        "the library sees the CLI's revert"
    );
    assert!(!status.pending.is_empty());
    assert_eq!(status.pending[0].name, "0001_create_tenants");
}

fn pools_to_different_backends_work_side_by_side(db: &TestDb) {
    // Pair this backend with an SQLite pool in the same process (for SQLite: a second file).
    let other = TestDb::create(Backend::Sqlite).expect("SQLite needs no server");
    if !Backend::Sqlite.is_compiled_in() {
        return;
    }
    runtime().block_on(async {
        let a = Database::open(&db.config()).await.unwrap();
        let b = Database::open(&other.config()).await.unwrap();
        for _ in 0..3 {
            let (x, y) = tokio::join!(
                a.run(|c| Ok::<_, Error>(c.backend())),
                b.run(|c| Ok::<_, Error>(c.backend()))
            );
            assert_eq!(x.unwrap(), db.backend);
            assert_eq!(y.unwrap(), Backend::Sqlite);
        }
    });
}

// SQLite has no server whose session could be killed; these apply to the two servers.
backend_tests!(servers:
    killed_server_session_is_replaced,
    dead_connections_cost_one_failed_call,
    canary_password_never_appears_in_errors
);

#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
fn killed_server_session_is_replaced(db: &TestDb) {
    runtime().block_on(async {
        let config = db.config().with_pool_size(1, 0);
        let database = Database::open(&config).await.unwrap();
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        let session_sql = match db.backend {
            Backend::Postgres => "SELECT CAST(pg_backend_pid() AS BIGINT) AS id",
            _ => "SELECT CAST(CONNECTION_ID() AS SIGNED) AS id",
        };
        let session = move |database: Database| async move {
            database
                .run(move |c| {
                    Ok::<_, Error>(diesel::sql_query(session_sql).get_result::<Id>(c)?.id)
                })
                .await
        };
        let first = session(database.clone()).await.unwrap();
        let kill = match db.backend {
            Backend::Postgres => format!("SELECT pg_terminate_backend({first})"),
            _ => format!("KILL {first}"),
        };
        let mut admin = trapperkeeper_db::connection::establish(
            &trapperkeeper_db::url::DatabaseUrl::parse(&common::admin_url(db.backend)).unwrap(),
        )
        .unwrap();
        admin.batch_execute(&kill).unwrap();
        // The first use of the dead session fails; the connection is then discarded…
        let failed = session(database.clone()).await;
        assert!(failed.is_err(), "a killed session cannot answer");
        // …and the next unit of work gets a fresh one.
        let second = session(database.clone()).await.unwrap();
        assert_ne!(first, second);
        assert_eq!(database.state().connections_closed_broken, 1);
    });
}

#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
fn canary_password_never_appears_in_errors(db: &TestDb) {
    const CANARY: &str = "Canary-Pw-51d2e";
    let mut url = url::Url::parse(&db.url).unwrap();
    url.set_port(Some(1)).unwrap();
    url.set_username("tk").unwrap();
    url.set_password(Some(CANARY)).unwrap();
    runtime().block_on(async {
        let config = trapperkeeper_db::config::DatabaseConfig::for_url(url.as_str())
            .unwrap()
            .with_connection_timeout(Duration::from_secs(3));
        let err = Database::open(&config).await.unwrap_err();
        let shown = format!("{err} || {err:?} || {config:?}");
        assert!(matches!(err, Error::Connect { .. }), "{shown}");
        // One line: libpq's "Connection refused\n\tIs the server running…" is joined.
        assert!(!err.to_string().contains('\n'), "{err}");
        assert!(!shown.contains(CANARY), "{shown}");
        assert!(shown.contains("***"), "{shown}");
        assert!(
            shown.contains(&db.backend.to_string()),
            "names the backend: {shown}"
        );
        let err = trapperkeeper_db::pool::connect_sync(&config).unwrap_err();
        assert!(!format!("{err} {err:?}").contains(CANARY));
    });
}

/// Kills every session of the test database from an admin connection, as a server restart
/// would.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
fn kill_all_sessions(db: &TestDb) {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let name = url::Url::parse(&db.url)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_string();
    let mut admin = trapperkeeper_db::connection::establish(
        &trapperkeeper_db::url::DatabaseUrl::parse(&common::admin_url(db.backend)).unwrap(),
    )
    .unwrap();
    let sessions_sql = match db.backend {
        Backend::Postgres => format!(
            "SELECT CAST(pid AS BIGINT) AS id FROM pg_stat_activity WHERE datname = '{name}'"
        ),
        _ => format!(
            "SELECT CAST(id AS SIGNED) AS id FROM information_schema.processlist WHERE db = '{name}'"
        ),
    };
    let ids: Vec<Id> = diesel::sql_query(sessions_sql.clone())
        .load(&mut admin)
        .unwrap();
    assert!(!ids.is_empty());
    for Id { id } in ids {
        let kill = match db.backend {
            Backend::Postgres => format!("SELECT pg_terminate_backend({id})"),
            _ => format!("KILL {id}"),
        };
        admin.batch_execute(&kill).unwrap();
    }
    // pg_terminate_backend only signals: wait until the server lists none of the sessions.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left: Vec<Id> = diesel::sql_query(sessions_sql.clone())
            .load(&mut admin)
            .unwrap();
        if left.is_empty() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "sessions still alive");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// After a dead connection is found, the pool checks the others it holds before handing them
/// out: a restart costs one failed call, not one per pooled connection.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
fn dead_connections_cost_one_failed_call(db: &TestDb) {
    const N: usize = 3;
    runtime().block_on(async {
        let database = Database::open(&db.config().with_pool_size(N as u32, 0))
            .await
            .unwrap();
        // N connections open at once: N units that each wait for the others.
        let all_in = std::sync::Arc::new(common::Rendezvous::new(N));
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..N {
            let (database, all_in) = (database.clone(), all_in.clone());
            set.spawn(async move {
                database
                    .run(move |_| {
                        all_in.wait(Duration::from_secs(30));
                        Ok::<_, Error>(())
                    })
                    .await
            });
        }
        while let Some(joined) = set.join_next().await {
            joined.unwrap().unwrap();
        }
        assert_eq!(database.state().connections, N as u32);
        kill_all_sessions(db);
        let mut failures = 0;
        for _ in 0..3 * N {
            if database
                .run(|c| c.ping().map_err(Error::from))
                .await
                .is_err()
            {
                failures += 1;
            }
        }
        assert_eq!(failures, 1, "one failed call for {N} dead connections");
    });
}
