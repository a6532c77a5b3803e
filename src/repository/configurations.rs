//! Configuration values of a tenant: JSON text under a key, one live value per key.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{insert_owned, tenant_scoped, validate, Deleted, Error, Result};
use crate::schema::configurations;
use crate::types::{ConfigurationId, TenantId, Timestamp};
use crate::AnyConnection;

const ENTITY: &str = "configuration";

/// A configuration value.
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
#[diesel(table_name = configurations)]
// None binds NULL, so every insert has one SQL text and its prepared statement is cached
// (with DEFAULT per None field it is re-prepared each time: 1.5x slower on MySQL, measured).
#[diesel(treat_none_as_default_value = false)]
pub struct Configuration {
    /// Id.
    pub configuration_id: ConfigurationId,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// Key, 1–128 characters.
    pub config_key: String,
    /// JSON value.
    pub config_value: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub modified_at: Timestamp,
    /// When it was deleted; `None` while live.
    pub deleted_at: Option<Timestamp>,
}

/// What a new configuration value needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewConfiguration {
    /// Key: 1–128 characters, no leading or trailing whitespace.
    pub config_key: String,
    /// JSON value.
    pub config_value: String,
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
    "configuration",
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
    let now = Timestamp::now();
    let row = Configuration {
        configuration_id: ConfigurationId::new(),
        tenant_id: tenant,
        config_key: new.config_key,
        config_value: new.config_value,
        created_at: now,
        modified_at: now,
        deleted_at: None,
    };
    insert_owned(
        conn,
        ENTITY,
        "the key already has a live value",
        tenant,
        |_| Ok(()),
        |conn| {
            diesel::insert_into(configurations::table)
                .values(&row)
                .execute(conn)
        },
    )?;
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
