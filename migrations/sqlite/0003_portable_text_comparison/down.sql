-- Nothing to undo: up.sql changes nothing on SQLite (see there).
SELECT 1;
