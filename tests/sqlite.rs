//! SQLite-only promises: private files, and two processes writing one file at once.
#![cfg(feature = "sqlite")]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use trapperkeeper_db::config::{CliOverrides, DatabaseConfig};
use trapperkeeper_db::pool::connect_sync;
use trapperkeeper_db::{Database, Error};

diesel::table! {
    tk_test_counter (id) {
        id -> Integer,
        n -> BigInt,
    }
}

const WRITES_PER_PROCESS: i64 = 5_000;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Helper role: opens the default SQLite database under umask 022 and reports file modes while
/// the pool (and so the -wal and -shm files) is open.
#[test]
fn helper_file_modes() {
    if common::helper_role().as_deref() != Some("file-modes") {
        return;
    }
    let data_dir = std::env::var("TK_DATA_DIR").unwrap();
    let config = DatabaseConfig::load_from(
        &CliOverrides::default(),
        |k| std::env::var(k).ok(),
        std::path::Path::new("/"),
    )
    .unwrap();
    common::runtime().block_on(async {
        let db = Database::open(&config).await.unwrap();
        db.write(|c| {
            c.batch_execute("CREATE TABLE t (x INTEGER)")
                .map_err(Error::from)
        })
        .await
        .unwrap();
        let dir = std::path::Path::new(&data_dir);
        for name in [
            "",
            "trapperkeeper.db",
            "trapperkeeper.db-wal",
            "trapperkeeper.db-shm",
        ] {
            println!("MODE {name} {:o}", mode(&dir.join(name)));
        }
    });
}

#[test]
fn files_are_private_under_umask_022() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("nested").join("data");
    let exe = std::env::current_exe().unwrap();
    // umask is per process: set it in a shell and exec the helper from there.
    let out = std::process::Command::new("sh")
        .args([
            "-c",
            "umask 022 && exec \"$0\" helper_file_modes --exact --nocapture --test-threads=1",
        ])
        .arg(exe)
        .env("TK_TEST_HELPER", "file-modes")
        .env("TK_DATA_DIR", &data_dir)
        .env_remove("TK_DATABASE_URL")
        .env_remove("TK_CONFIG_FILE")
        .output()
        .map(common::recorded)
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let modes: Vec<(String, String)> = stdout
        .lines()
        // libtest prints "test NAME ... " without a newline before the first line of output.
        .filter_map(|l| l.find("MODE ").map(|i| &l[i + 5..]))
        .map(|l| {
            let (name, mode) = l.rsplit_once(' ').unwrap();
            (name.trim().to_string(), mode.to_string())
        })
        .collect();
    assert_eq!(
        modes,
        vec![
            ("".into(), "700".into()),
            ("trapperkeeper.db".into(), "600".into()),
            ("trapperkeeper.db-wal".into(), "600".into()),
            ("trapperkeeper.db-shm".into(), "600".into()),
        ]
    );
}

/// Helper role: read-then-write transactions against the counter in `TK_TEST_DB`.
#[test]
fn helper_read_then_write() {
    if common::helper_role().as_deref() != Some("rmw") {
        return;
    }
    let config = DatabaseConfig::for_url(&std::env::var("TK_TEST_DB").unwrap()).unwrap();
    let mut conn = connect_sync(&config).unwrap();
    let mut errors = 0;
    for _ in 0..WRITES_PER_PROCESS {
        let result: Result<(), Error> = conn.write_transaction(|c| {
            let n: i64 = tk_test_counter::table
                .find(1)
                .select(tk_test_counter::n)
                .first(c)?;
            diesel::update(tk_test_counter::table.find(1))
                .set(tk_test_counter::n.eq(n + 1))
                .execute(c)?;
            Ok(())
        });
        if let Err(e) = result {
            errors += 1;
            eprintln!("write failed: {e}");
        }
    }
    println!("ERRORS {errors}");
}

#[test]
fn two_processes_read_then_write_without_errors_or_lost_updates() {
    let db = common::TestDb::create(trapperkeeper_db::url::Backend::Sqlite).unwrap();
    let mut conn = connect_sync(&db.config()).unwrap();
    conn.batch_execute(
        "CREATE TABLE tk_test_counter (id INTEGER NOT NULL PRIMARY KEY, n BIGINT NOT NULL);
         INSERT INTO tk_test_counter (id, n) VALUES (1, 0);",
    )
    .unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            common::spawn_self(
                "helper_read_then_write",
                "rmw",
                &[("TK_TEST_DB", db.url.clone())],
            )
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().map(common::recorded).unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("ERRORS 0"),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let n: i64 = tk_test_counter::table
        .find(1)
        .select(tk_test_counter::n)
        .first(&mut conn)
        .unwrap();
    assert_eq!(n, 2 * WRITES_PER_PROCESS, "no update lost");
    let _ = Duration::ZERO;
}
