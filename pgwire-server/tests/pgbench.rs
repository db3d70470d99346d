//! pgbench against `quill serve`: its default COPY-based initialisation (`-i -s 1`: DROP,
//! CREATE TABLE … WITH (fillfactor), TRUNCATE, COPY FROM STDIN, VACUUM ANALYZE, ALTER TABLE …
//! ADD PRIMARY KEY), then the TPC-B-like script with 4 clients in each of the simple, extended
//! and prepared protocols, with no failed transaction; afterwards every balance sum equals
//! the sum of the history's deltas. Also COPY over the extended protocol (tokio-postgres).
//!
//! Skipped, loudly, when pgbench is not installed (`.ci/run` installs it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use futures::{SinkExt, StreamExt};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const QUILL: &str = env!("CARGO_BIN_EXE_quill");

/// A running `quill serve` on a port it chose.
struct Served {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Served {
    fn start() -> Served {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(QUILL)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"))
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.contains("ready on ") => {
                    let addr = line.rsplit("ready on ").next().unwrap().trim().to_owned();
                    break addr.rsplit(':').next().unwrap().parse().unwrap();
                }
                Ok(_) => {}
                Err(e) => {
                    let _ = child.kill();
                    panic!("quill did not start: {e}");
                }
            }
        };
        Served {
            child,
            port,
            _dir: dir,
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pgbench_installed() -> bool {
    let ok = Command::new("pgbench")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "\n*** SKIPPED: pgbench is not installed (apt-get install postgresql-client-common \
             postgresql-15; .ci/run does it) ***\n"
        );
    }
    ok
}

/// Runs pgbench with `args` against the server; returns its stdout and stderr.
fn pgbench(port: u16, args: &[&str]) -> String {
    let out = Command::new("pgbench")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
        .args(args)
        .arg("postgres")
        .env("PGCONNECT_TIMEOUT", "10")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "pgbench {args:?} failed:\n{text}");
    text
}

/// The number after `label` in pgbench's report.
fn figure(report: &str, label: &str) -> u64 {
    let line = report
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in:\n{report}"));
    line[label.len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("bad line {line:?}"))
}

async fn connect(port: u16) -> tokio_postgres::Client {
    let conf = format!("host=127.0.0.1 port={port} user=postgres dbname=postgres");
    let (client, conn) = tokio_postgres::connect(&conf, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn pgbench_initialises_and_runs_in_every_protocol() {
    if !pgbench_installed() {
        return;
    }
    let served = Served::start();
    let init = pgbench(served.port, &["-i", "-s", "1"]);
    assert!(init.contains("100000 of 100000 tuples"), "{init}");
    assert!(init.contains("creating primary keys"), "{init}");
    for mode in ["simple", "extended", "prepared"] {
        // -n: no VACUUM and no TRUNCATE of the history, which the sums below need.
        let report = pgbench(
            served.port,
            &["-n", "-c", "4", "-j", "2", "-T", "10", "-M", mode],
        );
        let done = figure(&report, "number of transactions actually processed:");
        let failed = figure(&report, "number of failed transactions:");
        assert!(done > 0, "{mode}: no transaction ran:\n{report}");
        assert_eq!(failed, 0, "{mode}:\n{report}");
    }
    runtime().block_on(async {
        let c = connect(served.port).await;
        let row = c
            .query_one(
                "SELECT (SELECT sum(abalance) FROM pgbench_accounts), \
                        (SELECT sum(tbalance) FROM pgbench_tellers), \
                        (SELECT sum(bbalance) FROM pgbench_branches), \
                        (SELECT sum(delta) FROM pgbench_history), \
                        (SELECT count(*) FROM pgbench_history)",
                &[],
            )
            .await
            .unwrap();
        let (a, t, b, h): (i64, i64, i64, i64) = (row.get(0), row.get(1), row.get(2), row.get(3));
        let n: i64 = row.get(4);
        assert!(n > 0);
        assert_eq!((a, t, b), (h, h, h), "balances against history deltas");
        // The primary keys exist and hold: a duplicate is refused.
        let e = c
            .execute(
                "INSERT INTO pgbench_branches (bid, bbalance) VALUES (1, 0)",
                &[],
            )
            .await
            .unwrap_err();
        assert_eq!(e.code().map(|c| c.code()), Some("23505"));
    });
}

#[test]
fn copy_over_the_extended_protocol() {
    let served = Served::start();
    runtime().block_on(async {
        let c = connect(served.port).await;
        c.batch_execute("CREATE TABLE t (id int PRIMARY KEY, name text, at date)")
            .await
            .unwrap();
        // COPY FROM STDIN, data in several CopyData messages, split mid-line.
        let sink = c.copy_in("COPY t (id, name, at) FROM STDIN").await.unwrap();
        let mut sink = Box::pin(sink);
        for chunk in [
            "1\tone\t2024-01-02\n2\t\\N\t",
            "\\N\n3\ttab\\there\t2024-03-04\n",
        ] {
            sink.send(bytes::Bytes::from(chunk)).await.unwrap();
        }
        assert_eq!(sink.as_mut().finish().await.unwrap(), 3);
        // CSV with a header, out again.
        let stream = c
            .copy_out(
                "COPY (SELECT id, name FROM t ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)",
            )
            .await
            .unwrap();
        let chunks: Vec<bytes::Bytes> = stream.map(|r| r.unwrap()).collect().await;
        let text: String = chunks
            .iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect();
        assert_eq!(text, "id,name\n1,one\n2,\n3,tab\there\n");
        // Bad data loads nothing: 22P02, with PostgreSQL's CONTEXT.
        let sink = c.copy_in("COPY t FROM STDIN").await.unwrap();
        let mut sink = Box::pin(sink);
        sink.send(bytes::Bytes::from("4\tfour\t\\N\nfive\tx\t\\N\n"))
            .await
            .unwrap();
        let e = sink.as_mut().finish().await.unwrap_err();
        let db = e.as_db_error().expect("a server error");
        assert_eq!(db.code().code(), "22P02");
        assert_eq!(db.where_(), Some("COPY t, line 2, column id: \"five\""));
        let n: i64 = c
            .query_one("SELECT count(*) FROM t", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 3);
    });
}
