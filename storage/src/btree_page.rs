//! B+tree node pages: pure functions over [`Page`], shared by do-time code and WAL redo.
//!
//! A node is a page of type [`PageType::BTreeLeaf`] (level 0) or [`PageType::BTreeInternal`]
//! (level >= 1) with a 16-byte trailer as its special area (all integers little-endian):
//!
//! ```text
//! [header 32][slot 0]...[slot n-1] lower ..hole.. upper [cells ...] special [trailer 16]
//! ```
//!
//! Trailer (`special = PAGE_SIZE - TRAILER_SIZE`):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | right sibling page number (u32, [`NONE`] = none) |
//! | 4 | 4 | left sibling page number (u32, [`NONE`] = none) |
//! | 8 | 2 | level (u16): 0 for leaves |
//! | 10 | 2 | flags (u16): 0 after [`init`], not interpreted here |
//! | 12 | 4 | reserved, zero |
//!
//! The slot array follows the header: one u16 cell offset per cell, in key order, so
//! `lower = PAGE_HEADER_SIZE + 2 * count`. Cells grow down from `special`.
//!
//! Leaf cell ([`leaf_cell_size`] = 19 + key bytes including the slot):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 2 | key_len (u16, at most [`MAX_KEY`]) |
//! | 2 | key_len | key |
//! | 2+k | 4 | tid_page (u32) |
//! | 6+k | 2 | tid_slot (u16) |
//! | 8+k | 8 | txn (u64): transaction that last inserted or deleted the entry |
//! | 16+k | 1 | flags (u8): bit 0 = deleted, other bits zero |
//!
//! Internal cell ([`internal_cell_size`] = 8 + key bytes including the slot):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 2 | key_len (u16, at most [`MAX_KEY`]) |
//! | 2 | key_len | key |
//! | 2+k | 4 | child page number (u32) |
//!
//! Invariants (verified by [`check`]):
//! - Keys compare bytewise and strictly increase with the slot index. Cell 0 of an internal
//!   node has the empty key and stands for minus infinity: child `i` covers keys in
//!   `[key_i, key_{i+1})`.
//! - Cells lie in `[upper, special)` without overlapping, `upper` is the lowest cell offset
//!   (`special` if none), and every byte of `[lower, special)` outside a cell is zero (in
//!   particular the hole `[lower, upper)`, which [`Page::masked`] relies on).
//! - The trailer level is 0 exactly for leaves, its reserved field is zero, and a node is
//!   not its own sibling.
//!
//! Mutations are deterministic (the result depends only on the page bytes and the
//! arguments) and validate everything they read or move before writing, so a failed call
//! leaves the page unchanged: an insert that fits in the hole validates the header and its
//! two neighbouring cells (it is O(1) in the node size); anything that moves or frees cells
//! validates every cell first. When the hole is too small but the total free space suffices, cells are
//! repacked toward `special` in slot order (cell 0 highest). Two intermediate states are
//! allowed for the tree's benefit: an internal node whose cell 0 has a key (after
//! [`remove`] of cell 0 or [`append_cells`] into an empty node), to be fixed with
//! [`internal_clear_first_key`]; [`check`] rejects it until then.
//!
//! No function panics on arbitrary page bytes: offsets are validated before slicing and a
//! corrupt node gives [`NodeError::Layout`].

use std::cmp::Ordering;

use wal::PageId;

use crate::page::{Page, PageType, PAGE_HEADER_SIZE, PAGE_SIZE};

/// Size of the node trailer (the page's special area).
pub const TRAILER_SIZE: usize = 16;
/// Sibling link meaning "no sibling".
pub const NONE: u32 = u32::MAX;
/// Longest key a node accepts.
pub const MAX_KEY: usize = 2000;

const SPECIAL: usize = PAGE_SIZE - TRAILER_SIZE;
const OFF_RIGHT: usize = SPECIAL;
const OFF_LEFT: usize = SPECIAL + 4;
const OFF_LEVEL: usize = SPECIAL + 8;
const OFF_RESERVED: usize = SPECIAL + 12;
const SLOT_SIZE: usize = 2;
/// Bytes after the key: tid_page, tid_slot, txn, flags.
const LEAF_TAIL: usize = 15;
/// Bytes after the key: child.
const INTERNAL_TAIL: usize = 4;
const DELETED: u8 = 1;

/// One leaf entry as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeafEntry<'a> {
    pub key: &'a [u8],
    pub tid_page: u32,
    pub tid_slot: u16,
    pub txn: u64,
    pub deleted: bool,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum NodeError {
    #[error("B+tree node has no room: need {need} bytes, {free} free")]
    NoSpace { need: usize, free: usize },
    #[error("cell index {index} out of range for {count} cells")]
    BadIndex { index: usize, count: usize },
    #[error("not a leaf node")]
    NotLeaf,
    #[error("not an internal node")]
    NotInternal,
    #[error("key of {len} bytes exceeds the maximum of {MAX_KEY}")]
    KeyTooLarge { len: usize },
    #[error("key at index {index} breaks the key order")]
    OutOfOrder { index: usize },
    #[error("corrupt B+tree node: {0}")]
    Layout(&'static str),
}

type Result<T> = std::result::Result<T, NodeError>;

fn rd16(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}

fn rd32(b: &[u8], off: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[off..off + 4]);
    u32::from_le_bytes(a)
}

fn rd64(b: &[u8], off: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[off..off + 8]);
    u64::from_le_bytes(a)
}

fn wr16(b: &mut [u8], off: usize, v: usize) {
    b[off..off + 2].copy_from_slice(&(v as u16).to_le_bytes());
}

fn wr32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

/// `BadIndex` unless `i <= count` (a position between cells).
fn position(i: usize, count: usize) -> Result<()> {
    if i > count {
        return Err(NodeError::BadIndex { index: i, count });
    }
    Ok(())
}

fn slot_pos(i: usize) -> usize {
    PAGE_HEADER_SIZE + SLOT_SIZE * i
}

fn tail(leaf: bool) -> usize {
    if leaf {
        LEAF_TAIL
    } else {
        INTERNAL_TAIL
    }
}

/// Validated header bounds of a node.
#[derive(Clone, Copy)]
struct Bounds {
    leaf: bool,
    lower: usize,
    upper: usize,
    count: usize,
}

fn bounds(page: &Page) -> Result<Bounds> {
    let leaf = match page.page_type() {
        Ok(PageType::BTreeLeaf) => true,
        Ok(PageType::BTreeInternal) => false,
        _ => return Err(NodeError::Layout("not a B+tree page")),
    };
    if usize::from(page.special()) != SPECIAL {
        return Err(NodeError::Layout("special area is not the node trailer"));
    }
    let (lower, upper) = (usize::from(page.lower()), usize::from(page.upper()));
    if !(PAGE_HEADER_SIZE <= lower && lower <= upper && upper <= SPECIAL) {
        return Err(NodeError::Layout("header bounds out of order"));
    }
    let count = (lower - PAGE_HEADER_SIZE) / SLOT_SIZE;
    if slot_pos(count) != lower {
        return Err(NodeError::Layout("slot array has an odd length"));
    }
    Ok(Bounds {
        leaf,
        lower,
        upper,
        count,
    })
}

/// A located cell whose bytes `[off, off + len)` lie inside `[upper, special)`.
#[derive(Clone, Copy)]
struct Cell {
    off: usize,
    len: usize,
    key_len: usize,
}

impl Cell {
    fn key<'a>(&self, bytes: &'a [u8]) -> &'a [u8] {
        &bytes[self.off + 2..self.tail()]
    }

    /// Offset of the fields after the key.
    fn tail(&self) -> usize {
        self.off + 2 + self.key_len
    }
}

fn cell(page: &Page, b: &Bounds, i: usize) -> Result<Cell> {
    if i >= b.count {
        let count = b.count;
        return Err(NodeError::BadIndex { index: i, count });
    }
    let bytes = page.bytes();
    let off = usize::from(rd16(bytes, slot_pos(i)));
    if off < b.upper || off + 2 > SPECIAL {
        return Err(NodeError::Layout("cell offset outside the cell area"));
    }
    let key_len = usize::from(rd16(bytes, off));
    if key_len > MAX_KEY {
        return Err(NodeError::Layout("stored key longer than MAX_KEY"));
    }
    let len = 2 + key_len + tail(b.leaf);
    if off + len > SPECIAL {
        return Err(NodeError::Layout("cell runs past the cell area"));
    }
    Ok(Cell { off, len, key_len })
}

/// Every cell validated, before a mutation.
struct Scan {
    b: Bounds,
    cells: Vec<Cell>,
    /// Bytes used by cells (without slots).
    live: usize,
}

impl Scan {
    /// Free bytes anywhere in `[lower, special)`, i.e. after compaction.
    fn free(&self) -> usize {
        SPECIAL - self.b.lower - self.live
    }
}

fn scan(page: &Page) -> Result<Scan> {
    let b = bounds(page)?;
    let cells = (0..b.count)
        .map(|i| cell(page, &b, i))
        .collect::<Result<Vec<_>>>()?;
    let live = cells.iter().map(|c| c.len).sum();
    // Enough to make compaction safe; `check` finds every overlap.
    if live > SPECIAL - b.upper {
        return Err(NodeError::Layout("cells overlap"));
    }
    Ok(Scan { b, cells, live })
}

fn set_upper(page: &mut Page, s: &mut Scan, upper: usize) {
    s.b.upper = upper;
    page.set_upper(upper as u16);
}

/// Repacks cells toward `special` in slot order and zeroes the rest of `[lower, special)`.
fn compact(page: &mut Page, s: &mut Scan) {
    let old = page.clone();
    page.bytes_mut()[s.b.lower..SPECIAL].fill(0);
    let mut pos = SPECIAL;
    for (i, c) in s.cells.iter_mut().enumerate() {
        pos -= c.len;
        let bytes = page.bytes_mut();
        bytes[pos..pos + c.len].copy_from_slice(&old.bytes()[c.off..c.off + c.len]);
        wr16(bytes, slot_pos(i), pos);
        c.off = pos;
    }
    set_upper(page, s, pos);
}

/// After bytes were freed: raises `upper` to the lowest cell, zeroing what it uncovers.
fn settle_upper(page: &mut Page, s: &mut Scan) {
    let upper = s.cells.iter().map(|c| c.off).min().unwrap_or(SPECIAL);
    page.bytes_mut()[s.b.upper..upper].fill(0);
    set_upper(page, s, upper);
}

/// Writes raw cell bytes into the hole as cell `i` (`i <= count`); the caller has checked
/// that the hole holds the cell and its slot. Returns the cell's offset.
fn put_in_hole(page: &mut Page, b: &mut Bounds, i: usize, raw: &[u8]) -> usize {
    let pos = b.upper - raw.len();
    let (start, lower) = (slot_pos(i), b.lower);
    let bytes = page.bytes_mut();
    bytes[pos..pos + raw.len()].copy_from_slice(raw);
    bytes.copy_within(start..lower, start + SLOT_SIZE);
    wr16(bytes, start, pos);
    b.lower += SLOT_SIZE;
    b.count += 1;
    b.upper = pos;
    page.set_lower(b.lower as u16);
    page.set_upper(pos as u16);
    pos
}

/// Inserts raw cell bytes as cell `i` (`i <= count`), compacting if the hole is too small.
/// The caller has checked the total space.
fn place(page: &mut Page, s: &mut Scan, i: usize, raw: &[u8]) {
    if s.b.upper - s.b.lower < raw.len() + SLOT_SIZE {
        compact(page, s);
    }
    let pos = put_in_hole(page, &mut s.b, i, raw);
    s.live += raw.len();
    let key_len = raw.len() - 2 - tail(s.b.leaf);
    s.cells.insert(
        i,
        Cell {
            off: pos,
            len: raw.len(),
            key_len,
        },
    );
}

/// Checks that `key` fits strictly between cells `i - 1` and `i` (`i <= count`), decoding
/// only those two cells.
fn in_order(page: &Page, b: &Bounds, i: usize, key: &[u8]) -> Result<()> {
    let bytes = page.bytes();
    let prev_ok = i == 0 || cell(page, b, i - 1)?.key(bytes) < key;
    let next_ok = i == b.count || key < cell(page, b, i)?.key(bytes);
    if prev_ok && next_ok {
        Ok(())
    } else {
        Err(NodeError::OutOfOrder { index: i })
    }
}

/// Inserts cell `raw` with key `key` as cell `i` of a node of the wanted kind, after every
/// check. An insert that fits in the hole touches only the slot array, the hole and the two
/// neighbouring cells (which it validates); otherwise every cell is validated and the node
/// compacted first.
fn insert_raw(page: &mut Page, leaf: bool, i: usize, key: &[u8], raw: &[u8]) -> Result<()> {
    let mut b = bounds_of(page, leaf)?;
    if key.len() > MAX_KEY {
        return Err(NodeError::KeyTooLarge { len: key.len() });
    }
    position(i, b.count)?;
    in_order(page, &b, i, key)?;
    let need = raw.len() + SLOT_SIZE;
    if b.upper - b.lower < need {
        let mut s = scan(page)?;
        let free = s.free();
        if need > free {
            return Err(NodeError::NoSpace { need, free });
        }
        compact(page, &mut s);
        b = s.b;
    }
    put_in_hole(page, &mut b, i, raw);
    Ok(())
}

fn kind_error(want_leaf: bool) -> NodeError {
    if want_leaf {
        NodeError::NotLeaf
    } else {
        NodeError::NotInternal
    }
}

/// Bounds of a node of the wanted kind.
fn bounds_of(page: &Page, leaf: bool) -> Result<Bounds> {
    let b = bounds(page)?;
    if b.leaf != leaf {
        return Err(kind_error(leaf));
    }
    Ok(b)
}

fn raw_cell(key: &[u8], leaf: bool) -> Vec<u8> {
    let mut raw = Vec::with_capacity(2 + key.len() + tail(leaf));
    raw.extend_from_slice(&(key.len() as u16).to_le_bytes());
    raw.extend_from_slice(key);
    raw
}

/// Validates raw cell bytes (as from [`cells_from`]) and returns the key.
fn raw_key(raw: &[u8], leaf: bool) -> Result<&[u8]> {
    let [a, b, rest @ ..] = raw else {
        return Err(NodeError::Layout("malformed cell"));
    };
    let k = usize::from(u16::from_le_bytes([*a, *b]));
    if k > MAX_KEY {
        return Err(NodeError::KeyTooLarge { len: k });
    }
    if rest.len() != k + tail(leaf) {
        return Err(NodeError::Layout("malformed cell"));
    }
    if leaf && rest.last().is_some_and(|&f| f > DELETED) {
        return Err(NodeError::Layout("unknown leaf flag bits"));
    }
    Ok(&rest[..k])
}

/// Formats `page` as an empty node: a leaf for level 0, else internal; no siblings.
pub fn init(page: &mut Page, id: PageId, level: u16) {
    let ty = if level == 0 {
        PageType::BTreeLeaf
    } else {
        PageType::BTreeInternal
    };
    page.format(id, ty, TRAILER_SIZE as u16);
    let bytes = page.bytes_mut();
    wr32(bytes, OFF_RIGHT, NONE);
    wr32(bytes, OFF_LEFT, NONE);
    wr16(bytes, OFF_LEVEL, usize::from(level));
}

/// True if the page type is [`PageType::BTreeLeaf`].
pub fn is_leaf(page: &Page) -> bool {
    page.page_type() == Ok(PageType::BTreeLeaf)
}

/// Level from the trailer (0 = leaf).
pub fn level(page: &Page) -> u16 {
    rd16(page.bytes(), OFF_LEVEL)
}

/// Number of cells, derived from `lower` (meaningless if the node is corrupt).
pub fn count(page: &Page) -> usize {
    usize::from(page.lower()).saturating_sub(PAGE_HEADER_SIZE) / SLOT_SIZE
}

pub fn right(page: &Page) -> u32 {
    rd32(page.bytes(), OFF_RIGHT)
}

pub fn set_right(page: &mut Page, p: u32) {
    wr32(page.bytes_mut(), OFF_RIGHT, p);
}

pub fn left(page: &Page) -> u32 {
    rd32(page.bytes(), OFF_LEFT)
}

pub fn set_left(page: &mut Page, p: u32) {
    wr32(page.bytes_mut(), OFF_LEFT, p);
}

/// Key of cell `i` (leaf or internal).
pub fn key_at(page: &Page, i: usize) -> Result<&[u8]> {
    let b = bounds(page)?;
    Ok(cell(page, &b, i)?.key(page.bytes()))
}

pub fn leaf_entry(page: &Page, i: usize) -> Result<LeafEntry<'_>> {
    let b = bounds_of(page, true)?;
    let c = cell(page, &b, i)?;
    let (bytes, t) = (page.bytes(), c.tail());
    Ok(LeafEntry {
        key: c.key(bytes),
        tid_page: rd32(bytes, t),
        tid_slot: rd16(bytes, t + 4),
        txn: rd64(bytes, t + 6),
        deleted: bytes[t + 14] & DELETED != 0,
    })
}

pub fn child_at(page: &Page, i: usize) -> Result<u32> {
    let b = bounds_of(page, false)?;
    let c = cell(page, &b, i)?;
    Ok(rd32(page.bytes(), c.tail()))
}

/// Binary search for `key`: `Ok(i)` if cell `i` has it, `Err(i)` = insertion point (like
/// `slice::binary_search`). Meant for leaves; on an internal node it searches the stored
/// keys as they are.
pub fn search(page: &Page, key: &[u8]) -> Result<std::result::Result<usize, usize>> {
    let b = bounds(page)?;
    let (mut lo, mut hi) = (0, b.count);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match cell(page, &b, mid)?.key(page.bytes()).cmp(key) {
            Ordering::Less => lo = mid + 1,
            Ordering::Greater => hi = mid,
            Ordering::Equal => return Ok(Ok(mid)),
        }
    }
    Ok(Err(lo))
}

/// Internal: the child to descend into for `key`, as `(index, page number)`: the last cell
/// whose key is `<= key`, where cell 0 always qualifies (minus infinity).
pub fn child_for(page: &Page, key: &[u8]) -> Result<(usize, u32)> {
    let b = bounds_of(page, false)?;
    if b.count == 0 {
        return Err(NodeError::BadIndex { index: 0, count: 0 });
    }
    // Invariant: cells [1, lo) have keys <= key, cells [hi, count) have keys > key.
    let (mut lo, mut hi) = (1, b.count);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if cell(page, &b, mid)?.key(page.bytes()) <= key {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok((lo - 1, child_at(page, lo - 1)?))
}

/// Bytes a leaf entry with a `key_len`-byte key takes, including its slot.
pub fn leaf_cell_size(key_len: usize) -> usize {
    2 + key_len + LEAF_TAIL + SLOT_SIZE
}

/// Bytes an internal entry with a `key_len`-byte key takes, including its slot.
pub fn internal_cell_size(key_len: usize) -> usize {
    2 + key_len + INTERNAL_TAIL + SLOT_SIZE
}

/// Total free bytes after compaction, to compare with [`leaf_cell_size`] or
/// [`internal_cell_size`]; 0 if the node is corrupt.
pub fn free_space(page: &Page) -> usize {
    scan(page).map(|s| s.free()).unwrap_or(0)
}

/// Whether `need` bytes (a [`leaf_cell_size`] or [`internal_cell_size`]) fit, possibly after
/// compaction: `free_space(page) >= need`, answered from the header alone when the hole
/// holds them.
pub fn fits(page: &Page, need: usize) -> bool {
    match bounds(page) {
        Ok(b) if b.upper - b.lower >= need => true,
        Ok(_) => free_space(page) >= need,
        Err(_) => false,
    }
}

/// Inserts a leaf entry as cell `i`; its key must fall strictly between its neighbours'.
pub fn insert_leaf(page: &mut Page, i: usize, e: &LeafEntry<'_>) -> Result<()> {
    let mut raw = raw_cell(e.key, true);
    raw.extend_from_slice(&e.tid_page.to_le_bytes());
    raw.extend_from_slice(&e.tid_slot.to_le_bytes());
    raw.extend_from_slice(&e.txn.to_le_bytes());
    raw.push(u8::from(e.deleted));
    insert_raw(page, true, i, e.key, &raw)
}

/// Inserts an internal entry as cell `i`; its key must fall strictly between its
/// neighbours', and cell 0 only takes the empty key.
pub fn insert_internal(page: &mut Page, i: usize, key: &[u8], child: u32) -> Result<()> {
    if i == 0 && !key.is_empty() {
        bounds_of(page, false)?;
        return Err(NodeError::OutOfOrder { index: 0 });
    }
    let mut raw = raw_cell(key, false);
    raw.extend_from_slice(&child.to_le_bytes());
    insert_raw(page, false, i, key, &raw)
}

/// Sets the transaction and deleted flag of leaf entry `i` (in place).
pub fn set_leaf_state(page: &mut Page, i: usize, txn: u64, deleted: bool) -> Result<()> {
    let b = bounds_of(page, true)?;
    let t = cell(page, &b, i)?.tail();
    let bytes = page.bytes_mut();
    bytes[t + 6..t + 14].copy_from_slice(&txn.to_le_bytes());
    bytes[t + 14] = u8::from(deleted);
    Ok(())
}

/// Sets the child page of internal entry `i` (in place).
pub fn set_child(page: &mut Page, i: usize, child: u32) -> Result<()> {
    let b = bounds_of(page, false)?;
    let t = cell(page, &b, i)?.tail();
    wr32(page.bytes_mut(), t, child);
    Ok(())
}

/// Removes cell `i`, zeroing its bytes and closing the gap in the slot array.
pub fn remove(page: &mut Page, i: usize) -> Result<()> {
    let mut s = scan(page)?;
    let c = cell(page, &s.b, i)?;
    let lower = s.b.lower;
    let bytes = page.bytes_mut();
    bytes[c.off..c.off + c.len].fill(0);
    bytes.copy_within(slot_pos(i + 1)..lower, slot_pos(i));
    bytes[lower - SLOT_SIZE..lower].fill(0);
    s.cells.remove(i);
    s.b.lower -= SLOT_SIZE;
    s.b.count -= 1;
    s.live -= c.len;
    page.set_lower(s.b.lower as u16);
    settle_upper(page, &mut s);
    Ok(())
}

/// Raw bytes of cells `[from, count)`, for moving them to another node.
pub fn cells_from(page: &Page, from: usize) -> Result<Vec<Vec<u8>>> {
    let b = bounds(page)?;
    position(from, b.count)?;
    (from..b.count)
        .map(|i| {
            let c = cell(page, &b, i)?;
            Ok(page.bytes()[c.off..c.off + c.len].to_vec())
        })
        .collect()
}

/// Appends raw cells (as from [`cells_from`] of a node of the same kind) after the last
/// cell. Keys must keep increasing; the first cell appended to an empty internal node may
/// have any key (see [`internal_clear_first_key`]).
pub fn append_cells(page: &mut Page, cells: &[Vec<u8>]) -> Result<()> {
    let mut s = scan(page)?;
    let bytes = page.bytes();
    let mut prev = s.cells.last().map(|c| c.key(bytes));
    let mut need = 0;
    for (j, raw) in cells.iter().enumerate() {
        let key = raw_key(raw, s.b.leaf)?;
        if prev.is_some_and(|p| p >= key) {
            return Err(NodeError::OutOfOrder {
                index: s.b.count + j,
            });
        }
        prev = Some(key);
        need += raw.len() + SLOT_SIZE;
    }
    let free = s.free();
    if need > free {
        return Err(NodeError::NoSpace { need, free });
    }
    for raw in cells {
        let i = s.cells.len();
        place(page, &mut s, i, raw);
    }
    Ok(())
}

/// Removes cells `[from, count)`.
pub fn truncate(page: &mut Page, from: usize) -> Result<()> {
    let mut s = scan(page)?;
    position(from, s.b.count)?;
    let bytes = page.bytes_mut();
    for c in s.cells.drain(from..) {
        bytes[c.off..c.off + c.len].fill(0);
        s.live -= c.len;
    }
    bytes[slot_pos(from)..s.b.lower].fill(0);
    s.b.lower = slot_pos(from);
    s.b.count = from;
    page.set_lower(s.b.lower as u16);
    settle_upper(page, &mut s);
    Ok(())
}

/// Internal: replaces cell 0's key with the empty key (minus infinity) and returns the old
/// key. The shortened cell stays flush with the end of the old one; the freed prefix is
/// zeroed.
pub fn internal_clear_first_key(page: &mut Page) -> Result<Vec<u8>> {
    let mut s = scan(page)?;
    if s.b.leaf {
        return Err(NodeError::NotInternal);
    }
    let c = cell(page, &s.b, 0)?;
    let old = c.key(page.bytes()).to_vec();
    // The child stays where it is; the new key_len (0) takes the key's last two bytes.
    let off = c.tail() - 2;
    let bytes = page.bytes_mut();
    bytes[c.off..c.tail()].fill(0);
    wr16(bytes, slot_pos(0), off);
    s.cells[0] = Cell {
        off,
        len: 2 + INTERNAL_TAIL,
        key_len: 0,
    };
    s.live -= c.key_len;
    settle_upper(page, &mut s);
    Ok(old)
}

/// Index at which to split a full node: the first `i` in `1..count` minimizing the larger
/// half's bytes (cells plus slots). Returns `count` if it is below 2, and `max(1, count / 2)`
/// on a corrupt node.
pub fn split_point(page: &Page) -> usize {
    let Ok(s) = scan(page) else {
        return (count(page) / 2).max(1);
    };
    let n = s.cells.len();
    if n < 2 {
        return n;
    }
    let total = s.live + SLOT_SIZE * n;
    let (mut best, mut best_max, mut left) = (1, usize::MAX, 0);
    for (i, c) in s.cells.iter().enumerate().take(n - 1) {
        left += c.len + SLOT_SIZE;
        let larger = left.max(total - left);
        if larger < best_max {
            (best, best_max) = (i + 1, larger);
        }
    }
    best
}

/// Structural check: header bounds, trailer, every cell inside `[upper, special)` without
/// overlaps, `upper` at the lowest cell, bytes outside cells zero, leaf flags, keys
/// strictly increasing and internal cell 0 with the empty key.
pub fn check(page: &Page) -> Result<()> {
    let b = bounds(page)?;
    let bytes = page.bytes();
    if (level(page) == 0) != b.leaf {
        return Err(NodeError::Layout(
            "trailer level disagrees with the page type",
        ));
    }
    if rd32(bytes, OFF_RESERVED) != 0 {
        return Err(NodeError::Layout("trailer reserved field is not zero"));
    }
    let me = page.id().page_no;
    if me != NONE && (right(page) == me || left(page) == me) {
        return Err(NodeError::Layout("node is its own sibling"));
    }
    let cells = (0..b.count)
        .map(|i| cell(page, &b, i))
        .collect::<Result<Vec<_>>>()?;
    let mut ranges: Vec<(usize, usize)> = cells.iter().map(|c| (c.off, c.len)).collect();
    ranges.sort_unstable();
    if ranges.first().map_or(SPECIAL, |r| r.0) != b.upper {
        return Err(NodeError::Layout("upper is not at the lowest cell"));
    }
    let (mut pos, mut dirty) = (b.lower, false);
    for &(off, len) in &ranges {
        if off < pos {
            return Err(NodeError::Layout("cells overlap"));
        }
        dirty |= bytes[pos..off].iter().any(|&x| x != 0);
        pos = off + len;
    }
    if dirty || bytes[pos..SPECIAL].iter().any(|&x| x != 0) {
        return Err(NodeError::Layout("free space is not zeroed"));
    }
    for (i, c) in cells.iter().enumerate() {
        if b.leaf && bytes[c.tail() + 14] > DELETED {
            return Err(NodeError::Layout("unknown leaf flag bits"));
        }
        if i == 0 && !b.leaf && c.key_len != 0 {
            return Err(NodeError::Layout("internal cell 0 has a key"));
        }
        if i > 0 && cells[i - 1].key(bytes) >= c.key(bytes) {
            return Err(NodeError::OutOfOrder { index: i });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const ID: PageId = PageId {
        file: 3,
        page_no: 5,
    };

    fn node(level: u16) -> Page {
        let mut p = Page::new_zeroed();
        init(&mut p, ID, level);
        p
    }

    /// A live leaf entry whose other fields derive from `v`.
    fn leaf(key: &[u8], v: u32) -> LeafEntry<'_> {
        let (tid_page, tid_slot, txn) = (v, v as u16 ^ 0x5a5a, u64::from(v) << 20);
        let deleted = false;
        LeafEntry {
            key,
            tid_page,
            tid_slot,
            txn,
            deleted,
        }
    }

    fn layout<T>(msg: &'static str) -> Result<T> {
        Err(NodeError::Layout(msg))
    }

    fn bad<T>(index: usize, count: usize) -> Result<T> {
        Err(NodeError::BadIndex { index, count })
    }

    fn disorder<T>(index: usize) -> Result<T> {
        Err(NodeError::OutOfOrder { index })
    }

    #[test]
    fn layout_matches_the_tables() {
        let mut p = node(0);
        assert!(is_leaf(&p) && level(&p) == 0 && count(&p) == 0);
        assert_eq!((right(&p), left(&p), free_space(&p)), (NONE, NONE, 8144));
        set_right(&mut p, 7);
        set_left(&mut p, 8);
        let mut e = leaf(b"ab", 0x0403_0201);
        (e.tid_slot, e.txn, e.deleted) = (0x0605, 0x0e0d_0c0b_0a09_0807, true);
        insert_leaf(&mut p, 0, &e).unwrap();
        let off = SPECIAL - 19;
        assert_eq!((p.lower(), usize::from(p.upper())), (34, off));
        assert_eq!(&p.bytes()[32..34], &(off as u16).to_le_bytes());
        let cell: Vec<u8> = [2, 0, b'a', b'b'].into_iter().chain(1..=14).collect();
        assert_eq!(&p.bytes()[off..SPECIAL], &[&cell[..], &[1]].concat());
        let trailer = [7, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(&p.bytes()[SPECIAL..], &trailer);
        assert_eq!(leaf_entry(&p, 0), Ok(e));
        set_leaf_state(&mut p, 0, 99, false).unwrap();
        let got = leaf_entry(&p, 0).unwrap();
        assert_eq!((got.txn, got.deleted, got.tid_slot), (99, false, 0x0605));
        check(&p).unwrap();
        assert_eq!(child_at(&p, 0), Err(NodeError::NotInternal));
        assert_eq!(key_at(&p, 1), bad(1, 1));
        let long = vec![1u8; MAX_KEY + 1];
        let r = insert_leaf(&mut p, 1, &leaf(&long, 1));
        assert_eq!(r, Err(NodeError::KeyTooLarge { len: MAX_KEY + 1 }));
        assert_eq!(insert_leaf(&mut p, 1, &leaf(b"ab", 1)), disorder(1));
        assert_eq!(insert_leaf(&mut p, 0, &leaf(b"b", 1)), disorder(0));

        let mut q = node(2);
        assert!(!is_leaf(&q) && level(&q) == 2);
        assert_eq!(insert_internal(&mut q, 0, b"k", 1), disorder(0));
        insert_internal(&mut q, 0, b"", 11).unwrap();
        insert_internal(&mut q, 1, b"k", 12).unwrap();
        let cells = [1, 0, b'k', 12, 0, 0, 0, 0, 0, 11, 0, 0, 0];
        assert_eq!(&q.bytes()[SPECIAL - 13..SPECIAL], &cells);
        assert_eq!((internal_cell_size(1), leaf_cell_size(0)), (9, 19));
        assert_eq!(leaf_entry(&q, 0), Err(NodeError::NotLeaf));
        assert_eq!(set_leaf_state(&mut q, 0, 1, true), Err(NodeError::NotLeaf));
        check(&q).unwrap();
    }

    /// Model entry: key, tid_page or child, txn, deleted.
    type M = (Vec<u8>, u32, u64, bool);

    #[derive(Debug)]
    enum Op {
        Insert(usize, Vec<u8>, u32),
        Remove(usize),
        State(usize, u64, bool),
        Child(usize, u32),
        /// cells_from + truncate + append_cells of the same cells.
        Move(usize),
        /// remove(0) + internal_clear_first_key.
        PopFirst,
    }

    fn apply(p: &mut Page, op: &Op) -> Result<()> {
        match op {
            Op::Insert(i, k, v) if is_leaf(p) => insert_leaf(p, *i, &leaf(k, *v)),
            Op::Insert(i, k, v) => insert_internal(p, *i, k, *v),
            Op::Remove(i) => remove(p, *i),
            Op::State(i, txn, d) => set_leaf_state(p, *i, *txn, *d),
            Op::Child(i, c) => set_child(p, *i, *c),
            Op::Move(from) => {
                let cells = cells_from(p, *from)?;
                truncate(p, *from)?;
                check(p)?;
                append_cells(p, &cells)
            }
            Op::PopFirst => {
                remove(p, 0)?;
                if count(p) > 0 {
                    internal_clear_first_key(p)?;
                }
                Ok(())
            }
        }
    }

    fn observe(p: &Page, i: usize) -> M {
        if let Ok(e) = leaf_entry(p, i) {
            assert_eq!(leaf(e.key, e.tid_page).tid_slot, e.tid_slot);
            return (e.key.to_vec(), e.tid_page, e.txn, e.deleted);
        }
        (
            key_at(p, i).unwrap().to_vec(),
            child_at(p, i).unwrap(),
            0,
            false,
        )
    }

    fn gen_key(rng: &mut StdRng) -> Vec<u8> {
        let (len, alphabet) = match rng.gen_range(0..100) {
            0..=69 => (rng.gen_range(0..6), 4),
            70..=94 => (rng.gen_range(6..200), 256),
            95..=98 => (rng.gen_range(200..=MAX_KEY), 256),
            _ => (MAX_KEY + 1, 256),
        };
        (0..len).map(|_| rng.gen_range(0..alphabet) as u8).collect()
    }

    /// Random ops on a node and a twin, both compared with a model after every op.
    fn run_model(seed: u64, is_leaf: bool, steps: usize) {
        let mut rng = StdRng::seed_from_u64(seed);
        let lvl = u16::from(!is_leaf);
        let (mut p, mut twin) = (node(lvl), node(lvl));
        let size = |k: usize| [internal_cell_size(k), leaf_cell_size(k)][usize::from(is_leaf)];
        let model_free = |m: &[M]| SPECIAL - 32 - m.iter().map(|e| size(e.0.len())).sum::<usize>();
        let mut m: Vec<M> = Vec::new();
        let (mut compactions, mut no_space) = (0, 0);
        for step in 0..steps {
            let (n, free, mut next) = (m.len(), model_free(&m), m.clone());
            // Internal cell 0 is only removed by PopFirst.
            let pick = rng.gen_range(usize::from(!is_leaf && n > 1)..n.max(1));
            let kind = rng.gen_range(0..10);
            let (op, expect) = if n == 0 || kind < 5 {
                let key = if is_leaf || n > 0 {
                    gen_key(&mut rng)
                } else {
                    vec![]
                };
                let (v, need, len) = (rng.gen(), size(key.len()), key.len());
                let (i, exp) = match m.binary_search_by(|e| e.0.as_slice().cmp(&key)) {
                    _ if len > MAX_KEY => (n, Err(NodeError::KeyTooLarge { len })),
                    Ok(i) => (i, disorder(i)),
                    Err(i) if i < n && rng.gen_bool(0.05) => (i + 1, disorder(i + 1)),
                    Err(i) if need > free => {
                        no_space += 1;
                        (i, Err(NodeError::NoSpace { need, free }))
                    }
                    Err(i) => {
                        compactions += usize::from(need > usize::from(p.upper() - p.lower()));
                        let txn = if is_leaf { u64::from(v) << 20 } else { 0 };
                        next.insert(i, (key.clone(), v, txn, false));
                        (i, Ok(()))
                    }
                };
                (Op::Insert(i, key, v), exp)
            } else if kind < 7 {
                next.remove(pick);
                (Op::Remove(pick), Ok(()))
            } else if kind < 8 && rng.gen_bool(0.1) {
                let i = n + rng.gen_range(0..3);
                let op = if is_leaf {
                    Op::State(i, 1, true)
                } else {
                    Op::Child(i, 1)
                };
                (op, bad(i, n))
            } else if kind < 8 && is_leaf {
                let (txn, del) = (rng.gen(), rng.gen());
                (next[pick].2, next[pick].3) = (txn, del);
                (Op::State(pick, txn, del), Ok(()))
            } else if kind < 8 {
                next[pick].1 = rng.gen();
                (Op::Child(pick, next[pick].1), Ok(()))
            } else if kind < 9 || is_leaf {
                (Op::Move(rng.gen_range(0..=n)), Ok(()))
            } else {
                next.remove(0);
                if let Some(first) = next.first_mut() {
                    first.0.clear();
                }
                (Op::PopFirst, Ok(()))
            };
            let before = p.clone();
            let res = apply(&mut p, &op);
            assert_eq!(res, expect, "step {step}: {op:?}");
            assert_eq!(apply(&mut twin, &op), res);
            assert_eq!(p, twin, "nondeterministic at step {step}");
            if res.is_ok() {
                m = next;
            } else {
                assert_eq!(p, before, "failed op changed the page at step {step}");
            }
            check(&p).unwrap_or_else(|e| panic!("step {step}: {op:?}: {e}"));
            let hole = &p.bytes()[usize::from(p.lower())..usize::from(p.upper())];
            assert!(hole.iter().all(|&x| x == 0), "step {step}");
            assert_eq!(
                (0..count(&p)).map(|i| observe(&p, i)).collect::<Vec<_>>(),
                m
            );
            assert_eq!(free_space(&p), model_free(&m));
            for _ in 0..3 {
                let mut probe = gen_key(&mut rng);
                if !m.is_empty() && rng.gen_bool(0.5) {
                    let near = &m[rng.gen_range(0..m.len())].0;
                    probe = [&near[..], &probe[..probe.len().min(rng.gen_range(0..2))]].concat();
                }
                let at = m.iter().position(|e| e.0 == probe);
                let want = at.ok_or(m.iter().filter(|e| e.0 < probe).count());
                assert_eq!(search(&p, &probe), Ok(want));
                if !is_leaf {
                    let i = m.iter().rposition(|e| e.0 <= probe).unwrap_or(0);
                    let want = m
                        .get(i)
                        .map(|e| (i, e.1))
                        .ok_or(NodeError::BadIndex { index: 0, count: 0 });
                    assert_eq!(child_for(&p, &probe), want);
                }
            }
        }
        assert!(compactions > 0 && no_space > 0, "{compactions} {no_space}");
    }

    #[test]
    fn randomized_model() {
        for seed in 0..4 {
            run_model(seed, true, 4000);
            run_model(seed + 10, false, 4000);
        }
    }

    /// A leaf filled with `len`-byte keys until the next one does not fit.
    fn full_leaf(len: usize) -> Page {
        let mut p = node(0);
        for i in 0u32.. {
            let key = [&i.to_be_bytes()[..], &vec![b'x'; len - 4]].concat();
            if insert_leaf(&mut p, i as usize, &leaf(&key, i)).is_err() {
                break;
            }
        }
        p
    }

    #[test]
    fn no_space_leaves_page_unchanged() {
        let mut p = full_leaf(100);
        let (n, free, before) = (count(&p), free_space(&p), p.clone());
        assert!(free < leaf_cell_size(100));
        let key = vec![0xff; free - leaf_cell_size(0) + 1];
        let r = insert_leaf(&mut p, n, &leaf(&key, 1));
        assert_eq!(
            r,
            Err(NodeError::NoSpace {
                need: free + 1,
                free
            })
        );
        let cells = cells_from(&p, 0).unwrap();
        assert_eq!(append_cells(&mut p, &cells[n - 1..]), disorder(n));
        assert_eq!(
            append_cells(&mut p, &[vec![0; 2]]),
            layout("malformed cell")
        );
        let mut q = node(0);
        append_cells(&mut q, &cells).unwrap();
        let r = append_cells(&mut q, &[[&[100, 0, 0xff][..], &cells[0][3..]].concat()]);
        assert!(matches!(r, Err(NodeError::NoSpace { .. })));
        assert_eq!((p == before, q == p), (true, true));
        insert_leaf(&mut p, n, &leaf(&key[1..], 1)).unwrap();
        assert_eq!(free_space(&p), 0);
        check(&p).unwrap();
    }

    #[test]
    fn compaction_makes_fragmented_space_usable() {
        let mut p = full_leaf(100);
        let n = count(&p);
        for i in (0..n).rev().filter(|i| i % 2 == 1) {
            remove(&mut p, i).unwrap();
        }
        let big = vec![0xff; MAX_KEY];
        assert!(usize::from(p.upper() - p.lower()) < leaf_cell_size(MAX_KEY));
        assert!(free_space(&p) >= leaf_cell_size(MAX_KEY));
        let rest = count(&p);
        insert_leaf(&mut p, rest, &leaf(&big, 77)).unwrap();
        check(&p).unwrap();
        for (j, i) in (0..n as u32).step_by(2).enumerate() {
            let e = leaf_entry(&p, j).unwrap();
            assert_eq!((&e.key[..4], e.tid_page), (&i.to_be_bytes()[..], i));
        }
        assert_eq!(leaf_entry(&p, rest).unwrap().key, &big[..]);
        // Repacked in slot order: cell 0 sits right below the trailer.
        assert_eq!(&p.bytes()[32..34], &((SPECIAL - 117) as u16).to_le_bytes());
    }

    #[test]
    fn internal_node_routes_and_splits() {
        let mut p = node(1);
        for (i, k) in [&b""[..], b"d", b"m", b"t"].into_iter().enumerate() {
            insert_internal(&mut p, i, k, 10 + i as u32).unwrap();
        }
        let keys: [&[u8]; 9] = [b"", b"a", b"czz", b"d", b"d\0", b"m", b"s", b"t", b"zz"];
        for (k, i) in keys.into_iter().zip([0, 0, 0, 1, 1, 2, 2, 3, 3]) {
            assert_eq!(child_for(&p, k), Ok((i, 10 + i as u32)), "{k:?}");
        }
        assert_eq!(search(&p, b"m"), Ok(Ok(2)));
        assert_eq!(child_for(&node(0), b"a"), Err(NodeError::NotInternal));
        assert_eq!(child_for(&node(1), b"a"), bad(0, 0));
        // Split as the tree does: move [2..] right, then make its cell 0 minus infinity.
        let mut r = node(1);
        append_cells(&mut r, &cells_from(&p, 2).unwrap()).unwrap();
        truncate(&mut p, 2).unwrap();
        assert_eq!(check(&r), layout("internal cell 0 has a key"));
        assert_eq!(internal_clear_first_key(&mut r), Ok(b"m".to_vec()));
        check(&r).unwrap();
        check(&p).unwrap();
        assert_eq!(child_for(&r, b"a"), Ok((0, 12)));
        assert_eq!(child_for(&r, b"u"), Ok((1, 13)));
        assert_eq!(child_for(&p, b"zz"), Ok((1, 11)));
        assert_eq!(internal_clear_first_key(&mut r), Ok(vec![]));
    }

    #[test]
    fn split_point_balances_bytes() {
        let mut rng = StdRng::seed_from_u64(21);
        for round in 0..40 {
            let is_leaf = round % 2 == 0;
            let mut p = node(u16::from(!is_leaf));
            if !is_leaf {
                insert_internal(&mut p, 0, b"", 1).unwrap();
            }
            loop {
                let key: Vec<u8> = (0..rng.gen_range(1..300)).map(|_| rng.gen()).collect();
                let i = search(&p, &key).unwrap().unwrap_or_else(|i| i);
                let r = if is_leaf {
                    insert_leaf(&mut p, i, &leaf(&key, 1))
                } else {
                    insert_internal(&mut p, i, &key, 2)
                };
                if r.is_err() {
                    break;
                }
            }
            let (n, sp) = (count(&p), split_point(&p));
            assert!((1..n).contains(&sp), "{sp} of {n}");
            let bytes = |cells: &[Vec<u8>]| cells.iter().map(|c| c.len() + 2).sum::<usize>();
            let (all, hi) = (cells_from(&p, 0).unwrap(), cells_from(&p, sp).unwrap());
            let (total, right) = (bytes(&all), bytes(&hi));
            assert!(right * 10 <= total * 6 && (total - right) * 10 <= total * 6);
            let mut r = node(level(&p));
            append_cells(&mut r, &hi).unwrap();
            truncate(&mut p, sp).unwrap();
            if !is_leaf {
                internal_clear_first_key(&mut r).unwrap();
            }
            check(&p).unwrap();
            check(&r).unwrap();
        }
        assert_eq!(split_point(&node(0)), 0);
    }

    #[test]
    fn check_detects_damage() {
        let mut p = node(0);
        for (i, k) in [&b"a"[..], b"b", b"c"].into_iter().enumerate() {
            insert_leaf(&mut p, i, &leaf(k, 1)).unwrap();
        }
        check(&p).unwrap();
        // Cells of 18 bytes: a, b, c downward from SPECIAL.
        let (a, b) = (
            (SPECIAL as u16 - 18).to_le_bytes(),
            (SPECIAL as u16 - 36).to_le_bytes(),
        );
        let mut q = p.clone();
        q.bytes_mut()[32..36].copy_from_slice(&[b, a].concat());
        assert_eq!(check(&q), disorder(1));
        let level = "trailer level disagrees with the page type";
        let cases: [(usize, &[u8], &str); 12] = [
            (34, &a, "cells overlap"),
            (SPECIAL - 54, &[2], "cells overlap"),
            (40, &[1], "free space is not zeroed"),
            (SPECIAL - 1, &[2], "unknown leaf flag bits"),
            (OFF_RESERVED, &[1], "trailer reserved field is not zero"),
            (OFF_LEVEL, &[1], level),
            (20, &[PageType::BTreeInternal as u8], level),
            (20, &[PageType::Heap as u8], "not a B+tree page"),
            (OFF_LEFT, &[5, 0, 0, 0], "node is its own sibling"),
            (24, &b, "cell offset outside the cell area"),
            (26, &[0], "special area is not the node trailer"),
            (22, &[33], "slot array has an odd length"),
        ];
        for (pos, bytes, want) in cases {
            let mut q = p.clone();
            q.bytes_mut()[pos..pos + bytes.len()].copy_from_slice(bytes);
            assert_eq!(check(&q), layout(want), "poke at {pos}");
        }
        // Mutations that move or free cells refuse a node whose cells cannot all fit.
        q.bytes_mut()[32..36].copy_from_slice(&[a, b].concat());
        q.bytes_mut()[SPECIAL - 54] = 2;
        let before = q.clone();
        assert_eq!(remove(&mut q, 0), layout("cells overlap"));
        assert_eq!(truncate(&mut q, 1), layout("cells overlap"));
        assert_eq!(
            q.bytes(),
            before.bytes(),
            "a refused mutation changes nothing"
        );
        // The zeroed gap left by a removed middle cell must stay zero.
        remove(&mut p, 1).unwrap();
        check(&p).unwrap();
        p.bytes_mut()[SPECIAL - 33] = 9;
        assert_eq!(check(&p), layout("free space is not zeroed"));
        p.bytes_mut()[SPECIAL - 33] = 0;
        p.set_upper(p.upper() - 1);
        assert_eq!(check(&p), layout("upper is not at the lowest cell"));
        let mut q = node(1);
        append_cells(&mut q, &[vec![1, 0, b'x', 0, 0, 0, 0]]).unwrap();
        assert_eq!(check(&q), layout("internal cell 0 has a key"));
    }

    fn poke_everything(p: &Page) {
        let _ = (check(p), free_space(p), split_point(p), is_leaf(p));
        let _ = (
            level(p),
            right(p),
            left(p),
            cells_from(p, 0),
            cells_from(p, 1),
        );
        let n = count(p);
        for k in [&b""[..], b"a", b"zzzz", &[0xff; 40]] {
            let _ = (search(p, k), child_for(p, k));
        }
        for i in (0..n.saturating_add(2).min(600)).chain([n / 2, n + 1]) {
            let _ = (key_at(p, i), leaf_entry(p, i), child_at(p, i));
        }
        for i in [0, 1, n / 2, n.saturating_sub(1), n] {
            let _ = insert_leaf(&mut p.clone(), i, &leaf(b"m", 1));
            let _ = insert_internal(&mut p.clone(), i, b"m", 1);
            let _ = set_leaf_state(&mut p.clone(), i, 1, true);
            let _ = set_child(&mut p.clone(), i, 1);
            let _ = remove(&mut p.clone(), i);
            let _ = truncate(&mut p.clone(), i);
        }
        let _ = internal_clear_first_key(&mut p.clone());
        let raw = [vec![1, 0, b'~', 1, 2, 3, 4], vec![0; 17], vec![3, 0]];
        let _ = append_cells(&mut p.clone(), &raw);
    }

    #[test]
    fn random_page_bytes_never_panic() {
        let mut rng = StdRng::seed_from_u64(8);
        for i in 0..400 {
            let mut p = Page::new_zeroed();
            rng.fill(p.bytes_mut());
            if i % 2 == 0 {
                // Plausible header so cell parsing is reached.
                p.bytes_mut()[20] = 2 + u8::from(i % 4 == 0);
                let lower = PAGE_HEADER_SIZE + 2 * rng.gen_range(0..400);
                p.set_lower(lower as u16);
                p.set_upper(rng.gen_range(lower..=SPECIAL) as u16);
                p.set_special(SPECIAL as u16);
            }
            poke_everything(&p);
        }
        // Valid nodes with a few corrupted bytes.
        for lvl in [0, 1] {
            let mut good = node(lvl);
            for i in 0..150u32 {
                let key = format!("k{i:05}").into_bytes();
                let key = &key[..key.len() * usize::from(lvl == 0 || i > 0)];
                let _ = insert_leaf(&mut good, i as usize, &leaf(key, i));
                let _ = insert_internal(&mut good, i as usize, key, i);
            }
            check(&good).unwrap();
            assert_eq!(count(&good), 150);
            for _ in 0..200 {
                let mut p = good.clone();
                for _ in 0..rng.gen_range(1..4) {
                    let at = match rng.gen_range(0..3) {
                        0 => rng.gen_range(20..usize::from(good.lower())),
                        1 => rng.gen_range(usize::from(good.upper())..PAGE_SIZE),
                        _ => rng.gen_range(0..PAGE_SIZE),
                    };
                    p.bytes_mut()[at] = rng.gen();
                }
                poke_everything(&p);
            }
        }
    }
}
