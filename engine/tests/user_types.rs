//! Enum types and domains through sessions: durable across a reopen (the type, its labels in
//! order, including ones added later, and the rows and index entries of columns of the type;
//! a domain over the enum with its CHECK, NOT NULL and DEFAULT), and transactional
//! (rolled-back CREATE / ALTER / DROP TYPE leave nothing behind, also after a reopen); uuid
//! columns stored and read back after a reopen.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use engine::Database;

fn texts(s: &mut engine::Session, sql: &str) -> Vec<String> {
    let rows = s.query(sql, &[]).unwrap();
    (0..rows.rows.len())
        .map(|i| rows.get::<String>(i, 0).unwrap())
        .collect()
}

#[test]
fn enum_types_and_uuids_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        let mut s = db.session();
        s.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
            .unwrap();
        s.execute("CREATE TABLE p (name text, m mood, u uuid)")
            .unwrap();
        s.execute("CREATE INDEX p_m ON p (m)").unwrap();
        s.execute(
            "INSERT INTO p VALUES ('a', 'happy', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), \
             ('b', 'sad', NULL), ('c', 'ok', '{00000000000000000000000000000001}')",
        )
        .unwrap();
        s.execute("ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'")
            .unwrap();
        s.execute("INSERT INTO p VALUES ('d', 'meh', NULL)")
            .unwrap();
        s.execute("ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'")
            .unwrap();
        // Rolled back: a new type, a new label, a dropped type.
        s.execute(
            "BEGIN; CREATE TYPE gone AS ENUM ('x'); ALTER TYPE mood ADD VALUE 'nope'; ROLLBACK",
        )
        .unwrap();
        s.execute("CREATE TYPE color AS ENUM ('red')").unwrap();
        s.execute("CREATE DOMAIN happyish AS mood NOT NULL DEFAULT 'ok' CHECK (VALUE >= 'ok')")
            .unwrap();
        s.execute("CREATE TABLE h (id int, m happyish)").unwrap();
        s.execute("INSERT INTO h (id) VALUES (1)").unwrap();
        s.execute("BEGIN; DROP TYPE color; ROLLBACK").unwrap();
    }
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    assert_eq!(
        texts(&mut s, "SELECT enum_range(NULL::mood)::text"),
        ["{blue,meh,ok,happy}"]
    );
    assert_eq!(
        texts(&mut s, "SELECT name FROM p ORDER BY m"),
        ["b", "d", "c", "a"]
    );
    assert_eq!(
        texts(&mut s, "SELECT name FROM p WHERE m > 'meh' ORDER BY m DESC"),
        ["a", "c"]
    );
    assert_eq!(
        texts(
            &mut s,
            "SELECT u::text FROM p WHERE u IS NOT NULL ORDER BY u"
        ),
        [
            "00000000-0000-0000-0000-000000000001",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
        ]
    );
    assert!(s.execute("SELECT 'x'::gone").is_err());
    assert_eq!(texts(&mut s, "SELECT 'red'::color::text"), ["red"]);
    // The domain: its default, its constraints, its base type after the reopen.
    s.execute("INSERT INTO h (id) VALUES (2)").unwrap();
    s.execute("INSERT INTO h VALUES (3, 'happy')").unwrap();
    let code = |r: Result<Vec<engine::StatementResult>, engine::EngineError>| {
        r.err().map(|e| e.sqlstate().to_string())
    };
    assert_eq!(
        code(s.execute("INSERT INTO h VALUES (4, 'meh')")).as_deref(),
        Some("23514")
    );
    assert_eq!(
        code(s.execute("INSERT INTO h VALUES (4, NULL)")).as_deref(),
        Some("23502")
    );
    assert_eq!(
        texts(&mut s, "SELECT m::text FROM h ORDER BY id"),
        ["ok", "ok", "happy"]
    );
    assert_eq!(code(s.execute("DROP TYPE mood")).as_deref(), Some("2BP01"));
    // Arrays of domains are refused (their elements' constraints would go unchecked).
    assert_eq!(
        code(s.execute("CREATE TABLE ha (a happyish[])")).as_deref(),
        Some("0A000")
    );
    assert_eq!(
        code(s.execute("SELECT '{ok}'::_happyish")).as_deref(),
        Some("0A000")
    );
    assert!(s.execute("SELECT 'nope'::mood").is_err());
    // OIDs handed out after the reopen are new ones.
    s.execute("CREATE TYPE later AS ENUM ('l')").unwrap();
    let oids = texts(
        &mut s,
        "SELECT count(DISTINCT oid)::text || '/' || count(*)::text FROM \
         (SELECT oid FROM pg_type WHERE oid >= 16384 UNION ALL SELECT oid FROM pg_enum) o",
    );
    let (distinct, all) = oids[0].split_once('/').unwrap();
    assert_eq!(distinct, all);
    assert_eq!(
        texts(&mut s, "SELECT m::text FROM p WHERE name = 'b'"),
        ["blue"]
    );
}
