//! Ordered-set aggregates (`percentile_cont`, `percentile_disc` — with a fraction or an
//! array of fractions — and `mode`) and hypothetical-set aggregates (`rank`, `dense_rank`,
//! `percent_rank`, `cume_dist` with `WITHIN GROUP`): their argument and result types, and
//! their results over the sorted rows of a group, as PostgreSQL's `orderedsetaggs.c`.
//!
//! A call's arguments are its direct arguments followed by its sorted ones. The aggregate
//! state holds each input row as (sort key values, arguments), sorted by the WITHIN GROUP
//! order before [`finish`] runs. Direct arguments are the same for every row of a group
//! (PostgreSQL allows only grouped columns in them), so they are read from the first row.

use super::AggFunc;
use crate::error::{EngineError, Result};
use crate::sql::exec::cmp_keys;
use crate::types::ops::{eval_binary, BinaryOp};
use crate::types::{can_cast, CastKind, DataType, Value};
use std::cmp::Ordering;

/// Rows held by the aggregate: (sort key values, argument values), sorted.
type Held = Vec<(Vec<Value>, Vec<Value>)>;

fn is_number(t: &DataType) -> bool {
    *t == DataType::Unknown || can_cast(t, &DataType::Float8, CastKind::Implicit)
}

/// `name(direct, sorted)` as PostgreSQL names a missing function (with its hint for a
/// hypothetical-set call whose direct and sorted argument counts differ).
fn undefined(func: AggFunc, name: &str, direct: &[DataType], sorted: &[DataType]) -> EngineError {
    let all: Vec<DataType> = direct.iter().chain(sorted).cloned().collect();
    let signature = super::signature_text(name, &all);
    let hypothetical = !matches!(
        func,
        AggFunc::PercentileCont | AggFunc::PercentileDisc | AggFunc::Mode
    );
    if hypothetical && direct.len() != sorted.len() {
        return EngineError::Detailed {
            code: "42883",
            message: format!("function {signature} does not exist"),
            detail: String::new(),
            hint: Some(format!(
                "To use the hypothetical-set aggregate {name}, the number of hypothetical direct arguments (here {}) must match the number of ordering columns (here {}).",
                direct.len(),
                sorted.len()
            )),
        };
    }
    EngineError::UndefinedFunction { signature }
}

/// The types an ordered-set call's direct and sorted arguments are cast to (in that order)
/// and its result type.
pub fn types(
    func: AggFunc,
    name: &str,
    direct: &[DataType],
    sorted: &[DataType],
) -> Result<(Vec<DataType>, DataType)> {
    let fail = || undefined(func, name, direct, sorted);
    let float_array = DataType::Array(Box::new(DataType::Float8));
    // A fraction, or an array of them: (its cast, whether it is the array form).
    let fraction = |t: &DataType| -> Option<(DataType, bool)> {
        match t {
            DataType::Array(e) if is_number(e) => Some((float_array.clone(), true)),
            t if is_number(t) => Some((DataType::Float8, false)),
            _ => None,
        }
    };
    let array_if = |t: DataType, array: bool| {
        if array {
            DataType::Array(Box::new(t))
        } else {
            t
        }
    };
    match func {
        AggFunc::PercentileCont => {
            let ([d], [s]) = (direct, sorted) else {
                return Err(fail());
            };
            let (dcast, array) = fraction(d).ok_or_else(fail)?;
            let scast = match s {
                DataType::Interval => DataType::Interval,
                s if is_number(s) => DataType::Float8,
                _ => return Err(fail()),
            };
            Ok((vec![dcast, scast.clone()], array_if(scast, array)))
        }
        AggFunc::PercentileDisc => {
            let ([d], [s]) = (direct, sorted) else {
                return Err(fail());
            };
            let (dcast, array) = fraction(d).ok_or_else(fail)?;
            let s = if *s == DataType::Unknown {
                DataType::Text
            } else {
                s.clone()
            };
            crate::types::check_orderable(&s)?;
            Ok((vec![dcast, s.clone()], array_if(s, array)))
        }
        AggFunc::Mode => {
            let ([], [s]) = (direct, sorted) else {
                return Err(fail());
            };
            let s = if *s == DataType::Unknown {
                DataType::Text
            } else {
                s.clone()
            };
            crate::types::check_orderable(&s)?;
            Ok((vec![s.clone()], s))
        }
        AggFunc::HypRank
        | AggFunc::HypDenseRank
        | AggFunc::HypPercentRank
        | AggFunc::HypCumeDist => {
            if direct.len() != sorted.len() || direct.is_empty() {
                return Err(fail());
            }
            let mut common = Vec::with_capacity(direct.len());
            for (d, s) in direct.iter().zip(sorted) {
                let t = match crate::types::common_type(&[s.clone(), d.clone()]) {
                    Ok(DataType::Unknown) => DataType::Text,
                    Ok(t) => t,
                    Err(_) => return Err(fail()),
                };
                crate::types::check_orderable(&t)?;
                common.push(t);
            }
            let casts = common.iter().chain(common.iter()).cloned().collect();
            let result = if matches!(func, AggFunc::HypRank | AggFunc::HypDenseRank) {
                DataType::Int8
            } else {
                DataType::Float8
            };
            Ok((casts, result))
        }
        _ => Err(fail()),
    }
}

/// The aggregate's value over the group's rows, `held` sorted by `order`.
pub(super) fn finish(
    func: AggFunc,
    order: &[(bool, bool)],
    held: Held,
    result: &DataType,
) -> Result<Value> {
    match func {
        AggFunc::PercentileCont | AggFunc::PercentileDisc => percentile(func, held, result),
        AggFunc::Mode => Ok(mode(&held)?.unwrap_or(Value::Null)),
        _ => hypothetical(func, order, &held),
    }
}

fn percentile(func: AggFunc, held: Held, result: &DataType) -> Result<Value> {
    let Some(direct) = held.first().and_then(|(_, args)| args.first()).cloned() else {
        return Ok(Value::Null);
    };
    // NULL inputs are left out.
    let values: Vec<Value> = held
        .into_iter()
        .filter_map(|(mut keys, _)| keys.pop().filter(|v| !v.is_null()))
        .collect();
    if values.is_empty() {
        return Ok(Value::Null);
    }
    let one = |f: f64| -> Result<Value> {
        if !(0.0..=1.0).contains(&f) {
            return Err(EngineError::Function {
                code: "22003",
                message: format!("percentile value {} is not between 0 and 1", fmt_g(f)),
            });
        }
        if func == AggFunc::PercentileDisc {
            let n = values.len() as f64;
            let row = ((f * n).ceil() as usize).max(1);
            return Ok(values[row - 1].clone());
        }
        let pos = f * (values.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        lerp(&values[lo], &values[hi], pos - lo as f64)
    };
    match direct {
        Value::Null => Ok(Value::Null),
        Value::Float8(f) => one(f),
        Value::Array(a) => {
            let items = a
                .items
                .iter()
                .map(|v| match v {
                    Value::Float8(f) => one(*f),
                    _ => Ok(Value::Null),
                })
                .collect::<Result<Vec<_>>>()?;
            let elem = result.element().cloned().unwrap_or(DataType::Unknown);
            let mut out = (*a).clone();
            out.elem = elem;
            out.items = items;
            Ok(Value::Array(Box::new(out)))
        }
        _ => Err(EngineError::Internal {
            reason: "percentile of an unexpected type",
        }),
    }
}

/// `lo + (hi - lo) * pct` (`float8_lerp`, `interval_lerp`).
fn lerp(lo: &Value, hi: &Value, pct: f64) -> Result<Value> {
    if pct == 0.0 {
        return Ok(lo.clone());
    }
    match (lo, hi) {
        (Value::Float8(a), Value::Float8(b)) => Ok(Value::Float8(a + (b - a) * pct)),
        _ => {
            let diff = eval_binary(BinaryOp::Sub, hi, lo)?;
            let scaled = eval_binary(BinaryOp::Mul, &diff, &Value::Float8(pct))?;
            Ok(eval_binary(BinaryOp::Add, lo, &scaled)?)
        }
    }
}

/// `%g` as C prints a double (as PostgreSQL's message does).
fn fmt_g(f: f64) -> String {
    let s = format!("{f}");
    if s.contains('e') || s.len() <= 7 {
        return s;
    }
    format!("{f:.6}")
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

/// The most frequent non-NULL value; of equally frequent ones, the first in sort order.
fn mode(held: &Held) -> Result<Option<Value>> {
    let mut best: Option<(&Value, usize)> = None;
    let mut run: Option<(&Value, usize)> = None;
    for v in held.iter().filter_map(|(keys, _)| keys.first()) {
        if v.is_null() {
            continue;
        }
        run = match run {
            Some((r, n)) if r.sql_cmp(v)? == Some(Ordering::Equal) => Some((r, n + 1)),
            _ => Some((v, 1)),
        };
        if let Some((r, n)) = run {
            if best.is_none_or(|(_, m)| n > m) {
                best = Some((r, n));
            }
        }
    }
    Ok(best.map(|(v, _)| v.clone()))
}

/// The rank-like value the direct arguments would have among the rows.
fn hypothetical(func: AggFunc, order: &[(bool, bool)], held: &Held) -> Result<Value> {
    let n = held.len();
    let (mut before, mut at_or_before, mut distinct_before) = (0usize, 0usize, 0usize);
    if let Some((_, args)) = held.first() {
        let hyp = &args[..order.len().min(args.len())];
        let mut previous: Option<&Vec<Value>> = None;
        for (keys, _) in held {
            let o = cmp_keys(keys, hyp, order)?;
            if o == Ordering::Less {
                before += 1;
                let new_peer = match previous {
                    None => true,
                    Some(p) => cmp_keys(p, keys, order)? != Ordering::Equal,
                };
                if new_peer {
                    distinct_before += 1;
                }
                previous = Some(keys);
            }
            if o != Ordering::Greater {
                at_or_before += 1;
            }
        }
    }
    Ok(match func {
        AggFunc::HypRank => Value::Int8(before as i64 + 1),
        AggFunc::HypDenseRank => Value::Int8(distinct_before as i64 + 1),
        AggFunc::HypPercentRank => Value::Float8(if n == 0 {
            0.0
        } else {
            before as f64 / n as f64
        }),
        _ => Value::Float8((at_or_before + 1) as f64 / (n + 1) as f64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(xs: &[Option<f64>], direct: Value) -> Held {
        xs.iter()
            .map(|x| {
                let v = x.map_or(Value::Null, Value::Float8);
                (vec![v.clone()], vec![direct.clone(), v])
            })
            .collect()
    }

    #[test]
    fn percentiles_interpolate_and_pick() {
        let held = rows(&[Some(1.0), Some(2.0), Some(4.0), None], Value::Float8(0.5));
        let cont = percentile(AggFunc::PercentileCont, held.clone(), &DataType::Float8);
        assert_eq!(cont.ok(), Some(Value::Float8(2.0)));
        let held = rows(&[Some(1.0), Some(2.0), Some(4.0)], Value::Float8(0.75));
        let cont = percentile(AggFunc::PercentileCont, held.clone(), &DataType::Float8);
        assert_eq!(cont.ok(), Some(Value::Float8(3.0)));
        let disc = percentile(AggFunc::PercentileDisc, held, &DataType::Float8);
        assert_eq!(disc.ok(), Some(Value::Float8(4.0)));
        let bad = rows(&[Some(1.0)], Value::Float8(1.5));
        let e = percentile(AggFunc::PercentileCont, bad, &DataType::Float8);
        assert_eq!(e.err().map(|e| e.sqlstate()), Some("22003"));
    }

    #[test]
    fn hypothetical_ranks_count_rows_before() {
        // Rows 1, 2, 2, 3 and a hypothetical 2.
        let held: Held = [1, 2, 2, 3]
            .iter()
            .map(|&x| (vec![Value::Int4(x)], vec![Value::Int4(2), Value::Int4(x)]))
            .collect();
        let order = [(false, false)];
        let v = |f| hypothetical(f, &order, &held).ok();
        assert_eq!(v(AggFunc::HypRank), Some(Value::Int8(2)));
        assert_eq!(v(AggFunc::HypDenseRank), Some(Value::Int8(2)));
        assert_eq!(v(AggFunc::HypPercentRank), Some(Value::Float8(0.25)));
        assert_eq!(v(AggFunc::HypCumeDist), Some(Value::Float8(0.8)));
    }
}
