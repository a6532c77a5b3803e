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

backend_tests!(
    admin_commands_work_end_to_end,
    lists_page_and_never_stop_silently,
    update_commands_change_one_field,
    limits_are_the_same_on_every_backend,
    json_text_is_printed_as_stored_and_tables_cannot_drive_the_terminal
);

/// JSON text columns come out of `--json` as the text stored, not reparsed into floats (found
/// by a new user: 12345678901234567890123 came out as 1.2345678901234568e+22 and 1.10 as 1.1);
/// the table view shows that text on one line with control characters escaped, so a stored
/// `"\u001b[31m"` cannot colour (or clear) the operator's terminal.
fn json_text_is_printed_as_stored_and_tables_cannot_drive_the_terminal(db: &TestDb) {
    let t = json(db, &["tenant", "create", "t"])["tenant_id"]
        .as_str()
        .unwrap()
        .to_string();
    let stdout = |args: &[&str]| {
        let out = tk(&db.url, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let big = "12345678901234567890123";
    for args in [
        &["--json", "config", "set", "--tenant", &t, "big", big][..],
        &["--json", "config", "list", "--tenant", &t][..],
        &["--json", "config", "get", "--tenant", &t, "big"][..],
    ] {
        let out = stdout(args);
        assert!(out.contains(&format!(": {big}")), "{args:?}: {out}");
        serde_json::from_str::<Value>(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"));
    }
    let metadata = r#"{"n":12345678901234567890123,"f":1.10,"s":"\u001b[2J"}"#;
    let out = stdout(&[
        "--json",
        "sensor",
        "create",
        "--tenant",
        &t,
        "--name",
        "s",
        "--metadata",
        metadata,
    ]);
    assert!(out.contains(metadata), "nested as stored: {out}");
    let sensor = serde_json::from_str::<Value>(&out).unwrap();
    assert_eq!(sensor["metadata"]["s"], "\u{1b}[2J");

    let escape = r#""\u001b[31mRED\u0007""#;
    for args in [
        &["config", "set", "--tenant", &t, "esc", escape][..],
        &["config", "list", "--tenant", &t][..],
        &[
            "sensor",
            "show",
            "--tenant",
            &t,
            sensor["sensor_id"].as_str().unwrap(),
        ][..],
    ] {
        let out = stdout(args);
        assert!(
            !out.chars().any(|c| c.is_control() && c != '\n'),
            "{args:?} printed a control character: {out:?}"
        );
    }
    assert!(stdout(&["config", "list", "--tenant", &t]).contains(escape));
}

/// The keys of a JSON object, in order.
fn keys(v: &Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// Lists print every row (no silent cut at the repository's page size); `--limit` pages,
/// says on stderr how to go on, and `--after` goes on; `--include-deleted` shows deleted rows.
fn lists_page_and_never_stop_silently(db: &TestDb) {
    use trapperkeeper_db::repository::{sensors, tenants, MAX_PAGE};
    let mut c = common::migrated(db);
    let t = tenants::create(&mut c, tenants::NewTenant { name: "t".into() }).unwrap();
    let n = MAX_PAGE as usize + 5;
    for i in 0..n {
        let new = sensors::NewSensor {
            name: format!("s{i}"),
            description: None,
            metadata: "{}".into(),
        };
        sensors::create(&mut c, t.tenant_id, new).unwrap();
    }
    let tenant = t.tenant_id.to_string();
    let all = json(db, &["sensor", "list", "--tenant", &tenant]);
    assert_eq!(all.as_array().unwrap().len(), n, "every row, past one page");

    let out = tk(
        &db.url,
        &[
            "--json", "sensor", "list", "--tenant", &tenant, "--limit", "2",
        ],
    );
    assert!(out.status.success());
    let page: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page.as_array().unwrap().len(), 2);
    let last = page[1]["sensor_id"].as_str().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("--after {last}")), "{stderr}");
    let next = json(
        db,
        &[
            "sensor", "list", "--tenant", &tenant, "--limit", "2", "--after", last,
        ],
    );
    assert_eq!(next[0]["sensor_id"], all[2]["sensor_id"]);
    // The last page says nothing more.
    let tail_after = all[n - 2]["sensor_id"].as_str().unwrap();
    let out = tk(
        &db.url,
        &[
            "sensor", "list", "--tenant", &tenant, "--limit", "5", "--after", tail_after,
        ],
    );
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        2,
        "header and one row"
    );
    fails(
        db,
        &["sensor", "list", "--tenant", &tenant, "--limit", "0"],
        2,
        "--limit",
    );

    // Deleted rows: gone from lists, back with --include-deleted (an audit), deleted_at shown.
    let first = all[0]["sensor_id"].as_str().unwrap();
    json(db, &["sensor", "delete", "--tenant", &tenant, first]);
    let live = json(db, &["sensor", "list", "--tenant", &tenant]);
    assert_eq!(live.as_array().unwrap().len(), n - 1);
    let audit = json(
        db,
        &[
            "sensor",
            "list",
            "--tenant",
            &tenant,
            "--include-deleted",
            "--limit",
            "1",
        ],
    );
    assert_eq!(audit[0]["sensor_id"], first);
    assert!(audit[0]["deleted_at"].is_string(), "{audit}");
    let out = tk(
        &db.url,
        &[
            "sensor",
            "list",
            "--tenant",
            &tenant,
            "--include-deleted",
            "--limit",
            "1",
        ],
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.lines().next().unwrap().ends_with("deleted_at"),
        "{table}"
    );
    json(db, &["tenant", "delete", &tenant]);
    assert!(json(db, &["tenant", "list"]).as_array().unwrap().is_empty());
    let tenants = json(db, &["tenant", "list", "--include-deleted"]);
    assert_eq!(tenants[0]["tenant_id"], tenant.as_str());
}

/// Rename, enable/disable, set-role and config delete change what they say and bump
/// `modified_at`; every entity prints its fields in one order (id, tenant, own, timestamps).
fn update_commands_change_one_field(db: &TestDb) {
    let t = json(db, &["tenant", "create", "before"])["tenant_id"]
        .as_str()
        .unwrap()
        .to_string();
    let renamed = json(db, &["tenant", "rename", &t, "after"]);
    assert_eq!(renamed["name"], "after");
    assert_eq!(
        keys(&renamed),
        [
            "tenant_id",
            "name",
            "created_at",
            "modified_at",
            "deleted_at"
        ]
    );

    let s = json(
        db,
        &[
            "sensor",
            "create",
            "--tenant",
            &t,
            "--name",
            "s1",
            "--metadata",
            r#"{"site":"a"}"#,
        ],
    );
    assert_eq!(
        s["metadata"],
        serde_json::json!({ "site": "a" }),
        "nested JSON"
    );
    let id = s["sensor_id"].as_str().unwrap();
    let s2 = json(db, &["sensor", "rename", "--tenant", &t, id, "s2"]);
    assert_eq!(
        (s2["name"].as_str(), &s2["metadata"]),
        (Some("s2"), &s["metadata"])
    );
    assert!(
        s2["modified_at"].as_str() > s["modified_at"].as_str(),
        "{s2}"
    );
    assert_eq!(keys(&s2)[..2], ["sensor_id", "tenant_id"]);
    assert_eq!(
        keys(&s2)[keys(&s2).len() - 3..],
        ["created_at", "modified_at", "deleted_at"]
    );

    let r = json(
        db,
        &[
            "rule",
            "create",
            "--tenant",
            &t,
            "--name",
            "r",
            "--scope-tags",
            r#"["x"]"#,
        ],
    );
    assert_eq!(r["scope_tags"], serde_json::json!(["x"]));
    let rid = r["rule_id"].as_str().unwrap();
    assert_eq!(
        json(db, &["rule", "disable", "--tenant", &t, rid])["enabled"],
        false
    );
    assert_eq!(
        json(db, &["rule", "enable", "--tenant", &t, rid])["enabled"],
        true
    );
    assert_eq!(
        json(db, &["rule", "rename", "--tenant", &t, rid, "r2"])["name"],
        "r2"
    );
    fails(
        db,
        &["rule", "rename", "--tenant", &t, rid, ""],
        2,
        "invalid name",
    );
    fails(
        db,
        &[
            "rule",
            "create",
            "--tenant",
            &t,
            "--name",
            "o",
            "--scope-tags",
            r#"{"a":1}"#,
        ],
        2,
        "invalid scope_tags: must be a JSON array",
    );

    let u = json(
        db,
        &[
            "user",
            "create",
            "--tenant",
            &t,
            "--username",
            "al",
            "--password-hash",
            "h",
        ],
    );
    assert_eq!(u["password_hash"], "***");
    let uid = u["user_id"].as_str().unwrap();
    let promoted = json(db, &["user", "set-role", "--tenant", &t, uid, "admin"]);
    assert_eq!(
        (&promoted["role"], &promoted["password_hash"]),
        (&"admin".into(), &"***".into())
    );
    assert_eq!(keys(&promoted)[..2], ["user_id", "tenant_id"]);

    json(db, &["config", "set", "--tenant", &t, "k", "1"]);
    let d = json(db, &["config", "delete", "--tenant", &t, "k"]);
    assert_eq!(
        (&d["deleted"], &d["id"]),
        (&"configuration".into(), &"k".into())
    );
    fails(db, &["config", "get", "--tenant", &t, "k"], 1, "not found");
    fails(
        db,
        &["config", "delete", "--tenant", &t, "k"],
        1,
        "not found",
    );
    // The key is free again.
    json(db, &["config", "set", "--tenant", &t, "k", "2"]);
}

/// Free text and JSON hold at most 65,535 bytes on every backend (what MySQL's TEXT holds): the
/// limit is accepted everywhere, one byte more is refused everywhere naming the field (exit 2),
/// and nothing is written.
fn limits_are_the_same_on_every_backend(db: &TestDb) {
    let t = json(db, &["tenant", "create", "t"])["tenant_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Multi-byte characters: the limit counts bytes, as MySQL does.
    let at_limit = format!("{}{}", "é".repeat(32_767), "a");
    assert_eq!(at_limit.len(), 65_535);
    let s = json(
        db,
        &[
            "sensor",
            "create",
            "--tenant",
            &t,
            "--name",
            "s",
            "--description",
            &at_limit,
        ],
    );
    let shown = json(
        db,
        &[
            "sensor",
            "show",
            "--tenant",
            &t,
            s["sensor_id"].as_str().unwrap(),
        ],
    );
    assert_eq!(shown["description"].as_str().map(str::len), Some(65_535));
    let over = format!("{at_limit}b");
    fails(
        db,
        &[
            "sensor",
            "create",
            "--tenant",
            &t,
            "--name",
            "s2",
            "--description",
            &over,
        ],
        2,
        "invalid description",
    );
    let big_json = format!(r#"{{"k":"{}"}}"#, "x".repeat(65_535));
    fails(
        db,
        &[
            "sensor",
            "create",
            "--tenant",
            &t,
            "--name",
            "s3",
            "--metadata",
            &big_json,
        ],
        2,
        "invalid metadata",
    );
    fails(
        db,
        &["config", "set", "--tenant", &t, "k", &big_json],
        2,
        "invalid config_value",
    );
    assert_eq!(
        json(db, &["sensor", "list", "--tenant", &t])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

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
    // JSON columns come out as JSON, not as strings holding JSON.
    assert_eq!(replaced["config_value"], serde_json::json!({ "days": 9 }));
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
