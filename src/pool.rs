//! The pool and the async API.
//!
//! diesel's connections are synchronous. Rather than wrapping each statement in its own blocking
//! hop, a whole unit of work — a closure over `&mut AnyConnection`: one statement, several, or a
//! transaction — runs in a single blocking hop on a bb8-pooled connection:
//! - on a multi-thread tokio runtime (what services use) with `block_in_place`, on the calling
//!   thread, while tokio moves the worker's other tasks elsewhere. This costs a few µs instead of
//!   two cross-thread wake-ups (measured: SQLite get-by-id +5 µs in place, +50 to +120 µs through
//!   `spawn_blocking`; see BENCHMARKS.md). The price: once a unit of work has started, the
//!   awaiting task (and a `tokio::time::timeout` around it) waits for it to finish; units are
//!   bounded by `busy_timeout` on SQLite and by the server elsewhere.
//! - on a current-thread runtime, where `block_in_place` is not allowed, with `spawn_blocking`.
//!
//! Guarantees:
//! - A unit of work that has started runs to completion on its thread even if the awaiting
//!   future is dropped (possible with `spawn_blocking`), so a connection never goes back to the
//!   pool mid-transaction; a [`Database::write`] whose caller went away rolls back instead of
//!   committing.
//! - A panic inside a unit of work becomes [`Error::Panicked`] and its connection is discarded.
//! - After a failed unit of work the connection is pinged; a dead one (server restart, killed
//!   session) is discarded, so the next checkout gets a fresh connection. A dead connection is
//!   also an *incident*: every other connection last known alive before it is pinged once at its
//!   next checkout and, if dead, discarded for another, so a restart costs one failed call, not
//!   one per pooled connection (RELIABILITY.md, scenario 2).
//! - While the server is unreachable (no connection left, and the last attempt to open one
//!   failed within the checkout timeout), calls fail at once with [`Error::Unreachable`] instead
//!   of each waiting out the checkout timeout; one call at a time still goes through to try again
//!   (RELIABILITY.md, scenario 2).
//! - Connections are not pinged on every checkout (that costs 100–190 µs per call on
//!   PostgreSQL/MariaDB, measured); the error path above replaces it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::{ensure_private_dir, DatabaseConfig};
use crate::connection::{establish, AnyConnection};
use crate::error::{Error, Result};
use crate::url::{Backend, DatabaseUrl};

/// A pooled connection and what the pool needs to know about it.
pub(crate) struct Slot {
    // `None` only while a health check has it on another thread and that check was abandoned.
    conn: Option<AnyConnection>,
    broken: bool,
    // When the connection was last known alive (opened, or answered a ping): see `Incidents`.
    alive_at: u64,
}

/// Monotonic nanoseconds since the first call in this process.
fn clock() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_nanos() as u64
        + 1
}

/// When a pooled connection was last found dead (0: never). A connection last known alive
/// before then may have died in the same event (a server restart kills them all) and is pinged
/// before use; the normal path costs one atomic load.
#[derive(Debug, Default)]
struct Incidents(std::sync::atomic::AtomicU64);

/// Whether the server could be reached the last time a connection was opened. While the pool
/// has no connection and the last attempt failed, a call would only wait out the checkout
/// timeout; instead it fails at once with [`Error::Unreachable`] — except one call at a time, the
/// probe, which waits as usual and so lets the pool notice the server's return.
#[derive(Debug, Default)]
struct Reachability {
    /// Set with `failure`, so the normal path costs one atomic load.
    maybe_down: AtomicBool,
    state: Mutex<ReachabilityState>,
}

#[derive(Debug, Default)]
struct ReachabilityState {
    /// The last failure to open a connection, unless one opened since: when, and the error.
    failure: Option<(std::time::Instant, String)>,
    /// Whether a call is probing right now.
    probing: bool,
}

impl Reachability {
    fn failed(&self, error: &Error) {
        if let Ok(mut r) = self.state.lock() {
            r.failure = Some((std::time::Instant::now(), error.to_string()));
            self.maybe_down.store(true, Ordering::SeqCst);
        }
    }

    /// The last failure to open a connection, unless one opened since.
    fn last_failure(&self) -> Option<String> {
        if !self.maybe_down.load(Ordering::SeqCst) {
            return None;
        }
        self.state
            .lock()
            .ok()?
            .failure
            .as_ref()
            .map(|(_, e)| e.clone())
    }

    fn opened(&self) {
        if self.maybe_down.load(Ordering::SeqCst) {
            if let Ok(mut r) = self.state.lock() {
                r.failure = None;
                self.maybe_down.store(false, Ordering::SeqCst);
            }
        }
    }
}

/// What [`Database::gate`] lets a call do.
enum Gate {
    /// Go to the pool.
    Go,
    /// Go to the pool as the one probe; others fail fast until it ends.
    Probe(ProbeGuard),
    /// Fail at once.
    Fail(Error),
}

/// Ends the probe when the probing call is done with the pool, however it ends.
struct ProbeGuard(Arc<Reachability>);

impl Drop for ProbeGuard {
    fn drop(&mut self) {
        if let Ok(mut r) = self.0.state.lock() {
            r.probing = false;
        }
    }
}

/// bb8's view of how to make and check connections.
pub(crate) struct Manager {
    url: DatabaseUrl,
    reachability: Arc<Reachability>,
}

impl bb8::ManageConnection for Manager {
    type Connection = Slot;
    type Error = Error;

    async fn connect(&self) -> Result<Slot> {
        let url = self.url.clone();
        let conn = tokio::task::spawn_blocking(move || establish(&url))
            .await
            .map_err(joined)??;
        self.reachability.opened();
        Ok(Slot {
            conn: Some(conn),
            broken: false,
            alive_at: clock(),
        })
    }

    async fn is_valid(&self, slot: &mut Slot) -> Result<()> {
        let Some(mut conn) = slot.conn.take() else {
            return Err(Error::Internal(
                "connection lost by an abandoned check".into(),
            ));
        };
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let r = conn.ping();
            (conn, r)
        })
        .await
        .map_err(joined)?;
        slot.conn = Some(conn);
        Ok(result?)
    }

    fn has_broken(&self, slot: &mut Slot) -> bool {
        match slot.conn.as_mut() {
            None => true,
            // A connection must never re-enter the pool inside a transaction.
            Some(conn) => slot.broken || conn.in_transaction(),
        }
    }
}

/// Where bb8 reports failures to open a connection: the log and [`Reachability`].
#[derive(Debug, Clone)]
struct ConnectErrorSink(Arc<Reachability>);

impl bb8::ErrorSink<Error> for ConnectErrorSink {
    fn sink(&self, error: Error) {
        tracing::warn!(%error, "opening a pooled connection failed");
        self.0.failed(&error);
    }

    fn boxed_clone(&self) -> Box<dyn bb8::ErrorSink<Error>> {
        Box::new(self.clone())
    }
}

/// Counters of the pool, for tests and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// Open connections.
    pub connections: u32,
    /// Open connections not checked out.
    pub idle_connections: u32,
    /// Connections opened since start.
    pub connections_created: u64,
    /// Connections discarded because they were broken, panicked or were left in a transaction.
    pub connections_closed_broken: u64,
}

/// A pool of connections to one database, with an async API that runs units of work on it.
/// Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct Database {
    pool: bb8::Pool<Manager>,
    incidents: Arc<Incidents>,
    url: DatabaseUrl,
    timeout: Duration,
    reachability: Arc<Reachability>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("url", &self.url)
            .field("state", &self.state())
            .finish()
    }
}

impl Database {
    /// Like [`open`](Self::open) (in [`crate::startup`], which decides whether a database may
    /// serve) but leaves migrations alone (for tools such as `db status`).
    pub async fn connect(config: &DatabaseConfig) -> Result<Self> {
        config.validate()?;
        let url = prepare_target(config)?;
        let timeout = config.connection_timeout().value;
        // The start-up ping: one connection opened directly, so its error is the driver's,
        // not bb8's generic timeout.
        let first = {
            let target = url.clone();
            let task = tokio::task::spawn_blocking(move || {
                let mut conn = establish(&target)?;
                conn.ping()?;
                Ok::<_, Error>(conn)
            });
            match tokio::time::timeout(timeout, task).await {
                Ok(done) => done.map_err(joined)??,
                Err(_) => {
                    return Err(Error::Connect {
                        backend: url.backend(),
                        target: url.redacted().to_string(),
                        message: format!("no answer within {}ms", timeout.as_millis()),
                    })
                }
            }
        };
        let reachability = Arc::new(Reachability::default());
        let manager = Manager {
            url: url.clone(),
            reachability: reachability.clone(),
        };
        let pool = bb8::Pool::builder()
            .max_size(config.max_connections().value)
            .min_idle(Some(config.min_idle().value))
            .connection_timeout(timeout)
            .idle_timeout(Some(config.idle_timeout().value))
            .max_lifetime(Some(config.max_lifetime().value))
            .test_on_check_out(false)
            .error_sink(Box::new(ConnectErrorSink(reachability.clone())))
            .build_unchecked(manager);
        pool.add(Slot {
            conn: Some(first),
            broken: false,
            alive_at: clock(),
        })
        .map_err(|_| Error::Internal("the new pool refused its first connection".into()))?;
        tracing::info!(url = %url, "database pool ready");
        Ok(Self {
            pool,
            incidents: Arc::default(),
            url,
            timeout,
            reachability,
        })
    }

    /// The backend of this database.
    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    /// The database URL (its `Display` is redacted).
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Pool counters.
    pub fn state(&self) -> PoolState {
        let s = self.pool.state();
        PoolState {
            connections: s.connections,
            idle_connections: s.idle_connections,
            connections_created: s.statistics.connections_created,
            connections_closed_broken: s.statistics.connections_closed_broken,
        }
    }

    /// Runs a unit of work on a pooled connection in one blocking hop. Statements commit as
    /// they run; use [`write`](Self::write) for atomic changes.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        self.hop(move |conn, _cancelled| work(conn)).await
    }

    /// Runs `work` in a write transaction ([`AnyConnection::write_transaction`]: `BEGIN
    /// IMMEDIATE` on SQLite) in one blocking hop. If the caller stops waiting before the commit,
    /// the transaction is rolled back and nothing is written.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + From<diesel::result::Error> + Send + 'static,
    {
        self.hop(move |conn, cancelled| {
            conn.write_transaction_checked(work, || {
                if cancelled.load(Ordering::SeqCst) {
                    Err(E::from(Error::Cancelled))
                } else {
                    Ok(())
                }
            })
        })
        .await
    }

    /// Checks that the database answers within the connection timeout.
    pub async fn ping(&self) -> Result<()> {
        let work = self.run(|conn| conn.ping().map_err(Error::from));
        tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|_| Error::PoolTimeout {
                timeout: self.timeout,
                last_error: None,
            })?
    }

    /// Fails a call at once ([`Error::Unreachable`]) when the pool has no connection, the last
    /// attempt to open one failed within the checkout timeout, and another call is already
    /// probing; makes it the probe when none is.
    fn gate(&self) -> Gate {
        if !self.reachability.maybe_down.load(Ordering::SeqCst) || self.pool.state().connections > 0
        {
            return Gate::Go;
        }
        let Ok(mut r) = self.reachability.state.lock() else {
            return Gate::Go;
        };
        let Some((since, last_error)) = r.failure.clone() else {
            return Gate::Go;
        };
        let ago = since.elapsed();
        // Attempts fail again and again while the server is down; an old failure says nothing
        // about now (say, before an idle pool's connections were all reaped).
        if ago > self.timeout {
            return Gate::Go;
        }
        if !r.probing {
            r.probing = true;
            return Gate::Probe(ProbeGuard(self.reachability.clone()));
        }
        Gate::Fail(Error::Unreachable {
            since_ms: ago.as_millis() as u64,
            last_error,
        })
    }

    /// A pooled connection. After an incident, one last known alive before it is pinged first
    /// and, if dead, discarded for another (opened by bb8, within the checkout timeout).
    async fn checkout(&self) -> Result<bb8::PooledConnection<'static, Manager>> {
        loop {
            let pooled = self.pool.get_owned().await.map_err(|e| match e {
                bb8::RunError::User(e) => e,
                bb8::RunError::TimedOut => Error::PoolTimeout {
                    timeout: self.timeout,
                    last_error: self.reachability.last_failure(),
                },
            })?;
            if pooled.alive_at >= self.incidents.0.load(Ordering::Relaxed) {
                return Ok(pooled);
            }
            let (pooled, alive) = blocking(move || {
                let mut pooled = pooled;
                let alive = pooled.conn.as_mut().is_some_and(|c| c.ping().is_ok());
                if alive {
                    pooled.alive_at = clock();
                } else {
                    pooled.broken = true;
                }
                (pooled, alive)
            })
            .await?;
            if alive {
                return Ok(pooled);
            }
            // Dropped as broken; every connection older than the incident goes the same way
            // once, so this ends.
        }
    }

    async fn hop<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection, &AtomicBool) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let probe = match self.gate() {
            Gate::Fail(unreachable) => return Err(E::from(unreachable)),
            Gate::Probe(guard) => Some(guard),
            Gate::Go => None,
        };
        let cancelled = Arc::new(AtomicBool::new(false));
        let _on_drop = CancelOnDrop(cancelled.clone());
        let checked_out = self.checkout().await;
        drop(probe);
        let mut pooled = checked_out?;
        let incidents = self.incidents.clone();
        let unit = move || {
            if cancelled.load(Ordering::SeqCst) {
                return Err(E::from(Error::Cancelled));
            }
            let slot = &mut *pooled;
            let Some(conn) = slot.conn.as_mut() else {
                slot.broken = true;
                return Err(E::from(Error::Internal("pooled connection missing".into())));
            };
            match catch_unwind(AssertUnwindSafe(|| work(conn, &cancelled))) {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(error)) => {
                    // Cheap only on the error path: tell a failed statement from a dead link.
                    // (A unit's own transaction is already rolled back here; one still open
                    // means the rollback failed, usually because the link is dead.)
                    let dead = conn.ping().is_err();
                    if dead {
                        incidents.0.fetch_max(clock(), Ordering::Relaxed);
                    }
                    if dead || conn.in_transaction() {
                        slot.broken = true;
                    }
                    Err(error)
                }
                Err(panic) => {
                    slot.broken = true;
                    Err(E::from(Error::Panicked(panic_message(&panic))))
                }
            }
            // `pooled` drops here, on this thread: the connection returns to the pool (or is
            // discarded) only after the unit of work has finished.
        };
        blocking(unit).await.map_err(E::from)?
    }
}

/// Runs blocking `work` in one hop. On a multi-thread runtime in place: tokio hands this worker's
/// other tasks to another thread, and the caller avoids two cross-thread wake-ups (measured on
/// SQLite: +5 µs over a sync call in place, +50 to +120 µs through spawn_blocking;
/// BENCHMARKS.md). A current-thread runtime cannot do that, so there it goes to the blocking pool.
async fn blocking<R: Send + 'static>(work: impl FnOnce() -> R + Send + 'static) -> Result<R> {
    if tokio::runtime::Handle::current().runtime_flavor()
        == tokio::runtime::RuntimeFlavor::MultiThread
    {
        return Ok(tokio::task::block_in_place(work));
    }
    tokio::task::spawn_blocking(work).await.map_err(joined)
}

/// A blocking task that did not return: a panic is [`Error::Panicked`], anything else (the
/// runtime shutting down) [`Error::Internal`].
fn joined(e: tokio::task::JoinError) -> Error {
    if e.is_panic() {
        Error::Panicked(e.to_string())
    } else {
        Error::Internal(e.to_string())
    }
}

struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        // Also runs after normal completion, when nobody reads the flag any more.
        self.0.store(true, Ordering::SeqCst);
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}

/// Resolves the database target and creates the directory of a SQLite file (0700).
pub(crate) fn prepare_target(config: &DatabaseConfig) -> Result<DatabaseUrl> {
    let url = config.target()?;
    if let Some(path) = url.sqlite_path() {
        if let Some(dir) = path.parent() {
            ensure_private_dir(dir, config.target_source())?;
        }
    }
    Ok(url)
}

/// A synchronous connection for the CLI and tools, set up exactly like pooled ones and opened
/// within the configured connection timeout.
pub fn connect_sync(config: &DatabaseConfig) -> Result<AnyConnection> {
    config.validate()?;
    let url = prepare_target(config)?;
    let timeout = config.connection_timeout().value;
    let (tx, rx) = std::sync::mpsc::channel();
    let target = url.clone();
    // A thread rather than a blocking call, so an unanswering server cannot hold the caller past
    // the timeout; the abandoned thread ends when the driver gives up.
    std::thread::spawn(move || {
        let _ =
            tx.send(establish(&target).and_then(|mut c| c.ping().map(|()| c).map_err(Error::from)));
    });
    rx.recv_timeout(timeout).unwrap_or_else(|_| {
        Err(Error::Connect {
            backend: url.backend(),
            target: url.redacted().to_string(),
            message: format!("no answer within {}ms", timeout.as_millis()),
        })
    })
}
