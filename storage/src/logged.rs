//! The one recipe every logged page change follows (PostgreSQL's transam README order):
//!
//! 1. the caller holds the page pinned and exclusively latched ([`PageWrite`]);
//! 2. apply the operation to the page (the same code redo runs);
//! 3. mark the frame dirty, with recLSN = the log's current end, *before* appending
//!    (a concurrent checkpoint that misses the dirty flag then begins before the record);
//! 4. append the record — with a full-page image if this change dirtied a clean page
//!    (torn-page repair), else with an after-image when WAL consistency checking is on;
//! 5. set pageLSN to the record's LSN and advance the transaction's chain (whose first
//!    record is a Begin, written with its first change).
//!
//! The latch is released by the caller afterwards, so no one sees the page between the change
//! and its pageLSN. Nothing else mutates page bytes outside redo.

use crate::buffer::PageWrite;
use crate::error::{Result, StorageError};
use crate::ops::{OpError, PageOp};
use crate::page::encode_image;
use crate::store::Inner;
use wal::{Lsn, PageChange, PageImage, RecordBody, Sabotage, TxnEntry, TxnId};

/// Which chain a change belongs to.
pub(crate) enum Chain<'a> {
    /// An undoable change of a transaction.
    Txn(TxnId, &'a mut TxnEntry),
    /// A compensation record of a transaction's rollback; undo continues at `undo_next`.
    Clr(TxnId, &'a mut TxnEntry, Lsn),
    /// A redo-only system change (page format, prune): never undone, in no transaction.
    System,
}

/// Applies `op` to the latched page and logs it. On error nothing was changed or logged,
/// except when the log append itself failed (then the log is failed and the page can never
/// reach disk, since every page write first flushes the log).
pub(crate) fn log_change(
    inner: &Inner,
    chain: Chain<'_>,
    w: &mut PageWrite<'_>,
    op: &PageOp,
) -> Result<Lsn> {
    let page_id = w.id();
    op.apply(page_id, w.page_mut()).map_err(|e| match e {
        OpError::NoSpace => StorageError::PageFull { page: page_id },
        OpError::Invalid(reason) => StorageError::PageOp {
            page: page_id,
            reason,
        },
    })?;
    let was_clean = !w.is_dirty();
    w.mark_dirty(inner.log.end_lsn());
    let image = image_for(inner, was_clean, w);
    let change = PageChange {
        page: page_id,
        op: op.encode(),
        image,
        redo_only: matches!(chain, Chain::System | Chain::Clr(..)),
    };
    let lsn = match chain {
        Chain::Txn(txn, entry) => {
            if entry.first_lsn.is_none() {
                // A transaction's first change is preceded by its Begin record (read-only
                // transactions log nothing at all).
                let begin = inner.log.append(Lsn::NONE, txn, &RecordBody::Begin)?;
                advance(entry, begin);
            }
            let lsn = inner
                .log
                .append(entry.last_lsn, txn, &RecordBody::Update(change))?;
            advance(entry, lsn);
            entry.undo_next = lsn;
            lsn
        }
        Chain::Clr(txn, entry, undo_next) => {
            let body = RecordBody::Clr { change, undo_next };
            let lsn = inner.log.append(entry.last_lsn, txn, &body)?;
            advance(entry, lsn);
            entry.undo_next = undo_next;
            lsn
        }
        Chain::System => inner
            .log
            .append(Lsn::NONE, TxnId::NONE, &RecordBody::Update(change))?,
    };
    w.page_mut().set_lsn(lsn);
    Ok(lsn)
}

fn advance(entry: &mut TxnEntry, lsn: Lsn) {
    if entry.first_lsn.is_none() {
        entry.first_lsn = lsn;
    }
    entry.last_lsn = lsn;
}

/// Applies one operation to each latched page and logs them together as one redo-only
/// MultiPage record (a structure modification): either the whole change is in the log or
/// none of it, and every page carries the record's LSN. On error nothing is changed.
pub(crate) fn log_multi(inner: &Inner, pages: &mut [(&mut PageWrite<'_>, PageOp)]) -> Result<Lsn> {
    // Apply to copies first so a failing operation leaves every page untouched.
    let mut after = Vec::with_capacity(pages.len());
    for (w, op) in pages.iter() {
        let mut copy = w.page().clone();
        op.apply(w.id(), &mut copy)
            .map_err(|e| StorageError::PageOp {
                page: w.id(),
                reason: format!("{e:?}"),
            })?;
        after.push(copy);
    }
    let hint = inner.log.end_lsn();
    let mut changes = Vec::with_capacity(pages.len());
    for ((w, op), copy) in pages.iter_mut().zip(after) {
        let was_clean = !w.is_dirty();
        *w.page_mut() = copy;
        w.mark_dirty(hint);
        let image = image_for(inner, was_clean, w);
        changes.push(PageChange {
            page: w.id(),
            op: op.encode(),
            image,
            redo_only: true,
        });
    }
    let lsn = inner
        .log
        .append(Lsn::NONE, TxnId::NONE, &RecordBody::MultiPage(changes))?;
    for (w, _) in pages.iter_mut() {
        w.page_mut().set_lsn(lsn);
    }
    Ok(lsn)
}

/// Replaces the latched page (a freshly allocated one) with `page`, built whole in memory,
/// and logs it as a redo-only system record whose full-page image is the content: the
/// recipe of [`log_change`] with the image as the operation. Redo restores the image, so
/// a torn write of the page is repaired like any full-page write.
pub(crate) fn log_new_page(
    inner: &Inner,
    w: &mut PageWrite<'_>,
    page: crate::page::Page,
) -> Result<Lsn> {
    *w.page_mut() = page;
    w.mark_dirty(inner.log.end_lsn());
    let change = PageChange {
        page: w.id(),
        op: PageOp::NewPage.encode(),
        image: Some(PageImage {
            bytes: encode_image(w.page()),
            restore: true,
        }),
        redo_only: true,
    };
    let lsn = inner
        .log
        .append(Lsn::NONE, TxnId::NONE, &RecordBody::Update(change))?;
    w.page_mut().set_lsn(lsn);
    Ok(lsn)
}

/// The image a change carries: a full-page write when it dirtied a clean page, else an
/// after-image for consistency checking when that is on.
fn image_for(inner: &Inner, was_clean: bool, w: &PageWrite<'_>) -> Option<PageImage> {
    if was_clean && !Sabotage::active(inner.opts.sabotage, Sabotage::NoFullPageWrites) {
        Some(PageImage {
            bytes: encode_image(w.page()),
            restore: true,
        })
    } else if inner.opts.wal_consistency_checking {
        Some(PageImage {
            bytes: encode_image(w.page()),
            restore: false,
        })
    } else {
        None
    }
}
