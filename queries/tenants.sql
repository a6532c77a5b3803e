-- name: get-tenant
-- returns: optional
-- row: Tenant
SELECT tenant_id, name, created_at, modified_at, deleted_at
FROM tenants
WHERE tenant_id = :tenant_id AND deleted_at IS NULL;

-- name: list-tenants
-- row: Tenant
SELECT * FROM tenants
WHERE deleted_at IS NULL
ORDER BY tenant_id
LIMIT :limit;

-- name: count-live-tenants
-- returns: one
SELECT COUNT(*) AS total FROM tenants WHERE deleted_at IS NULL;

-- name: list-recent-activity
-- A tenant's activity feed: rules and sensors made since a time, newest first, in one list
-- (UNION ALL; the LIMIT orders by every column, so every database returns the same page).
SELECT 'rule' AS kind, name, created_at FROM rules
WHERE tenant_id = :tenant_id AND deleted_at IS NULL AND created_at >= :since
UNION ALL
SELECT 'sensor' AS kind, name, created_at FROM sensors
WHERE tenant_id = :tenant_id AND deleted_at IS NULL AND created_at >= :since
ORDER BY created_at DESC, kind, name
LIMIT :limit;

-- name: soft-delete-tenant
-- Soft-deletes a tenant and, with the same instant, its rows in every other table.
UPDATE tenants SET deleted_at = :now
WHERE tenant_id = :tenant_id AND deleted_at IS NULL;
