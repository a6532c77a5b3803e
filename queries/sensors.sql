-- name: insert-sensor
INSERT INTO sensors (sensor_id, tenant_id, name, description, metadata, last_seen_at, created_at, modified_at)
VALUES (:sensor_id, :tenant_id, :name, :description, :metadata, NULL, :now, :now);

-- name: get-sensor
-- returns: optional
-- row: Sensor
SELECT * FROM sensors
WHERE tenant_id = ? AND sensor_id = ? AND deleted_at IS NULL;

-- name: list-sensors-seen-since
SELECT sensor_id, name, last_seen_at
FROM sensors
WHERE tenant_id = :tenant_id AND deleted_at IS NULL AND last_seen_at >= :since
ORDER BY sensor_id;

-- name: touch-sensor
UPDATE sensors SET last_seen_at = :seen_at, modified_at = :seen_at
WHERE tenant_id = :tenant_id AND sensor_id = :sensor_id AND deleted_at IS NULL;
