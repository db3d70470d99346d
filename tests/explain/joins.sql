-- Join methods: hash joins on equalities, nested loops without them, index nested loops
-- from a small (or filtered) side into a large indexed table, outer joins, LATERAL.
CREATE TABLE big (id integer PRIMARY KEY, pad text);
CREATE TABLE small (id integer, ref integer, flag boolean);
INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(0, 9999) g;
INSERT INTO small SELECT g, g * 331, g % 3 = 0 FROM generate_series(0, 29) g;

EXPLAIN SELECT count(*) FROM small s JOIN big b ON b.id = s.ref WHERE s.flag;

EXPLAIN SELECT count(*) FROM big b JOIN small s ON s.ref = b.id WHERE s.flag;

EXPLAIN SELECT count(*) FROM big a JOIN big b ON b.id = a.id + 1;

EXPLAIN SELECT count(*) FROM small s LEFT JOIN big b ON b.id = s.ref + 1;

EXPLAIN SELECT * FROM small s1 JOIN small s2 ON s1.ref < s2.ref;

EXPLAIN SELECT * FROM small s1 CROSS JOIN small s2;

EXPLAIN SELECT * FROM small s1 RIGHT JOIN small s2 ON s1.id = s2.ref;

EXPLAIN SELECT * FROM small s1 FULL JOIN small s2 ON s1.id = s2.ref;

EXPLAIN SELECT * FROM small s1 JOIN small s2 USING (id) JOIN small s3 ON s3.ref = s2.id;

EXPLAIN SELECT * FROM small s, LATERAL (SELECT b.pad FROM big b WHERE b.id = s.ref) l;

EXPLAIN SELECT * FROM small s, LATERAL (SELECT count(*) FROM small x WHERE x.id < s.id) l;
