//! Row-locking clauses of a query (`FOR UPDATE`, `FOR NO KEY UPDATE`, `FOR SHARE`,
//! `FOR KEY SHARE`, with `OF` and `NOWAIT` / `SKIP LOCKED`): PostgreSQL's checks of where
//! they may stand, and the plan's LockRows step.
//!
//! Only a statement's own SELECT may lock rows, and only those of a single base table in its
//! FROM clause. PostgreSQL also locks rows of joins, views and subqueries in FROM, and of
//! queries nested in other statements; those forms are refused with 0A000 naming them.
//! The plan carries each row's tid from the table's scan (a `TidScan`) through the filters,
//! projections and sorts above it up to a `LockRows` node placed where PostgreSQL places it:
//! above them and below LIMIT / OFFSET, so `ORDER BY … LIMIT 1 FOR UPDATE SKIP LOCKED` locks
//! only the row it returns.

use super::Binder;
use crate::catalog::TableDef;
use crate::error::{EngineError, Result};
use crate::row_lock::{Strength, WaitPolicy};
use crate::sql::expr::Expr;
use crate::sql::lock_syntax::{clauses, LockClause};
use crate::sql::plan::Plan;
use sqlparser::ast;
use std::sync::Arc;

/// What a query's locking clauses lock.
pub(super) struct Locking {
    /// The first clause as PostgreSQL names it in messages (`FOR UPDATE`).
    clause: &'static str,
    /// The table whose rows are locked, with the strongest strength and wait policy of the
    /// clauses that apply to it; None when the query has no FROM clause.
    target: Option<(Arc<TableDef>, Strength, WaitPolicy)>,
    /// The UPDATE policies' security qual of the locked table when row-level security
    /// applies to it: rows a role may not update are not locked (nor returned), as in
    /// PostgreSQL, where it filters the scan before the SELECT policies do.
    update_qual: Option<Expr>,
}

fn refused(code: &'static str, message: String) -> EngineError {
    EngineError::Locking { code, message }
}

fn unsupported(clause: &str, what: &str) -> EngineError {
    EngineError::FeatureNotSupported {
        feature: format!("{clause} {what}"),
    }
}

/// The names FROM items are referred to by (their aliases, else their names).
fn refnames(from: &[ast::TableWithJoins]) -> Vec<String> {
    fn of_factor(f: &ast::TableFactor, out: &mut Vec<String>) {
        let alias = |a: &Option<ast::TableAlias>| a.as_ref().map(|a| super::ident_name(&a.name));
        match f {
            ast::TableFactor::Table { name, alias: a, .. } => {
                out.extend(alias(a).or_else(|| crate::sql::syscat::name_parts(name).pop()))
            }
            ast::TableFactor::NestedJoin {
                table_with_joins,
                alias: a,
            } => {
                out.extend(alias(a));
                of_twj(table_with_joins, out);
            }
            ast::TableFactor::Derived { alias: a, .. }
            | ast::TableFactor::UNNEST { alias: a, .. }
            | ast::TableFactor::Function { alias: a, .. } => out.extend(alias(a)),
            _ => {}
        }
    }
    fn of_twj(t: &ast::TableWithJoins, out: &mut Vec<String>) {
        of_factor(&t.relation, out);
        for j in &t.joins {
            of_factor(&j.relation, out);
        }
    }
    let mut out = Vec::new();
    for t in from {
        of_twj(t, &mut out);
    }
    out
}

/// Whether a select-list item calls a window function (at its top).
fn is_window_call(item: &ast::SelectItem) -> bool {
    match item {
        ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
            matches!(e, ast::Expr::Function(f) if f.over.is_some())
        }
        _ => false,
    }
}

impl Binder<'_> {
    /// Checks the locking clauses of `q` as PostgreSQL does and finds what they lock.
    /// `may_lock`: `q` is a statement's own query.
    pub(super) fn locking(&mut self, q: &ast::Query, may_lock: bool) -> Result<Locking> {
        let list = clauses(q);
        let Some(first) = list.first() else {
            return Err(EngineError::Internal {
                reason: "locking checked without a locking clause",
            });
        };
        let clause = first.strength.clause();
        if !may_lock {
            return Err(unsupported(
                clause,
                "in a subquery, a WITH query, a view, a cursor or a statement other than SELECT",
            ));
        }
        let s = match q.body.as_ref() {
            ast::SetExpr::Select(s) => s,
            ast::SetExpr::SetOperation { .. } => {
                return Err(refused(
                    "0A000",
                    format!("{clause} is not allowed with UNION/INTERSECT/EXCEPT"),
                ))
            }
            ast::SetExpr::Values(_) => {
                return Err(refused(
                    "0A000",
                    format!("{clause} cannot be applied to VALUES"),
                ))
            }
            _ => return Err(unsupported(clause, "of this query form")),
        };
        let not_allowed =
            |with: &str| refused("0A000", format!("{clause} is not allowed with {with}"));
        if s.distinct.is_some() {
            return Err(not_allowed("DISTINCT clause"));
        }
        if !matches!(&s.group_by, ast::GroupByExpr::Expressions(g, m) if g.is_empty() && m.is_empty())
        {
            return Err(not_allowed("GROUP BY clause"));
        }
        if s.having.is_some() {
            return Err(not_allowed("HAVING clause"));
        }
        let order_by: &[ast::OrderByExpr] = match q.order_by.as_ref().map(|o| &o.kind) {
            Some(ast::OrderByKind::Expressions(e)) => e,
            _ => &[],
        };
        let aggregated = s.projection.iter().any(|p| match p {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                super::walk::contains_aggregate(e)
            }
            _ => false,
        }) || order_by
            .iter()
            .any(|o| super::walk::contains_aggregate(&o.expr));
        if aggregated {
            return Err(not_allowed("aggregate functions"));
        }
        if s.projection.iter().any(is_window_call) {
            return Err(not_allowed("window functions"));
        }
        let names = refnames(&s.from);
        let mut applying: Vec<&LockClause> = Vec::new();
        for c in &list {
            match &c.of {
                None => applying.push(c),
                Some(of) => {
                    if of.0.len() != 1 {
                        return Err(refused(
                            "42601",
                            format!(
                                "{} must specify unqualified relation names",
                                c.strength.clause()
                            ),
                        ));
                    }
                    let n = crate::sql::syscat::name_parts(of).pop().unwrap_or_default();
                    if !names.contains(&n) {
                        return Err(refused(
                            "42P01",
                            format!(
                                "relation \"{n}\" in {} clause not found in FROM clause",
                                c.strength.clause()
                            ),
                        ));
                    }
                    applying.push(c);
                }
            }
        }
        if s.from.is_empty() {
            return Ok(Locking {
                clause,
                target: None,
                update_qual: None,
            });
        }
        let table = self.locked_table(clause, &s.from)?;
        let strength = applying.iter().map(|c| c.strength).max();
        let wait = applying.iter().map(|c| c.wait).max();
        let (Some(strength), Some(wait)) = (strength, wait) else {
            return Err(unsupported(clause, "of part of the FROM clause"));
        };
        let update_qual = match crate::sql::rls::applies(self.catalog, &table, self.check_as)? {
            Some(role) if self.privilege_checks => {
                Some(self.policy_qual(&table, &[crate::catalog::PolicyCmd::Update], role)?)
            }
            _ => None,
        };
        Ok(Locking {
            clause,
            target: Some((table, strength, wait)),
            update_qual,
        })
    }

    /// The single base table of a FROM clause whose rows are locked.
    fn locked_table(&self, clause: &str, from: &[ast::TableWithJoins]) -> Result<Arc<TableDef>> {
        let [twj] = from else {
            return Err(unsupported(clause, "of several FROM items"));
        };
        if !twj.joins.is_empty() {
            return Err(unsupported(clause, "of a join"));
        }
        let ast::TableFactor::Table {
            name, args: None, ..
        } = &twj.relation
        else {
            return Err(unsupported(clause, "of this FROM item"));
        };
        let parts = crate::sql::syscat::name_parts(name);
        if let [one] = parts.as_slice() {
            if self.ctes.iter().any(|(n, _, _)| n == one) {
                return Err(unsupported(clause, "of a WITH query"));
            }
        }
        let tname = match crate::sql::syscat::resolve_relation(self.catalog, &parts)? {
            crate::sql::syscat::Resolved::User(t) => t,
            crate::sql::syscat::Resolved::System { .. } => {
                return Err(unsupported(clause, "of a system catalog"))
            }
        };
        let table = self
            .catalog
            .get(&tname)
            .ok_or_else(|| EngineError::UndefinedTable {
                name: super::object_name(name),
            })?;
        if table.view.is_some() {
            return Err(unsupported(clause, "of a view"));
        }
        if table.sequence.is_some() {
            return Err(unsupported(clause, "of a sequence"));
        }
        Ok(table)
    }
}

impl Locking {
    /// Puts the LockRows step on top of a bound SELECT block (below its LIMIT).
    pub(super) fn lock_rows(&self, plan: Plan) -> Result<Plan> {
        let Some((table, strength, wait)) = &self.target else {
            return Ok(plan);
        };
        let (input, tid) = self.carry_tid(plan, table.file)?;
        Ok(Plan::LockRows {
            input: Box::new(input),
            table: table.clone(),
            tid,
            strength: *strength,
            wait: *wait,
        })
    }

    /// `plan` with the locked table's scan carrying tids, and the column of its rows that
    /// holds them (the last one).
    fn carry_tid(&self, plan: Plan, file: u32) -> Result<(Plan, usize)> {
        let clause = self.clause;
        Ok(match plan {
            Plan::Scan { ref table } | Plan::IndexScan { ref table, .. } if table.file == file => {
                let width = table.columns.len();
                let scan = Plan::TidScan {
                    scan: Box::new(plan),
                };
                // The tid column comes last, so the qual reads the table's columns as is.
                let scan = match &self.update_qual {
                    Some(pred) => Plan::Filter {
                        input: Box::new(scan),
                        pred: pred.clone(),
                    },
                    None => scan,
                };
                (scan, width)
            }
            Plan::Filter { input, pred } => {
                let (input, tid) = self.carry_tid(*input, file)?;
                (
                    Plan::Filter {
                        input: Box::new(input),
                        pred,
                    },
                    tid,
                )
            }
            Plan::Sort { input, keys } => {
                let (input, tid) = self.carry_tid(*input, file)?;
                (
                    Plan::Sort {
                        input: Box::new(input),
                        keys,
                    },
                    tid,
                )
            }
            Plan::Project { input, mut exprs } => {
                let (input, tid) = self.carry_tid(*input, file)?;
                exprs.push(Expr::Column { up: 0, index: tid });
                let at = exprs.len() - 1;
                (
                    Plan::Project {
                        input: Box::new(input),
                        exprs,
                    },
                    at,
                )
            }
            Plan::ProjectSet { .. } => {
                return Err(refused(
                    "0A000",
                    format!(
                        "{clause} is not allowed with set-returning functions in the target list"
                    ),
                ))
            }
            _ => return Err(unsupported(clause, "of this query")),
        })
    }
}
