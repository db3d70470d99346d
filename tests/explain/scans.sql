-- Access paths of one table: sequential scans, index scans by primary key, unique and
-- multi-column indexes, ranges, and predicates no index serves.
CREATE TABLE t (id integer PRIMARY KEY, a integer, b text, c integer);
CREATE UNIQUE INDEX t_b ON t (b);
CREATE INDEX t_a_c ON t (a, c);
INSERT INTO t SELECT g, g % 50, 'b' || g, g % 7 FROM generate_series(1, 2000) g;

EXPLAIN SELECT * FROM t;

EXPLAIN SELECT b FROM t WHERE id = 42;

EXPLAIN SELECT id FROM t WHERE id > 1990;

EXPLAIN SELECT id FROM t WHERE id >= 10 AND id < 20;

EXPLAIN SELECT id FROM t WHERE b = 'b7';

EXPLAIN SELECT id FROM t WHERE a = 3 AND c = 2;

EXPLAIN SELECT id FROM t WHERE a = 3;

EXPLAIN SELECT id FROM t WHERE c = 3;

EXPLAIN SELECT id FROM t WHERE id + 0 = 42;

EXPLAIN SELECT id FROM t WHERE id = 42 OR id = 43;

EXPLAIN SELECT * FROM (VALUES (1, 'one'), (2, 'two')) v(n, s);

EXPLAIN SELECT * FROM generate_series(1, 10);

EXPLAIN SELECT 1 + 1;

EXPLAIN SELECT * FROM missing;
