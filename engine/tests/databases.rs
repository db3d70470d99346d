//! Several databases in one directory: CREATE / DROP / ALTER DATABASE, sessions connected
//! to a database see only its relations, schemas and types, and the database rows survive
//! a reopen and a crash (a crashed or rolled-back CREATE DATABASE leaves nothing).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use engine::{Database, Session};
use support::{open, rows};
use vfs::{CrashMode, SimVfs};

fn code(s: &mut Session, sql: &str) -> String {
    s.execute(sql).expect_err(sql).sqlstate().to_owned()
}

fn in_db(db: &Database, name: &str) -> Session {
    let mut s = db.session();
    s.connect_database(name).expect("connect");
    s
}

fn names(s: &mut Session) -> Vec<Vec<String>> {
    rows(s, "SELECT datname FROM pg_database ORDER BY oid")
}

#[test]
fn databases_keep_their_own_objects() {
    let fs = SimVfs::new(7);
    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(
        names(&mut s),
        vec![vec!["template1"], vec!["template0"], vec!["postgres"]]
    );
    s.execute("CREATE TABLE t (a int); INSERT INTO t VALUES (1); CREATE SCHEMA s; CREATE TYPE e AS ENUM ('x')")
        .unwrap();
    s.execute("CREATE DATABASE d1").unwrap();
    assert_eq!(code(&mut s, "CREATE DATABASE d1"), "42P04");
    assert_eq!(code(&mut s, "BEGIN; CREATE DATABASE d2"), "25001");
    s.execute("ROLLBACK").unwrap();

    let mut s1 = in_db(&db, "d1");
    assert_eq!(rows(&mut s1, "SELECT current_database()"), vec![vec!["d1"]]);
    assert_eq!(code(&mut s1, "SELECT * FROM t"), "42P01");
    // The same names are free in the new database.
    s1.execute("CREATE TABLE t (b text); INSERT INTO t VALUES ('one'); CREATE SCHEMA s; CREATE TYPE e AS ENUM ('y')")
        .unwrap();
    assert_eq!(rows(&mut s1, "SELECT b FROM t"), vec![vec!["one"]]);
    assert_eq!(rows(&mut s, "SELECT a FROM t"), vec![vec!["1"]]);
    assert_eq!(
        rows(&mut s1, "SELECT count(*) FROM pg_class WHERE relname = 't'"),
        vec![vec!["1"]]
    );
    assert_eq!(code(&mut s1, "SELECT * FROM postgres.public.t"), "0A000");
    assert_eq!(
        rows(&mut s1, "SELECT b FROM d1.public.t"),
        vec![vec!["one"]]
    );
    assert_eq!(code(&mut s1, "DROP DATABASE d1"), "55006");
    assert_eq!(code(&mut s, "DROP DATABASE d1"), "55006");
    assert_eq!(code(&mut s, "CREATE DATABASE d3 TEMPLATE d1"), "55006");
    drop(s1);
    // A template with objects is not copied (yet): refused, nothing created.
    assert_eq!(code(&mut s, "CREATE DATABASE d3 TEMPLATE d1"), "0A000");
    assert_eq!(code(&mut s, "DROP DATABASE template1"), "42809");
    assert_eq!(code(&mut s, "DROP DATABASE nope"), "3D000");
    s.execute("DROP DATABASE IF EXISTS nope").unwrap();
    s.execute("ALTER DATABASE d1 RENAME TO d2").unwrap();
    assert!(db.session().connect_database("d1").is_err());
    let mut s2 = in_db(&db, "d2");
    assert_eq!(rows(&mut s2, "SELECT b FROM t"), vec![vec!["one"]]);
    drop(s2);
    s.execute("DROP DATABASE d2").unwrap();
    assert_eq!(
        names(&mut s),
        vec![vec!["template1"], vec!["template0"], vec!["postgres"]]
    );
    assert_eq!(rows(&mut s, "SELECT a FROM t"), vec![vec!["1"]]);
    let e = db.session().connect_database("template0").unwrap_err();
    assert_eq!(e.sqlstate(), "55000");
    let e = db.session().connect_database("d2").unwrap_err();
    assert_eq!(e.sqlstate(), "3D000");
}

#[test]
fn force_terminates_the_other_sessions() {
    let fs = SimVfs::new(8);
    let db = open(&fs);
    let mut s = db.session();
    s.execute("CREATE DATABASE d").unwrap();
    let mut other = in_db(&db, "d");
    other.execute("CREATE TABLE x (a int)").unwrap();
    s.execute("DROP DATABASE d WITH (FORCE)").unwrap();
    assert_eq!(code(&mut other, "SELECT 1"), "57P01");
}

#[test]
fn databases_survive_reopen_and_crash() {
    let fs = SimVfs::new(9);
    {
        let db = open(&fs);
        let mut s = db.session();
        s.execute("CREATE DATABASE kept").unwrap();
        let mut k = in_db(&db, "kept");
        k.execute("CREATE TABLE t (a int); INSERT INTO t VALUES (42)")
            .unwrap();
        drop(k);
        s.execute("ALTER DATABASE kept RENAME TO kept2").unwrap();
        drop(s);
        db.checkpoint().unwrap();
        // Created, then the power goes: the creation committed and stays.
        let mut s = db.session();
        s.execute("CREATE DATABASE committed").unwrap();
        std::mem::forget(s);
        std::mem::forget(db);
    }
    let fs = fs.crash(CrashMode::PowerLoss);
    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(
        names(&mut s),
        vec![
            vec!["template1"],
            vec!["template0"],
            vec!["postgres"],
            vec!["kept2"],
            vec!["committed"]
        ]
    );
    let mut k = in_db(&db, "kept2");
    assert_eq!(rows(&mut k, "SELECT a FROM t"), vec![vec!["42"]]);
    assert_eq!(code(&mut s, "SELECT a FROM t"), "42P01");
    drop(k);
    // DROP DATABASE, then a crash: it stays dropped, and its table with it.
    s.execute("DROP DATABASE kept2").unwrap();
    std::mem::forget(s);
    std::mem::forget(db);
    let fs = fs.crash(CrashMode::PowerLoss);
    let db = open(&fs);
    let mut s = db.session();
    assert_eq!(
        names(&mut s),
        vec![
            vec!["template1"],
            vec!["template0"],
            vec!["postgres"],
            vec!["committed"]
        ]
    );
    assert_eq!(
        db.session()
            .connect_database("kept2")
            .unwrap_err()
            .sqlstate(),
        "3D000"
    );
}

#[test]
fn privileges_for_databases() {
    let fs = SimVfs::new(10);
    let db = open(&fs);
    let mut s = db.session();
    s.execute("CREATE ROLE alice LOGIN; CREATE ROLE maker LOGIN CREATEDB")
        .unwrap();
    let mut a = db.session();
    a.set_user("alice");
    assert_eq!(code(&mut a, "CREATE DATABASE nope"), "42501");
    let mut m = db.session();
    m.set_user("maker");
    m.execute("CREATE DATABASE mine").unwrap();
    assert_eq!(
        rows(
            &mut s,
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'mine'"
        ),
        vec![vec!["maker"]]
    );
    assert_eq!(code(&mut a, "DROP DATABASE mine"), "42501");
    m.execute("DROP DATABASE mine").unwrap();
    assert_eq!(code(&mut s, "CREATE DATABASE x ENCODING 'LATIN1'"), "0A000");
    assert_eq!(code(&mut s, "CREATE DATABASE x BOGUS 1"), "42601");
    assert_eq!(code(&mut s, "CREATE DATABASE x OWNER nobody"), "42704");
    s.execute("CREATE DATABASE x WITH OWNER alice TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' STRATEGY wal_log IS_TEMPLATE false")
        .unwrap();
    s.execute("ALTER DATABASE x OWNER TO maker").unwrap();
    assert_eq!(
        rows(
            &mut s,
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'x'"
        ),
        vec![vec!["maker"]]
    );
}
