// @generated automatically by Diesel CLI.

diesel::table! {
    api_keys (api_key_id) {
        #[max_length = 36]
        api_key_id -> Bpchar,
        #[max_length = 36]
        tenant_id -> Bpchar,
        #[max_length = 255]
        name -> Varchar,
        #[max_length = 64]
        key_hash -> Varchar,
        last_used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        modified_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    configurations (configuration_id) {
        #[max_length = 36]
        configuration_id -> Bpchar,
        #[max_length = 36]
        tenant_id -> Bpchar,
        #[max_length = 128]
        config_key -> Varchar,
        config_value -> Text,
        created_at -> Timestamptz,
        modified_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    rule_sensors (rule_sensor_id) {
        #[max_length = 36]
        rule_sensor_id -> Bpchar,
        #[max_length = 36]
        tenant_id -> Bpchar,
        #[max_length = 36]
        rule_id -> Bpchar,
        #[max_length = 36]
        sensor_id -> Bpchar,
        created_at -> Timestamptz,
        modified_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    rules (rule_id) {
        #[max_length = 36]
        rule_id -> Bpchar,
        #[max_length = 36]
        tenant_id -> Bpchar,
        #[max_length = 128]
        name -> Varchar,
        description -> Nullable<Text>,
        #[max_length = 16]
        state -> Varchar,
        #[max_length = 16]
        action -> Varchar,
        sample_rate -> Float8,
        enabled -> Bool,
        scope_tags -> Text,
        expression -> Text,
        created_at -> Timestamptz,
        modified_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sensors (sensor_id) {
        #[max_length = 36]
        sensor_id -> Bpchar,
        #[max_length = 36]
        tenant_id -> Bpchar,
        #[max_length = 128]
        name -> Varchar,
        description -> Nullable<Text>,
        metadata -> Text,
        last_seen_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        modified_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    tenants (tenant_id) {
        #[max_length = 36]
        tenant_id -> Bpchar,
        #[max_length = 128]
        name -> Varchar,
        created_at -> Timestamptz,
        modified_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    users (user_id) {
        #[max_length = 36]
        user_id -> Bpchar,
        #[max_length = 36]
        tenant_id -> Bpchar,
        #[max_length = 128]
        username -> Varchar,
        #[max_length = 255]
        password_hash -> Varchar,
        #[max_length = 32]
        role -> Varchar,
        force_password_change -> Bool,
        created_at -> Timestamptz,
        modified_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
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
