//! The pool and the async API: units of work ([`Database::run`], [`Database::write`] for
//! closures; [`Database::unit`], [`Database::unit_write`] for typed units) here, bb8's plumbing
//! in `manager` (blocking connections) and `native` (the servers' native async ones), the health
//! policy in `health`.
//!
//! Why two kinds of unit (issue 13, measured by `peers/`, BENCHMARKS.md): a blocking connection
//! holds a thread per query in flight, and on PostgreSQL and MySQL under 16–64 tasks on two
//! cores that cost 0.5–0.9× diesel-async's calls/s. A *typed* unit — the repository's
//! `…_async` reads, the named queries' `…_async`, or a caller's [`Database::unit`] with
//! [`statement!`](crate::statement) — is a future over a
//! [`UnitConnection`](crate::native::UnitConnection), so on the servers it runs on a native
//! async connection (diesel-async's `AsyncPgConnection`/`AsyncMysqlConnection`) and reaches
//! diesel-async's throughput; on SQLite it runs in the blocking hop below, measured the fastest
//! there (2–4× diesel-async's and sqlx's calls/s). A closure over `&mut AnyConnection` cannot
//! become async, so closures keep the blocking pool on every backend. diesel's async
//! `MultiConnection` (merged upstream, not released) would fit the same seam: the statements are
//! already written once per backend.
//!
//! One budget: the two pools share `max_connections` (every open connection of either holds a
//! share), so the server never sees more; a pool that must open a connection while every share
//! is held closes an idle connection of the other (`budget`). Beside a native pool neither keeps
//! spares (`min_idle` is not applied there), so no spare competes for a share.
//! Native connections serve only URLs their driver reads as the blocking driver does and that
//! need no TLS (`crate::native`); any other URL keeps typed units on the blocking pool.
//!
//! A typed unit on a native connection keeps the guarantees below, with one difference that is
//! a gain: its caller can stop waiting at any point (a timeout works); a connection dropped
//! mid-unit is discarded, never reused (MariaDB otherwise misreads the next answer: measured in
//! `tests/typed_units.rs`), and the server rolls back what it had open.
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
//! - Callers take turns (`turns`): one turn per connection, taken before bb8's checkout (within
//!   the checkout timeout) and given back after the connection is back in the pool. bb8 alone
//!   lets a task that has just returned a connection take it again before the waiter it woke
//!   runs, and the woken waiter queues again at the end; under 64 tasks some tasks then finished
//!   1–3 calls in 2 s and p99 of a write was 0.3 s. On the servers callers are served in the
//!   order they came, except that a task just served keeps a *lease* to go ahead of the queue
//!   for its next units (up to 300, or 500 ms, less when the queue is long) while it comes back
//!   at once; a waiter that has waited half the checkout timeout stops leases until the queue
//!   empties. Every task gets its share over a few leases (at 64 tasks 0.75–1.65× the mean
//!   number of calls), and a task's units run back to back instead of each waiting the whole
//!   queue (p99 at 64 tasks 1.1–1.7× diesel-async's, from 2.2–2.7× with strict order); the
//!   price is the wait of the last in the queue, about a second at 64 tasks on 16 connections
//!   (strict order: tens of ms; diesel-async: its starved tasks, 2 s and more). On SQLite a
//!   caller may overtake a waiter for at most 5 ms (its *patience*): there a strict hand-off,
//!   two thread wake-ups, cost more than the unit itself (reads at 64 tasks: 175k calls/s
//!   strict, 323k with patience, the fewest calls per task 0.8× the mean). Measured with
//!   `peers/` (BENCHMARKS.md).
//! - On SQLite, write units ([`Database::write`], [`Database::unit_write`]) of this process
//!   also take turns for the one write lock, so that they queue here rather than in SQLite's busy
//!   handler.
//! - The most recently returned connection is reused first (LIFO): its server session is warm,
//!   and spare connections age out by `idle_timeout`.
//! - Connections are not pinged on every checkout (that costs 100–190 µs per call on
//!   PostgreSQL/MariaDB, measured); the error path above replaces it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::config::DatabaseConfig;
use crate::connection::{establish, AnyConnection};
use crate::error::{Error, Result};
use crate::url::{Backend, DatabaseUrl};

mod budget;
mod health;
mod manager;
#[cfg(any(feature = "postgres", feature = "mysql"))]
mod native;
mod turns;

use health::{clock, Gate, Incidents, Reachability};
pub use manager::connect_sync;
pub(crate) use manager::prepare_target;
use manager::{ConnectErrorSink, Manager, Slot};

/// Counters of the pool, for tests and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// Open connections.
    pub connections: u32,
    /// Open connections not checked out.
    pub idle_connections: u32,
    /// Connections opened since start: by either pool, and the ones [`Database::open`] opened
    /// itself to prove the database answers (and, on a server, that the native driver can sign
    /// in).
    pub connections_created: u64,
    /// Connections discarded because they were broken, panicked or were left in a transaction
    /// (or, typed units, dropped by their caller mid-unit). Idle connections closed to free a
    /// share of `max_connections` for the other pool are not counted.
    pub connections_closed_broken: u64,
}

/// A pool of connections to one database, with an async API that runs units of work on it.
/// Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct Database {
    pool: Arc<bb8::Pool<Manager>>,
    // One turn per connection the pool may hold, taken before a checkout and given back only
    // after the connection is back in the pool: see `turn`.
    turns: Arc<turns::Turns>,
    incidents: Arc<Incidents>,
    url: DatabaseUrl,
    timeout: Duration,
    reachability: Arc<Reachability>,
    // The servers' native async connections, for typed units; `None` on SQLite and where the
    // native driver does not serve the URL (`crate::native::native_target`).
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    native: Option<Arc<native::NativePool>>,
    // `max_connections` shares, one held by every open connection of either pool.
    budget: Arc<budget::Budget>,
    // SQLite: one write transaction of this process at a time; the others queue here, in
    // process, rather than in SQLite's busy handler (see `write`).
    write_gate: Option<Arc<turns::Turns>>,
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
        // One budget of `max_connections` for both pools (`budget`).
        let budget = budget::Budget::new(config.max_connections().value);
        #[cfg(any(feature = "postgres", feature = "mysql"))]
        let native = native::NativePool::open(config, &url, timeout, &budget)
            .await
            .map(Arc::new);
        #[cfg(any(feature = "postgres", feature = "mysql"))]
        let has_native = native.is_some();
        #[cfg(not(any(feature = "postgres", feature = "mysql")))]
        let has_native = false;
        let reachability = Arc::new(Reachability::default());
        let manager = Manager {
            url: url.clone(),
            reachability: reachability.clone(),
            budget: budget.clone(),
        };
        // Beside a native pool neither keeps spares (`budget`).
        let spares = if has_native {
            0
        } else {
            config.min_idle().value
        };
        let pool = builder(config, spares, &reachability).build_unchecked(manager);
        let pool = Arc::new(pool);
        budget.set_blocking(&pool);
        #[cfg(any(feature = "postgres", feature = "mysql"))]
        if let Some(native) = &native {
            budget.set_native(native);
        }
        // With `min_idle = max_connections` bb8 has already begun opening every connection it may
        // hold, and refuses one more: then the first connection has done its job (proving the
        // database answers) and is closed.
        if let Err(bb8::AddError::NoCapacity(extra)) = pool.add(Slot {
            conn: Some(first),
            broken: false,
            alive_at: clock(),
            _budget: budget.try_share(),
        }) {
            drop(extra);
        }
        tracing::info!(url = %url, "database pool ready");
        let write_gate = (url.backend() == Backend::Sqlite)
            .then(|| Arc::new(turns::Turns::new(1, policy(Backend::Sqlite, config))));
        Ok(Self {
            write_gate,
            pool,
            turns: Arc::new(turns::Turns::new(
                config.max_connections().value as usize,
                policy(url.backend(), config),
            )),
            incidents: Arc::default(),
            url,
            timeout,
            reachability,
            budget,
            #[cfg(any(feature = "postgres", feature = "mysql"))]
            native,
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

    /// Pool counters (on a server with native connections, of both pools together).
    pub fn state(&self) -> PoolState {
        let s = self.pool.state();
        #[allow(unused_mut)]
        let mut state = PoolState {
            connections: s.connections,
            idle_connections: s.idle_connections,
            // bb8 counts only what it opened; `open` opened the start-up connection itself.
            connections_created: s.statistics.connections_created + 1,
            connections_closed_broken: s.statistics.connections_closed_broken,
        };
        #[cfg(any(feature = "postgres", feature = "mysql"))]
        if let Some(native) = &self.native {
            let n = native.state();
            state.connections += n.connections;
            state.idle_connections += n.idle_connections;
            // And the native driver's sign-in proof, which `NativePool::open` closed.
            state.connections_created += n.statistics.connections_created + 1;
            state.connections_closed_broken += n.statistics.connections_closed_broken;
        }
        state.connections_closed_broken = state
            .connections_closed_broken
            .saturating_sub(self.budget.closed_for_a_share());
        state
    }

    /// Whether typed units ([`unit`](Self::unit), the repository's async face, the named
    /// queries' `…_async`) run on native async connections (PostgreSQL and MySQL where the
    /// native driver serves the URL: `crate::native`) rather than in a blocking hop.
    pub fn runs_natively(&self) -> bool {
        #[cfg(any(feature = "postgres", feature = "mysql"))]
        return self.native.is_some();
        #[cfg(not(any(feature = "postgres", feature = "mysql")))]
        false
    }

    /// Runs a typed unit of work: `work` gets the connection it runs on and returns a future
    /// (statements in it are written with [`statement!`](crate::statement)). On PostgreSQL and
    /// MySQL it runs on a native async connection; on SQLite (and server URLs the native driver
    /// does not serve) in one blocking hop, like [`run`](Self::run). Statements commit as they
    /// run; use [`unit_write`](Self::unit_write) for atomic changes. If the caller stops
    /// waiting, a native connection in the middle of the unit is discarded, never reused.
    ///
    /// ```no_run
    /// use diesel::QueryDsl;
    /// use trapperkeeper_db::repository::sensors;
    /// use trapperkeeper_db::{statement, types::TenantId, Database};
    ///
    /// async fn live_sensors(db: &Database, t: TenantId) -> trapperkeeper_db::repository::Result<i64> {
    ///     db.unit(move |c| {
    ///         Box::pin(async move {
    ///             Ok(statement!(c, sensors::live(t).count() => get_result::<i64>)?)
    ///         })
    ///     })
    ///     .await
    /// }
    /// ```
    pub async fn unit<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: for<'c> FnOnce(crate::native::UnitConnection<'c>) -> crate::native::UnitFuture<'c, T, E>
            + Send
            + 'static,
        T: Send + 'static,
        E: From<Error> + From<diesel::result::Error> + Send + 'static,
    {
        self.typed(work, false).await
    }

    /// [`unit`](Self::unit) in a write transaction: `BEGIN IMMEDIATE` on SQLite (as
    /// [`write`](Self::write)), `BEGIN` on a native connection. An error from `work` rolls it
    /// back. On a native connection the caller can stop waiting at any point (a timeout works)
    /// and nothing is written unless the commit was sent; on the blocking path (SQLite) a
    /// started unit runs to its end as with [`write`](Self::write), so a timeout around it
    /// fires only after it has committed.
    pub async fn unit_write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: for<'c> FnOnce(crate::native::UnitConnection<'c>) -> crate::native::UnitFuture<'c, T, E>
            + Send
            + 'static,
        T: Send + 'static,
        E: From<Error> + From<diesel::result::Error> + Send + 'static,
    {
        self.typed(work, true).await
    }

    /// A typed unit, in a write transaction when `write`: on the native pool when there is one,
    /// else driven on a blocking connection in one hop.
    async fn typed<T, E, F>(&self, work: F, write: bool) -> Result<T, E>
    where
        F: for<'c> FnOnce(crate::native::UnitConnection<'c>) -> crate::native::UnitFuture<'c, T, E>
            + Send
            + 'static,
        T: Send + 'static,
        E: From<Error> + From<diesel::result::Error> + Send + 'static,
    {
        #[cfg(any(feature = "postgres", feature = "mysql"))]
        if let Some(native) = &self.native {
            let (probe, _turn) = self
                .turn(
                    &native.reachability,
                    native.state().connections,
                    self.timeout,
                )
                .await?;
            return native.run(work, write, || self.timed_out(), probe).await;
        }
        let handle = tokio::runtime::Handle::current();
        let unit = move |conn: &mut AnyConnection| {
            crate::native::drive(work(crate::native::UnitConnection::Blocking(conn)), &handle)
        };
        if write {
            self.write(unit).await
        } else {
            self.run(unit).await
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
        self.hop(self.timeout, None, move |conn, _cancelled| work(conn))
            .await
    }

    /// Runs `work` in a write transaction ([`AnyConnection::write_transaction`]: `BEGIN
    /// IMMEDIATE` on SQLite) in one blocking hop. A unit dropped before it starts writes
    /// nothing; once started, it runs to its end, and on a multi-thread runtime (where it runs in
    /// place) its caller waits for it — a `tokio::time::timeout` around it cannot fire meanwhile.
    /// On a current-thread runtime the caller can go away mid-unit: then the transaction is
    /// rolled back instead of committed.
    ///
    /// On SQLite this process's write units take turns for the one write lock before they take
    /// a connection (reads go on beside them). Racing for it inside SQLite instead, a unit that
    /// lost slept in SQLite's busy handler, whose waits grow to 100 ms: under 16–64 writing
    /// tasks the slowest write took 0.5–1.5 s and the fewest writes per task were 0.4–0.7× the
    /// mean; queued here the slowest took 11–12 ms, at calls/s within ±12% of racing in paired
    /// runs (`tk-peers --profile project,insert-tx`). Another process's writes still wait in `busy_timeout`. Statements
    /// that write outside a write unit (`run`, `unit`) do not queue here.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + From<diesel::result::Error> + Send + 'static,
    {
        // Held until the unit has ended and its connection is back in the pool (`hop`). The
        // wait for it counts against the checkout timeout, with the wait for a turn.
        let started = std::time::Instant::now();
        let gate = match &self.write_gate {
            Some(gate) => Some(
                tokio::time::timeout(self.timeout, gate.acquire())
                    .await
                    .map_err(|_| E::from(self.timed_out()))?,
            ),
            None => None,
        };
        let wait = self.timeout.saturating_sub(started.elapsed());
        self.hop(wait, gate, move |conn, cancelled| {
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

    /// No connection within the checkout timeout, with the last failure to open one if any.
    fn timed_out(&self) -> Error {
        Error::PoolTimeout {
            timeout: self.timeout,
            last_error: self.reachability.last_failure(),
        }
    }

    /// A pooled connection. After an incident, one last known alive before it is pinged first
    /// and, if dead, discarded for another (opened by bb8, within the checkout timeout).
    async fn checkout(&self) -> Result<bb8::PooledConnection<'static, Manager>> {
        loop {
            let pooled = self.pool.get_owned().await.map_err(|e| match e {
                bb8::RunError::User(e) => e,
                bb8::RunError::TimedOut => self.timed_out(),
            })?;
            if !self.incidents.suspects(pooled.alive_at) {
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

    /// The way into a pool: fails fast while its server is unreachable ([`Reachability`]: the
    /// guard, if any, makes this call the probe), then waits at most `wait` for a turn
    /// (`turns`: in the order callers came, leases aside, on the servers; on SQLite one may
    /// overtake a waiter for at most its patience). bb8 alone is not fair: a returned connection wakes one waiter,
    /// and a task that checks out again before that waiter runs takes it (measured: under 64
    /// tasks some finished 1–3 calls in 2 s, p99 300 ms). There are as many turns as
    /// connections, so a caller holding one finds a connection in the pool (or bb8 opens one).
    /// The turn is given back after the unit, when its connection is back.
    async fn turn(
        &self,
        reachability: &Arc<Reachability>,
        connections: u32,
        wait: Duration,
    ) -> Result<(Option<health::ProbeGuard>, turns::Turn)> {
        let probe = match reachability.gate(connections, self.timeout, std::time::Instant::now()) {
            Gate::Fail(unreachable) => return Err(unreachable),
            Gate::Probe(guard) => Some(guard),
            Gate::Go => None,
        };
        match tokio::time::timeout(wait, self.turns.acquire()).await {
            Ok(turn) => Ok((probe, turn)),
            Err(_) => Err(self.timed_out()),
        }
    }

    /// Runs `work` in one blocking hop, waiting at most `wait` for a turn. `held` (the SQLite
    /// write gate) is given back with the turn.
    async fn hop<T, E, F>(&self, wait: Duration, held: Option<turns::Turn>, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection, &AtomicBool) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let (probe, turn) = self
            .turn(&self.reachability, self.pool.state().connections, wait)
            .await?;
        let cancelled = Arc::new(AtomicBool::new(false));
        let _on_drop = CancelOnDrop(cancelled.clone());
        let checked_out = self.checkout().await;
        drop(probe);
        let pooled = checked_out?;
        let incidents = self.incidents.clone();
        let unit = move || {
            // Locals drop in reverse order, on this thread, after the unit has finished (early
            // returns too): the connection returns to the pool (or is discarded) first, then the
            // turn and the write gate are given back, so that the next holder of a turn finds a
            // connection and the next writer a free write lock, even when this unit's caller
            // went away meanwhile (current-thread runtime).
            let _given_back_last = (turn, held);
            let mut pooled = pooled;
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
                        incidents.record(clock());
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
        };
        blocking(unit).await.map_err(E::from)?
    }
}

/// Who gets a turn while callers wait (`turns`).
///
/// SQLite: whoever finds one free, unless the longest waiter has waited 5 ms (its units run in
/// place in microseconds, and a strict hand-off cost more than the unit; 10 and 20 ms gave more
/// calls/s but p99 of reads rose to the patience and the fewest calls per task fell to 0.44×
/// the mean).
///
/// The servers: the queue in order, except that a task served from it keeps going ahead for
/// [`SERVER_LEASES`]; the patience is half the checkout timeout, so that a waiter kept waiting
/// by leases gets its turn well within it. Patience without leases only raised p99 to the patience there (PostgreSQL
/// reads at 64 tasks: p99 1.8 ms strict, 5.7 ms with 5 ms of patience, 50 ms with 50 ms), as
/// anyone, not the task that had just been served, could go ahead.
fn policy(backend: Backend, config: &DatabaseConfig) -> turns::Policy {
    match backend {
        Backend::Sqlite => turns::Policy {
            patience: Duration::from_millis(5),
            leases: None,
        },
        _ => turns::Policy {
            patience: config.connection_timeout().value / 2,
            leases: Some(SERVER_LEASES),
        },
    }
}

/// A lease on the servers (`turns::Leases`): 300 units, begun within 500 ms of being served
/// (less when the queue is long: half the patience shared among those behind), each within
/// 10 ms of the one before. A lease has to be long for p99 to gain: with 64 tasks on 16
/// connections one call per lease waits about three leases, and p99 fell below 1.5×
/// diesel-async's only once that was under 1 call in 200 (`tk-peers --profile`, 64 tasks,
/// PostgreSQL write transactions: p99 250 ms with 100 units, 6.7–9.5 ms with 200, 3.4–5.7 ms
/// with 300, against diesel-async's 2.8–4.4 ms). The time bounds it for slow units (a MySQL
/// page of 50 at 64 tasks takes 2.3 ms, so 300 units would be 0.7 s) and the share for long
/// queues (32 tasks on 4 connections: fixed leases of 500 ms kept the last waiting 3.5 s).
const SERVER_LEASES: turns::Leases = turns::Leases {
    units: 300,
    time: Duration::from_millis(500),
    gap: Duration::from_millis(10),
};

/// A pool as both kinds are built: `max_connections`, `spares` kept open ahead, the checkout,
/// idle and lifetime limits of `config`, no ping on checkout (the error path replaces it), the
/// most recently used connection first (its server session is warm, measured on PostgreSQL; the
/// spare ones age out by `idle_timeout`), and failures to connect reported to `reachability`.
fn builder<M: bb8::ManageConnection<Error = Error>>(
    config: &DatabaseConfig,
    spares: u32,
    reachability: &Arc<Reachability>,
) -> bb8::Builder<M> {
    bb8::Pool::builder()
        .max_size(config.max_connections().value)
        .min_idle(Some(spares))
        .connection_timeout(config.connection_timeout().value)
        .idle_timeout(Some(config.idle_timeout().value))
        .max_lifetime(Some(config.max_lifetime().value))
        .test_on_check_out(false)
        .queue_strategy(bb8::QueueStrategy::Lifo)
        .error_sink(Box::new(ConnectErrorSink(reachability.clone())))
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
pub(crate) fn joined(e: tokio::task::JoinError) -> Error {
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
