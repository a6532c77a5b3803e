-- Text compares the same on all three backends: byte for byte, trailing spaces included.
--
-- utf8mb4_bin (0001/0002) is a PAD SPACE collation: 'eve' = 'eve ' is true, so a user 'eve '
-- could not be created next to 'eve' (uq_users_username), the configuration key 'timeout '
-- collided with 'timeout', and WHERE username = 'eve' also found 'eve '. SQLite and PostgreSQL
-- keep them apart. The NO PAD binary collation compares code points without padding, and its
-- order is code-point order, as SQLite's BINARY and PostgreSQL's "C".
--
-- The NO PAD binary collation has a different name per server, and each COLLATE below names
-- both, in executable comments, so that each server reads exactly one:
--   /*M!100000 utf8mb4_nopad_bin */  run only by MariaDB >= 10.0; MySQL reads a plain comment.
--   /*!80000 utf8mb4_0900_bin */     run by MySQL >= 8.0, which has no utf8mb4_nopad_bin (its NO
--                                    PAD binary collation is utf8mb4_0900_bin); MariaDB skips
--                                    versioned comments of 50700-99999 as MySQL-only syntax
--                                    (sql_lex.cc; measured on 10.11).
-- A MySQL 8 operator therefore needs to do nothing, and must not edit this file to put
-- utf8mb4_0900_bin in by hand: start-up compares its checksum. Nothing else could choose: COLLATE
-- takes a name, not an expression, and plain SQL has no conditional DDL outside a procedure.
-- MySQL 5.7 has no NO PAD collation; there the first statement fails and nothing changes.
-- The mariadb and mysql clients pass executable comments on, so the file also works by hand.
--
-- Every VARCHAR/TEXT column keeps its type, length and nullability. MariaDB stores an inline
-- CHECK as part of its column, and MODIFY without it drops the constraint (measured), so the
-- columns with one (users.role, rules.state, rules.action) restate it, MariaDB-only: MySQL 8
-- turns an inline CHECK into a table constraint (users_chk_1), which MODIFY leaves in place and
-- a restated CHECK would duplicate. live_config_key (0002) is restated with its expression, and
-- uq_configurations_live_key is rebuilt on the new collation. SHOW CREATE TABLE on MariaDB
-- differs afterwards only in each table's DEFAULT ... COLLATE (measured).
--
-- Not changed: the CHAR(36) ids (CHARACTER SET ascii COLLATE ascii_bin, PAD SPACE). Their values
-- are always exactly 36 characters with no spaces, written and bound only through typed ids
-- (parsed UUIDs); two such values compare alike under PAD SPACE and NO PAD, and ascii_bin orders
-- them by code point like SQLite and PostgreSQL. Padding would show only for a probe with a
-- trailing space, which the application cannot bind, and there the backends disagree whatever
-- the collation (measured: WHERE tenant_id = '<id> ' finds the row on MySQL ascii_bin and on
-- PostgreSQL, whose CHAR (bpchar) ignores trailing spaces under any collation, not on SQLite nor
-- under ascii_nopad_bin). Converting them would rebuild every primary and foreign key for nothing.
-- api_keys.key_hash is text to the application, though: compared with a non-ASCII text value
-- (`key_hash = 'émile'`, or in a CASE with text literals) MySQL raised "Illegal mix of
-- collations (ascii_bin,IMPLICIT) and (utf8mb4_…,COERCIBLE)" where SQLite and PostgreSQL answer
-- no rows (found by the differential oracle, tests/oracle.rs), so it becomes utf8mb4 NO PAD too,
-- and VARCHAR: CHAR drops trailing spaces on read, as on PostgreSQL.

ALTER TABLE tenants
    MODIFY name VARCHAR(128) COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NOT NULL,
    DEFAULT CHARSET = utf8mb4 COLLATE = /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

ALTER TABLE users
    MODIFY username      VARCHAR(128) COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NOT NULL,
    MODIFY password_hash VARCHAR(255) COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NOT NULL,
    MODIFY role          VARCHAR(32)  COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NOT NULL
        /*M!100000 CHECK (role IN ('admin', 'operator', 'observer')) */,
    DEFAULT CHARSET = utf8mb4 COLLATE = /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

ALTER TABLE api_keys
    MODIFY name     VARCHAR(255) COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NOT NULL,
    MODIFY key_hash VARCHAR(64) CHARACTER SET utf8mb4 COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NOT NULL,
    DEFAULT CHARSET = utf8mb4 COLLATE = /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

ALTER TABLE sensors
    MODIFY name        VARCHAR(128) COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NOT NULL,
    MODIFY description TEXT         COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NULL,
    MODIFY metadata    TEXT         COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NOT NULL,
    DEFAULT CHARSET = utf8mb4 COLLATE = /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

ALTER TABLE rules
    MODIFY name        VARCHAR(128) COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NOT NULL,
    MODIFY description TEXT         COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NULL,
    MODIFY state       VARCHAR(16)  COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NOT NULL
        /*M!100000 CHECK (state IN ('draft', 'active', 'disabled')) */,
    MODIFY action      VARCHAR(16)  COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NOT NULL
        /*M!100000 CHECK (action IN ('observe', 'drop', 'fail')) */,
    MODIFY scope_tags  TEXT         COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NOT NULL,
    MODIFY expression  TEXT         COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NOT NULL,
    DEFAULT CHARSET = utf8mb4 COLLATE = /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

-- Only ids: just the table default, for columns added later.
ALTER TABLE rule_sensors
    DEFAULT CHARSET = utf8mb4 COLLATE = /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

ALTER TABLE configurations
    MODIFY config_key      VARCHAR(128) COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NOT NULL,
    MODIFY config_value    TEXT         COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */ NOT NULL,
    MODIFY live_config_key VARCHAR(128) COLLATE /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */
        GENERATED ALWAYS AS (CASE WHEN deleted_at IS NULL THEN config_key END) STORED,
    DEFAULT CHARSET = utf8mb4 COLLATE = /*M!100000 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;
