//! statement_timeout over the wire: the configured default, a client's startup option and
//! SET; statements cancelled with 57014 in the simple and extended protocol, the session
//! usable afterwards and a block left in the failed state.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use std::time::{Duration, Instant};
use support::{code, TestServer};
use tokio_postgres::NoTls;

async fn show(c: &tokio_postgres::Client) -> String {
    c.query_one("SHOW statement_timeout", &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_time_out_over_the_wire() {
    let server = TestServer::start(|c, _| c.statement_timeout = 150).await;
    let client = server.connect("postgres", None).await;
    assert_eq!(show(&client).await, "150ms");

    // Simple protocol: pg_sleep is stopped at the timeout, not after 5 s.
    let started = Instant::now();
    let e = client
        .batch_execute("SELECT pg_sleep(5)")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "57014");
    assert_eq!(
        e.as_db_error().map(|d| d.message()),
        Some("canceling statement due to statement timeout")
    );
    assert!(started.elapsed() < Duration::from_secs(4));
    // Extended protocol.
    let e = client.query("SELECT pg_sleep(5)", &[]).await.unwrap_err();
    assert_eq!(code(&e), "57014");
    // A long query (a cross join of millions of rows) too.
    client
        .batch_execute(
            "CREATE TABLE t (a int); INSERT INTO t SELECT a FROM (VALUES (1),(2),(3),(4),(5),(6),(7),(8)) v(a)",
        )
        .await
        .unwrap();
    let e = client
        .query(
            "SELECT count(*) FROM t a, t b, t c, t d, t e, t f, t g, t h, t i",
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(code(&e), "57014");
    // Short statements run, and the session goes on.
    let one: i32 = client.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);

    // In a block the timeout fails the block.
    client.batch_execute("BEGIN").await.unwrap();
    let e = client
        .batch_execute("SELECT pg_sleep(5)")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "57014");
    let e = client.batch_execute("SELECT 1").await.unwrap_err();
    assert_eq!(code(&e), "25P02");
    client.batch_execute("ROLLBACK").await.unwrap();

    // SET overrides the configured default; 0 turns it off.
    client
        .batch_execute("SET statement_timeout = 0")
        .await
        .unwrap();
    assert_eq!(show(&client).await, "0");
    client.batch_execute("SELECT pg_sleep(0.3)").await.unwrap();

    // A client's startup option overrides the configured default.
    let mut conf = server.conf("postgres", None);
    conf.options("-c statement_timeout=2s");
    let (other, connection) = conf.connect(NoTls).await.unwrap();
    tokio::spawn(connection);
    assert_eq!(show(&other).await, "2s");
    drop(other);
    drop(client);
    server.stop().await;
}
