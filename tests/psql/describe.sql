-- psql's describe commands for single objects (\d TABLE, \d+ TABLE, \d INDEX, \d VIEW,
-- \d SEQUENCE), the database and role lists (\l for one database, \du), and array values
-- as psql prints them. The expected output is PostgreSQL 15's.
CREATE TABLE items (
    id integer PRIMARY KEY,
    sku varchar(20) NOT NULL UNIQUE,
    title text NOT NULL,
    price numeric(8,2) NOT NULL,
    tags text[],
    scores integer[],
    added timestamp,
    CHECK (price >= 0.00)
);
CREATE INDEX items_title ON items (title);
CREATE INDEX items_added_price ON items (added, price);
CREATE VIEW cheap_items AS SELECT id, title, price FROM items WHERE price < 10;
CREATE SEQUENCE item_numbers START 100 INCREMENT 5;
\d items
\d+ items
\d items_pkey
\d items_title
\d cheap_items
\d item_numbers
\l postgres
\du
INSERT INTO items VALUES
  (1, 'A-1', 'Lamp', 19.90, ARRAY['home', 'light'], '{3,5,4}', '2024-01-02 10:00'),
  (2, 'B-2', 'Pen', 1.50, '{office}', ARRAY[5], NULL),
  (3, 'C-3', 'Desk', 120.00, '{}', NULL, '2024-02-03 09:30'),
  (4, 'D-4', 'Quote "x"', 3.00, ARRAY['a b', NULL, 'c,d', ''], '{1,NULL}', NULL);
SELECT id, tags, scores FROM items ORDER BY id;
SELECT id, tags[1] AS first_tag, scores[2:3] AS some_scores, array_length(tags, 1) AS n FROM items ORDER BY id;
SELECT id FROM items WHERE 'home' = ANY (tags) OR 5 = ANY (scores) ORDER BY id;
SELECT id FROM items WHERE tags @> ARRAY['office'] OR scores && '{4}' ORDER BY id;
SELECT array_agg(title ORDER BY id) AS titles, array_agg(id ORDER BY id DESC) AS ids FROM items;
SELECT array_to_string(ARRAY(SELECT sku FROM items ORDER BY sku), ', ') AS skus;
SELECT ARRAY[1, 2] || 3 AS appended, 0 || ARRAY[1, 2] AS prepended, ARRAY[[1, 2], [3, 4]] AS matrix,
       '{a,b}'::text[] = ARRAY['a', 'b'] AS same, cardinality(ARRAY[[1, 2], [3, 4]]) AS card;
SELECT s, s * s AS square FROM generate_series(1, 4) s;
SELECT x FROM unnest(ARRAY['p', 'q']) AS x;
SELECT string_to_array('a,b,,c', ',') AS parts, array_position(ARRAY['x', 'y'], 'y') AS pos;
SELECT '{1,2'::int[];
SELECT ARRAY[1, 2] = ARRAY['a'];
