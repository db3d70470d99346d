//! ARIES restart: analysis, redo, undo.
//!
//! - **Analysis** scans from the master's checkpoint begin record to the end of the log,
//!   rebuilding the active transaction table (ATT) and dirty page table (DPT); the checkpoint
//!   end record's tables are merged in (entries newer than the snapshot win; transactions that
//!   ended after the snapshot stay ended). The log manager cuts the torn tail.
//! - **Redo** repeats history from the smallest recLSN: a page record is applied only if its
//!   page is in the DPT with recLSN <= LSN and the page's pageLSN < LSN; then pageLSN = LSN.
//!   Full-page images are restored without reading the page, which repairs torn pages: a page
//!   that fails its checksum is set aside until an image of it is redone; if none comes, the
//!   page is corrupt and recovery fails.
//! - **Undo** rolls back each loser with CLRs (descending last LSN), then logs its end. A crash
//!   during undo resumes from the CLRs' undo_next, so repeated crashes converge.

use crate::error::{Result, StorageError};
use crate::ops::PageOp;
use crate::page::{decode_image, Page};
use crate::store::Inner;
use crate::txn::rollback_loser;
use std::collections::{BTreeMap, BTreeSet};
use wal::{
    LogRecord, Lsn, MasterRecord, PageChange, PageId, RecordBody, Sabotage, TxnEntry, TxnId,
};

/// What a restart did (for tests, logs and waldump).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    pub checkpoint: Option<Lsn>,
    pub log_end: Lsn,
    pub tail: String,
    pub records_scanned: u64,
    pub redo_start: Option<Lsn>,
    pub records_redone: u64,
    pub images_restored: u64,
    pub torn_pages_repaired: u64,
    pub losers: u64,
    pub consistency_checks: u64,
}

pub(crate) struct Analysis {
    master: Option<MasterRecord>,
    att: BTreeMap<TxnId, TxnEntry>,
    ended: BTreeSet<TxnId>,
    pub(crate) dpt: BTreeMap<PageId, Lsn>,
    max_txn: u64,
    saw_checkpoint_end: bool,
    pub(crate) scanned: u64,
}

impl Analysis {
    pub(crate) fn new(master: Option<MasterRecord>) -> Analysis {
        Analysis {
            master,
            att: BTreeMap::new(),
            ended: BTreeSet::new(),
            dpt: BTreeMap::new(),
            max_txn: master.map_or(0, |m| m.next_txn.0.saturating_sub(1)),
            saw_checkpoint_end: false,
            scanned: 0,
        }
    }

    pub(crate) fn start(&self) -> Option<Lsn> {
        self.master.map(|m| m.checkpoint_begin)
    }

    pub(crate) fn visit(&mut self, rec: &LogRecord) {
        self.scanned += 1;
        self.max_txn = self.max_txn.max(rec.txn.0);
        for ch in rec.body.page_changes() {
            self.dpt.entry(ch.page).or_insert(rec.lsn);
        }
        if let RecordBody::CheckpointEnd(c) = &rec.body {
            if self.master.map(|m| m.checkpoint_end) == Some(rec.lsn) {
                self.saw_checkpoint_end = true;
                self.merge_checkpoint(c);
            }
            return;
        }
        if rec.txn == TxnId::NONE {
            return;
        }
        match &rec.body {
            RecordBody::Commit | RecordBody::End => {
                self.att.remove(&rec.txn);
                self.ended.insert(rec.txn);
                return;
            }
            _ => {}
        }
        let e = self.att.entry(rec.txn).or_insert(TxnEntry {
            txn: rec.txn,
            first_lsn: rec.lsn,
            last_lsn: rec.lsn,
            undo_next: Lsn::NONE,
            aborting: false,
        });
        e.last_lsn = rec.lsn;
        match &rec.body {
            RecordBody::Update(ch) if !ch.redo_only => e.undo_next = rec.lsn,
            RecordBody::Clr { undo_next, .. } => e.undo_next = *undo_next,
            RecordBody::Abort => e.aborting = true,
            _ => {}
        }
    }

    fn merge_checkpoint(&mut self, c: &wal::CheckpointData) {
        self.max_txn = self.max_txn.max(c.next_txn.0.saturating_sub(1));
        for t in &c.txns {
            if self.ended.contains(&t.txn) {
                continue;
            }
            match self.att.get_mut(&t.txn) {
                Some(seen) => {
                    seen.first_lsn = seen.first_lsn.min(t.first_lsn);
                    if t.last_lsn > seen.last_lsn {
                        seen.last_lsn = t.last_lsn;
                        seen.undo_next = t.undo_next;
                        seen.aborting |= t.aborting;
                    }
                }
                None => {
                    self.att.insert(t.txn, *t);
                }
            }
        }
        for d in &c.dirty {
            let e = self.dpt.entry(d.page).or_insert(d.rec_lsn);
            *e = (*e).min(d.rec_lsn);
        }
    }

    /// Verifies the scan saw the checkpoint the master points at.
    pub(crate) fn check_complete(&self, end: Lsn) -> Result<()> {
        match self.master {
            Some(m) if !self.saw_checkpoint_end => Err(StorageError::Recovery(format!(
                "the master record names the checkpoint ending at {}, but the log ends at {end} \
                 before it (log corrupt or lost)",
                m.checkpoint_end
            ))),
            _ => Ok(()),
        }
    }

    pub(crate) fn next_txn(&self) -> TxnId {
        TxnId(self.max_txn + 1)
    }

    pub(crate) fn redo_start(&self) -> Option<Lsn> {
        self.dpt.values().min().copied()
    }
}

/// Redo pass: repeats history from the smallest recLSN to the end of the log.
pub(crate) fn redo(inner: &Inner, analysis: &Analysis, report: &mut RecoveryReport) -> Result<()> {
    let Some(start) = analysis.redo_start() else {
        return Ok(());
    };
    report.redo_start = Some(start);
    let mut torn: BTreeSet<PageId> = BTreeSet::new();
    let mut reader = inner.log.scan(start);
    while let Some(rec) = reader.next_record()? {
        for ch in rec.body.page_changes() {
            match analysis.dpt.get(&ch.page) {
                Some(&rec_lsn) if rec.lsn >= rec_lsn => {}
                _ => continue,
            }
            redo_change(inner, &rec, ch, &mut torn, report)?;
        }
    }
    if let Some(page) = torn.first() {
        return Err(StorageError::Recovery(format!(
            "page {page} failed its checksum and no full-page image in the log can repair it \
             ({} such pages)",
            torn.len()
        )));
    }
    Ok(())
}

fn redo_change(
    inner: &Inner,
    rec: &LogRecord,
    ch: &PageChange,
    torn: &mut BTreeSet<PageId>,
    report: &mut RecoveryReport,
) -> Result<()> {
    let bad_image = |why: crate::page::PageError| StorageError::Redo {
        lsn: rec.lsn,
        page: ch.page,
        reason: format!("bad page image: {why}"),
    };
    if let Some(img) = ch.image.as_ref().filter(|i| i.restore) {
        let mut page = decode_image(&img.bytes).map_err(bad_image)?;
        page.set_lsn(rec.lsn);
        let pinned = inner.pool.pin_zeroed(ch.page)?;
        let mut w = pinned.write();
        *w.page_mut() = page;
        w.mark_dirty(rec.lsn);
        report.images_restored += 1;
        if torn.remove(&ch.page) {
            report.torn_pages_repaired += 1;
        }
        return Ok(());
    }
    if torn.contains(&ch.page) {
        return Ok(());
    }
    let pinned = match inner.pool.pin(ch.page) {
        Ok(p) => p,
        Err(StorageError::CorruptPage { .. }) => {
            torn.insert(ch.page);
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let mut w = pinned.write();
    if w.page().lsn() >= rec.lsn
        && !Sabotage::active(inner.opts.sabotage, Sabotage::RedoIgnoresPageLsn)
    {
        return Ok(());
    }
    let op = PageOp::decode(&ch.op).map_err(|reason| StorageError::BadOp {
        lsn: rec.lsn,
        reason,
    })?;
    op.apply(ch.page, w.page_mut())
        .map_err(|e| StorageError::Redo {
            lsn: rec.lsn,
            page: ch.page,
            reason: format!("{e:?}"),
        })?;
    w.page_mut().set_lsn(rec.lsn);
    w.mark_dirty(rec.lsn);
    report.records_redone += 1;
    if let Some(img) = ch.image.as_ref().filter(|i| !i.restore) {
        let mut expected = decode_image(&img.bytes).map_err(bad_image)?;
        expected.set_lsn(rec.lsn);
        compare(rec.lsn, ch.page, w.page(), &expected)?;
        report.consistency_checks += 1;
    }
    Ok(())
}

/// WAL consistency check: the redone page must equal the after-image, masked.
fn compare(lsn: Lsn, page: PageId, redone: &Page, expected: &Page) -> Result<()> {
    let (a, b) = (redone.masked(), expected.masked());
    match a.bytes().iter().zip(b.bytes()).position(|(x, y)| x != y) {
        None => Ok(()),
        Some(offset) => Err(StorageError::Inconsistent { lsn, page, offset }),
    }
}

/// Undo pass: rolls back every loser, newest first.
pub(crate) fn undo(inner: &Inner, analysis: &Analysis, report: &mut RecoveryReport) -> Result<()> {
    let mut losers: Vec<TxnEntry> = analysis.att.values().copied().collect();
    losers.sort_by_key(|e| std::cmp::Reverse(e.last_lsn));
    report.losers = losers.len() as u64;
    for e in losers {
        rollback_loser(inner, e)?;
    }
    Ok(())
}
