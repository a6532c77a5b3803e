-- Back to the (tenant_id, deleted_at) indexes of 0002.
CREATE INDEX idx_users_tenant_deleted ON users (tenant_id, deleted_at);
DROP INDEX idx_users_live;
CREATE INDEX idx_api_keys_tenant_deleted ON api_keys (tenant_id, deleted_at);
DROP INDEX idx_api_keys_live;
CREATE INDEX idx_sensors_tenant_deleted ON sensors (tenant_id, deleted_at);
DROP INDEX idx_sensors_live;
CREATE INDEX idx_rules_tenant_deleted ON rules (tenant_id, deleted_at);
DROP INDEX idx_rules_live;
CREATE INDEX idx_rule_sensors_tenant_deleted ON rule_sensors (tenant_id, deleted_at);
DROP INDEX idx_rule_sensors_live;
CREATE INDEX idx_configurations_tenant_deleted ON configurations (tenant_id, deleted_at);
DROP INDEX idx_configurations_live;
