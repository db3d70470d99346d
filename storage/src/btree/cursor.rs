//! Range cursors over a B+tree, forward or backward, with inclusive or exclusive bounds.
//!
//! A cursor holds no latch between calls: it buffers the qualifying entries of one leaf,
//! remembers the last stored key it returned, and continues by descending again from the
//! root (under the shared tree latch, so leaves are followed through sibling links only while
//! no split can happen). Without a snapshot, entries are returned if not deleted; with one,
//! if they may lead to a version the snapshot sees ([`Snapshot::entry_visible`]).

use super::{find_leaf, node_err, user_part};
use crate::btree_page::{self, NONE};
use crate::error::Result;
use crate::heap::Tid;
use crate::mvcc::Snapshot;
use crate::store::Storage;
use std::collections::VecDeque;
use std::ops::Bound;
use wal::PageId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanDirection {
    Forward,
    Backward,
}

pub struct BTreeCursor {
    storage: Storage,
    file: u32,
    lo: Bound<Vec<u8>>,
    hi: Bound<Vec<u8>>,
    dir: ScanDirection,
    buf: VecDeque<(Vec<u8>, Tid)>,
    /// The last stored key (user key ++ tid) examined; the scan resumes after it.
    last: Option<Vec<u8>>,
    done: bool,
    snapshot: Option<Snapshot>,
}

impl BTreeCursor {
    pub(crate) fn new(
        storage: Storage,
        file: u32,
        lo: Bound<Vec<u8>>,
        hi: Bound<Vec<u8>>,
        dir: ScanDirection,
        snapshot: Option<Snapshot>,
    ) -> BTreeCursor {
        BTreeCursor {
            storage,
            file,
            lo,
            hi,
            dir,
            buf: VecDeque::new(),
            last: None,
            done: false,
            snapshot,
        }
    }

    fn above_lo(&self, user: &[u8]) -> bool {
        match &self.lo {
            Bound::Unbounded => true,
            Bound::Included(k) => user >= k.as_slice(),
            Bound::Excluded(k) => user > k.as_slice(),
        }
    }

    fn below_hi(&self, user: &[u8]) -> bool {
        match &self.hi {
            Bound::Unbounded => true,
            Bound::Included(k) => user <= k.as_slice(),
            Bound::Excluded(k) => user < k.as_slice(),
        }
    }

    /// Where a descent starts: the resume point, else the bound on the scan's start side.
    fn seek_key(&self) -> Vec<u8> {
        if let Some(k) = &self.last {
            return k.clone();
        }
        match (self.dir, &self.lo, &self.hi) {
            (ScanDirection::Forward, Bound::Included(k) | Bound::Excluded(k), _) => k.clone(),
            (ScanDirection::Forward, Bound::Unbounded, _) => Vec::new(),
            (ScanDirection::Backward, _, Bound::Included(k) | Bound::Excluded(k)) => {
                let mut k = k.clone();
                k.extend_from_slice(&[0xFF; super::TID_BYTES + 1]);
                k
            }
            // Past every key: descend along the rightmost path.
            (ScanDirection::Backward, _, Bound::Unbounded) => vec![0xFF; btree_page::MAX_KEY + 1],
        }
    }

    /// Buffers the next leaf's worth of qualifying entries.
    fn fill(&mut self) -> Result<()> {
        let inner = &self.storage.inner;
        inner.check_usable()?;
        let latch = inner.tree_latch(self.file);
        let _shared = latch.read();
        let seek = self.seek_key();
        let (mut leaf, _) = find_leaf(inner, self.file, &seek)?;
        loop {
            let pinned = inner.pool.pin(PageId::new(self.file, leaf))?;
            let g = pinned.read();
            let n = btree_page::count(&g);
            let pos = btree_page::search(&g, &seek).map_err(|e| node_err(self.file, leaf, e))?;
            let indexes: Box<dyn Iterator<Item = usize>> = match self.dir {
                ScanDirection::Forward => {
                    let from = match pos {
                        Ok(i) if self.last.is_some() => i + 1,
                        Ok(i) | Err(i) => i,
                    };
                    Box::new(from..n)
                }
                ScanDirection::Backward => {
                    let to = match pos {
                        Ok(i) if self.last.is_none() => i + 1,
                        Ok(i) | Err(i) => i,
                    };
                    Box::new((0..to).rev())
                }
            };
            for i in indexes {
                let e = btree_page::leaf_entry(&g, i).map_err(|e| node_err(self.file, leaf, e))?;
                let user = user_part(e.key);
                let in_range = match self.dir {
                    ScanDirection::Forward => {
                        if !self.below_hi(user) {
                            self.done = true;
                            break;
                        }
                        self.above_lo(user)
                    }
                    ScanDirection::Backward => {
                        if !self.above_lo(user) {
                            self.done = true;
                            break;
                        }
                        self.below_hi(user)
                    }
                };
                self.last = Some(e.key.to_vec());
                let wanted = match &self.snapshot {
                    None => !e.deleted,
                    Some(s) => s.entry_visible(e.deleted, wal::TxnId(e.txn)),
                };
                if in_range && wanted {
                    let tid = Tid {
                        page: e.tid_page,
                        slot: e.tid_slot,
                    };
                    self.buf.push_back((user.to_vec(), tid));
                }
            }
            if self.done || !self.buf.is_empty() {
                return Ok(());
            }
            let next = match self.dir {
                ScanDirection::Forward => btree_page::right(&g),
                ScanDirection::Backward => btree_page::left(&g),
            };
            if next == NONE {
                self.done = true;
                return Ok(());
            }
            leaf = next;
        }
    }
}

impl Iterator for BTreeCursor {
    type Item = Result<(Vec<u8>, Tid)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.buf.pop_front() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            if let Err(e) = self.fill() {
                self.done = true;
                return Some(Err(e));
            }
        }
    }
}
