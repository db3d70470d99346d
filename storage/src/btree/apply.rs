//! Applying B+tree page operations (do-time and redo share this code).

use super::meta;
use crate::btree_page::{self, LeafEntry, NodeError};
use crate::ops::{OpError, PageOp};
use crate::page::Page;
use wal::PageId;

fn err(e: NodeError) -> OpError {
    match e {
        NodeError::NoSpace { .. } => OpError::NoSpace,
        other => OpError::Invalid(other.to_string()),
    }
}

fn find(page: &Page, key: &[u8]) -> Result<usize, OpError> {
    match btree_page::search(page, key).map_err(err)? {
        Ok(i) => Ok(i),
        Err(_) => Err(OpError::Invalid("key not in leaf".into())),
    }
}

/// Applies a B+tree operation. On error the page is unchanged.
pub(crate) fn apply_op(op: &PageOp, id: PageId, page: &mut Page) -> Result<(), OpError> {
    match op {
        PageOp::BtInit { level } => btree_page::init(page, id, *level),
        PageOp::BtInsert {
            key,
            tid_page,
            tid_slot,
            txn,
        } => match btree_page::search(page, key).map_err(err)? {
            Ok(_) => return Err(OpError::Invalid("key already in leaf".into())),
            Err(i) => {
                let e = LeafEntry {
                    key,
                    tid_page: *tid_page,
                    tid_slot: *tid_slot,
                    txn: txn.0,
                    deleted: false,
                };
                btree_page::insert_leaf(page, i, &e).map_err(err)?;
            }
        },
        PageOp::BtSetState {
            key,
            new_txn,
            new_deleted,
            ..
        } => {
            let i = find(page, key)?;
            btree_page::set_leaf_state(page, i, new_txn.0, *new_deleted).map_err(err)?;
        }
        PageOp::BtRemove { key } => {
            let i = find(page, key)?;
            btree_page::remove(page, i).map_err(err)?;
        }
        PageOp::BtPrune { indexes } => {
            let mut copy = page.clone();
            let mut sorted = indexes.clone();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            sorted.dedup();
            for i in sorted {
                btree_page::remove(&mut copy, i as usize).map_err(err)?;
            }
            *page = copy;
        }
        PageOp::BtTruncate { from } => btree_page::truncate(page, *from as usize).map_err(err)?,
        PageOp::BtAppend { cells } => btree_page::append_cells(page, cells).map_err(err)?,
        PageOp::BtInsertChild { index, key, child } => {
            btree_page::insert_internal(page, *index as usize, key, *child).map_err(err)?
        }
        PageOp::BtClearFirstKey => {
            btree_page::internal_clear_first_key(page).map_err(err)?;
        }
        PageOp::BtSetLinks { left, right } => {
            if !matches!(
                page.page_type(),
                Ok(crate::page::PageType::BTreeLeaf | crate::page::PageType::BTreeInternal)
            ) {
                return Err(OpError::Invalid(
                    "links on a page that is no tree node".into(),
                ));
            }
            btree_page::set_left(page, *left);
            btree_page::set_right(page, *right);
        }
        PageOp::MetaInit { unique, root } => meta::init(page, id, *unique, *root),
        PageOp::MetaSetRoot { root, height } => {
            if meta::read(page).is_none() {
                return Err(OpError::Invalid("not a meta page".into()));
            }
            meta::set_root(page, *root, *height);
        }
        _ => return Err(OpError::Invalid("not a B+tree operation".into())),
    }
    Ok(())
}
