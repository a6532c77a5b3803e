//! The one schema every query is written against, for all three backends.
//!
//! `schema/{sqlite,postgres,mysql}.rs` hold what `diesel print-schema` prints for each migrated
//! backend; a test checks that those and this module agree on tables, columns and nullability,
//! and CI regenerates them to catch drift. `#[max_length = N]` is the VARCHAR(N) of PostgreSQL
//! and MySQL (a test checks it against both); a doc comment starting `JSON document` marks text
//! that must hold JSON. The named-query checker reads both. Column types here are the portable ones from
//! [`crate::types`]. MySQL's `configurations.live_config_key` (a generated column that gives MySQL
//! a "one live key per tenant" unique index) is deliberately absent: it is never read or written.
#![allow(missing_docs)]

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::*;

    /// Tenants: the root of every other row.
    tenants (tenant_id) {
        tenant_id -> Uuid36,
        #[max_length = 128]
        name -> Text,
        created_at -> UtcTimestamp,
        modified_at -> UtcTimestamp,
        deleted_at -> Nullable<UtcTimestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::*;

    /// Users; usernames are unique across all tenants.
    users (user_id) {
        user_id -> Uuid36,
        tenant_id -> Uuid36,
        #[max_length = 128]
        username -> Text,
        #[max_length = 255]
        password_hash -> Text,
        #[max_length = 32]
        role -> Text,
        force_password_change -> Bool,
        created_at -> UtcTimestamp,
        modified_at -> UtcTimestamp,
        deleted_at -> Nullable<UtcTimestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::*;

    /// API keys, stored as SHA-256 hashes.
    api_keys (api_key_id) {
        api_key_id -> Uuid36,
        tenant_id -> Uuid36,
        #[max_length = 255]
        name -> Text,
        #[max_length = 64]
        key_hash -> Text,
        last_used_at -> Nullable<UtcTimestamp>,
        created_at -> UtcTimestamp,
        modified_at -> UtcTimestamp,
        deleted_at -> Nullable<UtcTimestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::*;

    /// Sensors that report to the API.
    sensors (sensor_id) {
        sensor_id -> Uuid36,
        tenant_id -> Uuid36,
        #[max_length = 128]
        name -> Text,
        description -> Nullable<Text>,
        /// JSON document: free-form facts about the sensor.
        metadata -> Text,
        last_seen_at -> Nullable<UtcTimestamp>,
        created_at -> UtcTimestamp,
        modified_at -> UtcTimestamp,
        deleted_at -> Nullable<UtcTimestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::*;

    /// Rules evaluated against sensor data.
    rules (rule_id) {
        rule_id -> Uuid36,
        tenant_id -> Uuid36,
        #[max_length = 128]
        name -> Text,
        description -> Nullable<Text>,
        #[max_length = 16]
        state -> Text,
        #[max_length = 16]
        action -> Text,
        sample_rate -> Double,
        enabled -> Bool,
        /// JSON document: the tags a rule applies to.
        scope_tags -> Text,
        /// JSON document: the rule's condition.
        expression -> Text,
        created_at -> UtcTimestamp,
        modified_at -> UtcTimestamp,
        deleted_at -> Nullable<UtcTimestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::*;

    /// Which sensors a rule applies to: a child of both.
    rule_sensors (rule_sensor_id) {
        rule_sensor_id -> Uuid36,
        tenant_id -> Uuid36,
        rule_id -> Uuid36,
        sensor_id -> Uuid36,
        created_at -> UtcTimestamp,
        modified_at -> UtcTimestamp,
        deleted_at -> Nullable<UtcTimestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::*;

    /// Per-tenant configuration values (JSON text), one live value per key.
    configurations (configuration_id) {
        configuration_id -> Uuid36,
        tenant_id -> Uuid36,
        #[max_length = 128]
        config_key -> Text,
        /// JSON document: the value.
        config_value -> Text,
        created_at -> UtcTimestamp,
        modified_at -> UtcTimestamp,
        deleted_at -> Nullable<UtcTimestamp>,
    }
}

diesel::joinable!(users -> tenants (tenant_id));
diesel::joinable!(api_keys -> tenants (tenant_id));
diesel::joinable!(sensors -> tenants (tenant_id));
diesel::joinable!(rules -> tenants (tenant_id));
diesel::joinable!(configurations -> tenants (tenant_id));
diesel::joinable!(rule_sensors -> rules (rule_id));
diesel::joinable!(rule_sensors -> sensors (sensor_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    users,
    api_keys,
    sensors,
    rules,
    rule_sensors,
    configurations,
);
