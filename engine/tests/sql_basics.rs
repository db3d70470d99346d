//! The embedded SQL engine end to end: DDL, DML, queries, transactions and their failure
//! states, SQLSTATEs, and crash safety through SQL on the simulated disk.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use engine::{Database, DatabaseOptions, Session, StatementResult, TransactionStatus, Value};
use std::path::Path;
use std::sync::Arc;
use support::{open, rows};
use vfs::{CrashMode, SimVfs};

fn code(s: &mut Session, sql: &str) -> &'static str {
    match s.execute(sql) {
        Ok(_) => "ok",
        Err(e) => e.sqlstate(),
    }
}

#[test]
fn create_insert_select() {
    let fs = SimVfs::new(1);
    let db = open(&fs);
    let mut s = db.session();
    s.execute("CREATE TABLE t1(a INTEGER, b INTEGER, c TEXT)")
        .expect("create");
    let r = s
        .execute("INSERT INTO t1(b, a, c) VALUES (2, 1, 'x'), (4, 3, NULL), (6, 5, 'z')")
        .expect("insert");
    assert!(matches!(&r[0], StatementResult::Command(t) if t == "INSERT 0 3"));
    assert_eq!(
        rows(&mut s, "SELECT a, b, c FROM t1 ORDER BY a"),
        vec![
            vec!["1", "2", "x"],
            vec!["3", "4", "NULL"],
            vec!["5", "6", "z"],
        ]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT count(*), sum(a), max(c) FROM t1 WHERE b > 2"
        ),
        vec![vec!["2", "8", "z"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT a, (SELECT count(*) FROM t1 AS x WHERE x.a < t1.a) FROM t1 ORDER BY 2 DESC"
        ),
        vec![vec!["5", "2"], vec!["3", "1"], vec!["1", "0"]]
    );
    assert_eq!(
        rows(&mut s, "SELECT CASE WHEN a > 2 THEN 'big' ELSE 'small' END, a FROM t1 WHERE c IS NOT NULL ORDER BY a"),
        vec![vec!["small", "1"], vec!["big", "5"]]
    );
    assert_eq!(
        rows(&mut s, "SELECT 7 / 2, 7 % 3, -(2 + 3)"),
        vec![vec!["3", "1", "-5"]]
    );
    s.execute("CREATE TABLE t2(a INTEGER PRIMARY KEY, d INTEGER)")
        .expect("create t2");
    s.execute("INSERT INTO t2 VALUES (1, 10), (5, 50)")
        .expect("insert t2");
    assert_eq!(
        rows(
            &mut s,
            "SELECT t1.a, t2.d FROM t1, t2 WHERE t1.a = t2.a ORDER BY 1"
        ),
        vec![vec!["1", "10"], vec!["5", "50"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT t1.a, t2.d FROM t1 LEFT JOIN t2 ON t1.a = t2.a ORDER BY 1"
        ),
        vec![vec!["1", "10"], vec!["3", "NULL"], vec!["5", "50"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT a FROM t1 WHERE a IN (SELECT a FROM t2) ORDER BY a"
        ),
        vec![vec!["1"], vec!["5"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT b % 4, count(*) FROM t1 GROUP BY 1 ORDER BY 1"
        ),
        vec![vec!["0", "1"], vec!["2", "2"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT a FROM t1 UNION SELECT d FROM t2 ORDER BY 1 LIMIT 3"
        ),
        vec![vec!["1"], vec!["3"], vec!["5"]]
    );
    let p = s
        .query("SELECT c FROM t1 WHERE a = $1", &[Value::Int4(3)])
        .expect("param");
    assert!(p.rows[0][0].is_null());
    s.execute("UPDATE t1 SET b = b * 10 WHERE a > 1")
        .expect("update");
    s.execute("DELETE FROM t1 WHERE a = 1").expect("delete");
    assert_eq!(
        rows(&mut s, "SELECT a, b FROM t1 ORDER BY a"),
        vec![vec!["3", "40"], vec!["5", "60"]]
    );
}

#[test]
fn errors_carry_sqlstates() {
    let fs = SimVfs::new(2);
    let db = open(&fs);
    let mut s = db.session();
    s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER NOT NULL, CHECK (v >= 0))")
        .expect("create");
    s.execute("INSERT INTO t VALUES (1, 1)").expect("insert");
    assert_eq!(code(&mut s, "SELEC 1"), "42601");
    assert_eq!(code(&mut s, "SELECT * FROM nope"), "42P01");
    assert_eq!(code(&mut s, "SELECT nope FROM t"), "42703");
    assert_eq!(code(&mut s, "SELECT 1 / 0"), "22012");
    assert_eq!(code(&mut s, "SELECT 'abc'::integer"), "22P02");
    assert_eq!(code(&mut s, "SELECT 2147483647 + 1"), "22003");
    assert_eq!(code(&mut s, "INSERT INTO t VALUES (1, 2)"), "23505");
    assert_eq!(code(&mut s, "INSERT INTO t VALUES (2, NULL)"), "23502");
    assert_eq!(code(&mut s, "INSERT INTO t VALUES (3, -1)"), "23514");
    assert_eq!(code(&mut s, "CREATE TABLE t(x integer)"), "42P07");
    assert_eq!(code(&mut s, "SELECT v FROM t GROUP BY id + 1"), "42803");
    // The failed statements left nothing behind.
    assert_eq!(rows(&mut s, "SELECT id, v FROM t"), vec![vec!["1", "1"]]);
}

#[test]
fn transaction_blocks() {
    let fs = SimVfs::new(3);
    let db = open(&fs);
    let mut s = db.session();
    s.execute("BEGIN").expect("begin");
    s.execute("CREATE TABLE t(a integer)").expect("create");
    s.execute("INSERT INTO t VALUES (1)").expect("insert");
    assert_eq!(s.transaction_status(), TransactionStatus::InBlock);
    assert_eq!(code(&mut s, "SELECT 1 / 0"), "22012");
    assert_eq!(s.transaction_status(), TransactionStatus::Failed);
    assert_eq!(code(&mut s, "SELECT 1"), "25P02");
    s.execute("ROLLBACK").expect("rollback");
    assert_eq!(s.transaction_status(), TransactionStatus::Idle);
    // The rolled-back CREATE TABLE left nothing behind.
    assert_eq!(code(&mut s, "SELECT * FROM t"), "42P01");
    s.execute("BEGIN; CREATE TABLE t(a integer); INSERT INTO t VALUES (7); COMMIT")
        .expect("block");
    assert_eq!(rows(&mut s, "SELECT a FROM t"), vec![vec!["7"]]);
}

#[test]
fn committed_sql_survives_a_crash_and_uncommitted_does_not() {
    let fs = SimVfs::new(4);
    let db = open(&fs);
    let mut s = db.session();
    s.execute("CREATE TABLE kept(a integer PRIMARY KEY, b text)")
        .expect("create");
    s.execute("INSERT INTO kept VALUES (1, 'one'), (2, 'two')")
        .expect("insert");
    s.execute("BEGIN; CREATE TABLE lost(a integer); INSERT INTO lost VALUES (1); INSERT INTO kept VALUES (3, 'three')")
        .expect("open block");
    // Power loss with the block open: std::mem::forget keeps the session from rolling back.
    std::mem::forget(s);
    std::mem::forget(db);
    let fs = fs.crash(CrashMode::PowerLoss);
    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(
        rows(&mut s, "SELECT a, b FROM kept ORDER BY a"),
        vec![vec!["1", "one"], vec!["2", "two"]]
    );
    assert_eq!(code(&mut s, "SELECT * FROM lost"), "42P01");
    // The primary key index came back consistent: a duplicate is still refused.
    assert_eq!(
        code(&mut s, "INSERT INTO kept VALUES (2, 'again')"),
        "23505"
    );
    s.execute("INSERT INTO kept VALUES (3, 'three')")
        .expect("insert after recovery");
}

#[test]
fn primary_key_lookups_use_the_index() {
    let fs = SimVfs::new(5);
    let mut opts = DatabaseOptions::default();
    opts.storage.checkpoint_interval = None;
    opts.storage.pool_frames = 16;
    let db = Database::open_with(Arc::new(fs.clone()), Path::new("/db"), opts).expect("open");
    let mut s = db.session();
    s.execute("CREATE TABLE big(id integer PRIMARY KEY, pad text)")
        .expect("create");
    s.execute("BEGIN").expect("begin");
    for chunk in 0..40 {
        let values: Vec<String> = (0..250)
            .map(|i| format!("({}, '{}')", chunk * 250 + i, "x".repeat(200)))
            .collect();
        s.execute(&format!("INSERT INTO big VALUES {}", values.join(",")))
            .expect("insert");
    }
    s.execute("COMMIT").expect("commit");
    let plan = rows(&mut s, "EXPLAIN SELECT pad FROM big WHERE id = 4321");
    assert!(
        plan.iter()
            .any(|l| l[0].contains("Index Scan using big_pkey on big")),
        "{plan:?}"
    );
    let (reads_before, _) = db.storage().io_counts();
    assert_eq!(
        rows(&mut s, "SELECT id FROM big WHERE id = 4321"),
        vec![vec!["4321"]]
    );
    let (reads_after, _) = db.storage().io_counts();
    // 10,000 rows of ~230 bytes fill ~300 heap pages; a lookup reads a handful.
    assert!(
        reads_after - reads_before <= 8,
        "{} page reads for one lookup",
        reads_after - reads_before
    );
    assert_eq!(
        rows(&mut s, "SELECT count(*) FROM big WHERE id >= 9990"),
        vec![vec!["10"]]
    );
    assert_eq!(
        rows(&mut s, "SELECT count(*) FROM big WHERE id > 10 AND id < 20"),
        vec![vec!["9"]]
    );
}

#[test]
fn typed_access_truncate_and_syntax_positions() {
    let fs = SimVfs::new(6);
    let db = open(&fs);
    let mut s = db.session();
    s.execute("CREATE TABLE t(a integer, b text, c double precision)")
        .expect("create");
    s.execute("INSERT INTO t VALUES (1, 'x', 1.5), (2, NULL, NULL)")
        .expect("insert");
    let r = s
        .query("SELECT a, b, c FROM t ORDER BY a", &[])
        .expect("query");
    assert_eq!(r.get::<i64>(0, "a").expect("a"), 1);
    assert_eq!(r.get::<i32>(1, 0).expect("a"), 2);
    assert_eq!(r.get::<String>(0, "b").expect("b"), "x");
    assert_eq!(r.get::<Option<String>>(1, "b").expect("b"), None);
    assert_eq!(r.get::<f64>(0, 2).expect("c"), 1.5);
    assert!(r.get::<i64>(1, "c").is_err(), "NULL into i64 must fail");
    assert!(r.get::<i64>(0, "nope").is_err());
    let r = s.execute("TRUNCATE t").expect("truncate");
    assert!(matches!(&r[0], StatementResult::Command(t) if t == "TRUNCATE TABLE"));
    assert_eq!(rows(&mut s, "SELECT count(*) FROM t"), vec![vec!["0"]]);
    match s.execute("SELECT 1 FROM t WHERE") {
        Err(engine::EngineError::Syntax { position, .. }) => assert!(position.is_some()),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn parameter_types_are_inferred() {
    let fs = SimVfs::new(8);
    let db = open(&fs);
    let mut s = db.session();
    s.execute("CREATE TABLE t(a bigint, b text, c numeric(10,2))")
        .expect("create");
    let (params, cols) = s
        .describe("SELECT b, c FROM t WHERE a = $1 AND c > $2", &[])
        .expect("describe");
    assert_eq!(
        params,
        vec![
            engine::DataType::Int8,
            engine::DataType::Numeric {
                precision: None,
                scale: None
            }
        ]
    );
    assert_eq!(
        cols.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        vec!["b", "c"]
    );
    let (params, _) = s
        .describe("INSERT INTO t VALUES ($1, $2, $3)", &[])
        .expect("describe insert");
    assert_eq!(params[0], engine::DataType::Int8);
    assert_eq!(params[1], engine::DataType::Text);
    // Text parameters (as a client sends them) are converted to the inferred types.
    s.query(
        "INSERT INTO t VALUES ($1, $2, $3)",
        &[
            Value::Text("7".into()),
            Value::Text("x".into()),
            Value::Text("1.5".into()),
        ],
    )
    .expect("insert with text params");
    assert_eq!(
        rows(&mut s, "SELECT a, b, c FROM t"),
        vec![vec!["7", "x", "1.50"]]
    );
}

#[test]
fn savepoints() {
    let fs = SimVfs::new(9);
    let db = open(&fs);
    let mut s = db.session();
    s.execute("CREATE TABLE t(a integer PRIMARY KEY)")
        .expect("create");
    s.execute("BEGIN; INSERT INTO t VALUES (1); SAVEPOINT one; INSERT INTO t VALUES (2)")
        .expect("begin");
    assert_eq!(code(&mut s, "INSERT INTO t VALUES (2)"), "23505");
    assert_eq!(s.transaction_status(), TransactionStatus::Failed);
    s.execute("ROLLBACK TO SAVEPOINT one").expect("rollback to");
    assert_eq!(s.transaction_status(), TransactionStatus::InBlock);
    s.execute("SAVEPOINT two; CREATE TABLE u(x integer); INSERT INTO t VALUES (3); ROLLBACK TO two; RELEASE one")
        .expect("nested");
    s.execute("COMMIT").expect("commit");
    assert_eq!(rows(&mut s, "SELECT a FROM t ORDER BY a"), vec![vec!["1"]]);
    assert_eq!(code(&mut s, "SELECT * FROM u"), "42P01");
    assert_eq!(code(&mut s, "SAVEPOINT x"), "25P01");
    assert_eq!(code(&mut s, "BEGIN; ROLLBACK TO nope"), "3B001");
}

#[test]
fn ctes_and_using_joins() {
    let fs = SimVfs::new(10);
    let db = open(&fs);
    let mut s = db.session();
    s.execute("CREATE TABLE a(id integer, x text); CREATE TABLE b(id integer, y text)")
        .expect("create");
    s.execute(
        "INSERT INTO a VALUES (1, 'a1'), (2, 'a2'); INSERT INTO b VALUES (2, 'b2'), (3, 'b3')",
    )
    .expect("insert");
    assert_eq!(
        rows(&mut s, "SELECT * FROM a JOIN b USING (id)"),
        vec![vec!["2", "a2", "b2"]]
    );
    assert_eq!(
        rows(&mut s, "SELECT id, x, y FROM a NATURAL JOIN b"),
        vec![vec!["2", "a2", "b2"]]
    );
    assert_eq!(
        rows(&mut s, "WITH big AS (SELECT id FROM a WHERE id > 1), more(n) AS (SELECT id + 10 FROM big) SELECT n FROM more"),
        vec![vec!["12"]]
    );
}

#[test]
fn alter_table() {
    let fs = SimVfs::new(11);
    let db = open(&fs);
    let mut s = db.session();
    s.execute("CREATE TABLE t(a integer PRIMARY KEY); INSERT INTO t VALUES (1), (2)")
        .expect("setup");
    s.execute("ALTER TABLE t ADD COLUMN b text")
        .expect("add nullable");
    s.execute("ALTER TABLE t ADD COLUMN c integer NOT NULL DEFAULT 7")
        .expect("add with default");
    assert_eq!(
        rows(&mut s, "SELECT a, b, c FROM t ORDER BY a"),
        vec![vec!["1", "NULL", "7"], vec!["2", "NULL", "7"]]
    );
    s.execute("ALTER TABLE t RENAME COLUMN b TO bee")
        .expect("rename column");
    s.execute("ALTER TABLE t RENAME TO u")
        .expect("rename table");
    assert_eq!(code(&mut s, "SELECT * FROM t"), "42P01");
    s.execute("INSERT INTO u (a, bee) VALUES (3, 'x')")
        .expect("insert");
    assert_eq!(
        rows(&mut s, "SELECT a, bee, c FROM u WHERE a = 3"),
        vec![vec!["3", "x", "7"]]
    );
    assert_eq!(code(&mut s, "INSERT INTO u VALUES (3, 'dup', 1)"), "23505");
}
