//! Structure modifications: splitting a full leaf, and the parents above it, up to growing a
//! new root. Runs under the tree latch held exclusively, so no other thread is in the tree.
//!
//! The split is planned on copies of the pages (each operation applied to its copy as it is
//! chosen, so later choices see earlier ones), then applied to the real pages and logged as
//! one redo-only MultiPage record with one batch of operations per page.

use super::{meta, node_err};
use crate::btree_page::{self, NONE};
use crate::error::{Result, StorageError};
use crate::logged::log_multi;
use crate::ops::PageOp;
use crate::page::Page;
use crate::store::Inner;
use std::collections::BTreeMap;
use wal::PageId;

struct Plan<'a> {
    inner: &'a Inner,
    file: u32,
    /// Page -> (copy with the planned operations applied, the operations, newly allocated).
    pages: BTreeMap<u32, (Page, Vec<PageOp>, bool)>,
}

impl<'a> Plan<'a> {
    fn page(&mut self, no: u32) -> Result<&Page> {
        if !self.pages.contains_key(&no) {
            let pinned = self.inner.pool.pin(PageId::new(self.file, no))?;
            let copy = pinned.read().clone();
            self.pages.insert(no, (copy, Vec::new(), false));
        }
        self.pages
            .get(&no)
            .map(|(p, _, _)| p)
            .ok_or_else(|| StorageError::Recovery("planned page vanished".into()))
    }

    fn allocate(&mut self) -> Result<u32> {
        let id = self.inner.files.allocate(self.file)?;
        self.pages
            .insert(id.page_no, (Page::new_zeroed(), Vec::new(), true));
        Ok(id.page_no)
    }

    fn op(&mut self, no: u32, op: PageOp) -> Result<()> {
        self.page(no)?;
        let file = self.file;
        let (copy, ops, _) = self
            .pages
            .get_mut(&no)
            .ok_or_else(|| StorageError::Recovery("planned page vanished".into()))?;
        op.apply(PageId::new(file, no), copy)
            .map_err(|e| StorageError::TreeCorrupt {
                file,
                page: no,
                reason: format!("split step failed: {e:?}"),
            })?;
        ops.push(op);
        Ok(())
    }

    /// Applies the planned operations to the real pages and logs them as one record.
    fn commit(self) -> Result<()> {
        let mut pinned = Vec::with_capacity(self.pages.len());
        let mut ops = Vec::with_capacity(self.pages.len());
        for (no, (_, page_ops, new)) in self.pages {
            if page_ops.is_empty() {
                continue;
            }
            let id = PageId::new(self.file, no);
            pinned.push(if new {
                self.inner.pool.pin_zeroed(id)?
            } else {
                self.inner.pool.pin(id)?
            });
            ops.push(PageOp::Batch(page_ops));
        }
        let mut latched: Vec<_> = pinned.iter().map(|p| p.write()).collect();
        let mut parts: Vec<_> = latched.iter_mut().zip(ops).collect();
        log_multi(self.inner, &mut parts)?;
        Ok(())
    }
}

/// Splits `node` in two: the upper half moves to a new right sibling. Returns the separator
/// (the smallest key of the new node) and the new node's page.
fn split_node(plan: &mut Plan<'_>, node: u32) -> Result<(Vec<u8>, u32)> {
    let file = plan.file;
    let page = plan.page(node)?;
    let level = btree_page::level(page);
    let mid = btree_page::split_point(page);
    let cells = btree_page::cells_from(page, mid).map_err(|e| node_err(file, node, e))?;
    let (old_left, old_right) = (btree_page::left(page), btree_page::right(page));
    let right = plan.allocate()?;
    plan.op(right, PageOp::BtInit { level })?;
    plan.op(right, PageOp::BtAppend { cells })?;
    plan.op(
        right,
        PageOp::BtSetLinks {
            left: node,
            right: old_right,
        },
    )?;
    let sep = if level == 0 {
        let p = plan.page(right)?;
        btree_page::key_at(p, 0)
            .map_err(|e| node_err(file, right, e))?
            .to_vec()
    } else {
        // The new internal node's first key moves up; its cell becomes minus infinity.
        let p = plan.page(right)?;
        let first = btree_page::key_at(p, 0)
            .map_err(|e| node_err(file, right, e))?
            .to_vec();
        plan.op(right, PageOp::BtClearFirstKey)?;
        first
    };
    plan.op(node, PageOp::BtTruncate { from: mid as u16 })?;
    plan.op(
        node,
        PageOp::BtSetLinks {
            left: old_left,
            right,
        },
    )?;
    if old_right != NONE {
        let after = btree_page::right(plan.page(old_right)?);
        plan.op(
            old_right,
            PageOp::BtSetLinks {
                left: right,
                right: after,
            },
        )?;
    }
    Ok((sep, right))
}

/// Splits the full `leaf` (reached through `path`, root first) and as many ancestors as
/// needed, growing a new root when the old one splits.
pub(crate) fn split(
    inner: &Inner,
    file: u32,
    leaf: u32,
    mut path: Vec<(u32, usize)>,
) -> Result<()> {
    let mut plan = Plan {
        inner,
        file,
        pages: BTreeMap::new(),
    };
    let (mut sep, mut right) = split_node(&mut plan, leaf)?;
    let mut split_child = leaf;
    loop {
        match path.pop() {
            Some((parent, idx)) => {
                let need = btree_page::internal_cell_size(sep.len());
                if btree_page::fits(plan.page(parent)?, need) {
                    plan.op(
                        parent,
                        PageOp::BtInsertChild {
                            index: (idx + 1) as u16,
                            key: sep,
                            child: right,
                        },
                    )?;
                    break;
                }
                let (psep, pright) = split_node(&mut plan, parent)?;
                let (target, index) = if sep >= psep {
                    let p = plan.page(pright)?;
                    let (i, _) =
                        btree_page::child_for(p, &sep).map_err(|e| node_err(file, pright, e))?;
                    (pright, i + 1)
                } else {
                    (parent, idx + 1)
                };
                plan.op(
                    target,
                    PageOp::BtInsertChild {
                        index: index as u16,
                        key: sep,
                        child: right,
                    },
                )?;
                sep = psep;
                right = pright;
                split_child = parent;
            }
            None => {
                let (_, height) = {
                    let m = plan.page(0)?;
                    let (root, height, _) =
                        meta::read(m).ok_or(StorageError::NoSuchTree { file })?;
                    (root, height)
                };
                let level = btree_page::level(plan.page(split_child)?) + 1;
                let new_root = plan.allocate()?;
                plan.op(new_root, PageOp::BtInit { level })?;
                plan.op(
                    new_root,
                    PageOp::BtInsertChild {
                        index: 0,
                        key: Vec::new(),
                        child: split_child,
                    },
                )?;
                plan.op(
                    new_root,
                    PageOp::BtInsertChild {
                        index: 1,
                        key: sep,
                        child: right,
                    },
                )?;
                plan.op(
                    0,
                    PageOp::MetaSetRoot {
                        root: new_root,
                        height: height + 1,
                    },
                )?;
                break;
            }
        }
    }
    plan.commit()
}
