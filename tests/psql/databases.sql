\l
CREATE DATABASE app;
CREATE DATABASE app;
\c app
SELECT current_database();
CREATE TABLE only_in_app (a int);
INSERT INTO only_in_app VALUES (1);
\dt
\c postgres
SELECT current_database();
\dt
SELECT * FROM only_in_app;
DROP DATABASE app;
\l
