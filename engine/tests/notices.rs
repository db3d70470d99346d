//! Notices through sessions: which statements raise a NOTICE or WARNING, with PostgreSQL
//! 15's SQLSTATEs and texts, and how `Session::take_notices` hands them out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use engine::{Database, Notice, Session, Severity};

fn open() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    (dir, db)
}

/// Runs `sql` (which must succeed) and returns its notices as (severity, code, message).
fn notices(s: &mut Session, sql: &str) -> Vec<(&'static str, &'static str, String)> {
    s.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    s.take_notices()
        .into_iter()
        .map(|n: Notice| (n.severity.as_str(), n.code, n.message))
        .collect()
}

fn one(
    sev: &'static str,
    code: &'static str,
    msg: &str,
) -> Vec<(&'static str, &'static str, String)> {
    vec![(sev, code, msg.to_owned())]
}

#[test]
fn drop_if_exists_notices_each_missing_name() {
    let (_d, db) = open();
    let mut s = db.session();
    s.execute("CREATE TABLE present (a int)").unwrap();
    assert_eq!(
        notices(&mut s, "DROP TABLE IF EXISTS nx, present, ny"),
        vec![
            (
                "NOTICE",
                "00000",
                "table \"nx\" does not exist, skipping".to_owned()
            ),
            (
                "NOTICE",
                "00000",
                "table \"ny\" does not exist, skipping".to_owned()
            ),
        ]
    );
    // The present table was dropped all the same.
    assert!(s.execute("SELECT * FROM present").is_err());
    for (sql, msg) in [
        (
            "DROP INDEX IF EXISTS nx",
            "index \"nx\" does not exist, skipping",
        ),
        (
            "DROP VIEW IF EXISTS nx",
            "view \"nx\" does not exist, skipping",
        ),
        (
            "DROP SEQUENCE IF EXISTS nx",
            "sequence \"nx\" does not exist, skipping",
        ),
        (
            "DROP ROLE IF EXISTS nx",
            "role \"nx\" does not exist, skipping",
        ),
        (
            "ALTER TABLE IF EXISTS nx ADD COLUMN b int",
            "relation \"nx\" does not exist, skipping",
        ),
    ] {
        assert_eq!(notices(&mut s, sql), one("NOTICE", "00000", msg), "{sql}");
    }
    // Without IF EXISTS it is an error, and no notice.
    assert_eq!(s.execute("DROP TABLE nx").unwrap_err().sqlstate(), "42P01");
    assert!(s.take_notices().is_empty());
}

#[test]
fn create_if_not_exists_and_column_notices() {
    let (_d, db) = open();
    let mut s = db.session();
    s.execute("CREATE TABLE t (a int); CREATE INDEX i ON t (a); CREATE SEQUENCE q")
        .unwrap();
    assert!(s.take_notices().is_empty());
    for (sql, name) in [
        ("CREATE TABLE IF NOT EXISTS t (b text)", "t"),
        ("CREATE INDEX IF NOT EXISTS i ON t (a)", "i"),
        ("CREATE SEQUENCE IF NOT EXISTS q", "q"),
        ("CREATE TABLE IF NOT EXISTS q (a int)", "q"),
    ] {
        let msg = format!("relation \"{name}\" already exists, skipping");
        assert_eq!(notices(&mut s, sql), one("NOTICE", "42P07", &msg), "{sql}");
    }
    assert_eq!(
        notices(&mut s, "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int"),
        one(
            "NOTICE",
            "42701",
            "column \"a\" of relation \"t\" already exists, skipping"
        )
    );
    assert_eq!(
        notices(&mut s, "ALTER TABLE t DROP COLUMN IF EXISTS zz"),
        one(
            "NOTICE",
            "00000",
            "column \"zz\" of relation \"t\" does not exist, skipping"
        )
    );
}

#[test]
fn transaction_control_warnings() {
    let (_d, db) = open();
    let mut s = db.session();
    let none = "there is no transaction in progress";
    for sql in ["COMMIT", "ROLLBACK", "END", "ABORT"] {
        assert_eq!(notices(&mut s, sql), one("WARNING", "25P01", none), "{sql}");
    }
    assert!(notices(&mut s, "BEGIN").is_empty());
    assert_eq!(
        notices(&mut s, "BEGIN"),
        one(
            "WARNING",
            "25001",
            "there is already a transaction in progress"
        )
    );
    assert_eq!(
        notices(&mut s, "START TRANSACTION"),
        one(
            "WARNING",
            "25001",
            "there is already a transaction in progress"
        )
    );
    // A COMMIT that ends a block does not warn, nor a ROLLBACK of a failed one.
    assert!(notices(&mut s, "COMMIT").is_empty());
    s.execute("BEGIN").unwrap();
    assert!(s.execute("SELECT 1/0").is_err());
    assert!(notices(&mut s, "ROLLBACK").is_empty());
    assert_eq!(
        notices(&mut s, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"),
        one(
            "WARNING",
            "25P01",
            "SET TRANSACTION can only be used in transaction blocks"
        )
    );
}

#[test]
fn take_notices_covers_the_latest_call_only() {
    let (_d, db) = open();
    let mut s = db.session();
    // Several statements of one call: in order.
    s.execute("COMMIT; DROP TABLE IF EXISTS a; BEGIN; BEGIN; COMMIT")
        .unwrap();
    let got: Vec<Severity> = s.take_notices().iter().map(|n| n.severity).collect();
    assert_eq!(
        got,
        [Severity::Warning, Severity::Notice, Severity::Warning]
    );
    // Taking empties the list.
    assert!(s.take_notices().is_empty());
    // The next call starts a new list.
    s.execute("DROP TABLE IF EXISTS a").unwrap();
    s.execute("SELECT 1").unwrap();
    assert!(s.take_notices().is_empty());
    // Notices raised before an error are kept.
    s.execute("CREATE VIEW v AS SELECT 1 AS x").unwrap();
    let err = s.execute("DROP TABLE IF EXISTS a, v").unwrap_err();
    assert_eq!(err.sqlstate(), "42809");
    let n = s.take_notices();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].message, "table \"a\" does not exist, skipping");
    // Prepared statements report theirs too.
    let p = s.prepare("DROP SEQUENCE IF EXISTS gone", &[]).unwrap();
    s.execute_prepared(&p, &[]).unwrap();
    assert_eq!(
        s.take_notices()[0].message,
        "sequence \"gone\" does not exist, skipping"
    );
    assert_eq!(s.execute_one("ROLLBACK", &[]).map(|_| ()).ok(), Some(()));
    assert_eq!(s.take_notices()[0].code, "25P01");
}
