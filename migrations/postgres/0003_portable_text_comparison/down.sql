-- Back to the database's default collation on the columns 0003 pinned to "C".

ALTER TABLE tenants
    ALTER COLUMN name TYPE VARCHAR(128) COLLATE "default";

ALTER TABLE users
    ALTER COLUMN username      TYPE VARCHAR(128) COLLATE "default",
    ALTER COLUMN password_hash TYPE VARCHAR(255) COLLATE "default",
    ALTER COLUMN role          TYPE VARCHAR(32)  COLLATE "default";

ALTER TABLE api_keys
    ALTER COLUMN name     TYPE VARCHAR(255) COLLATE "default",
    ALTER COLUMN key_hash TYPE CHAR(64)     COLLATE "default";

ALTER TABLE sensors
    ALTER COLUMN name        TYPE VARCHAR(128) COLLATE "default",
    ALTER COLUMN description TYPE TEXT         COLLATE "default",
    ALTER COLUMN metadata    TYPE TEXT         COLLATE "default";

ALTER TABLE rules
    ALTER COLUMN name        TYPE VARCHAR(128) COLLATE "default",
    ALTER COLUMN description TYPE TEXT         COLLATE "default",
    ALTER COLUMN state       TYPE VARCHAR(16)  COLLATE "default",
    ALTER COLUMN action      TYPE VARCHAR(16)  COLLATE "default",
    ALTER COLUMN scope_tags  TYPE TEXT         COLLATE "default",
    ALTER COLUMN expression  TYPE TEXT         COLLATE "default";

ALTER TABLE configurations
    ALTER COLUMN config_key   TYPE VARCHAR(128) COLLATE "default",
    ALTER COLUMN config_value TYPE TEXT         COLLATE "default";
