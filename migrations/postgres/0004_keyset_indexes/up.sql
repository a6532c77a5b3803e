-- Keyset pages — `WHERE tenant_id = ? AND deleted_at IS NULL [AND id > ?] ORDER BY id LIMIT n`,
-- the shape of every list in the repository and in queries/ — read their rows in index order
-- and stop after n, so a page costs the same however many rows the tenant has. The
-- (tenant_id, deleted_at) indexes of 0002 served the filter but not the order: every page
-- sorted the whole tenant (SQLite: "USE TEMP B-TREE FOR ORDER BY", 4 ms a page at 10,000 rows).
-- A partial index on (tenant_id, id) of the live rows holds exactly the rows and the order of a
-- page; PostgreSQL needs it partial, since it does not treat `deleted_at IS NULL` as fixing
-- the column (an index on (tenant_id, deleted_at, id) still sorts, measured on PostgreSQL 15).
-- It also serves the tenant cascade (`... WHERE tenant_id = ? AND deleted_at IS NULL`).
CREATE INDEX idx_users_live ON users (tenant_id, user_id) WHERE deleted_at IS NULL;
DROP INDEX idx_users_tenant_deleted;
CREATE INDEX idx_api_keys_live ON api_keys (tenant_id, api_key_id) WHERE deleted_at IS NULL;
DROP INDEX idx_api_keys_tenant_deleted;
CREATE INDEX idx_sensors_live ON sensors (tenant_id, sensor_id) WHERE deleted_at IS NULL;
DROP INDEX idx_sensors_tenant_deleted;
CREATE INDEX idx_rules_live ON rules (tenant_id, rule_id) WHERE deleted_at IS NULL;
DROP INDEX idx_rules_tenant_deleted;
CREATE INDEX idx_rule_sensors_live ON rule_sensors (tenant_id, rule_sensor_id) WHERE deleted_at IS NULL;
DROP INDEX idx_rule_sensors_tenant_deleted;
CREATE INDEX idx_configurations_live ON configurations (tenant_id, configuration_id) WHERE deleted_at IS NULL;
DROP INDEX idx_configurations_tenant_deleted;
