//! Foreign keys beyond what the PostgreSQL-dialect suite covers: constraints surviving a
//! power loss (committed ones enforced after recovery, uncommitted changes gone; deferrable
//! ones still deferrable, a crashed transaction's pending checks gone), DEFERRABLE unique
//! constraints refused by name, messages with their DETAIL, and cascades deeper than any
//! recursion would allow.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use engine::{Database, Session};
use support::{open, rows};
use vfs::{CrashMode, SimVfs};

fn crash(s: Session, db: Database, fs: &SimVfs) -> SimVfs {
    std::mem::forget(s);
    std::mem::forget(db);
    fs.crash(CrashMode::PowerLoss)
}

fn sqlstate(s: &mut Session, sql: &str) -> Option<String> {
    s.execute(sql).err().map(|e| e.sqlstate().to_string())
}

#[test]
fn constraints_survive_a_crash_and_uncommitted_changes_do_not() {
    let fs = SimVfs::new(71);
    let db = open(&fs);
    let mut s = db.session();
    s.execute(
        "CREATE TABLE p (id integer PRIMARY KEY, a integer, b integer, UNIQUE (a, b));
         CREATE TABLE c (id integer PRIMARY KEY, pid integer REFERENCES p ON DELETE CASCADE,
                         a integer, b integer);
         ALTER TABLE c ADD CONSTRAINT c_ab FOREIGN KEY (a, b) REFERENCES p (a, b) MATCH FULL;
         CREATE TABLE loose (x integer);
         INSERT INTO p VALUES (1, 1, 1), (2, 2, 2);
         INSERT INTO c VALUES (10, 1, 1, 1), (20, 2, NULL, NULL);
         INSERT INTO loose VALUES (7)",
    )
    .expect("committed schema");
    // In flight at the crash: a constraint dropped and one added NOT VALID.
    s.execute(
        "BEGIN;
         ALTER TABLE c DROP CONSTRAINT c_ab;
         ALTER TABLE loose ADD CONSTRAINT loose_x FOREIGN KEY (x) REFERENCES p NOT VALID;
         INSERT INTO c VALUES (30, 1, 5, NULL)",
    )
    .expect("uncommitted changes");
    let fs = crash(s, db, &fs);
    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(
        rows(
            &mut s,
            "SELECT conname, confdeltype::text, confmatchtype::text, convalidated::text \
             FROM pg_constraint WHERE contype = 'f' ORDER BY conname"
        ),
        vec![
            vec!["c_ab", "a", "f", "true"],
            vec!["c_pid_fkey", "c", "s", "true"]
        ]
    );
    // Both committed constraints are enforced; the uncommitted one left nothing.
    assert_eq!(
        sqlstate(&mut s, "INSERT INTO c VALUES (30, 9, NULL, NULL)").as_deref(),
        Some("23503")
    );
    assert_eq!(
        sqlstate(&mut s, "INSERT INTO c VALUES (30, 1, 5, NULL)").as_deref(),
        Some("23503")
    );
    s.execute("INSERT INTO loose VALUES (99)")
        .expect("no constraint on loose");
    s.execute("DELETE FROM p WHERE id = 1").expect("cascade");
    assert_eq!(
        rows(&mut s, "SELECT id FROM c ORDER BY id"),
        vec![vec!["20"]]
    );
    assert_eq!(sqlstate(&mut s, "DROP TABLE p").as_deref(), Some("2BP01"));
    db.storage().check_integrity().expect("integrity");
}

#[test]
fn deferrable_constraints_survive_a_crash_and_pending_checks_do_not() {
    let fs = SimVfs::new(72);
    let db = open(&fs);
    let mut s = db.session();
    s.execute(
        "CREATE TABLE p (id integer PRIMARY KEY);
         CREATE TABLE c (id integer PRIMARY KEY,
                         pid integer REFERENCES p DEFERRABLE INITIALLY DEFERRED);
         CREATE TABLE d (pid integer);
         ALTER TABLE d ADD CONSTRAINT d_fk FOREIGN KEY (pid) REFERENCES p DEFERRABLE",
    )
    .expect("committed schema");
    // In flight at the crash: a row whose check waits for the commit.
    s.execute("BEGIN; INSERT INTO c VALUES (1, 5)")
        .expect("deferred check");
    let fs = crash(s, db, &fs);
    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(
        rows(
            &mut s,
            "SELECT conname, condeferrable::text, condeferred::text \
             FROM pg_constraint WHERE contype = 'f' ORDER BY conname"
        ),
        vec![
            vec!["c_pid_fkey", "true", "true"],
            vec!["d_fk", "true", "false"]
        ]
    );
    assert_eq!(rows(&mut s, "SELECT count(*) FROM c"), vec![vec!["0"]]);
    // Still deferred: the check runs at the commit and fails it.
    s.execute("BEGIN; INSERT INTO c VALUES (1, 5)")
        .expect("deferred again");
    let e = s.execute("COMMIT").expect_err("commit checks");
    assert_eq!(e.sqlstate(), "23503");
    assert_eq!(
        e.to_string(),
        "insert or update on table \"c\" violates foreign key constraint \"c_pid_fkey\""
    );
    assert_eq!(rows(&mut s, "SELECT count(*) FROM c"), vec![vec!["0"]]);
    assert_eq!(
        sqlstate(&mut s, "INSERT INTO d VALUES (5)").as_deref(),
        Some("23503")
    );
    db.storage().check_integrity().expect("integrity");
}

#[test]
fn deferrable_unique_constraints_are_refused_by_name() {
    let fs = SimVfs::new(73);
    let db = open(&fs);
    let mut s = db.session();
    s.execute("CREATE TABLE t (a integer, b integer)")
        .expect("t");
    for sql in [
        "CREATE TABLE u (a integer UNIQUE DEFERRABLE)",
        "CREATE TABLE u (a integer PRIMARY KEY INITIALLY DEFERRED)",
        "CREATE TABLE u (a integer, UNIQUE (a) DEFERRABLE INITIALLY IMMEDIATE)",
        "ALTER TABLE t ADD CONSTRAINT t_a UNIQUE (a) DEFERRABLE",
        "ALTER TABLE t ADD PRIMARY KEY (b) DEFERRABLE INITIALLY DEFERRED",
    ] {
        let e = s.execute(sql).expect_err(sql);
        assert_eq!(e.sqlstate(), "0A000", "{sql}: {e}");
        assert!(
            e.to_string().contains("DEFERRABLE unique constraints"),
            "{sql}: {e}"
        );
    }
    // The defaults spelled out are accepted.
    s.execute("CREATE TABLE u (a integer UNIQUE NOT DEFERRABLE INITIALLY IMMEDIATE)")
        .expect("not deferrable");
    assert_eq!(
        rows(&mut s, "SELECT count(*) FROM pg_class WHERE relname = 'u'"),
        vec![vec!["1"]]
    );
}

#[test]
fn violations_carry_postgres_detail() {
    let fs = SimVfs::new(73);
    let db = open(&fs);
    let mut s = db.session();
    s.execute(
        "CREATE TABLE p (id integer PRIMARY KEY);
         CREATE TABLE c (pid integer REFERENCES p);
         INSERT INTO p VALUES (1);
         INSERT INTO c VALUES (1)",
    )
    .expect("schema");
    let e = s.execute("INSERT INTO c VALUES (2)").expect_err("orphan");
    assert_eq!(
        e.to_string(),
        "insert or update on table \"c\" violates foreign key constraint \"c_pid_fkey\""
    );
    assert_eq!(
        e.detail(),
        Some("Key (pid)=(2) is not present in table \"p\".")
    );
    let e = s.execute("DELETE FROM p").expect_err("referenced");
    assert_eq!(
        e.detail(),
        Some("Key (id)=(1) is still referenced from table \"c\".")
    );
}

#[test]
fn cascades_run_deeper_than_recursion_could() {
    let fs = SimVfs::new(74);
    let db = open(&fs);
    let mut s = db.session();
    s.execute(
        "CREATE TABLE chain (id integer PRIMARY KEY, up integer REFERENCES chain ON DELETE CASCADE);
         INSERT INTO chain SELECT g, NULLIF(g - 1, 0) FROM generate_series(1, 2000) g",
    )
    .expect("chain");
    s.execute("DELETE FROM chain WHERE id = 1")
        .expect("cascade");
    assert_eq!(rows(&mut s, "SELECT count(*) FROM chain"), vec![vec!["0"]]);
}

#[test]
fn deferred_checks_see_what_committed_before_the_commit() {
    let fs = SimVfs::new(74);
    let db = open(&fs);
    let mut setup = db.session();
    setup
        .execute(
            "CREATE TABLE p (id integer PRIMARY KEY);
             CREATE TABLE c (id integer, pid integer REFERENCES p DEFERRABLE INITIALLY DEFERRED);
             INSERT INTO p VALUES (1), (2)",
        )
        .expect("schema");
    let (mut a, mut b) = (db.session(), db.session());
    // READ COMMITTED: the check at COMMIT reads the rows as of then.
    a.execute("BEGIN; INSERT INTO c VALUES (1, 1)")
        .expect("deferred");
    b.execute("DELETE FROM p WHERE id = 1")
        .expect("nothing committed references it");
    assert_eq!(sqlstate(&mut a, "COMMIT").as_deref(), Some("23503"));
    a.execute("BEGIN; INSERT INTO c VALUES (3, 3)")
        .expect("deferred");
    b.execute("INSERT INTO p VALUES (3)").expect("late parent");
    a.execute("COMMIT").expect("the parent committed before");
    // REPEATABLE READ: a parent deleted by a transaction committed since the snapshot is
    // a serialization failure, as in PostgreSQL.
    a.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; INSERT INTO c VALUES (2, 2)")
        .expect("deferred");
    b.execute("DELETE FROM p WHERE id = 2").expect("delete");
    assert_eq!(sqlstate(&mut a, "COMMIT").as_deref(), Some("40001"));
    assert_eq!(
        rows(&mut setup, "SELECT id, pid FROM c ORDER BY id"),
        vec![vec!["3", "3"]]
    );
}
