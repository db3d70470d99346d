//! Building a new index over a table's existing rows (CREATE INDEX, ALTER TABLE … ADD
//! PRIMARY KEY / UNIQUE): one heap scan collects every (key, tid), then the storage layer
//! builds the B+tree bottom-up from the sorted pairs (`Storage::build_btree`) instead of one
//! logged insert per row.
//!
//! Errors follow PostgreSQL: a NULL in a primary key column is 23502 `column "b" of relation
//! "n" contains null values` (reported only when there is no duplicate, as PostgreSQL checks
//! after building), two equal keys in a unique index are 23505 `could not create
//! unique index "…"` with DETAIL `Key (a, b)=(…) is duplicated.`

use super::dml::index_key;
use super::TxnCx;
use crate::catalog::{IndexDef, TableDef};
use crate::error::{EngineError, Result};
use crate::types::Value;
use storage::{StorageError, Tid};

/// Builds `index` (its data file still empty) over `table`'s rows. With `not_null`, the
/// index columns must hold no NULL (a primary key); `NullsInColumn` names the first such
/// column in key order, as PostgreSQL does.
pub(super) fn build_index(
    cx: &mut TxnCx<'_>,
    table: &TableDef,
    index: &IndexDef,
    not_null: bool,
) -> Result<()> {
    let mut entries = Vec::new();
    let mut null_in = vec![false; index.columns.len()];
    // Index builds run under the catalog's exclusive lock: no other writer is running.
    for (tid, row) in crate::access::committed_rows(cx.storage, table)? {
        if not_null {
            for (seen, &c) in null_in.iter_mut().zip(&index.columns) {
                *seen |= row.get(c).is_none_or(Value::is_null);
            }
        }
        entries.push((index_key(index, &row, tid), tid));
    }
    // PostgreSQL builds the index (finding duplicates) before it checks for NULLs; the
    // tree written when only the NULL check fails stays unreachable, as the statement fails.
    match cx
        .storage
        .build_btree(index.file, index.unique, &*cx.txn, entries)
    {
        Ok(_) => {}
        Err(StorageError::DuplicateKey { first, .. }) => {
            return Err(duplicated(cx, table, index, first))
        }
        Err(e) => return Err(e.into()),
    }
    match null_in.iter().position(|&n| n) {
        Some(k) => Err(EngineError::NullsInColumn {
            table: table.name.clone(),
            column: table.columns[index.columns[k]].name.clone(),
        }),
        None => Ok(()),
    }
}

/// PostgreSQL's error for a unique index that cannot be built: the key of the row at `tid`.
fn duplicated(cx: &TxnCx<'_>, table: &TableDef, index: &IndexDef, tid: Tid) -> EngineError {
    let row = match crate::access::committed_row(cx.storage, table, tid) {
        Ok(Some(row)) => row,
        Ok(None) => return StorageError::NoSuchTuple { tid }.into(),
        Err(e) => return e,
    };
    EngineError::UniqueIndexBuild {
        index: index.name.clone(),
        detail: format!(
            "{} is duplicated.",
            crate::access::key_text(table, index, &row)
        ),
    }
}
