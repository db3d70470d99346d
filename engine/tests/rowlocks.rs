//! Row locks and table locks between sessions (PostgreSQL 15's behaviour): `SELECT … FOR
//! UPDATE | NO KEY UPDATE | SHARE | KEY SHARE` against each other and against writers,
//! NOWAIT, SKIP LOCKED job queues, REPEATABLE READ serialization failures, deadlocks through
//! row locks, and `LOCK TABLE` in PostgreSQL's eight modes against each other and against
//! the locks queries and writes take. Waits are seen through the engine's wait probe.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use engine::Database;
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

fn sqlstate(r: Result<Vec<Vec<String>>, String>) -> String {
    r.expect_err("an error")
        .split(':')
        .next()
        .unwrap_or("")
        .to_string()
}

#[test]
fn for_update_blocks_writers_and_other_lockers_of_that_row_only() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    let c = Worker::new(&db);
    assert_eq!(
        a.ok("BEGIN; SELECT v FROM t WHERE id = 1 FOR UPDATE"),
        v(10)
    );
    b.blocks("UPDATE t SET v = v + 1 WHERE id = 1");
    c.blocks("SELECT v FROM t WHERE id = 1 FOR UPDATE");
    // Other rows, and plain reads, are free.
    let d = Worker::new(&db);
    d.ok("UPDATE t SET v = 21 WHERE id = 2");
    assert_eq!(d.ok("SELECT v FROM t WHERE id = 1"), v(10));
    d.ok("DELETE FROM t WHERE id = 2");
    a.ok("COMMIT");
    b.finish().expect("update after the lock");
    // c's row was updated by b meanwhile (committed): it reads the new version.
    assert_eq!(c.finish().expect("lock after the update"), v(11));
}

#[test]
fn update_then_commit_under_a_lock_gives_the_waiting_locker_the_new_version() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("BEGIN; SELECT * FROM t WHERE id = 1 FOR UPDATE");
    b.ok("BEGIN");
    b.blocks("SELECT v FROM t WHERE id = 1 FOR UPDATE");
    a.ok("UPDATE t SET v = 15 WHERE id = 1; COMMIT");
    assert_eq!(b.finish().expect("read committed re-reads"), v(15));
    b.ok("COMMIT");
}

#[test]
fn shares_proceed_together_and_block_writers() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    let c = Worker::new(&db);
    a.ok("BEGIN; SELECT * FROM t WHERE id = 1 FOR SHARE");
    b.ok("BEGIN; SELECT * FROM t WHERE id = 1 FOR SHARE");
    b.ok("SELECT * FROM t WHERE id = 1 FOR KEY SHARE");
    c.blocks("DELETE FROM t WHERE id = 1");
    a.ok("COMMIT");
    assert!(c.is_waiting(), "b still shares the row");
    b.ok("COMMIT");
    c.finish().expect("delete after both");
    let mut s = db.session();
    assert_eq!(rows(&mut s, "SELECT count(*) FROM t"), v(1));
}

#[test]
fn share_conflicts_with_no_key_update() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("BEGIN; SELECT * FROM t WHERE id = 1 FOR SHARE");
    b.ok("BEGIN");
    b.blocks("SELECT * FROM t WHERE id = 1 FOR NO KEY UPDATE");
    a.ok("COMMIT");
    b.finish().expect("no key update after the share");
    b.ok("COMMIT");
}

#[test]
fn key_share_and_no_key_update_proceed_but_key_share_blocks_update() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    let c = Worker::new(&db);
    a.ok("BEGIN; SELECT * FROM t WHERE id = 1 FOR KEY SHARE");
    b.ok("BEGIN; SELECT * FROM t WHERE id = 1 FOR NO KEY UPDATE");
    c.ok("BEGIN");
    c.blocks("SELECT * FROM t WHERE id = 1 FOR UPDATE");
    a.ok("COMMIT");
    assert!(c.is_waiting(), "b's NO KEY UPDATE still conflicts");
    b.ok("COMMIT");
    c.finish().expect("update lock after both");
    c.ok("COMMIT");
}

#[test]
fn nowait_fails_on_a_locked_or_changing_row() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("BEGIN; SELECT * FROM t WHERE id = 1 FOR SHARE");
    assert_eq!(
        b.start("SELECT * FROM t WHERE id = 1 FOR UPDATE NOWAIT"),
        Some(Err(
            "55P03: could not obtain lock on row in relation \"t\"".into()
        ))
    );
    // A compatible lock does not fail.
    b.ok("SELECT * FROM t WHERE id = 1 FOR SHARE NOWAIT");
    // A row being updated by a running transaction cannot be locked at once either, in a
    // strength conflicting with the update's (FOR NO KEY UPDATE: the key is kept) ...
    a.ok("UPDATE t SET v = 0 WHERE id = 2");
    let r = b.start("SELECT * FROM t WHERE id = 2 FOR SHARE NOWAIT");
    assert_eq!(sqlstate(r.expect("no wait")), "55P03");
    // ... while FOR KEY SHARE does not conflict with it, as in PostgreSQL.
    b.ok("SELECT * FROM t WHERE id = 2 FOR KEY SHARE NOWAIT");
    a.ok("COMMIT");
}

#[test]
fn skip_locked_job_queue_gives_workers_different_rows() {
    let (_dir, db) = db();
    let mut s = db.session();
    s.execute(
        "CREATE TABLE jobs (id int PRIMARY KEY, payload text); \
         INSERT INTO jobs VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')",
    )
    .expect("jobs");
    let take = "SELECT id FROM jobs ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED";
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    let c = Worker::new(&db);
    assert_eq!(a.ok(&format!("BEGIN; {take}")), v(1));
    assert_eq!(b.ok(&format!("BEGIN; {take}")), v(2));
    // A row being changed by a running transaction is skipped too.
    c.ok("BEGIN; UPDATE jobs SET payload = 'x' WHERE id = 3");
    let d = Worker::new(&db);
    assert_eq!(d.ok(&format!("BEGIN; {take}")), v(4));
    let e = Worker::new(&db);
    assert_eq!(e.ok(take), Vec::<Vec<String>>::new(), "every job is taken");
    a.ok("DELETE FROM jobs WHERE id = 1; COMMIT");
    b.ok("ROLLBACK");
    c.ok("COMMIT");
    assert_eq!(e.ok(take), v(2), "released by the rollback");
    d.ok("COMMIT");
}

#[test]
fn repeatable_read_fails_to_lock_a_row_updated_after_its_snapshot() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    b.ok("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM t");
    a.ok("UPDATE t SET v = 99 WHERE id = 1");
    assert_eq!(
        b.start("SELECT * FROM t WHERE id = 1 FOR UPDATE"),
        Some(Err(
            "40001: could not serialize access due to concurrent update".into()
        ))
    );
    b.ok("ROLLBACK");
    // Waiting for a running updater that then commits fails the same way.
    b.ok("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM t");
    a.ok("BEGIN; UPDATE t SET v = 100 WHERE id = 1");
    b.blocks("SELECT * FROM t WHERE id = 1 FOR SHARE");
    a.ok("COMMIT");
    assert_eq!(sqlstate(b.finish()), "40001");
    b.ok("ROLLBACK");
    // ... and one that rolls back lets the lock through.
    b.ok("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM t");
    a.ok("BEGIN; UPDATE t SET v = 0 WHERE id = 1");
    b.blocks("SELECT v FROM t WHERE id = 1 FOR SHARE");
    a.ok("ROLLBACK");
    assert_eq!(b.finish().expect("locked"), v(100));
    b.ok("COMMIT");
}

#[test]
fn row_locks_taken_in_opposite_orders_deadlock() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("SET deadlock_timeout = '50ms'");
    b.ok("SET deadlock_timeout = '10s'");
    a.ok("BEGIN; SELECT * FROM t WHERE id = 1 FOR UPDATE");
    b.ok("BEGIN; SELECT * FROM t WHERE id = 2 FOR UPDATE");
    b.blocks("SELECT * FROM t WHERE id = 1 FOR UPDATE");
    let r = a
        .start("SELECT * FROM t WHERE id = 2 FOR UPDATE")
        .unwrap_or_else(|| a.finish());
    assert_eq!(r, Err("40P01: deadlock detected".into()));
    a.ok("ROLLBACK");
    b.finish().expect("b goes on");
    b.ok("COMMIT");
}

#[test]
fn a_row_lock_survives_rolling_back_an_update_of_the_row() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("BEGIN; SELECT * FROM t WHERE id = 1 FOR UPDATE; SAVEPOINT s");
    a.ok("UPDATE t SET v = 0 WHERE id = 1; ROLLBACK TO SAVEPOINT s");
    b.blocks("UPDATE t SET v = 1 WHERE id = 1");
    a.ok("COMMIT");
    b.finish().expect("after the lock holder");
}

/// PostgreSQL's table-lock conflict table ("Conflicting Lock Modes"), in the order
/// ACCESS SHARE, ROW SHARE, ROW EXCLUSIVE, SHARE UPDATE EXCLUSIVE, SHARE,
/// SHARE ROW EXCLUSIVE, EXCLUSIVE, ACCESS EXCLUSIVE.
const MODES: [&str; 8] = [
    "ACCESS SHARE",
    "ROW SHARE",
    "ROW EXCLUSIVE",
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
];
const CONFLICTS: [[bool; 8]; 8] = {
    const F: bool = false;
    const T: bool = true;
    [
        [F, F, F, F, F, F, F, T],
        [F, F, F, F, F, F, T, T],
        [F, F, F, F, T, T, T, T],
        [F, F, F, T, T, T, T, T],
        [F, F, T, T, F, T, T, T],
        [F, F, T, T, T, T, T, T],
        [F, T, T, T, T, T, T, T],
        [T, T, T, T, T, T, T, T],
    ]
};

#[test]
fn lock_table_modes_conflict_as_postgres_table() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    for (i, held) in MODES.iter().enumerate() {
        for (j, wanted) in MODES.iter().enumerate() {
            a.ok(&format!("BEGIN; LOCK TABLE t IN {held} MODE"));
            let r = b.start(&format!("BEGIN; LOCK t IN {wanted} MODE NOWAIT"));
            let r = r.expect("NOWAIT never waits");
            if CONFLICTS[i][j] {
                assert_eq!(
                    r,
                    Err("55P03: could not obtain lock on relation \"t\"".into()),
                    "{held} then {wanted}"
                );
            } else {
                assert!(r.is_ok(), "{held} then {wanted}: {r:?}");
            }
            b.ok("ROLLBACK");
            a.ok("COMMIT");
        }
    }
}

#[test]
fn lock_table_blocks_the_statements_whose_locks_conflict() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    // SHARE: readers go on, writers wait.
    a.ok("BEGIN; LOCK TABLE t IN SHARE MODE");
    assert_eq!(b.ok("SELECT count(*) FROM t"), v(2));
    b.blocks("INSERT INTO t VALUES (3, 30)");
    a.ok("COMMIT");
    b.finish().expect("insert");
    // EXCLUSIVE: plain reads go on, FOR UPDATE (ROW SHARE) waits.
    a.ok("BEGIN; LOCK TABLE t IN EXCLUSIVE MODE");
    assert_eq!(b.ok("SELECT count(*) FROM t"), v(3));
    b.blocks("SELECT * FROM t WHERE id = 1 FOR UPDATE");
    a.ok("COMMIT");
    b.finish().expect("lock rows");
    // ACCESS EXCLUSIVE (the default): reads wait, and then see what the holder committed.
    a.ok("BEGIN; LOCK t; UPDATE t SET v = 99 WHERE id = 1");
    b.blocks("SELECT v FROM t WHERE id = 1");
    a.ok("COMMIT");
    assert_eq!(b.finish().expect("read after the lock"), v(99));
    // A writer holds ROW EXCLUSIVE until it ends: SHARE waits for it.
    b.ok("BEGIN; DELETE FROM t WHERE id = 3");
    a.ok("BEGIN");
    a.blocks("LOCK TABLE t IN SHARE MODE");
    b.ok("COMMIT");
    a.finish().expect("share after the writer");
    a.ok("COMMIT");
}

#[test]
fn repeatable_read_snapshot_is_taken_after_lock_table() {
    let (_dir, db) = db();
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("BEGIN; UPDATE t SET v = 50 WHERE id = 2");
    b.ok("BEGIN ISOLATION LEVEL REPEATABLE READ");
    b.blocks("LOCK TABLE t IN SHARE MODE");
    a.ok("COMMIT");
    b.finish().expect("lock");
    assert_eq!(b.ok("SELECT v FROM t WHERE id = 2"), v(50));
    b.ok("COMMIT");
}

#[test]
fn lock_table_errors() {
    let (_dir, db) = db();
    let mut s = db.session();
    let e = s.execute("LOCK TABLE t").expect_err("outside a block");
    assert_eq!(e.sqlstate(), "25P01");
    assert_eq!(
        e.to_string(),
        "LOCK TABLE can only be used in transaction blocks"
    );
    s.execute("BEGIN").expect("begin");
    let e = s.execute("LOCK nosuch").expect_err("no table");
    assert_eq!(e.sqlstate(), "42P01");
    s.execute("ROLLBACK").expect("rollback");
    // A read-only transaction may lock tables.
    s.execute("BEGIN READ ONLY; LOCK t IN ACCESS EXCLUSIVE MODE; COMMIT")
        .expect("read-only lock");
}

#[test]
fn read_only_transactions_refuse_row_locks() {
    let (_dir, db) = db();
    let mut s = db.session();
    s.execute("BEGIN READ ONLY").expect("begin");
    let e = s
        .execute("SELECT * FROM t FOR KEY SHARE")
        .expect_err("read only");
    assert_eq!(e.sqlstate(), "25006");
    assert_eq!(
        e.to_string(),
        "cannot execute SELECT FOR KEY SHARE in a read-only transaction"
    );
    s.execute("ROLLBACK").expect("rollback");
}

#[test]
fn subqueries_of_writers_and_copy_take_relation_locks() {
    let (_dir, db) = db();
    let mut s = db.session();
    s.execute("CREATE TABLE other (id int); INSERT INTO other VALUES (1)")
        .expect("other");
    let a = Worker::new(&db);
    let b = Worker::new(&db);
    a.ok("BEGIN; LOCK TABLE other IN ACCESS EXCLUSIVE MODE; INSERT INTO other VALUES (2)");
    b.blocks("UPDATE t SET v = 0 WHERE id IN (SELECT id FROM other)");
    a.ok("COMMIT");
    b.finish().expect("update after the lock");
    assert_eq!(
        b.ok("SELECT count(*) FROM t WHERE v = 0"),
        v(2),
        "saw the insert"
    );
    a.ok("BEGIN; LOCK TABLE t IN SHARE MODE");
    b.blocks("COPY t FROM STDIN;\n3\t30\n\\.\n");
    a.ok("COMMIT");
    b.finish().expect("copy after the lock");
    a.ok("BEGIN; LOCK TABLE t");
    b.blocks("COPY t TO STDOUT");
    a.ok("ROLLBACK");
    b.finish().expect("copy out after the lock");
}

/// Forms PostgreSQL accepts that Quill does not implement fail with 0A000 naming them,
/// never locking less than asked.
#[test]
fn unimplemented_locking_forms_are_refused() {
    let (_dir, db) = db();
    let mut s = db.session();
    s.execute("CREATE TABLE other (id int); CREATE VIEW tv AS SELECT * FROM t")
        .expect("setup");
    for (sql, what) in [
        (
            "SELECT t.id FROM t JOIN other o ON o.id = t.id FOR UPDATE OF t",
            "FOR UPDATE of a join is not supported",
        ),
        (
            "SELECT * FROM t, other FOR SHARE",
            "FOR SHARE of several FROM items is not supported",
        ),
        (
            "SELECT id FROM tv FOR UPDATE",
            "FOR UPDATE of a view is not supported",
        ),
        (
            "SELECT id FROM (SELECT id FROM t FOR UPDATE) s",
            "FOR UPDATE in a subquery, a WITH query, a view, a cursor or a statement other \
             than SELECT is not supported",
        ),
        (
            "WITH w AS (SELECT * FROM t) SELECT * FROM w FOR KEY SHARE",
            "FOR KEY SHARE of a WITH query is not supported",
        ),
        (
            "INSERT INTO other SELECT id FROM t FOR UPDATE",
            "FOR UPDATE in a subquery, a WITH query, a view, a cursor or a statement other \
             than SELECT is not supported",
        ),
    ] {
        let e = s.execute(sql).expect_err(sql);
        assert_eq!(
            (e.sqlstate(), e.to_string().as_str()),
            ("0A000", what),
            "{sql}"
        );
    }
    s.execute("BEGIN").expect("begin");
    let e = s
        .execute("DECLARE c CURSOR FOR SELECT * FROM t FOR UPDATE")
        .expect_err("cursor");
    assert_eq!(e.sqlstate(), "0A000");
}
