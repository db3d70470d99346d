//! Serializable snapshot isolation (SSI): the SIREAD locks of SERIALIZABLE transactions,
//! the rw-antidependencies between them, and the detection of dangerous structures, as
//! PostgreSQL's `src/backend/storage/lmgr/README-SSI` describes (Cahill's algorithm with
//! Ports and Grittner's commit-ordering refinements). The state is volatile: nothing here is
//! logged, a restart begins with no serializable transaction.
//!
//! **Serializable transactions** ([`Sxact`]) are registered when they take their snapshot
//! and stay until they roll back, or, once committed, until no running serializable
//! transaction overlaps them (its snapshot sees their commit). Committed ones beyond
//! [`MAX_COMMITTED`] are summarised (their locks pass to a summary holder, their conflicts
//! to flags on the others), so the memory used is bounded by the running ones.
//!
//! **SIREAD locks** record what a serializable transaction read: a heap relation (a
//! sequential scan), a heap page or tuple (rows reached through an index), or a key range
//! of an index (an index scan's bounds, which also covers the keys it did not find: the
//! phantoms). A transaction holding more than [`TUPLES_PER_PAGE`] tuple locks on a page
//! holds the page instead, more than [`LOCKS_PER_RELATION`] page and tuple locks in a
//! relation the relation, more than [`RANGES_PER_INDEX`] ranges of an index the whole index.
//! They never block anyone.
//!
//! **rw-conflicts.** `R -rw-> W` when R read a version W replaced or did not see W's
//! insert. It is found from either side: the writer checks the SIREAD locks covering what
//! it writes ([`Ssi::check_write_tuple`], [`Ssi::check_write_relation`],
//! [`Ssi::check_write_key`]), the reader checks the versions it meets that a concurrent
//! serializable transaction made and its snapshot does not show ([`Ssi::check_read`]).
//! Concurrent means: running, or committed without the other's snapshot seeing it.
//!
//! **Dangerous structures** `T0 -rw-> T1 -rw-> T2` where T2 commits first are checked
//! whenever a conflict is added and when a transaction commits ([`Ssi::pre_commit`]); the
//! transaction to cancel is chosen as PostgreSQL chooses it (the pivot where possible, so
//! that a retry succeeds), and a transaction marked doomed fails at its next read of a row,
//! write or commit with 40001.
//!
//! Ordering against the heap: a reader registers its lock before reading what the lock
//! covers, a writer checks the locks after its change is in the page. So either the writer
//! sees the reader's lock, or the reader sees the writer's version (and checks it).

mod state;
#[cfg(test)]
mod tests;

use crate::error::{EngineError, Result};
use parking_lot::Mutex;
use state::State;
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use storage::{Snapshot, Tid, TxnId};

/// Tuple locks of one transaction on one heap page beyond which it locks the page
/// (PostgreSQL's `max_pred_locks_per_page`).
pub const TUPLES_PER_PAGE: usize = 2;
/// Page and tuple locks of one transaction in one relation beyond which it locks the
/// relation (PostgreSQL's default `max_pred_locks_per_relation`: half of
/// `max_pred_locks_per_transaction`).
pub const LOCKS_PER_RELATION: usize = 32;
/// Key-range locks of one transaction on one index beyond which it locks the whole index.
pub const RANGES_PER_INDEX: usize = 32;
/// Committed serializable transactions kept in full; older ones still overlapping a running
/// one are summarised.
pub const MAX_COMMITTED: usize = 1024;

/// The serializable transactions of a database and their SIREAD locks.
#[derive(Default)]
pub struct Ssi {
    /// Protects every transaction's flags, conflicts and locks; taken for short, never
    /// while waiting, never together with a lock-manager or page latch.
    state: Mutex<State>,
}

/// What a serializable read needs while it scans: whose it is and whether it has been
/// doomed (checked at every row without taking the state's mutex).
#[derive(Clone)]
pub struct ReadHandle {
    me: TxnId,
    doomed: Arc<AtomicBool>,
}

impl ReadHandle {
    /// The reading transaction.
    pub fn owner(&self) -> TxnId {
        self.me
    }

    /// 40001 if another transaction's commit made this one the pivot of a dangerous
    /// structure (PostgreSQL checks at every tuple a serializable read examines).
    pub fn check_doomed(&self) -> Result<()> {
        if self.doomed.load(Ordering::Acquire) {
            return Err(failure(
                "Canceled on identification as a pivot, during conflict out checking.",
            ));
        }
        Ok(())
    }
}

/// The 40001 PostgreSQL raises for a serialization anomaly, with its reason code.
pub(crate) fn failure(reason: &str) -> EngineError {
    EngineError::Detailed {
        code: "40001",
        message: "could not serialize access due to read/write dependencies among transactions"
            .into(),
        detail: format!("Reason code: {reason}"),
        hint: Some("The transaction might succeed if retried.".into()),
    }
}

/// The transaction ids a version's header names that a serializable reader must check:
/// the deleter of a version it sees, the inserter of one it does not (PostgreSQL's
/// `HeapCheckForSerializableConflictOut`). Versions whose insert and delete the snapshot
/// both see were dead before it: no concurrent transaction made them.
pub fn conflict_xid(snapshot: &Snapshot, xmin: TxnId, xmax: TxnId, visible: bool) -> Option<TxnId> {
    let me = snapshot.owner();
    let xid = if visible {
        xmax
    } else if !snapshot.sees(xmin) {
        xmin
    } else {
        TxnId::NONE
    };
    (xid != TxnId::NONE && xid != me).then_some(xid)
}

impl Ssi {
    pub fn new() -> Ssi {
        Ssi::default()
    }

    /// Takes `me`'s transaction snapshot with `take` and registers `me` as serializable
    /// from then on. The snapshot is taken under the state's mutex (lock order: this
    /// mutex, then the storage's proc array), so no commit is both freed as seen by every
    /// running transaction and missing from this snapshot. A READ ONLY transaction that
    /// starts while no read-write serializable transaction runs has a safe snapshot (no
    /// anomaly can involve it): it is not registered and reads as REPEATABLE READ.
    /// Returns the snapshot and whether `me` was registered.
    pub fn register(
        &self,
        me: TxnId,
        read_only: bool,
        take: impl FnOnce() -> Snapshot,
    ) -> (Snapshot, bool) {
        let mut s = self.state.lock();
        let last = s.last_commit_seq;
        let snapshot = take();
        if read_only && !s.any_running_read_write() {
            return (snapshot, false);
        }
        s.register(me, snapshot.clone(), last, read_only);
        (snapshot, true)
    }

    /// Whether `me` is a registered serializable transaction.
    pub fn is_serializable(&self, me: TxnId) -> bool {
        self.state.lock().xacts.contains_key(&me)
    }

    /// The handle a read of `me` uses, if `me` is serializable.
    pub fn reader(&self, me: TxnId) -> Option<ReadHandle> {
        let s = self.state.lock();
        s.xacts.get(&me).map(|x| ReadHandle {
            me,
            doomed: x.doomed.clone(),
        })
    }

    /// SIREAD lock on a whole heap relation (a sequential scan).
    pub fn lock_relation(&self, me: TxnId, file: u32) {
        self.state.lock().lock_relation(me, file);
    }

    /// SIREAD lock on one tuple (a row reached through an index), promoted to its page or
    /// relation past the limits.
    pub fn lock_tuple(&self, me: TxnId, file: u32, tid: Tid) {
        self.state.lock().lock_tuple(me, file, tid);
    }

    /// SIREAD lock on the keys of index `index` between the bounds (an index scan's range).
    pub fn lock_range(&self, me: TxnId, index: u32, lo: Bound<Vec<u8>>, hi: Bound<Vec<u8>>) {
        self.state.lock().lock_range(me, index, lo, hi);
    }

    /// The reader `me` met a version made (inserted, or deleted) by `xid` that its snapshot
    /// does not show: records `me -rw-> xid` if `xid` is a concurrent serializable
    /// transaction (PostgreSQL's `CheckForSerializableConflictOut`).
    pub fn check_read(&self, me: TxnId, xid: TxnId) -> Result<()> {
        self.state.lock().check_read(me, xid)
    }

    /// `me` deletes or replaces the version at `tid`: the tuple's, its page's and its
    /// relation's SIREAD locks of concurrent transactions become rw-conflicts into `me`.
    pub fn check_write_tuple(&self, me: TxnId, file: u32, tid: Tid) -> Result<()> {
        self.state.lock().check_write(
            me,
            &[
                state::Target::Tuple(file, tid),
                state::Target::Page(file, tid.page),
                state::Target::Relation(file),
            ],
        )
    }

    /// `me` inserts into heap relation `file`: its relation SIREAD locks become conflicts.
    pub fn check_write_relation(&self, me: TxnId, file: u32) -> Result<()> {
        self.state
            .lock()
            .check_write(me, &[state::Target::Relation(file)])
    }

    /// `me` inserts `key` into index `index` (or found it there as a duplicate): the
    /// ranges covering it become conflicts.
    pub fn check_write_key(&self, me: TxnId, index: u32, key: &[u8]) -> Result<()> {
        self.state.lock().check_write_key(me, index, key)
    }

    /// Before `me` commits: fails if `me` was doomed, and dooms the pivots `me`'s commit
    /// would complete (PostgreSQL's `PreCommit_CheckForSerializationFailure`).
    pub fn pre_commit(&self, me: TxnId) -> Result<()> {
        self.state.lock().pre_commit(me)
    }

    /// `me`'s commit is durable and visible.
    pub fn committed(&self, me: TxnId) {
        self.state.lock().committed(me);
    }

    /// `me` rolled back: its locks and conflicts are gone.
    pub fn aborted(&self, me: TxnId) {
        self.state.lock().aborted(me);
    }

    /// Counts for tests and monitoring: (registered transactions, lock targets, ranges,
    /// summarised transactions).
    pub fn footprint(&self) -> (usize, usize, usize, usize) {
        self.state.lock().footprint()
    }
}

#[cfg(test)]
impl Ssi {
    /// Whether `reader -rw-> writer` is recorded.
    fn has_conflict(&self, reader: TxnId, writer: TxnId) -> bool {
        self.state
            .lock()
            .xacts
            .get(&reader)
            .is_some_and(|r| r.outs.contains(&writer))
    }

    /// Whether `me` has been doomed.
    fn is_doomed(&self, me: TxnId) -> bool {
        self.reader(me).is_some_and(|h| h.check_doomed().is_err())
    }
}
