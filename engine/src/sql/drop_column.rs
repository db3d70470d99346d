//! ALTER TABLE … DROP COLUMN.
//!
//! The column is removed by rewriting: the definition loses the column and every row is
//! stored again without it, all in the statement's transaction, so a rollback or a crash
//! before commit restores both (the rows and the definition are logged like any other
//! change). This costs a pass over the table, unlike PostgreSQL's `attisdropped`, but keeps
//! the row format free of dead columns.
//!
//! As in PostgreSQL, indexes and CHECK constraints involving the column are dropped with
//! it; a view that reads the column blocks the drop (2BP01) unless CASCADE drops the view.

use super::binder::{Binder, Scope};
use super::dml::{store_row, table_rows, table_scope, unstore_row};
use super::TxnCx;
use crate::catalog::TableDef;
use crate::error::{EngineError, Result};
use std::sync::Arc;

/// The definition of `table` without column `col`: indexes on it dropped, the others
/// renumbered, CHECK constraints that read it dropped.
fn without_column(cx: &TxnCx<'_>, table: &TableDef, col: usize) -> TableDef {
    let mut def = table.clone();
    def.columns.remove(col);
    def.indexes.retain(|ix| !ix.columns.contains(&col));
    for ix in &mut def.indexes {
        for c in &mut ix.columns {
            if *c > col {
                *c -= 1;
            }
        }
    }
    let scope = table_scope(&def, None);
    def.checks.retain(|ck| {
        crate::sql::parse_expr(&ck.expr).is_ok_and(|e| {
            Binder::new(cx.catalog, Vec::new())
                .bind_expr(&e, &scope, &mut None)
                .is_ok()
        })
    });
    def
}

/// Views whose query no longer binds to the columns they were created with.
fn broken_views(cx: &TxnCx<'_>) -> Vec<Arc<TableDef>> {
    let views: Vec<Arc<TableDef>> = cx
        .catalog
        .tables()
        .filter(|t| t.view.is_some())
        .cloned()
        .collect();
    views
        .into_iter()
        .filter(|v| {
            let Some(sql) = &v.view else { return false };
            let bound = crate::sql::parse(sql).ok().and_then(|mut s| match s.pop() {
                Some(sqlparser::ast::Statement::Query(q)) => Binder::new(cx.catalog, Vec::new())
                    .bind_subquery(&q, &Scope::default())
                    .ok(),
                _ => None,
            });
            match bound {
                Some((_, cols)) => {
                    cols.len() != v.columns.len()
                        || cols.iter().zip(&v.columns).any(|((_, t), c)| *t != c.ty)
                }
                None => true,
            }
        })
        .collect()
}

/// Drops column `name` of table `table_name`; `Ok(false)` when it does not exist and
/// `if_exists` allows that.
pub fn drop_column(
    cx: &mut TxnCx<'_>,
    table_name: &str,
    name: &str,
    if_exists: bool,
    cascade: bool,
) -> Result<bool> {
    let table = cx
        .catalog
        .get(table_name)
        .ok_or_else(|| EngineError::UndefinedTable {
            name: table_name.into(),
        })?;
    let Some(col) = table.column_index(name) else {
        if if_exists {
            cx.notices.push(crate::notice::Notice::new(
                crate::notice::Severity::Notice,
                "00000",
                format!("column \"{name}\" of relation \"{table_name}\" does not exist, skipping"),
            ));
            return Ok(false);
        }
        return Err(EngineError::UndefinedColumn {
            name: format!("{name}\" of relation \"{table_name}"),
        });
    };
    let rows = table_rows(cx.storage, &table)?;
    let foreign_keys = super::fkey::depend::drop_column(cx, &table, col, cascade)?;
    let mut def = without_column(cx, &table, col);
    def.foreign_keys = foreign_keys;
    // Policies reading the column depend on it: dropped with CASCADE, else 2BP01.
    let scope = table_scope(&def, None);
    let before = def.rls.policies.len();
    def.rls.policies.retain(|p| {
        [&p.using, &p.check].into_iter().flatten().all(|sql| {
            crate::sql::parse_expr(sql).is_ok_and(|e| {
                Binder::new(cx.catalog, Vec::new())
                    .without_privilege_checks()
                    .bind_expr(&e, &scope, &mut None)
                    .is_ok()
            })
        })
    });
    if def.rls.policies.len() != before && !cascade {
        return Err(EngineError::DependentObjects {
            table: table_name.into(),
            column: name.into(),
        });
    }
    let change = cx.catalog.replace(cx.txn, cx.storage, def)?;
    cx.changes.push(change);
    for view in broken_views(cx) {
        if !cascade {
            return Err(EngineError::DependentObjects {
                table: table_name.into(),
                column: name.into(),
            });
        }
        let change = cx.catalog.drop_table(cx.txn, cx.storage, &view)?;
        cx.changes.push(change);
    }
    let new = cx.catalog.get(table_name).ok_or(EngineError::Internal {
        reason: "altered table vanished",
    })?;
    for (tid, old) in rows {
        unstore_row(cx, &table, tid, &old)?;
        let mut row = old;
        row.remove(col);
        store_row(cx, &new, &row)?;
    }
    Ok(true)
}
