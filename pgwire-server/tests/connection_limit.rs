//! Per-role CONNECTION LIMIT: a login beyond it is refused with FATAL 53300 `too many
//! connections for role "x"`; sessions that end give their place back; ALTER ROLE changes
//! the limit for later logins; superusers are not limited (PostgreSQL 15's rule).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use std::time::{Duration, Instant};
use support::{code, TestServer};

/// Connects as `user` and expects the refusal.
async fn refused(server: &TestServer, user: &str) {
    let e = server
        .try_connect(user, None)
        .await
        .err()
        .unwrap_or_else(|| panic!("{user} was admitted beyond its limit"));
    assert_eq!(code(&e), "53300", "{e}");
    assert_eq!(
        e.as_db_error().map(|d| (d.severity(), d.message())),
        Some((
            "FATAL",
            format!("too many connections for role \"{user}\"").as_str()
        ))
    );
}

/// Retries a login until the server has noticed that an earlier session ended.
async fn admitted_soon(server: &TestServer, user: &str) -> tokio_postgres::Client {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match server.try_connect(user, None).await {
            Ok(c) => return c,
            Err(e) if code(&e) == "53300" && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(e) => panic!("{user}: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_connection_limits() {
    let server = TestServer::start(|_, _| {}).await;
    let admin = server.connect("postgres", None).await;
    admin
        .batch_execute(
            "CREATE ROLE two LOGIN CONNECTION LIMIT 2; \
             CREATE ROLE zero LOGIN CONNECTION LIMIT 0; \
             CREATE ROLE boss SUPERUSER LOGIN CONNECTION LIMIT 0; \
             CREATE ROLE free LOGIN",
        )
        .await
        .unwrap();

    let a = server.connect("two", None).await;
    let b = server.connect("two", None).await;
    refused(&server, "two").await;
    // Other roles are counted apart.
    let frees: Vec<_> =
        futures::future::join_all((0..5).map(|_| server.connect("free", None))).await;
    refused(&server, "zero").await;
    // A superuser is never refused, whatever its limit.
    let bosses = futures::future::join_all((0..3).map(|_| server.connect("boss", None))).await;

    // A session that ends gives its place back.
    drop(a);
    let a = admitted_soon(&server, "two").await;
    refused(&server, "two").await;
    // The limit is read at each login: raising it admits more, -1 removes it.
    admin
        .batch_execute("ALTER ROLE two CONNECTION LIMIT 3")
        .await
        .unwrap();
    let c = server.connect("two", None).await;
    refused(&server, "two").await;
    admin
        .batch_execute("ALTER ROLE two CONNECTION LIMIT -1")
        .await
        .unwrap();
    let more = futures::future::join_all((0..3).map(|_| server.connect("two", None))).await;
    let one: i32 = b.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);
    drop((a, b, c, more, frees, bosses, admin));
    server.stop().await;
}
