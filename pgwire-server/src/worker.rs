//! A connection's engine [`Session`], run on the connection's own thread.
//!
//! Every connection is served by a thread of its own running a single-threaded async
//! runtime ([`crate::server`]), as PostgreSQL serves each with a process of its own. Engine
//! calls block (a statement waits for a row or table lock another session's transaction
//! holds) and may run long; blocking the connection's own runtime holds up nothing but that
//! connection, which has nothing else to do meanwhile. So the session is called directly,
//! on the thread that reads and writes the socket: a message costs no hop between threads.
//!
//! A panic in the engine ends the session (later calls fail with [`WorkerGone`]) and so the
//! connection, never the server. Dropping the worker drops the session, which rolls back a
//! transaction left open, then gives back the [`Alive`] token: the server waits for all of
//! them before it closes the database.

use engine::{Database, Session};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

/// Held by every session while it exists; the server waits for all of them to drop.
pub type Alive = tokio::sync::mpsc::Sender<()>;

/// The session has ended (an engine panic).
#[derive(Debug, thiserror::Error)]
#[error("the session's engine has ended")]
pub struct WorkerGone;

/// One connection's session.
pub struct SessionWorker {
    /// The session; `None` once an engine panic ended it. Only the connection's thread
    /// takes the mutex (it is there because the protocol handlers must be `Sync`), so it is
    /// never contended and never held across an await.
    session: Mutex<Option<Session>>,
    /// Dropped after the session (fields drop in order).
    _alive: Alive,
}

impl SessionWorker {
    /// A new session of `db`, run on the calling (the connection's) thread.
    pub fn open(db: &Database, alive: Alive) -> SessionWorker {
        SessionWorker {
            session: Mutex::new(Some(db.session())),
            _alive: alive,
        }
    }

    fn call<R>(&self, f: impl FnOnce(&mut Session) -> R) -> Result<R, WorkerGone> {
        let mut guard = self.session.lock().map_err(|_| WorkerGone)?;
        let session = guard.as_mut().ok_or(WorkerGone)?;
        match catch_unwind(AssertUnwindSafe(|| f(session))) {
            Ok(r) => Ok(r),
            Err(_) => {
                tracing::error!("engine panicked; closing the session");
                *guard = None;
                Err(WorkerGone)
            }
        }
    }

    /// Runs `f` on the session now, ignoring its result (an ended session runs nothing).
    pub fn post(&self, f: impl FnOnce(&mut Session)) {
        let _ = self.call(f);
    }

    /// Runs `f` on the session and returns its result. Kept `async` so callers read as the
    /// protocol handlers they are; it completes without yielding.
    pub async fn run<R>(&self, f: impl FnOnce(&mut Session) -> R) -> Result<R, WorkerGone> {
        self.call(f)
    }
}
