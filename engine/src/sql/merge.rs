//! MERGE (PostgreSQL 15): binding the target table, the source (a table, a subquery,
//! VALUES …), the join condition and the WHEN clauses, and running them.
//!
//! Every source row is joined to the target rows the statement's snapshot sees. A source row
//! joining no target row runs the first NOT MATCHED clause whose condition holds (INSERT or
//! DO NOTHING); each target row it joins runs the first MATCHED clause whose condition holds
//! (UPDATE, DELETE or DO NOTHING). Clause expressions see the target row followed by the
//! source row; NOT MATCHED clauses see only the source (the target's columns are hidden, as
//! in PostgreSQL). A target row that this statement already updated or deleted is never
//! changed again: a second UPDATE / DELETE of it is 21000.
//!
//! **Concurrency** (READ COMMITTED, PostgreSQL 15's rules): when writing a target row fails
//! because a transaction that committed after the snapshot replaced it, the row's newest
//! version is joined to the source row again; if it still matches, the MATCHED clauses are
//! evaluated again from the first on that version, else (also when the row was deleted) the
//! source row goes on to the NOT MATCHED clauses. At REPEATABLE READ and SERIALIZABLE it is
//! a serialization failure (40001).

use super::binder::{coerce, ident_name, object_name, Binder, Scope, ScopeCol};
use super::dml::{
    assignable, default_value, identity_overrides, insert_targets, replace_row, store_row,
    table_scope, unstore_row,
};
use super::exec::run;
use super::expr::{Env, Expr, Row};
use super::update::{assigned, assignments, Source};
use super::{merge_syntax, param_types, Outcome, TxnCx};
use crate::catalog::TableDef;
use crate::error::{EngineError, Result};
use crate::types::{CastKind, DataType, Value};
use sqlparser::ast;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use storage::Tid;

/// What a WHEN clause does.
enum Action {
    /// SET's (column, source) pairs and their value expressions.
    Update {
        sets: Vec<(usize, Source)>,
        values: Vec<Expr>,
    },
    Delete,
    /// Per column of the target table: the expression giving its value, None for its
    /// default.
    Insert {
        row: Vec<Option<Expr>>,
    },
    Nothing,
}

/// A bound WHEN clause.
struct Clause {
    matched: bool,
    /// The `AND` condition; None: always.
    pred: Option<Expr>,
    action: Action,
}

/// A bound MERGE statement.
struct Bound {
    table: Arc<TableDef>,
    /// The source's plan: its rows are the source scope's columns.
    source: super::plan::Plan,
    /// The join condition over the target row followed by the source row.
    on: Expr,
    clauses: Vec<Clause>,
    /// The equality conjuncts of `on` that target rows can be hashed by.
    keys: Option<EquiKeys>,
}

/// Equality conjuncts of ON pairing a target column with a source column of the same type,
/// compared by representation (integers, text: the database's collation compares text by
/// code point): a target row can only match a source row whose values of these columns are
/// equal, so target rows are found through a hash of them before ON itself is tested.
struct EquiKeys {
    /// Positions in the target row.
    target: Vec<usize>,
    /// Positions in the source row.
    source: Vec<usize>,
}

/// A hashable form of a key value; None for NULL (never equal) and types not hashed.
#[derive(Hash, PartialEq, Eq)]
enum KeyPart {
    Int(i64),
    Text(String),
}

fn key_part(v: &Value) -> Option<KeyPart> {
    Some(match v {
        Value::Int2(i) => KeyPart::Int(i64::from(*i)),
        Value::Int4(i) => KeyPart::Int(i64::from(*i)),
        Value::Int8(i) => KeyPart::Int(*i),
        Value::Text(t) => KeyPart::Text(t.clone()),
        _ => return None,
    })
}

fn key_of(row: &[Value], cols: &[usize]) -> Option<Vec<KeyPart>> {
    cols.iter()
        .map(|&c| row.get(c).and_then(key_part))
        .collect()
}

/// The hashable equality conjuncts of `on` (see [`EquiKeys`]); `types` are the joined
/// row's column types, the target's first `width`.
fn equi_keys(on: &Expr, types: &[DataType], width: usize) -> Option<EquiKeys> {
    let mut conds = Vec::new();
    super::binder::conjuncts(on.clone(), &mut conds);
    let mut keys = EquiKeys {
        target: Vec::new(),
        source: Vec::new(),
    };
    for c in &conds {
        let Expr::Binary(crate::types::ops::BinaryOp::Eq, l, r) = c else {
            continue;
        };
        let (Expr::Column { up: 0, index: a }, Expr::Column { up: 0, index: b }) =
            (l.as_ref(), r.as_ref())
        else {
            continue;
        };
        let (t, s) = match (*a < width, *b < width) {
            (true, false) => (*a, *b),
            (false, true) => (*b, *a),
            _ => continue,
        };
        let hashed = matches!(
            types.get(t),
            Some(DataType::Int2 | DataType::Int4 | DataType::Int8 | DataType::Text)
        );
        if hashed && types.get(t) == types.get(s) {
            keys.target.push(t);
            keys.source.push(s - width);
        }
    }
    (!keys.target.is_empty()).then_some(keys)
}

fn syntax_at(word: &str) -> EngineError {
    EngineError::Syntax {
        message: format!("at or near \"{word}\""),
        position: None,
    }
}

fn refused(code: &'static str, message: impl Into<String>) -> EngineError {
    EngineError::Merge {
        code,
        message: message.into(),
    }
}

/// The target table, refusing what PostgreSQL 15 refuses (views, sequences: 0A000).
fn target(cx: &TxnCx<'_>, name: &ast::ObjectName) -> Result<Arc<TableDef>> {
    let n = object_name(name);
    if let Some(t) = cx.catalog.get(&n) {
        let kind = if t.view.is_some() {
            Some("views")
        } else if t.sequence.is_some() {
            Some("sequences")
        } else {
            None
        };
        if let Some(kind) = kind {
            return Err(EngineError::Detailed {
                code: "0A000",
                message: format!("cannot execute MERGE on relation \"{}\"", t.name),
                detail: format!("This operation is not supported for {kind}."),
                hint: None,
            });
        }
    }
    super::dml::table_of(cx, name)
}

/// The syntax PostgreSQL 15's grammar does not have (sqlparser reads other dialects' MERGE).
fn check_syntax(m: &ast::Merge) -> Result<()> {
    if m.output.is_some() {
        return Err(syntax_at("RETURNING"));
    }
    if !m.into {
        return Err(syntax_at(&m.table.to_string()));
    }
    for c in &m.clauses {
        match c.clause_kind {
            ast::MergeClauseKind::NotMatchedBySource | ast::MergeClauseKind::NotMatchedByTarget => {
                return Err(syntax_at("BY"))
            }
            ast::MergeClauseKind::Matched | ast::MergeClauseKind::NotMatched => {}
        }
        match &c.action {
            ast::MergeAction::Update(u) => {
                if matches!(u.kind, ast::MergeUpdateKind::Wildcard) {
                    return Err(syntax_at("*"));
                }
                if u.update_predicate.is_some() {
                    return Err(syntax_at("WHERE"));
                }
                if u.delete_predicate.is_some() {
                    return Err(syntax_at("DELETE"));
                }
            }
            ast::MergeAction::Insert(i) => {
                match &i.kind {
                    ast::MergeInsertKind::Values(v) if v.rows.len() > 1 => {
                        return Err(syntax_at(","))
                    }
                    ast::MergeInsertKind::Values(_) => {}
                    ast::MergeInsertKind::Row => return Err(syntax_at("ROW")),
                    ast::MergeInsertKind::Wildcard => return Err(syntax_at("*")),
                }
                if i.insert_predicate.is_some() {
                    return Err(syntax_at("WHERE"));
                }
            }
            ast::MergeAction::Delete { .. } | ast::MergeAction::DoNothing { .. } => {}
        }
    }
    // A clause after an unconditional one of its kind could never run.
    for kind in [true, false] {
        let mut open = true;
        for c in m
            .clauses
            .iter()
            .filter(|c| matches!(c.clause_kind, ast::MergeClauseKind::Matched) == kind)
        {
            if !open {
                return Err(refused(
                    "42601",
                    "unreachable WHEN clause specified after unconditional WHEN clause",
                ));
            }
            open = c.predicate.is_some();
        }
    }
    Ok(())
}

/// `scope` with the target's columns (its first `width`) unreachable by name, for NOT
/// MATCHED clauses, which see only the source.
fn source_only(scope: &Scope, width: usize) -> Scope {
    let mut s = scope.clone();
    for c in s.cols.iter_mut().take(width) {
        c.table = None;
        c.name = String::new();
        c.merged = true;
    }
    s.star = None;
    s
}

fn bind_bool(binder: &mut Binder<'_>, e: &ast::Expr, scope: &Scope) -> Result<Expr> {
    let (x, t) = binder.bind_expr(e, scope, &mut None)?;
    binder.infer_param(&x, &t, &DataType::Bool);
    coerce(x, &t, &DataType::Bool)
}

/// Binds UPDATE SET over the target row and the source row.
fn bind_update(
    binder: &mut Binder<'_>,
    table: &TableDef,
    scope: &Scope,
    list: &[ast::Assignment],
) -> Result<Action> {
    let (sets, asts) = assignments(table, list)?;
    let mut values = Vec::with_capacity(asts.len());
    for (col, src) in &sets {
        let Source::Value(i) = src else { continue };
        let Some(e) = asts.get(*i) else { continue };
        let (x, ty) = binder.bind_expr(e, scope, &mut None)?;
        binder.infer_param(&x, &ty, &table.columns[*col].ty);
        // A parameter's value is converted when it arrives (clients send text).
        if !matches!(x, Expr::Param(_)) {
            assignable(&table.columns[*col], &ty)?;
        }
        let x = if ty == DataType::Unknown {
            coerce(x, &ty, &table.columns[*col].ty)?
        } else {
            x
        };
        values.push((*i, x));
    }
    values.sort_by_key(|(i, _)| *i);
    Ok(Action::Update {
        sets,
        values: values.into_iter().map(|(_, x)| x).collect(),
    })
}

/// Binds INSERT [(cols)] [OVERRIDING …] VALUES (…) | DEFAULT VALUES over the source row.
fn bind_insert(
    binder: &mut Binder<'_>,
    table: &TableDef,
    scope: &Scope,
    ins: &ast::MergeInsertExpr,
) -> Result<Action> {
    let ast::MergeInsertKind::Values(v) = &ins.kind else {
        return Err(syntax_at("INSERT"));
    };
    let given: &[ast::Expr] = v.rows.first().map_or(&[], |r| r.as_slice());
    let (form, given) = merge_syntax::insert_form(given);
    let width = table.columns.len();
    if let merge_syntax::InsertForm::DefaultValues = form {
        return Ok(Action::Insert {
            row: vec![None; width],
        });
    }
    let targets = insert_targets(table, &ins.columns)?;
    if given.len() > targets.len() {
        return Err(EngineError::TooManyValues);
    }
    if given.len() < targets.len() && !ins.columns.is_empty() {
        return Err(refused(
            "42601",
            "INSERT has more target columns than expressions",
        ));
    }
    let mut defaults = Vec::new();
    let mut exprs: Vec<Option<Expr>> = Vec::with_capacity(given.len());
    for (i, e) in given.iter().enumerate() {
        if matches!(e, ast::Expr::Identifier(id) if ident_name(id) == "default") {
            defaults.push((0, i));
            exprs.push(None);
            continue;
        }
        let col = &table.columns[targets[i]];
        let (x, ty) = binder.bind_expr(e, scope, &mut None)?;
        binder.infer_param(&x, &ty, &col.ty);
        if !matches!(x, Expr::Param(_)) {
            assignable(col, &ty)?;
        }
        let x = if ty == DataType::Unknown {
            coerce(x, &ty, &col.ty)?
        } else {
            x
        };
        exprs.push(Some(x));
    }
    let overriding = match form {
        merge_syntax::InsertForm::Overriding(o) => Some(o),
        _ => None,
    };
    let ignored = identity_overrides(table, &targets[..given.len()], overriding, 1, &defaults)?;
    let mut row: Vec<Option<Expr>> = vec![None; width];
    for (i, x) in exprs.into_iter().enumerate() {
        if !ignored[i] {
            row[targets[i]] = x;
        }
    }
    Ok(Action::Insert { row })
}

/// Binds the statement after its privileges are checked.
fn bind(cx: &TxnCx<'_>, m: &ast::Merge) -> Result<Bound> {
    check_syntax(m)?;
    let (name, alias) = target_name(m)?;
    let table = target(cx, name)?;
    super::privileges::check_merge(cx, &table, m)?;
    super::relation_locks::take(cx, &[(table.oid, crate::lock::LockMode::RowExclusive)])?;
    let mut binder = Binder::new(cx.catalog, param_types(cx.params)).with_storage(cx.storage);
    let parts = bind_parts(&mut binder, &table, alias, m)?;
    super::relation_locks::take(cx, &super::relation_locks::read_by(&parts.source))?;
    // The tables the conditions' subqueries read.
    let mut reads = Vec::new();
    let filter = |pred: Expr| super::plan::Plan::Filter {
        input: Box::new(super::plan::Plan::One),
        pred,
    };
    reads.extend(super::relation_locks::read_by(&filter(parts.on.clone())));
    for c in &parts.clauses {
        if let Some(p) = &c.pred {
            reads.extend(super::relation_locks::read_by(&filter(p.clone())));
        }
    }
    super::relation_locks::take(cx, &reads)?;
    let keys = equi_keys(&parts.on, &parts.types, parts.width);
    Ok(Bound {
        table,
        source: parts.source,
        on: parts.on,
        clauses: parts.clauses,
        keys,
    })
}

/// The target table's name and alias.
fn target_name(m: &ast::Merge) -> Result<(&ast::ObjectName, Option<String>)> {
    match &m.table {
        ast::TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } => Ok((name, alias.as_ref().map(|a| ident_name(&a.name)))),
        _ => Err(syntax_at("(")),
    }
}

/// The bound source, join condition and WHEN clauses.
struct Parts {
    source: super::plan::Plan,
    on: Expr,
    clauses: Vec<Clause>,
    /// The joined row's column types: the target's `width` columns, then the source's.
    types: Vec<DataType>,
    width: usize,
}

/// Binds the source, ON and the WHEN clauses of `m` into `table` (named `alias`).
fn bind_parts(
    binder: &mut Binder<'_>,
    table: &Arc<TableDef>,
    alias: Option<String>,
    m: &ast::Merge,
) -> Result<Parts> {
    let item = ast::TableWithJoins {
        relation: m.source.clone(),
        joins: Vec::new(),
    };
    let (source, source_scope) = binder.bind_from_item(&item)?;
    let target_name = alias.clone().unwrap_or_else(|| table.name.clone());
    if source_scope
        .cols
        .iter()
        .any(|c| c.table.as_deref() == Some(target_name.as_str()))
    {
        return Err(EngineError::Detailed {
            code: "42712",
            message: format!("name \"{target_name}\" specified more than once"),
            detail: String::new(),
            hint: None,
        });
    }
    let mut scope = table_scope(table, alias);
    let width = scope.cols.len();
    scope
        .cols
        .extend(source_scope.cols.iter().map(|c| ScopeCol {
            table: c.table.clone(),
            name: c.name.clone(),
            ty: c.ty.clone(),
            merged: c.merged,
        }));
    let hidden = source_only(&scope, width);
    let on = bind_bool(binder, &m.on, &scope)?;
    let mut clauses = Vec::with_capacity(m.clauses.len());
    for c in &m.clauses {
        let matched = matches!(c.clause_kind, ast::MergeClauseKind::Matched);
        let sc = if matched { &scope } else { &hidden };
        let pred = match &c.predicate {
            Some(p) => Some(bind_bool(binder, p, sc)?),
            None => None,
        };
        let action = match &c.action {
            ast::MergeAction::Update(u) => match &u.kind {
                ast::MergeUpdateKind::Set(list) => bind_update(binder, table, sc, list)?,
                ast::MergeUpdateKind::Wildcard => return Err(syntax_at("*")),
            },
            ast::MergeAction::Delete { .. } => Action::Delete,
            ast::MergeAction::Insert(i) => bind_insert(binder, table, sc, i)?,
            ast::MergeAction::DoNothing { .. } => Action::Nothing,
        };
        clauses.push(Clause {
            matched,
            pred,
            action,
        });
    }
    let types = scope.cols.iter().map(|c| c.ty.clone()).collect();
    Ok(Parts {
        source,
        on,
        clauses,
        types,
        width,
    })
}

/// Infers the types of `$n` parameters of a MERGE (a value assigned or inserted into a
/// column takes its type, conditions are boolean), for describing a prepared MERGE.
pub(super) fn describe(binder: &mut Binder<'_>, m: &ast::Merge) -> Result<()> {
    check_syntax(m)?;
    let (name, alias) = target_name(m)?;
    let n = object_name(name);
    let table = binder
        .catalog
        .get(&n)
        .ok_or(EngineError::UndefinedTable { name: n })?;
    bind_parts(binder, &table, alias, m)?;
    Ok(())
}

/// The statement's changes so far.
#[derive(Default)]
struct Changes {
    /// Tids of the target versions this statement updated or deleted.
    touched: HashSet<Tid>,
    inserted: Vec<(Tid, Row)>,
    updated: Vec<(Row, Tid, Row)>,
    deleted: Vec<Row>,
    count: u64,
}

/// The target row `t` followed by the source row `s`.
fn joined(t: &[Value], s: &[Value]) -> Row {
    let mut r = Vec::with_capacity(t.len() + s.len());
    r.extend_from_slice(t);
    r.extend_from_slice(s);
    r
}

fn holds(cx: &TxnCx<'_>, pred: Option<&Expr>, row: &Row) -> Result<bool> {
    let Some(p) = pred else {
        return Ok(true);
    };
    let ecx = cx.exec();
    let env = Env {
        cx: &ecx,
        outer: &[],
    };
    p.test(row, &env)
}

fn eval_all(cx: &TxnCx<'_>, exprs: &[Expr], row: &Row) -> Result<Vec<Value>> {
    let ecx = cx.exec();
    let env = Env {
        cx: &ecx,
        outer: &[],
    };
    exprs.iter().map(|e| e.eval(row, &env)).collect()
}

impl Bound {
    /// The first clause of the kind whose condition holds for `row`.
    fn first(&self, cx: &TxnCx<'_>, matched: bool, row: &Row) -> Result<Option<&Clause>> {
        for c in self.clauses.iter().filter(|c| c.matched == matched) {
            if holds(cx, c.pred.as_ref(), row)? {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }

    /// Runs the NOT MATCHED clauses for source row `s`.
    fn not_matched(&self, cx: &mut TxnCx<'_>, s: &[Value], ch: &mut Changes) -> Result<()> {
        let nulls = vec![Value::Null; self.table.columns.len()];
        let both = joined(&nulls, s);
        let Some(c) = self.first(cx, false, &both)? else {
            return Ok(());
        };
        let Action::Insert { row } = &c.action else {
            return Ok(());
        };
        let mut new = Vec::with_capacity(row.len());
        for (col, x) in row.iter().enumerate() {
            // Values are computed column by column, each checked against its domain as it
            // is computed (a failing column stops before the later columns' defaults take
            // sequence values, as in PostgreSQL).
            let v = match x {
                None => default_value(cx, &self.table, col)?,
                Some(x) => {
                    let v = eval_all(cx, std::slice::from_ref(x), &both)?
                        .pop()
                        .unwrap_or(Value::Null);
                    if v.is_null() {
                        v
                    } else {
                        v.cast(&self.table.columns[col].ty, CastKind::Assignment)?
                    }
                }
            };
            if let DataType::Domain(d) = &self.table.columns[col].ty {
                super::ddl_domains::enforce(cx.catalog, &cx.exec(), d, &v)?;
            }
            new.push(v);
        }
        let tid = store_row(cx, &self.table, &new)?;
        ch.inserted.push((tid, new));
        ch.count += 1;
        Ok(())
    }

    /// Runs the MATCHED clauses for target version `tid` (seen as `t`) joined to source
    /// row `s`; re-checks a version a concurrent transaction replaced (see the module doc).
    fn matched(
        &self,
        cx: &mut TxnCx<'_>,
        tid: Tid,
        t: Row,
        s: &[Value],
        ch: &mut Changes,
    ) -> Result<()> {
        // The version the snapshot saw: a later source row joined to it is refused too.
        let seen = tid;
        let (mut tid, mut t) = (tid, t);
        loop {
            let both = joined(&t, s);
            let Some(c) = self.first(cx, true, &both)? else {
                return Ok(());
            };
            let result = match &c.action {
                Action::Nothing | Action::Insert { .. } => return Ok(()),
                Action::Update { sets, values } => {
                    if ch.touched.contains(&tid) {
                        return Err(twice());
                    }
                    let computed = eval_all(cx, values, &both)?;
                    let new = assigned(cx, &self.table, sets, &t, &computed)?;
                    replace_row(cx, &self.table, tid, &t, &new).map(|new_tid| {
                        ch.touched.insert(new_tid);
                        ch.updated.push((t.clone(), new_tid, new));
                    })
                }
                Action::Delete => {
                    if ch.touched.contains(&tid) {
                        return Err(twice());
                    }
                    unstore_row(cx, &self.table, tid, &t).map(|()| ch.deleted.push(t.clone()))
                }
            };
            match result {
                Ok(()) => {
                    ch.touched.insert(seen);
                    ch.touched.insert(tid);
                    ch.count += 1;
                    return Ok(());
                }
                Err(EngineError::ConcurrentUpdate) if cx.recheck_newest => {}
                Err(e) => return Err(e),
            }
            // Replaced or deleted by a transaction that committed after the snapshot.
            let newest = crate::access::newest_version(cx.storage, &self.table, cx.txn.id(), tid)?;
            match newest {
                Some((nt, row)) if holds(cx, Some(&self.on), &joined(&row, s))? => {
                    (tid, t) = (nt, row);
                }
                _ => return self.not_matched(cx, s, ch),
            }
        }
    }
}

fn twice() -> EngineError {
    refused("21000", "MERGE command cannot affect row a second time")
}

/// The plan of a MERGE's source rows (EXPLAIN shows it under the Merge node).
pub fn source_plan(m: &ast::Merge, cx: &TxnCx<'_>) -> Result<super::plan::Plan> {
    Ok(bind(cx, m)?.source)
}

/// Runs a MERGE; also returns the number of rows inserted, updated and deleted.
pub fn merge(m: &ast::Merge, cx: &mut TxnCx<'_>) -> Result<(Outcome, u64)> {
    let b = bind(cx, m)?;
    let sources = run(&b.source, &cx.exec(), &[])?;
    super::analyze::capture(&b.source);
    let targets = cx.reader().rows(&b.table)?;
    // Target rows by their key, when ON has hashable equalities.
    let hashed: Option<HashMap<Vec<KeyPart>, Vec<usize>>> = b.keys.as_ref().map(|k| {
        let mut map: HashMap<Vec<KeyPart>, Vec<usize>> = HashMap::new();
        for (i, (_, t)) in targets.iter().enumerate() {
            if let Some(key) = key_of(t, &k.target) {
                map.entry(key).or_default().push(i);
            }
        }
        map
    });
    let all: Vec<usize> = if hashed.is_none() {
        (0..targets.len()).collect()
    } else {
        Vec::new()
    };
    let mut ch = Changes::default();
    for s in &sources {
        let candidates: &[usize] = match (&hashed, &b.keys) {
            (Some(map), Some(k)) => key_of(s, &k.source)
                .and_then(|key| map.get(&key))
                .map_or(&[], |v| v.as_slice()),
            _ => &all,
        };
        let mut hits = Vec::new();
        for &i in candidates {
            let (tid, t) = &targets[i];
            if holds(cx, Some(&b.on), &joined(t, s))? {
                hits.push((*tid, t.clone()));
            }
        }
        if hits.is_empty() {
            b.not_matched(cx, s, &mut ch)?;
        }
        for (tid, t) in hits {
            b.matched(cx, tid, t, s, &mut ch)?;
        }
    }
    {
        use super::fkey::enforce::{involved, run, Work};
        if involved(cx, &b.table) {
            if !ch.inserted.is_empty() {
                run(cx, Work::Inserted(b.table.clone(), ch.inserted))?;
            }
            if !ch.updated.is_empty() {
                run(cx, Work::Updated(b.table.clone(), ch.updated))?;
            }
            if !ch.deleted.is_empty() {
                run(cx, Work::Deleted(b.table.clone(), ch.deleted))?;
            }
        }
    }
    let n = ch.count;
    Ok((
        Outcome::Command {
            tag: format!("MERGE {n}"),
        },
        n,
    ))
}
