//! One connection type over the compiled-in backends, established by URL scheme and set up the
//! same way every time, plus the per-backend write transaction.

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::error::{Error, Result};
use crate::url::{Backend, DatabaseUrl};

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
compile_error!("enable at least one of the cargo features `sqlite`, `postgres`, `mysql`");

// `#[derive(MultiConnection)]` ignores `#[cfg]` on variants, so the enum is spelled out once per
// combination of backend features; the macro keeps the docs and derive in one place.
// `$d` is a `$` handed in by the caller, so that the macro below can have metavariables of its own.
macro_rules! any_connection {
    ($d:tt $($variant:ident($ty:ty)),+ $(,)?) => {
        /// A connection to whichever backend the URL chose. Queries written once against the
        /// unified schema run on every variant.
        #[derive(diesel::MultiConnection)]
        pub enum AnyConnection {
            $(
                #[allow(missing_docs)]
                $variant($ty),
            )+
        }

        /// A query fragment every compiled-in backend can walk: what
        /// `MultiBackend::walk_variant_ast` needs to hand a fragment to the backend in use
        /// (a named query's list parameter is an array on PostgreSQL, placeholders elsewhere).
        pub trait BackendFragment:
            $(diesel::query_builder::QueryFragment<<$ty as diesel::Connection>::Backend> +)+ Sized
        {
        }

        impl<T> BackendFragment for T where
            T: $(diesel::query_builder::QueryFragment<<$ty as diesel::Connection>::Backend> +)+ Sized
        {
        }

        /// `on_native!(conn, |c| expr)` runs `expr` with `c` bound to the native connection inside
        /// `conn` (`&mut AnyConnection`): the expression is compiled once per backend compiled in (the
        /// variants above, so it cannot miss one) and runs on that connection directly.
        ///
        /// Why: a query through `AnyConnection` goes through `MultiConnection`'s wrapper, which builds
        /// the SQL text and walks the query again on every run, even when the statement is cached
        /// (diesel_derives 2.3.10, `SerializedQuery::walk_ast`). A get by id on SQLite cost 52,000
        /// instructions that way and 19,500 on `SqliteConnection` (callgrind on `tk-peers`). The price
        /// is compile time: each use is type-checked once per backend. Used for the repository's
        /// statements and the generated named queries; anything else may keep going through
        /// `AnyConnection`.
        ///
        /// Exported for the named queries generated into services (`tk_sqlcheck`); inside this
        /// crate it is in scope by name.
        #[doc(hidden)]
        #[macro_export]
        macro_rules! on_native {
            ($d conn:expr, |$d c:ident| $d body:expr) => {
                match $d conn {
                    $($d crate::AnyConnection::$variant($d c) => $d body,)+
                }
            };
        }
    };
}

// The derive also generates `MultiBackend` and its helper types, which carry no docs.
#[allow(missing_docs)]
#[macro_use]
mod generated {
    #[cfg(all(feature = "postgres", feature = "mysql", feature = "sqlite"))]
    any_connection!($
        Postgresql(diesel::PgConnection),
        Mysql(diesel::MysqlConnection),
        Sqlite(diesel::SqliteConnection)
    );
    #[cfg(all(feature = "postgres", feature = "mysql", not(feature = "sqlite")))]
    any_connection!($
        Postgresql(diesel::PgConnection),
        Mysql(diesel::MysqlConnection)
    );
    #[cfg(all(feature = "postgres", not(feature = "mysql"), feature = "sqlite"))]
    any_connection!($
        Postgresql(diesel::PgConnection),
        Sqlite(diesel::SqliteConnection)
    );
    #[cfg(all(not(feature = "postgres"), feature = "mysql", feature = "sqlite"))]
    any_connection!($
        Mysql(diesel::MysqlConnection),
        Sqlite(diesel::SqliteConnection)
    );
    #[cfg(all(feature = "postgres", not(feature = "mysql"), not(feature = "sqlite")))]
    any_connection!($ Postgresql(diesel::PgConnection));
    #[cfg(all(not(feature = "postgres"), feature = "mysql", not(feature = "sqlite")))]
    any_connection!($ Mysql(diesel::MysqlConnection));
    #[cfg(all(not(feature = "postgres"), not(feature = "mysql"), feature = "sqlite"))]
    any_connection!($ Sqlite(diesel::SqliteConnection));
}

pub use generated::*;

/// SQLite pragmas applied to every new connection, `busy_timeout` first so that the others
/// (switching to WAL takes a lock) wait for a busy database instead of failing.
#[cfg(feature = "sqlite")]
const SQLITE_SETUP: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

/// MySQL session settings applied to every new connection: UTC, utf8mb4 and strict mode.
/// `PIPES_AS_CONCAT` is kept because diesel's query builder relies on it.
// The connection collation decides comparisons between two parameters or literals (a column's
// own collation decides the others): NO PAD binary, as the text columns since migration 0003, so
// `'eve' = 'eve '` is false as on SQLite and PostgreSQL. MariaDB runs only `/*M!…*/` and skips
// `/*!80000…*/`; MySQL 8 runs `/*!80000…*/` and treats `/*M!…*/` as a comment.
#[cfg(feature = "mysql")]
pub(crate) const MYSQL_SETUP: &str = "SET time_zone = '+00:00'; \
     SET NAMES utf8mb4 COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */; \
     SET SESSION sql_mode = 'STRICT_ALL_TABLES,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,\
     ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,PIPES_AS_CONCAT';";

/// PostgreSQL session settings applied to every new connection.
#[cfg(feature = "postgres")]
pub(crate) const POSTGRES_SETUP: &str = "SET TIME ZONE 'UTC';";

impl std::fmt::Debug for AnyConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The native connections print nothing useful (and nothing secret); name the backend.
        write!(f, "AnyConnection({})", self.backend())
    }
}

impl AnyConnection {
    /// The backend of this connection.
    pub fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "postgres")]
            AnyConnection::Postgresql(_) => Backend::Postgres,
            #[cfg(feature = "mysql")]
            AnyConnection::Mysql(_) => Backend::Mysql,
            #[cfg(feature = "sqlite")]
            AnyConnection::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Runs `body` in a transaction that is ready for writes. On SQLite it starts with
    /// `BEGIN IMMEDIATE`, taking the write lock up front: a deferred transaction that reads and
    /// then writes fails with "database is locked" when another writer got there first, and
    /// `busy_timeout` cannot help it (measured: 21–40% failures with two writer processes).
    /// Nested calls become savepoints.
    pub fn write_transaction<T, E, F>(&mut self, body: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        self.write_transaction_checked(body, || Ok(()))
    }

    /// [`write_transaction`](Self::write_transaction) with a check that runs after `body`
    /// succeeded and before the commit; an error from it rolls the transaction back.
    pub(crate) fn write_transaction_checked<T, E, F, C>(
        &mut self,
        body: F,
        before_commit: C,
    ) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        C: FnOnce() -> Result<(), E>,
        E: From<diesel::result::Error>,
    {
        let began = self.begin_write()?;
        let outcome = body(self).and_then(|value| before_commit().map(|()| value));
        match outcome {
            Ok(value) => {
                self.end_write(began, true)?;
                Ok(value)
            }
            Err(error) => match self.end_write(began, false) {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
                Err(rollback_error) => Err(rollback_error.into()),
            },
        }
    }

    fn begin_write(&mut self) -> QueryResult<Began> {
        #[cfg(feature = "sqlite")]
        use diesel::connection::AnsiTransactionManager;
        #[cfg_attr(
            not(any(feature = "sqlite", feature = "mysql")),
            allow(unused_variables)
        )]
        let top_level =
            <AnyConnection as TransactionManager<AnyConnection>>::transaction_manager_status_mut(
                self,
            )
            .transaction_depth()?
            .is_none();
        match self {
            #[cfg(feature = "sqlite")]
            AnyConnection::Sqlite(inner) if top_level => {
                AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
                Ok(Began::Manager)
            }
            #[cfg(feature = "mysql")]
            AnyConnection::Mysql(inner) if top_level => {
                mysql_write::begin(inner)?;
                Ok(Began::MysqlAutocommitOff)
            }
            _ => {
                <AnyConnection as TransactionManager<AnyConnection>>::begin_transaction(self)?;
                Ok(Began::Manager)
            }
        }
    }

    /// Commits (`commit`) or rolls back a transaction begun by `begin_write`, the way it began.
    fn end_write(&mut self, began: Began, commit: bool) -> QueryResult<()> {
        type Tm = AnyConnection;
        match (began, &mut *self) {
            #[cfg(feature = "mysql")]
            (Began::MysqlAutocommitOff, AnyConnection::Mysql(inner)) => {
                if commit {
                    mysql_write::commit(inner).map_err(crate::error::commit_failed)
                } else {
                    mysql_write::rollback(inner)
                }
            }
            _ if commit => <Tm as TransactionManager<Tm>>::commit_transaction(self)
                .map_err(crate::error::commit_failed),
            _ => <Tm as TransactionManager<Tm>>::rollback_transaction(self),
        }
    }

    /// Whether a transaction is open on this connection (or its state is unknown because a
    /// commit or rollback failed).
    pub fn in_transaction(&mut self) -> bool {
        !matches!(
            <AnyConnection as TransactionManager<AnyConnection>>::transaction_manager_status_mut(
                self
            )
            .transaction_depth(),
            Ok(None)
        )
    }

    /// A literal `SELECT 1`. Never a bound value: selecting a bind through `AnyConnection`
    /// panics on MariaDB (measured).
    pub fn ping(&mut self) -> QueryResult<()> {
        self.batch_execute("SELECT 1")
    }

    /// The session settings this crate applies, read back from the server: `(name, value)`.
    pub fn session_settings(&mut self) -> QueryResult<Vec<(&'static str, String)>> {
        #[derive(QueryableByName)]
        struct Value {
            #[diesel(sql_type = Text)]
            value: String,
        }
        let queries: &[(&'static str, &str)] = match self {
            #[cfg(feature = "sqlite")]
            AnyConnection::Sqlite(_) => &[
                (
                    "busy_timeout",
                    "SELECT CAST(timeout AS TEXT) AS value FROM pragma_busy_timeout()",
                ),
                (
                    "journal_mode",
                    "SELECT CAST(journal_mode AS TEXT) AS value FROM pragma_journal_mode()",
                ),
                (
                    "synchronous",
                    "SELECT CAST(synchronous AS TEXT) AS value FROM pragma_synchronous()",
                ),
                (
                    "foreign_keys",
                    "SELECT CAST(foreign_keys AS TEXT) AS value FROM pragma_foreign_keys()",
                ),
            ],
            #[cfg(feature = "postgres")]
            AnyConnection::Postgresql(_) => &[
                ("TimeZone", "SELECT current_setting('TimeZone') AS value"),
                (
                    "server_encoding",
                    "SELECT current_setting('server_encoding') AS value",
                ),
            ],
            #[cfg(feature = "mysql")]
            AnyConnection::Mysql(_) => &[
                (
                    "time_zone",
                    "SELECT CAST(@@session.time_zone AS CHAR) AS value",
                ),
                (
                    "character_set_connection",
                    "SELECT CAST(@@session.character_set_connection AS CHAR) AS value",
                ),
                (
                    "sql_mode",
                    "SELECT CAST(@@session.sql_mode AS CHAR) AS value",
                ),
            ],
        };
        let mut out = Vec::with_capacity(queries.len());
        for (name, sql) in queries {
            let row: Value = diesel::sql_query(*sql).get_result(self)?;
            out.push((*name, row.value));
        }
        Ok(out)
    }
}

/// A backend's own connection to `target`, with its session set-up applied.
/// How [`AnyConnection::write_transaction`] began a transaction, so that it ends it the same way.
#[derive(Debug, Clone, Copy)]
enum Began {
    /// By the transaction manager: a savepoint when nested, `BEGIN IMMEDIATE` on SQLite.
    Manager,
    /// At the top level on MySQL, by `SET autocommit = 0` (see `mysql_write`).
    #[cfg(feature = "mysql")]
    MysqlAutocommitOff,
}

/// MySQL write transactions in as many server commands as the peers send.
///
/// diesel's `MysqlConnection` sends `BEGIN` and `COMMIT` through `batch_execute`, which wraps
/// each in two `mysql_set_server_option` calls: 7 server commands for a transaction of one
/// insert where diesel-async and sqlx send 3 (measured with `SHOW GLOBAL STATUS` by
/// `peers/`; 1.35× diesel-async's time per transaction). MySQL cannot prepare `BEGIN` or
/// `START TRANSACTION`, but it can prepare `SET autocommit = 0`, after which the next
/// statements form one transaction, and `SET autocommit = 1`, which commits it (MySQL commits
/// an open transaction when autocommit is switched back on). Both are fixed statements that
/// diesel prepares once per connection and caches, so a transaction is 1 + n + 1 commands.
///
/// The transaction manager is told of the depth, so nested `transaction`/`write_transaction`
/// calls become savepoints as before. A connection whose autocommit could not be switched back
/// on is marked broken (the pool discards it): it must never go on to run statements that look
/// autocommitted but are not. Tests: `tests/backends.rs` (`mysql_write_transactions_…`).
#[cfg(feature = "mysql")]
mod mysql_write {
    use diesel::connection::{
        AnsiTransactionManager, TransactionDepthChange, TransactionManager,
        TransactionManagerStatus,
    };
    use diesel::mysql::Mysql;
    use diesel::query_builder::{AstPass, QueryFragment, QueryId};
    use diesel::{MysqlConnection, QueryResult, RunQueryDsl};

    // A statement type per fixed text: diesel caches a prepared statement by its type.
    macro_rules! fixed_statement {
        ($name:ident, $sql:literal) => {
            #[derive(Debug, Clone, Copy, QueryId)]
            struct $name;

            impl QueryFragment<Mysql> for $name {
                fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Mysql>) -> QueryResult<()> {
                    out.push_sql($sql);
                    Ok(())
                }
            }

            impl RunQueryDsl<MysqlConnection> for $name {}
        };
    }

    fixed_statement!(AutocommitOff, "SET autocommit = 0");
    fixed_statement!(AutocommitOn, "SET autocommit = 1");
    fixed_statement!(Rollback, "ROLLBACK");

    fn change_depth(conn: &mut MysqlConnection, change: TransactionDepthChange) -> QueryResult<()> {
        match AnsiTransactionManager::transaction_manager_status_mut(conn) {
            TransactionManagerStatus::Valid(status) => status.change_transaction_depth(change),
            TransactionManagerStatus::InError => {
                Err(diesel::result::Error::BrokenTransactionManager)
            }
        }
    }

    fn broken(conn: &mut MysqlConnection, error: diesel::result::Error) -> QueryResult<()> {
        AnsiTransactionManager::transaction_manager_status_mut(conn).set_in_error();
        Err(error)
    }

    pub(super) fn begin(conn: &mut MysqlConnection) -> QueryResult<()> {
        match AutocommitOff.execute(conn) {
            Ok(_) => change_depth(conn, TransactionDepthChange::IncreaseDepth),
            // Whether autocommit is off is not known (a lost connection, say).
            Err(e) => broken(conn, e),
        }
    }

    pub(super) fn commit(conn: &mut MysqlConnection) -> QueryResult<()> {
        match AutocommitOn.execute(conn) {
            Ok(_) => change_depth(conn, TransactionDepthChange::DecreaseDepth),
            Err(e) => {
                // Undo what can be undone; the session's state is unknown either way.
                let _ = Rollback.execute(conn);
                broken(conn, e)
            }
        }
    }

    pub(super) fn rollback(conn: &mut MysqlConnection) -> QueryResult<()> {
        match Rollback
            .execute(conn)
            .and_then(|_| AutocommitOn.execute(conn))
        {
            Ok(_) => change_depth(conn, TransactionDepthChange::DecreaseDepth),
            Err(e) => broken(conn, e),
        }
    }
}

/// SQLite's query planner stability guarantee (`SQLITE_DBCONFIG_ENABLE_QPSG`) on every SQLite
/// connection this process opens.
///
/// Why: since a release after 3.40 (seen with 3.51.1, the one `libsqlite3-sys` bundles), the
/// planner reads the value bound to `LIMIT ?` and marks the statement to be re-prepared whenever
/// that parameter is bound again — and diesel binds every parameter on every run, so each cached
/// statement with a `LIMIT ?` (diesel's `.first()`, `.limit(n)`, every page, a named query's
/// `LIMIT :limit`) was compiled anew on each call: 200 re-prepares in 200 runs of the same
/// statement, measured with `sqlite3_stmt_status(…, SQLITE_STMTSTATUS_REPREPARE)`; a get by id
/// cost 26 µs instead of 5 (callgrind: `sqlite3Reprepare` 15 % of a benchmark's instructions).
/// With the guarantee the planner does not look at bound values, so a statement is prepared
/// once; 3.40.1 (Debian 12's) never re-prepared these and is unaffected. Plans here do not
/// depend on parameter values (keys, keyset pages, the partial indexes of migration 0004 have
/// no parameters), so nothing is lost.
///
/// diesel gives no access to its `sqlite3` handle, so the setting is installed as an SQLite
/// auto-extension: SQLite runs it inside `sqlite3_open` for every later connection of the
/// process (rusqlite's or sqlx's too, where it changes plans only, never results).
#[cfg(feature = "sqlite")]
pub(crate) mod planner {
    use std::ffi::{c_char, c_int};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Once;

    use libsqlite3_sys as ffi;

    /// Connections the hook has switched to the guarantee (for tests).
    pub(crate) static STABLE: AtomicUsize = AtomicUsize::new(0);

    unsafe extern "C" fn enable(
        db: *mut ffi::sqlite3,
        _error: *mut *mut c_char,
        _api: *const ffi::sqlite3_api_routines,
    ) -> c_int {
        let mut now: c_int = 0;
        // SAFETY: `db` is the connection SQLite is opening; the call takes an int and an int
        // pointer for this option, and `now` lives across it.
        let rc = unsafe {
            ffi::sqlite3_db_config(db, ffi::SQLITE_DBCONFIG_ENABLE_QPSG, 1 as c_int, &mut now)
        };
        if rc == ffi::SQLITE_OK && now == 1 {
            STABLE.fetch_add(1, Ordering::Relaxed);
        }
        // An SQLite without the option still opens: it only plans as before.
        ffi::SQLITE_OK
    }

    /// Installs the hook once per process, before the first connection opens.
    pub(crate) fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            // SAFETY: `enable` has the signature SQLite calls auto-extensions with (the binding
            // declares the entry point as taking the same three arguments); it is a plain
            // function that lives for the whole process.
            unsafe {
                ffi::sqlite3_auto_extension(Some(enable));
            }
        });
    }
}

fn native<C>(target: &str, setup: &str) -> std::result::Result<C, String>
where
    C: diesel::Connection + diesel::connection::SimpleConnection,
{
    let mut c = C::establish(target).map_err(|e| e.to_string())?;
    c.batch_execute(setup).map_err(|e| e.to_string())?;
    Ok(c)
}

/// A driver's message on one line: libpq writes "…Connection refused\n\tIs the server running…",
/// which breaks a log line (and the CLI's `error:` line) in two.
pub(crate) fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Opens a connection to `url` and applies the session settings of its backend. The backend is
/// chosen from the URL's scheme, so a failure carries the driver's own message (scrubbed of the
/// password), not the derive's "Invalid connection url for multiconnection".
pub fn establish(url: &DatabaseUrl) -> Result<AnyConnection> {
    let fail = |message: String| Error::Connect {
        backend: url.backend(),
        target: url.redacted().to_string(),
        message: one_line(&url.scrub(&message)),
    };
    let conn = match url.backend() {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => {
            let path = url.sqlite_path().expect("SQLite URLs carry a path");
            create_private_file(path).map_err(|e| fail(e.to_string()))?;
            planner::install();
            // Switching a new file to WAL needs it to itself: when several processes open a
            // fresh database at once, SQLite can answer "database is locked" at once, without
            // the busy handler (seen with eight `db migrate`s under load). Retry within the
            // busy timeout.
            let started = std::time::Instant::now();
            let conn = loop {
                match native(url.driver_target(), SQLITE_SETUP) {
                    Err(e)
                        if e.contains("database is locked")
                            && started.elapsed() < std::time::Duration::from_millis(5_000) =>
                    {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    }
                    other => break other.map_err(fail)?,
                }
            };
            AnyConnection::Sqlite(conn)
        }
        #[cfg(feature = "postgres")]
        Backend::Postgres => {
            AnyConnection::Postgresql(native(url.driver_target(), POSTGRES_SETUP).map_err(fail)?)
        }
        #[cfg(feature = "mysql")]
        Backend::Mysql => {
            AnyConnection::Mysql(native(url.driver_target(), MYSQL_SETUP).map_err(fail)?)
        }
        #[allow(unreachable_patterns)]
        other => unreachable!("DatabaseUrl::parse rejects {other}, which is not compiled in"),
    };
    Ok(conn)
}

/// Creates the SQLite file with mode 0600 before SQLite opens it; SQLite then gives its `-wal`
/// and `-shm` files the database file's mode. An existing file keeps its mode.
#[cfg(feature = "sqlite")]
fn create_private_file(path: &std::path::Path) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop)
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;

    /// Every SQLite connection opened here plans with the stability guarantee on (read back from
    /// SQLite inside the hook), so a `LIMIT ?` statement is prepared once.
    #[test]
    fn sqlite_connections_plan_without_bound_values() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(&format!("sqlite://{}/p.db", dir.path().display())).unwrap();
        let before = planner::STABLE.load(std::sync::atomic::Ordering::Relaxed);
        let mut conn = establish(&url).unwrap();
        conn.ping().unwrap();
        let _second = establish(&url).unwrap();
        let after = planner::STABLE.load(std::sync::atomic::Ordering::Relaxed);
        assert!(after >= before + 2, "{before} -> {after}");
    }
}
