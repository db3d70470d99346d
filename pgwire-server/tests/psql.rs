//! psql sessions against `quill serve`: each script in `tests/psql/*.sql` runs as
//! `psql -X -a -f SCRIPT` against a server started on a free port with a fresh data
//! directory, and its output (stderr merged) must equal PostgreSQL 15's for the same script,
//! recorded in `tests/psql/expected/` by `tests/psql/regenerate.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const QUILL: &str = env!("CARGO_BIN_EXE_quill");

fn psql_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/psql")
}

/// A running `quill serve` on a port it chose.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let mut child = Command::new(QUILL)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start quill");
        let stderr = child.stderr.take().expect("quill stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.contains("ready on ") => {
                    let addr = line.rsplit("ready on ").next().unwrap_or("").trim();
                    break addr
                        .rsplit(':')
                        .next()
                        .and_then(|p| p.parse().ok())
                        .expect("port in the ready line");
                }
                Ok(_) => {}
                Err(e) => {
                    let _ = child.kill();
                    panic!("quill did not get ready: {e}");
                }
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || while lines.recv().is_ok() {});
        Server { child, port }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs one script and returns what psql printed (stdout then stderr lines, interleaved as
/// psql writes them, since both go to one pipe).
fn run_psql(port: u16, script: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "psql -X -a -h 127.0.0.1 -p {port} -U postgres -d postgres -f {script} 2>&1"
        ))
        .current_dir(psql_dir())
        .env("PGCONNECT_TIMEOUT", "10")
        .env_remove("PGPASSWORD")
        .output()
        .expect("run psql (is postgresql-client installed?)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The first differing line, with context, for a readable failure.
fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let i = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let from = i.saturating_sub(6);
    format!(
        "first difference at line {}\n--- expected (PostgreSQL 15)\n{}\n--- actual (Quill)\n{}",
        i + 1,
        e[from..(i + 6).min(e.len())].join("\n"),
        a[from..(i + 6).min(a.len())].join("\n"),
    )
}

#[test]
fn psql_sessions_match_postgres() {
    let has_psql = Command::new("psql")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_psql,
        "psql is not installed (.ci/run installs postgresql-client)"
    );
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(psql_dir())
        .expect("tests/psql")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    scripts.sort();
    assert!(!scripts.is_empty(), "no psql scripts in tests/psql");
    let mut failures = Vec::new();
    for script in &scripts {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = Server::start(&dir.path().join("data"));
        let name = script
            .file_name()
            .and_then(|n| n.to_str())
            .expect("script name");
        let actual = run_psql(server.port, name);
        let expected_path = psql_dir()
            .join("expected")
            .join(name.replace(".sql", ".out"));
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        if actual != expected {
            failures.push(format!("{name}: {}", first_difference(&expected, &actual)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn version_names_the_server_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("data"));
    let out = Command::new("psql")
        .args([
            "-X",
            "-At",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
        ])
        .args(["-p", &server.port.to_string()])
        .args(["-c", "SELECT version()", "-c", "SHOW server_version"])
        .output()
        .expect("run psql (is postgresql-client installed?)");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let number = lines[1].split_whitespace().next().unwrap_or("");
    assert!(number.starts_with("15."), "server_version {}", lines[1]);
    assert!(
        lines[0].starts_with(&format!("PostgreSQL {number} (Quill ")),
        "version() {} does not name server_version {number}",
        lines[0]
    );
}
