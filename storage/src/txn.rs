//! Transactions: begin, commit, abort, savepoints, and the active transaction table.
//!
//! Each active transaction has a [`TxnEntry`] (first/last LSN, next record to undo) behind its
//! own mutex. A logged change holds that mutex while appending and advancing the entry, so a
//! checkpoint's snapshot of the table (which takes each entry's mutex) never sees a record
//! appended without the entry reflecting it.
//!
//! Rollback (abort, savepoint rollback, and recovery's undo) walks the undo chain from
//! `undo_next`, writing one compensation record (CLR) per undone change; a CLR's `undo_next`
//! is the undone record's `prev_lsn`, so an interrupted rollback resumes where it stopped and
//! never undoes anything twice.

use crate::error::{Result, StorageError};
use crate::logged::{log_change, Chain};
use crate::ops::PageOp;
use crate::store::{Inner, Storage};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use wal::{Lsn, PageId, RecordBody, Sabotage, TxnEntry, TxnId};

pub(crate) type EntryRef = Arc<Mutex<TxnEntry>>;

#[derive(Default)]
pub(crate) struct TxnTable {
    next: AtomicU64,
    active: Mutex<BTreeMap<TxnId, EntryRef>>,
}

impl TxnTable {
    pub(crate) fn set_next(&self, next: TxnId) {
        self.next.fetch_max(next.0.max(1), Ordering::SeqCst);
    }

    pub(crate) fn next_id(&self) -> TxnId {
        TxnId(self.next.load(Ordering::SeqCst).max(1))
    }

    /// Assigns the next id and enters it in the table (called under the proc array's mutex,
    /// so ids become running in the order they are assigned).
    fn begin(&self) -> (TxnId, EntryRef) {
        let id = TxnId(self.next.fetch_add(1, Ordering::SeqCst).max(1));
        self.next.fetch_max(id.0 + 1, Ordering::SeqCst);
        let entry = Arc::new(Mutex::new(TxnEntry {
            txn: id,
            first_lsn: Lsn::NONE,
            last_lsn: Lsn::NONE,
            undo_next: Lsn::NONE,
            aborting: false,
        }));
        self.active.lock().insert(id, entry.clone());
        (id, entry)
    }

    fn remove(&self, id: TxnId) {
        self.active.lock().remove(&id);
    }

    /// The active transactions that have logged something, as of now.
    /// A transaction leaves the table while holding its entry's mutex, right after logging
    /// its Commit (or End): an entry read here under its mutex and still in the table has
    /// not logged that record yet, so the record follows any checkpoint begun before.
    pub(crate) fn snapshot(&self) -> Vec<TxnEntry> {
        let entries: Vec<EntryRef> = self.active.lock().values().cloned().collect();
        let mut out = Vec::with_capacity(entries.len());
        for e in &entries {
            // Lock order: entry, then table.
            let g = e.lock();
            if !g.first_lsn.is_none() && self.active.lock().contains_key(&g.txn) {
                out.push(*g);
            }
        }
        out
    }
}

/// Where a savepoint was taken: rolling back to it undoes everything logged after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Savepoint(Lsn);

/// An active transaction. Dropping it without commit rolls it back.
pub struct Transaction {
    storage: Storage,
    id: TxnId,
    entry: EntryRef,
    done: bool,
    /// Pages where this transaction deleted tuples: their space frees up at commit.
    deleted_on: Vec<PageId>,
}

impl Transaction {
    pub(crate) fn begin(storage: &Storage) -> Result<Transaction> {
        storage.inner.check_usable()?;
        let inner = &storage.inner;
        let interlocked =
            !Sabotage::active(inner.opts.sabotage, Sabotage::SnapshotWithoutInterlock);
        let (id, entry) = inner.procs.begin(interlocked, || inner.txns.begin());
        Ok(Transaction {
            storage: storage.clone(),
            id,
            entry,
            done: false,
            deleted_on: Vec::new(),
        })
    }

    pub fn id(&self) -> TxnId {
        self.id
    }

    pub(crate) fn entry(&self) -> &EntryRef {
        &self.entry
    }

    pub(crate) fn note_delete(&mut self, page: PageId) {
        if self.deleted_on.last() != Some(&page) && !self.deleted_on.contains(&page) {
            self.deleted_on.push(page);
        }
    }

    /// Makes the transaction's changes durable; returns only after its commit record is.
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        let inner = &self.storage.inner;
        let lsn = {
            let mut e = self.entry.lock();
            if e.last_lsn.is_none() {
                inner.txns.remove(self.id);
                drop(e);
                inner.procs.end(self.id);
                return Ok(());
            }
            let lsn = inner.log.append(e.last_lsn, self.id, &RecordBody::Commit)?;
            e.last_lsn = lsn;
            // Still under the entry's mutex: see `TxnTable::snapshot`.
            inner.txns.remove(self.id);
            lsn
        };
        let visible_early = Sabotage::active(inner.opts.sabotage, Sabotage::VisibleBeforeDurable);
        if visible_early {
            inner.procs.end(self.id);
        }
        if !Sabotage::active(inner.opts.sabotage, Sabotage::EarlyCommitAck) {
            if let Err(e) = inner.log.flush_through(lsn) {
                // Not known durable: the transaction stays running (its changes invisible
                // and locked) until the store fails over to recovery.
                return Err(e.into());
            }
        }
        // Durable: now other snapshots may see it (see `crate::mvcc`).
        inner.procs.end(self.id);
        inner.commit_hook();
        for page in std::mem::take(&mut self.deleted_on) {
            inner.fsm.refresh(inner, page);
        }
        Ok(())
    }

    /// Rolls back every change, writing a CLR for each.
    pub fn abort(mut self) -> Result<()> {
        self.done = true;
        self.rollback_all()
    }

    fn rollback_all(&mut self) -> Result<()> {
        let inner = &self.storage.inner;
        let mut e = self.entry.lock();
        if !e.last_lsn.is_none() {
            let lsn = inner.log.append(e.last_lsn, self.id, &RecordBody::Abort)?;
            e.last_lsn = lsn;
            e.aborting = true;
            undo(inner, self.id, &mut e, Lsn::NONE)?;
            inner.log.append(e.last_lsn, self.id, &RecordBody::End)?;
        }
        inner.txns.remove(self.id);
        drop(e);
        // Every change is undone: leaving the running set reveals nothing.
        inner.procs.end(self.id);
        Ok(())
    }

    pub fn savepoint(&self) -> Savepoint {
        Savepoint(self.entry.lock().undo_next)
    }

    /// Undoes every change made after `sp`; the transaction stays active.
    pub fn rollback_to(&mut self, sp: Savepoint) -> Result<()> {
        let mut e = self.entry.lock();
        undo(&self.storage.inner, self.id, &mut e, sp.0)
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if !self.done {
            // Best effort: if this fails the store is failed, and recovery undoes the rest.
            let _ = self.rollback_all();
        }
    }
}

/// Undoes the changes of `entry` newer than `stop`, following `undo_next`.
pub(crate) fn undo(inner: &Inner, txn: TxnId, entry: &mut TxnEntry, stop: Lsn) -> Result<()> {
    while !entry.undo_next.is_none() && entry.undo_next > stop {
        let rec = inner.log.read_record(entry.undo_next)?;
        match &rec.body {
            RecordBody::Update(ch) if !ch.redo_only => {
                let op = PageOp::decode(&ch.op).map_err(|reason| StorageError::BadOp {
                    lsn: rec.lsn,
                    reason,
                })?;
                if op.is_logical() {
                    crate::btree::undo_logical(inner, txn, entry, &rec, ch.page.file, &op)?;
                    continue;
                }
                let comp = op.compensation().ok_or(StorageError::BadOp {
                    lsn: rec.lsn,
                    reason: "operation has no compensation",
                })?;
                let pinned = inner.pool.pin(ch.page)?;
                let mut w = pinned.write();
                if Sabotage::active(inner.opts.sabotage, Sabotage::UndoWithoutClr) {
                    comp.apply(ch.page, w.page_mut())
                        .map_err(|e| StorageError::PageOp {
                            page: ch.page,
                            reason: format!("{e:?}"),
                        })?;
                    w.mark_dirty(inner.log.end_lsn());
                    entry.undo_next = rec.prev_lsn;
                } else {
                    log_change(inner, Chain::Clr(txn, entry, rec.prev_lsn), &mut w, &comp)?;
                }
            }
            RecordBody::Clr { undo_next, .. } => entry.undo_next = *undo_next,
            _ => entry.undo_next = rec.prev_lsn,
        }
    }
    Ok(())
}

/// Finishes a loser found by recovery: undo everything, then log its end.
pub(crate) fn rollback_loser(inner: &Inner, mut entry: TxnEntry) -> Result<()> {
    if !entry.aborting {
        entry.last_lsn = inner
            .log
            .append(entry.last_lsn, entry.txn, &RecordBody::Abort)?;
        entry.aborting = true;
    }
    let txn = entry.txn;
    undo(inner, txn, &mut entry, Lsn::NONE)?;
    inner.log.append(entry.last_lsn, txn, &RecordBody::End)?;
    Ok(())
}
