//! Embedded per-backend migrations, applied under a lock and guarded against tampering.
//!
//! The folders `migrations/{sqlite,postgres,mysql}` share their numbering and diesel's layout
//! (`NAME/up.sql`, `NAME/down.sql`), so the diesel CLI works on them directly and both tools
//! read and write the same `__diesel_schema_migrations` table.
//!
//! diesel_migrations takes no lock: concurrent starters fail with duplicate-object errors
//! (measured). Here every run holds a lock for its whole duration — a PostgreSQL advisory lock,
//! MySQL `GET_LOCK`, or on SQLite the write lock of one `BEGIN IMMEDIATE` transaction around all
//! pending migrations.
//!
//! A SHA-256 of each applied migration's `up.sql` is kept in `__trapperkeeper_migration_checksums`.
//! At start-up an applied migration whose file changed, or an applied version this binary does not
//! have (the database is newer than the binary), stops start-up with an error naming the version.
//! Versions applied by the diesel CLI have no checksum yet; the first start records theirs.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use crate::config::MigrationPolicy;
use crate::connection::AnyConnection;
use crate::url::Backend;

mod embedded {
    #[cfg(feature = "sqlite")]
    pub const SQLITE: diesel_migrations::EmbeddedMigrations =
        diesel_migrations::embed_migrations!("migrations/sqlite");
    #[cfg(feature = "postgres")]
    pub const POSTGRES: diesel_migrations::EmbeddedMigrations =
        diesel_migrations::embed_migrations!("migrations/postgres");
    #[cfg(feature = "mysql")]
    pub const MYSQL: diesel_migrations::EmbeddedMigrations =
        diesel_migrations::embed_migrations!("migrations/mysql");
}

mod checksums {
    include!(concat!(env!("OUT_DIR"), "/migration_checksums.rs"));
}

mod bookkeeping {
    diesel::table! {
        /// Checksums of applied migrations; managed by this module, not by a migration.
        __trapperkeeper_migration_checksums (version) {
            version -> Text,
            checksum -> Text,
        }
    }
}

use bookkeeping::__trapperkeeper_migration_checksums as recorded;

const CREATE_CHECKSUM_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS __trapperkeeper_migration_checksums \
     (version VARCHAR(50) NOT NULL PRIMARY KEY, checksum CHAR(64) NOT NULL)";

/// Longest wait for another process's migration lock.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(60);
const PG_LOCK_KEY: i64 = 0x7472_6170_6b65_6570; // "trapkeep"
const MYSQL_LOCK_NAME: &str = "trapperkeeper.migrations";

/// Why migrations could not be checked or applied.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// An applied migration's `up.sql` differs from the one in this binary.
    #[error("migration {version} was changed after it was applied (recorded checksum {recorded}, this binary has {expected}); restore the original file and put the change in a new migration")]
    ChecksumMismatch {
        /// The version.
        version: String,
        /// Checksum stored in the database.
        recorded: String,
        /// Checksum of the file compiled into this binary.
        expected: String,
    },
    /// The database has applied versions this binary does not know.
    #[error("the database has migration {} applied, which this binary does not know: the database is newer than this binary; run a newer trapperkeeper", versions.join(", "))]
    UnknownVersions {
        /// The unknown versions.
        versions: Vec<String>,
    },
    /// Pending migrations under the `refuse` policy.
    #[error("{} pending migration(s) ({}) and the migration policy is \"refuse\"; run `trapperkeeper db migrate` first", names.len(), names.join(", "))]
    Pending {
        /// The pending migrations.
        names: Vec<String>,
    },
    /// The migration lock was not obtained in time.
    #[error("could not take the migration lock within {}s: another process is migrating", LOCK_TIMEOUT.as_secs())]
    LockTimeout,
    /// A revert that cannot be done as asked.
    #[error("cannot revert: {message}")]
    Revert {
        /// Why.
        message: String,
    },
    /// A migration or the bookkeeping around it failed.
    #[error("migration {name} failed: {message}")]
    Failed {
        /// The migration (or "bookkeeping").
        name: String,
        /// The database's message.
        message: String,
    },
}

/// One migration this binary knows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MigrationInfo {
    /// The version (`0001`).
    pub version: String,
    /// The folder name (`0001_create_tenants`).
    pub name: String,
}

/// An applied migration and when it was applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppliedMigration {
    /// The migration.
    #[serde(flatten)]
    pub migration: MigrationInfo,
    /// When it was applied, to the second, RFC 3339 in UTC (`2026-12-02T04:47:19Z`).
    pub applied_at: String,
}

/// Applied and pending migrations of a database.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MigrationStatus {
    /// Applied, oldest first.
    pub applied: Vec<MigrationInfo>,
    /// Not yet applied, oldest first.
    pub pending: Vec<MigrationInfo>,
}

/// What [`migrate`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MigrationReport {
    /// Migrations this run applied, oldest first.
    pub applied_now: Vec<MigrationInfo>,
    /// The status after the run.
    pub status: MigrationStatus,
}

fn source(backend: Backend) -> EmbeddedMigrations {
    match backend {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => embedded::SQLITE,
        #[cfg(feature = "postgres")]
        Backend::Postgres => embedded::POSTGRES,
        #[cfg(feature = "mysql")]
        Backend::Mysql => embedded::MYSQL,
        #[allow(unreachable_patterns)]
        other => unreachable!("no connection to {other} can exist in this build"),
    }
}

fn expected_checksums(backend: Backend) -> &'static [(&'static str, &'static str)] {
    match backend {
        Backend::Sqlite => checksums::SQLITE,
        Backend::Postgres => checksums::POSTGRES,
        Backend::Mysql => checksums::MYSQL,
    }
}

/// Every migration this binary has for `backend`, oldest first, with its checksum.
fn known(backend: Backend) -> Vec<(MigrationInfo, &'static str)> {
    expected_checksums(backend)
        .iter()
        .map(|(name, sum)| {
            // diesel's rule: the version is the folder name up to the first `_`, without dashes.
            let version = name.split('_').next().unwrap_or(name).replace('-', "");
            (
                MigrationInfo {
                    version,
                    name: name.to_string(),
                },
                *sum,
            )
        })
        .collect()
}

fn failed(name: &str) -> impl Fn(&dyn std::fmt::Display) -> MigrationError + '_ {
    move |e| MigrationError::Failed {
        name: name.to_string(),
        message: e.to_string(),
    }
}

/// The migrations this binary embeds for `backend`, oldest first.
pub fn embedded(backend: Backend) -> Vec<MigrationInfo> {
    known(backend).into_iter().map(|(info, _)| info).collect()
}

/// The versions diesel's bookkeeping table records as applied; none when the table does not
/// exist yet. Read only: diesel's own reader creates the table, which outside the lock races
/// with other starters (PostgreSQL: a duplicate `pg_type` row, measured with eight processes).
fn applied(conn: &mut AnyConnection) -> Result<Vec<String>, MigrationError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    match diesel::sql_query("SELECT version FROM __diesel_schema_migrations").load::<Row>(conn) {
        Ok(rows) => Ok(rows.into_iter().map(|r| r.version).collect()),
        Err(e) if crate::error::missing_table(&e) => Ok(vec![]),
        Err(e) => Err(failed("bookkeeping")(&e)),
    }
}

/// Applied versions this binary does not know (the database is newer than it), read only.
pub fn unknown_versions(conn: &mut AnyConnection) -> Result<Vec<String>, MigrationError> {
    Ok(findings(conn)?.unknown)
}

/// Applied and pending migrations, without taking the lock or changing anything.
pub fn status(conn: &mut AnyConnection) -> Result<MigrationStatus, MigrationError> {
    let applied = applied(conn)?;
    Ok(status_of(conn.backend(), &applied))
}

/// This binary's migrations split by the `applied` versions.
fn status_of(backend: Backend, applied: &[String]) -> MigrationStatus {
    let applied: BTreeSet<&str> = applied.iter().map(String::as_str).collect();
    let mut status = MigrationStatus::default();
    for (info, _) in known(backend) {
        if applied.contains(info.version.as_str()) {
            status.applied.push(info);
        } else {
            status.pending.push(info);
        }
    }
    status
}

/// Verifies applied migrations and, under the `apply` policy, applies the pending ones — all
/// while holding the backend's migration lock, so concurrent starters apply each migration once.
pub fn migrate(
    conn: &mut AnyConnection,
    policy: MigrationPolicy,
) -> Result<MigrationReport, MigrationError> {
    // Most starts find nothing to do: check that without the lock (and without writing), so a
    // start or a command does not wait behind a long writer or another process's migration.
    // One read of each bookkeeping table: this runs at every start and before every command.
    let f = findings(conn)?;
    let before = status_of(conn.backend(), &f.applied);
    if before.pending.is_empty() && f.is_clean() {
        return Ok(MigrationReport {
            applied_now: vec![],
            status: before,
        });
    }
    if let Some(problem) = f.refusal() {
        return Err(problem);
    }
    with_lock(conn, |conn| {
        conn.batch_execute(CREATE_CHECKSUM_TABLE)
            .map_err(|e| failed("bookkeeping")(&e))?;
        verify(conn)?;
        let before = status(conn)?;
        if before.pending.is_empty() {
            return Ok(MigrationReport {
                applied_now: vec![],
                status: before,
            });
        }
        if policy == MigrationPolicy::Refuse {
            return Err(MigrationError::Pending {
                names: before.pending.iter().map(|m| m.name.clone()).collect(),
            });
        }
        let sums: BTreeMap<&str, &str> =
            expected_checksums(conn.backend()).iter().copied().collect();
        let pending = conn
            .pending_migrations(source(conn.backend()))
            .map_err(|e| failed("bookkeeping")(&e))?;
        let mut applied_now = Vec::new();
        for migration in pending {
            let name = migration.name().to_string();
            let version = migration.name().version().to_string();
            let checksum = sums.get(name.as_str()).copied().unwrap_or_default();
            // Where DDL is transactional the checksum row commits with the migration; on
            // MySQL a crash between the two leaves a version without a checksum, which the next
            // start records.
            run_step(conn, &name, |conn| {
                conn.run_migration(migration.as_ref())?;
                record_checksum(conn, &version, checksum)?;
                Ok(())
            })?;
            tracing::info!(migration = %name, "applied migration");
            applied_now.push(MigrationInfo { version, name });
        }
        Ok(MigrationReport {
            applied_now,
            status: status(conn)?,
        })
    })
}

/// What the applied migrations look like against this binary, read only.
struct Findings {
    applied: Vec<String>,
    /// Applied versions this binary does not know (the database is newer).
    unknown: Vec<String>,
    /// The first applied version whose recorded checksum differs from this binary's file.
    changed: Option<MigrationError>,
    /// Applied versions without a recorded checksum (applied by another tool), with theirs.
    unrecorded: Vec<(String, &'static str)>,
    /// Whether checksums are recorded for versions no longer applied (reverted by another tool),
    /// or the checksum table is missing.
    stale: bool,
}

impl Findings {
    /// Nothing to record or remove, nothing to refuse.
    fn is_clean(&self) -> bool {
        self.unknown.is_empty()
            && self.changed.is_none()
            && self.unrecorded.is_empty()
            && !self.stale
    }

    /// What start-up must refuse (a database newer than the binary, an edited migration).
    fn refusal(self) -> Option<MigrationError> {
        if !self.unknown.is_empty() {
            return Some(MigrationError::UnknownVersions {
                versions: self.unknown,
            });
        }
        self.changed
    }
}

fn findings(conn: &mut AnyConnection) -> Result<Findings, MigrationError> {
    let applied = applied(conn)?;
    let known: BTreeMap<String, (MigrationInfo, &'static str)> = known(conn.backend())
        .into_iter()
        .map(|(info, sum)| (info.version.clone(), (info, sum)))
        .collect();
    let mut unknown: Vec<String> = applied
        .iter()
        .filter(|v| !known.contains_key(*v))
        .cloned()
        .collect();
    unknown.sort();
    // A database never migrated by this binary has no checksum table: nothing recorded.
    let (stored, table_missing): (BTreeMap<String, String>, bool) = match recorded::table
        .select((recorded::version, recorded::checksum))
        .load::<(String, String)>(conn)
    {
        Ok(rows) => (rows.into_iter().collect(), false),
        Err(e) if crate::error::missing_table(&e) => (BTreeMap::new(), true),
        Err(e) => return Err(failed("bookkeeping")(&e)),
    };
    let stale = table_missing || stored.keys().any(|v| !applied.contains(v));
    let mut changed = None;
    let mut unrecorded = Vec::new();
    for version in applied.iter().filter(|v| known.contains_key(*v)) {
        let (_, expected) = &known[version];
        match stored.get(version) {
            Some(sum) if sum.trim() != *expected && changed.is_none() => {
                changed = Some(MigrationError::ChecksumMismatch {
                    version: version.clone(),
                    recorded: sum.trim().to_string(),
                    expected: expected.to_string(),
                })
            }
            Some(_) => {}
            None => unrecorded.push((version.clone(), *expected)),
        }
    }
    Ok(Findings {
        applied,
        unknown,
        changed,
        unrecorded,
        stale,
    })
}

/// Why start-up would refuse these applied migrations (a database newer than this binary, a
/// migration edited after it was applied), without changing anything; empty when it would not.
pub fn problems(conn: &mut AnyConnection) -> Result<Vec<MigrationError>, MigrationError> {
    let f = findings(conn)?;
    let mut out = Vec::new();
    if !f.unknown.is_empty() {
        out.push(MigrationError::UnknownVersions {
            versions: f.unknown,
        });
    }
    out.extend(f.changed);
    Ok(out)
}

/// Checks applied migrations against this binary: unknown versions and changed files are
/// errors; applied versions without a recorded checksum get one, and the checksums of versions
/// no longer applied are removed.
fn verify(conn: &mut AnyConnection) -> Result<(), MigrationError> {
    let f = findings(conn)?;
    // A migration reverted by another tool (`diesel migration revert`/`redo`) leaves its
    // checksum behind; it would collide when the migration is applied again.
    let stale = diesel::delete(recorded::table.filter(recorded::version.ne_all(&f.applied)))
        .execute(conn)
        .map_err(|e| failed("bookkeeping")(&e))?;
    if stale > 0 {
        tracing::info!(
            count = stale,
            "removed the checksums of migrations reverted by another tool"
        );
    }
    if !f.unknown.is_empty() {
        return Err(MigrationError::UnknownVersions {
            versions: f.unknown,
        });
    }
    if let Some(changed) = f.changed {
        return Err(changed);
    }
    for (version, expected) in &f.unrecorded {
        record_checksum(conn, version, expected).map_err(|e| failed("bookkeeping")(&e))?;
        tracing::info!(version = %version, "recorded checksum of a migration applied by another tool");
    }
    Ok(())
}

/// The applied migrations this binary knows, oldest first, with when each was applied.
pub fn applied_with_times(
    conn: &mut AnyConnection,
) -> Result<Vec<AppliedMigration>, MigrationError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        run_on: String,
    }
    let text = match conn.backend() {
        Backend::Mysql => "CHAR",
        _ => "TEXT",
    };
    // Literal SQL without binds; the column's type differs per backend, its text does not.
    let sql =
        format!("SELECT version, CAST(run_on AS {text}) AS run_on FROM __diesel_schema_migrations");
    let times: BTreeMap<String, String> = match diesel::sql_query(sql).load::<Row>(conn) {
        Ok(rows) => rows.into_iter().map(|r| (r.version, r.run_on)).collect(),
        Err(e) if crate::error::missing_table(&e) => BTreeMap::new(),
        Err(e) => return Err(failed("bookkeeping")(&e)),
    };
    Ok(known(conn.backend())
        .into_iter()
        .filter_map(|(info, _)| {
            let at = times.get(&info.version)?;
            // PostgreSQL prints fractional seconds, the other two do not; all three store UTC
            // (the sessions run in UTC). Shown like every other instant: RFC 3339.
            let seconds = at.split('.').next().unwrap_or(at);
            let applied_at = format!("{}Z", seconds.replacen(' ', "T", 1));
            Some(AppliedMigration {
                migration: info,
                applied_at,
            })
        })
        .collect())
}

/// Reverts the last `count` applied migrations (newest first, each `down.sql` with its
/// bookkeeping row and checksum), under the migration lock, after the same checks as start-up:
/// an edited or unknown migration is refused rather than reverted. Returns what was reverted.
pub fn revert(
    conn: &mut AnyConnection,
    count: usize,
) -> Result<Vec<MigrationInfo>, MigrationError> {
    with_lock(conn, |conn| {
        // Checked before anything is written: a refused revert leaves no trace.
        let applied = status(conn)?.applied;
        if count == 0 || count > applied.len() {
            return Err(MigrationError::Revert {
                message: match applied.len() {
                    0 => "no migration is applied".into(),
                    n => format!("asked to revert {count} migration(s), and {n} are applied"),
                },
            });
        }
        conn.batch_execute(CREATE_CHECKSUM_TABLE)
            .map_err(|e| failed("bookkeeping")(&e))?;
        verify(conn)?;
        let mut reverted = Vec::new();
        for info in applied.iter().rev().take(count) {
            run_step(conn, &info.name, |conn| {
                let version = conn.revert_last_migration(source(conn.backend()))?;
                diesel::delete(recorded::table.filter(recorded::version.eq(version.to_string())))
                    .execute(conn)?;
                Ok(())
            })?;
            tracing::info!(migration = %info.name, "reverted migration");
            reverted.push(info.clone());
        }
        Ok(reverted)
    })
}

/// Reverts the last applied migration and applies it again, under one hold of the lock.
pub fn redo(conn: &mut AnyConnection) -> Result<MigrationInfo, MigrationError> {
    with_lock(conn, |conn| {
        let Some(last) = status(conn)?.applied.pop() else {
            return Err(MigrationError::Revert {
                message: "no migration is applied".into(),
            });
        };
        conn.batch_execute(CREATE_CHECKSUM_TABLE)
            .map_err(|e| failed("bookkeeping")(&e))?;
        verify(conn)?;
        let sums: BTreeMap<&str, &str> =
            expected_checksums(conn.backend()).iter().copied().collect();
        let checksum = sums.get(last.name.as_str()).copied().unwrap_or_default();
        let migrations =
            MigrationSource::<crate::connection::MultiBackend>::migrations(&source(conn.backend()))
                .map_err(|e| failed("bookkeeping")(&e))?;
        let Some(migration) = migrations
            .iter()
            .find(|m| m.name().to_string() == last.name)
        else {
            return Err(failed("bookkeeping")(&format!(
                "{} is not embedded",
                last.name
            )));
        };
        run_step(conn, &last.name, |conn| {
            conn.revert_migration(migration.as_ref())?;
            diesel::delete(recorded::table.filter(recorded::version.eq(&last.version)))
                .execute(conn)?;
            conn.run_migration(migration.as_ref())?;
            record_checksum(conn, &last.version, checksum)?;
            Ok(())
        })?;
        tracing::info!(migration = %last.name, "redid migration");
        Ok(last)
    })
}

fn record_checksum(conn: &mut AnyConnection, version: &str, checksum: &str) -> QueryResult<usize> {
    diesel::insert_into(recorded::table)
        .values((
            recorded::version.eq(version),
            recorded::checksum.eq(checksum),
        ))
        .execute(conn)
}

/// Runs one migration step with its bookkeeping: in a transaction where DDL is transactional
/// (MySQL commits DDL implicitly, and an outer transaction would lose diesel's savepoint).
fn run_step(
    conn: &mut AnyConnection,
    name: &str,
    step: impl FnOnce(&mut AnyConnection) -> Result<(), Box<dyn std::error::Error + Send + Sync>>,
) -> Result<(), MigrationError> {
    if conn.backend() == Backend::Mysql {
        step(conn)
    } else {
        conn.transaction(step)
    }
    .map_err(|e| failed(name)(&e))
}

/// Runs `f` while holding this backend's migration lock.
fn with_lock<T>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, MigrationError>,
) -> Result<T, MigrationError> {
    let lock_failed = failed("lock");
    match conn.backend() {
        Backend::Sqlite => {
            // One write transaction around everything; migrations nest as savepoints, so a
            // failure rolls back the whole run. busy_timeout bounds one wait; retry up to the
            // lock timeout in case another starter's migrations take longer than that.
            let start = Instant::now();
            let mut f = Some(f);
            loop {
                let mut inner_error = None;
                let result = conn.write_transaction(|conn| {
                    let f = f.take().expect("the body runs once");
                    f(conn).map_err(|e| {
                        inner_error = Some(e);
                        diesel::result::Error::RollbackTransaction
                    })
                });
                match result {
                    Ok(v) => return Ok(v),
                    Err(_) if inner_error.is_some() => {
                        return Err(inner_error.take().expect("set"))
                    }
                    Err(e) if is_busy(&e) && f.is_some() && start.elapsed() < LOCK_TIMEOUT => {
                        continue
                    }
                    Err(e) if is_busy(&e) => return Err(MigrationError::LockTimeout),
                    Err(e) => return Err(lock_failed(&e)),
                }
            }
        }
        Backend::Postgres => {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({PG_LOCK_KEY})"))
                .map_err(|e| lock_failed(&e))?;
            let result = f(conn);
            let unlocked = conn.batch_execute(&format!("SELECT pg_advisory_unlock({PG_LOCK_KEY})"));
            finish(result, unlocked)
        }
        Backend::Mysql => {
            let got = mysql_get_lock(conn).map_err(|e| lock_failed(&e))?;
            if got != Some(1) {
                return Err(MigrationError::LockTimeout);
            }
            let result = f(conn);
            let unlocked = conn.batch_execute(&format!("DO RELEASE_LOCK('{MYSQL_LOCK_NAME}')"));
            finish(result, unlocked)
        }
    }
}

fn finish<T>(
    result: Result<T, MigrationError>,
    unlocked: QueryResult<()>,
) -> Result<T, MigrationError> {
    match (result, unlocked) {
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(failed("unlock")(&e)),
        (Ok(v), Ok(())) => Ok(v),
    }
}

fn mysql_get_lock(conn: &mut AnyConnection) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Got {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        got: Option<i64>,
    }
    // Literal SQL, no binds: selecting a bound value through AnyConnection panics on MariaDB.
    let sql = format!(
        "SELECT CAST(GET_LOCK('{MYSQL_LOCK_NAME}', {}) AS SIGNED) AS got",
        LOCK_TIMEOUT.as_secs()
    );
    Ok(diesel::sql_query(sql).get_result::<Got>(conn)?.got)
}

fn is_busy(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(_, info)
        if info.message().contains("locked") || info.message().contains("busy"))
}
