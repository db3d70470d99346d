//! INSERT, UPDATE and DELETE, with defaults, NOT NULL and CHECK constraints and index
//! maintenance (unique indexes report 23505 with the constraint's name).

use super::binder::{coerce, ident_name, object_name, Binder, Scope, ScopeCol};
use super::exec::run;
use super::expr::{Env, Expr, Row};
use super::upsert::Written;
use super::{param_types, Outcome, TxnCx};
use crate::catalog::{Identity, TableDef};
use crate::error::{EngineError, Result};
use crate::types::{can_cast, CastKind, DataType, Value};
use sqlparser::ast::{self, Spanned};
use std::sync::Arc;
use storage::Tid;

pub use crate::access::{committed_rows as table_rows, index_key};

pub(crate) fn table_scope(table: &TableDef, alias: Option<String>) -> Scope {
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
        star: None,
    }
}

/// Checks NOT NULL and CHECK constraints of a row about to be stored.
pub(crate) fn check_row(cx: &TxnCx<'_>, table: &TableDef, row: &Row) -> Result<()> {
    // A domain's constraints hold for every value stored as the domain's.
    for (c, v) in table.columns.iter().zip(row) {
        if let DataType::Domain(d) = &c.ty {
            super::ddl_domains::enforce(cx.catalog, &cx.exec(), d, v)?;
        }
    }
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
    let ecx = cx.exec();
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

/// Checks a new row's constraints and stores it with its index entries.
pub fn store_row(cx: &mut TxnCx<'_>, table: &TableDef, row: &Row) -> Result<Tid> {
    check_row(cx, table, row)?;
    cx.writer().insert_row(table, row)
}

/// Replaces the row version at `tid` (seen as `old`) with `new` after checking `new`'s
/// constraints; returns the new version's tid (see [`crate::access::Writer::update_row`]).
pub fn replace_row(
    cx: &mut TxnCx<'_>,
    table: &TableDef,
    tid: Tid,
    old: &Row,
    new: &Row,
) -> Result<Tid> {
    check_row(cx, table, new)?;
    cx.writer().update_row(table, tid, old, new)
}

/// Deletes the row version at `tid` (seen as `row`) and its index entries.
pub fn unstore_row(cx: &mut TxnCx<'_>, table: &TableDef, tid: Tid, row: &Row) -> Result<()> {
    cx.writer().delete_row(table, tid, row)
}

pub(super) fn table_of(cx: &TxnCx<'_>, name: &ast::ObjectName) -> Result<Arc<TableDef>> {
    let n = object_name(name);
    let t = cx
        .catalog
        .get(&n)
        .ok_or_else(|| EngineError::UndefinedTable { name: n.clone() }.at_span(name.span()))?;
    if t.sequence.is_some() {
        return Err(EngineError::WrongObjectType {
            name: n,
            expected: "a table",
        });
    }
    if t.view.is_some() {
        return Err(EngineError::FeatureNotSupported {
            feature: format!("changing rows of view \"{n}\""),
        });
    }
    Ok(t)
}

pub fn default_value(cx: &TxnCx<'_>, table: &TableDef, col: usize) -> Result<Value> {
    let c = &table.columns[col];
    // The column's default, else its domain's.
    let domain_default = match &c.ty {
        DataType::Domain(d) => d.default.as_ref(),
        _ => None,
    };
    let Some(d) = c.default.as_ref().or(domain_default) else {
        return Ok(Value::Null);
    };
    let ast = parse_expr(d)?;
    let (e, t) =
        Binder::new(cx.catalog, Vec::new()).bind_expr(&ast, &Scope::default(), &mut None)?;
    // The default is stored as its column's type by an assignment cast (a bigint
    // `nextval(...)` into an integer column).
    assignable(c, &t)?;
    let e = if t == DataType::Unknown {
        coerce(e, &t, &c.ty)?
    } else {
        e
    };
    let ecx = cx.exec();
    let v = e.eval(
        &[],
        &Env {
            cx: &ecx,
            outer: &[],
        },
    )?;
    if v.is_null() {
        return Ok(v);
    }
    Ok(v.cast(&c.ty, CastKind::Assignment)?)
}

/// Checks the foreign keys of rows an INSERT stored or its ON CONFLICT DO UPDATE changed.
fn enforce_written(
    cx: &mut TxnCx<'_>,
    table: &Arc<TableDef>,
    inserted: Vec<(Tid, Row)>,
    updated: Vec<(Row, Tid, Row)>,
) -> Result<()> {
    use super::fkey::enforce::{run, Work};
    if !inserted.is_empty() {
        run(cx, Work::Inserted(table.clone(), inserted))?;
    }
    if !updated.is_empty() {
        run(cx, Work::Updated(table.clone(), updated))?;
    }
    Ok(())
}

/// Runs an INSERT; also returns the number of rows inserted.
pub fn insert(ins: &ast::Insert, cx: &mut TxnCx<'_>) -> Result<(Outcome, u64)> {
    let ast::TableObject::TableName(name) = &ins.table else {
        return Err(EngineError::FeatureNotSupported {
            feature: "INSERT into a table function".into(),
        });
    };
    let table = table_of(cx, name)?;
    super::privileges::check_insert(cx, &table, ins)?;
    super::relation_locks::take(cx, &[(table.oid, crate::lock::LockMode::RowExclusive)])?;
    let targets = insert_targets(&table, &ins.columns)?;
    // `INSERT INTO t AS a`: the alias names the table in ON CONFLICT and RETURNING.
    let alias = ins.table_alias.as_ref().map(|a| ident_name(&a.alias));
    let guard = super::rls::guard(
        cx,
        &table,
        crate::catalog::PolicyCmd::Insert,
        ins.returning.is_some(),
    )?;
    if guard.is_some() {
        if let Some(ast::OnInsert::OnConflict(oc)) = &ins.on {
            if matches!(oc.action, ast::OnConflictAction::DoUpdate(_)) {
                return Err(super::rls::unsupported("INSERT … ON CONFLICT DO UPDATE"));
            }
        }
    }
    let mut upsert = match &ins.on {
        Some(on) => Some(super::upsert::Upsert::bind(
            cx,
            &table,
            alias.as_deref(),
            on,
        )?),
        None => None,
    };
    // Stores one row (or lets ON CONFLICT decide); returns what was written, if anything.
    let mut put = |cx: &mut TxnCx<'_>, row: Row| -> Result<Option<Written>> {
        // The policies' checks come before the table's constraints, as in PostgreSQL.
        if let Some(g) = &guard {
            g.check_new(cx, &table, &row)?;
        }
        match upsert.as_mut() {
            Some(u) => u.apply(cx, &table, &row),
            None => {
                let tid = store_row(cx, &table, &row)?;
                Ok(Some(Written::Inserted(tid, row)))
            }
        }
    };
    // The foreign keys' checks of what was written, run when the statement's rows are in
    // (as PostgreSQL's after-row triggers at the end of the statement).
    let mut inserted: Vec<(Tid, Row)> = Vec::new();
    let mut updated: Vec<(Row, Tid, Row)> = Vec::new();
    let checks = super::fkey::enforce::involved(cx, &table);
    let mut note = |w: &Written| {
        if checks {
            match w {
                Written::Inserted(tid, row) => inserted.push((*tid, row.clone())),
                Written::Updated(old, tid, new) => updated.push((old.clone(), *tid, new.clone())),
            }
        }
    };
    let Some(source) = &ins.source else {
        // INSERT ... DEFAULT VALUES: one row of defaults.
        let row = (0..table.columns.len())
            .map(|c| default_value(cx, &table, c))
            .collect::<Result<Vec<_>>>()?;
        let written: Vec<Row> = match put(cx, row)? {
            Some(w) => {
                note(&w);
                vec![w.row().clone()]
            }
            None => Vec::new(),
        };
        enforce_written(
            cx,
            &table,
            std::mem::take(&mut inserted),
            std::mem::take(&mut updated),
        )?;
        let n = written.len() as u64;
        let out = completed_as(
            cx,
            &table,
            alias,
            ins.returning.as_deref(),
            written,
            format!("INSERT 0 {n}"),
        )?;
        return Ok((out, n));
    };
    // DEFAULT in VALUES, and VALUES typed by their target columns.
    let (plan, cols, defaults) = bind_insert_source(cx, source, &table, &targets)?;
    if cols.len() > targets.len() {
        return Err(EngineError::TooManyValues);
    }
    for (&c, (_, ty)) in targets.iter().zip(&cols) {
        assignable(&table.columns[c], ty)?;
    }
    super::relation_locks::take(cx, &super::relation_locks::read_by(&plan))?;
    let ecx = cx.exec();
    let rows = run(&plan, &ecx, &[])?;
    super::analyze::capture(&plan);
    let ignored = identity_overrides(&table, &targets, ins.overriding, rows.len(), &defaults)?;
    let mut n = 0u64;
    let mut returned = Vec::new();
    for (ri, src) in rows.iter().enumerate() {
        let mut row = Vec::with_capacity(table.columns.len());
        for c in 0..table.columns.len() {
            row.push(match targets.iter().position(|&t| t == c) {
                Some(i) if i < src.len() && !defaults.contains(&(ri, i)) && !ignored[i] => {
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
        let Some(w) = put(cx, row)? else {
            continue;
        };
        note(&w);
        let row = w.row().clone();
        if ins.returning.is_some() {
            returned.push(row);
        }
        n += 1;
    }
    enforce_written(cx, &table, inserted, updated)?;
    let out = completed_as(
        cx,
        &table,
        alias,
        ins.returning.as_deref(),
        returned,
        format!("INSERT 0 {n}"),
    )?;
    Ok((out, n))
}

/// Checks explicit values for identity columns: a GENERATED ALWAYS column takes only
/// DEFAULT unless OVERRIDING SYSTEM VALUE (428C9); OVERRIDING USER VALUE ignores the values
/// given for identity columns. Returns, per target, whether its values are ignored.
pub(super) fn identity_overrides(
    table: &TableDef,
    targets: &[usize],
    overriding: Option<ast::InsertOverriding>,
    rows: usize,
    defaults: &[(usize, usize)],
) -> Result<Vec<bool>> {
    let mut ignored = vec![false; targets.len()];
    for (i, &c) in targets.iter().enumerate() {
        let col = &table.columns[c];
        match (col.identity, overriding) {
            (None, _) | (Some(_), Some(ast::InsertOverriding::System)) => {}
            (Some(_), Some(ast::InsertOverriding::User)) => ignored[i] = true,
            (Some(Identity::ByDefault), None) => {}
            (Some(Identity::Always), None) => {
                if !(0..rows).all(|r| defaults.contains(&(r, i))) {
                    return Err(EngineError::GeneratedAlways {
                        message: format!(
                            "cannot insert a non-DEFAULT value into column \"{}\"",
                            col.name
                        ),
                    });
                }
            }
        }
    }
    Ok(ignored)
}

/// The plan of an INSERT's source rows (EXPLAIN shows it under the Insert node).
pub fn insert_source_plan(ins: &ast::Insert, cx: &TxnCx<'_>) -> Result<super::plan::Plan> {
    let ast::TableObject::TableName(name) = &ins.table else {
        return Err(EngineError::FeatureNotSupported {
            feature: "INSERT into a table function".into(),
        });
    };
    let table = table_of(cx, name)?;
    let targets = insert_targets(&table, &ins.columns)?;
    match &ins.source {
        Some(source) => Ok(bind_insert_source(cx, source, &table, &targets)?.0),
        None => Ok(super::plan::Plan::One),
    }
}

/// UPDATE may set a GENERATED ALWAYS identity column only to DEFAULT (428C9).
pub fn check_identity_update(table: &TableDef, col: usize) -> Result<()> {
    let c = &table.columns[col];
    if c.identity == Some(Identity::Always) {
        return Err(EngineError::GeneratedAlways {
            message: format!("column \"{}\" can only be updated to DEFAULT", c.name),
        });
    }
    Ok(())
}

/// The target columns of an INSERT (all, in order, without a column list); a column named
/// twice is 42701.
pub(super) fn insert_targets(table: &TableDef, columns: &[ast::ObjectName]) -> Result<Vec<usize>> {
    if columns.is_empty() {
        return Ok((0..table.columns.len()).collect());
    }
    let mut out: Vec<usize> = Vec::with_capacity(columns.len());
    for c in columns {
        let n = object_name(c);
        let i = table
            .column_index(&n)
            .ok_or_else(|| EngineError::UndefinedColumn { name: n.clone() }.at_span(c.span()))?;
        if out.contains(&i) {
            return Err(EngineError::DuplicateColumnAssignment { name: n });
        }
        out.push(i);
    }
    Ok(out)
}

/// A value of type `ty` can be stored in column `col` only through an assignment cast
/// (42804 otherwise: an integer is no boolean).
pub fn assignable(col: &crate::catalog::ColumnDef, ty: &DataType) -> Result<()> {
    if *ty == DataType::Unknown || can_cast(ty, &col.ty, CastKind::Assignment) {
        return Ok(());
    }
    Err(EngineError::DatatypeMismatch {
        message: format!(
            "column \"{}\" is of type {} but expression is of type {}",
            col.name,
            col.ty.display_name(),
            ty.display_name()
        ),
    })
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
    let mut binder = Binder::new(cx.catalog, param_types(cx.params)).with_storage(cx.storage);
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
                // A parameter's value is converted when it arrives (clients send text).
                if let (Some(&c), false) = (targets.get(i), matches!(x, Expr::Param(_))) {
                    assignable(&table.columns[c], &t)?;
                }
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
pub(super) fn completed(
    cx: &TxnCx<'_>,
    table: &TableDef,
    items: Option<&[ast::SelectItem]>,
    rows: Vec<Row>,
    tag: String,
) -> Result<Outcome> {
    completed_as(cx, table, None, items, rows, tag)
}

/// [`completed`] for a table named `alias` in RETURNING.
pub(super) fn completed_as(
    cx: &TxnCx<'_>,
    table: &TableDef,
    alias: Option<String>,
    items: Option<&[ast::SelectItem]>,
    rows: Vec<Row>,
    tag: String,
) -> Result<Outcome> {
    match items {
        Some(items) => returning(cx, table, alias, items, rows),
        None => Ok(Outcome::Command { tag }),
    }
}

fn returning(
    cx: &TxnCx<'_>,
    table: &TableDef,
    alias: Option<String>,
    items: &[ast::SelectItem],
    rows: Vec<Row>,
) -> Result<Outcome> {
    let scope = table_scope(table, alias);
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
    let ecx = cx.exec();
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
