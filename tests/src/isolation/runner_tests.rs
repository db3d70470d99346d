//! The runner's schedule checked against a scripted backend: named locks a step can wait
//! for, so waits, completions, blocker annotations and deadlines can be tested without a
//! database.
//!
//! A step's SQL is a command: `lock X` takes lock X (waiting while another session holds
//! it, until cancelled), `release` releases the session's locks, `rows A B` returns a
//! one-column table, `fail M` fails with message M, `notice M` raises a notice, `hang` waits
//! until cancelled.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::output::{BlockOutcome, ServerError, StmtResult, Table};
use super::runner::{run_spec, Backend, NoticeSink, RunError, SessionConn};
use super::spec::parse;

#[derive(Default)]
struct Locks {
    owner: Mutex<HashMap<String, usize>>,
    changed: Condvar,
}

#[derive(Default)]
struct Fake {
    locks: Arc<Locks>,
    waiting: Vec<Arc<AtomicBool>>,
    cancelled: Vec<Arc<AtomicBool>>,
}

struct FakeSession {
    id: usize,
    locks: Arc<Locks>,
    waiting: Arc<AtomicBool>,
    cancelled: Arc<AtomicBool>,
    sink: NoticeSink,
}

fn error(message: &str) -> BlockOutcome {
    BlockOutcome {
        results: Vec::new(),
        error: Some(ServerError {
            severity: "ERROR".into(),
            message: message.into(),
        }),
    }
}

impl SessionConn for FakeSession {
    fn run(&mut self, sql: &str) -> Result<BlockOutcome, RunError> {
        let (cmd, arg) = sql.split_once(' ').unwrap_or((sql, ""));
        let mut owner = self
            .locks
            .owner
            .lock()
            .map_err(|_| RunError::Probe("poisoned".into()))?;
        let ok = BlockOutcome {
            results: vec![StmtResult::Command],
            error: None,
        };
        match cmd {
            "lock" => {
                while owner.get(arg).is_some_and(|o| *o != self.id) {
                    self.waiting.store(true, Ordering::SeqCst);
                    if self.cancelled.swap(false, Ordering::SeqCst) {
                        self.waiting.store(false, Ordering::SeqCst);
                        return Ok(error("canceling statement due to user request"));
                    }
                    owner = self
                        .locks
                        .changed
                        .wait_timeout(owner, Duration::from_millis(5))
                        .map_err(|_| RunError::Probe("poisoned".into()))?
                        .0;
                }
                self.waiting.store(false, Ordering::SeqCst);
                owner.insert(arg.to_string(), self.id);
                Ok(ok)
            }
            "release" => {
                owner.retain(|_, o| *o != self.id);
                self.locks.changed.notify_all();
                Ok(ok)
            }
            "rows" => Ok(BlockOutcome {
                results: vec![StmtResult::Rows(Table {
                    columns: vec!["v".into()],
                    rows: arg.split(' ').map(|v| vec![Some(v.to_string())]).collect(),
                })],
                error: None,
            }),
            "fail" => Ok(error(arg)),
            "notice" => {
                (self.sink)(format!("NOTICE:  {arg}\n"));
                Ok(ok)
            }
            "hang" => {
                while !self.cancelled.swap(false, Ordering::SeqCst) {
                    owner = self
                        .locks
                        .changed
                        .wait_timeout(owner, Duration::from_millis(5))
                        .map_err(|_| RunError::Probe("poisoned".into()))?
                        .0;
                }
                Ok(error("canceling statement due to user request"))
            }
            _ => Ok(error("unknown command")),
        }
    }
}

impl Backend for Fake {
    fn open(
        &mut self,
        sessions: &[String],
        sinks: Vec<NoticeSink>,
    ) -> Result<Vec<Box<dyn SessionConn>>, RunError> {
        let mut conns: Vec<Box<dyn SessionConn>> = Vec::new();
        for (id, sink) in (0..sessions.len()).zip(sinks) {
            let waiting = Arc::new(AtomicBool::new(false));
            let cancelled = Arc::new(AtomicBool::new(false));
            self.waiting.push(waiting.clone());
            self.cancelled.push(cancelled.clone());
            conns.push(Box::new(FakeSession {
                id,
                locks: self.locks.clone(),
                waiting,
                cancelled,
                sink,
            }));
        }
        Ok(conns)
    }

    fn control(&mut self, sql: &str) -> Result<BlockOutcome, RunError> {
        Ok(match sql.strip_prefix("rows ") {
            Some(v) => BlockOutcome {
                results: vec![
                    StmtResult::Command,
                    StmtResult::Rows(Table {
                        columns: vec!["setup".into()],
                        rows: vec![vec![Some(v.to_string())]],
                    }),
                ],
                error: None,
            },
            None if sql.starts_with("fail") => error("bad setup"),
            None => BlockOutcome::default(),
        })
    }

    fn is_blocked(&mut self, session: usize) -> Result<bool, RunError> {
        Ok(self.waiting[session].load(Ordering::SeqCst))
    }

    fn cancel(&mut self, session: usize) {
        self.cancelled[session].store(true, Ordering::SeqCst);
    }
}

fn run(spec: &str, deadline: Duration) -> (String, Option<RunError>) {
    let spec = parse(spec).expect("spec parses");
    let r = run_spec(&mut Fake::default(), &spec, deadline);
    (r.output, r.error)
}

const SECONDS: Duration = Duration::from_secs(20);

#[test]
fn a_blocked_step_waits_and_completes_after_the_step_that_frees_it() {
    let (out, err) = run(
        "setup { rows 1 }
         session s1 step a1 { lock x } step r1 { release }
         session s2 step a2 { lock x } step v2 { rows 7 8 } step r2 { release }
         permutation a1 a2 r1 v2 r2",
        SECONDS,
    );
    assert_eq!(err, None);
    assert_eq!(
        out,
        "Parsed test spec with 2 sessions\n\
         \nstarting permutation: a1 a2 r1 v2 r2\n\
         setup\n-----\n    1\n(1 row)\n\n\
         step a1: lock x\n\
         step a2: lock x <waiting ...>\n\
         step r1: release\n\
         step a2: <... completed>\n\
         step v2: rows 7 8\nv\n-\n7\n8\n(2 rows)\n\n\
         step r2: release\n"
    );
}

#[test]
fn annotations_hold_completion_back() {
    let (out, err) = run(
        "session s1 step a1 { lock x } step n1 { notice hi } step r1 { release }
         session s2 step a2 { lock x } step q2 { rows 1 } step r2 { release }
         permutation a1 q2(*) n1 r1 a2(n1) r2
         permutation a1 a2 r1(a2) r2",
        SECONDS,
    );
    assert_eq!(err, None);
    assert_eq!(
        out,
        "Parsed test spec with 2 sessions\n\
         \nstarting permutation: a1 q2 n1 r1 a2 r2\n\
         step a1: lock x\n\
         step q2: rows 1 <waiting ...>\n\
         s1: NOTICE:  hi\n\
         step n1: notice hi\n\
         step q2: <... completed>\nv\n-\n1\n(1 row)\n\n\
         step r1: release\n\
         step a2: lock x\n\
         step r2: release\n\
         \nstarting permutation: a1 a2 r1 r2\n\
         step a1: lock x\n\
         step a2: lock x <waiting ...>\n\
         step r1: release <waiting ...>\n\
         step a2: <... completed>\n\
         step r2: release\n\
         step r1: <... completed>\n"
    );
}

#[test]
fn errors_print_after_the_step_and_every_interleaving_runs_without_permutations() {
    let (out, err) = run(
        "session s1 step f1 { fail oops } session s2 step g2 { rows 2 }",
        SECONDS,
    );
    assert_eq!(err, None);
    assert_eq!(
        out,
        "Parsed test spec with 2 sessions\n\
         \nstarting permutation: f1 g2\n\
         step f1: fail oops\nERROR:  oops\n\
         step g2: rows 2\nv\n-\n2\n(1 row)\n\n\
         \nstarting permutation: g2 f1\n\
         step g2: rows 2\nv\n-\n2\n(1 row)\n\n\
         step f1: fail oops\nERROR:  oops\n"
    );
}

#[test]
fn a_step_that_never_ends_fails_the_permutation_at_its_deadline() {
    let (out, err) = run(
        "session s1 step h1 { hang } session s2 step g2 { rows 2 } permutation h1 g2",
        Duration::from_millis(300),
    );
    assert!(out.ends_with("starting permutation: h1 g2\n"), "{out}");
    match err {
        Some(RunError::Timeout { step, running, .. }) => {
            assert_eq!(step, "h1");
            assert_eq!(running, "h1");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_step_of_a_session_still_blocked_waits_for_it_until_the_deadline() {
    let (out, err) = run(
        "session s1 step a1 { lock x } step r1 { release }
         session s2 step a2 { lock x } step r2 { release }
         permutation a1 a2 r2 r1",
        Duration::from_millis(300),
    );
    assert!(out.ends_with("step a2: lock x <waiting ...>\n"), "{out}");
    assert!(
        matches!(&err, Some(RunError::Timeout { step, .. }) if step == "a2"),
        "{err:?}"
    );
}

#[test]
fn a_failing_setup_stops_the_spec() {
    let (out, err) = run("setup { fail } session s step a { rows 1 }", SECONDS);
    assert_eq!(
        out,
        "Parsed test spec with 1 sessions\n\nstarting permutation: a\n"
    );
    assert_eq!(err, Some(RunError::Setup("bad setup".into())));
}
