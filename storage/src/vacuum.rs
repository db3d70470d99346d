//! Vacuum: removing, from a whole heap or B+tree, the tuple versions and index entries that
//! no snapshot can see any more, and making their space (and heap slots) reusable.
//!
//! **What is removed.** A heap version whose deleter committed below the horizon
//! (`Inner::is_dead`), and an index entry marked deleted by a transaction that committed
//! below the horizon. The horizon (`crate::mvcc`) is at most the xmin of every live
//! snapshot, and every snapshot taken later has an xmin at least the horizon of now; a
//! transaction below a snapshot's xmin that is not running is committed as of that snapshot.
//! So every live or future snapshot sees such a delete: none of them sees the version, and
//! [`crate::Snapshot::entry_visible`] is false for the entry. Nothing a snapshot can still
//! see is ever removed. Each page is changed by a redo-only system record (`HeapReclaim`,
//! `BtPrune`) under its exclusive latch, like the pruning an insert does on a full page.
//!
//! **Reused slots and stale index entries.** A reclaimed heap slot becomes Unused, and the
//! next insert on the page may take it: the new tuple gets the tid of the removed version.
//! Index entries that pointed at the removed version may still exist (the heap and its
//! indexes are vacuumed one after the other, and an insert prunes only the page it needs).
//! They are never followed to the new tuple, because:
//! - every index entry of a version is marked deleted by the transaction D that sets the
//!   version's xmax (`engine::access::Writer::delete_row` deletes the heap version, then
//!   marks each of its entries, in one transaction; rollback restores both);
//! - the version is reclaimed only once D committed below the horizon, and from then on
//!   every live and future snapshot sees D, so every snapshot skips the entry
//!   (`entry_visible`), and readers without a snapshot skip deleted entries outright;
//! - a deleted entry of a committed D is not a conflict for writers nor a live key for
//!   uniqueness checks; an insert of the same key at the reused tid finds the stale entry
//!   and revives it in place (`BTree::insert`), which is what the new tuple needs.
//!
//! The horizon only moves forward, so removing the heap version before its index entries
//! (or the reverse) opens no window: both conditions hold from the moment D is below it.
//!
//! **Latches.** The free space map is loaded before any latch. A heap page is read under
//! its shared latch and changed under its exclusive one (then the FSM mutex, as an insert
//! does). A B+tree is walked leaf by leaf along the right links, each leaf under the tree
//! latch (shared) and its exclusive latch, one at a time: splits only move entries to new
//! pages to the right of the page split and leaves are never freed, so the walk reaches
//! every leaf that existed when it started.

use crate::btree;
use crate::btree_page;
use crate::buffer::PageWrite;
use crate::error::{Result, StorageError};
use crate::heap_page;
use crate::logged::{log_change, Chain};
use crate::ops::PageOp;
use crate::page::PageType;
use crate::store::Inner;
use wal::{PageId, TxnId};

/// What vacuuming one heap did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeapVacuumStats {
    /// Pages of the file.
    pub pages: u32,
    /// Pages changed (versions removed or slots made reusable).
    pub pages_changed: u32,
    /// Deleted versions removed.
    pub versions_removed: u64,
    /// Slots made reusable that an earlier prune had left Dead.
    pub dead_slots_reclaimed: u64,
    /// Versions not deleted, left on the pages.
    pub live: u64,
    /// Deleted versions kept: a snapshot may still see them, or their deleter is running.
    pub dead_kept: u64,
}

/// What vacuuming one B+tree did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BTreeVacuumStats {
    /// Leaves visited.
    pub leaves: u32,
    /// Leaves changed.
    pub leaves_changed: u32,
    /// Deleted entries removed.
    pub entries_removed: u64,
    /// Entries left (deleted ones still needed included).
    pub entries_left: u64,
}

/// Reclaims, on one latched heap page, the versions dead below `horizon` and the slots an
/// earlier prune left Dead. Returns (versions removed, Dead slots made reusable).
pub(crate) fn reclaim_page(
    inner: &Inner,
    w: &mut PageWrite<'_>,
    horizon: TxnId,
) -> Result<(u64, u64)> {
    let (slots, versions, dead) = reclaimable(inner, w.page(), horizon)?;
    if !slots.is_empty() {
        log_change(inner, Chain::System, w, &PageOp::HeapReclaim { slots })?;
    }
    Ok((versions, dead))
}

/// The slots of `page` to reclaim, with how many hold versions and how many are Dead.
fn reclaimable(
    inner: &Inner,
    page: &crate::page::Page,
    horizon: TxnId,
) -> Result<(Vec<u16>, u64, u64)> {
    let mut slots = Vec::new();
    let (mut versions, mut dead) = (0, 0);
    for slot in 0..heap_page::slot_count(page) {
        let state = heap_page::slot_state(page, slot).map_err(|source| StorageError::HeapPage {
            page: page.id(),
            source,
        })?;
        match state {
            heap_page::SlotState::Dead => {
                slots.push(slot);
                dead += 1;
            }
            heap_page::SlotState::Normal { .. } => {
                let header = match heap_page::get(page, slot) {
                    Ok(Some((h, _))) => h,
                    Ok(None) => continue,
                    Err(source) => {
                        return Err(StorageError::HeapPage {
                            page: page.id(),
                            source,
                        })
                    }
                };
                if inner.is_dead(&header, horizon) {
                    slots.push(slot);
                    versions += 1;
                }
            }
            heap_page::SlotState::Unused => {}
        }
    }
    Ok((slots, versions, dead))
}

/// Vacuums every page of the heap in `file` (see the module documentation).
pub(crate) fn vacuum_heap(inner: &Inner, file: u32) -> Result<HeapVacuumStats> {
    inner.check_usable()?;
    // Before any latch: loading the map reads pages of this file.
    inner.fsm.ensure_loaded(inner, file)?;
    let horizon = inner.horizon();
    let mut stats = HeapVacuumStats {
        pages: inner.files.page_count(file)?,
        ..HeapVacuumStats::default()
    };
    for page_no in 0..stats.pages {
        let pinned = inner.pool.pin(PageId::new(file, page_no))?;
        // Most pages of a large table need nothing: look under the shared latch first, and
        // take the exclusive one only to change the page.
        {
            let g = pinned.read();
            if g.page_type().ok() != Some(PageType::Heap) {
                continue;
            }
            if reclaimable(inner, &g, horizon)?.0.is_empty() {
                count_tuples(&g, &mut stats);
                let free = heap_page::free_for_insert(&g);
                drop(g);
                inner.fsm.update(inner, file, page_no, free)?;
                continue;
            }
        }
        let mut w = pinned.write();
        let (versions, dead) = reclaim_page(inner, &mut w, horizon)?;
        stats.versions_removed += versions;
        stats.dead_slots_reclaimed += dead;
        if versions + dead > 0 {
            stats.pages_changed += 1;
        }
        count_tuples(w.page(), &mut stats);
        let free = heap_page::free_for_insert(w.page());
        inner.fsm.update(inner, file, page_no, free)?;
    }
    Ok(stats)
}

fn count_tuples(page: &crate::page::Page, stats: &mut HeapVacuumStats) {
    for (_, h, _) in heap_page::tuples(page) {
        if h.xmax == TxnId::NONE {
            stats.live += 1;
        } else {
            stats.dead_kept += 1;
        }
    }
}

/// Removes from every leaf of the B+tree in `file` the entries deleted by transactions
/// that committed below the horizon (see the module documentation).
pub(crate) fn vacuum_btree(inner: &Inner, file: u32) -> Result<BTreeVacuumStats> {
    inner.check_usable()?;
    let horizon = inner.horizon();
    let latch = inner.tree_latch(file);
    let mut page = {
        let _shared = latch.read();
        // The empty key is below every stored key: the leftmost leaf.
        btree::find_leaf(inner, file, &[])?.0
    };
    let mut stats = BTreeVacuumStats::default();
    loop {
        let _shared = latch.read();
        let pinned = inner.pool.pin(PageId::new(file, page))?;
        let mut w = pinned.write();
        if !btree_page::is_leaf(w.page()) {
            return Err(StorageError::TreeCorrupt {
                file,
                page,
                reason: "a leaf's right link leads to a page that is not a leaf".into(),
            });
        }
        stats.leaves += 1;
        let dead = btree::prunable(inner, file, w.page(), horizon)?;
        if !dead.is_empty() {
            stats.entries_removed += dead.len() as u64;
            stats.leaves_changed += 1;
            log_change(
                inner,
                Chain::System,
                &mut w,
                &PageOp::BtPrune { indexes: dead },
            )?;
        }
        stats.entries_left += btree_page::count(w.page()) as u64;
        let next = btree_page::right(w.page());
        if next == btree_page::NONE {
            return Ok(stats);
        }
        // Leaves are never freed, so a walk longer than the file is a cycle.
        if stats.leaves > inner.files.page_count(file)? {
            return Err(StorageError::TreeCorrupt {
                file,
                page,
                reason: "the leaves' right links form a cycle".into(),
            });
        }
        page = next;
    }
}
