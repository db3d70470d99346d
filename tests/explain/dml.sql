-- EXPLAIN of INSERT, UPDATE and DELETE: the rows they read and the table they change.
CREATE TABLE t (id integer PRIMARY KEY, v integer, s text);
CREATE TABLE u (id integer, w integer);
INSERT INTO t SELECT g, g % 10, 's' || g FROM generate_series(1, 300) g;
INSERT INTO u SELECT g, g * 2 FROM generate_series(1, 20) g;

EXPLAIN INSERT INTO t VALUES (1000, 1, 'x');

EXPLAIN INSERT INTO t SELECT id + 1000, w, 'y' FROM u;

EXPLAIN INSERT INTO t VALUES (1001, 1, 'x') RETURNING id;

EXPLAIN UPDATE t SET v = v + 1;

EXPLAIN UPDATE t SET v = 0 WHERE id = 7;

EXPLAIN UPDATE t SET v = u.w FROM u WHERE u.id = t.id;

EXPLAIN DELETE FROM t WHERE v = 3;

EXPLAIN DELETE FROM t WHERE id = 9;

EXPLAIN DELETE FROM t USING u WHERE u.id = t.id;

-- EXPLAIN without ANALYZE changes nothing.
SELECT count(*) FROM t;
