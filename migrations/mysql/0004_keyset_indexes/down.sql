-- Nothing to undo on MySQL (see up.sql).
SELECT 1;
