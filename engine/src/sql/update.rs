//! UPDATE and DELETE: target rows, assignments (single and multi-column, DEFAULT),
//! `UPDATE … FROM` and `DELETE … USING`.
//!
//! Every change is computed before any is applied, so a statement never sees its own
//! changes (a row moved by an UPDATE is not visited again, and a FROM list over the target
//! table reads the rows as they were). With a FROM / USING list, the other tables are bound
//! as a subquery correlated to the target row (WHERE included, so index lookups on the
//! other tables apply); a target row is changed at most once, with the first joined row, as
//! PostgreSQL does when a row matches several times.
//!
//! At READ COMMITTED, a target row that a transaction committed after the statement's
//! snapshot replaced is re-checked at its newest version (EvalPlanQual, [`recheck`]): WHERE
//! again on that version, SET computed again from it; a row deleted meanwhile is left out.

use super::binder::{coerce, ident_name, Binder, Scope};
use super::dml::{
    assignable, completed, default_value, replace_row, table_of, table_scope, unstore_row,
};
use super::exec::{stream, ExecCx};
use super::expr::{Env, Expr, Row};
use super::plan::Plan;
use super::{param_types, Outcome, TxnCx};
use crate::catalog::TableDef;
use crate::error::{EngineError, Result};
use crate::types::{CastKind, DataType, Value};
use sqlparser::ast::{self, Spanned};
use std::sync::Arc;
use storage::Tid;

/// Where an assigned value comes from.
pub(super) enum Source {
    Default,
    /// The n-th bound value expression.
    Value(usize),
}

/// The FROM / USING list of a statement, and the plan matching target rows against it.
struct Joined {
    plan: Plan,
}

/// The target of an UPDATE / DELETE: a single table with an optional alias.
fn single_table(twj: &ast::TableWithJoins) -> Result<(&ast::ObjectName, Option<String>)> {
    match (&twj.relation, twj.joins.is_empty()) {
        // Not in PostgreSQL's grammar for a target table.
        (
            ast::TableFactor::Table {
                sample: Some(_), ..
            },
            _,
        ) => Err(EngineError::Syntax {
            message: "at or near \"TABLESAMPLE\"".into(),
            position: None,
        }),
        (ast::TableFactor::Table { name, alias, .. }, true) => {
            Ok((name, alias.as_ref().map(|a| ident_name(&a.name))))
        }
        _ => Err(EngineError::FeatureNotSupported {
            feature: "UPDATE/DELETE of a join".into(),
        }),
    }
}

/// Binds `SELECT items FROM from WHERE selection` correlated to the target row.
fn bind_joined(
    cx: &TxnCx<'_>,
    scope: &Scope,
    items: &[&ast::Expr],
    from: &[ast::TableWithJoins],
    selection: Option<&ast::Expr>,
) -> Result<(Joined, Vec<DataType>)> {
    let list = if items.is_empty() {
        "1".to_string()
    } else {
        items
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let from = from
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!("SELECT {list} FROM {from}");
    if let Some(w) = selection {
        sql.push_str(&format!(" WHERE {w}"));
    }
    let stmts = super::parse(&sql)?;
    let Some(ast::Statement::Query(q)) = stmts.first() else {
        return Err(EngineError::Internal {
            reason: "FROM list did not parse as a query",
        });
    };
    let mut binder = Binder::new(cx.catalog, param_types(cx.params)).with_storage(cx.storage);
    let (plan, cols) = binder.bind_subquery(q, scope)?;
    super::relation_locks::take(cx, &super::relation_locks::read_by(&plan))?;
    Ok((Joined { plan }, cols.into_iter().map(|(_, t)| t).collect()))
}

/// The first row the FROM list joins to target row `row`, if any.
fn first_match(joined: &Joined, ecx: &ExecCx<'_>, row: &Row) -> Result<Option<Row>> {
    let outer: [&[Value]; 1] = [row];
    let env = Env {
        cx: ecx,
        outer: &outer,
    };
    let mut rows = stream(&joined.plan, env)?;
    let first = rows.next().transpose();
    drop(rows);
    first
}

/// The target rows of a statement, and the condition they were chosen by (re-checked on a
/// row's newest version when a concurrent update replaced it).
struct Targets {
    rows: Vec<(Tid, Row)>,
    pred: Option<Expr>,
}

/// Every row of `table` with its tid; when no FROM list decides, only those matching WHERE,
/// found through an index when the condition fixes leading columns of one (as a query's
/// scan would), else by a full scan.
fn candidates(
    cx: &TxnCx<'_>,
    table: &Arc<TableDef>,
    scope: &Scope,
    selection: Option<&ast::Expr>,
    security: Option<&Expr>,
) -> Result<Targets> {
    let pred = match selection {
        Some(sel) => {
            let (pred, t) =
                Binder::new(cx.catalog, param_types(cx.params)).bind_expr(sel, scope, &mut None)?;
            Some(coerce(pred, &t, &DataType::Bool)?)
        }
        None => None,
    };
    // The policies' condition goes first, so the statement's own sees only rows it passes.
    let pred = match (security.cloned(), pred) {
        (Some(s), Some(p)) => Expr::And(Box::new(s), Box::new(p)),
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => {
            return Ok(Targets {
                rows: cx.reader().rows(table)?,
                pred: None,
            })
        }
    };
    // The tables the condition's subqueries read.
    let reads = super::plan::Plan::Filter {
        input: Box::new(super::plan::Plan::One),
        pred: pred.clone(),
    };
    super::relation_locks::take(cx, &super::relation_locks::read_by(&reads))?;
    let ecx = cx.exec();
    let env = Env {
        cx: &ecx,
        outer: &[],
    };
    let mut conds = Vec::new();
    super::binder::conjuncts(pred.clone(), &mut conds);
    let rows = match super::binder::index_access(table, &conds) {
        Some(super::plan::Plan::IndexScan {
            index, eq, range, ..
        }) => index_candidates(cx, table, index, &eq, range.as_ref(), env)?,
        _ => cx.reader().rows(table)?,
    };
    let mut out = Vec::new();
    for (tid, row) in rows {
        if pred.test(&row, &env)? {
            out.push((tid, row));
        }
    }
    Ok(Targets {
        rows: out,
        pred: Some(pred),
    })
}

/// EvalPlanQual at READ COMMITTED: writing the version at `tid` failed because a transaction
/// that committed after the snapshot replaced or deleted it. The row's newest version, if
/// the row still exists and still satisfies `pred` (evaluated with the statement's
/// snapshot for any subquery, as PostgreSQL re-evaluates its quals); `None` to leave the
/// row alone. Other levels, and statements whose targets a FROM / USING list chose
/// (`recheckable` false), keep the `ConcurrentUpdate` (40001, or a rerun of the statement).
fn recheck(
    cx: &TxnCx<'_>,
    table: &TableDef,
    tid: Tid,
    pred: Option<&Expr>,
    recheckable: bool,
) -> Result<Option<(Tid, Row)>> {
    if !cx.recheck_newest || !recheckable {
        return Err(EngineError::ConcurrentUpdate);
    }
    let Some((tid, row)) = crate::access::newest_version(cx.storage, table, cx.txn.id(), tid)?
    else {
        return Ok(None);
    };
    if let Some(p) = pred {
        let ecx = cx.exec();
        let env = Env {
            cx: &ecx,
            outer: &[],
        };
        if !p.test(&row, &env)? {
            return Ok(None);
        }
    }
    Ok(Some((tid, row)))
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
    cx.reader()
        .index_range(table, ix, lo, hi, storage::ScanDirection::Forward)?
        .collect()
}

fn column_of(table: &TableDef, n: &ast::ObjectName) -> Result<usize> {
    let name = match n.0.last() {
        Some(ast::ObjectNamePart::Identifier(i)) => ident_name(i),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    table
        .column_index(&name)
        .ok_or_else(|| EngineError::UndefinedColumn { name }.at_span(n.span()))
}

fn is_default(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(id) if ident_name(id) == "default")
}

/// SET's (column, source) pairs and the value expressions they use.
pub(super) type Assignments<'a> = (Vec<(usize, Source)>, Vec<&'a ast::Expr>);

/// The assignments of SET as (column, source) pairs plus the value expressions they use.
pub(super) fn assignments<'a>(
    table: &TableDef,
    list: &'a [ast::Assignment],
) -> Result<Assignments<'a>> {
    let mut sets: Vec<(usize, Source)> = Vec::new();
    let mut values = Vec::new();
    for a in list {
        let pairs: Vec<(usize, &ast::Expr)> = match &a.target {
            ast::AssignmentTarget::ColumnName(c) => vec![(column_of(table, c)?, &a.value)],
            ast::AssignmentTarget::Tuple(cols) => {
                let exprs: Vec<&ast::Expr> = match &a.value {
                    ast::Expr::Tuple(es) => es.iter().collect(),
                    ast::Expr::Nested(e) => vec![e],
                    ast::Expr::Subquery(_) => {
                        return Err(EngineError::FeatureNotSupported {
                            feature: "assignment of a subquery to several columns".into(),
                        })
                    }
                    other => vec![other],
                };
                if exprs.len() != cols.len() {
                    return Err(EngineError::Syntax {
                        message: "number of columns does not match number of values".into(),
                        position: None,
                    });
                }
                cols.iter()
                    .map(|c| column_of(table, c))
                    .zip(exprs)
                    .map(|(c, e)| c.map(|c| (c, e)))
                    .collect::<Result<_>>()?
            }
        };
        for (col, e) in pairs {
            if sets.iter().any(|(c, _)| *c == col) {
                return Err(EngineError::Syntax {
                    message: format!(
                        "multiple assignments to same column \"{}\"",
                        table.columns[col].name
                    ),
                    position: None,
                });
            }
            if is_default(e) {
                sets.push((col, Source::Default));
            } else {
                super::dml::check_identity_update(table, col)?;
                sets.push((col, Source::Value(values.len())));
                values.push(e);
            }
        }
    }
    Ok((sets, values))
}

/// The SET list's value expressions over `source`.
fn compute(exprs: &[Expr], source: &Row, ecx: &ExecCx<'_>) -> Result<Vec<Value>> {
    let env = Env {
        cx: ecx,
        outer: &[],
    };
    exprs.iter().map(|e| e.eval(source, &env)).collect()
}

/// `old` with SET's assignments applied (`computed`: the value expressions' results); also
/// ON CONFLICT DO UPDATE's.
pub(super) fn assigned(
    cx: &TxnCx<'_>,
    table: &TableDef,
    sets: &[(usize, Source)],
    old: &Row,
    computed: &[Value],
) -> Result<Row> {
    let mut new = old.clone();
    for (col, src) in sets {
        let v = match src {
            Source::Default => default_value(cx, table, *col)?,
            Source::Value(i) => computed[*i].clone(),
        };
        new[*col] = if v.is_null() {
            v
        } else {
            v.cast(&table.columns[*col].ty, CastKind::Assignment)?
        };
    }
    Ok(new)
}

/// Runs an UPDATE; also returns the number of rows updated.
pub fn update(u: &ast::Update, cx: &mut TxnCx<'_>) -> Result<(Outcome, u64)> {
    let (name, alias) = single_table(&u.table)?;
    let table = table_of(cx, name)?;
    super::privileges::check_update(cx, &table, u)?;
    super::relation_locks::take(cx, &[(table.oid, crate::lock::LockMode::RowExclusive)])?;
    let guard = super::rls::guard(
        cx,
        &table,
        crate::catalog::PolicyCmd::Update,
        super::privileges::update_reads(&table, u),
    )?;
    let security = guard.as_ref().and_then(|g| g.filter.as_ref());
    let scope = table_scope(&table, alias);
    let (sets, values) = assignments(&table, &u.assignments)?;
    let from = match &u.from {
        Some(ast::UpdateTableFromKind::AfterSet(f) | ast::UpdateTableFromKind::BeforeSet(f)) => {
            Some(f)
        }
        None => None,
    };
    // Value expressions: over the target row, or columns of the FROM list's subquery.
    let (joined, exprs, types) = match from {
        Some(f) => {
            let (j, types) = bind_joined(cx, &scope, &values, f, u.selection.as_ref())?;
            let exprs = (0..values.len())
                .map(|index| Expr::Column { up: 0, index })
                .collect();
            (Some(j), exprs, types)
        }
        None => {
            let mut binder = Binder::new(cx.catalog, param_types(cx.params));
            let mut exprs = Vec::new();
            let mut types = Vec::new();
            for e in &values {
                let (x, t) = binder.bind_expr(e, &scope, &mut None)?;
                exprs.push(x);
                types.push(t);
            }
            (None, exprs, types)
        }
    };
    let mut exprs = exprs;
    for (col, src) in &sets {
        if let Source::Value(i) = src {
            let ty = &types[*i];
            // A parameter's value is converted when it arrives (clients send text).
            if !matches!(exprs[*i], Expr::Param(_)) {
                assignable(&table.columns[*col], ty)?;
            }
            if *ty == DataType::Unknown {
                let x = std::mem::replace(&mut exprs[*i], Expr::Const(Value::Null));
                exprs[*i] = coerce(x, ty, &table.columns[*col].ty)?;
            }
        }
    }
    let selection = if joined.is_some() {
        None
    } else {
        u.selection.as_ref()
    };
    let targets = candidates(cx, &table, &scope, selection, security)?;
    let mut changes = Vec::with_capacity(targets.rows.len());
    {
        let ecx = cx.exec();
        for (tid, old) in targets.rows {
            let source = match &joined {
                Some(j) => match first_match(j, &ecx, &old)? {
                    Some(r) => r,
                    None => continue,
                },
                None => old.clone(),
            };
            let computed = compute(&exprs, &source, &ecx)?;
            changes.push((tid, old, computed));
        }
    }
    let mut returned = Vec::new();
    let mut n = 0u64;
    let keyed = super::fkey::enforce::involved(cx, &table);
    let mut updated = Vec::new();
    for (tid, old, computed) in changes {
        let (mut tid, mut old, mut computed) = (tid, old, computed);
        let written = loop {
            let new = assigned(cx, &table, &sets, &old, &computed)?;
            if let Some(g) = &guard {
                g.check_new(cx, &table, &new)?;
            }
            match replace_row(cx, &table, tid, &old, &new) {
                Ok(new_tid) => break Some((new_tid, new)),
                Err(EngineError::ConcurrentUpdate) => {}
                Err(e) => return Err(e),
            }
            // Replaced meanwhile: the SET list is computed again from the newest version.
            let Some((newest, row)) =
                recheck(cx, &table, tid, targets.pred.as_ref(), joined.is_none())?
            else {
                break None;
            };
            computed = compute(&exprs, &row, &cx.exec())?;
            (tid, old) = (newest, row);
        };
        let Some((new_tid, new)) = written else {
            continue;
        };
        n += 1;
        if keyed {
            updated.push((old, new_tid, new.clone()));
        }
        if u.returning.is_some() {
            returned.push(new);
        }
    }
    if !updated.is_empty() {
        let work = super::fkey::enforce::Work::Updated(table.clone(), updated);
        super::fkey::enforce::run(cx, work)?;
    }
    if let Some(j) = &joined {
        super::analyze::capture(&j.plan);
    }
    let out = completed(
        cx,
        &table,
        u.returning.as_deref(),
        returned,
        format!("UPDATE {n}"),
    )?;
    Ok((out, n))
}

/// Runs a DELETE; also returns the number of rows deleted.
pub fn delete(d: &ast::Delete, cx: &mut TxnCx<'_>) -> Result<(Outcome, u64)> {
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
    super::privileges::check_delete(cx, &table, d)?;
    super::relation_locks::take(cx, &[(table.oid, crate::lock::LockMode::RowExclusive)])?;
    let guard = super::rls::guard(
        cx,
        &table,
        crate::catalog::PolicyCmd::Delete,
        super::privileges::delete_reads(&table, d),
    )?;
    let security = guard.as_ref().and_then(|g| g.filter.as_ref());
    let scope = table_scope(&table, alias);
    let targets = match &d.using {
        Some(using) => {
            let (joined, _) = bind_joined(cx, &scope, &[], using, d.selection.as_ref())?;
            let ecx = cx.exec();
            let mut keep = Vec::new();
            for (tid, row) in candidates(cx, &table, &scope, None, security)?.rows {
                if first_match(&joined, &ecx, &row)?.is_some() {
                    keep.push((tid, row));
                }
            }
            super::analyze::capture(&joined.plan);
            Targets {
                rows: keep,
                pred: None,
            }
        }
        None => candidates(cx, &table, &scope, d.selection.as_ref(), security)?,
    };
    let recheckable = d.using.is_none();
    let mut n = 0u64;
    let mut returned = Vec::new();
    let keyed = super::fkey::enforce::involved(cx, &table);
    let mut deleted = Vec::new();
    for (tid, row) in targets.rows {
        let (mut tid, mut row) = (tid, row);
        let gone = loop {
            match unstore_row(cx, &table, tid, &row) {
                Ok(()) => break true,
                Err(EngineError::ConcurrentUpdate) => {}
                Err(e) => return Err(e),
            }
            // Replaced meanwhile: the newest version is deleted if it still qualifies.
            match recheck(cx, &table, tid, targets.pred.as_ref(), recheckable)? {
                Some(newest) => (tid, row) = newest,
                None => break false,
            }
        };
        if !gone {
            continue;
        }
        n += 1;
        if keyed {
            deleted.push(row.clone());
        }
        if d.returning.is_some() {
            returned.push(row);
        }
    }
    if !deleted.is_empty() {
        let work = super::fkey::enforce::Work::Deleted(table.clone(), deleted);
        super::fkey::enforce::run(cx, work)?;
    }
    let out = completed(
        cx,
        &table,
        d.returning.as_deref(),
        returned,
        format!("DELETE {n}"),
    )?;
    Ok((out, n))
}
