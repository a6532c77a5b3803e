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
    observe();
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
        let options = match backend {
            Backend::Mysql => "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
            _ => "",
        };
        Self::create_with(backend, options)
    }

    /// Like [`TestDb::create`], with `options` after `CREATE DATABASE name` on a server backend
    /// (e.g. another default collation); SQLite ignores them.
    pub fn create_with(backend: Backend, options: &str) -> Option<Self> {
        observe();
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
        let create = format!("CREATE DATABASE {name} {options}");
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

/// Runs the diesel CLI `diesel` with `args` and `--database-url` for `db`, from the repository
/// (so it reads the project's diesel.toml); returns its stdout, failing the test if it fails.
#[allow(dead_code)]
pub fn run_diesel(diesel: &str, db: &TestDb, args: &[&str]) -> String {
    let out = std::process::Command::new(diesel)
        .args(args)
        .args(["--database-url", &diesel_cli_url(db)])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .map(recorded)
        .unwrap();
    assert!(
        out.status.success(),
        "diesel {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
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

/// When `TK_TEST_LOG_DIR` is set (scripts/test sets it), keeps what a test run would otherwise
/// throw away — the library's log lines at every level, panic messages and the output of every
/// child process the tests run — in files there, so the run can be searched afterwards for the
/// canary password in the server URLs (RELIABILITY.md, scenario 7). Idempotent.
pub fn observe() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Some(file) = log_file("log") else {
            return;
        };
        let file = std::sync::Arc::new(std::sync::Mutex::new(file));
        let writer = file.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("trace")
            .with_ansi(false)
            .with_writer(move || LockedFile(writer.clone()))
            .try_init();
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Ok(mut f) = file.lock() {
                use std::io::Write;
                let _ = writeln!(f, "PANIC {info}");
            }
            default_hook(info);
        }));
    });
}

/// A new file in `TK_TEST_LOG_DIR` named after this process.
fn log_file(kind: &str) -> Option<std::fs::File> {
    let dir = std::path::PathBuf::from(std::env::var_os("TK_TEST_LOG_DIR")?);
    std::fs::create_dir_all(&dir).ok()?;
    let exe = std::env::current_exe().ok()?;
    let stem = exe.file_stem()?.to_string_lossy().into_owned();
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{stem}-{}.{kind}", std::process::id())))
        .ok()
}

struct LockedFile(std::sync::Arc<std::sync::Mutex<std::fs::File>>);

impl std::io::Write for LockedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.lock() {
            Ok(mut f) => f.write(buf),
            Err(_) => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Keeps a child process's output for the canary search (see [`observe`]) and returns it.
pub fn recorded(out: std::process::Output) -> std::process::Output {
    if let Some(mut f) = log_file("children") {
        use std::io::Write;
        let _ = f.write_all(&out.stdout);
        let _ = f.write_all(&out.stderr);
    }
    out
}

/// A small deterministic generator for fault timings. Seeded from `TK_TEST_SEED` when set
/// (to replay a run), else from the clock; the seed is printed so a failure can be replayed.
pub struct Rng(u64);

impl Rng {
    /// A generator for the test `what`.
    pub fn new(what: &str) -> Self {
        let seed = std::env::var("TK_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{what}: TK_TEST_SEED={seed}");
        Self(seed | 1)
    }

    /// The next value (xorshift64*).
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// A count from the environment variable `var` (for longer runs by hand), else `default`.
pub fn count_from_env(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Every row of every table, deleted ones included, in canonical form: two dumps are equal
/// exactly when the stored data is.
pub fn dump(conn: &mut trapperkeeper_db::AnyConnection) -> Vec<String> {
    let mut all = Vec::new();
    for &table in trapperkeeper_db::copy::Table::ALL {
        all.push(format!("-- {table}"));
        all.extend(trapperkeeper_db::copy::canonical_rows(conn, table).expect("dump table"));
    }
    all
}

/// A fresh connection to a migrated test database.
pub fn migrated(db: &TestDb) -> trapperkeeper_db::AnyConnection {
    let mut conn = trapperkeeper_db::pool::connect_sync(&db.config()).expect("connect");
    trapperkeeper_db::migrations::migrate(&mut conn, Default::default()).expect("migrate");
    conn
}

/// The ids of every sensor of `tenant`, deleted ones included.
pub async fn sensor_ids(
    db: &trapperkeeper_db::Database,
    tenant: trapperkeeper_db::types::TenantId,
) -> std::collections::HashSet<trapperkeeper_db::types::SensorId> {
    use diesel::prelude::*;
    use trapperkeeper_db::schema::sensors;
    db.run(move |c| {
        sensors::table
            .filter(sensors::tenant_id.eq(tenant))
            .select(sensors::sensor_id)
            .load::<trapperkeeper_db::types::SensorId>(c)
            .map_err(trapperkeeper_db::Error::from)
    })
    .await
    .expect("read sensor ids")
    .into_iter()
    .collect()
}

/// Reports a measured figure of a fault-injection test (RELIABILITY.md): on stderr, and in
/// `figures.txt` under `TK_TEST_LOG_DIR`, which scripts/test prints at the end of a run.
pub fn figure(line: String) {
    eprintln!("FIGURE {line}");
    if let Some(dir) = std::env::var_os("TK_TEST_LOG_DIR") {
        use std::io::Write;
        let _ = std::fs::create_dir_all(&dir);
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(std::path::Path::new(&dir).join("figures.txt"))
        {
            let _ = writeln!(f, "{line}");
        }
    }
}

/// A barrier whose wait gives up: a test whose parties never all arrive fails instead of
/// hanging.
pub struct Rendezvous {
    arrived: std::sync::Mutex<usize>,
    all_in: std::sync::Condvar,
    parties: usize,
}

impl Rendezvous {
    /// A rendezvous of `parties` threads.
    pub fn new(parties: usize) -> Self {
        Self {
            arrived: std::sync::Mutex::new(0),
            all_in: std::sync::Condvar::new(),
            parties,
        }
    }

    /// Waits until all parties have arrived; panics after `timeout`.
    pub fn wait(&self, timeout: Duration) {
        let mut arrived = self.arrived.lock().unwrap();
        *arrived += 1;
        self.all_in.notify_all();
        let (arrived, result) = self
            .all_in
            .wait_timeout_while(arrived, timeout, |n| *n < self.parties)
            .unwrap();
        assert!(
            !result.timed_out(),
            "only {} of {} parties arrived within {timeout:?}",
            *arrived,
            self.parties
        );
    }
}

/// `n` tasks, each pinging on a pooled connection it holds for `hold`.
pub fn holding_pings(
    database: &trapperkeeper_db::Database,
    n: usize,
    hold: Duration,
) -> Vec<tokio::task::JoinHandle<Result<(), trapperkeeper_db::Error>>> {
    (0..n)
        .map(|_| {
            let database = database.clone();
            tokio::spawn(async move {
                database
                    .run(move |c| {
                        std::thread::sleep(hold);
                        c.ping().map_err(trapperkeeper_db::Error::from)
                    })
                    .await
            })
        })
        .collect()
}
