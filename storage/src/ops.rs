//! Page operations: the physiological "operation on one page" carried by page log records.
//!
//! Each operation is applied by the same code at do-time and at redo (so redo rebuilds pages
//! byte for byte), and each undoable one names its compensation, which a CLR carries.
//!
//! Encoding: one tag byte, then the fields little-endian; byte strings are u32-length-prefixed.

use crate::heap_page;
use crate::page::Page;
use wal::{PageId, TxnId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageOp {
    /// Format an empty heap page (redo-only).
    HeapInit,
    /// Put a tuple at a slot. Undo: `HeapRemove`.
    HeapInsert {
        slot: u16,
        xmin: TxnId,
        data: Vec<u8>,
    },
    /// Free a slot (the compensation of an insert; only in CLRs).
    HeapRemove { slot: u16 },
    /// Set a tuple's deleting transaction. Undo: the same with old and new swapped.
    HeapSetXmax { slot: u16, old: TxnId, new: TxnId },
    /// Set a tuple's infomask and next-version link (an update records where it put the new
    /// version and whether it kept the key). Undo: the same with old and new swapped.
    HeapSetLink {
        slot: u16,
        old: heap_page::TupleLink,
        new: heap_page::TupleLink,
    },
    /// Reclaim the space of deleted tuples whose deleters committed (redo-only).
    HeapPrune { slots: Vec<u16> },
    /// Free deleted tuples whose deleters committed below the horizon, and Dead slots, making
    /// their slots reusable (redo-only; see `crate::vacuum`).
    HeapReclaim { slots: Vec<u16> },
    /// B+tree: format a node (redo-only).
    BtInit { level: u16 },
    /// B+tree leaf: insert an entry at its key's place. Undo is logical: remove the key
    /// from whichever leaf holds it by then.
    BtInsert {
        key: Vec<u8>,
        tid_page: u32,
        tid_slot: u16,
        txn: TxnId,
    },
    /// B+tree leaf: change an entry's owner and deleted flag. Undo (logical): swapped.
    BtSetState {
        key: Vec<u8>,
        old_txn: TxnId,
        old_deleted: bool,
        new_txn: TxnId,
        new_deleted: bool,
    },
    /// B+tree leaf: remove the entry with this key (the compensation of an insert).
    BtRemove { key: Vec<u8> },
    /// B+tree leaf: remove dead entries at these indexes (redo-only).
    BtPrune { indexes: Vec<u16> },
    /// B+tree node: remove cells [from, count) (part of a split).
    BtTruncate { from: u16 },
    /// B+tree node: append raw cells (part of a split).
    BtAppend { cells: Vec<Vec<u8>> },
    /// B+tree internal node: insert a separator key and child pointer at an index.
    BtInsertChild {
        index: u16,
        key: Vec<u8>,
        child: u32,
    },
    /// B+tree internal node: turn cell 0 into the minus-infinity cell.
    BtClearFirstKey,
    /// B+tree node: set both sibling links.
    BtSetLinks { left: u32, right: u32 },
    /// B+tree meta page: format it.
    MetaInit { unique: bool, root: u32 },
    /// B+tree meta page: point at a new root.
    MetaSetRoot { root: u32, height: u16 },
    /// Several operations on one page, in order: one page's part of a multi-page record, or
    /// a multi-row heap insert. Undo: the compensations in reverse order, if every operation
    /// has a physical one.
    Batch(Vec<PageOp>),
    /// The page was built whole in memory (a bulk index build); the record's full-page image
    /// is its content and redo restores it from there. Redo-only; it has no meaning without
    /// the image, so applying it as an operation fails.
    NewPage,
}

/// Why an operation could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpError {
    /// The page lacks room for the new bytes.
    NoSpace,
    /// The operation does not fit the page's state (a corrupt log or page).
    Invalid(String),
}

impl PageOp {
    /// Applies the operation to `page` (whose id is `id`). On error the page is unchanged.
    pub fn apply(&self, id: PageId, page: &mut Page) -> Result<(), OpError> {
        let err = |e: heap_page::HeapPageError| match e {
            heap_page::HeapPageError::NoSpace { .. } => OpError::NoSpace,
            other => OpError::Invalid(other.to_string()),
        };
        match self {
            PageOp::HeapInit => {
                heap_page::init(page, id);
                Ok(())
            }
            PageOp::HeapInsert { slot, xmin, data } => {
                heap_page::insert_at(page, *slot, *xmin, data).map_err(err)
            }
            PageOp::HeapRemove { slot } => heap_page::remove(page, *slot).map_err(err),
            PageOp::HeapSetXmax { slot, new, .. } => {
                heap_page::set_xmax(page, *slot, *new).map_err(err)
            }
            PageOp::HeapSetLink { slot, new, .. } => {
                heap_page::set_link(page, *slot, *new).map_err(err)
            }
            PageOp::HeapPrune { slots } => heap_page::prune(page, slots).map_err(err),
            PageOp::HeapReclaim { slots } => heap_page::reclaim(page, slots).map_err(err),
            PageOp::Batch(ops) => {
                // All or nothing: work on a copy.
                let mut copy = page.clone();
                for op in ops {
                    op.apply(id, &mut copy)?;
                }
                *page = copy;
                Ok(())
            }
            PageOp::NewPage => Err(OpError::Invalid(
                "a built page is redone from its record's full-page image, which is missing".into(),
            )),
            bt => crate::btree::apply_op(bt, id, page),
        }
    }

    /// Whether undo must find the change's key in its tree (it may have moved pages) rather
    /// than compensate on the record's page.
    pub fn is_logical(&self) -> bool {
        matches!(self, PageOp::BtInsert { .. } | PageOp::BtSetState { .. })
    }

    /// The compensation of an undoable operation; `None` for redo-only ones.
    pub fn compensation(&self) -> Option<PageOp> {
        match self {
            PageOp::HeapInsert { slot, .. } => Some(PageOp::HeapRemove { slot: *slot }),
            PageOp::HeapSetXmax { slot, old, new } => Some(PageOp::HeapSetXmax {
                slot: *slot,
                old: *new,
                new: *old,
            }),
            PageOp::HeapSetLink { slot, old, new } => Some(PageOp::HeapSetLink {
                slot: *slot,
                old: *new,
                new: *old,
            }),
            PageOp::BtInsert { key, .. } => Some(PageOp::BtRemove { key: key.clone() }),
            PageOp::BtSetState {
                key,
                old_txn,
                old_deleted,
                new_txn,
                new_deleted,
            } => Some(PageOp::BtSetState {
                key: key.clone(),
                old_txn: *new_txn,
                old_deleted: *new_deleted,
                new_txn: *old_txn,
                new_deleted: *old_deleted,
            }),
            // A batch of physical changes to one page (a multi-row heap insert) is undone
            // by their compensations in reverse order, all at once.
            PageOp::Batch(ops) => ops
                .iter()
                .rev()
                .map(|op| {
                    if op.is_logical() {
                        None
                    } else {
                        op.compensation()
                    }
                })
                .collect::<Option<Vec<_>>>()
                .map(PageOp::Batch),
            _ => None,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            PageOp::HeapInit => out.push(1),
            PageOp::HeapInsert { slot, xmin, data } => {
                out.push(2);
                out.extend_from_slice(&slot.to_le_bytes());
                out.extend_from_slice(&xmin.0.to_le_bytes());
                put_bytes(&mut out, data);
            }
            PageOp::HeapRemove { slot } => {
                out.push(3);
                out.extend_from_slice(&slot.to_le_bytes());
            }
            PageOp::HeapSetXmax { slot, old, new } => {
                out.push(4);
                out.extend_from_slice(&slot.to_le_bytes());
                out.extend_from_slice(&old.0.to_le_bytes());
                out.extend_from_slice(&new.0.to_le_bytes());
            }
            PageOp::HeapSetLink { slot, old, new } => {
                out.push(5);
                out.extend_from_slice(&slot.to_le_bytes());
                for l in [old, new] {
                    out.extend_from_slice(&l.infomask.to_le_bytes());
                    out.extend_from_slice(&l.page.to_le_bytes());
                    out.extend_from_slice(&l.slot.to_le_bytes());
                }
            }
            PageOp::HeapPrune { slots } => {
                out.push(6);
                put_u16s(&mut out, slots);
            }
            PageOp::HeapReclaim { slots } => {
                out.push(7);
                put_u16s(&mut out, slots);
            }
            PageOp::BtInit { level } => {
                out.push(10);
                out.extend_from_slice(&level.to_le_bytes());
            }
            PageOp::BtInsert {
                key,
                tid_page,
                tid_slot,
                txn,
            } => {
                out.push(11);
                put_bytes(&mut out, key);
                out.extend_from_slice(&tid_page.to_le_bytes());
                out.extend_from_slice(&tid_slot.to_le_bytes());
                out.extend_from_slice(&txn.0.to_le_bytes());
            }
            PageOp::BtSetState {
                key,
                old_txn,
                old_deleted,
                new_txn,
                new_deleted,
            } => {
                out.push(12);
                put_bytes(&mut out, key);
                out.extend_from_slice(&old_txn.0.to_le_bytes());
                out.push(*old_deleted as u8);
                out.extend_from_slice(&new_txn.0.to_le_bytes());
                out.push(*new_deleted as u8);
            }
            PageOp::BtRemove { key } => {
                out.push(13);
                put_bytes(&mut out, key);
            }
            PageOp::BtPrune { indexes } => {
                out.push(14);
                put_u16s(&mut out, indexes);
            }
            PageOp::BtTruncate { from } => {
                out.push(15);
                out.extend_from_slice(&from.to_le_bytes());
            }
            PageOp::BtAppend { cells } => {
                out.push(16);
                out.extend_from_slice(&(cells.len() as u32).to_le_bytes());
                for c in cells {
                    put_bytes(&mut out, c);
                }
            }
            PageOp::BtInsertChild { index, key, child } => {
                out.push(17);
                out.extend_from_slice(&index.to_le_bytes());
                put_bytes(&mut out, key);
                out.extend_from_slice(&child.to_le_bytes());
            }
            PageOp::BtClearFirstKey => out.push(18),
            PageOp::BtSetLinks { left, right } => {
                out.push(19);
                out.extend_from_slice(&left.to_le_bytes());
                out.extend_from_slice(&right.to_le_bytes());
            }
            PageOp::MetaInit { unique, root } => {
                out.push(20);
                out.push(*unique as u8);
                out.extend_from_slice(&root.to_le_bytes());
            }
            PageOp::MetaSetRoot { root, height } => {
                out.push(21);
                out.extend_from_slice(&root.to_le_bytes());
                out.extend_from_slice(&height.to_le_bytes());
            }
            PageOp::NewPage => out.push(40),
            PageOp::Batch(ops) => {
                out.push(30);
                out.extend_from_slice(&(ops.len() as u32).to_le_bytes());
                for op in ops {
                    put_bytes(&mut out, &op.encode());
                }
            }
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<PageOp, &'static str> {
        let mut r = Reader { b: bytes, pos: 0 };
        let op = match r.u8()? {
            1 => PageOp::HeapInit,
            2 => PageOp::HeapInsert {
                slot: r.u16()?,
                xmin: TxnId(r.u64()?),
                data: r.bytes()?,
            },
            3 => PageOp::HeapRemove { slot: r.u16()? },
            4 => PageOp::HeapSetXmax {
                slot: r.u16()?,
                old: TxnId(r.u64()?),
                new: TxnId(r.u64()?),
            },
            5 => {
                let slot = r.u16()?;
                let mut link = || -> Result<heap_page::TupleLink, &'static str> {
                    Ok(heap_page::TupleLink {
                        infomask: r.u16()?,
                        page: r.u32()?,
                        slot: r.u16()?,
                    })
                };
                let old = link()?;
                let new = link()?;
                PageOp::HeapSetLink { slot, old, new }
            }
            6 => PageOp::HeapPrune { slots: r.u16s()? },
            7 => PageOp::HeapReclaim { slots: r.u16s()? },
            10 => PageOp::BtInit { level: r.u16()? },
            11 => PageOp::BtInsert {
                key: r.bytes()?,
                tid_page: r.u32()?,
                tid_slot: r.u16()?,
                txn: TxnId(r.u64()?),
            },
            12 => PageOp::BtSetState {
                key: r.bytes()?,
                old_txn: TxnId(r.u64()?),
                old_deleted: r.u8()? != 0,
                new_txn: TxnId(r.u64()?),
                new_deleted: r.u8()? != 0,
            },
            13 => PageOp::BtRemove { key: r.bytes()? },
            14 => PageOp::BtPrune { indexes: r.u16s()? },
            15 => PageOp::BtTruncate { from: r.u16()? },
            16 => {
                let n = r.count()?;
                let mut cells = Vec::with_capacity(n);
                for _ in 0..n {
                    cells.push(r.bytes()?);
                }
                PageOp::BtAppend { cells }
            }
            17 => PageOp::BtInsertChild {
                index: r.u16()?,
                key: r.bytes()?,
                child: r.u32()?,
            },
            18 => PageOp::BtClearFirstKey,
            19 => PageOp::BtSetLinks {
                left: r.u32()?,
                right: r.u32()?,
            },
            20 => PageOp::MetaInit {
                unique: r.u8()? != 0,
                root: r.u32()?,
            },
            21 => PageOp::MetaSetRoot {
                root: r.u32()?,
                height: r.u16()?,
            },
            30 => {
                let n = r.count()?;
                let mut ops = Vec::with_capacity(n);
                for _ in 0..n {
                    let op = PageOp::decode(&r.bytes()?)?;
                    // One level only: a batch is one page's part of a record.
                    if matches!(op, PageOp::Batch(_)) {
                        return Err("nested batch of page operations");
                    }
                    ops.push(op);
                }
                PageOp::Batch(ops)
            }
            40 => PageOp::NewPage,
            _ => return Err("unknown page operation"),
        };
        if r.pos != bytes.len() {
            return Err("trailing bytes after page operation");
        }
        Ok(op)
    }
}

fn put_u16s(out: &mut Vec<u8>, v: &[u16]) {
    out.extend_from_slice(&(v.len() as u32).to_le_bytes());
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], &'static str> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or("page operation cut short")?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, &'static str> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, &'static str> {
        let s = self.take(2)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }
    fn u32(&mut self) -> Result<u32, &'static str> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn u64(&mut self) -> Result<u64, &'static str> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(u64::from_le_bytes(a))
    }
    fn bytes(&mut self) -> Result<Vec<u8>, &'static str> {
        let n = self.u32()? as usize;
        Ok(self.take(n)?.to_vec())
    }
    /// An element count, bounded by the bytes left (each element takes at least one byte).
    fn count(&mut self) -> Result<usize, &'static str> {
        let n = self.u32()? as usize;
        if n > self.b.len() - self.pos {
            return Err("element count exceeds operation size");
        }
        Ok(n)
    }
    fn u16s(&mut self) -> Result<Vec<u16>, &'static str> {
        let n = self.count()?;
        (0..n).map(|_| self.u16()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_compensation_reverses_physical_ops_only() {
        let ins = |slot| PageOp::HeapInsert {
            slot,
            xmin: TxnId(3),
            data: vec![1, 2],
        };
        let batch = PageOp::Batch(vec![ins(4), ins(5)]);
        assert_eq!(
            batch.compensation(),
            Some(PageOp::Batch(vec![
                PageOp::HeapRemove { slot: 5 },
                PageOp::HeapRemove { slot: 4 },
            ]))
        );
        let logical = PageOp::Batch(vec![
            ins(1),
            PageOp::BtInsert {
                key: b"k".to_vec(),
                tid_page: 1,
                tid_slot: 1,
                txn: TxnId(3),
            },
        ]);
        assert_eq!(logical.compensation(), None);
        assert_eq!(
            PageOp::Batch(vec![PageOp::BtInit { level: 0 }]).compensation(),
            None
        );
    }

    #[test]
    fn encode_decode_roundtrip_and_garbage() {
        let ops = vec![
            PageOp::HeapInit,
            PageOp::HeapInsert {
                slot: 3,
                xmin: TxnId(9),
                data: b"hello".to_vec(),
            },
            PageOp::HeapRemove { slot: 7 },
            PageOp::HeapSetXmax {
                slot: 1,
                old: TxnId(0),
                new: TxnId(4),
            },
            PageOp::HeapSetLink {
                slot: 2,
                old: heap_page::TupleLink::default(),
                new: heap_page::TupleLink::updated(7, 3, true),
            },
            PageOp::HeapPrune {
                slots: vec![1, 4, 5],
            },
            PageOp::HeapReclaim {
                slots: vec![0, 2, 3],
            },
            PageOp::Batch(vec![
                PageOp::BtInit { level: 1 },
                PageOp::BtInsert {
                    key: b"k".to_vec(),
                    tid_page: 3,
                    tid_slot: 4,
                    txn: TxnId(5),
                },
                PageOp::BtSetState {
                    key: b"k".to_vec(),
                    old_txn: TxnId(1),
                    old_deleted: false,
                    new_txn: TxnId(2),
                    new_deleted: true,
                },
                PageOp::BtRemove { key: b"k".to_vec() },
                PageOp::BtPrune {
                    indexes: vec![1, 2],
                },
                PageOp::BtTruncate { from: 3 },
                PageOp::BtAppend {
                    cells: vec![b"ab".to_vec(), b"c".to_vec()],
                },
                PageOp::BtInsertChild {
                    index: 2,
                    key: b"sep".to_vec(),
                    child: 9,
                },
                PageOp::BtClearFirstKey,
                PageOp::BtSetLinks { left: 1, right: 2 },
                PageOp::MetaInit {
                    unique: true,
                    root: 1,
                },
                PageOp::MetaSetRoot { root: 7, height: 3 },
            ]),
            PageOp::NewPage,
        ];
        for op in ops {
            let enc = op.encode();
            assert_eq!(PageOp::decode(&enc), Ok(op.clone()));
            for cut in 0..enc.len() {
                assert!(PageOp::decode(&enc[..cut]).is_err());
            }
            if let Some(c) = op.compensation() {
                if let PageOp::HeapSetXmax { .. } | PageOp::HeapSetLink { .. } = op {
                    assert_eq!(c.compensation(), Some(op.clone()));
                }
            }
        }
    }
}
