//! Start-up policy: the one place that decides whether a database may serve.
//!
//! A database serves when its applied migrations are this binary's (checksums verified), none is
//! pending — applied under the migration lock or refused, by [`MigrationPolicy`] — and it is not
//! the target of an unfinished `db copy` (a half-copied database must not serve as if it were
//! complete). [`Database::open`] (the services) and [`open_sync`] (every CLI command that reads
//! or writes rows) both come here; nothing else decides it.
//!
//! The copy marker (`__trapperkeeper_copy`) lives here too: `copy` writes it, start-up reads it.
//! Layering: this module sits above the pool and the migrations, and below the repository.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::config::{DatabaseConfig, MigrationPolicy};
use crate::error::{Error, Result};
use crate::migrations::{self, MigrationReport};
use crate::pool::{connect_sync, Database};
use crate::AnyConnection;

/// Migrates or refuses by `policy`, then refuses a database that holds an interrupted copy.
pub fn prepare(conn: &mut AnyConnection, policy: MigrationPolicy) -> Result<MigrationReport> {
    let report = migrations::migrate(conn, policy)?;
    refuse_interrupted_copy(conn)?;
    // What `-v` tells an operator of every command, not only of the ones that migrate.
    tracing::info!(
        backend = %conn.backend(),
        schema = report.status.applied.last().map_or("empty", |m| m.name.as_str()),
        applied_now = report.applied_now.len(),
        "database ready"
    );
    Ok(report)
}

/// What start-up would find, read only (for `db status`).
#[derive(Debug)]
pub struct Readiness {
    /// Applied and pending migrations.
    pub status: migrations::MigrationStatus,
    /// Why start-up would refuse this database with `policy`; empty when it would serve.
    pub refusals: Vec<Error>,
}

/// What [`prepare`] with `policy` would do to this database, without doing it: the migration
/// problems that stop start-up, pending migrations under `refuse`, an interrupted copy.
pub fn inspect(conn: &mut AnyConnection, policy: MigrationPolicy) -> Result<Readiness> {
    let status = migrations::status(conn)?;
    let mut refusals: Vec<Error> = migrations::problems(conn)?
        .into_iter()
        .map(Error::from)
        .collect();
    if policy == MigrationPolicy::Refuse && !status.pending.is_empty() {
        refusals.push(Error::from(migrations::MigrationError::Pending {
            names: status.pending.iter().map(|m| m.name.clone()).collect(),
        }));
    }
    if let Some(source_label) = interrupted_copy(conn)? {
        refusals.push(Error::IncompleteCopy { source_label });
    }
    Ok(Readiness { status, refusals })
}

/// The operator's explicit `db migrate`: applies what is pending whatever the configured policy
/// (under the lock, verifying what was applied before). It does not refuse an interrupted copy:
/// migrating the target is part of resuming one.
pub fn apply_migrations(conn: &mut AnyConnection) -> Result<MigrationReport> {
    Ok(migrations::migrate(conn, MigrationPolicy::Apply)?)
}

/// A synchronous connection that may serve: connected as `config` says, then [`prepare`]d with
/// the configured policy.
pub fn open_sync(config: &DatabaseConfig) -> Result<AnyConnection> {
    refuse_before_creating(config)?;
    let mut conn = connect_sync(config)?;
    prepare(&mut conn, config.migrations().value)?;
    Ok(conn)
}

impl Database {
    /// Connects (a first connection within the connection timeout, whose failure is returned
    /// with the driver's message), builds the pool, then [`prepare`]s the database with the
    /// configured migration policy: pending migrations are applied under a lock or refused, and
    /// a database that holds an interrupted `db copy` is refused.
    pub async fn open(config: &DatabaseConfig) -> Result<Self> {
        refuse_before_creating(config)?;
        let db = Self::connect(config).await?;
        let policy = config.migrations().value;
        db.run(move |conn| prepare(conn, policy)).await?;
        Ok(db)
    }

    /// Verifies applied migrations and applies or refuses pending ones, under the lock.
    pub async fn migrate(&self, policy: MigrationPolicy) -> Result<MigrationReport> {
        self.run(move |conn| Ok(migrations::migrate(conn, policy)?))
            .await
    }
}

/// Under the `refuse` policy a SQLite file that does not exist would be created only to be
/// refused (every migration pending): refuse before creating it.
fn refuse_before_creating(config: &DatabaseConfig) -> Result<()> {
    // The configuration's own errors come first, as they would from connecting.
    config.validate()?;
    let target = config.target()?;
    if target.sqlite_path().is_some_and(|p| !p.exists()) {
        let policy = config.migrations().value;
        if let Some(refusal) = inspect_missing(target.backend(), policy).refusals.pop() {
            return Err(refusal);
        }
    }
    Ok(())
}

/// [`inspect`] of a database that does not exist yet (a SQLite file start-up would create):
/// every migration pending, which the `refuse` policy refuses.
pub fn inspect_missing(backend: crate::url::Backend, policy: MigrationPolicy) -> Readiness {
    let pending = migrations::embedded(backend);
    let refusals = match policy {
        MigrationPolicy::Apply => vec![],
        MigrationPolicy::Refuse => vec![Error::from(migrations::MigrationError::Pending {
            names: pending.iter().map(|m| m.name.clone()).collect(),
        })],
    };
    let status = migrations::MigrationStatus {
        applied: vec![],
        pending,
    };
    Readiness { status, refusals }
}

fn refuse_interrupted_copy(conn: &mut AnyConnection) -> Result<()> {
    match interrupted_copy(conn)? {
        Some(source_label) => Err(Error::IncompleteCopy { source_label }),
        None => Ok(()),
    }
}

mod state {
    diesel::table! {
        /// Marks a target as a copy in progress (completed = 0) until it verifies.
        __trapperkeeper_copy (copy_id) {
            copy_id -> Text,
            source -> Text,
            completed -> Integer,
        }
    }
}

use state::__trapperkeeper_copy as marker;

const CREATE_MARKER: &str = "CREATE TABLE IF NOT EXISTS __trapperkeeper_copy \
     (copy_id VARCHAR(36) NOT NULL PRIMARY KEY, source VARCHAR(255) NOT NULL, completed INTEGER NOT NULL)";

/// The source recorded by an unfinished copy into this database, if one was interrupted. A
/// database without the marker table never was a copy target.
pub fn interrupted_copy(conn: &mut AnyConnection) -> Result<Option<String>> {
    let found = marker::table
        .filter(marker::completed.eq(0))
        .select(marker::source)
        .first::<String>(conn)
        .optional();
    match found {
        Ok(source) => Ok(source),
        Err(e) if crate::error::missing_table(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The copy in progress into `to`, if one was interrupted: its id and the source it recorded.
/// Creates the marker table.
pub(crate) fn copy_in_progress(to: &mut AnyConnection) -> Result<Option<(String, String)>> {
    to.batch_execute(CREATE_MARKER)?;
    Ok(marker::table
        .filter(marker::completed.eq(0))
        .select((marker::copy_id, marker::source))
        .first(to)
        .optional()?)
}

/// Marks `to` as the target of a copy from `source_label` (a redacted URL); returns its id.
pub(crate) fn begin_copy(to: &mut AnyConnection, source_label: &str) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(marker::table)
        .values((
            marker::copy_id.eq(&id),
            marker::source.eq(source_label.chars().take(255).collect::<String>()),
            marker::completed.eq(0),
        ))
        .execute(to)?;
    Ok(id)
}

/// Marks the copy `copy_id` complete: `to` may serve.
pub(crate) fn finish_copy(to: &mut AnyConnection, copy_id: &str) -> Result<()> {
    diesel::update(marker::table.filter(marker::copy_id.eq(copy_id)))
        .set(marker::completed.eq(1))
        .execute(to)?;
    Ok(())
}
