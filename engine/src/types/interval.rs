//! The `interval` type: months, days and microseconds kept apart as PostgreSQL does, its text
//! input (PostgreSQL's unit syntax, `Y-M`, `[+-]hh:mm:ss`, `ago`, ISO 8601 `P...`), its
//! output in the `postgres` IntervalStyle, its ordering (30-day months, 24-hour days) and
//! arithmetic.

use super::datetime::{push_fraction, USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE};
use super::dtfields::{parse_fields, Field, FieldKind};
use super::error::TypeError;

/// A PostgreSQL interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub micros: i64,
}

fn out_of_range() -> TypeError {
    TypeError::DatetimeOutOfRange {
        type_name: "interval",
    }
}

impl Interval {
    pub const ZERO: Interval = Interval {
        months: 0,
        days: 0,
        micros: 0,
    };

    /// The value PostgreSQL compares intervals by: microseconds with 30-day months.
    pub fn cmp_key(&self) -> i128 {
        let days = i128::from(self.months) * 30 + i128::from(self.days);
        i128::from(self.micros) + days * i128::from(USECS_PER_DAY)
    }

    pub fn checked_add(&self, o: &Interval) -> Result<Interval, TypeError> {
        Ok(Interval {
            months: self.months.checked_add(o.months).ok_or_else(out_of_range)?,
            days: self.days.checked_add(o.days).ok_or_else(out_of_range)?,
            micros: self.micros.checked_add(o.micros).ok_or_else(out_of_range)?,
        })
    }

    pub fn checked_sub(&self, o: &Interval) -> Result<Interval, TypeError> {
        Ok(Interval {
            months: self.months.checked_sub(o.months).ok_or_else(out_of_range)?,
            days: self.days.checked_sub(o.days).ok_or_else(out_of_range)?,
            micros: self.micros.checked_sub(o.micros).ok_or_else(out_of_range)?,
        })
    }

    pub fn checked_neg(&self) -> Result<Interval, TypeError> {
        Interval::ZERO.checked_sub(self)
    }

    /// `interval * float8` (`interval_mul`).
    pub fn mul_f64(&self, factor: f64) -> Result<Interval, TypeError> {
        let fits_i32 = |v: f64| !v.is_nan() && v <= f64::from(i32::MAX) && v >= f64::from(i32::MIN);
        let m = f64::from(self.months) * factor;
        if !fits_i32(m) {
            return Err(out_of_range());
        }
        let d = f64::from(self.days) * factor;
        if !fits_i32(d) {
            return Err(out_of_range());
        }
        let (months, days) = (m as i32, d as i32);
        self.cascade(months, days, m, d, self.micros as f64 * factor)
    }

    /// `interval / float8` (`interval_div`).
    pub fn div_f64(&self, factor: f64) -> Result<Interval, TypeError> {
        if factor == 0.0 {
            return Err(TypeError::DivisionByZero);
        }
        let m = f64::from(self.months) / factor;
        let d = f64::from(self.days) / factor;
        let fits_i32 = |v: f64| !v.is_nan() && v <= f64::from(i32::MAX) && v >= f64::from(i32::MIN);
        if !fits_i32(m) || !fits_i32(d) {
            return Err(out_of_range());
        }
        self.cascade(m as i32, d as i32, m, d, self.micros as f64 / factor)
    }

    /// Cascades the fractional parts of scaled months and days down to days and time.
    fn cascade(
        &self,
        months: i32,
        days: i32,
        exact_months: f64,
        exact_days: f64,
        scaled_time: f64,
    ) -> Result<Interval, TypeError> {
        let tsround = |v: f64| (v * 1e6).round_ties_even() / 1e6;
        let month_remainder_days = tsround((exact_months - f64::from(months)) * 30.0);
        let mut sec_remainder = tsround(
            (exact_days - f64::from(days) + month_remainder_days
                - f64::from(month_remainder_days as i32))
                * 86400.0,
        );
        let mut days = days;
        if sec_remainder.abs() >= 86400.0 {
            let extra = (sec_remainder / 86400.0) as i32;
            days = days.checked_add(extra).ok_or_else(out_of_range)?;
            sec_remainder -= f64::from(extra) * 86400.0;
        }
        days = days
            .checked_add(month_remainder_days as i32)
            .ok_or_else(out_of_range)?;
        let t = (scaled_time + sec_remainder * 1e6).round_ties_even();
        if t.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&t) {
            return Err(out_of_range());
        }
        Ok(Interval {
            months,
            days,
            micros: t as i64,
        })
    }

    /// `interval_out` in the `postgres` IntervalStyle.
    pub fn format(&self) -> String {
        let mut out = String::new();
        let mut is_zero = true;
        let mut is_before = false;
        let year = self.months / 12;
        let mon = self.months % 12;
        for (value, unit) in [
            (i64::from(year), "year"),
            (i64::from(mon), "mon"),
            (i64::from(self.days), "day"),
        ] {
            if value == 0 {
                continue;
            }
            if !is_zero {
                out.push(' ');
            }
            if is_before && value > 0 {
                out.push('+');
            }
            out.push_str(&format!(
                "{value} {unit}{}",
                if value != 1 { "s" } else { "" }
            ));
            is_before = value < 0;
            is_zero = false;
        }
        let t = self.micros;
        let hour = t / USECS_PER_HOUR;
        let min = t % USECS_PER_HOUR / USECS_PER_MINUTE;
        let sec = t % USECS_PER_MINUTE / 1_000_000;
        let usec = t % 1_000_000;
        if is_zero || t != 0 {
            let minus = hour < 0 || min < 0 || sec < 0 || usec < 0;
            if !is_zero {
                out.push(' ');
            }
            out.push_str(if minus {
                "-"
            } else if is_before {
                "+"
            } else {
                ""
            });
            out.push_str(&format!(
                "{:02}:{:02}:{:02}",
                hour.unsigned_abs(),
                min.unsigned_abs(),
                sec.unsigned_abs()
            ));
            push_fraction(&mut out, usec);
        }
        out
    }

    /// `interval_in`.
    pub fn parse(input: &str) -> Result<Interval, TypeError> {
        let bad = || TypeError::InvalidDatetimeFormat {
            type_name: "interval",
            input: input.to_string(),
        };
        let overflow = || TypeError::IntervalFieldOverflow {
            input: input.to_string(),
        };
        let result = match parse_fields(input) {
            Ok(fields) => decode_interval(&fields),
            Err(()) => Err(DtErr::BadFormat),
        };
        let acc = match result {
            Ok(acc) => acc,
            Err(DtErr::BadFormat) => match decode_iso8601(input) {
                Ok(acc) => acc,
                Err(DtErr::BadFormat) => return Err(bad()),
                Err(DtErr::Overflow) => return Err(overflow()),
            },
            Err(DtErr::Overflow) => return Err(overflow()),
        };
        let months = i64::from(acc.years)
            .checked_mul(12)
            .and_then(|m| m.checked_add(i64::from(acc.months)))
            .and_then(|m| i32::try_from(m).ok())
            .ok_or_else(out_of_range)?;
        Ok(Interval {
            months,
            days: acc.days,
            micros: acc.usec,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DtErr {
    BadFormat,
    Overflow,
}

/// PostgreSQL's `pg_itm_in`.
#[derive(Default, Debug)]
struct Acc {
    usec: i64,
    days: i32,
    months: i32,
    years: i32,
}

impl Acc {
    fn fract_micros(&mut self, frac: f64, scale: i64) -> Result<(), DtErr> {
        if frac == 0.0 {
            return Ok(());
        }
        let f = frac * scale as f64;
        let mut usec = f as i64;
        let rest = f - usec as f64;
        if rest > 0.5 {
            usec += 1;
        } else if rest < -0.5 {
            usec -= 1;
        }
        self.usec = self.usec.checked_add(usec).ok_or(DtErr::Overflow)?;
        Ok(())
    }
    fn fract_days(&mut self, frac: f64, scale: i32) -> Result<(), DtErr> {
        if frac == 0.0 {
            return Ok(());
        }
        let f = frac * f64::from(scale);
        let extra = f as i32;
        self.days = self.days.checked_add(extra).ok_or(DtErr::Overflow)?;
        self.fract_micros(f - f64::from(extra), USECS_PER_DAY)
    }
    fn fract_years(&mut self, frac: f64, scale: i32) -> Result<(), DtErr> {
        let extra = (frac * f64::from(scale) * 12.0).round_ties_even() as i32;
        self.months = self.months.checked_add(extra).ok_or(DtErr::Overflow)?;
        Ok(())
    }
    fn micros(&mut self, val: i64, frac: f64, scale: i64) -> Result<(), DtErr> {
        let u = val.checked_mul(scale).ok_or(DtErr::Overflow)?;
        self.usec = self.usec.checked_add(u).ok_or(DtErr::Overflow)?;
        self.fract_micros(frac, scale)
    }
    fn add_days(&mut self, val: i64, scale: i32) -> Result<(), DtErr> {
        let v = i32::try_from(val).map_err(|_| DtErr::Overflow)?;
        let d = v.checked_mul(scale).ok_or(DtErr::Overflow)?;
        self.days = self.days.checked_add(d).ok_or(DtErr::Overflow)?;
        Ok(())
    }
    fn add_months(&mut self, val: i64) -> Result<(), DtErr> {
        let v = i32::try_from(val).map_err(|_| DtErr::Overflow)?;
        self.months = self.months.checked_add(v).ok_or(DtErr::Overflow)?;
        Ok(())
    }
    fn add_years(&mut self, val: i64, scale: i32) -> Result<(), DtErr> {
        let v = i32::try_from(val).map_err(|_| DtErr::Overflow)?;
        let y = v.checked_mul(scale).ok_or(DtErr::Overflow)?;
        self.years = self.years.checked_add(y).ok_or(DtErr::Overflow)?;
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Microsecond,
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Decade,
    Century,
    Millennium,
}

enum Word {
    Unit(Unit),
    Ago,
    Ignore,
}

fn lookup_unit(word: &str) -> Option<Word> {
    use Unit::*;
    // Words are compared on their first 10 characters, as PostgreSQL does.
    let w: String = word.chars().take(10).collect();
    Some(Word::Unit(match w.as_str() {
        "@" => return Some(Word::Ignore),
        "ago" => return Some(Word::Ago),
        "us" | "usec" | "usecs" | "useconds" | "usecond" | "microsecon" => Microsecond,
        "ms" | "msec" | "msecs" | "mseconds" | "msecond" | "millisecon" => Millisecond,
        "s" | "sec" | "secs" | "second" | "seconds" => Second,
        "m" | "min" | "mins" | "minute" | "minutes" => Minute,
        "h" | "hr" | "hrs" | "hour" | "hours" => Hour,
        "d" | "day" | "days" => Day,
        "w" | "week" | "weeks" => Week,
        "mon" | "mons" | "month" | "months" => Month,
        "y" | "yr" | "yrs" | "year" | "years" => Year,
        "dec" | "decs" | "decade" | "decades" => Decade,
        "c" | "cent" | "century" | "centuries" => Century,
        "mil" | "mils" | "millennia" | "millennium" => Millennium,
        _ => return None,
    }))
}

/// Parses `.ddd` into a fraction.
fn parse_fraction(s: &str) -> Result<f64, DtErr> {
    if !s.starts_with('.') || !s[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(DtErr::BadFormat);
    }
    if s.len() == 1 {
        return Ok(0.0);
    }
    s.parse::<f64>().map_err(|_| DtErr::BadFormat)
}

/// Splits a leading optionally signed integer off `s`, like `strtol`.
fn split_int(s: &str) -> Result<(i64, &str), DtErr> {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    let start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if i == start {
        return Err(DtErr::BadFormat);
    }
    let v = s[..i].parse::<i64>().map_err(|_| DtErr::Overflow)?;
    Ok((v, &s[i..]))
}

/// `DecodeTimeForInterval`: `h:mm[:ss[.fff]]` or `mm:ss.fff` to microseconds.
fn decode_time(s: &str) -> Result<i64, DtErr> {
    let (hour, rest) = split_int(s)?;
    let rest = rest.strip_prefix(':').ok_or(DtErr::BadFormat)?;
    let (min, rest) = split_int(rest)?;
    if rest.starts_with(['+', '-']) {
        return Err(DtErr::BadFormat);
    }
    let (hour, min, sec, fsec) = if rest.is_empty() {
        (hour, min, 0, 0.0)
    } else if rest.starts_with('.') {
        let f = parse_fraction(rest)?;
        if i32::try_from(hour).is_err() {
            return Err(DtErr::Overflow);
        }
        (0, hour, min, f)
    } else if let Some(r) = rest.strip_prefix(':') {
        let (sec, r) = split_int(r)?;
        let f = if r.is_empty() {
            0.0
        } else {
            parse_fraction(r)?
        };
        (hour, min, sec, f)
    } else {
        return Err(DtErr::BadFormat);
    };
    let fsec = (fsec * 1e6).round_ties_even() as i64;
    if hour < 0
        || !(0..=59).contains(&min)
        || !(0..=60).contains(&sec)
        || !(0..=1_000_000).contains(&fsec)
    {
        return Err(DtErr::Overflow);
    }
    hour.checked_mul(USECS_PER_HOUR)
        .and_then(|h| h.checked_add(min * USECS_PER_MINUTE + sec * 1_000_000 + fsec))
        .ok_or(DtErr::Overflow)
}

const SUBSECOND_MASK: u32 = (1 << Unit::Millisecond as u32) | (1 << Unit::Microsecond as u32);
const TIME_MASK: u32 = (1 << Unit::Hour as u32)
    | (1 << Unit::Minute as u32)
    | (1 << Unit::Second as u32)
    | SUBSECOND_MASK;

fn unit_mask(u: Unit) -> u32 {
    1 << u as u32
}

/// PostgreSQL's `DecodeInterval` (IntervalStyle postgres, no typmod).
fn decode_interval(fields: &[Field]) -> Result<Acc, DtErr> {
    let mut acc = Acc::default();
    let mut is_before = false;
    let mut unit: Option<Unit> = None;
    let mut fmask: u32 = 0;
    let mut claim = |mask: u32| -> Result<(), DtErr> {
        if fmask & mask != 0 {
            return Err(DtErr::BadFormat);
        }
        fmask |= mask;
        Ok(())
    };
    for f in fields.iter().rev() {
        let text = f.text.as_str();
        match f.kind {
            FieldKind::Time => {
                acc.usec = decode_time(text)?;
                claim(TIME_MASK)?;
                unit = Some(Unit::Day);
                continue;
            }
            FieldKind::Tz if text[1..].contains(':') => {
                if let Ok(t) = decode_time(&text[1..]) {
                    acc.usec = if text.starts_with('-') { -t } else { t };
                    claim(TIME_MASK)?;
                    unit = Some(Unit::Day);
                    continue;
                }
                return Err(DtErr::BadFormat);
            }
            FieldKind::Tz | FieldKind::Date | FieldKind::Number => {}
            FieldKind::Str | FieldKind::Special => {
                match lookup_unit(text).ok_or(DtErr::BadFormat)? {
                    Word::Ignore => {}
                    Word::Unit(u) => unit = Some(u),
                    Word::Ago => {
                        is_before = true;
                    }
                }
                continue;
            }
        }
        let mut u = unit.unwrap_or(Unit::Second);
        let (mut val, rest) = split_int(text)?;
        let negative = text.starts_with('-');
        let fval;
        if let Some(r) = rest.strip_prefix('-') {
            let (v2, r2) = split_int(r).map_err(|_| DtErr::Overflow)?;
            if r.starts_with(['+', '-']) || !(0..12).contains(&v2) {
                return Err(DtErr::Overflow);
            }
            if !r2.is_empty() {
                return Err(DtErr::BadFormat);
            }
            u = Unit::Month;
            let v2 = if negative { -v2 } else { v2 };
            val = val
                .checked_mul(12)
                .and_then(|v| v.checked_add(v2))
                .ok_or(DtErr::Overflow)?;
            fval = 0.0;
        } else if rest.starts_with('.') {
            let f = parse_fraction(rest)?;
            fval = if negative { -f } else { f };
        } else if rest.is_empty() {
            fval = 0.0;
        } else {
            return Err(DtErr::BadFormat);
        }
        claim(match u {
            Unit::Second if fval != 0.0 => unit_mask(Unit::Second) | SUBSECOND_MASK,
            u => unit_mask(u),
        })?;
        match u {
            Unit::Microsecond => acc.micros(val, fval, 1)?,
            Unit::Millisecond => acc.micros(val, fval, 1000)?,
            Unit::Second => acc.micros(val, fval, 1_000_000)?,
            Unit::Minute => acc.micros(val, fval, USECS_PER_MINUTE)?,
            Unit::Hour => {
                acc.micros(val, fval, USECS_PER_HOUR)?;
                u = Unit::Day;
            }
            Unit::Day => {
                acc.add_days(val, 1)?;
                acc.fract_micros(fval, USECS_PER_DAY)?;
            }
            Unit::Week => {
                acc.add_days(val, 7)?;
                acc.fract_days(fval, 7)?;
            }
            Unit::Month => {
                acc.add_months(val)?;
                acc.fract_days(fval, 30)?;
            }
            Unit::Year => {
                acc.add_years(val, 1)?;
                acc.fract_years(fval, 1)?;
            }
            Unit::Decade => {
                acc.add_years(val, 10)?;
                acc.fract_years(fval, 10)?;
            }
            Unit::Century => {
                acc.add_years(val, 100)?;
                acc.fract_years(fval, 100)?;
            }
            Unit::Millennium => {
                acc.add_years(val, 1000)?;
                acc.fract_years(fval, 1000)?;
            }
        }
        unit = Some(u);
    }
    if fmask == 0 {
        return Err(DtErr::BadFormat);
    }
    if is_before {
        acc.usec = acc.usec.checked_neg().ok_or(DtErr::Overflow)?;
        acc.days = acc.days.checked_neg().ok_or(DtErr::Overflow)?;
        acc.months = acc.months.checked_neg().ok_or(DtErr::Overflow)?;
        acc.years = acc.years.checked_neg().ok_or(DtErr::Overflow)?;
    }
    Ok(acc)
}

/// ISO 8601 "format with designators": `P[nY][nM][nW][nD][T[nH][nM][nS]]`.
fn decode_iso8601(input: &str) -> Result<Acc, DtErr> {
    let s = input;
    let mut rest = s.strip_prefix('P').ok_or(DtErr::BadFormat)?;
    if rest.is_empty() {
        return Err(DtErr::BadFormat);
    }
    let mut acc = Acc::default();
    let mut date_part = true;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('T') {
            date_part = false;
            rest = r;
            continue;
        }
        let b = rest.as_bytes();
        if !matches!(b.first(), Some(c) if c.is_ascii_digit() || *c == b'-' || *c == b'.') {
            return Err(DtErr::BadFormat);
        }
        let mut end = 1;
        while b.get(end).is_some_and(|c| c.is_ascii_digit() || *c == b'.') {
            end += 1;
        }
        let num: f64 = rest[..end].parse().map_err(|_| DtErr::BadFormat)?;
        if num.abs() > 9.2e18 {
            return Err(DtErr::Overflow);
        }
        let val = num.trunc() as i64;
        let fval = num - num.trunc();
        let unit = b.get(end).copied().ok_or(DtErr::BadFormat)?;
        if !unit.is_ascii() {
            return Err(DtErr::BadFormat);
        }
        rest = &rest[end + 1..];
        match (date_part, unit) {
            (true, b'Y') => {
                acc.add_years(val, 1)?;
                acc.fract_years(fval, 1)?;
            }
            (true, b'M') => {
                acc.add_months(val)?;
                acc.fract_days(fval, 30)?;
            }
            (true, b'W') => {
                acc.add_days(val, 7)?;
                acc.fract_days(fval, 7)?;
            }
            (true, b'D') => {
                acc.add_days(val, 1)?;
                acc.fract_micros(fval, USECS_PER_DAY)?;
            }
            (false, b'H') => acc.micros(val, fval, USECS_PER_HOUR)?,
            (false, b'M') => acc.micros(val, fval, USECS_PER_MINUTE)?,
            (false, b'S') => acc.micros(val, fval, 1_000_000)?,
            _ => return Err(DtErr::BadFormat),
        }
    }
    Ok(acc)
}
