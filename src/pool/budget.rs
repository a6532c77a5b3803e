//! One budget of `max_connections` for the blocking and the native pool: every open connection
//! of either holds a share, so the server never sees more than `max_connections` from one
//! [`Database`](super::Database).
//!
//! A pool that must open a connection while every share is held closes an idle connection of
//! the other pool. There is one whenever a caller waits for a connection: turns bound the units
//! in flight to `max_connections`, and that caller holds a turn but no connection. The wait
//! looks again every few milliseconds, so a share freed (or an idle connection appearing) while
//! it waits is found; neither pool keeps spares beside the other (`min_idle` is not applied
//! there), so no spare competes for the shares.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::manager::Manager;
use crate::error::{Error, Result};

/// Which pool asks for a share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Blocking,
    #[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
    Native,
}

/// The shares, and (weakly: the pools' managers hold the budget) the two pools.
pub(crate) struct Budget {
    shares: Arc<Semaphore>,
    blocking: OnceLock<Weak<bb8::Pool<Manager>>>,
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    native: OnceLock<Weak<super::native::NativePool>>,
    // Idle connections closed to free a share: bb8 counts them as broken, `Database::state`
    // does not.
    closed_for_a_share: AtomicU64,
}

impl Budget {
    /// A budget of `max` shares.
    pub(crate) fn new(max: u32) -> Arc<Self> {
        Arc::new(Self {
            shares: Arc::new(Semaphore::new(max as usize)),
            blocking: OnceLock::new(),
            #[cfg(any(feature = "postgres", feature = "mysql"))]
            native: OnceLock::new(),
            closed_for_a_share: AtomicU64::new(0),
        })
    }

    /// Makes the blocking pool known to the budget.
    pub(crate) fn set_blocking(&self, pool: &Arc<bb8::Pool<Manager>>) {
        let _ = self.blocking.set(Arc::downgrade(pool));
    }

    /// Makes the native pool known to the budget.
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    pub(crate) fn set_native(&self, pool: &Arc<super::native::NativePool>) {
        let _ = self.native.set(Arc::downgrade(pool));
    }

    /// A share if one is free now.
    pub(crate) fn try_share(&self) -> Option<OwnedSemaphorePermit> {
        self.shares.clone().try_acquire_owned().ok()
    }

    /// A share for a connection `side` opens: one that is free, or one freed by closing an idle
    /// connection of the other pool, or the next one given back. Waits as long as the pool
    /// that asks exists (bb8 bounds the caller's wait by the checkout timeout).
    pub(crate) async fn share(&self, side: Side) -> Result<OwnedSemaphorePermit> {
        loop {
            if let Some(share) = self.try_share() {
                return Ok(share);
            }
            if self.close_idle_of_the_other(side).await {
                self.closed_for_a_share.fetch_add(1, Ordering::SeqCst);
                continue;
            }
            if !self.pool_alive(side) {
                return Err(Error::Internal("the pool was closed".into()));
            }
            match tokio::time::timeout(
                Duration::from_millis(10),
                self.shares.clone().acquire_owned(),
            )
            .await
            {
                Ok(Ok(share)) => return Ok(share),
                Ok(Err(_)) => {
                    return Err(Error::Internal("the connection budget is closed".into()))
                }
                Err(_) => continue,
            }
        }
    }

    /// Idle connections closed so far to free a share.
    pub(crate) fn closed_for_a_share(&self) -> u64 {
        self.closed_for_a_share.load(Ordering::SeqCst)
    }

    fn pool_alive(&self, side: Side) -> bool {
        match side {
            Side::Blocking => self
                .blocking
                .get()
                .is_none_or(|pool| pool.strong_count() > 0),
            #[cfg(any(feature = "postgres", feature = "mysql"))]
            Side::Native => self.native.get().is_none_or(|pool| pool.strong_count() > 0),
            #[cfg(not(any(feature = "postgres", feature = "mysql")))]
            Side::Native => false,
        }
    }

    /// Closes one idle connection of the pool that is not `side`, if it has one now.
    async fn close_idle_of_the_other(&self, side: Side) -> bool {
        match side {
            #[cfg(any(feature = "postgres", feature = "mysql"))]
            Side::Blocking => match self.native.get().and_then(Weak::upgrade) {
                Some(native) => native.close_idle().await,
                None => false,
            },
            #[cfg(not(any(feature = "postgres", feature = "mysql")))]
            Side::Blocking => false,
            Side::Native => {
                let Some(blocking) = self.blocking.get().and_then(Weak::upgrade) else {
                    return false;
                };
                if blocking.state().idle_connections == 0 {
                    return false;
                }
                let closed =
                    match tokio::time::timeout(Duration::from_millis(5), blocking.get()).await {
                        Ok(Ok(mut idle)) => {
                            idle.broken = true;
                            true
                        }
                        _ => false,
                    };
                closed
            }
        }
    }
}
