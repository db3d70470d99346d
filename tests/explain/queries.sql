-- Plan nodes above the scans: filters, projections, aggregation, sorting, DISTINCT, LIMIT,
-- set operations, subqueries, common table expressions and set-returning functions.
CREATE TABLE t (id integer PRIMARY KEY, g integer, v numeric, s text);
INSERT INTO t SELECT i, i % 10, i * 1.5, 's' || (i % 3) FROM generate_series(1, 500) i;

EXPLAIN SELECT count(*), sum(v) FROM t;

EXPLAIN SELECT g, count(*) FROM t GROUP BY g HAVING count(*) > 1 ORDER BY g;

EXPLAIN SELECT g, s, max(v) FROM t GROUP BY g, s;

EXPLAIN SELECT DISTINCT s FROM t;

EXPLAIN SELECT DISTINCT ON (g) g, id FROM t ORDER BY g, id DESC;

EXPLAIN SELECT id FROM t ORDER BY v DESC, id LIMIT 5 OFFSET 2;

EXPLAIN SELECT id FROM t WHERE v > 10 AND s LIKE 's1%';

EXPLAIN SELECT id FROM t UNION SELECT g FROM t;

EXPLAIN SELECT id FROM t UNION ALL SELECT g FROM t;

EXPLAIN SELECT id FROM t INTERSECT SELECT g FROM t;

EXPLAIN SELECT id FROM t EXCEPT ALL SELECT g FROM t;

EXPLAIN SELECT id, (SELECT max(g) FROM t t2 WHERE t2.g < t.g) FROM t;

EXPLAIN SELECT id FROM t WHERE g IN (SELECT g FROM t WHERE id < 5);

EXPLAIN SELECT id FROM t WHERE EXISTS (SELECT 1 FROM t t2 WHERE t2.id = t.id + 1);

EXPLAIN SELECT * FROM (SELECT g, count(*) AS n FROM t GROUP BY g) d WHERE n > 3;

EXPLAIN WITH c AS (SELECT g FROM t WHERE id < 10) SELECT * FROM c JOIN c c2 USING (g);

EXPLAIN WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r;

EXPLAIN WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r;

EXPLAIN SELECT id, generate_series(1, g) FROM t;

EXPLAIN SELECT unnest(ARRAY[1, 2, 3]);
