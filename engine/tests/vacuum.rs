//! VACUUM and autovacuum through SQL: a row updated ten thousand times keeps its table and
//! index small; a REPEATABLE READ reader keeps seeing its snapshot while the versions it
//! needs pile up, and once it ends, vacuum makes their space reusable (which pruning on
//! full pages alone does not: the same run without autovacuum grows the file). VACUUM's
//! forms, options and errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use engine::{AutovacuumOptions, Database, DatabaseOptions, Session, Severity};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::rows;
use vfs::SimVfs;

fn open(fs: &SimVfs, autovacuum: bool) -> Database {
    let mut opts = DatabaseOptions::default();
    opts.storage.checkpoint_interval = None;
    opts.autovacuum = AutovacuumOptions {
        enabled: autovacuum,
        naptime: Duration::from_millis(20),
        ..AutovacuumOptions::default()
    };
    Database::open_with(Arc::new(fs.clone()), Path::new("/db"), opts).expect("open")
}

fn exec(s: &mut Session, sql: &str) {
    s.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn one(s: &mut Session, sql: &str) -> String {
    let r = rows(s, sql);
    assert_eq!(r.len(), 1, "{sql}: {r:?}");
    r[0][0].clone()
}

/// The data file of relation `name` (pg_class.relfilenode).
fn file_of(s: &mut Session, name: &str) -> u32 {
    let sql = format!("SELECT relfilenode FROM pg_class WHERE relname = '{name}'");
    one(s, &sql).parse().expect("file id")
}

fn pages(db: &Database, file: u32) -> u64 {
    db.storage().heap_bytes(file).expect("size") / 8192
}

/// Waits until the table in `file` has been vacuumed more than `since` times.
fn await_vacuum(db: &Database, file: u32, since: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while db.vacuums_of(file) <= since {
        assert!(Instant::now() < deadline, "no autovacuum of file {file}");
        assert_eq!(db.autovacuum_error(), None);
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// What one run of the scenario measured.
struct Run {
    /// Heap and index pages after 10,000 updates with no long reader.
    hot_pages: (u64, u64),
    /// Heap pages once the reader's versions piled up, and after inserting rows about as
    /// large as the space they took.
    before_inserts: u64,
    after_inserts: u64,
}

fn scenario(autovacuum: bool) -> Run {
    let fs = SimVfs::new(3);
    let db = open(&fs, autovacuum);
    let mut w = db.session();
    exec(
        &mut w,
        "CREATE TABLE hot (id int PRIMARY KEY, v int, pad text)",
    );
    exec(&mut w, "INSERT INTO hot VALUES (1, 0, repeat('x', 40))");
    let heap = file_of(&mut w, "hot");
    let index = file_of(&mut w, "hot_pkey");

    // One row updated 10,000 times, each update its own transaction.
    for _ in 0..10_000 {
        exec(&mut w, "UPDATE hot SET v = v + 1 WHERE id = 1");
    }
    let hot_pages = (pages(&db, heap), pages(&db, index));
    if autovacuum {
        assert!(db.vacuums_of(heap) > 0, "autovacuum never ran");
    }

    // A REPEATABLE READ reader started before the next 5,000 updates keeps its value.
    let mut r = db.session();
    exec(&mut r, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    assert_eq!(one(&mut r, "SELECT v FROM hot WHERE id = 1"), "10000");
    for i in 0..5_000 {
        exec(&mut w, "UPDATE hot SET v = v + 1 WHERE id = 1");
        if i % 1000 == 999 {
            assert_eq!(one(&mut r, "SELECT v FROM hot WHERE id = 1"), "10000");
            assert_eq!(one(&mut r, "SELECT sum(v) FROM hot"), "10000");
        }
    }
    assert_eq!(one(&mut w, "SELECT v FROM hot WHERE id = 1"), "15000");
    let vacuums = db.vacuums_of(heap);
    exec(&mut r, "COMMIT");
    if autovacuum {
        await_vacuum(&db, heap, vacuums);
    }

    // About as many bytes of new rows as the kept versions took, on other keys.
    let before_inserts = pages(&db, heap);
    let rows_to_insert = (before_inserts.saturating_sub(2)) * 8192 / 100;
    exec(
        &mut w,
        &format!(
            "INSERT INTO hot SELECT g, 0, repeat('y', 40) FROM generate_series(2, {}) g",
            rows_to_insert + 1
        ),
    );
    let after_inserts = pages(&db, heap);
    assert_eq!(one(&mut w, "SELECT v FROM hot WHERE id = 1"), "15000");
    assert_eq!(
        one(&mut w, "SELECT count(*) FROM hot"),
        (rows_to_insert + 1).to_string()
    );
    Run {
        hot_pages,
        before_inserts,
        after_inserts,
    }
}

#[test]
fn autovacuum_bounds_a_hot_row_and_reclaims_what_a_reader_held() {
    let on = scenario(true);
    assert!(
        on.hot_pages.0 <= 3 && on.hot_pages.1 <= 6,
        "heap and index pages after 10,000 updates: {:?}",
        on.hot_pages
    );
    assert!(
        on.before_inserts > 20,
        "the reader's versions were kept: {} pages",
        on.before_inserts
    );
    assert!(
        on.after_inserts <= on.before_inserts,
        "inserts reuse the space vacuum freed: {} -> {} pages",
        on.before_inserts,
        on.after_inserts
    );
    // Without autovacuum, pruning on full pages keeps the hot row bounded too, but the
    // pages the reader's versions filled are not offered to inserts: the file grows.
    let off = scenario(false);
    assert!(
        off.after_inserts > off.before_inserts,
        "without vacuum: {} -> {} pages",
        off.before_inserts,
        off.after_inserts
    );
}

#[test]
fn vacuum_statement_forms_options_and_errors() {
    let fs = SimVfs::new(4);
    let db = open(&fs, false);
    let mut s = db.session();
    exec(&mut s, "CREATE TABLE a (id int PRIMARY KEY, v int)");
    exec(&mut s, "CREATE TABLE b (id int)");
    exec(&mut s, "CREATE VIEW va AS SELECT * FROM a");
    exec(
        &mut s,
        "INSERT INTO a SELECT g, g FROM generate_series(1, 500) g",
    );
    exec(&mut s, "DELETE FROM a WHERE id > 100");
    let heap = file_of(&mut s, "a");

    s.execute("VACUUM (VERBOSE) a").expect("vacuum verbose");
    let notices = s.take_notices();
    let infos: Vec<_> = notices
        .iter()
        .filter(|n| n.severity == Severity::Info)
        .collect();
    assert_eq!(infos.len(), 2, "{notices:?}");
    assert!(
        infos[1].message.contains("tuples: 400 removed, 100 remain"),
        "{}",
        infos[1].message
    );
    assert!(
        infos[1].message.contains("index \"a_pkey\""),
        "{}",
        infos[1].message
    );
    assert_eq!(db.vacuums_of(heap), 1);

    for ok in [
        "VACUUM",
        "vacuum a, b",
        "VACUUM ANALYZE a (v)",
        "VACUUM (ANALYZE, VERBOSE false) a (id, v), b",
        "VACUUM (INDEX_CLEANUP auto, TRUNCATE false, PARALLEL 0, FULL false) a",
        "VACUUM (DISABLE_PAGE_SKIPPING, PROCESS_TOAST, SKIP_LOCKED) a",
        "VACUUM VERBOSE",
    ] {
        s.execute(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    s.execute("VACUUM va").expect("a view is skipped");
    assert!(s
        .take_notices()
        .iter()
        .any(|n| n.severity == Severity::Warning && n.message.contains("skipping \"va\"")));

    for (bad, state) in [
        ("VACUUM FULL a", "0A000"),
        ("VACUUM FREEZE a", "0A000"),
        ("VACUUM (INDEX_CLEANUP off) a", "0A000"),
        ("VACUUM (TRUNCATE) a", "0A000"),
        ("VACUUM (PARALLEL 2) a", "0A000"),
        ("VACUUM (PARALLEL 5000) a", "22023"),
        ("VACUUM a (v)", "0A000"),
        ("VACUUM ANALYZE a (nope)", "42703"),
        ("VACUUM nope", "42P01"),
        ("VACUUM a, nope", "42P01"),
        ("VACUUM (nonsense) a", "42601"),
        ("VACUUM (FULL maybe) a", "42601"),
    ] {
        let e = s.execute(bad).expect_err(bad);
        assert_eq!(e.sqlstate(), state, "{bad}: {e}");
    }
    let e = s.execute("VACUUM FULL a").expect_err("full");
    assert_eq!(e.to_string(), "VACUUM FULL is not supported");

    exec(&mut s, "BEGIN");
    assert_eq!(
        s.execute("VACUUM a").expect_err("in block").sqlstate(),
        "25001"
    );
    exec(&mut s, "ROLLBACK");
}

#[test]
fn vacuum_runs_beside_open_readers_and_writers() {
    let fs = SimVfs::new(5);
    let db = open(&fs, false);
    let mut s = db.session();
    exec(&mut s, "CREATE TABLE t (id int PRIMARY KEY, v int)");
    exec(
        &mut s,
        "INSERT INTO t SELECT g, 0 FROM generate_series(1, 100) g",
    );
    // A writer with uncommitted changes and a reader with an open snapshot.
    let mut writer = db.session();
    exec(&mut writer, "BEGIN");
    exec(&mut writer, "UPDATE t SET v = 1 WHERE id <= 50");
    let mut reader = db.session();
    exec(&mut reader, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    assert_eq!(one(&mut reader, "SELECT sum(v) FROM t"), "0");
    // VACUUM neither waits for them nor removes what they need.
    s.execute("VACUUM t").expect("vacuum beside them");
    exec(&mut writer, "COMMIT");
    s.execute("VACUUM t").expect("vacuum");
    assert_eq!(one(&mut reader, "SELECT sum(v) FROM t"), "0");
    assert_eq!(
        one(&mut reader, "SELECT count(*) FROM t WHERE id <= 50"),
        "50"
    );
    exec(&mut reader, "COMMIT");
    assert_eq!(one(&mut s, "SELECT sum(v) FROM t"), "50");
    // DDL waits for no vacuum and a vacuum after it sees the new definition.
    exec(&mut s, "CREATE INDEX t_v ON t (v)");
    s.execute("VACUUM (VERBOSE) t").expect("vacuum");
    assert!(s
        .take_notices()
        .iter()
        .any(|n| n.message.contains("index \"t_v\"")));
}
