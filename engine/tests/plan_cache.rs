//! The plan cache never runs a stale plan: every change of what a query was bound against
//! (definitions by this or another session, indexes, search_path, role, time zone, the
//! session's temporary relations, its own uncommitted definitions) is seen by the next
//! execution, through the simple path and prepared statements alike; plans that hold a
//! moment (`'now'`, system relations) are never reused; and unchanged queries do run from
//! their cached plan.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use engine::{Database, DatabaseOptions, PlanCacheMode, Session, Value};

fn open(mode: PlanCacheMode) -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let opts = DatabaseOptions {
        plan_cache: mode,
        ..DatabaseOptions::default()
    };
    let db = Database::open_with_options(dir.path(), opts).unwrap();
    (dir, db)
}

/// Every row of `sql` as text, columns joined by `|`.
fn rows(s: &mut Session, sql: &str) -> Vec<String> {
    let set = s.query(sql, &[]).unwrap();
    set.rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.to_text().unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

fn columns(s: &mut Session, sql: &str) -> Vec<String> {
    let set = s.query(sql, &[]).unwrap();
    set.columns.into_iter().map(|c| c.name).collect()
}

/// Runs the scenarios in both modes: with results checked (`On`) and with every reuse
/// compared to a fresh binding (`Verify`).
fn both(scenario: fn(&Database)) {
    for mode in [PlanCacheMode::On, PlanCacheMode::Verify] {
        let (_dir, db) = open(mode);
        scenario(&db);
    }
}

#[test]
fn unchanged_queries_run_from_their_plan() {
    both(|db| {
        let mut s = db.session();
        s.execute(
            "CREATE TABLE t (a int PRIMARY KEY, b text); INSERT INTO t VALUES (1, 'x'), (2, 'y')",
        )
        .unwrap();
        let before = s.plan_cache_stats();
        for _ in 0..5 {
            assert_eq!(rows(&mut s, "SELECT b FROM t WHERE a = 2"), ["y"]);
        }
        // Bound twice (a plan is kept from its text's second binding on), then reused.
        let after = s.plan_cache_stats();
        assert_eq!(after.misses - before.misses, 2);
        assert_eq!(after.hits - before.hits, 3);
        // Parameters: one plan for every value of the same type.
        for (a, b) in [(1, "x"), (2, "y"), (3, ""), (2, "y")] {
            let set = s
                .query("SELECT b FROM t WHERE a = $1", &[Value::Int4(a)])
                .unwrap();
            let got: Vec<String> = set.rows.iter().map(|r| r[0].to_text().unwrap()).collect();
            let want: Vec<String> = if b.is_empty() { vec![] } else { vec![b.into()] };
            assert_eq!(got, want);
        }
        assert_eq!(s.plan_cache_stats().hits - after.hits, 2);
        // Prepared statements too, and rows written meanwhile are seen.
        let p = s.prepare("SELECT count(*) FROM t", &[]).unwrap();
        for n in 2..5 {
            let r = s.execute_prepared(&p, &[]).unwrap();
            let engine::StatementResult::Rows(set) = r else {
                panic!("rows")
            };
            assert_eq!(set.rows[0][0].to_text().unwrap(), n.to_string());
            s.execute(&format!("INSERT INTO t VALUES ({}, 'z')", n + 1))
                .unwrap();
        }
    });
}

#[test]
fn definitions_changed_by_this_or_another_session_are_seen() {
    both(|db| {
        let mut s = db.session();
        let mut other = db.session();
        s.execute("CREATE TABLE t (a int, b int); INSERT INTO t VALUES (1, 10), (2, 20)")
            .unwrap();
        assert_eq!(columns(&mut s, "SELECT * FROM t"), ["a", "b"]);
        s.execute("ALTER TABLE t ADD COLUMN c int DEFAULT 7")
            .unwrap();
        assert_eq!(columns(&mut s, "SELECT * FROM t"), ["a", "b", "c"]);
        assert_eq!(
            rows(&mut s, "SELECT * FROM t ORDER BY a"),
            ["1|10|7", "2|20|7"]
        );
        other.execute("ALTER TABLE t DROP COLUMN b").unwrap();
        assert_eq!(rows(&mut s, "SELECT * FROM t ORDER BY a"), ["1|7", "2|7"]);
        other.execute("DROP TABLE t").unwrap();
        assert_eq!(
            s.query("SELECT * FROM t ORDER BY a", &[])
                .unwrap_err()
                .sqlstate(),
            "42P01"
        );
        other
            .execute("CREATE TABLE t (z text); INSERT INTO t VALUES ('new')")
            .unwrap();
        assert_eq!(columns(&mut s, "SELECT * FROM t ORDER BY 1"), ["z"]);
        assert_eq!(rows(&mut s, "SELECT * FROM t ORDER BY 1"), ["new"]);
    });
}

#[test]
fn dropped_and_created_indexes_are_seen() {
    both(|db| {
        let mut s = db.session();
        let mut other = db.session();
        s.execute(
            "CREATE TABLE t (a int, b int); \
             INSERT INTO t SELECT g, g * 10 FROM generate_series(1, 2000) g; \
             CREATE INDEX t_a ON t (a)",
        )
        .unwrap();
        let q = "SELECT b FROM t WHERE a = 1500";
        assert_eq!(rows(&mut s, q), ["15000"]);
        // The index goes (and another is built on the same file numbers' successors).
        other.execute("DROP INDEX t_a").unwrap();
        other.execute("UPDATE t SET a = a + 1").unwrap();
        assert_eq!(rows(&mut s, q), ["14990"]);
        other.execute("CREATE INDEX t_a2 ON t (a)").unwrap();
        other.execute("UPDATE t SET a = a - 1").unwrap();
        assert_eq!(rows(&mut s, q), ["15000"]);
        other
            .execute("DROP INDEX t_a2; CREATE UNIQUE INDEX t_b ON t (b)")
            .unwrap();
        assert_eq!(rows(&mut s, "SELECT a FROM t WHERE b = 20"), ["2"]);
        other.execute("TRUNCATE t").unwrap();
        assert!(rows(&mut s, "SELECT a FROM t WHERE b = 20").is_empty());
        assert!(rows(&mut s, q).is_empty());
    });
}

#[test]
fn search_path_role_and_time_zone_are_inputs() {
    both(|db| {
        db.bootstrap_superuser("postgres").unwrap();
        let mut s = db.session();
        s.set_user("postgres");
        s.execute(
            "CREATE SCHEMA s1; CREATE SCHEMA s2; \
             CREATE TABLE s1.t (v text); CREATE TABLE s2.t (v text); \
             INSERT INTO s1.t VALUES ('one'); INSERT INTO s2.t VALUES ('two')",
        )
        .unwrap();
        s.execute("SET search_path = s1").unwrap();
        assert_eq!(rows(&mut s, "SELECT v FROM t"), ["one"]);
        s.execute("SET search_path = s2").unwrap();
        assert_eq!(rows(&mut s, "SELECT v FROM t"), ["two"]);
        // SET LOCAL ends with its transaction.
        s.execute("BEGIN; SET LOCAL search_path = s1").unwrap();
        assert_eq!(rows(&mut s, "SELECT v FROM t"), ["one"]);
        s.execute("COMMIT").unwrap();
        assert_eq!(rows(&mut s, "SELECT v FROM t"), ["two"]);

        // Privileges are the role's that runs it.
        s.execute("CREATE ROLE alice; GRANT USAGE ON SCHEMA s2 TO alice")
            .unwrap();
        assert_eq!(rows(&mut s, "SELECT v FROM s2.t"), ["two"]);
        s.execute("SET ROLE alice").unwrap();
        assert_eq!(
            s.query("SELECT v FROM s2.t", &[]).unwrap_err().sqlstate(),
            "42501"
        );
        s.execute("RESET ROLE; GRANT SELECT ON s2.t TO alice; SET ROLE alice")
            .unwrap();
        assert_eq!(rows(&mut s, "SELECT v FROM s2.t"), ["two"]);
        s.execute("RESET ROLE; REVOKE SELECT ON s2.t FROM alice; SET ROLE alice")
            .unwrap();
        assert_eq!(
            s.query("SELECT v FROM s2.t", &[]).unwrap_err().sqlstate(),
            "42501"
        );
        s.execute("RESET ROLE").unwrap();

        // Constants folded under the session's time zone.
        let q = "SELECT '2020-01-01 00:00:00+00'::timestamptz::text";
        s.execute("SET TimeZone = 'UTC'").unwrap();
        assert_eq!(rows(&mut s, q), ["2020-01-01 00:00:00+00"]);
        s.execute("SET TimeZone = 'Asia/Tokyo'").unwrap();
        assert_eq!(rows(&mut s, q), ["2020-01-01 09:00:00+09"]);
        // A rolled-back SET goes back to the value before it.
        s.execute("BEGIN; SET TimeZone = 'UTC'").unwrap();
        assert_eq!(rows(&mut s, q), ["2020-01-01 00:00:00+00"]);
        s.execute("ROLLBACK").unwrap();
        assert_eq!(rows(&mut s, q), ["2020-01-01 09:00:00+09"]);
    });
}

#[test]
fn temporary_relations_and_own_definitions_are_seen() {
    both(|db| {
        let mut s = db.session();
        s.execute("CREATE TABLE t (v text); INSERT INTO t VALUES ('permanent')")
            .unwrap();
        assert_eq!(rows(&mut s, "SELECT v FROM t"), ["permanent"]);
        s.execute("CREATE TEMP TABLE t (v text); INSERT INTO t VALUES ('temporary')")
            .unwrap();
        assert_eq!(rows(&mut s, "SELECT v FROM t"), ["temporary"]);
        s.execute("DROP TABLE t").unwrap();
        assert_eq!(rows(&mut s, "SELECT v FROM t"), ["permanent"]);

        // The transaction's own definitions, then their rollback.
        s.execute("BEGIN; ALTER TABLE t ADD COLUMN w int DEFAULT 1")
            .unwrap();
        assert_eq!(rows(&mut s, "SELECT * FROM t"), ["permanent|1"]);
        s.execute("ALTER TABLE t ADD COLUMN x int DEFAULT 2")
            .unwrap();
        assert_eq!(rows(&mut s, "SELECT * FROM t"), ["permanent|1|2"]);
        s.execute("ROLLBACK").unwrap();
        assert_eq!(rows(&mut s, "SELECT * FROM t"), ["permanent"]);
        // Another session's temporary table of the same name is not this session's.
        let mut other = db.session();
        other
            .execute("CREATE TEMP TABLE t (v text); INSERT INTO t VALUES ('theirs')")
            .unwrap();
        assert_eq!(rows(&mut s, "SELECT v FROM t"), ["permanent"]);
        assert_eq!(rows(&mut other, "SELECT v FROM t"), ["theirs"]);
    });
}

#[test]
fn plans_holding_a_moment_are_not_reused() {
    both(|db| {
        let mut s = db.session();
        // 'now' is read when the statement is bound: the transaction's start each time.
        for _ in 0..3 {
            assert_eq!(rows(&mut s, "SELECT 'now'::timestamptz = now()"), ["t"]);
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        // A system relation's rows are those of the moment it is read.
        let q = "SELECT count(*) FROM pg_class WHERE relname = 'late'";
        assert_eq!(rows(&mut s, q), ["0"]);
        let p = s.prepare("SELECT 1", &[]).unwrap();
        drop(p);
        s.execute("CREATE TABLE late (a int)").unwrap();
        assert_eq!(rows(&mut s, q), ["1"]);
        let q = "SELECT count(*) FROM pg_prepared_statements";
        assert_eq!(rows(&mut s, q), ["0"]);
        s.execute("PREPARE p1 AS SELECT 1").unwrap();
        assert_eq!(rows(&mut s, q), ["1"]);
        // Sessions come and go without any definition changing.
        let q = "SELECT count(*) FROM pg_stat_activity";
        let n: i64 = rows(&mut s, q)[0].parse().unwrap();
        let other = db.session();
        let m: i64 = rows(&mut s, q)[0].parse().unwrap();
        assert_eq!(m, n + 1);
        drop(other);
    });
}

#[test]
fn prepared_statements_follow_definitions() {
    both(|db| {
        let mut s = db.session();
        let mut other = db.session();
        s.execute("CREATE TABLE t (a int, b text); INSERT INTO t VALUES (1, 'x')")
            .unwrap();
        s.execute("PREPARE q(int) AS SELECT b FROM t WHERE a = $1")
            .unwrap();
        assert_eq!(rows(&mut s, "EXECUTE q(1)"), ["x"]);
        assert_eq!(rows(&mut s, "EXECUTE q(1)"), ["x"]);
        other
            .execute("CREATE INDEX t_a ON t (a); INSERT INTO t VALUES (2, 'y')")
            .unwrap();
        assert_eq!(rows(&mut s, "EXECUTE q(2)"), ["y"]);
        other.execute("DROP INDEX t_a").unwrap();
        assert_eq!(rows(&mut s, "EXECUTE q(2)"), ["y"]);
        other
            .execute("ALTER TABLE t ALTER COLUMN b TYPE int USING length(b)")
            .unwrap();
        assert_eq!(rows(&mut s, "EXECUTE q(2)"), ["1"]);
    });
}
