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

    /// The server could not be reached at the last attempt and the pool has no connection left;
    /// the call failed at once rather than waiting out the checkout timeout. Retryable.
    #[error("database unreachable (last attempt {since_ms}ms ago: {last_error})")]
    Unreachable {
        /// How long ago the last attempt to open a connection failed.
        since_ms: u64,
        /// That attempt's error (redacted).
        last_error: String,
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
    /// Whether trying again later may succeed (the database or pool was unavailable, a lock wait
    /// ran out, or a serializable transaction lost a race).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connect { .. } | Error::PoolTimeout { .. } | Error::Unreachable { .. } => true,
            Error::Query(e) => matches!(
                classify(e),
                Disposition::ConnectionLost | Disposition::Contention
            ),
            _ => false,
        }
    }
}

/// What a driver error means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Disposition {
    /// The connection is gone (server restart, killed session, network).
    ConnectionLost,
    /// A wait ran out (SQLite busy, MySQL lock wait, PostgreSQL statement/lock timeout), or a
    /// serializable transaction must be retried.
    Contention,
    /// The connection died while a commit was under way: the change may or may not have been
    /// applied, so blindly retrying a create could apply it twice.
    OutcomeUnknown,
    /// Anything else: retrying the same call fails the same way.
    Permanent,
}

/// Classifies a driver error. Lost connections and timeouts mostly arrive as
/// `DatabaseErrorKind::Unknown` with the driver's text, in wordings that differ between client
/// libraries ("MySQL server has gone away" from libmysqlclient, "Server has gone away" from
/// MariaDB Connector/C), so the text of errors diesel could not classify is compared in lower
/// case (only theirs: a unique violation's text quotes user data). A commit that fails because the
/// link died arrives wrapped as `RollbackErrorOnCommit`: its outcome is unknown.
pub(crate) fn classify(e: &diesel::result::Error) -> Disposition {
    use diesel::result::{DatabaseErrorKind as K, Error as D};
    const LOST: &[&str] = &[
        "server has gone away",
        "lost connection",
        "terminating connection",
        "server closed the connection",
        "connection has been closed",
        "no connection to the server",
        "connection refused",
    ];
    const CONTENTION: &[&str] = &[
        "database is locked",
        "lock wait timeout",
        "canceling statement due to",
        "deadlock",
        "maximum statement execution time exceeded",
    ];
    match e {
        D::DatabaseError(K::ClosedConnection, _) | D::BrokenTransactionManager => {
            Disposition::ConnectionLost
        }
        D::DatabaseError(K::SerializationFailure, _) => Disposition::Contention,
        D::DatabaseError(K::Unknown, info) => {
            let message = info.message().to_ascii_lowercase();
            if LOST.iter().any(|m| message.contains(m)) {
                Disposition::ConnectionLost
            } else if CONTENTION.iter().any(|m| message.contains(m)) {
                Disposition::Contention
            } else {
                Disposition::Permanent
            }
        }
        D::RollbackErrorOnCommit { commit_error, .. } => match classify(commit_error) {
            Disposition::ConnectionLost | Disposition::OutcomeUnknown => {
                Disposition::OutcomeUnknown
            }
            other => other,
        },
        _ => Disposition::Permanent,
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind as K, Error as D};

    fn unknown(message: &str) -> D {
        D::DatabaseError(K::Unknown, Box::new(message.to_string()))
    }

    #[test]
    fn lost_connections_in_every_wording_are_retryable() {
        // Wordings seen when the servers were restarted under load (tests/server_restart.rs).
        for message in [
            "Server has gone away",
            "MySQL server has gone away",
            "Lost connection to server during query",
            "terminating connection due to administrator command",
            "SSL connection has been closed unexpectedly\n",
        ] {
            assert_eq!(classify(&unknown(message)), Disposition::ConnectionLost);
            assert!(Error::Query(unknown(message)).is_retryable(), "{message}");
        }
        assert_eq!(
            classify(&unknown("deadlock detected")),
            Disposition::Contention
        );
    }

    #[test]
    fn a_commit_lost_with_its_connection_is_not_blindly_retryable() {
        let failed_commit = D::RollbackErrorOnCommit {
            rollback_error: Box::new(unknown("Server has gone away")),
            commit_error: Box::new(unknown("Lost connection to server during query")),
        };
        assert_eq!(classify(&failed_commit), Disposition::OutcomeUnknown);
        assert!(!Error::Query(failed_commit).is_retryable());
    }

    #[test]
    fn user_data_in_a_message_does_not_classify_it() {
        let duplicate = D::DatabaseError(
            K::UniqueViolation,
            Box::new("Duplicate entry 'lost connection' for key 'uq_users_username'".to_string()),
        );
        assert_eq!(classify(&duplicate), Disposition::Permanent);
        assert!(!Error::Query(duplicate).is_retryable());
    }

    #[test]
    fn ordinary_failures_are_not_retryable() {
        assert_eq!(
            classify(&unknown("syntax error at or near \"SELEC\"")),
            Disposition::Permanent
        );
        assert!(!Error::Query(D::NotFound).is_retryable());
        assert_eq!(
            classify(&unknown("database is locked")),
            Disposition::Contention
        );
    }
}
