-- DATETIME(6) holding UTC, not TIMESTAMP(6): TIMESTAMP stops at 2038 and depends on the session
-- time zone (see shared/design/measured-facts.md). Ids are ASCII so their indexes stay small;
-- text is utf8mb4 with a binary collation so comparisons match PostgreSQL and SQLite.
CREATE TABLE tenants (
    tenant_id   CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    name        VARCHAR(128) NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    modified_at DATETIME(6)  NOT NULL,
    deleted_at  DATETIME(6)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX idx_tenants_deleted_at ON tenants (deleted_at);
