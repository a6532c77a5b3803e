//! `db copy` / `db verify`: a seeded SQLite database copied to each backend, verified and reread
//! row by row; tampering detected; an interrupted copy refused, then resumed to a verified end.
// The source is always SQLite (the path the design promises).
#![cfg(feature = "sqlite")]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use chrono::{TimeZone, Utc};
use common::TestDb;
use trapperkeeper_db::copy::{canonical_rows, Table};
use trapperkeeper_db::repository::api_keys::{self, NewApiKey};
use trapperkeeper_db::repository::configurations::{self, NewConfiguration};
use trapperkeeper_db::repository::rule_sensors::{self, NewRuleSensor};
use trapperkeeper_db::repository::rules::{self, NewRule, RuleAction, RuleState};
use trapperkeeper_db::repository::sensors::{self, NewSensor, SensorChanges};
use trapperkeeper_db::repository::tenants::{self, NewTenant};
use trapperkeeper_db::repository::users::{self, NewUser, Role};
use trapperkeeper_db::types::Timestamp;
use trapperkeeper_db::url::Backend;
use trapperkeeper_db::AnyConnection;

fn connect(url: &str) -> AnyConnection {
    let config = trapperkeeper_db::config::DatabaseConfig::for_url(url).unwrap();
    let mut c = trapperkeeper_db::pool::connect_sync(&config).unwrap();
    trapperkeeper_db::migrations::migrate(&mut c, Default::default()).unwrap();
    c
}

/// A source with every table, deleted rows, far-future timestamps and unicode text.
fn seed(c: &mut AnyConnection) {
    let far = Timestamp::from(Utc.with_ymd_and_hms(2039, 1, 19, 3, 14, 8).unwrap());
    for n in 0..3 {
        let t = tenants::create(
            c,
            NewTenant {
                name: format!("Tenant {n} — 株式会社 ✓"),
            },
        )
        .unwrap()
        .tenant_id;
        users::create(
            c,
            t,
            NewUser {
                username: format!("üser-{n}"),
                password_hash: "h".into(),
                role: Role::Operator,
                force_password_change: n % 2 == 0,
            },
        )
        .unwrap();
        api_keys::create(
            c,
            t,
            NewApiKey {
                name: "k".into(),
                key_hash: format!("{n:0>64}"),
            },
        )
        .unwrap();
        let s = sensors::create(
            c,
            t,
            NewSensor {
                name: "Zürich edge".into(),
                description: Some("line1\nline2".into()),
                metadata: r#"{"a":[1,2]}"#.into(),
            },
        )
        .unwrap();
        sensors::update(
            c,
            t,
            s.sensor_id,
            SensorChanges {
                last_seen_at: Some(Some(far)),
                ..Default::default()
            },
        )
        .unwrap();
        let r = rules::create(
            c,
            t,
            NewRule {
                name: "r".into(),
                description: None,
                state: RuleState::Active,
                action: RuleAction::Drop,
                sample_rate: 0.125,
                enabled: n != 1,
                scope_tags: "[\"x\"]".into(),
                expression: "{}".into(),
            },
        )
        .unwrap();
        rule_sensors::create(
            c,
            t,
            NewRuleSensor {
                rule_id: r.rule_id,
                sensor_id: s.sensor_id,
            },
        )
        .unwrap();
        configurations::create(
            c,
            t,
            NewConfiguration {
                config_key: "k".into(),
                config_value: "1".into(),
            },
        )
        .unwrap();
        if n == 2 {
            rules::soft_delete(c, t, r.rule_id).unwrap();
        }
    }
    let gone = tenants::create(
        c,
        NewTenant {
            name: "gone".into(),
        },
    )
    .unwrap()
    .tenant_id;
    users::create(
        c,
        gone,
        NewUser {
            username: "ghost".into(),
            password_hash: "h".into(),
            role: Role::Observer,
            force_password_change: false,
        },
    )
    .unwrap();
    tenants::soft_delete(c, gone).unwrap();
}

fn tk(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_trapperkeeper"))
        .args(args)
        .env_remove("TK_DATABASE_URL")
        .output()
        .map(common::recorded)
        .unwrap()
}

backend_tests!(sqlite_source_copies_and_verifies);

fn sqlite_source_copies_and_verifies(db: &TestDb) {
    let source = TestDb::create(Backend::Sqlite).unwrap();
    let mut from = connect(&source.url);
    seed(&mut from);
    let out = tk(&[
        "db",
        "copy",
        "--from",
        &source.url,
        "--to",
        &db.url,
        "--batch-size",
        "2",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains(" ok "))
            .count()
            == Table::ALL.len()
    );
    // Reread row by row: every table identical, deleted rows included.
    let mut to = connect(&db.url);
    let mut total = 0;
    for &table in Table::ALL {
        let a = canonical_rows(&mut from, table).unwrap();
        let b = canonical_rows(&mut to, table).unwrap();
        assert_eq!(a, b, "{table}");
        total += a.len();
    }
    assert_eq!(total, 3 * 7 + 2, "every seeded row, deleted ones too");
    assert!(canonical_rows(&mut to, Table::Rules)
        .unwrap()
        .iter()
        .any(|r| !r.contains("\"deleted_at\":null")));
    // A second copy into the now non-empty target is refused.
    let again = tk(&["db", "copy", "--from", &source.url, "--to", &db.url]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    // Tampering with one target row is caught by verify, naming the table.
    use diesel::connection::SimpleConnection;
    to.batch_execute("UPDATE sensors SET name = 'tampered' WHERE name = 'Zürich edge' AND sensor_id IN (SELECT sensor_id FROM rule_sensors)")
        .unwrap();
    let verify = tk(&["db", "verify", "--from", &source.url, "--to", &db.url]);
    assert_eq!(verify.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&verify.stderr);
    assert!(
        stderr.contains("verification failed for: sensors"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&verify.stdout).contains("sensors          DIFFERS"));
}

backend_tests!(servers: interrupted_copy_is_refused_then_resumed);

#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
fn interrupted_copy_is_refused_then_resumed(db: &TestDb) {
    let source = TestDb::create(Backend::Sqlite).unwrap();
    let mut from = connect(&source.url);
    let t = tenants::create(&mut from, NewTenant { name: "big".into() })
        .unwrap()
        .tenant_id;
    from.write_transaction(|c| {
        for i in 0..20_000 {
            sensors::create(
                c,
                t,
                NewSensor {
                    name: format!("s{i}"),
                    description: None,
                    metadata: "{}".into(),
                },
            )?;
        }
        Ok::<_, trapperkeeper_db::repository::Error>(())
    })
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_trapperkeeper"))
        .args([
            "db",
            "copy",
            "--from",
            &source.url,
            "--to",
            &db.url,
            "--batch-size",
            "200",
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen = Vec::new();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("api_keys:");
        seen.push(line);
        if done {
            break;
        }
    }
    std::thread::sleep(std::time::Duration::from_millis(150));
    child.kill().unwrap();
    // Kept for the canary search, like every other child's output.
    seen.extend(lines.map_while(Result::ok));
    let mut out = child.wait_with_output().unwrap();
    out.stderr = seen.join("\n").into_bytes();
    let out = common::recorded(out);
    assert!(!out.status.success(), "killed mid-way");
    // The partial target never passes for a finished copy.
    let refused = tk(&["db", "copy", "--from", &source.url, "--to", &db.url]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("interrupted copy") && stderr.contains("--resume"),
        "{stderr}"
    );
    let verify = tk(&["db", "verify", "--from", &source.url, "--to", &db.url]);
    assert_eq!(
        verify.status.code(),
        Some(1),
        "partial copy does not verify"
    );
    // Nor does a service or an admin command start on it.
    let listed = Command::new(env!("CARGO_BIN_EXE_trapperkeeper"))
        .args(["tenant", "list"])
        .env("TK_DATABASE_URL", &db.url)
        .output()
        .map(common::recorded)
        .unwrap();
    assert_eq!(listed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&listed.stderr).contains("interrupted copy"));
    common::runtime().block_on(async {
        let err = trapperkeeper_db::Database::open(&db.config())
            .await
            .unwrap_err();
        assert!(
            matches!(err, trapperkeeper_db::Error::IncompleteCopy { .. }),
            "{err:?}"
        );
    });
    // Resuming from another database would mix its rows in: refused, naming both, and
    // nothing written.
    let other = TestDb::create(Backend::Sqlite).unwrap();
    let mut other_conn = connect(&other.url);
    tenants::create(
        &mut other_conn,
        NewTenant {
            name: "other".into(),
        },
    )
    .unwrap();
    let before = canonical_rows(&mut connect(&db.url), Table::Tenants).unwrap();
    let wrong = tk(&[
        "db", "copy", "--from", &other.url, "--to", &db.url, "--resume",
    ]);
    assert_eq!(wrong.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("not from"), "{stderr}");
    assert_eq!(
        canonical_rows(&mut connect(&db.url), Table::Tenants).unwrap(),
        before
    );
    // Resumed: continues after the last committed batch and verifies.
    let resume = || {
        tk(&[
            "db",
            "copy",
            "--from",
            &source.url,
            "--to",
            &db.url,
            "--resume",
        ])
    };
    let resumed = resume();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let mut to = connect(&db.url);
    assert_eq!(
        canonical_rows(&mut to, Table::Sensors).unwrap(),
        canonical_rows(&mut from, Table::Sensors).unwrap()
    );
    // Resumed again after it finished: nothing to resume, said so, nothing touched.
    let again = resume();
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("nothing to resume") && stderr.contains("db verify"),
        "{stderr}"
    );
    assert_eq!(
        canonical_rows(&mut to, Table::Sensors).unwrap(),
        canonical_rows(&mut from, Table::Sensors).unwrap()
    );
}
