//! Temporary relations: where CREATE TEMP puts them, their ON COMMIT actions, and their end
//! with the session that created them.
//!
//! A temporary relation is a catalog row tagged with its session's temp namespace number N
//! (`pg_temp_N`, claimed at the session's first temporary relation). Only that session
//! sees it (see `catalog`: lookups go through the viewer), and for unqualified names it
//! shadows a permanent relation of the same name, as `pg_temp` comes first in PostgreSQL's
//! search path for relations.
//!
//! Invariants:
//! - Its pages and catalog row are WAL-logged like a permanent relation's (PostgreSQL does
//!   not log temporary relations; Quill does, so ROLLBACK, savepoints and crash recovery
//!   undo their changes through the one log chain that undoes everything else).
//! - It never outlives its session. When a session ends, its temporary relations are
//!   dropped in a transaction of their own ([`drop_all`]). After a crash their committed
//!   catalog rows remain, so [`clean_after_open`] deletes every temporary row before any
//!   session starts, then removes every data file no relation uses (theirs included).

use crate::catalog::{Catalog, OnCommit, Schema, TableDef, CATALOG_FILE, FIRST_USER_FILE};
use crate::error::{EngineError, Result};
use crate::sql::TxnCx;
use std::sync::Arc;
use storage::Storage;

/// Where CREATE puts relation `full` (a name as `object_name` joins it): its namespace (0:
/// permanent, else the session's temp namespace, claimed if needed) and bare name. TEMP,
/// or a `pg_temp` qualification, makes it temporary.
pub(crate) fn creation_target(
    cx: &mut TxnCx<'_>,
    full: &str,
    temporary: bool,
) -> Result<(u32, String)> {
    let (schema, bare) =
        crate::catalog::split_name(full, cx.catalog.viewer()).ok_or_else(|| {
            EngineError::UndefinedSchema {
                name: full.split('.').next().unwrap_or_default().to_string(),
            }
        })?;
    let bare = bare.to_string();
    match (schema, temporary) {
        (Schema::Public, true) => Err(EngineError::InvalidTableDefinition {
            message: "cannot create temporary relation in non-temporary schema".into(),
        }),
        (Schema::Public, false) | (Schema::Search, false) => Ok((0, bare)),
        (Schema::Temp, _) | (Schema::Search, true) => Ok((temp_space(cx.catalog), bare)),
    }
}

/// The viewer's temp namespace, claimed now if it has none yet.
fn temp_space(catalog: &mut Catalog) -> u32 {
    if catalog.viewer() == 0 {
        let n = catalog.claim_temp_space();
        catalog.set_viewer(n);
    }
    catalog.viewer()
}

/// Drops relation `def` and the sequences its columns own, in the statement's transaction.
fn drop_relation(cx: &mut TxnCx<'_>, def: &TableDef) -> Result<()> {
    let change = cx.catalog.drop_table(cx.txn, cx.storage, def)?;
    cx.changes.push(change);
    let owned: Vec<Arc<TableDef>> = cx
        .catalog
        .tables()
        .filter(|t| t.sequence.as_ref().and_then(|s| s.owned_by) == Some(def.oid))
        .cloned()
        .collect();
    for seq in owned {
        let change = cx.catalog.drop_table(cx.txn, cx.storage, &seq)?;
        cx.changes.push(change);
    }
    Ok(())
}

/// Runs the ON COMMIT actions of temp namespace `ns` just before its session's transaction
/// commits: DELETE ROWS empties the table, DROP drops it (both in that transaction).
pub(crate) fn at_commit(cx: &mut TxnCx<'_>, ns: u32) -> Result<()> {
    for def in cx.catalog.temp_tables(ns) {
        match def.on_commit {
            OnCommit::PreserveRows => {}
            OnCommit::DeleteRows => {
                for (tid, row) in crate::sql::dml::table_rows(cx.storage, &def)? {
                    crate::sql::dml::unstore_row(cx, &def, tid, &row)?;
                }
            }
            OnCommit::Drop => drop_relation(cx, &def)?,
        }
    }
    Ok(())
}

/// Drops every relation of temp namespace `ns` (its session is ending).
pub(crate) fn drop_all(cx: &mut TxnCx<'_>, ns: u32) -> Result<()> {
    for def in cx.catalog.temp_tables(ns) {
        let change = cx.catalog.drop_table(cx.txn, cx.storage, &def)?;
        cx.changes.push(change);
    }
    Ok(())
}

/// After open (recovery done, no session yet): deletes the catalog rows of temporary
/// relations whose sessions a crash ended, then removes the data files no relation uses.
pub(crate) fn clean_after_open(storage: &Storage, catalog: &mut Catalog) -> Result<()> {
    let stale = catalog.take_stale_temp();
    if !stale.is_empty() {
        let mut txn = storage.begin()?;
        let heap = storage.heap(CATALOG_FILE);
        for tid in stale {
            if let Err(e) = heap.delete(&mut txn, tid) {
                let _ = txn.abort();
                return Err(e.into());
            }
        }
        txn.commit()?;
    }
    let used = catalog.files_in_use();
    let unused: Vec<u32> = storage
        .data_files()?
        .into_iter()
        .filter(|f| *f >= FIRST_USER_FILE && !used.contains(f))
        .collect();
    storage.remove_files(&unused)?;
    Ok(())
}
