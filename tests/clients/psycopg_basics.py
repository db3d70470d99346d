"""psycopg 3 against `quill serve`: what a Python application does, checked value by value.

Usage: python psycopg_basics.py "host=127.0.0.1 port=PORT user=postgres dbname=postgres"
Exits non-zero with the failing check on the first mismatch or unexpected exception.
"""

import datetime
import decimal
import sys
import threading
import time

import psycopg
from psycopg import errors


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def expect_error(conn, sql, params, cls, sqlstate):
    """Runs `sql` in its own transaction and requires the error class and SQLSTATE."""
    try:
        with conn.transaction():
            conn.execute(sql, params)
    except cls as e:
        check(e.sqlstate == sqlstate, f"{sql}: SQLSTATE {e.sqlstate}, expected {sqlstate}")
        return
    raise AssertionError(f"{sql}: no error, expected {sqlstate}")


def main(dsn):
    with psycopg.connect(dsn, autocommit=True) as conn:
        check(conn.info.server_version // 10000 == 15, f"server_version {conn.info.server_version}")
        check(conn.info.parameter_status("client_encoding") == "UTF8", "client_encoding")
        check(conn.info.parameter_status("DateStyle") == "ISO, MDY", "DateStyle")
        check(conn.execute("select 1").fetchone() == (1,), "select 1")

        conn.execute("drop table if exists py_types")
        conn.execute(
            "create table py_types (id int primary key, i2 smallint, i8 bigint, f8 float8,"
            " f4 real, n numeric(10,3), b bool, t text, v varchar(10), c char(4), by bytea,"
            " d date, tm time, ts timestamp, tz timestamptz, iv interval)"
        )
        row = (
            1,
            7,
            9_000_000_000,
            1.5,
            0.25,
            decimal.Decimal("12.345"),
            True,
            "héllo",
            "vc",
            "ab  ",
            b"\x00\x01\xff",
            datetime.date(2024, 2, 29),
            datetime.time(13, 14, 15, 500000),
            datetime.datetime(2024, 1, 2, 3, 4, 5, 600000),
            datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
            datetime.timedelta(days=3, hours=4, seconds=5),
        )
        placeholders = ", ".join(["%s"] * len(row))
        conn.execute(f"insert into py_types values ({placeholders})", row)
        for binary in (False, True):
            with conn.cursor(binary=binary) as cur:
                cur.execute("select * from py_types where id = %s", (1,))
                got = cur.fetchone()
                check(got == row, f"round trip (binary={binary}): {got!r} != {row!r}")
        nulls = (2,) + (None,) * (len(row) - 1)
        conn.execute(f"insert into py_types values ({placeholders})", nulls)
        got = conn.execute("select * from py_types where id = %s", (2,)).fetchone()
        check(got == nulls, f"NULLs: {got!r}")

        # Small Python ints are sent as int2: int2 parameters against int4/int8 columns.
        got = conn.execute(
            "select id from py_types where id = %s and i8 > %s", (1, 5)
        ).fetchall()
        check(got == [(1,)], f"int2 parameters: {got!r}")
        # Strings are sent untyped: the server infers the type.
        got = conn.execute("select %s::text || t from py_types where id = 1", ("x",)).fetchone()
        check(got == ("xhéllo",), f"untyped text parameter: {got!r}")

    with psycopg.connect(dsn) as conn:  # transactions: psycopg sends BEGIN itself
        conn.execute("drop table if exists py_tx")
        conn.execute("create table py_tx (id int primary key, name text)")
        conn.commit()
        with conn.cursor() as cur:
            cur.executemany(
                "insert into py_tx (id, name) values (%s, %s)", [(i, f"n{i}") for i in range(1, 6)]
            )
        conn.rollback()
        check(conn.execute("select count(*) from py_tx").fetchone() == (0,), "rollback")
        conn.rollback()
        with conn.transaction():
            conn.execute("insert into py_tx values (%s, %s)", (1, "one"))
            try:
                with conn.transaction():  # a savepoint
                    conn.execute("insert into py_tx values (%s, %s)", (2, "two"))
                    raise RuntimeError("roll back to the savepoint")
            except RuntimeError:
                pass
        check(
            conn.execute("select id, name from py_tx order by id").fetchall() == [(1, "one")],
            "savepoint rollback kept the outer insert",
        )
        conn.commit()
        # The same query many times: psycopg prepares it server-side after 5 runs.
        for i in range(8):
            got = conn.execute("select name from py_tx where id = %s", (1,)).fetchone()
            check(got == ("one",), f"prepared run {i}: {got!r}")
        conn.commit()
        # A failing row in an executemany pipeline fails the batch.
        try:
            with conn.cursor() as cur:
                cur.executemany("insert into py_tx values (%s, %s)", [(7, "a"), (1, "dup"), (8, "b")])
            raise AssertionError("executemany with a duplicate key succeeded")
        except errors.UniqueViolation as e:
            check(e.sqlstate == "23505", "executemany duplicate")
        conn.rollback()
        check(conn.execute("select count(*) from py_tx").fetchone() == (1,), "after pipeline error")
        conn.rollback()

        # COPY in and out.
        with conn.cursor() as cur:
            with cur.copy("copy py_tx (id, name) from stdin") as cp:
                cp.write_row((100, "c1"))
                cp.write_row((101, None))
                cp.write_row((102, "tab\there"))
            with cur.copy("copy (select id, name from py_tx where id >= 100 order by id) to stdout") as cp:
                rows = [tuple(r) for r in cp.rows()]
            check(rows == [("100", "c1"), ("101", None), ("102", "tab\there")], f"copy out: {rows!r}")
        conn.commit()

    with psycopg.connect(dsn, autocommit=True) as conn:
        # SQLSTATEs arrive as psycopg's exception classes.
        expect_error(conn, "select 1/0", None, errors.DivisionByZero, "22012")
        expect_error(conn, "select * from no_such_table", None, errors.UndefinedTable, "42P01")
        expect_error(conn, "select no_such_column from py_tx", None, errors.UndefinedColumn, "42703")
        expect_error(conn, "selec 1", None, errors.SyntaxError, "42601")
        expect_error(conn, "insert into py_tx values (%s, %s)", (1, "dup"), errors.UniqueViolation, "23505")
        expect_error(conn, "select 'abc'::int", None, errors.InvalidTextRepresentation, "22P02")
        expect_error(conn, "select 2147483647 + 1", None, errors.NumericValueOutOfRange, "22003")
        expect_error(conn, "select no_such_function(1)", None, errors.UndefinedFunction, "42883")
        with psycopg.connect(dsn) as tx:
            try:
                tx.execute("select 1/0")
            except errors.DivisionByZero:
                pass
            try:
                tx.execute("select 1")
                raise AssertionError("a failed transaction accepted a query")
            except errors.InFailedSqlTransaction as e:
                check(e.sqlstate == "25P02", "25P02")
            tx.rollback()
            check(tx.execute("select 2").fetchone() == (2,), "usable after rollback")

        # Cancel a long query from another thread.
        def cancel_soon():
            time.sleep(0.5)
            conn.cancel()

        conn.execute("drop table if exists py_big")
        conn.execute("create table py_big (i int)")
        values = ", ".join(f"({i})" for i in range(2000))
        conn.execute(f"insert into py_big values {values}")
        threading.Thread(target=cancel_soon).start()
        started = time.monotonic()
        try:
            # 8 * 10^9 joined rows: far longer than the half second before the cancel.
            conn.execute("select count(*) from py_big a, py_big b, py_big c")
            raise AssertionError("the long query was not canceled")
        except errors.QueryCanceled as e:
            check(e.sqlstate == "57014", "57014")
        check(time.monotonic() - started < 30, "cancel took too long")
        check(conn.execute("select 3").fetchone() == (3,), "usable after cancel")

    # Named (server-side) cursors: DECLARE "c" CURSOR WITHOUT HOLD FOR ..., then
    # FETCH FORWARD n FROM "c" through the extended protocol, then CLOSE "c".
    with psycopg.connect(dsn) as conn:
        conn.execute("drop table if exists py_named")
        conn.execute("create table py_named (id int primary key, name text)")
        with conn.cursor() as cur:
            cur.executemany(
                "insert into py_named values (%s, %s)", [(i, f"n{i}") for i in range(1, 26)]
            )
        conn.commit()
        with conn.cursor(name="py named cur") as cur:
            cur.itersize = 10
            cur.execute("select id, name from py_named where id > %s order by id", (5,))
            check(cur.description is not None, "named cursor description")
            check([d.name for d in cur.description] == ["id", "name"], f"{cur.description!r}")
            first = cur.fetchone()
            check(first == (6, "n6"), f"named fetchone: {first!r}")
            some = cur.fetchmany(3)
            check(some == [(7, "n7"), (8, "n8"), (9, "n9")], f"named fetchmany: {some!r}")
            rest = list(cur)  # iterates in FETCH FORWARD itersize batches
            check(rest == [(i, f"n{i}") for i in range(10, 26)], f"named iteration: {rest!r}")
            check(cur.fetchone() is None, "named cursor exhausted")
        conn.commit()
        # A cursor that does not exist, as psycopg reports it.
        try:
            conn.execute('fetch forward 1 from "no such cursor"')
            raise AssertionError("fetch from an unknown cursor succeeded")
        except errors.InvalidCursorName as e:
            check(e.sqlstate == "34000", "34000")
        conn.rollback()
        # WITH HOLD survives the commit.
        with conn.cursor(name="held", withhold=True) as cur:
            cur.execute("select count(*) from py_named")
            conn.commit()
            check(cur.fetchone() == (25,), "held cursor after commit")
        conn.commit()
    print("psycopg basics: all checks passed")


if __name__ == "__main__":
    main(sys.argv[1])
