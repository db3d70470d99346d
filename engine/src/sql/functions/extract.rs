//! `EXTRACT(field FROM x)` (numeric) and `date_part(field, x)` (double precision) of
//! timestamps, dates, times and intervals, and the unit names both and `date_trunc` accept
//! (PostgreSQL's `DecodeUnits` / `DecodeSpecial`), with its rules for BC years, ISO weeks,
//! infinities and the fields each type has.

use super::datetime::{
    date2j, interval_fields, iso_week, j2date, j2day, timestamp2tm, POSTGRES_EPOCH_JDATE,
    SECS_PER_DAY, TS_END, TS_MIN, UNIX_EPOCH_JDATE, UNIX_EPOCH_USECS, USECS_PER_DAY,
    USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC,
};
use super::{arg, pg_error, text_arg, wrong_type};
use crate::error::{EngineError, Result};
use crate::types::{Interval, Numeric, TypeError, Value};
use bigdecimal::num_bigint::BigInt;

/// A unit name's meaning (PostgreSQL's `DecodeUnits`, then `DecodeSpecial`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Unit {
    Microsec,
    Millisec,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
    Decade,
    Century,
    Millennium,
    Julian,
    IsoYear,
    Dow,
    IsoDow,
    Doy,
    Tz,
    TzHour,
    TzMinute,
    /// `epoch` (a reserved word, not a unit).
    Epoch,
    /// Another reserved word (`now`, `today`, `infinity`, ...).
    Reserved,
    /// Anything else: "not recognized".
    Unknown,
}

/// Looks a unit up as PostgreSQL does: lower-cased, compared on its first 10 characters;
/// `special` also consults the date keywords (for EXTRACT / date_part, not date_trunc).
pub(super) fn decode_unit(name: &str, special: bool) -> Unit {
    use Unit::*;
    let lower = name.to_ascii_lowercase();
    let key = lower.get(..lower.len().min(10)).unwrap_or(&lower);
    let unit = match key {
        "c" | "cent" | "centuries" | "century" => Century,
        "d" | "day" | "days" => Day,
        "dec" | "decade" | "decades" | "decs" => Decade,
        "h" | "hour" | "hours" | "hr" | "hrs" => Hour,
        "m" | "min" | "mins" | "minute" | "minutes" => Minute,
        "microsecon" | "us" | "usec" | "usecond" | "useconds" | "usecs" => Microsec,
        "mil" | "millennia" | "millennium" | "mils" => Millennium,
        "millisecon" | "ms" | "msec" | "msecond" | "mseconds" | "msecs" => Millisec,
        "mon" | "mons" | "month" | "months" => Month,
        "qtr" | "quarter" => Quarter,
        "s" | "sec" | "second" | "seconds" | "secs" => Second,
        "timezone" => Tz,
        "timezone_h" => TzHour,
        "timezone_m" => TzMinute,
        "w" | "week" | "weeks" => Week,
        "y" | "year" | "years" | "yr" | "yrs" => Year,
        "@" | "ago" => return Unknown,
        _ => Unknown,
    };
    if unit != Unknown || !special {
        return unit;
    }
    match key {
        "dow" => Dow,
        "doy" => Doy,
        "isodow" => IsoDow,
        "isoyear" => IsoYear,
        "j" | "jd" | "julian" => Julian,
        "mm" => Minute,
        "epoch" => Epoch,
        "-infinity" | "allballs" | "infinity" | "now" | "today" | "tomorrow" | "yesterday" => {
            Reserved
        }
        _ => Unknown,
    }
}

pub(super) const TS: &str = "timestamp without time zone";
pub(super) const TSTZ: &str = "timestamp with time zone";

pub(super) fn not_supported(unit: &str, type_name: &str) -> EngineError {
    pg_error(
        "0A000",
        format!(
            "unit \"{}\" for type {type_name}",
            unit.to_ascii_lowercase()
        ),
    )
}

pub(super) fn not_recognized(unit: &str, type_name: &str) -> EngineError {
    pg_error(
        "22023",
        format!(
            "unit \"{}\" not recognized for type {type_name}",
            unit.to_ascii_lowercase()
        ),
    )
}

/// A field value: an integer, or microsecond-based with a number of decimals (seconds 6,
/// milliseconds 3), or a float computed as PostgreSQL computes `date_part`'s float.
enum Part {
    Int(i64),
    Fixed(i128, u32),
    Float(f64),
    Numeric(Numeric),
    Null,
}

impl Part {
    fn value(self, numeric: bool) -> Result<Value> {
        Ok(match (self, numeric) {
            (Part::Null, _) => Value::Null,
            (Part::Int(v), true) => Value::Numeric(Numeric::from_i64(v)),
            (Part::Int(v), false) => Value::Float8(v as f64),
            (Part::Fixed(v, scale), true) => {
                Value::Numeric(Numeric::new(BigInt::from(v), scale).map_err(EngineError::from)?)
            }
            (Part::Fixed(v, scale), false) => Value::Float8(v as f64 / 10f64.powi(scale as i32)),
            (Part::Float(f), true) => {
                Value::Numeric(Numeric::from_float(f, 15).map_err(EngineError::from)?)
            }
            (Part::Float(f), false) => Value::Float8(f),
            (Part::Numeric(n), true) => Value::Numeric(n),
            (Part::Numeric(n), false) => Value::Float8(n.to_f64().unwrap_or(f64::NAN)),
        })
    }
}

fn year_field(year: i64) -> i64 {
    if year > 0 {
        year
    } else {
        year - 1
    }
}

/// Fields of a date (as of its calendar fields) common to dates and timestamps.
fn date_fields(unit: Unit, y: i64, m: i64, d: i64) -> Option<i64> {
    use Unit::*;
    Some(match unit {
        Day => d,
        Month => m,
        Quarter => (m - 1) / 3 + 1,
        Week => iso_week(y, m, d).0,
        Year => year_field(y),
        Decade => {
            if y >= 0 {
                y / 10
            } else {
                -((8 - (y - 1)) / 10)
            }
        }
        Century => {
            if y > 0 {
                (y + 99) / 100
            } else {
                -((99 - (y - 1)) / 100)
            }
        }
        Millennium => {
            if y > 0 {
                (y + 999) / 1000
            } else {
                -((999 - (y - 1)) / 1000)
            }
        }
        IsoYear => {
            let iy = iso_week(y, m, d).1;
            if iy <= 0 {
                iy - 1
            } else {
                iy
            }
        }
        Dow | IsoDow => {
            let dow = j2day(date2j(y, m, d));
            if unit == IsoDow && dow == 0 {
                7
            } else {
                dow
            }
        }
        Doy => date2j(y, m, d) - date2j(y, 1, 1) + 1,
        _ => return None,
    })
}

/// Infinite timestamps and dates: monotonic fields are ±Infinity, others NULL.
fn infinite_part(unit: Unit, negative: bool, name: &str, type_name: &str) -> Result<Part> {
    use Unit::*;
    match unit {
        Unknown => Err(not_recognized(name, type_name)),
        Year | Decade | Century | Millennium | Julian | IsoYear | Epoch => {
            Ok(Part::Numeric(Numeric::infinity(negative)))
        }
        Reserved => Err(not_supported(name, type_name)),
        _ => Ok(Part::Null),
    }
}

/// EXTRACT / date_part of a timestamp (`tz`: with time zone, whose fields are those of its
/// local time in the session time zone).
fn timestamp_part(name: &str, ts: i64, tz: bool, numeric: bool) -> Result<Part> {
    use Unit::*;
    let type_name = if tz { TSTZ } else { TS };
    let unit = decode_unit(name, true);
    if ts == i64::MIN || ts == i64::MAX {
        let p = infinite_part(unit, ts == i64::MIN, name, type_name)?;
        return Ok(match (p, numeric) {
            (Part::Numeric(n), false) => Part::Float(n.to_f64().unwrap_or(f64::NAN)),
            (p, _) => p,
        });
    }
    let offset = if tz {
        i64::from(crate::types::tz::session_zone().offset_at(ts))
    } else {
        0
    };
    let tm = timestamp2tm(ts.saturating_add(offset * USECS_PER_SEC));
    let usec_of_min = i128::from(tm.sec * USECS_PER_SEC + tm.usec);
    Ok(match unit {
        Microsec => Part::Int(tm.sec * USECS_PER_SEC + tm.usec),
        Millisec if numeric => Part::Fixed(usec_of_min, 3),
        Millisec => Part::Float(tm.sec as f64 * 1000.0 + tm.usec as f64 / 1000.0),
        Second if numeric => Part::Fixed(usec_of_min, 6),
        Second => Part::Float(tm.sec as f64 + tm.usec as f64 / 1_000_000.0),
        Minute => Part::Int(tm.min),
        Hour => Part::Int(tm.hour),
        Tz if tz => Part::Int(offset),
        TzHour if tz => Part::Int(offset / 3600),
        TzMinute if tz => Part::Int(offset / 60 % 60),
        Julian => {
            let jd = date2j(tm.year, tm.mon, tm.mday);
            let secs = (tm.hour * 60 + tm.min) * 60 + tm.sec;
            if numeric {
                let frac = Numeric::from_i64(secs * USECS_PER_SEC + tm.usec)
                    .div(&Numeric::from_i64(USECS_PER_DAY))?;
                Part::Numeric(Numeric::from_i64(jd).add(&frac)?)
            } else {
                Part::Float(
                    jd as f64 + (secs as f64 + tm.usec as f64 / 1_000_000.0) / SECS_PER_DAY as f64,
                )
            }
        }
        Epoch => {
            let micros = i128::from(ts) - i128::from(UNIX_EPOCH_USECS);
            if numeric {
                Part::Fixed(micros, 6)
            } else {
                Part::Float(micros as f64 / 1_000_000.0)
            }
        }
        Unknown => return Err(not_recognized(name, type_name)),
        u => match date_fields(u, tm.year, tm.mon, tm.mday) {
            Some(v) => Part::Int(v),
            None => return Err(not_supported(name, type_name)),
        },
    })
}

/// EXTRACT of a date (numeric only; `date_part` goes through timestamp).
fn date_part_numeric(name: &str, d: i32) -> Result<Part> {
    use Unit::*;
    let unit = decode_unit(name, true);
    if d == i32::MIN || d == i32::MAX {
        return match unit {
            Day | Month | Quarter | Week | Dow | IsoDow | Doy => Ok(Part::Null),
            Year | Decade | Century | Millennium | Julian | IsoYear | Epoch => {
                Ok(Part::Numeric(Numeric::infinity(d == i32::MIN)))
            }
            Unknown => Err(not_recognized(name, "date")),
            _ => Err(not_supported(name, "date")),
        };
    }
    let jd = i64::from(d) + POSTGRES_EPOCH_JDATE;
    let (y, m, dd) = j2date(jd);
    Ok(match unit {
        Julian => Part::Int(jd),
        Epoch => Part::Int((jd - UNIX_EPOCH_JDATE) * SECS_PER_DAY),
        Unknown => return Err(not_recognized(name, "date")),
        u => match date_fields(u, y, m, dd) {
            Some(v) => Part::Int(v),
            None => return Err(not_supported(name, "date")),
        },
    })
}

fn time_part(name: &str, t: i64, numeric: bool) -> Result<Part> {
    use Unit::*;
    const TIME: &str = "time without time zone";
    let sec = t % USECS_PER_MINUTE;
    Ok(match decode_unit(name, true) {
        Microsec => Part::Int(sec),
        Millisec if numeric => Part::Fixed(i128::from(sec), 3),
        Millisec => Part::Float(
            (sec / USECS_PER_SEC) as f64 * 1000.0 + (sec % USECS_PER_SEC) as f64 / 1000.0,
        ),
        Second if numeric => Part::Fixed(i128::from(sec), 6),
        Second => Part::Float((sec / USECS_PER_SEC) as f64 + (sec % USECS_PER_SEC) as f64 / 1e6),
        Minute => Part::Int(t % USECS_PER_HOUR / USECS_PER_MINUTE),
        Hour => Part::Int(t / USECS_PER_HOUR),
        Epoch if numeric => Part::Fixed(i128::from(t), 6),
        Epoch => Part::Float(t as f64 / 1e6),
        Unknown | Reserved => return Err(not_recognized(name, TIME)),
        _ => return Err(not_supported(name, TIME)),
    })
}

fn interval_part(name: &str, i: &Interval, numeric: bool) -> Result<Part> {
    use Unit::*;
    let [years, months, days, hours, mins, secs, usecs] = interval_fields(i);
    let usec_of_min = i128::from(secs * USECS_PER_SEC + usecs);
    Ok(match decode_unit(name, true) {
        Microsec => Part::Int(secs * USECS_PER_SEC + usecs),
        Millisec if numeric => Part::Fixed(usec_of_min, 3),
        Millisec => Part::Float(secs as f64 * 1000.0 + usecs as f64 / 1000.0),
        Second if numeric => Part::Fixed(usec_of_min, 6),
        Second => Part::Float(secs as f64 + usecs as f64 / 1e6),
        Minute => Part::Int(mins),
        Hour => Part::Int(hours),
        Day => Part::Int(days),
        Month => Part::Int(months),
        Quarter => Part::Int(months / 3 + 1),
        Year => Part::Int(years),
        Decade => Part::Int(years / 10),
        Century => Part::Int(years / 100),
        Millennium => Part::Int(years / 1000),
        Epoch if numeric => {
            let m = i128::from(i.months);
            let day_secs = (1461 * (m / 12) + 120 * (m % 12) + 4 * i128::from(i.days))
                * i128::from(SECS_PER_DAY / 4);
            Part::Fixed(day_secs * 1_000_000 + i128::from(i.micros), 6)
        }
        Epoch => {
            let mut r = i.micros as f64 / 1e6;
            r += 365.25 * SECS_PER_DAY as f64 * (i.months / 12) as f64;
            r += 30.0 * SECS_PER_DAY as f64 * (i.months % 12) as f64;
            r += SECS_PER_DAY as f64 * f64::from(i.days);
            Part::Float(r)
        }
        Unknown | Reserved => return Err(not_recognized(name, "interval")),
        _ => return Err(not_supported(name, "interval")),
    })
}

pub(super) fn extract(args: &[Value], numeric: bool) -> Result<Value> {
    let name = text_arg(args, 0)?;
    let part = match arg(args, 1)? {
        Value::Timestamp(ts) => timestamp_part(name, *ts, false, numeric)?,
        Value::Timestamptz(ts) => timestamp_part(name, *ts, true, numeric)?,
        Value::Date(d) if numeric => date_part_numeric(name, *d)?,
        Value::Date(d) => {
            // date_part(text, date) is date_part(text, date::timestamp).
            let ts = match *d {
                i32::MIN => i64::MIN,
                i32::MAX => i64::MAX,
                d => i64::from(d)
                    .checked_mul(USECS_PER_DAY)
                    .filter(|t| (TS_MIN..TS_END).contains(t))
                    .ok_or(TypeError::DateOutOfRangeForTimestamp)?,
            };
            timestamp_part(name, ts, false, false)?
        }
        Value::Time(t) => time_part(name, *t, numeric)?,
        Value::Interval(i) => interval_part(name, i, numeric)?,
        _ => return Err(wrong_type()),
    };
    part.value(numeric)
}
