// @generated automatically by Diesel CLI.

diesel::table! {
    api_keys (api_key_id) {
        api_key_id -> Text,
        tenant_id -> Text,
        name -> Text,
        key_hash -> Text,
        last_used_at -> Nullable<BigInt>,
        created_at -> BigInt,
        modified_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    configurations (configuration_id) {
        configuration_id -> Text,
        tenant_id -> Text,
        config_key -> Text,
        config_value -> Text,
        created_at -> BigInt,
        modified_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    rule_sensors (rule_sensor_id) {
        rule_sensor_id -> Text,
        tenant_id -> Text,
        rule_id -> Text,
        sensor_id -> Text,
        created_at -> BigInt,
        modified_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    rules (rule_id) {
        rule_id -> Text,
        tenant_id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        state -> Text,
        action -> Text,
        sample_rate -> Double,
        enabled -> Bool,
        scope_tags -> Text,
        expression -> Text,
        created_at -> BigInt,
        modified_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    sensors (sensor_id) {
        sensor_id -> Text,
        tenant_id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        metadata -> Text,
        last_seen_at -> Nullable<BigInt>,
        created_at -> BigInt,
        modified_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    tenants (tenant_id) {
        tenant_id -> Text,
        name -> Text,
        created_at -> BigInt,
        modified_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    users (user_id) {
        user_id -> Text,
        tenant_id -> Text,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        force_password_change -> Bool,
        created_at -> BigInt,
        modified_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(api_keys -> tenants (tenant_id));
diesel::joinable!(configurations -> tenants (tenant_id));
diesel::joinable!(rule_sensors -> rules (rule_id));
diesel::joinable!(rule_sensors -> sensors (sensor_id));
diesel::joinable!(rule_sensors -> tenants (tenant_id));
diesel::joinable!(rules -> tenants (tenant_id));
diesel::joinable!(sensors -> tenants (tenant_id));
diesel::joinable!(users -> tenants (tenant_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_keys,
    configurations,
    rule_sensors,
    rules,
    sensors,
    tenants,
    users,
);
