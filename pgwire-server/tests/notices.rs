//! NoticeResponse over the wire: statements' NOTICEs and WARNINGs reach the client with
//! PostgreSQL's severity, SQLSTATE and text, before the statement completes, in the simple
//! and the extended protocol.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use support::TestServer;
use tokio::sync::mpsc;
use tokio_postgres::AsyncMessage;

/// (severity, code, message) of a notice.
type Seen = (String, String, String);

/// A client whose connection forwards every notice to the returned channel.
async fn client_with_notices(
    server: &TestServer,
) -> (tokio_postgres::Client, mpsc::UnboundedReceiver<Seen>) {
    support::client_with_messages(server, |m| match m {
        AsyncMessage::Notice(n) => Some((
            n.severity().to_owned(),
            n.code().code().to_owned(),
            n.message().to_owned(),
        )),
        _ => None,
    })
    .await
}

fn drain(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Vec<Seen> {
    let mut out = Vec::new();
    while let Ok(n) = rx.try_recv() {
        out.push(n);
    }
    out
}

fn seen(sev: &str, code: &str, msg: &str) -> Seen {
    (sev.to_owned(), code.to_owned(), msg.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_in_simple_and_extended_protocol() {
    let server = TestServer::start(|_, _| {}).await;
    let (client, mut rx) = client_with_notices(&server).await;

    // Simple protocol: a query string of several statements, notices in order. They are
    // sent before each statement's CommandComplete, so they have arrived when the query's
    // result has.
    client
        .batch_execute(
            "COMMIT; CREATE TABLE t (a int); CREATE TABLE IF NOT EXISTS t (a int); \
             DROP TABLE IF EXISTS nx, ny; BEGIN; BEGIN; ROLLBACK",
        )
        .await
        .unwrap();
    assert_eq!(
        drain(&mut rx),
        vec![
            seen("WARNING", "25P01", "there is no transaction in progress"),
            seen("NOTICE", "42P07", "relation \"t\" already exists, skipping"),
            seen("NOTICE", "00000", "table \"nx\" does not exist, skipping"),
            seen("NOTICE", "00000", "table \"ny\" does not exist, skipping"),
            seen(
                "WARNING",
                "25001",
                "there is already a transaction in progress"
            ),
        ]
    );

    // Extended protocol (Parse/Bind/Execute).
    client
        .execute("DROP INDEX IF EXISTS gone", &[])
        .await
        .unwrap();
    assert_eq!(
        drain(&mut rx),
        vec![seen(
            "NOTICE",
            "00000",
            "index \"gone\" does not exist, skipping"
        )]
    );
    client.execute("END", &[]).await.unwrap();
    assert_eq!(
        drain(&mut rx),
        vec![seen(
            "WARNING",
            "25P01",
            "there is no transaction in progress"
        )]
    );

    // Notices raised before an error arrive before the error.
    client
        .batch_execute("CREATE VIEW v AS SELECT 1 AS x")
        .await
        .unwrap();
    let err = client
        .batch_execute("DROP TABLE IF EXISTS gone, v")
        .await
        .unwrap_err();
    assert_eq!(support::code(&err), "42809");
    assert_eq!(
        drain(&mut rx),
        vec![seen(
            "NOTICE",
            "00000",
            "table \"gone\" does not exist, skipping"
        )]
    );
    let err = client
        .execute("DROP VIEW IF EXISTS gone2, t", &[])
        .await
        .unwrap_err();
    assert_eq!(support::code(&err), "42809");
    assert_eq!(
        drain(&mut rx),
        vec![seen(
            "NOTICE",
            "00000",
            "view \"gone2\" does not exist, skipping"
        )]
    );

    // Statements without notices send none.
    client
        .batch_execute("SELECT 1; DROP TABLE t")
        .await
        .unwrap();
    client.execute("SELECT 1", &[]).await.unwrap();
    assert!(drain(&mut rx).is_empty());
    drop(client);
    server.stop().await;
}
