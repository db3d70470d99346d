//! Sessions side by side: readers do not wait for writers, writers of one row wait for each
//! other (seen through the engine's wait probe, never a sleep), READ COMMITTED re-reads
//! after a concurrent update, REPEATABLE READ fails with 40001, deadlocks end with 40P01,
//! unique-key races wait, lock_timeout and cancel interrupt waits.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use engine::Database;
use std::thread;
use support::rows;
use support::worker::Worker;

fn db() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path()).expect("open");
    let mut s = db.session();
    s.execute("CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 10), (2, 20);")
        .expect("setup");
    (dir, db)
}

fn v(n: i64) -> Vec<Vec<String>> {
    vec![vec![n.to_string()]]
}

#[test]
fn readers_do_not_wait_for_writers_and_see_only_commits() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("BEGIN; UPDATE t SET v = 11 WHERE id = 1");
    assert_eq!(b.ok("SELECT v FROM t WHERE id = 1"), v(10));
    assert_eq!(a.ok("SELECT v FROM t WHERE id = 1"), v(11), "own change");
    a.ok("COMMIT");
    assert_eq!(b.ok("SELECT v FROM t WHERE id = 1"), v(11));
}

#[test]
fn an_idle_transaction_does_not_stop_other_sessions() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("BEGIN; SELECT * FROM t");
    b.ok("INSERT INTO t VALUES (3, 30)");
    b.ok("UPDATE t SET v = 21 WHERE id = 2");
    assert_eq!(a.ok("SELECT count(*) FROM t"), v(3), "read committed");
    a.ok("COMMIT");
}

#[test]
fn read_committed_writer_waits_then_updates_the_new_version() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("BEGIN; UPDATE t SET v = v + 1 WHERE id = 1");
    b.blocks("UPDATE t SET v = v + 1 WHERE id = 1");
    a.ok("COMMIT");
    b.finish().expect("update after the wait");
    let mut s = db.session();
    assert_eq!(
        rows(&mut s, "SELECT v FROM t WHERE id = 1"),
        v(12),
        "no lost update"
    );
}

#[test]
fn read_committed_writer_goes_on_when_the_other_rolls_back() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("BEGIN; DELETE FROM t WHERE id = 1");
    b.blocks("UPDATE t SET v = v + 5 WHERE id = 1");
    a.ok("ROLLBACK");
    b.finish().expect("update");
    let mut s = db.session();
    assert_eq!(rows(&mut s, "SELECT v FROM t WHERE id = 1"), v(15));
}

#[test]
fn repeatable_read_fails_on_a_concurrent_update() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    b.ok("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT v FROM t WHERE id = 1");
    a.ok("UPDATE t SET v = 99 WHERE id = 1");
    assert_eq!(b.ok("SELECT v FROM t WHERE id = 1"), v(10), "its snapshot");
    let e = b.start("UPDATE t SET v = 0 WHERE id = 1");
    assert_eq!(
        e,
        Some(Err(
            "40001: could not serialize access due to concurrent update".into()
        ))
    );
    b.ok("ROLLBACK");
}

#[test]
fn repeatable_read_waits_then_fails_when_the_holder_commits() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    b.ok("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
    a.ok("BEGIN; UPDATE t SET v = 99 WHERE id = 1");
    b.blocks("UPDATE t SET v = 0 WHERE id = 1");
    a.ok("COMMIT");
    assert!(b.finish().unwrap_err().starts_with("40001"));
}

#[test]
fn opposite_order_updates_deadlock_and_one_fails_with_40p01() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("SET deadlock_timeout = '50ms'");
    b.ok("SET deadlock_timeout = '10s'");
    a.ok("BEGIN; UPDATE t SET v = 0 WHERE id = 1");
    b.ok("BEGIN; UPDATE t SET v = 0 WHERE id = 2");
    b.blocks("UPDATE t SET v = 1 WHERE id = 1");
    let r = a
        .start("UPDATE t SET v = 1 WHERE id = 2")
        .unwrap_or_else(|| a.finish());
    assert_eq!(r, Err("40P01: deadlock detected".into()));
    a.ok("ROLLBACK");
    b.finish().expect("b goes on");
    b.ok("COMMIT");
}

#[test]
fn unique_key_race_waits_for_the_first_inserter() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("BEGIN; INSERT INTO t VALUES (5, 1)");
    b.blocks("INSERT INTO t VALUES (5, 2)");
    a.ok("COMMIT");
    assert!(b.finish().unwrap_err().starts_with("23505"));

    a.ok("BEGIN; INSERT INTO t VALUES (6, 1)");
    b.blocks("INSERT INTO t VALUES (6, 2)");
    a.ok("ROLLBACK");
    b.finish().expect("the key is free");
    let mut s = db.session();
    assert_eq!(rows(&mut s, "SELECT v FROM t WHERE id = 6"), v(2));
}

#[test]
fn lock_timeout_and_cancel_end_a_wait() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("BEGIN; UPDATE t SET v = 0 WHERE id = 1");
    b.ok("SET lock_timeout = '20ms'");
    let r = b
        .start("UPDATE t SET v = 1 WHERE id = 1")
        .unwrap_or_else(|| b.finish());
    assert_eq!(
        r,
        Err("55P03: canceling statement due to lock timeout".into())
    );
    b.ok("SET lock_timeout = 0");
    b.ok("SET statement_timeout = '30ms'");
    let r = b
        .start("DELETE FROM t WHERE id = 1")
        .unwrap_or_else(|| b.finish());
    assert!(r.unwrap_err().starts_with("57014"));
    a.ok("COMMIT");
}

#[test]
fn ddl_waits_for_running_readers_and_is_invisible_until_commit() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("BEGIN; SELECT count(*) FROM t");
    b.blocks("ALTER TABLE t ADD COLUMN w int");
    a.ok("COMMIT");
    b.finish().expect("alter after the reader");
    let mut s = db.session();
    assert_eq!(rows(&mut s, "SELECT count(w) FROM t"), v(0));
}

#[test]
fn many_threads_transfer_and_the_total_stays() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path()).expect("open");
    let mut s = db.session();
    s.execute("CREATE TABLE acct (id int PRIMARY KEY, bal int)")
        .expect("create");
    for i in 0..10 {
        s.execute(&format!("INSERT INTO acct VALUES ({i}, 100)"))
            .expect("insert");
    }
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let db = db.clone();
            thread::spawn(move || {
                let mut s = db.session();
                s.execute("SET deadlock_timeout = '20ms'").expect("set");
                let mut done = 0;
                let mut k: u64 = t;
                while done < 40 {
                    k = k
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let from = (k >> 33) % 10;
                    let to = (k >> 40) % 10;
                    if from == to {
                        continue;
                    }
                    let level = if t % 2 == 0 {
                        "READ COMMITTED"
                    } else {
                        "REPEATABLE READ"
                    };
                    let sql = format!(
                        "BEGIN ISOLATION LEVEL {level}; \
                         UPDATE acct SET bal = bal - 1 WHERE id = {from}; \
                         UPDATE acct SET bal = bal + 1 WHERE id = {to}; COMMIT"
                    );
                    match s.execute(&sql) {
                        Ok(_) => done += 1,
                        Err(e) => {
                            assert!(matches!(e.sqlstate(), "40001" | "40P01"), "unexpected {e}");
                            s.execute("ROLLBACK").expect("rollback");
                        }
                    }
                }
            })
        })
        .collect();
    let reader = {
        let db = db.clone();
        thread::spawn(move || {
            let mut s = db.session();
            for _ in 0..50 {
                s.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                    .expect("begin");
                let a = rows(&mut s, "SELECT sum(bal) FROM acct");
                let b = rows(&mut s, "SELECT sum(bal) FROM acct");
                assert_eq!(a, b, "one snapshot");
                assert_eq!(a, v(1000), "transfers keep the total");
                s.execute("COMMIT").expect("commit");
            }
        })
    };
    for t in threads {
        t.join().expect("transfer thread");
    }
    reader.join().expect("reader");
    assert_eq!(rows(&mut s, "SELECT sum(bal) FROM acct"), v(1000));
}

/// An error aborts a block without savepoints at once, as PostgreSQL's does: the deadlock
/// victim's row locks are gone before its ROLLBACK, so the other session goes on.
#[test]
fn an_error_in_a_block_releases_its_locks_before_rollback() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("BEGIN; SET deadlock_timeout = '100s';");
    b.ok("BEGIN; SET deadlock_timeout = '50ms';");
    a.ok("UPDATE t SET v = v - 10 WHERE id = 1");
    b.ok("UPDATE t SET v = v - 20 WHERE id = 2");
    a.blocks("UPDATE t SET v = v + 10 WHERE id = 2");
    let r = b
        .start("UPDATE t SET v = v + 20 WHERE id = 1")
        .unwrap_or_else(|| b.finish());
    assert_eq!(r, Err("40P01: deadlock detected".into()));
    // b has not rolled back yet, and a already has its row.
    a.finish().expect("a goes on");
    assert_eq!(
        b.start("SELECT 1"),
        Some(Err(
            "25P02: current transaction is aborted, commands ignored until end of transaction block".into()
        ))
    );
    a.ok("COMMIT");
    b.ok("ROLLBACK");
    assert_eq!(
        b.ok("SELECT v FROM t ORDER BY id"),
        vec![vec!["0".to_string()], vec!["30".to_string()]]
    );
}
