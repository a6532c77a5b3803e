//! Copy speed: a 200,000-row SQLite database (tenants, sensors, rules, links) copied to
//! PostgreSQL and to MySQL with `copy::copy`, timed end to end including verification.
//! A plain timing run (not criterion): one copy per target is the measurement.
//!
//! Run: `cargo bench --bench copy` (local PostgreSQL and MariaDB as for the tests).

use std::time::Instant;

use diesel::connection::SimpleConnection;
use trapperkeeper_db::config::DatabaseConfig;
use trapperkeeper_db::repository::rule_sensors::{self, NewRuleSensor};
use trapperkeeper_db::repository::rules::{self, NewRule, RuleAction, RuleState};
use trapperkeeper_db::repository::sensors::{self, NewSensor};
use trapperkeeper_db::repository::tenants::{self, NewTenant};
use trapperkeeper_db::url::DatabaseUrl;
use trapperkeeper_db::AnyConnection;

const TENANTS: usize = 10;
const SENSORS_PER_TENANT: usize = 10_000;
const RULES_PER_TENANT: usize = 5_000;
const LINKS_PER_TENANT: usize = 4_999;

fn connect(url: &str) -> AnyConnection {
    let mut c =
        trapperkeeper_db::pool::connect_sync(&DatabaseConfig::for_url(url).unwrap()).unwrap();
    trapperkeeper_db::migrations::migrate(&mut c, Default::default()).unwrap();
    c
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; nothing to list.
    }
    let dir = tempfile::tempdir().unwrap();
    let source_url = format!("sqlite://{}", dir.path().join("source.db").display());
    let mut source = connect(&source_url);
    let started = Instant::now();
    let mut rows = 0usize;
    for n in 0..TENANTS {
        let t = tenants::create(
            &mut source,
            NewTenant {
                name: format!("t{n}"),
            },
        )
        .unwrap()
        .tenant_id;
        rows += 1;
        source
            .write_transaction(|c| {
                let mut sensor_ids = Vec::new();
                for i in 0..SENSORS_PER_TENANT {
                    sensor_ids.push(
                        sensors::create(
                            c,
                            t,
                            NewSensor {
                                name: format!("s{i}"),
                                description: None,
                                metadata: "{}".into(),
                            },
                        )?
                        .sensor_id,
                    );
                }
                for (i, sensor_id) in sensor_ids.iter().take(RULES_PER_TENANT).enumerate() {
                    let rule = NewRule {
                        name: format!("r{i}"),
                        description: Some("ü".into()),
                        state: RuleState::Active,
                        action: RuleAction::Observe,
                        sample_rate: 0.5,
                        enabled: true,
                        scope_tags: "[]".into(),
                        expression: "{}".into(),
                    };
                    let r = rules::create(c, t, rule)?.rule_id;
                    if i < LINKS_PER_TENANT {
                        rule_sensors::create(
                            c,
                            t,
                            NewRuleSensor {
                                rule_id: r,
                                sensor_id: *sensor_id,
                            },
                        )?;
                    }
                }
                Ok::<_, trapperkeeper_db::repository::Error>(())
            })
            .unwrap();
        rows += SENSORS_PER_TENANT + RULES_PER_TENANT + LINKS_PER_TENANT;
    }
    println!(
        "seeded {rows} rows in SQLite in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    for (name, admin) in [
        (
            "PostgreSQL",
            std::env::var("TK_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
        ),
        (
            "MySQL",
            std::env::var("TK_TEST_MYSQL_URL")
                .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
        ),
    ] {
        let db = format!("tk_copybench_{}", std::process::id());
        let mut a =
            trapperkeeper_db::connection::establish(&DatabaseUrl::parse(&admin).unwrap()).unwrap();
        a.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&format!("/{db}"));
        let mut target = connect(url.as_str());
        let started = Instant::now();
        let checks = trapperkeeper_db::copy::copy(
            &mut source,
            &mut target,
            "bench",
            false,
            trapperkeeper_db::copy::DEFAULT_BATCH,
            &mut |_, _, _| {},
        )
        .unwrap();
        let secs = started.elapsed().as_secs_f64();
        let copied: u64 = checks.iter().map(|c| c.target.rows).sum();
        println!(
            "SQLite -> {name}: {copied} rows copied and verified in {secs:.2}s = {:.0} rows/s",
            copied as f64 / secs
        );
        drop(target);
        let drop_sql = if name == "PostgreSQL" {
            format!("DROP DATABASE {db} WITH (FORCE)")
        } else {
            format!("DROP DATABASE {db}")
        };
        a.batch_execute(&drop_sql).unwrap();
    }
}
