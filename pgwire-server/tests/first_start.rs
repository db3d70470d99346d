//! The first start of `quill serve` in a new data directory, killed with SIGKILL at moments
//! spread over it (from before the directory exists to after the server is ready): every
//! following start must serve, with the bootstrap superuser able to log in through the
//! default rules. And a rule file left without entries stops the start, naming the file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Served, QUILL};

/// Starts a first `quill serve` over `data` and kills it with SIGKILL after `delay`.
fn start_and_kill(data: &Path, delay: Duration) {
    let mut child = Command::new(QUILL)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    // Child::kill sends SIGKILL.
    let _ = child.kill();
    let _ = child.wait();
}

async fn superuser_logs_in(port: u16) {
    let conf = format!("host=127.0.0.1 port={port} user=postgres connect_timeout=10");
    let (client, conn) = tokio_postgres::connect(&conf, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let row = client
        .query_one(
            "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "postgres");
    assert!(row.get::<_, bool>(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_start_killed_at_any_moment_is_completed_by_the_next() {
    // How long a whole first start takes here, to spread the kills over it.
    let probe = tempfile::tempdir().unwrap();
    let began = Instant::now();
    let served = Served::start(&probe.path().join("data"));
    let first_start = began.elapsed();
    drop(served);
    const MOMENTS: u32 = 12;
    for i in 0..=MOMENTS {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        start_and_kill(&data, first_start * i / MOMENTS);
        let served = Served::start(&data);
        let hba = std::fs::read_to_string(data.join("pg_hba.conf")).unwrap();
        assert!(
            hba.lines().any(|l| l.starts_with("host")),
            "moment {i}: {hba:?}"
        );
        superuser_logs_in(served.port).await;
        tokio::task::spawn_blocking(move || served.terminate())
            .await
            .unwrap();
    }
}

#[test]
fn a_rule_file_without_entries_stops_the_start_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    Served::start(&data).terminate();
    let hba = data.join("pg_hba.conf");
    std::fs::write(&hba, "# nothing but a comment\n").unwrap();
    let out = Command::new(QUILL)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "configuration file \"{}\" contains no entries",
        hba.display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
}
