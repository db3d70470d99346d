//! The Unix-domain socket: `DIR/.s.PGSQL.<port>` exists while the server runs and is gone
//! after it stops; clients connect with the directory as host (tokio-postgres, psql); it is
//! trusted by default as initdb's `local` line says, and pg_hba.conf `local` lines (not
//! `host` ones) decide for it; a stale socket file does not prevent a start.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use std::path::Path;
use std::process::Command;
use support::{code, TestServer};
use tokio_postgres::NoTls;

fn local_conf(dir: &Path, port: u16, user: &str) -> tokio_postgres::Config {
    let mut c = tokio_postgres::Config::new();
    c.host_path(dir).port(port).user(user).dbname("postgres");
    c
}

async fn connect_local(
    dir: &Path,
    port: u16,
    user: &str,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = local_conf(dir, port, user).connect(NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_connect_through_the_socket() {
    let sockets = tempfile::tempdir().unwrap();
    let sock_dir = sockets.path().to_owned();
    // A stale socket file with the name the server will use does not stop it: the server
    // binds port 0, so find a free port first and start on that one.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let stale = sock_dir.join(format!(".s.PGSQL.{port}"));
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    let d = sock_dir.clone();
    let server = TestServer::start(move |c, _| {
        c.listen = format!("127.0.0.1:{port}").parse().unwrap();
        c.socket_dir = Some(d);
    })
    .await;
    assert!(stale.exists());

    let client = connect_local(&sock_dir, port, "postgres").await.unwrap();
    client
        .batch_execute("CREATE TABLE t (a int); INSERT INTO t VALUES (1), (2)")
        .await
        .unwrap();
    let n: i64 = client
        .query_one("SELECT count(*) FROM t WHERE a > $1", &[&0i32])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
    // TCP sees the same database.
    let tcp = server.connect("postgres", None).await;
    let n: i64 = tcp
        .query_one("SELECT count(*) FROM t", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);

    // psql, as a PostgreSQL user would run it.
    let out = Command::new("psql")
        .args(["-X", "-At", "-U", "postgres", "-d", "postgres", "-h"])
        .arg(&sock_dir)
        .args(["-p", &port.to_string(), "-c", "SELECT sum(a) FROM t"])
        .output()
        .expect("run psql (is postgresql-client installed?)");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "3",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop((client, tcp));
    server.stop().await;
    // The server removed its socket file.
    assert!(!stale.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_rules_apply_to_the_socket() {
    let sockets = tempfile::tempdir().unwrap();
    let d = sockets.path().to_owned();
    let server = TestServer::start(move |c, dir| {
        let hba = dir.join("hba.conf");
        std::fs::write(
            &hba,
            "local all alice reject\n\
             local all postgres trust\n\
             host all all 127.0.0.1/32 trust\n",
        )
        .unwrap();
        c.hba_file = Some(hba);
        c.socket_dir = Some(d);
    })
    .await;
    let port = server.addr.port();
    let admin = connect_local(sockets.path(), port, "postgres")
        .await
        .unwrap();
    admin
        .batch_execute("CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN")
        .await
        .unwrap();
    // alice: rejected locally, trusted over TCP (the `host` line).
    let e = connect_local(sockets.path(), port, "alice")
        .await
        .err()
        .unwrap();
    assert_eq!(code(&e), "28000");
    assert_eq!(
        e.as_db_error().map(|d| d.message()),
        Some(
            "pg_hba.conf rejects connection for host \"[local]\", user \"alice\", database \"postgres\", no encryption"
        )
    );
    server.try_connect("alice", None).await.unwrap();
    // bob: no `local` line matches.
    let e = connect_local(sockets.path(), port, "bob")
        .await
        .err()
        .unwrap();
    assert_eq!(
        e.as_db_error().map(|d| d.message()),
        Some(
            "no pg_hba.conf entry for host \"[local]\", user \"bob\", database \"postgres\", no encryption"
        )
    );
    drop(admin);
    server.stop().await;
}
