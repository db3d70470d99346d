//! The Quill backend of the isolation runner: the embedded engine, one [`engine::Session`]
//! per spec session (each driven from its own thread by the runner) and a control session,
//! all on one [`engine::Database`] opened in a fresh temporary directory.
//!
//! Whether a session is blocked is asked of the engine itself, through a probe the backend
//! gets for each session from its [`ProbeFactory`] (the engine's wait probe: true while the
//! session's statement waits for a lock or for another transaction to end). Values print as
//! PostgreSQL's text output, errors as `ERROR:  message`, notices as the server would send
//! them.

use engine::{Database, Session, StatementResult};

use super::output::{BlockOutcome, ServerError, StmtResult, Table};
use super::runner::{Backend, NoticeSink, RunError, SessionConn};

/// Says whether one session's current statement is waiting for another session.
pub type WaitCheck = Box<dyn Fn() -> bool + Send + Sync>;

/// Makes the [`WaitCheck`] of a session.
pub type ProbeFactory = Box<dyn Fn(&Session) -> WaitCheck>;

/// Quill's embedded engine as an isolation backend (a new database per spec).
pub struct QuillBackend {
    probe_of: ProbeFactory,
    /// Holds the database directory; removed when the backend is dropped.
    dir: Option<tempfile::TempDir>,
    db: Option<Database>,
    control: Option<Session>,
    probes: Vec<WaitCheck>,
    cancels: Vec<engine::CancelHandle>,
}

impl QuillBackend {
    pub fn new(probe_of: ProbeFactory) -> QuillBackend {
        QuillBackend {
            probe_of,
            dir: None,
            db: None,
            control: None,
            probes: Vec::new(),
            cancels: Vec::new(),
        }
    }
}

/// Runs `sql` in `session`, reporting its notices to `sink` first (they reach a client
/// before the statement's result).
fn run_block(session: &mut Session, sql: &str, sink: Option<&NoticeSink>) -> BlockOutcome {
    let result = session.execute(sql);
    let notices = session.take_notices();
    if let Some(sink) = sink {
        for n in notices {
            let mut text = format!("{}:  {}\n", n.severity.as_str(), n.message);
            if let Some(d) = &n.detail {
                text.push_str(&format!("DETAIL:  {d}\n"));
            }
            if let Some(h) = &n.hint {
                text.push_str(&format!("HINT:  {h}\n"));
            }
            sink(text);
        }
    }
    match result {
        Ok(results) => BlockOutcome {
            results: results
                .into_iter()
                .map(|r| match r {
                    StatementResult::Rows(rows) => StmtResult::Rows(Table {
                        columns: rows.columns.iter().map(|c| c.name.clone()).collect(),
                        rows: rows
                            .rows
                            .iter()
                            .map(|row| row.iter().map(|v| v.to_text()).collect())
                            .collect(),
                    }),
                    _ => StmtResult::Command,
                })
                .collect(),
            error: None,
        },
        Err(e) => BlockOutcome {
            results: Vec::new(),
            error: Some(ServerError {
                severity: "ERROR".into(),
                message: e.to_string(),
            }),
        },
    }
}

struct QuillSession {
    session: Session,
    sink: NoticeSink,
}

impl SessionConn for QuillSession {
    fn run(&mut self, sql: &str) -> Result<BlockOutcome, RunError> {
        Ok(run_block(&mut self.session, sql, Some(&self.sink)))
    }
}

impl Backend for QuillBackend {
    fn open(
        &mut self,
        sessions: &[String],
        sinks: Vec<NoticeSink>,
    ) -> Result<Vec<Box<dyn SessionConn>>, RunError> {
        let dir = tempfile::Builder::new()
            .prefix("quill-isolation")
            .tempdir()
            .map_err(|e| RunError::Connection(format!("temporary directory: {e}")))?;
        let db = Database::open(dir.path()).map_err(|e| RunError::Connection(e.to_string()))?;
        self.control = Some(db.session());
        self.probes.clear();
        self.cancels.clear();
        let mut conns: Vec<Box<dyn SessionConn>> = Vec::new();
        for (_, sink) in sessions.iter().zip(sinks) {
            let session = db.session();
            self.probes.push((self.probe_of)(&session));
            self.cancels.push(session.cancel_handle());
            conns.push(Box::new(QuillSession { session, sink }));
        }
        self.db = Some(db);
        self.dir = Some(dir);
        Ok(conns)
    }

    fn control(&mut self, sql: &str) -> Result<BlockOutcome, RunError> {
        let control = self
            .control
            .as_mut()
            .ok_or_else(|| RunError::Connection("not open".into()))?;
        Ok(run_block(control, sql, None))
    }

    fn is_blocked(&mut self, session: usize) -> Result<bool, RunError> {
        self.probes
            .get(session)
            .map(|p| p())
            .ok_or_else(|| RunError::Probe(format!("no session {session}")))
    }

    fn cancel(&mut self, session: usize) {
        if let Some(c) = self.cancels.get(session) {
            c.cancel();
        }
    }
}
