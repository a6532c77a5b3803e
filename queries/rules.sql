-- name: list-active-rules
-- row: Rule
SELECT * FROM rules
WHERE tenant_id = :tenant_id
  AND deleted_at IS NULL
  AND state = 'active'
  AND enabled = TRUE
ORDER BY rule_id
LIMIT :limit;

-- name: count-rules-by-state
SELECT state, COUNT(*) AS total
FROM rules
WHERE tenant_id = :tenant_id AND deleted_at IS NULL
GROUP BY state
ORDER BY state;

-- name: list-rule-sensors
-- The sensors a rule applies to, through its live links.
SELECT s.sensor_id, s.name AS sensor_name, r.name AS rule_name
FROM rule_sensors rs
JOIN rules r ON r.rule_id = rs.rule_id AND r.tenant_id = :tenant_id AND r.deleted_at IS NULL
JOIN sensors s ON s.sensor_id = rs.sensor_id AND s.tenant_id = :tenant_id AND s.deleted_at IS NULL
WHERE rs.tenant_id = :tenant_id AND rs.deleted_at IS NULL AND rs.rule_id = :rule_id
ORDER BY s.sensor_id;

-- name: set-rule-enabled
UPDATE rules SET enabled = :enabled, modified_at = :now
WHERE tenant_id = :tenant_id AND rule_id = :rule_id AND deleted_at IS NULL;

-- name: list-deleted-rules
-- include-deleted
SELECT rule_id, name, deleted_at
FROM rules
WHERE tenant_id = :tenant_id AND deleted_at IS NOT NULL
ORDER BY rule_id;
