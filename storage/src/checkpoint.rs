//! Fuzzy checkpoints: taken while transactions run, without flushing every page.
//!
//! Steps and why they are in this order:
//! 1. append CheckpointBegin at B (the analysis start);
//! 2. write pages that have stayed dirty since before the previous checkpoint (this advances
//!    the redo point without writing everything);
//! 3. snapshot the DPT and ATT (any time after B is fine: changes after B are found by
//!    analysis, and a page dirtied before B is either still dirty or was written);
//! 4. sync the data files, so every page written before the snapshot and absent from it is
//!    durable;
//! 5. append CheckpointEnd with the tables and make it durable;
//! 6. point the master record at (B, end) — only after step 5;
//! 7. reclaim log segments below min(B, smallest recLSN, oldest active transaction's first LSN).

use crate::error::Result;
use crate::store::Inner;
use wal::{CheckpointData, DirtyPage, Lsn, RecordBody, Sabotage, TxnId};

/// A checkpoint between its begin and its end (tests interleave work here).
pub struct CheckpointTicket {
    begin: Option<Lsn>,
    early_dirty: Option<Vec<DirtyPage>>,
}

pub(crate) fn begin(inner: &Inner) -> Result<CheckpointTicket> {
    inner.check_usable()?;
    if Sabotage::active(inner.opts.sabotage, Sabotage::CheckpointMissesDirtyPages) {
        return Ok(CheckpointTicket {
            begin: None,
            early_dirty: Some(dirty_table(inner)),
        });
    }
    let begin = inner
        .log
        .append(Lsn::NONE, TxnId::NONE, &RecordBody::CheckpointBegin)?;
    Ok(CheckpointTicket {
        begin: Some(begin),
        early_dirty: None,
    })
}

fn dirty_table(inner: &Inner) -> Vec<DirtyPage> {
    inner
        .pool
        .dirty_pages()
        .into_iter()
        .map(|(page, rec_lsn)| DirtyPage { page, rec_lsn })
        .collect()
}

pub(crate) fn finish(inner: &Inner, ticket: CheckpointTicket) -> Result<Lsn> {
    let _one_at_a_time = inner.checkpoint_lock.lock();
    let begin = match ticket.begin {
        Some(b) => b,
        None => inner
            .log
            .append(Lsn::NONE, TxnId::NONE, &RecordBody::CheckpointBegin)?,
    };
    inner.fsm.save(inner)?;
    let previous = inner.last_checkpoint();
    inner.pool.flush_dirty(previous)?;
    let dirty = match ticket.early_dirty {
        Some(d) => d,
        None => dirty_table(inner),
    };
    let txns = inner.txns.snapshot();
    inner.files.sync_all()?;
    let data = CheckpointData {
        begin_lsn: begin,
        next_txn: inner.txns.next_id(),
        txns,
        dirty,
    };
    if begin <= inner.last_checkpoint() {
        // A newer checkpoint completed while this one was open (and may have reclaimed the
        // log at `begin`): this one is superseded.
        return Ok(inner.last_checkpoint());
    }
    let end = inner.log.append(
        Lsn::NONE,
        TxnId::NONE,
        &RecordBody::CheckpointEnd(data.clone()),
    )?;
    {
        let mut master = inner.master.lock();
        if Sabotage::active(inner.opts.sabotage, Sabotage::MasterBeforeCheckpointEnd) {
            master.write(begin, end, data.next_txn)?;
            inner.log.flush_through(end)?;
        } else {
            inner.log.flush_through(end)?;
            master.write(begin, end, data.next_txn)?;
        }
    }
    inner.set_last_checkpoint(begin);
    let keep_from = data
        .dirty
        .iter()
        .map(|d| d.rec_lsn)
        .chain(data.txns.iter().map(|t| t.first_lsn))
        .fold(begin, Lsn::min);
    inner.log.reclaim_before(keep_from)?;
    Ok(begin)
}
