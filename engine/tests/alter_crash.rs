//! Crash safety of ALTER TABLE's row rewrites on the simulated disk: an ALTER COLUMN TYPE
//! with ADD CONSTRAINT over a large table, in flight (uncommitted) at a power loss, leaves
//! the table wholly as it was; once committed, the table is wholly new after one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use engine::{Database, Session};
use support::{open, rows};
use vfs::{CrashMode, SimVfs};

const ROWS: i64 = 100_000;

/// Power loss with whatever the session has open.
fn crash(s: Session, db: Database, fs: &SimVfs) -> SimVfs {
    std::mem::forget(s);
    std::mem::forget(db);
    fs.crash(CrashMode::PowerLoss)
}

fn code_type(s: &mut Session) -> String {
    rows(
        s,
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
         WHERE attrelid = 't'::regclass AND attname = 'code'",
    )[0][0]
        .clone()
}

fn sqlstate(s: &mut Session, sql: &str) -> Result<(), &'static str> {
    s.execute(sql).map(|_| ()).map_err(|e| e.sqlstate())
}

#[test]
fn alter_column_type_is_wholly_old_or_wholly_new_after_a_crash() {
    let fs = SimVfs::new(44);
    let db = open(&fs);
    let mut s = db.session();
    s.execute(&format!(
        "CREATE TABLE t (id integer PRIMARY KEY, code text, qty integer);
         CREATE INDEX t_code ON t (code);
         INSERT INTO t SELECT g, (g * 7 % {ROWS})::text, g FROM generate_series(1, {ROWS}) g"
    ))
    .expect("load");
    // The rewrite is complete but not committed when the power goes.
    s.execute(
        "BEGIN;
         ALTER TABLE t ALTER COLUMN code TYPE integer USING code::integer,
                       ADD CONSTRAINT t_qty_pos CHECK (qty > 0)",
    )
    .expect("uncommitted alter");
    assert_eq!(code_type(&mut s), "integer");
    let fs = crash(s, db, &fs);

    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(code_type(&mut s), "text");
    assert_eq!(
        rows(&mut s, "SELECT count(*), count(DISTINCT code) FROM t"),
        vec![vec![ROWS.to_string(), ROWS.to_string()]]
    );
    assert_eq!(
        rows(&mut s, "SELECT id FROM t WHERE code = '70'"),
        vec![vec!["10"]]
    );
    // No constraint survived: a negative qty is accepted (and taken back).
    s.execute("BEGIN; INSERT INTO t VALUES (0, 'x', -1); ROLLBACK")
        .expect("no check constraint");
    db.storage()
        .check_integrity()
        .expect("integrity after the undone alter");

    s.execute(
        "ALTER TABLE t ALTER COLUMN code TYPE integer USING code::integer,
                       ADD CONSTRAINT t_qty_pos CHECK (qty > 0)",
    )
    .expect("committed alter");
    let fs = crash(s, db, &fs);

    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(code_type(&mut s), "integer");
    assert_eq!(
        rows(&mut s, "SELECT count(*), sum(code) FROM t"),
        vec![vec![ROWS.to_string(), (ROWS * (ROWS - 1) / 2).to_string()]]
    );
    assert_eq!(
        rows(&mut s, "SELECT id FROM t WHERE code = 70"),
        vec![vec!["10"]]
    );
    assert_eq!(
        sqlstate(&mut s, "INSERT INTO t VALUES (0, 1, -1)"),
        Err("23514")
    );
    assert_eq!(
        sqlstate(&mut s, "INSERT INTO t VALUES (1, 1, 1)"),
        Err("23505")
    );
    db.storage()
        .check_integrity()
        .expect("integrity after the committed alter");
}
