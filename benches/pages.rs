//! A keyset page of 50 (`sensors::list`, the sync repository call) in a tenant of 10,000 rows
//! and, in the same run, of 100,000 rows: the first page and one from the middle, per backend.
//! Migration 0004's indexes make a page independent of the tenant's size (issue 13's target:
//! 100,000 rows at most 1.5× the 10,000-row figure; SQLite at most 400 µs at 10,000).
//!
//! Every tenth row is soft-deleted, as a live tenant's table would be; a second tenant's rows
//! are interleaved with the first's (one in eleven). SQLite runs without ANALYZE, as
//! deployments do; the servers gather statistics themselves (ANALYZE here, so the run does not
//! depend on autovacuum's timing).
//!
//! Run: `cargo bench --bench pages` (needs the local PostgreSQL and MariaDB, like
//! `benches/repository.rs`); one backend: `cargo bench --bench pages -- sqlite/`.

use std::time::Duration;

mod common;

use common::BenchDb;
use criterion::{criterion_group, criterion_main, Criterion};
use diesel::connection::SimpleConnection;
use trapperkeeper_db::config::DatabaseConfig;
use trapperkeeper_db::repository::{sensors, tenants, Page};
use trapperkeeper_db::types::{SensorId, TenantId};
use trapperkeeper_db::url::Backend;
use trapperkeeper_db::AnyConnection;

/// Rows `from..=to` of the sequence: ids in sequence order, one in eleven in `other`.
fn seed(c: &mut AnyConnection, tenant: TenantId, other: TenantId, from: u32, to: u32) {
    let backend = c.backend();
    let (id, now, prelude) = match backend {
        Backend::Sqlite => ("printf('00000000-0000-7000-8000-%012d', n)", "0", ""),
        Backend::Postgres => (
            "'00000000-0000-7000-8000-' || lpad(n::text, 12, '0')",
            "now()",
            "",
        ),
        Backend::Mysql => (
            "CONCAT('00000000-0000-7000-8000-', LPAD(n, 12, '0'))",
            "UTC_TIMESTAMP(6)",
            "SET SESSION max_recursive_iterations = 10000000;",
        ),
    };
    c.batch_execute(&format!(
        "{prelude}
         INSERT INTO sensors (sensor_id, tenant_id, name, description, metadata, last_seen_at, created_at, modified_at, deleted_at)
         WITH RECURSIVE g(n) AS (SELECT {from} UNION ALL SELECT n + 1 FROM g WHERE n < {to})
         SELECT {id}, CASE WHEN n % 11 = 0 THEN '{other}' ELSE '{tenant}' END, 'sensor', NULL, '{{}}', NULL,
                {now}, {now}, CASE WHEN n % 10 = 0 THEN {now} ELSE NULL END
         FROM g;"
    ))
    .unwrap();
    match backend {
        Backend::Sqlite => {}
        Backend::Postgres => c.batch_execute("ANALYZE sensors").unwrap(),
        Backend::Mysql => c.batch_execute("ANALYZE TABLE sensors").unwrap(),
    }
}

/// The id of row `n` of the sequence.
fn id_of(n: u32) -> SensorId {
    SensorId::parse(&format!("00000000-0000-7000-8000-{n:012}")).unwrap()
}

fn bench_backend(c: &mut Criterion, name: &str) {
    let bench_db = BenchDb::new(name);
    let config = DatabaseConfig::for_url(&bench_db.url).unwrap();
    let mut conn = trapperkeeper_db::startup::open_sync(&config).unwrap();
    let new = |name: &str| tenants::NewTenant { name: name.into() };
    let tenant = tenants::create(&mut conn, new("measured"))
        .unwrap()
        .tenant_id;
    let other = tenants::create(&mut conn, new("other")).unwrap().tenant_id;
    let mut group = c.benchmark_group(name);
    group
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    // 11,000 and 110,000 in the sequence: 10,000 and 100,000 in the measured tenant.
    let mut seeded = 0;
    for (rows, to) in [("10k", 11_000), ("100k", 110_000)] {
        seed(&mut conn, tenant, other, seeded + 1, to);
        seeded = to;
        let middle = id_of(to / 2);
        let first = sensors::list(&mut conn, tenant, Page::first(50)).unwrap();
        assert_eq!(first.len(), 50);
        group.bench_function(format!("first_page/{rows}"), |b| {
            b.iter(|| sensors::list(&mut conn, tenant, Page::first(50)).unwrap())
        });
        group.bench_function(format!("middle_page/{rows}"), |b| {
            b.iter(|| {
                let page = Page {
                    after: Some(middle),
                    limit: 50,
                };
                sensors::list(&mut conn, tenant, page).unwrap()
            })
        });
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    for backend in ["sqlite", "postgres", "mysql"] {
        bench_backend(c, backend);
    }
}

criterion_group!(pages, benches);
criterion_main!(pages);
