//! Plan execution as row streams (pull-based iterators). Joins on equality keys hash their
//! right input; aggregates hash their groups.

mod dependent;
mod lock_rows;
pub(crate) mod sample;

use super::expr::{Env, Expr, Row};
use super::functions::AggState;
use super::plan::{AggCall, JoinKind, Plan, SetOpKind, SortKey};
use crate::error::{EngineError, Result};
use crate::types::{CastKind, DataType, Value};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::ops::Bound;
use storage::keycode::{self, ColumnOrder};
use storage::Storage;

/// What execution needs from its surroundings.
pub struct ExecCx<'a> {
    pub storage: &'a Storage,
    /// What the statement sees: every row read goes through [`ExecCx::reader`].
    pub snapshot: &'a storage::Snapshot,
    pub params: &'a [Value],
    /// What `nextval` and friends need (None where no sequence may be used: 0A000).
    pub seq: Option<crate::sequence::SeqEnv<'a>>,
    /// How row locks wait (None where rows may not be locked).
    pub waits: Option<crate::access::Waits<'a>>,
    /// What the session functions (`current_setting`, `set_config`, `pg_backend_pid`,
    /// `txid_current`) need (None where they may not be used: 0A000).
    pub session: Option<SessionEnv<'a>>,
}

/// The running statement's session and transaction.
#[derive(Clone, Copy)]
pub struct SessionEnv<'a> {
    /// The session's settings (None outside a session: the defaults apply).
    pub settings: Option<&'a crate::guc::Settings>,
    pub backend_pid: i32,
    /// The storage transaction's id.
    pub txid: u64,
    /// The session's notification state (`pg_notify`, `pg_listening_channels`).
    pub notify: Option<&'a crate::notify::SessionNotify>,
}

impl ExecCx<'_> {
    /// Reads rows as the statement's snapshot sees them.
    pub fn reader(&self) -> crate::access::Reader<'_> {
        crate::access::Reader {
            storage: self.storage,
            snapshot: self.snapshot,
            ssi: self.waits.map(|w| w.ssi),
        }
    }
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

/// A stream of result rows.
pub type RowIter<'a> = Box<dyn Iterator<Item = Result<Row>> + 'a>;

/// Runs `plan` with `outer` as the rows of the enclosing queries (innermost first) and
/// collects its rows.
pub fn run(plan: &Plan, cx: &ExecCx<'_>, outer: &[&[Value]]) -> Result<Vec<Row>> {
    stream(plan, Env { cx, outer })?.collect()
}

fn keep_if<'a>(input: RowIter<'a>, pred: &'a Expr, env: Env<'a>) -> RowIter<'a> {
    Box::new(input.filter_map(move |r| match r {
        Ok(row) => match pred.test(&row, &env) {
            Ok(true) => Some(Ok(row)),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        },
        Err(e) => Some(Err(e)),
    }))
}

/// Runs `plan` as a stream: scans, index scans, filters, projections, limits and the probe
/// side of joins pass rows through one at a time; sorts, aggregates, set operations and the
/// build side of joins hold what they must.
pub fn stream<'a>(plan: &'a Plan, env: Env<'a>) -> Result<RowIter<'a>> {
    let start = std::time::Instant::now();
    let rows = stream_node(plan, env)?;
    Ok(super::analyze::instrument(plan, rows, start))
}

fn stream_node<'a>(plan: &'a Plan, env: Env<'a>) -> Result<RowIter<'a>> {
    Ok(match plan {
        Plan::Scan { table } => Box::new(env.cx.reader().scan(table).map(|t| t.map(|(_, r)| r))),
        Plan::SampleScan { table, sample } => sample::scan(table, sample, env)?,
        Plan::IndexScan {
            table,
            index,
            eq,
            range,
        } => Box::new(
            index_scan_tids(table, *index, eq, range.as_ref(), env)?.map(|t| t.map(|(_, r)| r)),
        ),
        Plan::TidScan { scan } => lock_rows::tid_scan(scan, env)?,
        Plan::LockRows {
            input,
            table,
            tid,
            strength,
            wait,
        } => lock_rows::lock_rows(stream(input, env)?, table, *tid, *strength, *wait, env)?,
        Plan::Values { rows } => {
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let mut row = Vec::with_capacity(r.len());
                for e in r {
                    row.push(e.eval(&[], &env)?);
                }
                out.push(Ok(row));
            }
            Box::new(out.into_iter())
        }
        Plan::One => Box::new(std::iter::once(Ok(Vec::new()))),
        Plan::ProjectSet { input, funcs } => {
            super::setfunc::project_set(stream(input, env)?, funcs, env)
        }
        Plan::Function {
            func,
            args,
            ordinality,
            record,
        } => {
            let vals = args
                .iter()
                .map(|e| e.eval(&[], &env))
                .collect::<Result<Vec<_>>>()?;
            let ordinality = *ordinality;
            Box::new(
                func.rows(vals, record, env.cx)?
                    .zip(1i64..)
                    .map(move |(r, n)| {
                        crate::interrupt::check()?;
                        let mut row = r?;
                        if ordinality {
                            row.push(Value::Int8(n));
                        }
                        Ok(row)
                    }),
            )
        }
        Plan::Filter { input, pred } => keep_if(stream(input, env)?, pred, env),
        Plan::Project { input, exprs } => Box::new(stream(input, env)?.map(move |r| {
            let row = r?;
            exprs.iter().map(|e| e.eval(&row, &env)).collect()
        })),
        Plan::Join {
            left,
            right,
            kind,
            keys,
            on,
            left_width,
            right_width,
        } => {
            let r = run(right, env.cx, env.outer)?;
            match kind {
                JoinKind::Inner | JoinKind::Left => {
                    let probe = Probe::build(r, keys, env)?;
                    let (lw, rw, kind, on) = (*left_width, *right_width, *kind, on.as_ref());
                    Box::new(stream(left, env)?.flat_map(move |l| match l {
                        Ok(lrow) => match crate::interrupt::check().and_then(|()| {
                            probe.matches(&lrow, keys, on, kind, lw, rw, &env, &mut [])
                        }) {
                            Ok(rows) => rows.into_iter().map(Ok).collect::<Vec<_>>(),
                            Err(e) => vec![Err(e)],
                        },
                        Err(e) => vec![Err(e)],
                    }))
                }
                // Unmatched right rows are known only at the end: join in one go.
                JoinKind::Right | JoinKind::Full => {
                    let rows = join(
                        stream(left, env)?,
                        r,
                        *kind,
                        keys,
                        on.as_ref(),
                        *left_width,
                        *right_width,
                        &env,
                    )?;
                    Box::new(rows.into_iter().map(Ok))
                }
            }
        }
        Plan::Apply {
            left,
            right,
            kind,
            on,
            right_width,
        } => dependent::apply(left, right, *kind, on.as_ref(), *right_width, env)?,
        Plan::RecursiveCte {
            id,
            base,
            recursive,
            all,
        } => Box::new(dependent::Recursion::new(*id, base, recursive, *all, env)?),
        Plan::WorkTable { rows, .. } => {
            let rows = rows.clone().ok_or(EngineError::Internal {
                reason: "work table scanned outside its recursion",
            })?;
            Box::new((0..rows.len()).map(move |i| Ok(rows[i].clone())))
        }
        Plan::Aggregate {
            input,
            groups,
            aggs,
            sets,
        } => Box::new(
            aggregate(stream(input, env)?, groups, aggs, sets.as_deref(), &env)?
                .into_iter()
                .map(Ok),
        ),
        Plan::Sort { input, keys } => {
            let rows = stream(input, env)?.collect::<Result<Vec<_>>>()?;
            Box::new(sort(rows, keys, &env)?.into_iter().map(Ok))
        }
        Plan::Window { input, window } => {
            let rows = stream(input, env)?.collect::<Result<Vec<_>>>()?;
            let rows = super::window::exec::evaluate(rows, window, &env)?;
            Box::new(rows.into_iter().map(Ok))
        }
        Plan::Distinct { input, on } => {
            let mut seen = std::collections::HashSet::new();
            Box::new(stream(input, env)?.filter(move |r| match r {
                Ok(row) => seen.insert(match on {
                    None => row_key(row),
                    Some(cols) => {
                        let key: Vec<Value> = cols
                            .iter()
                            .map(|&c| row.get(c).cloned().unwrap_or(Value::Null))
                            .collect();
                        row_key(&key)
                    }
                }),
                Err(_) => true,
            }))
        }
        Plan::Limit {
            input,
            limit,
            offset,
        } => {
            let count = |e: &Option<Expr>, what: &'static str| -> Result<Option<usize>> {
                let Some(e) = e else { return Ok(None) };
                match e
                    .eval(&[], &env)?
                    .cast(&DataType::Int8, CastKind::Implicit)?
                {
                    Value::Null => Ok(None),
                    Value::Int8(n) if n >= 0 => Ok(Some(n as usize)),
                    _ => Err(EngineError::InvalidRowCount { what }),
                }
            };
            let (limit, offset) = (
                count(limit, "LIMIT")?,
                count(offset, "OFFSET")?.unwrap_or(0),
            );
            Box::new(
                stream(input, env)?
                    .skip(offset)
                    .take(limit.unwrap_or(usize::MAX)),
            )
        }
        Plan::SetOp {
            kind,
            all,
            left,
            right,
        } => {
            let rows = set_op(
                *kind,
                *all,
                run(left, env.cx, env.outer)?,
                run(right, env.cx, env.outer)?,
            )?;
            Box::new(rows.into_iter().map(Ok))
        }
    })
}

/// The build side of an inner or left join: hashed by the key values when there are keys.
struct Probe {
    rows: Vec<Row>,
    table: HashMap<Vec<u8>, Vec<usize>>,
}

impl Probe {
    fn build(rows: Vec<Row>, keys: &[(Expr, Expr)], env: Env<'_>) -> Result<Probe> {
        let mut table: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
        if !keys.is_empty() {
            for (i, row) in rows.iter().enumerate() {
                let mut vals = Vec::with_capacity(keys.len());
                for (_, re) in keys {
                    vals.push(re.eval(row, &env)?);
                }
                // A NULL key never matches.
                if vals.iter().any(Value::is_null) {
                    continue;
                }
                table.entry(row_key(&vals)).or_default().push(i);
            }
        }
        Ok(Probe { rows, table })
    }

    #[allow(clippy::too_many_arguments)]
    fn matches(
        &self,
        lrow: &Row,
        keys: &[(Expr, Expr)],
        on: Option<&Expr>,
        kind: JoinKind,
        left_width: usize,
        right_width: usize,
        env: &Env<'_>,
        matched: &mut [bool],
    ) -> Result<Vec<Row>> {
        let all: Vec<usize>;
        let candidates: &[usize] = if keys.is_empty() {
            all = (0..self.rows.len()).collect();
            &all
        } else {
            let mut vals = Vec::with_capacity(keys.len());
            for (le, _) in keys {
                vals.push(le.eval(lrow, env)?);
            }
            if vals.iter().any(Value::is_null) {
                &[]
            } else {
                self.table
                    .get(&row_key(&vals))
                    .map_or(&[], |v| v.as_slice())
            }
        };
        let mut out = Vec::new();
        for &i in candidates {
            let mut joined = Vec::with_capacity(left_width + right_width);
            joined.extend_from_slice(lrow);
            joined.extend_from_slice(&self.rows[i]);
            if on.map_or(Ok(true), |p| p.test(&joined, env))? {
                if let Some(m) = matched.get_mut(i) {
                    *m = true;
                }
                out.push(joined);
            }
        }
        if out.is_empty() && kind == JoinKind::Left {
            let mut joined = lrow.clone();
            joined.resize(left_width + right_width, Value::Null);
            out.push(joined);
        }
        Ok(out)
    }
}

/// A range of B+tree keys.
pub(crate) type KeyRange = (Bound<Vec<u8>>, Bound<Vec<u8>>);

/// The key range of an index scan: leading columns equal to `eq`, the next within `range`
/// (`None`: nothing can match).
pub(crate) fn index_range(
    eq: &[Expr],
    range: Option<&(Bound<Expr>, Bound<Expr>)>,
    env: Env<'_>,
) -> Result<Option<KeyRange>> {
    let mut prefix = Vec::new();
    for e in eq {
        let v = e.eval(&[], &env)?;
        if v.is_null() {
            return Ok(None); // `col = NULL` matches nothing
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
        let v = e.eval(&[], &env)?;
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
            _ => return Ok(None),
        },
    };
    Ok(Some((lo, hi)))
}

/// Fetches the rows an index range points at.
fn index_scan_tids<'a>(
    table: &'a crate::catalog::TableDef,
    index: usize,
    eq: &'a [Expr],
    range: Option<&'a (Bound<Expr>, Bound<Expr>)>,
    env: Env<'a>,
) -> Result<crate::access::Rows<'a>> {
    let Some((lo, hi)) = index_range(eq, range, env)? else {
        return Ok(Box::new(std::iter::empty()));
    };
    let ix = table.indexes.get(index).ok_or(EngineError::Internal {
        reason: "index scan of a missing index",
    })?;
    env.cx
        .reader()
        .index_range(table, ix, lo, hi, storage::ScanDirection::Forward)
}

/// A right or full join, which must know at the end which right rows never matched.
#[allow(clippy::too_many_arguments)]
fn join(
    l: RowIter<'_>,
    r: Vec<Row>,
    kind: JoinKind,
    keys: &[(Expr, Expr)],
    on: Option<&Expr>,
    left_width: usize,
    right_width: usize,
    env: &Env<'_>,
) -> Result<Vec<Row>> {
    let probe = Probe::build(r, keys, *env)?;
    let mut matched = vec![false; probe.rows.len()];
    let mut out = Vec::new();
    // Left rows of a full join keep their NULL-extended row when nothing matches.
    let left_kind = if kind == JoinKind::Full {
        JoinKind::Left
    } else {
        JoinKind::Inner
    };
    for lrow in l {
        let lrow = lrow?;
        out.extend(probe.matches(
            &lrow,
            keys,
            on,
            left_kind,
            left_width,
            right_width,
            env,
            &mut matched,
        )?);
    }
    for (i, rrow) in probe.rows.iter().enumerate() {
        if !matched[i] {
            let mut joined = vec![Value::Null; left_width];
            joined.extend_from_slice(rrow);
            out.push(joined);
        }
    }
    Ok(out)
}

/// The group values of a row for grouping set `s` of `sets`: the set's columns, NULL for
/// the others, and the set's index in the last column.
fn set_values(gvals: &[Value], sets: &[Vec<usize>], s: usize) -> Row {
    let last = gvals.len().saturating_sub(1);
    let mut out: Row = vec![Value::Null; gvals.len()];
    for &c in &sets[s] {
        if c < last {
            out[c] = gvals[c].clone();
        }
    }
    if let Some(v) = out.last_mut() {
        *v = Value::Int4(i32::try_from(s).unwrap_or(i32::MAX));
    }
    out
}

fn aggregate(
    rows: RowIter<'_>,
    groups: &[Expr],
    aggs: &[AggCall],
    sets: Option<&[Vec<usize>]>,
    env: &Env<'_>,
) -> Result<Vec<Row>> {
    let mut order: Vec<(Row, Vec<AggState>)> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    // Groups that exist without input rows: the whole input, or each empty grouping set.
    let empty_sets: Vec<Row> = match sets {
        None if groups.is_empty() => vec![Vec::new()],
        None => Vec::new(),
        Some(sets) => (0..sets.len())
            .filter(|&s| sets[s].is_empty())
            .map(|s| set_values(&vec![Value::Null; groups.len()], sets, s))
            .collect(),
    };
    for g in empty_sets {
        index.insert(row_key(&g), order.len());
        order.push((g, aggs.iter().map(AggState::new).collect()));
    }
    let set_count = sets.map_or(1, <[Vec<usize>]>::len);
    let evaluated = match sets {
        Some(_) => groups.len().saturating_sub(1),
        None => groups.len(),
    };
    for row in rows {
        let row = row?;
        let mut gvals = Vec::with_capacity(groups.len());
        for g in &groups[..evaluated] {
            gvals.push(g.eval(&row, env)?);
        }
        for s in 0..set_count {
            let gvals = match sets {
                Some(sets) => {
                    gvals.push(Value::Null);
                    let v = set_values(&gvals, sets, s);
                    gvals.pop();
                    v
                }
                None => gvals.clone(),
            };
            let key = row_key(&gvals);
            let slot = match index.get(&key) {
                Some(&i) => i,
                None => {
                    order.push((gvals, aggs.iter().map(AggState::new).collect()));
                    index.insert(key, order.len() - 1);
                    order.len() - 1
                }
            };
            add_row(&mut order[slot].1, aggs, &row, env)?;
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

/// Feeds one input row to a group's aggregates.
fn add_row(states: &mut [AggState], aggs: &[AggCall], row: &Row, env: &Env<'_>) -> Result<()> {
    for (state, call) in states.iter_mut().zip(aggs) {
        if let Some(f) = &call.filter {
            if !f.test(row, env)? {
                continue;
            }
        }
        let mut args = Vec::with_capacity(call.args.len());
        for e in &call.args {
            args.push(e.eval(row, env)?);
        }
        let mut keys = Vec::with_capacity(call.order_by.len());
        for k in &call.order_by {
            keys.push(k.expr.eval(row, env)?);
        }
        state.add(args, keys)?;
    }
    Ok(())
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
    let order: Vec<(bool, bool)> = keys.iter().map(|k| (k.desc, k.nulls_first)).collect();
    let mut failure = None;
    keyed.sort_by(|(a, _), (b, _)| {
        cmp_keys(a, b, &order).unwrap_or_else(|e| {
            failure.get_or_insert(e);
            Ordering::Equal
        })
    });
    if let Some(e) = failure {
        return Err(e);
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

/// Compares two lists of sort key values under (descending, NULLs first) per key.
pub fn cmp_keys(a: &[Value], b: &[Value], order: &[(bool, bool)]) -> Result<Ordering> {
    for (i, &(desc, nulls_first)) in order.iter().enumerate() {
        let (x, y) = (&a[i], &b[i]);
        let ord = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) if nulls_first => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, true) if nulls_first => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                let o = x.sql_cmp(y)?.unwrap_or(Ordering::Equal);
                if desc {
                    o.reverse()
                } else {
                    o
                }
            }
        };
        if ord != Ordering::Equal {
            return Ok(ord);
        }
    }
    Ok(Ordering::Equal)
}
