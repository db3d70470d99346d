//! CREATE [TEMP] TABLE … AS query: a table with the query's columns, filled with its rows
//! in the statement's transaction; `SELECT … INTO [TEMP] [TABLE] name …` is the same
//! statement ([`select_into`]).

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
        db: cx.catalog.database(),
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
        rls: Default::default(),
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

/// `SELECT … INTO [TEMPORARY | UNLOGGED] [TABLE] name …` as the `CREATE TABLE name AS
/// SELECT …` it means (None for any other statement). Only a top-level SELECT may have an
/// INTO; the binder refuses it anywhere else.
pub fn select_into(stmt: &ast::Statement) -> Result<Option<ast::Statement>> {
    let ast::Statement::Query(q) = stmt else {
        return Ok(None);
    };
    let ast::SetExpr::Select(sel) = q.body.as_ref() else {
        return Ok(None);
    };
    let Some(into) = &sel.into else {
        return Ok(None);
    };
    let [target] = into.targets.as_slice() else {
        return Err(EngineError::Syntax {
            message: "syntax error at or near \",\"".into(),
            position: None,
        });
    };
    let mut query = q.clone();
    if let ast::SetExpr::Select(s) = query.body.as_mut() {
        s.into = None;
    }
    let kind = if into.temporary {
        "TEMPORARY "
    } else if into.unlogged {
        "UNLOGGED "
    } else {
        ""
    };
    let sql = format!("CREATE {kind}TABLE {target} AS {query}");
    let mut stmts = super::parse(&sql)?;
    match (stmts.pop(), stmts.is_empty()) {
        (Some(s), true) => Ok(Some(s)),
        _ => Err(EngineError::Internal {
            reason: "SELECT INTO did not rewrite into one statement",
        }),
    }
}
