//! The B+tree meta page (page 0 of a tree's file): where the root is.
//!
//! | offset | size | field |
//! |---:|---:|---|
//! | 0 | 32 | page header (type Meta) |
//! | 32 | 4 | magic `QBT1` |
//! | 36 | 4 | root page number |
//! | 40 | 2 | height (1 = the root is a leaf) |
//! | 42 | 1 | unique (0/1) |
//! | 43 | 9 | reserved, zero |
//!
//! `lower` is set past these fields so they are never mistaken for the free hole (which
//! images elide and consistency checks mask).

use crate::page::{Page, PageType, PAGE_HEADER_SIZE};
use wal::PageId;

const MAGIC: u32 = u32::from_le_bytes(*b"QBT1");
const END: usize = PAGE_HEADER_SIZE + 20;

/// Formats the meta page of a new tree whose root (a leaf) is `root`.
pub(crate) fn init(page: &mut Page, id: PageId, unique: bool, root: u32) {
    page.format(id, PageType::Meta, 0);
    page.set_lower(END as u16);
    let b = page.bytes_mut();
    b[32..36].copy_from_slice(&MAGIC.to_le_bytes());
    b[42] = unique as u8;
    set_root(page, root, 1);
}

pub(crate) fn set_root(page: &mut Page, root: u32, height: u16) {
    let b = page.bytes_mut();
    b[36..40].copy_from_slice(&root.to_le_bytes());
    b[40..42].copy_from_slice(&height.to_le_bytes());
}

/// (root, height, unique), or `None` if the page is not a tree's meta page.
pub(crate) fn read(page: &Page) -> Option<(u32, u16, bool)> {
    if page.page_type().ok()? != PageType::Meta {
        return None;
    }
    let b = page.bytes();
    if b[32..36] != MAGIC.to_le_bytes() {
        return None;
    }
    let root = u32::from_le_bytes([b[36], b[37], b[38], b[39]]);
    let height = u16::from_le_bytes([b[40], b[41]]);
    Some((root, height, b[42] != 0))
}
