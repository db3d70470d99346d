//! The `quill` binary: `--help` documents the commands and flags, `demo` leaves a directory
//! that `serve` serves, and `serve` starts on a port it chose, answers a client, stops
//! cleanly on SIGTERM and finds its data again on the next start.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use std::process::Command;
use support::{Served, QUILL};

#[test]
fn help_documents_every_flag() {
    let out = Command::new(QUILL).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for word in [
        "serve",
        "demo",
        "shell",
        "--on-error-stop",
        "--data-dir",
        "--listen",
        "--rows",
        "--help",
        "--max-connections",
        "--config",
        "max_connections",
        "authentication_timeout",
        "max_message_size",
        "hba_file",
        "ssl_cert_file",
        "ssl_key_file",
        "log_level",
        "scram-sha-256",
        "RUST_LOG",
    ] {
        assert!(help.contains(word), "help lacks {word}:\n{help}");
    }
    let out = Command::new(QUILL).args(["serve"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "serve without --data-dir is a usage error"
    );
    let out = Command::new(QUILL)
        .args(["serve", "--data-dir", "x", "--listen", "nonsense"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(QUILL)
        .args(["serve", "--data-dir", "x", "--max-connections", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // A bad configuration file stops the start with a message naming the line.
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("quill.conf");
    std::fs::write(
        &conf,
        "# settings\nmax_connections = 10\nauthentication_timeout = soon\n",
    )
    .unwrap();
    let out = Command::new(QUILL)
        .args(["serve", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(&conf)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3") && err.contains("authentication_timeout"),
        "{err}"
    );
    assert!(
        !dir.path().join("data").exists(),
        "nothing created on a bad configuration"
    );
}

/// The README's first two steps: `demo` on a new directory, then `serve` on what it left,
/// which must answer with the rows demo committed (demo once wrote raw rows into the
/// catalog's heap, and serve then refused the directory as corrupt).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_then_serve_the_same_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    for _ in 0..2 {
        let out = Command::new(QUILL)
            .args(["demo", "--rows", "200", "--data-dir"])
            .arg(&data)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    let served = Served::start(&data);
    let c = client(served.port).await;
    let row = c
        .query_one("SELECT count(*), count(DISTINCT id) FROM quill_demo", &[])
        .await
        .unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (400, 400));
    tokio::task::spawn_blocking(move || served.terminate())
        .await
        .unwrap();
}

async fn client(port: u16) -> tokio_postgres::Client {
    let conf = format!("host=127.0.0.1 port={port} user=postgres");
    let (client, conn) = tokio_postgres::connect(&conf, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_stops_on_sigterm_and_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let served = Served::start(&data);
    assert!(
        data.is_dir(),
        "the data directory is created on first start"
    );
    let c = client(served.port).await;
    c.batch_execute("CREATE TABLE kept (id int PRIMARY KEY); INSERT INTO kept VALUES (1), (2)")
        .await
        .unwrap();
    let open = client(served.port).await;
    open.batch_execute("BEGIN; INSERT INTO kept VALUES (3)")
        .await
        .unwrap();
    tokio::task::spawn_blocking(move || served.terminate())
        .await
        .unwrap();
    drop((c, open));

    let served = Served::start(&data);
    let c = client(served.port).await;
    let rows = c
        .query("SELECT id FROM kept ORDER BY id", &[])
        .await
        .unwrap();
    let ids: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(
        ids,
        vec![1, 2],
        "committed rows kept, the open transaction rolled back"
    );
    drop(c);
    tokio::task::spawn_blocking(move || served.terminate())
        .await
        .unwrap();
}
