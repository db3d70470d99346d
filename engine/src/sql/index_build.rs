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
use crate::types::row::decode_row;
use crate::types::{DataType, Value};
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
    let types: Vec<DataType> = table.columns.iter().map(|c| c.ty.clone()).collect();
    let mut entries = Vec::new();
    let mut null_in = vec![false; index.columns.len()];
    for t in cx.storage.heap(table.file).scan() {
        let (tid, bytes) = t?;
        let row = decode_row(&bytes, &types)?;
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
    let types: Vec<DataType> = table.columns.iter().map(|c| c.ty.clone()).collect();
    let row = match cx.storage.heap(table.file).get(tid) {
        Ok(Some(bytes)) => match decode_row(&bytes, &types) {
            Ok(row) => row,
            Err(e) => return e.into(),
        },
        Ok(None) => return StorageError::NoSuchTuple { tid }.into(),
        Err(e) => return e.into(),
    };
    let names: Vec<&str> = index
        .columns
        .iter()
        .map(|&c| table.columns[c].name.as_str())
        .collect();
    let values: Vec<String> = index
        .columns
        .iter()
        .map(|&c| {
            row.get(c)
                .and_then(Value::to_text)
                .unwrap_or_else(|| "null".into())
        })
        .collect();
    EngineError::UniqueIndexBuild {
        index: index.name.clone(),
        detail: format!(
            "Key ({})=({}) is duplicated.",
            names.join(", "),
            values.join(", ")
        ),
    }
}
