//! The log record format: a fixed header followed by a kind-specific body.
//!
//! Header (little-endian, [`HEADER_SIZE`] bytes):
//!
//! | off | size | field |
//! |----:|----:|---|
//! | 0 | 4 | crc: CRC32C of the body, then continued over header bytes 4..40 |
//! | 4 | 4 | total length (header + body) |
//! | 8 | 8 | lsn: the record's own position (detects stale bytes of an older log) |
//! | 16 | 8 | prev_lsn: the same transaction's previous record (0 if none) |
//! | 24 | 8 | txn id (0 for system records) |
//! | 32 | 1 | kind |
//! | 33 | 1 | flags (page records: bit 0 redo-only, bit 1 has image, bit 2 image is a full-page write) |
//! | 34 | 6 | reserved, zero |
//!
//! Page records (Update, Clr, MultiPage) carry the page id, an opaque operation that the storage layer
//! interprets (the log knows no page layout), and optionally a page image.

use crate::{Lsn, PageId, TxnId};

pub const HEADER_SIZE: usize = 40;
/// Largest record: appends refuse longer ones, the reader treats longer lengths as garbage.
pub const MAX_RECORD_SIZE: usize = 64 << 20;

const FLAG_REDO_ONLY: u8 = 1;
const FLAG_HAS_IMAGE: u8 = 2;
const FLAG_IMAGE_RESTORE: u8 = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RecordKind {
    Begin = 1,
    Commit = 2,
    Abort = 3,
    End = 4,
    CheckpointBegin = 5,
    CheckpointEnd = 6,
    Update = 7,
    Clr = 8,
    MultiPage = 9,
}

impl RecordKind {
    fn from_u8(v: u8) -> Option<RecordKind> {
        use RecordKind::*;
        Some(match v {
            1 => Begin,
            2 => Commit,
            3 => Abort,
            4 => End,
            5 => CheckpointBegin,
            6 => CheckpointEnd,
            7 => Update,
            8 => Clr,
            9 => MultiPage,
            _ => return None,
        })
    }
}

/// An image of a page after the change was applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageImage {
    /// The encoded page (the storage layer's format, with its free hole elided).
    pub bytes: Vec<u8>,
    /// True for a full-page write: redo restores the page from the image (torn-page repair).
    /// False for a consistency-check image: redo applies the operation, then compares.
    pub restore: bool,
}

/// A change to one page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageChange {
    pub page: PageId,
    /// Storage-layer operation: what redo applies (and for undoable records, what undo reverses).
    pub op: Vec<u8>,
    pub image: Option<PageImage>,
    /// Redo-only changes are never undone (page formatting, pruning, structure changes).
    pub redo_only: bool,
}

/// An active transaction as recorded in a checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxnEntry {
    pub txn: TxnId,
    pub first_lsn: Lsn,
    pub last_lsn: Lsn,
    /// Next record to undo (differs from last_lsn once rollback has written CLRs).
    pub undo_next: Lsn,
    pub aborting: bool,
}

/// A dirty page as recorded in a checkpoint: its recLSN is the first record that dirtied it
/// since it was last written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirtyPage {
    pub page: PageId,
    pub rec_lsn: Lsn,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointData {
    pub begin_lsn: Lsn,
    pub next_txn: TxnId,
    pub txns: Vec<TxnEntry>,
    pub dirty: Vec<DirtyPage>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordBody {
    Begin,
    Commit,
    Abort,
    End,
    CheckpointBegin,
    CheckpointEnd(CheckpointData),
    Update(PageChange),
    /// Compensation: redo-only, undoes one update; undo continues at `undo_next`.
    Clr {
        change: PageChange,
        undo_next: Lsn,
    },
    /// A redo-only change to several pages that must be atomic (a B+tree structure
    /// modification): the record is in the log entirely or not at all, and every page it
    /// touches carries its LSN, so no page shows part of it without the whole being durable.
    MultiPage(Vec<PageChange>),
}

impl RecordBody {
    pub fn kind(&self) -> RecordKind {
        match self {
            RecordBody::Begin => RecordKind::Begin,
            RecordBody::Commit => RecordKind::Commit,
            RecordBody::Abort => RecordKind::Abort,
            RecordBody::End => RecordKind::End,
            RecordBody::CheckpointBegin => RecordKind::CheckpointBegin,
            RecordBody::CheckpointEnd(_) => RecordKind::CheckpointEnd,
            RecordBody::Update(_) => RecordKind::Update,
            RecordBody::Clr { .. } => RecordKind::Clr,
            RecordBody::MultiPage(_) => RecordKind::MultiPage,
        }
    }

    /// The change of a single-page record (Update or Clr).
    pub fn page_change(&self) -> Option<&PageChange> {
        match self {
            RecordBody::Update(c) | RecordBody::Clr { change: c, .. } => Some(c),
            _ => None,
        }
    }

    /// The page changes the record carries (none for transaction and checkpoint records).
    pub fn page_changes(&self) -> &[PageChange] {
        match self {
            RecordBody::Update(c) | RecordBody::Clr { change: c, .. } => std::slice::from_ref(c),
            RecordBody::MultiPage(cs) => cs,
            _ => &[],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRecord {
    pub lsn: Lsn,
    pub prev_lsn: Lsn,
    pub txn: TxnId,
    pub body: RecordBody,
    /// Encoded length in bytes; the next record starts at `lsn + len`.
    pub len: u32,
}

impl LogRecord {
    pub fn end_lsn(&self) -> Lsn {
        Lsn(self.lsn.0.saturating_add(self.len as u64))
    }
}

/// A body encoded outside the log's lock; [`EncodedBody::finish`] stamps the header.
pub struct EncodedBody {
    kind: RecordKind,
    flags: u8,
    body: Vec<u8>,
    body_crc: u32,
}

impl EncodedBody {
    pub fn new(body: &RecordBody) -> EncodedBody {
        let mut out = Vec::new();
        let mut flags = 0u8;
        match body {
            RecordBody::Begin
            | RecordBody::Commit
            | RecordBody::Abort
            | RecordBody::End
            | RecordBody::CheckpointBegin => {}
            RecordBody::CheckpointEnd(c) => encode_checkpoint(&mut out, c),
            RecordBody::Update(ch) => flags = encode_change(&mut out, ch),
            RecordBody::Clr { change, undo_next } => {
                out.extend_from_slice(&undo_next.0.to_le_bytes());
                flags = encode_change(&mut out, change);
            }
            RecordBody::MultiPage(changes) => {
                out.extend_from_slice(&(changes.len() as u32).to_le_bytes());
                for ch in changes {
                    // Each change carries its own flags byte, ahead of its fields.
                    let at = out.len();
                    out.push(0);
                    out[at] = encode_change(&mut out, ch);
                }
            }
        }
        let body_crc = crc32c::crc32c(&out);
        EncodedBody {
            kind: body.kind(),
            flags,
            body: out,
            body_crc,
        }
    }

    pub fn total_len(&self) -> usize {
        HEADER_SIZE + self.body.len()
    }

    /// Appends the complete record (header + body) for position `lsn` to `out`.
    pub fn finish(&self, lsn: Lsn, prev_lsn: Lsn, txn: TxnId, out: &mut Vec<u8>) {
        let mut h = [0u8; HEADER_SIZE];
        h[4..8].copy_from_slice(&(self.total_len() as u32).to_le_bytes());
        h[8..16].copy_from_slice(&lsn.0.to_le_bytes());
        h[16..24].copy_from_slice(&prev_lsn.0.to_le_bytes());
        h[24..32].copy_from_slice(&txn.0.to_le_bytes());
        h[32] = self.kind as u8;
        h[33] = self.flags;
        let crc = crc32c::crc32c_append(self.body_crc, &h[4..]);
        h[0..4].copy_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(&self.body);
    }
}

fn encode_change(out: &mut Vec<u8>, ch: &PageChange) -> u8 {
    let mut flags = 0;
    if ch.redo_only {
        flags |= FLAG_REDO_ONLY;
    }
    out.extend_from_slice(&ch.page.file.to_le_bytes());
    out.extend_from_slice(&ch.page.page_no.to_le_bytes());
    out.extend_from_slice(&(ch.op.len() as u32).to_le_bytes());
    out.extend_from_slice(&ch.op);
    if let Some(img) = &ch.image {
        flags |= FLAG_HAS_IMAGE;
        if img.restore {
            flags |= FLAG_IMAGE_RESTORE;
        }
        out.extend_from_slice(&(img.bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(&img.bytes);
    }
    flags
}

fn encode_checkpoint(out: &mut Vec<u8>, c: &CheckpointData) {
    out.extend_from_slice(&c.begin_lsn.0.to_le_bytes());
    out.extend_from_slice(&c.next_txn.0.to_le_bytes());
    out.extend_from_slice(&(c.txns.len() as u32).to_le_bytes());
    for t in &c.txns {
        out.extend_from_slice(&t.txn.0.to_le_bytes());
        out.extend_from_slice(&t.first_lsn.0.to_le_bytes());
        out.extend_from_slice(&t.last_lsn.0.to_le_bytes());
        out.extend_from_slice(&t.undo_next.0.to_le_bytes());
        out.push(t.aborting as u8);
    }
    out.extend_from_slice(&(c.dirty.len() as u32).to_le_bytes());
    for d in &c.dirty {
        out.extend_from_slice(&d.page.file.to_le_bytes());
        out.extend_from_slice(&d.page.page_no.to_le_bytes());
        out.extend_from_slice(&d.rec_lsn.0.to_le_bytes());
    }
}

/// Why bytes at a position are not a valid record. The reader treats all of these at the tail
/// as the end of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes than the header or the declared length.
    Short,
    /// Length field out of range, wrong own-LSN, bad CRC, unknown kind or malformed body.
    Invalid(&'static str),
}

/// Reads the total length declared by a header, validating its range.
pub fn declared_len(header: &[u8]) -> Result<usize, DecodeError> {
    if header.len() < HEADER_SIZE {
        return Err(DecodeError::Short);
    }
    let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
    if !(HEADER_SIZE..=MAX_RECORD_SIZE).contains(&len) {
        return Err(DecodeError::Invalid("length out of range"));
    }
    Ok(len)
}

/// Decodes one record that must start at `expected_lsn`. `bytes` may be longer than the record.
pub fn decode(bytes: &[u8], expected_lsn: Lsn) -> Result<LogRecord, DecodeError> {
    let len = declared_len(bytes)?;
    if bytes.len() < len {
        return Err(DecodeError::Short);
    }
    let (h, body) = (&bytes[..HEADER_SIZE], &bytes[HEADER_SIZE..len]);
    let stored = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
    let crc = crc32c::crc32c_append(crc32c::crc32c(body), &h[4..]);
    if crc != stored {
        return Err(DecodeError::Invalid("checksum mismatch"));
    }
    let lsn = Lsn(read_u64(h, 8));
    if lsn != expected_lsn {
        return Err(DecodeError::Invalid("record holds another position's LSN"));
    }
    let kind = RecordKind::from_u8(h[32]).ok_or(DecodeError::Invalid("unknown record kind"))?;
    let flags = h[33];
    let mut r = Cursor { b: body, pos: 0 };
    let body = match kind {
        RecordKind::Begin => RecordBody::Begin,
        RecordKind::Commit => RecordBody::Commit,
        RecordKind::Abort => RecordBody::Abort,
        RecordKind::End => RecordBody::End,
        RecordKind::CheckpointBegin => RecordBody::CheckpointBegin,
        RecordKind::CheckpointEnd => RecordBody::CheckpointEnd(decode_checkpoint(&mut r)?),
        RecordKind::Update => RecordBody::Update(decode_change(&mut r, flags)?),
        RecordKind::Clr => {
            let undo_next = Lsn(r.u64()?);
            RecordBody::Clr {
                change: decode_change(&mut r, flags)?,
                undo_next,
            }
        }
        RecordKind::MultiPage => {
            let n = r.count(9)?;
            let mut changes = Vec::with_capacity(n);
            for _ in 0..n {
                let f = r.u8()?;
                changes.push(decode_change(&mut r, f)?);
            }
            RecordBody::MultiPage(changes)
        }
    };
    if r.pos != r.b.len() {
        return Err(DecodeError::Invalid("trailing bytes in record body"));
    }
    Ok(LogRecord {
        lsn,
        prev_lsn: Lsn(read_u64(h, 16)),
        txn: TxnId(read_u64(h, 24)),
        body,
        len: len as u32,
    })
}

fn read_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or(DecodeError::Invalid("body shorter than its fields"))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(read_u64(self.take(8)?, 0))
    }
    fn count(&mut self, elem_size: usize) -> Result<usize, DecodeError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(elem_size) > self.b.len() - self.pos {
            return Err(DecodeError::Invalid("element count exceeds body"));
        }
        Ok(n)
    }
}

fn decode_change(r: &mut Cursor<'_>, flags: u8) -> Result<PageChange, DecodeError> {
    let page = PageId::new(r.u32()?, r.u32()?);
    let op_len = r.count(1)?;
    let op = r.take(op_len)?.to_vec();
    let image = if flags & FLAG_HAS_IMAGE != 0 {
        let n = r.count(1)?;
        Some(PageImage {
            bytes: r.take(n)?.to_vec(),
            restore: flags & FLAG_IMAGE_RESTORE != 0,
        })
    } else {
        None
    };
    Ok(PageChange {
        page,
        op,
        image,
        redo_only: flags & FLAG_REDO_ONLY != 0,
    })
}

fn decode_checkpoint(r: &mut Cursor<'_>) -> Result<CheckpointData, DecodeError> {
    let begin_lsn = Lsn(r.u64()?);
    let next_txn = TxnId(r.u64()?);
    let n = r.count(33)?;
    let mut txns = Vec::with_capacity(n);
    for _ in 0..n {
        txns.push(TxnEntry {
            txn: TxnId(r.u64()?),
            first_lsn: Lsn(r.u64()?),
            last_lsn: Lsn(r.u64()?),
            undo_next: Lsn(r.u64()?),
            aborting: r.u8()? != 0,
        });
    }
    let n = r.count(16)?;
    let mut dirty = Vec::with_capacity(n);
    for _ in 0..n {
        dirty.push(DirtyPage {
            page: PageId::new(r.u32()?, r.u32()?),
            rec_lsn: Lsn(r.u64()?),
        });
    }
    Ok(CheckpointData {
        begin_lsn,
        next_txn,
        txns,
        dirty,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_bodies() -> Vec<RecordBody> {
        let change = PageChange {
            page: PageId::new(3, 77),
            op: vec![1, 2, 3, 4, 5],
            image: Some(PageImage {
                bytes: vec![9; 100],
                restore: true,
            }),
            redo_only: false,
        };
        vec![
            RecordBody::Begin,
            RecordBody::Commit,
            RecordBody::Abort,
            RecordBody::End,
            RecordBody::CheckpointBegin,
            RecordBody::CheckpointEnd(CheckpointData {
                begin_lsn: Lsn(1000),
                next_txn: TxnId(42),
                txns: vec![TxnEntry {
                    txn: TxnId(7),
                    first_lsn: Lsn(64),
                    last_lsn: Lsn(900),
                    undo_next: Lsn(800),
                    aborting: true,
                }],
                dirty: vec![DirtyPage {
                    page: PageId::new(1, 2),
                    rec_lsn: Lsn(500),
                }],
            }),
            RecordBody::Update(change.clone()),
            RecordBody::Update(PageChange {
                image: None,
                redo_only: true,
                ..change.clone()
            }),
            RecordBody::Clr {
                change: change.clone(),
                undo_next: Lsn(123),
            },
            RecordBody::MultiPage(vec![
                change.clone(),
                PageChange {
                    page: PageId::new(3, 78),
                    image: None,
                    redo_only: true,
                    ..change
                },
            ]),
        ]
    }

    #[test]
    fn roundtrip_every_kind() {
        for body in sample_bodies() {
            let enc = EncodedBody::new(&body);
            let mut buf = Vec::new();
            enc.finish(Lsn(4096), Lsn(64), TxnId(5), &mut buf);
            let rec = decode(&buf, Lsn(4096)).expect("decodes");
            assert_eq!(rec.body, body);
            assert_eq!(rec.prev_lsn, Lsn(64));
            assert_eq!(rec.txn, TxnId(5));
            assert_eq!(rec.len as usize, buf.len());
        }
    }

    #[test]
    fn every_bit_flip_is_detected() {
        for body in sample_bodies() {
            let mut buf = Vec::new();
            EncodedBody::new(&body).finish(Lsn(4096), Lsn(64), TxnId(5), &mut buf);
            for bit in 0..buf.len() * 8 {
                let mut bad = buf.clone();
                bad[bit / 8] ^= 1 << (bit % 8);
                assert!(
                    decode(&bad, Lsn(4096)).is_err(),
                    "flip of bit {bit} unnoticed"
                );
            }
        }
    }

    #[test]
    fn wrong_position_and_truncation_are_rejected() {
        let mut buf = Vec::new();
        EncodedBody::new(&RecordBody::Commit).finish(Lsn(4096), Lsn(64), TxnId(5), &mut buf);
        assert!(decode(&buf, Lsn(4097)).is_err());
        for cut in 0..buf.len() {
            assert!(decode(&buf[..cut], Lsn(4096)).is_err());
        }
        assert!(decode(&[0u8; 64], Lsn(4096)).is_err());
    }
}
