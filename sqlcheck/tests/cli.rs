//! The `tk-sqlcheck` binary: JSON of the project's own queries, diagnostics as the build prints
//! them, and usage errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tk-sqlcheck"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("runs")
}

fn query<'a>(all: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    all["queries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {all}"))
}

#[test]
fn json_describes_every_query() {
    let out = run(&["check", "queries", "--schema", "src/schema.rs", "--json"]);
    assert!(out.status.success(), "{out:?}");
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(all["ok"], true);
    // Every block of every file, none twice.
    let sql_blocks: usize = std::fs::read_dir(root().join("queries"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .matches("-- name:")
                .count()
        })
        .sum();
    assert_eq!(all["queries"].as_array().unwrap().len(), sql_blocks);

    let set = query(&all, "set-rule-enabled");
    assert_eq!(set["function"], "rules::set_rule_enabled");
    assert!(set["location"]
        .as_str()
        .unwrap()
        .starts_with("queries/rules.sql:"));
    let params: Vec<(&str, &str)> = set["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["rust"].as_str().unwrap()))
        .collect();
    // The signature's order: tenant, ids, what picks rows, then the new values.
    assert_eq!(
        params,
        [
            ("tenant_id", "TenantId"),
            ("rule_id", "RuleId"),
            ("enabled", "bool"),
            ("now", "Timestamp")
        ]
    );
    assert!(set["sql"]["postgres"]
        .as_str()
        .unwrap()
        .contains("WHERE tenant_id = $3 AND rule_id = $4"));
    assert!(set["sql"]["mysql"]
        .as_str()
        .unwrap()
        .contains("tenant_id = ?"));

    let seen = query(&all, "list-sensors-seen-since");
    let columns: Vec<(&str, &str, bool)> = seen["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["rust"].as_str().unwrap(),
                c["nullable"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        columns,
        [
            ("sensor_id", "SensorId", false),
            ("name", "String", false),
            ("last_seen_at", "Option<Timestamp>", true)
        ]
    );
    let insert = query(&all, "insert-sensor");
    assert_eq!(insert["returns"], "id");
    assert_eq!(insert["generated"].as_array().unwrap().len(), 2);
    let get = query(&all, "get-sensor");
    assert_eq!(get["row"], "trapperkeeper_db::repository::sensors::Sensor");
    assert_eq!(get["insert_select"], serde_json::Value::Null);
    // INSERT … SELECT: the SELECT that loads the rows, and the INSERT of each row.
    let link = query(&all, "link-rule-to-sensors-seen-since");
    assert_eq!(link["returns"], "id");
    assert!(link["sql"]["postgres"]
        .as_str()
        .unwrap()
        .starts_with("SELECT s.sensor_id FROM sensors s WHERE s.tenant_id = $1"));
    assert!(link["insert_select"]["sqlite"]
        .as_str()
        .unwrap()
        .starts_with("INSERT INTO rule_sensors (tenant_id, rule_id, sensor_id, rule_sensor_id, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?)"));
    let names: Vec<&str> = link["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["tenant_id", "rule_id", "since"]);
    // Each inserted link gets an id and timestamps the function makes.
    let made: Vec<&str> = link["generated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["rust"].as_str().unwrap())
        .collect();
    assert_eq!(made, ["RuleSensorId", "Timestamp"]);
    // A batch row's fields are owned, as the generated `…Row` declares them.
    let batch = query(&all, "register-sensors");
    let fields: Vec<(&str, &str, &str)> = batch["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["rust"].as_str().unwrap(),
                p["place"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("tenant_id", "TenantId", "argument"),
            ("name", "String", "row"),
            ("description", "Option<String>", "row"),
            ("metadata", "String", "row"),
        ]
    );
}

#[test]
fn diagnostics_are_the_builds() {
    let dir = std::env::temp_dir().join(format!("tk-sqlcheck-cli-{}", std::process::id()));
    let queries = dir.join("queries");
    std::fs::create_dir_all(&queries).unwrap();
    std::fs::write(
        queries.join("bad.sql"),
        "-- name: q\nSELECT nme FROM sensors WHERE tenant_id = :t AND deleted_at IS NULL;\n",
    )
    .unwrap();
    let schema = root().join("src/schema.rs");
    let (q, s) = (queries.to_str().unwrap(), schema.to_str().unwrap());
    let out = run(&["check", q, "--schema", s]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let build = tk_sqlcheck::check_dir(
        &queries,
        &schema,
        &root().join("src/repository/entities.rs"),
    )
    .unwrap_err();
    assert_eq!(build.len(), 1);
    // The build's diagnostic, placed under the folder as given (an editor opens it from here).
    let built = build[0].to_string();
    let rest = built
        .strip_prefix("queries/bad.sql")
        .expect("the build places it in queries/");
    assert!(
        stderr.contains(&format!("error: {q}/bad.sql{rest}")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{q}/bad.sql:2:8: [q]")),
        "{stderr}"
    );

    let out = run(&["check", q, "--schema", s, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(found["ok"], false);
    assert_eq!(
        found["diagnostics"][0]["location"],
        format!("{q}/bad.sql:2:8")
    );
    assert_eq!(found["diagnostics"][0]["code"], "schema");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `tk-sqlcheck … 2>&1 | head -2`: a reader that goes away early ends the command with the
/// check's exit code, not a panic (exit 101) about a broken pipe.
#[test]
fn a_closed_pipe_is_not_a_panic() {
    use std::process::Stdio;
    let dir = std::env::temp_dir().join(format!("tk-sqlcheck-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Enough problems to fill any pipe buffer.
    let mut text = String::new();
    for i in 0..2000 {
        text.push_str(&format!(
            "-- name: q{i}\nSELECT nme FROM sensors WHERE tenant_id = :t AND deleted_at IS NULL;\n\n"
        ));
    }
    std::fs::write(dir.join("bad.sql"), text).unwrap();
    let q = dir.to_str().unwrap();
    for json in [false, true] {
        let mut args = vec!["check", q, "--schema", "src/schema.rs"];
        if json {
            args.push("--json");
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_tk-sqlcheck"))
            .args(&args)
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs");
        drop(child.stdout.take());
        drop(child.stderr.take());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(1), "json {json}: {status:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn wrong_usage_is_exit_2() {
    for args in [
        &["check"][..],
        &["check", "queries", "--schema"],
        &["lint", "--schema", "src/schema.rs"],
        &["check", "queries", "--schema", "src/schema.rs", "--bogus"],
        &["check", "no-such-folder", "--schema", "src/schema.rs"],
        &["check", "queries", "--schema", "no-such-schema.rs"],
        // A folder without query files (a mistyped one) is not "0 queries: ok".
        &["check", "src/cli", "--schema", "src/schema.rs"],
        &["check", "src/cli", "--schema", "src/schema.rs", "--json"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(!out.stderr.is_empty() || !out.stdout.is_empty(), "{args:?}");
    }
    let help = run(&["--help"]);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--schema FILE"));
}
