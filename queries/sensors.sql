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

-- name: list-sensors-under-rule-state
-- The sensors some live rule in a state (e.g. 'active') applies to: IN over a subquery.
SELECT s.sensor_id, s.name
FROM sensors s
WHERE s.tenant_id = :tenant_id AND s.deleted_at IS NULL
  AND s.sensor_id IN (
    SELECT rs.sensor_id FROM rule_sensors rs
    JOIN rules r ON r.rule_id = rs.rule_id AND r.tenant_id = rs.tenant_id AND r.deleted_at IS NULL
    WHERE rs.tenant_id = s.tenant_id AND rs.deleted_at IS NULL AND r.state = :state)
ORDER BY s.sensor_id;

-- name: list-sensor-summaries
-- The web UI's sensor page: each sensor with how many live rules apply to it (a value
-- subquery: COUNT is one row, never NULL), its tenant's name (found by key: NULL if none),
-- a label and the first 80 characters of its description.
SELECT s.sensor_id,
       s.name || ' @ ' || (SELECT t.name FROM tenants t WHERE t.tenant_id = s.tenant_id AND t.deleted_at IS NULL) AS label,
       SUBSTR(s.description, 1, 80) AS summary,
       (SELECT COUNT(*) FROM rule_sensors rs
        WHERE rs.sensor_id = s.sensor_id AND rs.tenant_id = s.tenant_id AND rs.deleted_at IS NULL) AS rule_count
FROM sensors s
WHERE s.tenant_id = :tenant_id AND s.deleted_at IS NULL
  AND (:after IS NULL OR s.sensor_id > :after)
ORDER BY s.sensor_id
LIMIT :limit;

-- name: list-sensors-with-untidy-names
-- A data-quality report: names with spaces around them or two spaces in a row (TRIM, and a
-- LIKE pattern without letters, which every engine matches alike).
SELECT sensor_id, name
FROM sensors
WHERE tenant_id = :tenant_id AND deleted_at IS NULL
  AND (TRIM(name) <> name OR name LIKE '%  %')
ORDER BY sensor_id;

-- name: soft-delete-sensor
-- Soft-deletes a sensor; its rule links go with it, in the same write transaction and with the
-- same instant (the cascade the repository's soft delete makes).
UPDATE sensors SET deleted_at = :now
WHERE tenant_id = :tenant_id AND sensor_id = :sensor_id AND deleted_at IS NULL;
