//! Built-in functions against PostgreSQL 15.
//!
//! Every case below was recorded from a PostgreSQL 15.18 server (TimeZone UTC, UTF-8,
//! `extra_float_digits` 1) with psql: the query, the result column types PostgreSQL
//! reports (`\gdesc`, comma-separated), and its output — rows joined by newlines, columns
//! by `|`, NULL as `<null>` — or `ERROR <sqlstate>`. The test runs each query through the
//! embedded engine and compares the text of every value, the column types and the SQLSTATE.
//! The queries run over constants and over the table `ft` made by `SETUP` (so functions are
//! both folded at bind time and evaluated per row).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use engine::{DataType, Database, DatabaseOptions, Session, Value};
use std::path::Path;
use std::sync::Arc;

const SETUP: &[&str] = &[
    r"CREATE TABLE ft (id int, s text, c char(5), v varchar(10), n numeric(10,3), f float8, i int, b bigint, d date, ts timestamp, tz timestamptz, iv interval)",
    r"INSERT INTO ft VALUES (1, 'Hello World', 'ab', 'xyz', 12.345, 2.5, -7, 9000000000, '2024-02-29', '2024-02-29 13:45:56.789', '2024-02-29 13:45:56.789+00', '1 year 2 mons 3 days 04:05:06.5')",
    r"INSERT INTO ft VALUES (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
    r"INSERT INTO ft VALUES (3, 'ÄbÇ dé', 'x y', '', -0.5, -3.5, 0, -1, '1999-12-31', '1999-12-31 23:59:59.999999', '1970-01-01 00:00:00+00', '-1 days +02:00:00')",
];

/// (query, PostgreSQL's column types, PostgreSQL's output or `ERROR <sqlstate>`).
const CASES: &[(&str, &str, &str)] = &[
    (r"SELECT length('abc')", r"integer", r"3"),
    (r"SELECT length('')", r"integer", r"0"),
    (r"SELECT length('héllo')", r"integer", r"5"),
    (r"SELECT length(NULL)", r"integer", r"<null>"),
    (r"SELECT length('ab  '::char(4))", r"integer", r"2"),
    (r"SELECT length('ab  '::varchar(4))", r"integer", r"4"),
    (r"SELECT length('ab  ')", r"integer", r"4"),
    (r"SELECT char_length('abc')", r"integer", r"3"),
    (r"SELECT character_length('héllo')", r"integer", r"5"),
    (r"SELECT char_length('ab   '::char(5))", r"integer", r"2"),
    (r"SELECT length('\x0102'::bytea)", r"integer", r"2"),
    (r"SELECT length(123)", r"", r"ERROR 42883"),
    (r"SELECT octet_length('héllo')", r"integer", r"6"),
    (r"SELECT octet_length('ab  '::char(4))", r"integer", r"4"),
    (r"SELECT octet_length('\x010203'::bytea)", r"integer", r"3"),
    (r"SELECT octet_length(NULL::text)", r"integer", r"<null>"),
    (
        r"SELECT id, length(s), length(c), char_length(v), octet_length(s), octet_length(c) FROM ft ORDER BY id",
        r"integer,integer,integer,integer,integer,integer",
        r"1|11|2|3|11|5
2|<null>|<null>|<null>|<null>|<null>
3|6|3|0|9|5",
    ),
    (r"SELECT lower('HeLLo ÄÖÜ')", r"text", r"hello äöü"),
    (r"SELECT upper('hello äöü')", r"text", r"HELLO ÄÖÜ"),
    (r"SELECT lower(NULL)", r"text", r"<null>"),
    (r"SELECT upper('ab '::char(3)) || 'x'", r"text", r"ABx"),
    (
        r"SELECT initcap('hello wORLD foo_bar 3abc')",
        r"text",
        r"Hello World Foo_Bar 3abc",
    ),
    (r"SELECT initcap('ÉCOLE élève')", r"text", r"École Élève"),
    (r"SELECT initcap('')", r"text", r""),
    (r"SELECT initcap('a-b c.d e''f')", r"text", r"A-B C.D E'F"),
    (
        r"SELECT id, lower(s), upper(s), initcap(s), upper(c) || '|' FROM ft ORDER BY id",
        r"integer,text,text,text,text",
        r"1|hello world|HELLO WORLD|Hello World|AB|
2|<null>|<null>|<null>|<null>
3|äbç dé|ÄBÇ DÉ|Äbç Dé|X Y|",
    ),
    (r"SELECT substr('alphabet', 3)", r"text", r"phabet"),
    (r"SELECT substr('alphabet', 3, 2)", r"text", r"ph"),
    (r"SELECT substr('alphabet', 0, 3)", r"text", r"al"),
    (r"SELECT substr('alphabet', -1, 3)", r"text", r"a"),
    (r"SELECT substr('alphabet', -5, 3)", r"text", r""),
    (r"SELECT substr('alphabet', 10)", r"text", r""),
    (r"SELECT substr('alphabet', 3, 0)", r"text", r""),
    (r"SELECT substr('alphabet', 3, -1)", r"", r"ERROR 22011"),
    (r"SELECT substr('alphabet', 2147483647, 10)", r"text", r""),
    (
        r"SELECT substr('alphabet', -2147483648, 2147483647)",
        r"text",
        r"",
    ),
    (r"SELECT substr('héllo', 2, 2)", r"text", r"él"),
    (r"SELECT substr(NULL, 1, 2)", r"text", r"<null>"),
    (r"SELECT substr('abc', NULL)", r"text", r"<null>"),
    (r"SELECT substr('abc', 1, NULL)", r"text", r"<null>"),
    (r"SELECT substring('alphabet' from 3)", r"text", r"phabet"),
    (r"SELECT substring('alphabet' from 3 for 2)", r"text", r"ph"),
    (r"SELECT substring('alphabet' for 3)", r"text", r"alp"),
    (r"SELECT substring('alphabet', 3, 2)", r"text", r"ph"),
    (r"SELECT substring('alphabet', 3)", r"text", r"phabet"),
    (
        r"SELECT substring('alphabet' from -1 for -1)",
        r"",
        r"ERROR 22011",
    ),
    (
        r"SELECT substring('abc' from 2 for NULL)",
        r"text",
        r"<null>",
    ),
    (
        r"SELECT substr('\x0102030405'::bytea, 2, 3)",
        r"bytea",
        r"\x020304",
    ),
    (
        r"SELECT substring('\x0102030405'::bytea from 4)",
        r"bytea",
        r"\x0405",
    ),
    (
        r"SELECT substr('\x0102'::bytea, 1, -1)",
        r"",
        r"ERROR 22011",
    ),
    (
        r"SELECT substr('ab '::char(3), 1, 3) || '|'",
        r"text",
        r"ab|",
    ),
    (r"SELECT substr(12345, 2)", r"", r"ERROR 42883"),
    (r"SELECT substr('abc', 1.5)", r"", r"ERROR 42883"),
    (r"SELECT substr('abc', '2')", r"text", r"bc"),
    (
        r"SELECT id, substr(s, 2, 3), substring(s from 7), substring(c for 1), substr(v, 2) FROM ft ORDER BY id",
        r"integer,text,text,text,text",
        r"1|ell|World|a|yz
2|<null>|<null>|<null>|<null>
3|bÇ ||x|",
    ),
    (r"SELECT position('b' in 'abc')", r"integer", r"2"),
    (r"SELECT position('' in 'abc')", r"integer", r"1"),
    (r"SELECT position('z' in 'abc')", r"integer", r"0"),
    (r"SELECT position('é' in 'héllo')", r"integer", r"2"),
    (r"SELECT position(NULL in 'abc')", r"integer", r"<null>"),
    (r"SELECT position('lo' in 'hello hello')", r"integer", r"4"),
    (r"SELECT strpos('hello', 'll')", r"integer", r"3"),
    (r"SELECT strpos('hello', '')", r"integer", r"1"),
    (r"SELECT strpos('', 'a')", r"integer", r"0"),
    (r"SELECT strpos('héllo', 'l')", r"integer", r"3"),
    (
        r"SELECT position('\x03'::bytea in '\x010203'::bytea)",
        r"integer",
        r"3",
    ),
    (
        r"SELECT id, position('o' in s), strpos(s, 'World'), strpos(c, 'b') FROM ft ORDER BY id",
        r"integer,integer,integer,integer",
        r"1|5|7|2
2|<null>|<null>|<null>
3|0|0|0",
    ),
    (r"SELECT trim('  abc  ') || '|'", r"text", r"abc|"),
    (r"SELECT trim(both from '  abc  ') || '|'", r"text", r"abc|"),
    (
        r"SELECT trim(leading from '  abc  ') || '|'",
        r"text",
        r"abc  |",
    ),
    (
        r"SELECT trim(trailing from '  abc  ') || '|'",
        r"text",
        r"  abc|",
    ),
    (r"SELECT trim(both 'xy' from 'xyaxyxy')", r"text", r"a"),
    (
        r"SELECT trim(leading 'xy' from 'xyaxyxy')",
        r"text",
        r"axyxy",
    ),
    (
        r"SELECT trim(trailing 'xy' from 'xyaxyxy')",
        r"text",
        r"xya",
    ),
    (r"SELECT trim('x' from 'xxaxx')", r"text", r"a"),
    (r"SELECT trim('xxaxx', 'x')", r"text", r"a"),
    (r"SELECT trim(NULL)", r"text", r"<null>"),
    (r"SELECT trim(both NULL from 'abc')", r"text", r"<null>"),
    (r"SELECT trim(both '' from 'abc')", r"text", r"abc"),
    (r"SELECT btrim('  abc  ') || '|'", r"text", r"abc|"),
    (r"SELECT btrim('xyaxy', 'xy')", r"text", r"a"),
    (r"SELECT btrim('aaa', 'a') || '|'", r"text", r"|"),
    (r"SELECT ltrim('  abc  ') || '|'", r"text", r"abc  |"),
    (r"SELECT ltrim('zzabc', 'z')", r"text", r"abc"),
    (r"SELECT rtrim('  abc  ') || '|'", r"text", r"  abc|"),
    (r"SELECT rtrim('abczz', 'z')", r"text", r"abc"),
    (r"SELECT rtrim('abc', '')", r"text", r"abc"),
    (r"SELECT ltrim('ééa', 'é')", r"text", r"a"),
    (
        r"SELECT btrim('\x0001020100'::bytea, '\x00'::bytea)",
        r"bytea",
        r"\x010201",
    ),
    (r"SELECT btrim(NULL, 'a')", r"text", r"<null>"),
    (r"SELECT rtrim('abc', NULL)", r"text", r"<null>"),
    (
        r"SELECT id, trim(s), rtrim(c) || '|', ltrim(s, 'H'), btrim(v, 'xz') FROM ft ORDER BY id",
        r"integer,text,text,text,text",
        r"1|Hello World|ab||ello World|y
2|<null>|<null>|<null>|<null>
3|ÄbÇ dé|x y||ÄbÇ dé|",
    ),
    (r"SELECT replace('abcabc', 'b', 'XX')", r"text", r"aXXcaXXc"),
    (r"SELECT replace('abcabc', '', 'X')", r"text", r"abcabc"),
    (r"SELECT replace('abcabc', 'bc', '')", r"text", r"aa"),
    (r"SELECT replace('aaa', 'aa', 'b')", r"text", r"ba"),
    (r"SELECT replace('héllo', 'é', 'e')", r"text", r"hello"),
    (r"SELECT replace(NULL, 'a', 'b')", r"text", r"<null>"),
    (r"SELECT replace('abc', NULL, 'b')", r"text", r"<null>"),
    (r"SELECT replace('abc', 'a', NULL)", r"text", r"<null>"),
    (
        r"SELECT id, replace(s, 'o', '0') FROM ft ORDER BY id",
        r"integer,text",
        r"1|Hell0 W0rld
2|<null>
3|ÄbÇ dé",
    ),
    (r"SELECT concat('a', 'b', 'c')", r"text", r"abc"),
    (r"SELECT concat('a', NULL, 'c')", r"text", r"ac"),
    (r"SELECT concat(NULL)", r"text", r""),
    (r"SELECT concat(NULL, NULL)", r"text", r""),
    (r"SELECT concat(1, 2.5, true, 'x')", r"text", r"12.5tx"),
    (r"SELECT concat('a'::char(3), 'b')", r"text", r"a  b"),
    (
        r"SELECT concat(date '2024-01-02', ' ', '1 day'::interval)",
        r"text",
        r"2024-01-02 1 day",
    ),
    (
        r"SELECT concat(1.50::numeric(5,2), 2.5::float8, -0.0::float8)",
        r"text",
        r"1.502.5-0",
    ),
    (r"SELECT concat('\xdead'::bytea)", r"text", r"\xdead"),
    (r"SELECT concat()", r"", r"ERROR 42883"),
    (r"SELECT concat_ws(',', 'a', 'b', 'c')", r"text", r"a,b,c"),
    (r"SELECT concat_ws(',', 'a', NULL, 'c')", r"text", r"a,c"),
    (r"SELECT concat_ws(NULL, 'a', 'b')", r"text", r"<null>"),
    (r"SELECT concat_ws(',')", r"", r"ERROR 42883"),
    (r"SELECT concat_ws(',', NULL)", r"text", r""),
    (r"SELECT concat_ws('', 1, 2)", r"text", r"12"),
    (
        r"SELECT concat_ws(', ', 1, true, 2.50)",
        r"text",
        r"1, t, 2.50",
    ),
    (
        r"SELECT concat_ws(',', 'a'::char(3), NULL, 'b')",
        r"text",
        r"a  ,b",
    ),
    (
        r"SELECT id, concat(s, '-', c, '-', i), concat_ws('/', v, n, f, d) FROM ft ORDER BY id",
        r"integer,text,text",
        r"1|Hello World-ab   --7|xyz/12.345/2.5/2024-02-29
2|--|
3|ÄbÇ dé-x y  -0|/-0.500/-3.5/1999-12-31",
    ),
    (r"SELECT left('abcde', 2)", r"text", r"ab"),
    (r"SELECT left('abcde', -2)", r"text", r"abc"),
    (r"SELECT left('abcde', 0)", r"text", r""),
    (r"SELECT left('abcde', 10)", r"text", r"abcde"),
    (r"SELECT left('abcde', -10)", r"text", r""),
    (r"SELECT left('héllo', 2)", r"text", r"hé"),
    (r"SELECT right('abcde', 2)", r"text", r"de"),
    (r"SELECT right('abcde', -2)", r"text", r"cde"),
    (r"SELECT right('abcde', 0)", r"text", r""),
    (r"SELECT right('abcde', 10)", r"text", r"abcde"),
    (r"SELECT right('abcde', -10)", r"text", r""),
    (r"SELECT right('héllo', 4)", r"text", r"éllo"),
    (r"SELECT left(NULL, 2)", r"text", r"<null>"),
    (r"SELECT right('abc', NULL)", r"text", r"<null>"),
    (
        r"SELECT id, left(s, 3), right(s, 3), left(c, -1) || '|' FROM ft ORDER BY id",
        r"integer,text,text,text",
        r"1|Hel|rld|a|
2|<null>|<null>|<null>
3|ÄbÇ| dé|x |",
    ),
    (r"SELECT repeat('ab', 3)", r"text", r"ababab"),
    (r"SELECT repeat('ab', 0)", r"text", r""),
    (r"SELECT repeat('ab', -1)", r"text", r""),
    (r"SELECT repeat('', 5)", r"text", r""),
    (r"SELECT repeat('é', 3)", r"text", r"ééé"),
    (r"SELECT repeat(NULL, 3)", r"text", r"<null>"),
    (r"SELECT repeat('a', NULL)", r"text", r"<null>"),
    (r"SELECT repeat('abc', 500000000)", r"", r"ERROR 54000"),
    (r"SELECT reverse('abc')", r"text", r"cba"),
    (r"SELECT reverse('héllo')", r"text", r"olléh"),
    (r"SELECT reverse('')", r"text", r""),
    (r"SELECT reverse(NULL)", r"text", r"<null>"),
    (
        r"SELECT id, reverse(s), repeat(v, 2) FROM ft ORDER BY id",
        r"integer,text,text",
        r"1|dlroW olleH|xyzxyz
2|<null>|<null>
3|éd ÇbÄ|",
    ),
    (r"SELECT lpad('hi', 5)", r"text", r"   hi"),
    (r"SELECT lpad('hi', 5, 'xy')", r"text", r"xyxhi"),
    (r"SELECT lpad('hello', 2)", r"text", r"he"),
    (r"SELECT lpad('hi', 5, '')", r"text", r"hi"),
    (r"SELECT lpad('hi', 0)", r"text", r""),
    (r"SELECT lpad('hi', -3)", r"text", r""),
    (r"SELECT lpad('é', 3, 'ü')", r"text", r"üüé"),
    (r"SELECT rpad('hi', 5) || '|'", r"text", r"hi   |"),
    (r"SELECT rpad('hi', 5, 'xy')", r"text", r"hixyx"),
    (r"SELECT rpad('hello', 2)", r"text", r"he"),
    (r"SELECT rpad('hi', 5, '')", r"text", r"hi"),
    (r"SELECT rpad('hi', -1)", r"text", r""),
    (r"SELECT lpad(NULL, 5)", r"text", r"<null>"),
    (r"SELECT lpad('a', NULL)", r"text", r"<null>"),
    (r"SELECT rpad('a', 3, NULL)", r"text", r"<null>"),
    (r"SELECT lpad('a', 300000000, 'b')", r"", r"ERROR 54000"),
    (
        r"SELECT id, lpad(s, 13, '*'), rpad(v, 5, '.') FROM ft ORDER BY id",
        r"integer,text,text",
        r"1|**Hello World|xyz..
2|<null>|<null>
3|*******ÄbÇ dé|.....",
    ),
    (r"SELECT split_part('a,b,c', ',', 2)", r"text", r"b"),
    (r"SELECT split_part('a,b,c', ',', 4)", r"text", r""),
    (r"SELECT split_part('a,b,c', ',', -1)", r"text", r"c"),
    (r"SELECT split_part('a,b,c', ',', -3)", r"text", r"a"),
    (r"SELECT split_part('a,b,c', ',', -4)", r"text", r""),
    (r"SELECT split_part('a,b,c', ',', 0)", r"", r"ERROR 22023"),
    (r"SELECT split_part('a,b,c', '', 1)", r"text", r"a,b,c"),
    (r"SELECT split_part('a,b,c', '', 2)", r"text", r""),
    (r"SELECT split_part('a,b,c', '', -1)", r"text", r"a,b,c"),
    (r"SELECT split_part('', ',', 1)", r"text", r""),
    (r"SELECT split_part('a||b||c', '||', 3)", r"text", r"c"),
    (r"SELECT split_part('abc', ',', 1)", r"text", r"abc"),
    (r"SELECT split_part(NULL, ',', 1)", r"text", r"<null>"),
    (
        r"SELECT id, split_part(s, ' ', 2), split_part(s, 'l', -1) FROM ft ORDER BY id",
        r"integer,text,text",
        r"1|World|d
2|<null>|<null>
3|dé|ÄbÇ dé",
    ),
    (r"SELECT starts_with('alphabet', 'alph')", r"boolean", r"t"),
    (r"SELECT starts_with('alphabet', 'beta')", r"boolean", r"f"),
    (r"SELECT starts_with('alphabet', '')", r"boolean", r"t"),
    (r"SELECT starts_with('', 'a')", r"boolean", r"f"),
    (r"SELECT starts_with(NULL, 'a')", r"boolean", r"<null>"),
    (
        r"SELECT md5('')",
        r"text",
        r"d41d8cd98f00b204e9800998ecf8427e",
    ),
    (
        r"SELECT md5('abc')",
        r"text",
        r"900150983cd24fb0d6963f7d28e17f72",
    ),
    (
        r"SELECT md5('héllo')",
        r"text",
        r"be50e8478cf24ff3595bc7307fb91b50",
    ),
    (
        r"SELECT md5('\x00ff'::bytea)",
        r"text",
        r"d07d34efac6328007ad67c7e0a985e00",
    ),
    (r"SELECT md5(NULL)", r"text", r"<null>"),
    (r"SELECT chr(65)", r"text", r"A"),
    (r"SELECT chr(233)", r"text", r"é"),
    (r"SELECT chr(8364)", r"text", r"€"),
    (r"SELECT chr(128512)", r"text", r"😀"),
    (r"SELECT chr(0)", r"", r"ERROR 54000"),
    (r"SELECT chr(-1)", r"", r"ERROR 22023"),
    (r"SELECT chr(1114112)", r"", r"ERROR 54000"),
    (r"SELECT chr(55296)", r"", r"ERROR 54000"),
    (r"SELECT chr(NULL)", r"text", r"<null>"),
    (r"SELECT ascii('A')", r"integer", r"65"),
    (r"SELECT ascii('abc')", r"integer", r"97"),
    (r"SELECT ascii('é')", r"integer", r"233"),
    (r"SELECT ascii('')", r"integer", r"0"),
    (r"SELECT ascii(NULL)", r"integer", r"<null>"),
    (
        r"SELECT id, md5(s), ascii(s), chr(id + 64), starts_with(s, 'He') FROM ft ORDER BY id",
        r"integer,text,integer,text,boolean",
        r"1|b10a8db164e0754105b7a99be72e3fe5|72|A|t
2|<null>|<null>|B|<null>
3|5888a403d618e669babbb6e338cd0598|196|C|f",
    ),
    (r"SELECT abs(-5)", r"integer", r"5"),
    (r"SELECT abs(5)", r"integer", r"5"),
    (r"SELECT abs(-5::smallint)", r"smallint", r"5"),
    (r"SELECT abs(-9000000000)", r"bigint", r"9000000000"),
    (r"SELECT abs(-2.5)", r"numeric", r"2.5"),
    (r"SELECT abs(-2.5::float8)", r"double precision", r"2.5"),
    (r"SELECT abs(-2.5::real)", r"real", r"2.5"),
    (r"SELECT abs('-3')", r"double precision", r"3"),
    (r"SELECT abs(NULL)", r"double precision", r"<null>"),
    (r"SELECT abs(-2147483648)", r"", r"ERROR 22003"),
    (r"SELECT abs((-32768)::smallint)", r"", r"ERROR 22003"),
    (r"SELECT abs(-9223372036854775808)", r"", r"ERROR 22003"),
    (r"SELECT abs(-0.0::float8)", r"double precision", r"0"),
    (
        r"SELECT abs('-inf'::float8)",
        r"double precision",
        r"Infinity",
    ),
    (r"SELECT abs('NaN'::numeric)", r"numeric", r"NaN"),
    (
        r"SELECT id, abs(i), abs(n), abs(f), abs(b) FROM ft ORDER BY id",
        r"integer,integer,numeric,double precision,bigint",
        r"1|7|12.345|2.5|9000000000
2|<null>|<null>|<null>|<null>
3|0|0.500|3.5|1",
    ),
    (r"SELECT round(2.5)", r"numeric", r"3"),
    (r"SELECT round(-2.5)", r"numeric", r"-3"),
    (r"SELECT round(2.4999)", r"numeric", r"2"),
    (r"SELECT round(2.5::float8)", r"double precision", r"2"),
    (r"SELECT round(3.5::float8)", r"double precision", r"4"),
    (r"SELECT round(-2.5::float8)", r"double precision", r"-2"),
    (r"SELECT round(0.5::real)", r"double precision", r"0"),
    (r"SELECT round(5)", r"double precision", r"5"),
    (r"SELECT round(1234.5678, 2)", r"numeric", r"1234.57"),
    (r"SELECT round(1234.5678, -2)", r"numeric", r"1200"),
    (r"SELECT round(1234.5678, 0)", r"numeric", r"1235"),
    (r"SELECT round(1.5, 5)", r"numeric", r"1.50000"),
    (r"SELECT round(-0.5, 0)", r"numeric", r"-1"),
    (r"SELECT round(5, 2)", r"numeric", r"5.00"),
    (r"SELECT round(9.99::numeric(4,2), 1)", r"numeric", r"10.0"),
    (r"SELECT round(1e20::float8)", r"double precision", r"1e+20"),
    (r"SELECT round('NaN'::numeric, 2)", r"numeric", r"NaN"),
    (
        r"SELECT round('Infinity'::numeric)",
        r"numeric",
        r"Infinity",
    ),
    (r"SELECT round('NaN'::float8)", r"double precision", r"NaN"),
    (r"SELECT round(2.5::float8, 1)", r"", r"ERROR 42883"),
    (r"SELECT round(NULL)", r"double precision", r"<null>"),
    (r"SELECT round(1.234, NULL)", r"numeric", r"<null>"),
    (r"SELECT round(99999.5, -5)", r"numeric", r"100000"),
    (r"SELECT round(12345.678, -10)", r"numeric", r"0"),
    (
        r"SELECT id, round(n), round(n, 1), round(f), round(i, -1) FROM ft ORDER BY id",
        r"integer,numeric,numeric,double precision,numeric",
        r"1|12|12.3|2|-10
2|<null>|<null>|<null>|<null>
3|-1|-0.5|-4|0",
    ),
    (r"SELECT trunc(2.7)", r"numeric", r"2"),
    (r"SELECT trunc(-2.7)", r"numeric", r"-2"),
    (r"SELECT trunc(-2.7::float8)", r"double precision", r"-2"),
    (r"SELECT trunc(1234.5678, 2)", r"numeric", r"1234.56"),
    (r"SELECT trunc(1234.5678, -2)", r"numeric", r"1200"),
    (r"SELECT trunc(-1234.5678, -2)", r"numeric", r"-1200"),
    (r"SELECT trunc(5)", r"double precision", r"5"),
    (r"SELECT trunc(5.55, 5)", r"numeric", r"5.55000"),
    (
        r"SELECT trunc('Infinity'::numeric)",
        r"numeric",
        r"Infinity",
    ),
    (
        r"SELECT trunc('-Infinity'::float8)",
        r"double precision",
        r"-Infinity",
    ),
    (
        r"SELECT id, trunc(n), trunc(n, 2), trunc(f) FROM ft ORDER BY id",
        r"integer,numeric,numeric,double precision",
        r"1|12|12.34|2
2|<null>|<null>|<null>
3|0|-0.50|-3",
    ),
    (r"SELECT ceil(2.1)", r"numeric", r"3"),
    (r"SELECT ceil(-2.1)", r"numeric", r"-2"),
    (r"SELECT ceil(-0.5)", r"numeric", r"0"),
    (r"SELECT ceil(-0.5::float8)", r"double precision", r"-0"),
    (r"SELECT ceil(2)", r"double precision", r"2"),
    (r"SELECT ceil(2.1::real)", r"double precision", r"3"),
    (r"SELECT ceiling(2.1)", r"numeric", r"3"),
    (r"SELECT ceiling(-2.1::float8)", r"double precision", r"-2"),
    (r"SELECT floor(2.9)", r"numeric", r"2"),
    (r"SELECT floor(-2.1)", r"numeric", r"-3"),
    (r"SELECT floor(-2.1::float8)", r"double precision", r"-3"),
    (r"SELECT floor(5)", r"double precision", r"5"),
    (r"SELECT floor(0.0)", r"numeric", r"0"),
    (r"SELECT floor('NaN'::numeric)", r"numeric", r"NaN"),
    (
        r"SELECT ceil('-Infinity'::numeric)",
        r"numeric",
        r"-Infinity",
    ),
    (r"SELECT floor(NULL)", r"double precision", r"<null>"),
    (r"SELECT ceil('1.5')", r"double precision", r"2"),
    (r"SELECT floor(1.5, 1)", r"", r"ERROR 42883"),
    (
        r"SELECT id, ceil(n), floor(n), ceil(f), floor(f), ceiling(i) FROM ft ORDER BY id",
        r"integer,numeric,numeric,double precision,double precision,double precision",
        r"1|13|12|3|2|-7
2|<null>|<null>|<null>|<null>|<null>
3|0|-1|-3|-4|0",
    ),
    (r"SELECT sign(-5)", r"double precision", r"-1"),
    (r"SELECT sign(0)", r"double precision", r"0"),
    (r"SELECT sign(5.5)", r"numeric", r"1"),
    (r"SELECT sign(-5.5)", r"numeric", r"-1"),
    (r"SELECT sign(0.0)", r"numeric", r"0"),
    (r"SELECT sign(-0.0::float8)", r"double precision", r"0"),
    (r"SELECT sign('NaN'::float8)", r"double precision", r"0"),
    (r"SELECT sign('NaN'::numeric)", r"numeric", r"NaN"),
    (r"SELECT sign('-Infinity'::numeric)", r"numeric", r"-1"),
    (r"SELECT sign(NULL)", r"double precision", r"<null>"),
    (
        r"SELECT id, sign(n), sign(f), sign(i) FROM ft ORDER BY id",
        r"integer,numeric,double precision,double precision",
        r"1|1|1|-1
2|<null>|<null>|<null>
3|-1|-1|0",
    ),
    (r"SELECT mod(7, 3)", r"integer", r"1"),
    (r"SELECT mod(-7, 3)", r"integer", r"-1"),
    (r"SELECT mod(7, -3)", r"integer", r"1"),
    (r"SELECT mod(7, 0)", r"", r"ERROR 22012"),
    (r"SELECT mod(7.5, 2)", r"numeric", r"1.5"),
    (r"SELECT mod(-7.5, 2)", r"numeric", r"-1.5"),
    (r"SELECT mod(7.5, 0)", r"", r"ERROR 22012"),
    (r"SELECT mod(7::smallint, 3::smallint)", r"smallint", r"1"),
    (r"SELECT mod(9000000000, 7)", r"bigint", r"5"),
    (r"SELECT mod(-2147483648, -1)", r"integer", r"0"),
    (r"SELECT mod(-9223372036854775808, -1)", r"bigint", r"0"),
    (r"SELECT mod(5.5, 1.25)", r"numeric", r"0.50"),
    (r"SELECT mod(NULL, 2)", r"integer", r"<null>"),
    (r"SELECT mod(7::float8, 2)", r"", r"ERROR 42883"),
    (r"SELECT div(7, 2)", r"numeric", r"3"),
    (r"SELECT div(-7, 2)", r"numeric", r"-3"),
    (r"SELECT div(7.5, 2)", r"numeric", r"3"),
    (r"SELECT div(-7.5, 2.5)", r"numeric", r"-3"),
    (r"SELECT div(7, 0)", r"", r"ERROR 22012"),
    (r"SELECT div(9.9, 0.1)", r"numeric", r"99"),
    (
        r"SELECT div('Infinity'::numeric, 2)",
        r"numeric",
        r"Infinity",
    ),
    (r"SELECT div(1, 'Infinity'::numeric)", r"numeric", r"0"),
    (r"SELECT div(NULL, 2)", r"numeric", r"<null>"),
    (
        r"SELECT id, mod(i, 4), mod(n, 5), div(n, 2) FROM ft ORDER BY id",
        r"integer,integer,numeric,numeric",
        r"1|-3|2.345|6
2|<null>|<null>|<null>
3|0|-0.500|0",
    ),
    (r"SELECT power(2, 10)", r"double precision", r"1024"),
    (r"SELECT power(2, 0.5)", r"numeric", r"1.4142135623730950"),
    (r"SELECT power(2.0, 0.5)", r"numeric", r"1.4142135623730950"),
    (
        r"SELECT power(2::float8, 0.5::float8)",
        r"double precision",
        r"1.4142135623730951",
    ),
    (r"SELECT power(-8, 1.0/3)", r"", r"ERROR 2201F"),
    (
        r"SELECT power(-8::float8, 1::float8/3)",
        r"",
        r"ERROR 2201F",
    ),
    (r"SELECT power(0, -1)", r"", r"ERROR 2201F"),
    (r"SELECT power(0::float8, -1::float8)", r"", r"ERROR 2201F"),
    (r"SELECT power(0.0, -1)", r"", r"ERROR 2201F"),
    (r"SELECT power(10, 400)", r"", r"ERROR 22003"),
    (
        r"SELECT power(10::float8, 400::float8)",
        r"",
        r"ERROR 22003",
    ),
    (
        r"SELECT power(10::float8, -400::float8)",
        r"",
        r"ERROR 22003",
    ),
    (r"SELECT power(2.5, 3)", r"numeric", r"15.6250000000000000"),
    (r"SELECT power(-2, 3)", r"double precision", r"-8"),
    (r"SELECT pow(3, 2)", r"double precision", r"9"),
    (r"SELECT pow(1.5, 2)", r"numeric", r"2.2500000000000000"),
    (r"SELECT power(NULL, 2)", r"double precision", r"<null>"),
    (r"SELECT power('NaN'::float8, 0)", r"double precision", r"1"),
    (
        r"SELECT power(1::float8, 'NaN'::float8)",
        r"double precision",
        r"1",
    ),
    (
        r"SELECT power(-1::float8, 'Infinity'::float8)",
        r"double precision",
        r"1",
    ),
    (
        r"SELECT power(2::numeric, 1000)",
        r"numeric",
        r"10715086071862673209484250490600018105614048117055336074437503883703510511249361224931983788156958581275946729175531468251871452856923140435984577574698574803934567774824230985421074605062371141877954182153046474983581941267398767559165543946077062914571196477686542167660429831652624386837205668069376.0000000000000000",
    ),
    (
        r"SELECT id, power(i, 2), power(n, 2), power(f, 2) FROM ft ORDER BY id",
        r"integer,double precision,numeric,double precision",
        r"1|49|152.3990250000000000|6.25
2|<null>|<null>|<null>
3|0|0.2500000000000000|12.25",
    ),
    (
        r"SELECT sqrt(2)",
        r"double precision",
        r"1.4142135623730951",
    ),
    (r"SELECT sqrt(4)", r"double precision", r"2"),
    (r"SELECT sqrt(2.0)", r"numeric", r"1.414213562373095"),
    (r"SELECT sqrt(2::numeric)", r"numeric", r"1.414213562373095"),
    (
        r"SELECT sqrt(1e-10)",
        r"numeric",
        r"0.000010000000000000000",
    ),
    (r"SELECT sqrt(0.0001)", r"numeric", r"0.01000000000000000"),
    (
        r"SELECT sqrt(100000000000000000000)",
        r"numeric",
        r"10000000000.00000",
    ),
    (r"SELECT sqrt(0)", r"double precision", r"0"),
    (r"SELECT sqrt(0.0)", r"numeric", r"0.000000000000000"),
    (r"SELECT sqrt(-1)", r"", r"ERROR 2201F"),
    (r"SELECT sqrt(-1.0)", r"", r"ERROR 2201F"),
    (r"SELECT sqrt(-1::float8)", r"", r"ERROR 2201F"),
    (
        r"SELECT sqrt('Infinity'::float8)",
        r"double precision",
        r"Infinity",
    ),
    (r"SELECT sqrt('Infinity'::numeric)", r"numeric", r"Infinity"),
    (r"SELECT sqrt('NaN'::numeric)", r"numeric", r"NaN"),
    (
        r"SELECT sqrt(1.00000000000000000000000001)",
        r"numeric",
        r"1.00000000000000000000000000",
    ),
    (
        r"SELECT sqrt(12345678901234567890.123456789)",
        r"numeric",
        r"3513641828.820144253",
    ),
    (
        r"SELECT cbrt(27)",
        r"double precision",
        r"3.0000000000000004",
    ),
    (r"SELECT cbrt(-8)", r"double precision", r"-2"),
    (
        r"SELECT cbrt(2)",
        r"double precision",
        r"1.2599210498948734",
    ),
    (r"SELECT cbrt(0)", r"double precision", r"0"),
    (r"SELECT cbrt(NULL)", r"double precision", r"<null>"),
    (
        r"SELECT id, sqrt(abs(n)), sqrt(abs(f)), cbrt(i) FROM ft ORDER BY id",
        r"integer,numeric,double precision,double precision",
        r"1|3.513545218152173|1.5811388300841898|-1.9129311827723894
2|<null>|<null>|<null>
3|0.70710678118654752|1.8708286933869707|0",
    ),
    (r"SELECT exp(0)", r"double precision", r"1"),
    (r"SELECT exp(1)", r"double precision", r"2.718281828459045"),
    (r"SELECT exp(1.0)", r"numeric", r"2.7182818284590452"),
    (r"SELECT exp(0.0)", r"numeric", r"1.0000000000000000"),
    (r"SELECT exp(2.5)", r"numeric", r"12.182493960703473"),
    (r"SELECT exp(-1.0)", r"numeric", r"0.3678794411714423"),
    (r"SELECT exp(10.0)", r"numeric", r"22026.465794806717"),
    (
        r"SELECT exp(100.0)",
        r"numeric",
        r"26881171418161354484126255515800135873611118.8",
    ),
    (
        r"SELECT exp(-100.0)",
        r"numeric",
        r"0.00000000000000000000000000000000000000000003720075976020836",
    ),
    (r"SELECT exp(1000)", r"", r"ERROR 22003"),
    (r"SELECT exp(-1000)", r"", r"ERROR 22003"),
    (r"SELECT exp(6000.0)", r"", r"ERROR 22003"),
    (
        r"SELECT exp(-6000.0)",
        r"numeric",
        r"0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    ),
    (
        r"SELECT exp(1.5::float8)",
        r"double precision",
        r"4.4816890703380645",
    ),
    (r"SELECT exp('Infinity'::numeric)", r"numeric", r"Infinity"),
    (r"SELECT exp('-Infinity'::numeric)", r"numeric", r"0"),
    (r"SELECT exp('NaN'::numeric)", r"numeric", r"NaN"),
    (r"SELECT ln(1)", r"double precision", r"0"),
    (r"SELECT ln(2)", r"double precision", r"0.6931471805599453"),
    (r"SELECT ln(2.0)", r"numeric", r"0.6931471805599453"),
    (r"SELECT ln(10.0)", r"numeric", r"2.3025850929940457"),
    (r"SELECT ln(1.0)", r"numeric", r"0.0000000000000000"),
    (r"SELECT ln(0.5)", r"numeric", r"-0.6931471805599453"),
    (r"SELECT ln(100)", r"double precision", r"4.605170185988092"),
    (r"SELECT ln(1e-10)", r"numeric", r"-23.025850929940457"),
    (r"SELECT ln(0.000001)", r"numeric", r"-13.815510557964274"),
    (
        r"SELECT ln(123456789.123)",
        r"numeric",
        r"18.631401767164318",
    ),
    (
        r"SELECT ln(1.0000001)",
        r"numeric",
        r"0.00000009999999500000033",
    ),
    (r"SELECT ln(0.9)", r"numeric", r"-0.10536051565782630"),
    (r"SELECT ln(1.1)", r"numeric", r"0.09531017980432486"),
    (r"SELECT ln(0)", r"", r"ERROR 2201E"),
    (r"SELECT ln(0.0)", r"", r"ERROR 2201E"),
    (r"SELECT ln(-1)", r"", r"ERROR 2201E"),
    (r"SELECT ln(-1.0)", r"", r"ERROR 2201E"),
    (r"SELECT ln('Infinity'::numeric)", r"numeric", r"Infinity"),
    (
        r"SELECT ln('Infinity'::float8)",
        r"double precision",
        r"Infinity",
    ),
    (r"SELECT ln('NaN'::numeric)", r"numeric", r"NaN"),
    (r"SELECT log(100)", r"double precision", r"2"),
    (r"SELECT log(1000.0)", r"numeric", r"3.0000000000000000"),
    (r"SELECT log(2.0)", r"numeric", r"0.3010299956639812"),
    (r"SELECT log(0.001)", r"numeric", r"-3.0000000000000000"),
    (r"SELECT log(1)", r"double precision", r"0"),
    (r"SELECT log(1.0)", r"numeric", r"0.0000000000000000"),
    (r"SELECT log(0)", r"", r"ERROR 2201E"),
    (r"SELECT log(-1.0)", r"", r"ERROR 2201E"),
    (r"SELECT log(2, 8)", r"numeric", r"3.0000000000000000"),
    (r"SELECT log(2.0, 8.0)", r"numeric", r"3.0000000000000000"),
    (r"SELECT log(2, 8.5)", r"numeric", r"3.0874628412503394"),
    (r"SELECT log(10, 1000)", r"numeric", r"3.0000000000000000"),
    (r"SELECT log(1, 10)", r"", r"ERROR 22012"),
    (r"SELECT log(1.0, 10)", r"", r"ERROR 22012"),
    (r"SELECT log(0, 10)", r"", r"ERROR 2201E"),
    (r"SELECT log(2, 0)", r"", r"ERROR 2201E"),
    (r"SELECT log(-2, 8)", r"", r"ERROR 2201E"),
    (r"SELECT log(2, -8)", r"", r"ERROR 2201E"),
    (r"SELECT log(0.5, 0.25)", r"numeric", r"2.0000000000000000"),
    (r"SELECT log(3, 1e10)", r"numeric", r"20.959032742893846"),
    (
        r"SELECT log(2.5, 12.3456)",
        r"numeric",
        r"2.7429064126279944",
    ),
    (r"SELECT log10(1000)", r"double precision", r"3"),
    (r"SELECT log10(1000.0)", r"numeric", r"3.0000000000000000"),
    (
        r"SELECT log10(2)",
        r"double precision",
        r"0.3010299956639812",
    ),
    (r"SELECT log10(2.0)", r"numeric", r"0.3010299956639812"),
    (r"SELECT log10(0)", r"", r"ERROR 2201E"),
    (r"SELECT log10(-1.0)", r"", r"ERROR 2201E"),
    (r"SELECT log10(0.01)", r"numeric", r"-2.0000000000000000"),
    (
        r"SELECT id, exp(f), ln(abs(n)), log(abs(n)), log10(abs(f)) FROM ft WHERE id <> 2 ORDER BY id",
        r"integer,double precision,numeric,numeric,double precision",
        r"1|12.182493960703473|2.5132511227971428|1.0914910942679511|0.3979400086720376
3|0.0301973834223185|-0.6931471805599453|-0.3010299956639812|0.5440680443502757",
    ),
    (r"SELECT pi()", r"double precision", r"3.141592653589793"),
    (
        r"SELECT pi() * 2",
        r"double precision",
        r"6.283185307179586",
    ),
    (r"SELECT degrees(pi())", r"double precision", r"180"),
    (
        r"SELECT degrees(1)",
        r"double precision",
        r"57.29577951308232",
    ),
    (
        r"SELECT degrees(0.5)",
        r"double precision",
        r"28.64788975654116",
    ),
    (
        r"SELECT radians(180)",
        r"double precision",
        r"3.141592653589793",
    ),
    (
        r"SELECT radians(90)",
        r"double precision",
        r"1.5707963267948966",
    ),
    (
        r"SELECT radians(1.5)",
        r"double precision",
        r"0.026179938779914945",
    ),
    (r"SELECT degrees(NULL)", r"double precision", r"<null>"),
    (
        r"SELECT radians('Infinity'::float8)",
        r"double precision",
        r"Infinity",
    ),
    (r"SELECT gcd(12, 18)", r"integer", r"6"),
    (r"SELECT gcd(-12, 18)", r"integer", r"6"),
    (r"SELECT gcd(0, 5)", r"integer", r"5"),
    (r"SELECT gcd(0, 0)", r"integer", r"0"),
    (
        r"SELECT gcd(9000000000, 6000000000)",
        r"bigint",
        r"3000000000",
    ),
    (r"SELECT gcd(12.5, 7.5)", r"numeric", r"2.5"),
    (r"SELECT gcd(0.1, 0.25)", r"numeric", r"0.05"),
    (r"SELECT gcd(-2147483648, 0)", r"", r"ERROR 22003"),
    (r"SELECT gcd(-2147483648, 2)", r"integer", r"2"),
    (r"SELECT gcd(-9223372036854775808, 0)", r"", r"ERROR 22003"),
    (r"SELECT lcm(4, 6)", r"integer", r"12"),
    (r"SELECT lcm(-4, 6)", r"integer", r"12"),
    (r"SELECT lcm(0, 6)", r"integer", r"0"),
    (r"SELECT lcm(2147483647, 2147483646)", r"", r"ERROR 22003"),
    (r"SELECT lcm(2.5, 1.5)", r"numeric", r"7.5"),
    (r"SELECT lcm(9000000000, 7)", r"bigint", r"63000000000"),
    (r"SELECT gcd(NULL, 1)", r"integer", r"<null>"),
    (r"SELECT gcd('NaN'::numeric, 1)", r"numeric", r"NaN"),
    (
        r"SELECT gcd(12::smallint, 8::smallint)",
        r"",
        r"ERROR 42725",
    ),
    (
        r"SELECT id, gcd(i, 14), lcm(i, 3), gcd(b, 6) FROM ft ORDER BY id",
        r"integer,integer,integer,bigint",
        r"1|7|21|6
2|<null>|<null>|<null>
3|14|0|1",
    ),
    (r"SELECT greatest(1, 2, 3)", r"integer", r"3"),
    (r"SELECT greatest(1, NULL, 3)", r"integer", r"3"),
    (r"SELECT greatest(NULL, NULL)", r"text", r"<null>"),
    (r"SELECT greatest(1, 2.5)", r"numeric", r"2.5"),
    (r"SELECT greatest('a', 'b')", r"text", r"b"),
    (r"SELECT least(1, 2, 3)", r"integer", r"1"),
    (r"SELECT least(1, NULL, 3)", r"integer", r"1"),
    (r"SELECT least(1, 2.5, -1)", r"numeric", r"-1"),
    (r"SELECT least('b', 'a', 'c')", r"text", r"a"),
    (r"SELECT coalesce(NULL, 2, 3)", r"integer", r"2"),
    (r"SELECT coalesce(NULL, NULL)", r"text", r"<null>"),
    (r"SELECT coalesce(NULL, 'a')", r"text", r"a"),
    (r"SELECT coalesce(1, 2.5)", r"numeric", r"1"),
    (r"SELECT nullif(1, 1)", r"integer", r"<null>"),
    (r"SELECT nullif(1, 2)", r"integer", r"1"),
    (r"SELECT nullif(NULL, 1)", r"integer", r"<null>"),
    (r"SELECT nullif('a', 'b')", r"text", r"a"),
    (r"SELECT nullif(1, 1.0)", r"numeric", r"<null>"),
    (
        r"SELECT id, coalesce(s, 'none'), nullif(i, 0), greatest(i, 0, -100), least(n, 0) FROM ft ORDER BY id",
        r"integer,text,integer,integer,numeric",
        r"1|Hello World|-7|0|0
2|none|<null>|0|0
3|ÄbÇ dé|<null>|0|-0.500",
    ),
    (
        r"SELECT now() > '2020-01-01'::timestamptz",
        r"boolean",
        r"t",
    ),
    (r"SELECT current_date = now()::date", r"boolean", r"t"),
    (
        r"SELECT current_date > '2020-01-01'::date",
        r"boolean",
        r"t",
    ),
    (
        r"SELECT localtimestamp > '2020-01-01'::timestamp",
        r"boolean",
        r"t",
    ),
    (
        r"SELECT date_trunc('year', timestamp '2024-05-17 13:45:56.789')",
        r"timestamp without time zone",
        r"2024-01-01 00:00:00",
    ),
    (
        r"SELECT date_trunc('quarter', timestamp '2024-05-17 13:45:56.789')",
        r"timestamp without time zone",
        r"2024-04-01 00:00:00",
    ),
    (
        r"SELECT date_trunc('month', timestamp '2024-05-17 13:45:56.789')",
        r"timestamp without time zone",
        r"2024-05-01 00:00:00",
    ),
    (
        r"SELECT date_trunc('week', timestamp '2024-05-17 13:45:56.789')",
        r"timestamp without time zone",
        r"2024-05-13 00:00:00",
    ),
    (
        r"SELECT date_trunc('day', timestamp '2024-05-17 13:45:56.789')",
        r"timestamp without time zone",
        r"2024-05-17 00:00:00",
    ),
    (
        r"SELECT date_trunc('hour', timestamp '2024-05-17 13:45:56.789')",
        r"timestamp without time zone",
        r"2024-05-17 13:00:00",
    ),
    (
        r"SELECT date_trunc('minute', timestamp '2024-05-17 13:45:56.789')",
        r"timestamp without time zone",
        r"2024-05-17 13:45:00",
    ),
    (
        r"SELECT date_trunc('second', timestamp '2024-05-17 13:45:56.789')",
        r"timestamp without time zone",
        r"2024-05-17 13:45:56",
    ),
    (
        r"SELECT date_trunc('milliseconds', timestamp '2024-05-17 13:45:56.789123')",
        r"timestamp without time zone",
        r"2024-05-17 13:45:56.789",
    ),
    (
        r"SELECT date_trunc('microseconds', timestamp '2024-05-17 13:45:56.789123')",
        r"timestamp without time zone",
        r"2024-05-17 13:45:56.789123",
    ),
    (
        r"SELECT date_trunc('decade', timestamp '2024-05-17 13:45:56.789')",
        r"timestamp without time zone",
        r"2020-01-01 00:00:00",
    ),
    (
        r"SELECT date_trunc('century', timestamp '2024-05-17 13:45:56.789')",
        r"timestamp without time zone",
        r"2001-01-01 00:00:00",
    ),
    (
        r"SELECT date_trunc('century', timestamp '2000-05-17')",
        r"timestamp without time zone",
        r"1901-01-01 00:00:00",
    ),
    (
        r"SELECT date_trunc('millennium', timestamp '2024-05-17')",
        r"timestamp without time zone",
        r"2001-01-01 00:00:00",
    ),
    (
        r"SELECT date_trunc('millennium', timestamp '2000-05-17')",
        r"timestamp without time zone",
        r"1001-01-01 00:00:00",
    ),
    (
        r"SELECT date_trunc('YEAR', timestamp '2024-05-17')",
        r"timestamp without time zone",
        r"2024-01-01 00:00:00",
    ),
    (
        r"SELECT date_trunc('years', timestamp '2024-05-17')",
        r"timestamp without time zone",
        r"2024-01-01 00:00:00",
    ),
    (
        r"SELECT date_trunc('week', timestamp '2024-01-01')",
        r"timestamp without time zone",
        r"2024-01-01 00:00:00",
    ),
    (
        r"SELECT date_trunc('week', timestamp '2023-01-01')",
        r"timestamp without time zone",
        r"2022-12-26 00:00:00",
    ),
    (
        r"SELECT date_trunc('year', timestamp '0044-03-15 BC')",
        r"timestamp without time zone",
        r"0044-01-01 00:00:00 BC",
    ),
    (
        r"SELECT date_trunc('century', timestamp '0044-03-15 BC')",
        r"timestamp without time zone",
        r"0100-01-01 00:00:00 BC",
    ),
    (
        r"SELECT date_trunc('decade', timestamp '0044-03-15 BC')",
        r"timestamp without time zone",
        r"0051-01-01 00:00:00 BC",
    ),
    (
        r"SELECT date_trunc('day', timestamptz '2024-05-17 13:45:56+02')",
        r"timestamp with time zone",
        r"2024-05-17 00:00:00+00",
    ),
    (
        r"SELECT date_trunc('month', timestamptz '2024-05-17 13:45:56+00')",
        r"timestamp with time zone",
        r"2024-05-01 00:00:00+00",
    ),
    (
        r"SELECT date_trunc('month', date '2024-05-17')",
        r"timestamp with time zone",
        r"2024-05-01 00:00:00+00",
    ),
    (
        r"SELECT date_trunc('day', 'infinity'::timestamp)",
        r"timestamp without time zone",
        r"infinity",
    ),
    (
        r"SELECT date_trunc('foo', timestamp '2024-05-17')",
        r"",
        r"ERROR 22023",
    ),
    (
        r"SELECT date_trunc('hour', '1 day 13:45:56.5'::interval)",
        r"interval",
        r"1 day 13:00:00",
    ),
    (
        r"SELECT date_trunc('year', '3 years 5 months 2 days'::interval)",
        r"interval",
        r"3 years",
    ),
    (
        r"SELECT date_trunc('month', '-3 years 5 months 2 days 25:00'::interval)",
        r"interval",
        r"-2 years -7 mons",
    ),
    (
        r"SELECT date_trunc('week', '1 day'::interval)",
        r"",
        r"ERROR 0A000",
    ),
    (
        r"SELECT date_trunc(NULL, timestamp '2024-05-17')",
        r"timestamp without time zone",
        r"<null>",
    ),
    (
        r"SELECT date_trunc('day', NULL::timestamp)",
        r"timestamp without time zone",
        r"<null>",
    ),
    (
        r"SELECT date_trunc('day', '2024-05-17 13:00')",
        r"",
        r"ERROR 42725",
    ),
    (
        r"SELECT id, date_trunc('month', ts), date_trunc('hour', tz), date_trunc('year', d), date_trunc('day', iv) FROM ft ORDER BY id",
        r"integer,timestamp without time zone,timestamp with time zone,timestamp with time zone,interval",
        r"1|2024-02-01 00:00:00|2024-02-29 13:00:00+00|2024-01-01 00:00:00+00|1 year 2 mons 3 days
2|<null>|<null>|<null>|<null>
3|1999-12-01 00:00:00|1970-01-01 00:00:00+00|1999-01-01 00:00:00+00|-1 days",
    ),
    (
        r"SELECT extract(year from timestamp '2024-05-17 13:45:56.789')",
        r"numeric",
        r"2024",
    ),
    (
        r"SELECT extract(month from timestamp '2024-05-17 13:45:56.789')",
        r"numeric",
        r"5",
    ),
    (
        r"SELECT extract(day from timestamp '2024-05-17 13:45:56.789')",
        r"numeric",
        r"17",
    ),
    (
        r"SELECT extract(hour from timestamp '2024-05-17 13:45:56.789')",
        r"numeric",
        r"13",
    ),
    (
        r"SELECT extract(minute from timestamp '2024-05-17 13:45:56.789')",
        r"numeric",
        r"45",
    ),
    (
        r"SELECT extract(second from timestamp '2024-05-17 13:45:56.789')",
        r"numeric",
        r"56.789000",
    ),
    (
        r"SELECT extract(milliseconds from timestamp '2024-05-17 13:45:56.789')",
        r"numeric",
        r"56789.000",
    ),
    (
        r"SELECT extract(microseconds from timestamp '2024-05-17 13:45:56.789')",
        r"numeric",
        r"56789000",
    ),
    (
        r"SELECT extract(dow from timestamp '2024-05-19 13:45:56')",
        r"numeric",
        r"0",
    ),
    (
        r"SELECT extract(isodow from timestamp '2024-05-19 13:45:56')",
        r"numeric",
        r"7",
    ),
    (
        r"SELECT extract(doy from timestamp '2024-12-31')",
        r"numeric",
        r"366",
    ),
    (
        r"SELECT extract(week from timestamp '2024-12-31')",
        r"numeric",
        r"1",
    ),
    (
        r"SELECT extract(quarter from timestamp '2024-05-17')",
        r"numeric",
        r"2",
    ),
    (
        r"SELECT extract(decade from timestamp '2024-05-17')",
        r"numeric",
        r"202",
    ),
    (
        r"SELECT extract(century from timestamp '2024-05-17')",
        r"numeric",
        r"21",
    ),
    (
        r"SELECT extract(millennium from timestamp '2024-05-17')",
        r"numeric",
        r"3",
    ),
    (
        r"SELECT extract(isoyear from timestamp '2024-12-31')",
        r"numeric",
        r"2025",
    ),
    (
        r"SELECT extract(julian from timestamp '2024-05-17 12:00')",
        r"numeric",
        r"2460448.50000000000000000000",
    ),
    (
        r"SELECT extract(epoch from timestamp '2024-05-17 13:45:56.789')",
        r"numeric",
        r"1715953556.789000",
    ),
    (
        r"SELECT extract(epoch from timestamp '1960-01-01')",
        r"numeric",
        r"-315619200.000000",
    ),
    (
        r"SELECT extract(epoch from timestamptz '2024-05-17 13:45:56.789+02')",
        r"numeric",
        r"1715946356.789000",
    ),
    (
        r"SELECT extract(timezone from timestamptz '2024-05-17 13:45:56.789+02')",
        r"numeric",
        r"0",
    ),
    (
        r"SELECT extract(year from timestamp '0044-03-15 BC')",
        r"numeric",
        r"-44",
    ),
    (
        r"SELECT extract(century from timestamp '0044-03-15 BC')",
        r"numeric",
        r"-1",
    ),
    (
        r"SELECT extract(year from date '2024-05-17')",
        r"numeric",
        r"2024",
    ),
    (
        r"SELECT extract(doy from date '2024-05-17')",
        r"numeric",
        r"138",
    ),
    (
        r"SELECT extract(dow from date '2024-05-17')",
        r"numeric",
        r"5",
    ),
    (
        r"SELECT extract(epoch from date '2024-05-17')",
        r"numeric",
        r"1715904000",
    ),
    (
        r"SELECT extract(hour from date '2024-05-17')",
        r"",
        r"ERROR 0A000",
    ),
    (
        r"SELECT extract(hour from time '13:45:56.5')",
        r"numeric",
        r"13",
    ),
    (
        r"SELECT extract(second from time '13:45:56.5')",
        r"numeric",
        r"56.500000",
    ),
    (
        r"SELECT extract(epoch from time '13:45:56.5')",
        r"numeric",
        r"49556.500000",
    ),
    (
        r"SELECT extract(day from time '13:45:56.5')",
        r"",
        r"ERROR 0A000",
    ),
    (
        r"SELECT extract(year from '3 years 5 months 2 days 13:45:56.5'::interval)",
        r"numeric",
        r"3",
    ),
    (
        r"SELECT extract(month from '3 years 5 months 2 days 13:45:56.5'::interval)",
        r"numeric",
        r"5",
    ),
    (
        r"SELECT extract(day from '3 years 5 months 2 days 13:45:56.5'::interval)",
        r"numeric",
        r"2",
    ),
    (
        r"SELECT extract(hour from '3 years 5 months 2 days 13:45:56.5'::interval)",
        r"numeric",
        r"13",
    ),
    (
        r"SELECT extract(second from '3 years 5 months 2 days 13:45:56.5'::interval)",
        r"numeric",
        r"56.500000",
    ),
    (
        r"SELECT extract(epoch from '3 years 5 months 2 days 13:45:56.5'::interval)",
        r"numeric",
        r"107855156.500000",
    ),
    (
        r"SELECT extract(epoch from '-1 day'::interval)",
        r"numeric",
        r"-86400.000000",
    ),
    (
        r"SELECT extract(dow from '1 day'::interval)",
        r"",
        r"ERROR 0A000",
    ),
    (
        r"SELECT extract(year from 'infinity'::timestamp)",
        r"numeric",
        r"Infinity",
    ),
    (
        r"SELECT extract(epoch from 'infinity'::timestamp)",
        r"numeric",
        r"Infinity",
    ),
    (
        r"SELECT extract(day from 'infinity'::timestamp)",
        r"numeric",
        r"<null>",
    ),
    (
        r"SELECT extract(foo from timestamp '2024-05-17')",
        r"",
        r"ERROR 22023",
    ),
    (
        r"SELECT extract('year' from timestamp '2024-05-17')",
        r"numeric",
        r"2024",
    ),
    (
        r"SELECT extract(year from NULL::timestamp)",
        r"numeric",
        r"<null>",
    ),
    (
        r"SELECT extract(year from '2024-05-17')",
        r"",
        r"ERROR 42725",
    ),
    (
        r"SELECT date_part('year', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"2024",
    ),
    (
        r"SELECT date_part('second', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"56.789",
    ),
    (
        r"SELECT date_part('epoch', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"1715953556.789",
    ),
    (
        r"SELECT date_part('dow', date '2024-05-17')",
        r"double precision",
        r"5",
    ),
    (
        r"SELECT date_part('hour', date '2024-05-17')",
        r"double precision",
        r"0",
    ),
    (
        r"SELECT date_part('day', '40 days'::interval)",
        r"double precision",
        r"40",
    ),
    (
        r"SELECT date_part('minute', time '13:45:56')",
        r"double precision",
        r"45",
    ),
    (
        r"SELECT date_part('YEAR', timestamptz '2024-05-17 13:45:56+00')",
        r"double precision",
        r"2024",
    ),
    (
        r"SELECT date_part('foo', timestamp '2024-05-17')",
        r"",
        r"ERROR 22023",
    ),
    (
        r"SELECT date_part('epoch', 'infinity'::timestamp)",
        r"double precision",
        r"Infinity",
    ),
    (
        r"SELECT date_part('year', 'infinity'::timestamp)",
        r"double precision",
        r"Infinity",
    ),
    (
        r"SELECT date_part(NULL, timestamp '2024-05-17')",
        r"double precision",
        r"<null>",
    ),
    (
        r"SELECT id, extract(year from d), extract(dow from ts), extract(epoch from tz), date_part('month', iv), extract(second from ts) FROM ft ORDER BY id",
        r"integer,numeric,numeric,numeric,double precision,numeric",
        r"1|2024|4|1709214356.789000|2|56.789000
2|<null>|<null>|<null>|<null>|<null>
3|1999|5|0.000000|0|59.999999",
    ),
    (r"SELECT make_date(2024, 2, 29)", r"date", r"2024-02-29"),
    (r"SELECT make_date(2023, 2, 29)", r"", r"ERROR 22008"),
    (r"SELECT make_date(-44, 3, 15)", r"date", r"0044-03-15 BC"),
    (r"SELECT make_date(0, 1, 1)", r"", r"ERROR 22008"),
    (r"SELECT make_date(2024, 13, 1)", r"", r"ERROR 22008"),
    (r"SELECT make_date(NULL, 1, 1)", r"date", r"<null>"),
    (
        r"SELECT make_date(5874897, 12, 31)",
        r"date",
        r"5874897-12-31",
    ),
    (
        r"SELECT age(timestamp '2024-05-17', timestamp '2020-01-31')",
        r"interval",
        r"4 years 3 mons 17 days",
    ),
    (
        r"SELECT age(timestamp '2020-01-31', timestamp '2024-05-17')",
        r"interval",
        r"-4 years -3 mons -17 days",
    ),
    (
        r"SELECT age(timestamp '2024-03-01 10:00', timestamp '2024-01-31 12:30')",
        r"interval",
        r"1 mon 21:30:00",
    ),
    (
        r"SELECT age(timestamptz '2024-05-17 00:00+00', timestamptz '1999-12-31 23:59:59+00')",
        r"interval",
        r"24 years 4 mons 16 days 00:00:01",
    ),
    (
        r"SELECT age(date '2024-05-17', date '2020-02-29')",
        r"interval",
        r"4 years 2 mons 17 days",
    ),
    (r"SELECT nosuchfunc(1)", r"", r"ERROR 42883"),
    (r"SELECT length()", r"", r"ERROR 42883"),
    (r"SELECT lower(1)", r"", r"ERROR 42883"),
    (r"SELECT upper(1, 2)", r"", r"ERROR 42883"),
    (r"SELECT round(1.5::float8, 1)", r"", r"ERROR 42883"),
    (r"SELECT abs('a')", r"", r"ERROR 22P02"),
    (r"SELECT sqrt('x')", r"", r"ERROR 22P02"),
    (r"SELECT concat_ws()", r"", r"ERROR 42883"),
    (
        r"SELECT sqrt(533::numeric)",
        r"numeric",
        r"23.086792761230391",
    ),
    (
        r"SELECT ln(533::numeric)",
        r"numeric",
        r"6.2785214241658445",
    ),
    (
        r"SELECT log(533::numeric)",
        r"numeric",
        r"2.7267272090265723",
    ),
    (
        r"SELECT sqrt(34301066771.0::numeric)",
        r"numeric",
        r"185205.47176312043",
    ),
    (
        r"SELECT ln(34301066771.0::numeric)",
        r"numeric",
        r"24.258442291830009",
    ),
    (
        r"SELECT log(34301066771.0::numeric)",
        r"numeric",
        r"10.535307626910246",
    ),
    (
        r"SELECT sqrt(0.5315::numeric)",
        r"numeric",
        r"0.72904046526924690",
    ),
    (
        r"SELECT ln(0.5315::numeric)",
        r"numeric",
        r"-0.6320520812001344",
    ),
    (
        r"SELECT log(0.5315::numeric)",
        r"numeric",
        r"-0.2744967311406844",
    ),
    (
        r"SELECT sqrt(4707379.64533553486::numeric)",
        r"numeric",
        r"2169.6496595845917",
    ),
    (
        r"SELECT ln(4707379.64533553486::numeric)",
        r"numeric",
        r"15.364641972608926",
    ),
    (
        r"SELECT log(4707379.64533553486::numeric)",
        r"numeric",
        r"6.672779225123151",
    ),
    (
        r"SELECT sqrt(466.671795795761703282::numeric)",
        r"numeric",
        r"21.602587710636929695",
    ),
    (
        r"SELECT ln(466.671795795761703282::numeric)",
        r"numeric",
        r"6.145626217865757729",
    ),
    (
        r"SELECT log(466.671795795761703282::numeric)",
        r"numeric",
        r"2.669011554259050294",
    ),
    (
        r"SELECT sqrt(307752812::numeric)",
        r"numeric",
        r"17542.88493948473",
    ),
    (
        r"SELECT ln(307752812::numeric)",
        r"numeric",
        r"19.544807460273851",
    ),
    (
        r"SELECT log(307752812::numeric)",
        r"numeric",
        r"8.488202029858443",
    ),
    (
        r"SELECT sqrt(20359447.116017846832885::numeric)",
        r"numeric",
        r"4512.144403276323207",
    ),
    (
        r"SELECT ln(20359447.116017846832885::numeric)",
        r"numeric",
        r"16.829055593876008",
    ),
    (
        r"SELECT log(20359447.116017846832885::numeric)",
        r"numeric",
        r"7.308765980063403",
    ),
    (
        r"SELECT sqrt(4.4256757::numeric)",
        r"numeric",
        r"2.103728998706820",
    ),
    (
        r"SELECT ln(4.4256757::numeric)",
        r"numeric",
        r"1.4874229673673200",
    ),
    (
        r"SELECT log(4.4256757::numeric)",
        r"numeric",
        r"0.6459795869837877",
    ),
    (
        r"SELECT sqrt(999684702775.47::numeric)",
        r"numeric",
        r"999842.33895923311",
    ),
    (
        r"SELECT ln(999684702775.47::numeric)",
        r"numeric",
        r"27.630705768987398",
    ),
    (
        r"SELECT log(999684702775.47::numeric)",
        r"numeric",
        r"11.999863046563573",
    ),
    (
        r"SELECT sqrt(86.766::numeric)",
        r"numeric",
        r"9.314826890500972",
    ),
    (
        r"SELECT ln(86.766::numeric)",
        r"numeric",
        r"4.4632148398607101",
    ),
    (
        r"SELECT log(86.766::numeric)",
        r"numeric",
        r"1.9383495765002122",
    ),
    (
        r"SELECT sqrt(0.14107042::numeric)",
        r"numeric",
        r"0.37559342379759526",
    ),
    (
        r"SELECT ln(0.14107042::numeric)",
        r"numeric",
        r"-1.9584960806548189",
    ),
    (
        r"SELECT log(0.14107042::numeric)",
        r"numeric",
        r"-0.8505640406575339",
    ),
    (
        r"SELECT sqrt(8069350.708071973974190056::numeric)",
        r"numeric",
        r"2840.660259177780304765",
    ),
    (
        r"SELECT ln(8069350.708071973974190056::numeric)",
        r"numeric",
        r"15.903583579521270827",
    ),
    (
        r"SELECT log(8069350.708071973974190056::numeric)",
        r"numeric",
        r"6.906838591073253477",
    ),
    (
        r"SELECT sqrt(58682.94974806605::numeric)",
        r"numeric",
        r"242.2456392756453",
    ),
    (
        r"SELECT ln(58682.94974806605::numeric)",
        r"numeric",
        r"10.979904499365456",
    ),
    (
        r"SELECT log(58682.94974806605::numeric)",
        r"numeric",
        r"4.768511935899104",
    ),
    (
        r"SELECT sqrt(975752088.802437855395::numeric)",
        r"numeric",
        r"31237.030729607413",
    ),
    (
        r"SELECT ln(975752088.802437855395::numeric)",
        r"numeric",
        r"20.698719104737478",
    ),
    (
        r"SELECT log(975752088.802437855395::numeric)",
        r"numeric",
        r"8.989339489652904",
    ),
    (
        r"SELECT sqrt(0.00000000012345::numeric)",
        r"numeric",
        r"0.000011110805551354051",
    ),
    (
        r"SELECT ln(0.00000000012345::numeric)",
        r"numeric",
        r"-22.815184900137360",
    ),
    (
        r"SELECT log(0.00000000012345::numeric)",
        r"numeric",
        r"-9.908508905732049",
    ),
    (
        r"SELECT sqrt(98765432109876543210.5::numeric)",
        r"numeric",
        r"9938079900.5580823",
    ),
    (
        r"SELECT ln(98765432109876543210.5::numeric)",
        r"numeric",
        r"46.039279339994857",
    ),
    (
        r"SELECT log(98765432109876543210.5::numeric)",
        r"numeric",
        r"19.994604968162152",
    ),
    (
        r"SELECT sqrt(1.000000000001::numeric)",
        r"numeric",
        r"1.000000000000500",
    ),
    (
        r"SELECT ln(1.000000000001::numeric)",
        r"numeric",
        r"0.0000000000009999999999995000",
    ),
    (
        r"SELECT log(1.000000000001::numeric)",
        r"numeric",
        r"0.0000000000004342944819030347",
    ),
    (
        r"SELECT sqrt(0.999999999::numeric)",
        r"numeric",
        r"0.99999999950000000",
    ),
    (
        r"SELECT ln(0.999999999::numeric)",
        r"numeric",
        r"-0.0000000010000000005000000",
    ),
    (
        r"SELECT log(0.999999999::numeric)",
        r"numeric",
        r"-0.0000000004342944821203991",
    ),
    (
        r"SELECT sqrt(1e-30::numeric)",
        r"numeric",
        r"0.0000000000000010000000000000000",
    ),
    (
        r"SELECT ln(1e-30::numeric)",
        r"numeric",
        r"-69.077552789821370520539743640531",
    ),
    (
        r"SELECT log(1e-30::numeric)",
        r"numeric",
        r"-30.000000000000000000000000000000",
    ),
    (
        r"SELECT sqrt(123e40::numeric)",
        r"numeric",
        r"1109053650640941716205",
    ),
    (
        r"SELECT ln(123e40::numeric)",
        r"numeric",
        r"96.915588075134245",
    ),
    (
        r"SELECT log(123e40::numeric)",
        r"numeric",
        r"42.089905111439398",
    ),
    (r"SELECT sqrt(7::numeric)", r"numeric", r"2.645751311064591"),
    (r"SELECT ln(7::numeric)", r"numeric", r"1.9459101490553133"),
    (r"SELECT log(7::numeric)", r"numeric", r"0.8450980400142568"),
    (
        r"SELECT sqrt(0.5::numeric)",
        r"numeric",
        r"0.70710678118654752",
    ),
    (
        r"SELECT ln(0.5::numeric)",
        r"numeric",
        r"-0.6931471805599453",
    ),
    (
        r"SELECT log(0.5::numeric)",
        r"numeric",
        r"-0.3010299956639812",
    ),
    (r"SELECT exp(20.002666)", r"numeric", r"486460371.52338423"),
    (
        r"SELECT exp(44.236040)",
        r"numeric",
        r"16273016816993931324.632000",
    ),
    (
        r"SELECT exp(59.061928)",
        r"numeric",
        r"44696078485621665843728955.222828",
    ),
    (
        r"SELECT exp(-41.902482)",
        r"numeric",
        r"0.0000000000000000006338453218811417",
    ),
    (
        r"SELECT exp(-53.758930)",
        r"numeric",
        r"0.000000000000000000000004495658853162016",
    ),
    (r"SELECT exp(21.917024)", r"numeric", r"3299457836.6592163"),
    (
        r"SELECT exp(-21.102971)",
        r"numeric",
        r"0.0000000006840630665485723",
    ),
    (r"SELECT exp(21.480668)", r"numeric", r"2132728536.6386236"),
    (
        r"SELECT exp(36.950791)",
        r"numeric",
        r"11156414289367687.038181",
    ),
    (
        r"SELECT exp(-25.972692)",
        r"numeric",
        r"0.000000000005250530483255717",
    ),
    (
        r"SELECT exp(0.000001::numeric)",
        r"numeric",
        r"1.0000010000005000",
    ),
    (
        r"SELECT exp(-0.000001::numeric)",
        r"numeric",
        r"0.9999990000005000",
    ),
    (
        r"SELECT exp(230.5::numeric)",
        r"numeric",
        r"12731456153663247106055069401202952912538125270721155860812604922322188448616237254369720409103490337.3",
    ),
    (
        r"SELECT exp(-230.5::numeric)",
        r"numeric",
        r"0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007854561080291417",
    ),
    (
        r"SELECT exp(1e-20::numeric)",
        r"numeric",
        r"1.00000000000000000001",
    ),
    (
        r"SELECT exp(5000.5::numeric)",
        r"numeric",
        r"489279204027326824104523666717178357330645875238154408830935295522486569277322657022904264312953466286488652295090845483074004650597098878937673732732464733668291245316369443382999131570535119187707612638883595151438266216755237108689960867059021896115610219002677940594343490391695509839642156926732325621276721843851439974188959793921843825661688093041684102741028572192522372990184974705293674184788045235184363275817206609344874223055173067506283434388788436307569069807980100803504535277021030857530946080270895277059425806585139583624115538216800312824449972927933148601067604274936102882630533096974329986608943549456508364293472173781822017328360681428271512871478465473362730346712164725768140227964185341267394612850742868028874595166965827239064442579893900009788621717952948224917068618719031518413560907175931716029125922572283767965089476205565738760727065292571217855195088839756035306431449674054555377576852264901301591296847291872458253366577767625742648146367740674424624641181660530810615441136707265918401913507944490337350617067930604690589362117951989302570476701439477487986783322239964870998665971809220709696352152112190601670588427741226430812925100243902495465932503238255167687196618511983403197573995074525910237667072002042684407265381370570136316657173778548575890904047583309247523683635239060119126334763002128017346479642343884422134025609527480450518295398353407693456127111259028267018053583224931408088437266887618408635644875597686325043638000707754283472731806434866588705685554559241996837167542992707648712438682517616626401438712020366040195375133494015704162095360326109493253403019876766681358769230821111484114079464595379859090705261451178572061637970998888758477545622531627771799074754946332785494173806655152147633650539613820303166297485193235256005361139831299930734159732038102599998321162489613856868557590392152661075484164034140172312675464106874775276084981222832536818296891542129593772995399538947739264164295481608539789005462118818698459646389904866247286988908867367671895961582543499943011710686359835482553449048316272743311867381836270719108043432638632168947505758654462587508975036585415958643598770335039.1",
    ),
    (
        r"SELECT exp(-5000.5::numeric)",
        r"numeric",
        r"0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    ),
    (
        r"SELECT exp(12.3456789012345678901234567890::numeric)",
        r"numeric",
        r"229964.1948529885452126477719260343",
    ),
    (
        r"SELECT log(2::numeric, 1024::numeric)",
        r"numeric",
        r"10.0000000000000000",
    ),
    (
        r"SELECT log(10::numeric, 0.001::numeric)",
        r"numeric",
        r"-3.0000000000000000",
    ),
    (
        r"SELECT log(1.5::numeric, 2.25::numeric)",
        r"numeric",
        r"2.0000000000000000",
    ),
    (
        r"SELECT log(7.25::numeric, 1e30::numeric)",
        r"numeric",
        r"34.870015936607874",
    ),
    (
        r"SELECT log(0.3::numeric, 1e-20::numeric)",
        r"numeric",
        r"38.24978578786396887914",
    ),
    (
        r"SELECT log(1.0001::numeric, 2::numeric)",
        r"numeric",
        r"6931.818373413795",
    ),
    (
        r"SELECT log(123456789::numeric, 987654321.123::numeric)",
        r"numeric",
        r"1.1116095061989831",
    ),
    (
        r"SELECT log(2.000000000000000001::numeric, 8::numeric)",
        r"numeric",
        r"2.999999999999999998",
    ),
    (r"SELECT length('abc'::varchar(5))", r"integer", r"3"),
    (r"SELECT upper('abc'::varchar(5))", r"text", r"ABC"),
    (r"SELECT lower('ABC  '::char(5)) || '|'", r"text", r"abc|"),
    (
        r"SELECT substr('abc  '::char(5), 2) || '|'",
        r"text",
        r"bc|",
    ),
    (
        r"SELECT replace('a b '::char(4), ' ', '_')",
        r"text",
        r"a_b",
    ),
    (r"SELECT trim('  ab  '::char(6)) || '|'", r"text", r"ab|"),
    (r"SELECT abs(-2.5::real) + 1", r"double precision", r"3.5"),
    (r"SELECT round(2.5::real)", r"double precision", r"2"),
    (r"SELECT round(2.567::real::numeric, 1)", r"numeric", r"2.6"),
    (r"SELECT sqrt(16::smallint)", r"double precision", r"4"),
    (r"SELECT mod(10::smallint, 3)", r"integer", r"1"),
    (r"SELECT mod(10::bigint, 3)", r"bigint", r"1"),
    (r"SELECT mod(10, 3::bigint)", r"bigint", r"1"),
    (r"SELECT power(2::bigint, 3)", r"double precision", r"8"),
    (r"SELECT gcd(12::bigint, 18)", r"bigint", r"6"),
    (r"SELECT lcm(4::smallint, 6)", r"integer", r"12"),
    (r"SELECT sign(-3::smallint)", r"double precision", r"-1"),
    (r"SELECT ceil(2::bigint)", r"double precision", r"2"),
    (
        r"SELECT exp(1::real)",
        r"double precision",
        r"2.718281828459045",
    ),
    (
        r"SELECT ln(10::bigint)",
        r"double precision",
        r"2.302585092994046",
    ),
    (r"SELECT abs(-7::bigint)", r"bigint", r"7"),
    (
        r"SELECT left('abcdef'::varchar, 2::smallint)",
        r"text",
        r"ab",
    ),
    (r"SELECT repeat('ab'::char(2), 2)", r"text", r"abab"),
    (r"SELECT chr(65::smallint)", r"text", r"A"),
    (r"SELECT lpad('7', 3::bigint, '0')", r"", r"ERROR 42883"),
    (r"SELECT translate('12345', '143', 'ax')", r"text", r"a2x5"),
    (
        r"SELECT translate('abcabc', 'abc', 'ABC')",
        r"text",
        r"ABCABC",
    ),
    (r"SELECT translate('héllo', 'é', 'e')", r"text", r"hello"),
    (r"SELECT translate('abc', '', 'x')", r"text", r"abc"),
    (
        r"SELECT overlay('Txxxxas' placing 'hom' from 2 for 4)",
        r"text",
        r"Thomas",
    ),
    (
        r"SELECT overlay('Txxxxas' placing 'hom' from 2)",
        r"text",
        r"Thomxas",
    ),
    (
        r"SELECT overlay('abcdef' placing 'XY' from 10)",
        r"text",
        r"abcdefXY",
    ),
    (
        r"SELECT overlay('abcdef' placing '' from 2 for 2)",
        r"text",
        r"adef",
    ),
    (
        r"SELECT overlay('abcdef' placing 'X' from 0)",
        r"",
        r"ERROR 22011",
    ),
    (
        r"SELECT overlay('abcdef' placing 'X' from 3 for -1)",
        r"text",
        r"abXbcdef",
    ),
    (
        r"SELECT overlay('\x0102030405'::bytea placing '\xff'::bytea from 2 for 1)",
        r"bytea",
        r"\x01ff030405",
    ),
    (r"SELECT to_hex(255)", r"text", r"ff"),
    (r"SELECT to_hex(-1)", r"text", r"ffffffff"),
    (r"SELECT to_hex(9000000000)", r"text", r"218711a00"),
    (r"SELECT to_hex(-9000000000)", r"text", r"fffffffde78ee600"),
    (r"SELECT to_hex(0)", r"text", r"0"),
    (r"SELECT bit_length('héllo')", r"integer", r"48"),
    (r"SELECT bit_length('\x0102'::bytea)", r"integer", r"16"),
    (r"SELECT scale(1.2300)", r"integer", r"4"),
    (r"SELECT scale(5)", r"integer", r"0"),
    (r"SELECT scale('NaN'::numeric)", r"integer", r"<null>"),
    (r"SELECT length(repeat('ab', 3))", r"integer", r"6"),
    (
        r"SELECT upper(substring('hello world' from 7 for 5))",
        r"text",
        r"WORLD",
    ),
    (
        r"SELECT concat_ws('-', upper('a'), lower('B'), initcap('cc dd'))",
        r"text",
        r"A-b-Cc Dd",
    ),
    (r"SELECT reverse(lpad('ab', 4, 'xy'))", r"text", r"bayx"),
    (
        r"SELECT split_part(concat_ws('.', 'a', 'b', 'c'), '.', 2)",
        r"text",
        r"b",
    ),
    (r"SELECT position('c' in reverse('abc'))", r"integer", r"1"),
    (
        r"SELECT ltrim('xxabcxx', 'x') || rtrim('xxabcxx', 'x')",
        r"text",
        r"abcxxxxabc",
    ),
    (r"SELECT substring('abc' from NULL)", r"text", r"<null>"),
    (
        r"SELECT substring(NULL::text from 2 for 1)",
        r"text",
        r"<null>",
    ),
    (r"SELECT trim(leading 'a' from 'aaabaaa')", r"text", r"baaa"),
    (
        r"SELECT trim(trailing 'a' from 'aaabaaa')",
        r"text",
        r"aaab",
    ),
    (
        r"SELECT trim('\x00'::bytea from '\x000100'::bytea)",
        r"bytea",
        r"\x01",
    ),
    (r"SELECT trim(both from '')", r"text", r""),
    (
        r"SELECT md5(repeat('a', 1000))",
        r"text",
        r"cabe45dcc9ae5b66ba86600cca6b8ba8",
    ),
    (r"SELECT initcap('ÀÉÎ õü ñandú')", r"text", r"Àéî Õü Ñandú"),
    (r"SELECT upper('ß straße')", r"text", r"ß STRAßE"),
    (r"SELECT lower('ΑΣ ΣΑ')", r"text", r"ασ σα"),
    (r"SELECT ascii('😀')", r"integer", r"128512"),
    (r"SELECT chr(127)", r"text", r""),
    (r"SELECT chr(128)", r"text", r""),
    (r"SELECT strpos('ab😀cd', 'cd')", r"integer", r"4"),
    (r"SELECT substr('ab😀cd', 3, 1)", r"text", r"😀"),
    (r"SELECT length('ab😀cd')", r"integer", r"5"),
    (r"SELECT octet_length('ab😀cd')", r"integer", r"8"),
    (r"SELECT left('ab😀cd', 3)", r"text", r"ab😀"),
    (r"SELECT right('ab😀cd', 3)", r"text", r"😀cd"),
    (r"SELECT lpad('😀', 3, 'ab')", r"text", r"ab😀"),
    (r"SELECT reverse('ab😀cd')", r"text", r"dc😀ba"),
    (
        r"SELECT id FROM ft WHERE length(s) > 6 ORDER BY id",
        r"integer",
        r"1",
    ),
    (
        r"SELECT id FROM ft WHERE upper(v) = 'XYZ'",
        r"integer",
        r"1",
    ),
    (
        r"SELECT id FROM ft WHERE position('W' in s) > 0",
        r"integer",
        r"1",
    ),
    (
        r"SELECT id FROM ft WHERE extract(year from d) = 1999",
        r"integer",
        r"3",
    ),
    (
        r"SELECT id FROM ft WHERE date_trunc('month', ts) = '2024-02-01'",
        r"integer",
        r"1",
    ),
    (
        r"SELECT id FROM ft ORDER BY abs(i) DESC NULLS LAST",
        r"integer",
        r"1
3
2",
    ),
    (
        r"SELECT id FROM ft ORDER BY coalesce(length(s), 0), id",
        r"integer",
        r"2
3
1",
    ),
    (
        r"SELECT upper(left(s, 1)), count(*) FROM ft GROUP BY upper(left(s, 1)) ORDER BY 1",
        r"text,bigint",
        r"H|1
Ä|1
<null>|1",
    ),
    (
        r"SELECT substring(max(s) from 2 for 3) FROM ft",
        r"text",
        r"bÇ ",
    ),
    (
        r"SELECT round(avg(n), 2), trunc(sum(f)), ceil(max(f)), floor(min(f)) FROM ft",
        r"numeric,double precision,double precision,double precision",
        r"5.92|-1|3|-4",
    ),
    (
        r"SELECT extract(year from max(d)), date_trunc('year', min(ts)) FROM ft",
        r"numeric,timestamp without time zone",
        r"2024|1999-01-01 00:00:00",
    ),
    (
        r"SELECT trim(both 'H' from max(s)), position('o' in min(s)) FROM ft",
        r"text,integer",
        r"ÄbÇ dé|5",
    ),
    (
        r"SELECT count(*) FROM ft WHERE coalesce(s, '') = ''",
        r"bigint",
        r"1",
    ),
    (
        r"SELECT length(string) FROM (SELECT s AS string FROM ft) q ORDER BY 1",
        r"integer",
        r"6
11
<null>",
    ),
    (
        r"SELECT sum(length(s)), max(upper(s)), min(abs(i)) FROM ft",
        r"bigint,text,integer",
        r"17|ÄBÇ DÉ|0",
    ),
    (
        r"SELECT id, CASE WHEN i < 0 THEN abs(i) ELSE sqrt(i) END FROM ft ORDER BY id",
        r"integer,double precision",
        r"1|7
2|<null>
3|0",
    ),
    (
        r"SELECT id, greatest(length(s), 3), least(n, f::numeric) FROM ft ORDER BY id",
        r"integer,integer,numeric",
        r"1|11|2.5
2|3|<null>
3|6|-3.5",
    ),
    (
        r"SELECT id, nullif(upper(s), 'HELLO WORLD') FROM ft ORDER BY id",
        r"integer,text",
        r"1|<null>
2|<null>
3|ÄBÇ DÉ",
    ),
    (
        r"SELECT id, sqrt(i) FROM ft WHERE i = 0",
        r"integer,double precision",
        r"3|0",
    ),
    (
        r"SELECT id, sqrt(i) FROM ft ORDER BY id",
        r"",
        r"ERROR 2201F",
    ),
    (
        r"SELECT id, ln(i) FROM ft WHERE id = 3",
        r"",
        r"ERROR 2201E",
    ),
    (
        r"SELECT id, 10 / i FROM ft WHERE id = 3",
        r"",
        r"ERROR 22012",
    ),
    (
        r"SELECT id, substr(s, 1, i) FROM ft ORDER BY id",
        r"",
        r"ERROR 22011",
    ),
    (
        r"SELECT id, chr(i) FROM ft ORDER BY id",
        r"",
        r"ERROR 22023",
    ),
    (
        r"SELECT id, log(b::numeric) FROM ft ORDER BY id",
        r"",
        r"ERROR 2201E",
    ),
    (r"SELECT sqrt(-1) FROM ft WHERE false", r"", r"ERROR 2201F"),
    (
        r"SELECT date_part('microseconds', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"56789000",
    ),
    (
        r"SELECT date_part('milliseconds', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"56789",
    ),
    (
        r"SELECT date_part('minute', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"45",
    ),
    (
        r"SELECT date_part('hour', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"13",
    ),
    (
        r"SELECT date_part('day', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"17",
    ),
    (
        r"SELECT date_part('month', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"5",
    ),
    (
        r"SELECT date_part('quarter', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"2",
    ),
    (
        r"SELECT date_part('week', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"20",
    ),
    (
        r"SELECT date_part('decade', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"202",
    ),
    (
        r"SELECT date_part('century', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"21",
    ),
    (
        r"SELECT date_part('millennium', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"3",
    ),
    (
        r"SELECT date_part('julian', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"2460448.573573947",
    ),
    (
        r"SELECT date_part('isoyear', timestamp '2021-01-03')",
        r"double precision",
        r"2020",
    ),
    (
        r"SELECT date_part('isodow', timestamp '2024-05-19')",
        r"double precision",
        r"7",
    ),
    (
        r"SELECT date_part('doy', timestamp '2024-05-17')",
        r"double precision",
        r"138",
    ),
    (
        r"SELECT date_part('dow', timestamp '2024-05-17')",
        r"double precision",
        r"5",
    ),
    (
        r"SELECT date_part('timezone', timestamp '2024-05-17')",
        r"",
        r"ERROR 0A000",
    ),
    (
        r"SELECT date_part('timezone', timestamptz '2024-05-17 00:00+05')",
        r"double precision",
        r"0",
    ),
    (
        r"SELECT date_part('timezone_hour', timestamptz '2024-05-17 00:00+05')",
        r"double precision",
        r"0",
    ),
    (
        r"SELECT date_part('epoch', timestamptz '2024-05-17 00:00+05')",
        r"double precision",
        r"1715886000",
    ),
    (
        r"SELECT date_part('epoch', date '2024-05-17')",
        r"double precision",
        r"1715904000",
    ),
    (
        r"SELECT date_part('julian', date '2024-05-17')",
        r"double precision",
        r"2460448",
    ),
    (
        r"SELECT date_part('s', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"56.789",
    ),
    (
        r"SELECT date_part('mins', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"45",
    ),
    (
        r"SELECT date_part('hrs', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"13",
    ),
    (
        r"SELECT date_part('yrs', timestamp '2024-05-17 13:45:56.789')",
        r"double precision",
        r"2024",
    ),
    (
        r"SELECT date_part('now', timestamp '2024-05-17')",
        r"",
        r"ERROR 0A000",
    ),
    (
        r"SELECT date_part('day', '-infinity'::timestamp)",
        r"double precision",
        r"<null>",
    ),
    (
        r"SELECT date_part('year', '-infinity'::timestamp)",
        r"double precision",
        r"-Infinity",
    ),
    (
        r"SELECT date_part('dow', 'infinity'::timestamp)",
        r"double precision",
        r"<null>",
    ),
    (
        r"SELECT date_part('foo', 'infinity'::timestamp)",
        r"",
        r"ERROR 22023",
    ),
    (
        r"SELECT date_part('second', time '23:59:59.999999')",
        r"double precision",
        r"59.999999",
    ),
    (
        r"SELECT date_part('milliseconds', time '10:00:01.5')",
        r"double precision",
        r"1500",
    ),
    (
        r"SELECT date_part('epoch', time '24:00:00')",
        r"double precision",
        r"86400",
    ),
    (
        r"SELECT date_part('hour', '25:30:00'::interval)",
        r"double precision",
        r"25",
    ),
    (
        r"SELECT date_part('epoch', '1 year 1 month'::interval)",
        r"double precision",
        r"34149600",
    ),
    (
        r"SELECT date_part('millisecond', '1.5 seconds'::interval)",
        r"double precision",
        r"1500",
    ),
    (
        r"SELECT date_part('quarter', '11 months'::interval)",
        r"double precision",
        r"4",
    ),
    (
        r"SELECT date_part('decade', '-25 years'::interval)",
        r"double precision",
        r"-2",
    ),
    (
        r"SELECT extract(week from date '2021-01-03')",
        r"numeric",
        r"53",
    ),
    (
        r"SELECT extract(week from date '2020-12-31')",
        r"numeric",
        r"53",
    ),
    (
        r"SELECT extract(week from date '2026-01-01')",
        r"numeric",
        r"1",
    ),
    (
        r"SELECT extract(isoyear from date '2021-01-03')",
        r"numeric",
        r"2020",
    ),
    (
        r"SELECT extract(isoyear from date '0001-01-01')",
        r"numeric",
        r"1",
    ),
    (
        r"SELECT extract(julian from date '2024-05-17')",
        r"numeric",
        r"2460448",
    ),
    (
        r"SELECT extract(decade from date '0001-06-01 BC')",
        r"numeric",
        r"0",
    ),
    (
        r"SELECT extract(millennium from date '2001-01-01')",
        r"numeric",
        r"3",
    ),
    (
        r"SELECT extract(millennium from date '2000-12-31')",
        r"numeric",
        r"2",
    ),
    (
        r"SELECT extract(century from date '0001-01-01')",
        r"numeric",
        r"1",
    ),
    (
        r"SELECT extract(century from date '0001-12-31 BC')",
        r"numeric",
        r"-1",
    ),
    (
        r"SELECT extract(quarter from date '2024-12-31')",
        r"numeric",
        r"4",
    ),
    (
        r"SELECT extract(epoch from date 'infinity')",
        r"numeric",
        r"Infinity",
    ),
    (
        r"SELECT extract(day from date 'infinity')",
        r"numeric",
        r"<null>",
    ),
    (
        r"SELECT extract(year from date '-infinity')",
        r"numeric",
        r"-Infinity",
    ),
    (
        r"SELECT extract(hour from date 'infinity')",
        r"",
        r"ERROR 0A000",
    ),
    (
        r"SELECT extract(foo from date '2024-01-01')",
        r"",
        r"ERROR 22023",
    ),
    (
        r"SELECT extract(epoch from timestamp '0001-01-01 00:00:00 BC')",
        r"numeric",
        r"-62167219200.000000",
    ),
    (
        r"SELECT extract(microseconds from time '13:45:56.5')",
        r"numeric",
        r"56500000",
    ),
    (
        r"SELECT extract(milliseconds from time '13:45:56.5')",
        r"numeric",
        r"56500.000",
    ),
    (
        r"SELECT extract(minute from time '13:45:56.5')",
        r"numeric",
        r"45",
    ),
    (
        r"SELECT extract(epoch from time '00:00:00.000001')",
        r"numeric",
        r"0.000001",
    ),
    (
        r"SELECT extract(year from time '13:45:56')",
        r"",
        r"ERROR 0A000",
    ),
    (
        r"SELECT extract(dow from time '13:45:56')",
        r"",
        r"ERROR 0A000",
    ),
    (
        r"SELECT extract(microseconds from '1 minute 1.000001 seconds'::interval)",
        r"numeric",
        r"1000001",
    ),
    (
        r"SELECT extract(milliseconds from '-1.5 seconds'::interval)",
        r"numeric",
        r"-1500.000",
    ),
    (
        r"SELECT extract(minute from '-90 minutes'::interval)",
        r"numeric",
        r"-30",
    ),
    (
        r"SELECT extract(hour from '-90 minutes'::interval)",
        r"numeric",
        r"-1",
    ),
    (
        r"SELECT extract(quarter from '-5 months'::interval)",
        r"numeric",
        r"0",
    ),
    (
        r"SELECT extract(century from '250 years'::interval)",
        r"numeric",
        r"2",
    ),
    (
        r"SELECT extract(millennium from '2500 years'::interval)",
        r"numeric",
        r"2",
    ),
    (
        r"SELECT extract(epoch from '1 year'::interval)",
        r"numeric",
        r"31557600.000000",
    ),
    (
        r"SELECT extract(epoch from '1 month'::interval)",
        r"numeric",
        r"2592000.000000",
    ),
    (
        r"SELECT extract(epoch from '-1 year -1 month +1 day 00:00:01'::interval)",
        r"numeric",
        r"-34063199.000000",
    ),
    (
        r"SELECT extract(week from '1 week'::interval)",
        r"",
        r"ERROR 0A000",
    ),
    (
        r"SELECT extract(timezone_minute from timestamptz '2024-05-17 00:00+05:30')",
        r"numeric",
        r"0",
    ),
    (
        r"SELECT extract(timezone from timestamp '2024-05-17 00:00')",
        r"",
        r"ERROR 0A000",
    ),
    (
        r"SELECT extract(days from timestamp '2024-05-17 00:00')",
        r"numeric",
        r"17",
    ),
    (
        r"SELECT extract(MONTHS from timestamp '2024-05-17 00:00')",
        r"numeric",
        r"5",
    ),
    (
        r"SELECT extract(microsecond from timestamp '2024-05-17 00:00:01.25')",
        r"numeric",
        r"1250000",
    ),
    (
        r"SELECT date_trunc('week', timestamp '2020-12-31 10:00')",
        r"timestamp without time zone",
        r"2020-12-28 00:00:00",
    ),
    (
        r"SELECT date_trunc('week', timestamp '2021-01-03 10:00')",
        r"timestamp without time zone",
        r"2020-12-28 00:00:00",
    ),
    (
        r"SELECT date_trunc('week', timestamp '2027-01-01 10:00')",
        r"timestamp without time zone",
        r"2026-12-28 00:00:00",
    ),
    (
        r"SELECT date_trunc('quarter', timestamp '2024-12-31 10:00')",
        r"timestamp without time zone",
        r"2024-10-01 00:00:00",
    ),
    (
        r"SELECT date_trunc('decade', timestamp '2019-12-31')",
        r"timestamp without time zone",
        r"2010-01-01 00:00:00",
    ),
    (
        r"SELECT date_trunc('decade', timestamp '0005-06-01')",
        r"timestamp without time zone",
        r"0001-01-01 00:00:00 BC",
    ),
    (
        r"SELECT date_trunc('century', timestamp '2001-01-01')",
        r"timestamp without time zone",
        r"2001-01-01 00:00:00",
    ),
    (
        r"SELECT date_trunc('century', timestamp '0001-01-01 BC')",
        r"timestamp without time zone",
        r"0100-01-01 00:00:00 BC",
    ),
    (
        r"SELECT date_trunc('millennium', timestamp '0900-01-01 BC')",
        r"timestamp without time zone",
        r"1000-01-01 00:00:00 BC",
    ),
    (
        r"SELECT date_trunc('second', timestamp '2024-05-17 13:45:56.999999')",
        r"timestamp without time zone",
        r"2024-05-17 13:45:56",
    ),
    (
        r"SELECT date_trunc('ms', timestamp '2024-05-17 13:45:56.123456')",
        r"timestamp without time zone",
        r"2024-05-17 13:45:56.123",
    ),
    (
        r"SELECT date_trunc('minute', timestamptz '2024-05-17 13:45:56.123456+03')",
        r"timestamp with time zone",
        r"2024-05-17 10:45:00+00",
    ),
    (
        r"SELECT date_trunc('week', timestamptz '2024-05-17 13:45:56+00')",
        r"timestamp with time zone",
        r"2024-05-13 00:00:00+00",
    ),
    (
        r"SELECT date_trunc('dow', timestamp '2024-05-17')",
        r"",
        r"ERROR 22023",
    ),
    (
        r"SELECT date_trunc('epoch', timestamp '2024-05-17')",
        r"",
        r"ERROR 22023",
    ),
    (
        r"SELECT date_trunc('timezone', timestamptz '2024-05-17')",
        r"",
        r"ERROR 0A000",
    ),
    (
        r"SELECT date_trunc('century', '123 years 5 months'::interval)",
        r"interval",
        r"100 years",
    ),
    (
        r"SELECT date_trunc('millennium', '2345 years'::interval)",
        r"interval",
        r"2000 years",
    ),
    (
        r"SELECT date_trunc('decade', '-15 years'::interval)",
        r"interval",
        r"-10 years",
    ),
    (
        r"SELECT date_trunc('quarter', '1 year 5 months 3 days'::interval)",
        r"interval",
        r"1 year 3 mons",
    ),
    (
        r"SELECT date_trunc('day', '3 days 25:00:00'::interval)",
        r"interval",
        r"3 days",
    ),
    (
        r"SELECT date_trunc('minute', '00:05:59.9'::interval)",
        r"interval",
        r"00:05:00",
    ),
    (
        r"SELECT date_trunc('second', '-00:00:01.5'::interval)",
        r"interval",
        r"-00:00:01",
    ),
    (
        r"SELECT date_trunc('milliseconds', '00:00:01.23456'::interval)",
        r"interval",
        r"00:00:01.234",
    ),
    (
        r"SELECT date_trunc('foo', '1 day'::interval)",
        r"",
        r"ERROR 22023",
    ),
    (
        r"SELECT date_trunc('year', '-infinity'::timestamptz)",
        r"timestamp with time zone",
        r"-infinity",
    ),
    (r"SELECT make_date(1, 1, 1)", r"date", r"0001-01-01"),
    (r"SELECT make_date(-1, 12, 31)", r"date", r"0001-12-31 BC"),
    (r"SELECT make_date(2024, 4, 31)", r"", r"ERROR 22008"),
    (r"SELECT make_date(2024, 0, 1)", r"", r"ERROR 22008"),
    (r"SELECT make_date(2024, 1, 0)", r"", r"ERROR 22008"),
    (
        r"SELECT make_date(-4714, 11, 24)",
        r"date",
        r"4714-11-24 BC",
    ),
    (r"SELECT make_date(-4714, 11, 23)", r"", r"ERROR 22008"),
    (r"SELECT make_date(5874898, 1, 1)", r"", r"ERROR 22008"),
    (
        r"SELECT age(timestamp '2024-01-31', timestamp '2024-02-29')",
        r"interval",
        r"-29 days",
    ),
    (
        r"SELECT age(timestamp '2024-03-31', timestamp '2024-02-29 12:00')",
        r"interval",
        r"1 mon 1 day 12:00:00",
    ),
    (
        r"SELECT age(timestamp '2000-02-29', timestamp '1999-02-28')",
        r"interval",
        r"1 year 1 day",
    ),
    (
        r"SELECT age(timestamp '2024-05-17 10:00:00.5', timestamp '2024-05-17 10:00:01')",
        r"interval",
        r"-00:00:00.5",
    ),
    (
        r"SELECT age(timestamp '2024-05-17', timestamp '2024-05-17')",
        r"interval",
        r"00:00:00",
    ),
    (
        r"SELECT age(timestamp '0010-01-01 BC', timestamp '0010-01-01')",
        r"interval",
        r"-19 years",
    ),
    (
        r"SELECT age(timestamp 'infinity', timestamp '2024-01-01')",
        r"interval",
        r"292253 years 8 days 04:00:54.775807",
    ),
    (
        r"SELECT age(NULL::timestamp, timestamp '2024-01-01')",
        r"interval",
        r"<null>",
    ),
    (
        r"SELECT age(timestamp '2024-05-17', date '2024-01-01')",
        r"interval",
        r"4 mons 16 days",
    ),
    (
        r"SELECT to_timestamp(0)",
        r"timestamp with time zone",
        r"1970-01-01 00:00:00+00",
    ),
    (
        r"SELECT to_timestamp(1715953556.789)",
        r"timestamp with time zone",
        r"2024-05-17 13:45:56.789+00",
    ),
    (
        r"SELECT to_timestamp(-1.5)",
        r"timestamp with time zone",
        r"1969-12-31 23:59:58.5+00",
    ),
    (
        r"SELECT to_timestamp('Infinity')",
        r"timestamp with time zone",
        r"infinity",
    ),
    (
        r"SELECT to_timestamp('-Infinity')",
        r"timestamp with time zone",
        r"-infinity",
    ),
    (r"SELECT to_timestamp('NaN')", r"", r"ERROR 22008"),
    (r"SELECT to_timestamp(1e20)", r"", r"ERROR 22008"),
    (
        r"SELECT to_timestamp(NULL)",
        r"timestamp with time zone",
        r"<null>",
    ),
    (
        r"SELECT extract(microseconds from current_timestamp(0)) % 1000000 = 0",
        r"boolean",
        r"t",
    ),
    (
        r"SELECT extract(microseconds from localtimestamp(0)) % 1000000 = 0",
        r"boolean",
        r"t",
    ),
    (r"SELECT current_date - 1 < current_date", r"boolean", r"t"),
    (r"SELECT localtime <= '24:00'::time", r"boolean", r"t"),
    (
        r"SELECT now() - '1 day'::interval < now()",
        r"boolean",
        r"t",
    ),
    (r"SELECT extract(year from now()) >= 2024", r"boolean", r"t"),
    (
        r"SELECT date_trunc('day', now()) <= now()",
        r"boolean",
        r"t",
    ),
    (r"SELECT substr('abc')", r"", r"ERROR 42883"),
    (r"SELECT left('abc')", r"", r"ERROR 42883"),
    (r"SELECT repeat('a')", r"", r"ERROR 42883"),
    (r"SELECT lpad('a', 1, 'b', 'c')", r"", r"ERROR 42883"),
    (r"SELECT extract(year from 1)", r"", r"ERROR 42883"),
    (r"SELECT date_trunc('day', 1)", r"", r"ERROR 42883"),
    (r"SELECT date_part('year', 'abc')", r"", r"ERROR 42725"),
    (
        r"SELECT make_date('2024', '5', '17')",
        r"date",
        r"2024-05-17",
    ),
    (r"SELECT length(NULL::bytea)", r"integer", r"<null>"),
    (r"SELECT md5(NULL::bytea)", r"text", r"<null>"),
    (r"SELECT octet_length(NULL)", r"integer", r"<null>"),
    (r"SELECT gcd('12', '18')", r"", r"ERROR 42725"),
    (r"SELECT gcd(12, '18')", r"integer", r"6"),
    (r"SELECT mod('7', 2)", r"integer", r"1"),
    (r"SELECT mod(7, '2.5')", r"", r"ERROR 22P02"),
    (r"SELECT power('2', '3')", r"double precision", r"8"),
    (r"SELECT round('2.5')", r"double precision", r"2"),
    (r"SELECT round('2.5', 1)", r"numeric", r"2.5"),
    (r"SELECT trunc(NULL, 1)", r"numeric", r"<null>"),
    (r"SELECT abs(true)", r"", r"ERROR 42883"),
    (r"SELECT lower(NULL::int)", r"", r"ERROR 42883"),
    (r"SELECT coalesce(1, 'a')", r"", r"ERROR 22P02"),
    (r"SELECT coalesce('a', 1)", r"", r"ERROR 22P02"),
    (r"SELECT greatest(1, 'x')", r"", r"ERROR 22P02"),
    (r"SELECT nullif(1, 'a')", r"", r"ERROR 22P02"),
    (r"SELECT concat_ws(1, 2, 3)", r"", r"ERROR 42883"),
    (r"SELECT chr('65')", r"text", r"A"),
    (r"SELECT ascii(65)", r"", r"ERROR 42883"),
    (r"SELECT to_hex('255')", r"", r"ERROR 42725"),
    (r"SELECT pg_catalog.upper('abc')", r"text", r"ABC"),
    (r"SELECT pg_catalog.abs(-1)", r"integer", r"1"),
    (
        r"SELECT upper(s) FROM ft WHERE id = 1",
        r"text",
        r"HELLO WORLD",
    ),
    (r"SELECT factorial(5)", r"numeric", r"120"),
    (r"SELECT factorial(0)", r"numeric", r"1"),
    (r"SELECT factorial(20)", r"numeric", r"2432902008176640000"),
    (
        r"SELECT factorial(25)",
        r"numeric",
        r"15511210043330985984000000",
    ),
    (r"SELECT factorial(-1)", r"", r"ERROR 22003"),
    (r"SELECT factorial(5::smallint)", r"numeric", r"120"),
    (r"SELECT quote_literal('abc')", r"text", r"'abc'"),
    (
        r"SELECT quote_literal('O''Reilly')",
        r"text",
        r"'O''Reilly'",
    ),
    (
        r"SELECT quote_literal('back\slash')",
        r"text",
        r"E'back\\slash'",
    ),
    (r"SELECT quote_literal('')", r"text", r"''"),
    (r"SELECT quote_literal(NULL)", r"text", r"<null>"),
    (r"SELECT pg_typeof(1)::text", r"text", r"integer"),
    (r"SELECT pg_typeof(1.5)::text", r"text", r"numeric"),
    (r"SELECT pg_typeof('a')::text", r"text", r"unknown"),
    (r"SELECT pg_typeof(NULL)::text", r"text", r"unknown"),
    (
        r"SELECT pg_typeof(round(5))::text",
        r"text",
        r"double precision",
    ),
    (
        r"SELECT pg_typeof('a'::varchar(3))::text",
        r"text",
        r"character varying",
    ),
    (
        r"SELECT pg_typeof('a'::char(2))::text",
        r"text",
        r"character",
    ),
    (
        r"SELECT pg_typeof(now())::text",
        r"text",
        r"timestamp with time zone",
    ),
    (
        r"SELECT pg_typeof(extract(year from now()))::text",
        r"text",
        r"numeric",
    ),
    (r"SELECT pg_typeof(3000000000)::text", r"text", r"bigint"),
    (
        r"SELECT pg_typeof(c)::text, pg_typeof(n)::text, pg_typeof(iv)::text FROM ft WHERE id = 1",
        r"text,text,text",
        r"character|numeric|interval",
    ),
    (
        r"SELECT length(round(1.5::numeric, 5000)::text)",
        r"integer",
        r"5002",
    ),
    (r"SELECT round(1.5::numeric, 20000) = 1.5", r"boolean", r"t"),
    (r"SELECT round(123456::numeric, -200000)", r"numeric", r"0"),
    (
        r"SELECT trunc(-123456.789::numeric, -3)",
        r"numeric",
        r"-123000",
    ),
    (
        r"SELECT format('%s has %s items', 'cart', 3)",
        r"text",
        r"cart has 3 items",
    ),
    (
        r"SELECT format('Hello %s', 'World')",
        r"text",
        r"Hello World",
    ),
    (r"SELECT format('%s|%s', NULL, true)", r"text", r"|t"),
    (
        r"SELECT format('%L, %L, %L', 'it''s', NULL, 42)",
        r"text",
        r"'it''s', NULL, '42'",
    ),
    (
        r"SELECT format('%I, %I, %I', 'foo', 'Foo Bar', 'select')",
        r"text",
        r#"foo, "Foo Bar", "select""#,
    ),
    (r"SELECT format('%I', NULL)", r"", r"ERROR 22004"),
    (
        r"SELECT format('%1$s %1$s %2$s', 'a', 'b')",
        r"text",
        r"a a b",
    ),
    (r"SELECT format('%2$s %s', 'a', 'b', 'c')", r"text", r"b c"),
    (
        r"SELECT format('|%10s|%-10s|', 'right', 'left')",
        r"text",
        r"|     right|left      |",
    ),
    (r"SELECT format('|%*s|', 6, 'x')", r"text", r"|     x|"),
    (r"SELECT format('|%*s|', -6, 'x')", r"text", r"|x     |"),
    (r"SELECT format('|%-*s|', 6, 'x')", r"text", r"|x     |"),
    (r"SELECT format('|%3s|', 'toolong')", r"text", r"|toolong|"),
    (r"SELECT format('100%%')", r"text", r"100%"),
    (r"SELECT format('%s')", r"", r"ERROR 22023"),
    (r"SELECT format('%z', 1)", r"", r"ERROR 22023"),
    (r"SELECT format('%', 1)", r"", r"ERROR 22023"),
    (r"SELECT format('%0$s', 1)", r"", r"ERROR 22023"),
    (r"SELECT format(NULL, 1)", r"text", r"<null>"),
    (r"SELECT format('no args')", r"text", r"no args"),
    (r"SELECT format('%s', 'a'::char(3))", r"text", r"a  "),
    (
        r"SELECT format('%L', 'back\slash')",
        r"text",
        r"E'back\\slash'",
    ),
    (
        r"SELECT format('%s %s', 1.50, date '2024-01-02')",
        r"text",
        r"1.50 2024-01-02",
    ),
    (r"SELECT quote_ident('abc')", r"text", r"abc"),
    (r"SELECT quote_ident('Abc')", r"text", r#""Abc""#),
    (r"SELECT quote_ident('a b')", r"text", r#""a b""#),
    (r"SELECT quote_ident('select')", r"text", r#""select""#),
    (r#"SELECT quote_ident('a"b')"#, r"text", r#""a""b""#),
    (r"SELECT quote_ident('_x1$')", r"text", r#""_x1$""#),
    (r"SELECT quote_ident('1abc')", r"text", r#""1abc""#),
    (r"SELECT quote_ident('')", r"text", r#""""#),
    (r"SELECT quote_ident('text')", r"text", r"text"),
    (r"SELECT quote_ident('left')", r"text", r#""left""#),
];

fn open() -> Database {
    let mut opts = DatabaseOptions::default();
    opts.storage.checkpoint_interval = None;
    Database::open_with(Arc::new(vfs::SimVfs::new(1)), Path::new("/db"), opts).expect("open")
}

/// The engine's answer in the recorded format: (column types, output).
fn run(s: &mut Session, sql: &str) -> (String, String) {
    match s.query(sql, &[]) {
        Ok(r) => {
            let types: Vec<String> = r.columns.iter().map(|c| c.ty.display_name()).collect();
            let rows: Vec<String> = r
                .rows
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|v| v.to_text().unwrap_or_else(|| "<null>".into()))
                        .collect::<Vec<_>>()
                        .join("|")
                })
                .collect();
            (types.join(","), rows.join("\n"))
        }
        Err(e) => (String::new(), format!("ERROR {}", e.sqlstate())),
    }
}

#[test]
fn functions_match_postgresql() {
    let db = open();
    let mut s = db.session();
    for sql in SETUP {
        s.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let mut failures = Vec::new();
    for (sql, types, expected) in CASES {
        let (got_types, got) = run(&mut s, sql);
        if got != *expected || got_types != *types {
            failures.push(format!(
                "{sql}\n  expected [{types}] {expected}\n  got      [{got_types}] {got}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from PostgreSQL:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

/// The clock functions read the current time (UTC), each call once per statement.
#[test]
fn clock_functions() {
    let db = open();
    let mut s = db.session();
    let (types, out) = run(
        &mut s,
        "SELECT current_date = now()::date, localtimestamp - now()::timestamp < '1 second', \
         now() > '2024-01-01'::timestamptz, current_timestamp(2) - now() < '1 second'",
    );
    assert_eq!(types, "boolean,boolean,boolean,boolean");
    assert_eq!(out, "t|t|t|t");
    let system = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    let (_, a) = run(&mut s, "SELECT extract(epoch FROM now())");
    let (_, b) = run(&mut s, "SELECT extract(epoch FROM current_timestamp)");
    let (a, b): (f64, f64) = (a.parse().expect("epoch"), b.parse().expect("epoch"));
    assert!(
        (a - system).abs() < 60.0,
        "now() {a}, system clock {system}"
    );
    assert!(b >= a && b - a < 60.0, "{a} {b}");
    // One value for every row.
    s.execute("CREATE TABLE many (i int)").expect("create");
    for _ in 0..3 {
        s.execute("INSERT INTO many VALUES (1), (2), (3), (4)")
            .expect("insert");
    }
    let (_, n) = run(&mut s, "SELECT count(DISTINCT now()) FROM many");
    assert_eq!(n, "1");
}

/// Parameters take the types of the values passed; the function resolves accordingly.
#[test]
fn parameters() {
    let db = open();
    let mut s = db.session();
    let q = |s: &mut Session, sql: &str, params: &[Value]| -> String {
        match s.query(sql, params) {
            Ok(r) => r
                .rows
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|v| v.to_text().unwrap_or_else(|| "<null>".into()))
                        .collect::<Vec<_>>()
                        .join("|")
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Err(e) => format!("ERROR {}", e.sqlstate()),
        }
    };
    let text = |t: &str| Value::Text(t.to_string());
    assert_eq!(
        q(&mut s, "SELECT length($1), upper($1)", &[text("héllo")]),
        "5|HÉLLO"
    );
    assert_eq!(
        q(&mut s, "SELECT abs($1), sign($1)", &[Value::Int4(-3)]),
        "3|-1"
    );
    assert_eq!(
        q(
            &mut s,
            "SELECT round($1::numeric, $2)",
            &[text("2.345"), Value::Int4(2)]
        ),
        "2.35"
    );
    assert_eq!(
        q(
            &mut s,
            "SELECT substr($1, $2, $3)",
            &[text("abcdef"), Value::Int4(2), Value::Int4(3)]
        ),
        "bcd"
    );
    assert_eq!(
        q(&mut s, "SELECT substr('abc', 1, $1)", &[Value::Int4(-1)]),
        "ERROR 22011"
    );
    assert_eq!(q(&mut s, "SELECT coalesce($1, 'x')", &[Value::Null]), "x");
    assert_eq!(
        q(
            &mut s,
            "SELECT date_trunc('hour', $1)",
            &[Value::Timestamp(0)]
        ),
        "2000-01-01 00:00:00"
    );
    let (params, cols) = s
        .describe("SELECT lpad($1, $2), sqrt($3)", &[])
        .expect("describe");
    assert_eq!(
        params,
        vec![DataType::Text, DataType::Int4, DataType::Float8]
    );
    assert_eq!(cols[0].ty, DataType::Text);
    assert_eq!(cols[1].ty, DataType::Float8);
}
