-- name: get-config-value
-- returns: optional
SELECT config_value FROM configurations
WHERE tenant_id = :tenant_id AND config_key = :config_key AND deleted_at IS NULL;

-- name: soft-delete-config
UPDATE configurations SET deleted_at = :now, modified_at = :now
WHERE tenant_id = :tenant_id AND config_key = :config_key AND deleted_at IS NULL;
