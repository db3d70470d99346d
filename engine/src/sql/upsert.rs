//! `INSERT … ON CONFLICT`: choosing the arbiter indexes (by inference from a column list, by
//! constraint name, or every unique index for a bare `DO NOTHING`), binding `DO UPDATE SET …
//! [WHERE …]` over the existing row and `EXCLUDED`, and inserting each proposed row or acting
//! on the row it conflicts with.
//!
//! **Concurrency** (PostgreSQL's guarantee: concurrent upserts of one key never fail with
//! 23505 and never lose an update). For each proposed row, [`Upsert::apply`] loops:
//! 1. It probes every arbiter index for the row's key. An entry whose version another
//!    running transaction inserted or is deleting is waited for (through the lock manager,
//!    so the wait is visible, interruptible and part of deadlock detection), then the probe
//!    starts over.
//! 2. A live version that the statement's snapshot does not see was committed after the
//!    snapshot: [`EngineError::ConcurrentUpdate`] — at READ COMMITTED the statement runs
//!    again with a new snapshot (which sees it), at REPEATABLE READ and SERIALIZABLE it is
//!    40001, as PostgreSQL.
//! 3. A visible live version is the conflict: DO NOTHING skips the row; DO UPDATE locks the
//!    version (row lock in UPDATE strength; a version changed since is again a
//!    `ConcurrentUpdate`), evaluates WHERE and replaces it.
//! 4. No conflict: the row is inserted under a savepoint. Should an arbiter index meet a
//!    concurrent insert of the same key that commits meanwhile (the insert waits for it, then
//!    fails with 23505), the insert is rolled back to the savepoint and the loop starts over,
//!    now finding that row as the conflict. A 23505 from a non-arbiter index is the
//!    statement's error, as in PostgreSQL.
//!
//! A version this statement inserted or produced by an update is never changed again by it:
//! DO UPDATE meeting one is 21000, DO NOTHING skips the row.

use super::binder::{coerce, ident_name, object_name, Binder, Scope, ScopeCol};
use super::dml::{assignable, check_row, replace_row, table_scope};
use super::expr::{Env, Expr, Row};
use super::update::{assigned, assignments, Source};
use super::{param_types, TxnCx};
use crate::catalog::TableDef;
use crate::error::{EngineError, Result};
use crate::row_lock::{lock_row, Strength, WaitPolicy};
use crate::types::row::decode_row;
use crate::types::{DataType, Value};
use sqlparser::ast;
use std::collections::HashSet;
use storage::{Tid, TxnId};

/// The pseudo-relation naming the proposed row in DO UPDATE.
const EXCLUDED: &str = "excluded";

/// DO UPDATE's bound SET list and WHERE, over the existing row followed by the proposed one.
struct DoUpdate {
    sets: Vec<(usize, Source)>,
    values: Vec<Expr>,
    pred: Option<Expr>,
}

/// A bound ON CONFLICT clause and what the statement has changed so far.
pub(super) struct Upsert {
    /// Positions in `table.indexes` of the arbiter indexes (all unique).
    arbiters: Vec<usize>,
    /// None: DO NOTHING.
    update: Option<DoUpdate>,
    /// Versions this statement inserted or wrote by an update.
    touched: HashSet<Tid>,
}

fn refused(code: &'static str, message: impl Into<String>) -> EngineError {
    EngineError::OnConflict {
        code,
        message: message.into(),
    }
}

impl Upsert {
    /// Binds the clause for `table` (named `alias` in expressions when given).
    pub(super) fn bind(
        cx: &TxnCx<'_>,
        table: &TableDef,
        alias: Option<&str>,
        on: &ast::OnInsert,
    ) -> Result<Upsert> {
        let ast::OnInsert::OnConflict(oc) = on else {
            return Err(EngineError::FeatureNotSupported {
                feature: "ON DUPLICATE KEY UPDATE".into(),
            });
        };
        let arbiters = match &oc.conflict_target {
            None => {
                if matches!(oc.action, ast::OnConflictAction::DoUpdate(_)) {
                    return Err(EngineError::Syntax {
                        message:
                            "ON CONFLICT DO UPDATE requires inference specification or constraint name"
                                .into(),
                        position: None,
                    });
                }
                // DO NOTHING without a target: a conflict in any unique index.
                (0..table.indexes.len())
                    .filter(|&i| table.indexes[i].unique)
                    .collect()
            }
            Some(ast::ConflictTarget::Columns { columns, predicate }) => {
                infer(cx, table, alias, columns, predicate.as_ref())?
            }
            Some(ast::ConflictTarget::OnConstraint(name)) => by_constraint(table, name)?,
        };
        let update = match &oc.action {
            ast::OnConflictAction::DoNothing => None,
            ast::OnConflictAction::DoUpdate(du) => Some(bind_update(cx, table, alias, du)?),
        };
        Ok(Upsert {
            arbiters,
            update,
            touched: HashSet::new(),
        })
    }

    /// Inserts the proposed row `row` or acts on the row it conflicts with (see the module
    /// doc). Returns what was written, None when nothing was.
    pub(super) fn apply(
        &mut self,
        cx: &mut TxnCx<'_>,
        table: &TableDef,
        row: &Row,
    ) -> Result<Option<Written>> {
        // As PostgreSQL: the proposed row's own constraints come before any conflict check.
        check_row(cx, table, row)?;
        let me = cx.txn.id();
        loop {
            match self.probe(cx, table, row, me)? {
                Probe::Wait(holder) => {
                    cx.waits.for_transaction(cx.storage, me, holder)?;
                }
                Probe::Conflict(tid, visible, existing) => {
                    if !visible {
                        return Err(EngineError::ConcurrentUpdate);
                    }
                    if self.update.is_none() {
                        return Ok(None);
                    }
                    return self.update_existing(cx, table, tid, existing, row);
                }
                Probe::Free => {
                    let sp = cx.txn.savepoint();
                    match cx.writer().insert_row(table, row) {
                        Ok(tid) => {
                            self.touched.insert(tid);
                            return Ok(Some(Written::Inserted(tid, row.clone())));
                        }
                        Err(EngineError::UniqueViolation { constraint, .. })
                            if self
                                .arbiters
                                .iter()
                                .any(|&i| table.indexes[i].name == constraint) =>
                        {
                            // A concurrent insert of the key committed while this one
                            // waited: undo ours and take the conflict path.
                            cx.txn.rollback_to(sp)?;
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    }

    /// Looks for a version conflicting with `row` in the arbiter indexes.
    fn probe(&self, cx: &TxnCx<'_>, table: &TableDef, row: &Row, me: TxnId) -> Result<Probe> {
        let heap = cx.storage.heap(table.file);
        let types: Vec<DataType> = table.columns.iter().map(|c| c.ty.clone()).collect();
        for &i in &self.arbiters {
            let ix = &table.indexes[i];
            // A key with a NULL never conflicts (NULLs are distinct).
            if ix.columns.iter().any(|&c| row[c].is_null()) {
                continue;
            }
            let key = super::dml::index_key(ix, row, Tid { page: 0, slot: 0 });
            for tid in cx.storage.btree(ix.file)?.get(&key)? {
                let Some((h, bytes)) = heap.get_with_header(tid)? else {
                    continue;
                };
                if h.xmin != me && cx.storage.is_running(h.xmin) {
                    return Ok(Probe::Wait(h.xmin));
                }
                if h.xmax != TxnId::NONE {
                    if h.xmax != me && cx.storage.is_running(h.xmax) {
                        return Ok(Probe::Wait(h.xmax));
                    }
                    // Deleted by this transaction or by a committed one.
                    continue;
                }
                let visible = cx.snapshot.tuple_visible(&h);
                return Ok(Probe::Conflict(tid, visible, decode_row(&bytes, &types)?));
            }
        }
        Ok(Probe::Free)
    }

    /// DO UPDATE on the version at `tid` (seen as `existing`), with `proposed` as EXCLUDED.
    fn update_existing(
        &mut self,
        cx: &mut TxnCx<'_>,
        table: &TableDef,
        tid: Tid,
        existing: Row,
        proposed: &Row,
    ) -> Result<Option<Written>> {
        if self.touched.contains(&tid) {
            return Err(refused(
                "21000",
                "ON CONFLICT DO UPDATE command cannot affect row a second time",
            ));
        }
        let me = cx.txn.id();
        // The lock stays until the transaction ends, as PostgreSQL's (also when WHERE is
        // false). A version changed since the probe is a ConcurrentUpdate.
        lock_row(
            cx.storage,
            &cx.waits,
            me,
            table,
            tid,
            Strength::Update,
            WaitPolicy::Block,
        )?;
        let Some(du) = &self.update else {
            return Ok(None);
        };
        let mut both = existing.clone();
        both.extend(proposed.iter().cloned());
        let mut computed = Vec::with_capacity(du.values.len());
        {
            let ecx = cx.exec();
            let env = Env {
                cx: &ecx,
                outer: &[],
            };
            if let Some(p) = &du.pred {
                if !p.test(&both, &env)? {
                    return Ok(None);
                }
            }
            for e in &du.values {
                computed.push(e.eval(&both, &env)?);
            }
        }
        let new = assigned(cx, table, &du.sets, &existing, &computed)?;
        let new_tid = replace_row(cx, table, tid, &existing, &new)?;
        self.touched.insert(new_tid);
        Ok(Some(Written::Updated(existing, new_tid, new)))
    }
}

/// A row an INSERT wrote.
pub(super) enum Written {
    /// Inserted at this tid.
    Inserted(Tid, Row),
    /// DO UPDATE replaced the old version (first) with the new one at the tid.
    Updated(Row, Tid, Row),
}

impl Written {
    /// The row as written (what RETURNING returns).
    pub(super) fn row(&self) -> &Row {
        match self {
            Written::Inserted(_, r) | Written::Updated(_, _, r) => r,
        }
    }
}

/// What probing the arbiter indexes found.
enum Probe {
    /// No live version with the key.
    Free,
    /// A running transaction inserting or deleting a version with the key.
    Wait(TxnId),
    /// A live version with the key: its tid, whether the snapshot sees it, its row.
    Conflict(Tid, bool, Row),
}

/// The unique indexes whose columns are exactly the target columns (as sets; PostgreSQL's
/// inference). The target's WHERE only chooses among partial indexes, which Quill does not
/// have: it is bound (so its errors are PostgreSQL's) and every matching index is an arbiter,
/// as PostgreSQL accepts a non-partial index whatever the predicate.
fn infer(
    cx: &TxnCx<'_>,
    table: &TableDef,
    alias: Option<&str>,
    columns: &[ast::Ident],
    predicate: Option<&ast::Expr>,
) -> Result<Vec<usize>> {
    let mut want = HashSet::new();
    for c in columns {
        let n = ident_name(c);
        let i = table
            .column_index(&n)
            .ok_or_else(|| EngineError::UndefinedColumn { name: n.clone() }.at_span(c.span))?;
        want.insert(i);
    }
    if let Some(p) = predicate {
        let scope = table_scope(table, alias.map(str::to_owned));
        let mut binder = Binder::new(cx.catalog, param_types(cx.params));
        let (e, t) = binder.bind_expr(p, &scope, &mut None)?;
        coerce(e, &t, &DataType::Bool)?;
    }
    let found: Vec<usize> = (0..table.indexes.len())
        .filter(|&i| {
            let ix = &table.indexes[i];
            ix.unique && ix.columns.iter().copied().collect::<HashSet<_>>() == want
        })
        .collect();
    if found.is_empty() {
        return Err(refused(
            "42P10",
            "there is no unique or exclusion constraint matching the ON CONFLICT specification",
        ));
    }
    Ok(found)
}

/// The index of the unique or primary key constraint `name` of `table`.
fn by_constraint(table: &TableDef, name: &ast::ObjectName) -> Result<Vec<usize>> {
    let n = object_name(name);
    if let Some(i) = table
        .indexes
        .iter()
        .position(|ix| ix.unique && ix.name == n)
    {
        return Ok(vec![i]);
    }
    if table.checks.iter().any(|c| c.name == n) {
        return Err(refused(
            "42809",
            "constraint in ON CONFLICT clause has no associated index",
        ));
    }
    Err(refused(
        "42704",
        format!(
            "constraint \"{n}\" for table \"{}\" does not exist",
            table.name
        ),
    ))
}

/// The scope of DO UPDATE's expressions: the target row, then `EXCLUDED`.
fn update_scope(table: &TableDef, alias: Option<&str>) -> Scope {
    let mut scope = table_scope(table, alias.map(str::to_owned));
    scope.cols.extend(table.columns.iter().map(|c| ScopeCol {
        table: Some(EXCLUDED.to_owned()),
        name: c.name.clone(),
        ty: c.ty.clone(),
        merged: false,
    }));
    scope
}

/// Infers the types of `$n` parameters in DO UPDATE (a value assigned to a column takes
/// its type, WHERE is boolean), for describing a prepared INSERT.
pub(super) fn describe(
    binder: &mut Binder<'_>,
    table: &TableDef,
    alias: Option<&str>,
    on: &ast::OnInsert,
) -> Result<()> {
    let ast::OnInsert::OnConflict(ast::OnConflict {
        action: ast::OnConflictAction::DoUpdate(du),
        ..
    }) = on
    else {
        return Ok(());
    };
    let scope = update_scope(table, alias);
    let (sets, asts) = assignments(table, &du.assignments)?;
    for (col, src) in &sets {
        if let Source::Value(i) = src {
            let (x, t) = binder.bind_expr(asts[*i], &scope, &mut None)?;
            binder.infer_param(&x, &t, &table.columns[*col].ty);
        }
    }
    if let Some(w) = &du.selection {
        let (x, t) = binder.bind_expr(w, &scope, &mut None)?;
        binder.infer_param(&x, &t, &DataType::Bool);
    }
    Ok(())
}

/// Binds DO UPDATE: SET values and WHERE over the target row (named by the table or its
/// alias) followed by `EXCLUDED`; an unqualified column name is ambiguous between them, as
/// in PostgreSQL.
fn bind_update(
    cx: &TxnCx<'_>,
    table: &TableDef,
    alias: Option<&str>,
    du: &ast::DoUpdate,
) -> Result<DoUpdate> {
    let scope = update_scope(table, alias);
    let (sets, asts) = assignments(table, &du.assignments)?;
    let mut binder = Binder::new(cx.catalog, param_types(cx.params));
    let mut values = Vec::with_capacity(asts.len());
    let mut types = Vec::with_capacity(asts.len());
    for e in &asts {
        let (x, t) = binder.bind_expr(e, &scope, &mut None)?;
        values.push(x);
        types.push(t);
    }
    for (col, src) in &sets {
        if let Source::Value(i) = src {
            let ty = &types[*i];
            // A parameter's value is converted when it arrives (clients send text).
            if !matches!(values[*i], Expr::Param(_)) {
                assignable(&table.columns[*col], ty)?;
            }
            if *ty == DataType::Unknown {
                let x = std::mem::replace(&mut values[*i], Expr::Const(Value::Null));
                values[*i] = coerce(x, ty, &table.columns[*col].ty)?;
            }
        }
    }
    let pred = match &du.selection {
        Some(w) => {
            let (e, t) = binder.bind_expr(w, &scope, &mut None)?;
            Some(coerce(e, &t, &DataType::Bool)?)
        }
        None => None,
    };
    Ok(DoUpdate { sets, values, pred })
}
