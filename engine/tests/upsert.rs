//! INSERT … ON CONFLICT and advisory locks under concurrency: concurrent upserts of a few keys
//! from many sessions never fail and never lose an increment; concurrent DO NOTHING inserts
//! each key once; advisory locks exclude each other across sessions and transactions, go
//! with their session, and a deadlock through a session's advisory lock and its
//! transaction's row wait is found.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use engine::{Database, Session, StatementResult};
use std::thread;

use support::rows;
use support::worker::Worker;

fn db() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path()).expect("open");
    (dir, db)
}

fn exec(s: &mut Session, sql: &str) -> Result<Vec<StatementResult>, String> {
    s.execute(sql).map_err(|e| format!("{}: {e}", e.sqlstate()))
}

const THREADS: usize = 8;

#[test]
fn concurrent_upserts_count_every_increment_without_errors() {
    const STATEMENTS: usize = 500;
    const KEYS: usize = 3;
    let (_dir, db) = db();
    let mut s = db.session();
    exec(
        &mut s,
        "CREATE TABLE counters (k int PRIMARY KEY, n int NOT NULL)",
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
                        "INSERT INTO counters VALUES ({k}, 1) \
                         ON CONFLICT (k) DO UPDATE SET n = counters.n + 1"
                    );
                    if let Err(e) = exec(&mut s, &sql) {
                        errors.push(e);
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
fn concurrent_do_nothing_inserts_each_key_once() {
    const KEYS: usize = 200;
    let (_dir, db) = db();
    let mut s = db.session();
    exec(&mut s, "CREATE TABLE seen (k int PRIMARY KEY, who int)").unwrap();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let mut s = db.session();
            thread::spawn(move || {
                let mut inserted = 0u64;
                for k in 0..KEYS {
                    let sql = format!("INSERT INTO seen VALUES ({k}, {t}) ON CONFLICT DO NOTHING");
                    match exec(&mut s, &sql) {
                        Ok(r) => match r.last() {
                            Some(StatementResult::Command(tag)) if tag == "INSERT 0 1" => {
                                inserted += 1
                            }
                            Some(StatementResult::Command(tag)) => {
                                assert_eq!(tag, "INSERT 0 0")
                            }
                            _ => panic!("{sql}: no command tag"),
                        },
                        Err(e) => panic!("{sql}: {e}"),
                    }
                }
                inserted
            })
        })
        .collect();
    let inserted: u64 = handles.into_iter().map(|h| h.join().expect("worker")).sum();
    assert_eq!(inserted, KEYS as u64);
    assert_eq!(
        rows(&mut s, "SELECT count(*), count(DISTINCT k) FROM seen"),
        vec![vec![KEYS.to_string(), KEYS.to_string()]]
    );
}

#[test]
fn advisory_locks_exclude_sessions_across_transactions() {
    const ROUNDS: usize = 50;
    let (_dir, db) = db();
    let mut s = db.session();
    exec(
        &mut s,
        "CREATE TABLE shared (x int); INSERT INTO shared VALUES (0)",
    )
    .unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let mut s = db.session();
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    // Read and write in separate transactions: only the lock keeps the
                    // increment from being lost.
                    exec(&mut s, "SELECT pg_advisory_lock(7)").unwrap();
                    let x: i64 = rows(&mut s, "SELECT x FROM shared")[0][0].parse().unwrap();
                    exec(&mut s, &format!("UPDATE shared SET x = {}", x + 1)).unwrap();
                    exec(&mut s, "SELECT pg_advisory_unlock(7)").unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker");
    }
    assert_eq!(rows(&mut s, "SELECT x FROM shared"), vec![vec!["200"]]);
}

#[test]
fn a_session_ending_releases_its_advisory_locks() {
    let (_dir, db) = db();
    let mut a = db.session();
    let mut b = db.session();
    exec(
        &mut a,
        "SELECT pg_advisory_lock(1), pg_advisory_lock_shared(2, 3)",
    )
    .unwrap();
    exec(&mut a, "BEGIN; SELECT pg_advisory_xact_lock(4)").unwrap();
    let try_all = "SELECT pg_try_advisory_lock(1), pg_try_advisory_lock(2, 3), \
                   pg_try_advisory_lock(4), pg_try_advisory_lock_shared(2, 3)";
    assert_eq!(rows(&mut b, try_all), vec![vec!["f", "f", "f", "t"]]);
    exec(&mut b, "SELECT pg_advisory_unlock_all()").unwrap();
    drop(a);
    assert_eq!(rows(&mut b, try_all), vec![vec!["t", "t", "t", "t"]]);
}

#[test]
fn deadlock_through_a_session_advisory_lock_and_a_row_wait_is_detected() {
    let (_dir, db) = db();
    let mut s = db.session();
    exec(
        &mut s,
        "CREATE TABLE r (id int PRIMARY KEY, v int); INSERT INTO r VALUES (1, 0)",
    )
    .unwrap();
    let w1 = Worker::new(&db);
    let w2 = Worker::new(&db);
    w2.ok("BEGIN; SET deadlock_timeout = '50ms'; UPDATE r SET v = 2 WHERE id = 1");
    // w1 holds a session-level lock taken outside its transaction, then waits for w2's row.
    w1.ok("SELECT pg_advisory_lock(9)");
    w1.ok("SET deadlock_timeout = '100s'");
    w1.blocks("BEGIN; UPDATE r SET v = 1 WHERE id = 1");
    // w2 waiting for w1's session lock closes the cycle.
    let r = w2
        .start("SELECT pg_advisory_lock(9)")
        .unwrap_or_else(|| w2.finish());
    assert!(
        matches!(&r, Err(e) if e.starts_with("40P01")),
        "expected a deadlock, got {r:?}"
    );
    w2.ok("ROLLBACK");
    w1.finish().expect("w1 gets the row");
    w1.ok("COMMIT");
    assert_eq!(rows(&mut s, "SELECT v FROM r"), vec![vec!["1"]]);
}

#[test]
fn lock_timeout_ends_an_advisory_lock_wait() {
    let (_dir, db) = db();
    let mut a = db.session();
    exec(&mut a, "SELECT pg_advisory_lock(5)").unwrap();
    let mut b = db.session();
    let e = exec(
        &mut b,
        "SET lock_timeout = '50ms'; SELECT pg_advisory_lock_shared(5)",
    )
    .expect_err("times out");
    assert!(e.starts_with("55P03"), "{e}");
    assert_eq!(
        rows(&mut b, "SELECT pg_try_advisory_xact_lock(5)"),
        vec![vec!["f"]]
    );
}

#[test]
fn prepared_upserts_infer_parameter_types_from_the_columns_they_set() {
    use engine::{DataType, Value};
    let (_dir, db) = db();
    let mut s = db.session();
    exec(
        &mut s,
        "CREATE TABLE acc (id int PRIMARY KEY, balance bigint NOT NULL, note text)",
    )
    .unwrap();
    let sql = "INSERT INTO acc AS a VALUES ($1, $2, 'new') ON CONFLICT (id) \
               DO UPDATE SET balance = a.balance + $3 WHERE a.note <> $4 RETURNING a.id, a.balance";
    let (params, cols) = s.describe(sql, &[]).unwrap();
    assert_eq!(
        params,
        vec![
            DataType::Int4,
            DataType::Int8,
            DataType::Int8,
            DataType::Text
        ]
    );
    assert_eq!(
        cols.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        vec!["id", "balance"]
    );
    let p = s.prepare(sql, &[]).unwrap();
    // Values of the described types, as the wire server decodes them.
    let values = [
        Value::Int4(1),
        Value::Int8(10),
        Value::Int8(5),
        Value::Text("frozen".into()),
    ];
    for _ in 0..3 {
        s.execute_prepared(&p, &values).unwrap();
    }
    assert_eq!(
        rows(&mut s, "SELECT id, balance, note FROM acc"),
        vec![vec!["1", "20", "new"]]
    );
}
