//! Operators that re-run a plan with changing input: dependent joins (`Plan::Apply`: LATERAL
//! items and index nested loops, the right side run per left row) and the rounds of WITH
//! RECURSIVE (`Plan::RecursiveCte`).
//!
//! Both stream: a dependent join yields each left row's matches before pulling the next left
//! row; a recursive CTE yields its base rows as they come and then one round at a time, so a
//! LIMIT above stops a recursion that would not end by itself.

use super::{row_key, run, stream, RowIter};
use crate::error::Result;
use crate::sql::expr::{Env, Expr, Row};
use crate::sql::plan::{JoinKind, Plan};
use crate::types::Value;
use std::collections::HashSet;
use std::sync::Arc;

/// The joined rows of one left row: `right` run with `lrow` as its innermost enclosing row.
pub(super) fn apply_one(
    lrow: Row,
    right: &Plan,
    kind: JoinKind,
    on: Option<&Expr>,
    right_width: usize,
    env: &Env<'_>,
) -> Result<Vec<Row>> {
    let mut outer: Vec<&[Value]> = Vec::with_capacity(env.outer.len() + 1);
    outer.push(&lrow);
    outer.extend_from_slice(env.outer);
    let rights = run(right, env.cx, &outer)?;
    let mut out = Vec::new();
    for r in rights {
        let mut joined = Vec::with_capacity(lrow.len() + right_width);
        joined.extend_from_slice(&lrow);
        joined.extend(r);
        if on.map_or(Ok(true), |p| p.test(&joined, env))? {
            out.push(joined);
        }
    }
    if out.is_empty() && kind == JoinKind::Left {
        let mut joined = lrow;
        let width = joined.len() + right_width;
        joined.resize(width, Value::Null);
        out.push(joined);
    }
    Ok(out)
}

/// The rows of a dependent join, left row by left row.
pub(super) fn apply<'a>(
    left: &'a Plan,
    right: &'a Plan,
    kind: JoinKind,
    on: Option<&'a Expr>,
    right_width: usize,
    env: Env<'a>,
) -> Result<RowIter<'a>> {
    Ok(Box::new(stream(left, env)?.flat_map(move |l| {
        match l.and_then(|lrow| apply_one(lrow, right, kind, on, right_width, &env)) {
            Ok(rows) => rows.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => vec![Err(e)],
        }
    })))
}

/// A running WITH RECURSIVE.
pub(super) struct Recursion<'a> {
    env: Env<'a>,
    id: usize,
    recursive: &'a Plan,
    /// Rows already produced (UNION only).
    seen: Option<HashSet<Vec<u8>>>,
    /// The base term, until it is exhausted.
    base: Option<RowIter<'a>>,
    /// Rows added by the round in progress: the next round's work table.
    added: Vec<Row>,
    /// Rows of the last round not yet handed out.
    pending: std::vec::IntoIter<Row>,
}

impl<'a> Recursion<'a> {
    pub(super) fn new(
        id: usize,
        base: &'a Plan,
        recursive: &'a Plan,
        all: bool,
        env: Env<'a>,
    ) -> Result<Recursion<'a>> {
        Ok(Recursion {
            env,
            id,
            recursive,
            seen: (!all).then(HashSet::new),
            base: Some(stream(base, env)?),
            added: Vec::new(),
            pending: Vec::new().into_iter(),
        })
    }

    /// Whether `row` is new (always, for UNION ALL).
    fn is_new(&mut self, row: &Row) -> bool {
        self.seen.as_mut().is_none_or(|s| s.insert(row_key(row)))
    }

    /// Runs one round over the rows the previous one added; false when there were none.
    fn round(&mut self) -> Result<bool> {
        if self.added.is_empty() {
            return Ok(false);
        }
        let work = Arc::new(std::mem::take(&mut self.added));
        let mut plan = self.recursive.clone();
        plan.set_work_table(self.id, &work);
        let rows = run(&plan, self.env.cx, self.env.outer)?;
        let mut kept = Vec::with_capacity(rows.len());
        for r in rows {
            if self.is_new(&r) {
                kept.push(r);
            }
        }
        self.added = kept.clone();
        self.pending = kept.into_iter();
        Ok(true)
    }
}

impl Iterator for Recursion<'_> {
    type Item = Result<Row>;

    fn next(&mut self) -> Option<Result<Row>> {
        loop {
            if let Some(base) = &mut self.base {
                match base.next() {
                    Some(Ok(row)) => {
                        if self.is_new(&row) {
                            self.added.push(row.clone());
                            return Some(Ok(row));
                        }
                    }
                    Some(Err(e)) => return Some(Err(e)),
                    None => self.base = None,
                }
                continue;
            }
            if let Some(row) = self.pending.next() {
                return Some(Ok(row));
            }
            match self.round() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    self.added.clear();
                    return Some(Err(e));
                }
            }
        }
    }
}
