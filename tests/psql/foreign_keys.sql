-- Foreign keys as psql shows them: the errors with PostgreSQL's messages, DETAIL and HINT
-- (23503 on both sides, 42830, 42804, 2BP01, 0A000), the NOTICEs of DROP ... CASCADE and
-- TRUNCATE ... CASCADE, and \d's "Foreign-key constraints:" and "Referenced by:" sections.
CREATE TABLE parents (id integer PRIMARY KEY, code text UNIQUE, region text, num integer, UNIQUE (region, num));
CREATE TABLE children (
    id integer PRIMARY KEY,
    parent_id integer REFERENCES parents ON DELETE CASCADE,
    code text CONSTRAINT children_code_ref REFERENCES parents (code) ON UPDATE SET NULL,
    region text,
    num integer,
    FOREIGN KEY (region, num) REFERENCES parents (region, num) MATCH FULL ON UPDATE CASCADE ON DELETE RESTRICT
);
CREATE TABLE nodes (id integer PRIMARY KEY, up integer REFERENCES nodes ON DELETE SET NULL);
INSERT INTO parents VALUES (1, 'a', 'eu', 1), (2, 'b', 'us', 2);
INSERT INTO children VALUES (10, 1, 'a', 'eu', 1);
INSERT INTO children VALUES (11, 3, NULL, NULL, NULL);
INSERT INTO children VALUES (12, NULL, 'zz', NULL, NULL);
INSERT INTO children VALUES (13, NULL, NULL, 'us', NULL);
INSERT INTO children VALUES (14, NULL, NULL, 'eu', 7);
DELETE FROM parents WHERE id = 1;
UPDATE parents SET num = 10 WHERE id = 1;
SELECT * FROM children;
CREATE TABLE other (x integer);
INSERT INTO other VALUES (1), (5);
ALTER TABLE other ADD CONSTRAINT other_x_fkey FOREIGN KEY (x) REFERENCES parents;
ALTER TABLE other ADD CONSTRAINT other_x_fkey FOREIGN KEY (x) REFERENCES parents NOT VALID;
ALTER TABLE other VALIDATE CONSTRAINT other_x_fkey;
CREATE TABLE bad1 (x text REFERENCES parents);
CREATE TABLE bad2 (x integer REFERENCES parents (region));
CREATE TABLE bad3 (x integer REFERENCES other);
\d parents
\d children
\d nodes
\d other
DROP TABLE parents;
ALTER TABLE parents DROP CONSTRAINT parents_pkey;
TRUNCATE parents;
DROP TABLE parents CASCADE;
\d children
TRUNCATE nodes CASCADE;
CREATE TABLE leaf (n integer REFERENCES nodes);
TRUNCATE nodes CASCADE;
DROP TABLE nodes CASCADE;
