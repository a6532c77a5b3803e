//! The repository: typed create/get/list/update/soft-delete per entity, on top of the unified
//! schema.
//!
//! Rules every function here follows:
//! - Ids are UUIDv7 made in the application; `created_at = modified_at = now` on create.
//! - Every read and write starts from [`live`](tenants::live)-style scopes (one per table, made by
//!   one macro): the row's tenant and `deleted_at IS NULL`. No call reads or changes another
//!   tenant's rows; deleted rows are invisible except through the `audit_*` functions.
//! - Input is validated before anything is written ([`Error::Validation`]).
//! - Soft deletes cascade in the application, in one write transaction, with one `deleted_at` for
//!   the parent and all its children, one statement per child table.
//!
//! Each function takes `&mut AnyConnection` (the sync API). The async API runs the very same
//! function in one blocking hop: `db.run(move |c| rules::get(c, tenant, id)).await`, or the typed
//! wrappers on [`Repo`].

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::error::Disposition;

pub mod api_keys;
pub mod configurations;
pub mod entities;
pub mod rule_sensors;
pub mod rules;
pub mod sensors;
pub mod tenants;
pub mod users;

mod async_api;

pub use async_api::Repo;

/// Most rows one `list` call returns.
pub const MAX_PAGE: i64 = 1_000;

/// Repository errors. The public message never carries a driver message; that is kept as the
/// error's source.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No live row with this id in this tenant.
    #[error("{entity} {id} not found")]
    NotFound {
        /// The entity (`rule`).
        entity: &'static str,
        /// The id looked for.
        id: String,
    },
    /// A unique constraint: a duplicate username, API key, or live configuration key.
    #[error("{entity} conflicts with an existing one: {what}")]
    Conflict {
        /// The entity.
        entity: &'static str,
        /// What collided.
        what: String,
        /// The driver's error.
        #[source]
        source: Option<DieselError>,
    },
    /// A referenced row is missing or deleted.
    #[error("{entity} refers to a missing or deleted {referenced}")]
    ForeignKey {
        /// The entity being written.
        entity: &'static str,
        /// The entity it refers to.
        referenced: &'static str,
        /// The driver's error, when the database caught it.
        #[source]
        source: Option<DieselError>,
    },
    /// Invalid input; nothing was written.
    #[error("invalid {field}: {reason}")]
    Validation {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The database could not be reached or the connection broke. Retryable.
    #[error("database unavailable")]
    Unavailable {
        /// What happened.
        #[source]
        source: crate::Error,
    },
    /// A wait ran out (pool checkout, lock wait). Retryable.
    #[error("database timeout")]
    Timeout {
        /// What happened.
        #[source]
        source: crate::Error,
    },
    /// The connection was lost while a commit was under way: the change may or may not have
    /// been applied. Not retryable as is: read back (or retry only an idempotent change).
    #[error(
        "the connection was lost during the commit; the change may or may not have been applied"
    )]
    OutcomeUnknown {
        /// What happened.
        #[source]
        source: crate::Error,
    },
    /// Any other database error.
    #[error("database error")]
    Database {
        /// What happened.
        #[source]
        source: crate::Error,
    },
}

impl Error {
    /// What kind of failure this is: the same classification as [`crate::Error::kind`].
    pub fn kind(&self) -> crate::error::ErrorKind {
        use crate::error::ErrorKind as K;
        match self {
            Error::NotFound { .. } => K::NotFound,
            Error::Conflict { .. } => K::Conflict,
            Error::ForeignKey { .. } => K::ForeignKey,
            Error::Validation { .. } => K::Validation,
            Error::Unavailable { .. } => K::Unavailable,
            Error::Timeout { .. } => K::Timeout,
            Error::OutcomeUnknown { .. } => K::OutcomeUnknown,
            Error::Database { source } => source.kind(),
        }
    }

    /// Whether trying again later may succeed: `self.kind().is_retryable()`.
    pub fn is_retryable(&self) -> bool {
        self.kind().is_retryable()
    }

    pub(crate) fn not_found(entity: &'static str, id: impl std::fmt::Display) -> Self {
        Error::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub(crate) fn validation(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Validation {
            field,
            reason: reason.into(),
        }
    }

    /// Turns a unique or foreign-key violation reported by the database into the typed error for
    /// `entity`.
    pub(crate) fn for_entity(
        self,
        entity: &'static str,
        unique_what: &str,
        referenced: &'static str,
    ) -> Self {
        // Only the generic errors made from a driver error are named here; errors the
        // repository raised itself already say what they are about.
        match self {
            Error::Conflict {
                entity: GENERIC,
                source,
                ..
            } => Error::Conflict {
                entity,
                what: unique_what.to_string(),
                source,
            },
            Error::ForeignKey {
                entity: GENERIC,
                source,
                ..
            } => Error::ForeignKey {
                entity,
                referenced,
                source,
            },
            other => other,
        }
    }
}

/// The entity named in errors converted from a driver error before the repository names them.
const GENERIC: &str = "row";

impl From<DieselError> for Error {
    fn from(e: DieselError) -> Self {
        match &e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Error::Conflict {
                entity: GENERIC,
                what: "a unique value".into(),
                source: Some(e),
            },
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                Error::ForeignKey {
                    entity: GENERIC,
                    referenced: GENERIC,
                    source: Some(e),
                }
            }
            _ => match crate::error::classify(&e) {
                Disposition::ConnectionLost => Error::Unavailable {
                    source: crate::Error::Query(e),
                },
                Disposition::Contention => Error::Timeout {
                    source: crate::Error::Query(e),
                },
                Disposition::OutcomeUnknown => Error::OutcomeUnknown {
                    source: crate::Error::Query(e),
                },
                Disposition::Permanent => Error::Database {
                    source: crate::Error::Query(e),
                },
            },
        }
    }
}

impl From<crate::Error> for Error {
    fn from(e: crate::Error) -> Self {
        match e {
            crate::Error::Query(q) => q.into(),
            crate::Error::PoolTimeout { .. } => Error::Timeout { source: e },
            crate::Error::Connect { .. } | crate::Error::Unreachable { .. } => {
                Error::Unavailable { source: e }
            }
            other => Error::Database { source: other },
        }
    }
}

/// Result of repository calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What a soft delete touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Deleted {
    /// The `deleted_at` given to the row and its children.
    pub deleted_at: crate::types::Timestamp,
    /// Children soft-deleted with it.
    pub children: usize,
}

/// A page request for keyset pagination on the id (UUIDv7 ids sort by creation time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page<Id> {
    /// Return rows with ids greater than this one.
    pub after: Option<Id>,
    /// At most this many rows (1 to [`MAX_PAGE`]).
    pub limit: i64,
}

impl<Id> Page<Id> {
    /// The first `limit` rows.
    pub fn first(limit: i64) -> Self {
        Self { after: None, limit }
    }

    pub(crate) fn checked_limit(&self) -> Result<i64> {
        if (1..=MAX_PAGE).contains(&self.limit) {
            Ok(self.limit)
        } else {
            Err(Error::validation(
                "limit",
                format!("must be between 1 and {MAX_PAGE}, got {}", self.limit),
            ))
        }
    }
}

/// Validation shared by the entities.
pub mod validate {
    use super::{Error, Result};

    /// A name: 1–`max` characters, no control characters except tab, LF and CR.
    pub fn name(field: &'static str, value: &str, max: usize) -> Result<()> {
        let count = value.chars().count();
        if count == 0 {
            return Err(Error::validation(field, "must not be empty"));
        }
        if count > max {
            return Err(Error::validation(
                field,
                format!("must be at most {max} characters, got {count}"),
            ));
        }
        text(field, value)
    }

    /// A unique identifier (username, configuration key): a [`name`] that does not start or end
    /// with whitespace. MySQL's PAD SPACE collations compare `"k"` and `"k "` as equal, so such
    /// a value would collide (or be found by the other's lookup) on MySQL and not elsewhere;
    /// refusing it keeps the three backends alike.
    pub fn identifier(field: &'static str, value: &str, max: usize) -> Result<()> {
        name(field, value, max)?;
        if value.trim() != value {
            return Err(Error::validation(
                field,
                "must not start or end with whitespace",
            ));
        }
        Ok(())
    }

    /// Free text: no control characters except tab, LF and CR.
    pub fn text(field: &'static str, value: &str) -> Result<()> {
        if let Some(c) = value
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err(Error::validation(
                field,
                format!("contains control character U+{:04X}", c as u32),
            ));
        }
        Ok(())
    }

    /// The name (1–128 characters) and free-text description of a named entity (sensors,
    /// rules); `None`: not being written.
    pub fn named(name: Option<&str>, description: Option<&str>) -> Result<()> {
        if let Some(n) = name {
            self::name("name", n, 128)?;
        }
        if let Some(d) = description {
            text("description", d)?;
        }
        Ok(())
    }

    /// A JSON document.
    pub fn json(field: &'static str, value: &str) -> Result<()> {
        serde_json::from_str::<serde_json::Value>(value)
            .map(drop)
            .map_err(|e| Error::validation(field, format!("is not valid JSON: {e}")))
    }
}

/// An entity's model and new-row types, declared once. The model is the row of `$table`, with
/// the derives every model has and the columns every table has — its id (and `tenant_id`, for
/// `owned` tables) first, then the `new` columns (what a caller gives), then the `set` columns
/// (`Option`s a new row starts without), then `created_at`, `modified_at`, `deleted_at`: the
/// table's column order, which named queries load by position. `$Model::from_new` makes the row a
/// new one becomes: a fresh UUIDv7 id, created and modified now. `None` binds NULL, so every
/// insert has one SQL text and its prepared statement is cached (with DEFAULT per `None` field
/// it is re-prepared each time: 1.5x slower on MySQL, measured).
macro_rules! row_model {
    (
        $(#[$meta:meta])* owned $table:ident: $Model:ident, $id:ident: $Id:ident;
        $(#[$new_meta:meta])* new $New:ident { $($(#[$nm:meta])* $nf:ident: $nt:ty),* $(,)? }
        $(set { $($(#[$sm:meta])* $sf:ident: $st:ty),* $(,)? })?
    ) => {
        $crate::repository::row_model! { @model $(#[$meta])* $table: $Model {
            #[doc = "Id."]
            pub $id: $crate::types::$Id,
            #[doc = "Owning tenant."]
            pub tenant_id: $crate::types::TenantId,
            $($(#[$nm])* pub $nf: $nt,)*
            $($($(#[$sm])* pub $sf: $st,)*)?
        } }
        $crate::repository::row_model! { @new $(#[$new_meta])* $New { $($(#[$nm])* $nf: $nt),* } }

        impl $Model {
            /// The row `new` becomes in `tenant`.
            fn from_new(tenant: $crate::types::TenantId, new: $New) -> Self {
                let now = $crate::types::Timestamp::now();
                Self {
                    $id: $crate::types::$Id::new(),
                    tenant_id: tenant,
                    $($nf: new.$nf,)*
                    $($($sf: None,)*)?
                    created_at: now,
                    modified_at: now,
                    deleted_at: None,
                }
            }
        }
    };
    (
        $(#[$meta:meta])* root $table:ident: $Model:ident, $id:ident: $Id:ident;
        $(#[$new_meta:meta])* new $New:ident { $($(#[$nm:meta])* $nf:ident: $nt:ty),* $(,)? }
    ) => {
        $crate::repository::row_model! { @model $(#[$meta])* $table: $Model {
            #[doc = "Id."]
            pub $id: $crate::types::$Id,
            $($(#[$nm])* pub $nf: $nt,)*
        } }
        $crate::repository::row_model! { @new $(#[$new_meta])* $New { $($(#[$nm])* $nf: $nt),* } }

        impl $Model {
            /// The row `new` becomes.
            fn from_new(new: $New) -> Self {
                let now = $crate::types::Timestamp::now();
                Self {
                    $id: $crate::types::$Id::new(),
                    $($nf: new.$nf,)*
                    created_at: now,
                    modified_at: now,
                    deleted_at: None,
                }
            }
        }
    };
    (@model $(#[$meta:meta])* $table:ident: $Model:ident { $($body:tt)* }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, PartialEq, diesel::Queryable, diesel::Selectable, diesel::QueryableByName,
            diesel::Insertable, serde::Serialize, serde::Deserialize,
        )]
        #[diesel(table_name = $crate::schema::$table)]
        #[diesel(treat_none_as_default_value = false)]
        pub struct $Model {
            $($body)*
            /// When it was created.
            pub created_at: $crate::types::Timestamp,
            /// When it last changed.
            pub modified_at: $crate::types::Timestamp,
            /// When it was deleted; `None` while live.
            pub deleted_at: Option<$crate::types::Timestamp>,
        }
    };
    (@new $(#[$meta:meta])* $New:ident { $($(#[$nm:meta])* $nf:ident: $nt:ty),* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct $New {
            $($(#[$nm])* pub $nf: $nt,)*
        }
    };
}

pub(crate) use row_model;

/// Text enums stored in `VARCHAR` columns.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
                 diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::repository::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::repository::Error::validation(
                        $field,
                        format!("{s:?} is not one of {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }

        $crate::repository::text_enum_sql!($name, $crate::connection::MultiBackend, $crate::connection::MultiRawValue<'_>);
        #[cfg(feature = "postgres")]
        $crate::repository::text_enum_sql!($name, diesel::pg::Pg, diesel::pg::PgValue<'_>);
        #[cfg(feature = "mysql")]
        $crate::repository::text_enum_sql!($name, diesel::mysql::Mysql, diesel::mysql::MysqlValue<'_>);
        #[cfg(feature = "sqlite")]
        $crate::repository::text_enum_sql!($name, diesel::sqlite::Sqlite, diesel::sqlite::SqliteValue<'_, '_, '_>);
    };
}

pub(crate) use text_enum;

/// `ToSql`/`FromSql` of a text enum for one backend: its text, through `str`/`String`.
macro_rules! text_enum_sql {
    ($name:ident, $db:ty, $raw:ty) => {
        impl diesel::serialize::ToSql<diesel::sql_types::Text, $db> for $name {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, $db>) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, $db>>::to_sql(self.as_str(), out)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, $db> for $name {
            fn from_sql(value: $raw) -> diesel::deserialize::Result<Self> {
                let s = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, $db>>::from_sql(value)?;
                Ok(s.parse()?)
            }
        }
    };
}

pub(crate) use text_enum_sql;

/// The scope every query of a tenant-owned table starts from, and the reads built on it: one
/// macro, so the predicates are written once.
macro_rules! tenant_scoped {
    ($table:ident, $id_col:ident, $Id:ty, $Model:ty, $Changes:ty, $entity:expr, unique: $unique:literal) => {
        /// Live rows of `tenant`: the scope every read and write of this table starts from.
        #[diesel::dsl::auto_type(no_type_alias)]
        pub fn live(tenant: $crate::types::TenantId) -> _ {
            $crate::schema::$table::table
                .filter($crate::schema::$table::tenant_id.eq(tenant))
                .filter($crate::schema::$table::deleted_at.is_null())
        }

        /// The live row `id` of `tenant`.
        pub fn get(
            conn: &mut $crate::AnyConnection,
            tenant: $crate::types::TenantId,
            id: $Id,
        ) -> $crate::repository::Result<$Model> {
            live(tenant)
                .filter($crate::schema::$table::$id_col.eq(id))
                .select(<$Model>::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(|| $crate::repository::Error::not_found($entity, id))
        }

        /// Live rows of `tenant`, oldest first, after `page.after`.
        pub fn list(
            conn: &mut $crate::AnyConnection,
            tenant: $crate::types::TenantId,
            page: $crate::repository::Page<$Id>,
        ) -> $crate::repository::Result<Vec<$Model>> {
            let limit = page.checked_limit()?;
            let mut query = live(tenant).select(<$Model>::as_select()).into_boxed();
            if let Some(after) = page.after {
                query = query.filter($crate::schema::$table::$id_col.gt(after));
            }
            Ok(query
                .order($crate::schema::$table::$id_col.asc())
                .limit(limit)
                .load(conn)?)
        }

        /// For audits only: the row `id` of `tenant` whether or not it was deleted.
        pub fn audit_get_including_deleted(
            conn: &mut $crate::AnyConnection,
            tenant: $crate::types::TenantId,
            id: $Id,
        ) -> $crate::repository::Result<$Model> {
            $crate::schema::$table::table
                .filter($crate::schema::$table::tenant_id.eq(tenant))
                .filter($crate::schema::$table::$id_col.eq(id))
                .select(<$Model>::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(|| $crate::repository::Error::not_found($entity, id))
        }

        /// Applies `changes` to the live row `id` of `tenant` and bumps `modified_at`.
        pub fn update(
            conn: &mut $crate::AnyConnection,
            tenant: $crate::types::TenantId,
            id: $Id,
            changes: $Changes,
        ) -> $crate::repository::Result<$Model> {
            changes.validate()?;
            conn.write_transaction(|conn| {
                let n = diesel::update(live(tenant).filter($crate::schema::$table::$id_col.eq(id)))
                    .set((
                        &changes,
                        $crate::schema::$table::modified_at.eq($crate::types::Timestamp::now()),
                    ))
                    .execute(conn)?;
                if n == 0 {
                    return Err($crate::repository::Error::not_found($entity, id));
                }
                get(conn, tenant, id)
            })
            .map_err(|e: $crate::repository::Error| e.for_entity($entity, $unique, "tenant"))
        }

        /// Soft-deletes the live row `id` and, in the same write transaction and with the same
        /// `deleted_at`, whatever `cascade` marks (it returns how many children it touched).
        pub(crate) fn soft_delete_with(
            conn: &mut $crate::AnyConnection,
            tenant: $crate::types::TenantId,
            id: $Id,
            cascade: impl FnOnce(
                &mut $crate::AnyConnection,
                $crate::types::Timestamp,
            ) -> $crate::repository::Result<usize>,
        ) -> $crate::repository::Result<$crate::repository::Deleted> {
            conn.write_transaction(|conn| {
                let now = $crate::types::Timestamp::now();
                if !mark_deleted(conn, tenant, id, now)? {
                    return Err($crate::repository::Error::not_found($entity, id));
                }
                let children = cascade(conn, now)?;
                Ok($crate::repository::Deleted {
                    deleted_at: now,
                    children,
                })
            })
        }

        /// Marks the live row `id` deleted at `now`; false if there was none.
        pub(crate) fn mark_deleted(
            conn: &mut $crate::AnyConnection,
            tenant: $crate::types::TenantId,
            id: $Id,
            now: $crate::types::Timestamp,
        ) -> $crate::repository::Result<bool> {
            let n = diesel::update(live(tenant).filter($crate::schema::$table::$id_col.eq(id)))
                .set((
                    $crate::schema::$table::deleted_at.eq(now),
                    $crate::schema::$table::modified_at.eq(now),
                ))
                .execute(conn)?;
            Ok(n > 0)
        }

        /// Marks every live row of `tenant` deleted at `now` (a tenant cascade); returns how many.
        pub(crate) fn mark_all_deleted(
            conn: &mut $crate::AnyConnection,
            tenant: $crate::types::TenantId,
            now: $crate::types::Timestamp,
        ) -> $crate::repository::Result<usize> {
            Ok(diesel::update(live(tenant))
                .set((
                    $crate::schema::$table::deleted_at.eq(now),
                    $crate::schema::$table::modified_at.eq(now),
                ))
                .execute(conn)?)
        }

        /// Inserts `row` in one write transaction, after checking that its tenant is live and
        /// that `check` (further references) passes; a unique violation becomes this entity's
        /// Conflict.
        pub(crate) fn insert(
            conn: &mut $crate::AnyConnection,
            row: &$Model,
            check: impl FnOnce(&mut $crate::AnyConnection) -> $crate::repository::Result<()>,
        ) -> $crate::repository::Result<()> {
            $crate::repository::insert_owned(conn, $entity, $unique, row.tenant_id, check, |conn| {
                diesel::insert_into($crate::schema::$table::table)
                    .values(row)
                    .execute(conn)
            })
        }

        /// Whether `id` is a live row of `tenant` (for references from other tables).
        pub fn is_live(
            conn: &mut $crate::AnyConnection,
            tenant: $crate::types::TenantId,
            id: $Id,
        ) -> $crate::repository::Result<bool> {
            let n: i64 = live(tenant)
                .filter($crate::schema::$table::$id_col.eq(id))
                .count()
                .get_result(conn)?;
            Ok(n > 0)
        }
    };
}

pub(crate) use tenant_scoped;

/// Inserts a row owned by `tenant`: in one write transaction, after checking that the tenant
/// is live (the database's foreign key cannot see soft deletes). `check` runs next, for further
/// references; a unique violation becomes a Conflict described by `unique`.
pub(crate) fn insert_owned(
    conn: &mut crate::AnyConnection,
    entity: &'static str,
    unique: &str,
    tenant: crate::types::TenantId,
    check: impl FnOnce(&mut crate::AnyConnection) -> Result<()>,
    insert: impl FnOnce(&mut crate::AnyConnection) -> diesel::QueryResult<usize>,
) -> Result<()> {
    conn.write_transaction(|conn| {
        if !tenants::is_live(conn, tenant)? {
            return Err(Error::ForeignKey {
                entity,
                referenced: "tenant",
                source: None,
            });
        }
        check(conn)?;
        insert(conn)?;
        Ok(())
    })
    .map_err(|e: Error| e.for_entity(entity, unique, "tenant"))
}
