//! Executing a `Plan::Window`: its input, already sorted by the partition keys and then the
//! ORDER BY keys, is held in memory, cut into partitions (rows equal on the partition keys)
//! and each call's value is computed for every row, appended to the row in call order.
//!
//! Aggregates over frames that start at the partition's first row (and exclude nothing)
//! accumulate as the frame grows; a row whose frame equals the previous row's reuses its
//! value; other frames are aggregated afresh per row.

use super::frame::{self, CountBound, FrameRows, Peers};
use super::{Exclusion, FrameBound, FrameUnits, WindowCall, WindowFunc, WindowSpec};
use crate::error::{EngineError, Result};
use crate::sql::exec::cmp_keys;
use crate::sql::expr::{Env, Row};
use crate::sql::functions::AggState;
use crate::sql::plan::{AggCall, SortKey};
use crate::types::ops::{eval_binary, BinaryOp};
use crate::types::Value;
use std::cmp::Ordering;

fn error(code: &'static str, message: &str) -> EngineError {
    EngineError::Function {
        code,
        message: message.to_string(),
    }
}

/// A frame bound with its offset evaluated.
#[derive(Clone, Debug)]
enum Bound {
    Count(CountBound),
    /// A `RANGE` offset: (value, PRECEDING).
    Range(Value, bool),
}

/// Evaluates a bound's offset (once per execution, as PostgreSQL does).
fn eval_bound(b: &FrameBound, units: FrameUnits, start: bool, env: &Env<'_>) -> Result<Bound> {
    let which = if start { "starting" } else { "ending" };
    let (e, preceding) = match b {
        FrameBound::UnboundedPreceding => return Ok(Bound::Count(CountBound::UnboundedPreceding)),
        FrameBound::UnboundedFollowing => return Ok(Bound::Count(CountBound::UnboundedFollowing)),
        FrameBound::CurrentRow => return Ok(Bound::Count(CountBound::CurrentRow)),
        FrameBound::Preceding(e) => (e, true),
        FrameBound::Following(e) => (e, false),
    };
    let v = e.eval(&[], env)?;
    if v.is_null() {
        return Err(error(
            "22004",
            &format!("frame {which} offset must not be null"),
        ));
    }
    if units == FrameUnits::Range {
        return Ok(Bound::Range(v, preceding));
    }
    let n = match v {
        Value::Int8(n) => n,
        other => other.as_i64().ok_or(EngineError::Internal {
            reason: "frame offset is not an integer",
        })?,
    };
    let n = u64::try_from(n).map_err(|_| {
        error(
            "22013",
            &format!("frame {which} offset must not be negative"),
        )
    })?;
    Ok(Bound::Count(if preceding {
        CountBound::Preceding(n)
    } else {
        CountBound::Following(n)
    }))
}

/// Whether a `RANGE` offset is negative (or NaN), which in_range refuses.
fn negative_offset(v: &Value) -> bool {
    match v {
        Value::Numeric(n) => n.is_nan() || n.signum() < 0,
        Value::Float4(f) => f.is_nan() || *f < 0.0,
        Value::Float8(f) => f.is_nan() || *f < 0.0,
        Value::Interval(i) => i.cmp_key() < 0,
        other => other.as_i64().is_some_and(|n| n < 0),
    }
}

/// `key ± offset` for a RANGE bound; integers exactly (never overflowing, as in_range).
enum Threshold {
    Int(i128),
    Value(Value),
}

fn threshold(key: &Value, offset: &Value, sub: bool) -> Result<Threshold> {
    if negative_offset(offset) {
        return Err(error(
            "22013",
            "invalid preceding or following size in window function",
        ));
    }
    if let (Some(k), Some(o)) = (key.as_i64(), offset.as_i64()) {
        let (k, o) = (i128::from(k), i128::from(o));
        return Ok(Threshold::Int(if sub { k - o } else { k + o }));
    }
    let op = if sub { BinaryOp::Sub } else { BinaryOp::Add };
    Ok(Threshold::Value(eval_binary(op, key, offset)?))
}

fn compare(key: &Value, t: &Threshold) -> Result<Ordering> {
    match t {
        Threshold::Int(t) => match key.as_i64() {
            Some(k) => Ok(i128::from(k).cmp(t)),
            None => Err(EngineError::Internal {
                reason: "RANGE key is not an integer",
            }),
        },
        Threshold::Value(t) => Ok(key.sql_cmp(t)?.unwrap_or(Ordering::Equal)),
    }
}

/// One partition, its rows' ORDER BY key values and peer groups.
struct Part<'r> {
    rows: &'r [Row],
    order_keys: &'r [Vec<Value>],
    order: &'r [SortKey],
    peers: Peers,
}

impl Part<'_> {
    fn n(&self) -> usize {
        self.rows.len()
    }

    /// Rows whose (single) ORDER BY key is not NULL.
    fn non_null_region(&self) -> (usize, usize) {
        let is_null = |j: usize| self.order_keys[j].first().is_none_or(Value::is_null);
        let n = self.n();
        if self.order.first().is_some_and(|k| k.nulls_first) {
            let mut lo = 0;
            while lo < n && is_null(lo) {
                lo += 1;
            }
            (lo, n)
        } else {
            let mut hi = n;
            while hi > 0 && is_null(hi - 1) {
                hi -= 1;
            }
            (0, hi)
        }
    }

    /// One bound of row `i`'s frame.
    fn bound(&self, b: &Bound, units: FrameUnits, i: usize, end: bool) -> Result<usize> {
        match (b, units) {
            (Bound::Count(c), FrameUnits::Rows) => Ok(frame::rows_bound(*c, i, self.n(), end)),
            (Bound::Count(c), _) => Ok(frame::groups_bound(*c, i, &self.peers, end)),
            (Bound::Range(offset, preceding), _) => {
                let key = self.order_keys[i].first().unwrap_or(&Value::Null);
                if key.is_null() {
                    let (first, past) = self.peers.group(i);
                    return Ok(if end { past } else { first });
                }
                let desc = self.order.first().is_some_and(|k| k.desc);
                let t = threshold(key, offset, *preceding != desc)?;
                frame::range_bound(self.non_null_region(), desc, end, |j| {
                    compare(self.order_keys[j].first().unwrap_or(&Value::Null), &t)
                })
            }
        }
    }
}

/// The values of `call` for every row of a partition.
fn call_values(call: &WindowCall, part: &Part<'_>, env: &Env<'_>) -> Result<Vec<Value>> {
    let n = part.n();
    let mut args: Vec<Vec<Value>> = Vec::with_capacity(n);
    for row in part.rows {
        let mut a = Vec::with_capacity(call.args.len());
        for e in &call.args {
            a.push(e.eval(row, env)?);
        }
        args.push(a);
    }
    let arg = |i: usize, k: usize| args[i].get(k).cloned().unwrap_or(Value::Null);
    let peers = &part.peers;
    let count = |x: usize| Value::Int8(i64::try_from(x).unwrap_or(i64::MAX));
    let mut out = Vec::with_capacity(n);
    match &call.func {
        WindowFunc::RowNumber => out.extend((0..n).map(|i| count(i + 1))),
        WindowFunc::Rank => out.extend((0..n).map(|i| count(peers.group(i).0 + 1))),
        WindowFunc::DenseRank => out.extend((0..n).map(|i| count(peers.group_of[i] + 1))),
        WindowFunc::PercentRank => out.extend((0..n).map(|i| {
            Value::Float8(if n > 1 {
                peers.group(i).0 as f64 / (n - 1) as f64
            } else {
                0.0
            })
        })),
        WindowFunc::CumeDist => {
            out.extend((0..n).map(|i| Value::Float8(peers.group(i).1 as f64 / n as f64)))
        }
        WindowFunc::Ntile => {
            let buckets = match args.first().and_then(|a| a.first()) {
                None | Some(Value::Null) => None,
                Some(v) => match v.as_i64() {
                    Some(b) if b > 0 => Some(b as usize),
                    _ => {
                        return Err(error(
                            "22014",
                            "argument of ntile must be greater than zero",
                        ))
                    }
                },
            };
            match buckets {
                None => out.resize(n, Value::Null),
                Some(b) => {
                    // The first n % b buckets hold one row more than the others.
                    let (size, extra) = (n / b, n % b);
                    let mut bucket = 1usize;
                    let mut left = size + usize::from(extra > 0);
                    for _ in 0..n {
                        if left == 0 {
                            bucket += 1;
                            left = size + usize::from(bucket <= extra);
                        }
                        out.push(Value::Int4(i32::try_from(bucket).unwrap_or(i32::MAX)));
                        left -= 1;
                    }
                }
            }
        }
        WindowFunc::Lag | WindowFunc::Lead => {
            let lag = matches!(call.func, WindowFunc::Lag);
            for i in 0..n {
                let offset = if call.args.len() > 1 {
                    match arg(i, 1).as_i64() {
                        Some(o) => o,
                        None => {
                            out.push(Value::Null);
                            continue;
                        }
                    }
                } else {
                    1
                };
                let target = if lag {
                    i as i64 - offset
                } else {
                    i as i64 + offset
                };
                out.push(match usize::try_from(target).ok().filter(|&j| j < n) {
                    Some(j) => arg(j, 0),
                    None => arg(i, 2),
                });
            }
        }
        WindowFunc::FirstValue | WindowFunc::LastValue | WindowFunc::NthValue => {
            let frames = frames(call, part, env)?;
            for (i, f) in frames.into_iter().enumerate() {
                let at = match call.func {
                    WindowFunc::FirstValue => f.first(),
                    WindowFunc::LastValue => f.last(),
                    _ => match arg(i, 1).as_i64() {
                        None => None,
                        Some(k) if k <= 0 => {
                            return Err(error(
                                "22016",
                                "argument of nth_value must be greater than zero",
                            ))
                        }
                        Some(k) => f.nth(usize::try_from(k - 1).unwrap_or(usize::MAX)),
                    },
                };
                out.push(at.map_or(Value::Null, |j| arg(j, 0)));
            }
        }
        WindowFunc::Agg(agg) => {
            let mut pass = Vec::with_capacity(n);
            for row in part.rows {
                pass.push(match &agg.filter {
                    Some(f) => f.test(row, env)?,
                    None => true,
                });
            }
            let frames = frames(call, part, env)?;
            out = aggregate(agg, call, &frames, &args, &pass)?;
        }
    }
    Ok(out)
}

/// Every row's frame (bounds evaluated once per partition).
fn frames(call: &WindowCall, part: &Part<'_>, env: &Env<'_>) -> Result<Vec<FrameRows>> {
    let f = &call.frame;
    let start = eval_bound(&f.start, f.units, true, env)?;
    let end = eval_bound(&f.end, f.units, false, env)?;
    let mut out = Vec::with_capacity(part.n());
    for i in 0..part.n() {
        let s = part.bound(&start, f.units, i, false)?;
        let e = part.bound(&end, f.units, i, true)?;
        out.push(FrameRows::new(s, e, f.exclusion, i, &part.peers));
    }
    Ok(out)
}

/// An aggregate's value over every row's frame.
fn aggregate(
    agg: &AggCall,
    call: &WindowCall,
    frames: &[FrameRows],
    args: &[Vec<Value>],
    pass: &[bool],
) -> Result<Vec<Value>> {
    let mut out: Vec<Value> = Vec::with_capacity(frames.len());
    let plain = call.frame.exclusion == Exclusion::NoOthers;
    let growing = plain && matches!(call.frame.start, FrameBound::UnboundedPreceding);
    let mut running = AggState::new(agg);
    let mut added = 0;
    let mut previous: Option<(usize, usize)> = None;
    for f in frames {
        let span = f.span();
        if plain && previous == Some(span) {
            let v = out.last().cloned().unwrap_or(Value::Null);
            out.push(v);
            continue;
        }
        previous = Some(span);
        if growing {
            while added < span.1 {
                if pass[added] {
                    running.add(args[added].clone(), Vec::new())?;
                }
                added += 1;
            }
            out.push(running.clone().finish()?);
            continue;
        }
        let mut state = AggState::new(agg);
        for j in f.iter() {
            if pass[j] {
                state.add(args[j].clone(), Vec::new())?;
            }
        }
        out.push(state.finish()?);
    }
    Ok(out)
}

/// Computes the calls of `spec` over `rows` (sorted by its partition and ORDER BY keys),
/// appending one value per call to each row.
pub fn evaluate(rows: Vec<Row>, spec: &WindowSpec, env: &Env<'_>) -> Result<Vec<Row>> {
    // Frame offsets are checked even when there are no rows, as PostgreSQL checks them
    // when the node starts.
    for call in &spec.calls {
        if call.func.uses_frame() {
            let f = &call.frame;
            eval_bound(&f.start, f.units, true, env)?;
            eval_bound(&f.end, f.units, false, env)?;
        }
    }
    let eval_keys = |keys: &[SortKey], row: &Row| -> Result<Vec<Value>> {
        keys.iter().map(|k| k.expr.eval(row, env)).collect()
    };
    let mut part_keys = Vec::with_capacity(rows.len());
    let mut order_keys = Vec::with_capacity(rows.len());
    for row in &rows {
        part_keys.push(eval_keys(&spec.partition, row)?);
        order_keys.push(eval_keys(&spec.order, row)?);
    }
    let part_order: Vec<(bool, bool)> = spec
        .partition
        .iter()
        .map(|k| (k.desc, k.nulls_first))
        .collect();
    let order: Vec<(bool, bool)> = spec.order.iter().map(|k| (k.desc, k.nulls_first)).collect();
    let mut values: Vec<Vec<Value>> = vec![Vec::with_capacity(spec.calls.len()); rows.len()];
    let mut start = 0;
    while start < rows.len() {
        crate::interrupt::check()?;
        let mut end = start + 1;
        while end < rows.len()
            && cmp_keys(&part_keys[start], &part_keys[end], &part_order)? == Ordering::Equal
        {
            end += 1;
        }
        let keys = &order_keys[start..end];
        let peers = Peers::new(end - start, |i| {
            Ok(cmp_keys(&keys[i - 1], &keys[i], &order)? == Ordering::Equal)
        })?;
        let part = Part {
            rows: &rows[start..end],
            order_keys: keys,
            order: &spec.order,
            peers,
        };
        for call in &spec.calls {
            for (i, v) in call_values(call, &part, env)?.into_iter().enumerate() {
                values[start + i].push(v);
            }
        }
        start = end;
    }
    Ok(rows
        .into_iter()
        .zip(values)
        .map(|(mut row, vals)| {
            row.extend(vals);
            row
        })
        .collect())
}
