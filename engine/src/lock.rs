//! The lock manager: PostgreSQL's heavyweight locks, held by transactions until they end.
//!
//! A lock is named by a [`LockTag`] — the catalog as a whole, a relation, or a transaction
//! (every transaction holds its own [`LockTag::Transaction`] exclusively from begin to end, so
//! waiting for a transaction to finish is asking for that lock in share mode, as PostgreSQL's
//! `XactLockTableWait`). Modes and their conflicts are PostgreSQL's eight table lock modes.
//!
//! **Granting.** A request is granted when it conflicts with no mode held by another
//! transaction and, unless the requester already holds a lock on the same tag (an upgrade),
//! with no request queued before it by another transaction; so a stream of readers cannot
//! starve a waiting writer.
//!
//! **Waiting.** A waiter holds no latch and no engine mutex other than this manager's, which
//! it releases while it sleeps on the condition variable. It wakes on every release and
//! every few milliseconds to check for cancel and statement_timeout ([`crate::interrupt`]),
//! `lock_timeout` (55P03) and, once it has waited `deadlock_timeout`, for a deadlock: a cycle
//! in the wait-for graph (waiter → the transactions holding or queued before it with
//! conflicting modes) through itself, which it breaks by failing with 40P01. While it waits,
//! its session's [`WaitProbe`] says so.
//!
//! **Sessions.** Advisory locks may be held by a session across its transactions
//! (`pg_advisory_lock`). Such locks are held by the session's *owner id*
//! ([`LockManager::new_session_owner`], above every transaction id), which is linked to the
//! session's running transaction ([`LockManager::link_session`]): the two never conflict
//! with each other, and the deadlock search passes from one to the other (a session holding
//! an advisory lock waits for whatever its transaction waits for). Session-held locks count
//! re-entrant acquisitions as PostgreSQL does; they are released by explicit unlocks or when
//! the session ends ([`LockManager::release_all`] of the owner).
//!
//! Lock order: this manager's mutex is a leaf; it is never held while taking another lock,
//! a page latch or the catalog mutex.

use crate::error::{EngineError, Result};
use parking_lot::{Condvar, Mutex};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use storage::TxnId;

/// PostgreSQL's table lock modes, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LockMode {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

impl LockMode {
    pub const ALL: [LockMode; 8] = [
        LockMode::AccessShare,
        LockMode::RowShare,
        LockMode::RowExclusive,
        LockMode::ShareUpdateExclusive,
        LockMode::Share,
        LockMode::ShareRowExclusive,
        LockMode::Exclusive,
        LockMode::AccessExclusive,
    ];

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The modes this one conflicts with, as a bit set (PostgreSQL's conflict table).
    fn conflicts(self) -> u8 {
        use LockMode::*;
        let set = |ms: &[LockMode]| ms.iter().fold(0u8, |a, m| a | m.bit());
        match self {
            AccessShare => set(&[AccessExclusive]),
            RowShare => set(&[Exclusive, AccessExclusive]),
            RowExclusive => set(&[Share, ShareRowExclusive, Exclusive, AccessExclusive]),
            ShareUpdateExclusive => set(&[
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ]),
            Share => set(&[
                RowExclusive,
                ShareUpdateExclusive,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ]),
            ShareRowExclusive => set(&[
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ]),
            Exclusive => set(&[
                RowShare,
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ]),
            AccessExclusive => 0xff,
        }
    }

    /// PostgreSQL's name of the mode (`pg_locks.mode`, `LOCK TABLE ... IN ... MODE`).
    pub fn name(self) -> &'static str {
        use LockMode::*;
        match self {
            AccessShare => "AccessShareLock",
            RowShare => "RowShareLock",
            RowExclusive => "RowExclusiveLock",
            ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            Share => "ShareLock",
            ShareRowExclusive => "ShareRowExclusiveLock",
            Exclusive => "ExclusiveLock",
            AccessExclusive => "AccessExclusiveLock",
        }
    }
}

/// What a lock is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockTag {
    /// A catalog entry (a relation or index name in a namespace, a role, a type, the ACL
    /// of schema `public`), by a hash of its key (see `crate::catalog::ObjKey`): a
    /// transaction holds it exclusively from its first change of the entry to its end, so
    /// definitions are changed by one transaction at a time, as PostgreSQL's writers of a
    /// catalog row (or of a key of a catalog's unique index) wait for each other.
    CatalogEntry(u64),
    /// A relation, by OID.
    Relation(u32),
    /// A transaction, held exclusively by itself until it ends.
    Transaction(TxnId),
    /// A tuple version (file, page, slot): a row lock, in the mode standing for its
    /// strength (see [`crate::row_lock`]); writers hold it while they set the version's xmax.
    Tuple(u32, u32, u16),
    /// An advisory lock (`pg_advisory_lock`): two 32-bit halves of its key and the key's form
    /// (1: one bigint, high half first; 2: two integers), as PostgreSQL's `classid`, `objid`
    /// and `objsubid`, so `(bigint 1)` and `(0, 1)` are different locks.
    Advisory(u32, u32, u8),
}

/// How long and whether to wait.
#[derive(Clone, Copy, Debug)]
pub struct WaitRules {
    /// Fail at once (55P03) instead of waiting.
    pub nowait: bool,
    /// `lock_timeout` (None: wait without limit).
    pub lock_timeout: Option<Duration>,
    /// `deadlock_timeout`: how long to wait before looking for a deadlock.
    pub deadlock_timeout: Duration,
}

impl Default for WaitRules {
    fn default() -> WaitRules {
        WaitRules {
            nowait: false,
            lock_timeout: None,
            deadlock_timeout: Duration::from_secs(1),
        }
    }
}

/// Tells whether a session is waiting for a lock (PostgreSQL's `pg_locks.granted = false`,
/// what an isolation tester watches). Cheap to clone; usable from any thread.
#[derive(Clone, Debug, Default)]
pub struct WaitProbe(Arc<AtomicBool>);

impl WaitProbe {
    pub fn new() -> WaitProbe {
        WaitProbe::default()
    }

    /// True while the session's statement waits for a lock or for another transaction.
    pub fn is_waiting(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    fn set(&self, waiting: bool) {
        self.0.store(waiting, Ordering::Release);
    }
}

#[derive(Default)]
struct LockState {
    /// Holder → the modes it holds, as a bit set.
    holders: HashMap<TxnId, u8>,
    /// Requests not yet granted, in arrival order.
    queue: VecDeque<(TxnId, LockMode)>,
}

impl LockState {
    /// Whether `who` (linked to `alias`, its session's other id, which never conflicts with
    /// it) may take `mode` now.
    fn grantable(&self, who: TxnId, alias: Option<TxnId>, mode: LockMode) -> bool {
        let c = mode.conflicts();
        let other = |h: TxnId| h != who && Some(h) != alias;
        if self.holders.iter().any(|(&h, &m)| other(h) && m & c != 0) {
            return false;
        }
        if self.holders.keys().any(|&h| !other(h)) {
            return true;
        }
        self.queue
            .iter()
            .take_while(|(w, _)| *w != who)
            .all(|(w, m)| !other(*w) || m.bit() & c == 0)
    }

    /// Whether `who`, which holds modes of this lock and asks for `mode`, would wait for a
    /// queued request that itself waits for what `who` holds: a deadlock on this one lock
    /// (two holders of a shared mode both upgrading), reported at once as PostgreSQL's
    /// early deadlock detection does.
    fn upgrade_deadlock(&self, who: TxnId, alias: Option<TxnId>, mode: LockMode) -> bool {
        let mine = self.holders.get(&who).copied().unwrap_or(0);
        if mine == 0 {
            return false;
        }
        self.queue.iter().any(|(w, m)| {
            let theirs = self.holders.get(w).copied().unwrap_or(0);
            *w != who
                && Some(*w) != alias
                && m.conflicts() & mine != 0
                && mode.conflicts() & theirs != 0
        })
    }

    /// The holders and waiters `who`'s request for `mode` waits for.
    fn blockers(&self, who: TxnId, alias: Option<TxnId>, mode: LockMode) -> Vec<TxnId> {
        let c = mode.conflicts();
        let other = |h: TxnId| h != who && Some(h) != alias;
        let mut out: Vec<TxnId> = self
            .holders
            .iter()
            .filter(|(&h, &m)| other(h) && m & c != 0)
            .map(|(&h, _)| h)
            .collect();
        if !self.holders.keys().any(|&h| !other(h)) {
            out.extend(
                self.queue
                    .iter()
                    .take_while(|(w, _)| *w != who)
                    .filter(|(w, m)| other(*w) && m.bit() & c != 0)
                    .map(|(w, _)| *w),
            );
        }
        out
    }
}

#[derive(Default)]
struct LockTable {
    locks: HashMap<LockTag, LockState>,
    /// Each transaction's held tags (to release them all at its end).
    held: HashMap<TxnId, HashSet<LockTag>>,
    /// What each waiting transaction waits for.
    waiting: HashMap<TxnId, (LockTag, LockMode)>,
    /// A session's owner id and its running transaction's id, each mapped to the other.
    links: HashMap<TxnId, TxnId>,
    /// Re-entrant acquisitions of session-held locks: (owner, tag, mode) → count (> 0).
    counts: HashMap<(TxnId, LockTag, LockMode), u32>,
}

impl LockTable {
    fn grant(&mut self, who: TxnId, tag: LockTag, mode: LockMode) {
        let st = self.locks.entry(tag).or_default();
        *st.holders.entry(who).or_insert(0) |= mode.bit();
        self.held.entry(who).or_default().insert(tag);
    }

    /// Whether `start`'s wait closes a cycle of waits back to itself. A session's owner id
    /// and its transaction's id are one node: each waits for what the other waits for.
    fn in_deadlock(&self, start: TxnId) -> bool {
        let me = self.links.get(&start).copied();
        let mut stack = vec![start];
        let mut seen = HashSet::new();
        while let Some(t) = stack.pop() {
            let link = self.links.get(&t).copied();
            for w in std::iter::once(t).chain(link) {
                let Some((tag, mode)) = self.waiting.get(&w) else {
                    continue;
                };
                let Some(st) = self.locks.get(tag) else {
                    continue;
                };
                for b in st.blockers(w, self.links.get(&w).copied(), *mode) {
                    if b == start || Some(b) == me {
                        return true;
                    }
                    if seen.insert(b) {
                        stack.push(b);
                    }
                }
            }
        }
        false
    }

    /// Removes `mode` of `who` on `tag` (the whole hold when no mode is left).
    fn drop_mode(&mut self, who: TxnId, tag: LockTag, mode: LockMode) {
        let Some(st) = self.locks.get_mut(&tag) else {
            return;
        };
        let left = match st.holders.get_mut(&who) {
            Some(m) => {
                *m &= !mode.bit();
                *m
            }
            None => return,
        };
        if left == 0 {
            st.holders.remove(&who);
            if let Some(h) = self.held.get_mut(&who) {
                h.remove(&tag);
            }
        }
        if st.holders.is_empty() && st.queue.is_empty() {
            self.locks.remove(&tag);
        }
    }

    fn dequeue(&mut self, who: TxnId, tag: LockTag) {
        self.waiting.remove(&who);
        if let Some(st) = self.locks.get_mut(&tag) {
            st.queue.retain(|(w, _)| *w != who);
            if st.holders.is_empty() && st.queue.is_empty() {
                self.locks.remove(&tag);
            }
        }
    }
}

/// The database's lock table.
#[derive(Default)]
pub struct LockManager {
    /// Protects every lock's holders and queue, the held sets and the wait-for edges.
    table: Mutex<LockTable>,
    /// Signalled whenever a lock is released or a queue shrinks.
    changed: Condvar,
}

/// How often a waiter wakes to check for interrupts and timeouts.
const POLL: Duration = Duration::from_millis(5);

impl LockManager {
    pub fn new() -> LockManager {
        LockManager::default()
    }

    /// Takes `mode` on `tag` for transaction `who`, waiting as `rules` allow. `probe` reports
    /// the wait to observers.
    pub fn acquire(
        &self,
        who: TxnId,
        tag: LockTag,
        mode: LockMode,
        rules: &WaitRules,
        probe: &WaitProbe,
    ) -> Result<()> {
        let mut t = self.table.lock();
        if t.locks
            .get(&tag)
            .is_some_and(|st| st.holders.get(&who).is_some_and(|m| m & mode.bit() != 0))
        {
            return Ok(());
        }
        let alias = t.links.get(&who).copied();
        if t.locks
            .get(&tag)
            .is_none_or(|st| st.grantable(who, alias, mode))
        {
            t.grant(who, tag, mode);
            return Ok(());
        }
        if rules.nowait {
            return Err(lock_unavailable(tag));
        }
        if t.locks
            .get(&tag)
            .is_some_and(|st| st.upgrade_deadlock(who, alias, mode))
        {
            return Err(EngineError::Deadlock);
        }
        t.locks.entry(tag).or_default().queue.push_back((who, mode));
        t.waiting.insert(who, (tag, mode));
        probe.set(true);
        let started = Instant::now();
        let mut deadlock_checked = false;
        let outcome = loop {
            let alias = t.links.get(&who).copied();
            if t.locks
                .get(&tag)
                .is_some_and(|st| st.grantable(who, alias, mode))
            {
                break Ok(());
            }
            if let Err(e) = crate::interrupt::check() {
                break Err(e);
            }
            let waited = started.elapsed();
            if rules.lock_timeout.is_some_and(|lt| waited >= lt) {
                break Err(EngineError::LockTimeout);
            }
            if !deadlock_checked && waited >= rules.deadlock_timeout {
                deadlock_checked = true;
                if t.in_deadlock(who) {
                    break Err(EngineError::Deadlock);
                }
            }
            self.changed.wait_for(&mut t, POLL);
        };
        t.dequeue(who, tag);
        if outcome.is_ok() {
            t.grant(who, tag, mode);
        }
        probe.set(false);
        drop(t);
        // Our leaving the queue may let requests behind us through.
        self.changed.notify_all();
        outcome
    }

    /// Releases one lock `who` holds on `tag` (every mode).
    pub fn release(&self, who: TxnId, tag: LockTag) {
        let mut t = self.table.lock();
        if let Some(st) = t.locks.get_mut(&tag) {
            st.holders.remove(&who);
            if st.holders.is_empty() && st.queue.is_empty() {
                t.locks.remove(&tag);
            }
        }
        if let Some(h) = t.held.get_mut(&who) {
            h.remove(&tag);
        }
        drop(t);
        self.changed.notify_all();
    }

    /// Releases every lock of `who` (its transaction ended, or the session whose owner id
    /// it is), and its link to its session.
    pub fn release_all(&self, who: TxnId) {
        let mut t = self.table.lock();
        if let Some(other) = t.links.remove(&who) {
            t.links.remove(&other);
        }
        t.counts.retain(|(h, _, _), _| *h != who);
        for tag in t.held.remove(&who).unwrap_or_default() {
            if let Some(st) = t.locks.get_mut(&tag) {
                st.holders.remove(&who);
                if st.holders.is_empty() && st.queue.is_empty() {
                    t.locks.remove(&tag);
                }
            }
        }
        drop(t);
        self.changed.notify_all();
    }

    /// Gives every holder of `from` other than `except` the same modes on `to`, without
    /// waiting (an update carrying the row locks of its old version to the new one, which
    /// no one else can have asked for yet). Done under the table mutex, so a holder whose
    /// transaction is ending either is carried before its release (and released with the
    /// rest) or has no hold left to carry.
    pub fn carry(&self, from: LockTag, to: LockTag, except: TxnId) {
        let mut t = self.table.lock();
        let Some(st) = t.locks.get(&from) else {
            return;
        };
        let holds: Vec<(TxnId, u8)> = st
            .holders
            .iter()
            .filter(|(&h, _)| h != except)
            .map(|(&h, &m)| (h, m))
            .collect();
        for (h, bits) in holds {
            let st = t.locks.entry(to).or_default();
            *st.holders.entry(h).or_insert(0) |= bits;
            t.held.entry(h).or_default().insert(to);
        }
    }

    /// Whether `who` holds `mode` on `tag`.
    pub fn holds(&self, who: TxnId, tag: LockTag, mode: LockMode) -> bool {
        let t = self.table.lock();
        t.locks
            .get(&tag)
            .and_then(|st| st.holders.get(&who))
            .is_some_and(|&m| m & mode.bit() != 0)
    }

    /// Whether `who` holds `tag` in any mode.
    pub fn holds_any(&self, who: TxnId, tag: LockTag) -> bool {
        let t = self.table.lock();
        t.locks
            .get(&tag)
            .is_some_and(|st| st.holders.contains_key(&who))
    }

    /// A new session's owner id, which holds its session-level locks (never a transaction
    /// id: those count up from 1, owner ids from 2^62).
    pub fn new_session_owner(&self) -> TxnId {
        use std::sync::atomic::AtomicU64;
        static NEXT: AtomicU64 = AtomicU64::new(1 << 62);
        TxnId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// Links session owner `owner` to its transaction `txn`, which has just begun (the link
    /// ends when either is released with [`LockManager::release_all`]).
    pub fn link_session(&self, owner: TxnId, txn: TxnId) {
        let mut t = self.table.lock();
        if let Some(old) = t.links.insert(owner, txn) {
            t.links.remove(&old);
        }
        t.links.insert(txn, owner);
    }

    /// The owner id of the session running transaction `txn`, if linked.
    pub fn session_of(&self, txn: TxnId) -> Option<TxnId> {
        self.table.lock().links.get(&txn).copied()
    }

    /// Takes `mode` on `tag` for session owner `owner` once more (each acquisition needs its
    /// own [`LockManager::release_counted`]).
    pub fn acquire_counted(
        &self,
        owner: TxnId,
        tag: LockTag,
        mode: LockMode,
        rules: &WaitRules,
        probe: &WaitProbe,
    ) -> Result<()> {
        self.acquire(owner, tag, mode, rules, probe)?;
        *self
            .table
            .lock()
            .counts
            .entry((owner, tag, mode))
            .or_insert(0) += 1;
        Ok(())
    }

    /// Gives back one acquisition of `mode` on `tag` by `owner`; the lock goes with the last.
    /// False when `owner` holds none.
    pub fn release_counted(&self, owner: TxnId, tag: LockTag, mode: LockMode) -> bool {
        let mut t = self.table.lock();
        let key = (owner, tag, mode);
        let Some(n) = t.counts.get_mut(&key) else {
            return false;
        };
        *n -= 1;
        if *n == 0 {
            t.counts.remove(&key);
            t.drop_mode(owner, tag, mode);
            drop(t);
            self.changed.notify_all();
        }
        true
    }

    /// Releases every counted lock of `owner` whose tag `which` selects.
    pub fn release_counted_all(&self, owner: TxnId, which: impl Fn(&LockTag) -> bool) {
        let mut t = self.table.lock();
        let gone: Vec<(TxnId, LockTag, LockMode)> = t
            .counts
            .keys()
            .filter(|(h, tag, _)| *h == owner && which(tag))
            .copied()
            .collect();
        for key in gone {
            t.counts.remove(&key);
            t.drop_mode(key.0, key.1, key.2);
        }
        drop(t);
        self.changed.notify_all();
    }

    /// Whether transaction `id` holds its own transaction lock (it is known to the manager).
    pub fn is_registered(&self, id: TxnId) -> bool {
        let t = self.table.lock();
        t.locks
            .get(&LockTag::Transaction(id))
            .is_some_and(|st| st.holders.contains_key(&id))
    }
}

fn lock_unavailable(tag: LockTag) -> EngineError {
    EngineError::LockNotAvailable {
        message: match tag {
            LockTag::Tuple(..) | LockTag::Transaction(_) => {
                "could not obtain lock on row in relation".into()
            }
            LockTag::Relation(_) | LockTag::CatalogEntry(_) => {
                "could not obtain lock on relation".into()
            }
            LockTag::Advisory(..) => "could not obtain advisory lock".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    fn rules() -> WaitRules {
        WaitRules {
            deadlock_timeout: Duration::from_millis(50),
            ..WaitRules::default()
        }
    }

    #[test]
    fn conflict_table_is_symmetric_and_matches_postgres() {
        for a in LockMode::ALL {
            for b in LockMode::ALL {
                assert_eq!(
                    a.conflicts() & b.bit() != 0,
                    b.conflicts() & a.bit() != 0,
                    "{a:?} vs {b:?}"
                );
            }
        }
        use LockMode::*;
        assert_eq!(AccessShare.conflicts(), AccessExclusive.bit());
        assert!(RowExclusive.conflicts() & RowExclusive.bit() == 0);
        assert!(ShareUpdateExclusive.conflicts() & ShareUpdateExclusive.bit() != 0);
        assert!(Share.conflicts() & Share.bit() == 0);
    }

    #[test]
    fn waiter_is_granted_when_holder_releases_and_probe_shows_the_wait() {
        let lm = Arc::new(LockManager::new());
        let (a, b) = (TxnId(1), TxnId(2));
        let probe = WaitProbe::new();
        lm.acquire(
            a,
            LockTag::Transaction(a),
            LockMode::Exclusive,
            &rules(),
            &probe,
        )
        .unwrap();
        let lm2 = lm.clone();
        let probe_b = WaitProbe::new();
        let pb = probe_b.clone();
        let h = thread::spawn(move || {
            lm2.acquire(b, LockTag::Transaction(a), LockMode::Share, &rules(), &pb)
        });
        while !probe_b.is_waiting() {
            thread::yield_now();
        }
        lm.release_all(a);
        h.join().unwrap().unwrap();
        assert!(!probe_b.is_waiting());
        assert!(lm.holds(b, LockTag::Transaction(a), LockMode::Share));
    }

    #[test]
    fn nowait_fails_at_once() {
        let lm = LockManager::new();
        let p = WaitProbe::new();
        lm.acquire(
            TxnId(1),
            LockTag::Relation(7),
            LockMode::AccessExclusive,
            &rules(),
            &p,
        )
        .unwrap();
        let nowait = WaitRules {
            nowait: true,
            ..rules()
        };
        let e = lm
            .acquire(
                TxnId(2),
                LockTag::Relation(7),
                LockMode::AccessShare,
                &nowait,
                &p,
            )
            .unwrap_err();
        assert_eq!(e.sqlstate(), "55P03");
    }

    #[test]
    fn a_cycle_of_waits_fails_one_waiter_with_40p01() {
        let lm = Arc::new(LockManager::new());
        let (a, b) = (TxnId(1), TxnId(2));
        let p = WaitProbe::new();
        for t in [a, b] {
            lm.acquire(
                t,
                LockTag::Transaction(t),
                LockMode::Exclusive,
                &rules(),
                &p,
            )
            .unwrap();
        }
        let lm2 = lm.clone();
        let pa = WaitProbe::new();
        let pa2 = pa.clone();
        // a looks for a deadlock only after a long time: b, which closes the cycle, finds it.
        let patient = WaitRules {
            deadlock_timeout: Duration::from_secs(60),
            ..rules()
        };
        let h = thread::spawn(move || {
            lm2.acquire(a, LockTag::Transaction(b), LockMode::Share, &patient, &pa2)
        });
        while !pa.is_waiting() {
            thread::yield_now();
        }
        let r = lm.acquire(b, LockTag::Transaction(a), LockMode::Share, &rules(), &p);
        let ra = match r {
            Err(e) => {
                assert_eq!(e.sqlstate(), "40P01");
                lm.release_all(b);
                h.join().unwrap()
            }
            Ok(()) => unreachable!("b cannot get a's lock while a waits for b"),
        };
        assert!(ra.is_ok(), "a goes on once b gave up");
    }

    #[test]
    fn queued_exclusive_request_is_not_starved_by_new_shares() {
        let lm = Arc::new(LockManager::new());
        let p = WaitProbe::new();
        let tag = LockTag::Relation(1);
        lm.acquire(TxnId(1), tag, LockMode::AccessShare, &rules(), &p)
            .unwrap();
        let lm2 = lm.clone();
        let px = WaitProbe::new();
        let px2 = px.clone();
        let h = thread::spawn(move || {
            lm2.acquire(TxnId(2), tag, LockMode::AccessExclusive, &rules(), &px2)
        });
        while !px.is_waiting() {
            thread::yield_now();
        }
        let nowait = WaitRules {
            nowait: true,
            ..rules()
        };
        assert!(lm
            .acquire(TxnId(3), tag, LockMode::AccessShare, &nowait, &p)
            .is_err());
        // The holder may still upgrade past the queue.
        lm.acquire(TxnId(1), tag, LockMode::RowExclusive, &nowait, &p)
            .unwrap();
        lm.release_all(TxnId(1));
        h.join().unwrap().unwrap();
    }

    #[test]
    fn two_share_holders_upgrading_deadlock_at_the_second_request() {
        let lm = Arc::new(LockManager::new());
        let p = WaitProbe::new();
        let tag = LockTag::Relation(1);
        for t in [TxnId(1), TxnId(2)] {
            lm.acquire(t, tag, LockMode::AccessShare, &rules(), &p)
                .unwrap();
        }
        let lm2 = lm.clone();
        let pw = WaitProbe::new();
        let pw2 = pw.clone();
        let h = thread::spawn(move || {
            lm2.acquire(TxnId(1), tag, LockMode::AccessExclusive, &rules(), &pw2)
        });
        while !pw.is_waiting() {
            thread::yield_now();
        }
        // No deadlock_timeout to wait out: the second upgrade fails at once.
        let patient = WaitRules {
            deadlock_timeout: Duration::from_secs(60),
            ..rules()
        };
        let e = lm
            .acquire(TxnId(2), tag, LockMode::AccessExclusive, &patient, &p)
            .unwrap_err();
        assert_eq!(e.sqlstate(), "40P01");
        lm.release_all(TxnId(2));
        h.join().unwrap().unwrap();
    }

    #[test]
    fn a_session_owner_and_its_transaction_never_conflict_and_holds_are_counted() {
        let lm = Arc::new(LockManager::new());
        let p = WaitProbe::new();
        let nowait = WaitRules {
            nowait: true,
            ..rules()
        };
        let tag = LockTag::Advisory(0, 1, 1);
        let (owner, txn, other) = (lm.new_session_owner(), TxnId(1), TxnId(2));
        lm.link_session(owner, txn);
        assert_eq!(lm.session_of(txn), Some(owner));
        // Counted: two acquisitions need two releases.
        for _ in 0..2 {
            lm.acquire_counted(owner, tag, LockMode::Exclusive, &nowait, &p)
                .unwrap();
        }
        // The session's own transaction does not conflict with it; another does.
        lm.acquire(txn, tag, LockMode::Exclusive, &nowait, &p)
            .unwrap();
        assert!(lm
            .acquire(other, tag, LockMode::Share, &nowait, &p)
            .is_err());
        lm.release_all(txn);
        assert_eq!(lm.session_of(txn), None);
        assert!(lm.release_counted(owner, tag, LockMode::Exclusive));
        assert!(lm.holds(owner, tag, LockMode::Exclusive));
        assert!(lm.release_counted(owner, tag, LockMode::Exclusive));
        assert!(!lm.release_counted(owner, tag, LockMode::Exclusive));
        lm.acquire(other, tag, LockMode::Share, &nowait, &p)
            .unwrap();
        lm.release_all(other);
    }
}
