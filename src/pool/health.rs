//! The pool's health policy: pure decisions over time, with the clock passed in so the tests
//! can drive it.
//!
//! - *Incidents*: when a pooled connection is found dead, every connection last known alive
//!   before then may have died in the same event (a server restart kills them all); each is
//!   pinged once at its next checkout.
//! - *Reachability*: while the pool has no connection and the last attempt to open one failed
//!   within the checkout timeout, calls fail at once with [`Error::Unreachable`] — except one at
//!   a time, the probe, which waits as usual and so lets the pool notice the server's return.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::Error;

/// Monotonic nanoseconds since the first call in this process.
pub(crate) fn clock() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_nanos() as u64
        + 1
}

/// When a pooled connection was last found dead (0: never). The normal path costs one atomic
/// load.
#[derive(Debug, Default)]
pub(crate) struct Incidents(AtomicU64);

impl Incidents {
    /// A connection was found dead at `now` (a [`clock`] reading).
    pub(crate) fn record(&self, now: u64) {
        self.0.fetch_max(now, Ordering::Relaxed);
    }

    /// Whether a connection last known alive at `alive_at` must be pinged before use.
    pub(crate) fn suspects(&self, alive_at: u64) -> bool {
        alive_at < self.0.load(Ordering::Relaxed)
    }
}

/// Whether the server could be reached the last time a connection was opened. While the pool
/// has no connection and the last attempt failed, a call would only wait out the checkout
/// timeout; instead it fails at once with [`Error::Unreachable`] — except one call at a time, the
/// probe, which waits as usual and so lets the pool notice the server's return.
#[derive(Debug, Default)]
pub(crate) struct Reachability {
    /// Set with `failure`, so the normal path costs one atomic load.
    maybe_down: AtomicBool,
    state: Mutex<ReachabilityState>,
}

#[derive(Debug, Default)]
struct ReachabilityState {
    /// The last failure to open a connection, unless one opened since: when, and the error.
    failure: Option<(Instant, String)>,
    /// Whether a call is probing right now.
    probing: bool,
}

impl Reachability {
    /// Fails a call at once ([`Error::Unreachable`]) when the pool has no connection
    /// (`connections`), the last attempt to open one failed within `timeout` before `now`, and
    /// another call is already probing; makes it the probe when none is.
    pub(crate) fn gate(
        self: &Arc<Self>,
        connections: u32,
        timeout: Duration,
        now: Instant,
    ) -> Gate {
        if !self.maybe_down.load(Ordering::SeqCst) || connections > 0 {
            return Gate::Go;
        }
        let Ok(mut r) = self.state.lock() else {
            return Gate::Go;
        };
        let Some((since, last_error)) = r.failure.clone() else {
            return Gate::Go;
        };
        let ago = now.saturating_duration_since(since);
        // Attempts fail again and again while the server is down; an old failure says nothing
        // about now (say, before an idle pool's connections were all reaped).
        if ago > timeout {
            return Gate::Go;
        }
        if !r.probing {
            r.probing = true;
            return Gate::Probe(ProbeGuard(self.clone()));
        }
        Gate::Fail(Error::Unreachable {
            since_ms: ago.as_millis() as u64,
            last_error,
        })
    }

    /// Opening a connection failed at `now`.
    pub(crate) fn failed(&self, error: &Error, now: Instant) {
        if let Ok(mut r) = self.state.lock() {
            r.failure = Some((now, error.to_string()));
            self.maybe_down.store(true, Ordering::SeqCst);
        }
    }

    /// The last failure to open a connection, unless one opened since.
    pub(crate) fn last_failure(&self) -> Option<String> {
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

    /// A connection opened.
    pub(crate) fn opened(&self) {
        if self.maybe_down.load(Ordering::SeqCst) {
            if let Ok(mut r) = self.state.lock() {
                r.failure = None;
                self.maybe_down.store(false, Ordering::SeqCst);
            }
        }
    }
}

/// What [`Reachability::gate`] lets a call do.
pub(crate) enum Gate {
    /// Go to the pool.
    Go,
    /// Go to the pool as the one probe; others fail fast until it ends.
    Probe(ProbeGuard),
    /// Fail at once.
    Fail(Error),
}

/// Ends the probe when the probing call is done with the pool, however it ends.
pub(crate) struct ProbeGuard(Arc<Reachability>);

impl Drop for ProbeGuard {
    fn drop(&mut self) {
        if let Ok(mut r) = self.0.state.lock() {
            r.probing = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn down() -> Error {
        Error::Internal("connection refused".into())
    }

    #[test]
    fn incidents_suspect_only_connections_alive_before_them() {
        let incidents = Incidents::default();
        assert!(!incidents.suspects(1), "no incident yet");
        incidents.record(100);
        assert!(incidents.suspects(99));
        assert!(!incidents.suspects(100));
        assert!(!incidents.suspects(150));
        // A later incident moves the line; an earlier report does not move it back.
        incidents.record(200);
        incidents.record(50);
        assert!(incidents.suspects(150));
        assert!(!incidents.suspects(200));
    }

    #[test]
    fn one_probe_at_a_time_while_unreachable() {
        let r = Arc::new(Reachability::default());
        let timeout = Duration::from_secs(5);
        let t0 = Instant::now();
        assert!(matches!(r.gate(0, timeout, t0), Gate::Go), "never failed");
        r.failed(&down(), t0);
        assert_eq!(
            r.last_failure().as_deref(),
            Some("internal error in the data layer: connection refused")
        );
        // Connections in the pool: bb8 serves them; nothing to decide.
        assert!(matches!(r.gate(2, timeout, t0), Gate::Go));
        let soon = t0 + Duration::from_secs(1);
        let Gate::Probe(guard) = r.gate(0, timeout, soon) else {
            panic!("the first call probes")
        };
        match r.gate(0, timeout, soon) {
            Gate::Fail(Error::Unreachable {
                since_ms,
                last_error,
            }) => {
                assert_eq!(since_ms, 1_000);
                assert!(last_error.contains("connection refused"));
            }
            _ => panic!("a second call fails fast while the probe runs"),
        }
        drop(guard);
        assert!(
            matches!(r.gate(0, timeout, soon), Gate::Probe(_)),
            "the next call probes"
        );
        // An old failure says nothing about now.
        assert!(matches!(
            r.gate(0, timeout, t0 + Duration::from_secs(6)),
            Gate::Go
        ));
        // A connection opened: back to normal.
        r.failed(&down(), soon);
        r.opened();
        assert!(matches!(r.gate(0, timeout, soon), Gate::Go));
        assert_eq!(r.last_failure(), None);
    }
}
