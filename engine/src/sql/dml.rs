//! INSERT, UPDATE and DELETE, with defaults, NOT NULL and CHECK constraints and index
//! maintenance (unique indexes report 23505 with the constraint's name).

use super::binder::{coerce, ident_name, object_name, Binder, Scope, ScopeCol};
use super::exec::{run, ExecCx};
use super::expr::{Env, Expr, Row};
use super::{param_types, Outcome, TxnCx};
use crate::catalog::{IndexDef, TableDef};
use crate::error::{EngineError, Result};
use crate::types::row::{decode_row, encode_row};
use crate::types::{CastKind, DataType, Value};
use sqlparser::ast;
use std::sync::Arc;
use storage::keycode::ColumnOrder;
use storage::{StorageError, Tid};

/// Every row of a table with its tid.
pub fn table_rows(storage: &storage::Storage, table: &TableDef) -> Result<Vec<(Tid, Row)>> {
    let types: Vec<DataType> = table.columns.iter().map(|c| c.ty.clone()).collect();
    let mut out = Vec::new();
    for t in storage.heap(table.file).scan() {
        let (tid, bytes) = t?;
        out.push((tid, decode_row(&bytes, &types)?));
    }
    Ok(out)
}

/// The B+tree key of a row in an index. In a unique index, a key with a NULL gets the tid
/// appended so that NULLs never collide (NULLs are distinct, as in PostgreSQL).
pub fn index_key(index: &IndexDef, row: &[Value], tid: Tid) -> Vec<u8> {
    let mut key = Vec::new();
    let mut has_null = false;
    for &c in &index.columns {
        let v = row.get(c).unwrap_or(&Value::Null);
        has_null |= v.is_null();
        v.encode_key(&mut key, ColumnOrder::ASC);
    }
    if index.unique && has_null {
        key.extend_from_slice(&tid.page.to_be_bytes());
        key.extend_from_slice(&tid.slot.to_be_bytes());
    }
    key
}

pub fn index_error(e: StorageError, index: &IndexDef) -> EngineError {
    match e {
        StorageError::UniqueViolation { .. } => EngineError::UniqueViolation {
            constraint: index.name.clone(),
        },
        other => other.into(),
    }
}

fn table_scope(table: &TableDef, alias: Option<String>) -> Scope {
    let t = alias.unwrap_or_else(|| table.name.clone());
    Scope {
        cols: table
            .columns
            .iter()
            .map(|c| ScopeCol {
                table: Some(t.clone()),
                name: c.name.clone(),
                ty: c.ty.clone(),
                merged: false,
            })
            .collect(),
    }
}

/// Checks NOT NULL and CHECK constraints of a row about to be stored.
fn check_row(cx: &TxnCx<'_>, table: &TableDef, row: &Row) -> Result<()> {
    for (c, v) in table.columns.iter().zip(row) {
        if c.not_null && v.is_null() {
            return Err(EngineError::NotNullViolation {
                table: table.name.clone(),
                column: c.name.clone(),
            });
        }
    }
    if table.checks.is_empty() {
        return Ok(());
    }
    let scope = table_scope(table, None);
    let ecx = ExecCx {
        storage: cx.storage,
        params: cx.params,
    };
    let env = Env {
        cx: &ecx,
        outer: &[],
    };
    for ck in &table.checks {
        let ast = parse_expr(&ck.expr)?;
        let mut binder = Binder::new(cx.catalog, Vec::new());
        let (e, t) = binder.bind_expr(&ast, &scope, &mut None)?;
        let e = coerce(e, &t, &DataType::Bool)?;
        // A CHECK passes unless it is false (NULL passes).
        if let Value::Bool(false) = e.eval(row, &env)? {
            return Err(EngineError::CheckViolation {
                table: table.name.clone(),
                constraint: ck.name.clone(),
            });
        }
    }
    Ok(())
}

fn parse_expr(sql: &str) -> Result<ast::Expr> {
    crate::sql::parse_expr(sql).map_err(|e| EngineError::CatalogCorrupt {
        reason: format!("stored expression {sql}: {e}"),
    })
}

pub fn store_row(cx: &mut TxnCx<'_>, table: &TableDef, row: &Row) -> Result<Tid> {
    check_row(cx, table, row)?;
    let tid = cx
        .storage
        .heap(table.file)
        .insert(cx.txn, &encode_row(row))?;
    for ix in &table.indexes {
        let tree = cx.storage.btree(ix.file)?;
        tree.insert(cx.txn, &index_key(ix, row, tid), tid)
            .map_err(|e| index_error(e, ix))?;
    }
    Ok(tid)
}

pub fn unstore_row(cx: &mut TxnCx<'_>, table: &TableDef, tid: Tid, row: &Row) -> Result<()> {
    cx.storage.heap(table.file).delete(cx.txn, tid)?;
    for ix in &table.indexes {
        let tree = cx.storage.btree(ix.file)?;
        tree.delete(cx.txn, &index_key(ix, row, tid), tid)
            .map_err(|e| index_error(e, ix))?;
    }
    Ok(())
}

fn table_of(cx: &TxnCx<'_>, name: &ast::ObjectName) -> Result<Arc<TableDef>> {
    let n = object_name(name);
    let t = cx
        .catalog
        .get(&n)
        .ok_or(EngineError::UndefinedTable { name: n.clone() })?;
    if t.view.is_some() {
        return Err(EngineError::FeatureNotSupported {
            feature: format!("changing rows of view \"{n}\""),
        });
    }
    Ok(t)
}

pub fn default_value(cx: &TxnCx<'_>, table: &TableDef, col: usize) -> Result<Value> {
    let c = &table.columns[col];
    let Some(d) = &c.default else {
        return Ok(Value::Null);
    };
    let ast = parse_expr(d)?;
    let (e, t) =
        Binder::new(cx.catalog, Vec::new()).bind_expr(&ast, &Scope::default(), &mut None)?;
    let e = coerce(e, &t, &c.ty)?;
    let ecx = ExecCx {
        storage: cx.storage,
        params: cx.params,
    };
    e.eval(
        &[],
        &Env {
            cx: &ecx,
            outer: &[],
        },
    )
}

pub fn insert(ins: &ast::Insert, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let ast::TableObject::TableName(name) = &ins.table else {
        return Err(EngineError::FeatureNotSupported {
            feature: "INSERT into a table function".into(),
        });
    };
    let table = table_of(cx, name)?;
    let targets: Vec<usize> = if ins.columns.is_empty() {
        (0..table.columns.len()).collect()
    } else {
        ins.columns
            .iter()
            .map(|c| {
                let n = object_name(c);
                table
                    .column_index(&n)
                    .ok_or(EngineError::UndefinedColumn { name: n })
            })
            .collect::<Result<_>>()?
    };
    let Some(source) = &ins.source else {
        // INSERT ... DEFAULT VALUES: one row of defaults.
        let row = (0..table.columns.len())
            .map(|c| default_value(cx, &table, c))
            .collect::<Result<Vec<_>>>()?;
        store_row(cx, &table, &row)?;
        return completed(
            cx,
            &table,
            ins.returning.as_deref(),
            vec![row],
            "INSERT 0 1".into(),
        );
    };
    // DEFAULT in VALUES, and VALUES typed by their target columns.
    let (plan, cols, defaults) = bind_insert_source(cx, source, &table, &targets)?;
    if cols.len() > targets.len() {
        return Err(EngineError::TooManyValues);
    }
    let ecx = ExecCx {
        storage: cx.storage,
        params: cx.params,
    };
    let rows = run(&plan, &ecx, &[])?;
    let mut n = 0u64;
    let mut returned = Vec::new();
    for (ri, src) in rows.iter().enumerate() {
        let mut row = Vec::with_capacity(table.columns.len());
        for c in 0..table.columns.len() {
            row.push(match targets.iter().position(|&t| t == c) {
                Some(i) if i < src.len() && !defaults.contains(&(ri, i)) => {
                    let v = src[i].clone();
                    let t = &table.columns[c].ty;
                    if v.is_null() {
                        v
                    } else {
                        v.cast(t, CastKind::Assignment)?
                    }
                }
                _ => default_value(cx, &table, c)?,
            });
        }
        store_row(cx, &table, &row)?;
        if ins.returning.is_some() {
            returned.push(row);
        }
        n += 1;
    }
    completed(
        cx,
        &table,
        ins.returning.as_deref(),
        returned,
        format!("INSERT 0 {n}"),
    )
}

/// Infers the parameter types of an INSERT … VALUES from its target columns.
pub fn describe_insert(ins: &ast::Insert, binder: &mut Binder<'_>) -> Result<()> {
    let (ast::TableObject::TableName(name), Some(source)) = (&ins.table, &ins.source) else {
        return Ok(());
    };
    let n = object_name(name);
    let table = binder
        .catalog
        .get(&n)
        .ok_or(EngineError::UndefinedTable { name: n })?;
    let targets: Vec<usize> = if ins.columns.is_empty() {
        (0..table.columns.len()).collect()
    } else {
        ins.columns
            .iter()
            .filter_map(|c| table.column_index(&object_name(c)))
            .collect()
    };
    if let ast::SetExpr::Values(v) = source.body.as_ref() {
        let empty = Scope::default();
        for r in &v.rows {
            for (i, e) in r.iter().enumerate() {
                if let (ast::Expr::Value(_), Some(&c)) = (e, targets.get(i)) {
                    let (x, t) = binder.bind_expr(e, &empty, &mut None)?;
                    binder.infer_param(&x, &t, &table.columns[c].ty);
                }
            }
        }
    } else {
        binder.bind_query(source)?;
    }
    Ok(())
}

/// A bound INSERT source: its plan, its columns, and the (row, column) cells that said DEFAULT.
type InsertSource = (super::plan::Plan, super::Columns, Vec<(usize, usize)>);

/// Binds an INSERT's source; VALUES cells are typed by their target columns and `DEFAULT`
/// cells are reported as (row, column) positions.
fn bind_insert_source(
    cx: &TxnCx<'_>,
    source: &ast::Query,
    table: &TableDef,
    targets: &[usize],
) -> Result<InsertSource> {
    let mut binder = Binder::new(cx.catalog, param_types(cx.params));
    if let (ast::SetExpr::Values(v), None, None) =
        (source.body.as_ref(), &source.order_by, &source.limit_clause)
    {
        let empty = Scope::default();
        let mut defaults = Vec::new();
        let mut rows = Vec::with_capacity(v.rows.len());
        let width = v.rows.first().map_or(0, |r| r.len());
        for (ri, r) in v.rows.iter().enumerate() {
            if r.len() != width {
                return Err(EngineError::Syntax {
                    message: "VALUES lists must all be the same length".into(),
                    position: None,
                });
            }
            let mut row = Vec::with_capacity(r.len());
            for (i, e) in r.iter().enumerate() {
                if matches!(e, ast::Expr::Identifier(id) if ident_name(id) == "default") {
                    defaults.push((ri, i));
                    row.push(Expr::Const(Value::Null));
                    continue;
                }
                let (x, t) = binder.bind_expr(e, &empty, &mut None)?;
                let target = targets.get(i).map(|&c| table.columns[c].ty.clone());
                row.push(match target {
                    Some(tt) if t == DataType::Unknown => coerce(x, &t, &tt)?,
                    _ => x,
                });
            }
            rows.push(row);
        }
        let cols = (0..width)
            .map(|i| (format!("column{}", i + 1), DataType::Unknown))
            .collect();
        return Ok((super::plan::Plan::Values { rows }, cols, defaults));
    }
    let (plan, cols) = binder.bind_query(source)?;
    Ok((plan, cols, Vec::new()))
}

/// A DML statement's result: its RETURNING rows, or its command tag.
fn completed(
    cx: &TxnCx<'_>,
    table: &TableDef,
    items: Option<&[ast::SelectItem]>,
    rows: Vec<Row>,
    tag: String,
) -> Result<Outcome> {
    match items {
        Some(items) => returning(cx, table, items, rows),
        None => Ok(Outcome::Command { tag }),
    }
}

fn returning(
    cx: &TxnCx<'_>,
    table: &TableDef,
    items: &[ast::SelectItem],
    rows: Vec<Row>,
) -> Result<Outcome> {
    let scope = table_scope(table, None);
    let mut binder = Binder::new(cx.catalog, param_types(cx.params));
    let mut exprs = Vec::new();
    let mut columns = Vec::new();
    for it in items {
        match it {
            ast::SelectItem::Wildcard(_) => {
                for (i, c) in table.columns.iter().enumerate() {
                    exprs.push(Expr::Column { up: 0, index: i });
                    columns.push((c.name.clone(), c.ty.clone()));
                }
            }
            ast::SelectItem::UnnamedExpr(e) => {
                let (x, t) = binder.bind_expr(e, &scope, &mut None)?;
                exprs.push(x);
                columns.push((super::binder::output_name(e), t));
            }
            ast::SelectItem::ExprWithAlias { expr, alias } => {
                let (x, t) = binder.bind_expr(expr, &scope, &mut None)?;
                exprs.push(x);
                columns.push((ident_name(alias), t));
            }
            _ => {
                return Err(EngineError::FeatureNotSupported {
                    feature: "this RETURNING item".into(),
                })
            }
        }
    }
    let ecx = ExecCx {
        storage: cx.storage,
        params: cx.params,
    };
    let env = Env {
        cx: &ecx,
        outer: &[],
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(
            exprs
                .iter()
                .map(|e| e.eval(r, &env))
                .collect::<Result<Vec<_>>>()?,
        );
    }
    Ok(Outcome::Rows { columns, rows: out })
}

/// The rows of `table` matching `selection`, with their tids: through an index when the
/// condition fixes leading columns of one (as a query's scan would), else by a full scan.
fn matching(
    cx: &TxnCx<'_>,
    table: &Arc<TableDef>,
    alias: Option<String>,
    selection: Option<&ast::Expr>,
) -> Result<Vec<(Tid, Row)>> {
    let Some(sel) = selection else {
        return table_rows(cx.storage, table);
    };
    let scope = table_scope(table, alias);
    let (pred, t) =
        Binder::new(cx.catalog, param_types(cx.params)).bind_expr(sel, &scope, &mut None)?;
    let pred = coerce(pred, &t, &DataType::Bool)?;
    let ecx = ExecCx {
        storage: cx.storage,
        params: cx.params,
    };
    let env = Env {
        cx: &ecx,
        outer: &[],
    };
    let mut conds = Vec::new();
    super::binder::conjuncts(pred.clone(), &mut conds);
    let candidates = match super::binder::index_access(table, &conds) {
        Some(super::plan::Plan::IndexScan {
            index, eq, range, ..
        }) => index_candidates(cx, table, index, &eq, range.as_ref(), env)?,
        _ => table_rows(cx.storage, table)?,
    };
    let mut out = Vec::new();
    for (tid, row) in candidates {
        if pred.test(&row, &env)? {
            out.push((tid, row));
        }
    }
    Ok(out)
}

/// The rows an index range points at, with their tids.
fn index_candidates(
    cx: &TxnCx<'_>,
    table: &TableDef,
    index: usize,
    eq: &[Expr],
    range: Option<&(std::ops::Bound<Expr>, std::ops::Bound<Expr>)>,
    env: Env<'_>,
) -> Result<Vec<(Tid, Row)>> {
    let Some((lo, hi)) = super::exec::index_range(eq, range, env)? else {
        return Ok(Vec::new());
    };
    let ix = table.indexes.get(index).ok_or(EngineError::Internal {
        reason: "index scan of a missing index",
    })?;
    let tree = cx.storage.btree(ix.file)?;
    let heap = cx.storage.heap(table.file);
    let types: Vec<DataType> = table.columns.iter().map(|c| c.ty.clone()).collect();
    let mut out = Vec::new();
    for entry in tree.range(lo, hi, storage::ScanDirection::Forward) {
        let (_, tid) = entry?;
        if let Some(bytes) = heap.get(tid)? {
            out.push((tid, decode_row(&bytes, &types)?));
        }
    }
    Ok(out)
}

fn single_table(twj: &ast::TableWithJoins) -> Result<(&ast::ObjectName, Option<String>)> {
    match (&twj.relation, twj.joins.is_empty()) {
        (ast::TableFactor::Table { name, alias, .. }, true) => {
            Ok((name, alias.as_ref().map(|a| ident_name(&a.name))))
        }
        _ => Err(EngineError::FeatureNotSupported {
            feature: "UPDATE/DELETE over joins".into(),
        }),
    }
}

pub fn update(u: &ast::Update, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    if u.from.is_some() {
        return Err(EngineError::FeatureNotSupported {
            feature: "UPDATE ... FROM".into(),
        });
    }
    let (name, alias) = single_table(&u.table)?;
    let table = table_of(cx, name)?;
    let scope = table_scope(&table, alias.clone());
    let mut sets = Vec::new();
    {
        let mut binder = Binder::new(cx.catalog, param_types(cx.params));
        for a in &u.assignments {
            let ast::AssignmentTarget::ColumnName(c) = &a.target else {
                return Err(EngineError::FeatureNotSupported {
                    feature: "multi-column assignment".into(),
                });
            };
            let n = c.0.last().map(|p| match p {
                ast::ObjectNamePart::Identifier(i) => ident_name(i),
                other => other.to_string(),
            });
            let n = n.unwrap_or_default();
            let col = table
                .column_index(&n)
                .ok_or(EngineError::UndefinedColumn { name: n })?;
            if matches!(&a.value, ast::Expr::Identifier(id) if ident_name(id) == "default") {
                sets.push((col, Expr::Const(default_value(cx, &table, col)?)));
                continue;
            }
            let (x, t) = binder.bind_expr(&a.value, &scope, &mut None)?;
            let ty = table.columns[col].ty.clone();
            let x = if t == DataType::Unknown {
                coerce(x, &t, &ty)?
            } else {
                x
            };
            sets.push((col, x));
        }
    }
    let targets = matching(cx, &table, alias, u.selection.as_ref())?;
    let mut returned = Vec::new();
    let n = targets.len();
    for (tid, old) in targets {
        let mut new = old.clone();
        {
            let ecx = ExecCx {
                storage: cx.storage,
                params: cx.params,
            };
            let env = Env {
                cx: &ecx,
                outer: &[],
            };
            for (col, e) in &sets {
                let v = e.eval(&old, &env)?;
                new[*col] = if v.is_null() {
                    v
                } else {
                    v.cast(&table.columns[*col].ty, CastKind::Assignment)?
                };
            }
        }
        unstore_row(cx, &table, tid, &old)?;
        store_row(cx, &table, &new)?;
        if u.returning.is_some() {
            returned.push(new);
        }
    }
    completed(
        cx,
        &table,
        u.returning.as_deref(),
        returned,
        format!("UPDATE {n}"),
    )
}

pub fn delete(d: &ast::Delete, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let from = match &d.from {
        ast::FromTable::WithFromKeyword(f) | ast::FromTable::WithoutKeyword(f) => f,
    };
    let [twj] = from.as_slice() else {
        return Err(EngineError::FeatureNotSupported {
            feature: "DELETE from several tables".into(),
        });
    };
    let (name, alias) = single_table(twj)?;
    let table = table_of(cx, name)?;
    let targets = matching(cx, &table, alias, d.selection.as_ref())?;
    let n = targets.len();
    let mut returned = Vec::new();
    for (tid, row) in targets {
        unstore_row(cx, &table, tid, &row)?;
        if d.returning.is_some() {
            returned.push(row);
        }
    }
    completed(
        cx,
        &table,
        d.returning.as_deref(),
        returned,
        format!("DELETE {n}"),
    )
}
