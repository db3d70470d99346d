//! Join ordering and access paths: a greedy order over the FROM relations (next the one
//! connected by an equality), conditions pushed to the relations they read, and index
//! selection for a relation's own equality and range conditions.

use super::estimate::{MIN_PROBED_PAGES, PROBE_PAGES};
use super::select::unsupported;
use super::Binder;
use crate::catalog::TableDef;
use crate::error::Result;
use crate::sql::expr::{children_mut, columns_used, map_columns, Expr};
use crate::sql::plan::{JoinKind, Plan};
use crate::types::ops::BinaryOp;
use std::sync::Arc;

/// One FROM relation being joined: its plan, its columns, and where they sit in FROM order.
pub(super) struct Relation {
    pub plan: Plan,
    pub offset: usize,
    pub width: usize,
}

/// Splits a condition into its AND-ed parts.
pub(crate) fn conjuncts(e: Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::And(l, r) => {
            conjuncts(*l, out);
            conjuncts(*r, out);
        }
        other => out.push(other),
    }
}

pub(super) fn and_all(mut parts: Vec<Expr>) -> Option<Expr> {
    let first = parts.pop()?;
    Some(
        parts
            .into_iter()
            .fold(first, |acc, p| Expr::And(Box::new(p), Box::new(acc))),
    )
}

impl Binder<'_> {
    /// Joins relations (in FROM order, columns at their offsets) under `conds`, choosing the
    /// order greedily, and returns a plan producing rows in FROM order.
    pub(super) fn join_relations(
        &mut self,
        rels: Vec<Relation>,
        conds: Vec<Expr>,
        width: usize,
    ) -> Result<Plan> {
        let rel_of = |col: usize| {
            rels.iter()
                .position(|r| col >= r.offset && col < r.offset + r.width)
        };
        // Each condition's relations (None: reads through a subquery; applied at the end).
        let mut pending: Vec<(Expr, Option<Vec<usize>>)> = conds
            .into_iter()
            .map(|c| {
                let mut used = Vec::new();
                let known = columns_used(&c, &mut used);
                let mut rs: Vec<usize> = used.iter().filter_map(|&c| rel_of(c)).collect();
                rs.sort_unstable();
                rs.dedup();
                (c, known.then_some(rs))
            })
            .collect();
        let mut plans: Vec<Option<Plan>> = Vec::with_capacity(rels.len());
        // Each relation's own conditions (over its columns), kept for index joins.
        let mut owns: Vec<Vec<Expr>> = Vec::with_capacity(rels.len());
        // Single-relation conditions filter their relation first.
        for (i, r) in rels.iter().enumerate() {
            let mut own = Vec::new();
            pending.retain(|(c, rs)| match rs {
                Some(rs) if rs.len() == 1 && rs[0] == i => {
                    let mut c = c.clone();
                    let off = r.offset;
                    map_columns(&mut c, &|x| x - off);
                    own.push(c);
                    false
                }
                _ => true,
            });
            let plan = match &r.plan {
                Plan::Scan { table } => index_access(table, &own).unwrap_or_else(|| r.plan.clone()),
                other => other.clone(),
            };
            owns.push(own.clone());
            plans.push(Some(match and_all(own) {
                Some(pred) => Plan::Filter {
                    input: Box::new(plan),
                    pred,
                },
                None => plan,
            }));
        }
        let n = rels.len();
        let start = self.start_relation(&plans);
        let mut joined: Vec<usize> = vec![start];
        let mut plan = plans[start]
            .take()
            .ok_or_else(|| unsupported("empty FROM"))?;
        // pos[c] = position of FROM column c in the joined row so far.
        let mut pos: Vec<Option<usize>> = vec![None; width];
        for c in 0..rels[start].width {
            pos[rels[start].offset + c] = Some(c);
        }
        let mut joined_width = rels[start].width;
        while joined.len() < n {
            let connected = |j: usize| {
                pending.iter().any(|(c, rs)| {
                    matches!(c, Expr::Binary(BinaryOp::Eq, ..))
                        && rs.as_ref().is_some_and(|rs| {
                            rs.contains(&j) && rs.iter().all(|r| *r == j || joined.contains(r))
                        })
                })
            };
            let next = (0..n)
                .filter(|j| !joined.contains(j))
                .find(|&j| connected(j))
                .or_else(|| (0..n).find(|j| !joined.contains(j)))
                .ok_or_else(|| unsupported("join ordering"))?;
            let r = &rels[next];
            let mut keys = Vec::new();
            let mut on = Vec::new();
            let mut in_set = joined.clone();
            in_set.push(next);
            let new_pos = {
                let mut p = pos.clone();
                for c in 0..r.width {
                    p[r.offset + c] = Some(joined_width + c);
                }
                p
            };
            let mut rest = Vec::new();
            for (c, rs) in pending.drain(..) {
                let covered = rs
                    .as_ref()
                    .is_some_and(|rs| rs.iter().all(|x| in_set.contains(x)));
                if !covered {
                    rest.push((c, rs));
                    continue;
                }
                if let Expr::Binary(BinaryOp::Eq, l, rt) = &c {
                    let side = |e: &Expr| {
                        let mut u = Vec::new();
                        columns_used(e, &mut u);
                        let rs: Vec<usize> = u.iter().filter_map(|&x| rel_of(x)).collect();
                        (
                            !rs.is_empty() && rs.iter().all(|&x| x == next),
                            !rs.is_empty() && rs.iter().all(|x| joined.contains(x)),
                        )
                    };
                    let (l_new, l_old) = side(l);
                    let (r_new, r_old) = side(rt);
                    let pair = if l_old && r_new {
                        Some(((**l).clone(), (**rt).clone()))
                    } else if l_new && r_old {
                        Some(((**rt).clone(), (**l).clone()))
                    } else {
                        None
                    };
                    if let Some((mut lk, mut rk)) = pair {
                        let p = pos.clone();
                        map_columns(&mut lk, &|x| p[x].unwrap_or(x));
                        let off = r.offset;
                        map_columns(&mut rk, &|x| x - off);
                        keys.push((lk, rk));
                        continue;
                    }
                }
                let mut c = c;
                let p = new_pos.clone();
                map_columns(&mut c, &|x| p[x].unwrap_or(x));
                on.push(c);
            }
            pending = rest;
            let right = plans[next]
                .take()
                .ok_or_else(|| unsupported("join ordering"))?;
            // Only a table the join would otherwise scan whole is probed instead.
            let scanned_whole = match &right {
                Plan::Scan { .. } => true,
                Plan::Filter { input, .. } => matches!(**input, Plan::Scan { .. }),
                _ => false,
            };
            let probe = match &r.plan {
                Plan::Scan { table } if scanned_whole => {
                    self.index_probe(&plan, table, &owns[next], &keys)
                }
                _ => None,
            };
            plan = match probe {
                Some(probe) => {
                    // The probed keys are re-checked with the rest over the joined row.
                    for (lk, mut rk) in keys {
                        map_columns(&mut rk, &|x| x + joined_width);
                        on.push(Expr::Binary(BinaryOp::Eq, Box::new(lk), Box::new(rk)));
                    }
                    Plan::Apply {
                        left: Box::new(plan),
                        right: Box::new(probe),
                        kind: JoinKind::Inner,
                        on: and_all(on),
                        right_width: r.width,
                    }
                }
                None => Plan::Join {
                    left: Box::new(plan),
                    right: Box::new(right),
                    kind: JoinKind::Inner,
                    keys,
                    on: and_all(on),
                    left_width: joined_width,
                    right_width: r.width,
                },
            };
            joined_width += r.width;
            pos = new_pos;
            joined.push(next);
        }
        // Back to FROM order, then whatever is left (conditions with subqueries).
        let in_order = (0..width).all(|c| pos[c] == Some(c));
        if !in_order {
            plan = Plan::Project {
                input: Box::new(plan),
                exprs: (0..width)
                    .map(|c| Expr::Column {
                        up: 0,
                        index: pos[c].unwrap_or(c),
                    })
                    .collect(),
            };
        }
        if let Some(pred) = and_all(pending.into_iter().map(|(c, _)| c).collect()) {
            plan = Plan::Filter {
                input: Box::new(plan),
                pred,
            };
        }
        Ok(plan)
    }
}

impl Binder<'_> {
    /// The relation to start joining from: the first in FROM order, unless another one is
    /// estimated to give far fewer rows (so that the large ones can be probed by index).
    fn start_relation(&mut self, plans: &[Option<Plan>]) -> usize {
        // Only worth it when some table is large enough to be probed.
        let probed = |p: &Plan| match p {
            Plan::Scan { table } => Some(table.clone()),
            Plan::Filter { input, .. } => match &**input {
                Plan::Scan { table } => Some(table.clone()),
                _ => None,
            },
            _ => None,
        };
        let large = plans
            .iter()
            .flatten()
            .filter_map(probed)
            .any(|t| self.table_pages(&t).is_some_and(|p| p >= MIN_PROBED_PAGES));
        if plans.len() < 2 || !large {
            return 0;
        }
        let mut estimates = Vec::with_capacity(plans.len());
        for p in plans.iter().flatten() {
            match self.estimate_rows(p) {
                Some(e) => estimates.push(e),
                None => return 0,
            }
        }
        let Some(&first) = estimates.first() else {
            return 0;
        };
        let (best, rows) =
            estimates.iter().enumerate().fold(
                (0, first),
                |(bi, be), (i, &e)| if e < be { (i, e) } else { (bi, be) },
            );
        if rows * 4.0 < first {
            best
        } else {
            0
        }
    }

    /// An outer join of `left` and `right` under `on` (over the joined row): equalities
    /// between a left and a right expression become hash keys, and a LEFT join of a small
    /// left side with a base table may probe the table's index per left row instead.
    pub(super) fn outer_join(
        &mut self,
        left: Plan,
        right: Plan,
        kind: JoinKind,
        on: Option<Expr>,
        left_width: usize,
        right_width: usize,
    ) -> Plan {
        let mut parts = Vec::new();
        if let Some(on) = on {
            conjuncts(on, &mut parts);
        }
        let side = |e: &Expr| {
            let mut used = Vec::new();
            if !columns_used(e, &mut used) || used.is_empty() || !reads_only_current_row(e) {
                return None;
            }
            if used.iter().all(|&c| c < left_width) {
                Some(true)
            } else if used.iter().all(|&c| c >= left_width) {
                Some(false)
            } else {
                None
            }
        };
        let mut keys = Vec::new();
        let mut rest = Vec::new();
        for p in parts {
            if let Expr::Binary(BinaryOp::Eq, l, r) = &p {
                let pair = match (side(l), side(r)) {
                    (Some(true), Some(false)) => Some(((**l).clone(), (**r).clone())),
                    (Some(false), Some(true)) => Some(((**r).clone(), (**l).clone())),
                    _ => None,
                };
                if let Some((lk, mut rk)) = pair {
                    map_columns(&mut rk, &|x| x - left_width);
                    keys.push((lk, rk));
                    continue;
                }
            }
            rest.push(p);
        }
        if kind == JoinKind::Left {
            if let Plan::Scan { table } = &right {
                if let Some(probe) = self.index_probe(&left, table, &[], &keys) {
                    for (lk, mut rk) in keys {
                        map_columns(&mut rk, &|x| x + left_width);
                        rest.push(Expr::Binary(BinaryOp::Eq, Box::new(lk), Box::new(rk)));
                    }
                    return Plan::Apply {
                        left: Box::new(left),
                        right: Box::new(probe),
                        kind,
                        on: and_all(rest),
                        right_width,
                    };
                }
            }
        }
        Plan::Join {
            left: Box::new(left),
            right: Box::new(right),
            kind,
            keys,
            on: and_all(rest),
            left_width,
            right_width,
        }
    }

    /// The right side of an index nested-loop join of `left` with `table`, when probing one
    /// of its indexes per left row reads fewer pages than scanning it: the index's leading
    /// columns are equated by `keys` (left expr over the joined row, right expr a column of
    /// `table`) and the estimated left rows × `PROBE_PAGES` stay under the table's pages.
    /// `own` are the table's own conditions, applied to the rows found.
    fn index_probe(
        &mut self,
        left: &Plan,
        table: &Arc<TableDef>,
        own: &[Expr],
        keys: &[(Expr, Expr)],
    ) -> Option<Plan> {
        if keys.is_empty() || own.iter().any(|c| !reads_only_current_row(c)) {
            return None;
        }
        if self.table_pages(table)? < MIN_PROBED_PAGES {
            return None;
        }
        let (pages, _) = self.table_size(table)?;
        let outer_rows = self.estimate_rows(left)?;
        if outer_rows * PROBE_PAGES >= pages {
            return None;
        }
        // The key value for a table column, as read from the left row (one level out).
        let key_for = |col: usize| {
            keys.iter().find_map(|(lk, rk)| match rk {
                Expr::Column { up: 0, index } if *index == col => lift(lk),
                _ => None,
            })
        };
        let mut best: Option<(usize, Vec<Expr>)> = None;
        for (i, ix) in table.indexes.iter().enumerate() {
            let eq: Vec<Expr> = ix.columns.iter().map_while(|&c| key_for(c)).collect();
            if !eq.is_empty() && best.as_ref().is_none_or(|(_, b)| eq.len() > b.len()) {
                best = Some((i, eq));
            }
        }
        let (index, eq) = best?;
        let scan = Plan::IndexScan {
            table: table.clone(),
            index,
            eq,
            range: None,
        };
        Some(match and_all(own.to_vec()) {
            Some(pred) => Plan::Filter {
                input: Box::new(scan),
                pred,
            },
            None => scan,
        })
    }
}

/// Whether `e` reads only the current row (no enclosing rows, no subqueries).
fn reads_only_current_row(e: &Expr) -> bool {
    let mut e = e.clone();
    let mut ok = true;
    walk(&mut e, &mut |x| match x {
        Expr::Column { up, .. } if *up > 0 => ok = false,
        Expr::Subquery(_) => ok = false,
        _ => {}
    });
    ok
}

/// `e` moved one level out (to be read as the enclosing row), if it has no subqueries.
fn lift(e: &Expr) -> Option<Expr> {
    let mut e = e.clone();
    let mut ok = true;
    walk(&mut e, &mut |x| match x {
        Expr::Column { up, .. } => *up += 1,
        Expr::Subquery(_) => ok = false,
        _ => {}
    });
    ok.then_some(e)
}

fn walk(e: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
    f(e);
    for c in children_mut(e) {
        walk(c, f);
    }
}

/// A condition `column op value` on the current row, where `value` reads no column of it
/// (constants, parameters, enclosing rows): (column, op with the column on the left, value).
fn column_test(c: &Expr) -> Option<(usize, BinaryOp, &Expr)> {
    let Expr::Binary(op, l, r) = c else {
        return None;
    };
    let free = |e: &Expr| {
        let mut used = Vec::new();
        columns_used(e, &mut used) && used.is_empty()
    };
    let flipped = match op {
        BinaryOp::Eq => BinaryOp::Eq,
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::LtEq => BinaryOp::GtEq,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::GtEq => BinaryOp::LtEq,
        _ => return None,
    };
    match (l.as_ref(), r.as_ref()) {
        (Expr::Column { up: 0, index }, v) if free(v) => Some((*index, *op, v)),
        (v, Expr::Column { up: 0, index }) if free(v) => Some((*index, flipped, v)),
        _ => None,
    }
}

/// The best index access for a table under `conds` (its own conditions, local columns): the
/// index with the most leading columns fixed by equalities, then one bounded by a range.
/// The conditions all stay in a filter above it (the scan may return extra rows).
pub(crate) fn index_access(
    table: &std::sync::Arc<crate::catalog::TableDef>,
    conds: &[Expr],
) -> Option<Plan> {
    use std::ops::Bound;
    let tests: Vec<(usize, BinaryOp, &Expr)> = conds.iter().filter_map(column_test).collect();
    let mut best: Option<(usize, Plan)> = None;
    for (i, ix) in table.indexes.iter().enumerate() {
        let mut eq = Vec::new();
        for col in &ix.columns {
            match tests
                .iter()
                .find(|(c, op, _)| c == col && *op == BinaryOp::Eq)
            {
                Some((_, _, v)) => eq.push((*v).clone()),
                None => break,
            }
        }
        let range = ix.columns.get(eq.len()).and_then(|col| {
            let lo = tests.iter().find_map(|(c, op, v)| match op {
                BinaryOp::Gt if c == col => Some(Bound::Excluded((*v).clone())),
                BinaryOp::GtEq if c == col => Some(Bound::Included((*v).clone())),
                _ => None,
            });
            let hi = tests.iter().find_map(|(c, op, v)| match op {
                BinaryOp::Lt if c == col => Some(Bound::Excluded((*v).clone())),
                BinaryOp::LtEq if c == col => Some(Bound::Included((*v).clone())),
                _ => None,
            });
            (lo.is_some() || hi.is_some()).then(|| {
                (
                    lo.unwrap_or(Bound::Unbounded),
                    hi.unwrap_or(Bound::Unbounded),
                )
            })
        });
        if eq.is_empty() && range.is_none() {
            continue;
        }
        let score = eq.len() * 2 + usize::from(range.is_some());
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                Plan::IndexScan {
                    table: table.clone(),
                    index: i,
                    eq,
                    range,
                },
            ));
        }
    }
    best.map(|(_, p)| p)
}
