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
            crate::Error::Connect { .. } | crate::Error::Unreachable { .. }
                if e.kind() == crate::error::ErrorKind::Unavailable =>
            {
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

    /// Most bytes (UTF-8) a free-text or JSON column holds: what MySQL's `TEXT` holds, the
    /// smallest of the three backends. One limit for all three keeps a value accepted on one
    /// backend accepted on the others (and `db copy` from one to another complete).
    pub const MAX_TEXT_BYTES: usize = 65_535;

    /// What a column accepts. Declared once per column in its entity's `row_model!`; applied
    /// to new rows, changes and copied rows alike.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Rule {
        /// A [`name`] of 1 to n characters.
        Name(usize),
        /// An [`identifier`] of 1 to n characters.
        Identifier(usize),
        /// Free [`text`] of at most [`MAX_TEXT_BYTES`].
        Text,
        /// A [`json`] document of at most [`MAX_TEXT_BYTES`].
        Json,
        /// A [`json`] array of at most [`MAX_TEXT_BYTES`].
        JsonArray,
        /// A SHA-256 digest: 64 lowercase hexadecimal characters.
        Sha256Hex,
        /// A number from 0 to 1.
        Fraction,
        /// One of these texts: a text enum's values (`RuleState::TEXTS`), which a named query
        /// writes as text.
        OneOf(&'static [&'static str]),
    }

    /// A column value a [`Rule`] applies to.
    pub trait Value {
        /// Checks `self`, the value of `field`, against `rule`.
        fn check(&self, field: &'static str, rule: Rule) -> Result<()>;
    }

    impl Value for String {
        fn check(&self, field: &'static str, rule: Rule) -> Result<()> {
            self.as_str().check(field, rule)
        }
    }

    impl Value for str {
        fn check(&self, field: &'static str, rule: Rule) -> Result<()> {
            match rule {
                Rule::Name(max) => name(field, self, max),
                Rule::Identifier(max) => identifier(field, self, max),
                Rule::Text => text(field, self),
                Rule::Json => json(field, self),
                Rule::JsonArray => {
                    json(field, self)?;
                    if serde_json::from_str::<serde_json::Value>(self).is_ok_and(|v| v.is_array()) {
                        Ok(())
                    } else {
                        Err(Error::validation(field, "must be a JSON array"))
                    }
                }
                Rule::Sha256Hex => sha256_hex(field, self),
                Rule::OneOf(values) if values.contains(&self) => Ok(()),
                Rule::OneOf(values) => Err(Error::validation(
                    field,
                    format!("{self:?} is not one of {}", values.join(", ")),
                )),
                Rule::Fraction => Err(mismatch(field, rule)),
            }
        }
    }

    impl Value for f64 {
        fn check(&self, field: &'static str, rule: Rule) -> Result<()> {
            match rule {
                Rule::Fraction if (0.0..=1.0).contains(self) => Ok(()),
                Rule::Fraction => Err(Error::validation(
                    field,
                    format!("must be between 0 and 1, got {self}"),
                )),
                other => Err(mismatch(field, other)),
            }
        }
    }

    impl<T: Value> Value for Option<T> {
        fn check(&self, field: &'static str, rule: Rule) -> Result<()> {
            self.as_ref().map_or(Ok(()), |v| v.check(field, rule))
        }
    }

    /// A rule declared on a column of another type: a mistake in an entity's declaration, which
    /// every test writing a valid row of it would catch.
    fn mismatch(field: &'static str, rule: Rule) -> Error {
        Error::validation(
            field,
            format!("the rule {rule:?} does not apply to this column"),
        )
    }

    /// A name: 1–`max` characters, not only white space, no control characters (not even tab
    /// or line breaks: a name is one line).
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
        if value.trim().is_empty() {
            return Err(Error::validation(field, "must not be only white space"));
        }
        // A name is one line: a tab or line break would break every table it is shown in.
        if let Some(c) = value.chars().find(|c| c.is_control()) {
            return Err(Error::validation(
                field,
                format!("contains control character U+{:04X}", c as u32),
            ));
        }
        Ok(())
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

    /// Free text: at most [`MAX_TEXT_BYTES`], no control characters except tab, LF and CR.
    pub fn text(field: &'static str, value: &str) -> Result<()> {
        fits(field, value)?;
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

    /// A JSON document of at most [`MAX_TEXT_BYTES`].
    pub fn json(field: &'static str, value: &str) -> Result<()> {
        fits(field, value)?;
        serde_json::from_str::<serde_json::Value>(value)
            .map(drop)
            .map_err(|e| Error::validation(field, format!("is not valid JSON: {e}")))
    }

    /// 64 lowercase hexadecimal characters.
    pub fn sha256_hex(field: &'static str, value: &str) -> Result<()> {
        let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        if value.len() == 64 && value.bytes().all(hex) {
            Ok(())
        } else {
            Err(Error::validation(
                field,
                "must be 64 lowercase hexadecimal characters (SHA-256)",
            ))
        }
    }

    fn fits(field: &'static str, value: &str) -> Result<()> {
        if value.len() > MAX_TEXT_BYTES {
            return Err(Error::validation(
                field,
                format!(
                    "must be at most {MAX_TEXT_BYTES} bytes (UTF-8), got {}",
                    value.len()
                ),
            ));
        }
        Ok(())
    }
}

/// An entity declared once: its model, new-row and changes types, the rule of every column it
/// writes, and (for `owned` tables) the tenant-scoped functions of [`tenant_scoped!`] plus
/// `create` and `soft_delete`.
///
/// The model is the row of `$table`, with the derives every model has and the columns every
/// table has — its id (and `tenant_id`, for `owned` tables) first, then the `new` columns (what a
/// caller gives), then the `set` columns (`Option`s a new row starts without), then
/// `created_at`, `modified_at`, `deleted_at`: the table's column order, which named queries load
/// by position. `$Model::from_new` makes the row a new one becomes: a fresh UUIDv7 id, created
/// and modified now. `None` binds NULL, so every insert has one SQL text and its prepared
/// statement is cached (with DEFAULT per `None` field it is re-prepared each time: 1.5x slower on
/// MySQL, measured).
///
/// A column's rule (`name: String => Name(128)`, a [`validate::Rule`]) is the one place its
/// limits live: [`Validate`] of the new row, of the changes and of the model (what `db copy`
/// checks) all apply it. `references f;` names a check of further references a new row must
/// pass; `cascade f;` what its soft delete marks deleted with it.
macro_rules! row_model {
    (
        $(#[$meta:meta])* owned $table:ident: $Model:ident, $id:ident: $Id:ident, $entity:literal, unique $unique:literal;
        $(#[$new_meta:meta])* new $New:ident { $($(#[$nm:meta])* $nf:ident: $nt:ty $(=> $nrule:expr)?),* $(,)? }
        $(set { $($(#[$sm:meta])* $sf:ident: $st:ty $(=> $srule:expr)?),* $(,)? })?
        $(#[$ch_meta:meta])* changes $Changes:ident $({ $($(#[$cm:meta])* $cf:ident: $ct:ty),* $(,)? })?;
        $(references $refs:path;)?
        $(cascade $cascade:path;)?
    ) => {
        $crate::repository::row_model! { @model $entity $(#[$meta])* $table: $Model {
            #[doc = "Id."]
            pub $id: $crate::types::$Id,
            #[doc = "Owning tenant."]
            pub tenant_id: $crate::types::TenantId,
            $($(#[$nm])* pub $nf: $nt,)*
            $($($(#[$sm])* pub $sf: $st,)*)?
        } }
        $crate::repository::row_model! { @new $(#[$new_meta])* $New { $($(#[$nm])* $nf: $nt),* } }
        $crate::repository::row_model! { @changes $table $(#[$ch_meta])* $Changes $({ $($(#[$cm])* $cf: $ct),* })? }
        $crate::repository::row_model! { @rules $New $Model
            { $($nf: $nt $(=> $nrule)?,)* $($($sf: $st $(=> $srule)?,)*)? }
            { $($nf)* } { $($($sf)*)? }
        }

        impl $Model {
            /// The row's id.
            pub fn id(&self) -> $crate::types::$Id {
                self.$id
            }

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

        $crate::repository::tenant_scoped!($table, $id, $crate::types::$Id, $Model, $Changes, ENTITY, unique: $unique);

        /// What a unique violation of this table means (the Conflict's description).
        pub const UNIQUE: &str = $unique;

        #[doc = concat!("Creates a ", $entity, " in a live tenant (after [`Validate`](crate::repository::Validate)",
                        $crate::repository::row_model!(@doc_if [$($refs)?] " and the check that its references are live rows of the tenant"), ").")]
        pub fn create(
            conn: &mut $crate::AnyConnection,
            tenant: $crate::types::TenantId,
            new: $New,
        ) -> $crate::repository::Result<$Model> {
            $crate::repository::Validate::validate(&new)?;
            let row = <$Model>::from_new(tenant, new);
            let stored = row.clone();
            $crate::repository::write_blocking(conn, move |c| Box::pin(async move { insert_on(c, &row).await }))
                .map_err(|e| e.for_entity($entity, $unique, "tenant"))?;
            Ok(stored)
        }

        #[doc = concat!("[`create`] from async code, in one write transaction on the backend's fastest connection ([`Database::unit_write`](crate::Database::unit_write): native async on PostgreSQL and MySQL).")]
        pub async fn create_async(
            db: &$crate::Database,
            tenant: $crate::types::TenantId,
            new: $New,
        ) -> $crate::repository::Result<$Model> {
            $crate::repository::Validate::validate(&new)?;
            let row = <$Model>::from_new(tenant, new);
            let stored = row.clone();
            db.unit_write(move |c| Box::pin(async move { insert_on(c, &row).await }))
                .await
                .map_err(|e: $crate::repository::Error| e.for_entity($entity, $unique, "tenant"))?;
            Ok(stored)
        }

        /// Inserts `row`, inside the caller's write transaction, after the checks every new row
        /// of this table passes: its tenant is live, and (links) so are the rows it references.
        async fn insert_on(
            mut conn: $crate::native::UnitConnection<'_>,
            row: &$Model,
        ) -> $crate::repository::Result<()> {
            $crate::repository::tenants::require_live_on(conn.reborrow(), $entity, row.tenant_id).await?;
            $($refs(conn.reborrow(), row).await?;)?
            stmt!(conn, diesel::insert_into($crate::schema::$table::table).values(row) => execute)?;
            Ok(())
        }

        /// A named soft delete's cascade: marks the live rows that point at every row of
        /// `tenant` deleted at `at` deleted too, with the same instant (what [`soft_delete`]
        /// marks with its row); returns how many. Marking the children of a row deleted at
        /// that instant by someone else is harmless: they belong deleted.
        #[doc(hidden)]
        pub fn cascade_deleted_at(
            conn: &mut $crate::AnyConnection,
            tenant: $crate::types::TenantId,
            at: $crate::types::Timestamp,
        ) -> $crate::repository::Result<usize> {
            #[allow(unused_mut)]
            let mut children = 0;
            $(
                let ids: Vec<$crate::types::$Id> = $crate::schema::$table::table
                    .filter($crate::schema::$table::tenant_id.eq(tenant))
                    .filter($crate::schema::$table::deleted_at.eq(at))
                    .select($crate::schema::$table::$id)
                    .load(conn)?;
                for id in ids {
                    children += $crate::native::ready($cascade($crate::native::UnitConnection::Blocking(conn), tenant, id, at))?;
                }
            )?
            let _ = (conn, tenant, at);
            Ok(children)
        }

        #[doc = concat!("Soft-deletes a ", $entity, $crate::repository::row_model!(@doc_if [$($cascade)?] " and, with the same `deleted_at`, the rows that point at it"), ".")]
        pub fn soft_delete(
            conn: &mut $crate::AnyConnection,
            tenant: $crate::types::TenantId,
            id: $crate::types::$Id,
        ) -> $crate::repository::Result<$crate::repository::Deleted> {
            $crate::repository::write_blocking(conn, move |c| Box::pin(soft_delete_on(c, tenant, id)))
        }

        /// [`soft_delete`] from async code, in one write transaction on the backend's fastest
        /// connection ([`Database::unit_write`](crate::Database::unit_write)).
        pub async fn soft_delete_async(
            db: &$crate::Database,
            tenant: $crate::types::TenantId,
            id: $crate::types::$Id,
        ) -> $crate::repository::Result<$crate::repository::Deleted> {
            db.unit_write(move |c| Box::pin(soft_delete_on(c, tenant, id))).await
        }

        /// Marks the live row `id` deleted and, with the same instant, the rows that point at
        /// it, inside the caller's write transaction.
        async fn soft_delete_on(
            mut conn: $crate::native::UnitConnection<'_>,
            tenant: $crate::types::TenantId,
            id: $crate::types::$Id,
        ) -> $crate::repository::Result<$crate::repository::Deleted> {
            let now = $crate::types::Timestamp::now();
            if !mark_deleted_on(conn.reborrow(), tenant, id, now).await? {
                return Err($crate::repository::Error::not_found($entity, id));
            }
            let children = 0;
            $(let children = children + $cascade(conn.reborrow(), tenant, id, now).await?;)?
            Ok($crate::repository::Deleted {
                deleted_at: now,
                children,
            })
        }
    };
    (
        $(#[$meta:meta])* root $table:ident: $Model:ident, $id:ident: $Id:ident, $entity:literal;
        $(#[$new_meta:meta])* new $New:ident { $($(#[$nm:meta])* $nf:ident: $nt:ty $(=> $nrule:expr)?),* $(,)? }
        $(#[$ch_meta:meta])* changes $Changes:ident { $($(#[$cm:meta])* $cf:ident: $ct:ty),* $(,)? };
    ) => {
        $crate::repository::row_model! { @model $entity $(#[$meta])* $table: $Model {
            #[doc = "Id."]
            pub $id: $crate::types::$Id,
            $($(#[$nm])* pub $nf: $nt,)*
        } }
        $crate::repository::row_model! { @new $(#[$new_meta])* $New { $($(#[$nm])* $nf: $nt),* } }
        $crate::repository::row_model! { @changes $table $(#[$ch_meta])* $Changes { $($(#[$cm])* $cf: $ct),* } }
        $crate::repository::row_model! { @rules $New $Model { $($nf: $nt $(=> $nrule)?,)* } { $($nf)* } {} }

        impl $Model {
            /// The row's id.
            pub fn id(&self) -> $crate::types::$Id {
                self.$id
            }

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
    (@model $entity:literal $(#[$meta:meta])* $table:ident: $Model:ident { $($body:tt)* }) => {
        /// What errors call this entity (`"sensor"`).
        pub const ENTITY: &str = $entity;

        // The generated queries need diesel's traits where they expand.
        #[allow(unused_imports)]
        use diesel::prelude::*;

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
    // A column's rule as a value.
    (@rule_of) => { None };
    (@rule_of $rule:expr) => {{
        #[allow(unused_imports)]
        use $crate::repository::validate::Rule::*;
        Some($rule)
    }};
    // A phrase of a generated doc, when the optional part it describes is there.
    (@doc_if [] $text:literal) => { "" };
    (@doc_if [$($given:tt)+] $text:literal) => { $text };
    // Changes declared by hand (an entity with nothing to change but its audit fields).
    (@changes $table:ident $(#[$meta:meta])* $Changes:ident) => {};
    (@changes $table:ident $(#[$meta:meta])* $Changes:ident { $($(#[$cm:meta])* $cf:ident: $ct:ty),* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, diesel::AsChangeset, serde::Serialize, serde::Deserialize)]
        #[diesel(table_name = $crate::schema::$table)]
        pub struct $Changes {
            $($(#[$cm])* pub $cf: $ct,)*
        }

        impl $crate::repository::Validate for $Changes {
            fn validate(&self) -> $crate::repository::Result<()> {
                $(if let Some(value) = &self.$cf {
                    column_rules::$cf(value)?;
                })*
                Ok(())
            }
        }
    };
    // One checking function per column (a column without a rule accepts any value of its type),
    // and the checks of the new row and of the model built on them.
    (@rules $New:ident $Model:ident { $($f:ident: $t:ty $(=> $rule:expr)?,)* } { $($nf:ident)* } { $($sf:ident)* }) => {
        /// Every column a caller writes, with its rule (`None`: any value of its type).
        pub const COLUMN_RULES: &[(&str, Option<$crate::repository::validate::Rule>)] = &[
            $((stringify!($f), $crate::repository::row_model!(@rule_of $($rule)?)),)*
        ];

        #[allow(dead_code)]
        mod column_rules {
            #[allow(unused_imports)]
            use super::*;
            $(
                pub(super) fn $f(value: &$t) -> $crate::repository::Result<()> {
                    $({
                        #[allow(unused_imports)]
                        use $crate::repository::validate::Rule::*;
                        return $crate::repository::validate::Value::check(value, stringify!($f), $rule);
                    })?
                    #[allow(unreachable_code)]
                    {
                        let _ = value;
                        Ok(())
                    }
                }
            )*
        }

        impl $crate::repository::Validate for $New {
            fn validate(&self) -> $crate::repository::Result<()> {
                $(column_rules::$nf(&self.$nf)?;)*
                Ok(())
            }
        }

        impl $crate::repository::Validate for $Model {
            fn validate(&self) -> $crate::repository::Result<()> {
                $(column_rules::$nf(&self.$nf)?;)*
                $(column_rules::$sf(&self.$sf)?;)*
                Ok(())
            }
        }
    };
}

pub(crate) use row_model;

/// The value rules a new row, a set of changes or a stored row (checked by `db copy`) must
/// pass before it is written: every column's [`validate::Rule`], declared once per entity.
pub trait Validate {
    /// `Err(Error::Validation)` naming the first field that breaks its rule.
    fn validate(&self) -> Result<()>;
}

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

            /// Every value's stored text (the column's `OneOf` rule).
            pub const TEXTS: &'static [&'static str] = &[$($text),+];

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

        impl $crate::repository::validate::Value for $name {
            fn check(
                &self,
                field: &'static str,
                rule: $crate::repository::validate::Rule,
            ) -> $crate::repository::Result<()> {
                $crate::repository::validate::Value::check(self.as_str(), field, rule)
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
    // A keyset page of the live rows, or (audits) of all rows.
    (@list $Id:ty, $Model:ty, $name:ident, $name_async:ident, $including_deleted:expr, $doc:literal) => {
        #[doc = $doc]
        pub fn $name(
            conn: &mut $crate::AnyConnection,
            tenant: $crate::types::TenantId,
            page: $crate::repository::Page<$Id>,
        ) -> $crate::repository::Result<Vec<$Model>> {
            $crate::native::ready(page_on(
                $crate::native::UnitConnection::Blocking(conn),
                tenant,
                $including_deleted,
                page,
            ))
        }

        #[doc = concat!("[`", stringify!($name), "`] from async code, on the backend's fastest connection ([`Database::unit`](crate::Database::unit)).")]
        pub async fn $name_async(
            db: &$crate::Database,
            tenant: $crate::types::TenantId,
            page: $crate::repository::Page<$Id>,
        ) -> $crate::repository::Result<Vec<$Model>> {
            db.unit(move |c| Box::pin(page_on(c, tenant, $including_deleted, page)))
                .await
        }
    };
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
            $crate::native::ready(get_on($crate::native::UnitConnection::Blocking(conn), tenant, id))
        }

        /// [`get`] from async code, on the backend's fastest connection
        /// ([`Database::unit`](crate::Database::unit)).
        pub async fn get_async(
            db: &$crate::Database,
            tenant: $crate::types::TenantId,
            id: $Id,
        ) -> $crate::repository::Result<$Model> {
            db.unit(move |c| Box::pin(get_on(c, tenant, id))).await
        }

        /// [`get`] on any connection.
        async fn get_on(
            conn: $crate::native::UnitConnection<'_>,
            tenant: $crate::types::TenantId,
            id: $Id,
        ) -> $crate::repository::Result<$Model> {
            // Built per backend: `as_select` is typed by the backend that runs it.
            stmt!(conn, live(tenant)
                .filter($crate::schema::$table::$id_col.eq(id))
                .select(<$Model>::as_select()) => first::<$Model>)
            .optional()?
            .ok_or_else(|| $crate::repository::Error::not_found($entity, id))
        }

        $crate::repository::tenant_scoped!(@list $Id, $Model, list, list_async, false,
            "Live rows of `tenant`, oldest first, after `page.after`.");
        $crate::repository::tenant_scoped!(@list $Id, $Model, audit_list_including_deleted, audit_list_including_deleted_async, true,
            "For audits only: rows of `tenant`, deleted ones too, oldest first, after `page.after`.");

        /// For audits only: the row `id` of `tenant` whether or not it was deleted.
        pub fn audit_get_including_deleted(
            conn: &mut $crate::AnyConnection,
            tenant: $crate::types::TenantId,
            id: $Id,
        ) -> $crate::repository::Result<$Model> {
            let row = $crate::schema::$table::table
                .filter($crate::schema::$table::tenant_id.eq(tenant))
                .filter($crate::schema::$table::$id_col.eq(id));
            on_native!(conn, |c| row
                .select(<$Model>::as_select())
                .first::<$Model>(c)
                .optional())?
            .ok_or_else(|| $crate::repository::Error::not_found($entity, id))
        }

        /// One keyset page of the rows of `tenant`: the live ones, or (audits) all.
        ///
        /// A live page after `after` on MySQL names its index. MariaDB 10.11 reads this page
        /// with `ref` access on (tenant_id, deleted_at) and filters the id, scanning the tenant
        /// from its first row (a page from the middle of 100,000 rows: 4.7 ms); its cost model
        /// does not count the LIMIT. Forced, the same index (which InnoDB ends with the id) is a
        /// range that starts at `after` (key_len 81, measured in `benches/pages.rs`).
        async fn page_on(
            conn: $crate::native::UnitConnection<'_>,
            tenant: $crate::types::TenantId,
            including_deleted: bool,
            page: $crate::repository::Page<$Id>,
        ) -> $crate::repository::Result<Vec<$Model>> {
            let limit = page.checked_limit()?;
            #[cfg(feature = "mysql")]
            if let (false, Some(after), $crate::url::Backend::Mysql) =
                (including_deleted, page.after, conn.backend())
            {
                const SQL: &str = concat!(
                    "SELECT * FROM ", stringify!($table),
                    " FORCE INDEX (idx_", stringify!($table), "_tenant_deleted)",
                    " WHERE tenant_id = ? AND deleted_at IS NULL AND ", stringify!($id_col), " > ?",
                    " ORDER BY ", stringify!($id_col), " LIMIT ?"
                );
                return Ok(stmt!(conn, diesel::sql_query(SQL)
                    .bind::<$crate::types::sql::Uuid36, _>(tenant)
                    .bind::<$crate::types::sql::Uuid36, _>(after)
                    .bind::<diesel::sql_types::BigInt, _>(limit) => load::<$Model>)?);
            }
            Ok(stmt!(conn, {
                let mut rows = $crate::schema::$table::table
                    .select(<$Model>::as_select())
                    .filter($crate::schema::$table::tenant_id.eq(tenant))
                    .into_boxed();
                if !including_deleted {
                    rows = rows.filter($crate::schema::$table::deleted_at.is_null());
                }
                if let Some(after) = page.after {
                    rows = rows.filter($crate::schema::$table::$id_col.gt(after));
                }
                rows.order($crate::schema::$table::$id_col.asc()).limit(limit)
            } => load::<$Model>)?)
        }

        /// Applies `changes` to the live row `id` of `tenant` and bumps `modified_at`.
        pub fn update(
            conn: &mut $crate::AnyConnection,
            tenant: $crate::types::TenantId,
            id: $Id,
            changes: $Changes,
        ) -> $crate::repository::Result<$Model> {
            $crate::repository::Validate::validate(&changes)?;
            $crate::repository::write_blocking(conn, move |c| Box::pin(async move { update_on(c, tenant, id, &changes).await }))
                .map_err(|e| e.for_entity($entity, $unique, "tenant"))
        }

        /// [`update`] from async code, in one write transaction on the backend's fastest
        /// connection ([`Database::unit_write`](crate::Database::unit_write)).
        pub async fn update_async(
            db: &$crate::Database,
            tenant: $crate::types::TenantId,
            id: $Id,
            changes: $Changes,
        ) -> $crate::repository::Result<$Model> {
            $crate::repository::Validate::validate(&changes)?;
            db.unit_write(move |c| Box::pin(async move { update_on(c, tenant, id, &changes).await }))
                .await
                .map_err(|e: $crate::repository::Error| e.for_entity($entity, $unique, "tenant"))
        }

        /// Applies `changes` and bumps `modified_at`, inside the caller's write transaction;
        /// gives the row as it now is.
        async fn update_on(
            mut conn: $crate::native::UnitConnection<'_>,
            tenant: $crate::types::TenantId,
            id: $Id,
            changes: &$Changes,
        ) -> $crate::repository::Result<$Model> {
            let now = $crate::types::Timestamp::now();
            let n = stmt!(conn.reborrow(), diesel::update(
                live(tenant).filter($crate::schema::$table::$id_col.eq(id)),
            )
            .set((changes, $crate::schema::$table::modified_at.eq(now))) => execute)?;
            if n == 0 {
                return Err($crate::repository::Error::not_found($entity, id));
            }
            get_on(conn, tenant, id).await
        }

        /// Marks the live row `id` deleted at `now`; false if there was none.
        async fn mark_deleted_on(
            conn: $crate::native::UnitConnection<'_>,
            tenant: $crate::types::TenantId,
            id: $Id,
            now: $crate::types::Timestamp,
        ) -> $crate::repository::Result<bool> {
            let n = stmt!(conn, diesel::update(
                live(tenant).filter($crate::schema::$table::$id_col.eq(id)),
            )
            .set((
                $crate::schema::$table::deleted_at.eq(now),
                $crate::schema::$table::modified_at.eq(now),
            )) => execute)?;
            Ok(n > 0)
        }

        /// Marks every live row of `tenant` deleted at `now` (a tenant cascade); returns how many.
        pub(crate) fn mark_all_deleted_on(
            conn: $crate::native::UnitConnection<'_>,
            tenant: $crate::types::TenantId,
            now: $crate::types::Timestamp,
        ) -> $crate::native::UnitFuture<'_, usize, $crate::repository::Error> {
            Box::pin(async move {
                Ok(stmt!(conn, diesel::update(live(tenant))
                    .set((
                        $crate::schema::$table::deleted_at.eq(now),
                        $crate::schema::$table::modified_at.eq(now),
                    )) => execute)?)
            })
        }

        /// Whether `id` is a live row of `tenant` (for references from other tables).
        pub fn is_live(
            conn: &mut $crate::AnyConnection,
            tenant: $crate::types::TenantId,
            id: $Id,
        ) -> $crate::repository::Result<bool> {
            $crate::native::ready(is_live_on($crate::native::UnitConnection::Blocking(conn), tenant, id))
        }

        /// [`is_live`] on any connection.
        pub(crate) async fn is_live_on(
            conn: $crate::native::UnitConnection<'_>,
            tenant: $crate::types::TenantId,
            id: $Id,
        ) -> $crate::repository::Result<bool> {
            let n: i64 = stmt!(conn, live(tenant)
                .filter($crate::schema::$table::$id_col.eq(id))
                .count() => get_result::<i64>)?;
            Ok(n > 0)
        }
    };
}

pub(crate) use tenant_scoped;

/// The sync face of a write unit: the future its async twin hands to
/// [`Database::unit_write`](crate::Database::unit_write), driven on a blocking connection in one
/// write transaction (`BEGIN IMMEDIATE` on SQLite), so that both faces run the same statements.
pub(crate) fn write_blocking<T>(
    conn: &mut crate::AnyConnection,
    unit: impl for<'c> FnOnce(
        crate::native::UnitConnection<'c>,
    ) -> crate::native::UnitFuture<'c, T, Error>,
) -> Result<T> {
    conn.write_transaction(|conn| {
        crate::native::ready(unit(crate::native::UnitConnection::Blocking(conn)))
    })
}

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
        crate::native::ready(tenants::require_live_on(
            crate::native::UnitConnection::Blocking(conn),
            entity,
            tenant,
        ))?;
        check(conn)?;
        insert(conn)?;
        Ok(())
    })
    .map_err(|e: Error| e.for_entity(entity, unique, "tenant"))
}
