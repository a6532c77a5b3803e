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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationInfo {
    /// The version (`0001`).
    pub version: String,
    /// The folder name (`0001_create_tenants`).
    pub name: String,
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

/// The versions diesel's bookkeeping table records as applied.
fn applied(conn: &mut AnyConnection) -> Result<Vec<String>, MigrationError> {
    Ok(conn
        .applied_migrations()
        .map_err(|e| failed("bookkeeping")(&e))?
        .into_iter()
        .map(|v| v.to_string())
        .collect())
}

/// Applied and pending migrations, without taking the lock or changing anything but diesel's
/// bookkeeping table (which diesel creates on first read).
pub fn status(conn: &mut AnyConnection) -> Result<MigrationStatus, MigrationError> {
    let applied: BTreeSet<String> = applied(conn)?.into_iter().collect();
    let mut status = MigrationStatus::default();
    for (info, _) in known(conn.backend()) {
        if applied.contains(&info.version) {
            status.applied.push(info);
        } else {
            status.pending.push(info);
        }
    }
    Ok(status)
}

/// Verifies applied migrations and, under the `apply` policy, applies the pending ones — all
/// while holding the backend's migration lock, so concurrent starters apply each migration once.
pub fn migrate(
    conn: &mut AnyConnection,
    policy: MigrationPolicy,
) -> Result<MigrationReport, MigrationError> {
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
            let apply =
                |conn: &mut AnyConnection| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
                    conn.run_migration(migration.as_ref())?;
                    diesel::insert_into(recorded::table)
                        .values((
                            recorded::version.eq(&version),
                            recorded::checksum.eq(checksum),
                        ))
                        .execute(conn)?;
                    Ok(())
                };
            // Where DDL is transactional the checksum row commits with the migration. MySQL
            // commits DDL implicitly (an outer transaction would lose diesel's savepoint), so
            // there a crash between the two leaves a version without a checksum, which the next
            // start records.
            if conn.backend() == Backend::Mysql {
                apply(conn)
            } else {
                conn.transaction(apply)
            }
            .map_err(|e| failed(&name)(&e))?;
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
    let stored: BTreeMap<String, String> = match recorded::table
        .select((recorded::version, recorded::checksum))
        .load::<(String, String)>(conn)
    {
        Ok(rows) => rows.into_iter().collect(),
        Err(e) if crate::error::missing_table(&e) => BTreeMap::new(),
        Err(e) => return Err(failed("bookkeeping")(&e)),
    };
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
        diesel::insert_into(recorded::table)
            .values((
                recorded::version.eq(version),
                recorded::checksum.eq(*expected),
            ))
            .execute(conn)
            .map_err(|e| failed("bookkeeping")(&e))?;
        tracing::info!(version = %version, "recorded checksum of a migration applied by another tool");
    }
    Ok(())
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
