//! Slotted heap page for variable-length tuples: pure functions over [`Page`].
//!
//! Layout of a heap page (page type [`PageType::Heap`], no special area):
//!
//! ```text
//! [header 32][slot 0][slot 1]...[slot n-1] lower ... hole ... upper [tuples ...] special
//! ```
//!
//! - The slot array starts right after the header: 4-byte entries `(offset u16, len u16)`,
//!   `lower = PAGE_HEADER_SIZE + 4 * slot_count`. Slot states: Unused `(0, 0)` (reusable by
//!   an insert), Dead `(0, 1)` (pruned, bytes gone, not reusable until [`reclaim`]), Normal
//!   (`offset >= upper`, `offset + len <= special`, `len >= TUPLE_HEADER_SIZE`).
//! - Tuples grow downward from `special`. A tuple is a 24-byte header
//!   (xmin u64, xmax u64, infomask u16, next slot u16, next page u32) followed by its data.
//!   The infomask and the next-version link describe the change that set xmax
//!   ([`TupleLink`]): whether it kept the key columns, and where an update put the new
//!   version.
//!
//! Invariants kept by every mutation:
//! - Determinism: the result depends only on the page bytes and the arguments, so WAL redo
//!   replaying the same call produces a byte-identical page.
//! - Every byte in `[lower, special)` not covered by a tuple is zero (in particular the hole
//!   `[lower, upper)`), and `upper` is the lowest tuple offset (`special` if none).
//! - A failed mutation leaves the page unchanged: all checks run before any byte is written.
//! - When contiguous free space is short but total free space suffices, live tuples are
//!   repacked toward `special` in slot order (slot 0 highest).
//! - [`remove`] and [`reclaim`] trim trailing Unused slots from the slot array. Dead slots
//!   (written by [`prune`]) are reused only once [`reclaim`] has made them Unused.
//!
//! No function panics on arbitrary page bytes: offsets are validated before slicing and a
//! corrupt page gives [`HeapPageError::Layout`].

use wal::{PageId, TxnId};

use crate::page::{Page, PageType, PAGE_HEADER_SIZE, PAGE_SIZE};

/// Size of the per-tuple header (xmin, xmax, infomask, next-version link).
pub const TUPLE_HEADER_SIZE: usize = 24;
/// Size of one slot array entry.
pub const SLOT_SIZE: usize = 4;
/// Largest tuple data that fits on an empty heap page with one slot.
pub const MAX_TUPLE_DATA: usize = PAGE_SIZE - PAGE_HEADER_SIZE - SLOT_SIZE - TUPLE_HEADER_SIZE;

/// The fixed header in front of every tuple's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TupleHeader {
    pub xmin: TxnId,
    pub xmax: TxnId,
    /// What the change that set xmax was, and where it put the new version.
    pub link: TupleLink,
}

/// Infomask bit: the link names the version an update replaced this one with.
pub const INFOMASK_HAS_NEXT: u16 = 0x0001;
/// Infomask bit: the update that set xmax left the key columns unchanged (it held the row in
/// FOR NO KEY UPDATE strength, not FOR UPDATE).
pub const INFOMASK_KEEPS_KEY: u16 = 0x0002;
const INFOMASK_KNOWN: u16 = INFOMASK_HAS_NEXT | INFOMASK_KEEPS_KEY;

/// The infomask and next-version link of a tuple header. All zero while xmax is 0 and for a
/// plain delete (or until the updater has recorded its new version): such an xmax counts as
/// a change of the key. Set by `HeapSetLink`, by the transaction that set xmax.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TupleLink {
    pub infomask: u16,
    pub page: u32,
    pub slot: u16,
}

impl TupleLink {
    /// The link of an update that put the new version at (`page`, `slot`).
    pub fn updated(page: u32, slot: u16, keeps_key: bool) -> TupleLink {
        let keep = if keeps_key { INFOMASK_KEEPS_KEY } else { 0 };
        TupleLink {
            infomask: INFOMASK_HAS_NEXT | keep,
            page,
            slot,
        }
    }

    /// Where the update that set xmax put the new version, if it recorded one.
    pub fn next(&self) -> Option<(u32, u16)> {
        (self.infomask & INFOMASK_HAS_NEXT != 0).then_some((self.page, self.slot))
    }

    /// Whether the change that set xmax left the key columns unchanged.
    pub fn keeps_key(&self) -> bool {
        self.infomask & INFOMASK_KEEPS_KEY != 0
    }
}

/// What a slot array entry says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotState {
    Unused,
    Dead,
    Normal { offset: u16, len: u16 },
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum HeapPageError {
    #[error("heap page has no room: need {need} bytes, {free} free")]
    NoSpace { need: usize, free: usize },
    #[error("bad slot {slot}: {state}")]
    BadSlot { slot: u16, state: &'static str },
    #[error("tuple data of {len} bytes exceeds the maximum of {MAX_TUPLE_DATA}")]
    TooLarge { len: usize },
    #[error("corrupt heap page: {0}")]
    Layout(&'static str),
}

type Result<T> = std::result::Result<T, HeapPageError>;

fn bad_slot(slot: u16, state: &'static str) -> HeapPageError {
    HeapPageError::BadSlot { slot, state }
}

/// Validated header bounds of a heap page.
#[derive(Clone, Copy)]
struct Bounds {
    lower: usize,
    upper: usize,
    special: usize,
    slots: u16,
}

fn bounds(page: &Page) -> Result<Bounds> {
    if page.page_type() != Ok(PageType::Heap) {
        return Err(HeapPageError::Layout("not a heap page"));
    }
    let lower = usize::from(page.lower());
    let upper = usize::from(page.upper());
    let special = usize::from(page.special());
    if !(PAGE_HEADER_SIZE <= lower && lower <= upper && upper <= special && special <= PAGE_SIZE) {
        return Err(HeapPageError::Layout("header bounds out of order"));
    }
    let slots = ((lower - PAGE_HEADER_SIZE) / SLOT_SIZE) as u16;
    if slot_pos(slots) != lower {
        return Err(HeapPageError::Layout(
            "slot array length is not a whole number of slots",
        ));
    }
    Ok(Bounds {
        lower,
        upper,
        special,
        slots,
    })
}

fn slot_pos(slot: u16) -> usize {
    PAGE_HEADER_SIZE + SLOT_SIZE * usize::from(slot)
}

fn rd16(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}

fn rd32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

fn rd64(b: &[u8], off: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[off..off + 8]);
    u64::from_le_bytes(a)
}

/// Writes a slot entry; `slot` must lie inside the page (callers ensure `slot_pos + 4 <= lower`).
fn write_slot(page: &mut Page, slot: u16, offset: u16, len: u16) {
    let p = slot_pos(slot);
    let b = page.bytes_mut();
    b[p..p + 2].copy_from_slice(&offset.to_le_bytes());
    b[p + 2..p + 4].copy_from_slice(&len.to_le_bytes());
}

fn state_in(page: &Page, b: &Bounds, slot: u16) -> Result<SlotState> {
    if slot >= b.slots {
        return Err(bad_slot(slot, "out of range"));
    }
    let p = slot_pos(slot);
    let (offset, len) = (rd16(page.bytes(), p), rd16(page.bytes(), p + 2));
    let (o, l) = (usize::from(offset), usize::from(len));
    match (offset, len) {
        (0, 0) => Ok(SlotState::Unused),
        (0, 1) => Ok(SlotState::Dead),
        _ if l < TUPLE_HEADER_SIZE || o < PAGE_HEADER_SIZE => {
            Err(HeapPageError::Layout("invalid slot entry"))
        }
        _ if o < b.upper || o + l > b.special => {
            Err(HeapPageError::Layout("tuple outside the tuple area"))
        }
        _ => Ok(SlotState::Normal { offset, len }),
    }
}

/// Result of validating every slot before a mutation.
struct Scan {
    b: Bounds,
    /// Bytes used by Normal tuples.
    live: usize,
    first_unused: Option<u16>,
}

impl Scan {
    /// Free bytes anywhere in `[lower, special)`, i.e. after compaction.
    fn total_free(&self) -> usize {
        self.b.special - self.b.lower - self.live
    }
}

fn scan(page: &Page) -> Result<Scan> {
    let b = bounds(page)?;
    let mut live = 0;
    let mut first_unused = None;
    for s in 0..b.slots {
        match state_in(page, &b, s)? {
            SlotState::Normal { len, .. } => live += usize::from(len),
            SlotState::Unused => {
                first_unused.get_or_insert(s);
            }
            SlotState::Dead => {}
        }
    }
    if live > b.special - b.upper {
        return Err(HeapPageError::Layout("tuples overlap"));
    }
    Ok(Scan {
        b,
        live,
        first_unused,
    })
}

fn normal(page: &Page, b: &Bounds, slot: u16) -> Result<(usize, usize)> {
    match state_in(page, b, slot)? {
        SlotState::Normal { offset, len } => Ok((usize::from(offset), usize::from(len))),
        SlotState::Unused => Err(bad_slot(slot, "unused")),
        SlotState::Dead => Err(bad_slot(slot, "dead")),
    }
}

/// Normal tuples `(slot, offset, len)` in slot order; the page must have passed [`scan`].
fn live_tuples(page: &Page, b: &Bounds) -> Vec<(u16, usize, usize)> {
    (0..b.slots)
        .filter_map(|s| match state_in(page, b, s) {
            Ok(SlotState::Normal { offset, len }) => {
                Some((s, usize::from(offset), usize::from(len)))
            }
            _ => None,
        })
        .collect()
}

/// Repacks live tuples toward `special` in slot order, zeroing everything else in
/// `[lower, special)`. The page must have passed [`scan`] (so they fit above `lower`).
fn compact(page: &mut Page, b: &mut Bounds) {
    let tuples = live_tuples(page, b);
    let old = page.clone();
    page.bytes_mut()[b.lower..b.special].fill(0);
    let mut pos = b.special;
    for (slot, off, len) in tuples {
        pos -= len;
        page.bytes_mut()[pos..pos + len].copy_from_slice(&old.bytes()[off..off + len]);
        write_slot(page, slot, pos as u16, len as u16);
    }
    b.upper = pos;
    page.set_upper(pos as u16);
}

/// After bytes were freed: raises `upper` to the lowest tuple offset, zeroing what it uncovers.
fn settle_upper(page: &mut Page, b: &mut Bounds) {
    let new_upper = live_tuples(page, b)
        .iter()
        .map(|&(_, off, _)| off)
        .min()
        .unwrap_or(b.special);
    page.bytes_mut()[b.upper..new_upper].fill(0);
    b.upper = new_upper;
    page.set_upper(new_upper as u16);
}

/// Frees a Normal tuple's bytes and sets its slot entry to `(0, mark)`.
fn free_tuple(page: &mut Page, slot: u16, off: usize, len: usize, mark: u16) {
    page.bytes_mut()[off..off + len].fill(0);
    write_slot(page, slot, 0, mark);
}

/// Places a tuple of `header ++ data` at the bottom of the tuple area and points `slot`
/// at it, compacting first if the hole is too small. `extra` is the hole space the caller
/// still needs below the tuple (a new slot entry). The total space must have been checked.
fn place(page: &mut Page, b: &mut Bounds, slot: u16, header: &[u8], data: &[u8], extra: usize) {
    let len = header.len() + data.len();
    if b.upper - b.lower < len + extra {
        compact(page, b);
    }
    let pos = b.upper - len;
    let bytes = page.bytes_mut();
    bytes[pos..pos + header.len()].copy_from_slice(header);
    bytes[pos + header.len()..pos + len].copy_from_slice(data);
    b.upper = pos;
    page.set_upper(pos as u16);
    write_slot(page, slot, pos as u16, len as u16);
}

/// Formats `page` as an empty heap page.
pub fn init(page: &mut Page, id: PageId) {
    page.format(id, PageType::Heap, 0);
}

/// Number of slot array entries (of any state), derived from `lower`.
pub fn slot_count(page: &Page) -> u16 {
    let slots = usize::from(page.lower()).saturating_sub(PAGE_HEADER_SIZE) / SLOT_SIZE;
    slots.min(usize::from(u16::MAX)) as u16
}

pub fn slot_state(page: &Page, slot: u16) -> Result<SlotState> {
    state_in(page, &bounds(page)?, slot)
}

/// Bytes available for one more tuple's data if inserted now (accounts for the tuple
/// header, a new slot entry when no Unused slot exists, and compaction); 0 if none or if
/// the page is corrupt.
pub fn free_for_insert(page: &Page) -> usize {
    let Ok(sc) = scan(page) else { return 0 };
    let slot_cost = SLOT_SIZE * usize::from(sc.first_unused.is_none());
    let free = sc
        .total_free()
        .saturating_sub(slot_cost + TUPLE_HEADER_SIZE);
    free.min(MAX_TUPLE_DATA)
}

/// The slot an insert would use now: the lowest Unused slot, else `slot_count` (a new slot).
pub fn next_insert_slot(page: &Page) -> u16 {
    match scan(page) {
        Ok(sc) => sc.first_unused.unwrap_or(sc.b.slots),
        Err(_) => slot_count(page),
    }
}

/// [`next_insert_slot`] and [`free_for_insert`] from one pass over the slots; `None` if the
/// page is corrupt.
pub fn insert_room(page: &Page) -> Option<(u16, usize)> {
    let sc = scan(page).ok()?;
    let slot_cost = SLOT_SIZE * usize::from(sc.first_unused.is_none());
    let free = sc
        .total_free()
        .saturating_sub(slot_cost + TUPLE_HEADER_SIZE)
        .min(MAX_TUPLE_DATA);
    Some((sc.first_unused.unwrap_or(sc.b.slots), free))
}

/// Inserts a tuple (xmax 0, infomask 0) at exactly `slot`, which must be Unused or equal
/// to `slot_count` (appending a slot). Used by both do and redo.
pub fn insert_at(page: &mut Page, slot: u16, xmin: TxnId, data: &[u8]) -> Result<()> {
    if data.len() > MAX_TUPLE_DATA {
        return Err(HeapPageError::TooLarge { len: data.len() });
    }
    let mut b = bounds(page)?;
    let new_slot = slot == b.slots;
    if !new_slot {
        match state_in(page, &b, slot)? {
            SlotState::Unused => {}
            SlotState::Dead => return Err(bad_slot(slot, "dead")),
            SlotState::Normal { .. } => return Err(bad_slot(slot, "in use")),
        }
    }
    let extra = if new_slot { SLOT_SIZE } else { 0 };
    let need = TUPLE_HEADER_SIZE + data.len() + extra;
    // A tuple that fits in the hole touches nothing else; otherwise `place` compacts, which
    // needs every slot validated first.
    if b.upper - b.lower < need {
        let sc = scan(page)?;
        let free = sc.total_free();
        if need > free {
            return Err(HeapPageError::NoSpace { need, free });
        }
        b = sc.b;
    }
    let mut header = [0u8; TUPLE_HEADER_SIZE];
    header[0..8].copy_from_slice(&xmin.0.to_le_bytes());
    place(page, &mut b, slot, &header, data, extra);
    if new_slot {
        // The entry itself was written into the hole just below `lower` by `place`.
        b.lower += SLOT_SIZE;
        page.set_lower(b.lower as u16);
    }
    Ok(())
}

/// The tuple in `slot`; `None` for Unused and Dead slots.
pub fn get(page: &Page, slot: u16) -> Result<Option<(TupleHeader, &[u8])>> {
    let b = bounds(page)?;
    let (off, len) = match state_in(page, &b, slot)? {
        SlotState::Normal { offset, len } => (usize::from(offset), usize::from(len)),
        SlotState::Unused | SlotState::Dead => return Ok(None),
    };
    let t = &page.bytes()[off..off + len];
    let header = TupleHeader {
        xmin: TxnId(rd64(t, 0)),
        xmax: TxnId(rd64(t, 8)),
        link: TupleLink {
            infomask: rd16(t, 16),
            slot: rd16(t, 18),
            page: rd32(t, 20),
        },
    };
    Ok(Some((header, &t[TUPLE_HEADER_SIZE..])))
}

/// Sets the deleting transaction of a Normal tuple.
pub fn set_xmax(page: &mut Page, slot: u16, xmax: TxnId) -> Result<()> {
    let b = bounds(page)?;
    let (off, _) = normal(page, &b, slot)?;
    page.bytes_mut()[off + 8..off + 16].copy_from_slice(&xmax.0.to_le_bytes());
    Ok(())
}

/// Sets the infomask and next-version link of a Normal tuple.
pub fn set_link(page: &mut Page, slot: u16, link: TupleLink) -> Result<()> {
    if link.infomask & !INFOMASK_KNOWN != 0 {
        return Err(HeapPageError::Layout("unknown tuple infomask bits"));
    }
    let b = bounds(page)?;
    let (off, _) = normal(page, &b, slot)?;
    let bytes = page.bytes_mut();
    bytes[off + 16..off + 18].copy_from_slice(&link.infomask.to_le_bytes());
    bytes[off + 18..off + 20].copy_from_slice(&link.slot.to_le_bytes());
    bytes[off + 20..off + 24].copy_from_slice(&link.page.to_le_bytes());
    Ok(())
}

/// Replaces the data of a Normal tuple (header kept). Shrinking or same size stays in
/// place (freed tail zeroed); growing frees the old bytes and places the tuple anew,
/// compacting if needed. `NoSpace` if it cannot fit (page unchanged then).
pub fn replace_data(page: &mut Page, slot: u16, data: &[u8]) -> Result<()> {
    if data.len() > MAX_TUPLE_DATA {
        return Err(HeapPageError::TooLarge { len: data.len() });
    }
    let mut sc = scan(page)?;
    let (off, len) = normal(page, &sc.b, slot)?;
    let new_len = TUPLE_HEADER_SIZE + data.len();
    if new_len <= len {
        let bytes = page.bytes_mut();
        bytes[off + TUPLE_HEADER_SIZE..off + new_len].copy_from_slice(data);
        bytes[off + new_len..off + len].fill(0);
        write_slot(page, slot, off as u16, new_len as u16);
        return Ok(());
    }
    let free = sc.total_free() + len;
    if new_len > free {
        return Err(HeapPageError::NoSpace {
            need: new_len,
            free,
        });
    }
    let mut header = [0u8; TUPLE_HEADER_SIZE];
    header.copy_from_slice(&page.bytes()[off..off + TUPLE_HEADER_SIZE]);
    free_tuple(page, slot, off, len, 0);
    settle_upper(page, &mut sc.b);
    place(page, &mut sc.b, slot, &header, data, 0);
    Ok(())
}

/// Makes a Normal slot Unused and frees its bytes (undo of an insert). Trailing Unused
/// slots are then trimmed from the slot array, so `slot_count` may shrink.
pub fn remove(page: &mut Page, slot: u16) -> Result<()> {
    let mut sc = scan(page)?;
    let (off, len) = normal(page, &sc.b, slot)?;
    free_tuple(page, slot, off, len, 0);
    let mut slots = sc.b.slots;
    while slots > 0 && state_in(page, &sc.b, slots - 1) == Ok(SlotState::Unused) {
        slots -= 1;
    }
    // Trimmed entries are (0, 0), so the grown hole is already zero.
    sc.b.slots = slots;
    sc.b.lower = slot_pos(slots);
    page.set_lower(sc.b.lower as u16);
    settle_upper(page, &mut sc.b);
    Ok(())
}

/// Makes Normal slots Dead and frees their bytes (pruning deleted tuples). Every slot must
/// be Normal and listed once; otherwise nothing changes.
pub fn prune(page: &mut Page, slots: &[u16]) -> Result<()> {
    let mut sc = scan(page)?;
    let mut seen = vec![false; usize::from(sc.b.slots)];
    let mut plan = Vec::with_capacity(slots.len());
    for &slot in slots {
        let (off, len) = normal(page, &sc.b, slot)?;
        if std::mem::replace(&mut seen[usize::from(slot)], true) {
            return Err(bad_slot(slot, "listed twice"));
        }
        plan.push((slot, off, len));
    }
    if plan.is_empty() {
        return Ok(());
    }
    for (slot, off, len) in plan {
        free_tuple(page, slot, off, len, 1);
    }
    settle_upper(page, &mut sc.b);
    Ok(())
}

/// Makes the listed slots Unused, so inserts reuse them: Normal slots (deleted tuples whose
/// deleters committed below the horizon) lose their bytes, Dead slots (left by [`prune`])
/// are simply cleared. Trailing Unused slots are then trimmed, as by [`remove`]. Every slot
/// must be Normal or Dead and listed once; otherwise nothing changes.
///
/// A reused slot gives a new tuple the tid of a removed one, so index entries that pointed
/// at the removed tuple must never lead a reader to the new one; `crate::vacuum` states why
/// they do not.
pub fn reclaim(page: &mut Page, slots: &[u16]) -> Result<()> {
    let mut sc = scan(page)?;
    let mut seen = vec![false; usize::from(sc.b.slots)];
    let mut plan = Vec::with_capacity(slots.len());
    for &slot in slots {
        let place = match state_in(page, &sc.b, slot)? {
            SlotState::Normal { offset, len } => Some((usize::from(offset), usize::from(len))),
            SlotState::Dead => None,
            SlotState::Unused => return Err(bad_slot(slot, "unused")),
        };
        if std::mem::replace(&mut seen[usize::from(slot)], true) {
            return Err(bad_slot(slot, "listed twice"));
        }
        plan.push((slot, place));
    }
    if plan.is_empty() {
        return Ok(());
    }
    for (slot, place) in plan {
        match place {
            Some((off, len)) => free_tuple(page, slot, off, len, 0),
            None => write_slot(page, slot, 0, 0),
        }
    }
    let mut count = sc.b.slots;
    while count > 0 && state_in(page, &sc.b, count - 1) == Ok(SlotState::Unused) {
        count -= 1;
    }
    // Trimmed entries are (0, 0), so the grown hole is already zero.
    sc.b.slots = count;
    sc.b.lower = slot_pos(count);
    page.set_lower(sc.b.lower as u16);
    settle_upper(page, &mut sc.b);
    Ok(())
}

/// Iterates Normal tuples in slot order: `(slot, header, data)`. Yields nothing past a
/// corrupt header and skips corrupt slots.
pub fn tuples(page: &Page) -> impl Iterator<Item = (u16, TupleHeader, &[u8])> {
    let n = bounds(page).map(|b| b.slots).unwrap_or(0);
    (0..n).filter_map(move |s| match get(page, s) {
        Ok(Some((h, d))) => Some((s, h, d)),
        _ => None,
    })
}

/// Structural check: header bounds, every slot entry valid, tuples within
/// `[upper, special)` without overlaps, only known infomask bits and no link without its
/// bit, and every byte in
/// `[lower, special)` outside tuples zero (which includes the hole).
pub fn check(page: &Page) -> Result<()> {
    let b = bounds(page)?;
    let mut ranges = Vec::new();
    for s in 0..b.slots {
        if let SlotState::Normal { offset, len } = state_in(page, &b, s)? {
            ranges.push((usize::from(offset), usize::from(len)));
        }
    }
    ranges.sort_unstable();
    let bytes = page.bytes();
    let mut pos = b.lower;
    for &(off, len) in &ranges {
        if off < pos {
            return Err(HeapPageError::Layout("tuples overlap"));
        }
        if bytes[pos..off].iter().any(|&x| x != 0) {
            return Err(HeapPageError::Layout("free space is not zeroed"));
        }
        let mask = rd16(bytes, off + 16);
        if mask & !INFOMASK_KNOWN != 0 {
            return Err(HeapPageError::Layout("unknown tuple infomask bits"));
        }
        if mask & INFOMASK_HAS_NEXT == 0
            && (rd16(bytes, off + 18) != 0 || rd32(bytes, off + 20) != 0)
        {
            return Err(HeapPageError::Layout("tuple link without its infomask bit"));
        }
        pos = off + len;
    }
    if bytes[pos..b.special].iter().any(|&x| x != 0) {
        return Err(HeapPageError::Layout("free space is not zeroed"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::{decode_image, encode_image};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const ID: PageId = PageId {
        file: 1,
        page_no: 9,
    };

    fn empty() -> Page {
        let mut p = Page::new_zeroed();
        init(&mut p, ID);
        p
    }

    fn contiguous(p: &Page) -> usize {
        usize::from(p.upper() - p.lower())
    }

    fn data(p: &Page, slot: u16) -> Vec<u8> {
        get(p, slot).unwrap().unwrap().1.to_vec()
    }

    fn is_bad_slot<T>(r: Result<T>) -> bool {
        matches!(r, Err(HeapPageError::BadSlot { .. }))
    }

    fn is_no_space<T>(r: Result<T>) -> bool {
        matches!(r, Err(HeapPageError::NoSpace { .. }))
    }

    fn normal_at(offset: usize, len: u16) -> Result<SlotState> {
        let offset = offset as u16;
        Ok(SlotState::Normal { offset, len })
    }

    #[test]
    fn insert_get_and_states() {
        let mut p = empty();
        assert_eq!((slot_count(&p), next_insert_slot(&p)), (0, 0));
        assert_eq!(free_for_insert(&p), MAX_TUPLE_DATA);
        insert_at(&mut p, 0, TxnId(5), b"hello").unwrap();
        insert_at(&mut p, 1, TxnId(6), b"").unwrap();
        assert_eq!(slot_count(&p), 2);
        assert_eq!(usize::from(p.lower()), PAGE_HEADER_SIZE + 8);
        let (h, d) = get(&p, 0).unwrap().unwrap();
        assert_eq!(
            (h.xmin, h.xmax, h.link, d),
            (TxnId(5), TxnId(0), TupleLink::default(), &b"hello"[..])
        );
        set_xmax(&mut p, 0, TxnId(77)).unwrap();
        assert_eq!(get(&p, 0).unwrap().unwrap().0.xmax, TxnId(77));
        assert_eq!(data(&p, 1), b"");
        assert_eq!(slot_state(&p, 0), normal_at(PAGE_SIZE - 29, 29));
        assert!(is_bad_slot(get(&p, 2)));
        assert!(is_bad_slot(insert_at(&mut p, 3, TxnId(1), b"x")));
        assert!(is_bad_slot(insert_at(&mut p, 0, TxnId(1), b"x")));
        check(&p).unwrap();
    }

    #[test]
    fn reclaim_frees_tuples_and_dead_slots_for_reuse() {
        let mut p = empty();
        for (i, d) in [&b"aaaa"[..], b"bb", b"cccccc", b"d"].iter().enumerate() {
            insert_at(&mut p, i as u16, TxnId(1), d).unwrap();
        }
        prune(&mut p, &[1]).unwrap();
        assert_eq!(slot_state(&p, 1), Ok(SlotState::Dead));
        let before = p.clone();
        // Unused, repeated and out-of-range slots change nothing.
        assert!(is_bad_slot(reclaim(&mut p, &[0, 0])));
        assert!(is_bad_slot(reclaim(&mut p, &[9])));
        assert_eq!(p, before);
        reclaim(&mut p, &[1, 2]).unwrap();
        assert_eq!(slot_state(&p, 1), Ok(SlotState::Unused));
        assert_eq!(slot_state(&p, 2), Ok(SlotState::Unused));
        assert!(is_bad_slot(reclaim(&mut p, &[1])));
        assert_eq!(
            (data(&p, 0), data(&p, 3)),
            (b"aaaa".to_vec(), b"d".to_vec())
        );
        assert_eq!(next_insert_slot(&p), 1);
        check(&p).unwrap();
        // Reclaiming the last slots trims the array.
        reclaim(&mut p, &[3]).unwrap();
        assert_eq!(slot_count(&p), 1);
        check(&p).unwrap();
        insert_at(&mut p, 1, TxnId(2), b"new").unwrap();
        assert_eq!(data(&p, 1), b"new");
        check(&p).unwrap();
    }

    #[test]
    fn max_tuple_fits_exactly() {
        let mut p = empty();
        let too_big = insert_at(&mut p, 0, TxnId(1), &vec![1u8; MAX_TUPLE_DATA + 1]);
        assert!(matches!(too_big, Err(HeapPageError::TooLarge { .. })));
        assert_eq!(p, empty());
        insert_at(&mut p, 0, TxnId(1), &vec![1u8; MAX_TUPLE_DATA]).unwrap();
        assert_eq!((p.lower(), free_for_insert(&p)), (p.upper(), 0));
        check(&p).unwrap();
    }

    #[test]
    fn remove_trims_trailing_unused_slots_and_dead_slots_stay() {
        let mut p = empty();
        for s in 0..4 {
            insert_at(&mut p, s, TxnId(1), &[s as u8; 10]).unwrap();
        }
        remove(&mut p, 1).unwrap();
        assert_eq!((slot_count(&p), next_insert_slot(&p)), (4, 1));
        remove(&mut p, 3).unwrap();
        assert_eq!(slot_count(&p), 3);
        remove(&mut p, 2).unwrap();
        assert_eq!(slot_count(&p), 1, "slots 1..3 were all Unused");
        prune(&mut p, &[0]).unwrap();
        assert_eq!(slot_state(&p, 0), Ok(SlotState::Dead));
        assert_eq!((slot_count(&p), next_insert_slot(&p)), (1, 1));
        assert_eq!((get(&p, 0), p.upper()), (Ok(None), PAGE_SIZE as u16));
        assert!(is_bad_slot(remove(&mut p, 0)));
        check(&p).unwrap();
        // Removing the only tuple gives back the empty page exactly.
        let mut q = empty();
        insert_at(&mut q, 0, TxnId(3), b"abc").unwrap();
        remove(&mut q, 0).unwrap();
        assert_eq!(q, empty());
    }

    #[test]
    fn no_space_leaves_page_unchanged() {
        let mut p = empty();
        let mut s = 0;
        while free_for_insert(&p) >= 100 {
            insert_at(&mut p, s, TxnId(1), &[7u8; 100]).unwrap();
            s += 1;
        }
        let before = p.clone();
        let want = free_for_insert(&p) + 1;
        let r = insert_at(&mut p, s, TxnId(1), &vec![1u8; want]);
        assert!(is_no_space(r));
        assert_eq!(p, before);
        let grown = vec![1u8; 100 + want + SLOT_SIZE + TUPLE_HEADER_SIZE];
        assert!(is_no_space(replace_data(&mut p, 0, &grown)));
        assert_eq!(p, before);
        assert!(is_bad_slot(prune(&mut p, &[0, 1, 0])));
        assert_eq!(p, before);
        insert_at(&mut p, s, TxnId(1), &vec![1u8; want - 1]).unwrap();
        check(&p).unwrap();
    }

    #[test]
    fn compaction_makes_fragmented_space_usable() {
        let mut p = empty();
        let mut n = 0u16;
        while free_for_insert(&p) >= 200 {
            insert_at(&mut p, n, TxnId(u64::from(n)), &[n as u8; 200]).unwrap();
            n += 1;
        }
        let odd: Vec<u16> = (0..n).filter(|s| s % 2 == 1).collect();
        prune(&mut p, &odd).unwrap();
        // Freed space is scattered: the hole alone is too small for a big tuple.
        let big = free_for_insert(&p);
        assert!(big > 2000 && contiguous(&p) < big + TUPLE_HEADER_SIZE + SLOT_SIZE);
        insert_at(&mut p, n, TxnId(999), &vec![0xab; big]).unwrap();
        check(&p).unwrap();
        assert_eq!(free_for_insert(&p), 0);
        for s in (0..n).filter(|s| s % 2 == 0) {
            assert_eq!(get(&p, s).unwrap().unwrap().0.xmin, TxnId(u64::from(s)));
            assert_eq!(data(&p, s), [s as u8; 200]);
        }
        assert_eq!(data(&p, n), vec![0xab; big]);
        // Repacked in slot order: slot 0 sits at the top of the page.
        assert_eq!(slot_state(&p, 0), normal_at(PAGE_SIZE - 224, 224));
    }

    #[test]
    fn compacts_when_only_the_new_slot_entry_does_not_fit() {
        let mut p = empty();
        for s in 0..10 {
            insert_at(&mut p, s, TxnId(1), &[s as u8 + 1; 500]).unwrap();
        }
        prune(&mut p, &[3]).unwrap();
        // The tuple alone fits in the hole, but not together with its slot entry.
        let len = contiguous(&p) - 2 - TUPLE_HEADER_SIZE;
        insert_at(&mut p, 10, TxnId(2), &vec![0xee; len]).unwrap();
        check(&p).unwrap();
        let want = |s: u16| {
            if s == 10 {
                vec![0xee; len]
            } else {
                vec![s as u8 + 1; 500]
            }
        };
        assert!((0..11).filter(|&s| s != 3).all(|s| data(&p, s) == want(s)));
    }

    #[test]
    fn replace_grows_via_compaction_and_shrinks_in_place() {
        let mut p = empty();
        for s in 0..3 {
            insert_at(&mut p, s, TxnId(1), &[s as u8; 2000]).unwrap();
        }
        set_xmax(&mut p, 1, TxnId(4)).unwrap();
        replace_data(&mut p, 0, b"tiny").unwrap();
        check(&p).unwrap();
        let total = free_for_insert(&p) + SLOT_SIZE + TUPLE_HEADER_SIZE;
        let grow = total + 2000;
        assert!(contiguous(&p) < grow + TUPLE_HEADER_SIZE);
        replace_data(&mut p, 1, &vec![9u8; grow]).unwrap();
        check(&p).unwrap();
        assert_eq!(p.lower(), p.upper());
        let (h, d) = get(&p, 1).unwrap().unwrap();
        assert_eq!((h.xmin, h.xmax, d.len()), (TxnId(1), TxnId(4), grow));
        assert_eq!(data(&p, 0), b"tiny");
        assert_eq!(data(&p, 2), [2u8; 2000]);
    }

    /// Model of one slot.
    #[derive(Clone, Debug, PartialEq)]
    enum M {
        Unused,
        Dead,
        Live(u64, u64, Vec<u8>),
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u16, u64, Vec<u8>),
        Remove(u16),
        SetXmax(u16, u64),
        Replace(u16, Vec<u8>),
        Prune(Vec<u16>),
    }

    fn apply(p: &mut Page, op: &Op) -> Result<()> {
        match op {
            Op::Insert(s, x, d) => insert_at(p, *s, TxnId(*x), d),
            Op::Remove(s) => remove(p, *s),
            Op::SetXmax(s, x) => set_xmax(p, *s, TxnId(*x)),
            Op::Replace(s, d) => replace_data(p, *s, d),
            Op::Prune(ss) => prune(p, ss),
        }
    }

    fn observe(p: &Page, slot: u16) -> M {
        match (slot_state(p, slot).unwrap(), get(p, slot).unwrap()) {
            (SlotState::Unused, None) => M::Unused,
            (SlotState::Dead, None) => M::Dead,
            (_, Some((h, d))) => M::Live(h.xmin.0, h.xmax.0, d.to_vec()),
            other => panic!("inconsistent slot {slot}: {other:?}"),
        }
    }

    fn replay(ops: &[Op]) -> Page {
        let mut p = empty();
        for op in ops {
            apply(&mut p, op).unwrap();
        }
        p
    }

    /// Total free bytes (after compaction) the model predicts.
    fn model_free(m: &[M]) -> usize {
        let tuple = |e: &M| match e {
            M::Live(_, _, d) => TUPLE_HEADER_SIZE + d.len(),
            _ => 0,
        };
        PAGE_SIZE - PAGE_HEADER_SIZE - SLOT_SIZE * m.len() - m.iter().map(tuple).sum::<usize>()
    }

    fn gen_data(rng: &mut StdRng) -> Vec<u8> {
        let len = match rng.gen_range(0..10) {
            0 => rng.gen_range(1000..4000),
            1 => 0,
            _ => rng.gen_range(1..200),
        };
        (0..len).map(|_| rng.gen()).collect()
    }

    /// Applies `steps` random ops to a page and a twin, checking both against the model
    /// after each; returns the ops that succeeded.
    fn run_model(seed: u64, steps: usize) -> Vec<Op> {
        let mut rng = StdRng::seed_from_u64(seed);
        let (mut p, mut twin) = (empty(), empty());
        let mut m: Vec<M> = Vec::new();
        let mut log = Vec::new();
        let mut compactions = 0;
        for step in 0..steps {
            let live: Vec<u16> = (0..m.len() as u16)
                .filter(|&s| matches!(m[usize::from(s)], M::Live(..)))
                .collect();
            let pick = |rng: &mut StdRng| live[rng.gen_range(0..live.len())];
            let kind = rng.gen_range(0..10);
            let op = if live.is_empty() || kind < 4 {
                let xmin = rng.gen_range(1..1000);
                Op::Insert(next_insert_slot(&p), xmin, gen_data(&mut rng))
            } else if kind < 6 {
                Op::Remove(pick(&mut rng))
            } else if kind < 7 {
                Op::SetXmax(pick(&mut rng), rng.gen_range(1..1000))
            } else if kind < 9 {
                Op::Replace(pick(&mut rng), gen_data(&mut rng))
            } else {
                let mut ss: Vec<u16> = live.iter().copied().filter(|_| rng.gen_bool(0.3)).collect();
                if rng.gen_bool(0.1) {
                    ss.push(rng.gen_range(0..m.len() as u16 + 2)); // maybe invalid
                }
                Op::Prune(ss)
            };
            // Expected outcome from the model.
            let free = model_free(&m);
            let mut next = m.clone();
            let mut compacts = false;
            let ok = match &op {
                Op::Insert(s, x, d) => {
                    let first = m.iter().position(|e| *e == M::Unused).unwrap_or(m.len());
                    assert_eq!(usize::from(*s), first, "next_insert_slot");
                    let need =
                        TUPLE_HEADER_SIZE + d.len() + SLOT_SIZE * usize::from(first == m.len());
                    compacts = need > contiguous(&p);
                    if first == m.len() {
                        next.push(M::Unused);
                    }
                    next[first] = M::Live(*x, 0, d.clone());
                    need <= free
                }
                Op::Remove(s) => {
                    next[usize::from(*s)] = M::Unused;
                    while next.last() == Some(&M::Unused) {
                        next.pop();
                    }
                    true
                }
                Op::SetXmax(s, x) => {
                    if let M::Live(_, xmax, _) = &mut next[usize::from(*s)] {
                        *xmax = *x;
                    }
                    true
                }
                Op::Replace(s, d) => {
                    let M::Live(_, _, old) = &mut next[usize::from(*s)] else {
                        unreachable!()
                    };
                    let fits = d.len() <= old.len() || d.len() - old.len() <= free;
                    *old = d.clone();
                    fits
                }
                Op::Prune(ss) => {
                    let mut sorted = ss.clone();
                    sorted.sort_unstable();
                    sorted.dedup();
                    let live = |s: &u16| matches!(m.get(usize::from(*s)), Some(M::Live(..)));
                    let valid = sorted.len() == ss.len() && ss.iter().all(live);
                    for &s in ss.iter().filter(|_| valid) {
                        next[usize::from(s)] = M::Dead;
                    }
                    valid
                }
            };
            let before = p.clone();
            let res = apply(&mut p, &op);
            assert_eq!(apply(&mut twin, &op), res, "step {step}");
            assert_eq!(res.is_ok(), ok, "step {step}: {op:?} -> {res:?}");
            if ok {
                m = next;
                log.push(op);
                compactions += usize::from(compacts);
            } else {
                assert_eq!(p, before, "failed op changed the page at step {step}");
            }
            assert_eq!(p, twin, "nondeterministic at step {step}");
            check(&p).unwrap_or_else(|e| panic!("step {step}: {e}"));
            let hole = &p.bytes()[usize::from(p.lower())..usize::from(p.upper())];
            assert!(hole.iter().all(|&x| x == 0), "step {step}");
            let seen: Vec<M> = (0..slot_count(&p)).map(|s| observe(&p, s)).collect();
            assert_eq!(seen, m, "step {step}");
            let slot_cost = SLOT_SIZE * usize::from(!m.contains(&M::Unused));
            let want_free = model_free(&m).saturating_sub(TUPLE_HEADER_SIZE + slot_cost);
            assert_eq!(free_for_insert(&p), want_free, "step {step}");
            let n_live = m.iter().filter(|e| matches!(e, M::Live(..))).count();
            assert_eq!(tuples(&p).count(), n_live);
        }
        assert!(compactions > 0, "the run never exercised compaction");
        log
    }

    #[test]
    fn randomized_model() {
        for seed in 0..4 {
            run_model(seed, 3000);
        }
    }

    #[test]
    fn replay_gives_identical_bytes() {
        let log = run_model(42, 2000);
        let a = replay(&log);
        assert_eq!(a.bytes(), replay(&log).bytes());
        // Redo from a mid-point image reaches the same page.
        let half = log.len() / 2;
        let mut c = decode_image(&encode_image(&replay(&log[..half]))).unwrap();
        for op in &log[half..] {
            apply(&mut c, op).unwrap();
        }
        assert_eq!(a.bytes(), c.bytes());
    }

    fn poke_everything(p: &Page) {
        let _ = (check(p), free_for_insert(p), next_insert_slot(p));
        let _ = tuples(p).map(|(_, _, d)| d.len()).sum::<usize>();
        for s in 0..slot_count(p).saturating_add(2).min(3000) {
            let _ = (slot_state(p, s), get(p, s));
        }
        let n = slot_count(p);
        for s in [0, 1, n / 2, n.saturating_sub(1), n] {
            let _ = insert_at(&mut p.clone(), s, TxnId(1), &[1u8; 300]);
            let _ = remove(&mut p.clone(), s);
            let _ = set_xmax(&mut p.clone(), s, TxnId(1));
            let _ = replace_data(&mut p.clone(), s, &[2u8; 3000]);
            let _ = prune(&mut p.clone(), &[s, 0]);
        }
    }

    #[test]
    fn random_page_bytes_never_panic() {
        let mut rng = StdRng::seed_from_u64(7);
        for i in 0..400 {
            let mut p = Page::new_zeroed();
            rng.fill(p.bytes_mut());
            if i % 2 == 0 {
                // Plausible header so slot parsing is reached.
                p.bytes_mut()[20] = PageType::Heap as u8;
                let lower = PAGE_HEADER_SIZE + SLOT_SIZE * rng.gen_range(0..200);
                let upper = rng.gen_range(lower..=PAGE_SIZE);
                p.set_lower(lower as u16);
                p.set_upper(upper as u16);
                p.set_special(rng.gen_range(upper..=PAGE_SIZE) as u16);
            }
            poke_everything(&p);
        }
        // Valid pages with a few corrupted bytes in the header or slot array.
        let good = replay(&run_model(9, 300));
        let limit = usize::from(good.lower());
        assert!(limit > PAGE_HEADER_SIZE + 20);
        for _ in 0..400 {
            let mut p = good.clone();
            for _ in 0..rng.gen_range(1..4) {
                p.bytes_mut()[rng.gen_range(0..limit)] = rng.gen();
            }
            poke_everything(&p);
        }
        assert!(check(&Page::new_zeroed()).is_err());
    }

    #[test]
    fn check_detects_damage() {
        let mut p = empty();
        insert_at(&mut p, 0, TxnId(1), b"abcdef").unwrap();
        insert_at(&mut p, 1, TxnId(1), b"ghijkl").unwrap();
        check(&p).unwrap();
        let layout = |e: &'static str| Err(HeapPageError::Layout(e));
        let mut hole = p.clone();
        hole.bytes_mut()[usize::from(p.lower())] = 1;
        assert_eq!(check(&hole), layout("free space is not zeroed"));
        // Slot 0 widened over slot 1's tuple, which sits right below it.
        let mut overlap = p.clone();
        write_slot(&mut overlap, 0, p.upper(), 60);
        assert_eq!(check(&overlap), layout("tuples overlap"));
        // Mutations that move or free tuples refuse it too, rather than compacting more bytes
        // than there is room for.
        let before = overlap.clone();
        assert_eq!(remove(&mut overlap, 1), layout("tuples overlap"));
        assert_eq!(prune(&mut overlap, &[1]), layout("tuples overlap"));
        let huge = vec![7u8; MAX_TUPLE_DATA];
        assert_eq!(
            insert_at(&mut overlap, 2, TxnId(1), &huge),
            layout("tuples overlap")
        );
        assert_eq!(
            overlap.bytes(),
            before.bytes(),
            "a refused mutation changes nothing"
        );
        let mut bad = p.clone();
        write_slot(&mut bad, 0, 5, 3);
        assert_eq!(check(&bad), layout("invalid slot entry"));
        let mut out = p.clone();
        write_slot(&mut out, 0, (PAGE_SIZE - 10) as u16, 26);
        let err = HeapPageError::Layout("tuple outside the tuple area");
        assert_eq!(get(&out, 0), Err(err));
        let mut mask = p.clone();
        mask.bytes_mut()[PAGE_SIZE - 30 + 16] = 0x80;
        assert_eq!(check(&mask), layout("unknown tuple infomask bits"));
        let mut stray = p.clone();
        stray.bytes_mut()[PAGE_SIZE - 30 + 20] = 1;
        assert_eq!(check(&stray), layout("tuple link without its infomask bit"));
        let mut linked = p.clone();
        set_link(&mut linked, 0, TupleLink::updated(3, 4, true)).unwrap();
        check(&linked).unwrap();
        let (h, d) = get(&linked, 0).unwrap().unwrap();
        assert_eq!(
            (h.link.next(), h.link.keeps_key(), d),
            (Some((3, 4)), true, &b"abcdef"[..])
        );
        set_link(&mut linked, 0, TupleLink::default()).unwrap();
        assert_eq!(
            linked.bytes(),
            p.bytes(),
            "a cleared link restores the bytes"
        );
    }
}
