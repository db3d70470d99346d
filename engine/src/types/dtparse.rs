//! Text input of `date`, `time`, `timestamp` and `timestamptz`, following PostgreSQL's
//! `ParseDateTime` / `DecodeDateTime` / `DecodeTimeOnly` (DateStyle MDY): ISO dates, `M/D/Y`,
//! month names, `YYYYMMDD`, `T` separators, AM/PM, AD/BC, numeric and a few abbreviated time
//! zones, and the special words (`epoch`, `infinity`, `now`, `today`, `allballs`, ...).

use super::datetime::{
    date2j, days_in_month, is_valid_date, is_valid_julian, j2date, now_micros, timestamp2tm,
    tm2timestamp, Tm, DATE_NOBEGIN, DATE_NOEND, POSTGRES_EPOCH_JDATE, TS_NOBEGIN, TS_NOEND,
    UNIX_EPOCH_JDATE, USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE,
};
use super::dtfields::{parse_fields, special_word, Field, FieldKind, Reserved, Word};
use super::error::TypeError;

/// A decoding failure, before it is worded for the target type.
#[derive(Clone, Debug, PartialEq, Eq)]
enum DtErr {
    BadFormat,
    FieldOverflow,
    TzDisplacement,
    UnknownZone(String),
}

const YEAR: u32 = 1;
const MONTH: u32 = 2;
const DAY: u32 = 4;
const HOUR: u32 = 8;
const MINUTE: u32 = 16;
const SECOND: u32 = 32;
const TZ: u32 = 64;
const DOY: u32 = 128;
const DOW: u32 = 256;
const AMPM: u32 = 512;
const ADBC: u32 = 1024;
const DATE_M: u32 = YEAR | MONTH | DAY;
const TIME_M: u32 = HOUR | MINUTE | SECOND;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DType {
    Date,
    Epoch,
    Late,
    Early,
}

#[derive(Debug)]
struct State {
    year: i64,
    mon: i64,
    mday: i64,
    yday: i64,
    hour: i64,
    min: i64,
    sec: i64,
    fsec: i64,
    /// Seconds east of UTC, if given.
    tz: Option<i64>,
    /// A zone named in the input (its offset depends on the date and time).
    zone: Option<super::tz::Zone>,
    fmask: u32,
    is2digits: bool,
    have_text_month: bool,
    bc: bool,
    mer: Option<bool>,
    dtype: DType,
}

fn strtoint(s: &str) -> Result<(i64, &str), DtErr> {
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
    let v: i64 = s[..i].parse().map_err(|_| DtErr::FieldOverflow)?;
    if i32::try_from(v).is_err() {
        return Err(DtErr::FieldOverflow);
    }
    Ok((v, &s[i..]))
}

/// `ParseFractionalSecond`: `.ddd` to microseconds.
fn fractional_second(s: &str) -> Result<i64, DtErr> {
    if !s.starts_with('.') || !s[1..].bytes().all(|c| c.is_ascii_digit()) {
        return Err(DtErr::BadFormat);
    }
    let f: f64 = if s.len() == 1 {
        0.0
    } else {
        s.parse().map_err(|_| DtErr::BadFormat)?
    };
    Ok((f * 1e6).round_ties_even() as i64)
}

impl State {
    fn new() -> State {
        State {
            year: 0,
            mon: 0,
            mday: 0,
            yday: 0,
            hour: 0,
            min: 0,
            sec: 0,
            fsec: 0,
            tz: None,
            zone: None,
            fmask: 0,
            is2digits: false,
            have_text_month: false,
            bc: false,
            mer: None,
            dtype: DType::Date,
        }
    }

    /// `DecodeTime`.
    fn decode_time(&mut self, s: &str) -> Result<u32, DtErr> {
        let (h, rest) = strtoint(s)?;
        let rest = rest.strip_prefix(':').ok_or(DtErr::BadFormat)?;
        let (m, rest) = strtoint(rest)?;
        if rest.starts_with(['+', '-']) {
            return Err(DtErr::BadFormat);
        }
        let (h, m, sec, fsec) = if rest.is_empty() {
            (h, m, 0, 0)
        } else if rest.starts_with('.') {
            (0, h, m, fractional_second(rest)?)
        } else if let Some(r) = rest.strip_prefix(':') {
            let (sec, r) = strtoint(r)?;
            let fsec = if r.is_empty() {
                0
            } else {
                fractional_second(r)?
            };
            (h, m, sec, fsec)
        } else {
            return Err(DtErr::BadFormat);
        };
        if h < 0
            || !(0..=59).contains(&m)
            || !(0..=60).contains(&sec)
            || !(0..=1_000_000).contains(&fsec)
        {
            return Err(DtErr::FieldOverflow);
        }
        self.hour = h;
        self.min = m;
        self.sec = sec;
        self.fsec = fsec;
        Ok(TIME_M)
    }

    /// `DecodeNumberField`: run-together `YYYYMMDD`, `hhmmss[.fff]`, `hhmm`.
    fn decode_number_field(&mut self, s: &str, fmask: u32) -> Result<u32, DtErr> {
        let mut digits = s;
        if let Some(p) = s.find('.') {
            let frac = &s[p..];
            self.fsec = if frac.len() == 1 {
                0
            } else {
                let f: f64 = frac.parse().map_err(|_| DtErr::BadFormat)?;
                (f * 1e6).round_ties_even() as i64
            };
            digits = &s[..p];
        } else if fmask & DATE_M != DATE_M && digits.len() >= 6 {
            let n = digits.len();
            let num = |a: usize, b: usize| {
                let v = digits[a..b]
                    .parse::<i64>()
                    .map_err(|_| DtErr::FieldOverflow)?;
                i32::try_from(v)
                    .map(i64::from)
                    .map_err(|_| DtErr::FieldOverflow)
            };
            self.mday = num(n - 2, n)?;
            self.mon = num(n - 4, n - 2)?;
            self.year = num(0, n - 4)?;
            if n - 4 == 2 {
                self.is2digits = true;
            }
            return Ok(DATE_M);
        }
        if !digits.bytes().all(|c| c.is_ascii_digit()) {
            return Err(DtErr::BadFormat);
        }
        let num = |a: usize, b: usize| digits[a..b].parse::<i64>().map_err(|_| DtErr::BadFormat);
        if fmask & TIME_M != TIME_M {
            if digits.len() == 6 {
                self.sec = num(4, 6)?;
                self.min = num(2, 4)?;
                self.hour = num(0, 2)?;
                return Ok(TIME_M);
            } else if digits.len() == 4 {
                self.sec = 0;
                self.min = num(2, 4)?;
                self.hour = num(0, 2)?;
                return Ok(TIME_M);
            }
        }
        Err(DtErr::BadFormat)
    }

    /// `DecodeNumber`: one numeric field of a date (or a time after a full date).
    fn decode_number(&mut self, s: &str, fmask: u32) -> Result<u32, DtErr> {
        let flen = s.len();
        let (val, rest) = strtoint(s)?;
        if s.starts_with(['+', '-']) {
            return Err(DtErr::BadFormat);
        }
        if rest.starts_with('.') {
            if s.len() - rest.len() > 2 {
                return self.decode_number_field(s, fmask | DATE_M);
            }
            self.fsec = fractional_second(rest)?;
        } else if !rest.is_empty() {
            return Err(DtErr::BadFormat);
        }
        if flen == 3 && fmask & DATE_M == YEAR && (1..=366).contains(&val) {
            self.yday = val;
            return Ok(DOY | MONTH | DAY);
        }
        let tmask = match fmask & DATE_M {
            0 => {
                if flen >= 3 {
                    self.year = val;
                    YEAR
                } else {
                    self.mon = val;
                    MONTH
                }
            }
            YEAR => {
                self.mon = val;
                MONTH
            }
            MONTH => {
                if self.have_text_month {
                    if flen >= 3 {
                        self.year = val;
                        YEAR
                    } else {
                        self.mday = val;
                        DAY
                    }
                } else {
                    self.mday = val;
                    DAY
                }
            }
            m if m == YEAR | MONTH => {
                if self.have_text_month && flen >= 3 && self.is2digits {
                    self.mday = self.year;
                    self.year = val;
                    self.is2digits = false;
                } else {
                    self.mday = val;
                }
                DAY
            }
            DAY => {
                self.mon = val;
                MONTH
            }
            m if m == MONTH | DAY => {
                self.year = val;
                YEAR
            }
            DATE_M => return self.decode_number_field(s, fmask),
            _ => return Err(DtErr::BadFormat),
        };
        if tmask == YEAR {
            self.is2digits = flen <= 2;
        }
        Ok(tmask)
    }

    /// `DecodeDate`: a date field with separators, possibly with a month name.
    fn decode_date(&mut self, s: &str, fmask: u32) -> Result<u32, DtErr> {
        let mut parts: Vec<&str> = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            while i < b.len() && !b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            if i >= b.len() {
                return Err(DtErr::BadFormat);
            }
            let start = i;
            if b[i].is_ascii_digit() {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            } else {
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
            }
            parts.push(&s[start..i]);
            if i < b.len() {
                if !b[i].is_ascii_alphanumeric() {
                    i += 1;
                } else {
                    return Err(DtErr::BadFormat);
                }
            }
        }
        let mut fmask = fmask;
        let mut tmask = 0;
        let mut numeric = Vec::new();
        for p in parts {
            if p.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
                match special_word(p) {
                    Word::Month(m) => {
                        if fmask & MONTH != 0 {
                            return Err(DtErr::BadFormat);
                        }
                        self.mon = m;
                        self.have_text_month = true;
                        fmask |= MONTH;
                        tmask |= MONTH;
                    }
                    Word::Ignore => {}
                    _ => return Err(DtErr::BadFormat),
                }
            } else {
                numeric.push(p);
            }
        }
        for p in numeric {
            if p.is_empty() {
                return Err(DtErr::BadFormat);
            }
            let dmask = self.decode_number(p, fmask)?;
            if fmask & dmask != 0 {
                return Err(DtErr::BadFormat);
            }
            fmask |= dmask;
            tmask |= dmask;
        }
        if fmask & !(DOY | TZ) != DATE_M {
            return Err(DtErr::BadFormat);
        }
        Ok(tmask)
    }

    fn set_today(&mut self, offset: i64) {
        let local = super::tz::session_zone().to_local(now_micros());
        let days = local.div_euclid(USECS_PER_DAY) + offset;
        let (y, m, d) = j2date(days + POSTGRES_EPOCH_JDATE);
        self.year = y;
        self.mon = m;
        self.mday = d;
    }
}

/// `DecodeTimezone`: `+hh`, `+hh:mm`, `+hhmm`, `+hh:mm:ss`; seconds east of UTC.
fn decode_timezone(s: &str) -> Result<i64, DtErr> {
    let negative = s.starts_with('-');
    let body = s.get(1..).ok_or(DtErr::BadFormat)?;
    let (mut hr, rest) = strtoint(body).map_err(|e| match e {
        DtErr::FieldOverflow => DtErr::TzDisplacement,
        e => e,
    })?;
    let (mut min, mut sec) = (0, 0);
    let mut rest = rest;
    if let Some(r) = rest.strip_prefix(':') {
        let (m, r) = strtoint(r)?;
        min = m;
        rest = r;
        if let Some(r) = rest.strip_prefix(':') {
            let (sv, r) = strtoint(r)?;
            sec = sv;
            rest = r;
        }
    } else if rest.is_empty() && s.len() > 3 {
        min = hr % 100;
        hr /= 100;
    }
    if !(0..=15).contains(&hr) || !(0..60).contains(&min) || !(0..60).contains(&sec) {
        return Err(DtErr::TzDisplacement);
    }
    if !rest.is_empty() {
        return Err(DtErr::BadFormat);
    }
    let tz = (hr * 60 + min) * 60 + sec;
    Ok(if negative { -tz } else { tz })
}

/// A zone named in the input: UTC's spellings (a fixed offset), or a tz database zone.
fn named_zone(st: &mut State, name: &str) -> Result<(), DtErr> {
    match name {
        "utc" | "gmt" | "etc/utc" | "etc/gmt" | "universal" | "zulu" | "etc/universal"
        | "etc/zulu" | "uct" | "etc/uct" | "ut" => st.tz = Some(0),
        _ => match super::tz::Zone::lookup(name) {
            Some(super::tz::Zone::Iana(tz)) => st.zone = Some(super::tz::Zone::Iana(tz)),
            _ => return Err(DtErr::UnknownZone(name.to_string())),
        },
    }
    Ok(())
}

/// `DecodeDateTime` (and, with `time_only`, `DecodeTimeOnly`).
fn decode(fields: &[Field], time_only: bool) -> Result<State, DtErr> {
    let mut st = State::new();
    let mut iso_time_next = false;
    for (i, f) in fields.iter().enumerate() {
        let s = f.text.as_str();
        let fmask = st.fmask;
        let tmask: u32 = match f.kind {
            FieldKind::Date => {
                if iso_time_next || fmask & (MONTH | DAY) == (MONTH | DAY) {
                    if s.as_bytes().first().is_some_and(u8::is_ascii_digit) || iso_time_next {
                        return Err(DtErr::BadFormat);
                    }
                    named_zone(&mut st, s)?;
                    TZ
                } else {
                    st.decode_date(s, fmask)?
                }
            }
            FieldKind::Time => {
                iso_time_next = false;
                let m = st.decode_time(s)?;
                let total = ((st.hour * 60 + st.min) * 60 + st.sec) * 1_000_000 + st.fsec;
                if st.hour > 24 || total > USECS_PER_DAY {
                    return Err(DtErr::FieldOverflow);
                }
                m
            }
            FieldKind::Tz => {
                st.tz = Some(decode_timezone(s)?);
                TZ
            }
            FieldKind::Number => {
                if iso_time_next {
                    let (_, rest) = strtoint(s)?;
                    if !rest.is_empty() && !rest.starts_with('.') {
                        return Err(DtErr::BadFormat);
                    }
                    iso_time_next = false;
                    st.decode_number_field(s, fmask | DATE_M)?
                } else if time_only {
                    match s.find('.') {
                        Some(p) if p > 2 => st.decode_number_field(s, fmask | DATE_M)?,
                        Some(_) => return Err(DtErr::BadFormat),
                        None if s.len() > 4 => st.decode_number_field(s, fmask | DATE_M)?,
                        None => st.decode_number(s, fmask | DATE_M)?,
                    }
                } else {
                    let dot = s.find('.');
                    let flen = s.len();
                    match dot {
                        Some(_) if fmask & DATE_M == 0 && !time_only => st.decode_date(s, fmask)?,
                        Some(p) if p > 2 => st.decode_number_field(s, fmask)?,
                        _ if flen >= 6 && (fmask & DATE_M == 0 || fmask & TIME_M == 0) => {
                            st.decode_number_field(s, fmask)?
                        }
                        _ => st.decode_number(s, fmask)?,
                    }
                }
            }
            FieldKind::Str | FieldKind::Special => match special_word(s) {
                Word::Ignore => continue,
                Word::Reserved(r) => match r {
                    Reserved::Now => {
                        let now = now_micros();
                        let east = super::tz::session_zone().offset_at(now);
                        let tm = timestamp2tm(now + i64::from(east) * 1_000_000);
                        st.year = tm.year;
                        st.mon = tm.month;
                        st.mday = tm.day;
                        st.hour = tm.time / USECS_PER_HOUR;
                        st.min = tm.time % USECS_PER_HOUR / USECS_PER_MINUTE;
                        st.sec = tm.time % USECS_PER_MINUTE / 1_000_000;
                        st.fsec = tm.time % 1_000_000;
                        st.tz = Some(i64::from(east));
                        DATE_M | TIME_M | TZ
                    }
                    Reserved::Today => {
                        st.set_today(0);
                        DATE_M
                    }
                    Reserved::Tomorrow => {
                        st.set_today(1);
                        DATE_M
                    }
                    Reserved::Yesterday => {
                        st.set_today(-1);
                        DATE_M
                    }
                    Reserved::Zulu => {
                        st.hour = 0;
                        st.min = 0;
                        st.sec = 0;
                        st.tz = Some(0);
                        TIME_M | TZ
                    }
                    Reserved::Epoch | Reserved::Late | Reserved::Early => {
                        if time_only {
                            return Err(DtErr::BadFormat);
                        }
                        st.dtype = match r {
                            Reserved::Epoch => DType::Epoch,
                            Reserved::Late => DType::Late,
                            _ => DType::Early,
                        };
                        DATE_M | TIME_M | TZ
                    }
                },
                Word::Month(m) => {
                    let mut tm = MONTH;
                    if fmask & MONTH != 0
                        && !st.have_text_month
                        && fmask & DAY == 0
                        && (1..=31).contains(&st.mon)
                    {
                        st.mday = st.mon;
                        tm = DAY;
                    }
                    st.have_text_month = true;
                    st.mon = m;
                    tm
                }
                Word::Dow => DOW,
                Word::Am | Word::Pm => {
                    st.mer = Some(matches!(special_word(s), Word::Pm));
                    AMPM
                }
                Word::Ad | Word::Bc => {
                    st.bc = matches!(special_word(s), Word::Bc);
                    ADBC
                }
                Word::Zone(off) => {
                    st.tz = Some(off);
                    TZ
                }
                Word::IsoTime => {
                    if (!time_only && fmask & DATE_M != DATE_M)
                        || !fields.get(i + 1).is_some_and(|n| {
                            matches!(
                                n.kind,
                                FieldKind::Number | FieldKind::Time | FieldKind::Date
                            )
                        })
                    {
                        return Err(DtErr::BadFormat);
                    }
                    iso_time_next = true;
                    0
                }
                Word::Unknown => {
                    named_zone(&mut st, s).map_err(|_| DtErr::BadFormat)?;
                    TZ
                }
            },
        };
        if tmask & st.fmask != 0 {
            return Err(DtErr::BadFormat);
        }
        st.fmask |= tmask;
    }
    validate(&mut st, time_only)?;
    Ok(st)
}

/// `ValidateDate` plus the AM/PM and completeness checks.
fn validate(st: &mut State, time_only: bool) -> Result<(), DtErr> {
    if st.dtype != DType::Date {
        return Ok(());
    }
    let fmask = st.fmask;
    if fmask & YEAR != 0 {
        if st.bc {
            if st.year <= 0 {
                return Err(DtErr::FieldOverflow);
            }
            st.year = -(st.year - 1);
        } else if st.is2digits {
            if st.year < 0 {
                return Err(DtErr::FieldOverflow);
            }
            if st.year < 70 {
                st.year += 2000;
            } else if st.year < 100 {
                st.year += 1900;
            }
        } else if st.year <= 0 {
            return Err(DtErr::FieldOverflow);
        }
    }
    if fmask & DOY != 0 {
        let (y, m, d) = j2date(date2j(st.year, 1, 1) + st.yday - 1);
        st.year = y;
        st.mon = m;
        st.mday = d;
    }
    if fmask & MONTH != 0 && !(1..=12).contains(&st.mon) {
        return Err(DtErr::FieldOverflow);
    }
    if fmask & DAY != 0 && !(1..=31).contains(&st.mday) {
        return Err(DtErr::FieldOverflow);
    }
    if fmask & DATE_M == DATE_M && st.mday > days_in_month(st.year, st.mon) {
        return Err(DtErr::FieldOverflow);
    }
    match st.mer {
        Some(_) if st.hour > 12 => return Err(DtErr::FieldOverflow),
        Some(false) if st.hour == 12 => st.hour = 0,
        Some(true) if st.hour != 12 => st.hour += 12,
        _ => {}
    }
    if time_only {
        if fmask & TIME_M != TIME_M {
            return Err(DtErr::BadFormat);
        }
        let total = ((st.hour * 60 + st.min) * 60 + st.sec) * 1_000_000 + st.fsec;
        if st.hour > 24 || total > USECS_PER_DAY {
            return Err(DtErr::FieldOverflow);
        }
    } else if fmask & DATE_M != DATE_M {
        return Err(DtErr::BadFormat);
    }
    Ok(())
}

fn word_error(e: DtErr, input: &str, type_name: &'static str) -> TypeError {
    match e {
        DtErr::BadFormat => TypeError::InvalidDatetimeFormat {
            type_name,
            input: input.to_string(),
        },
        DtErr::FieldOverflow => TypeError::DatetimeFieldOverflow {
            input: input.to_string(),
        },
        DtErr::TzDisplacement => TypeError::TimeZoneDisplacement {
            input: input.to_string(),
        },
        DtErr::UnknownZone(zone) => TypeError::UnknownTimeZone { zone },
    }
}

fn decode_input(input: &str, time_only: bool, type_name: &'static str) -> Result<State, TypeError> {
    let fields = parse_fields(input).map_err(|_| word_error(DtErr::BadFormat, input, type_name))?;
    decode(&fields, time_only).map_err(|e| word_error(e, input, type_name))
}

fn state_time(st: &State) -> i64 {
    ((st.hour * 60 + st.min) * 60 + st.sec) * 1_000_000 + st.fsec
}

/// `date_in`.
pub fn parse_date(input: &str) -> Result<i32, TypeError> {
    let st = decode_input(input, false, "date")?;
    let (y, m, d) = match st.dtype {
        DType::Late => return Ok(DATE_NOEND),
        DType::Early => return Ok(DATE_NOBEGIN),
        DType::Epoch => (1970, 1, 1),
        DType::Date => (st.year, st.mon, st.mday),
    };
    let out = || TypeError::DatetimeInputOutOfRange {
        type_name: "date",
        input: input.to_string(),
    };
    if !is_valid_julian(y, m, d) {
        return Err(out());
    }
    let days = date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
    if !is_valid_date(days) {
        return Err(out());
    }
    Ok(days as i32)
}

/// `time_in` (a time zone, if present, is ignored).
pub fn parse_time(input: &str) -> Result<i64, TypeError> {
    let st = decode_input(input, true, "time")?;
    Ok(state_time(&st))
}

/// `timestamp_in` (`with_tz` false; a time zone is ignored) and `timestamptz_in` (the
/// value is converted to UTC; without a zone the session time zone applies).
pub fn parse_timestamp(input: &str, with_tz: bool) -> Result<i64, TypeError> {
    let type_name = if with_tz {
        "timestamp with time zone"
    } else {
        "timestamp"
    };
    let st = decode_input(input, false, type_name)?;
    match st.dtype {
        DType::Late => return Ok(TS_NOEND),
        DType::Early => return Ok(TS_NOBEGIN),
        DType::Epoch => {
            return Ok(-(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY);
        }
        DType::Date => {}
    }
    let tm = Tm {
        year: st.year,
        month: st.mon,
        day: st.mday,
        time: state_time(&st),
    };
    let out = || TypeError::DatetimeInputOutOfRange {
        type_name: "timestamp",
        input: input.to_string(),
    };
    let local = tm2timestamp(&tm).ok_or_else(out)?;
    if !with_tz {
        return Ok(local);
    }
    let utc = match (st.tz, st.zone) {
        (Some(east), _) => local.checked_sub(east * 1_000_000).ok_or_else(out)?,
        (None, Some(zone)) => zone.to_utc(local),
        (None, None) => super::tz::session_zone().to_utc(local),
    };
    if !super::datetime::is_valid_timestamp(utc) {
        return Err(out());
    }
    Ok(utc)
}
