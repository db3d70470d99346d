-- psql meta-commands over a small schema: tables with PRIMARY KEY, UNIQUE, NOT NULL,
-- CHECK and DEFAULT, indexes and a view. The expected output is PostgreSQL 15's.
CREATE TABLE customers (
    id integer PRIMARY KEY,
    email varchar(80) NOT NULL UNIQUE,
    name text NOT NULL,
    created date
);
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id integer NOT NULL,
    amount numeric(10,2) NOT NULL DEFAULT 0,
    status char(1) DEFAULT 'n',
    quantity smallint CHECK (quantity > 0)
);
CREATE INDEX orders_customer ON orders (customer_id);
CREATE INDEX orders_status_amount ON orders (status, amount);
CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 100;
\d
\dt
\di
\dv
\ds
\dn
\d no_such_table
\dt cust*
\di orders*
SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1;
SELECT column_name, ordinal_position, is_nullable, data_type, character_maximum_length, numeric_precision, numeric_scale
  FROM information_schema.columns WHERE table_name = 'orders' ORDER BY ordinal_position;
SELECT schema_name FROM information_schema.schemata ORDER BY 1;
SELECT c.relname, c.relkind, c.relnatts, c.relchecks, c.relhasindex
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' ORDER BY 1;
SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef
  FROM pg_catalog.pg_attribute a
 WHERE a.attrelid = 'orders'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum;
SELECT conname, contype, pg_catalog.pg_get_constraintdef(oid, true) FROM pg_catalog.pg_constraint
 WHERE conrelid = 'customers'::pg_catalog.regclass ORDER BY 1;
SELECT indexrelid::regclass, indisunique, indisprimary, pg_catalog.pg_get_indexdef(indexrelid)
  FROM pg_catalog.pg_index WHERE indrelid = 'orders'::regclass ORDER BY 1;
SELECT 'orders'::regclass, 'integer'::regtype, 1043::regtype, pg_catalog.pg_get_userbyid(10) AS owner,
       current_database(), current_schema(), current_user;
SELECT nspname, pg_catalog.pg_get_userbyid(nspowner) FROM pg_catalog.pg_namespace ORDER BY 1;
SELECT pg_catalog.pg_table_is_visible('orders'::regclass), pg_catalog.pg_table_is_visible('information_schema.tables'::regclass);
SELECT typname, typlen, typcategory FROM pg_catalog.pg_type WHERE oid IN (16, 19, 23, 25, 1043, 1700) ORDER BY oid;
SELECT 'no_such'::regclass;
SELECT r.rolname, r.rolsuper, r.rolcanlogin FROM pg_catalog.pg_roles r WHERE r.rolname !~ '^pg_' ORDER BY 1;
SELECT datname, pg_catalog.pg_get_userbyid(datdba), pg_catalog.pg_encoding_to_char(encoding) FROM pg_catalog.pg_database WHERE datname = current_database();
SELECT count(*) > 0 AS has_settings FROM pg_catalog.pg_settings WHERE name = 'server_version';
SELECT schemaname, tablename, indexname, indexdef FROM pg_catalog.pg_indexes WHERE schemaname = 'public' ORDER BY indexname;
SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relname OPERATOR(pg_catalog.~) '^(orders)$' COLLATE pg_catalog.default AND pg_catalog.pg_table_is_visible(c.oid);
