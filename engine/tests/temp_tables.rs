//! Temporary tables: visible only to their session, shadowing permanent tables, gone when
//! the session ends, and never surviving a restart or a crash (no catalog row, no file).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use engine::{Database, Session};
use support::{open, rows};
use vfs::{CrashMode, SimVfs};

fn one(s: &mut Session, sql: &str) -> String {
    let r = rows(s, sql);
    assert_eq!(r.len(), 1, "{sql}: {r:?}");
    r[0][0].clone()
}

fn run(s: &mut Session, sql: &str) {
    s.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn sqlstate(s: &mut Session, sql: &str) -> &'static str {
    match s.execute(sql) {
        Ok(r) => panic!("{sql} succeeded: {r:?}"),
        Err(e) => e.sqlstate(),
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("quill-temp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn each_session_sees_only_its_own_temp_tables() {
    let dir = temp_dir("two");
    let db = Database::open(&dir).expect("open");
    let mut a = db.session();
    let mut b = db.session();
    run(
        &mut a,
        "CREATE TEMP TABLE t (x integer); INSERT INTO t VALUES (1)",
    );
    assert_eq!(sqlstate(&mut b, "SELECT * FROM t"), "42P01");
    assert_eq!(sqlstate(&mut b, "SELECT * FROM pg_temp.t"), "42P01");
    assert_eq!(sqlstate(&mut b, "DROP TABLE t"), "42P01");
    // The other session may create its own table of that name, with another shape.
    run(
        &mut b,
        "CREATE TEMPORARY TABLE t (y text PRIMARY KEY); INSERT INTO t VALUES ('b')",
    );
    assert_eq!(one(&mut a, "SELECT x FROM t"), "1");
    assert_eq!(one(&mut b, "SELECT y FROM t"), "b");
    // Neither sees the other's in pg_class; each sees its own in its own pg_temp_N.
    let listed = "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                  WHERE c.relname = 't' AND c.relpersistence = 't'";
    let (na, nb) = (one(&mut a, listed), one(&mut b, listed));
    assert!(na.starts_with("pg_temp_") && nb.starts_with("pg_temp_") && na != nb);
    assert_eq!(
        one(
            &mut a,
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'pg_temp%'"
        ),
        "1"
    );
    // A permanent table of the same name is still free to create.
    // (An unqualified INSERT would go to a's temp table, which shadows it.)
    run(
        &mut a,
        "CREATE TABLE t (p integer); INSERT INTO public.t VALUES (7)",
    );
    assert_eq!(one(&mut b, "SELECT p FROM public.t"), "7");
    assert_eq!(one(&mut b, "SELECT y FROM t"), "b");
    assert_eq!(one(&mut a, "SELECT x FROM t"), "1");
    // Once b's temp table is dropped, b's unqualified name finds the permanent one.
    run(&mut b, "DROP TABLE t");
    assert_eq!(one(&mut b, "SELECT p FROM t"), "7");
    drop((a, b, db));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn temp_table_shadows_permanent_one_and_qualification_picks() {
    let dir = temp_dir("shadow");
    let db = Database::open(&dir).expect("open");
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TABLE t (v text); INSERT INTO t VALUES ('perm')",
    );
    run(
        &mut s,
        "CREATE TEMP TABLE t (v text); INSERT INTO t VALUES ('temp')",
    );
    assert_eq!(one(&mut s, "SELECT v FROM t"), "temp");
    assert_eq!(one(&mut s, "SELECT v FROM pg_temp.t"), "temp");
    assert_eq!(one(&mut s, "SELECT v FROM public.t"), "perm");
    assert_eq!(one(&mut s, "SELECT t.v FROM t"), "temp");
    run(&mut s, "INSERT INTO public.t VALUES ('perm2')");
    assert_eq!(one(&mut s, "SELECT count(*) FROM public.t"), "2");
    assert_eq!(one(&mut s, "SELECT count(*) FROM t"), "1");
    // pg_table_is_visible: the temp table hides the permanent one.
    assert_eq!(
        rows(
            &mut s,
            "SELECT relpersistence, pg_table_is_visible(oid) FROM pg_class \
             WHERE relname = 't' ORDER BY 1"
        ),
        vec![vec!["p", "f"], vec!["t", "t"]]
    );
    // DROP of the unqualified name drops the temp table; the permanent one shows again.
    run(&mut s, "DROP TABLE t");
    assert_eq!(one(&mut s, "SELECT count(*) FROM t"), "2");
    // Creating a temp table in public is refused.
    assert_eq!(
        sqlstate(&mut s, "CREATE TEMP TABLE public.u (x integer)"),
        "42P16"
    );
    assert_eq!(
        sqlstate(&mut s, "CREATE TABLE u (x integer) ON COMMIT DROP"),
        "42P16"
    );
    // pg_temp qualification creates a temp table even without TEMP.
    run(&mut s, "CREATE TABLE pg_temp.u (x integer)");
    assert_eq!(
        one(
            &mut s,
            "SELECT relpersistence FROM pg_class WHERE relname = 'u'"
        ),
        "t"
    );
    drop((s, db));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn temp_tables_go_with_their_session() {
    let dir = temp_dir("end");
    let db = Database::open(&dir).expect("open");
    let mut a = db.session();
    run(
        &mut a,
        "CREATE TEMP TABLE t (id serial PRIMARY KEY, v text); \
         CREATE INDEX t_v ON t (v); INSERT INTO t (v) VALUES ('x')",
    );
    assert_eq!(
        one(
            &mut a,
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"
        ),
        "4"
    );
    // An open transaction of the ending session rolls back first.
    run(&mut a, "BEGIN; INSERT INTO t (v) VALUES ('y')");
    drop(a);
    let mut b = db.session();
    assert_eq!(
        one(
            &mut b,
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"
        ),
        "0"
    );
    // The names are free again: even as permanent relations.
    run(
        &mut b,
        "CREATE TABLE t (id serial PRIMARY KEY); CREATE INDEX t_v ON t (id)",
    );
    drop((b, db));
    // And nothing of it comes back on reopen.
    let db = Database::open(&dir).expect("reopen");
    let mut c = db.session();
    assert_eq!(
        one(
            &mut c,
            "SELECT count(*) FROM pg_class WHERE relname IN ('t', 't_pkey', 't_id_seq', 't_v')"
        ),
        "4"
    );
    drop((c, db));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn transactions_rollback_and_on_commit_actions() {
    let dir = temp_dir("txn");
    let db = Database::open(&dir).expect("open");
    let mut s = db.session();
    // Created in a rolled-back transaction: gone.
    run(
        &mut s,
        "BEGIN; CREATE TEMP TABLE r (x integer); INSERT INTO r VALUES (1); ROLLBACK",
    );
    assert_eq!(sqlstate(&mut s, "SELECT * FROM r"), "42P01");
    // Rolled back to a savepoint: gone, the earlier one stays.
    run(
        &mut s,
        "BEGIN; CREATE TEMP TABLE a (x integer); SAVEPOINT p; CREATE TEMP TABLE b (x integer); \
         ROLLBACK TO p; COMMIT",
    );
    assert_eq!(one(&mut s, "SELECT count(*) FROM a"), "0");
    assert_eq!(sqlstate(&mut s, "SELECT * FROM b"), "42P01");
    // ON COMMIT DELETE ROWS empties at every commit, not at statement end inside a block.
    run(
        &mut s,
        "CREATE TEMP TABLE d (x integer) ON COMMIT DELETE ROWS; INSERT INTO d VALUES (1)",
    );
    assert_eq!(one(&mut s, "SELECT count(*) FROM d"), "0");
    run(&mut s, "BEGIN; INSERT INTO d VALUES (1), (2)");
    assert_eq!(one(&mut s, "SELECT count(*) FROM d"), "2");
    run(&mut s, "COMMIT");
    assert_eq!(one(&mut s, "SELECT count(*) FROM d"), "0");
    // ON COMMIT PRESERVE ROWS is the default.
    run(
        &mut s,
        "CREATE TEMP TABLE p (x integer) ON COMMIT PRESERVE ROWS; INSERT INTO p VALUES (1)",
    );
    assert_eq!(one(&mut s, "SELECT count(*) FROM p"), "1");
    // ON COMMIT DROP: gone at the end of the creating transaction, sequence included.
    run(
        &mut s,
        "BEGIN; CREATE TEMP TABLE g (id serial, x integer) ON COMMIT DROP; \
         INSERT INTO g (x) VALUES (5)",
    );
    assert_eq!(one(&mut s, "SELECT x FROM g"), "5");
    run(&mut s, "COMMIT");
    assert_eq!(sqlstate(&mut s, "SELECT * FROM g"), "42P01");
    assert_eq!(
        one(
            &mut s,
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'g%'"
        ),
        "0"
    );
    // CREATE TEMP TABLE AS, with an index.
    let r = s
        .execute("CREATE TEMP TABLE c AS SELECT x * 10 AS y FROM (VALUES (1), (2), (3)) v(x)")
        .expect("ctas");
    match &r[0] {
        engine::StatementResult::Command(tag) => assert_eq!(tag, "SELECT 3"),
        other => panic!("{other:?}"),
    }
    run(&mut s, "CREATE UNIQUE INDEX c_y ON c (y)");
    assert_eq!(sqlstate(&mut s, "INSERT INTO c VALUES (20)"), "23505");
    assert_eq!(one(&mut s, "SELECT sum(y) FROM c"), "60");
    drop((s, db));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Data files of user relations (16 and up) on the simulated disk.
fn user_files(db: &Database) -> Vec<u32> {
    let mut f = db.storage().data_files().expect("list");
    f.retain(|&f| f >= 16);
    f
}

#[test]
fn a_crash_leaves_no_temp_catalog_entry_and_no_file() {
    let fs = SimVfs::new(7);
    let db = open(&fs);
    let mut keep = db.session();
    run(
        &mut keep,
        "CREATE TABLE kept (id integer PRIMARY KEY); INSERT INTO kept VALUES (1)",
    );
    let before = user_files(&db);
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TEMP TABLE t (id serial PRIMARY KEY, v text); \
         INSERT INTO t (v) WITH RECURSIVE g(i) AS \
           (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 500) SELECT 'row' || i FROM g",
    );
    drop(keep);
    let temp_files: Vec<String> = rows(
        &mut s,
        "SELECT relfilenode FROM pg_class WHERE relname IN ('t', 't_pkey')",
    )
    .into_iter()
    .map(|r| r[0].clone())
    .collect();
    assert_eq!(temp_files.len(), 2, "heap and primary key index");
    // A second temp table, and a third whose creating transaction is open at the crash.
    let mut u = db.session();
    run(
        &mut u,
        "CREATE TEMP TABLE w (x integer); INSERT INTO w VALUES (1); \
         BEGIN; CREATE TEMP TABLE open_one (x integer)",
    );
    db.storage().flush_dirty_pages().expect("flush");
    let on_disk = user_files(&db);
    for f in &temp_files {
        let f: u32 = f.parse().expect("file number");
        assert!(
            on_disk.contains(&f),
            "temp file {f} not on disk: {on_disk:?}"
        );
    }
    std::mem::forget(s);
    std::mem::forget(u);
    std::mem::forget(db);
    let fs = fs.crash(CrashMode::PowerLoss);

    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(
        one(
            &mut s,
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"
        ),
        "0"
    );
    assert_eq!(sqlstate(&mut s, "SELECT * FROM t"), "42P01");
    assert_eq!(sqlstate(&mut s, "SELECT * FROM w"), "42P01");
    assert_eq!(one(&mut s, "SELECT count(*) FROM kept"), "1");
    // No file of a temp relation remains: only the permanent table's.
    assert_eq!(user_files(&db), before);
    // The names are free, and a new session can create them again.
    run(
        &mut s,
        "CREATE TEMP TABLE t (x integer); CREATE TABLE w (x integer)",
    );
    drop(s);
    drop(db);
    // Reopened once more (a clean restart this time): still nothing temporary.
    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(
        one(
            &mut s,
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"
        ),
        "0"
    );
    assert_eq!(one(&mut s, "SELECT count(*) FROM w"), "0");
}

#[test]
fn crash_during_cleanup_is_finished_by_the_next_open() {
    // Crash right after the reopen that cleans up (before its own checkpoint state is
    // the last word): the next open must still find nothing temporary.
    let fs = SimVfs::new(11);
    let db = open(&fs);
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TEMP TABLE t (id integer PRIMARY KEY); INSERT INTO t VALUES (1), (2)",
    );
    std::mem::forget(s);
    std::mem::forget(db);
    let fs = fs.crash(CrashMode::PowerLoss);
    let db = open(&fs);
    std::mem::forget(db);
    let fs = fs.crash(CrashMode::PowerLoss);
    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(
        one(
            &mut s,
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"
        ),
        "0"
    );
    assert!(user_files(&db).is_empty(), "{:?}", user_files(&db));
}
