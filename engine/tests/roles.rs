//! Roles through sessions: CREATE/ALTER/DROP ROLE and CREATE USER, their SQLSTATEs and
//! privilege rules, transactional behaviour, persistence across a reopen; and statement
//! cancellation through a session's cancel handle.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use engine::password::{check_cleartext, Verifier};
use engine::{Database, EngineError, Session};
use std::time::{Duration, Instant};

fn code(r: Result<Vec<engine::StatementResult>, EngineError>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => e.sqlstate().into(),
    }
}

fn session_as(db: &Database, user: &str) -> Session {
    let mut s = db.session();
    s.set_user(user);
    s
}

#[test]
fn role_statements_and_sqlstates() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    assert!(db.bootstrap_superuser("postgres").unwrap());
    assert!(!db.bootstrap_superuser("postgres").unwrap());
    let mut s = session_as(&db, "postgres");
    s.execute("CREATE ROLE reader").unwrap();
    s.execute("CREATE USER alice WITH PASSWORD 'secret' CREATEDB")
        .unwrap();
    assert_eq!(code(s.execute("CREATE ROLE alice")), "42710");
    assert_eq!(code(s.execute("CREATE ROLE pg_mine")), "42939");
    assert_eq!(code(s.execute("DROP ROLE nosuch")), "42704");
    assert_eq!(code(s.execute("DROP ROLE IF EXISTS nosuch")), "ok");
    assert_eq!(code(s.execute("ALTER ROLE nosuch LOGIN")), "42704");
    assert_eq!(code(s.execute("DROP ROLE postgres")), "55006");

    let reader = db.role("reader").unwrap();
    assert!(!reader.login && !reader.superuser && reader.password.is_none());
    let alice = db.role("alice").unwrap();
    assert!(alice.login && alice.create_db && !alice.superuser);
    let stored = alice.password.clone().unwrap();
    assert!(matches!(Verifier::parse(&stored), Some(Verifier::Scram(_))));
    assert!(check_cleartext(&stored, "alice", "secret"));
    assert!(!stored.contains("secret"));

    // MD5 when asked for, and a given verifier is kept as is.
    s.execute("SET password_encryption = 'md5'").unwrap();
    s.execute("ALTER ROLE reader WITH LOGIN PASSWORD 'pw'")
        .unwrap();
    let reader = db.role("reader").unwrap();
    assert_eq!(
        reader.password.as_deref(),
        Some(engine::password::md5_verifier("pw", "reader").as_str())
    );
    // Renaming clears an MD5 password (it covers the name).
    s.execute("ALTER ROLE reader RENAME TO reader2").unwrap();
    assert!(db.role("reader").is_none());
    assert!(db.role("reader2").unwrap().password.is_none());
    s.execute("ALTER ROLE reader2 PASSWORD NULL").unwrap();

    // Privileges: alice may change only her own password.
    let mut a = session_as(&db, "alice");
    assert_eq!(code(a.execute("CREATE ROLE x")), "42501");
    assert_eq!(code(a.execute("ALTER ROLE reader2 LOGIN")), "42501");
    assert_eq!(code(a.execute("DROP ROLE reader2")), "42501");
    assert_eq!(code(a.execute("ALTER ROLE alice PASSWORD 'new'")), "ok");
    assert_eq!(code(a.execute("ALTER ROLE alice SUPERUSER")), "42501");
    assert_eq!(code(a.execute("DROP ROLE alice")), "42501");
    drop(a);
    s.execute("CREATE ROLE manager CREATEROLE LOGIN").unwrap();
    let mut m = session_as(&db, "manager");
    assert_eq!(code(m.execute("CREATE ROLE boss SUPERUSER")), "42501");
    assert_eq!(code(m.execute("CREATE ROLE helper")), "ok");
    assert_eq!(code(m.execute("ALTER ROLE postgres PASSWORD 'x'")), "42501");
    assert_eq!(code(m.execute("DROP ROLE manager")), "55006");
    assert_eq!(code(m.execute("ALTER ROLE manager RENAME TO m2")), "0A000");
    assert_eq!(code(m.execute("DROP ROLE helper")), "ok");
    drop(m);
    assert!(check_cleartext(
        &db.role("alice").unwrap().password.clone().unwrap(),
        "alice",
        "new"
    ));
    drop(s);
    let names: Vec<String> = db.roles().iter().map(|r| r.name.clone()).collect();
    assert_eq!(names, ["alice", "manager", "postgres", "reader2"]);
}

#[test]
fn role_changes_are_transactional_and_durable() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        db.bootstrap_superuser("postgres").unwrap();
        let mut s = db.session();
        s.execute("CREATE ROLE kept LOGIN PASSWORD 'k'").unwrap();
        // An embedded session runs as the bootstrap superuser, which it may not rename.
        assert_eq!(
            code(s.execute("ALTER ROLE postgres RENAME TO root")),
            "0A000"
        );
        s.execute("BEGIN; CREATE ROLE gone; ALTER ROLE kept RENAME TO root; DROP ROLE root")
            .unwrap();
        // Uncommitted: the session sees its changes, the database's committed roles do not.
        let own = s
            .query(
                "SELECT count(*) FROM pg_roles WHERE rolname IN ('gone', 'kept')",
                &[],
            )
            .unwrap();
        assert_eq!(own.rows[0][0], engine::Value::Int8(1));
        assert!(db.role("gone").is_none() && db.role("kept").is_some());
        s.execute("ROLLBACK").unwrap();
        assert!(db.role("gone").is_none());
        assert!(db.role("kept").is_some());
        assert!(db.role("postgres").is_some() && db.role("root").is_none());
        // A savepoint undoes only what followed it.
        s.execute("BEGIN; CREATE ROLE a1; SAVEPOINT s; CREATE ROLE a2; ALTER ROLE kept RENAME TO k2; ROLLBACK TO SAVEPOINT s; COMMIT")
            .unwrap();
        assert!(db.role("a1").is_some() && db.role("a2").is_none());
        assert!(db.role("kept").is_some() && db.role("k2").is_none());
        // A list of names is a syntax error in PostgreSQL's grammar, and creates nothing.
        assert_eq!(code(s.execute("CREATE ROLE b1, b2")), "42601");
        assert!(db.role("b1").is_none());
        assert_eq!(code(s.execute("CREATE ROLE kept")), "42710");
    }
    let db = Database::open(dir.path()).unwrap();
    let mut names: Vec<(String, u32)> =
        db.roles().iter().map(|r| (r.name.clone(), r.oid)).collect();
    names.sort();
    assert_eq!(names.len(), 3);
    assert_eq!(names[2], ("postgres".to_owned(), 10));
    assert!(check_cleartext(
        db.role("kept").unwrap().password.as_deref().unwrap(),
        "kept",
        "k"
    ));
    // New OIDs never reuse those in use.
    let mut s = db.session();
    s.execute("CREATE TABLE t (a int)").unwrap();
    s.execute("CREATE ROLE c1").unwrap();
    let oid = db.role("c1").unwrap().oid;
    assert!(oid >= 16384);
    assert!(db.roles().iter().filter(|r| r.oid == oid).count() == 1);
}

#[test]
fn a_cancel_handle_stops_the_running_statement() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    s.execute("CREATE TABLE t (a int)").unwrap();
    let values: Vec<String> = (0..2000).map(|i| format!("({i})")).collect();
    s.execute(&format!("INSERT INTO t VALUES {}", values.join(",")))
        .unwrap();
    let handle = s.cancel_handle();
    // A request while idle is not held against the next statement.
    handle.cancel();
    assert_eq!(code(s.execute("SELECT count(*) FROM t")), "ok");
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        handle.cancel();
    });
    let started = Instant::now();
    // 8·10⁹ joined rows: hours unless cancelled.
    let r = s.execute("SELECT count(*) FROM t a, t b, t c");
    canceller.join().unwrap();
    assert_eq!(code(r), "57014");
    assert!(started.elapsed() < Duration::from_secs(20));
    // The session goes on; inside a block a cancel fails the block.
    assert_eq!(code(s.execute("SELECT 1")), "ok");
}
