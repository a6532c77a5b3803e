-- The TrapperKeeper schema. Every table: <type>_id CHAR(36) UUIDv7 primary key, tenant_id,
-- created_at, modified_at, deleted_at (NULL = live). Soft-delete cascades run in the application.

CREATE TABLE users (
    user_id               CHAR(36)                 NOT NULL PRIMARY KEY,
    tenant_id             CHAR(36)                 NOT NULL REFERENCES tenants (tenant_id),
    username              VARCHAR(128)             NOT NULL,
    password_hash         VARCHAR(255)             NOT NULL,
    role                  VARCHAR(32)              NOT NULL CHECK (role IN ('admin', 'operator', 'observer')),
    force_password_change BOOLEAN                  NOT NULL,
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    modified_at           TIMESTAMP WITH TIME ZONE NOT NULL,
    deleted_at            TIMESTAMP WITH TIME ZONE
);
CREATE UNIQUE INDEX uq_users_username ON users (username);
CREATE INDEX idx_users_tenant_deleted ON users (tenant_id, deleted_at);

CREATE TABLE api_keys (
    api_key_id   CHAR(36)                 NOT NULL PRIMARY KEY,
    tenant_id    CHAR(36)                 NOT NULL REFERENCES tenants (tenant_id),
    name         VARCHAR(255)             NOT NULL,
    key_hash     CHAR(64)                 NOT NULL,
    last_used_at TIMESTAMP WITH TIME ZONE,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    modified_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    deleted_at   TIMESTAMP WITH TIME ZONE
);
CREATE UNIQUE INDEX uq_api_keys_key_hash ON api_keys (key_hash);
CREATE INDEX idx_api_keys_tenant_deleted ON api_keys (tenant_id, deleted_at);

CREATE TABLE sensors (
    sensor_id    CHAR(36)                 NOT NULL PRIMARY KEY,
    tenant_id    CHAR(36)                 NOT NULL REFERENCES tenants (tenant_id),
    name         VARCHAR(128)             NOT NULL,
    description  TEXT,
    metadata     TEXT                     NOT NULL,
    last_seen_at TIMESTAMP WITH TIME ZONE,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    modified_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    deleted_at   TIMESTAMP WITH TIME ZONE
);
CREATE INDEX idx_sensors_tenant_deleted ON sensors (tenant_id, deleted_at);

CREATE TABLE rules (
    rule_id     CHAR(36)                 NOT NULL PRIMARY KEY,
    tenant_id   CHAR(36)                 NOT NULL REFERENCES tenants (tenant_id),
    name        VARCHAR(128)             NOT NULL,
    description TEXT,
    state       VARCHAR(16)              NOT NULL CHECK (state IN ('draft', 'active', 'disabled')),
    action      VARCHAR(16)              NOT NULL CHECK (action IN ('observe', 'drop', 'fail')),
    sample_rate DOUBLE PRECISION         NOT NULL CHECK (sample_rate >= 0 AND sample_rate <= 1),
    enabled     BOOLEAN                  NOT NULL,
    scope_tags  TEXT                     NOT NULL,
    expression  TEXT                     NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    modified_at TIMESTAMP WITH TIME ZONE NOT NULL,
    deleted_at  TIMESTAMP WITH TIME ZONE
);
CREATE INDEX idx_rules_tenant_deleted ON rules (tenant_id, deleted_at);

CREATE TABLE rule_sensors (
    rule_sensor_id CHAR(36)                 NOT NULL PRIMARY KEY,
    tenant_id      CHAR(36)                 NOT NULL REFERENCES tenants (tenant_id),
    rule_id        CHAR(36)                 NOT NULL REFERENCES rules (rule_id),
    sensor_id      CHAR(36)                 NOT NULL REFERENCES sensors (sensor_id),
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    modified_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    deleted_at     TIMESTAMP WITH TIME ZONE
);
CREATE INDEX idx_rule_sensors_tenant_deleted ON rule_sensors (tenant_id, deleted_at);
CREATE INDEX idx_rule_sensors_rule_deleted ON rule_sensors (rule_id, deleted_at);
CREATE INDEX idx_rule_sensors_sensor_deleted ON rule_sensors (sensor_id, deleted_at);

CREATE TABLE configurations (
    configuration_id CHAR(36)                 NOT NULL PRIMARY KEY,
    tenant_id        CHAR(36)                 NOT NULL REFERENCES tenants (tenant_id),
    config_key       VARCHAR(128)             NOT NULL,
    config_value     TEXT                     NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    modified_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    deleted_at       TIMESTAMP WITH TIME ZONE
);
CREATE INDEX idx_configurations_tenant_deleted ON configurations (tenant_id, deleted_at);
-- One live value per tenant and key; deleted rows keep their key for audit.
CREATE UNIQUE INDEX uq_configurations_live_key ON configurations (tenant_id, config_key) WHERE deleted_at IS NULL;
