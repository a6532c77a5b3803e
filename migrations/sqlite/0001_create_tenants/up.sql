-- Timestamps are INTEGER (declared BIGINT so diesel maps them to i64) unix nanoseconds, UTC.
CREATE TABLE tenants (
    tenant_id   CHAR(36)     NOT NULL PRIMARY KEY,
    name        VARCHAR(128) NOT NULL,
    created_at  BIGINT       NOT NULL,
    modified_at BIGINT       NOT NULL,
    deleted_at  BIGINT
);
CREATE INDEX idx_tenants_deleted_at ON tenants (deleted_at);
