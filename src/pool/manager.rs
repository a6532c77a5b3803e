//! bb8 plumbing: how the pool opens, checks and discards connections, and the synchronous
//! connection the CLI and tools use, set up the same way.

use std::sync::Arc;

use crate::config::{ensure_private_dir, DatabaseConfig};
use crate::connection::{establish, AnyConnection};
use crate::error::{Error, Result};
use crate::url::DatabaseUrl;

use super::health::{clock, Reachability};
use super::joined;

/// A pooled connection and what the pool needs to know about it.
pub(crate) struct Slot {
    // `None` only while a health check has it on another thread and that check was abandoned.
    pub(super) conn: Option<AnyConnection>,
    pub(super) broken: bool,
    // When the connection was last known alive (opened, or answered a ping): see `Incidents`.
    pub(super) alive_at: u64,
    // This connection's share of `max_connections`, which the blocking and the native pool
    // share (`budget`).
    pub(super) _budget: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// bb8's view of how to make and check connections.
pub(crate) struct Manager {
    pub(super) url: DatabaseUrl,
    pub(super) reachability: Arc<Reachability>,
    pub(super) budget: Arc<super::budget::Budget>,
}

impl bb8::ManageConnection for Manager {
    type Connection = Slot;
    type Error = Error;

    async fn connect(&self) -> Result<Slot> {
        let share = self.budget.share(super::budget::Side::Blocking).await?;
        let url = self.url.clone();
        let conn = tokio::task::spawn_blocking(move || establish(&url))
            .await
            .map_err(joined)??;
        self.reachability.opened();
        Ok(Slot {
            conn: Some(conn),
            broken: false,
            alive_at: clock(),
            _budget: Some(share),
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
pub(super) struct ConnectErrorSink(pub(super) Arc<Reachability>);

impl bb8::ErrorSink<Error> for ConnectErrorSink {
    fn sink(&self, error: Error) {
        tracing::warn!(%error, "opening a pooled connection failed");
        self.0.failed(&error, std::time::Instant::now());
    }

    fn boxed_clone(&self) -> Box<dyn bb8::ErrorSink<Error>> {
        Box::new(self.clone())
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
    let connected = rx.recv_timeout(timeout).unwrap_or_else(|_| {
        Err(Error::Connect {
            backend: url.backend(),
            target: url.redacted().to_string(),
            message: format!("no answer within {}ms", timeout.as_millis()),
        })
    });
    if connected.is_ok() {
        // `Display` of the URL is redacted.
        tracing::info!(url = %url, "connected");
    }
    connected
}
