-- name: find-user-by-username
-- Login: usernames are unique across tenants, so this one looks in all of them.
-- returns: optional
-- row: User
-- all-tenants
SELECT * FROM users WHERE username = :username AND deleted_at IS NULL;

-- name: list-users-by-role
SELECT user_id, username, role
FROM users
WHERE tenant_id = :tenant_id AND role = :role AND deleted_at IS NULL
ORDER BY user_id;
