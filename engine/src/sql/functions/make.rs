//! Building and adjusting dates, times and intervals, and bucketing values, as PostgreSQL
//! 15: `make_timestamp`, `make_timestamptz` (in the session time zone or a named one),
//! `make_interval` (positional arguments), `justify_days`, `justify_hours`,
//! `justify_interval`, `date_bin`, and `width_bucket` over numeric and double precision.

use super::datetime::{USECS_PER_DAY, USECS_PER_SEC};
use super::{arg, f64_arg, int_arg, pg_error, wrong_type, ScalarFunc};
use crate::error::{EngineError, Result};
use crate::types::{Interval, Numeric, TypeError, Value};

fn interval_out_of_range() -> EngineError {
    TypeError::DatetimeOutOfRange {
        type_name: "interval",
    }
    .into()
}

fn ts_out_of_range() -> EngineError {
    TypeError::DatetimeOutOfRange {
        type_name: "timestamp",
    }
    .into()
}

pub(super) fn call(f: ScalarFunc, args: &[Value]) -> Result<Value> {
    use ScalarFunc as F;
    Ok(match f {
        F::MakeTimestamp => Value::Timestamp(make_local(args)?),
        F::MakeTimestamptz => {
            let local = make_local(args)?;
            let zone = match args.get(6) {
                Some(Value::Text(name)) => {
                    crate::types::tz::Zone::lookup(name).ok_or_else(|| -> EngineError {
                        TypeError::UnknownTimeZone { zone: name.clone() }.into()
                    })?
                }
                _ => crate::types::tz::session_zone(),
            };
            Value::Timestamptz(zone.to_utc(local))
        }
        F::MakeInterval => make_interval(args)?,
        F::JustifyDays => Value::Interval(justify_days(interval(args)?)?),
        F::JustifyHours => Value::Interval(justify_hours(interval(args)?)?),
        F::JustifyInterval => Value::Interval(justify_interval(interval(args)?)?),
        F::DateBin => date_bin(args)?,
        F::WidthBucket => width_bucket(args)?,
        _ => return Err(wrong_type()),
    })
}

fn interval(args: &[Value]) -> Result<Interval> {
    match arg(args, 0)? {
        Value::Interval(i) => Ok(*i),
        _ => Err(wrong_type()),
    }
}

/// The local time `make_timestamp(year, month, mday, hour, min, sec)` names.
fn make_local(args: &[Value]) -> Result<i64> {
    let (year, mon, mday) = (int_arg(args, 0)?, int_arg(args, 1)?, int_arg(args, 2)?);
    let (hour, min, sec) = (int_arg(args, 3)?, int_arg(args, 4)?, f64_arg(args, 5)?);
    let date = super::datetime::make_date_days(year, mon, mday)?;
    let time_text = format!("{hour:02}:{min:02}:{sec:09.6}");
    if !(0..=24).contains(&hour) || !(0..60).contains(&min) || !(0.0..61.0).contains(&sec) {
        return Err(pg_error("22008", format!("{hour}:{min:02}:{sec}")));
    }
    let micros = ((hour * 60 + min) * 60) * USECS_PER_SEC + (sec * 1e6).round_ties_even() as i64;
    if micros > USECS_PER_DAY {
        return Err(pg_error("22008", time_text));
    }
    date.checked_mul(USECS_PER_DAY)
        .and_then(|d| d.checked_add(micros))
        .filter(|t| (super::datetime::TS_MIN..super::datetime::TS_END).contains(t))
        .ok_or_else(ts_out_of_range)
}

/// `make_interval(years, months, weeks, days, hours, mins, secs)`, missing trailing
/// arguments 0.
fn make_interval(args: &[Value]) -> Result<Value> {
    let int = |i: usize| -> Result<i64> {
        if i < args.len() {
            int_arg(args, i)
        } else {
            Ok(0)
        }
    };
    let secs = if args.len() > 6 {
        f64_arg(args, 6)?
    } else {
        0.0
    };
    if secs.is_nan() || secs.is_infinite() {
        return Err(interval_out_of_range());
    }
    let (years, mons, weeks, mdays) = (int(0)?, int(1)?, int(2)?, int(3)?);
    let months = years
        .checked_mul(12)
        .and_then(|m| m.checked_add(mons))
        .and_then(|m| i32::try_from(m).ok())
        .ok_or_else(interval_out_of_range)?;
    let days = weeks
        .checked_mul(7)
        .and_then(|d| d.checked_add(mdays))
        .and_then(|d| i32::try_from(d).ok())
        .ok_or_else(interval_out_of_range)?;
    let time = (int(4)? as f64 * 3600.0 + int(5)? as f64 * 60.0 + secs) * 1e6;
    if !(i64::MIN as f64..i64::MAX as f64).contains(&time) {
        return Err(interval_out_of_range());
    }
    Ok(Value::Interval(Interval {
        months,
        days,
        micros: time.round_ties_even() as i64,
    }))
}

/// `justify_days`: 30-day periods into months, signs made consistent.
fn justify_days(span: Interval) -> Result<Interval> {
    let whole = span.days / 30;
    let mut days = span.days - whole * 30;
    let mut months = span
        .months
        .checked_add(whole)
        .ok_or_else(interval_out_of_range)?;
    if months > 0 && days < 0 {
        days += 30;
        months -= 1;
    } else if months < 0 && days > 0 {
        days -= 30;
        months += 1;
    }
    Ok(Interval {
        months,
        days,
        micros: span.micros,
    })
}

/// `justify_hours`: 24-hour periods into days, signs made consistent.
fn justify_hours(span: Interval) -> Result<Interval> {
    let whole = span.micros / USECS_PER_DAY;
    let mut micros = span.micros - whole * USECS_PER_DAY;
    let mut days = i32::try_from(whole)
        .ok()
        .and_then(|w| span.days.checked_add(w))
        .ok_or_else(interval_out_of_range)?;
    if days > 0 && micros < 0 {
        micros += USECS_PER_DAY;
        days -= 1;
    } else if days < 0 && micros > 0 {
        micros -= USECS_PER_DAY;
        days += 1;
    }
    Ok(Interval {
        months: span.months,
        days,
        micros,
    })
}

/// `justify_interval`: both, with the signs of all three fields made consistent.
fn justify_interval(span: Interval) -> Result<Interval> {
    let whole_day = span.micros / USECS_PER_DAY;
    let mut micros = span.micros - whole_day * USECS_PER_DAY;
    let days = i32::try_from(whole_day)
        .ok()
        .and_then(|w| span.days.checked_add(w))
        .ok_or_else(interval_out_of_range)?;
    let whole_month = days / 30;
    let mut days = days - whole_month * 30;
    let mut months = span
        .months
        .checked_add(whole_month)
        .ok_or_else(interval_out_of_range)?;
    if months > 0 && (days < 0 || (days == 0 && micros < 0)) {
        days += 30;
        months -= 1;
    } else if months < 0 && (days > 0 || (days == 0 && micros > 0)) {
        days -= 30;
        months += 1;
    }
    if days > 0 && micros < 0 {
        micros += USECS_PER_DAY;
        days -= 1;
    } else if days < 0 && micros > 0 {
        micros -= USECS_PER_DAY;
        days += 1;
    }
    Ok(Interval {
        months,
        days,
        micros,
    })
}

/// `date_bin(stride, source, origin)` over timestamps or timestamps with time zone: the
/// start of the stride-wide bin, counted from `origin`, that holds `source`.
fn date_bin(args: &[Value]) -> Result<Value> {
    let stride = interval(args)?;
    let (source, origin, tz) = match (arg(args, 1)?, arg(args, 2)?) {
        (Value::Timestamp(s), Value::Timestamp(o)) => (*s, *o, false),
        (Value::Timestamptz(s), Value::Timestamptz(o)) => (*s, *o, true),
        _ => return Err(wrong_type()),
    };
    let wrap = |t: i64| {
        if tz {
            Value::Timestamptz(t)
        } else {
            Value::Timestamp(t)
        }
    };
    if source == i64::MIN || source == i64::MAX {
        return Ok(wrap(source));
    }
    if origin == i64::MIN || origin == i64::MAX {
        return Err(pg_error("22008", "origin out of range".into()));
    }
    if stride.months != 0 {
        return Err(pg_error(
            "0A000",
            "timestamps cannot be binned into intervals containing months or years".into(),
        ));
    }
    let stride_usecs = i64::from(stride.days)
        .checked_mul(USECS_PER_DAY)
        .and_then(|d| d.checked_add(stride.micros))
        .ok_or_else(interval_out_of_range)?;
    if stride_usecs <= 0 {
        return Err(EngineError::Function {
            code: "22008",
            message: "stride must be greater than zero".into(),
        });
    }
    let diff = source.checked_sub(origin).ok_or_else(ts_out_of_range)?;
    let mut delta = diff - diff % stride_usecs;
    // The start of the bin even when the origin is later than the source.
    if origin > source && stride_usecs > 1 {
        delta -= stride_usecs;
    }
    origin
        .checked_add(delta)
        .filter(|t| (super::datetime::TS_MIN..super::datetime::TS_END).contains(t))
        .map(wrap)
        .ok_or_else(ts_out_of_range)
}

fn bucket_error(message: &str) -> EngineError {
    EngineError::Function {
        code: "2201G",
        message: message.into(),
    }
}

/// `width_bucket(operand, low, high, count)`: which of `count` equal buckets between the
/// bounds holds the operand (0 below, count + 1 above; bounds may be reversed).
fn width_bucket(args: &[Value]) -> Result<Value> {
    let count = int_arg(args, 3)?;
    if count <= 0 {
        return Err(bucket_error("count must be greater than zero"));
    }
    let over = || -> Result<i64> { count.checked_add(1).ok_or_else(super::integer_out_of_range) };
    let result = match (arg(args, 0)?, arg(args, 1)?, arg(args, 2)?) {
        (Value::Float8(x), Value::Float8(lo), Value::Float8(hi)) => {
            let (x, lo, hi) = (*x, *lo, *hi);
            if x.is_nan() || lo.is_nan() || hi.is_nan() {
                return Err(bucket_error(
                    "operand, lower bound, and upper bound cannot be NaN",
                ));
            }
            if lo.is_infinite() || hi.is_infinite() {
                return Err(bucket_error("lower and upper bounds must be finite"));
            }
            if lo == hi {
                return Err(bucket_error("lower bound cannot equal upper bound"));
            }
            let n = count as f64;
            let inside = |num: f64, den: f64| -> i64 {
                let r = if (den).is_infinite() {
                    n * ((num / 2.0) / (den / 2.0))
                } else {
                    n * (num / den)
                };
                let r = r as i64;
                r.min(count - 1) + 1
            };
            if lo < hi {
                if x < lo {
                    0
                } else if x >= hi {
                    over()?
                } else {
                    inside(x - lo, hi - lo)
                }
            } else if x > lo {
                0
            } else if x <= hi {
                over()?
            } else {
                inside(lo - x, lo - hi)
            }
        }
        (Value::Numeric(x), Value::Numeric(lo), Value::Numeric(hi)) => {
            if x.is_nan() || lo.is_nan() || hi.is_nan() {
                return Err(bucket_error(
                    "operand, lower bound, and upper bound cannot be NaN",
                ));
            }
            if lo.is_infinite() || hi.is_infinite() {
                return Err(bucket_error("lower and upper bounds must be finite"));
            }
            use std::cmp::Ordering::*;
            let inside = |num: Numeric, den: Numeric| -> Result<i64> {
                // floor(num * count / den) + 1, num and den positive.
                let q = num.mul(&Numeric::from_i64(count))?.div(&den)?;
                let text = q.to_string();
                let whole = text.split('.').next().unwrap_or("0");
                Ok(whole.parse::<i64>().unwrap_or(count - 1).min(count - 1) + 1)
            };
            match lo.cmp_total(hi) {
                Equal => return Err(bucket_error("lower bound cannot equal upper bound")),
                Less => {
                    if x.cmp_total(lo) == Less {
                        0
                    } else if x.cmp_total(hi) != Less {
                        over()?
                    } else {
                        inside(x.sub(lo)?, hi.sub(lo)?)?
                    }
                }
                Greater => {
                    if x.cmp_total(lo) == Greater {
                        0
                    } else if x.cmp_total(hi) != Greater {
                        over()?
                    } else {
                        inside(lo.sub(x)?, lo.sub(hi)?)?
                    }
                }
            }
        }
        _ => return Err(wrong_type()),
    };
    Ok(Value::Int4(
        i32::try_from(result).map_err(|_| super::integer_out_of_range())?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn justify_as_postgres() {
        let i = |months, days, hours: i64| Interval {
            months,
            days,
            micros: hours * 3_600_000_000,
        };
        assert_eq!(justify_days(i(0, 35, 0)).ok(), Some(i(1, 5, 0)));
        assert_eq!(justify_hours(i(0, 0, 27)).ok(), Some(i(0, 1, 3)));
        assert_eq!(justify_interval(i(1, 0, -1)).ok(), Some(i(0, 29, 23)));
    }
}
