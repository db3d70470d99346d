//! Bottom-up bulk build of a new B+tree from (key, tid) pairs (CREATE INDEX on a table that
//! has rows), instead of one logged insert per row.
//!
//! The pairs are sorted by stored key (`key ++ tid`, the tree order) in memory; a unique
//! tree then rejects two equal user keys with [`StorageError::DuplicateKey`] before anything
//! is written. Leaves are filled left to right up to [`LEAF_FILL_PERCENT`] of their space
//! (room for later inserts, as PostgreSQL's leaf fillfactor 90), internal levels up to
//! [`INTERNAL_FILL_PERCENT`] (PostgreSQL's 70), each level built from the first keys of the
//! level below, until one node is left: the root. The meta page is written last.
//!
//! **Logging.** Every page is built whole in memory and then written through the buffer
//! pool with [`log_new_page`]: one redo-only record whose full-page image is the page. So
//! every page write obeys the WAL rule like any other, and redo (or torn-page repair)
//! restores each page from its image. The records are not part of the building
//! transaction: the tree becomes reachable only through the catalog entry the layer above
//! writes in that transaction, so a crash before its commit leaves an unreachable file
//! (which later file allocations skip), and a crash after it redoes a complete tree.
//!
//! **Entries** are owned by the building transaction, as if it had inserted them: other
//! transactions see them locked until it ends, which is what row-by-row inserts would give.
//!
//! **Memory bound.** All pairs are held and sorted in memory (about key length + 40 bytes
//! each); there is no external merge sort yet.

use super::{full_key, meta, user_part, BTree, MAX_USER_KEY, TID_BYTES};
use crate::btree_page::{self, LeafEntry, NONE};
use crate::error::{Result, StorageError};
use crate::heap::Tid;
use crate::logged::log_new_page;
use crate::page::{Page, PAGE_HEADER_SIZE, PAGE_SIZE};
use crate::store::{Inner, Storage};
use crate::txn::Transaction;
use wal::PageId;

/// Share of a leaf's space the build fills (the rest is left for later inserts).
pub const LEAF_FILL_PERCENT: usize = 90;
/// Share of an internal node's space the build fills.
pub const INTERNAL_FILL_PERCENT: usize = 70;

/// Bytes of a node available to cells and slots.
const NODE_SPACE: usize = PAGE_SIZE - btree_page::TRAILER_SIZE - PAGE_HEADER_SIZE;

/// Builds a tree in the empty data file `file` holding `entries` (user key, tid), owned by
/// `txn`. Fails without writing anything if a key is too long, a tid repeats, or (unique)
/// two entries share a user key.
pub(crate) fn build(
    storage: &Storage,
    file: u32,
    unique: bool,
    txn: &Transaction,
    entries: Vec<(Vec<u8>, Tid)>,
) -> Result<BTree> {
    let inner = &storage.inner;
    inner.check_usable()?;
    let mut keys = Vec::with_capacity(entries.len());
    for (key, tid) in entries {
        if key.len() > MAX_USER_KEY {
            return Err(StorageError::KeyTooLarge {
                len: key.len(),
                max: MAX_USER_KEY,
            });
        }
        keys.push(full_key(&key, tid));
    }
    keys.sort_unstable();
    check_sorted(file, unique, &keys)?;

    let latch = inner.tree_latch(file);
    let _x = latch.write();
    if inner.files.page_count(file)? != 0 {
        return Err(StorageError::TreeExists { file });
    }
    // Page 0 is the meta page; it is written last, once the root is known.
    let meta_id = inner.files.allocate(file)?;
    let txn_id = txn.id().0;
    let mut level = Level::new(inner, file, 0);
    for full in &keys {
        let (tid_page, tid_slot) = tid_of(full);
        let e = LeafEntry {
            key: full,
            tid_page,
            tid_slot,
            txn: txn_id,
            deleted: false,
        };
        let size = btree_page::leaf_cell_size(full.len());
        level.add(size, full, |page, i| btree_page::insert_leaf(page, i, &e))?;
    }
    let mut children = level.finish()?;
    let mut height: u16 = 1;
    while children.len() > 1 {
        let mut up = Level::new(inner, file, height);
        for (first, child) in &children {
            let size = btree_page::internal_cell_size(first.len());
            up.add(size, first, |page, i| {
                // Cell 0 of an internal node is minus infinity.
                let key: &[u8] = if i == 0 { &[] } else { first };
                btree_page::insert_internal(page, i, key, *child)
            })?;
        }
        children = up.finish()?;
        height += 1;
    }
    let root = children
        .first()
        .map(|c| c.1)
        .ok_or(StorageError::TreeCorrupt {
            file,
            page: 0,
            reason: "bulk build produced no root".into(),
        })?;
    let mut page = Page::new_zeroed();
    meta::init(&mut page, meta_id, unique, root);
    meta::set_root(&mut page, root, height);
    write_page(inner, meta_id, page)?;
    Ok(BTree {
        storage: storage.clone(),
        file,
        unique,
    })
}

/// Rejects a repeated entry and, in a unique tree, two entries with one user key.
fn check_sorted(file: u32, unique: bool, keys: &[Vec<u8>]) -> Result<()> {
    for pair in keys.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a == b {
            return Err(StorageError::DuplicateEntry { file });
        }
        if unique && user_part(a) == user_part(b) {
            return Err(StorageError::DuplicateKey {
                file,
                key: user_part(a).to_vec(),
                first: tid_from(a),
                second: tid_from(b),
            });
        }
    }
    Ok(())
}

fn tid_of(full: &[u8]) -> (u32, u16) {
    let t = tid_from(full);
    (t.page, t.slot)
}

/// The tid suffix of a stored key (every stored key ends with one).
fn tid_from(full: &[u8]) -> Tid {
    let mut b = [0u8; TID_BYTES];
    let n = full.len().min(TID_BYTES);
    b[TID_BYTES - n..].copy_from_slice(&full[full.len() - n..]);
    Tid {
        page: u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        slot: u16::from_be_bytes([b[4], b[5]]),
    }
}

/// Writes a page built in memory through the buffer pool, logged with its image.
fn write_page(inner: &Inner, id: PageId, page: Page) -> Result<()> {
    let pinned = inner.pool.pin_zeroed(id)?;
    let mut w = pinned.write();
    log_new_page(inner, &mut w, page)?;
    Ok(())
}

/// One level being filled left to right. A node is written when the next one is started
/// (its right sibling must be known first) or when the level finishes.
struct Level<'a> {
    inner: &'a Inner,
    file: u32,
    level: u16,
    limit: usize,
    /// The node being filled: its page, bytes used, first key.
    open: Option<(Page, usize, Vec<u8>)>,
    left: u32,
    /// (first key, page number) of every node of the level, in order.
    done: Vec<(Vec<u8>, u32)>,
}

impl<'a> Level<'a> {
    fn new(inner: &'a Inner, file: u32, level: u16) -> Level<'a> {
        let percent = if level == 0 {
            LEAF_FILL_PERCENT
        } else {
            INTERNAL_FILL_PERCENT
        };
        Level {
            inner,
            file,
            level,
            limit: NODE_SPACE * percent / 100,
            open: None,
            left: NONE,
            done: Vec::new(),
        }
    }

    /// Adds a cell of `size` bytes (slot included) with key `key`; `put(page, index)`
    /// places it. A node takes at least one cell, then cells while within the fill limit.
    fn add(
        &mut self,
        size: usize,
        key: &[u8],
        put: impl FnOnce(&mut Page, usize) -> std::result::Result<(), btree_page::NodeError>,
    ) -> Result<()> {
        let full = self
            .open
            .as_ref()
            .is_some_and(|(_, used, _)| used + size > self.limit);
        if full || self.open.is_none() {
            self.start_node(key)?;
        }
        let Some((page, used, _)) = self.open.as_mut() else {
            return Err(self.corrupt(0, "no open node"));
        };
        let i = btree_page::count(page);
        let id = page.id().page_no;
        put(page, i).map_err(|e| super::node_err(self.file, id, e))?;
        *used += size;
        Ok(())
    }

    /// Allocates the next node; links and writes the previous one.
    fn start_node(&mut self, first: &[u8]) -> Result<()> {
        let id = self.inner.files.allocate(self.file)?;
        if let Some((mut prev, _, prev_first)) = self.open.take() {
            btree_page::set_right(&mut prev, id.page_no);
            self.flush(prev, prev_first)?;
        }
        let mut page = Page::new_zeroed();
        btree_page::init(&mut page, id, self.level);
        btree_page::set_left(&mut page, self.left);
        self.open = Some((page, 0, first.to_vec()));
        Ok(())
    }

    fn flush(&mut self, page: Page, first: Vec<u8>) -> Result<()> {
        let id = page.id();
        btree_page::check(&page).map_err(|e| super::node_err(self.file, id.page_no, e))?;
        self.left = id.page_no;
        self.done.push((first, id.page_no));
        write_page(self.inner, id, page)
    }

    /// Writes the last node (an empty leaf if the level got no cell: an empty tree) and
    /// returns every node's (first key, page number).
    fn finish(mut self) -> Result<Vec<(Vec<u8>, u32)>> {
        if self.open.is_none() {
            self.start_node(&[])?;
        }
        if let Some((page, _, first)) = self.open.take() {
            self.flush(page, first)?;
        }
        Ok(self.done)
    }

    fn corrupt(&self, page: u32, reason: &str) -> StorageError {
        StorageError::TreeCorrupt {
            file: self.file,
            page,
            reason: reason.into(),
        }
    }
}
