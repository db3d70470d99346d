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
use crate::search_path::PathSchema;
use crate::sql::binder::ident_name;
use crate::sql::TxnCx;
use sqlparser::ast;
use std::sync::Arc;
use storage::Storage;

/// Where CREATE puts relation `name`: its namespace number (0: `public`, a user schema's
/// OID, else the session's temp namespace, claimed if needed; see
/// [`crate::catalog::TableDef::temp`]) and bare name. TEMP, a `pg_temp` qualification, or
/// `pg_temp` first on the search path makes it temporary; an unqualified name goes to the
/// search path's creation schema (see [`crate::search_path`]). Errors as PostgreSQL's:
/// 3F000 for a schema that does not exist or an empty path, 42501 for `pg_catalog`, 0A000
/// for another database's name, 42601 for more than three parts; 42501 when the acting role
/// lacks CREATE on the user schema.
pub(crate) fn creation_target(
    cx: &mut TxnCx<'_>,
    name: &ast::ObjectName,
    temporary: bool,
) -> Result<(u32, String)> {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| match p {
            ast::ObjectNamePart::Identifier(i) => ident_name(i),
            other => other.to_string(),
        })
        .collect();
    let (qualifier, bare) = crate::search_path::qualified(&parts, &cx.catalog.database_name())?;
    let bare = bare.to_string();
    let target = match qualifier {
        None => match cx
            .catalog
            .resolved_path()
            .creation(cx.catalog.viewer() != 0)
        {
            _ if temporary => PathSchema::Temp,
            Some(schema) => schema,
            None => return Err(EngineError::NoSchemaSelected),
        },
        Some("public") => PathSchema::Public,
        Some("pg_catalog") => PathSchema::PgCatalog,
        Some("information_schema") => PathSchema::InformationSchema,
        Some(s)
            if matches!(
                cx.catalog.split_name(&format!("{s}.x")),
                Some((Schema::Temp, _))
            ) =>
        {
            PathSchema::Temp
        }
        Some(s) => match cx.catalog.schema(s) {
            Some(d) => PathSchema::User(d.oid),
            None => {
                return Err(EngineError::UndefinedSchema {
                    name: s.to_string(),
                })
            }
        },
    };
    match target {
        PathSchema::Temp => Ok((temp_space(cx.catalog), bare)),
        _ if temporary => Err(EngineError::InvalidTableDefinition {
            message: "cannot create temporary relation in non-temporary schema".into(),
        }),
        PathSchema::Public => Ok((0, bare)),
        PathSchema::User(oid) => {
            crate::acl::require_create_in_schema(cx.catalog, oid)?;
            Ok((oid, bare))
        }
        PathSchema::PgCatalog => Err(EngineError::InsufficientPrivilege {
            message: format!("permission denied to create \"pg_catalog.{bare}\""),
        }),
        PathSchema::InformationSchema => Err(EngineError::FeatureNotSupported {
            feature: "creating relations in schema information_schema".into(),
        }),
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
pub(crate) fn drop_relation(cx: &mut TxnCx<'_>, def: &TableDef) -> Result<()> {
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
