//! Errors point into the statement text as PostgreSQL's do: the 1-based character position
//! of the construct that raised them. The expected positions are PostgreSQL 15's (its
//! ErrorResponse `P` field for the same statements).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use engine::{Database, DatabaseOptions, Session};
use std::path::Path;
use std::sync::Arc;
use vfs::SimVfs;

fn session() -> Session {
    let mut opts = DatabaseOptions::default();
    opts.storage.checkpoint_interval = None;
    let db = Database::open_with(Arc::new(SimVfs::new(7)), Path::new("/db"), opts).expect("open");
    let mut s = db.session();
    s.execute("CREATE TABLE t (a int, b text)").expect("create");
    s
}

/// (statement, SQLSTATE, position) as PostgreSQL 15 reports them.
const CASES: &[(&str, &str, Option<u32>)] = &[
    ("select nosuch from t", "42703", Some(8)),
    ("select t.nosuch from t", "42703", Some(8)),
    ("select * from nosuch", "42P01", Some(15)),
    ("select a from t, nosuch2 x", "42P01", Some(18)),
    ("select x.a from t", "42P01", Some(8)),
    ("select foo(1)", "42883", Some(8)),
    ("select length(1, 2)", "42883", Some(8)),
    ("select 1 + true", "42883", Some(10)),
    ("select (a)::int + true from t", "42883", Some(17)),
    ("select - true", "42883", Some(8)),
    ("select a from t where 1", "42804", Some(23)),
    ("select 'abc'::int", "22P02", Some(8)),
    ("select a from t where a = 'x'", "22P02", Some(27)),
    ("select 1::date", "42846", Some(9)),
    ("select 1/0", "22012", None),
    ("select a from t group by b", "42803", Some(8)),
    ("insert into nosuch values (1)", "42P01", Some(13)),
    ("insert into t(nosuch) values (1)", "42703", Some(15)),
    ("update t set nosuch = 1", "42703", Some(14)),
    ("update nosuch set a = 1", "42P01", Some(8)),
    ("delete from nosuch", "42P01", Some(13)),
    ("select\n  a,\n  nosuch\nfrom t", "42703", Some(15)),
    ("select 'x' collate \"de_DE\"", "42704", Some(20)),
    ("select b from t where b ~ '('", "2201B", None),
    ("select (1,2) = (1,'x')", "22P02", Some(19)),
    ("select 'a' like 'b' escape 'xy'", "22025", None),
];

#[test]
fn positions_match_postgres() {
    let mut s = session();
    let mut wrong = Vec::new();
    for (sql, code, pos) in CASES {
        match s.execute(sql) {
            Ok(_) => wrong.push(format!("{sql:?}: no error")),
            Err(e) if e.sqlstate() != *code || e.position() != *pos => wrong.push(format!(
                "{sql:?}: got {} at {:?}, want {code} at {pos:?} ({e})",
                e.sqlstate(),
                e.position()
            )),
            Err(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn positions_are_relative_to_the_text_executed() {
    let mut s = session();
    let e = s.execute("select 1; select nosuch from t").unwrap_err();
    assert_eq!((e.sqlstate(), e.position()), ("42703", Some(18)));
    let e = s.query("select a\nfrom t where a + true", &[]).unwrap_err();
    assert_eq!((e.sqlstate(), e.position()), ("42883", Some(25)));
}

#[test]
fn stored_text_gives_no_position() {
    // A view's query is bound from its stored text, not the statement's.
    let mut s = session();
    s.execute("CREATE VIEW v AS SELECT a FROM t").expect("view");
    s.execute("ALTER TABLE t RENAME COLUMN a TO c").ok();
    if let Err(e) = s.execute("SELECT * FROM v") {
        assert_eq!(e.position(), None, "{e}");
    }
}
