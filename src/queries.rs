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

    /// A `-- list:` parameter's values, where the statement says `column IN (…)`: on
    /// PostgreSQL one array bind, `= ANY($n)` (one statement for every length, cached, as
    /// diesel's `eq_any`); on SQLite and MySQL one placeholder per value, `IN (?, …)`, and
    /// `IN (NULL)` for none — a statement per length, so not cached (one per length would fill
    /// the statement cache and MySQL's `max_prepared_stmt_count`). Both filter every row for an
    /// empty list, as the checker allows lists only as a top-level AND term of WHERE.
    pub struct InList<'a, ST, T> {
        values: &'a [T],
        sql_type: std::marker::PhantomData<ST>,
    }

    /// [`InList`] of `values`, each bound as `ST`.
    pub fn in_list<ST, T>(values: &[T]) -> InList<'_, ST, T> {
        InList {
            values,
            sql_type: std::marker::PhantomData,
        }
    }

    impl<ST, T> InList<'_, ST, T> {
        /// `IN (?, …)`: one placeholder per value (SQLite, MySQL).
        #[cfg_attr(not(any(feature = "sqlite", feature = "mysql")), allow(dead_code))]
        fn placeholders<'b, DB>(
            &'b self,
            mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
        ) -> diesel::QueryResult<()>
        where
            DB: diesel::backend::Backend + diesel::sql_types::HasSqlType<ST>,
            T: diesel::serialize::ToSql<ST, DB>,
        {
            out.unsafe_to_cache_prepared();
            out.push_sql(" IN (");
            if self.values.is_empty() {
                out.push_sql("NULL");
            }
            for (i, value) in self.values.iter().enumerate() {
                if i > 0 {
                    out.push_sql(", ");
                }
                out.push_bind_param::<ST, T>(value)?;
            }
            out.push_sql(")");
            Ok(())
        }
    }

    #[cfg(feature = "postgres")]
    impl<ST: 'static, T> diesel::query_builder::QueryFragment<diesel::pg::Pg> for InList<'_, ST, T>
    where
        diesel::pg::Pg: diesel::sql_types::HasSqlType<ST>,
        [T]: diesel::serialize::ToSql<diesel::sql_types::Array<ST>, diesel::pg::Pg>,
    {
        fn walk_ast<'b>(
            &'b self,
            mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
        ) -> diesel::QueryResult<()> {
            out.push_sql(" = ANY(");
            out.push_bind_param::<diesel::sql_types::Array<ST>, [T]>(self.values)?;
            out.push_sql(")");
            Ok(())
        }
    }

    #[cfg(feature = "sqlite")]
    impl<ST, T> diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for InList<'_, ST, T>
    where
        diesel::sqlite::Sqlite: diesel::sql_types::HasSqlType<ST>,
        T: diesel::serialize::ToSql<ST, diesel::sqlite::Sqlite>,
    {
        fn walk_ast<'b>(
            &'b self,
            out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
        ) -> diesel::QueryResult<()> {
            self.placeholders(out)
        }
    }

    #[cfg(feature = "mysql")]
    impl<ST, T> diesel::query_builder::QueryFragment<diesel::mysql::Mysql> for InList<'_, ST, T>
    where
        diesel::mysql::Mysql: diesel::sql_types::HasSqlType<ST>,
        T: diesel::serialize::ToSql<ST, diesel::mysql::Mysql>,
    {
        fn walk_ast<'b>(
            &'b self,
            out: diesel::query_builder::AstPass<'_, 'b, diesel::mysql::Mysql>,
        ) -> diesel::QueryResult<()> {
            self.placeholders(out)
        }
    }

    impl<ST, T> diesel::query_builder::QueryFragment<crate::connection::MultiBackend>
        for InList<'_, ST, T>
    where
        Self: crate::connection::BackendFragment,
    {
        fn walk_ast<'b>(
            &'b self,
            pass: diesel::query_builder::AstPass<'_, 'b, crate::connection::MultiBackend>,
        ) -> diesel::QueryResult<()> {
            crate::connection::MultiBackend::walk_variant_ast(self, pass)
        }
    }

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

    /// The checks of row `index` of a batch: a refusal says which row (`invalid metadata: is
    /// not valid JSON … (rows[3])`), so a caller with thousands can find it.
    pub fn row_checked(index: usize, checks: impl FnOnce() -> Result<()>) -> Result<()> {
        checks().map_err(|e| match e {
            Error::Validation { field, reason } => Error::Validation {
                field,
                reason: format!("{reason} (rows[{index}])"),
            },
            other => other,
        })
    }
}
