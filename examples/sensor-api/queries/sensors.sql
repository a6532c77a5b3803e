-- name: register-sensor
-- A sensor announcing itself: the id and timestamps are made by the function.
INSERT INTO sensors (tenant_id, name, metadata)
VALUES (:tenant_id, :name, '{}');

-- name: list-sensor-names
SELECT sensor_id, name
FROM sensors
WHERE tenant_id = :tenant_id AND deleted_at IS NULL
ORDER BY sensor_id
LIMIT :limit;
