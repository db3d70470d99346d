//! Crash safety of sequences and DROP COLUMN through SQL on the simulated disk: after a
//! power loss a sequence never hands out a value it handed out before (committed or not),
//! and a committed DROP COLUMN stays done while an uncommitted one leaves no trace.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use engine::{Database, Session};
use support::{open, rows};
use vfs::{CrashMode, SimVfs};

fn next(s: &mut Session, seq: &str) -> i64 {
    let r = s
        .query(&format!("SELECT nextval('{seq}')"), &[])
        .expect("nextval");
    r.get::<i64>(0, 0).expect("value")
}

/// Power loss with whatever the session has open.
fn crash(s: Session, db: Database, fs: &SimVfs) -> SimVfs {
    std::mem::forget(s);
    std::mem::forget(db);
    fs.crash(CrashMode::PowerLoss)
}

#[test]
fn sequence_values_are_never_handed_out_twice_across_crashes() {
    let mut fs = SimVfs::new(41);
    {
        let db = open(&fs);
        let mut s = db.session();
        s.execute("CREATE SEQUENCE s; CREATE TABLE t (id serial PRIMARY KEY, v integer)")
            .expect("create");
        drop(s);
        drop(db);
    }
    let mut seen = std::collections::BTreeSet::new();
    for round in 0..6i64 {
        let db = open(&fs);
        let mut s = db.session();
        let first = next(&mut s, "s");
        assert!(
            seen.iter().all(|&v| v < first),
            "round {round}: {first} after {seen:?}"
        );
        seen.insert(first);
        // More than one log-ahead batch in some rounds, fewer in others.
        for _ in 0..(round * 13) {
            assert!(seen.insert(next(&mut s, "s")), "value repeated");
        }
        // Drawn inside a transaction that never commits: still used up.
        s.execute("BEGIN").expect("begin");
        assert!(seen.insert(next(&mut s, "s")));
        s.execute(&format!("INSERT INTO t (v) VALUES ({round}), ({round})"))
            .expect("insert");
        fs = crash(s, db, &fs);
    }
    // The serial column's sequence kept its promise too: committed rows keep their ids and
    // new ones never collide with ids handed out before a crash.
    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(rows(&mut s, "SELECT count(*) FROM t"), vec![vec!["0"]]);
    for v in 0..40 {
        s.execute(&format!("INSERT INTO t (v) VALUES ({v})"))
            .expect("insert after recovery");
    }
    let fs = crash(s, db, &fs);
    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(
        rows(&mut s, "SELECT count(DISTINCT id) FROM t"),
        vec![vec!["40"]]
    );
    s.execute("INSERT INTO t (v) VALUES (1)")
        .expect("a fresh id after the crash");
}

#[test]
fn setval_survives_a_crash() {
    let fs = SimVfs::new(42);
    let db = open(&fs);
    let mut s = db.session();
    s.execute("CREATE SEQUENCE s").expect("create");
    s.execute("SELECT setval('s', 1000)").expect("setval");
    let fs = crash(s, db, &fs);
    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(next(&mut s, "s"), 1001);
    s.execute("SELECT setval('s', 5, false)").expect("setval");
    let fs = crash(s, db, &fs);
    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(next(&mut s, "s"), 5);
}

#[test]
fn drop_column_is_crash_safe_and_transactional() {
    let fs = SimVfs::new(43);
    let db = open(&fs);
    let mut s = db.session();
    s.execute(
        "CREATE TABLE d (a integer PRIMARY KEY, b text, c integer);
         CREATE INDEX d_b ON d (b);
         INSERT INTO d VALUES (1, 'one', 10), (2, 'two', 20);
         ALTER TABLE d DROP COLUMN b",
    )
    .expect("committed drop");
    // An uncommitted drop of c, in flight at the crash.
    s.execute("BEGIN; ALTER TABLE d DROP COLUMN c; INSERT INTO d VALUES (3)")
        .expect("uncommitted drop");
    let fs = crash(s, db, &fs);
    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(
        rows(&mut s, "SELECT * FROM d ORDER BY a"),
        vec![vec!["1", "10"], vec!["2", "20"]]
    );
    assert_eq!(
        s.execute("SELECT b FROM d")
            .map(|_| ())
            .map_err(|e| e.sqlstate()),
        Err("42703")
    );
    assert_eq!(
        s.execute("DROP INDEX d_b")
            .map(|_| ())
            .map_err(|e| e.sqlstate()),
        Err("42704")
    );
    // The primary key index was rebuilt with the rows: lookups and uniqueness work.
    assert_eq!(
        rows(&mut s, "SELECT c FROM d WHERE a = 2"),
        vec![vec!["20"]]
    );
    assert_eq!(
        s.execute("INSERT INTO d VALUES (2, 0)")
            .map(|_| ())
            .map_err(|e| e.sqlstate()),
        Err("23505")
    );
    db.storage().check_integrity().expect("integrity");
}
