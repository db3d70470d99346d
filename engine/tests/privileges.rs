//! Privileges through sessions: a GRANT in a rolled-back transaction leaves no trace, a
//! committed one survives reopening the database; prepared statements and cursors are
//! checked for the role running them; ownership and memberships persist.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use engine::{Database, EngineError, Session, Value};

fn code<T>(r: Result<T, EngineError>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => e.sqlstate().into(),
    }
}

fn relacl(s: &mut Session, table: &str) -> Option<String> {
    let rows = s
        .query(
            "SELECT relacl::text FROM pg_class WHERE relname = $1",
            &[Value::Text(table.into())],
        )
        .unwrap();
    rows.get::<Option<String>>(0, 0).unwrap()
}

#[test]
fn grants_are_transactional_and_durable() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        db.bootstrap_superuser("postgres").unwrap();
        let mut s = db.session();
        s.execute("CREATE ROLE alice LOGIN; CREATE ROLE staff; GRANT staff TO alice")
            .unwrap();
        s.execute("CREATE TABLE t (a int); INSERT INTO t VALUES (1)")
            .unwrap();
        s.execute("BEGIN; GRANT SELECT ON t TO alice; GRANT CREATE ON SCHEMA public TO alice")
            .unwrap();
        assert_eq!(
            relacl(&mut s, "t").as_deref(),
            Some("{postgres=arwdDxt/postgres,alice=r/postgres}")
        );
        s.execute("ROLLBACK").unwrap();
        assert_eq!(relacl(&mut s, "t"), None);
        s.execute("SET ROLE alice").unwrap();
        assert_eq!(code(s.execute("SELECT * FROM t")), "42501");
        assert_eq!(code(s.execute("CREATE TABLE mine (a int)")), "42501");
        s.execute("RESET ROLE").unwrap();
        s.execute("GRANT SELECT, INSERT ON t TO staff; GRANT CREATE ON SCHEMA public TO alice")
            .unwrap();
        s.execute("SET ROLE alice; CREATE TABLE mine (a int); RESET ROLE")
            .unwrap();
        // A savepoint undoes only the REVOKE after it.
        s.execute(
            "BEGIN; SAVEPOINT p; REVOKE INSERT ON t FROM staff; ROLLBACK TO SAVEPOINT p; COMMIT",
        )
        .unwrap();
    }
    // Reopened (the ACLs, owners and memberships were committed).
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    assert_eq!(
        relacl(&mut s, "t").as_deref(),
        Some("{postgres=arwdDxt/postgres,staff=ar/postgres}")
    );
    let owner = s
        .query(
            "SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner \
             WHERE c.relname = 'mine'",
            &[],
        )
        .unwrap();
    assert_eq!(owner.get::<String>(0, 0).unwrap(), "alice");
    let mut a = db.session();
    a.set_user("alice");
    assert_eq!(code(a.execute("INSERT INTO t VALUES (2)")), "ok");
    assert_eq!(code(a.execute("SELECT count(*) FROM t")), "ok");
    assert_eq!(code(a.execute("DELETE FROM t")), "42501");
    assert_eq!(code(a.execute("CREATE TABLE mine2 (a int)")), "ok");
    assert_eq!(code(a.execute("DROP TABLE t")), "42501");
    assert_eq!(code(a.execute("DROP TABLE mine, mine2")), "ok");
    // DROP ROLE is refused while the role holds privileges.
    let e = s.execute("DROP ROLE staff").unwrap_err();
    assert_eq!(e.sqlstate(), "2BP01");
    assert_eq!(e.detail(), Some("privileges for table t"));
}

#[test]
fn prepared_statements_and_cursors_are_checked_for_the_role_running_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    s.execute("CREATE ROLE bob; CREATE TABLE t (a int); INSERT INTO t VALUES (1)")
        .unwrap();
    // Prepared by the owner, run as bob: refused when it runs.
    let p = s.prepare("SELECT a FROM t", &[]).unwrap();
    s.execute("SET ROLE bob").unwrap();
    assert_eq!(code(s.execute_prepared(&p, &[])), "42501");
    // Prepared as bob (describing checks nothing), run after the grant: allowed.
    let q = s.prepare("SELECT a FROM t", &[]).unwrap();
    s.execute("RESET ROLE; GRANT SELECT ON t TO bob; SET ROLE bob")
        .unwrap();
    assert_eq!(code(s.execute_prepared(&q, &[])), "ok");
    s.execute("RESET ROLE; REVOKE SELECT ON t FROM bob; SET ROLE bob")
        .unwrap();
    assert_eq!(code(s.execute_prepared(&q, &[])), "42501");
    // A cursor is checked when declared.
    assert_eq!(
        code(s.execute("BEGIN; DECLARE c CURSOR FOR SELECT a FROM t")),
        "42501"
    );
    s.execute("ROLLBACK; RESET ROLE").unwrap();
    s.execute("BEGIN; DECLARE c CURSOR FOR SELECT a FROM t")
        .unwrap();
    s.execute("SET ROLE bob").unwrap();
    // Declared by the owner: fetching needs no new check (as in PostgreSQL).
    assert_eq!(code(s.execute("FETCH ALL FROM c")), "ok");
    s.execute("COMMIT").unwrap();
    // COPY both ways.
    assert_eq!(code(s.copy_out("COPY t TO STDOUT", Vec::new())), "42501");
    assert_eq!(code(s.copy_in("COPY t FROM STDIN", &b"5\n"[..])), "42501");
}
