//! Copying a database to another backend, and proving the copy complete.
//!
//! Tables are copied in dependency order, in id order (UUIDv7 keys), in batches that each commit
//! in their own transaction, so an interrupted copy leaves an exact prefix of each table. A row in
//! `__trapperkeeper_copy` ([`crate::startup`]'s copy marker, which keeps such a target from
//! serving) marks the target as a copy in progress until verification passes; the
//! next run refuses such a target unless asked to resume, and a resumed run continues every
//! table after its last copied id. Soft-deleted rows are copied too: it is a copy, not an export.
//!
//! Verification compares, per table, the row count and an order-independent checksum: the sum
//! (mod 2^128) of the first 16 bytes of SHA-256 over each row's canonical form — its JSON
//! serialisation through the models, so ids, microsecond timestamps, text, booleans, floats and
//! JSON text are compared as the application sees them, whatever each backend stores.

use std::fmt;

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::migrations;
use crate::startup;
use crate::AnyConnection;

/// Rows per batch unless told otherwise.
pub const DEFAULT_BATCH: usize = 1_000;

/// Why a copy did not happen or did not verify.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// One side has migrations this binary would apply: its schema is older.
    #[error("the {side} has pending migrations ({names}); run `trapperkeeper --db-url URL db migrate` on it first")]
    Pending {
        /// "source" or "target".
        side: &'static str,
        /// The pending migrations.
        names: String,
    },
    /// `--resume` named another source than the interrupted copy recorded.
    #[error("the target holds an interrupted copy from {recorded}, not from {given}; resume it with that source, or start over with an empty target")]
    OtherSource {
        /// The source the copy recorded (redacted).
        recorded: String,
        /// The source given now (redacted).
        given: String,
    },
    /// The target holds rows and is not an interrupted copy.
    #[error("the target is not empty ({} holds rows); copy into an empty database", .0.name())]
    TargetNotEmpty(Table),
    /// `resume` was asked for, but the target holds rows and no interrupted copy (most likely
    /// the copy finished).
    #[error("nothing to resume: the target holds no interrupted copy ({} holds rows; the copy may have finished: check it with `db verify`)", .0.name())]
    NothingToResume(Table),
    /// The target is an interrupted copy and `resume` was not asked for.
    #[error("the target holds an interrupted copy; rerun with --resume to continue it, or empty the target")]
    Interrupted,
    /// A source row breaks a column rule every backend shares (a value written before the
    /// rule, or by other means): nothing was written to the target.
    #[error("{} row {id} cannot be copied: {source}; fix it in the source first (nothing was written)", .table.name())]
    InvalidRow {
        /// The table.
        table: Table,
        /// The row's id.
        id: String,
        /// The rule it breaks (boxed: it is large and rare).
        source: Box<crate::repository::Error>,
    },
    /// Verification found differences.
    #[error("verification failed for: {}", .0.join(", "))]
    Mismatch(Vec<String>),
    /// A database error.
    #[error(transparent)]
    Db(#[from] Error),
}

impl From<diesel::result::Error> for CopyError {
    fn from(e: diesel::result::Error) -> Self {
        CopyError::Db(Error::Query(e))
    }
}

impl From<migrations::MigrationError> for CopyError {
    fn from(e: migrations::MigrationError) -> Self {
        CopyError::Db(Error::Migration(e))
    }
}

/// Count and checksum of one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct TableSum {
    /// Rows.
    pub rows: u64,
    /// Order-independent checksum, hex.
    #[serde(serialize_with = "hex")]
    pub checksum: u128,
}

fn table_name<S: serde::Serializer>(t: &Table, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.name())
}

fn hex<S: serde::Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{v:032x}"))
}

impl TableSum {
    fn add<T: serde::Serialize>(&mut self, row: &T) {
        let canonical = serde_json::to_vec(row).expect("models serialise");
        let digest = Sha256::digest(&canonical);
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        self.rows += 1;
        self.checksum = self.checksum.wrapping_add(u128::from_be_bytes(first));
    }
}

impl fmt::Display for TableSum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} rows, checksum {:032x}", self.rows, self.checksum)
    }
}

/// One table's verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableCheck {
    /// The table.
    #[serde(serialize_with = "table_name")]
    pub table: Table,
    /// Source side.
    pub source: TableSum,
    /// Target side.
    pub target: TableSum,
}

impl TableCheck {
    /// Whether both sides agree.
    pub fn ok(&self) -> bool {
        self.source == self.target
    }
}

/// Per-table copy functions, one set per table from the entity list.
macro_rules! tables {
    ($($Variant:ident $table:ident : $Model:ident, $id_col:ident, $Id:ident, parents [$($parent:ident),*];)+) => {
        /// A table that `copy` copies and verifies.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Table {
            $(
                #[doc = concat!("`", stringify!($table), "`.")]
                $Variant,
            )+
        }

        impl Table {
            /// Every table, in dependency order (parents first): the copy order.
            pub const ALL: &'static [Table] = &[$(Table::$Variant),+];

            /// The table called `name`, if it is one of the entities'.
            pub fn from_name(name: &str) -> Option<Table> {
                Table::ALL.iter().copied().find(|t| t.name() == name)
            }

            /// The table's name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Table::$Variant => stringify!($table),)+
                }
            }
        }

        impl fmt::Display for Table {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.name())
            }
        }

        fn copy_table(from: &mut AnyConnection, to: &mut AnyConnection, table: Table, batch: usize, progress: &mut dyn FnMut(Table, u64, bool)) -> Result<u64, CopyError> {
            match table {
                $(Table::$Variant => {
                    use crate::schema::$table::dsl as t;
                    // Resume after the last id already in the target (batches commit whole).
                    let mut after: Option<crate::types::$Id> = t::$table.select(t::$id_col).order(t::$id_col.desc()).first(to).optional()?;
                    let mut copied = 0u64;
                    loop {
                        let mut query = t::$table.select(<crate::repository::$table::$Model>::as_select()).order(t::$id_col.asc()).limit(batch as i64).into_boxed();
                        if let Some(a) = after {
                            query = query.filter(t::$id_col.gt(a));
                        }
                        let rows: Vec<crate::repository::$table::$Model> = query.load(from)?;
                        if rows.is_empty() {
                            return Ok(copied);
                        }
                        // Multi-row INSERTs go to the native connection: diesel's batch insert
                        // does not compile through the derived MultiBackend.
                        match to {
                            #[cfg(feature = "postgres")]
                            AnyConnection::Postgresql(c) => {
                                c.transaction(|c| diesel::insert_into(t::$table).values(&rows).execute(c))?;
                            }
                            #[cfg(feature = "mysql")]
                            AnyConnection::Mysql(c) => {
                                c.transaction(|c| diesel::insert_into(t::$table).values(&rows).execute(c))?;
                            }
                            #[cfg(feature = "sqlite")]
                            AnyConnection::Sqlite(c) => {
                                c.immediate_transaction(|c| diesel::insert_into(t::$table).values(&rows).execute(c))?;
                            }
                        }
                        copied += rows.len() as u64;
                        after = rows.last().map(|r| r.$id_col);
                        progress(table, copied, false);
                    }
                })+
            }
        }

        /// The count and checksum of `table`; with `check`, the first row that breaks a column
        /// rule is an error ([`crate::repository::Validate`]).
        fn sum_table(conn: &mut AnyConnection, table: Table, batch: usize, check: bool) -> Result<TableSum, CopyError> {
            match table {
                $(Table::$Variant => {
                    use crate::schema::$table::dsl as t;
                    let mut sum = TableSum::default();
                    let mut after: Option<crate::types::$Id> = None;
                    loop {
                        let mut query = t::$table.select(<crate::repository::$table::$Model>::as_select()).order(t::$id_col.asc()).limit(batch as i64).into_boxed();
                        if let Some(a) = after {
                            query = query.filter(t::$id_col.gt(a));
                        }
                        let rows: Vec<crate::repository::$table::$Model> = query.load(conn)?;
                        for row in &rows {
                            if check {
                                crate::repository::Validate::validate(row).map_err(|source| CopyError::InvalidRow {
                                    table,
                                    id: row.$id_col.to_string(),
                                    source: Box::new(source),
                                })?;
                            }
                            sum.add(row);
                        }
                        match rows.last() {
                            Some(last) => after = Some(last.$id_col),
                            None => return Ok(sum),
                        }
                    }
                })+
            }
        }

        /// Every row of `table` (deleted ones too) in its canonical form, in id order: what the
        /// checksum hashes, for a row-by-row comparison.
        pub fn canonical_rows(conn: &mut AnyConnection, table: Table) -> Result<Vec<String>, CopyError> {
            match table {
                $(Table::$Variant => {
                    use crate::schema::$table::dsl as t;
                    let rows: Vec<crate::repository::$table::$Model> = t::$table.select(<crate::repository::$table::$Model>::as_select()).order(t::$id_col.asc()).load(conn)?;
                    Ok(rows.iter().map(|r| serde_json::to_string(r).expect("models serialise")).collect())
                })+
            }
        }

        /// Rows in `table`, deleted ones included.
        pub fn count_rows(conn: &mut AnyConnection, table: Table) -> Result<u64, CopyError> {
            match table {
                $(Table::$Variant => {
                    use crate::schema::$table::dsl as t;
                    let n: i64 = t::$table.count().get_result(conn)?;
                    Ok(n as u64)
                })+
            }
        }

        fn has_rows(conn: &mut AnyConnection, table: Table) -> Result<bool, CopyError> {
            match table {
                $(Table::$Variant => {
                    use crate::schema::$table::dsl as t;
                    Ok(t::$table.select(t::$id_col).first::<crate::types::$Id>(conn).optional()?.is_some())
                })+
            }
        }
    };
}

crate::repository::entities::for_each_entity!(tables);

/// Copies everything from `from` into `to` and verifies it. `source_label` (a redacted URL) is
/// recorded in the target while the copy is in progress. `progress` hears (table, rows copied
/// so far by this run, whether the table is done).
pub fn copy(
    from: &mut AnyConnection,
    to: &mut AnyConnection,
    source_label: &str,
    resume: bool,
    batch: usize,
    progress: &mut dyn FnMut(Table, u64, bool),
) -> Result<Vec<TableCheck>, CopyError> {
    let batch = batch.max(1);
    ready_to_read(from, "source")?;
    // Every row must fit every backend before the first one is written: a copy that stopped
    // part-way on a value the target cannot hold would leave an interrupted target behind.
    for &table in Table::ALL {
        sum_table(from, table, batch, true)?;
    }
    startup::apply_migrations(to)?;
    let interrupted = startup::copy_in_progress(to)?;
    match (&interrupted, resume) {
        (Some(_), false) => return Err(CopyError::Interrupted),
        // Resuming from another database would mix its rows into the target's.
        (Some((_, recorded)), true) if recorded != source_label => {
            return Err(CopyError::OtherSource {
                recorded: recorded.clone(),
                given: source_label.to_string(),
            })
        }
        (Some(_), true) => {}
        (None, _) => {
            for &table in Table::ALL {
                if has_rows(to, table)? {
                    return Err(if resume {
                        CopyError::NothingToResume(table)
                    } else {
                        CopyError::TargetNotEmpty(table)
                    });
                }
            }
        }
    }
    let copy_id = match interrupted {
        Some((id, _)) => id,
        None => startup::begin_copy(to, source_label)?,
    };
    for &table in Table::ALL {
        let n = copy_table(from, to, table, batch, progress)?;
        progress(table, n, true);
    }
    let checks = verify(from, to, batch)?;
    let bad: Vec<String> = checks
        .iter()
        .filter(|c| !c.ok())
        .map(|c| c.table.name().to_string())
        .collect();
    if !bad.is_empty() {
        return Err(CopyError::Mismatch(bad));
    }
    startup::finish_copy(to, &copy_id)?;
    Ok(checks)
}

/// A side of a copy or a verify must have this binary's schema, no more and no less: pending
/// migrations mean an older schema, unknown ones a newer one (whose extra tables and columns a
/// copy would silently leave behind).
fn ready_to_read(conn: &mut AnyConnection, side: &'static str) -> Result<(), CopyError> {
    let status = migrations::status(conn)?;
    if !status.pending.is_empty() {
        let names: Vec<String> = status.pending.iter().map(|m| m.name.clone()).collect();
        return Err(CopyError::Pending {
            side,
            names: names.join(", "),
        });
    }
    if let Some(problem) = migrations::problems(conn)?.into_iter().next() {
        return Err(CopyError::Db(problem.into()));
    }
    Ok(())
}

/// Counts and checksums every table on both sides.
pub fn verify(
    from: &mut AnyConnection,
    to: &mut AnyConnection,
    batch: usize,
) -> Result<Vec<TableCheck>, CopyError> {
    ready_to_read(from, "source")?;
    ready_to_read(to, "target")?;
    Table::ALL
        .iter()
        .map(|&table| {
            Ok(TableCheck {
                table,
                source: sum_table(from, table, batch.max(1), false)?,
                target: sum_table(to, table, batch.max(1), false)?,
            })
        })
        .collect()
}
