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
