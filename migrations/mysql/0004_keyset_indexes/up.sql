-- Keyset pages (`WHERE tenant_id = ? AND deleted_at IS NULL [AND id > ?] ORDER BY id LIMIT n`)
-- need an index that holds their order (0004 on SQLite and PostgreSQL adds one). Nothing to do
-- on MySQL: an InnoDB secondary index ends with the primary key, so the (tenant_id, deleted_at)
-- indexes of 0002 are ordered by the id within a tenant's live rows, and MySQL and MariaDB read
-- `deleted_at IS NULL` as a fixed key part (no filesort; the EXPLAIN test checks it). The
-- folder keeps the three backends' numbering; the diesel CLI refuses an empty file, hence a
-- statement that does nothing.
SELECT 1;
