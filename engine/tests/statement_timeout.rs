//! statement_timeout through sessions: SET and SHOW as PostgreSQL prints them, a long query
//! and a wait for another session's transaction cancelled with 57014, and the session
//! usable afterwards (a block in the failed state, as in PostgreSQL).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use engine::{Database, EngineError, Session, StatementResult, TransactionStatus};
use std::time::{Duration, Instant};

fn show(s: &mut Session) -> String {
    let r = s.query("SHOW statement_timeout", &[]).unwrap();
    r.get::<String>(0, 0).unwrap()
}

/// A table of 2,000 rows: a three-way cross join of it runs for hours.
fn big(db: &Database) -> Session {
    let mut s = db.session();
    s.execute("CREATE TABLE t (a int)").unwrap();
    let values: Vec<String> = (0..2000).map(|i| format!("({i})")).collect();
    s.execute(&format!("INSERT INTO t VALUES {}", values.join(",")))
        .unwrap();
    s
}

const LONG: &str = "SELECT count(*) FROM t a, t b, t c";

#[test]
fn set_and_show_statement_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    assert_eq!(show(&mut s), "0");
    for (set, shown) in [
        ("100", "100ms"),
        ("'2s'", "2s"),
        ("'60000'", "1min"),
        ("'1.5s'", "1500ms"),
        ("0", "0"),
        ("50", "50ms"),
        ("DEFAULT", "0"),
    ] {
        s.execute(&format!("SET statement_timeout = {set}"))
            .unwrap();
        assert_eq!(show(&mut s), shown, "{set}");
    }
    let e = s.execute("SET statement_timeout = 'abc'").unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.to_string().as_str()),
        (
            "22023",
            "invalid value for parameter \"statement_timeout\": \"abc\""
        )
    );
    let e = s.execute("SET statement_timeout TO -1").unwrap_err();
    assert_eq!(e.sqlstate(), "22023");
    let e = s.execute("SET statement_timeout TO '5 weeks'").unwrap_err();
    assert!(e.hint().is_some_and(|h| h.contains("\"min\"")));
    // A refused value leaves the setting as it was.
    assert_eq!(show(&mut s), "0");
}

#[test]
fn a_long_query_is_cancelled_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let mut s = big(&db);
    s.execute("SET statement_timeout = 200").unwrap();
    let started = Instant::now();
    let e = s.execute(LONG).unwrap_err();
    let took = started.elapsed();
    assert!(matches!(e, EngineError::StatementTimeout), "{e:?}");
    assert_eq!(e.sqlstate(), "57014");
    assert_eq!(
        e.to_string(),
        "canceling statement due to statement timeout"
    );
    assert!(took >= Duration::from_millis(190), "{took:?}");
    assert!(took < Duration::from_secs(20), "{took:?}");
    // Short statements are not affected, and the session goes on.
    for _ in 0..20 {
        s.execute("SELECT count(*) FROM t").unwrap();
    }
    // Inside a block the timeout fails the block, as any error.
    s.execute("BEGIN").unwrap();
    s.execute("INSERT INTO t VALUES (-1)").unwrap();
    assert!(matches!(
        s.execute(LONG),
        Err(EngineError::StatementTimeout)
    ));
    assert_eq!(s.transaction_status(), TransactionStatus::Failed);
    assert_eq!(s.execute("SELECT 1").unwrap_err().sqlstate(), "25P02");
    match s.execute("COMMIT").unwrap().pop() {
        Some(StatementResult::Command(tag)) => assert_eq!(tag, "ROLLBACK"),
        other => panic!("{other:?}"),
    }
    let r = s.query("SELECT count(*) FROM t WHERE a = -1", &[]).unwrap();
    assert_eq!(r.get::<i64>(0, 0).unwrap(), 0);
    // Turned off again, nothing times out: a user cancel still names its own reason.
    s.execute("SET statement_timeout = 0").unwrap();
    let handle = s.cancel_handle();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        handle.cancel();
    });
    assert!(matches!(s.execute(LONG), Err(EngineError::QueryCanceled)));
    canceller.join().unwrap();
}

#[test]
fn waiting_for_another_transaction_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let mut holder = db.session();
    holder
        .execute("CREATE TABLE t (v int); INSERT INTO t VALUES (0)")
        .unwrap();
    holder.execute("BEGIN; UPDATE t SET v = 1").unwrap();
    let waiter_db = db.clone();
    let waiter = std::thread::spawn(move || {
        let mut s = waiter_db.session();
        s.execute("SET statement_timeout = '150ms'").unwrap();
        // Reading does not wait for the writer; changing its row does.
        s.execute("SELECT v FROM t").unwrap();
        let started = Instant::now();
        let r = s.execute("UPDATE t SET v = 2");
        (r.map(|_| ()), started.elapsed())
    });
    let (r, took) = waiter.join().unwrap();
    assert!(matches!(r, Err(EngineError::StatementTimeout)), "{r:?}");
    assert!(took >= Duration::from_millis(140) && took < Duration::from_secs(10));
    holder.execute("COMMIT").unwrap();
}
