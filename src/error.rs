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

    /// A connection could not be established: [`ErrorKind::Unavailable`] (retryable) when the
    /// server could not be reached, [`ErrorKind::Config`] when it answered and refused the
    /// sign-in.
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

    /// Something inside the data layer failed that no caller input explains (a blocking task
    /// that did not finish, a pool that refused its first connection): a bug to report.
    #[error("internal error in the data layer: {0}")]
    Internal(String),

    /// The database is the target of a copy that never verified; it must not be used as if
    /// complete.
    #[error("this database holds an interrupted copy from {source_label}; finish it with `trapperkeeper db copy --resume` or start over with an empty database")]
    IncompleteCopy {
        /// The recorded (redacted) source.
        source_label: String,
    },

    /// The caller stopped waiting (its future was dropped) before the unit of work committed;
    /// its transaction was rolled back.
    #[error("the unit of work was cancelled; its transaction was rolled back")]
    Cancelled,
}

/// What kind of failure an error is: one classification under both [`Error`] and
/// [`crate::repository::Error`], so a caller decides on retries and messages in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The configuration is invalid, or the database refused it at sign-in (an unknown user or
    /// database, a wrong password, a SQLite file that cannot be opened). Fix it; retrying will
    /// not help.
    Config,
    /// The database cannot be reached, or the connection broke. Retryable.
    Unavailable,
    /// A wait ran out: pool checkout, lock wait, a busy SQLite file, a serializable transaction
    /// that lost a race. Retryable.
    Timeout,
    /// The connection died while a commit was under way: the change may or may not have been
    /// applied. Read back before retrying (or retry only an idempotent change).
    OutcomeUnknown,
    /// The caller stopped waiting; the unit of work was rolled back.
    Cancelled,
    /// Start-up refused the database: a migration problem (pending under `refuse`, applied but
    /// unknown to this binary, edited after it was applied) or an interrupted copy.
    Startup,
    /// No live row with that id (in that tenant).
    NotFound,
    /// A unique constraint.
    Conflict,
    /// A referenced row is missing or deleted.
    ForeignKey,
    /// Invalid input; nothing was written.
    Validation,
    /// A panic or a bug inside the data layer.
    Internal,
    /// Any other database error (a statement the database refused).
    Database,
}

impl ErrorKind {
    /// Whether trying again later may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::Unavailable | ErrorKind::Timeout)
    }

    /// The kind of a driver error, by [`classify`].
    pub(crate) fn of_query(e: &diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as D};
        match (classify(e), e) {
            (Disposition::ConnectionLost, _) => ErrorKind::Unavailable,
            (Disposition::Contention, _) => ErrorKind::Timeout,
            (Disposition::OutcomeUnknown, _) => ErrorKind::OutcomeUnknown,
            (_, D::DatabaseError(K::UniqueViolation, _)) => ErrorKind::Conflict,
            (_, D::DatabaseError(K::ForeignKeyViolation, _)) => ErrorKind::ForeignKey,
            (_, D::NotFound) => ErrorKind::NotFound,
            (Disposition::Permanent, _) => ErrorKind::Database,
        }
    }
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) => ErrorKind::Config,
            Error::Connect { message, .. } if sign_in_refused(message) => ErrorKind::Config,
            Error::Connect { .. } | Error::Unreachable { .. } => ErrorKind::Unavailable,
            Error::PoolTimeout { .. } => ErrorKind::Timeout,
            Error::Query(e) => ErrorKind::of_query(e),
            Error::Migration(_) | Error::IncompleteCopy { .. } => ErrorKind::Startup,
            Error::Panicked(_) | Error::Internal(_) => ErrorKind::Internal,
            Error::Cancelled => ErrorKind::Cancelled,
        }
    }

    /// Whether trying again later may succeed (the database or pool was unavailable, a lock wait
    /// ran out, or a serializable transaction lost a race): `self.kind().is_retryable()`.
    pub fn is_retryable(&self) -> bool {
        self.kind().is_retryable()
    }
}

/// Whether a connect error says the server answered and refused this configuration: an unknown
/// user or database, a wrong password, no `pg_hba.conf` entry. Fixing the configuration helps;
/// retrying the same one does not. Only these exact server wordings (libpq, libmysqlclient and
/// the native drivers, compared in lower case); anything else, a localized message included,
/// stays retryable. (SQLite paths that cannot be opened are refused earlier, by
/// `prepare_target`.)
fn sign_in_refused(message: &str) -> bool {
    // White space folded: libpq writes "FATAL:  role", a message on one line "FATAL: role".
    let m = message
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    m.contains("password authentication failed for user")
        || m.contains("no pg_hba.conf entry for")
        || ((m.contains("fatal: role \"") || m.contains("fatal: database \""))
            && m.contains("\" does not exist"))
        || m.contains("access denied for user")
        || m.contains("unknown database '")
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
        // The native async drivers (mysql_async, tokio-postgres): a dead socket, in their words.
        "input/output error",
        "connection closed",
        "connection reset",
        "broken pipe",
        "error communicating with the server",
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
        // tokio-postgres errors without an SQLSTATE (a dead socket among them) arrive from
        // diesel-async as `UnableToSendCommand` with the driver's text.
        D::DatabaseError(K::Unknown | K::UnableToSendCommand, info) => {
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

/// What a failed `COMMIT` means: if the link died, the server may have committed before it went
/// (the answer is what was lost), so the outcome is unknown, not retryable — the error is
/// wrapped as diesel's `RollbackErrorOnCommit`, which [`classify`] reads that way. Any other
/// commit error (a serialization failure, say) stays as it is: nothing was committed.
pub(crate) fn commit_failed(e: diesel::result::Error) -> diesel::result::Error {
    match classify(&e) {
        Disposition::ConnectionLost => diesel::result::Error::RollbackErrorOnCommit {
            rollback_error: Box::new(diesel::result::Error::BrokenTransactionManager),
            commit_error: Box::new(e),
        },
        _ => e,
    }
}

/// Whether `e` says the table it read does not exist (SQLite "no such table", PostgreSQL "does
/// not exist", MySQL "doesn't exist"): bookkeeping tables appear with their first write.
pub(crate) fn missing_table(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(_, info)
        if ["no such table", "does not exist", "doesn't exist"]
            .iter()
            .any(|m| info.message().contains(m)))
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
        // diesel-async's form of a tokio-postgres error without an SQLSTATE, seen when
        // PostgreSQL was restarted under typed calls; a parameter it could not encode is not.
        let unsent = |m: &str| D::DatabaseError(K::UnableToSendCommand, Box::new(m.to_string()));
        assert_eq!(
            classify(&unsent("connection closed")),
            Disposition::ConnectionLost
        );
        assert_eq!(
            classify(&unsent("error serializing parameter 0")),
            Disposition::Permanent
        );
    }

    #[test]
    fn only_a_refused_sign_in_is_a_configuration_error() {
        let connect = |message: &str| Error::Connect {
            backend: Backend::Postgres,
            target: "postgres://u:***@h/db".into(),
            message: message.into(),
        };
        // As the servers said them in tests/backends.rs and the new-user trial.
        for refused in [
            "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  role \"tk_no_such_role\" does not exist",
            "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"no_such_db\" does not exist",
            "connection to server at \"10.0.0.5\", port 5432 failed: FATAL:  password authentication failed for user \"tk\"",
            "FATAL:  no pg_hba.conf entry for host \"10.0.0.9\", user \"tk\", database \"tk\", no encryption",
            "Access denied for user 'tk_no_such_role'@'127.0.0.1' (using password: YES)",
            "Unknown database 'tk_no_such_database'",
        ] {
            assert_eq!(connect(refused).kind(), ErrorKind::Config, "{refused}");
        }
        for transient in [
            "connection to server at \"127.0.0.1\", port 1 failed: Connection refused",
            "FATAL:  the database system is starting up",
            "FATAL:  the database system is shutting down",
            "could not translate host name \"db\" to address: Temporary failure in name resolution",
            "Can't connect to server on '127.0.0.1' (115)",
            "FATAL:  sorry, too many clients already",
            "FATAL:  remaining connection slots are reserved",
            "no answer within 5000ms",
        ] {
            assert_eq!(
                connect(transient).kind(),
                ErrorKind::Unavailable,
                "{transient}"
            );
        }
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
    fn a_commit_cut_off_with_its_link_has_an_unknown_outcome() {
        for lost in [
            "Input/output error: Input/output error: connection closed",
            "server closed the connection unexpectedly",
        ] {
            let e = Error::Query(commit_failed(unknown(lost)));
            assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{lost}");
            assert!(!e.is_retryable());
        }
        // A commit the server refused committed nothing: as it was.
        let refused = D::DatabaseError(
            K::SerializationFailure,
            Box::new("could not serialize".to_string()),
        );
        assert_eq!(
            Error::Query(commit_failed(refused)).kind(),
            ErrorKind::Timeout
        );
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

    /// One classification: the repository's kind is the infrastructure's wherever it wraps one,
    /// and `is_retryable` follows the kind for both.
    #[test]
    fn both_errors_share_one_kind() {
        use crate::repository::Error as Repo;
        let cases: Vec<(Error, ErrorKind)> = vec![
            (
                Error::Query(unknown("Server has gone away")),
                ErrorKind::Unavailable,
            ),
            (
                Error::Query(unknown("database is locked")),
                ErrorKind::Timeout,
            ),
            (
                Error::Query(D::DatabaseError(
                    K::UniqueViolation,
                    Box::new("dup".to_string()),
                )),
                ErrorKind::Conflict,
            ),
            (Error::Query(unknown("syntax error")), ErrorKind::Database),
            (
                Error::PoolTimeout {
                    timeout: Duration::from_millis(5),
                    last_error: None,
                },
                ErrorKind::Timeout,
            ),
            (
                Error::IncompleteCopy {
                    source_label: "sqlite://x".into(),
                },
                ErrorKind::Startup,
            ),
            (Error::Internal("x".into()), ErrorKind::Internal),
            (Error::Panicked("x".into()), ErrorKind::Internal),
            (Error::Cancelled, ErrorKind::Cancelled),
        ];
        for (error, kind) in cases {
            assert_eq!(error.kind(), kind, "{error:?}");
            assert_eq!(error.is_retryable(), kind.is_retryable(), "{error:?}");
            let text = error.to_string();
            let repo = Repo::from(error);
            assert_eq!(repo.kind(), kind, "{text}: as {repo:?}");
            assert_eq!(repo.is_retryable(), kind.is_retryable(), "{text}");
        }
        assert!(ErrorKind::Unavailable.is_retryable() && ErrorKind::Timeout.is_retryable());
        assert!(!ErrorKind::OutcomeUnknown.is_retryable());
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
