//! Statement cancellation (PostgreSQL's QueryCancelPending and CHECK_FOR_INTERRUPTS) and
//! statement timeouts.
//!
//! Each session owns a [`CancelHandle`]; clones of it may be used from any thread (the
//! server's CancelRequest handler) to ask the session's running statement to stop. A
//! statement runs on its session's thread inside a [`Scope`], which starts a new statement
//! generation on the handle (forgetting a request that arrived while the session was idle,
//! as in PostgreSQL) and makes the handle visible to [`check`]. The executor calls [`check`]
//! for every row it scans or joins, so a statement stops within one row's work of a
//! request, failing with 57014.
//!
//! A scope entered with a timeout also arms the process-wide timer thread, which at the
//! deadline cancels the handle with the timeout reason, but only if the same statement
//! generation is still running: a timer that fires late can never stop the next statement.
//! Leaving the scope disarms the timer.
//!
//! Invariant: the handle's state is one word, `generation << 2 | reason`, changed only by
//! compare-and-swap, so "same generation and not yet cancelled" is checked and acted on
//! atomically.

use crate::error::{EngineError, Result};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Why a statement was asked to stop (the low two bits of the handle's state).
const NOT_CANCELLED: u64 = 0;
const BY_REQUEST: u64 = 1;
const BY_TIMEOUT: u64 = 2;
const REASON_BITS: u64 = 3;

/// Asks a session's running statement to stop. Cheap to clone; usable from any thread.
#[derive(Clone, Debug, Default)]
pub struct CancelHandle(Arc<AtomicU64>);

impl CancelHandle {
    pub fn new() -> CancelHandle {
        CancelHandle::default()
    }

    /// Requests cancellation of the statement running now (if any).
    pub fn cancel(&self) {
        let _ = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                (s & REASON_BITS == NOT_CANCELLED).then_some(s | BY_REQUEST)
            });
    }

    /// Cancels for a timeout if statement `generation` is still running and not cancelled.
    fn time_out(&self, generation: u64) -> bool {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                (s >> 2 == generation && s & REASON_BITS == NOT_CANCELLED).then_some(s | BY_TIMEOUT)
            })
            .is_ok()
    }

    /// Starts a new statement generation with no request pending; returns it.
    fn next_generation(&self) -> u64 {
        let next = |s: u64| ((s >> 2).wrapping_add(1) << 2) & !REASON_BITS;
        let prev = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| Some(next(s)))
            .unwrap_or_else(|s| s);
        next(prev) >> 2
    }

    fn reason(&self) -> u64 {
        self.0.load(Ordering::Acquire) & REASON_BITS
    }
}

thread_local! {
    /// The handle of the statement running on this thread.
    static CURRENT: RefCell<Option<CancelHandle>> = const { RefCell::new(None) };
}

/// Makes `handle` the running statement's handle on this thread until dropped.
pub(crate) struct Scope {
    previous: Option<CancelHandle>,
    timer: Option<TimerKey>,
}

impl Scope {
    /// Enters a statement; with `timeout`, the statement is cancelled (57014, statement
    /// timeout) once it has run that long.
    pub(crate) fn enter(handle: &CancelHandle, timeout: Option<Duration>) -> Result<Scope> {
        let generation = handle.next_generation();
        let timer = match timeout {
            Some(after) => Some(timers()?.arm(handle.clone(), generation, after)),
            None => None,
        };
        let previous = CURRENT.with(|c| c.borrow_mut().replace(handle.clone()));
        Ok(Scope { previous, timer })
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        if let (Some(key), Some(t)) = (self.timer.take(), TIMERS.get()) {
            t.disarm(key);
        }
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// Fails with 57014 if the running statement was asked to stop or ran out of time.
pub(crate) fn check() -> Result<()> {
    CURRENT.with(|c| match &*c.borrow() {
        Some(h) => match h.reason() {
            BY_REQUEST => Err(EngineError::QueryCanceled),
            BY_TIMEOUT => Err(EngineError::StatementTimeout),
            _ => Ok(()),
        },
        None => Ok(()),
    })
}

/// Waits for `d` (`pg_sleep`), checking for cancellation and timeouts every few
/// milliseconds; fails with 57014 as soon as the statement must stop.
pub(crate) fn sleep(d: Duration) -> Result<()> {
    let end = Instant::now().checked_add(d);
    loop {
        check()?;
        let left = match end {
            Some(end) => end.saturating_duration_since(Instant::now()),
            None => Duration::MAX,
        };
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(Duration::from_millis(5)));
    }
}

/// An armed timer: its deadline and a unique number (two may share a deadline).
type TimerKey = (Instant, u64);

/// The process-wide timer: deadlines in order, served by one thread.
struct Timers {
    state: Mutex<TimerState>,
    /// Signalled when a timer is armed earlier than the thread is waiting for.
    changed: Condvar,
    next_id: AtomicU64,
}

struct TimerState {
    /// Armed timers → the handle to cancel and the statement generation they belong to.
    armed: BTreeMap<TimerKey, (CancelHandle, u64)>,
    /// When the timer thread wakes next (`None`: only when signalled). A timer armed later
    /// than that needs no signal, so statements that end before their deadline (the usual
    /// case) do not wake the thread at all.
    wakes_at: Option<Instant>,
}

static TIMERS: OnceLock<Arc<Timers>> = OnceLock::new();

/// The timer, its thread started on first use.
fn timers() -> Result<&'static Arc<Timers>> {
    if let Some(t) = TIMERS.get() {
        return Ok(t);
    }
    static START: Mutex<()> = Mutex::new(());
    let _once = START.lock().map_err(|_| timer_unavailable())?;
    if let Some(t) = TIMERS.get() {
        return Ok(t);
    }
    let t = Arc::new(Timers {
        state: Mutex::new(TimerState {
            armed: BTreeMap::new(),
            wakes_at: None,
        }),
        changed: Condvar::new(),
        next_id: AtomicU64::new(0),
    });
    let worker = t.clone();
    std::thread::Builder::new()
        .name("quill-statement-timer".into())
        .spawn(move || worker.serve())
        .map_err(|_| timer_unavailable())?;
    Ok(TIMERS.get_or_init(|| t))
}

fn timer_unavailable() -> EngineError {
    EngineError::Internal {
        reason: "the statement timer could not be started",
    }
}

impl Timers {
    fn arm(&self, handle: CancelHandle, generation: u64, after: Duration) -> TimerKey {
        let now = Instant::now();
        let deadline = now
            .checked_add(after)
            .unwrap_or(now + Duration::from_secs(1 << 32));
        let key = (deadline, self.next_id.fetch_add(1, Ordering::Relaxed));
        if let Ok(mut state) = self.state.lock() {
            state.armed.insert(key, (handle, generation));
            if state.wakes_at.is_none_or(|at| deadline < at) {
                state.wakes_at = Some(deadline);
                self.changed.notify_one();
            }
        }
        key
    }

    fn disarm(&self, key: TimerKey) {
        if let Ok(mut state) = self.state.lock() {
            state.armed.remove(&key);
        }
    }

    /// The timer thread: fires each deadline as it passes.
    fn serve(&self) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        loop {
            let now = Instant::now();
            let next = match state.armed.first_key_value() {
                Some((&(deadline, _), _)) if deadline <= now => {
                    if let Some((_, (handle, generation))) = state.armed.pop_first() {
                        handle.time_out(generation);
                    }
                    continue;
                }
                Some((&(deadline, _), _)) => Some(deadline),
                None => None,
            };
            state.wakes_at = next;
            state = match next {
                Some(deadline) => match self.changed.wait_timeout(state, deadline - now) {
                    Ok((guard, _)) => guard,
                    Err(_) => return,
                },
                None => match self.changed.wait(state) {
                    Ok(guard) => guard,
                    Err(_) => return,
                },
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_reach_only_the_running_statement() {
        let h = CancelHandle::new();
        assert!(check().is_ok());
        // A request while idle is forgotten when the next statement starts.
        h.cancel();
        {
            let _s = Scope::enter(&h, None).unwrap();
            assert!(check().is_ok());
            let other = h.clone();
            std::thread::spawn(move || other.cancel()).join().unwrap();
            assert!(matches!(check(), Err(EngineError::QueryCanceled)));
        }
        // Outside a statement nothing is checked.
        assert!(check().is_ok());
    }

    #[test]
    fn a_timeout_stops_its_statement_and_no_later_one() {
        let h = CancelHandle::new();
        {
            let _s = Scope::enter(&h, Some(Duration::from_millis(20))).unwrap();
            let started = Instant::now();
            while check().is_ok() {
                assert!(
                    started.elapsed() < Duration::from_secs(10),
                    "timer never fired"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
            assert!(started.elapsed() >= Duration::from_millis(15));
            assert!(matches!(check(), Err(EngineError::StatementTimeout)));
        }
        // A statement that ends before its deadline disarms the timer: the next statement
        // (with no timeout) is not stopped when the old deadline passes.
        {
            let _s = Scope::enter(&h, Some(Duration::from_millis(30))).unwrap();
        }
        let _s = Scope::enter(&h, None).unwrap();
        std::thread::sleep(Duration::from_millis(80));
        assert!(check().is_ok());
        // A stale timer of an earlier generation cannot cancel the current statement.
        assert!(!h.time_out(0));
        assert!(check().is_ok());
    }

    #[test]
    fn a_short_timeout_fires_while_a_long_one_is_armed() {
        // Another session's long timeout keeps the timer thread asleep until far away; a
        // shorter one armed after it must wake the thread.
        let other = CancelHandle::new();
        let t = timers().unwrap();
        let long = t.arm(
            other.clone(),
            other.next_generation(),
            Duration::from_secs(3600),
        );
        let h = CancelHandle::new();
        let started = Instant::now();
        let fired = {
            let _s = Scope::enter(&h, Some(Duration::from_millis(30))).unwrap();
            while check().is_ok() && started.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(1));
            }
            check()
        };
        t.disarm(long);
        assert!(matches!(fired, Err(EngineError::StatementTimeout)));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(other.reason(), NOT_CANCELLED);
    }
}
