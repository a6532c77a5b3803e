//! The admin commands through the real binary, on each backend: JSON output, exit codes,
//! cascades; and the SQLite online backup under concurrent writes.

mod common;

use std::process::{Command, Output};

use common::TestDb;
use serde_json::Value;
use trapperkeeper_db::url::Backend;

fn tk(db_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trapperkeeper"))
        .args(args)
        .env("TK_DATABASE_URL", db_url)
        .env_remove("TK_CONFIG_FILE")
        .output()
        .map(common::recorded)
        .unwrap()
}

/// Runs a command that must succeed with `--json` and returns its parsed output.
fn json(db: &TestDb, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = tk(&db.url, &all);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {stdout}"))
}

fn fails(db: &TestDb, args: &[&str], code: i32, needle: &str) {
    let out = tk(&db.url, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains(needle),
        "{args:?}: expected {needle:?} in {stderr}"
    );
}

backend_tests!(admin_commands_work_end_to_end);

fn admin_commands_work_end_to_end(db: &TestDb) {
    let tenant = json(db, &["tenant", "create", "Acme — ✓"]);
    let t = tenant["tenant_id"].as_str().unwrap().to_string();
    assert_eq!(tenant["name"], "Acme — ✓");
    let listed = json(db, &["tenant", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(json(db, &["tenant", "show", &t])["tenant_id"], t.as_str());

    let user = json(
        db,
        &[
            "user",
            "create",
            "--tenant",
            &t,
            "--username",
            "alice",
            "--password-hash",
            "argon2-hash",
            "--role",
            "admin",
        ],
    );
    assert_eq!(user["role"], "admin");
    assert_eq!(user["password_hash"], "***", "hashes are not printed");
    let sensor = json(
        db,
        &[
            "sensor",
            "create",
            "--tenant",
            &t,
            "--name",
            "edge-1",
            "--metadata",
            r#"{"site":"x"}"#,
        ],
    );
    let rule = json(
        db,
        &[
            "rule",
            "create",
            "--tenant",
            &t,
            "--name",
            "noisy",
            "--state",
            "active",
            "--sample-rate",
            "0.25",
        ],
    );
    assert_eq!(rule["sample_rate"], 0.25);
    json(
        db,
        &[
            "config",
            "set",
            "--tenant",
            &t,
            "retention",
            r#"{"days":7}"#,
        ],
    );
    let replaced = json(
        db,
        &[
            "config",
            "set",
            "--tenant",
            &t,
            "retention",
            r#"{"days":9}"#,
        ],
    );
    assert_eq!(replaced["config_value"], r#"{"days":9}"#);
    assert_eq!(
        json(db, &["config", "list", "--tenant", &t])
            .as_array()
            .unwrap()
            .len(),
        1,
        "set replaces"
    );
    let out = tk(&db.url, &["config", "get", "--tenant", &t, "retention"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), r#"{"days":9}"#);
    for (kind, id) in [
        ("user", &user["user_id"]),
        ("sensor", &sensor["sensor_id"]),
        ("rule", &rule["rule_id"]),
    ] {
        assert_eq!(
            json(db, &[kind, "list", "--tenant", &t])
                .as_array()
                .unwrap()
                .len(),
            1,
            "{kind}"
        );
        json(db, &[kind, "show", "--tenant", &t, id.as_str().unwrap()]);
    }
    // Table output is the default.
    let out = tk(&db.url, &["rule", "list", "--tenant", &t]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.starts_with("rule_id") && table.contains("noisy"),
        "{table}"
    );

    // Errors: validation and usage exit 2 naming the field; a missing row exits 1.
    fails(db, &["tenant", "create", ""], 2, "invalid name");
    fails(
        db,
        &[
            "rule",
            "create",
            "--tenant",
            &t,
            "--name",
            "r",
            "--sample-rate",
            "1.5",
        ],
        2,
        "invalid sample_rate",
    );
    fails(
        db,
        &[
            "user",
            "create",
            "--tenant",
            &t,
            "--username",
            "u",
            "--password-hash",
            "h",
            "--role",
            "root",
        ],
        2,
        "invalid role",
    );
    fails(
        db,
        &[
            "sensor",
            "create",
            "--tenant",
            &t,
            "--name",
            "s",
            "--metadata",
            "{nope",
        ],
        2,
        "invalid metadata",
    );
    fails(
        db,
        &["rule", "list", "--tenant", "not-a-uuid"],
        2,
        "invalid value 'not-a-uuid' for '--tenant <TENANT>'",
    );
    fails(
        db,
        &[
            "user",
            "create",
            "--tenant",
            &t,
            "--username",
            "alice",
            "--password-hash",
            "h",
        ],
        1,
        "username is taken",
    );

    // delete cascades and says how many children it touched.
    let deleted = json(db, &["tenant", "delete", &t]);
    assert_eq!(deleted["children"], 4, "{deleted}");
    fails(db, &["tenant", "show", &t], 1, "not found");
    assert!(json(db, &["tenant", "list"]).as_array().unwrap().is_empty());

    if db.backend != Backend::Sqlite {
        let backup = db.dir().join("b.db");
        fails(
            db,
            &["db", "backup", "--to", backup.to_str().unwrap()],
            2,
            "server's own tools",
        );
    }
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_backup_during_concurrent_writes_is_consistent() {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use trapperkeeper_db::repository::{tenants, Page};

    let db = TestDb::create(Backend::Sqlite).unwrap();
    let mut conn = trapperkeeper_db::pool::connect_sync(&db.config()).unwrap();
    trapperkeeper_db::migrations::migrate(&mut conn, Default::default()).unwrap();
    for i in 0..50 {
        tenants::create(
            &mut conn,
            tenants::NewTenant {
                name: format!("before-{i}"),
            },
        )
        .unwrap();
    }
    let before = tenants::list(&mut conn, Page::first(1000)).unwrap().len();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let config = db.config();
        std::thread::spawn(move || {
            let mut c = trapperkeeper_db::pool::connect_sync(&config).unwrap();
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                tenants::create(
                    &mut c,
                    tenants::NewTenant {
                        name: format!("during-{n}"),
                    },
                )
                .unwrap();
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(100));
    let target = db.dir().join("backup.db");
    let out = tk(&db.url, &["db", "backup", "--to", target.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stop.store(true, Ordering::SeqCst);
    let written = writer.join().unwrap();
    assert!(written > 0, "the writer ran during the backup");
    let after = tenants::list(&mut conn, Page::first(1000)).unwrap().len();
    assert_eq!(
        std::fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let copy_url = format!("sqlite://{}", target.display());
    let copy_config = trapperkeeper_db::config::DatabaseConfig::for_url(&copy_url).unwrap();
    let mut copy = trapperkeeper_db::pool::connect_sync(&copy_config).unwrap();
    let in_copy = tenants::list(&mut copy, Page::first(1000)).unwrap().len();
    assert!(
        before <= in_copy && in_copy <= after,
        "{before} <= {in_copy} <= {after}"
    );
    // Refuses to overwrite.
    let again = tk(&db.url, &["db", "backup", "--to", target.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
}
