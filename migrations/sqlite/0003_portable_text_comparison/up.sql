-- Nothing to change on SQLite; 0003 makes the other backends compare text as SQLite does.
-- SQLite compares TEXT with its built-in BINARY collation unless a column or query says
-- otherwise: memcmp of the UTF-8 bytes, which is code-point order, with no padding ('eve' and
-- 'eve ' are different values) and no dependence on a locale; CHAR(n)/VARCHAR(n) are plain
-- TEXT, neither padded nor cut. PostgreSQL's "C" and MySQL's NO PAD binary collations match it.
--
-- The folder exists so that the three backends keep the same numbering. diesel runs an
-- embedded up.sql as it is, but the diesel CLI refuses an empty file ("Attempted to run an
-- empty migration"), so this one holds a statement that does nothing.
SELECT 1;
