//! The SSI state behind [`super::Ssi`]'s mutex: serializable transactions, their SIREAD
//! locks and rw-conflicts, the summary of old committed ones, and the rules of
//! PostgreSQL's `predicate.c` on them.

use super::{failure, LOCKS_PER_RELATION, MAX_COMMITTED, RANGES_PER_INDEX, TUPLES_PER_PAGE};
use crate::error::Result;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use storage::{Snapshot, Tid, TxnId};

/// What a SIREAD lock covers in a heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    Relation(u32),
    Page(u32, u32),
    Tuple(u32, Tid),
}

impl Target {
    fn file(self) -> u32 {
        match self {
            Target::Relation(f) | Target::Page(f, _) | Target::Tuple(f, _) => f,
        }
    }
}

/// Keys of an index between two bounds.
#[derive(Clone, Debug)]
pub(crate) struct KeyRange {
    pub lo: Bound<Vec<u8>>,
    pub hi: Bound<Vec<u8>>,
}

impl KeyRange {
    const ALL: KeyRange = KeyRange {
        lo: Bound::Unbounded,
        hi: Bound::Unbounded,
    };

    fn contains(&self, key: &[u8]) -> bool {
        let above = match &self.lo {
            Bound::Unbounded => true,
            Bound::Included(l) => key >= l.as_slice(),
            Bound::Excluded(l) => key > l.as_slice(),
        };
        let below = match &self.hi {
            Bound::Unbounded => true,
            Bound::Included(h) => key <= h.as_slice(),
            Bound::Excluded(h) => key < h.as_slice(),
        };
        above && below
    }
}

/// A serializable transaction (PostgreSQL's `SERIALIZABLEXACT`).
pub(crate) struct Sxact {
    /// Its transaction snapshot: what it sees decides which others are concurrent.
    pub snapshot: Snapshot,
    /// The latest commit sequence number before its snapshot.
    pub last_commit_before_snapshot: u64,
    /// Declared READ ONLY, or committed without writing.
    pub read_only: bool,
    pub did_write: bool,
    /// Must roll back: fails at its next read, write or commit.
    pub doomed: Arc<AtomicBool>,
    /// Set when it passed the pre-commit check (PostgreSQL's "prepared").
    pub prepare_seq: Option<u64>,
    pub commit_seq: Option<u64>,
    /// Set at commit: one past the largest id registered so far (PostgreSQL's
    /// `finishedBefore`); a running transaction whose snapshot's xmin is below it may
    /// have had an overlapping transaction running, so this one is kept.
    finished_before: TxnId,
    /// Committed with a rw-conflict out to a transaction that committed before it.
    pub conflict_out_committed: bool,
    /// The earliest prepare number of such transactions.
    pub earliest_out_conflict_commit: u64,
    /// A rw-conflict in from / out to a summarised transaction.
    pub summary_conflict_in: bool,
    pub summary_conflict_out: bool,
    /// Readers R with `R -rw-> self`.
    pub ins: BTreeSet<TxnId>,
    /// Writers W with `self -rw-> W`.
    pub outs: BTreeSet<TxnId>,
    /// Its heap locks, with the number of tuple locks per page and of page and tuple
    /// locks per relation (for promotion).
    targets: HashSet<Target>,
    per_page: HashMap<(u32, u32), usize>,
    per_relation: HashMap<u32, usize>,
    /// Its key ranges, per index.
    ranges: HashMap<u32, Vec<KeyRange>>,
}

impl Sxact {
    fn is_doomed(&self) -> bool {
        self.doomed.load(Ordering::Acquire)
    }
    fn doom(&self) {
        self.doomed.store(true, Ordering::Release);
    }
    fn committed(&self) -> bool {
        self.commit_seq.is_some()
    }
}

/// The locks and conflicts of summarised committed transactions (PostgreSQL's
/// `OldCommittedSxact` and its SLRU of conflict-out commit numbers).
#[derive(Default)]
struct Summary {
    /// Heap locks with the latest commit number of a summarised holder.
    targets: HashMap<Target, u64>,
    /// Key ranges per index, with the commit number of their holder.
    ranges: HashMap<u32, Vec<(KeyRange, u64)>>,
    /// Summarised transactions: their commit number and, if they had a rw-conflict out to
    /// an earlier-committed transaction, the earliest such commit.
    xids: HashMap<TxnId, (u64, Option<u64>)>,
}

#[derive(Default)]
pub(crate) struct State {
    pub xacts: HashMap<TxnId, Sxact>,
    /// Holders of each heap target.
    locks: HashMap<Target, HashSet<TxnId>>,
    /// Holders of key ranges per index (the ranges themselves are in the holders).
    range_holders: HashMap<u32, HashSet<TxnId>>,
    pub last_commit_seq: u64,
    /// The largest id ever registered.
    max_registered: TxnId,
    /// Committed transactions still kept, in commit order.
    finished: VecDeque<TxnId>,
    summary: Summary,
}

impl State {
    pub fn any_running_read_write(&self) -> bool {
        self.xacts
            .values()
            .any(|x| !x.committed() && !x.read_only && !x.is_doomed())
    }

    /// Registers `me`; if it is registered already (its first statement retook the
    /// snapshot after waiting for a relation lock), only its snapshot changes: the locks
    /// and conflicts of the first attempt stay, which can only add conflicts.
    pub fn register(&mut self, me: TxnId, snapshot: Snapshot, last: u64, read_only: bool) {
        if let Some(x) = self.xacts.get_mut(&me) {
            x.snapshot = snapshot;
            x.last_commit_before_snapshot = last;
            return;
        }
        self.max_registered = self.max_registered.max(me);
        self.xacts.insert(
            me,
            Sxact {
                snapshot,
                last_commit_before_snapshot: last,
                read_only,
                did_write: false,
                doomed: Arc::new(AtomicBool::new(false)),
                prepare_seq: None,
                commit_seq: None,
                finished_before: TxnId::NONE,
                conflict_out_committed: false,
                earliest_out_conflict_commit: 0,
                summary_conflict_in: false,
                summary_conflict_out: false,
                ins: BTreeSet::new(),
                outs: BTreeSet::new(),
                targets: HashSet::new(),
                per_page: HashMap::new(),
                per_relation: HashMap::new(),
                ranges: HashMap::new(),
            },
        );
    }

    // ---- SIREAD locks ----

    fn add_target(&mut self, me: TxnId, t: Target) {
        let Some(x) = self.xacts.get_mut(&me) else {
            return;
        };
        if !x.targets.insert(t) {
            return;
        }
        match t {
            Target::Tuple(f, tid) => {
                *x.per_page.entry((f, tid.page)).or_insert(0) += 1;
                *x.per_relation.entry(f).or_insert(0) += 1;
            }
            Target::Page(f, _) => *x.per_relation.entry(f).or_insert(0) += 1,
            Target::Relation(_) => {}
        }
        self.locks.entry(t).or_default().insert(me);
    }

    fn remove_target(&mut self, me: TxnId, t: Target) {
        if let Some(x) = self.xacts.get_mut(&me) {
            if x.targets.remove(&t) {
                match t {
                    Target::Tuple(f, tid) => {
                        decrement(&mut x.per_page, &(f, tid.page));
                        decrement(&mut x.per_relation, &f);
                    }
                    Target::Page(f, _) => decrement(&mut x.per_relation, &f),
                    Target::Relation(_) => {}
                }
            }
        }
        if let Some(h) = self.locks.get_mut(&t) {
            h.remove(&me);
            if h.is_empty() {
                self.locks.remove(&t);
            }
        }
    }

    pub fn lock_relation(&mut self, me: TxnId, file: u32) {
        let Some(x) = self.xacts.get(&me) else {
            return;
        };
        if x.targets.contains(&Target::Relation(file)) {
            return;
        }
        let finer: Vec<Target> = x
            .targets
            .iter()
            .copied()
            .filter(|t| t.file() == file)
            .collect();
        for t in finer {
            self.remove_target(me, t);
        }
        self.add_target(me, Target::Relation(file));
    }

    pub fn lock_tuple(&mut self, me: TxnId, file: u32, tid: Tid) {
        let Some(x) = self.xacts.get(&me) else {
            return;
        };
        if x.targets.contains(&Target::Relation(file))
            || x.targets.contains(&Target::Page(file, tid.page))
        {
            return;
        }
        self.add_target(me, Target::Tuple(file, tid));
        let Some(x) = self.xacts.get(&me) else {
            return;
        };
        if x.per_page.get(&(file, tid.page)).copied().unwrap_or(0) > TUPLES_PER_PAGE {
            let tuples: Vec<Target> = x
                .targets
                .iter()
                .copied()
                .filter(|t| matches!(t, Target::Tuple(f, d) if *f == file && d.page == tid.page))
                .collect();
            for t in tuples {
                self.remove_target(me, t);
            }
            self.add_target(me, Target::Page(file, tid.page));
        }
        let over = self
            .xacts
            .get(&me)
            .is_some_and(|x| x.per_relation.get(&file).copied().unwrap_or(0) > LOCKS_PER_RELATION);
        if over {
            self.lock_relation(me, file);
        }
    }

    pub fn lock_range(&mut self, me: TxnId, index: u32, lo: Bound<Vec<u8>>, hi: Bound<Vec<u8>>) {
        let Some(x) = self.xacts.get_mut(&me) else {
            return;
        };
        let ranges = x.ranges.entry(index).or_default();
        let whole = matches!(
            ranges.as_slice(),
            [KeyRange {
                lo: Bound::Unbounded,
                hi: Bound::Unbounded
            }]
        );
        if !whole {
            if ranges.len() >= RANGES_PER_INDEX {
                *ranges = vec![KeyRange::ALL];
            } else {
                ranges.push(KeyRange { lo, hi });
            }
        }
        self.range_holders.entry(index).or_default().insert(me);
    }

    fn drop_locks(&mut self, me: TxnId) {
        let Some(x) = self.xacts.get_mut(&me) else {
            return;
        };
        let targets: Vec<Target> = x.targets.drain().collect();
        x.per_page.clear();
        x.per_relation.clear();
        let indexes: Vec<u32> = x.ranges.drain().map(|(i, _)| i).collect();
        for t in targets {
            if let Some(h) = self.locks.get_mut(&t) {
                h.remove(&me);
                if h.is_empty() {
                    self.locks.remove(&t);
                }
            }
        }
        for i in indexes {
            if let Some(h) = self.range_holders.get_mut(&i) {
                h.remove(&me);
                if h.is_empty() {
                    self.range_holders.remove(&i);
                }
            }
        }
    }

    // ---- conflicts ----

    /// Whether `holder`, which holds a SIREAD lock on what `me` writes, is concurrent with
    /// `me` (running, or committed without `me`'s snapshot seeing it) and not doomed.
    fn concurrent_holder(&self, me_snapshot: &Snapshot, holder: TxnId) -> bool {
        self.xacts
            .get(&holder)
            .is_some_and(|h| !h.is_doomed() && (!h.committed() || !me_snapshot.sees(holder)))
    }

    fn writer_start(&mut self, me: TxnId) -> Result<Option<(Snapshot, u64)>> {
        let Some(x) = self.xacts.get_mut(&me) else {
            return Ok(None);
        };
        if x.is_doomed() {
            return Err(failure(
                "Canceled on identification as a pivot, during conflict in checking.",
            ));
        }
        x.did_write = true;
        Ok(Some((x.snapshot.clone(), x.last_commit_before_snapshot)))
    }

    pub fn check_write(&mut self, me: TxnId, targets: &[Target]) -> Result<()> {
        let Some((snap, last)) = self.writer_start(me)? else {
            return Ok(());
        };
        for t in targets {
            if self.summary.targets.get(t).is_some_and(|&seq| seq > last) {
                self.conflict_from_summary(me)?;
            }
            let holders: Vec<TxnId> = self
                .locks
                .get(t)
                .map(|h| h.iter().copied().filter(|&h| h != me).collect())
                .unwrap_or_default();
            for h in holders {
                if self.concurrent_holder(&snap, h) && !self.has_edge(h, me) {
                    self.flag(me, h, me)?;
                }
            }
        }
        Ok(())
    }

    pub fn check_write_key(&mut self, me: TxnId, index: u32, key: &[u8]) -> Result<()> {
        let Some((snap, last)) = self.writer_start(me)? else {
            return Ok(());
        };
        let summarised = self
            .summary
            .ranges
            .get(&index)
            .is_some_and(|rs| rs.iter().any(|(r, seq)| *seq > last && r.contains(key)));
        if summarised {
            self.conflict_from_summary(me)?;
        }
        let holders: Vec<TxnId> = self
            .range_holders
            .get(&index)
            .map(|h| h.iter().copied().filter(|&h| h != me).collect())
            .unwrap_or_default();
        for h in holders {
            let covers = self.xacts.get(&h).is_some_and(|x| {
                x.ranges
                    .get(&index)
                    .is_some_and(|rs| rs.iter().any(|r| r.contains(key)))
            });
            if covers && self.concurrent_holder(&snap, h) && !self.has_edge(h, me) {
                self.flag(me, h, me)?;
            }
        }
        Ok(())
    }

    /// A summarised committed transaction read what `me` writes: `old -rw-> me`.
    fn conflict_from_summary(&mut self, me: TxnId) -> Result<()> {
        let Some(x) = self.xacts.get_mut(&me) else {
            return Ok(());
        };
        // The reader is committed: only a committed out-conflict of `me` can complete a
        // dangerous structure, and those of summarised transactions are all we know of.
        if x.summary_conflict_out {
            return Err(failure(
                "Canceled on identification as a pivot, during write.",
            ));
        }
        x.summary_conflict_in = true;
        Ok(())
    }

    fn has_edge(&self, reader: TxnId, writer: TxnId) -> bool {
        self.xacts
            .get(&reader)
            .is_some_and(|r| r.outs.contains(&writer))
    }

    pub fn check_read(&mut self, me: TxnId, xid: TxnId) -> Result<()> {
        let Some(m) = self.xacts.get(&me) else {
            return Ok(());
        };
        if m.is_doomed() {
            return Err(failure(
                "Canceled on identification as a pivot, during conflict out checking.",
            ));
        }
        if xid == me || m.snapshot.sees(xid) {
            return Ok(());
        }
        let Some(w) = self.xacts.get(&xid) else {
            return self.read_summarised(me, xid);
        };
        if w.is_doomed() {
            return Ok(());
        }
        if w.summary_conflict_out {
            if w.prepare_seq.is_none() {
                w.doom();
                return Ok(());
            }
            return Err(failure("Canceled on conflict out to old pivot."));
        }
        // A read-only reader appears to run before a committed writer that has no conflict
        // out to a transaction committed before the reader's snapshot.
        if m.read_only
            && w.committed()
            && (!w.conflict_out_committed
                || m.last_commit_before_snapshot < w.earliest_out_conflict_commit)
        {
            return Ok(());
        }
        if self.has_edge(me, xid) {
            return Ok(());
        }
        self.flag(me, me, xid)
    }

    fn read_summarised(&mut self, me: TxnId, xid: TxnId) -> Result<()> {
        let Some(&(_, conflict_out)) = self.summary.xids.get(&xid) else {
            // Not serializable (or long gone): no conflict to track.
            return Ok(());
        };
        let Some(m) = self.xacts.get_mut(&me) else {
            return Ok(());
        };
        if let Some(c) = conflict_out {
            if !m.read_only || c <= m.last_commit_before_snapshot {
                return Err(failure(&format!(
                    "Canceled on conflict out to old pivot {}.",
                    xid.0
                )));
            }
        }
        if m.summary_conflict_in || !m.ins.is_empty() {
            return Err(failure(&format!(
                "Canceled on identification as a pivot, with conflict out to old committed transaction {}.",
                xid.0
            )));
        }
        m.summary_conflict_out = true;
        Ok(())
    }

    /// Records `reader -rw-> writer` after checking whether it completes a dangerous
    /// structure (PostgreSQL's `OnConflict_CheckForSerializationFailure`): `me` (one of
    /// the two) fails, or the writer is doomed.
    fn flag(&mut self, me: TxnId, reader: TxnId, writer: TxnId) -> Result<()> {
        if reader == writer {
            return Ok(());
        }
        let (Some(r), Some(w)) = (self.xacts.get(&reader), self.xacts.get(&writer)) else {
            return Ok(());
        };
        // R -rw-> W -rw-> T2 with W committed after a conflict out to an earlier commit.
        let mut fail = w.committed() && (w.conflict_out_committed || w.summary_conflict_out);
        if !fail && w.summary_conflict_out {
            fail = true;
        } else if !fail {
            fail = w.outs.iter().filter_map(|t| self.xacts.get(t)).any(|t2| {
                t2.prepare_seq.is_some_and(|p| {
                    r.commit_seq.is_none_or(|c| p <= c)
                        && w.commit_seq.is_none_or(|c| p <= c)
                        && (!r.read_only || p <= r.last_commit_before_snapshot)
                })
            });
        }
        // T0 -rw-> R -rw-> W with W prepared or committed.
        if !fail && !r.read_only {
            if let Some(wp) = w.prepare_seq {
                fail = r.summary_conflict_in
                    || r.ins.iter().filter_map(|t| self.xacts.get(t)).any(|t0| {
                        !t0.is_doomed()
                            && t0.commit_seq.is_none_or(|c| c >= wp)
                            && (!t0.read_only || t0.last_commit_before_snapshot >= wp)
                    });
            }
        }
        if fail {
            if me == writer {
                return Err(failure(
                    "Canceled on identification as a pivot, during write.",
                ));
            }
            if w.prepare_seq.is_some() {
                return Err(failure(&format!(
                    "Canceled on conflict out to pivot {}, during read.",
                    writer.0
                )));
            }
            w.doom();
        }
        if let Some(r) = self.xacts.get_mut(&reader) {
            r.outs.insert(writer);
        }
        if let Some(w) = self.xacts.get_mut(&writer) {
            w.ins.insert(reader);
        }
        Ok(())
    }

    // ---- end of transaction ----

    pub fn pre_commit(&mut self, me: TxnId) -> Result<()> {
        let Some(m) = self.xacts.get(&me) else {
            return Ok(());
        };
        if m.is_doomed() {
            return Err(failure(
                "Canceled on identification as a pivot, during commit attempt.",
            ));
        }
        // For each running R with R -rw-> me: if T0 -rw-> R where T0 is me or a running
        // read-write transaction, me committing first makes R a pivot: R is doomed.
        for r in &m.ins {
            let Some(near) = self.xacts.get(r) else {
                continue;
            };
            if near.committed() || near.is_doomed() {
                continue;
            }
            let pivot = near.ins.iter().any(|t0| {
                *t0 == me
                    || self
                        .xacts
                        .get(t0)
                        .is_some_and(|f| !f.committed() && !f.read_only && !f.is_doomed())
            });
            if pivot {
                // A pivot past its own pre-commit check commits regardless: this
                // transaction must not.
                if near.prepare_seq.is_some() {
                    return Err(failure(
                        "Canceled on commit attempt with conflict in from prepared pivot.",
                    ));
                }
                near.doom();
            }
        }
        self.last_commit_seq += 1;
        let seq = self.last_commit_seq;
        if let Some(m) = self.xacts.get_mut(&me) {
            m.prepare_seq = Some(seq);
        }
        Ok(())
    }

    pub fn committed(&mut self, me: TxnId) {
        self.last_commit_seq += 1;
        let seq = self.last_commit_seq;
        let Some(m) = self.xacts.get_mut(&me) else {
            return;
        };
        m.commit_seq = Some(seq);
        m.finished_before = TxnId(self.max_registered.0 + 1);
        if m.prepare_seq.is_none() {
            m.prepare_seq = Some(seq);
        }
        if !m.did_write {
            m.read_only = true;
        }
        let read_only = m.read_only;
        let outs: Vec<TxnId> = m.outs.iter().copied().collect();
        let ins: Vec<TxnId> = m.ins.iter().copied().collect();
        // Conflicts out to committed transactions become a flag with the earliest of their
        // commits; conflicts in from committed or read-only ones can no longer matter.
        let mut earliest: Option<u64> = None;
        let mut released_out = Vec::new();
        for w in outs {
            let Some(wx) = self.xacts.get(&w) else {
                continue;
            };
            if wx.committed() {
                if !read_only {
                    let p = wx.prepare_seq.unwrap_or(0);
                    earliest = Some(earliest.map_or(p, |e: u64| e.min(p)));
                }
                released_out.push(w);
            }
        }
        let released_in: Vec<TxnId> = ins
            .into_iter()
            .filter(|r| {
                self.xacts
                    .get(r)
                    .is_some_and(|rx| rx.committed() || rx.read_only)
            })
            .collect();
        if let Some(m) = self.xacts.get_mut(&me) {
            if let Some(e) = earliest {
                if !m.conflict_out_committed || e < m.earliest_out_conflict_commit {
                    m.earliest_out_conflict_commit = e;
                }
                m.conflict_out_committed = true;
            }
        }
        for w in released_out {
            self.remove_edge(me, w);
        }
        for r in released_in {
            self.remove_edge(r, me);
        }
        self.finished.push_back(me);
        self.clear_old();
    }

    fn remove_edge(&mut self, reader: TxnId, writer: TxnId) {
        if let Some(r) = self.xacts.get_mut(&reader) {
            r.outs.remove(&writer);
        }
        if let Some(w) = self.xacts.get_mut(&writer) {
            w.ins.remove(&reader);
        }
    }

    pub fn aborted(&mut self, me: TxnId) {
        self.release(me);
        self.clear_old();
    }

    /// Forgets `me`: its locks and every conflict naming it.
    fn release(&mut self, me: TxnId) {
        self.drop_locks(me);
        let Some(x) = self.xacts.remove(&me) else {
            return;
        };
        for r in x.ins {
            if let Some(rx) = self.xacts.get_mut(&r) {
                rx.outs.remove(&me);
            }
        }
        for w in x.outs {
            if let Some(wx) = self.xacts.get_mut(&w) {
                wx.ins.remove(&me);
            }
        }
    }

    /// Frees committed transactions no running serializable transaction overlaps, nor
    /// overlaps a transaction that overlapped them (every running one's snapshot sees
    /// their commit, and its xmin is past their `finished_before`: no new conflict can name
    /// them or a transaction they have a conflict with), summarises
    /// the oldest beyond [`MAX_COMMITTED`], and drops summary entries all running
    /// transactions see.
    fn clear_old(&mut self) {
        let running: Vec<&Sxact> = self.xacts.values().filter(|x| !x.committed()).collect();
        let min_last = running.iter().map(|x| x.last_commit_before_snapshot).min();
        let mut free = Vec::new();
        let mut keep = VecDeque::new();
        for &c in &self.finished {
            let before = self
                .xacts
                .get(&c)
                .map_or(TxnId::NONE, |x| x.finished_before);
            if running
                .iter()
                .all(|x| x.snapshot.sees(c) && x.snapshot.xmin() >= before)
            {
                free.push(c);
            } else {
                keep.push_back(c);
            }
        }
        self.finished = keep;
        for c in free {
            self.release(c);
        }
        while self.finished.len() > MAX_COMMITTED {
            if let Some(c) = self.finished.pop_front() {
                self.summarise(c);
            }
        }
        match min_last {
            None => self.summary = Summary::default(),
            Some(l) => {
                self.summary.targets.retain(|_, seq| *seq > l);
                for rs in self.summary.ranges.values_mut() {
                    rs.retain(|(_, seq)| *seq > l);
                }
                self.summary.ranges.retain(|_, rs| !rs.is_empty());
                self.summary.xids.retain(|_, (seq, _)| *seq > l);
            }
        }
    }

    /// Moves a committed transaction's locks to the summary and its conflicts to flags on
    /// the transactions at their other ends (PostgreSQL's `SummarizeOldestCommittedSxact`).
    fn summarise(&mut self, c: TxnId) {
        let Some(x) = self.xacts.get(&c) else {
            return;
        };
        let seq = x.commit_seq.unwrap_or(self.last_commit_seq);
        let conflict_out = x
            .conflict_out_committed
            .then_some(x.earliest_out_conflict_commit);
        let targets: Vec<Target> = x.targets.iter().copied().collect();
        let ranges: Vec<(u32, KeyRange)> = x
            .ranges
            .iter()
            .flat_map(|(i, rs)| rs.iter().map(move |r| (*i, r.clone())))
            .collect();
        let ins: Vec<TxnId> = x.ins.iter().copied().collect();
        let outs: Vec<TxnId> = x.outs.iter().copied().collect();
        for t in targets {
            let e = self.summary.targets.entry(t).or_insert(0);
            *e = (*e).max(seq);
        }
        for (i, r) in ranges {
            self.summary.ranges.entry(i).or_default().push((r, seq));
        }
        self.summary.xids.insert(c, (seq, conflict_out));
        for r in ins {
            if let Some(rx) = self.xacts.get_mut(&r) {
                rx.summary_conflict_out = true;
            }
        }
        for w in outs {
            if let Some(wx) = self.xacts.get_mut(&w) {
                wx.summary_conflict_in = true;
            }
        }
        self.release(c);
    }

    pub fn footprint(&self) -> (usize, usize, usize, usize) {
        let ranges = self
            .xacts
            .values()
            .map(|x| x.ranges.values().map(Vec::len).sum::<usize>())
            .sum();
        (
            self.xacts.len(),
            self.locks.len(),
            ranges,
            self.summary.xids.len(),
        )
    }
}

fn decrement<K: std::hash::Hash + Eq>(m: &mut HashMap<K, usize>, k: &K) {
    if let Some(n) = m.get_mut(k) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            m.remove(k);
        }
    }
}
