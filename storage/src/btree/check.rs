//! Structure check of a whole tree (the `amcheck` of Quill): every node passes its page-level
//! check, keys lie within the bounds their parent's separators give, every leaf is at depth
//! `height`, each level's sibling links form the chain the tree order gives, and no page is
//! reached twice.

use super::{meta, node_err};
use crate::btree_page::{self, NONE};
use crate::error::{Result, StorageError};
use crate::store::Inner;
use std::collections::BTreeSet;
use wal::PageId;

/// What a structure check saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TreeCheck {
    pub height: u16,
    pub leaves: u64,
    pub internal: u64,
    /// Entries in leaves, deleted ones included.
    pub entries: u64,
    /// Entries not deleted.
    pub live: u64,
}

struct Walk<'a> {
    inner: &'a Inner,
    file: u32,
    seen: BTreeSet<u32>,
    /// Nodes of each level (index = level), in key order.
    levels: Vec<Vec<u32>>,
    stats: TreeCheck,
}

fn corrupt(file: u32, page: u32, reason: String) -> StorageError {
    StorageError::TreeCorrupt { file, page, reason }
}

impl Walk<'_> {
    fn visit(
        &mut self,
        no: u32,
        level: u16,
        lo: Option<Vec<u8>>,
        hi: Option<Vec<u8>>,
    ) -> Result<()> {
        let file = self.file;
        if !self.seen.insert(no) || no == 0 {
            return Err(corrupt(
                file,
                no,
                "page reached twice (or the meta page)".into(),
            ));
        }
        let pinned = self.inner.pool.pin(PageId::new(file, no))?;
        let page = pinned.read().clone();
        drop(pinned);
        btree_page::check(&page).map_err(|e| node_err(file, no, e))?;
        if btree_page::level(&page) != level || btree_page::is_leaf(&page) != (level == 0) {
            return Err(corrupt(
                file,
                no,
                format!(
                    "level {} where {level} was expected",
                    btree_page::level(&page)
                ),
            ));
        }
        let n = btree_page::count(&page);
        let first = if level == 0 { 0 } else { 1 };
        for i in first..n {
            let k = btree_page::key_at(&page, i).map_err(|e| node_err(file, no, e))?;
            if lo.as_deref().is_some_and(|lo| k < lo) || hi.as_deref().is_some_and(|hi| k >= hi) {
                return Err(corrupt(
                    file,
                    no,
                    format!("key {i} outside its parent's bounds"),
                ));
            }
        }
        self.levels[level as usize].push(no);
        if level == 0 {
            self.stats.leaves += 1;
            for i in 0..n {
                let e = btree_page::leaf_entry(&page, i).map_err(|e| node_err(file, no, e))?;
                self.stats.entries += 1;
                self.stats.live += (!e.deleted) as u64;
            }
            return Ok(());
        }
        self.stats.internal += 1;
        if n == 0 {
            return Err(corrupt(file, no, "internal node without children".into()));
        }
        for i in 0..n {
            let child = btree_page::child_at(&page, i).map_err(|e| node_err(file, no, e))?;
            let clo = if i == 0 {
                lo.clone()
            } else {
                Some(
                    btree_page::key_at(&page, i)
                        .map_err(|e| node_err(file, no, e))?
                        .to_vec(),
                )
            };
            let chi = if i + 1 < n {
                Some(
                    btree_page::key_at(&page, i + 1)
                        .map_err(|e| node_err(file, no, e))?
                        .to_vec(),
                )
            } else {
                hi.clone()
            };
            self.visit(child, level - 1, clo, chi)?;
        }
        Ok(())
    }

    fn check_links(&self) -> Result<()> {
        for nodes in &self.levels {
            for (i, &no) in nodes.iter().enumerate() {
                let pinned = self.inner.pool.pin(PageId::new(self.file, no))?;
                let g = pinned.read();
                let want_left = if i == 0 { NONE } else { nodes[i - 1] };
                let want_right = nodes.get(i + 1).copied().unwrap_or(NONE);
                if btree_page::left(&g) != want_left || btree_page::right(&g) != want_right {
                    return Err(corrupt(
                        self.file,
                        no,
                        format!(
                            "sibling links ({}, {}) where ({want_left}, {want_right}) belong",
                            btree_page::left(&g),
                            btree_page::right(&g)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

pub(crate) fn check(inner: &Inner, file: u32) -> Result<TreeCheck> {
    let (root, height) = {
        let pinned = inner.pool.pin(PageId::new(file, 0))?;
        let g = pinned.read();
        let (root, height, _) = meta::read(&g).ok_or(StorageError::NoSuchTree { file })?;
        (root, height)
    };
    if height == 0 || height > 64 {
        return Err(corrupt(file, 0, format!("implausible height {height}")));
    }
    let mut walk = Walk {
        inner,
        file,
        seen: BTreeSet::new(),
        levels: vec![Vec::new(); height as usize],
        stats: TreeCheck {
            height,
            ..TreeCheck::default()
        },
    };
    walk.visit(root, height - 1, None, None)?;
    walk.check_links()?;
    Ok(walk.stats)
}
