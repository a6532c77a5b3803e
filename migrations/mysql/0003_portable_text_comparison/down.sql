-- Back to utf8mb4_bin (PAD SPACE) on the columns and tables 0003 changed, with the same types,
-- lengths, nullability, MariaDB's inline CHECKs and the generated column, as in up.sql. Fails with
-- a duplicate-key error while two usernames (or live configuration keys of one tenant) differ
-- only in trailing spaces, as PAD SPACE makes them equal again (measured); MySQL commits each
-- ALTER, so the tables before the failing one are already back. Rename or delete one of the
-- pair and run it again: every statement here can be repeated.

ALTER TABLE tenants
    MODIFY name VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
    DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

ALTER TABLE users
    MODIFY username      VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
    MODIFY password_hash VARCHAR(255) COLLATE utf8mb4_bin NOT NULL,
    MODIFY role          VARCHAR(32)  COLLATE utf8mb4_bin NOT NULL
        /*M!100000 CHECK (role IN ('admin', 'operator', 'observer')) */,
    DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

ALTER TABLE api_keys
    MODIFY name     VARCHAR(255) COLLATE utf8mb4_bin NOT NULL,
    MODIFY key_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

ALTER TABLE sensors
    MODIFY name        VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
    MODIFY description TEXT         COLLATE utf8mb4_bin NULL,
    MODIFY metadata    TEXT         COLLATE utf8mb4_bin NOT NULL,
    DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

ALTER TABLE rules
    MODIFY name        VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
    MODIFY description TEXT         COLLATE utf8mb4_bin NULL,
    MODIFY state       VARCHAR(16)  COLLATE utf8mb4_bin NOT NULL
        /*M!100000 CHECK (state IN ('draft', 'active', 'disabled')) */,
    MODIFY action      VARCHAR(16)  COLLATE utf8mb4_bin NOT NULL
        /*M!100000 CHECK (action IN ('observe', 'drop', 'fail')) */,
    MODIFY scope_tags  TEXT         COLLATE utf8mb4_bin NOT NULL,
    MODIFY expression  TEXT         COLLATE utf8mb4_bin NOT NULL,
    DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Only ids: just the table default, for columns added later.
ALTER TABLE rule_sensors
    DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

ALTER TABLE configurations
    MODIFY config_key      VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
    MODIFY config_value    TEXT         COLLATE utf8mb4_bin NOT NULL,
    MODIFY live_config_key VARCHAR(128) COLLATE utf8mb4_bin
        GENERATED ALWAYS AS (CASE WHEN deleted_at IS NULL THEN config_key END) STORED,
    DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
