//! Test support: a fresh database per test on each backend, and one test body run per backend.
//!
//! Server URLs come from `TK_TEST_POSTGRES_URL` and `TK_TEST_MYSQL_URL` (defaults: the local
//! servers). When `CI` is set, an unreachable server fails the test instead of skipping it.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use trapperkeeper_db::config::DatabaseConfig;
use trapperkeeper_db::url::Backend;

/// Runs one test body per backend, each on its own database: all three by default, or with
/// `servers:` only PostgreSQL and MySQL (for behaviour that needs a server, like killing a
/// session).
#[macro_export]
macro_rules! backend_tests {
    (servers: $($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[cfg(feature = "postgres")]
                #[test]
                fn postgres() {
                    $crate::common::run(trapperkeeper_db::url::Backend::Postgres, super::$name);
                }
                #[cfg(feature = "mysql")]
                #[test]
                fn mysql() {
                    $crate::common::run(trapperkeeper_db::url::Backend::Mysql, super::$name);
                }
            }
        )+
    };
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[cfg(feature = "sqlite")]
                #[test]
                fn sqlite() {
                    $crate::common::run(trapperkeeper_db::url::Backend::Sqlite, super::$name);
                }
                #[cfg(feature = "postgres")]
                #[test]
                fn postgres() {
                    $crate::common::run(trapperkeeper_db::url::Backend::Postgres, super::$name);
                }
                #[cfg(feature = "mysql")]
                #[test]
                fn mysql() {
                    $crate::common::run(trapperkeeper_db::url::Backend::Mysql, super::$name);
                }
            }
        )+
    };
}

/// Creates a fresh database for `backend` and runs `body` on it; the database is dropped after.
pub fn run(backend: Backend, body: fn(&TestDb)) {
    match TestDb::create(backend) {
        Some(db) => body(&db),
        None => eprintln!("skipped: {backend} server unreachable and CI is not set"),
    }
}

/// A database that exists for one test.
pub struct TestDb {
    /// Its backend.
    pub backend: Backend,
    /// Its URL (may carry a password: tests only).
    pub url: String,
    name: String,
    admin_url: Option<String>,
    dir: tempfile::TempDir,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The admin URL of a server backend.
pub fn admin_url(backend: Backend) -> String {
    let (var, default) = match backend {
        Backend::Postgres => (
            "TK_TEST_POSTGRES_URL",
            "postgres://postgres@127.0.0.1:5432/postgres",
        ),
        Backend::Mysql => ("TK_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"),
        Backend::Sqlite => unreachable!("SQLite has no server"),
    };
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// Replaces the database (path) of a server URL.
pub fn with_database(url: &str, name: &str) -> String {
    let mut u = url::Url::parse(url).expect("valid test server URL");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

fn admin_execute(backend: Backend, admin: &str, sql: &str) -> Result<(), String> {
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    use diesel::{connection::SimpleConnection, Connection};
    let _ = (admin, sql); // unused in an SQLite-only build
    match backend {
        #[cfg(feature = "postgres")]
        Backend::Postgres => diesel::PgConnection::establish(admin)
            .map_err(|e| e.to_string())?
            .batch_execute(sql)
            .map_err(|e| e.to_string()),
        #[cfg(feature = "mysql")]
        Backend::Mysql => diesel::MysqlConnection::establish(admin)
            .map_err(|e| e.to_string())?
            .batch_execute(sql)
            .map_err(|e| e.to_string()),
        _ => Err(format!("{backend} not compiled in")),
    }
}

impl TestDb {
    /// Creates the database, or returns `None` (outside CI) when its server is unreachable.
    pub fn create(backend: Backend) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let name = format!(
            "tk_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        if backend == Backend::Sqlite {
            let url = format!("sqlite://{}", dir.path().join("trapperkeeper.db").display());
            return Some(Self {
                backend,
                url,
                name,
                admin_url: None,
                dir,
            });
        }
        let admin = admin_url(backend);
        let create = match backend {
            Backend::Postgres => format!("CREATE DATABASE {name}"),
            _ => format!("CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"),
        };
        if let Err(e) = admin_execute(backend, &admin, &create) {
            if std::env::var_os("CI").is_some() {
                panic!("{backend} test server unreachable in CI: {e}");
            }
            return None;
        }
        let url = with_database(&admin, &name);
        Some(Self {
            backend,
            url,
            name,
            admin_url: Some(admin),
            dir,
        })
    }

    /// A configuration for this database with a small pool, so parallel tests stay well under
    /// the servers' connection limits.
    pub fn config(&self) -> DatabaseConfig {
        DatabaseConfig::for_url(&self.url)
            .expect("test URL parses")
            .with_pool_size(4, 1)
            .with_connection_timeout(Duration::from_secs(5))
    }

    /// A scratch directory that lives as long as the database.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(admin) = &self.admin_url {
            let sql = match self.backend {
                Backend::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
                _ => format!("DROP DATABASE IF EXISTS {}", self.name),
            };
            if let Err(e) = admin_execute(self.backend, admin, &sql) {
                eprintln!("could not drop test database {}: {e}", self.name);
            }
        }
    }
}

/// The diesel CLI to run (`TK_DIESEL_CLI`, default `diesel`), or `None` outside CI when it is
/// not installed. In CI a missing CLI fails the test.
pub fn diesel_cli() -> Option<String> {
    let diesel = std::env::var("TK_DIESEL_CLI").unwrap_or_else(|_| "diesel".into());
    let works = std::process::Command::new(&diesel)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(diesel);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the diesel CLI must be installed in CI"
    );
    eprintln!("skipped: diesel CLI not installed");
    None
}

/// The URL the diesel CLI takes for a test database (a plain file path for SQLite).
pub fn diesel_cli_url(db: &TestDb) -> String {
    match db.backend {
        Backend::Sqlite => db.url.trim_start_matches("sqlite://").to_string(),
        _ => db.url.clone(),
    }
}

/// A multi-threaded runtime for async test bodies.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A current-thread runtime: units of work go through `spawn_blocking` there.
pub fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The role a re-spawned test binary plays (see [`spawn_self`]), if any.
pub fn helper_role() -> Option<String> {
    std::env::var("TK_TEST_HELPER").ok()
}

/// Starts this test binary again, running only `test` with `TK_TEST_HELPER=role` and the given
/// environment, so a test can drive several OS processes against one database.
pub fn spawn_self(test: &str, role: &str, env: &[(&str, String)]) -> std::process::Child {
    let exe = std::env::current_exe().expect("test binary path");
    let mut cmd = std::process::Command::new(exe);
    cmd.args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env("TK_TEST_HELPER", role)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn helper process")
}
