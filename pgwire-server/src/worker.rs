//! Each connection's engine [`Session`] lives on a thread of its own: engine calls block
//! (a statement waits for a row or table lock another session's transaction holds), and
//! many sessions wait at once without holding up the others. The
//! connection's async task sends closures to the thread and awaits their results.
//!
//! The thread ends when the connection drops its [`SessionWorker`]; dropping the session
//! rolls back a transaction left open. Each thread holds an [`Alive`] token until it has
//! dropped its session and database handle, so the server can wait for all sessions to be
//! gone before it closes the database.

use engine::{Database, Session};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce(&mut Session) + Send>;

/// Held by every session thread while it runs; the server waits for all of them to drop.
pub type Alive = tokio::sync::mpsc::Sender<()>;

/// The session thread has ended (an engine panic, or the server is shutting down).
#[derive(Debug, thiserror::Error)]
#[error("the session's engine thread has ended")]
pub struct WorkerGone;

/// A handle to one connection's session thread.
pub struct SessionWorker {
    jobs: mpsc::Sender<Job>,
}

impl SessionWorker {
    /// Starts a thread with a new session of `db`.
    pub fn spawn(db: Database, name: String, alive: Alive) -> std::io::Result<SessionWorker> {
        let (jobs, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new().name(name).spawn(move || {
            let mut session = db.session();
            while let Ok(job) = rx.recv() {
                if catch_unwind(AssertUnwindSafe(|| job(&mut session))).is_err() {
                    tracing::error!("engine panicked; closing the session");
                    break;
                }
            }
            drop(session);
            drop(db);
            drop(alive);
        })?;
        Ok(SessionWorker { jobs })
    }

    /// Queues `f` to run on the session thread without waiting for it (jobs run in order).
    pub fn post(&self, f: impl FnOnce(&mut Session) + Send + 'static) {
        let _ = self.jobs.send(Box::new(f));
    }

    /// Runs `f` on the session thread and returns its result.
    pub async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> R + Send + 'static,
    ) -> Result<R, WorkerGone> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Box::new(move |s: &mut Session| {
                let _ = tx.send(f(s));
            }))
            .map_err(|_| WorkerGone)?;
        rx.await.map_err(|_| WorkerGone)
    }
}
