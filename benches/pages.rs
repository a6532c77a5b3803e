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
#[path = "../tests/common/sensor_rows.rs"]
mod sensor_rows;

use common::BenchDb;
use criterion::{criterion_group, criterion_main, Criterion};
use sensor_rows::{id_of, seed};
use trapperkeeper_db::config::DatabaseConfig;
use trapperkeeper_db::repository::{sensors, tenants, Page};

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
