//! Plan execution. This first executor materializes each node's rows; joins on equality
//! keys hash the right input, aggregates hash their groups.

use super::expr::{Env, Expr, Row};
use super::functions::AggState;
use super::plan::{AggCall, JoinKind, Plan, SetOpKind, SortKey};
use crate::error::{EngineError, Result};
use crate::types::row::decode_row;
use crate::types::{CastKind, DataType, Value};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::ops::Bound;
use storage::keycode::{self, ColumnOrder};
use storage::Storage;

/// What execution needs from its surroundings.
pub struct ExecCx<'a> {
    pub storage: &'a Storage,
    pub params: &'a [Value],
}

/// Bytes identifying a list of values for hashing (equal values, NULLs included, encode
/// equally).
pub fn row_key(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        v.encode_key(&mut out, ColumnOrder::ASC);
    }
    out
}

/// Runs `plan` with `outer` as the rows of the enclosing queries (innermost first).
pub fn run(plan: &Plan, cx: &ExecCx<'_>, outer: &[&[Value]]) -> Result<Vec<Row>> {
    let env = Env { cx, outer };
    match plan {
        Plan::Scan { table } => {
            let types: Vec<DataType> = table.columns.iter().map(|c| c.ty.clone()).collect();
            let mut rows = Vec::new();
            for t in cx.storage.heap(table.file).scan() {
                let (_, bytes) = t?;
                rows.push(decode_row(&bytes, &types)?);
            }
            Ok(rows)
        }
        Plan::IndexScan {
            table,
            index,
            eq,
            range,
        } => index_scan(table, *index, eq, range.as_ref(), &env),
        Plan::Values { rows } => {
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let mut row = Vec::with_capacity(r.len());
                for e in r {
                    row.push(e.eval(&[], &env)?);
                }
                out.push(row);
            }
            Ok(out)
        }
        Plan::One => Ok(vec![Vec::new()]),
        Plan::Filter { input, pred } => {
            let mut out = Vec::new();
            for row in run(input, cx, outer)? {
                if pred.test(&row, &env)? {
                    out.push(row);
                }
            }
            Ok(out)
        }
        Plan::Project { input, exprs } => {
            let rows = run(input, cx, outer)?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let mut new = Vec::with_capacity(exprs.len());
                for e in exprs {
                    new.push(e.eval(&row, &env)?);
                }
                out.push(new);
            }
            Ok(out)
        }
        Plan::Join {
            left,
            right,
            kind,
            keys,
            on,
            left_width,
            right_width,
        } => {
            let l = run(left, cx, outer)?;
            let r = run(right, cx, outer)?;
            join(
                &l,
                &r,
                *kind,
                keys,
                on.as_ref(),
                *left_width,
                *right_width,
                &env,
            )
        }
        Plan::Aggregate {
            input,
            groups,
            aggs,
        } => aggregate(run(input, cx, outer)?, groups, aggs, &env),
        Plan::Sort { input, keys } => sort(run(input, cx, outer)?, keys, &env),
        Plan::Distinct { input } => {
            let mut seen = std::collections::HashSet::new();
            Ok(run(input, cx, outer)?
                .into_iter()
                .filter(|r| seen.insert(row_key(r)))
                .collect())
        }
        Plan::Limit {
            input,
            limit,
            offset,
        } => {
            let count = |e: &Option<Expr>| -> Result<Option<usize>> {
                let Some(e) = e else { return Ok(None) };
                match e
                    .eval(&[], &env)?
                    .cast(&DataType::Int8, CastKind::Implicit)?
                {
                    Value::Null => Ok(None),
                    Value::Int8(n) if n >= 0 => Ok(Some(n as usize)),
                    _ => Err(EngineError::InvalidRowCount),
                }
            };
            let (limit, offset) = (count(limit)?, count(offset)?.unwrap_or(0));
            let rows = run(input, cx, outer)?;
            Ok(rows
                .into_iter()
                .skip(offset)
                .take(limit.unwrap_or(usize::MAX))
                .collect())
        }
        Plan::SetOp {
            kind,
            all,
            left,
            right,
        } => set_op(*kind, *all, run(left, cx, outer)?, run(right, cx, outer)?),
    }
}

/// Fetches the rows an index range points at.
fn index_scan(
    table: &crate::catalog::TableDef,
    index: usize,
    eq: &[Expr],
    range: Option<&(Bound<Expr>, Bound<Expr>)>,
    env: &Env<'_>,
) -> Result<Vec<Row>> {
    let ix = table.indexes.get(index).ok_or(EngineError::Internal {
        reason: "index scan of a missing index",
    })?;
    let mut prefix = Vec::new();
    for e in eq {
        let v = e.eval(&[], env)?;
        if v.is_null() {
            return Ok(Vec::new()); // `col = NULL` matches nothing
        }
        v.encode_key(&mut prefix, ColumnOrder::ASC);
    }
    // Keys are prefix-free encodings followed by more columns, so "every key starting with
    // K" is [K, successor(K)).
    let after = |k: &[u8]| match keycode::prefix_successor(k) {
        Some(s) => Bound::Excluded(s),
        None => Bound::Unbounded,
    };
    let bound_key = |b: &Bound<Expr>, upper: bool| -> Result<Option<Bound<Vec<u8>>>> {
        let (e, inclusive) = match b {
            Bound::Unbounded => {
                return Ok(Some(if upper {
                    after(&prefix)
                } else {
                    Bound::Included(prefix.clone())
                }))
            }
            Bound::Included(e) => (e, true),
            Bound::Excluded(e) => (e, false),
        };
        let v = e.eval(&[], env)?;
        if v.is_null() {
            return Ok(None);
        }
        let mut k = prefix.clone();
        v.encode_key(&mut k, ColumnOrder::ASC);
        Ok(Some(match (upper, inclusive) {
            (false, true) => Bound::Included(k),
            (false, false) => match keycode::prefix_successor(&k) {
                Some(s) => Bound::Included(s),
                None => return Ok(None),
            },
            (true, true) => after(&k),
            (true, false) => Bound::Excluded(k),
        }))
    };
    let (lo, hi) = match range {
        None => (Bound::Included(prefix.clone()), after(&prefix)),
        Some((lo, hi)) => match (bound_key(lo, false)?, bound_key(hi, true)?) {
            (Some(l), Some(h)) => (l, h),
            _ => return Ok(Vec::new()),
        },
    };
    let tree = env.cx.storage.btree(ix.file)?;
    let heap = env.cx.storage.heap(table.file);
    let types: Vec<DataType> = table.columns.iter().map(|c| c.ty.clone()).collect();
    let mut rows = Vec::new();
    for entry in tree.range(lo, hi, storage::ScanDirection::Forward) {
        let (_, tid) = entry?;
        if let Some(bytes) = heap.get(tid)? {
            rows.push(decode_row(&bytes, &types)?);
        }
    }
    Ok(rows)
}

#[allow(clippy::too_many_arguments)]
fn join(
    l: &[Row],
    r: &[Row],
    kind: JoinKind,
    keys: &[(Expr, Expr)],
    on: Option<&Expr>,
    left_width: usize,
    right_width: usize,
    env: &Env<'_>,
) -> Result<Vec<Row>> {
    let mut out = Vec::new();
    let mut right_matched = vec![false; r.len()];
    // Right rows by key (rows with a NULL key never match).
    let mut table: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
    let hashed = !keys.is_empty();
    if hashed {
        for (i, row) in r.iter().enumerate() {
            let mut vals = Vec::with_capacity(keys.len());
            for (_, re) in keys {
                vals.push(re.eval(row, env)?);
            }
            if vals.iter().any(Value::is_null) {
                continue;
            }
            table.entry(row_key(&vals)).or_default().push(i);
        }
    }
    let all_right: Vec<usize> = (0..r.len()).collect();
    for lrow in l {
        let candidates: &[usize] = if hashed {
            let mut vals = Vec::with_capacity(keys.len());
            for (le, _) in keys {
                vals.push(le.eval(lrow, env)?);
            }
            if vals.iter().any(Value::is_null) {
                &[]
            } else {
                table.get(&row_key(&vals)).map_or(&[], |v| v.as_slice())
            }
        } else {
            &all_right
        };
        let mut matched = false;
        for &i in candidates {
            let mut joined = Vec::with_capacity(left_width + right_width);
            joined.extend_from_slice(lrow);
            joined.extend_from_slice(&r[i]);
            if on.map_or(Ok(true), |p| p.test(&joined, env))? {
                matched = true;
                right_matched[i] = true;
                out.push(joined);
            }
        }
        if !matched && matches!(kind, JoinKind::Left | JoinKind::Full) {
            let mut joined = lrow.clone();
            joined.resize(left_width + right_width, Value::Null);
            out.push(joined);
        }
    }
    if matches!(kind, JoinKind::Right | JoinKind::Full) {
        for (i, rrow) in r.iter().enumerate() {
            if !right_matched[i] {
                let mut joined = vec![Value::Null; left_width];
                joined.extend_from_slice(rrow);
                out.push(joined);
            }
        }
    }
    Ok(out)
}

fn aggregate(rows: Vec<Row>, groups: &[Expr], aggs: &[AggCall], env: &Env<'_>) -> Result<Vec<Row>> {
    let mut order: Vec<(Row, Vec<AggState>)> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    if groups.is_empty() {
        order.push((Vec::new(), aggs.iter().map(AggState::new).collect()));
        index.insert(Vec::new(), 0);
    }
    for row in rows {
        let mut gvals = Vec::with_capacity(groups.len());
        for g in groups {
            gvals.push(g.eval(&row, env)?);
        }
        let key = row_key(&gvals);
        let slot = match index.get(&key) {
            Some(&i) => i,
            None => {
                order.push((gvals, aggs.iter().map(AggState::new).collect()));
                index.insert(key, order.len() - 1);
                order.len() - 1
            }
        };
        for (state, call) in order[slot].1.iter_mut().zip(aggs) {
            let arg = match &call.arg {
                Some(e) => Some(e.eval(&row, env)?),
                None => None,
            };
            state.add(arg)?;
        }
    }
    order
        .into_iter()
        .map(|(mut g, states)| {
            for s in states {
                g.push(s.finish()?);
            }
            Ok(g)
        })
        .collect()
}

fn sort(rows: Vec<Row>, keys: &[SortKey], env: &Env<'_>) -> Result<Vec<Row>> {
    let mut keyed = Vec::with_capacity(rows.len());
    for row in rows {
        let mut k = Vec::with_capacity(keys.len());
        for key in keys {
            k.push(key.expr.eval(&row, env)?);
        }
        keyed.push((k, row));
    }
    let mut failure = None;
    keyed.sort_by(|(a, _), (b, _)| {
        for (i, key) in keys.iter().enumerate() {
            let ord = match (a[i].is_null(), b[i].is_null()) {
                (true, true) => Ordering::Equal,
                (true, false) => {
                    if key.nulls_first {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    }
                }
                (false, true) => {
                    if key.nulls_first {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    }
                }
                (false, false) => {
                    let o = match a[i].sql_cmp(&b[i]) {
                        Ok(o) => o.unwrap_or(Ordering::Equal),
                        Err(e) => {
                            failure.get_or_insert(e);
                            Ordering::Equal
                        }
                    };
                    if key.desc {
                        o.reverse()
                    } else {
                        o
                    }
                }
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    });
    if let Some(e) = failure {
        return Err(e.into());
    }
    Ok(keyed.into_iter().map(|(_, r)| r).collect())
}

fn set_op(kind: SetOpKind, all: bool, left: Vec<Row>, right: Vec<Row>) -> Result<Vec<Row>> {
    let mut right_counts: HashMap<Vec<u8>, usize> = HashMap::new();
    if kind != SetOpKind::Union {
        for r in &right {
            *right_counts.entry(row_key(r)).or_default() += 1;
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    match kind {
        SetOpKind::Union => {
            for r in left.into_iter().chain(right) {
                if all || seen.insert(row_key(&r)) {
                    out.push(r);
                }
            }
        }
        SetOpKind::Intersect => {
            for r in left {
                let k = row_key(&r);
                if let Some(c) = right_counts.get_mut(&k) {
                    if *c > 0 && (all || seen.insert(k)) {
                        *c -= 1;
                        out.push(r);
                    }
                }
            }
        }
        SetOpKind::Except => {
            for r in left {
                let k = row_key(&r);
                match right_counts.get_mut(&k) {
                    Some(c) if *c > 0 => {
                        if all {
                            *c -= 1;
                        }
                    }
                    _ => {
                        if all || seen.insert(k) {
                            out.push(r);
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}
