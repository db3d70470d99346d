//! Row locks: what `SELECT … FOR UPDATE | NO KEY UPDATE | SHARE | KEY SHARE` takes, and the
//! lock a writer takes before it changes a row.
//!
//! A row lock is a lock-manager lock on the version's [`LockTag::Tuple`], held by its
//! transaction until the transaction ends; several lockers of one row are several holders of
//! that tag. The four strengths map to table lock modes whose conflicts are exactly
//! PostgreSQL's row-lock conflict table (PostgreSQL's own tuple-lock mapping): KEY SHARE →
//! AccessShare, SHARE → RowShare, NO KEY UPDATE → Exclusive, UPDATE → AccessExclusive. So
//! KEY SHARE conflicts only with UPDATE; SHARE with NO KEY UPDATE and UPDATE; NO KEY UPDATE
//! with SHARE, NO KEY UPDATE and UPDATE; UPDATE with all ([`Strength::conflicts`]).
//!
//! **Writers** ([`crate::access::Writer::delete_row`] and `update_row`, under every UPDATE
//! and DELETE) take the tuple lock before they set xmax — a delete or key-changing update in
//! UPDATE strength, any other update in NO KEY UPDATE strength — and release it right after,
//! unless their transaction held a lock on the tuple before. From then on the xmax stands for
//! the writer's lock, in the strength the header records ([`writer_strength`]: NO KEY UPDATE
//! once the updater has linked a key-keeping new version, else UPDATE).
//!
//! **Locking a version** ([`lock_row`]): take the tuple lock, then look at the version's
//! xmax. None (or the locker's own): the row is locked. A writer whose strength conflicts:
//! if running, wait for its transaction to end (still holding the tuple lock, so later
//! lockers queue behind), then look again — a rolled-back change has restored xmax to none;
//! if committed, the row was changed after the statement's snapshot,
//! [`EngineError::ConcurrentUpdate`] (a READ COMMITTED statement restarts with a new
//! snapshot, other levels fail with 40001). A writer whose strength does not conflict (a
//! KEY SHARE locker meeting a key-keeping update): the lock holds, and the newer versions
//! along the update chain are locked the same way, so a later delete of the new version
//! waits for the locker too (the updater also carries the old version's lock holders to the
//! new version, `LockManager::carry`).
//!
//! This is race-free: a writer holds a lock conflicting with every strength its change
//! conflicts with from before it looks at xmax until after it has set it, and a locker looks
//! at xmax only while it holds its tuple lock. So either the locker's look comes first — then
//! the writer waits for the locker's transaction to end — or the writer's xmax is set before
//! the locker looks, and the locker judges the writer by it. A row lock held until
//! transaction end thus stops every conflicting writer of the version until then; after the
//! release, the version's xmax guards it.

use crate::access::Waits;
use crate::catalog::TableDef;
use crate::error::{EngineError, Result};
use crate::lock::{LockMode, LockTag, WaitRules};
use storage::heap_page::TupleHeader;
use storage::{Storage, Tid, TxnId};

/// A row lock's strength, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strength {
    KeyShare,
    Share,
    NoKeyUpdate,
    Update,
}

impl Strength {
    /// The lock-manager mode standing for the strength on a tuple tag.
    pub fn mode(self) -> LockMode {
        match self {
            Strength::KeyShare => LockMode::AccessShare,
            Strength::Share => LockMode::RowShare,
            Strength::NoKeyUpdate => LockMode::Exclusive,
            Strength::Update => LockMode::AccessExclusive,
        }
    }

    /// Whether locks of two transactions in strengths `self` and `other` conflict:
    /// PostgreSQL's row-lock conflict table (FOR KEY SHARE conflicts only with FOR UPDATE,
    /// FOR SHARE with FOR NO KEY UPDATE and FOR UPDATE, FOR NO KEY UPDATE with all but FOR
    /// KEY SHARE, FOR UPDATE with all).
    pub fn conflicts(self, other: Strength) -> bool {
        use Strength::*;
        matches!(
            (self.min(other), self.max(other)),
            (_, Update) | (Share, NoKeyUpdate) | (NoKeyUpdate, NoKeyUpdate)
        )
    }

    /// The clause as PostgreSQL names it in messages (`FOR NO KEY UPDATE`).
    pub fn clause(self) -> &'static str {
        match self {
            Strength::KeyShare => "FOR KEY SHARE",
            Strength::Share => "FOR SHARE",
            Strength::NoKeyUpdate => "FOR NO KEY UPDATE",
            Strength::Update => "FOR UPDATE",
        }
    }

    /// The command a read-only transaction refuses (`SELECT FOR SHARE`).
    pub fn command(self) -> &'static str {
        match self {
            Strength::KeyShare => "SELECT FOR KEY SHARE",
            Strength::Share => "SELECT FOR SHARE",
            Strength::NoKeyUpdate => "SELECT FOR NO KEY UPDATE",
            Strength::Update => "SELECT FOR UPDATE",
        }
    }
}

/// What a locker does when the lock is not free, in PostgreSQL's order of precedence
/// (when clauses combine, the later one here wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WaitPolicy {
    /// Wait for it.
    Block,
    /// SKIP LOCKED: leave the row out.
    SkipLocked,
    /// NOWAIT: fail with 55P03.
    NoWait,
}

/// The lock tag of the version at `tid` of heap `file`.
pub fn tuple_tag(file: u32, tid: Tid) -> LockTag {
    LockTag::Tuple(file, tid.page, tid.slot)
}

fn row_unavailable(table: &TableDef) -> EngineError {
    EngineError::LockNotAvailable {
        message: format!(
            "could not obtain lock on row in relation \"{}\"",
            table.name
        ),
    }
}

/// The strength the transaction in a version's xmax holds the version in: FOR NO KEY UPDATE
/// when it replaced the version keeping the key columns, FOR UPDATE when it deleted it,
/// changed the key, or has not yet recorded its new version (which then counts as a key
/// change: a locker waits for it rather than miss a key change).
pub fn writer_strength(h: &TupleHeader) -> Strength {
    if h.link.keeps_key() {
        Strength::NoKeyUpdate
    } else {
        Strength::Update
    }
}

/// Locks the version at `tid` of `table` (which the statement's snapshot sees) for
/// transaction `me`, as the module doc describes. `Ok(false)`: the row was skipped (SKIP
/// LOCKED and the lock was not free at once, or a running transaction is changing it in a
/// conflicting strength). On failure or skip, the tuple locks this call took are given back.
pub fn lock_row(
    storage: &Storage,
    waits: &Waits<'_>,
    me: TxnId,
    table: &TableDef,
    tid: Tid,
    strength: Strength,
    wait: WaitPolicy,
) -> Result<bool> {
    let mut taken = Vec::new();
    let got = lock_chain(storage, waits, me, table, tid, strength, wait, &mut taken);
    if !matches!(got, Ok(true)) {
        for tag in taken {
            waits.locks.release(me, tag);
        }
    }
    got
}

/// [`lock_row`]'s work: locks the version at `tid`, and when its xmax is a change that does
/// not conflict with `strength` (a FOR KEY SHARE locker meeting a key-keeping update,
/// running or committed), the newer versions along the update chain too, so the lock also
/// holds off a later delete or key change of the row's new version. `taken` collects the
/// tuple tags newly locked.
#[allow(clippy::too_many_arguments)]
fn lock_chain(
    storage: &Storage,
    waits: &Waits<'_>,
    me: TxnId,
    table: &TableDef,
    mut tid: Tid,
    strength: Strength,
    wait: WaitPolicy,
    taken: &mut Vec<LockTag>,
) -> Result<bool> {
    let locks = waits.locks;
    let rules = WaitRules {
        nowait: wait != WaitPolicy::Block,
        ..waits.rules
    };
    let heap = storage.heap(table.file);
    let first = tid;
    'versions: loop {
        let tag = tuple_tag(table.file, tid);
        let held_before = locks.holds_any(me, tag);
        match locks.acquire(me, tag, strength.mode(), &rules, waits.probe) {
            Ok(()) => {}
            Err(EngineError::LockNotAvailable { .. }) if wait == WaitPolicy::SkipLocked => {
                return Ok(false)
            }
            Err(EngineError::LockNotAvailable { .. }) => return Err(row_unavailable(table)),
            Err(e) => return Err(e),
        }
        if !held_before {
            taken.push(tag);
        }
        loop {
            let Some((h, _)) = heap.get_with_header(tid)? else {
                // Pruned: deleted by a transaction that committed.
                return Err(EngineError::ConcurrentUpdate);
            };
            if h.xmax == TxnId::NONE || h.xmax == me {
                return Ok(true);
            }
            if !strength.conflicts(writer_strength(&h)) {
                match h.link.next() {
                    Some((page, slot)) => {
                        tid = Tid { page, slot };
                        continue 'versions;
                    }
                    None => return Ok(true),
                }
            }
            if !storage.is_running(h.xmax) {
                return Err(EngineError::ConcurrentUpdate);
            }
            match wait {
                WaitPolicy::Block => waits.for_transaction(storage, me, h.xmax)?,
                WaitPolicy::SkipLocked => return Ok(false),
                WaitPolicy::NoWait => return Err(row_unavailable(table)),
            }
            if tid != first {
                // A newer version's writer ended: if it rolled back, the chain was undone
                // back to where the row stood before it (the version may be gone). Walk it
                // again from the first version, giving back the newer versions' locks.
                let first_tag = tuple_tag(table.file, first);
                for tag in taken.split_off(usize::from(taken.first() == Some(&first_tag))) {
                    locks.release(me, tag);
                }
                tid = first;
                continue 'versions;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version's xmax stands for its writer's lock in NO KEY UPDATE strength only once the
    /// writer has linked a key-keeping new version; a delete, a key change and an update not
    /// yet linked count as UPDATE strength, which every locker waits for.
    #[test]
    fn xmax_strength_follows_the_recorded_link() {
        use storage::heap_page::TupleLink;
        let header = |link| TupleHeader {
            xmin: TxnId(1),
            xmax: TxnId(2),
            link,
        };
        let cases = [
            (TupleLink::default(), Strength::Update),
            (TupleLink::updated(3, 4, false), Strength::Update),
            (TupleLink::updated(3, 4, true), Strength::NoKeyUpdate),
        ];
        for (link, want) in cases {
            let got = writer_strength(&header(link));
            assert_eq!(got, want, "{link:?}");
            assert_eq!(
                Strength::KeyShare.conflicts(got),
                want == Strength::Update,
                "a key-share locker waits only for a key change"
            );
        }
    }

    /// PostgreSQL's row-lock conflict table, through the lock manager.
    #[test]
    fn strengths_conflict_as_postgres_row_locks() {
        use crate::lock::{LockManager, WaitProbe};
        use Strength::*;
        let all = [KeyShare, Share, NoKeyUpdate, Update];
        // PostgreSQL's table (doc/src/sgml/mvcc.sgml, "Conflicting Row-Level Locks"),
        // row = held, column = requested: KEY SHARE, SHARE, NO KEY UPDATE, UPDATE.
        let table = [
            [false, false, false, true],
            [false, false, true, true],
            [false, true, true, true],
            [true, true, true, true],
        ];
        let conflicts = |a: Strength, b: Strength| table[a as usize][b as usize];
        let nowait = WaitRules {
            nowait: true,
            ..WaitRules::default()
        };
        let p = WaitProbe::new();
        for a in all {
            for b in all {
                let lm = LockManager::new();
                let tag = LockTag::Tuple(1, 0, 1);
                lm.acquire(TxnId(1), tag, a.mode(), &nowait, &p)
                    .expect("free lock");
                let got = lm.acquire(TxnId(2), tag, b.mode(), &nowait, &p).is_ok();
                assert_eq!(got, !conflicts(a, b), "{a:?} then {b:?}");
                assert_eq!(a.conflicts(b), conflicts(a, b), "{a:?} against {b:?}");
            }
        }
    }
}
