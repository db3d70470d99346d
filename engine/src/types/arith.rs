//! Arithmetic operators (`+ - * / % ^`) on numbers, dates, times, timestamps and intervals,
//! with PostgreSQL's overflow checks (`integer out of range`, `value out of range:
//! overflow/underflow`), division by zero and float special values.

use super::datetime::{self as dt, USECS_PER_DAY};
use super::error::TypeError;
use super::interval::Interval;
use super::numeric::Numeric;
use super::ops::BinaryOp;
use super::value::Value;

fn undefined(op: BinaryOp, l: &Value, r: &Value) -> TypeError {
    TypeError::UndefinedOperator {
        op: op.symbol(),
        left: l.data_type().base_name().to_string(),
        right: r.data_type().base_name().to_string(),
    }
}

fn int_width(v: &Value) -> u8 {
    match v {
        Value::Int2(_) => 0,
        Value::Int4(_) => 1,
        _ => 2,
    }
}

fn int_result(v: i128, width: u8) -> Result<Value, TypeError> {
    let out = |type_name| TypeError::IntegerOutOfRange { type_name };
    Ok(match width {
        0 => Value::Int2(i16::try_from(v).map_err(|_| out("smallint"))?),
        1 => Value::Int4(i32::try_from(v).map_err(|_| out("integer"))?),
        _ => Value::Int8(i64::try_from(v).map_err(|_| out("bigint"))?),
    })
}

fn int_arith(op: BinaryOp, a: i64, b: i64, width: u8) -> Result<Value, TypeError> {
    let (a, b) = (i128::from(a), i128::from(b));
    let v = match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => {
            if b == 0 {
                return Err(TypeError::DivisionByZero);
            }
            a / b
        }
        BinaryOp::Mod => {
            if b == 0 {
                return Err(TypeError::DivisionByZero);
            }
            a % b
        }
        _ => unreachable_op()?,
    };
    int_result(v, width)
}

fn unreachable_op() -> Result<i128, TypeError> {
    Err(TypeError::FeatureNotSupported {
        feature: "this integer operator".into(),
    })
}

/// `float8pl` and friends, generic over the float width via f64 with a range check.
fn float_arith(op: BinaryOp, a: f64, b: f64, is_f4: bool) -> Result<f64, TypeError> {
    let narrow = |v: f64| if is_f4 { f64::from(v as f32) } else { v };
    let r = match op {
        BinaryOp::Add => narrow(a + b),
        BinaryOp::Sub => narrow(a - b),
        BinaryOp::Mul => narrow(a * b),
        BinaryOp::Div => {
            if b == 0.0 && !a.is_nan() {
                return Err(TypeError::DivisionByZero);
            }
            narrow(a / b)
        }
        BinaryOp::Pow => return pow(a, b),
        _ => {
            return Err(TypeError::UndefinedOperator {
                op: op.symbol(),
                left: "double precision".into(),
                right: "double precision".into(),
            })
        }
    };
    let inf_in = a.is_infinite() || b.is_infinite();
    match op {
        BinaryOp::Add | BinaryOp::Sub => {
            if r.is_infinite() && !inf_in {
                return Err(TypeError::FloatOverflow);
            }
        }
        BinaryOp::Mul => {
            if r.is_infinite() && !inf_in {
                return Err(TypeError::FloatOverflow);
            }
            if r == 0.0 && a != 0.0 && b != 0.0 {
                return Err(TypeError::FloatUnderflow);
            }
        }
        _ => {
            if r.is_infinite() && !a.is_infinite() {
                return Err(TypeError::FloatOverflow);
            }
            if r == 0.0 && a != 0.0 && !b.is_infinite() {
                return Err(TypeError::FloatUnderflow);
            }
        }
    }
    Ok(r)
}

/// `dpow`.
fn pow(x: f64, y: f64) -> Result<f64, TypeError> {
    if x.is_nan() {
        return Ok(if y.is_nan() || y != 0.0 {
            f64::NAN
        } else {
            1.0
        });
    }
    if y.is_nan() {
        return Ok(if x != 1.0 { f64::NAN } else { 1.0 });
    }
    if x == 0.0 && y < 0.0 {
        return Err(TypeError::ZeroToNegativePower);
    }
    if x < 0.0 && y.floor() != y {
        return Err(TypeError::NegativeToNonIntegerPower);
    }
    if y.is_infinite() {
        let ax = x.abs();
        return Ok(if ax == 1.0 {
            1.0
        } else if y > 0.0 {
            if ax > 1.0 {
                y
            } else {
                0.0
            }
        } else if ax > 1.0 {
            0.0
        } else {
            -y
        });
    }
    if x.is_infinite() {
        return Ok(if y == 0.0 {
            1.0
        } else if x > 0.0 {
            if y > 0.0 {
                x
            } else {
                0.0
            }
        } else {
            let half = y / 2.0;
            let odd = half.floor() != half;
            if y > 0.0 {
                if odd {
                    x
                } else {
                    -x
                }
            } else if odd {
                -0.0
            } else {
                0.0
            }
        });
    }
    let r = x.powf(y);
    if r.is_infinite() {
        return Err(TypeError::FloatOverflow);
    }
    if r == 0.0 && x != 0.0 {
        return Err(TypeError::FloatUnderflow);
    }
    Ok(r)
}

fn numeric_arith(op: BinaryOp, a: &Numeric, b: &Numeric) -> Result<Value, TypeError> {
    Ok(Value::Numeric(match op {
        BinaryOp::Add => a.add(b)?,
        BinaryOp::Sub => a.sub(b)?,
        BinaryOp::Mul => a.mul(b)?,
        BinaryOp::Div => a.div(b)?,
        BinaryOp::Mod => a.rem(b)?,
        BinaryOp::Pow => a.pow(b)?,
        _ => {
            return Err(TypeError::UndefinedOperator {
                op: op.symbol(),
                left: "numeric".into(),
                right: "numeric".into(),
            })
        }
    }))
}

fn neg_interval(i: &Interval) -> Result<Interval, TypeError> {
    i.checked_neg()
}

fn add_interval_to_ts(ts: i64, iv: &Interval, subtract: bool) -> Result<i64, TypeError> {
    if subtract {
        dt::timestamp_add_interval(ts, &neg_interval(iv)?)
    } else {
        dt::timestamp_add_interval(ts, iv)
    }
}

/// Evaluates an arithmetic operator on non-NULL operands.
pub(crate) fn arith(op: BinaryOp, l: &Value, r: &Value) -> Result<Value, TypeError> {
    use BinaryOp::{Add, Div, Mul, Sub};
    use Value as V;
    let is_int = |v: &Value| matches!(v, V::Int2(_) | V::Int4(_) | V::Int8(_));
    let is_float = |v: &Value| matches!(v, V::Float4(_) | V::Float8(_));
    // Numbers.
    if is_int(l) && is_int(r) && op != BinaryOp::Pow {
        let (a, b) = (l.as_i64().unwrap_or(0), r.as_i64().unwrap_or(0));
        return int_arith(op, a, b, int_width(l).max(int_width(r)));
    }
    if let (V::Numeric(a), V::Numeric(b)) = (l, r) {
        return numeric_arith(op, a, b);
    }
    if (is_int(l) && matches!(r, V::Numeric(_))) || (matches!(l, V::Numeric(_)) && is_int(r)) {
        let a = l.as_i64().map(Numeric::from_i64);
        let b = r.as_i64().map(Numeric::from_i64);
        let (a, b) = match (l, r) {
            (V::Numeric(x), _) => (x.clone(), b.unwrap_or_else(Numeric::nan)),
            (_, V::Numeric(y)) => (a.unwrap_or_else(Numeric::nan), y.clone()),
            _ => return Err(undefined(op, l, r)),
        };
        return numeric_arith(op, &a, &b);
    }
    let numberish = |v: &Value| is_int(v) || is_float(v) || matches!(v, V::Numeric(_));
    if numberish(l) && numberish(r) && (is_float(l) || is_float(r) || op == BinaryOp::Pow) {
        if op == BinaryOp::Mod {
            return Err(undefined(op, l, r));
        }
        let both_f4 = matches!((l, r), (V::Float4(_), V::Float4(_))) && op != BinaryOp::Pow;
        let (a, b) = (
            l.as_f64_lossy().unwrap_or(f64::NAN),
            r.as_f64_lossy().unwrap_or(f64::NAN),
        );
        let v = float_arith(op, a, b, both_f4)?;
        return Ok(if both_f4 {
            V::Float4(v as f32)
        } else {
            V::Float8(v)
        });
    }
    // Dates, times, timestamps, intervals.
    Ok(match (op, l, r) {
        (Add, V::Date(d), i) if is_int(i) => {
            V::Date(dt::date_add_days(*d, i.as_i64().unwrap_or(0))?)
        }
        (Add, i, V::Date(d)) if is_int(i) => {
            V::Date(dt::date_add_days(*d, i.as_i64().unwrap_or(0))?)
        }
        (Sub, V::Date(d), i) if is_int(i) => {
            V::Date(dt::date_add_days(*d, -i.as_i64().unwrap_or(0))?)
        }
        (Sub, V::Date(a), V::Date(b)) => V::Int4(dt::date_diff(*a, *b)?),
        (Add, V::Date(d), V::Interval(iv)) | (Add, V::Interval(iv), V::Date(d)) => {
            V::Timestamp(add_interval_to_ts(dt::date_to_timestamp(*d)?, iv, false)?)
        }
        (Sub, V::Date(d), V::Interval(iv)) => {
            V::Timestamp(add_interval_to_ts(dt::date_to_timestamp(*d)?, iv, true)?)
        }
        (Add, V::Date(d), V::Time(t)) | (Add, V::Time(t), V::Date(d)) => {
            V::Timestamp(dt::date_add_time(*d, *t)?)
        }
        (Add, V::Time(t), V::Interval(iv)) | (Add, V::Interval(iv), V::Time(t)) => {
            V::Time(dt::time_add_interval(*t, iv))
        }
        (Sub, V::Time(t), V::Interval(iv)) => V::Time(dt::time_add_interval(
            *t,
            &Interval {
                months: 0,
                days: 0,
                micros: -(iv.micros % USECS_PER_DAY),
            },
        )),
        (Sub, V::Time(a), V::Time(b)) => V::Interval(Interval {
            months: 0,
            days: 0,
            micros: a - b,
        }),
        (Add, V::Timestamp(t), V::Interval(iv)) | (Add, V::Interval(iv), V::Timestamp(t)) => {
            V::Timestamp(add_interval_to_ts(*t, iv, false)?)
        }
        (Sub, V::Timestamp(t), V::Interval(iv)) => V::Timestamp(add_interval_to_ts(*t, iv, true)?),
        (Add, V::Timestamptz(t), V::Interval(iv)) | (Add, V::Interval(iv), V::Timestamptz(t)) => {
            V::Timestamptz(dt::timestamptz_add_interval(*t, iv)?)
        }
        (Sub, V::Timestamptz(t), V::Interval(iv)) => {
            V::Timestamptz(dt::timestamptz_add_interval(*t, &neg_interval(iv)?)?)
        }
        (Sub, V::Timestamp(a), V::Timestamp(b)) | (Sub, V::Timestamptz(a), V::Timestamptz(b)) => {
            V::Interval(dt::timestamp_diff(*a, *b)?)
        }
        (Add, V::Interval(a), V::Interval(b)) => V::Interval(a.checked_add(b)?),
        (Sub, V::Interval(a), V::Interval(b)) => V::Interval(a.checked_sub(b)?),
        (Mul, V::Interval(iv), f) | (Mul, f, V::Interval(iv)) if numberish(f) => {
            V::Interval(iv.mul_f64(f.as_f64_lossy().unwrap_or(f64::NAN))?)
        }
        (Div, V::Interval(iv), f) if numberish(f) => {
            V::Interval(iv.div_f64(f.as_f64_lossy().unwrap_or(f64::NAN))?)
        }
        _ => return Err(undefined(op, l, r)),
    })
}
