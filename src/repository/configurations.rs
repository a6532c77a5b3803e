//! Configuration values of a tenant: JSON text under a key, one live value per key.

use diesel::prelude::*;

use super::{validate, Error, Result};
use crate::types::TenantId;
use crate::AnyConnection;

super::row_model! {
    /// A configuration value.
    owned configurations: Configuration, configuration_id: ConfigurationId, "configuration",
        unique "the key already has a live value";
    /// What a new configuration value needs.
    new NewConfiguration {
        /// Key, 1–128 characters.
        config_key: String => Identifier(128),
        /// JSON value, at most 65,535 bytes.
        config_value: String => Json,
    }
    /// Changes to a configuration value.
    changes ConfigurationChanges {
        /// New JSON value.
        config_value: Option<String>,
    };
}

/// The live value of `key` in `tenant`.
pub fn get_by_key(conn: &mut AnyConnection, tenant: TenantId, key: &str) -> Result<Configuration> {
    // Also keeps MySQL from finding `k` when asked for `k ` (see `validate::identifier`).
    validate::identifier("config_key", key, 128)?;
    let row = live(tenant).filter(crate::schema::configurations::config_key.eq(key));
    on_native!(conn, |c| row
        .select(Configuration::as_select())
        .first::<Configuration>(c)
        .optional())?
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
