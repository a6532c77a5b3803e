//! The servers' second pool: native async connections for typed units of work
//! ([`Database::unit`](super::Database::unit)), with the same health policy as the blocking pool
//! (a failed unit pings its connection; a dead one is an incident; an unreachable server fails
//! calls fast) and the same turns.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use crate::config::DatabaseConfig;
use crate::error::{Error, Result};
use crate::native::{ServerConnection, UnitFuture};
use crate::url::DatabaseUrl;

use super::health::{clock, Incidents, Reachability};
use super::panic_message;

/// A pooled native connection and what the pool needs to know about it.
pub(crate) struct NativeSlot {
    conn: ServerConnection,
    broken: bool,
    // Set while a unit runs on it: a slot that comes back still busy was dropped mid-unit (its
    // caller went away), maybe mid-statement or mid-transaction, and is discarded; the server
    // then rolls back whatever was open.
    busy: bool,
    alive_at: u64,
    _budget: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// bb8's view of how to make and check native connections.
pub(crate) struct NativeManager {
    url: DatabaseUrl,
    target: String,
    reachability: Arc<Reachability>,
    budget: Arc<super::budget::Budget>,
}

impl bb8::ManageConnection for NativeManager {
    type Connection = NativeSlot;
    type Error = Error;

    async fn connect(&self) -> Result<NativeSlot> {
        let share = self.budget.share(super::budget::Side::Native).await?;
        let conn = crate::native::establish(&self.url, &self.target).await?;
        self.reachability.opened();
        Ok(NativeSlot {
            conn,
            broken: false,
            busy: false,
            alive_at: clock(),
            _budget: Some(share),
        })
    }

    async fn is_valid(&self, slot: &mut NativeSlot) -> Result<()> {
        Ok(slot.conn.ping().await?)
    }

    fn has_broken(&self, slot: &mut NativeSlot) -> bool {
        slot.broken || slot.busy || slot.conn.transaction_broken()
    }
}

/// The native pool and its health.
pub(crate) struct NativePool {
    pool: bb8::Pool<NativeManager>,
    incidents: Incidents,
    pub(super) reachability: Arc<Reachability>,
}

impl NativePool {
    /// Opens the native pool for `url` if the native driver serves it and a first connection
    /// opens within `timeout`; `None` (with the reason in the log) keeps every call on the
    /// blocking pool.
    pub(super) async fn open(
        config: &DatabaseConfig,
        url: &DatabaseUrl,
        timeout: Duration,
        budget: &Arc<super::budget::Budget>,
    ) -> Option<Self> {
        let target = match crate::native::native_target(url) {
            Ok(target) => target,
            Err(why) => {
                if url.backend() != crate::url::Backend::Sqlite {
                    tracing::info!(url = %url, why, "typed calls run on the blocking driver");
                }
                return None;
            }
        };
        // A first connection proves the native driver can sign in; it is then closed, so that
        // the pools hold at start what the blocking pool alone held (one connection).
        match tokio::time::timeout(timeout, crate::native::establish(url, &target)).await {
            Ok(Ok(conn)) => drop(conn),
            // The blocking driver answered (`connect` pinged it first): an account or a
            // server the native driver cannot sign in to keeps every call on the blocking one.
            Ok(Err(error)) => {
                tracing::warn!(url = %url, %error, "the native async driver could not connect; typed calls run on the blocking driver");
                return None;
            }
            Err(_) => {
                tracing::warn!(url = %url, "the native async driver did not connect in time; typed calls run on the blocking driver");
                return None;
            }
        };
        let reachability = Arc::new(Reachability::default());
        // No spares opened ahead: both pools share `max_connections`, and a spare kept here
        // would take the share a closure is waiting for (`budget`).
        let pool = super::builder(config, 0, &reachability).build_unchecked(NativeManager {
            url: url.clone(),
            target,
            reachability: reachability.clone(),
            budget: budget.clone(),
        });
        Some(Self {
            pool,
            incidents: Incidents::default(),
            reachability,
        })
    }

    /// Open connections (bb8's counters).
    pub(super) fn state(&self) -> bb8::State {
        self.pool.state()
    }

    /// Closes one idle connection, if one can be had at once, to free its budget share; true
    /// if it did (bb8 counts it as broken).
    pub(super) async fn close_idle(&self) -> bool {
        if self.pool.state().idle_connections == 0 {
            return false;
        }
        match tokio::time::timeout(Duration::from_millis(5), self.pool.get()).await {
            Ok(Ok(mut idle)) => {
                idle.broken = true;
                true
            }
            _ => false,
        }
    }

    /// A pooled connection; after an incident, one last known alive before it is pinged first
    /// and, if dead, discarded for another.
    async fn checkout(
        &self,
        timed_out: impl Fn() -> Error,
    ) -> Result<bb8::PooledConnection<'_, NativeManager>> {
        loop {
            let mut pooled = self.pool.get().await.map_err(|e| match e {
                bb8::RunError::User(e) => e,
                bb8::RunError::TimedOut => timed_out(),
            })?;
            if !self.incidents.suspects(pooled.alive_at) {
                return Ok(pooled);
            }
            if pooled.conn.ping().await.is_ok() {
                pooled.alive_at = clock();
                return Ok(pooled);
            }
            pooled.broken = true;
        }
    }

    /// Runs `work` on a native connection, in a transaction when `write`. The caller holds a
    /// turn.
    pub(super) async fn run<T, E, F>(
        &self,
        work: F,
        write: bool,
        timed_out: impl Fn() -> Error,
        probe: Option<super::health::ProbeGuard>,
    ) -> std::result::Result<T, E>
    where
        F: for<'c> FnOnce(crate::native::UnitConnection<'c>) -> UnitFuture<'c, T, E>,
        E: From<Error> + From<diesel::result::Error>,
    {
        let checked_out = self.checkout(timed_out).await;
        drop(probe);
        let mut pooled = checked_out.map_err(E::from)?;
        pooled.busy = true;
        let slot = &mut *pooled;
        let outcome = CatchUnwind(Box::pin(async {
            let conn = &mut slot.conn;
            if !write {
                return work(conn.unit()).await;
            }
            conn.begin().await?;
            match work(conn.unit()).await {
                Ok(value) => {
                    conn.commit().await.map_err(crate::error::commit_failed)?;
                    Ok(value)
                }
                Err(error) => {
                    // A failed rollback leaves the transaction manager broken: discarded below.
                    let _ = conn.rollback().await;
                    Err(error)
                }
            }
        }))
        .await;
        match outcome {
            Ok(Ok(value)) => {
                slot.busy = false;
                Ok(value)
            }
            Ok(Err(error)) => {
                // As on the blocking pool: tell a failed statement from a dead link.
                if slot.conn.ping().await.is_err() {
                    self.incidents.record(clock());
                    slot.broken = true;
                }
                slot.busy = false;
                Err(error)
            }
            Err(panic) => {
                slot.broken = true;
                Err(E::from(Error::Panicked(panic_message(&panic))))
            }
        }
    }
}

/// A panic while polling the unit becomes an error (as on the blocking pool), not the caller's.
struct CatchUnwind<F>(F);

impl<F: std::future::Future + Unpin> std::future::Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match catch_unwind(AssertUnwindSafe(|| std::pin::Pin::new(inner).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}
