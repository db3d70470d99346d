//! Window functions through the embedding API: the plan (one WindowAgg per window, sorts
//! shared between windows whose keys extend one another), frame offsets given as
//! parameters, and a window over a larger partition checked against a direct computation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use engine::{Session, Value};
use support::{open, rows};
use vfs::SimVfs;

fn plan(s: &mut Session, sql: &str) -> Vec<String> {
    rows(s, &format!("EXPLAIN {sql}"))
        .into_iter()
        .map(|r| r.join(" ").trim().to_string())
        .collect()
}

fn setup() -> (engine::Database, Session) {
    let db = open(&SimVfs::new(11));
    let mut s = db.session();
    s.execute("CREATE TABLE t (id integer PRIMARY KEY, g integer, v integer)")
        .expect("create");
    let values: Vec<String> = (0..2000)
        .map(|i| format!("({i}, {}, {})", i % 7, (i * 37) % 101))
        .collect();
    s.execute(&format!("INSERT INTO t VALUES {}", values.join(",")))
        .expect("insert");
    (db, s)
}

#[test]
fn windows_with_extending_keys_share_one_sort() {
    let (_db, mut s) = setup();
    let p = plan(
        &mut s,
        "SELECT sum(v) OVER (PARTITION BY g), row_number() OVER (PARTITION BY g ORDER BY id) FROM t",
    );
    assert_eq!(
        p.iter().filter(|l| l.contains("WindowAgg")).count(),
        2,
        "{p:?}"
    );
    assert_eq!(p.iter().filter(|l| l.contains("Sort")).count(), 1, "{p:?}");
    // Unrelated keys need a sort each.
    let p = plan(
        &mut s,
        "SELECT rank() OVER (ORDER BY v), rank() OVER (ORDER BY id DESC) FROM t",
    );
    assert_eq!(p.iter().filter(|l| l.contains("Sort")).count(), 2, "{p:?}");
    // OVER () needs no sort at all.
    let p = plan(&mut s, "SELECT count(*) OVER () FROM t");
    assert!(!p.iter().any(|l| l.contains("Sort")), "{p:?}");
}

#[test]
fn frame_offsets_may_be_parameters() {
    let (_db, mut s) = setup();
    let r = s
        .query(
            "SELECT id, sum(id) OVER (ORDER BY id ROWS BETWEEN $1 PRECEDING AND $2 FOLLOWING) FROM t WHERE id < 5 ORDER BY id",
            &[Value::Int8(1), Value::Int8(2)],
        )
        .expect("query");
    let sums: Vec<String> = r
        .rows
        .iter()
        .map(|row| row[1].to_text().unwrap_or_default())
        .collect();
    // Frames [0,2], [0,3], [1,4], [2,4], [3,4] of ids 0..4.
    assert_eq!(sums, vec!["3", "6", "10", "9", "7"]);
    let err = s
        .query(
            "SELECT sum(id) OVER (ORDER BY id ROWS $1 PRECEDING) FROM t",
            &[Value::Int8(-1)],
        )
        .expect_err("negative offset");
    assert_eq!(err.sqlstate(), "22013");
}

#[test]
fn moving_sums_over_large_partitions_match_a_direct_computation() {
    let (_db, mut s) = setup();
    let got = rows(
        &mut s,
        "SELECT g, id, sum(v) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING EXCLUDE CURRENT ROW), \
         count(*) OVER (PARTITION BY g ORDER BY v RANGE BETWEEN 10 PRECEDING AND 10 FOLLOWING) FROM t ORDER BY g, id",
    );
    assert_eq!(got.len(), 2000);
    let v = |i: i64| (i * 37) % 101;
    for row in &got {
        let (g, id): (i64, i64) = (row[0].parse().expect("g"), row[1].parse().expect("id"));
        let members: Vec<i64> = (0..2000).filter(|i| i % 7 == g).collect();
        let pos = members.iter().position(|&m| m == id).expect("member");
        let lo = pos.saturating_sub(3);
        let hi = (pos + 2).min(members.len() - 1);
        let sum: i64 = (lo..=hi).filter(|&j| j != pos).map(|j| v(members[j])).sum();
        assert_eq!(row[2], sum.to_string(), "moving sum of {id}");
        let near = members
            .iter()
            .filter(|&&m| (v(m) - v(id)).abs() <= 10)
            .count();
        assert_eq!(row[3], near.to_string(), "range count of {id}");
    }
}
