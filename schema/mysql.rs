// @generated automatically by Diesel CLI.

diesel::table! {
    api_keys (api_key_id) {
        #[max_length = 36]
        api_key_id -> Char,
        #[max_length = 36]
        tenant_id -> Char,
        #[max_length = 255]
        name -> Varchar,
        #[max_length = 64]
        key_hash -> Varchar,
        last_used_at -> Nullable<Datetime>,
        created_at -> Datetime,
        modified_at -> Datetime,
        deleted_at -> Nullable<Datetime>,
    }
}

diesel::table! {
    configurations (configuration_id) {
        #[max_length = 36]
        configuration_id -> Char,
        #[max_length = 36]
        tenant_id -> Char,
        #[max_length = 128]
        config_key -> Varchar,
        config_value -> Text,
        created_at -> Datetime,
        modified_at -> Datetime,
        deleted_at -> Nullable<Datetime>,
        #[max_length = 128]
        live_config_key -> Nullable<Varchar>,
    }
}

diesel::table! {
    rule_sensors (rule_sensor_id) {
        #[max_length = 36]
        rule_sensor_id -> Char,
        #[max_length = 36]
        tenant_id -> Char,
        #[max_length = 36]
        rule_id -> Char,
        #[max_length = 36]
        sensor_id -> Char,
        created_at -> Datetime,
        modified_at -> Datetime,
        deleted_at -> Nullable<Datetime>,
    }
}

diesel::table! {
    rules (rule_id) {
        #[max_length = 36]
        rule_id -> Char,
        #[max_length = 36]
        tenant_id -> Char,
        #[max_length = 128]
        name -> Varchar,
        description -> Nullable<Text>,
        #[max_length = 16]
        state -> Varchar,
        #[max_length = 16]
        action -> Varchar,
        sample_rate -> Double,
        enabled -> Bool,
        scope_tags -> Text,
        expression -> Text,
        created_at -> Datetime,
        modified_at -> Datetime,
        deleted_at -> Nullable<Datetime>,
    }
}

diesel::table! {
    sensors (sensor_id) {
        #[max_length = 36]
        sensor_id -> Char,
        #[max_length = 36]
        tenant_id -> Char,
        #[max_length = 128]
        name -> Varchar,
        description -> Nullable<Text>,
        metadata -> Text,
        last_seen_at -> Nullable<Datetime>,
        created_at -> Datetime,
        modified_at -> Datetime,
        deleted_at -> Nullable<Datetime>,
    }
}

diesel::table! {
    tenants (tenant_id) {
        #[max_length = 36]
        tenant_id -> Char,
        #[max_length = 128]
        name -> Varchar,
        created_at -> Datetime,
        modified_at -> Datetime,
        deleted_at -> Nullable<Datetime>,
    }
}

diesel::table! {
    users (user_id) {
        #[max_length = 36]
        user_id -> Char,
        #[max_length = 36]
        tenant_id -> Char,
        #[max_length = 128]
        username -> Varchar,
        #[max_length = 255]
        password_hash -> Varchar,
        #[max_length = 32]
        role -> Varchar,
        force_password_change -> Bool,
        created_at -> Datetime,
        modified_at -> Datetime,
        deleted_at -> Nullable<Datetime>,
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
