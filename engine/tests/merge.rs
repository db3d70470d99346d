//! MERGE: its command tag counts the rows inserted, updated and deleted (not DO NOTHING's),
//! and concurrent MERGEs of the same rows from many sessions at READ COMMITTED never fail
//! and never lose an update (each waits for the other's row and re-checks its newest
//! version).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use engine::{Database, Session, StatementResult};
use std::thread;

use support::rows;

fn db() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path()).expect("open");
    (dir, db)
}

fn exec(s: &mut Session, sql: &str) -> Result<Vec<StatementResult>, String> {
    s.execute(sql).map_err(|e| format!("{}: {e}", e.sqlstate()))
}

fn tag(s: &mut Session, sql: &str) -> String {
    match exec(s, sql).unwrap().pop() {
        Some(StatementResult::Command(t)) => t,
        _ => panic!("{sql}: no command tag"),
    }
}

#[test]
fn command_tag_counts_changed_rows() {
    let (_dir, db) = db();
    let mut s = db.session();
    exec(
        &mut s,
        "CREATE TABLE t (k int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)",
    )
    .unwrap();
    let merge = "MERGE INTO t USING (VALUES (1), (2), (3), (4), (5)) AS s(k) ON t.k = s.k \
                 WHEN MATCHED AND t.k = 1 THEN DELETE \
                 WHEN MATCHED AND t.k = 2 THEN UPDATE SET v = 20 \
                 WHEN MATCHED THEN DO NOTHING \
                 WHEN NOT MATCHED AND s.k = 4 THEN INSERT VALUES (s.k, 40) \
                 WHEN NOT MATCHED THEN DO NOTHING";
    assert_eq!(tag(&mut s, merge), "MERGE 3");
    assert_eq!(
        rows(&mut s, "SELECT k, v FROM t ORDER BY k"),
        vec![vec!["2", "20"], vec!["3", "3"], vec!["4", "40"]]
    );
    let nothing = "MERGE INTO t USING (VALUES (9)) AS s(k) ON t.k = s.k \
                   WHEN MATCHED THEN DELETE";
    assert_eq!(tag(&mut s, nothing), "MERGE 0");
}

#[test]
fn concurrent_merges_count_every_increment() {
    const THREADS: usize = 8;
    const STATEMENTS: usize = 300;
    const KEYS: usize = 3;
    let (_dir, db) = db();
    let mut s = db.session();
    exec(
        &mut s,
        "CREATE TABLE counters (k int PRIMARY KEY, n int NOT NULL); \
         INSERT INTO counters SELECT g, 0 FROM generate_series(0, 2) g",
    )
    .unwrap();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let mut s = db.session();
            thread::spawn(move || {
                let mut errors = Vec::new();
                for i in 0..STATEMENTS {
                    let k = (t + i) % KEYS;
                    let sql = format!(
                        "MERGE INTO counters c USING (SELECT {k} AS k) s ON c.k = s.k \
                         WHEN MATCHED AND c.n < 0 THEN DELETE \
                         WHEN MATCHED THEN UPDATE SET n = c.n + 1 \
                         WHEN NOT MATCHED THEN INSERT VALUES (s.k, 1)"
                    );
                    match exec(&mut s, &sql) {
                        Ok(r) => match r.last() {
                            Some(StatementResult::Command(tag)) if tag == "MERGE 1" => {}
                            other => errors.push(format!("{sql}: {other:?}")),
                        },
                        Err(e) => errors.push(e),
                    }
                }
                errors
            })
        })
        .collect();
    let errors: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("worker"))
        .collect();
    assert!(errors.is_empty(), "errors: {errors:?}");
    assert_eq!(
        rows(&mut s, "SELECT sum(n), count(*) FROM counters"),
        vec![vec![(THREADS * STATEMENTS).to_string(), KEYS.to_string()]]
    );
}

#[test]
fn prepared_merge_infers_parameter_types() {
    let (_dir, db) = db();
    let mut s = db.session();
    exec(
        &mut s,
        "CREATE TABLE kv (k int PRIMARY KEY, v text, n bigint DEFAULT 0)",
    )
    .unwrap();
    let p = s
        .prepare(
            "MERGE INTO kv USING (VALUES (1)) AS one(x) ON kv.k = $1 \
             WHEN MATCHED AND $4 THEN UPDATE SET v = $2, n = kv.n + $3 \
             WHEN NOT MATCHED THEN INSERT (k, v, n) VALUES ($1, $2, $3)",
            &[],
        )
        .unwrap();
    let types: Vec<String> = p.params.iter().map(|t| t.display_name()).collect();
    assert_eq!(types, ["integer", "text", "bigint", "boolean"]);
    use engine::Value;
    for (v, n) in [("a", 1), ("b", 2), ("c", 3)] {
        let r = s
            .execute_prepared(
                &p,
                &[
                    Value::Int4(7),
                    Value::Text(v.into()),
                    Value::Int8(n),
                    Value::Bool(n != 2),
                ],
            )
            .unwrap();
        match r {
            StatementResult::Command(tag) => {
                assert_eq!(tag, if n == 2 { "MERGE 0" } else { "MERGE 1" })
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        rows(&mut s, "SELECT k, v, n FROM kv"),
        vec![vec!["7", "c", "4"]]
    );
}
