//! LISTEN / NOTIFY over the wire: a listening connection receives NotificationResponse
//! (tokio-postgres's `AsyncMessage::Notification`) with the notifying session's backend pid,
//! the channel and the payload when the notifying transaction commits, while it sits idle
//! between queries; nothing before the commit or after a rollback; nothing after UNLISTEN;
//! its own notifications before the ReadyForQuery of the query that sent them, in the simple
//! and the extended protocol; none handed out inside its own transaction block until the
//! block ends.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use support::{TestServer, LIMIT};
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, Client, SimpleQueryMessage};

/// (pid, channel, payload) of a notification.
type Seen = (i32, String, String);

/// A client whose connection forwards every notification to the returned channel.
async fn listener(server: &TestServer) -> (Client, mpsc::UnboundedReceiver<Seen>) {
    support::client_with_messages(server, |m| match m {
        AsyncMessage::Notification(n) => Some((
            n.process_id(),
            n.channel().to_owned(),
            n.payload().to_owned(),
        )),
        _ => None,
    })
    .await
}

/// The next notification, waiting at most [`LIMIT`] (the test fails if none comes).
async fn next(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
    tokio::time::timeout(LIMIT, rx.recv())
        .await
        .expect("a notification within the limit")
        .expect("the connection is open")
}

fn seen(pid: i32, channel: &str, payload: &str) -> Seen {
    (pid, channel.to_owned(), payload.to_owned())
}

async fn backend_pid(c: &Client) -> i32 {
    c.query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0)
}

/// Runs `sql` on `c` and then a round trip on `listener`: notifications sent before that
/// round trip's ReadyForQuery have been read by the listener's connection task when it
/// returns, so an empty channel afterwards means none was sent.
async fn settle(listener: &Client) {
    listener.simple_query("SELECT 1").await.unwrap();
}

fn drain(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Vec<Seen> {
    let mut out = Vec::new();
    while let Ok(n) = rx.try_recv() {
        out.push(n);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_listener_receives_commits_of_another_connection() {
    let server = TestServer::start(|_, _| {}).await;
    let (a, mut rx) = listener(&server).await;
    let b = server.connect("postgres", None).await;
    let b_pid = backend_pid(&b).await;

    a.batch_execute("LISTEN jobs").await.unwrap();
    // Not before the commit.
    b.batch_execute("BEGIN; NOTIFY jobs, 'first'")
        .await
        .unwrap();
    settle(&a).await;
    assert!(drain(&mut rx).is_empty(), "nothing before the commit");
    // The commit reaches the idle listener without it sending anything.
    b.batch_execute("COMMIT").await.unwrap();
    assert_eq!(next(&mut rx).await, seen(b_pid, "jobs", "first"));

    // A rollback sends nothing; pg_notify and folded duplicates in commit order.
    b.batch_execute("BEGIN; NOTIFY jobs, 'never'; ROLLBACK")
        .await
        .unwrap();
    b.batch_execute(
        "BEGIN; NOTIFY jobs, 'x'; SELECT pg_notify('jobs', 'y'); NOTIFY jobs, 'x'; COMMIT",
    )
    .await
    .unwrap();
    b.execute("SELECT pg_notify('jobs', $1)", &[&"extended"])
        .await
        .unwrap();
    assert_eq!(next(&mut rx).await, seen(b_pid, "jobs", "x"));
    assert_eq!(next(&mut rx).await, seen(b_pid, "jobs", "y"));
    assert_eq!(next(&mut rx).await, seen(b_pid, "jobs", "extended"));
    settle(&a).await;
    assert!(drain(&mut rx).is_empty());

    // UNLISTEN stops delivery.
    a.batch_execute("UNLISTEN jobs").await.unwrap();
    b.batch_execute("NOTIFY jobs, 'unheard'").await.unwrap();
    settle(&a).await;
    assert!(drain(&mut rx).is_empty(), "nothing after UNLISTEN");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_notifications_come_before_ready_for_query() {
    let server = TestServer::start(|_, _| {}).await;
    let (a, mut rx) = listener(&server).await;
    let a_pid = backend_pid(&a).await;

    // Simple protocol: delivered with the query's response.
    let done = a
        .simple_query("LISTEN self; NOTIFY self, 'simple'")
        .await
        .unwrap();
    assert!(matches!(
        done.last(),
        Some(SimpleQueryMessage::CommandComplete(0))
    ));
    assert_eq!(drain(&mut rx), vec![seen(a_pid, "self", "simple")]);

    // Extended protocol: delivered before the ReadyForQuery answering Sync.
    a.execute("SELECT pg_notify('self', $1)", &[&"extended"])
        .await
        .unwrap();
    assert_eq!(drain(&mut rx), vec![seen(a_pid, "self", "extended")]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listener_in_a_block_receives_at_its_end() {
    let server = TestServer::start(|_, _| {}).await;
    let (a, mut rx) = listener(&server).await;
    let b = server.connect("postgres", None).await;
    let b_pid = backend_pid(&b).await;
    a.batch_execute("LISTEN c").await.unwrap();

    a.batch_execute("BEGIN").await.unwrap();
    b.batch_execute("NOTIFY c, 'during the block'")
        .await
        .unwrap();
    // The listener's own query inside its block gets no notification with it.
    a.simple_query("SELECT 1").await.unwrap();
    assert!(drain(&mut rx).is_empty(), "none inside a block");
    // Its COMMIT's response carries it.
    a.simple_query("COMMIT").await.unwrap();
    assert_eq!(drain(&mut rx), vec![seen(b_pid, "c", "during the block")]);

    server.stop().await;
}
