//! Dates, times and timestamps: PostgreSQL's Julian-day calendar, valid ranges, infinities,
//! ISO text output, conversions between them and their arithmetic (with intervals and
//! integers). Input parsing lives in `dtparse`, intervals in `interval`.

use super::error::TypeError;
use super::interval::Interval;

pub const USECS_PER_SEC: i64 = 1_000_000;
pub const USECS_PER_MINUTE: i64 = 60 * USECS_PER_SEC;
pub const USECS_PER_HOUR: i64 = 60 * USECS_PER_MINUTE;
pub const USECS_PER_DAY: i64 = 24 * USECS_PER_HOUR;
/// Julian day of 2000-01-01, the epoch of dates and timestamps.
pub const POSTGRES_EPOCH_JDATE: i64 = 2_451_545;
/// Julian day of 1970-01-01.
pub const UNIX_EPOCH_JDATE: i64 = 2_440_588;

/// `-infinity` / `infinity` dates.
pub const DATE_NOBEGIN: i32 = i32::MIN;
pub const DATE_NOEND: i32 = i32::MAX;
/// `-infinity` / `infinity` timestamps.
pub const TS_NOBEGIN: i64 = i64::MIN;
pub const TS_NOEND: i64 = i64::MAX;

/// First valid date (4714-11-24 BC, Julian day 0) relative to the epoch.
pub const DATE_MIN: i64 = -POSTGRES_EPOCH_JDATE;
/// One past the last valid date (5874898-01-01).
pub const DATE_END: i64 = 2_147_483_494 - POSTGRES_EPOCH_JDATE;
/// First valid timestamp (4714-11-24 00:00 BC).
pub const TS_MIN: i64 = -211_813_488_000_000_000;
/// One past the last valid timestamp (294277-01-01 00:00).
pub const TS_END: i64 = 9_223_371_331_200_000_000;

const DAYS_IN_MONTH: [[i64; 12]; 2] = [
    [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
    [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
];

/// Leap year in the proleptic Gregorian calendar (year 0 = 1 BC).
pub fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

pub fn days_in_month(year: i64, month: i64) -> i64 {
    let idx = usize::try_from(month - 1).unwrap_or(0).min(11);
    DAYS_IN_MONTH[usize::from(is_leap(year))][idx]
}

/// PostgreSQL's `date2j`: Julian day of a (year, month, day); year 0 is 1 BC.
pub fn date2j(year: i64, month: i64, day: i64) -> i64 {
    let (mut y, mut m) = (year, month);
    if m > 2 {
        m += 1;
        y += 4800;
    } else {
        m += 13;
        y += 4799;
    }
    let century = y.div_euclid(100);
    let mut julian = y * 365 - 32167;
    julian += y.div_euclid(4) - century + century.div_euclid(4);
    julian += 7834 * m / 256 + day;
    julian
}

/// PostgreSQL's `j2date`: (year, month, day) of a Julian day.
pub fn j2date(jd: i64) -> (i64, i64, i64) {
    let mut julian = jd + 32044;
    let mut quad = julian.div_euclid(146097);
    let extra = (julian - quad * 146097) * 4 + 3;
    julian += 60 + quad * 3 + extra.div_euclid(146097);
    quad = julian.div_euclid(1461);
    julian -= quad * 1461;
    let mut y = julian * 4 / 1461;
    julian = if y != 0 {
        (julian + 305) % 365
    } else {
        (julian + 306) % 366
    } + 123;
    y += quad * 4;
    let year = y - 4800;
    let quad = julian * 2141 / 65536;
    let day = julian - 7834 * quad / 256;
    let month = (quad + 10) % 12 + 1;
    (year, month, day)
}

/// Whether (y, m, d) is within the range the Julian-day routines handle.
pub fn is_valid_julian(y: i64, m: i64, d: i64) -> bool {
    const JULIAN_MINYEAR: i64 = -4713;
    const JULIAN_MINMONTH: i64 = 11;
    const JULIAN_MINDAY: i64 = 24;
    const JULIAN_MAXYEAR: i64 = 5_874_898;
    const JULIAN_MAXMONTH: i64 = 6;
    const JULIAN_MAXDAY: i64 = 3;
    (y > JULIAN_MINYEAR
        || (y == JULIAN_MINYEAR
            && (m >= JULIAN_MINMONTH || (m == JULIAN_MINMONTH && d >= JULIAN_MINDAY))))
        && (y < JULIAN_MAXYEAR
            || (y == JULIAN_MAXYEAR
                && (m < JULIAN_MAXMONTH || (m == JULIAN_MAXMONTH && d < JULIAN_MAXDAY))))
}

pub fn is_valid_date(d: i64) -> bool {
    (DATE_MIN..DATE_END).contains(&d)
}

pub fn is_valid_timestamp(t: i64) -> bool {
    (TS_MIN..TS_END).contains(&t)
}

fn date_out_of_range() -> TypeError {
    TypeError::DatetimeOutOfRange { type_name: "date" }
}

pub fn ts_out_of_range() -> TypeError {
    TypeError::DatetimeOutOfRange {
        type_name: "timestamp",
    }
}

/// Broken-down fields of a timestamp (year 0 = 1 BC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tm {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    /// Microseconds since midnight.
    pub time: i64,
}

/// Splits a finite timestamp into date and time of day.
pub fn timestamp2tm(ts: i64) -> Tm {
    let days = ts.div_euclid(USECS_PER_DAY);
    let time = ts.rem_euclid(USECS_PER_DAY);
    let (year, month, day) = j2date(days + POSTGRES_EPOCH_JDATE);
    Tm {
        year,
        month,
        day,
        time,
    }
}

/// Combines date fields and a time of day into a timestamp, checking the range.
pub fn tm2timestamp(tm: &Tm) -> Option<i64> {
    if !is_valid_julian(tm.year, tm.month, tm.day) {
        return None;
    }
    let days = date2j(tm.year, tm.month, tm.day) - POSTGRES_EPOCH_JDATE;
    let ts = days.checked_mul(USECS_PER_DAY)?.checked_add(tm.time)?;
    is_valid_timestamp(ts).then_some(ts)
}

fn push_year(out: &mut String, year: i64) -> bool {
    let (y, bc) = if year > 0 {
        (year, false)
    } else {
        (1 - year, true)
    };
    out.push_str(&format!("{y:04}"));
    bc
}

/// Appends `HH:MM:SS[.ffffff]` with trailing fractional zeros removed.
pub fn push_time(out: &mut String, hour: i64, min: i64, sec: i64, usec: i64) {
    out.push_str(&format!("{hour:02}:{min:02}:{sec:02}"));
    push_fraction(out, usec);
}

pub fn push_fraction(out: &mut String, usec: i64) {
    if usec != 0 {
        let frac = format!("{:06}", usec.unsigned_abs());
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
}

/// `date_out`: `YYYY-MM-DD[ BC]`, `infinity`, `-infinity`.
pub fn format_date(d: i32) -> String {
    match d {
        DATE_NOBEGIN => "-infinity".into(),
        DATE_NOEND => "infinity".into(),
        _ => {
            let (y, m, dd) = j2date(i64::from(d) + POSTGRES_EPOCH_JDATE);
            let mut out = String::with_capacity(13);
            let bc = push_year(&mut out, y);
            out.push_str(&format!("-{m:02}-{dd:02}"));
            if bc {
                out.push_str(" BC");
            }
            out
        }
    }
}

/// `time_out`.
pub fn format_time(t: i64) -> String {
    let mut out = String::with_capacity(15);
    let (h, rest) = (t / USECS_PER_HOUR, t % USECS_PER_HOUR);
    let (m, rest) = (rest / USECS_PER_MINUTE, rest % USECS_PER_MINUTE);
    push_time(&mut out, h, m, rest / USECS_PER_SEC, rest % USECS_PER_SEC);
    out
}

/// `timestamp_out` / `timestamptz_out` (a timestamptz in the session time zone, followed by
/// its offset there: `+00`, `+02`, `+05:30`).
pub fn format_timestamp(ts: i64, with_tz: bool) -> String {
    match ts {
        TS_NOBEGIN => return "-infinity".into(),
        TS_NOEND => return "infinity".into(),
        _ => {}
    }
    let zone = super::tz::session_zone();
    let offset = zone.offset_at(ts);
    let local = if with_tz {
        ts.saturating_add(i64::from(offset) * USECS_PER_SEC)
    } else {
        ts
    };
    let tm = timestamp2tm(local);
    let mut out = String::with_capacity(32);
    let bc = push_year(&mut out, tm.year);
    out.push_str(&format!("-{:02}-{:02} ", tm.month, tm.day));
    let t = tm.time;
    push_time(
        &mut out,
        t / USECS_PER_HOUR,
        t % USECS_PER_HOUR / USECS_PER_MINUTE,
        t % USECS_PER_MINUTE / USECS_PER_SEC,
        t % USECS_PER_SEC,
    );
    if with_tz {
        out.push_str(&super::tz::format_offset(offset));
    }
    if bc {
        out.push_str(" BC");
    }
    out
}

/// `date` → `timestamp` (also `timestamptz` in UTC).
pub fn date_to_timestamp(d: i32) -> Result<i64, TypeError> {
    match d {
        DATE_NOBEGIN => Ok(TS_NOBEGIN),
        DATE_NOEND => Ok(TS_NOEND),
        _ => i64::from(d)
            .checked_mul(USECS_PER_DAY)
            .filter(|ts| is_valid_timestamp(*ts))
            .ok_or(TypeError::DateOutOfRangeForTimestamp),
    }
}

/// `timestamp` → `date` (floor to the day).
pub fn timestamp_to_date(ts: i64) -> i32 {
    match ts {
        TS_NOBEGIN => DATE_NOBEGIN,
        TS_NOEND => DATE_NOEND,
        _ => ts.div_euclid(USECS_PER_DAY) as i32,
    }
}

/// `timestamp` → `time`; infinite timestamps give NULL in PostgreSQL (here: None).
pub fn timestamp_to_time(ts: i64) -> Option<i64> {
    match ts {
        TS_NOBEGIN | TS_NOEND => None,
        _ => Some(ts.rem_euclid(USECS_PER_DAY)),
    }
}

/// `date + integer` (and `- integer` with a negated count).
pub fn date_add_days(d: i32, days: i64) -> Result<i32, TypeError> {
    if d == DATE_NOBEGIN || d == DATE_NOEND {
        return Ok(d);
    }
    let r = i64::from(d) + days;
    if i32::try_from(r).is_err() || !is_valid_date(r) {
        return Err(date_out_of_range());
    }
    Ok(r as i32)
}

/// `date - date` in days.
pub fn date_diff(a: i32, b: i32) -> Result<i32, TypeError> {
    let infinite = |d: i32| d == DATE_NOBEGIN || d == DATE_NOEND;
    if infinite(a) || infinite(b) {
        return Err(TypeError::InfiniteSubtraction { what: "dates" });
    }
    i32::try_from(i64::from(a) - i64::from(b)).map_err(|_| TypeError::IntegerOutOfRange {
        type_name: "integer",
    })
}

/// `timestamp + interval` (`timestamp_pl_interval`).
pub fn timestamp_add_interval(ts: i64, span: &Interval) -> Result<i64, TypeError> {
    if ts == TS_NOBEGIN || ts == TS_NOEND {
        return Ok(ts);
    }
    let mut ts = ts;
    if span.months != 0 {
        let mut tm = timestamp2tm(ts);
        let mut mon = tm.month + i64::from(span.months);
        if mon > 12 {
            tm.year += (mon - 1) / 12;
            mon = (mon - 1) % 12 + 1;
        } else if mon < 1 {
            tm.year += mon / 12 - 1;
            mon = mon % 12 + 12;
        }
        tm.month = mon;
        tm.day = tm.day.min(days_in_month(tm.year, tm.month));
        ts = tm2timestamp(&tm).ok_or_else(ts_out_of_range)?;
    }
    if span.days != 0 {
        let mut tm = timestamp2tm(ts);
        let jd = date2j(tm.year, tm.month, tm.day) + i64::from(span.days);
        let (y, m, d) = j2date(jd);
        tm.year = y;
        tm.month = m;
        tm.day = d;
        ts = tm2timestamp(&tm).ok_or_else(ts_out_of_range)?;
    }
    let r = ts.checked_add(span.micros).ok_or_else(ts_out_of_range)?;
    if !is_valid_timestamp(r) {
        return Err(ts_out_of_range());
    }
    Ok(r)
}

/// `timestamp - timestamp` (`timestamp_mi`, hours justified into days).
pub fn timestamp_diff(a: i64, b: i64) -> Result<Interval, TypeError> {
    let infinite = |t: i64| t == TS_NOBEGIN || t == TS_NOEND;
    if infinite(a) || infinite(b) {
        return Err(TypeError::InfiniteSubtraction { what: "timestamps" });
    }
    let micros = a.checked_sub(b).ok_or(TypeError::DatetimeOutOfRange {
        type_name: "interval",
    })?;
    Ok(justify_hours(Interval {
        months: 0,
        days: 0,
        micros,
    }))
}

/// `justify_hours`: moves whole days out of the time field, keeping signs consistent.
pub fn justify_hours(span: Interval) -> Interval {
    let mut r = span;
    let whole = r.micros / USECS_PER_DAY;
    r.micros -= whole * USECS_PER_DAY;
    r.days = r.days.saturating_add(whole as i32);
    if r.days > 0 && r.micros < 0 {
        r.micros += USECS_PER_DAY;
        r.days -= 1;
    } else if r.days < 0 && r.micros > 0 {
        r.micros -= USECS_PER_DAY;
        r.days += 1;
    }
    r
}

/// `time + interval` (wraps around midnight; months and days are ignored).
pub fn time_add_interval(t: i64, span: &Interval) -> i64 {
    (t + span.micros % USECS_PER_DAY).rem_euclid(USECS_PER_DAY)
}

/// `date + time` → timestamp.
pub fn date_add_time(d: i32, t: i64) -> Result<i64, TypeError> {
    let ts = date_to_timestamp(d)?;
    if ts == TS_NOBEGIN || ts == TS_NOEND {
        return Ok(ts);
    }
    let r = ts + t;
    if !is_valid_timestamp(r) {
        return Err(ts_out_of_range());
    }
    Ok(r)
}

/// The current transaction's start as microseconds since 2000-01-01 UTC (what `now`,
/// `today` and friends mean in input).
pub fn now_micros() -> i64 {
    crate::clock::transaction_start()
}

/// `timestamp` → `timestamptz`: the local time read in the session time zone.
pub fn local_to_instant(ts: i64) -> Result<i64, TypeError> {
    if ts == TS_NOBEGIN || ts == TS_NOEND {
        return Ok(ts);
    }
    let r = super::tz::session_zone().to_utc(ts);
    if !is_valid_timestamp(r) {
        return Err(ts_out_of_range());
    }
    Ok(r)
}

/// `timestamptz` → `timestamp`: the instant's wall-clock time in the session time zone.
pub fn instant_to_local(ts: i64) -> Result<i64, TypeError> {
    if ts == TS_NOBEGIN || ts == TS_NOEND {
        return Ok(ts);
    }
    let r = super::tz::session_zone().to_local(ts);
    if !is_valid_timestamp(r) {
        return Err(ts_out_of_range());
    }
    Ok(r)
}

/// `timestamptz + interval` (`timestamptz_pl_interval`): months and days move the local
/// wall-clock date in the session time zone (keeping the time of day across a change of
/// offset), the time part moves the instant.
pub fn timestamptz_add_interval(ts: i64, span: &Interval) -> Result<i64, TypeError> {
    if ts == TS_NOBEGIN || ts == TS_NOEND {
        return Ok(ts);
    }
    let mut ts = ts;
    if span.months != 0 || span.days != 0 {
        let zone = super::tz::session_zone();
        let local = zone.to_local(ts);
        let moved = timestamp_add_interval(
            local,
            &Interval {
                months: span.months,
                days: span.days,
                micros: 0,
            },
        )?;
        ts = zone.to_utc(moved);
    }
    let r = ts.checked_add(span.micros).ok_or_else(ts_out_of_range)?;
    if !is_valid_timestamp(r) {
        return Err(ts_out_of_range());
    }
    Ok(r)
}
