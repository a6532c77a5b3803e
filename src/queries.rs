//! Named SQL queries from `queries/*.sql`, checked at build time (by `tk-sqlcheck`, from
//! `build.rs`) against the schema and the SQLite, PostgreSQL and MySQL dialects, with no database
//! running. Each file is a module; each `-- name: some-query` block a function
//! `some_query(conn, tenant, …)` returning typed rows, and its async twin
//! `some_query_async(&db, tenant, …)`. See `queries/README.md` for the format.
//!
//! A service crate keeps its own `queries/*.sql` checked against this crate's schema with one
//! call in its `build.rs` (`tk_sqlcheck::build::service_queries()`); the generated code calls
//! [`support`].
#![allow(missing_docs)]

include!(concat!(env!("OUT_DIR"), "/queries.rs"));

/// What the generated code of named queries calls — here and in service crates — so that the
/// checks before a statement runs are the repository's, and a service needs no dependency of
/// its own on diesel or serde. Not meant to be called by hand.
#[doc(hidden)]
pub mod support {
    pub use diesel;
    pub use serde;

    use crate::repository::{validate, Error, Result};
    use crate::types::TenantId;
    use crate::AnyConnection;

    /// Applies the rule `rules` (an entity's `COLUMN_RULES`) declares for `column`, as the
    /// entity's `create` and `update` do.
    pub fn column<V: validate::Value + ?Sized>(
        rules: &[(&str, Option<validate::Rule>)],
        column: &'static str,
        value: &V,
    ) -> Result<()> {
        match rules.iter().find(|(c, _)| *c == column) {
            Some((_, Some(rule))) => value.check(column, *rule),
            _ => Ok(()),
        }
    }

    /// The error of a named insert whose row points at a parent that is not live.
    pub fn missing_parent(entity: &'static str, referenced: &'static str) -> Error {
        Error::ForeignKey {
            entity,
            referenced,
            source: None,
        }
    }

    /// A named insert into a tenant's table, as the repository inserts: in one write
    /// transaction, after checking that the tenant is live and `check` passes; a unique
    /// violation becomes `entity`'s Conflict. Returns the inserted row count.
    pub fn insert_owned(
        conn: &mut AnyConnection,
        entity: &'static str,
        unique: &str,
        tenant: TenantId,
        check: impl FnOnce(&mut AnyConnection) -> Result<()>,
        insert: impl FnOnce(&mut AnyConnection) -> diesel::QueryResult<usize>,
    ) -> Result<usize> {
        let mut count = 0;
        crate::repository::insert_owned(conn, entity, unique, tenant, check, |conn| {
            count = insert(conn)?;
            Ok(count)
        })?;
        Ok(count)
    }

    /// A LIMIT or OFFSET value: PostgreSQL refuses a negative one, SQLite reads it as "no
    /// limit"; refused before the statement runs on all three.
    pub fn non_negative(field: &'static str, value: i64) -> Result<()> {
        if value < 0 {
            return Err(Error::validation(
                field,
                "must not be negative (LIMIT/OFFSET)",
            ));
        }
        Ok(())
    }

    /// Free text written to a text column: the portable limit the repository holds it to.
    pub fn text_bytes(field: &'static str, value: &str) -> Result<()> {
        let bytes = value.len();
        if bytes > validate::MAX_TEXT_BYTES {
            return Err(Error::validation(
                field,
                format!(
                    "must be at most {} bytes (UTF-8), got {bytes}",
                    validate::MAX_TEXT_BYTES
                ),
            ));
        }
        Ok(())
    }

    /// Text written to a `VARCHAR(max)` column (PostgreSQL and MySQL refuse more, SQLite would
    /// store it).
    pub fn max_chars(field: &'static str, value: &str, max: usize) -> Result<()> {
        let chars = value.chars().count();
        if chars > max {
            return Err(Error::validation(
                field,
                format!("must be at most {max} characters, got {chars}"),
            ));
        }
        Ok(())
    }

    /// Most values one list parameter takes: well under the engines' limits on placeholders
    /// per statement (SQLite 32,766; PostgreSQL and MySQL 65,535). A longer list belongs in
    /// several calls.
    pub const MAX_LIST_VALUES: usize = 10_000;

    /// A `-- list:` parameter's length.
    pub fn list(field: &'static str, len: usize) -> Result<()> {
        if len > MAX_LIST_VALUES {
            return Err(Error::validation(
                field,
                format!("must hold at most {MAX_LIST_VALUES} values, got {len}"),
            ));
        }
        Ok(())
    }

    /// Text written to a JSON column.
    pub fn json(field: &'static str, value: &str) -> Result<()> {
        validate::json(field, value)
    }
}
