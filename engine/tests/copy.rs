//! COPY through the embedded API: loading text and CSV (with defaults, column lists, NULLs,
//! escapes, quoting, headers), the all-or-nothing rule with PostgreSQL's CONTEXT, FREEZE,
//! COPY TO in both formats, and the session's statements while a COPY waits for data; plus
//! the other statements pgbench's initialisation sends (VACUUM, ANALYZE, ADD PRIMARY KEY).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use engine::{Database, DatabaseOptions, EngineError, Session, StatementResult, TransactionStatus};
use std::path::Path;
use std::sync::Arc;
use vfs::SimVfs;

fn open() -> Database {
    let mut opts = DatabaseOptions::default();
    opts.storage.checkpoint_interval = None;
    Database::open_with(Arc::new(SimVfs::new(7)), Path::new("/db"), opts).expect("open")
}

fn rows(s: &mut Session, sql: &str) -> Vec<String> {
    s.query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.to_text().unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

fn copy_out(s: &mut Session, sql: &str) -> String {
    let mut out = Vec::new();
    s.copy_out(sql, &mut out)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    String::from_utf8(out).unwrap()
}

#[test]
fn loads_text_and_csv() {
    let db = open();
    let mut s = db.session();
    s.execute("CREATE TABLE t (id int PRIMARY KEY, name text DEFAULT 'dflt', f char(3))")
        .unwrap();
    let n = s
        .copy_in(
            "COPY t FROM STDIN",
            &b"1\ta\\tb\t\n2\t\\N\tx\n\\.\nnot read\n"[..],
        )
        .unwrap();
    assert_eq!(n, 2);
    let n = s
        .copy_in(
            "COPY t (f, id) FROM STDIN WITH (FORMAT csv, HEADER true)",
            &b"f,id\n\"q,\"\"\",3\n,4\n"[..],
        )
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        rows(&mut s, "SELECT id, name, f FROM t ORDER BY id"),
        vec!["1|a\tb|   ", "2|NULL|x  ", "3|dflt|q,\"", "4|dflt|NULL"]
    );
    // Inline data after the statement, as in a psql script.
    let r = s.execute("COPY t (id) FROM STDIN;\n5\n6\n\\.\n").unwrap();
    assert!(matches!(&r[0], StatementResult::Command(t) if t == "COPY 2"));
    assert_eq!(rows(&mut s, "SELECT count(*) FROM t"), vec!["6"]);
}

#[test]
fn a_bad_row_loads_nothing() {
    let db = open();
    let mut s = db.session();
    s.execute("CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)")
        .unwrap();
    let cases: [(&[u8], &str, &str); 5] = [
        (b"1\t1\nx\t2\n", "22P02", "COPY t, line 2, column id: \"x\""),
        (b"1\t1\n2\n", "22P04", "COPY t, line 2: \"2\""),
        (b"1\t1\t1\n", "22P04", "COPY t, line 1: \"1\t1\t1\""),
        (b"1\t1\n1\t2\n", "23505", "COPY t, line 2"),
        (b"1\t\\N\n", "23502", "COPY t, line 1"),
    ];
    for (data, code, context) in cases {
        let e = s.copy_in("COPY t FROM STDIN", data).unwrap_err();
        assert_eq!(e.sqlstate(), code, "{e}");
        assert_eq!(e.context().as_deref(), Some(context));
        assert_eq!(rows(&mut s, "SELECT count(*) FROM t"), vec!["0"]);
    }
    // Inside a block the error fails the block.
    s.execute("BEGIN").unwrap();
    assert!(s.copy_in("COPY t FROM STDIN", &b"z\t1\n"[..]).is_err());
    assert_eq!(s.transaction_status(), TransactionStatus::Failed);
    s.execute("ROLLBACK").unwrap();
}

#[test]
fn copy_protocol_calls() {
    let db = open();
    let mut s = db.session();
    s.execute("CREATE TABLE t (id int)").unwrap();
    match s
        .execute_one("COPY t FROM STDIN (FORMAT csv)", &[])
        .unwrap()
    {
        StatementResult::CopyIn(info) => assert_eq!(info.columns, 1),
        other => panic!("{other:?}"),
    }
    s.copy_data(b"1\n2").unwrap();
    s.copy_data(b"\n3\n").unwrap();
    assert_eq!(s.copy_done().unwrap(), 3);
    // CopyFail: 57014, nothing loaded.
    s.execute_one("COPY t FROM STDIN", &[]).unwrap();
    s.copy_data(b"4\n").unwrap();
    let e = s.copy_fail("client gave up");
    assert_eq!(e.sqlstate(), "57014");
    assert_eq!(e.to_string(), "COPY from stdin failed: client gave up");
    // Another statement while a COPY waits ends it as failed.
    s.execute_one("COPY t FROM STDIN", &[]).unwrap();
    s.copy_data(b"5\n").unwrap();
    assert_eq!(s.execute("SELECT 1").unwrap_err().sqlstate(), "08P01");
    assert_eq!(rows(&mut s, "SELECT count(*) FROM t"), vec!["3"]);
    assert_eq!(s.copy_done().unwrap_err().sqlstate(), "08P01");
}

#[test]
fn copies_out_text_and_csv() {
    let db = open();
    let mut s = db.session();
    s.execute("CREATE TABLE t (id int, name text, d date)")
        .unwrap();
    s.execute("INSERT INTO t VALUES (1, 'a\\b', '2024-01-02'), (2, NULL, NULL), (3, 'x,\"y\"', NULL), (4, '', NULL)")
        .unwrap();
    assert_eq!(
        copy_out(&mut s, "COPY t TO STDOUT"),
        "1\ta\\\\b\t2024-01-02\n2\t\\N\t\\N\n3\tx,\"y\"\t\\N\n4\t\t\\N\n"
    );
    assert_eq!(
        copy_out(
            &mut s,
            "COPY (SELECT id, name FROM t WHERE id > 1 ORDER BY id) TO STDOUT (FORMAT csv, HEADER, FORCE_QUOTE (id))"
        ),
        "id,name\n\"2\",\n\"3\",\"x,\"\"y\"\"\"\n\"4\",\"\"\n"
    );
    assert_eq!(
        copy_out(
            &mut s,
            "COPY t (name) TO STDOUT WITH DELIMITER '|' NULL 'nil'"
        ),
        "a\\\\b\nnil\nx,\"y\"\n\n"
    );
}

#[test]
fn copy_errors_and_freeze() {
    let db = open();
    let mut s = db.session();
    s.execute("CREATE TABLE t (id int)").unwrap();
    s.execute("CREATE VIEW v AS SELECT 1 AS x").unwrap();
    let code = |s: &mut Session, sql: &str| match s.execute_one(sql, &[]) {
        Ok(_) => {
            let _ = s.copy_fail("test");
            "ok".to_owned()
        }
        Err(e) => e.sqlstate().to_owned(),
    };
    assert_eq!(code(&mut s, "COPY nosuch FROM STDIN"), "42P01");
    assert_eq!(code(&mut s, "COPY t (nope) FROM STDIN"), "42703");
    assert_eq!(code(&mut s, "COPY v TO STDOUT"), "42809");
    assert_eq!(code(&mut s, "COPY t FROM STDIN (QUOTE '\"')"), "0A000");
    assert_eq!(code(&mut s, "COPY t TO '/tmp/x'"), "0A000");
    assert_eq!(code(&mut s, "COPY t FROM STDIN (FORMAT xml)"), "22023");
    assert_eq!(code(&mut s, "COPY t FROM STDIN WITH (FREEZE on)"), "55000");
    // FREEZE needs the table created or truncated in the same transaction, as pgbench does.
    s.execute("BEGIN; TRUNCATE t").unwrap();
    assert_eq!(
        s.copy_in("COPY t FROM STDIN WITH (FREEZE on)", &b"1\n"[..])
            .unwrap(),
        1
    );
    s.execute("COMMIT").unwrap();
}

#[test]
fn maintenance_statements_and_added_keys() {
    let db = open();
    let mut s = db.session();
    s.execute("CREATE TABLE b (bid int NOT NULL, x int) WITH (fillfactor=100)")
        .unwrap();
    s.execute("INSERT INTO b VALUES (1, 1), (2, 1)").unwrap();
    let tag = |s: &mut Session, sql: &str| match s.execute(sql).unwrap().pop() {
        Some(StatementResult::Command(t)) => t,
        other => panic!("{other:?}"),
    };
    assert_eq!(tag(&mut s, "vacuum analyze b"), "VACUUM");
    assert_eq!(tag(&mut s, "VACUUM (VERBOSE) b"), "VACUUM");
    assert_eq!(tag(&mut s, "analyze b"), "ANALYZE");
    let err = |s: &mut Session, sql: &str| -> EngineError { s.execute(sql).unwrap_err() };
    assert_eq!(err(&mut s, "vacuum nosuch").sqlstate(), "42P01");
    s.execute("BEGIN").unwrap();
    assert_eq!(err(&mut s, "VACUUM b").sqlstate(), "25001");
    s.execute("ROLLBACK").unwrap();
    // ADD PRIMARY KEY checks the rows it finds.
    assert_eq!(
        err(&mut s, "ALTER TABLE b ADD UNIQUE (x)").sqlstate(),
        "23505"
    );
    s.execute("INSERT INTO b VALUES (3, NULL)").unwrap();
    assert_eq!(
        tag(&mut s, "alter table b add primary key (bid)"),
        "ALTER TABLE"
    );
    assert_eq!(
        err(&mut s, "INSERT INTO b VALUES (1, 5)").sqlstate(),
        "23505"
    );
    assert_eq!(
        err(&mut s, "ALTER TABLE b ADD PRIMARY KEY (x)").sqlstate(),
        "42P16"
    );
    for bad in [
        "WITH (fillfactor=5)",
        "WITH (fillfactor=x)",
        "WITH (bogus=1)",
    ] {
        let sql = format!("CREATE TABLE f (a int) {bad}");
        assert_eq!(err(&mut s, &sql).sqlstate(), "22023", "{sql}");
    }
    s.execute("CREATE TABLE n (a int)").unwrap();
    s.execute("INSERT INTO n VALUES (NULL)").unwrap();
    assert_eq!(
        err(&mut s, "ALTER TABLE n ADD PRIMARY KEY (a)").sqlstate(),
        "23502"
    );
    // The key serves UPDATE's row lookup.
    assert_eq!(
        tag(&mut s, "UPDATE b SET x = x + 1 WHERE bid = 2"),
        "UPDATE 1"
    );
    assert_eq!(rows(&mut s, "SELECT x FROM b WHERE bid = 2"), vec!["2"]);
}

/// Into a table without indexes rows are stored in batches of `COPY_BATCH_ROWS`; every
/// check still fails at its own line, a failing COPY leaves no row of any earlier batch,
/// and rows of a batch roll back with their transaction.
#[test]
fn batched_load_keeps_line_errors_and_all_or_nothing() {
    let db = open();
    let mut s = db.session();
    s.execute("CREATE TABLE b (id int NOT NULL, v int CHECK (v >= 0), pad text)")
        .unwrap();
    let data = |n: usize, bad: Option<usize>| -> Vec<u8> {
        let mut out = String::new();
        for i in 1..=n {
            let v = if Some(i) == bad { -1 } else { i as i64 };
            out.push_str(&format!("{i}\t{v}\t{}\n", "p".repeat(i % 50)));
        }
        out.into_bytes()
    };
    let batch = engine::copy::COPY_BATCH_ROWS;
    let n = s
        .copy_in("COPY b FROM STDIN", &data(2 * batch + 500, None)[..])
        .unwrap();
    assert_eq!(n as usize, 2 * batch + 500);
    let total = 2 * batch + 500;
    let sum = total * (total + 1) / 2;
    assert_eq!(
        rows(&mut s, "SELECT count(*), sum(v), max(length(pad)) FROM b"),
        vec![format!("{total}|{sum}|49")]
    );
    let bad = batch + 300;
    let err = s
        .copy_in("COPY b FROM STDIN", &data(2 * batch, Some(bad))[..])
        .unwrap_err();
    assert_eq!(err.sqlstate(), "23514");
    assert_eq!(
        err.context().as_deref(),
        Some(&*format!("COPY b, line {bad}"))
    );
    assert_eq!(
        rows(&mut s, "SELECT count(*) FROM b"),
        vec![total.to_string()]
    );
    s.execute("BEGIN").unwrap();
    s.copy_in("COPY b FROM STDIN", &data(batch + 1, None)[..])
        .unwrap();
    assert_eq!(
        rows(&mut s, "SELECT count(*) FROM b"),
        vec![(total + batch + 1).to_string()]
    );
    s.execute("ROLLBACK").unwrap();
    assert_eq!(
        rows(&mut s, "SELECT count(*) FROM b"),
        vec![total.to_string()]
    );
}
