//! Date/time functions: the clock (`now()`, `current_date`, ... at the transaction's start,
//! local ones in the session time zone; `statement_timestamp()`, `clock_timestamp()`),
//! `AT TIME ZONE` (`timezone(zone, x)`), `date_trunc`,
//! `EXTRACT` (numeric) and `date_part` (double precision) with PostgreSQL's unit names and
//! its field rules (BC years, ISO weeks, infinities), `make_date`, `age`, `to_timestamp`.

use super::extract::{decode_unit, extract, not_recognized, not_supported, Unit, TS, TSTZ};
use super::{arg, f64_arg, int_arg, pg_error, text_arg, wrong_type, ScalarFunc};
use crate::error::{EngineError, Result};
pub(super) use crate::types::datetime::{date2j, j2date};
use crate::types::datetime::{days_in_month, is_valid_julian};
use crate::types::{Interval, TypeError, Value};

pub(super) const USECS_PER_SEC: i64 = 1_000_000;
pub(super) const USECS_PER_MINUTE: i64 = 60 * USECS_PER_SEC;
pub(super) const USECS_PER_HOUR: i64 = 60 * USECS_PER_MINUTE;
pub(super) const USECS_PER_DAY: i64 = 24 * USECS_PER_HOUR;
pub(super) const SECS_PER_DAY: i64 = 86_400;
pub(super) const POSTGRES_EPOCH_JDATE: i64 = 2_451_545;
pub(super) const UNIX_EPOCH_JDATE: i64 = 2_440_588;
/// 1970-01-01 in microseconds since 2000-01-01.
pub(super) const UNIX_EPOCH_USECS: i64 = (UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;
pub(super) const DATE_MIN: i64 = -POSTGRES_EPOCH_JDATE;
pub(super) const DATE_END: i64 = 2_147_483_494 - POSTGRES_EPOCH_JDATE;
pub(super) const TS_MIN: i64 = -211_813_488_000_000_000;
pub(super) const TS_END: i64 = 9_223_371_331_200_000_000;

/// The transaction's start as local time in the session time zone.
fn local_now() -> i64 {
    crate::types::tz::session_zone().to_local(crate::clock::transaction_start())
}

/// Day of the week of a Julian day, 0 = Sunday.
pub(super) fn j2day(jd: i64) -> i64 {
    (jd + 1).rem_euclid(7)
}

/// Julian day of the Monday starting ISO week 1 of `year`.
pub(super) fn iso_week1(year: i64) -> i64 {
    let day4 = date2j(year, 1, 4);
    day4 - j2day(day4 - 1)
}

/// PostgreSQL's `date2isoweek` and `date2isoyear`: (ISO week, ISO year).
pub(super) fn iso_week(year: i64, mon: i64, mday: i64) -> (i64, i64) {
    let dayn = date2j(year, mon, mday);
    let mut year = year;
    let mut start = iso_week1(year);
    if dayn < start {
        year -= 1;
        start = iso_week1(year);
    }
    let mut week = (dayn - start) / 7 + 1;
    if week >= 52 {
        let next = iso_week1(year + 1);
        if dayn >= next {
            week = (dayn - next) / 7 + 1;
            year += 1;
        }
    }
    (week, year)
}

/// Broken-down timestamp fields (year 0 = 1 BC).
#[derive(Clone, Copy)]
pub(super) struct Tm {
    pub(super) year: i64,
    pub(super) mon: i64,
    pub(super) mday: i64,
    pub(super) hour: i64,
    pub(super) min: i64,
    pub(super) sec: i64,
    pub(super) usec: i64,
}

pub(super) fn timestamp2tm(ts: i64) -> Tm {
    let (y, m, d) = j2date(ts.div_euclid(USECS_PER_DAY) + POSTGRES_EPOCH_JDATE);
    let t = ts.rem_euclid(USECS_PER_DAY);
    Tm {
        year: y,
        mon: m,
        mday: d,
        hour: t / USECS_PER_HOUR,
        min: t % USECS_PER_HOUR / USECS_PER_MINUTE,
        sec: t % USECS_PER_MINUTE / USECS_PER_SEC,
        usec: t % USECS_PER_SEC,
    }
}

fn ts_out_of_range() -> EngineError {
    TypeError::DatetimeOutOfRange {
        type_name: "timestamp",
    }
    .into()
}

fn interval_out_of_range() -> EngineError {
    TypeError::DatetimeOutOfRange {
        type_name: "interval",
    }
    .into()
}

fn tm2timestamp(tm: &Tm) -> Result<i64> {
    if !is_valid_julian(tm.year, tm.mon, tm.mday) {
        return Err(ts_out_of_range());
    }
    let days = date2j(tm.year, tm.mon, tm.mday) - POSTGRES_EPOCH_JDATE;
    let time = ((tm.hour * 60 + tm.min) * 60 + tm.sec) * USECS_PER_SEC + tm.usec;
    days.checked_mul(USECS_PER_DAY)
        .and_then(|d| d.checked_add(time))
        .filter(|t| (TS_MIN..TS_END).contains(t))
        .ok_or_else(ts_out_of_range)
}

/// `interval2itm`: (years, months, days, hours, minutes, seconds, microseconds).
pub(super) fn interval_fields(i: &Interval) -> [i64; 7] {
    let mut t = i.micros;
    let hour = t / USECS_PER_HOUR;
    t -= hour * USECS_PER_HOUR;
    let min = t / USECS_PER_MINUTE;
    t -= min * USECS_PER_MINUTE;
    let sec = t / USECS_PER_SEC;
    t -= sec * USECS_PER_SEC;
    let months = i64::from(i.months);
    [
        months / 12,
        months % 12,
        i64::from(i.days),
        hour,
        min,
        sec,
        t,
    ]
}

/// `itm2interval`.
fn fields_interval(f: [i64; 7]) -> Result<Interval> {
    let months = i32::try_from(f[0] * 12 + f[1]).map_err(|_| interval_out_of_range())?;
    let days = i32::try_from(f[2]).map_err(|_| interval_out_of_range())?;
    let micros = f[3]
        .checked_mul(USECS_PER_HOUR)
        .and_then(|t| t.checked_add(f[4] * USECS_PER_MINUTE + f[5] * USECS_PER_SEC + f[6]))
        .ok_or_else(interval_out_of_range)?;
    Ok(Interval {
        months,
        days,
        micros,
    })
}

/// `date_trunc(unit, timestamp)`.
fn trunc_timestamp(name: &str, ts: i64, type_name: &str) -> Result<i64> {
    use Unit::*;
    if ts == i64::MIN || ts == i64::MAX {
        return Ok(ts);
    }
    let unit = decode_unit(name, false);
    let mut tm = timestamp2tm(ts);
    match unit {
        Week => {
            let (week, year) = iso_week(tm.year, tm.mon, tm.mday);
            let (y, m, d) = j2date(iso_week1(year) + (week - 1) * 7);
            return tm2timestamp(&Tm {
                year: y,
                mon: m,
                mday: d,
                hour: 0,
                min: 0,
                sec: 0,
                usec: 0,
            });
        }
        Millisec => tm.usec = tm.usec / 1000 * 1000,
        Microsec => {}
        Unknown => return Err(not_recognized(name, type_name)),
        Second | Minute | Hour | Day | Month | Quarter | Year | Decade | Century | Millennium => {
            let rank = |u: Unit| match u {
                Second => 0,
                Minute => 1,
                Hour => 2,
                Day => 3,
                Month => 4,
                Quarter => 5,
                Year => 6,
                _ => 7,
            };
            let r = rank(unit);
            if unit == Millennium {
                tm.year = if tm.year > 0 {
                    (tm.year + 999) / 1000 * 1000 - 999
                } else {
                    -((999 - (tm.year - 1)) / 1000) * 1000 + 1
                };
            }
            if unit == Millennium || unit == Century {
                tm.year = if tm.year > 0 {
                    (tm.year + 99) / 100 * 100 - 99
                } else {
                    -((99 - (tm.year - 1)) / 100) * 100 + 1
                };
            }
            if unit == Decade {
                tm.year = if tm.year > 0 {
                    tm.year / 10 * 10
                } else {
                    -((8 - (tm.year - 1)) / 10) * 10
                };
            }
            if r >= 6 {
                tm.mon = 1;
            }
            if r >= 5 {
                tm.mon = 3 * ((tm.mon - 1) / 3) + 1;
            }
            if r >= 4 {
                tm.mday = 1;
            }
            if r >= 3 {
                tm.hour = 0;
            }
            if r >= 2 {
                tm.min = 0;
            }
            if r >= 1 {
                tm.sec = 0;
            }
            tm.usec = 0;
        }
        _ => return Err(not_supported(name, type_name)),
    }
    tm2timestamp(&tm)
}

/// `date_trunc(unit, timestamptz)`: truncated in local time in the session time zone; for
/// units of a day or more the offset is that of the truncated local time, for smaller ones
/// the value's own (as PostgreSQL's `timestamptz_trunc`).
fn trunc_timestamptz(name: &str, ts: i64) -> Result<i64> {
    use Unit::*;
    if ts == i64::MIN || ts == i64::MAX {
        return Ok(ts);
    }
    let zone = crate::types::tz::session_zone();
    let offset = i64::from(zone.offset_at(ts)) * USECS_PER_SEC;
    let local = trunc_timestamp(name, ts.saturating_add(offset), TSTZ)?;
    let keep_offset = matches!(
        decode_unit(name, false),
        Hour | Minute | Second | Millisec | Microsec
    );
    let r = if keep_offset {
        local - offset
    } else {
        zone.to_utc(local)
    };
    if !(TS_MIN..TS_END).contains(&r) {
        return Err(ts_out_of_range());
    }
    Ok(r)
}

/// `x AT TIME ZONE zone` (`timezone(zone, x)`): a timestamp read as local time in `zone`
/// gives the instant; an instant gives its local time in `zone`. `zone` is a time zone
/// name or an interval (its offset east of UTC).
fn at_time_zone(zone: &Value, x: &Value) -> Result<Value> {
    use crate::types::tz::Zone;
    let zone = match zone {
        Value::Text(name) => Zone::lookup(name).ok_or_else(|| -> EngineError {
            TypeError::UnknownTimeZone { zone: name.clone() }.into()
        })?,
        Value::Interval(i) => {
            if i.months != 0 || i.days != 0 {
                return Err(pg_error(
                    "22023",
                    format!(
                        "interval time zone \"{}\" must not include months or days",
                        i.format()
                    ),
                ));
            }
            let secs =
                i32::try_from(i.micros / USECS_PER_SEC).map_err(|_| interval_out_of_range())?;
            Zone::Fixed(secs)
        }
        _ => return Err(wrong_type()),
    };
    Ok(match x {
        Value::Timestamp(t) if *t == i64::MIN || *t == i64::MAX => Value::Timestamptz(*t),
        Value::Timestamptz(t) if *t == i64::MIN || *t == i64::MAX => Value::Timestamp(*t),
        Value::Timestamp(t) => {
            let r = zone.to_utc(*t);
            if !(TS_MIN..TS_END).contains(&r) {
                return Err(ts_out_of_range());
            }
            Value::Timestamptz(r)
        }
        Value::Timestamptz(t) => {
            let r = zone.to_local(*t);
            if !(TS_MIN..TS_END).contains(&r) {
                return Err(ts_out_of_range());
            }
            Value::Timestamp(r)
        }
        _ => return Err(wrong_type()),
    })
}

/// `date_trunc(unit, interval)`.
fn trunc_interval(name: &str, i: &Interval) -> Result<Interval> {
    use Unit::*;
    let mut f = interval_fields(i);
    let unit = decode_unit(name, false);
    let rank = match unit {
        Millennium => 9,
        Century => 8,
        Decade => 7,
        Year => 6,
        Quarter => 5,
        Month => 4,
        Day => 3,
        Hour => 2,
        Minute => 1,
        Second => 0,
        Millisec => {
            f[6] = f[6] / 1000 * 1000;
            return fields_interval(f);
        }
        Microsec => return fields_interval(f),
        Unknown => return Err(not_recognized(name, "interval")),
        _ => return Err(not_supported(name, "interval")),
    };
    if rank >= 9 {
        f[0] = f[0] / 1000 * 1000;
    }
    if rank >= 8 {
        f[0] = f[0] / 100 * 100;
    }
    if rank >= 7 {
        f[0] = f[0] / 10 * 10;
    }
    if rank >= 6 {
        f[1] = 0;
    }
    if rank >= 5 {
        f[1] = 3 * (f[1] / 3);
    }
    if rank >= 4 {
        f[2] = 0;
    }
    if rank >= 3 {
        f[3] = 0;
    }
    if rank >= 2 {
        f[4] = 0;
    }
    if rank >= 1 {
        f[5] = 0;
    }
    f[6] = 0;
    fields_interval(f)
}

/// `age(a, b)`: the difference in years, months and days (then time), borrowing from
/// the month lengths of the earlier timestamp's calendar as PostgreSQL does.
fn age(a: i64, b: i64) -> Result<Interval> {
    // PostgreSQL 15 splits the infinities like any other value: `infinity` as a date in
    // the year 294277, `-infinity` as one before the Julian calendar's start (an error).
    let julian = |t: i64| t.div_euclid(USECS_PER_DAY) + POSTGRES_EPOCH_JDATE;
    if [a, b]
        .iter()
        .any(|&t| julian(t) < 0 || julian(t) > i64::from(i32::MAX))
    {
        return Err(ts_out_of_range());
    }
    let (t1, t2) = (timestamp2tm(a), timestamp2tm(b));
    let mut f = [
        t1.year - t2.year,
        t1.mon - t2.mon,
        t1.mday - t2.mday,
        t1.hour - t2.hour,
        t1.min - t2.min,
        t1.sec - t2.sec,
        t1.usec - t2.usec,
    ];
    let flip = a < b;
    if flip {
        f.iter_mut().for_each(|x| *x = -*x);
    }
    while f[6] < 0 {
        f[6] += USECS_PER_SEC;
        f[5] -= 1;
    }
    while f[5] < 0 {
        f[5] += 60;
        f[4] -= 1;
    }
    while f[4] < 0 {
        f[4] += 60;
        f[3] -= 1;
    }
    while f[3] < 0 {
        f[3] += 24;
        f[2] -= 1;
    }
    while f[2] < 0 {
        let t = if flip { t1 } else { t2 };
        f[2] += days_in_month(t.year, t.mon);
        f[1] -= 1;
    }
    while f[1] < 0 {
        f[1] += 12;
        f[0] -= 1;
    }
    if flip {
        f.iter_mut().for_each(|x| *x = -*x);
    }
    fields_interval(f)
}

/// Rounds a timestamp to `p` fractional digits (`AdjustTimestampForTypmod`).
fn round_precision(ts: i64, args: &[Value]) -> Result<i64> {
    let Some(_) = args.first() else {
        return Ok(ts);
    };
    let p = int_arg(args, 0)?;
    if p < 0 {
        return Err(pg_error(
            "22023",
            format!("timestamp precision {p} must not be negative"),
        ));
    }
    let scale = 10i64.pow(6 - p.min(6) as u32);
    let half = scale / 2;
    Ok(if ts >= 0 {
        (ts + half) / scale * scale
    } else {
        -((-ts + half) / scale * scale)
    })
}

pub(super) fn call(f: ScalarFunc, args: &[Value]) -> Result<Value> {
    use ScalarFunc as F;
    Ok(match f {
        F::Now => Value::Timestamptz(round_precision(crate::clock::transaction_start(), args)?),
        F::StatementTimestamp => Value::Timestamptz(crate::clock::statement_start()),
        F::ClockTimestamp => Value::Timestamptz(crate::clock::wall()),
        F::LocalTimestamp => Value::Timestamp(round_precision(local_now(), args)?),
        F::CurrentDate => Value::Date(local_now().div_euclid(USECS_PER_DAY) as i32),
        F::LocalTime => Value::Time(round_precision(local_now(), args)?.rem_euclid(USECS_PER_DAY)),
        F::AtTimeZone => at_time_zone(arg(args, 0)?, arg(args, 1)?)?,
        F::DateTrunc => {
            let name = text_arg(args, 0)?;
            match arg(args, 1)? {
                Value::Timestamp(ts) => Value::Timestamp(trunc_timestamp(name, *ts, TS)?),
                Value::Timestamptz(ts) => Value::Timestamptz(trunc_timestamptz(name, *ts)?),
                Value::Interval(i) => Value::Interval(trunc_interval(name, i)?),
                _ => return Err(wrong_type()),
            }
        }
        F::DatePart => extract(args, false)?,
        F::Extract => extract(args, true)?,
        F::MakeDate => make_date(int_arg(args, 0)?, int_arg(args, 1)?, int_arg(args, 2)?)?,
        F::Age => {
            // Timestamps with time zone are compared by their local times.
            let zone = crate::types::tz::session_zone();
            let today = local_now().div_euclid(USECS_PER_DAY) * USECS_PER_DAY;
            let (a, b) = match (arg(args, 0)?, args.get(1)) {
                (Value::Timestamp(x), Some(Value::Timestamp(y))) => (*x, *y),
                (Value::Timestamptz(x), Some(Value::Timestamptz(y))) => {
                    (zone.to_local_any(*x), zone.to_local_any(*y))
                }
                (Value::Timestamp(x), None) => (today, *x),
                (Value::Timestamptz(x), None) => (today, zone.to_local_any(*x)),
                _ => return Err(wrong_type()),
            };
            Value::Interval(age(a, b)?)
        }
        F::ToTimestamp => to_timestamp(f64_arg(args, 0)?)?,
        _ => return Err(wrong_type()),
    })
}

/// `make_date`'s date as days since 2000-01-01.
pub(super) fn make_date_days(year: i64, mon: i64, mday: i64) -> Result<i64> {
    match make_date(year, mon, mday)? {
        Value::Date(d) => Ok(i64::from(d)),
        _ => Err(wrong_type()),
    }
}

fn make_date(year: i64, mon: i64, mday: i64) -> Result<Value> {
    let bc = year < 0;
    let shown = format!("{}-{mon:02}-{mday:02}", year.abs());
    let overflow = || pg_error("22008", shown.clone());
    // No year zero; 1 BC is year 0 internally.
    if year == 0 {
        return Err(overflow());
    }
    let y = if bc { year + 1 } else { year };
    if !(1..=12).contains(&mon) || mday < 1 || mday > days_in_month(y, mon) {
        return Err(overflow());
    }
    let out_of_range = || -> EngineError {
        TypeError::DatetimeInputOutOfRange {
            type_name: "date",
            input: shown.clone(),
        }
        .into()
    };
    if !is_valid_julian(y, mon, mday) {
        return Err(out_of_range());
    }
    let d = date2j(y, mon, mday) - POSTGRES_EPOCH_JDATE;
    if !(DATE_MIN..DATE_END).contains(&d) {
        return Err(out_of_range());
    }
    Ok(Value::Date(d as i32))
}

/// `to_timestamp(double precision)`: Unix epoch seconds to timestamptz.
fn to_timestamp(secs: f64) -> Result<Value> {
    let out = |what: String| -> EngineError {
        TypeError::DatetimeInputOutOfRange {
            type_name: "timestamp",
            input: what,
        }
        .into()
    };
    if secs.is_nan() {
        return Err(pg_error("22008", "timestamp cannot be NaN".into()));
    }
    if secs.is_infinite() {
        return Ok(Value::Timestamptz(if secs < 0.0 {
            i64::MIN
        } else {
            i64::MAX
        }));
    }
    let min = (SECS_PER_DAY * -UNIX_EPOCH_JDATE) as f64;
    let end = (SECS_PER_DAY * (109_203_528 - UNIX_EPOCH_JDATE)) as f64;
    if secs < min || secs >= end {
        return Err(out(format!("{secs}")));
    }
    let micros = ((secs + (UNIX_EPOCH_USECS / USECS_PER_SEC) as f64) * 1e6).round_ties_even();
    let ts = micros as i64;
    if !(TS_MIN..TS_END).contains(&ts) {
        return Err(ts_out_of_range());
    }
    Ok(Value::Timestamptz(ts))
}
