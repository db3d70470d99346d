//! A session on its own thread, stepped from a test: a step returns once it finished or
//! the engine's wait probe reports it waiting (never a sleep), so interleavings are fixed.

use engine::{Database, Session, WaitProbe};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// A session on its own thread, driven step by step.
pub struct Worker {
    tx: mpsc::Sender<String>,
    rx: mpsc::Receiver<Result<Vec<Vec<String>>, String>>,
    probe: WaitProbe,
    handle: Option<thread::JoinHandle<()>>,
}

impl Worker {
    pub fn new(db: &Database) -> Worker {
        let mut s = db.session();
        let probe = s.wait_probe();
        let (tx, step_rx) = mpsc::channel::<String>();
        let (res_tx, rx) = mpsc::channel();
        let handle = thread::spawn(move || {
            for sql in step_rx {
                let r = run(&mut s, &sql);
                if res_tx.send(r).is_err() {
                    break;
                }
            }
        });
        Worker {
            tx,
            rx,
            probe,
            handle: Some(handle),
        }
    }

    /// Starts `sql`; returns once it finished or the engine reports it waiting.
    pub fn start(&self, sql: &str) -> Option<Result<Vec<Vec<String>>, String>> {
        self.tx.send(sql.to_owned()).expect("worker alive");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = self.rx.try_recv() {
                return Some(r);
            }
            if self.probe.is_waiting() {
                return None;
            }
            assert!(
                Instant::now() < deadline,
                "{sql}: neither finished nor waiting"
            );
            thread::yield_now();
        }
    }

    /// Runs `sql`, which must finish without waiting.
    pub fn ok(&self, sql: &str) -> Vec<Vec<String>> {
        match self.start(sql) {
            Some(Ok(r)) => r,
            Some(Err(e)) => panic!("{sql}: {e}"),
            None => panic!("{sql}: waits"),
        }
    }

    /// Runs `sql`, which must wait.
    pub fn blocks(&self, sql: &str) {
        assert!(self.start(sql).is_none(), "{sql} did not wait");
    }

    /// Whether the statement sent last still waits.
    pub fn is_waiting(&self) -> bool {
        self.probe.is_waiting()
    }

    /// The result of the statement that was waiting.
    pub fn finish(&self) -> Result<Vec<Vec<String>>, String> {
        self.rx
            .recv_timeout(Duration::from_secs(30))
            .expect("waiting statement finished")
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the channel ends the thread once its statement is done; a failed test
        // must not hang joining a thread that waits for another worker's transaction.
        let (tx, _) = mpsc::channel();
        drop(std::mem::replace(&mut self.tx, tx));
        if !thread::panicking() {
            if let Some(h) = self.handle.take() {
                let _ = h.join();
            }
        }
    }
}

/// Runs every statement of `sql`; the rows of the last, or "SQLSTATE: message".
pub fn run(s: &mut Session, sql: &str) -> Result<Vec<Vec<String>>, String> {
    match s.execute(sql) {
        Ok(results) => Ok(match results.into_iter().last() {
            Some(engine::StatementResult::Rows(r)) => r
                .rows
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|v| v.to_text().unwrap_or_else(|| "NULL".into()))
                        .collect()
                })
                .collect(),
            _ => Vec::new(),
        }),
        Err(e) => Err(format!("{}: {e}", e.sqlstate())),
    }
}
