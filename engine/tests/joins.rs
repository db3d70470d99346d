//! Join methods chosen by the planner: an index nested-loop join probes a large table's
//! primary key per row of a small filtered table (reading a handful of its pages), a hash
//! join is kept when the outer side is large, and dependent joins (LATERAL) and recursive
//! CTEs stream.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use engine::{Database, DatabaseOptions, Session};
use std::path::Path;
use std::sync::Arc;
use support::rows;
use vfs::SimVfs;

fn plan(s: &mut Session, sql: &str) -> String {
    rows(s, &format!("EXPLAIN {sql}"))
        .into_iter()
        .map(|r| r.join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A store with `big` (10,000 rows of ~230 bytes, ~300 heap pages) and `small` (30 rows, 10
/// of them flagged), on a buffer pool too small to hold `big`.
fn open_big_and_small() -> (Database, Session) {
    let fs = SimVfs::new(7);
    let mut opts = DatabaseOptions::default();
    opts.storage.checkpoint_interval = None;
    opts.storage.pool_frames = 16;
    let db = Database::open_with(Arc::new(fs), Path::new("/db"), opts).expect("open");
    let mut s = db.session();
    s.execute("CREATE TABLE big(id integer PRIMARY KEY, pad text)")
        .expect("create big");
    s.execute("CREATE TABLE small(id integer, ref integer, flag boolean)")
        .expect("create small");
    s.execute("BEGIN").expect("begin");
    for chunk in 0..40 {
        let values: Vec<String> = (0..250)
            .map(|i| format!("({}, '{}')", chunk * 250 + i, "x".repeat(200)))
            .collect();
        s.execute(&format!("INSERT INTO big VALUES {}", values.join(",")))
            .expect("insert big");
    }
    let values: Vec<String> = (0..30)
        .map(|i| format!("({i}, {}, {})", i * 331, i % 3 == 0))
        .collect();
    s.execute(&format!("INSERT INTO small VALUES {}", values.join(",")))
        .expect("insert small");
    s.execute("COMMIT").expect("commit");
    (db, s)
}

#[test]
fn small_filtered_outer_probes_the_large_tables_primary_key() {
    let (db, mut s) = open_big_and_small();
    let q = "SELECT count(*), sum(b.id), min(length(b.pad)) \
             FROM small s JOIN big b ON b.id = s.ref WHERE s.flag";
    let p = plan(&mut s, q);
    assert!(p.contains("Nested Loop (index probe per row)"), "{p}");
    assert!(p.contains("Index Scan using big_pkey on big"), "{p}");
    let (before, _) = db.storage().io_counts();
    // Flagged: i = 0, 3, ..., 27, refs i * 331, all below 10,000.
    let expected: i64 = (0..30).filter(|i| i % 3 == 0).map(|i| i * 331).sum();
    assert_eq!(
        rows(&mut s, q),
        vec![vec!["10".to_string(), expected.to_string(), "200".into()]]
    );
    let (after, _) = db.storage().io_counts();
    // Ten probes of a few pages each, against ~300 pages for a scan of big.
    assert!(after - before <= 60, "{} page reads", after - before);
}

#[test]
fn large_outer_side_keeps_the_hash_join() {
    let (_db, mut s) = open_big_and_small();
    let q = "SELECT count(*) FROM big a JOIN big b ON b.id = a.id + 1";
    let p = plan(&mut s, q);
    assert!(p.contains("Hash Join"), "{p}");
    assert!(!p.contains("index probe"), "{p}");
    assert_eq!(rows(&mut s, q), vec![vec!["9999".to_string()]]);
}

#[test]
fn join_starts_from_the_small_side_whatever_the_from_order() {
    let (db, mut s) = open_big_and_small();
    let q = "SELECT count(*), sum(b.id) FROM big b JOIN small s ON s.ref = b.id WHERE s.flag";
    let p = plan(&mut s, q);
    assert!(p.contains("Nested Loop (index probe per row)"), "{p}");
    let (before, _) = db.storage().io_counts();
    let expected: i64 = (0..30).filter(|i| i % 3 == 0).map(|i| i * 331).sum();
    assert_eq!(
        rows(&mut s, q),
        vec![vec!["10".to_string(), expected.to_string()]]
    );
    let (after, _) = db.storage().io_counts();
    assert!(after - before <= 60, "{} page reads", after - before);
    // A LEFT JOIN keeps its order, and probes too.
    let q = "SELECT count(*), count(b.id) FROM small s LEFT JOIN big b ON b.id = s.ref + 1";
    assert!(plan(&mut s, q).contains("Nested Loop Left Join (index probe per row)"));
    assert_eq!(rows(&mut s, q), vec![vec!["30".to_string(), "30".into()]]);
}

#[test]
fn index_join_keeps_left_rows_with_null_keys_out_and_rechecks_filters() {
    let (_db, mut s) = open_big_and_small();
    s.execute("INSERT INTO small VALUES (100, NULL, true), (101, 5, true)")
        .expect("insert");
    let q = "SELECT s.id, b.id FROM small s JOIN big b ON b.id = s.ref \
             WHERE s.flag AND b.id % 2 = 1 ORDER BY s.id";
    assert!(plan(&mut s, q).contains("index probe"));
    let mut expected: Vec<Vec<String>> = [3, 9, 15, 21, 27]
        .iter()
        .map(|i| vec![i.to_string(), (i * 331).to_string()])
        .collect();
    expected.push(vec!["101".into(), "5".into()]);
    assert_eq!(rows(&mut s, q), expected);
}

#[test]
fn recursive_cte_without_end_stops_at_limit_and_lateral_runs_per_row() {
    let (_db, mut s) = open_big_and_small();
    assert_eq!(
        rows(
            &mut s,
            "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) \
             SELECT n FROM t LIMIT 3"
        ),
        vec![vec!["1".to_string()], vec!["2".into()], vec!["3".into()]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT s.id, x.n FROM small s, LATERAL (SELECT count(*) AS n FROM big b \
             WHERE b.id < s.id) x WHERE s.id < 3 ORDER BY s.id"
        ),
        vec![
            vec!["0".to_string(), "0".into()],
            vec!["1".into(), "1".into()],
            vec!["2".into(), "2".into()],
        ]
    );
}
