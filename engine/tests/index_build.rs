//! Indexes built over existing rows (CREATE [UNIQUE] INDEX, ALTER TABLE … ADD PRIMARY KEY /
//! UNIQUE), which the storage layer builds bottom-up: lookups through the built index, the
//! errors PostgreSQL 15 gives (23505 `could not create unique index` with its DETAIL, 23502
//! for a NULL in a primary key), rollback, later changes, and crash points through the build
//! and its commit on the simulated disk.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use engine::Session;
use support::{open, rows};
use vfs::{CrashMode, FaultPlan, SimVfs};

/// (SQLSTATE, message, detail) of a failing statement.
fn error(s: &mut Session, sql: &str) -> (String, String, Option<String>) {
    match s.execute(sql) {
        Ok(_) => panic!("{sql} succeeded"),
        Err(e) => (
            e.sqlstate().to_string(),
            e.to_string(),
            e.detail().map(str::to_owned),
        ),
    }
}

fn load(s: &mut Session, n: i64) {
    s.execute("CREATE TABLE t (a integer, b integer, c text)")
        .expect("create");
    for chunk in (1..=n).collect::<Vec<_>>().chunks(1000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|g| format!("({g}, {}, 'v{}')", g % 97, g % 13))
            .collect();
        s.execute(&format!("INSERT INTO t VALUES {}", values.join(", ")))
            .expect("insert");
    }
}

#[test]
fn built_indexes_answer_lookups_and_take_later_changes() {
    let fs = SimVfs::new(1);
    let db = open(&fs);
    let mut s = db.session();
    load(&mut s, 20_000);
    s.execute("CREATE INDEX t_b ON t (b)").expect("index b");
    s.execute("CREATE UNIQUE INDEX t_bc ON t (c, a)")
        .expect("index c, a");
    s.execute("ALTER TABLE t ADD PRIMARY KEY (a)").expect("pk");
    assert_eq!(
        rows(&mut s, "SELECT count(*), min(a), max(a) FROM t WHERE b = 5"),
        vec![vec!["207", "5", "19987"]]
    );
    assert_eq!(
        rows(&mut s, "SELECT b, c FROM t WHERE a = 12345"),
        vec![vec![(12345 % 97).to_string(), format!("v{}", 12345 % 13)]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT a FROM t WHERE c = 'v3' AND a < 60 ORDER BY a"
        ),
        vec![vec!["3"], vec!["16"], vec!["29"], vec!["42"], vec!["55"]]
    );
    // The primary key now rejects a duplicate, and takes new and changed rows.
    let (code, msg, _) = error(&mut s, "INSERT INTO t VALUES (7, 0, 'x')");
    assert_eq!(code, "23505");
    assert_eq!(
        msg,
        "duplicate key value violates unique constraint \"t_pkey\""
    );
    let more: Vec<String> = (20_001..=23_000)
        .map(|g| format!("({g}, 5, 'new')"))
        .collect();
    s.execute(&format!("INSERT INTO t VALUES {}", more.join(", ")))
        .expect("insert more");
    s.execute("DELETE FROM t WHERE a % 2 = 0").expect("delete");
    s.execute("UPDATE t SET a = a + 100000 WHERE a < 1000")
        .expect("update");
    assert_eq!(
        rows(&mut s, "SELECT count(*) FROM t WHERE b = 5"),
        vec![vec!["1604"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT count(*) FROM t WHERE a = 100001 OR a = 1 OR a = 2"
        ),
        vec![vec!["1"]]
    );
    let r = s
        .query("SELECT a FROM t WHERE a = 100001", &[])
        .expect("lookup");
    assert_eq!(r.rows.len(), 1);
}

#[test]
fn duplicate_keys_give_postgres_error_and_detail() {
    let fs = SimVfs::new(2);
    let db = open(&fs);
    let mut s = db.session();
    s.execute("CREATE TABLE dd (a integer, b text)")
        .expect("create");
    s.execute("INSERT INTO dd VALUES (5, 'x'), (5, 'x'), (1, NULL), (2, NULL), (7, 'y')")
        .expect("insert");
    // As PostgreSQL 15 reports them (checked with psql, VERBOSITY verbose).
    let cases = [
        (
            "CREATE UNIQUE INDEX dd_a ON dd (a)",
            "could not create unique index \"dd_a\"",
            "Key (a)=(5) is duplicated.",
        ),
        (
            "CREATE UNIQUE INDEX dd_ab ON dd (a, b)",
            "could not create unique index \"dd_ab\"",
            "Key (a, b)=(5, x) is duplicated.",
        ),
        (
            "ALTER TABLE dd ADD PRIMARY KEY (a)",
            "could not create unique index \"dd_pkey\"",
            "Key (a)=(5) is duplicated.",
        ),
        (
            "ALTER TABLE dd ADD UNIQUE (a, b)",
            "could not create unique index \"dd_a_b_key\"",
            "Key (a, b)=(5, x) is duplicated.",
        ),
        (
            "CREATE UNIQUE INDEX dd_b ON dd (b)",
            "could not create unique index \"dd_b\"",
            "Key (b)=(x) is duplicated.",
        ),
    ];
    for (sql, msg, detail) in cases {
        let (code, m, d) = error(&mut s, sql);
        assert_eq!(code, "23505", "{sql}");
        assert_eq!(m, msg, "{sql}");
        assert_eq!(d.as_deref(), Some(detail), "{sql}");
    }
    // NULLs never collide; a NULL in a primary key column is 23502.
    s.execute("DELETE FROM dd WHERE a = 5").expect("delete");
    s.execute("CREATE UNIQUE INDEX dd_ab ON dd (a, b)")
        .expect("nulls are distinct");
    s.execute("CREATE TABLE n (a integer, b integer)")
        .expect("create");
    s.execute("INSERT INTO n VALUES (1, 1), (2, NULL), (2, 3)")
        .expect("insert");
    let (code, msg, _) = error(&mut s, "ALTER TABLE n ADD PRIMARY KEY (a, b)");
    assert_eq!(code, "23502");
    assert_eq!(msg, "column \"b\" of relation \"n\" contains null values");
    // A failed build leaves no index behind: the name is free and the rows insertable.
    s.execute("INSERT INTO dd VALUES (7, 'z')")
        .expect("no unique index on a");
    s.execute("CREATE INDEX dd_a ON dd (a)").expect("name free");
}

#[test]
fn rolled_back_build_leaves_nothing() {
    let fs = SimVfs::new(3);
    let db = open(&fs);
    let mut s = db.session();
    load(&mut s, 3_000);
    s.execute("BEGIN").expect("begin");
    s.execute("CREATE UNIQUE INDEX t_a ON t (a)")
        .expect("index");
    s.execute("ALTER TABLE t ADD PRIMARY KEY (a)").expect("pk");
    s.execute("ROLLBACK").expect("rollback");
    s.execute("INSERT INTO t VALUES (1, 1, 'dup')")
        .expect("no unique index after rollback");
    let (code, _, _) = error(&mut s, "CREATE UNIQUE INDEX t_a ON t (a)");
    assert_eq!(code, "23505");
    s.execute("CREATE INDEX t_a ON t (a)").expect("name free");
    assert_eq!(
        rows(&mut s, "SELECT count(*) FROM t WHERE a = 1"),
        vec![vec!["2"]]
    );
}

/// Crash points spread over CREATE INDEX / ADD PRIMARY KEY on a loaded table and their
/// commit: after recovery the index is either absent (and can be created) or complete.
#[test]
fn crash_during_index_build_leaves_no_index_or_a_complete_one() {
    let n = 4_000;
    let setup = |seed: u64| -> SimVfs {
        let fs = SimVfs::new(seed);
        let db = open(&fs);
        let mut s = db.session();
        load(&mut s, n);
        drop(s);
        drop(db);
        fs
    };
    let build = "BEGIN; CREATE INDEX t_b ON t (b); ALTER TABLE t ADD PRIMARY KEY (a); COMMIT";
    let total = {
        let fs = setup(7);
        let db = open(&fs);
        let start = fs.op_count();
        db.session().execute(build).expect("build");
        fs.op_count() - start
    };
    let trials = 24;
    let (mut with, mut without) = (0, 0);
    for t in 0..trials {
        let fs = setup(100 + t);
        let db = open(&fs);
        fs.set_plan(FaultPlan {
            // The last points fall past the commit: the crash then comes after it.
            crash_at_op: Some(fs.op_count() + t * (total + total / 8) / trials),
            ..FaultPlan::default()
        });
        let acked = db.session().execute(build).is_ok();
        std::mem::forget(db);
        let mode = if t % 2 == 0 {
            CrashMode::PowerLoss
        } else {
            CrashMode::ProcessKill
        };
        let fs = fs.crash(mode);
        let db = open(&fs);
        let mut s = db.session();
        let has_pk = rows(
            &mut s,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 't_pkey'",
        ) == vec![vec!["1"]];
        let has_b = rows(
            &mut s,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 't_b'",
        ) == vec![vec!["1"]];
        assert!(has_pk || !acked, "trial {t}: acknowledged index lost");
        assert_eq!(has_pk, has_b, "trial {t}: half of one transaction survived");
        if has_pk {
            with += 1;
            let (code, _, _) = error(&mut s, "INSERT INTO t VALUES (17, 0, 'x')");
            assert_eq!(code, "23505", "trial {t}");
        } else {
            without += 1;
            s.execute(build).expect("build again after the crash");
        }
        for a in [1, 17, n / 2, n] {
            assert_eq!(
                rows(&mut s, &format!("SELECT b FROM t WHERE a = {a}")),
                vec![vec![(a % 97).to_string()]],
                "trial {t}"
            );
        }
        assert_eq!(
            rows(&mut s, "SELECT count(*) FROM t WHERE b = 5"),
            vec![vec![(n / 97 + 1).to_string()]],
            "trial {t}"
        );
    }
    assert!(with > 0 && without > 0, "{with} / {without}");
}
