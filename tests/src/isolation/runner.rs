//! Runs a spec's permutations against a [`Backend`] and prints what isolationtester prints.
//!
//! Each spec session gets its own connection, driven by its own thread: the runner sends a
//! step's SQL over a channel and polls for the outcome. A step that has not finished is
//! *waiting* only when the backend says its session is blocked by another one (PostgreSQL:
//! `pg_isolation_test_session_is_blocked`; Quill: the session's wait probe), never because
//! time passed. The schedule follows isolationtester (PostgreSQL 15):
//!
//! - setup blocks run on the control connection; session setups on their sessions; a
//!   failing setup ends the spec;
//! - a step is sent, then polled until it finishes or is blocked; a blocked step prints
//!   `step NAME: SQL <waiting ...>` and the permutation goes on; after every step the waiting
//!   steps are polled again, and one that finished prints `step NAME: <... completed>` and its
//!   results;
//! - a step of a session whose earlier step is still running first waits for that step;
//! - blocker annotations (`(*)`, `(other)`, `(other notices N)`) hold a step's completion
//!   back as described in [`super::spec`];
//! - at the end the remaining waiting steps are awaited, then session teardowns and the
//!   teardown block run.
//!
//! Nothing waits forever: each permutation has a deadline, and a permutation that passes it
//! fails with [`RunError::Timeout`] naming the step being waited for (the running steps are
//! then cancelled and the spec stops).

use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::output::{print_outcome, print_table, BlockOutcome, StmtResult};
use super::spec::{Blocker, Permutation, Spec};

/// How often a running step is checked for completion or a lock wait.
const POLL: Duration = Duration::from_millis(10);

/// Receives the notices of one session, already formatted (`NOTICE:  text`, then any
/// `DETAIL:` / `HINT:` lines, each ending in a newline).
pub type NoticeSink = Box<dyn Fn(String) + Send + Sync>;

/// A database the runner can drive.
pub trait Backend {
    /// Opens a connection per session (in the spec's order), each reporting its notices to
    /// its sink, plus whatever the backend needs for [`Backend::control`] and
    /// [`Backend::is_blocked`]. Called once per spec.
    fn open(
        &mut self,
        sessions: &[String],
        sinks: Vec<NoticeSink>,
    ) -> Result<Vec<Box<dyn SessionConn>>, RunError>;

    /// Runs a setup or teardown block on the control connection.
    fn control(&mut self, sql: &str) -> Result<BlockOutcome, RunError>;

    /// Whether session `session`'s current statement is waiting for another session (a
    /// lock, or another transaction's end).
    fn is_blocked(&mut self, session: usize) -> Result<bool, RunError>;

    /// Asks session `session`'s running statement to stop (best effort).
    fn cancel(&mut self, session: usize);
}

/// One session's connection, driven from its own thread.
pub trait SessionConn: Send {
    /// Runs an SQL block (one or more statements) to its end.
    fn run(&mut self, sql: &str) -> Result<BlockOutcome, RunError>;
}

/// Why a spec could not be run to its end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("connection failed: {0}")]
    Connection(String),
    #[error("setup failed: {0}")]
    Setup(String),
    #[error("setup of session {session} failed: {message}")]
    SessionSetup { session: String, message: String },
    #[error("lock wait query failed: {0}")]
    Probe(String),
    #[error(
        "step {step} did not finish within {seconds} s (running steps: {running}); \
         is it waiting without the backend reporting it?"
    )]
    Timeout {
        step: String,
        seconds: u64,
        running: String,
    },
    #[error("failed to complete permutation due to mutually-blocking steps")]
    MutuallyBlocking,
    #[error("session {0} stopped unexpectedly")]
    SessionLost(String),
}

/// What a spec run printed, and the error that cut it short, if one did.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecRun {
    pub output: String,
    pub error: Option<RunError>,
}

enum Event {
    Notice(String),
    Done(Result<BlockOutcome, RunError>),
}

struct SessionState {
    name: String,
    commands: Option<Sender<String>>,
    events: Receiver<Event>,
    thread: Option<JoinHandle<()>>,
    /// The permutation step this session is running, by position in the permutation.
    active: Option<usize>,
    /// The active step's outcome when it has arrived but is not reported yet (a blocker
    /// annotation holds it back).
    finished: Option<BlockOutcome>,
    total_notices: usize,
}

/// Runs every permutation of `spec` (see [`Spec::permutations_to_run`]) with a deadline of
/// `deadline` per permutation.
pub fn run_spec(backend: &mut dyn Backend, spec: &Spec, deadline: Duration) -> SpecRun {
    let mut run = Run {
        spec,
        backend,
        sessions: Vec::new(),
        out: format!("Parsed test spec with {} sessions\n", spec.sessions.len()),
        deadline,
        started: Instant::now(),
        steps: Vec::new(),
        targets: HashMap::new(),
        any_new_notice: false,
    };
    let error = run.open().and_then(|()| {
        for p in spec.permutations_to_run() {
            run.permutation(&p)?;
        }
        Ok(())
    });
    if error.is_err() {
        run.abandon();
    }
    run.close();
    SpecRun {
        output: run.out,
        error: error.err(),
    }
}

/// A permutation step resolved against the spec.
struct ResolvedStep {
    name: String,
    sql: String,
    session: usize,
    blockers: Vec<Blocker>,
}

struct Run<'a> {
    spec: &'a Spec,
    backend: &'a mut dyn Backend,
    sessions: Vec<SessionState>,
    out: String,
    deadline: Duration,
    /// When the current permutation started.
    started: Instant,
    /// The current permutation's steps.
    steps: Vec<ResolvedStep>,
    /// For `(other notices N)` blockers, by (step position, blocker position): the total
    /// notice count of `other`'s session that releases the step.
    targets: HashMap<(usize, usize), usize>,
    /// A notice arrived since the flag was last cleared.
    any_new_notice: bool,
}

impl Run<'_> {
    fn open(&mut self) -> Result<(), RunError> {
        let names: Vec<String> = self.spec.sessions.iter().map(|s| s.name.clone()).collect();
        let mut channels = Vec::new();
        let mut sinks: Vec<NoticeSink> = Vec::new();
        for _ in &names {
            let (tx, rx) = mpsc::channel::<Event>();
            let notice_tx = tx.clone();
            sinks.push(Box::new(move |n| {
                let _ = notice_tx.send(Event::Notice(n));
            }));
            channels.push((tx, rx));
        }
        let conns = self.backend.open(&names, sinks)?;
        for ((name, mut conn), (tx, rx)) in names.into_iter().zip(conns).zip(channels) {
            let (cmd_tx, cmd_rx) = mpsc::channel::<String>();
            let thread = std::thread::Builder::new()
                .name(format!("isolation session {name}"))
                .spawn(move || {
                    while let Ok(sql) = cmd_rx.recv() {
                        if tx.send(Event::Done(conn.run(&sql))).is_err() {
                            break;
                        }
                    }
                })
                .map_err(|e| RunError::Connection(format!("cannot start a thread: {e}")))?;
            self.sessions.push(SessionState {
                name,
                commands: Some(cmd_tx),
                events: rx,
                thread: Some(thread),
                active: None,
                finished: None,
                total_notices: 0,
            });
        }
        Ok(())
    }

    /// Cancels what still runs after a failure, so the session threads can end.
    fn abandon(&mut self) {
        for i in 0..self.sessions.len() {
            if self.sessions[i].active.is_some() {
                self.backend.cancel(i);
            }
        }
    }

    /// Closes the sessions' command channels and joins the threads that end within a few
    /// seconds; one stuck in a statement that ignores cancellation is left behind.
    fn close(&mut self) {
        for s in &mut self.sessions {
            s.commands = None;
        }
        let until = Instant::now() + Duration::from_secs(5);
        for s in &mut self.sessions {
            if let Some(t) = s.thread.take() {
                while !t.is_finished() && Instant::now() < until {
                    std::thread::sleep(POLL);
                }
                if t.is_finished() {
                    let _ = t.join();
                }
            }
        }
    }

    fn send(&mut self, session: usize, sql: &str) -> Result<(), RunError> {
        let s = &self.sessions[session];
        s.commands
            .as_ref()
            .and_then(|c| c.send(sql.to_string()).ok())
            .ok_or_else(|| RunError::SessionLost(s.name.clone()))
    }

    /// Handles one event of `session`: notices are printed as they arrive, prefixed with the
    /// session's name, as isolationtester's notice processor prints them.
    fn handle(&mut self, session: usize, event: Event) -> Result<(), RunError> {
        match event {
            Event::Notice(text) => {
                let s = &mut self.sessions[session];
                self.out.push_str(&format!("{}: {text}", s.name));
                s.total_notices += 1;
                self.any_new_notice = true;
            }
            Event::Done(outcome) => self.sessions[session].finished = Some(outcome?),
        }
        Ok(())
    }

    /// Takes every event `session` has sent so far, waiting up to `wait` for the first.
    fn drain(&mut self, session: usize, wait: Duration) -> Result<(), RunError> {
        let first = match self.sessions[session].events.recv_timeout(wait) {
            Ok(e) => e,
            Err(RecvTimeoutError::Timeout) => return Ok(()),
            Err(RecvTimeoutError::Disconnected) => {
                return Err(RunError::SessionLost(self.sessions[session].name.clone()))
            }
        };
        self.handle(session, first)?;
        while let Ok(e) = self.sessions[session].events.try_recv() {
            self.handle(session, e)?;
        }
        Ok(())
    }

    fn check_deadline(&self, waiting_for: &str) -> Result<(), RunError> {
        if self.started.elapsed() <= self.deadline {
            return Ok(());
        }
        let running: Vec<&str> = self
            .sessions
            .iter()
            .filter_map(|s| s.active.map(|a| self.steps[a].name.as_str()))
            .collect();
        Err(RunError::Timeout {
            step: waiting_for.to_string(),
            seconds: self.deadline.as_secs(),
            running: running.join(" "),
        })
    }

    /// Runs a setup or teardown block in a session and waits for it (no lock-wait check, as
    /// isolationtester runs these with a plain blocking call).
    fn session_block(&mut self, session: usize, sql: &str) -> Result<BlockOutcome, RunError> {
        self.send(session, sql)?;
        loop {
            self.drain(session, POLL)?;
            if let Some(o) = self.sessions[session].finished.take() {
                return Ok(o);
            }
            self.check_deadline(&format!("{} setup", self.sessions[session].name))?;
        }
    }

    fn permutation(&mut self, p: &Permutation) -> Result<(), RunError> {
        let names: Vec<&str> = p.steps.iter().map(|s| s.name.as_str()).collect();
        self.out
            .push_str(&format!("\nstarting permutation: {}\n", names.join(" ")));
        self.started = Instant::now();
        self.targets.clear();
        self.steps = Vec::new();
        for ps in &p.steps {
            let (session, step) = self
                .spec
                .step(&ps.name)
                .ok_or_else(|| RunError::Setup(format!("undefined step \"{}\"", ps.name)))?;
            self.steps.push(ResolvedStep {
                name: step.name.clone(),
                sql: step.sql.clone(),
                session,
                blockers: ps.blockers.clone(),
            });
        }

        for sql in &self.spec.setup {
            let o = self.backend.control(sql)?;
            if let Some(e) = o.error {
                return Err(RunError::Setup(e.message));
            }
            self.print_last(&o);
        }
        for (i, s) in self.spec.sessions.iter().enumerate() {
            if let Some(sql) = &s.setup {
                let o = self.session_block(i, sql)?;
                if let Some(e) = o.error {
                    return Err(RunError::SessionSetup {
                        session: s.name.clone(),
                        message: e.message,
                    });
                }
                self.print_last(&o);
            }
        }

        let mut waiting: Vec<usize> = Vec::new();
        for i in 0..self.steps.len() {
            let session = self.steps[i].session;
            // The session is still busy with an earlier step: wait for it, polling the
            // others, which may be what it waits for.
            while let Some(old) = self.sessions[session].active {
                if !self.try_complete(old, false, true)? {
                    waiting.retain(|w| *w != old);
                }
                self.try_complete_all(&mut waiting, true)?;
                if self.sessions[session].active.is_some() {
                    self.check_deadline(&self.steps[old].name)?;
                }
            }
            let sql = self.steps[i].sql.clone();
            self.send(session, &sql)?;
            self.sessions[session].active = Some(i);
            for (b, blocker) in self.steps[i].blockers.iter().enumerate() {
                if let Blocker::Notices(other, n) = blocker {
                    let other_session = self.session_of(other);
                    let target = self.sessions[other_session].total_notices + *n as usize;
                    self.targets.insert((i, b), target);
                }
            }
            let must_wait = self.try_complete(i, true, false)?;
            self.try_complete_all(&mut waiting, true)?;
            if must_wait {
                waiting.push(i);
            }
        }
        self.try_complete_all(&mut waiting, false)?;
        if !waiting.is_empty() {
            return Err(RunError::MutuallyBlocking);
        }

        for (i, s) in self.spec.sessions.iter().enumerate() {
            if let Some(sql) = &s.teardown {
                // A failing session teardown is reported by isolationtester on stderr only.
                let o = self.session_block(i, sql)?;
                if o.error.is_none() {
                    self.print_last(&o);
                }
            }
        }
        if let Some(sql) = &self.spec.teardown {
            let o = self.backend.control(sql)?;
            if o.error.is_none() {
                self.print_last(&o);
            }
        }
        Ok(())
    }

    /// Prints the result a blocking `PQexec` of a setup or teardown block returns: the last
    /// statement's, when it has rows.
    fn print_last(&mut self, o: &BlockOutcome) {
        if let Some(StmtResult::Rows(t)) = o.last() {
            print_table(&mut self.out, t);
        }
    }

    fn session_of(&self, step: &str) -> usize {
        self.steps
            .iter()
            .find(|s| s.name == step)
            .map(|s| s.session)
            .unwrap_or(0)
    }

    /// Polls the waiting steps until none of them changes state; returns with `waiting`
    /// holding those still not complete. Repeats while steps with blocker annotations wait
    /// and something finished or a notice arrived, so that the order of the list does not
    /// decide when they complete.
    fn try_complete_all(
        &mut self,
        waiting: &mut Vec<usize>,
        nonblock: bool,
    ) -> Result<(), RunError> {
        loop {
            self.any_new_notice = false;
            let before = waiting.len();
            let mut have_blocker = false;
            let mut w = 0;
            while w < waiting.len() {
                if self.try_complete(waiting[w], nonblock, true)? {
                    if !self.steps[waiting[w]].blockers.is_empty() {
                        have_blocker = true;
                    }
                    w += 1;
                } else {
                    waiting.remove(w);
                }
            }
            if !(have_blocker && (waiting.len() < before || self.any_new_notice)) {
                return Ok(());
            }
        }
    }

    /// Tries to complete step `i`, already sent. Returns `true` if it is not complete: with
    /// `nonblock`, because its session is blocked; or because a blocker annotation holds it.
    /// `retry` is set on every call after the first for the step.
    fn try_complete(&mut self, i: usize, nonblock: bool, retry: bool) -> Result<bool, RunError> {
        let session = self.steps[i].session;
        if !retry && self.steps[i].blockers.contains(&Blocker::Once) {
            self.print_waiting(i);
            return Ok(true);
        }
        while self.sessions[session].finished.is_none() {
            self.drain(session, POLL)?;
            if self.sessions[session].finished.is_some() {
                break;
            }
            if nonblock && self.backend.is_blocked(session)? {
                // It may have finished while we asked.
                self.drain(session, Duration::ZERO)?;
                if self.sessions[session].finished.is_some() {
                    break;
                }
                if !retry {
                    self.print_waiting(i);
                }
                return Ok(true);
            }
            self.check_deadline(&self.steps[i].name)?;
        }
        if self.has_blocker(i) {
            if !retry {
                self.print_waiting(i);
            }
            return Ok(true);
        }
        let step = &self.steps[i];
        if retry {
            self.out
                .push_str(&format!("step {}: <... completed>\n", step.name));
        } else {
            self.out
                .push_str(&format!("step {}: {}\n", step.name, step.sql));
        }
        let s = &mut self.sessions[session];
        s.active = None;
        if let Some(o) = s.finished.take() {
            print_outcome(&mut self.out, &o);
        }
        Ok(false)
    }

    fn print_waiting(&mut self, i: usize) {
        let step = &self.steps[i];
        self.out
            .push_str(&format!("step {}: {} <waiting ...>\n", step.name, step.sql));
    }

    /// Whether a blocker annotation of step `i` still holds it back.
    fn has_blocker(&self, i: usize) -> bool {
        self.steps[i]
            .blockers
            .iter()
            .enumerate()
            .any(|(b, blocker)| match blocker {
                Blocker::Once => false,
                Blocker::OtherStep(other) => {
                    let s = &self.sessions[self.session_of(other)];
                    s.active.is_some_and(|a| &self.steps[a].name == other)
                }
                Blocker::Notices(other, _) => {
                    let s = &self.sessions[self.session_of(other)];
                    self.targets
                        .get(&(i, b))
                        .is_some_and(|t| s.total_notices < *t)
                }
            })
    }
}
