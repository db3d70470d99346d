//! Row-level security through sessions: policies and the enabled / forced flags are
//! transactional and survive reopening the database; COPY reads through the policies and
//! COPY FROM is refused while they apply; prepared statements follow the role executing
//! them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use engine::{Database, EngineError, Session};

fn code<T>(r: Result<T, EngineError>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => e.sqlstate().into(),
    }
}

fn one(s: &mut Session, sql: &str) -> String {
    let rows = s.query(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.get::<String>(0, 0).unwrap()
}

fn setup(s: &mut Session) {
    s.execute(
        "CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN; \
         CREATE TABLE doc (id int PRIMARY KEY, author text, body text); \
         INSERT INTO doc VALUES (1, 'alice', 'a'), (2, 'bob', 'b'), (3, 'alice', 'c'); \
         GRANT SELECT, INSERT, UPDATE, DELETE ON doc TO PUBLIC",
    )
    .unwrap();
}

#[test]
fn policies_are_transactional_and_durable() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        db.bootstrap_superuser("postgres").unwrap();
        let mut s = db.session();
        setup(&mut s);
        // Rolled back: no policy, not enabled.
        s.execute(
            "BEGIN; ALTER TABLE doc ENABLE ROW LEVEL SECURITY; \
             CREATE POLICY p_all ON doc USING (true)",
        )
        .unwrap();
        assert_eq!(one(&mut s, "SELECT count(*)::text FROM pg_policy"), "1");
        s.execute("ROLLBACK").unwrap();
        assert_eq!(one(&mut s, "SELECT count(*)::text FROM pg_policy"), "0");
        assert_eq!(
            one(
                &mut s,
                "SELECT relrowsecurity::text FROM pg_class WHERE relname = 'doc'"
            ),
            "false"
        );
        // Committed.
        s.execute(
            "ALTER TABLE doc ENABLE ROW LEVEL SECURITY; \
             CREATE POLICY p_author ON doc USING (author = current_user); \
             CREATE POLICY p_gone ON doc FOR SELECT USING (true); \
             DROP POLICY p_gone ON doc",
        )
        .unwrap();
        // A rolled-back DROP POLICY leaves the policy.
        s.execute("BEGIN; DROP POLICY p_author ON doc; ROLLBACK")
            .unwrap();
        let mut a = db.session();
        a.set_user("alice");
        assert_eq!(one(&mut a, "SELECT count(*)::text FROM doc"), "2");
    }
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    assert_eq!(
        one(
            &mut s,
            "SELECT string_agg(polname, ',' ORDER BY polname) FROM pg_policy"
        ),
        "p_author"
    );
    assert_eq!(
        one(
            &mut s,
            "SELECT relrowsecurity::text FROM pg_class WHERE relname = 'doc'"
        ),
        "true"
    );
    let mut a = db.session();
    a.set_user("alice");
    assert_eq!(
        one(&mut a, "SELECT string_agg(body, ',' ORDER BY id) FROM doc"),
        "a,c"
    );
    assert_eq!(
        code(a.execute("INSERT INTO doc VALUES (4, 'bob', 'x')")),
        "42501"
    );
    let mut b = db.session();
    b.set_user("bob");
    assert_eq!(
        one(&mut b, "SELECT string_agg(body, ',' ORDER BY id) FROM doc"),
        "b"
    );
    // New policies get OIDs not used before the reopen.
    s.execute("CREATE POLICY p_two ON doc FOR SELECT USING (id = 2)")
        .unwrap();
    assert_eq!(
        one(&mut s, "SELECT count(DISTINCT oid)::text FROM pg_policy"),
        "2"
    );
    assert_eq!(
        one(&mut a, "SELECT string_agg(body, ',' ORDER BY id) FROM doc"),
        "a,b,c"
    );
    // Dropping the table drops its policies.
    s.execute("DROP TABLE doc").unwrap();
    assert_eq!(one(&mut s, "SELECT count(*)::text FROM pg_policy"), "0");
}

#[test]
fn copy_and_upsert_under_policies() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    db.bootstrap_superuser("postgres").unwrap();
    let mut s = db.session();
    setup(&mut s);
    s.execute(
        "ALTER TABLE doc ENABLE ROW LEVEL SECURITY; \
         CREATE POLICY p_author ON doc USING (author = current_user)",
    )
    .unwrap();
    let mut a = db.session();
    a.set_user("alice");
    let mut out = Vec::new();
    a.copy_out("COPY doc TO STDOUT", &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "1\talice\ta\n3\talice\tc\n"
    );
    let mut out = Vec::new();
    a.copy_out("COPY (SELECT id FROM doc) TO STDOUT", &mut out)
        .unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "1\n3\n");
    let e = a
        .copy_in("COPY doc FROM STDIN", &b"9\talice\tz\n"[..])
        .unwrap_err();
    assert_eq!(e.sqlstate(), "0A000");
    // The superuser is not subject to the policies: its COPY FROM works.
    assert_eq!(
        s.copy_in("COPY doc FROM STDIN", &b"9\tcarol\tz\n"[..])
            .unwrap(),
        1
    );
    // ON CONFLICT DO NOTHING checks new rows; DO UPDATE is refused while policies apply.
    assert_eq!(
        code(a.execute("INSERT INTO doc VALUES (10, 'bob', 'x') ON CONFLICT DO NOTHING")),
        "42501"
    );
    assert_eq!(
        code(a.execute("INSERT INTO doc VALUES (10, 'alice', 'x') ON CONFLICT DO NOTHING")),
        "ok"
    );
    assert_eq!(
        code(a.execute(
            "INSERT INTO doc VALUES (10, 'alice', 'y') ON CONFLICT (id) DO UPDATE SET body = 'y'"
        )),
        "0A000"
    );
    // A prepared statement applies the policies of the role executing it.
    s.execute("PREPARE q AS SELECT count(*)::text FROM doc")
        .unwrap();
    assert_eq!(one(&mut s, "EXECUTE q"), "5");
    s.execute("SET ROLE bob").unwrap();
    assert_eq!(one(&mut s, "EXECUTE q"), "1");
    s.execute("RESET ROLE").unwrap();
}
