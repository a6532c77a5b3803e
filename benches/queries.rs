//! A named query against the same query written with the diesel DSL, on one sync
//! `AnyConnection` per backend, in the same run: the cost of the named-query layer.
//!
//! Run: `cargo bench --bench queries` (local PostgreSQL and MariaDB as for the tests).

use std::time::{Duration, Instant};

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

/// Median times of `a` and `b`, called alternately in ABBA order, `rounds` times each after a
/// warm-up.
fn interleaved(
    conn: &mut AnyConnection,
    rounds: usize,
    a: &dyn Fn(&mut AnyConnection),
    b: &dyn Fn(&mut AnyConnection),
) -> (Duration, Duration) {
    for _ in 0..50 {
        a(conn);
        b(conn);
    }
    let mut times = [Vec::with_capacity(rounds), Vec::with_capacity(rounds)];
    let mut timed = |which: usize, f: &dyn Fn(&mut AnyConnection), conn: &mut AnyConnection| {
        let start = Instant::now();
        f(conn);
        times[which].push(start.elapsed());
    };
    for round in 0..rounds {
        if round % 2 == 0 {
            timed(0, a, conn);
            timed(1, b, conn);
        } else {
            timed(1, b, conn);
            timed(0, a, conn);
        }
    }
    let [mut ta, mut tb] = times;
    ta.sort();
    tb.sort();
    (ta[rounds / 2], tb[rounds / 2])
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

        // 50 more sensors: a list parameter of 50 ids against diesel's `eq_any`.
        let ids: Vec<_> = (0..50)
            .map(|i| {
                sensors::create(
                    &mut conn,
                    t,
                    NewSensor {
                        name: format!("listed {i}"),
                        description: None,
                        metadata: "{}".into(),
                    },
                )
                .unwrap()
                .sensor_id
            })
            .collect();
        let ids_named = |conn: &mut AnyConnection| {
            let rows = queries::sensors::get_sensors_by_ids(conn, t, &ids).unwrap();
            assert_eq!(rows.len(), 50);
        };
        let ids_dsl = |conn: &mut AnyConnection| {
            use schema::sensors as s;
            let rows = s::table
                .filter(s::tenant_id.eq(t))
                .filter(s::deleted_at.is_null())
                .filter(s::sensor_id.eq_any(&ids))
                .order(s::sensor_id.asc())
                .select(Sensor::as_select())
                .load::<Sensor>(conn)
                .unwrap();
            assert_eq!(rows.len(), 50);
        };
        let get_named = |conn: &mut AnyConnection| {
            queries::sensors::get_sensor(conn, t, s).unwrap().unwrap();
        };
        let get_dsl = |conn: &mut AnyConnection| {
            schema::sensors::table
                .filter(schema::sensors::tenant_id.eq(t))
                .filter(schema::sensors::sensor_id.eq(s))
                .filter(schema::sensors::deleted_at.is_null())
                .select(Sensor::as_select())
                .first(conn)
                .optional()
                .unwrap()
                .unwrap();
        };
        let list_named = |conn: &mut AnyConnection| {
            assert_eq!(
                queries::rules::list_active_rules(conn, t, 50)
                    .unwrap()
                    .len(),
                50
            );
        };
        let list_dsl = |conn: &mut AnyConnection| {
            use schema::rules as r;
            let rows = r::table
                .filter(r::tenant_id.eq(t))
                .filter(r::deleted_at.is_null())
                .filter(r::state.eq("active"))
                .filter(r::enabled.eq(true))
                .order(r::rule_id.asc())
                .limit(50)
                .select(Rule::as_select())
                .load::<Rule>(conn)
                .unwrap();
            assert_eq!(rows.len(), 50);
        };

        let mut group = c.benchmark_group(format!("{backend}/named_vs_dsl"));
        group
            .measurement_time(Duration::from_secs(3))
            .warm_up_time(Duration::from_secs(1));
        group.bench_function("get_sensor/named", |b| b.iter(|| get_named(&mut conn)));
        group.bench_function("get_sensor/dsl", |b| b.iter(|| get_dsl(&mut conn)));
        group.bench_function("list_active_rules_50/named", |b| {
            b.iter(|| list_named(&mut conn))
        });
        group.bench_function("list_active_rules_50/dsl", |b| {
            b.iter(|| list_dsl(&mut conn))
        });
        group.bench_function("get_sensors_by_50_ids/named", |b| {
            b.iter(|| ids_named(&mut conn))
        });
        group.bench_function("get_sensors_by_50_ids/dsl", |b| {
            b.iter(|| ids_dsl(&mut conn))
        });
        group.finish();
        // Criterion measures one function after the other, so drift of the server between them
        // (MariaDB on loopback swings ±30% over seconds here) lands in the ratio. Interleaved,
        // both see the same drift.
        for (query, named, dsl) in [
            (
                "get_sensor",
                &get_named as &dyn Fn(&mut AnyConnection),
                &get_dsl as &dyn Fn(&mut AnyConnection),
            ),
            ("list_active_rules_50", &list_named, &list_dsl),
            ("get_sensors_by_50_ids", &ids_named, &ids_dsl),
        ] {
            let (n, d) = interleaved(&mut conn, 2_000, named, dsl);
            println!(
                "interleaved {backend}/{query}: named {n:?}, dsl {d:?}, ratio {:.2}",
                n.as_secs_f64() / d.as_secs_f64()
            );
        }
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
