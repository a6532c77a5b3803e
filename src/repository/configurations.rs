//! Configuration values of a tenant: JSON text under a key, one live value per key.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{row_model, tenant_scoped, validate, Deleted, Error, Result};
use crate::schema::configurations;
use crate::types::{ConfigurationId, TenantId};
use crate::AnyConnection;

const ENTITY: &str = "configuration";

row_model! {
    /// A configuration value.
    owned configurations: Configuration, configuration_id: ConfigurationId;
    /// What a new configuration value needs.
    new NewConfiguration {
        /// Key, 1–128 characters.
        config_key: String,
        /// JSON value.
        config_value: String,
    }
}

/// Changes to a configuration value.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = configurations)]
pub struct ConfigurationChanges {
    /// New JSON value.
    pub config_value: Option<String>,
}

impl ConfigurationChanges {
    fn validate(&self) -> Result<()> {
        if let Some(v) = &self.config_value {
            validate::json("config_value", v)?;
        }
        Ok(())
    }
}

tenant_scoped!(
    configurations,
    configuration_id,
    ConfigurationId,
    Configuration,
    ConfigurationChanges,
    ENTITY,
    unique: "the key already has a live value"
);

/// Creates a value for a key that has no live value in this tenant (else Conflict).
pub fn create(
    conn: &mut AnyConnection,
    tenant: TenantId,
    new: NewConfiguration,
) -> Result<Configuration> {
    validate::identifier("config_key", &new.config_key, 128)?;
    validate::json("config_value", &new.config_value)?;
    let row = Configuration::from_new(tenant, new);
    insert(conn, &row, |_| Ok(()))?;
    Ok(row)
}

/// The live value of `key` in `tenant`.
pub fn get_by_key(conn: &mut AnyConnection, tenant: TenantId, key: &str) -> Result<Configuration> {
    // Also keeps MySQL from finding `k` when asked for `k ` (see `validate::identifier`).
    validate::identifier("config_key", key, 128)?;
    live(tenant)
        .filter(configurations::config_key.eq(key))
        .select(Configuration::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::not_found(ENTITY, key))
}

/// Sets `key` to `value` in `tenant`: replaces the live value (bumping `modified_at`) or, when
/// there is none, creates one — in one write transaction, so two setters of a new key cannot
/// both create it (the second gets a Conflict from the one-live-key index).
pub fn set(
    conn: &mut AnyConnection,
    tenant: TenantId,
    key: &str,
    value: &str,
) -> Result<Configuration> {
    conn.write_transaction(|c| match get_by_key(c, tenant, key) {
        Ok(existing) => update(
            c,
            tenant,
            existing.configuration_id,
            ConfigurationChanges {
                config_value: Some(value.to_string()),
            },
        ),
        Err(Error::NotFound { .. }) => create(
            c,
            tenant,
            NewConfiguration {
                config_key: key.to_string(),
                config_value: value.to_string(),
            },
        ),
        Err(e) => Err(e),
    })
}

/// Soft-deletes a value; the key is then free for a new one.
pub fn soft_delete(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: ConfigurationId,
) -> Result<Deleted> {
    soft_delete_with(conn, tenant, id, |_, _| Ok(0))
}
