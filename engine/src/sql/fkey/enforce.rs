//! Enforcing foreign keys when rows change: the check of a referencing row and the
//! referential actions on the rows referencing a deleted or updated key.
//!
//! A data-changing statement stores all its rows first and then hands them to [`run`]
//! (PostgreSQL fires its foreign key triggers after the statement, so a statement may
//! insert a row and the row it references in either order). The work is a stack: a
//! cascaded delete or update pushes the rows it changed, which are then treated like the
//! statement's own (their checks and actions run in turn), so cascades of any depth run
//! without recursion.
//!
//! Concurrency (never an orphan):
//! - a referencing row's check finds its referenced row through the referenced table's
//!   key index under the statement's snapshot and locks it FOR KEY SHARE. A concurrent
//!   delete of that row (which takes the tuple lock in UPDATE strength) waits for the
//!   checking transaction; a check meeting a delete by a running transaction waits for it,
//!   and if it committed fails with [`EngineError::ConcurrentUpdate`] (READ COMMITTED runs
//!   the statement again and finds no row: 23503; other levels: 40001).
//! - the rows referencing a deleted or updated key are searched under a snapshot taken
//!   now, which sees every committed referencing row, even one committed after the
//!   statement's snapshot; a row a running transaction inserts is not seen, but that
//!   transaction holds (or will ask for) the key row's FOR KEY SHARE lock, which the
//!   delete conflicts with. An action changing a row the statement's snapshot does not
//!   see fails with [`EngineError::ConcurrentUpdate`], as any write of such a row does.

use super::deferred::Deferred;
use super::key_index;
use crate::access::Reader;
use crate::catalog::{FkAction, ForeignKeyDef, TableDef};
use crate::error::{EngineError, Result};
use crate::row_lock::{lock_row, Strength, WaitPolicy};
use crate::sql::expr::Row;
use crate::sql::TxnCx;
use crate::types::{CastKind, Value};
use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Arc;
use storage::keycode::ColumnOrder;
use storage::{ScanDirection, Tid};

/// Rows a statement (or a referential action) changed in one table.
pub enum Work {
    /// Stored rows (with their tids), to be checked as referencing rows.
    Inserted(Arc<TableDef>, Vec<(Tid, Row)>),
    /// Deleted rows, whose keys lose their references.
    Deleted(Arc<TableDef>, Vec<Row>),
    /// Updated rows: the old version and the new one with its tid.
    Updated(Arc<TableDef>, Vec<(Row, Tid, Row)>),
}

/// Whether any table of the catalog has a foreign key touching `table` (either side).
pub fn involved(cx: &TxnCx<'_>, table: &TableDef) -> bool {
    !table.foreign_keys.is_empty() || !cx.catalog.referencing(table.oid).is_empty()
}

/// Runs the checks and actions for `first` and everything its actions change.
pub fn run(cx: &mut TxnCx<'_>, first: Work) -> Result<()> {
    let mut stack = vec![first];
    while let Some(work) = stack.pop() {
        crate::interrupt::check()?;
        match work {
            Work::Inserted(table, rows) => {
                for fk in &table.foreign_keys {
                    if let Some(d) = deferral(cx, fk) {
                        for (tid, _) in &rows {
                            d.defer_row(&table, fk, *tid);
                        }
                        continue;
                    }
                    for (tid, row) in &rows {
                        if live(cx, &table, *tid)? {
                            check_row(cx, &table, fk, row, true)?;
                        }
                    }
                }
            }
            Work::Deleted(table, rows) => {
                for (child, fk) in cx.catalog.referencing(table.oid) {
                    let keys: Vec<(Vec<u8>, Row)> = rows
                        .iter()
                        .filter_map(|r| referenced_key(&fk, r).map(|k| (k, r.clone())))
                        .collect();
                    if let Some(d) =
                        deferral(cx, &fk).filter(|_| fk.on_delete == FkAction::NoAction)
                    {
                        for (_, old) in keys {
                            d.defer_key_gone(&table, &child, &fk, old);
                        }
                        continue;
                    }
                    let pending =
                        parent_changed(cx, &table, &child, &fk, fk.on_delete, keys, None)?;
                    stack.extend(pending);
                }
            }
            Work::Updated(table, changes) => {
                for (child, fk) in cx.catalog.referencing(table.oid) {
                    let mut keys = Vec::new();
                    let mut new_keys = HashMap::new();
                    for (old, _, new) in &changes {
                        let Some(k) = referenced_key(&fk, old) else {
                            continue;
                        };
                        if key_values(old, &fk.ref_columns) == key_values(new, &fk.ref_columns) {
                            continue;
                        }
                        new_keys.insert(k.clone(), key_values(new, &fk.ref_columns));
                        keys.push((k, old.clone()));
                    }
                    if let Some(d) =
                        deferral(cx, &fk).filter(|_| fk.on_update == FkAction::NoAction)
                    {
                        for (_, old) in keys {
                            d.defer_key_gone(&table, &child, &fk, old);
                        }
                        continue;
                    }
                    let pending = parent_changed(
                        cx,
                        &table,
                        &child,
                        &fk,
                        fk.on_update,
                        keys,
                        Some(&new_keys),
                    )?;
                    stack.extend(pending);
                }
                for fk in &table.foreign_keys {
                    let deferred = deferral(cx, fk);
                    for (old, tid, new) in &changes {
                        if key_values(old, &fk.columns) == key_values(new, &fk.columns) {
                            continue;
                        }
                        if let Some(d) = deferred {
                            d.defer_row(&table, fk, *tid);
                        } else if live(cx, &table, *tid)? {
                            check_row(cx, &table, fk, new, true)?;
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// The transaction's deferred checks when those of `fk` wait for its end now.
fn deferral<'c>(cx: &TxnCx<'c>, fk: &ForeignKeyDef) -> Option<&'c Deferred> {
    cx.deferred.filter(|d| d.is_deferred(fk))
}

/// The NO ACTION check of a referenced key that `parent` gave up (`old` is the row that
/// had it), run late for a deferred constraint: fails with 23503 unless another row of
/// `parent` has the key again or no row of `child` references it.
pub fn give_up_no_action(
    cx: &mut TxnCx<'_>,
    parent: &TableDef,
    child: &Arc<TableDef>,
    fk: &ForeignKeyDef,
    old: &Row,
) -> Result<()> {
    let Some(key) = referenced_key(fk, old) else {
        return Ok(());
    };
    let keys = vec![(key, old.clone())];
    parent_changed(cx, parent, child, fk, FkAction::NoAction, keys, None).map(|_| ())
}

/// Whether the version at `tid` is still the row's current one for the statement (a
/// later action of the same statement may have changed or deleted it).
fn live(cx: &TxnCx<'_>, table: &TableDef, tid: Tid) -> Result<bool> {
    Ok(cx
        .storage
        .heap(table.file)
        .get_as(cx.snapshot, tid)?
        .is_some())
}

fn key_values(row: &[Value], cols: &[usize]) -> Vec<Value> {
    cols.iter()
        .map(|&c| row.get(c).cloned().unwrap_or(Value::Null))
        .collect()
}

fn column_names(table: &TableDef, cols: &[usize]) -> String {
    cols.iter()
        .map(|&c| table.columns[c].name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn values_text(vals: &[Value]) -> String {
    vals.iter()
        .map(|v| v.to_text().unwrap_or_else(|| "null".into()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The key a referenced row offers for `fk` (its referenced columns, encoded in `fk`'s
/// column order); `None` when a column is NULL (nothing references such a row).
fn referenced_key(fk: &ForeignKeyDef, row: &[Value]) -> Option<Vec<u8>> {
    let mut key = Vec::new();
    for &c in &fk.ref_columns {
        let v = row.get(c)?;
        if v.is_null() {
            return None;
        }
        v.encode_key(&mut key, ColumnOrder::ASC);
    }
    Some(key)
}

/// The key a referencing row asks for, as the referenced columns' values (in `fk`'s
/// column order, of the referenced columns' types). `None` when a value has no equal of
/// the referenced type (out of its range), so no referenced row can match.
fn wanted(parent: &TableDef, fk: &ForeignKeyDef, vals: &[Value]) -> Option<Vec<Value>> {
    vals.iter()
        .zip(&fk.ref_columns)
        .map(|(v, &r)| v.cast(&parent.columns[r].ty, CastKind::Assignment).ok())
        .collect()
}

fn encode(vals: &[Value]) -> Vec<u8> {
    let mut key = Vec::new();
    for v in vals {
        v.encode_key(&mut key, ColumnOrder::ASC);
    }
    key
}

/// 23503 for a referencing row whose key has no referenced row.
fn not_present(
    child: &TableDef,
    parent: &TableDef,
    fk: &ForeignKeyDef,
    vals: &[Value],
) -> EngineError {
    EngineError::Detailed {
        code: "23503",
        message: format!(
            "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
            child.name, fk.name
        ),
        detail: format!(
            "Key ({})=({}) is not present in table \"{}\".",
            column_names(child, &fk.columns),
            values_text(vals),
            parent.name
        ),
        hint: None,
    }
}

/// Checks one referencing row of `child` against `fk`: its key is NULL (in part, under
/// MATCH SIMPLE; wholly, under MATCH FULL) or a referenced row has it. With `lock`, the
/// referenced row is locked FOR KEY SHARE (see the module doc).
pub fn check_row(
    cx: &mut TxnCx<'_>,
    child: &TableDef,
    fk: &ForeignKeyDef,
    row: &[Value],
    lock: bool,
) -> Result<()> {
    let vals = key_values(row, &fk.columns);
    let nulls = vals.iter().filter(|v| v.is_null()).count();
    if nulls == vals.len() {
        return Ok(());
    }
    if nulls > 0 {
        if !fk.match_full {
            return Ok(());
        }
        return Err(EngineError::Detailed {
            code: "23503",
            message: format!(
                "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
                child.name, fk.name
            ),
            detail: "MATCH FULL does not allow mixing of null and nonnull key values.".into(),
            hint: None,
        });
    }
    let parent = cx
        .catalog
        .by_oid(fk.ref_table)
        .ok_or(EngineError::Internal {
            reason: "foreign key references a missing table",
        })?;
    let ix = key_index(&parent, &fk.ref_columns).ok_or(EngineError::Internal {
        reason: "foreign key without a matching unique index",
    })?;
    let Some(want) = wanted(&parent, fk, &vals) else {
        return Err(not_present(child, &parent, fk, &vals));
    };
    // The index key: the values in the index's column order.
    let mut key = Vec::new();
    for c in &ix.columns {
        let j = fk
            .ref_columns
            .iter()
            .position(|r| r == c)
            .ok_or(EngineError::Internal {
                reason: "foreign key index column missing",
            })?;
        want[j].encode_key(&mut key, ColumnOrder::ASC);
    }
    let found: Vec<Tid> = cx
        .reader()
        .index_range(
            &parent,
            ix,
            Bound::Included(key.clone()),
            Bound::Included(key),
            ScanDirection::Forward,
        )?
        .map(|r| r.map(|(tid, _)| tid))
        .collect::<Result<_>>()?;
    for tid in found {
        if !lock {
            return Ok(());
        }
        let me = cx.txn.id();
        if lock_row(
            cx.storage,
            &cx.waits,
            me,
            &parent,
            tid,
            Strength::KeyShare,
            WaitPolicy::Block,
        )? {
            return Ok(());
        }
    }
    Err(not_present(child, &parent, fk, &vals))
}

/// The rows of `child` referencing one of `keys` (referenced keys as [`referenced_key`]
/// encodes them, with the referenced values) through `fk`, under a snapshot taken now,
/// with the key each references. Through an index of `child` whose leading columns are the
/// referencing columns when there is one, else by a scan.
fn referencing_rows(
    cx: &TxnCx<'_>,
    parent: &TableDef,
    child: &TableDef,
    fk: &ForeignKeyDef,
    keys: &HashMap<Vec<u8>, Vec<Value>>,
) -> Result<Vec<(Tid, Row, Vec<u8>)>> {
    let snapshot = cx.storage.snapshot(cx.txn);
    let reader = Reader {
        storage: cx.storage,
        snapshot: &snapshot,
        ssi: Some(cx.waits.ssi),
    };
    // Whether a row references one of the keys (the index only narrows the search).
    let references = |row: &Row| -> Option<Vec<u8>> {
        let vals = key_values(row, &fk.columns);
        if vals.iter().any(Value::is_null) {
            return None;
        }
        let key = encode(&wanted(parent, fk, &vals)?);
        keys.contains_key(&key).then_some(key)
    };
    let n = fk.columns.len();
    let index = child
        .indexes
        .iter()
        .find(|i| i.columns.len() >= n && i.columns[..n].iter().all(|c| fk.columns.contains(c)));
    let mut out = Vec::new();
    let Some(ix) = index else {
        for r in reader.scan(child) {
            let (tid, row) = r?;
            if let Some(key) = references(&row) {
                out.push((tid, row, key));
            }
        }
        return Ok(out);
    };
    // Two keys may lead to the same rows (1.5 and 2 are both 2 as an integer).
    let mut seen = std::collections::HashSet::new();
    for vals in keys.values() {
        // The index's leading values: each referenced value as its referencing column's type.
        let mut prefix = Vec::new();
        let mut matchable = true;
        for c in &ix.columns[..n] {
            let j = fk
                .columns
                .iter()
                .position(|x| x == c)
                .ok_or(EngineError::Internal {
                    reason: "foreign key column missing from index",
                })?;
            match vals[j].cast(&child.columns[*c].ty, CastKind::Assignment) {
                Ok(v) if !v.is_null() => v.encode_key(&mut prefix, ColumnOrder::ASC),
                _ => matchable = false,
            }
        }
        if !matchable {
            continue;
        }
        let hi = match storage::keycode::prefix_successor(&prefix) {
            Some(s) => Bound::Excluded(s),
            None => Bound::Unbounded,
        };
        let rows = reader.index_range(
            child,
            ix,
            Bound::Included(prefix),
            hi,
            ScanDirection::Forward,
        )?;
        for r in rows {
            let (tid, row) = r?;
            if let Some(key) = references(&row) {
                if seen.insert(tid) {
                    out.push((tid, row, key));
                }
            }
        }
    }
    Ok(out)
}

/// Whether `parent` still has a row with referenced key `key` (another row took the key,
/// as NO ACTION allows).
fn key_still_present(
    cx: &TxnCx<'_>,
    parent: &TableDef,
    fk: &ForeignKeyDef,
    old: &Row,
) -> Result<bool> {
    let Some(ix) = key_index(parent, &fk.ref_columns) else {
        return Ok(false);
    };
    let key = crate::access::index_key(ix, old, Tid { page: 0, slot: 0 });
    let mut rows = cx.reader().index_range(
        parent,
        ix,
        Bound::Included(key.clone()),
        Bound::Included(key),
        ScanDirection::Forward,
    )?;
    Ok(rows.next().transpose()?.is_some())
}

/// Applies `action` of `fk` (on `child`) to the rows referencing the `keys` that rows of
/// `parent` gave up (each key with the old row). `new_keys` maps an updated key to the
/// new values (ON UPDATE). Returns the work the action's changes bring.
fn parent_changed(
    cx: &mut TxnCx<'_>,
    parent: &TableDef,
    child: &Arc<TableDef>,
    fk: &ForeignKeyDef,
    action: FkAction,
    keys: Vec<(Vec<u8>, Row)>,
    new_keys: Option<&HashMap<Vec<u8>, Vec<Value>>>,
) -> Result<Vec<Work>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut gone: HashMap<Vec<u8>, Row> = HashMap::new();
    for (k, old) in keys {
        // NO ACTION: a key another row of the table has again is still there.
        if action == FkAction::NoAction && key_still_present(cx, parent, fk, &old)? {
            continue;
        }
        gone.insert(k, old);
    }
    if gone.is_empty() {
        return Ok(Vec::new());
    }
    let wanted_keys: HashMap<Vec<u8>, Vec<Value>> = gone
        .iter()
        .map(|(k, old)| (k.clone(), key_values(old, &fk.ref_columns)))
        .collect();
    let rows = referencing_rows(cx, parent, child, fk, &wanted_keys)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    match action {
        FkAction::NoAction | FkAction::Restrict => {
            let me = cx.txn.id();
            for (tid, _, key) in &rows {
                // A referencing row being deleted by a running transaction is waited for.
                if lock_row(
                    cx.storage,
                    &cx.waits,
                    me,
                    child,
                    *tid,
                    Strength::KeyShare,
                    WaitPolicy::Block,
                )? {
                    let old = gone.get(key).cloned().unwrap_or_default();
                    return Err(still_referenced(parent, child, fk, &old));
                }
            }
            Ok(Vec::new())
        }
        FkAction::Cascade if new_keys.is_none() => {
            let mut deleted = Vec::with_capacity(rows.len());
            for (tid, row, _) in rows {
                visible_to_statement(cx, child, tid)?;
                crate::sql::dml::unstore_row(cx, child, tid, &row)?;
                deleted.push(row);
            }
            Ok(vec![Work::Deleted(child.clone(), deleted)])
        }
        FkAction::Cascade | FkAction::SetNull | FkAction::SetDefault => {
            let mut changes = Vec::with_capacity(rows.len());
            for (tid, old, key) in rows {
                visible_to_statement(cx, child, tid)?;
                let mut new = old.clone();
                for (j, &c) in fk.columns.iter().enumerate() {
                    new[c] = match action {
                        FkAction::SetNull => Value::Null,
                        FkAction::SetDefault => crate::sql::dml::default_value(cx, child, c)?,
                        _ => {
                            let v = new_keys
                                .and_then(|m| m.get(&key))
                                .and_then(|vals| vals.get(j).cloned())
                                .unwrap_or(Value::Null);
                            if v.is_null() {
                                v
                            } else {
                                v.cast(&child.columns[c].ty, CastKind::Assignment)?
                            }
                        }
                    };
                }
                let new_tid = crate::sql::dml::replace_row(cx, child, tid, &old, &new)?;
                changes.push((old, new_tid, new));
            }
            Ok(vec![Work::Updated(child.clone(), changes)])
        }
    }
}

/// A referential action changes only rows the statement's snapshot sees; a row committed
/// after it is a concurrent change (READ COMMITTED runs the statement again).
fn visible_to_statement(cx: &TxnCx<'_>, table: &TableDef, tid: Tid) -> Result<()> {
    if live(cx, table, tid)? {
        Ok(())
    } else {
        Err(EngineError::ConcurrentUpdate)
    }
}

/// 23503 for a referenced key that referencing rows still use.
fn still_referenced(
    parent: &TableDef,
    child: &TableDef,
    fk: &ForeignKeyDef,
    old: &[Value],
) -> EngineError {
    EngineError::Detailed {
        code: "23503",
        message: format!(
            "update or delete on table \"{}\" violates foreign key constraint \"{}\" on table \"{}\"",
            parent.name, fk.name, child.name
        ),
        detail: format!(
            "Key ({})=({}) is still referenced from table \"{}\".",
            column_names(parent, &fk.ref_columns),
            values_text(&key_values(old, &fk.ref_columns)),
            child.name
        ),
        hint: None,
    }
}
