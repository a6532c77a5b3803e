//! API keys of a tenant, stored as SHA-256 hashes (64 lowercase hex characters), unique.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{insert_owned, tenant_scoped, validate, Deleted, Error, Result};
use crate::schema::api_keys;
use crate::types::{ApiKeyId, TenantId, Timestamp};
use crate::AnyConnection;

const ENTITY: &str = "api key";

/// An API key.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Queryable,
    Selectable,
    QueryableByName,
    Insertable,
    Serialize,
    Deserialize,
)]
#[diesel(table_name = api_keys)]
// None binds NULL, so every insert has one SQL text and its prepared statement is cached
// (with DEFAULT per None field it is re-prepared each time: 1.5x slower on MySQL, measured).
#[diesel(treat_none_as_default_value = false)]
pub struct ApiKey {
    /// Id.
    pub api_key_id: ApiKeyId,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// Label, 1–255 characters.
    pub name: String,
    /// SHA-256 of the key, lowercase hex.
    pub key_hash: String,
    /// Last time the key authenticated a request.
    pub last_used_at: Option<Timestamp>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub modified_at: Timestamp,
    /// When it was deleted; `None` while live.
    pub deleted_at: Option<Timestamp>,
}

/// What a new API key needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewApiKey {
    /// Label.
    pub name: String,
    /// SHA-256 of the key, lowercase hex.
    pub key_hash: String,
}

/// Changes to an API key; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyChanges {
    /// New label.
    pub name: Option<String>,
    /// Record a use.
    pub last_used_at: Option<Option<Timestamp>>,
}

impl ApiKeyChanges {
    fn validate(&self) -> Result<()> {
        if let Some(n) = &self.name {
            validate::name("name", n, 255)?;
        }
        Ok(())
    }
}

fn check_hash(hash: &str) -> Result<()> {
    if hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(Error::validation(
            "key_hash",
            "must be 64 lowercase hexadecimal characters (SHA-256)",
        ))
    }
}

tenant_scoped!(api_keys, api_key_id, ApiKeyId, ApiKey, ApiKeyChanges, "api key", unique: "key_hash exists");

/// Creates an API key in a live tenant.
pub fn create(conn: &mut AnyConnection, tenant: TenantId, new: NewApiKey) -> Result<ApiKey> {
    validate::name("name", &new.name, 255)?;
    check_hash(&new.key_hash)?;
    let now = Timestamp::now();
    let row = ApiKey {
        api_key_id: ApiKeyId::new(),
        tenant_id: tenant,
        name: new.name,
        key_hash: new.key_hash,
        last_used_at: None,
        created_at: now,
        modified_at: now,
        deleted_at: None,
    };
    insert_owned(
        conn,
        ENTITY,
        "key_hash exists",
        tenant,
        |_| Ok(()),
        |conn| {
            diesel::insert_into(api_keys::table)
                .values(&row)
                .execute(conn)
        },
    )?;
    Ok(row)
}

/// Soft-deletes an API key.
pub fn soft_delete(conn: &mut AnyConnection, tenant: TenantId, id: ApiKeyId) -> Result<Deleted> {
    soft_delete_with(conn, tenant, id, |_, _| Ok(0))
}
