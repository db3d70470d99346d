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
    /// Reclaim the space of deleted tuples whose deleters committed (redo-only).
    HeapPrune { slots: Vec<u16> },
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
            PageOp::HeapPrune { slots } => heap_page::prune(page, slots).map_err(err),
        }
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
            PageOp::HeapInit | PageOp::HeapRemove { .. } | PageOp::HeapPrune { .. } => None,
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
            PageOp::HeapPrune { slots } => {
                out.push(6);
                out.extend_from_slice(&(slots.len() as u32).to_le_bytes());
                for s in slots {
                    out.extend_from_slice(&s.to_le_bytes());
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
            6 => {
                let n = r.u32()? as usize;
                if n > bytes.len() / 2 {
                    return Err("slot count exceeds operation size");
                }
                let mut slots = Vec::with_capacity(n);
                for _ in 0..n {
                    slots.push(r.u16()?);
                }
                PageOp::HeapPrune { slots }
            }
            _ => return Err("unknown page operation"),
        };
        if r.pos != bytes.len() {
            return Err("trailing bytes after page operation");
        }
        Ok(op)
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
            PageOp::HeapPrune {
                slots: vec![1, 4, 5],
            },
        ];
        for op in ops {
            let enc = op.encode();
            assert_eq!(PageOp::decode(&enc), Ok(op.clone()));
            for cut in 0..enc.len() {
                assert!(PageOp::decode(&enc[..cut]).is_err());
            }
            if let Some(c) = op.compensation() {
                if let PageOp::HeapSetXmax { .. } = op {
                    assert_eq!(c.compensation(), Some(op.clone()));
                }
            }
        }
    }
}
