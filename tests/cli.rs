//! The real `trapperkeeper` binary: lifecycle commands on each backend, exit codes, and errors
//! that are one clean line without secrets.

mod common;

use std::process::{Command, Output};

use common::TestDb;
use trapperkeeper_db::url::Backend;

const CANARY: &str = "Canary-Pw-90c1b";

fn tk(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trapperkeeper"));
    cmd.args(args).current_dir(dir);
    for var in [
        "TK_DATABASE_URL",
        "TK_DATA_DIR",
        "TK_CONFIG_FILE",
        "TK_DATABASE_MAX_CONNECTIONS",
        "TK_DATABASE_MIN_IDLE",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().map(common::recorded).unwrap()
}

/// The binary running in `dir` with its output streams piped to this test.
fn spawn_piped(dir: &std::path::Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_trapperkeeper"))
        .args(args)
        .current_dir(dir)
        .env_remove("TK_DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A failure: the expected exit code, one short line on stderr, no panic, no backtrace, no canary.
fn assert_clean_failure(out: &Output, code: i32) -> String {
    let (stdout, stderr) = text(out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stderr.lines().count() <= 2, "at most two lines: {stderr}");
    for bad in ["panicked", "RUST_BACKTRACE", CANARY] {
        assert!(
            !stderr.contains(bad) && !stdout.contains(bad),
            "{bad:?} in output: {stderr}"
        );
    }
    stderr
}

backend_tests!(migrate_status_and_check_on_each_backend);

/// How many migrations the backend's folder holds (what `db status` must count).
fn migration_count(backend: Backend) -> usize {
    let dir = format!(
        "{}/migrations/{}",
        env!("CARGO_MANIFEST_DIR"),
        backend.name()
    );
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("up.sql").is_file())
        .count()
}

fn migrate_status_and_check_on_each_backend(db: &TestDb) {
    let dir = db.dir();
    let url_env = [("TK_DATABASE_URL", db.url.as_str())];
    let out = tk(dir, &["db", "status"], &url_env);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let total = migration_count(db.backend);
    assert!(
        stdout.contains(&format!("0 applied, {total} pending")),
        "{stdout}"
    );
    assert!(stdout.contains("(from TK_DATABASE_URL)"), "{stdout}");
    assert!(
        stdout.contains(&format!("backend:    {}", db.backend)),
        "{stdout}"
    );

    let out = tk(dir, &["db", "migrate"], &url_env);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("applied 0001_create_tenants"), "{stdout}");

    // The flag wins over the environment (same backend in both, so the overridden value is
    // valid in a single-backend build too).
    let elsewhere = format!("{}_elsewhere", db.url);
    let out = tk(
        dir,
        &["--db-url", &db.url, "db", "status"],
        &[("TK_DATABASE_URL", &elsewhere)],
    );
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains(&format!("{total} applied, 0 pending")),
        "{stdout}"
    );
    assert!(stdout.contains("(from --db-url)"), "{stdout}");
    assert!(stdout.contains("max_connections        16"), "{stdout}");

    let out = tk(dir, &["db", "check"], &url_env);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.starts_with("ok: "), "{stdout}");
    let expected = match db.backend {
        Backend::Sqlite => "journal_mode = wal",
        Backend::Postgres => "TimeZone = UTC",
        Backend::Mysql => "time_zone = +00:00",
    };
    assert!(stdout.contains(expected), "{stdout}");
}

#[test]
fn sqlite_default_needs_no_configuration() {
    if !Backend::Sqlite.is_compiled_in() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = tk(dir.path(), &["db", "migrate"], &[]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(dir.path().join("data/trapperkeeper.db").is_file());
    // The README's main job works with no set-up at all.
    let fresh = tempfile::tempdir().unwrap();
    let out = tk(fresh.path(), &["tenant", "create", "Acme"], &[]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(text(&out).0.contains("Acme"));
    assert!(fresh.path().join("data/trapperkeeper.db").is_file());
    let out = tk(dir.path(), &["db", "status"], &[]);
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("sqlite://./data/trapperkeeper.db (from default)"),
        "{stdout}"
    );
    // A config file in the working directory is picked up.
    std::fs::write(
        dir.path().join("trapperkeeper.toml"),
        "data_dir = \"other\"\n[database]\nmax_connections = 8\n",
    )
    .unwrap();
    let out = tk(dir.path(), &["db", "migrate"], &[]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(dir.path().join("other/trapperkeeper.db").is_file());
}

#[test]
fn configuration_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = assert_clean_failure(
        &tk(
            dir.path(),
            &["--db-url", "oracle://x/y", "db", "check"],
            &[],
        ),
        2,
    );
    assert!(
        stderr.contains("--db-url: unsupported URL scheme \"oracle\""),
        "{stderr}"
    );
    let stderr = assert_clean_failure(
        &tk(
            dir.path(),
            &["db", "check"],
            &[("TK_DATABASE_MIN_IDLE", "lots")],
        ),
        2,
    );
    assert!(
        stderr.contains("TK_DATABASE_MIN_IDLE: invalid value \"lots\""),
        "{stderr}"
    );
    std::fs::write(dir.path().join("bad.toml"), "[database]\npool = 3\n").unwrap();
    let stderr = assert_clean_failure(
        &tk(dir.path(), &["--config", "bad.toml", "db", "check"], &[]),
        2,
    );
    assert!(stderr.contains("unknown key \"database.pool\""), "{stderr}");
    // Usage errors are 2 as well.
    let out = tk(dir.path(), &["db", "explode"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let out = tk(dir.path(), &[], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn invalid_utf8_argument_is_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_trapperkeeper"))
        .arg("--db-url")
        .arg(std::ffi::OsStr::from_bytes(b"sqlite://\xff\xfe.db"))
        .args(["db", "check"])
        .current_dir(dir.path())
        .output()
        .map(common::recorded)
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
}

#[test]
fn unreachable_servers_exit_1_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, url) in [
        (
            Backend::Postgres,
            format!("postgres://tk:{CANARY}@127.0.0.1:1/tk"),
        ),
        (
            Backend::Mysql,
            format!("mysql://tk:{CANARY}@127.0.0.1:1/tk"),
        ),
        (
            Backend::Postgres,
            format!("postgresql://tk@127.0.0.1:1/tk?password={CANARY}"),
        ),
    ] {
        if !backend.is_compiled_in() {
            continue;
        }
        for cmd in [&["db", "check"][..], &["db", "migrate"], &["db", "status"]] {
            let out = tk(
                dir.path(),
                cmd,
                &[
                    ("TK_DATABASE_URL", &url),
                    ("TK_DATABASE_CONNECTION_TIMEOUT_MS", "3000"),
                ],
            );
            let stderr = assert_clean_failure(&out, 1);
            assert!(
                stderr.starts_with(&format!("error: cannot connect to {backend} at ")),
                "{stderr}"
            );
            assert!(stderr.contains("***"), "{stderr}");
        }
        // The admin and copy commands keep the secret too.
        let copy = ["db", "copy", "--from", url.as_str(), "--to", url.as_str()];
        let verify = ["db", "verify", "--from", url.as_str(), "--to", url.as_str()];
        for cmd in [&["tenant", "list"][..], &copy, &verify] {
            let out = tk(
                dir.path(),
                cmd,
                &[
                    ("TK_DATABASE_URL", &url),
                    ("TK_DATABASE_CONNECTION_TIMEOUT_MS", "3000"),
                ],
            );
            assert_clean_failure(&out, 1);
        }
    }
}

backend_tests!(status_says_what_blocks_start_up);

/// `db status` reports every reason start-up would refuse the database, and exits 1: an edited
/// migration, a database newer than the binary, pending migrations under `refuse`, an
/// interrupted copy. (It once printed "0 pending" and exited 0 for all of them.)
fn status_says_what_blocks_start_up(db: &TestDb) {
    use diesel::connection::SimpleConnection;
    let dir = db.dir();
    let url_env = [("TK_DATABASE_URL", db.url.as_str())];
    assert!(tk(dir, &["db", "migrate"], &url_env).status.success());
    let out = tk(dir, &["db", "status"], &url_env);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("start-up:   ready"), "{stdout}");

    let mut conn = trapperkeeper_db::pool::connect_sync(&db.config()).unwrap();
    let status_refuses = |conn: &mut trapperkeeper_db::AnyConnection,
                          sql: &str,
                          env: &[(&str, &str)],
                          needle: &str| {
        conn.batch_execute(sql).unwrap();
        let out = tk(dir, &["db", "status"], env);
        let (stdout, _) = text(&out);
        let stderr = assert_clean_failure(&out, 1);
        assert!(
            stderr.contains("start-up would refuse this database"),
            "{stderr}"
        );
        assert!(
            stdout.contains(&format!("start-up:   refused: {needle}")) || stdout.contains(needle),
            "{sql}: {stdout}"
        );
        // And start-up itself refuses for the same reason: the report is not a guess.
        let out = tk(dir, &["tenant", "list"], env);
        let stderr = assert_clean_failure(&out, 1);
        assert!(stderr.contains(needle), "{sql}: start-up said {stderr}");
    };
    status_refuses(
        &mut conn,
        "UPDATE __trapperkeeper_migration_checksums SET checksum = \
         '0000000000000000000000000000000000000000000000000000000000000000' WHERE version = '0001'",
        &url_env,
        "migration 0001 was changed after it was applied",
    );
    conn.batch_execute("DELETE FROM __trapperkeeper_migration_checksums WHERE version = '0001'")
        .unwrap();
    status_refuses(
        &mut conn,
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('9999')",
        &url_env,
        "the database is newer than this binary",
    );
    conn.batch_execute("DELETE FROM __diesel_schema_migrations WHERE version = '9999'")
        .unwrap();
    let last = format!("{:04}", migration_count(db.backend));
    let refuse = [
        ("TK_DATABASE_URL", db.url.as_str()),
        ("TK_DATABASE_MIGRATIONS", "refuse"),
    ];
    // Pending: forget the last migration (as the diesel CLI's revert would), under `refuse`.
    let down = std::fs::read_to_string(format!(
        "{}/migrations/{}/{}",
        env!("CARGO_MANIFEST_DIR"),
        db.backend.name(),
        std::fs::read_dir(format!(
            "{}/migrations/{}",
            env!("CARGO_MANIFEST_DIR"),
            db.backend.name()
        ))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(&last))
        .map(|n| format!("{n}/down.sql"))
        .unwrap()
    ))
    .unwrap();
    conn.batch_execute(&down).unwrap();
    status_refuses(
        &mut conn,
        &format!("DELETE FROM __diesel_schema_migrations WHERE version = '{last}'"),
        &refuse,
        "pending migration(s)",
    );
    assert!(tk(dir, &["db", "migrate"], &url_env).status.success());
    status_refuses(
        &mut conn,
        "CREATE TABLE IF NOT EXISTS __trapperkeeper_copy (copy_id VARCHAR(36) NOT NULL PRIMARY KEY, \
         source VARCHAR(255) NOT NULL, completed INTEGER NOT NULL); \
         INSERT INTO __trapperkeeper_copy VALUES ('c', 'sqlite://elsewhere.db', 0)",
        &url_env,
        "holds an interrupted copy from sqlite://elsewhere.db",
    );
}

/// Commands that only look create nothing: `db status` and `db check` on a SQLite file that does
/// not exist, `db copy`/`db verify` from one (a mistyped path once became an empty source).
#[cfg(feature = "sqlite")]
#[test]
fn looking_creates_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let out = tk(root, &["db", "status"], &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("does not exist yet"), "{stdout}");
    assert!(
        stdout.contains("start-up:   ready (creates the database)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "0 applied, {} pending",
            migration_count(Backend::Sqlite)
        )),
        "{stdout}"
    );
    let out = tk(
        root,
        &["db", "status"],
        &[("TK_DATABASE_MIGRATIONS", "refuse")],
    );
    assert_clean_failure(&out, 1);
    let stderr = assert_clean_failure(&tk(root, &["db", "check"], &[]), 2);
    assert!(stderr.contains("no SQLite database at"), "{stderr}");
    let stderr = assert_clean_failure(
        &tk(
            root,
            &[
                "db",
                "copy",
                "--from",
                "sqlite://missing.db",
                "--to",
                "sqlite://copy.db",
            ],
            &[],
        ),
        2,
    );
    assert!(
        stderr.contains("--from: no SQLite database at sqlite://missing.db"),
        "{stderr}"
    );
    let stderr = assert_clean_failure(
        &tk(
            root,
            &[
                "db",
                "verify",
                "--from",
                "sqlite://missing.db",
                "--to",
                "sqlite://other.db",
            ],
            &[],
        ),
        2,
    );
    assert!(stderr.contains("--from: no SQLite database"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "created {left:?}");
    // The first command that uses the database creates it.
    assert!(tk(root, &["tenant", "list"], &[]).status.success());
    assert!(root.join("data/trapperkeeper.db").is_file());
}

/// With stdout and stderr both closed (`trapperkeeper … 2>&1 | head -c 9` once the reader has
/// gone), a failure is still an ordinary exit, not a panic writing the error line (exit 101).
#[test]
fn closed_output_streams_are_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["tenant", "list"][..],
        &["tenant", "show", "01a23435-2cd8-75d9-b7e8-483b80abf24c"][..],
        &["--db-url", "ftp://nowhere", "tenant", "list"][..],
    ] {
        let mut child = spawn_piped(dir.path(), args);
        // Close the reading ends before the program writes anything.
        drop(child.stdout.take());
        drop(child.stderr.take());
        let status = child.wait().unwrap();
        assert_ne!(status.code(), Some(101), "{args:?} panicked");
        assert!(matches!(status.code(), Some(0..=2)), "{args:?}: {status}");
    }
}

/// A reader that stops early (`tenant list | head -1`) ends the command quietly with exit 0,
/// and log lines in a pipe or file carry no colour codes.
#[cfg(feature = "sqlite")]
#[test]
fn pipes_end_quietly_and_logs_are_plain() {
    let dir = tempfile::tempdir().unwrap();
    assert!(tk(dir.path(), &["tenant", "create", "a"], &[])
        .status
        .success());
    let mut child = spawn_piped(dir.path(), &["tenant", "list"]);
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let fresh = tempfile::tempdir().unwrap();
    let out = tk(fresh.path(), &["db", "migrate"], &[("TK_LOG", "info")]);
    let (_, stderr) = text(&out);
    assert!(out.status.success());
    assert!(!stderr.is_empty(), "info logs expected");
    assert!(
        !stderr.contains('\u{1b}'),
        "colour codes in a pipe: {stderr:?}"
    );
}

backend_tests!(revert_redo_and_json_reports);

/// `db revert`, `db redo` and `db migrate` keep the checksums true (start-up accepts the
/// database after each), `db status` says when each migration was applied, and `--json`
/// reports of `db status`, `db migrate` and `db check` parse.
fn revert_redo_and_json_reports(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let env = [("TK_DATABASE_URL", db.url.as_str())];
    let run = |args: &[&str]| tk(dir.path(), args, &env);
    let json = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = run(&all);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{args:?}: {stderr}");
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
    };
    let total = migration_count(db.backend);
    let migrated = json(&["db", "migrate"]);
    assert_eq!(migrated["applied_now"].as_array().unwrap().len(), total);
    assert_eq!(
        (migrated["applied"].as_u64(), migrated["pending"].as_u64()),
        (Some(total as u64), Some(0))
    );

    let status = json(&["db", "status"]);
    assert_eq!(status["startup"]["ready"], true, "{status}");
    let applied = status["migrations"]["applied"].as_array().unwrap();
    assert_eq!(applied.len(), total);
    let at = applied[0]["applied_at"].as_str().unwrap();
    chrono::DateTime::parse_from_rfc3339(at).unwrap_or_else(|e| panic!("RFC 3339: {at}: {e}"));
    assert!(at.ends_with('Z'), "UTC: {at}");
    assert!(status["settings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["key"] == "max_connections"));
    let (text_status, _) = text(&run(&["db", "status"]));
    assert!(text_status.contains(&format!("at {at}")), "{text_status}");
    let check = json(&["db", "check"]);
    assert_eq!(check["ok"], true);
    assert!(
        check["session"].as_object().is_some_and(|s| !s.is_empty()),
        "{check}"
    );

    // Revert two, then start-up (any command) applies them again; the checksums stay true.
    let reverted = json(&["db", "revert", "--count", "2"]);
    let names: Vec<&str> = reverted["reverted"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names[0] > names[1], "newest first: {names:?}");
    let status = json(&["db", "status"]);
    assert_eq!(status["migrations"]["pending"].as_array().unwrap().len(), 2);
    let again = json(&["db", "migrate"]);
    assert_eq!(again["applied_now"].as_array().unwrap().len(), 2);
    let redone = json(&["db", "redo"]);
    assert_eq!(redone["redid"].as_array().unwrap().len(), 1);
    let status = json(&["db", "status"]);
    assert_eq!(status["startup"]["ready"], true, "{status}");
    assert!(status["migrations"]["pending"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(
        run(&["tenant", "list"]).status.success(),
        "start-up accepts it"
    );

    let out = run(&["db", "revert", "--count", "99"]);
    let stderr = assert_clean_failure(&out, 1);
    assert!(stderr.contains("cannot revert"), "{stderr}");
    let out = run(&["db", "revert", "--count", "0"]);
    assert_clean_failure(&out, 2);
}

/// `db new NAME` adds the next shared number to all three folders; bad names and missing
/// folders are usage errors that create nothing.
#[test]
fn new_migration_goes_into_all_three_folders() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("migrations");
    for (backend, existing) in [
        ("sqlite", "0003_x"),
        ("postgres", "0003_x"),
        ("mysql", "0002_y"),
    ] {
        std::fs::create_dir_all(root.join(backend).join(existing)).unwrap();
    }
    let out = tk(dir.path(), &["--json", "db", "new", "add_index"], &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["migration"], "0004_add_index");
    assert!(
        stderr.contains("out of step (last: sqlite 0003, postgres 0003, mysql 0002)"),
        "{stderr}"
    );
    for backend in ["sqlite", "postgres", "mysql"] {
        for file in ["up.sql", "down.sql"] {
            assert!(root
                .join(backend)
                .join("0004_add_index")
                .join(file)
                .is_file());
        }
    }
    for bad in ["Add", "1x", "has-dash", ""] {
        let out = tk(dir.path(), &["db", "new", bad], &[]);
        assert_clean_failure(&out, 2);
    }
    let out = tk(dir.path(), &["db", "new", "add_index"], &[]);
    assert!(assert_clean_failure(&out, 2).contains("a migration named add_index exists"));
    let out = tk(dir.path(), &["db", "new", "again", "--dir", "nowhere"], &[]);
    assert!(assert_clean_failure(&out, 2).contains("nowhere"));
    assert!(!dir.path().join("nowhere").exists());
}

/// Completions print a script for each shell without touching a database; `-q` silences notes
/// and progress, `-v` logs at info level.
// Uses the SQLite default.
#[cfg(feature = "sqlite")]
#[test]
fn completions_quiet_and_verbose() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, needle) in [
        ("bash", "_trapperkeeper"),
        ("zsh", "#compdef trapperkeeper"),
        ("fish", "complete -c trapperkeeper"),
    ] {
        let out = tk(dir.path(), &["completions", shell], &[]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        assert!(
            stdout.contains(needle) && stdout.contains("tenant"),
            "{shell}"
        );
    }
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing created"
    );

    let url = format!("sqlite://{}", dir.path().join("a.db").display());
    let env = [("TK_DATABASE_URL", url.as_str())];
    let verbose = tk(dir.path(), &["-v", "db", "migrate"], &env);
    assert!(
        text(&verbose).1.contains("applied migration"),
        "{}",
        text(&verbose).1
    );
    for _ in 0..3 {
        assert!(tk(dir.path(), &["tenant", "create", "t"], &env)
            .status
            .success());
    }
    // An ordinary command says where it went and what it found (nothing to migrate).
    let ordinary = tk(dir.path(), &["-v", "tenant", "list"], &env);
    let (_, logged) = text(&ordinary);
    assert!(ordinary.status.success(), "{logged}");
    assert!(
        logged.contains("connected") && logged.contains("a.db"),
        "{logged}"
    );
    assert!(
        logged.contains("database ready")
            && logged.contains("applied_now=0")
            && logged.contains("schema="),
        "{logged}"
    );
    let noted = tk(dir.path(), &["tenant", "list", "--limit", "1"], &env);
    assert!(text(&noted).1.contains("more rows follow"));
    let quiet = tk(dir.path(), &["-q", "tenant", "list", "--limit", "1"], &env);
    assert!(
        quiet.status.success() && quiet.stderr.is_empty(),
        "{}",
        text(&quiet).1
    );
    assert_eq!(text(&quiet).0.lines().count(), 2, "the rows still print");
    let both = tk(dir.path(), &["-q", "-v", "tenant", "list"], &env);
    assert_clean_failure(&both, 2);
    // A negative number is a bad value of its flag, not an unknown flag.
    let negative = tk(dir.path(), &["tenant", "list", "--limit", "-1"], &env);
    assert_clean_failure(&negative, 2);
    assert!(
        text(&negative)
            .1
            .contains("invalid value '-1' for '--limit"),
        "{}",
        text(&negative).1
    );
}

/// Commands do not wait behind a long SQLite writer when nothing is pending: the migration
/// lock is taken only to apply something.
#[cfg(feature = "sqlite")]
#[test]
fn commands_do_not_take_the_migration_lock_when_nothing_is_pending() {
    use diesel::connection::SimpleConnection;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("w.db").display());
    let env = [("TK_DATABASE_URL", url.as_str())];
    assert!(tk(dir.path(), &["db", "migrate"], &env).status.success());
    let config = trapperkeeper_db::config::DatabaseConfig::for_url(&url).unwrap();
    let mut writer = trapperkeeper_db::pool::connect_sync(&config).unwrap();
    writer.batch_execute("BEGIN IMMEDIATE").unwrap();
    let started = std::time::Instant::now();
    for args in [
        &["tenant", "list"][..],
        &["db", "migrate"],
        &["db", "status"],
    ] {
        let out = tk(dir.path(), args, &env);
        assert!(out.status.success(), "{args:?}: {}", text(&out).1);
    }
    // Behind the writer, taking the lock would wait out busy_timeout (5 s) and more.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    writer.batch_execute("ROLLBACK").unwrap();
}

/// What a new user meets on day one, each a clear usage error (exit 2): the diesel CLI's bare
/// path as --db-url, a file as --data-dir, URL parameters that are wrong; and under the refuse
/// policy no SQLite file is created only to be refused.
// Uses the SQLite default.
#[cfg(feature = "sqlite")]
#[test]
fn day_one_mistakes_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = tk(
        dir.path(),
        &["--db-url", "data/trapperkeeper.db", "tenant", "list"],
        &[],
    );
    assert!(assert_clean_failure(&out, 2).contains("sqlite://path/to/file.db"));
    std::fs::write(dir.path().join("afile"), "").unwrap();
    let out = tk(dir.path(), &["--data-dir", "afile", "tenant", "list"], &[]);
    assert!(assert_clean_failure(&out, 2).contains("afile is a file, not a directory"));
    for (backend, url, needle) in [
        (
            Backend::Postgres,
            "postgres://u@127.0.0.1:1/db?sslmode=bogus",
            "sslmode must be one of",
        ),
        (
            Backend::Mysql,
            "mysql://u@127.0.0.1:1/db?sslmode=required",
            "unknown URL parameter \"sslmode\"",
        ),
    ] {
        if !backend.is_compiled_in() {
            continue;
        }
        let out = tk(dir.path(), &["--db-url", url, "db", "check"], &[]);
        assert!(assert_clean_failure(&out, 2).contains(needle), "{url}");
    }
    let out = tk(
        dir.path(),
        &["tenant", "list"],
        &[("TK_DATABASE_MIGRATIONS", "refuse")],
    );
    assert!(assert_clean_failure(&out, 1).contains("\"refuse\""));
    assert!(
        !dir.path().join("data/trapperkeeper.db").exists(),
        "nothing created"
    );
}

/// A TOML file has types and a place: `max_connections = "16"` is refused naming the key, and
/// a relative `data_dir` is relative to the file, wherever the command runs.
#[cfg(feature = "sqlite")]
#[test]
fn toml_values_are_typed_and_data_dir_is_relative_to_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    let file = conf.join("tk.toml");
    std::fs::write(&file, "data_dir = \"state\"\n").unwrap();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let out = tk(
        &elsewhere,
        &["--config", file.to_str().unwrap(), "tenant", "create", "t"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(conf.join("state/trapperkeeper.db").is_file());
    assert!(!elsewhere.join("state").exists());
    std::fs::write(&file, "[database]\nmax_connections = \"16\"\n").unwrap();
    let out = tk(
        &elsewhere,
        &["--config", file.to_str().unwrap(), "db", "status"],
        &[],
    );
    let stderr = assert_clean_failure(&out, 2);
    assert!(
        stderr.contains("database.max_connections") && stderr.contains("TOML integer"),
        "{stderr}"
    );
}

backend_tests!(a_refused_sign_in_exits_as_a_configuration_error);

/// A database that answers and refuses the sign-in is the operator's configuration to fix: exit
/// 2, one line naming the database; a server that is down stays exit 1 (above).
fn a_refused_sign_in_exits_as_a_configuration_error(db: &TestDb) {
    let url = match db.backend {
        Backend::Sqlite => {
            let file = db.dir().join("a-plain-file");
            std::fs::write(&file, b"not a directory").unwrap();
            format!("sqlite://{}/tk.db", file.display())
        }
        _ => {
            let mut url = url::Url::parse(&db.url).unwrap();
            url.set_username("tk_no_such_role").unwrap();
            url.to_string()
        }
    };
    let dir = tempfile::tempdir().unwrap();
    for cmd in [&["db", "migrate"][..], &["tenant", "list"]] {
        let out = tk(dir.path(), cmd, &[("TK_DATABASE_URL", &url)]);
        let stderr = assert_clean_failure(&out, 2);
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(!stderr.contains("Canary7fQ2xLw9"), "{stderr}");
    }
}

backend_tests!(a_database_error_says_so_once);

/// A statement the database refuses (here: a table dropped behind the binary's back) is one
/// line that says "database error" once, with the database's words, exit 1.
fn a_database_error_says_so_once(db: &TestDb) {
    use diesel::connection::SimpleConnection;
    let dir = tempfile::tempdir().unwrap();
    let env = [("TK_DATABASE_URL", db.url.as_str())];
    let out = tk(dir.path(), &["--json", "tenant", "create", "t"], &env);
    let tenant: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = tenant["tenant_id"].as_str().unwrap();
    common::migrated(db)
        .batch_execute("DROP TABLE rule_sensors; DROP TABLE sensors")
        .unwrap();
    let out = tk(dir.path(), &["sensor", "list", "--tenant", t], &env);
    let stderr = assert_clean_failure(&out, 1);
    assert_eq!(stderr.matches("database error").count(), 1, "{stderr}");
    assert!(stderr.contains("sensors"), "the database's words: {stderr}");
}

/// Found by trying it: a backup of a missing SQLite database is refused (it would create an
/// empty one and report success); `db status` on a data directory that is a file says so;
/// port 0 is a URL error on both servers; `max_connections` alone below the default
/// `min_idle` is accepted; bare `trapperkeeper` lists the commands.
// Uses the SQLite default.
#[cfg(feature = "sqlite")]
#[test]
fn mistakes_found_by_trying_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = tk(dir.path(), &["db", "backup", "--to", "b.db"], &[]);
    assert!(assert_clean_failure(&out, 2).contains("no SQLite database"));
    assert!(!dir.path().join("data").exists() && !dir.path().join("b.db").exists());
    std::fs::write(dir.path().join("afile"), "").unwrap();
    let out = tk(dir.path(), &["--data-dir", "afile", "db", "status"], &[]);
    assert!(assert_clean_failure(&out, 2).contains("afile is a file"));
    for (backend, url) in [
        (Backend::Postgres, "postgres://u@127.0.0.1:0/db"),
        (Backend::Mysql, "mysql://u@127.0.0.1:0/db"),
    ] {
        if backend.is_compiled_in() {
            let out = tk(dir.path(), &["--db-url", url, "db", "check"], &[]);
            assert!(assert_clean_failure(&out, 2).contains("port 0"), "{url}");
        }
    }
    let out = tk(
        dir.path(),
        &["db", "status"],
        &[("TK_DATABASE_MAX_CONNECTIONS", "2")],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("min_idle") && l.contains(" 2 ")),
        "{stdout}"
    );
    let out = tk(dir.path(), &[], &[]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.starts_with("error: a command is required") && stderr.contains("tenant"),
        "{stderr}"
    );
}

/// `scripts/tk` runs the binary in the caller's directory, so relative paths (`--data-dir
/// ./x`) mean what the caller means. Checked with a stand-in `cargo` on PATH that records
/// where it ran and what it was asked (the real one would make a release build).
#[test]
fn scripts_tk_runs_in_the_callers_directory() {
    use std::os::unix::fs::PermissionsExt;
    let shim = tempfile::tempdir().unwrap();
    let record = shim.path().join("record");
    let cargo = shim.path().join("cargo");
    std::fs::write(
        &cargo,
        format!(
            "#!/bin/sh\necho \"$PWD\" > '{}'\necho \"$@\" >> '{}'\n",
            record.display(),
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    let caller = tempfile::tempdir().unwrap();
    let repo = env!("CARGO_MANIFEST_DIR");
    let path = format!(
        "{}:{}",
        shim.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(format!("{repo}/scripts/tk"))
        .args(["--data-dir", "./x", "tenant", "list"])
        .current_dir(caller.path())
        .env("PATH", path)
        .output()
        .map(common::recorded)
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = std::fs::read_to_string(&record).unwrap();
    let mut lines = seen.lines();
    let ran_in = std::path::Path::new(lines.next().unwrap())
        .canonicalize()
        .unwrap();
    assert_eq!(ran_in, caller.path().canonicalize().unwrap());
    let args = lines.next().unwrap();
    assert!(
        args.contains(&format!("--manifest-path {repo}/Cargo.toml")),
        "{args}"
    );
    assert!(args.ends_with("-- --data-dir ./x tenant list"), "{args}");
}
