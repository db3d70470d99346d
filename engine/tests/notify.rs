//! LISTEN / NOTIFY / UNLISTEN between embedded sessions (PostgreSQL 15's behaviour):
//! delivery at commit and never after a rollback, savepoints, commit order, self-notification,
//! folded duplicates, `pg_notify`, and a blocking wait woken by another session's commit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use engine::{Database, Notification, Session};
use std::time::Duration;

/// Long enough never to be reached when the event waited for happens.
const GENEROUS: Duration = Duration::from_secs(60);

fn db() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path()).expect("open");
    (dir, db)
}

fn run(s: &mut Session, sql: &str) {
    s.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn got(v: &[Notification]) -> Vec<(String, String)> {
    v.iter()
        .map(|n| (n.channel.clone(), n.payload.clone()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(c, p)| (c.to_string(), p.to_string()))
        .collect()
}

#[test]
fn commit_delivers_rollback_does_not() {
    let (_dir, db) = db();
    let mut a = db.session();
    let mut b = db.session();
    run(&mut a, "LISTEN jobs");
    run(&mut b, "BEGIN; NOTIFY jobs, 'one'");
    assert!(a.take_notifications().is_empty(), "not before the commit");
    run(&mut b, "COMMIT");
    let n = a.take_notifications();
    assert_eq!(got(&n), pairs(&[("jobs", "one")]));
    assert_eq!(n[0].pid, b.backend_pid());
    run(&mut b, "BEGIN; NOTIFY jobs, 'never'; ROLLBACK");
    assert!(b
        .execute("BEGIN; NOTIFY jobs, 'failed'; SELECT 1/0")
        .is_err());
    run(&mut b, "COMMIT");
    assert!(a.take_notifications().is_empty());
    // A statement that fails outside a block takes its pg_notify with it.
    assert!(b.execute("SELECT pg_notify('jobs', 'x'), 1/0").is_err());
    assert!(a.take_notifications().is_empty());
    // Another channel is not heard; a non-listener hears nothing.
    run(&mut b, "NOTIFY other; SELECT pg_notify('jobs', 'fn')");
    assert_eq!(got(&a.take_notifications()), pairs(&[("jobs", "fn")]));
    assert!(b.take_notifications().is_empty());
}

#[test]
fn savepoint_rollback_drops_notify_and_listen() {
    let (_dir, db) = db();
    let mut a = db.session();
    let mut b = db.session();
    run(&mut a, "LISTEN c");
    run(
        &mut b,
        "BEGIN; NOTIFY c, 'kept'; SAVEPOINT s; NOTIFY c, 'dropped'; LISTEN c; \
         ROLLBACK TO SAVEPOINT s; SAVEPOINT t; NOTIFY c, 'released'; RELEASE SAVEPOINT t; COMMIT",
    );
    assert_eq!(
        got(&a.take_notifications()),
        pairs(&[("c", "kept"), ("c", "released")])
    );
    let ch = b
        .query("SELECT * FROM pg_listening_channels()", &[])
        .unwrap();
    assert!(ch.rows.is_empty(), "the LISTEN was rolled back");
}

#[test]
fn order_is_commit_order_and_delivery_waits_for_the_block() {
    let (_dir, db) = db();
    let mut a = db.session();
    let mut b = db.session();
    let mut c = db.session();
    run(&mut a, "LISTEN q");
    run(&mut b, "BEGIN; NOTIFY q, 'b first in time'");
    run(&mut c, "BEGIN; NOTIFY q, 'c'");
    run(&mut c, "COMMIT");
    run(&mut b, "COMMIT");
    run(&mut a, "BEGIN");
    run(&mut b, "NOTIFY q, 'while a is in a block'");
    assert!(
        a.take_notifications().is_empty(),
        "held until the block ends"
    );
    assert!(a.wait_for_notifications(GENEROUS).is_err());
    run(&mut a, "COMMIT");
    let n = a.take_notifications();
    assert_eq!(
        got(&n),
        pairs(&[
            ("q", "c"),
            ("q", "b first in time"),
            ("q", "while a is in a block")
        ])
    );
    assert_eq!(n[0].pid, c.backend_pid());
}

#[test]
fn self_notify_and_folded_duplicates() {
    let (_dir, db) = db();
    let mut a = db.session();
    run(
        &mut a,
        "BEGIN; LISTEN me; NOTIFY me, 'x'; NOTIFY me, 'y'; NOTIFY me, 'x'; \
         SELECT pg_notify('me', 'y'); NOTIFY me; NOTIFY me, ''; COMMIT",
    );
    assert_eq!(
        got(&a.take_notifications()),
        pairs(&[("me", "x"), ("me", "y"), ("me", "")])
    );
    // Across transactions nothing is folded.
    run(&mut a, "NOTIFY me, 'x'; NOTIFY me, 'x'");
    assert_eq!(
        got(&a.take_notifications()),
        pairs(&[("me", "x"), ("me", "x")])
    );
    run(&mut a, "UNLISTEN *; NOTIFY me, 'z'");
    assert!(a.take_notifications().is_empty());
}

#[test]
fn identifiers_fold_and_channels_are_listed() {
    let (_dir, db) = db();
    let mut a = db.session();
    run(&mut a, "LISTEN Foo; LISTEN \"Bar\"; LISTEN foo");
    let rows = a
        .query("SELECT c FROM pg_listening_channels() AS c", &[])
        .unwrap();
    let names: Vec<String> = (0..rows.rows.len())
        .map(|i| rows.get::<String>(i, 0).unwrap())
        .collect();
    assert_eq!(names, vec!["foo".to_string(), "Bar".to_string()]);
    run(&mut a, "NOTIFY FOO, 'folded'; NOTIFY \"Bar\"");
    assert_eq!(
        got(&a.take_notifications()),
        pairs(&[("foo", "folded"), ("Bar", "")])
    );
    let e = a.execute("SELECT pg_notify(NULL, 'p')").unwrap_err();
    assert_eq!(e.sqlstate(), "22023");
    assert_eq!(e.to_string(), "channel name cannot be empty");
}

#[test]
fn wait_wakes_on_another_sessions_commit() {
    let (_dir, db) = db();
    let mut a = db.session();
    run(&mut a, "LISTEN wake");
    std::thread::scope(|sc| {
        let waiter = sc.spawn(move || {
            let mut seen = Vec::new();
            while seen.len() < 2 {
                let n = a.wait_for_notifications(GENEROUS).unwrap();
                assert!(!n.is_empty(), "woken before the timeout");
                seen.extend(got(&n));
            }
            seen
        });
        let mut b = db.session();
        run(&mut b, "NOTIFY wake, '1'");
        run(&mut b, "BEGIN; SELECT pg_notify('wake', '2'); COMMIT");
        assert_eq!(
            waiter.join().unwrap(),
            pairs(&[("wake", "1"), ("wake", "2")])
        );
    });
}

#[test]
fn ended_session_stops_listening() {
    let (_dir, db) = db();
    let mut a = db.session();
    run(&mut a, "LISTEN gone");
    let mut b = db.session();
    run(&mut b, "NOTIFY gone, 'queued'");
    let usage = b
        .query("SELECT pg_notification_queue_usage() > 0", &[])
        .unwrap();
    assert!(usage.get::<bool>(0, 0).unwrap());
    drop(a);
    let usage = b
        .query("SELECT pg_notification_queue_usage()", &[])
        .unwrap();
    assert_eq!(usage.get::<f64>(0, 0).unwrap(), 0.0);
}
