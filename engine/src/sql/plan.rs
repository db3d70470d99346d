//! Physical query plans. Every node produces rows of a fixed width; a join's rows are the
//! left row followed by the right row; an aggregate's rows are its group values followed by
//! its aggregate results.

use super::expr::{children_mut, Expr, Row};
use super::functions::AggFunc;
use crate::catalog::TableDef;
use std::ops::Bound;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOpKind {
    Union,
    Intersect,
    Except,
}

/// One aggregate call; its expressions read the aggregate's input row.
#[derive(Clone, Debug)]
pub struct AggCall {
    pub func: AggFunc,
    /// Empty for count(*).
    pub args: Vec<Expr>,
    pub distinct: bool,
    /// `FILTER (WHERE …)`: only rows passing it are aggregated.
    pub filter: Option<Expr>,
    /// `agg(x ORDER BY …)`: the order rows are fed in.
    pub order_by: Vec<SortKey>,
    /// The result type.
    pub result: crate::types::DataType,
}

#[derive(Clone, Debug)]
pub struct SortKey {
    pub expr: Expr,
    pub desc: bool,
    pub nulls_first: bool,
}

#[derive(Clone, Debug)]
pub enum Plan {
    /// Every row of a table.
    Scan {
        table: Arc<TableDef>,
    },
    /// `TABLESAMPLE`: the rows of a table its sampling method keeps.
    SampleScan {
        table: Arc<TableDef>,
        sample: super::exec::sample::TableSample,
    },
    /// Rows of a table found through one of its indexes: the leading index columns equal
    /// `eq` and the next one lies within `range` (values computed once per execution; they
    /// may read enclosing rows). May return more rows than match: a filter above re-checks.
    IndexScan {
        table: Arc<TableDef>,
        index: usize,
        eq: Vec<Expr>,
        range: Option<(Bound<Expr>, Bound<Expr>)>,
    },
    /// The rows of `scan` (a `Scan` or `IndexScan`), each followed by its version's tid as
    /// one more column ([`tid_value`]): what a `LockRows` above it locks.
    TidScan {
        scan: Box<Plan>,
    },
    /// Locks, in `table`, the version named by each input row's column `tid` (see
    /// [`crate::row_lock`]) and passes the row on without that column; rows that SKIP LOCKED
    /// leaves out are dropped. Sits above scans, filters and sorts and below LIMIT, as
    /// PostgreSQL's LockRows does.
    LockRows {
        input: Box<Plan>,
        table: Arc<TableDef>,
        tid: usize,
        strength: crate::row_lock::Strength,
        wait: crate::row_lock::WaitPolicy,
    },
    /// Literal rows.
    Values {
        rows: Vec<Vec<Expr>>,
    },
    /// One row with no columns (SELECT without FROM).
    One,
    /// Set-returning calls of a select list: each input row followed by one value per call,
    /// as many rows as the longest call gives (see [`crate::sql::setfunc::project_set`]).
    ProjectSet {
        input: Box<Plan>,
        funcs: Vec<(crate::sql::setfunc::SetFunc, Vec<Expr>)>,
    },
    /// A set-returning function in FROM: one column; arguments evaluated once per run.
    Function {
        func: crate::sql::setfunc::SetFunc,
        args: Vec<Expr>,
        /// WITH ORDINALITY: a second column numbering the rows from 1 (bigint).
        ordinality: bool,
        /// The column types of a function returning `record`, from its column definition
        /// list (`json_to_record(...) AS x(a int)`); empty otherwise.
        record: Vec<(String, crate::types::DataType)>,
    },
    Filter {
        input: Box<Plan>,
        pred: Expr,
    },
    Project {
        input: Box<Plan>,
        exprs: Vec<Expr>,
    },
    /// Join; `keys` are equalities (left expr over the left row, right expr over the right
    /// row) evaluated by hashing; `on` is the remaining condition over the joined row.
    Join {
        left: Box<Plan>,
        right: Box<Plan>,
        kind: JoinKind,
        keys: Vec<(Expr, Expr)>,
        on: Option<Expr>,
        right_width: usize,
        left_width: usize,
    },
    /// A dependent join: `right` runs once per left row, with that row as its innermost
    /// enclosing row (`up == 1`). LATERAL items, and index nested-loop joins (whose right
    /// side is an index scan keyed by the left row). Inner or Left; `on` reads the joined row.
    Apply {
        left: Box<Plan>,
        right: Box<Plan>,
        kind: JoinKind,
        on: Option<Expr>,
        right_width: usize,
    },
    /// WITH RECURSIVE: the rows of `base`, then rounds of `recursive`, each run over the
    /// rows the previous round added (its `WorkTable { id }` scans), until a round adds none.
    /// Without `all`, rows equal to an earlier row are not added.
    RecursiveCte {
        id: usize,
        base: Box<Plan>,
        recursive: Box<Plan>,
        all: bool,
    },
    /// The previous round's rows of recursive CTE `id`; the executor fills `rows` in on a
    /// copy of the recursive term before each round.
    WorkTable {
        id: usize,
        rows: Option<Arc<Vec<Row>>>,
    },
    /// Groups of equal `groups` values, one output row each. With `sets` (GROUPING SETS,
    /// ROLLUP, CUBE): the rows are grouped once per set, on the `groups` the set lists (the
    /// others are NULL in its rows), and the last of `groups` is not evaluated: its column
    /// holds the index of the row's set (an `int4`), which `GROUPING()` reads.
    Aggregate {
        input: Box<Plan>,
        groups: Vec<Expr>,
        aggs: Vec<AggCall>,
        sets: Option<Vec<Vec<usize>>>,
    },
    Sort {
        input: Box<Plan>,
        keys: Vec<SortKey>,
    },
    /// Window functions of one window: each input row followed by one value per call. The
    /// input arrives sorted by the window's partition keys, then its ORDER BY keys.
    Window {
        input: Box<Plan>,
        window: crate::sql::window::WindowSpec,
    },
    /// Drops rows equal to an earlier one (on the `on` columns only, if given).
    Distinct {
        input: Box<Plan>,
        on: Option<Vec<usize>>,
    },
    Limit {
        input: Box<Plan>,
        limit: Option<Expr>,
        offset: Option<Expr>,
    },
    SetOp {
        kind: SetOpKind,
        all: bool,
        left: Box<Plan>,
        right: Box<Plan>,
    },
}

impl Plan {
    /// The plan's direct inputs.
    pub fn children(&self) -> Vec<&Plan> {
        match self {
            Plan::Scan { .. }
            | Plan::SampleScan { .. }
            | Plan::IndexScan { .. }
            | Plan::Values { .. }
            | Plan::Function { .. }
            | Plan::One
            | Plan::WorkTable { .. } => Vec::new(),
            Plan::Filter { input, .. }
            | Plan::Project { input, .. }
            | Plan::ProjectSet { input, .. }
            | Plan::Aggregate { input, .. }
            | Plan::Sort { input, .. }
            | Plan::Window { input, .. }
            | Plan::Distinct { input, .. }
            | Plan::LockRows { input, .. }
            | Plan::TidScan { scan: input }
            | Plan::Limit { input, .. } => vec![input],
            Plan::Join { left, right, .. }
            | Plan::Apply { left, right, .. }
            | Plan::SetOp { left, right, .. } => vec![left, right],
            Plan::RecursiveCte {
                base, recursive, ..
            } => vec![base, recursive],
        }
    }

    fn children_mut(&mut self) -> Vec<&mut Plan> {
        match self {
            Plan::Scan { .. }
            | Plan::SampleScan { .. }
            | Plan::IndexScan { .. }
            | Plan::Values { .. }
            | Plan::Function { .. }
            | Plan::One
            | Plan::WorkTable { .. } => Vec::new(),
            Plan::Filter { input, .. }
            | Plan::Project { input, .. }
            | Plan::ProjectSet { input, .. }
            | Plan::Aggregate { input, .. }
            | Plan::Sort { input, .. }
            | Plan::Window { input, .. }
            | Plan::Distinct { input, .. }
            | Plan::LockRows { input, .. }
            | Plan::TidScan { scan: input }
            | Plan::Limit { input, .. } => vec![input],
            Plan::Join { left, right, .. }
            | Plan::Apply { left, right, .. }
            | Plan::SetOp { left, right, .. } => vec![left, right],
            Plan::RecursiveCte {
                base, recursive, ..
            } => vec![base, recursive],
        }
    }

    /// Points every `WorkTable { id }` scan (subqueries included) at `rows`; whether there
    /// was one.
    pub fn set_work_table(&mut self, id: usize, rows: &Arc<Vec<Row>>) -> bool {
        let mut found = self.set_work_table_nodes(id, rows);
        self.for_each_expr_mut(&mut |e, _| found |= set_work_table_in(e, id, rows));
        found
    }

    fn set_work_table_nodes(&mut self, id: usize, rows: &Arc<Vec<Row>>) -> bool {
        if let Plan::WorkTable { id: w, rows: r } = self {
            if *w == id {
                *r = Some(rows.clone());
                return true;
            }
        }
        self.children_mut()
            .into_iter()
            .fold(false, |found, c| c.set_work_table_nodes(id, rows) | found)
    }

    /// Calls `f` on every expression of this plan and its inputs (not inside subqueries).
    pub fn for_each_expr_mut(&mut self, f: &mut dyn FnMut(&mut Expr, usize)) {
        match self {
            Plan::Scan { .. } | Plan::One | Plan::WorkTable { .. } => {}
            Plan::Apply {
                left, right, on, ..
            } => {
                if let Some(on) = on {
                    f(on, 0);
                }
                left.for_each_expr_mut(f);
                right.for_each_expr_mut(f);
            }
            Plan::RecursiveCte {
                base, recursive, ..
            } => {
                base.for_each_expr_mut(f);
                recursive.for_each_expr_mut(f);
            }
            Plan::IndexScan { eq, range, .. } => {
                eq.iter_mut().for_each(|e| f(e, 0));
                if let Some((lo, hi)) = range {
                    for b in [lo, hi] {
                        if let Bound::Included(e) | Bound::Excluded(e) = b {
                            f(e, 0);
                        }
                    }
                }
            }
            Plan::SampleScan { sample, .. } => {
                f(&mut sample.percent, 0);
                if let Some(seed) = &mut sample.seed {
                    f(seed, 0);
                }
            }
            Plan::Values { rows } => rows.iter_mut().flatten().for_each(|e| f(e, 0)),
            Plan::Function { args, .. } => args.iter_mut().for_each(|e| f(e, 0)),
            Plan::Filter { input, pred } => {
                f(pred, 0);
                input.for_each_expr_mut(f);
            }
            Plan::Project { input, exprs } => {
                exprs.iter_mut().for_each(|e| f(e, 0));
                input.for_each_expr_mut(f);
            }
            Plan::ProjectSet { input, funcs } => {
                funcs.iter_mut().flat_map(|(_, a)| a).for_each(|e| f(e, 0));
                input.for_each_expr_mut(f);
            }
            Plan::Join {
                left,
                right,
                keys,
                on,
                ..
            } => {
                for (l, r) in keys {
                    f(l, 0);
                    f(r, 0);
                }
                if let Some(on) = on {
                    f(on, 0);
                }
                left.for_each_expr_mut(f);
                right.for_each_expr_mut(f);
            }
            Plan::Aggregate {
                input,
                groups,
                aggs,
                ..
            } => {
                groups.iter_mut().for_each(|e| f(e, 0));
                for a in aggs {
                    a.args.iter_mut().for_each(|e| f(e, 0));
                    if let Some(e) = &mut a.filter {
                        f(e, 0);
                    }
                    a.order_by.iter_mut().for_each(|k| f(&mut k.expr, 0));
                }
                input.for_each_expr_mut(f);
            }
            Plan::Sort { input, keys } => {
                keys.iter_mut().for_each(|k| f(&mut k.expr, 0));
                input.for_each_expr_mut(f);
            }
            Plan::Window { input, window } => {
                let keys = window.partition.iter_mut().chain(&mut window.order);
                keys.for_each(|k| f(&mut k.expr, 0));
                for c in &mut window.calls {
                    c.args.iter_mut().for_each(|e| f(e, 0));
                    if let crate::sql::window::WindowFunc::Agg(a) = &mut c.func {
                        if let Some(e) = &mut a.filter {
                            f(e, 0);
                        }
                    }
                    let frame = &mut c.frame;
                    for b in [&mut frame.start, &mut frame.end] {
                        if let crate::sql::window::FrameBound::Preceding(e)
                        | crate::sql::window::FrameBound::Following(e) = b
                        {
                            f(e, 0);
                        }
                    }
                }
                input.for_each_expr_mut(f);
            }
            Plan::Distinct { input, .. }
            | Plan::LockRows { input, .. }
            | Plan::TidScan { scan: input } => input.for_each_expr_mut(f),
            Plan::Limit {
                input,
                limit,
                offset,
            } => {
                if let Some(e) = limit {
                    f(e, 0);
                }
                if let Some(e) = offset {
                    f(e, 0);
                }
                input.for_each_expr_mut(f);
            }
            Plan::SetOp { left, right, .. } => {
                left.for_each_expr_mut(f);
                right.for_each_expr_mut(f);
            }
        }
    }
}

/// A tid as the value of a `TidScan`'s extra column.
pub fn tid_value(tid: storage::Tid) -> crate::types::Value {
    crate::types::Value::Int8((i64::from(tid.page) << 16) | i64::from(tid.slot))
}

/// The tid a [`tid_value`] holds.
pub fn value_tid(v: &crate::types::Value) -> Option<storage::Tid> {
    match v {
        crate::types::Value::Int8(n) => Some(storage::Tid {
            page: u32::try_from(n >> 16).ok()?,
            slot: (n & 0xffff) as u16,
        }),
        _ => None,
    }
}

fn set_work_table_in(e: &mut Expr, id: usize, rows: &Arc<Vec<Row>>) -> bool {
    let mut found = false;
    if let Expr::Subquery(sq) = e {
        found |= sq.plan.set_work_table(id, rows);
    }
    children_mut(e)
        .into_iter()
        .fold(found, |found, c| set_work_table_in(c, id, rows) | found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Value;

    #[test]
    fn work_tables_are_filled_in_plans_and_subqueries() {
        let scan = || Plan::WorkTable { id: 7, rows: None };
        let sub = Expr::Subquery(Box::new(crate::sql::expr::Subquery {
            plan: scan(),
            kind: crate::sql::expr::SubqueryKind::Exists { negated: false },
        }));
        let mut plan = Plan::Filter {
            input: Box::new(scan()),
            pred: sub,
        };
        let rows = Arc::new(vec![vec![Value::Int4(1)]]);
        assert!(!plan.clone().set_work_table(8, &rows));
        assert!(plan.set_work_table(7, &rows));
        let Plan::Filter { input, pred } = &plan else {
            panic!("shape changed")
        };
        assert!(matches!(&**input, Plan::WorkTable { rows: Some(r), .. } if r.len() == 1));
        let Expr::Subquery(sq) = pred else {
            panic!("shape changed")
        };
        assert!(matches!(&sq.plan, Plan::WorkTable { rows: Some(_), .. }));
    }
}
