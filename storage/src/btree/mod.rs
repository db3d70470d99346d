//! B+tree indexes over the page store: byte-string keys compared bytewise, values are heap
//! tuple ids. One tree per data file: page 0 is the meta page, the rest are nodes
//! (`btree_page`).
//!
//! **Keys.** A tree stores `key ++ tid` (tid as 6 big-endian bytes), so every entry is
//! distinct and equal user keys sit together in tid order. Keys of one tree must be
//! prefix-free (no key is a proper prefix of another), which `keycode` encodings are.
//!
//! **Entries** carry the transaction that last inserted or deleted them and a deleted flag.
//! A delete only marks the entry; space is reclaimed by pruning entries whose deleter has
//! committed below the snapshot horizon (`crate::mvcc`), so no snapshot that could still see
//! the deleted tuple version loses its entry. An entry whose transaction is running and not
//! the caller's is locked: touching it fails with [`StorageError::KeyConflict`].
//!
//! **Uniqueness.** In a unique tree an insert fails with [`StorageError::UniqueViolation`] if
//! an entry with the same user key is live (not deleted, or deleted by a transaction still
//! active). The check and the insert happen under the same leaf latch; when equal keys could
//! also sit in a neighbouring leaf, they run under the tree latch in exclusive mode instead.
//!
//! **Concurrency and latch order.** Each tree has a tree latch (an `RwLock`). Reads and leaf
//! changes take it shared: internal nodes are then immutable, a descent latches one node at
//! a time, and a leaf change holds one leaf exclusively. Structure changes (splits, root
//! growth) take it exclusive. Order: transaction entry (during rollback) → tree latch →
//! page latches; a thread never takes the tree latch twice.
//!
//! **Logging.** Leaf inserts and deletes are undoable records of the transaction whose undo
//! is logical: it finds the key in the tree as it is then (a split may have moved it) and
//! compensates there. A split is one redo-only MultiPage record, so it is redone but never
//! undone, whatever happens to the transaction that caused it.
//!
//! **Underfull pages.** Nodes are never merged: a leaf emptied by deletes stays linked and
//! takes new keys of its range, so the tree stays balanced (all leaves at one depth) and its
//! pages are reused under churn within a key range. Space inside leaves is reclaimed by
//! pruning when an insert finds a leaf full.

mod apply;
mod build;
mod check;
mod cursor;
mod meta;
mod smo;

pub(crate) use apply::apply_op;
pub(crate) use build::build;
pub use build::{INTERNAL_FILL_PERCENT, LEAF_FILL_PERCENT};
pub use check::TreeCheck;
pub use cursor::{BTreeCursor, ScanDirection};

use crate::btree_page::{self, MAX_KEY};
use crate::error::{Result, StorageError};
use crate::heap::Tid;
use crate::logged::{log_change, log_multi, Chain};
use crate::mvcc::Snapshot;
use crate::ops::PageOp;
use crate::store::{Inner, Storage};
use crate::txn::Transaction;
use parking_lot::RwLock;
use std::ops::Bound;
use std::sync::Arc;
use wal::{LogRecord, PageId, TxnEntry, TxnId};

/// Bytes of the tid suffix of every stored key.
pub const TID_BYTES: usize = 6;

/// Largest user key a tree accepts.
pub const MAX_USER_KEY: usize = MAX_KEY - TID_BYTES;

pub(crate) fn full_key(key: &[u8], tid: Tid) -> Vec<u8> {
    let mut k = Vec::with_capacity(key.len() + TID_BYTES);
    k.extend_from_slice(key);
    k.extend_from_slice(&tid.page.to_be_bytes());
    k.extend_from_slice(&tid.slot.to_be_bytes());
    k
}

/// The user key part of a stored key.
pub(crate) fn user_part(full: &[u8]) -> &[u8] {
    &full[..full.len().saturating_sub(TID_BYTES)]
}

/// A handle to the B+tree in one data file.
#[derive(Clone)]
pub struct BTree {
    storage: Storage,
    file: u32,
    unique: bool,
}

/// Outcome of one insert attempt.
enum Attempt {
    Done,
    /// The tree latch is needed in exclusive mode (a split, or a uniqueness check that
    /// must look at neighbouring leaves).
    NeedExclusive,
    /// Exclusive mode: this leaf must split first (path = (node, child index) root first).
    Split(u32, Vec<(u32, usize)>),
}

impl BTree {
    /// Creates an empty tree in `file` (which must be empty). Not transactional: the
    /// layer above records the tree in its catalog.
    pub(crate) fn create(storage: &Storage, file: u32, unique: bool) -> Result<BTree> {
        let inner = &storage.inner;
        inner.check_usable()?;
        let latch = inner.tree_latch(file);
        let _x = latch.write();
        if inner.files.page_count(file)? != 0 {
            return Err(StorageError::TreeExists { file });
        }
        let meta_id = inner.files.allocate(file)?;
        let root_id = inner.files.allocate(file)?;
        let meta_pin = inner.pool.pin_zeroed(meta_id)?;
        let root_pin = inner.pool.pin_zeroed(root_id)?;
        let mut mw = meta_pin.write();
        let mut rw = root_pin.write();
        log_multi(
            inner,
            &mut [
                (
                    &mut mw,
                    PageOp::MetaInit {
                        unique,
                        root: root_id.page_no,
                    },
                ),
                (&mut rw, PageOp::BtInit { level: 0 }),
            ],
        )?;
        Ok(BTree {
            storage: storage.clone(),
            file,
            unique,
        })
    }

    /// Opens the tree stored in `file`.
    pub(crate) fn open(storage: &Storage, file: u32) -> Result<BTree> {
        let inner = &storage.inner;
        if inner.files.page_count(file)? == 0 {
            return Err(StorageError::NoSuchTree { file });
        }
        let pinned = inner.pool.pin(PageId::new(file, 0))?;
        let g = pinned.read();
        let (_, _, unique) = meta::read(&g).ok_or(StorageError::NoSuchTree { file })?;
        Ok(BTree {
            storage: storage.clone(),
            file,
            unique,
        })
    }

    pub fn file(&self) -> u32 {
        self.file
    }

    pub fn is_unique(&self) -> bool {
        self.unique
    }

    fn inner(&self) -> &Inner {
        &self.storage.inner
    }

    /// Adds the entry (`key`, `tid`).
    pub fn insert(&self, txn: &mut Transaction, key: &[u8], tid: Tid) -> Result<()> {
        let inner = self.inner();
        inner.check_usable()?;
        if key.len() > MAX_USER_KEY {
            return Err(StorageError::KeyTooLarge {
                len: key.len(),
                max: MAX_USER_KEY,
            });
        }
        let full = full_key(key, tid);
        let latch = inner.tree_latch(self.file);
        {
            let _shared = latch.read();
            if let Attempt::Done = self.try_insert(txn, key, &full, tid, false)? {
                return Ok(());
            }
        }
        let _exclusive = latch.write();
        loop {
            match self.try_insert(txn, key, &full, tid, true)? {
                Attempt::Done => return Ok(()),
                Attempt::Split(leaf, path) => smo::split(inner, self.file, leaf, path)?,
                Attempt::NeedExclusive => {
                    return Err(StorageError::TreeCorrupt {
                        file: self.file,
                        page: 0,
                        reason: "insert asked for the latch it holds".into(),
                    })
                }
            }
        }
    }

    fn try_insert(
        &self,
        txn: &mut Transaction,
        key: &[u8],
        full: &[u8],
        tid: Tid,
        exclusive: bool,
    ) -> Result<Attempt> {
        let inner = self.inner();
        let me = txn.id();
        let (leaf, path) = find_leaf(inner, self.file, full)?;
        let pinned = inner.pool.pin(PageId::new(self.file, leaf))?;
        let mut w = pinned.write();
        if self.unique && !self.unique_check(&w, key, me, exclusive)? {
            return Ok(Attempt::NeedExclusive);
        }
        let node = |e| node_err(self.file, leaf, e);
        match btree_page::search(w.page(), full).map_err(node)? {
            Ok(i) => {
                let e = btree_page::leaf_entry(w.page(), i).map_err(node)?;
                let owner = TxnId(e.txn);
                if owner != me && inner.procs.is_running(owner) {
                    return Err(StorageError::KeyConflict {
                        file: self.file,
                        holder: owner,
                    });
                }
                if !e.deleted {
                    return Err(StorageError::DuplicateEntry { file: self.file });
                }
                // A dead (or own deleted) entry for the same key and tid comes back to life.
                let op = PageOp::BtSetState {
                    key: full.to_vec(),
                    old_txn: owner,
                    old_deleted: true,
                    new_txn: me,
                    new_deleted: false,
                };
                let mut entry = txn.entry().lock();
                log_change(inner, Chain::Txn(me, &mut entry), &mut w, &op)?;
                Ok(Attempt::Done)
            }
            Err(_) => {
                let need = btree_page::leaf_cell_size(full.len());
                if !btree_page::fits(w.page(), need) {
                    self.prune(&mut w)?;
                }
                if !btree_page::fits(w.page(), need) {
                    return Ok(if exclusive {
                        Attempt::Split(leaf, path)
                    } else {
                        Attempt::NeedExclusive
                    });
                }
                let op = PageOp::BtInsert {
                    key: full.to_vec(),
                    tid_page: tid.page,
                    tid_slot: tid.slot,
                    txn: me,
                };
                let mut entry = txn.entry().lock();
                log_change(inner, Chain::Txn(me, &mut entry), &mut w, &op)?;
                Ok(Attempt::Done)
            }
        }
    }

    /// Checks that no live entry has user key `key`. Returns `Ok(false)` when the equal keys
    /// may continue into a neighbouring leaf and the tree latch is only shared.
    fn unique_check(
        &self,
        w: &crate::buffer::PageWrite<'_>,
        key: &[u8],
        me: TxnId,
        exclusive: bool,
    ) -> Result<bool> {
        let inner = self.inner();
        let leaf = w.id().page_no;
        let node = |e| node_err(self.file, leaf, e);
        let start = match btree_page::search(w.page(), key).map_err(node)? {
            Ok(i) | Err(i) => i,
        };
        let count = btree_page::count(w.page());
        let run_end = self.check_run(w.page(), start, key, me)?;
        let touches_left = start == 0 && btree_page::left(w.page()) != btree_page::NONE;
        let touches_right = run_end == count && btree_page::right(w.page()) != btree_page::NONE;
        if !touches_left && !touches_right {
            return Ok(true);
        }
        if !exclusive {
            return Ok(false);
        }
        // Exclusive: no leaf changes under us, so the neighbours can be read one by one.
        if touches_left {
            let mut page = btree_page::left(w.page());
            while page != btree_page::NONE {
                let pinned = inner.pool.pin(PageId::new(self.file, page))?;
                let g = pinned.read();
                let n = btree_page::count(&g);
                let first = (0..n)
                    .rev()
                    .take_while(|&i| btree_page::key_at(&g, i).is_ok_and(|k| user_part(k) == key))
                    .last();
                match first {
                    Some(i) => {
                        self.check_run(&g, i, key, me)?;
                        if i > 0 {
                            break;
                        }
                        page = btree_page::left(&g);
                    }
                    None => break,
                }
            }
        }
        if touches_right {
            let mut page = btree_page::right(w.page());
            while page != btree_page::NONE {
                let pinned = inner.pool.pin(PageId::new(self.file, page))?;
                let g = pinned.read();
                if self.check_run(&g, 0, key, me)? < btree_page::count(&g) {
                    break;
                }
                page = btree_page::right(&g);
            }
        }
        Ok(true)
    }

    /// Checks the entries with user key `key` from index `start` on; returns the index after
    /// the last of them.
    fn check_run(
        &self,
        page: &crate::page::Page,
        start: usize,
        key: &[u8],
        me: TxnId,
    ) -> Result<usize> {
        let inner = self.inner();
        let leaf = page.id().page_no;
        let mut i = start;
        while i < btree_page::count(page) {
            let e = btree_page::leaf_entry(page, i).map_err(|e| node_err(self.file, leaf, e))?;
            if user_part(e.key) != key {
                break;
            }
            let owner = TxnId(e.txn);
            let locked = owner != me && inner.procs.is_running(owner);
            if locked {
                return Err(StorageError::KeyConflict {
                    file: self.file,
                    holder: owner,
                });
            }
            if !e.deleted {
                return Err(StorageError::UniqueViolation { file: self.file });
            }
            i += 1;
        }
        Ok(i)
    }

    /// Removes entries whose deleter committed below the horizon (no snapshot can reach
    /// them; a redo-only change). Returns whether any were.
    fn prune(&self, w: &mut crate::buffer::PageWrite<'_>) -> Result<bool> {
        let inner = self.inner();
        let dead = prunable(inner, self.file, w.page(), inner.horizon())?;
        if dead.is_empty() {
            return Ok(false);
        }
        log_change(inner, Chain::System, w, &PageOp::BtPrune { indexes: dead })?;
        Ok(true)
    }

    /// Marks the entry (`key`, `tid`) deleted by `txn`.
    pub fn delete(&self, txn: &mut Transaction, key: &[u8], tid: Tid) -> Result<()> {
        let inner = self.inner();
        inner.check_usable()?;
        let me = txn.id();
        let full = full_key(key, tid);
        let latch = inner.tree_latch(self.file);
        let _shared = latch.read();
        let (leaf, _) = find_leaf(inner, self.file, &full)?;
        let pinned = inner.pool.pin(PageId::new(self.file, leaf))?;
        let mut w = pinned.write();
        let node = |e| node_err(self.file, leaf, e);
        let i = match btree_page::search(w.page(), &full).map_err(node)? {
            Ok(i) => i,
            Err(_) => return Err(StorageError::KeyNotFound { file: self.file }),
        };
        let e = btree_page::leaf_entry(w.page(), i).map_err(node)?;
        let owner = TxnId(e.txn);
        if owner != me && inner.procs.is_running(owner) {
            return Err(StorageError::KeyConflict {
                file: self.file,
                holder: owner,
            });
        }
        if e.deleted {
            return Err(StorageError::KeyNotFound { file: self.file });
        }
        let op = PageOp::BtSetState {
            key: full,
            old_txn: owner,
            old_deleted: false,
            new_txn: me,
            new_deleted: true,
        };
        let mut entry = txn.entry().lock();
        log_change(inner, Chain::Txn(me, &mut entry), &mut w, &op)?;
        Ok(())
    }

    /// Tids of the entries with user key `key` that are not deleted.
    pub fn get(&self, key: &[u8]) -> Result<Vec<Tid>> {
        self.range(
            Bound::Included(key.to_vec()),
            Bound::Included(key.to_vec()),
            ScanDirection::Forward,
        )
        .map(|r| r.map(|(_, tid)| tid))
        .collect()
    }

    /// Entries (user key, tid) not deleted, with user keys within the bounds, in key order
    /// (or reverse). The cursor holds no latch between calls.
    pub fn range(&self, lo: Bound<Vec<u8>>, hi: Bound<Vec<u8>>, dir: ScanDirection) -> BTreeCursor {
        BTreeCursor::new(self.storage.clone(), self.file, lo, hi, dir, None)
    }

    /// Entries (user key, tid) within the bounds that may lead to a tuple version `snapshot`
    /// sees: not deleted, or deleted by a transaction the snapshot does not see. The caller
    /// checks the version itself.
    pub fn range_as(
        &self,
        snapshot: &Snapshot,
        lo: Bound<Vec<u8>>,
        hi: Bound<Vec<u8>>,
        dir: ScanDirection,
    ) -> BTreeCursor {
        BTreeCursor::new(
            self.storage.clone(),
            self.file,
            lo,
            hi,
            dir,
            Some(snapshot.clone()),
        )
    }

    /// Verifies the whole structure (like PostgreSQL's amcheck): node layout, key order,
    /// separators bounding their subtrees, one depth for all leaves, sibling links.
    pub fn check(&self) -> Result<TreeCheck> {
        let inner = self.inner();
        let latch = inner.tree_latch(self.file);
        let _shared = latch.read();
        check::check(inner, self.file)
    }
}

pub(crate) fn node_err(file: u32, page: u32, e: btree_page::NodeError) -> StorageError {
    StorageError::TreeCorrupt {
        file,
        page,
        reason: e.to_string(),
    }
}

/// Indexes of the entries of a leaf deleted by transactions that committed below `horizon`:
/// every live and future snapshot sees those deletes (`crate::vacuum`).
pub(crate) fn prunable(
    inner: &Inner,
    file: u32,
    page: &crate::page::Page,
    horizon: TxnId,
) -> Result<Vec<u16>> {
    let mut dead = Vec::new();
    for i in 0..btree_page::count(page) {
        let e =
            btree_page::leaf_entry(page, i).map_err(|e| node_err(file, page.id().page_no, e))?;
        let deleter = TxnId(e.txn);
        if e.deleted && deleter < horizon && !inner.procs.is_running(deleter) {
            dead.push(i as u16);
        }
    }
    Ok(dead)
}

/// The root page and height, from the meta page.
pub(crate) fn root(inner: &Inner, file: u32) -> Result<(u32, u16)> {
    let pinned = inner.pool.pin(PageId::new(file, 0))?;
    let g = pinned.read();
    let (root, height, _) = meta::read(&g).ok_or(StorageError::NoSuchTree { file })?;
    Ok((root, height))
}

/// Descends to the leaf whose range holds `key`. The caller holds the tree latch, so the
/// internal nodes do not change; each is latched only while read. Returns the leaf and the
/// path of (internal node, child index) from the root.
pub(crate) fn find_leaf(inner: &Inner, file: u32, key: &[u8]) -> Result<(u32, Vec<(u32, usize)>)> {
    let (mut page, height) = root(inner, file)?;
    let mut path = Vec::with_capacity(height as usize);
    for _ in 0..=height {
        let pinned = inner.pool.pin(PageId::new(file, page))?;
        let g = pinned.read();
        if btree_page::is_leaf(&g) {
            return Ok((page, path));
        }
        let (idx, child) = btree_page::child_for(&g, key).map_err(|e| node_err(file, page, e))?;
        path.push((page, idx));
        page = child;
    }
    Err(StorageError::TreeCorrupt {
        file,
        page,
        reason: format!("no leaf within the recorded height {height}"),
    })
}

/// Logical undo of a leaf change: find the key where it is now and compensate there.
pub(crate) fn undo_logical(
    inner: &Inner,
    txn: TxnId,
    entry: &mut TxnEntry,
    rec: &LogRecord,
    file: u32,
    op: &PageOp,
) -> Result<()> {
    let (key, comp) = match op {
        PageOp::BtInsert { key, .. } | PageOp::BtSetState { key, .. } => (key, op.compensation()),
        _ => (&Vec::new(), None),
    };
    let comp = comp.ok_or(StorageError::BadOp {
        lsn: rec.lsn,
        reason: "not a logical B+tree operation",
    })?;
    let latch = inner.tree_latch(file);
    let _shared = latch.read();
    let (leaf, _) = find_leaf(inner, file, key)?;
    let pinned = inner.pool.pin(PageId::new(file, leaf))?;
    let mut w = pinned.write();
    log_change(inner, Chain::Clr(txn, entry, rec.prev_lsn), &mut w, &comp)?;
    Ok(())
}

/// The latch of each tree, created on first use.
#[derive(Default)]
pub(crate) struct TreeLatches {
    latches: parking_lot::Mutex<std::collections::HashMap<u32, Arc<RwLock<()>>>>,
}

impl TreeLatches {
    pub(crate) fn get(&self, file: u32) -> Arc<RwLock<()>> {
        self.latches.lock().entry(file).or_default().clone()
    }
}
