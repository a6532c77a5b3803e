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

-- name: list-rules-without-sensors
-- Rules that apply to no live sensor (nothing to evaluate): NOT EXISTS over the live links,
-- correlated through the rule and its tenant.
SELECT r.rule_id, r.name, r.state
FROM rules r
WHERE r.tenant_id = :tenant_id AND r.deleted_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM rule_sensors rs
    JOIN sensors s ON s.sensor_id = rs.sensor_id AND s.tenant_id = rs.tenant_id AND s.deleted_at IS NULL
    WHERE rs.rule_id = r.rule_id AND rs.tenant_id = r.tenant_id AND rs.deleted_at IS NULL)
ORDER BY r.rule_id;

-- name: disable-rules-without-sensors
-- Switches off the live rules that apply to no live sensor; returns how many.
UPDATE rules SET enabled = FALSE
WHERE tenant_id = :tenant_id AND deleted_at IS NULL AND enabled = TRUE
  AND NOT EXISTS (
    SELECT 1 FROM rule_sensors rs
    WHERE rs.rule_id = rules.rule_id AND rs.tenant_id = rules.tenant_id AND rs.deleted_at IS NULL);

-- name: link-rule-to-sensors-seen-since
-- Applies a rule to every live sensor seen since a time (INSERT … SELECT): the function
-- selects the sensors, then inserts one link per sensor as a batch, in one write transaction,
-- each with a new id and timestamps, the rule and tenant checked live. Returns the new ids.
INSERT INTO rule_sensors (tenant_id, rule_id, sensor_id)
SELECT :tenant_id, :rule_id, s.sensor_id
FROM sensors s
WHERE s.tenant_id = :tenant_id AND s.deleted_at IS NULL AND s.last_seen_at >= :since
  AND NOT EXISTS (
    SELECT 1 FROM rule_sensors rs
    WHERE rs.tenant_id = s.tenant_id AND rs.sensor_id = s.sensor_id AND rs.rule_id = :rule_id
      AND rs.deleted_at IS NULL)
ORDER BY s.sensor_id;

-- name: set-rule-state
-- Moves a rule to another state (text: the function refuses a value that is not one of the
-- rule's states, as the repository's RuleState does).
UPDATE rules SET state = :state
WHERE tenant_id = :tenant_id AND rule_id = :rule_id AND deleted_at IS NULL;

-- name: rename-rule
-- A new name, or the old one when the caller passes None (the name rule applies to a new one).
-- param: name Option<String>
UPDATE rules SET name = COALESCE(:name, name)
WHERE tenant_id = :tenant_id AND rule_id = :rule_id AND deleted_at IS NULL;

-- name: list-newest-rules-per-state
-- The newest few rules of each state (a dashboard): ROW_NUMBER over each state's rules, newest
-- first (ties broken by the id, so every database numbers them alike), in a WITH query the
-- body filters.
WITH ranked AS (
    SELECT rule_id, name, state, created_at,
           ROW_NUMBER() OVER (PARTITION BY state ORDER BY created_at DESC, rule_id DESC) AS position
    FROM rules
    WHERE tenant_id = :tenant_id AND deleted_at IS NULL)
SELECT rule_id, name, state, position
FROM ranked
WHERE position <= :per_state
ORDER BY state, position;
