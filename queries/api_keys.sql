-- name: find-api-key-by-hash
-- Authentication: the key decides the tenant, so this looks in all of them.
-- returns: optional
-- all-tenants
SELECT api_key_id, tenant_id, name FROM api_keys
WHERE key_hash = :key_hash AND deleted_at IS NULL;

-- name: touch-api-key
-- keeps-modified-at: last_used_at records a use of the key on every request, not a change to it
UPDATE api_keys SET last_used_at = :used_at
WHERE tenant_id = :tenant_id AND api_key_id = :api_key_id AND deleted_at IS NULL;
