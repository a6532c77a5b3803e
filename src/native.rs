//! The servers' native async connections (diesel-async's `AsyncPgConnection` and
//! `AsyncMysqlConnection`), and [`UnitConnection`]: the connection a typed unit of work runs on,
//! whichever kind serves the database.
//!
//! Why: a blocking connection holds a thread for every query in flight; on PostgreSQL and MySQL
//! under 16–64 tasks on two cores that thread hand-off, not the server, set the pace (0.5–0.9×
//! diesel-async's calls/s, measured by `peers/`). The typed calls (the repository's async face,
//! the generated named queries' `…_async`, [`Database::unit`](crate::Database::unit)) therefore
//! run on a native async connection when the database is a server. SQLite stays on its blocking
//! connection, run in place (measured the fastest there: 2–4× diesel-async's and sqlx's
//! calls/s).
//!
//! A statement is written once, with [`statement!`](crate::statement): it expands to diesel's
//! blocking call on [`UnitConnection::Blocking`] and to diesel-async's call on the others, each
//! compiled for its backend.
//!
//! Which URLs the native driver serves (`native_target`): this build links diesel-async
//! without TLS, so it serves a server on the loopback interface or a Unix socket, or one whose
//! URL turns TLS off (`sslmode=disable`, `ssl_mode=disabled`), and only URLs whose parameters it
//! reads the same way as the blocking driver. Any other URL keeps every call on the blocking
//! driver (libpq, libmysqlclient), which then does its TLS as asked: the native path never
//! weakens what the URL asks for.

use std::future::Future;
use std::pin::Pin;

use crate::connection::AnyConnection;
#[cfg(any(feature = "postgres", feature = "mysql"))]
use crate::error::{Error, Result};
use crate::url::Backend;
#[cfg(any(feature = "postgres", feature = "mysql"))]
use crate::url::DatabaseUrl;

#[doc(hidden)]
pub use diesel as __diesel;
#[cfg(any(feature = "postgres", feature = "mysql"))]
#[doc(hidden)]
pub use diesel_async as __diesel_async;

/// What a unit of work returns: a boxed future that may borrow the connection it runs on.
pub type UnitFuture<'c, T, E> =
    Pin<Box<dyn Future<Output = std::result::Result<T, E>> + Send + 'c>>;

// The enums and the statement macro for the backends compiled in; `$d` is a `$` handed in, so
// that the exported macro can have metavariables of its own (and no `#[cfg]` of this crate's
// features, which would be read in the caller's crate).
macro_rules! native_connections {
    (@statement $d:tt [$($attr:tt)*] $name:ident [$($on:tt)*] $($variant:ident)*) => {
        $($attr)*
        macro_rules! $name {
            ($d conn:expr, $d query:expr => $d method:ident $d (::<$d t:ty>)?) => {
                match $d conn {
                    $d crate::native::UnitConnection::Blocking(c) => $($on)*!(c, |c| {
                        $d crate::native::__diesel::RunQueryDsl::$d method $d (::<$d t>)?($d query, c)
                    }),
                    $(
                        $d crate::native::UnitConnection::$variant(c) => {
                            $d crate::native::__diesel_async::RunQueryDsl::$d method $d (::<$d t>)?($d query, c).await
                        }
                    )*
                }
            };
        }
    };
    ($d:tt $($variant:ident($ty:ty) = $backend:ident),* $(,)?) => {
        /// A native async connection to a server.
        // Not boxed: one lives in each pool slot, and a box would cost an indirection per call.
        #[allow(clippy::large_enum_variant)]
        pub enum ServerConnection {
            $(
                #[doc = concat!("diesel-async's `", stringify!($ty), "`.")]
                $variant($ty),
            )*
        }

        /// The connection a typed unit of work runs on: the blocking connection (SQLite, or a
        /// server URL the native driver does not serve), or a server's native async one.
        /// Statements on it are written with [`statement!`](crate::statement).
        pub enum UnitConnection<'c> {
            /// A blocking connection: every statement on it completes without pending.
            Blocking(&'c mut AnyConnection),
            $(
                #[doc = concat!("diesel-async's `", stringify!($ty), "`.")]
                $variant(&'c mut $ty),
            )*
        }

        impl UnitConnection<'_> {
            /// The same connection for one statement, keeping this one for the next:
            /// [`statement!`](crate::statement) takes its connection by value, so a unit of
            /// several statements writes `statement!(c.reborrow(), …)` for all but the last.
            pub fn reborrow(&mut self) -> UnitConnection<'_> {
                match self {
                    Self::Blocking(c) => UnitConnection::Blocking(&mut **c),
                    $(Self::$variant(c) => UnitConnection::$variant(&mut **c),)*
                }
            }

            /// The backend this connection talks to.
            pub fn backend(&self) -> Backend {
                match self {
                    Self::Blocking(c) => c.backend(),
                    $(Self::$variant(_) => Backend::$backend,)*
                }
            }
        }

        impl ServerConnection {
            /// The unit connection over this one.
            pub fn unit(&mut self) -> UnitConnection<'_> {
                match *self {
                    $(Self::$variant(ref mut c) => UnitConnection::$variant(c),)*
                }
            }

            /// Whether diesel-async's transaction manager holds an open or failed transaction
            /// (such a connection must not go back to the pool).
            #[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
            pub(crate) fn transaction_broken(&mut self) -> bool {
                match *self {
                    $(Self::$variant(ref mut c) => <diesel_async::AnsiTransactionManager as diesel_async::TransactionManager<$ty>>::is_broken_transaction_manager(c),)*
                }
            }
        }

        $crate::native::native_connections!(@statement $d
            [
                /// Runs one statement on a [`UnitConnection`], written once:
                /// `statement!(conn, query => method)` or `statement!(conn, query => method::<Row>)`,
                /// where `method` is one of diesel's `RunQueryDsl` methods (`execute`, `load`,
                /// `get_result`, `get_results`, `first`). On [`UnitConnection::Blocking`] it is
                /// diesel's blocking call on the backend's own connection; on a server's native
                /// connection, diesel-async's, awaited. `query` is expanded once per backend, so it
                /// is typed by the backend that runs it. Use it inside the future of a unit of work
                /// (it contains `.await`); it gives a `diesel::QueryResult`. It takes the
                /// connection by value: for several statements in one unit, pass
                /// [`UnitConnection::reborrow`] to all but the last. Example:
                /// [`Database::unit`](crate::Database::unit).
                #[macro_export]
            ]
            statement [$d crate::on_native] $($variant)*);
        // The same for this crate, which can name a macro of its own making only by name.
        $crate::native::native_connections!(@statement $d [] stmt [on_native] $($variant)*);
    };
}
pub(crate) use native_connections;

#[cfg(all(feature = "postgres", feature = "mysql"))]
#[macro_use]
mod generated {
    use super::*;
    native_connections!($
        Postgresql(diesel_async::AsyncPgConnection) = Postgres,
        Mysql(diesel_async::AsyncMysqlConnection) = Mysql,
    );
}
#[cfg(all(feature = "postgres", not(feature = "mysql")))]
#[macro_use]
mod generated {
    use super::*;
    native_connections!($ Postgresql(diesel_async::AsyncPgConnection) = Postgres);
}
#[cfg(all(feature = "mysql", not(feature = "postgres")))]
#[macro_use]
mod generated {
    use super::*;
    native_connections!($ Mysql(diesel_async::AsyncMysqlConnection) = Mysql);
}
#[cfg(not(any(feature = "postgres", feature = "mysql")))]
#[macro_use]
mod generated {
    use super::*;
    native_connections!($);
}

pub use generated::*;

/// Drives a unit's future on a blocking connection, on the thread of the blocking hop: a
/// statement on [`UnitConnection::Blocking`] completes when polled, so one poll finishes the
/// unit; anything else it awaits (a timer, a channel) is waited for on this thread.
pub(crate) fn drive<T>(future: impl Future<Output = T>, handle: &tokio::runtime::Handle) -> T {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(value) => value,
        std::task::Poll::Pending => handle.block_on(future),
    }
}

/// The value of a unit's future run on [`UnitConnection::Blocking`] from synchronous code: its
/// statements complete when polled, so one poll finishes it.
#[doc(hidden)]
pub fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(value) => value,
        std::task::Poll::Pending => {
            unreachable!("a unit on a blocking connection awaited something other than a statement")
        }
    }
}

/// The URL diesel-async is given for `url`, or why the blocking driver serves it.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) fn native_target(url: &DatabaseUrl) -> std::result::Result<String, &'static str> {
    let backend = url.backend();
    if backend == Backend::Sqlite {
        return Err("SQLite is served by its blocking connection");
    }
    let mut parsed =
        url::Url::parse(url.driver_target()).map_err(|_| "the URL is not a plain URL")?;
    // Parameters both drivers read alike; anything else (client certificates, a service file,
    // a socket directory) stays with the blocking driver, which reads it.
    let (shared, tls_key, tls_off): (&[&str], &str, &str) = match backend {
        Backend::Postgres => (
            &[
                "application_name",
                "connect_timeout",
                "keepalives",
                "keepalives_idle",
                "sslmode",
            ],
            "sslmode",
            "disable",
        ),
        _ => (&["ssl_mode"], "ssl_mode", "disabled"),
    };
    let mut tls_disabled = false;
    for (key, value) in parsed.query_pairs() {
        if !shared.contains(&key.as_ref()) {
            return Err("the URL has a parameter only the blocking driver reads");
        }
        if key == tls_key {
            match value.as_ref() {
                v if v == tls_off => tls_disabled = true,
                // libpq's `prefer` (its default) and `allow` take TLS when the server offers it.
                _ => return Err("the URL asks for TLS, which the native driver is built without"),
            }
        }
    }
    let loopback = match parsed.host() {
        // `postgres:` and `mysql:` are not special schemes: their IP hosts come as names.
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost")
                || d.trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if !loopback && !tls_disabled {
        // The blocking driver would take TLS when the server offers it.
        return Err(
            "the server is not on the loopback interface and the URL does not turn TLS off",
        );
    }
    if backend == Backend::Mysql {
        // mysql_async's own parameters: keep the TCP address given (by default it would switch
        // to the server's Unix socket, where another account, `user@localhost`, signs in), and
        // drop ours, which it does not know.
        let rest: Vec<(String, String)> = parsed
            .query_pairs()
            .filter(|(k, _)| k != "ssl_mode")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        parsed
            .query_pairs_mut()
            .clear()
            .extend_pairs(rest)
            .append_pair("prefer_socket", "false");
    }
    Ok(parsed.to_string())
}

/// Opens a native connection to `target` (from [`native_target`]) and applies the session
/// settings every connection to `url`'s backend gets.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) async fn establish(url: &DatabaseUrl, target: &str) -> Result<ServerConnection> {
    use diesel_async::{AsyncConnection as _, SimpleAsyncConnection as _};
    let fail = |message: String| Error::Connect {
        backend: url.backend(),
        target: url.redacted().to_string(),
        message: crate::connection::one_line(&url.scrub(&message)),
    };
    match url.backend() {
        #[cfg(feature = "postgres")]
        Backend::Postgres => {
            let mut c = diesel_async::AsyncPgConnection::establish(target)
                .await
                .map_err(|e| fail(e.to_string()))?;
            c.batch_execute(crate::connection::POSTGRES_SETUP)
                .await
                .map_err(|e| fail(e.to_string()))?;
            Ok(ServerConnection::Postgresql(c))
        }
        #[cfg(feature = "mysql")]
        Backend::Mysql => {
            let mut c = diesel_async::AsyncMysqlConnection::establish(target)
                .await
                .map_err(|e| fail(e.to_string()))?;
            c.batch_execute(crate::connection::MYSQL_SETUP)
                .await
                .map_err(|e| fail(e.to_string()))?;
            Ok(ServerConnection::Mysql(c))
        }
        #[allow(unreachable_patterns)]
        other => Err(Error::Internal(format!("no native connection for {other}"))),
    }
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
impl ServerConnection {
    /// A round trip that proves the connection answers.
    pub(crate) async fn ping(&mut self) -> diesel::QueryResult<()> {
        use diesel_async::SimpleAsyncConnection as _;
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgresql(c) => c.batch_execute("SELECT 1").await,
            #[cfg(feature = "mysql")]
            Self::Mysql(c) => c.batch_execute("SELECT 1").await,
        }
    }
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
impl ServerConnection {
    /// Opens a transaction (diesel-async's transaction manager: `BEGIN`).
    pub(crate) async fn begin(&mut self) -> diesel::QueryResult<()> {
        use diesel_async::{AnsiTransactionManager as M, TransactionManager as _};
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgresql(c) => M::begin_transaction(c).await,
            #[cfg(feature = "mysql")]
            Self::Mysql(c) => M::begin_transaction(c).await,
        }
    }

    /// Commits the transaction [`begin`](Self::begin) opened.
    pub(crate) async fn commit(&mut self) -> diesel::QueryResult<()> {
        use diesel_async::{AnsiTransactionManager as M, TransactionManager as _};
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgresql(c) => M::commit_transaction(c).await,
            #[cfg(feature = "mysql")]
            Self::Mysql(c) => M::commit_transaction(c).await,
        }
    }

    /// Rolls back the transaction [`begin`](Self::begin) opened.
    pub(crate) async fn rollback(&mut self) -> diesel::QueryResult<()> {
        use diesel_async::{AnsiTransactionManager as M, TransactionManager as _};
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgresql(c) => M::rollback_transaction(c).await,
            #[cfg(feature = "mysql")]
            Self::Mysql(c) => M::rollback_transaction(c).await,
        }
    }
}

#[cfg(all(test, feature = "postgres", feature = "mysql"))]
mod tests {
    use super::*;

    fn target(url: &str) -> std::result::Result<String, &'static str> {
        native_target(&DatabaseUrl::parse(url).unwrap())
    }

    #[test]
    fn loopback_servers_and_tls_off_urls_run_natively() {
        assert_eq!(
            target("postgres://u:p@127.0.0.1:5432/db").unwrap(),
            "postgres://u:p@127.0.0.1:5432/db"
        );
        assert!(target("postgres://u@localhost/db?application_name=x").is_ok());
        assert!(target("postgres://u@[::1]/db").is_ok());
        assert!(target("postgres://u@db.example.com/db?sslmode=disable").is_ok());
        // mysql_async keeps the TCP address instead of switching to the server's socket.
        assert_eq!(
            target("mysql://u:p@127.0.0.1:3306/db").unwrap(),
            "mysql://u:p@127.0.0.1:3306/db?prefer_socket=false"
        );
        assert_eq!(
            target("mysql://u@db.example.com/db?ssl_mode=disabled").unwrap(),
            "mysql://u@db.example.com/db?prefer_socket=false"
        );
    }

    #[test]
    fn urls_that_may_want_tls_or_driver_parameters_stay_blocking() {
        // libpq's default `prefer` takes TLS when a remote server offers it.
        assert!(target("postgres://u@db.example.com/db").is_err());
        assert!(target("postgres://u@127.0.0.1/db?sslmode=require").is_err());
        assert!(target("postgres://u@127.0.0.1/db?sslmode=prefer").is_err());
        assert!(target("postgres://u@127.0.0.1/db?sslrootcert=/x").is_err());
        assert!(target("mysql://u@db.example.com/db").is_err());
        assert!(target("mysql://u@127.0.0.1/db?ssl_mode=required").is_err());
        assert!(target("mysql://u@127.0.0.1/db?unix_socket=/run/mysqld.sock").is_err());
        assert!(target("sqlite:///tmp/x.db").is_err());
    }
}
