//! CREATE [TEMP] TABLE … AS query: a table with the query's columns, filled with its rows
//! in the statement's transaction.

use super::binder::{ident_name, Binder};
use super::exec::run;
use super::{param_types, Outcome, TxnCx};
use crate::catalog::{ColumnDef, OnCommit, TableDef};
use crate::error::{EngineError, Result};
use crate::types::DataType;
use sqlparser::ast;

/// Creates table `name` in namespace `ns` from `query`'s result (column names from the
/// query unless the statement lists them); the tag is `SELECT n`, as PostgreSQL's.
pub fn create_table_as(
    ct: &ast::CreateTable,
    query: &ast::Query,
    ns: u32,
    name: String,
    on_commit: OnCommit,
    cx: &mut TxnCx<'_>,
) -> Result<Outcome> {
    let (plan, cols) = Binder::new(cx.catalog, param_types(cx.params))
        .with_storage(cx.storage)
        .bind_query(query)?;
    if ct.columns.len() > cols.len() {
        return Err(EngineError::Syntax {
            message: "too many column names were specified".into(),
            position: None,
        });
    }
    let mut columns: Vec<ColumnDef> = Vec::with_capacity(cols.len());
    for (i, (cname, ty)) in cols.into_iter().enumerate() {
        let cname = ct
            .columns
            .get(i)
            .map(|c| ident_name(&c.name))
            .unwrap_or(cname);
        if columns.iter().any(|c| c.name == cname) {
            return Err(EngineError::DuplicateColumn { name: cname });
        }
        columns.push(ColumnDef {
            name: cname,
            // An untyped literal column is stored as text, as PostgreSQL does.
            ty: if ty == DataType::Unknown {
                DataType::Text
            } else {
                ty
            },
            not_null: false,
            default: None,
            identity: None,
        });
    }
    let rows = run(&plan, &cx.exec(), &[])?;
    let (oid, file) = cx.catalog.allocate(cx.storage)?;
    let def = TableDef {
        oid,
        name,
        file,
        columns,
        indexes: Vec::new(),
        checks: Vec::new(),
        view: None,
        sequence: None,
        temp: ns,
        on_commit,
        foreign_keys: Vec::new(),
        owner: crate::acl::creator(cx.catalog),
        acl: None,
    };
    let change = cx.catalog.create(cx.txn, cx.storage, def.clone())?;
    cx.changes.push(change);
    for row in &rows {
        super::dml::store_row(cx, &def, row)?;
    }
    Ok(Outcome::Command {
        tag: format!("SELECT {}", rows.len()),
    })
}
