//! The crate's error type. Every variant's `Display` is safe to show an operator: URLs are
//! redacted and driver messages are scrubbed of the password before they are stored.

use std::time::Duration;

use crate::config::ConfigError;
use crate::url::Backend;

/// Errors from connecting, pooling, migrating and running units of work.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// A connection could not be established.
    #[error("cannot connect to {backend} at {target}: {message}")]
    Connect {
        /// The backend.
        backend: Backend,
        /// The redacted URL.
        target: String,
        /// The driver's message, scrubbed of the password.
        message: String,
    },

    /// No pooled connection became free (or could be opened) within the checkout timeout.
    /// Retryable.
    #[error("no database connection available within {}ms{}", timeout.as_millis(),
        last_error.as_deref().map(|e| format!(" (last connection error: {e})")).unwrap_or_default())]
    PoolTimeout {
        /// The configured checkout timeout.
        timeout: Duration,
        /// The last error seen while opening connections, if any.
        last_error: Option<String>,
    },

    /// A statement failed.
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),

    /// Migrations could not be checked or applied.
    #[error(transparent)]
    Migration(#[from] crate::migrations::MigrationError),

    /// A unit of work panicked; its connection was discarded.
    #[error("a unit of work panicked (its connection was discarded): {0}")]
    Panicked(String),

    /// The database is the target of a copy that never verified; it must not be used as if
    /// complete.
    #[error("this database holds an interrupted copy from {source_label}; finish it with `trapperkeeper db copy --resume` or start over with an empty database")]
    IncompleteCopy {
        /// The recorded (redacted) source.
        source_label: String,
    },

    /// Writing a report (for example the CLI's output) failed.
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),

    /// The caller stopped waiting (its future was dropped) before the unit of work committed;
    /// its transaction was rolled back.
    #[error("the unit of work was cancelled; its transaction was rolled back")]
    Cancelled,
}

impl Error {
    /// Whether trying again later may succeed (the database or pool was unavailable).
    pub fn is_retryable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error as D};
        matches!(
            self,
            Error::Connect { .. }
                | Error::PoolTimeout { .. }
                | Error::Query(D::DatabaseError(
                    DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::SerializationFailure,
                    _,
                ))
        )
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
