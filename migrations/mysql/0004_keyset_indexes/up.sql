-- Keyset pages (`WHERE tenant_id = ? AND deleted_at IS NULL [AND id > ?] ORDER BY id LIMIT n`)
-- need an index that holds their order (0004 on SQLite and PostgreSQL adds one). Nothing is
-- added on MySQL: an InnoDB secondary index ends with the primary key, so the
-- (tenant_id, deleted_at) indexes of 0002 already hold the id order and a page needs no sort
-- (the EXPLAIN test checks it). MariaDB 10.11 does not seek to the id on its own (it picks
-- `ref` access and filters); the repository names this index for a page after an id on MySQL
-- (`tenant_scoped!` in src/repository/mod.rs; measured in benches/pages.rs).
-- The folder keeps the three backends' numbering; the diesel CLI refuses an empty file, hence
-- a statement that does nothing.
SELECT 1;
