//! API keys of a tenant, stored as SHA-256 hashes (64 lowercase hex characters), unique.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{row_model, tenant_scoped, validate, Deleted, Error, Result};
use crate::schema::api_keys;
use crate::types::{ApiKeyId, TenantId, Timestamp};
use crate::AnyConnection;

const ENTITY: &str = "api key";

row_model! {
    /// An API key.
    owned api_keys: ApiKey, api_key_id: ApiKeyId;
    /// What a new API key needs.
    new NewApiKey {
        /// Label, 1–255 characters.
        name: String,
        /// SHA-256 of the key, lowercase hex.
        key_hash: String,
    }
    set {
        /// Last time the key authenticated a request.
        last_used_at: Option<Timestamp>,
    }
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
        check(self.name.as_deref(), None)
    }
}

/// The rules every written value of an API key follows (`None`: not being written).
fn check(name: Option<&str>, key_hash: Option<&str>) -> Result<()> {
    if let Some(n) = name {
        validate::name("name", n, 255)?;
    }
    let hex = |h: &str| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    match key_hash {
        Some(h) if !hex(h) => Err(Error::validation(
            "key_hash",
            "must be 64 lowercase hexadecimal characters (SHA-256)",
        )),
        _ => Ok(()),
    }
}

tenant_scoped!(api_keys, api_key_id, ApiKeyId, ApiKey, ApiKeyChanges, ENTITY, unique: "key_hash exists");

/// Creates an API key in a live tenant.
pub fn create(conn: &mut AnyConnection, tenant: TenantId, new: NewApiKey) -> Result<ApiKey> {
    check(Some(&new.name), Some(&new.key_hash))?;
    let row = ApiKey::from_new(tenant, new);
    insert(conn, &row, |_| Ok(()))?;
    Ok(row)
}

/// Soft-deletes an API key.
pub fn soft_delete(conn: &mut AnyConnection, tenant: TenantId, id: ApiKeyId) -> Result<Deleted> {
    soft_delete_with(conn, tenant, id, |_, _| Ok(0))
}
