-- quill shell against psql: results, tags, errors, \x, list commands, COPY.
CREATE TABLE t (id int PRIMARY KEY, name text, score numeric(5,2));
INSERT INTO t VALUES (1, 'alice', 9.5), (2, 'bob', NULL), (10, E'multi\nline', 1.25);
SELECT * FROM t ORDER BY id;
SELECT count(*) AS n, max(score) FROM t;
SELECT id,
       name
  FROM t
  WHERE id > 1 ORDER BY id DESC;
SELECT 1 AS a; SELECT 'two' AS b;
\x
SELECT * FROM t WHERE id = 10;
SELECT * FROM t WHERE id = 1;
SELECT * FROM t WHERE false;
\x off
SELECT * FROM t WHERE false;
SELECT * FROM nosuch;
SELECT name FROM t WHERE nosuchcolumn = 1 AND id = 2 AND name = 'a very long string that goes on';
BEGIN;
INSERT INTO t VALUES (1, 'dup', 0);
SELECT 1;
ROLLBACK;
\dt
\di
\ds
CREATE SEQUENCE s;
CREATE VIEW v AS SELECT id FROM t;
\d
\dv
COPY t (id, name) FROM STDIN;
20	copied
21	\N
\.
SELECT id, name FROM t WHERE id >= 20 ORDER BY id;
COPY (SELECT id FROM t ORDER BY id) TO STDOUT;
\nosuchcommand
SELECT 'no semicolon at the end'
