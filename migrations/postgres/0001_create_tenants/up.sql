CREATE TABLE tenants (
    tenant_id   CHAR(36)                 NOT NULL PRIMARY KEY,
    name        VARCHAR(128)             NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    modified_at TIMESTAMP WITH TIME ZONE NOT NULL,
    deleted_at  TIMESTAMP WITH TIME ZONE
);
CREATE INDEX idx_tenants_deleted_at ON tenants (deleted_at);
