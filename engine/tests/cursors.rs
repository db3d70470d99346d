//! SQL cursors through the embedded API: DECLARE / FETCH / MOVE / CLOSE, their command tags,
//! their errors, and when they close.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use engine::{Database, Session, StatementResult};

fn db(name: &str) -> (Database, std::path::PathBuf) {
    let d = std::env::temp_dir().join(format!("quill-cursor-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    let db = Database::open(&d).expect("open");
    let mut s = db.session();
    s.execute(
        "CREATE TABLE t (id integer PRIMARY KEY, v text); \
         INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')",
    )
    .expect("setup");
    (db, d)
}

/// The tag and the first column's values of one statement.
fn out(s: &mut Session, sql: &str) -> (String, Vec<String>) {
    match s.execute_one(sql, &[]) {
        Ok(StatementResult::Rows(r)) => (
            r.tag,
            r.rows
                .iter()
                .map(|row| row[0].to_text().unwrap_or_else(|| "NULL".into()))
                .collect(),
        ),
        Ok(StatementResult::Command(tag)) => (tag, Vec::new()),
        Ok(other) => panic!("{sql}: {other:?}"),
        Err(e) => panic!("{sql}: {e}"),
    }
}

fn sqlstate(s: &mut Session, sql: &str) -> &'static str {
    match s.execute(sql) {
        Ok(r) => panic!("{sql} succeeded: {r:?}"),
        Err(e) => e.sqlstate(),
    }
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn fetch_move_close_with_postgres_tags() {
    let (db, dir) = db("tags");
    let mut s = db.session();
    out(&mut s, "BEGIN");
    assert_eq!(
        out(
            &mut s,
            "DECLARE \"c\" CURSOR WITHOUT HOLD FOR SELECT id FROM t ORDER BY id"
        ),
        ("DECLARE CURSOR".into(), vec![])
    );
    assert_eq!(
        out(&mut s, "FETCH FORWARD 2 FROM \"c\""),
        ("FETCH 2".into(), strs(&["1", "2"]))
    );
    assert_eq!(out(&mut s, "FETCH c"), ("FETCH 1".into(), strs(&["3"])));
    assert_eq!(
        out(&mut s, "MOVE FORWARD 1 IN c"),
        ("MOVE 1".into(), vec![])
    );
    assert_eq!(
        out(&mut s, "FETCH ALL FROM c"),
        ("FETCH 1".into(), strs(&["5"]))
    );
    assert_eq!(out(&mut s, "FETCH NEXT FROM c"), ("FETCH 0".into(), vec![]));
    assert_eq!(
        out(&mut s, "FETCH BACKWARD 2 FROM c"),
        ("FETCH 2".into(), strs(&["5", "4"]))
    );
    assert_eq!(
        out(&mut s, "FETCH FIRST FROM c"),
        ("FETCH 1".into(), strs(&["1"]))
    );
    assert_eq!(out(&mut s, "MOVE ALL FROM c"), ("MOVE 4".into(), vec![]));
    assert_eq!(out(&mut s, "CLOSE c"), ("CLOSE CURSOR".into(), vec![]));
    assert_eq!(sqlstate(&mut s, "FETCH c"), "34000");
    out(&mut s, "ROLLBACK");
    drop((s, db));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn cursor_errors_have_postgres_sqlstates() {
    let (db, dir) = db("errors");
    let mut s = db.session();
    // Outside a block only WITH HOLD may be declared.
    let e = s
        .execute("DECLARE c CURSOR FOR SELECT 1")
        .expect_err("outside a block");
    assert_eq!(e.sqlstate(), "25P01");
    assert_eq!(
        e.to_string(),
        "DECLARE CURSOR can only be used in transaction blocks"
    );
    let e = s.execute("FETCH 1 FROM nosuch").expect_err("unknown");
    assert_eq!(
        (e.sqlstate(), e.to_string().as_str()),
        ("34000", "cursor \"nosuch\" does not exist")
    );
    assert_eq!(sqlstate(&mut s, "CLOSE nosuch"), "34000");
    out(&mut s, "BEGIN");
    out(&mut s, "DECLARE c CURSOR FOR SELECT 1");
    assert_eq!(sqlstate(&mut s, "DECLARE c CURSOR FOR SELECT 2"), "42P03");
    // The block failed with it.
    assert_eq!(sqlstate(&mut s, "FETCH c"), "25P02");
    out(&mut s, "ROLLBACK");
    out(&mut s, "BEGIN");
    out(
        &mut s,
        "DECLARE n NO SCROLL CURSOR FOR SELECT id FROM t ORDER BY id",
    );
    out(&mut s, "FETCH 2 FROM n");
    assert_eq!(sqlstate(&mut s, "FETCH PRIOR FROM n"), "55000");
    out(&mut s, "ROLLBACK");
    drop((s, db));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn cursors_close_at_transaction_end_unless_held() {
    let (db, dir) = db("life");
    let mut s = db.session();
    out(&mut s, "BEGIN");
    out(
        &mut s,
        "DECLARE plain CURSOR FOR SELECT id FROM t ORDER BY id",
    );
    out(
        &mut s,
        "DECLARE held CURSOR WITH HOLD FOR SELECT id FROM t ORDER BY id",
    );
    out(&mut s, "FETCH 1 FROM held");
    out(&mut s, "COMMIT");
    assert_eq!(sqlstate(&mut s, "FETCH plain"), "34000");
    // The held cursor goes on where it stood, outside any block.
    assert_eq!(
        out(&mut s, "FETCH 2 FROM held"),
        ("FETCH 2".into(), strs(&["2", "3"]))
    );
    // Its rows are those of its snapshot: later changes do not show.
    out(&mut s, "DELETE FROM t WHERE id = 4");
    assert_eq!(out(&mut s, "FETCH held").1, strs(&["4"]));
    // Declared WITH HOLD outside a block: allowed, and it outlives its own statement.
    out(
        &mut s,
        "DECLARE h2 CURSOR WITH HOLD FOR SELECT count(*) FROM t",
    );
    assert_eq!(out(&mut s, "FETCH h2").1, strs(&["4"]));
    // Declared in a transaction that rolls back: gone, even WITH HOLD.
    out(&mut s, "BEGIN");
    out(&mut s, "DECLARE h3 CURSOR WITH HOLD FOR SELECT 1");
    out(&mut s, "ROLLBACK");
    assert_eq!(sqlstate(&mut s, "FETCH h3"), "34000");
    assert_eq!(out(&mut s, "FETCH held").1, strs(&["5"]));
    // Declared after a savepoint rolled back to: gone; before it: kept.
    out(&mut s, "BEGIN");
    out(&mut s, "DECLARE before CURSOR FOR SELECT 1");
    out(&mut s, "SAVEPOINT p");
    out(&mut s, "DECLARE after CURSOR FOR SELECT 2");
    out(&mut s, "ROLLBACK TO SAVEPOINT p");
    assert_eq!(out(&mut s, "FETCH before").1, strs(&["1"]));
    assert_eq!(sqlstate(&mut s, "FETCH after"), "34000");
    out(&mut s, "ROLLBACK");
    out(&mut s, "CLOSE ALL");
    assert_eq!(sqlstate(&mut s, "FETCH held"), "34000");
    drop((s, db));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn prepared_fetch_describes_the_cursor_columns() {
    let (db, dir) = db("describe");
    let mut s = db.session();
    out(&mut s, "BEGIN");
    let d = s
        .prepare(
            "DECLARE c CURSOR FOR SELECT id, v FROM t WHERE id > $1 ORDER BY id",
            &[],
        )
        .expect("prepare declare");
    assert_eq!(d.params, vec![engine::DataType::Int4]);
    assert!(d.columns.is_empty());
    s.execute_prepared(&d, &[engine::Value::Int4(3)])
        .expect("declare");
    let f = s
        .prepare("FETCH FORWARD 10 FROM c", &[])
        .expect("prepare fetch");
    let names: Vec<&str> = f.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "v"]);
    match s.execute_prepared(&f, &[]).expect("fetch") {
        StatementResult::Rows(r) => {
            assert_eq!(r.tag, "FETCH 2");
            assert_eq!(r.get::<String>(1, "v").expect("v"), "e");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        s.prepare("FETCH 1 FROM nosuch", &[])
            .expect_err("unknown")
            .sqlstate(),
        "34000"
    );
    drop((s, db));
    let _ = std::fs::remove_dir_all(dir);
}
