//! Statement cancellation (PostgreSQL's QueryCancelPending and CHECK_FOR_INTERRUPTS).
//!
//! Each session owns a [`CancelHandle`]; clones of it may be used from any thread (the
//! server's CancelRequest handler) to ask the session's running statement to stop. A
//! statement runs on its session's thread inside a [`Scope`], which clears the flag when
//! the statement starts (a request that arrives while the session is idle is ignored, as in
//! PostgreSQL) and makes the flag visible to [`check`]. The executor calls [`check`] for
//! every row it scans or joins, so a statement stops within one row's work of a request,
//! failing with 57014.

use crate::error::{EngineError, Result};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Asks a session's running statement to stop. Cheap to clone; usable from any thread.
#[derive(Clone, Debug, Default)]
pub struct CancelHandle(Arc<AtomicBool>);

impl CancelHandle {
    pub fn new() -> CancelHandle {
        CancelHandle::default()
    }

    /// Requests cancellation of the statement running now (if any).
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }

    fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

thread_local! {
    /// The flag of the statement running on this thread.
    static CURRENT: RefCell<Option<CancelHandle>> = const { RefCell::new(None) };
}

/// Makes `handle` the running statement's flag on this thread until dropped.
pub(crate) struct Scope {
    previous: Option<CancelHandle>,
}

impl Scope {
    pub(crate) fn enter(handle: &CancelHandle) -> Scope {
        handle.0.store(false, Ordering::Release);
        let previous = CURRENT.with(|c| c.borrow_mut().replace(handle.clone()));
        Scope { previous }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// Fails with 57014 if the running statement was asked to stop.
pub(crate) fn check() -> Result<()> {
    CURRENT.with(|c| match &*c.borrow() {
        Some(h) if h.is_set() => Err(EngineError::QueryCanceled),
        _ => Ok(()),
    })
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
            let _s = Scope::enter(&h);
            assert!(check().is_ok());
            let other = h.clone();
            std::thread::spawn(move || other.cancel()).join().unwrap();
            assert!(matches!(check(), Err(EngineError::QueryCanceled)));
        }
        // Outside a statement nothing is checked.
        assert!(check().is_ok());
    }
}
