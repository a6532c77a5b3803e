-- name: insert-sensor
-- The id and both timestamps are left out: the function makes them as the repository does
-- (a new UUIDv7, the current time) and returns the new id.
INSERT INTO sensors (tenant_id, name, description, metadata, last_seen_at)
VALUES (:tenant_id, :name, :description, :metadata, NULL);

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
-- modified_at is left out: the function sets it to the current time.
UPDATE sensors SET last_seen_at = :seen_at
WHERE tenant_id = :tenant_id AND sensor_id = :sensor_id AND deleted_at IS NULL;

-- name: find-sensors
-- The sensor list of the web UI, with its two optional filters: a NULL filter matches every
-- row (`Option` parameters).
SELECT sensor_id, name, last_seen_at
FROM sensors
WHERE tenant_id = :tenant_id AND deleted_at IS NULL
  AND (:name IS NULL OR name = :name)
  AND (:seen_since IS NULL OR last_seen_at >= :seen_since)
ORDER BY sensor_id
LIMIT :limit;

-- name: get-sensors-by-ids
-- The sensors of a batch of ids (a rule's page of links, a dashboard): one statement for the
-- whole slice; an empty slice matches nothing.
-- list: sensor_ids
-- row: Sensor
SELECT * FROM sensors
WHERE tenant_id = :tenant_id AND deleted_at IS NULL AND sensor_id IN (:sensor_ids)
ORDER BY sensor_id;

-- name: register-sensors
-- Many sensors at once (an import, a fleet coming online): the function takes a slice of
-- rows, makes an id per row and writes them all in one write transaction.
-- batch
INSERT INTO sensors (tenant_id, name, description, metadata)
VALUES (:tenant_id, :name, :description, :metadata);
