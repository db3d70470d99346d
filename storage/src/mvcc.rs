//! Which transactions are running, the snapshots taken of them, and the visibility rule.
//!
//! **Running set.** A transaction is *running* from `begin` until its commit is durable (or
//! its rollback has undone every change). Running is what makes a tuple version locked for
//! writers and invisible to other snapshots, so a commit becomes visible only once its
//! commit record is on stable storage. The ARIES transaction table ([`crate::txn`]) is a
//! different set: a transaction leaves it when its Commit (or End) record is logged, which is
//! what checkpoints need; it leaves the running set later, after the log flush.
//!
//! **No clog.** A transaction that ended without being visible as committed has rolled back,
//! and rollback physically undoes its inserts and restores the xmax it set before it leaves
//! the running set (recovery undoes losers before the store opens). So a transaction id that
//! is no longer running and names a tuple's xmin or xmax committed.
//!
//! **Snapshots.** A snapshot taken at one instant holds `xmax` (the next id to be assigned:
//! ids from there on began later) and the ids running then. A transaction is *committed as of
//! the snapshot* if its id is below `xmax` and was not running. Taking a snapshot, beginning
//! (assigning an id and entering the running set) and leaving the running set all happen
//! under the one mutex of [`ProcArray`], so a snapshot never sees an id assigned but not yet
//! running, and never half a commit.
//!
//! **Horizon.** Every live snapshot registers its `xmin` (the smallest id running when it was
//! taken, or its `xmax` if none). A version deleted by a committed transaction below the
//! smallest registered xmin is invisible to every live snapshot and to every snapshot taken
//! later: pruning may remove it. Registration happens under the same mutex as the horizon
//! computation, so a snapshot being taken and a prune never miss each other.

use parking_lot::Mutex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use wal::TxnId;

use crate::heap_page::TupleHeader;

/// The set of running transactions and the xmins of live snapshots.
#[derive(Default)]
pub(crate) struct ProcArray {
    /// Protects the running set and the snapshot registry; lock order: this mutex, then the
    /// ARIES transaction table's (in `begin`). Never held while taking a page latch.
    state: Mutex<ProcState>,
}

#[derive(Default)]
struct ProcState {
    running: BTreeSet<TxnId>,
    /// Registered snapshot xmins, with how many live snapshots hold each.
    xmins: BTreeMap<TxnId, usize>,
}

impl ProcArray {
    /// Runs `assign` (which allocates the id and enters it in the ARIES table) and enters the
    /// id in the running set, atomically with respect to snapshots.
    /// `interlocked` is false only under `Sabotage::SnapshotWithoutInterlock`: the id is then
    /// assigned before the mutex is taken, so a snapshot in between sees it as committed.
    pub(crate) fn begin<T>(
        &self,
        interlocked: bool,
        assign: impl FnOnce() -> (TxnId, T),
    ) -> (TxnId, T) {
        if !interlocked {
            let (id, t) = assign();
            // Wide enough that other threads' snapshots land in the window even on a
            // loaded machine, so the sabotage is caught every run.
            std::thread::sleep(std::time::Duration::from_millis(1));
            self.state.lock().running.insert(id);
            return (id, t);
        }
        let mut s = self.state.lock();
        let (id, t) = assign();
        s.running.insert(id);
        (id, t)
    }

    /// The transaction's commit (or rollback) is complete: it is no longer running.
    pub(crate) fn end(&self, id: TxnId) {
        self.state.lock().running.remove(&id);
    }

    pub(crate) fn is_running(&self, id: TxnId) -> bool {
        self.state.lock().running.contains(&id)
    }

    /// A snapshot of the running set; `next` reads the next id to be assigned and is called
    /// under the mutex.
    pub(crate) fn snapshot(self: &Arc<Self>, me: TxnId, next: impl FnOnce() -> TxnId) -> Snapshot {
        let mut s = self.state.lock();
        let xmax = next();
        let running: Vec<TxnId> = s.running.iter().copied().collect();
        let xmin = running.first().copied().unwrap_or(xmax);
        *s.xmins.entry(xmin).or_insert(0) += 1;
        drop(s);
        Snapshot {
            me,
            xmin,
            xmax,
            running: running.into(),
            _registration: Arc::new(Registration {
                procs: self.clone(),
                xmin,
            }),
        }
    }

    /// The oldest xmin any live or future snapshot can have: versions deleted by committed
    /// transactions below it are invisible to all of them.
    pub(crate) fn horizon(&self, next: impl FnOnce() -> TxnId) -> TxnId {
        let s = self.state.lock();
        let mut h = next();
        if let Some(&x) = s.xmins.keys().next() {
            h = h.min(x);
        }
        if let Some(&r) = s.running.iter().next() {
            h = h.min(r);
        }
        h
    }

    fn unregister(&self, xmin: TxnId) {
        let mut s = self.state.lock();
        if let Some(n) = s.xmins.get_mut(&xmin) {
            *n -= 1;
            if *n == 0 {
                s.xmins.remove(&xmin);
            }
        }
    }
}

/// Keeps a snapshot's xmin registered while any clone of the snapshot lives.
struct Registration {
    procs: Arc<ProcArray>,
    xmin: TxnId,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.procs.unregister(self.xmin);
    }
}

/// What one transaction sees: the transactions committed when the snapshot was taken, and
/// its own changes.
#[derive(Clone)]
pub struct Snapshot {
    me: TxnId,
    xmin: TxnId,
    xmax: TxnId,
    /// Ids running when the snapshot was taken, sorted.
    running: Arc<[TxnId]>,
    _registration: Arc<Registration>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("me", &self.me)
            .field("xmin", &self.xmin)
            .field("xmax", &self.xmax)
            .field("running", &self.running)
            .finish()
    }
}

impl Snapshot {
    /// The transaction the snapshot belongs to.
    pub fn owner(&self) -> TxnId {
        self.me
    }

    /// The smallest id running when the snapshot was taken.
    pub fn xmin(&self) -> TxnId {
        self.xmin
    }

    /// Whether `t` had committed when the snapshot was taken (never true of the owner).
    pub fn committed(&self, t: TxnId) -> bool {
        t != TxnId::NONE
            && t != self.me
            && t < self.xmax
            && (t < self.xmin || self.running.binary_search(&t).is_err())
    }

    /// Whether a change by `t` is seen: `t` is the owner or committed as of the snapshot.
    pub fn sees(&self, t: TxnId) -> bool {
        t == self.me || self.committed(t)
    }

    /// Whether the tuple version with header `h` is visible: its insert is seen and its
    /// delete (if any) is not.
    pub fn tuple_visible(&self, h: &TupleHeader) -> bool {
        self.sees(h.xmin) && (h.xmax == TxnId::NONE || !self.sees(h.xmax))
    }

    /// Whether an index entry in state (`deleted`, `txn`) may lead to a visible version: an
    /// entry whose delete is seen leads to none (its tuple may even be pruned already).
    pub fn entry_visible(&self, deleted: bool, txn: TxnId) -> bool {
        !deleted || !self.sees(txn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(xmin: u64, xmax: u64) -> TupleHeader {
        TupleHeader {
            xmin: TxnId(xmin),
            xmax: TxnId(xmax),
            link: Default::default(),
        }
    }

    #[test]
    fn snapshot_sees_commits_before_it_and_its_own_changes() {
        let procs = Arc::new(ProcArray::default());
        let next = std::cell::Cell::new(1u64);
        let begin = || {
            procs
                .begin(true, || {
                    let id = TxnId(next.get());
                    next.set(id.0 + 1);
                    (id, ())
                })
                .0
        };
        let t1 = begin();
        let t2 = begin();
        procs.end(t1); // t1 commits
        let t3 = begin();
        let s = procs.snapshot(t3, || TxnId(next.get()));
        assert!(s.committed(t1));
        assert!(!s.committed(t2), "running at snapshot time");
        assert!(!s.committed(t3), "own id is not 'committed'");
        assert!(s.sees(t3));
        assert!(!s.committed(TxnId(99)), "began later");
        procs.end(t2);
        assert!(!s.committed(t2), "committed after the snapshot");
        assert!(s.tuple_visible(&header(t1.0, 0)));
        assert!(!s.tuple_visible(&header(t2.0, 0)));
        assert!(s.tuple_visible(&header(t1.0, t2.0)), "delete not yet seen");
        assert!(!s.tuple_visible(&header(t1.0, t3.0)), "own delete");
        assert!(s.tuple_visible(&header(t3.0, 0)), "own insert");
        assert!(s.entry_visible(true, t2));
        assert!(!s.entry_visible(true, t1));
    }

    #[test]
    fn horizon_holds_for_live_snapshots_only() {
        let procs = Arc::new(ProcArray::default());
        let (t1, ()) = procs.begin(true, || (TxnId(5), ()));
        let s = procs.snapshot(TxnId(6), || TxnId(7));
        procs.end(t1);
        assert_eq!(procs.horizon(|| TxnId(9)), TxnId(5), "snapshot's xmin");
        drop(s);
        assert_eq!(procs.horizon(|| TxnId(9)), TxnId(9));
    }
}
