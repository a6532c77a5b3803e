//! Online backups of the SQLite database: `VACUUM INTO` a consistent snapshot while other
//! connections keep writing, into a new owner-only (0600) file that is then opened and checked
//! with `PRAGMA integrity_check`. PostgreSQL and MySQL are backed up with their own tools.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::RunQueryDsl;

use crate::config::DatabaseConfig;
use crate::error::Error;
use crate::url::{Backend, DatabaseUrl};

/// Why a backup was not made. Nothing is left at the target path unless the backup verified.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The configured database is a server's.
    #[error(
        "db backup copies SQLite databases; back up {backend} with the server's own tools ({tool})"
    )]
    NotSqlite {
        /// The configured backend.
        backend: Backend,
        /// What to use instead.
        tool: &'static str,
    },
    /// The target exists: a backup never overwrites.
    #[error("{} exists; choose a new file", .0.display())]
    Exists(PathBuf),
    /// SQLite takes the target path as SQL text.
    #[error("the path is not valid UTF-8")]
    NotUtf8,
    /// The target file cannot be created.
    #[error("cannot create {}: {error}", path.display())]
    Create {
        /// The target.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The snapshot did not pass `PRAGMA integrity_check`; it was removed.
    #[error("the backup failed its integrity check ({0}) and was removed")]
    Integrity(String),
    /// Connecting or copying failed.
    #[error(transparent)]
    Db(#[from] Error),
}

/// Backs the configured SQLite database up to the new file `to` and verifies it.
pub fn sqlite(config: &DatabaseConfig, to: &Path) -> Result<(), BackupError> {
    let backend = config.target().map_err(Error::from)?.backend();
    if backend != Backend::Sqlite {
        let tool = if backend == Backend::Postgres {
            "pg_dump"
        } else {
            "mysqldump or mariadb-backup"
        };
        return Err(BackupError::NotSqlite { backend, tool });
    }
    if to.exists() {
        return Err(BackupError::Exists(to.to_path_buf()));
    }
    let text = to.to_str().ok_or(BackupError::NotUtf8)?;
    // Created empty and private first: VACUUM INTO keeps an empty file's mode.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(to).map_err(|error| BackupError::Create {
        path: to.to_path_buf(),
        error,
    })?;
    let result = snapshot(config, to, text);
    if result.is_err() {
        let _ = std::fs::remove_file(to);
    }
    result
}

fn snapshot(config: &DatabaseConfig, to: &Path, text: &str) -> Result<(), BackupError> {
    let mut c = crate::pool::connect_sync(config)?;
    c.batch_execute(&format!("VACUUM INTO '{}'", text.replace('\'', "''")))
        .map_err(Error::from)?;
    let copy = DatabaseUrl::sqlite_file(to).map_err(|e| {
        Error::Config(crate::config::ConfigError::InvalidUrl {
            origin: crate::config::Source::Api(crate::config::Key::Url),
            error: e,
        })
    })?;
    let mut check = crate::connection::establish(&copy)?;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let rows: Vec<Row> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut check)
        .map_err(Error::from)?;
    let status = rows
        .into_iter()
        .map(|r| r.integrity_check)
        .collect::<Vec<_>>()
        .join("; ");
    if status == "ok" {
        Ok(())
    } else {
        Err(BackupError::Integrity(status))
    }
}
