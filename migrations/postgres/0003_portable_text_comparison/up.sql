-- Text orders the same on all three backends: by code point, as SQLite's BINARY and MySQL's
-- NO PAD binary collations (0003 there).
--
-- Until now the text columns used the database's default collation, which is whatever the
-- operator's CREATE DATABASE chose: under C.UTF-8 that is code-point order, but under
-- en_US.UTF-8 (or ICU en-US) 'a' < 'B', so ORDER BY, MIN/MAX and < on text came out
-- differently from the other backends (measured: a database created with ICU en-US sorted
-- B, a, É, e as a < B < e < É; after this migration B < a < e < É, as SQLite and MariaDB do).
-- "C" is the same on every PostgreSQL, whatever locales the server has. Equality did not
-- differ (a database's default collation is deterministic). ALTER ... TYPE with the same type
-- relabels the column and rebuilds its indexes (uq_users_username, the partial
-- uq_configurations_live_key); types, lengths, nullability and CHECKs stay (pg_dump -s shows
-- only the COLLATE added, and the CHECKs deparsed in an equivalent form).
--
-- api_keys.key_hash becomes VARCHAR(64): it is text to the application, and CHAR makes PostgreSQL
-- drop trailing spaces from any expression it meets (`CASE WHEN … THEN 'eve ' ELSE key_hash END`
-- stored 'eve' here and 'eve ' on SQLite and MySQL; found by the differential oracle).
-- Not changed: the CHAR(36) ids. They hold only lowercase hex digits and
-- '-' (hyphens at the same places), which ICU en-US orders as "C" does (measured: 200,000
-- random UUIDs and 200,000 SHA-256 hex digests came out in the same order under both), and
-- equality is the same; changing them would rebuild every primary and foreign key.

ALTER TABLE tenants
    ALTER COLUMN name TYPE VARCHAR(128) COLLATE "C";

ALTER TABLE users
    ALTER COLUMN username      TYPE VARCHAR(128) COLLATE "C",
    ALTER COLUMN password_hash TYPE VARCHAR(255) COLLATE "C",
    ALTER COLUMN role          TYPE VARCHAR(32)  COLLATE "C";

ALTER TABLE api_keys
    ALTER COLUMN name     TYPE VARCHAR(255) COLLATE "C",
    ALTER COLUMN key_hash TYPE VARCHAR(64)  COLLATE "C";

ALTER TABLE sensors
    ALTER COLUMN name        TYPE VARCHAR(128) COLLATE "C",
    ALTER COLUMN description TYPE TEXT         COLLATE "C",
    ALTER COLUMN metadata    TYPE TEXT         COLLATE "C";

ALTER TABLE rules
    ALTER COLUMN name        TYPE VARCHAR(128) COLLATE "C",
    ALTER COLUMN description TYPE TEXT         COLLATE "C",
    ALTER COLUMN state       TYPE VARCHAR(16)  COLLATE "C",
    ALTER COLUMN action      TYPE VARCHAR(16)  COLLATE "C",
    ALTER COLUMN scope_tags  TYPE TEXT         COLLATE "C",
    ALTER COLUMN expression  TYPE TEXT         COLLATE "C";

ALTER TABLE configurations
    ALTER COLUMN config_key   TYPE VARCHAR(128) COLLATE "C",
    ALTER COLUMN config_value TYPE TEXT         COLLATE "C";
