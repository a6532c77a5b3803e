//! Repository (async API: one blocking hop on a bb8-pooled `AnyConnection`) against plain diesel
//! on a native sync connection, per backend, in the same run.
//!
//! Operations: get by id, create, list a page of 50, and the soft-delete cascade of a tenant with
//! 100 children (the plain baseline issues one UPDATE per child, in one transaction); creating a
//! user and the cascade also through the typed async twins (`create_async`,
//! `soft_delete_async`: native async connections on the servers).
//!
//! Run: `cargo bench --bench repository` (needs the local PostgreSQL and MariaDB; servers from
//! `TK_TEST_POSTGRES_URL` / `TK_TEST_MYSQL_URL`). Select a backend with a filter, e.g.
//! `cargo bench --bench repository -- sqlite/`.

use std::time::Duration;

mod common;

use common::BenchDb;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use diesel::prelude::*;
use trapperkeeper_db::config::DatabaseConfig;
use trapperkeeper_db::repository::tenants::{self, NewTenant};
use trapperkeeper_db::repository::users::{self, NewUser, Role};
use trapperkeeper_db::repository::Page;
use trapperkeeper_db::types::TenantId;
use trapperkeeper_db::{AnyConnection, Database};

#[allow(dead_code)]
#[path = "../schema/mysql.rs"]
mod gen_mysql;
#[allow(dead_code)]
#[path = "../schema/postgres.rs"]
mod gen_postgres;
#[allow(dead_code)]
#[path = "../schema/sqlite.rs"]
mod gen_sqlite;

const CHILDREN: usize = 100;

fn user(i: usize) -> NewUser {
    NewUser {
        username: format!("u{i}-{}", TenantId::new()),
        password_hash: "hash".into(),
        role: Role::Observer,
        force_password_change: false,
    }
}

/// A tenant with `n` users, made through the repository (setup, not measured).
fn seeded_tenant(conn: &mut AnyConnection, n: usize) -> TenantId {
    let t = tenants::create(
        conn,
        NewTenant {
            name: "bench".into(),
        },
    )
    .unwrap()
    .tenant_id;
    conn.write_transaction(|c| {
        for i in 0..n {
            users::create(c, t, user(i))?;
        }
        Ok::<_, trapperkeeper_db::repository::Error>(())
    })
    .unwrap();
    t
}

/// Times `iters` sequential calls of `call` made by one task on a worker of `rt`.
fn in_worker<F, Fut>(rt: &tokio::runtime::Runtime, iters: u64, db: &Database, call: F) -> Duration
where
    F: Fn(Database, usize) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let db = db.clone();
    rt.block_on(async move {
        tokio::spawn(async move {
            let start = std::time::Instant::now();
            for i in 0..iters as usize {
                call(db.clone(), i).await;
            }
            start.elapsed()
        })
        .await
        .unwrap()
    })
}

/// Times `iters` tenant cascades made by one task on a worker of `rt`, each on a tenant with
/// `CHILDREN` users seeded (untimed) just before.
fn cascade_in_worker<F, Fut>(
    rt: &tokio::runtime::Runtime,
    iters: u64,
    db: &Database,
    delete: F,
) -> Duration
where
    F: Fn(Database, TenantId) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = trapperkeeper_db::repository::Deleted> + Send,
{
    let db = db.clone();
    rt.block_on(async move {
        tokio::spawn(async move {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                let t = db
                    .run(|c| Ok::<_, trapperkeeper_db::Error>(seeded_tenant(c, CHILDREN)))
                    .await
                    .unwrap();
                let start = std::time::Instant::now();
                let deleted = delete(db.clone(), t).await;
                spent += start.elapsed();
                assert_eq!(deleted.children, CHILDREN);
            }
            spent
        })
        .await
        .unwrap()
    })
}

/// Plain diesel on a native connection against the generated schema module of one backend.
macro_rules! plain_diesel {
    ($module:ident, $gen:ident, $conn:ty, $variant:ident, $ts:ty, $now:expr) => {
        mod $module {
            use super::*;
            use $gen::{tenants, users};

            #[derive(Queryable)]
            #[allow(dead_code)]
            pub struct PlainTenant {
                tenant_id: String,
                name: String,
                created_at: $ts,
                modified_at: $ts,
                deleted_at: Option<$ts>,
            }

            #[derive(Queryable)]
            #[allow(dead_code)]
            pub struct PlainUser {
                user_id: String,
                tenant_id: String,
                username: String,
                password_hash: String,
                role: String,
                force_password_change: bool,
                created_at: $ts,
                modified_at: $ts,
                deleted_at: Option<$ts>,
            }

            pub fn native(any: AnyConnection) -> $conn {
                match any {
                    AnyConnection::$variant(c) => c,
                    #[allow(unreachable_patterns)]
                    _ => unreachable!(),
                }
            }

            pub fn get(c: &mut $conn, id: &str) -> PlainTenant {
                tenants::table
                    .filter(tenants::tenant_id.eq(id))
                    .filter(tenants::deleted_at.is_null())
                    .first(c)
                    .unwrap()
            }

            pub fn create(c: &mut $conn) {
                let now: $ts = $now;
                diesel::insert_into(tenants::table)
                    .values((
                        tenants::tenant_id.eq(TenantId::new().to_string()),
                        tenants::name.eq("plain"),
                        tenants::created_at.eq(now),
                        tenants::modified_at.eq(now),
                    ))
                    .execute(c)
                    .unwrap();
            }

            pub fn list(c: &mut $conn, tenant: &str) -> Vec<PlainUser> {
                users::table
                    .filter(users::tenant_id.eq(tenant))
                    .filter(users::deleted_at.is_null())
                    .order(users::user_id.asc())
                    .limit(50)
                    .load(c)
                    .unwrap()
            }

            /// One UPDATE per child, then the parent, in one transaction.
            pub fn cascade(c: &mut $conn, tenant: &str) {
                let now: $ts = $now;
                c.transaction(|c| {
                    let children: Vec<String> = users::table
                        .filter(users::tenant_id.eq(tenant))
                        .filter(users::deleted_at.is_null())
                        .select(users::user_id)
                        .load(c)?;
                    for child in children {
                        diesel::update(users::table.filter(users::user_id.eq(child)))
                            .set((users::deleted_at.eq(now), users::modified_at.eq(now)))
                            .execute(c)?;
                    }
                    diesel::update(tenants::table.filter(tenants::tenant_id.eq(tenant)))
                        .set((tenants::deleted_at.eq(now), tenants::modified_at.eq(now)))
                        .execute(c)?;
                    Ok::<_, diesel::result::Error>(())
                })
                .unwrap();
            }
        }
    };
}

plain_diesel!(
    plain_sqlite,
    gen_sqlite,
    diesel::SqliteConnection,
    Sqlite,
    i64,
    chrono::Utc::now().timestamp_micros() * 1000
);
plain_diesel!(
    plain_postgres,
    gen_postgres,
    diesel::PgConnection,
    Postgresql,
    chrono::DateTime<chrono::Utc>,
    chrono::Utc::now()
);
plain_diesel!(
    plain_mysql,
    gen_mysql,
    diesel::MysqlConnection,
    Mysql,
    chrono::NaiveDateTime,
    chrono::Utc::now().naive_utc()
);

macro_rules! bench_backend {
    ($c:expr, $name:literal, $plain:ident) => {{
        let bench_db = BenchDb::new($name);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = DatabaseConfig::for_url(&bench_db.url)
            .unwrap()
            .with_pool_size(4, 1);
        let db = rt.block_on(Database::open(&config)).unwrap();
        let mut setup = trapperkeeper_db::pool::connect_sync(&config).unwrap();
        let mut native = $plain::native(trapperkeeper_db::pool::connect_sync(&config).unwrap());
        let listed = seeded_tenant(&mut setup, 60);
        let listed_text = listed.to_string();

        let mut group = $c.benchmark_group($name);
        group
            .measurement_time(Duration::from_secs(4))
            .warm_up_time(Duration::from_secs(1));

        group.bench_function("get_by_id/repository", |b| {
            b.to_async(&rt).iter(|| {
                let db = db.clone();
                async move { db.run(move |c| tenants::get(c, listed)).await.unwrap() }
            })
        });
        // The same call from inside a runtime worker task, as a service handler would make it.
        group.bench_function("get_by_id/repository_in_worker", |b| {
            b.iter_custom(|iters| {
                let db = db.clone();
                rt.block_on(async move {
                    tokio::spawn(async move {
                        let start = std::time::Instant::now();
                        for _ in 0..iters {
                            db.run(move |c| tenants::get(c, listed)).await.unwrap();
                        }
                        start.elapsed()
                    })
                    .await
                    .unwrap()
                })
            })
        });
        group.bench_function("get_by_id/repository_sync", |b| {
            b.iter(|| tenants::get(&mut setup, listed).unwrap())
        });
        group.bench_function("get_by_id/plain_diesel", |b| {
            b.iter(|| $plain::get(&mut native, &listed_text))
        });

        group.bench_function("create/repository", |b| {
            b.to_async(&rt).iter(|| {
                let db = db.clone();
                async move {
                    db.run(|c| {
                        tenants::create(
                            c,
                            NewTenant {
                                name: "repo".into(),
                            },
                        )
                    })
                    .await
                    .unwrap()
                }
            })
        });
        group.bench_function("create/plain_diesel", |b| {
            b.iter(|| $plain::create(&mut native))
        });

        // A row owned by a tenant (a user of `listed`): the blocking hop against the typed
        // twin, which runs on the native async connection of a server.
        group.bench_function("create_user/repository", |b| {
            let mut i = 0;
            b.to_async(&rt).iter(|| {
                let db = db.clone();
                i += 1;
                let new = user(i);
                async move {
                    db.run(move |c| users::create(c, listed, new))
                        .await
                        .unwrap()
                }
            })
        });
        group.bench_function("create_user/repository_async", |b| {
            let mut i = 0;
            b.to_async(&rt).iter(|| {
                let db = db.clone();
                i += 1;
                let new = user(i);
                async move { users::create_async(&db, listed, new).await.unwrap() }
            })
        });

        // The same two from inside a runtime worker task, where a service's handler runs: there
        // the native connection's I/O wakes the task on its own thread (from `block_on` every
        // round trip is a wake-up across threads).
        group.bench_function("create_user/repository_in_worker", |b| {
            b.iter_custom(|iters| {
                in_worker(&rt, iters, &db, move |db, i| async move {
                    db.run(move |c| users::create(c, listed, user(i)))
                        .await
                        .unwrap();
                })
            })
        });
        group.bench_function("create_user/repository_async_in_worker", |b| {
            b.iter_custom(|iters| {
                in_worker(&rt, iters, &db, move |db, i| async move {
                    users::create_async(&db, listed, user(i)).await.unwrap();
                })
            })
        });

        group.bench_function("list_page_50/repository", |b| {
            b.to_async(&rt).iter(|| {
                let db = db.clone();
                async move {
                    db.run(move |c| users::list(c, listed, Page::first(50)))
                        .await
                        .unwrap()
                }
            })
        });
        group.bench_function("list_page_50/plain_diesel", |b| {
            b.iter(|| $plain::list(&mut native, &listed_text))
        });

        group.sample_size(20);
        group.bench_function("cascade_100/repository", |b| {
            b.to_async(&rt).iter_batched(
                || seeded_tenant(&mut setup, CHILDREN),
                |t| {
                    let db = db.clone();
                    async move {
                        let d = db.run(move |c| tenants::soft_delete(c, t)).await.unwrap();
                        assert_eq!(d.children, CHILDREN);
                    }
                },
                BatchSize::PerIteration,
            )
        });
        group.bench_function("cascade_100/repository_async", |b| {
            b.to_async(&rt).iter_batched(
                || seeded_tenant(&mut setup, CHILDREN),
                |t| {
                    let db = db.clone();
                    async move {
                        let d = tenants::soft_delete_async(&db, t).await.unwrap();
                        assert_eq!(d.children, CHILDREN);
                    }
                },
                BatchSize::PerIteration,
            )
        });
        group.bench_function("cascade_100/repository_in_worker", |b| {
            b.iter_custom(|iters| {
                cascade_in_worker(&rt, iters, &db, |db, t| async move {
                    db.run(move |c| tenants::soft_delete(c, t)).await.unwrap()
                })
            })
        });
        group.bench_function("cascade_100/repository_async_in_worker", |b| {
            b.iter_custom(|iters| {
                cascade_in_worker(&rt, iters, &db, |db, t| async move {
                    tenants::soft_delete_async(&db, t).await.unwrap()
                })
            })
        });
        group.bench_function("cascade_100/plain_diesel_per_child", |b| {
            b.iter_batched(
                || seeded_tenant(&mut setup, CHILDREN).to_string(),
                |t| $plain::cascade(&mut native, &t),
                BatchSize::PerIteration,
            )
        });
        group.finish();
    }};
}

fn benches(c: &mut Criterion) {
    bench_backend!(c, "sqlite", plain_sqlite);
    bench_backend!(c, "postgres", plain_postgres);
    bench_backend!(c, "mysql", plain_mysql);
}

criterion_group!(repository, benches);
criterion_main!(repository);
