//! Heap files: unordered tuples in slotted pages, addressed by [`Tid`] (page, slot).
//!
//! Tuple ids are stable: a tuple never moves. An update is a delete plus an insert of the new
//! version (preferably on the same page), so undo never needs space; the updater then links
//! the old version to the new one ([`Heap::link`]: the header's next-version link and
//! whether the key was kept), so a writer that finds a version replaced can follow the
//! chain to the newest one. Deleting sets xmax; its
//! space and slot are reclaimed once the deleter has committed below the snapshot horizon
//! (a non-zero xmax whose transaction is no longer running is committed, since rollback
//! clears xmax; see `crate::mvcc`): by an insert that finds the page full, or by vacuum
//! (`crate::vacuum`).
//!
//! Write conflicts: a tuple whose xmin or xmax names another running transaction is locked
//! by it; modifying it fails with [`StorageError::Conflict`] naming that transaction. A tuple
//! whose xmax names a committed transaction was deleted or replaced: modifying it fails with
//! [`StorageError::Updated`].
//!
//! Visibility: [`Heap::scan_as`] and [`Heap::get_as`] return the versions a [`Snapshot`]
//! sees. [`Heap::get`] and [`Heap::scan`] return tuples not deleted (xmax = 0), including
//! uncommitted ones; they serve the catalog's load and checks that run alone.

use crate::error::{Result, StorageError};
use crate::heap_page::{self, TupleHeader, MAX_TUPLE_DATA, TUPLE_HEADER_SIZE};
use crate::logged::{log_change, Chain};
use crate::mvcc::Snapshot;
use crate::ops::PageOp;
use crate::page::PageType;
use crate::store::{Inner, Storage};
use crate::txn::Transaction;
use std::fmt;
use wal::{PageId, TxnId};

/// A tuple's address within its heap file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tid {
    pub page: u32,
    pub slot: u16,
}

impl fmt::Display for Tid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({},{})", self.page, self.slot)
    }
}

#[derive(Clone)]
pub struct Heap {
    storage: Storage,
    file: u32,
}

impl Heap {
    pub(crate) fn new(storage: Storage, file: u32) -> Heap {
        Heap { storage, file }
    }

    pub fn file(&self) -> u32 {
        self.file
    }

    fn inner(&self) -> &Inner {
        &self.storage.inner
    }

    fn page_id(&self, page: u32) -> PageId {
        PageId::new(self.file, page)
    }

    /// Inserts a tuple; returns its tid.
    pub fn insert(&self, txn: &mut Transaction, data: &[u8]) -> Result<Tid> {
        self.insert_near(txn, data, None)
    }

    /// Inserts, trying page `hint` first.
    fn insert_near(&self, txn: &mut Transaction, data: &[u8], hint: Option<u32>) -> Result<Tid> {
        let inner = self.inner();
        inner.check_usable()?;
        // Before any latch: loading the map reads pages of this file.
        inner.fsm.ensure_loaded(inner, self.file)?;
        if data.len() > MAX_TUPLE_DATA {
            return Err(StorageError::TupleTooLarge {
                len: data.len(),
                max: MAX_TUPLE_DATA,
            });
        }
        let mut hint = hint;
        loop {
            let found = match hint.take() {
                Some(p) => Some(p),
                None => inner.fsm.find(inner, self.file, data.len())?,
            };
            let (pid, fresh) = match found {
                Some(p) => (self.page_id(p), false),
                None => (inner.files.allocate(self.file)?, true),
            };
            let pinned = if fresh {
                inner.pool.pin_zeroed(pid)?
            } else {
                inner.pool.pin(pid)?
            };
            let mut w = pinned.write();
            match w.page().page_type() {
                Ok(PageType::Unformatted) => {
                    log_change(inner, Chain::System, &mut w, &PageOp::HeapInit)?;
                }
                Ok(PageType::Heap) => {}
                _ => {
                    // Not a heap page: never offer it again.
                    inner.fsm.update(inner, self.file, pid.page_no, 0)?;
                    continue;
                }
            }
            let mut room = heap_page::insert_room(w.page());
            if room.is_none_or(|(_, free)| free < data.len()) {
                self.prune(&mut w)?;
                room = heap_page::insert_room(w.page());
            }
            let (slot, free) = room.unwrap_or((0, 0));
            if free >= data.len() {
                let op = PageOp::HeapInsert {
                    slot,
                    xmin: txn.id(),
                    data: data.to_vec(),
                };
                let mut e = txn.entry().lock();
                log_change(inner, Chain::Txn(txn.id(), &mut e), &mut w, &op)?;
                drop(e);
                let left = heap_page::free_for_insert(w.page());
                inner.fsm.update(inner, self.file, pid.page_no, left)?;
                return Ok(Tid {
                    page: pid.page_no,
                    slot,
                });
            }
            inner.fsm.update(inner, self.file, pid.page_no, free)?;
        }
    }

    /// Inserts several tuples; returns their tids in input order. Each page takes as many
    /// of the next tuples as fit and they are logged as one record: a `Batch` of
    /// `HeapInsert`s, undone as one CLR (the `HeapRemove`s in reverse order). So a page costs
    /// one free-space lookup, one latch and one log append instead of one per tuple (as
    /// PostgreSQL's heap_multi_insert). Fails before inserting anything if a tuple is too
    /// large.
    pub fn insert_many(&self, txn: &mut Transaction, rows: &[Vec<u8>]) -> Result<Vec<Tid>> {
        let inner = self.inner();
        inner.check_usable()?;
        inner.fsm.ensure_loaded(inner, self.file)?;
        if let Some(r) = rows.iter().find(|r| r.len() > MAX_TUPLE_DATA) {
            return Err(StorageError::TupleTooLarge {
                len: r.len(),
                max: MAX_TUPLE_DATA,
            });
        }
        let mut tids = Vec::with_capacity(rows.len());
        while tids.len() < rows.len() {
            let first = &rows[tids.len()];
            let (pid, fresh) = match inner.fsm.find(inner, self.file, first.len())? {
                Some(p) => (self.page_id(p), false),
                None => (inner.files.allocate(self.file)?, true),
            };
            let pinned = if fresh {
                inner.pool.pin_zeroed(pid)?
            } else {
                inner.pool.pin(pid)?
            };
            let mut w = pinned.write();
            match w.page().page_type() {
                Ok(PageType::Unformatted) => {
                    log_change(inner, Chain::System, &mut w, &PageOp::HeapInit)?;
                }
                Ok(PageType::Heap) => {}
                _ => {
                    inner.fsm.update(inner, self.file, pid.page_no, 0)?;
                    continue;
                }
            }
            if heap_page::insert_room(w.page()).is_none_or(|(_, free)| free < first.len()) {
                self.prune(&mut w)?;
            }
            // Plan on a copy: the slot of each tuple depends on the ones before it.
            let mut copy = w.page().clone();
            let mut ops = Vec::new();
            for data in &rows[tids.len()..] {
                let Some((slot, free)) = heap_page::insert_room(&copy) else {
                    break;
                };
                if free < data.len() {
                    break;
                }
                let op = PageOp::HeapInsert {
                    slot,
                    xmin: txn.id(),
                    data: data.clone(),
                };
                if op.apply(pid, &mut copy).is_err() {
                    break;
                }
                ops.push(op);
                tids.push(Tid {
                    page: pid.page_no,
                    slot,
                });
            }
            let op = match ops.len() {
                0 => {
                    let free = heap_page::insert_room(w.page()).map_or(0, |(_, f)| f);
                    inner.fsm.update(inner, self.file, pid.page_no, free)?;
                    continue;
                }
                1 => ops.remove(0),
                _ => PageOp::Batch(ops),
            };
            let mut e = txn.entry().lock();
            log_change(inner, Chain::Txn(txn.id(), &mut e), &mut w, &op)?;
            drop(e);
            let left = heap_page::free_for_insert(w.page());
            inner.fsm.update(inner, self.file, pid.page_no, left)?;
        }
        Ok(tids)
    }

    /// Reclaims the space and slots of tuples whose deleting transaction committed below the
    /// horizon (see `crate::vacuum` for why their slots may be reused).
    fn prune(&self, w: &mut crate::buffer::PageWrite<'_>) -> Result<()> {
        let inner = self.inner();
        crate::vacuum::reclaim_page(inner, w, inner.horizon())?;
        Ok(())
    }

    /// Checks that `txn` may modify the tuple with header `h`.
    fn check_writable(&self, txn: &Transaction, tid: Tid, h: &TupleHeader) -> Result<()> {
        let inner = self.inner();
        for holder in [h.xmin, h.xmax] {
            if holder != TxnId::NONE && holder != txn.id() && inner.procs.is_running(holder) {
                return Err(StorageError::Conflict { tid, holder });
            }
        }
        if h.xmax == txn.id() {
            return Err(StorageError::NoSuchTuple { tid });
        }
        if h.xmax != TxnId::NONE {
            return Err(StorageError::Updated { tid, by: h.xmax });
        }
        Ok(())
    }

    /// Deletes a tuple (sets its xmax to `txn`).
    pub fn delete(&self, txn: &mut Transaction, tid: Tid) -> Result<()> {
        let inner = self.inner();
        inner.check_usable()?;
        let pinned = inner.pool.pin(self.page_id(tid.page))?;
        let mut w = pinned.write();
        let h = self.header(&w, tid)?;
        self.check_writable(txn, tid, &h)?;
        let op = PageOp::HeapSetXmax {
            slot: tid.slot,
            old: TxnId::NONE,
            new: txn.id(),
        };
        let mut e = txn.entry().lock();
        log_change(inner, Chain::Txn(txn.id(), &mut e), &mut w, &op)?;
        drop(e);
        txn.note_delete(w.id());
        Ok(())
    }

    /// Replaces a tuple: the old version is deleted and the new one inserted (on the same
    /// page when it has room), so rollback never needs more space than it frees. Returns the
    /// new version's tid.
    pub fn update(&self, txn: &mut Transaction, tid: Tid, data: &[u8]) -> Result<Tid> {
        if data.len() > MAX_TUPLE_DATA {
            return Err(StorageError::TupleTooLarge {
                len: data.len(),
                max: MAX_TUPLE_DATA,
            });
        }
        self.delete(txn, tid)?;
        let new = self.insert_near(txn, data, Some(tid.page))?;
        self.link(txn, tid, new, false)?;
        Ok(new)
    }

    /// Records on the version at `tid`, which `txn` has deleted, that `txn` replaced it with
    /// the version at `next`, and whether the update left the key columns unchanged (see
    /// [`heap_page::TupleLink`]). Undone with the transaction's other changes, before the
    /// delete it describes.
    pub fn link(&self, txn: &mut Transaction, tid: Tid, next: Tid, keeps_key: bool) -> Result<()> {
        let inner = self.inner();
        inner.check_usable()?;
        let pinned = inner.pool.pin(self.page_id(tid.page))?;
        let mut w = pinned.write();
        let h = self.header(&w, tid)?;
        if h.xmax != txn.id() {
            return Err(StorageError::NoSuchTuple { tid });
        }
        let op = PageOp::HeapSetLink {
            slot: tid.slot,
            old: h.link,
            new: heap_page::TupleLink::updated(next.page, next.slot, keeps_key),
        };
        let mut e = txn.entry().lock();
        log_change(inner, Chain::Txn(txn.id(), &mut e), &mut w, &op)?;
        Ok(())
    }

    fn header(&self, w: &crate::buffer::PageWrite<'_>, tid: Tid) -> Result<TupleHeader> {
        if w.page().page_type().ok() != Some(PageType::Heap) {
            return Err(StorageError::NoSuchTuple { tid });
        }
        match heap_page::get(w.page(), tid.slot) {
            Ok(Some((h, _))) => Ok(h),
            Ok(None) | Err(heap_page::HeapPageError::BadSlot { .. }) => {
                Err(StorageError::NoSuchTuple { tid })
            }
            Err(source) => Err(StorageError::HeapPage {
                page: w.id(),
                source,
            }),
        }
    }

    /// The tuple's data if it exists and is not deleted.
    pub fn get(&self, tid: Tid) -> Result<Option<Vec<u8>>> {
        Ok(self
            .get_with_header(tid)?
            .filter(|(h, _)| h.xmax == TxnId::NONE)
            .map(|(_, d)| d))
    }

    /// The tuple with its header (deleted ones included), if the slot holds one.
    pub fn get_with_header(&self, tid: Tid) -> Result<Option<(TupleHeader, Vec<u8>)>> {
        let inner = self.inner();
        inner.check_usable()?;
        if tid.page >= inner.files.page_count(self.file)? {
            return Ok(None);
        }
        let pinned = inner.pool.pin(self.page_id(tid.page))?;
        let g = pinned.read();
        if g.page_type().ok() != Some(PageType::Heap) {
            return Ok(None);
        }
        match heap_page::get(&g, tid.slot) {
            Ok(t) => Ok(t.map(|(h, d)| (h, d.to_vec()))),
            Err(heap_page::HeapPageError::BadSlot { .. }) => Ok(None),
            Err(source) => Err(StorageError::HeapPage {
                page: pinned.id(),
                source,
            }),
        }
    }

    /// The version at `tid` if `snapshot` sees it.
    pub fn get_as(&self, snapshot: &Snapshot, tid: Tid) -> Result<Option<Vec<u8>>> {
        Ok(self
            .get_with_header(tid)?
            .filter(|(h, _)| snapshot.tuple_visible(h))
            .map(|(_, d)| d))
    }

    /// Streams the tuples not deleted, page by page (one page pinned at a time).
    pub fn scan(&self) -> HeapScan {
        self.scan_filtered(ScanFilter::Live)
    }

    /// Streams the versions `snapshot` sees, page by page.
    pub fn scan_as(&self, snapshot: &Snapshot) -> HeapScan {
        self.scan_filtered(ScanFilter::Visible(snapshot.clone()))
    }

    /// Streams every tuple version (deleted and uncommitted ones included) with its header,
    /// page by page: for readers that judge visibility themselves (serializable reads note
    /// the versions of concurrent transactions they do not see).
    pub fn scan_versions(&self) -> HeapScan {
        self.scan_filtered(ScanFilter::All)
    }

    fn scan_filtered(&self, filter: ScanFilter) -> HeapScan {
        HeapScan {
            heap: self.clone(),
            page: 0,
            batch: Vec::new(),
            filter,
        }
    }

    /// Bytes of tuple data plus headers per tuple (for sizing).
    pub const TUPLE_OVERHEAD: usize = TUPLE_HEADER_SIZE + 4;
}

/// Which tuples a [`HeapScan`] returns.
enum ScanFilter {
    /// Those not deleted (xmax = 0).
    Live,
    /// Those the snapshot sees.
    Visible(Snapshot),
    /// Every version.
    All,
}

/// Iterator over a heap's tuples: the live ones, those a snapshot sees, or all versions
/// ([`HeapScan::next_version`]).
pub struct HeapScan {
    heap: Heap,
    page: u32,
    batch: Vec<(Tid, TupleHeader, Vec<u8>)>,
    filter: ScanFilter,
}

impl Iterator for HeapScan {
    type Item = Result<(Tid, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_version().map(|r| r.map(|(tid, _, d)| (tid, d)))
    }
}

impl HeapScan {
    /// The next tuple the scan's filter admits, with its header.
    pub fn next_version(&mut self) -> Option<Result<(Tid, TupleHeader, Vec<u8>)>> {
        loop {
            if let Some(t) = self.batch.pop() {
                return Some(Ok(t));
            }
            let inner = self.heap.inner();
            // After a failure, pages may hold changes the log never got: read nothing.
            if let Err(e) = inner.check_usable() {
                self.page = u32::MAX;
                return Some(Err(e));
            }
            let pages = match inner.files.page_count(self.heap.file) {
                Ok(p) => p,
                Err(e) => return Some(Err(e)),
            };
            if self.page >= pages {
                return None;
            }
            let pid = self.heap.page_id(self.page);
            self.page += 1;
            let pinned = match inner.pool.pin(pid) {
                Ok(p) => p,
                Err(e) => return Some(Err(e)),
            };
            let g = pinned.read();
            if g.page_type().ok() != Some(PageType::Heap) {
                continue;
            }
            let filter = &self.filter;
            self.batch = heap_page::tuples(&g)
                .filter(|(_, h, _)| match filter {
                    ScanFilter::Live => h.xmax == TxnId::NONE,
                    ScanFilter::Visible(s) => s.tuple_visible(h),
                    ScanFilter::All => true,
                })
                .map(|(slot, h, d)| {
                    (
                        Tid {
                            page: pid.page_no,
                            slot,
                        },
                        h,
                        d.to_vec(),
                    )
                })
                .collect();
            self.batch.reverse();
        }
    }
}
