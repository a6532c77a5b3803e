//! A named query against the same query written with the diesel DSL, on one sync
//! `AnyConnection` per backend, in the same run: the cost of the named-query layer.
//!
//! Run: `cargo bench --bench queries` (local PostgreSQL and MariaDB as for the tests).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use trapperkeeper_db::config::DatabaseConfig;
use trapperkeeper_db::queries;
use trapperkeeper_db::repository::rules::{self, NewRule, Rule, RuleAction, RuleState};
use trapperkeeper_db::repository::sensors::{self, NewSensor, Sensor};
use trapperkeeper_db::repository::tenants::{self, NewTenant};
use trapperkeeper_db::schema;
use trapperkeeper_db::url::DatabaseUrl;
use trapperkeeper_db::AnyConnection;

fn scratch(backend: &str, dir: &std::path::Path) -> (String, Option<(String, String)>) {
    let name = format!("tk_qbench_{}", std::process::id());
    let (admin, drop) = match backend {
        "sqlite" => return (format!("sqlite://{}", dir.join("q.db").display()), None),
        "postgres" => (
            std::env::var("TK_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        ),
        _ => (
            std::env::var("TK_TEST_MYSQL_URL")
                .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
            format!("DROP DATABASE IF EXISTS {name}"),
        ),
    };
    let mut c =
        trapperkeeper_db::connection::establish(&DatabaseUrl::parse(&admin).unwrap()).unwrap();
    c.batch_execute(&drop).unwrap();
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    (url.to_string(), Some((admin, drop)))
}

fn benches(c: &mut Criterion) {
    for backend in ["sqlite", "postgres", "mysql"] {
        let dir = tempfile::tempdir().unwrap();
        let (url, cleanup) = scratch(backend, dir.path());
        let config = DatabaseConfig::for_url(&url).unwrap();
        let mut conn: AnyConnection = trapperkeeper_db::pool::connect_sync(&config).unwrap();
        trapperkeeper_db::migrations::migrate(&mut conn, Default::default()).unwrap();
        let t = tenants::create(
            &mut conn,
            NewTenant {
                name: "bench".into(),
            },
        )
        .unwrap()
        .tenant_id;
        let s = sensors::create(
            &mut conn,
            t,
            NewSensor {
                name: "s".into(),
                description: None,
                metadata: "{}".into(),
            },
        )
        .unwrap()
        .sensor_id;
        for i in 0..60 {
            let rule = NewRule {
                name: format!("r{i}"),
                description: None,
                state: RuleState::Active,
                action: RuleAction::Observe,
                sample_rate: 1.0,
                enabled: true,
                scope_tags: "[]".into(),
                expression: "{}".into(),
            };
            rules::create(&mut conn, t, rule).unwrap();
        }

        let mut group = c.benchmark_group(format!("{backend}/named_vs_dsl"));
        group
            .measurement_time(Duration::from_secs(3))
            .warm_up_time(Duration::from_secs(1));
        group.bench_function("get_sensor/named", |b| {
            b.iter(|| {
                queries::sensors::get_sensor(&mut conn, t, s)
                    .unwrap()
                    .unwrap()
            })
        });
        group.bench_function("get_sensor/dsl", |b| {
            b.iter(|| {
                schema::sensors::table
                    .filter(schema::sensors::tenant_id.eq(t))
                    .filter(schema::sensors::sensor_id.eq(s))
                    .filter(schema::sensors::deleted_at.is_null())
                    .select(Sensor::as_select())
                    .first(&mut conn)
                    .optional()
                    .unwrap()
                    .unwrap()
            })
        });
        group.bench_function("list_active_rules_50/named", |b| {
            b.iter(|| queries::rules::list_active_rules(&mut conn, t, 50).unwrap())
        });
        group.bench_function("list_active_rules_50/dsl", |b| {
            b.iter(|| {
                use schema::rules as r;
                r::table
                    .filter(r::tenant_id.eq(t))
                    .filter(r::deleted_at.is_null())
                    .filter(r::state.eq("active"))
                    .filter(r::enabled.eq(true))
                    .order(r::rule_id.asc())
                    .limit(50)
                    .select(Rule::as_select())
                    .load::<Rule>(&mut conn)
                    .unwrap()
            })
        });
        group.finish();
        drop(conn);
        if let Some((admin, sql)) = cleanup {
            let mut c =
                trapperkeeper_db::connection::establish(&DatabaseUrl::parse(&admin).unwrap())
                    .unwrap();
            let _ = c.batch_execute(&sql);
        }
    }
}

criterion_group!(named_queries, benches);
criterion_main!(named_queries);
