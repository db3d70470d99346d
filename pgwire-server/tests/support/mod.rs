//! Shared by the server tests: an in-process server with a chosen configuration on
//! 127.0.0.1 (port 0) over a temporary data directory, raw protocol helpers, and a
//! `quill serve` process ([`Served`]) for tests that drive the binary.

#![allow(dead_code)]

use pgwire_server::{Server, ServerConfig};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_postgres::{Client, NoTls};

pub const LIMIT: Duration = Duration::from_secs(60);

/// A client of `server` (as `postgres`) whose connection forwards every asynchronous
/// message (notice, notification) that `pick` maps to a value to the returned channel.
pub async fn client_with_messages<T: Send + 'static>(
    server: &TestServer,
    pick: impl Fn(tokio_postgres::AsyncMessage) -> Option<T> + Send + 'static,
) -> (Client, tokio::sync::mpsc::UnboundedReceiver<T>) {
    use futures::StreamExt;
    let (client, mut connection) = server
        .conf("postgres", None)
        .connect(NoTls)
        .await
        .expect("connects");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(m)) = messages.next().await {
            if let Some(v) = pick(m) {
                let _ = tx.send(v);
            }
        }
    });
    (client, rx)
}

pub struct TestServer {
    pub addr: SocketAddr,
    /// The temporary directory holding the data directory, when the server made it.
    pub dir: Option<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), pgwire_server::ServerError>>,
}

impl TestServer {
    /// Starts a server on a fresh data directory; `configure` adjusts the configuration
    /// (the data directory is `dir/data`).
    pub async fn start(configure: impl FnOnce(&mut ServerConfig, &std::path::Path)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut config = ServerConfig::new(dir.path().join("data"), "127.0.0.1:0".parse().unwrap());
        configure(&mut config, dir.path());
        Self::launch(config, Some(dir)).await
    }

    /// Starts a server with the default configuration over the data directory `data` (which
    /// outlives it, e.g. to restart on it).
    pub async fn start_at(data: &Path) -> TestServer {
        Self::launch(
            ServerConfig::new(data, "127.0.0.1:0".parse().unwrap()),
            None,
        )
        .await
    }

    async fn launch(config: ServerConfig, dir: Option<tempfile::TempDir>) -> TestServer {
        let server = Server::bind(config).await.expect("server starts");
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            dir,
            stop: Some(stop),
            task,
        }
    }

    pub fn conf(&self, user: &str, password: Option<&str>) -> tokio_postgres::Config {
        let mut c = tokio_postgres::Config::new();
        c.host("127.0.0.1")
            .port(self.addr.port())
            .user(user)
            .dbname("postgres")
            .connect_timeout(Duration::from_secs(10));
        if let Some(p) = password {
            c.password(p);
        }
        c
    }

    pub async fn try_connect(
        &self,
        user: &str,
        password: Option<&str>,
    ) -> Result<Client, tokio_postgres::Error> {
        let (client, connection) = self.conf(user, password).connect(NoTls).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(client)
    }

    pub async fn connect(&self, user: &str, password: Option<&str>) -> Client {
        self.try_connect(user, password).await.expect("connects")
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(30), &mut self.task)
            .await
            .expect("server stops in time")
            .expect("server task")
            .expect("server ran cleanly");
    }
}

/// The SQLSTATE of a failed call ("" if it has none).
pub fn code(e: &tokio_postgres::Error) -> String {
    e.code().map(|c| c.code().to_owned()).unwrap_or_default()
}

/// A startup packet for protocol 3.0 with these parameters.
pub fn startup_packet(params: &[(&str, &str)]) -> Vec<u8> {
    let mut body = vec![0, 3, 0, 0];
    for (k, v) in params {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut p = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    p.extend(body);
    p
}

/// Everything the server sends until it closes the connection (bounded in time).
pub async fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut seen))
        .await
        .expect("the server closes the connection")
        .ok();
    seen
}

/// A raw connection that has completed a trust startup as `postgres`.
pub async fn raw_session(addr: SocketAddr) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(&startup_packet(&[
        ("user", "postgres"),
        ("database", "postgres"),
    ]))
    .await
    .unwrap();
    // Read until ReadyForQuery ('Z', length 5, status).
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !seen.windows(6).any(|w| w == b"Z\x00\x00\x00\x05I") {
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
            .await
            .expect("startup completes")
            .unwrap();
        assert!(n > 0, "closed during startup: {seen:?}");
        seen.extend_from_slice(&buf[..n]);
    }
    s
}

/// The SQLSTATE fields (`C`) of the ErrorResponses in `bytes`.
pub fn error_codes(bytes: &[u8]) -> Vec<String> {
    let mut codes = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 5 {
        let len = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]) as usize;
        if rest.len() < 1 + len {
            break;
        }
        if rest[0] == b'E' {
            for field in rest[5..1 + len].split(|&b| b == 0) {
                if let Some(c) = field.strip_prefix(b"C") {
                    codes.push(String::from_utf8_lossy(c).into_owned());
                }
            }
        }
        rest = &rest[1 + len..];
    }
    codes
}

pub const QUILL: &str = env!("CARGO_BIN_EXE_quill");

/// A running `quill serve` with its stderr lines arriving on a channel.
pub struct Served {
    child: Child,
    lines: mpsc::Receiver<String>,
    pub port: u16,
}

impl Served {
    /// Starts `quill serve` on 127.0.0.1 and a free port over `dir` (created if missing).
    pub fn start(dir: &Path) -> Served {
        let mut child = Command::new(QUILL)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
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
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut served = Served {
            child,
            lines,
            port: 0,
        };
        let line = served.wait_for("ready on ");
        let addr = line.rsplit("ready on ").next().unwrap().trim();
        served.port = addr.rsplit(':').next().unwrap().parse().unwrap();
        served
    }

    /// Waits (30 s at most) for a line of the server's log containing `text`.
    pub fn wait_for(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(text) => return line,
                Ok(_) => {}
                Err(e) => {
                    let _ = self.child.kill();
                    panic!("no line with {text:?} from quill: {e}");
                }
            }
        }
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn terminate(mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        self.wait_for("database closed");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "quill exited with {status}");
                return;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("quill did not exit after SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
