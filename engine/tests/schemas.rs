//! User schemas through sessions: durable across a reopen (the schema with its owner, its
//! tables with their rows, indexes, serial sequences and views, a schema renamed and a
//! table moved between schemas), and transactional (a rolled-back CREATE SCHEMA, with a
//! table created in it, leaves nothing behind, also after a reopen; a rolled-back DROP
//! SCHEMA … CASCADE leaves everything).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use engine::Database;

fn texts(s: &mut engine::Session, sql: &str) -> Vec<String> {
    let rows = s.query(sql, &[]).unwrap();
    (0..rows.rows.len())
        .map(|i| rows.get::<String>(i, 0).unwrap())
        .collect()
}

#[test]
fn schemas_and_their_relations_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        let mut s = db.session();
        s.execute("CREATE ROLE keeper").unwrap();
        s.execute("CREATE SCHEMA app AUTHORIZATION keeper").unwrap();
        s.execute("CREATE TABLE app.items (id serial PRIMARY KEY, name text)")
            .unwrap();
        s.execute("CREATE TABLE items (id int, name text)").unwrap();
        s.execute("INSERT INTO app.items (name) VALUES ('a'), ('b')")
            .unwrap();
        s.execute("INSERT INTO items VALUES (100, 'public one')")
            .unwrap();
        s.execute("CREATE INDEX items_name ON app.items (name)")
            .unwrap();
        s.execute("CREATE VIEW app.named AS SELECT name FROM app.items WHERE id > 1")
            .unwrap();
        s.execute("CREATE SCHEMA old_name").unwrap();
        s.execute("CREATE TABLE old_name.k (a int)").unwrap();
        s.execute("INSERT INTO old_name.k VALUES (7)").unwrap();
        s.execute("ALTER SCHEMA old_name RENAME TO new_name")
            .unwrap();
        s.execute("CREATE TABLE moved (id serial, a int)").unwrap();
        s.execute("INSERT INTO moved (a) VALUES (1)").unwrap();
        s.execute("ALTER TABLE moved SET SCHEMA new_name").unwrap();
        // Rolled back: a schema with a table in it, and a DROP SCHEMA … CASCADE.
        s.execute("BEGIN; CREATE SCHEMA gone; CREATE TABLE gone.t (a int); ROLLBACK")
            .unwrap();
        s.execute("BEGIN; DROP SCHEMA app CASCADE; ROLLBACK")
            .unwrap();
        assert!(s.execute("SELECT * FROM gone.t").is_err());
    }
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    assert_eq!(
        texts(
            &mut s,
            "SELECT nspname || ':' || pg_get_userbyid(nspowner) FROM pg_namespace \
             WHERE nspname IN ('app', 'gone', 'old_name', 'new_name') ORDER BY 1"
        ),
        ["app:keeper", "new_name:postgres"]
    );
    assert_eq!(
        texts(&mut s, "SELECT name FROM app.items ORDER BY id"),
        ["a", "b"]
    );
    assert_eq!(texts(&mut s, "SELECT name FROM items"), ["public one"]);
    assert_eq!(texts(&mut s, "SELECT name FROM app.named"), ["b"]);
    // The serial sequence in the schema goes on past the values it gave (a reopen may skip
    // the values logged ahead, as PostgreSQL's sequences may).
    s.execute("INSERT INTO app.items (name) VALUES ('c')")
        .unwrap();
    assert_eq!(
        texts(
            &mut s,
            "SELECT (id > 2)::text FROM app.items WHERE name = 'c'"
        ),
        ["true"]
    );
    assert_eq!(
        texts(&mut s, "SELECT name FROM app.items WHERE name = 'b'"),
        ["b"]
    );
    assert_eq!(
        texts(
            &mut s,
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'app' ORDER BY 1"
        ),
        ["items", "items_id_seq", "items_name", "items_pkey", "named"]
    );
    assert_eq!(texts(&mut s, "SELECT a::text FROM new_name.k"), ["7"]);
    s.execute("INSERT INTO new_name.moved (a) VALUES (2)")
        .unwrap();
    assert_eq!(
        texts(
            &mut s,
            "SELECT (id > 1)::text FROM new_name.moved ORDER BY id"
        ),
        ["false", "true"]
    );
    assert!(s.execute("SELECT * FROM gone.t").is_err());
    assert!(s.execute("SELECT * FROM moved").is_err());
    // A search path naming the schema finds its tables, and creates in it.
    s.execute("SET search_path = app, public").unwrap();
    assert_eq!(
        texts(&mut s, "SELECT name FROM items ORDER BY id"),
        ["a", "b", "c"]
    );
    s.execute("CREATE TABLE made_here (a int)").unwrap();
    assert_eq!(
        texts(
            &mut s,
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relname = 'made_here'"
        ),
        ["app"]
    );
    s.execute("RESET search_path").unwrap();
    s.execute("DROP SCHEMA app, new_name CASCADE").unwrap();
    drop(s);
    drop(db);
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    assert_eq!(
        texts(
            &mut s,
            "SELECT nspname FROM pg_namespace WHERE nspname IN ('app', 'new_name')"
        ),
        Vec::<String>::new()
    );
    assert_eq!(texts(&mut s, "SELECT name FROM items"), ["public one"]);
}
