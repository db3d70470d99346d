//! Time zones: PostgreSQL's `TimeZone` setting (an IANA zone from the tz database, or a
//! fixed offset) and the conversions between instants (`timestamptz`, microseconds since
//! 2000-01-01 UTC) and local times (`timestamp`) it governs.
//!
//! PostgreSQL keeps the session's zone in a process global (`session_timezone`) that output,
//! input, casts and date arithmetic read. Quill keeps it per thread: a session installs its
//! zone ([`set_session_zone`]) on the thread that runs each of its calls, before it binds,
//! evaluates or formats anything, and the zone stays installed after the call, so results
//! the caller formats on the same thread (as text or for the wire) use that session's zone.
//! A thread no session has run on uses UTC.
//!
//! Local times that do not exist (a spring-forward gap) or exist twice (a fall-back overlap)
//! are resolved as PostgreSQL's `DetermineTimeZoneOffset`: with the offset in force before
//! the gap, and with the offset in force after the overlap (standard time).

use super::datetime::{POSTGRES_EPOCH_JDATE, UNIX_EPOCH_JDATE, USECS_PER_DAY, USECS_PER_SEC};
use chrono::{Offset, TimeZone};
use chrono_tz::{OffsetName, Tz};
use std::cell::Cell;

/// Microseconds from 1970-01-01 to 2000-01-01.
const PG_EPOCH_UNIX_USECS: i64 = (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;

/// A time zone: a zone of the tz database, or a fixed offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// Seconds east of UTC (`SET TIME ZONE -5` is `Fixed(-18000)`).
    Fixed(i32),
    Iana(Tz),
}

thread_local! {
    static SESSION_ZONE: Cell<Zone> = const { Cell::new(Zone::Fixed(0)) };
}

/// Installs the zone of the session about to run on this thread.
pub fn set_session_zone(zone: Zone) {
    SESSION_ZONE.with(|z| z.set(zone));
}

/// The zone of the session running on this thread (UTC where none has run).
pub fn session_zone() -> Zone {
    SESSION_ZONE.with(Cell::get)
}

/// A finite timestamp (microseconds since 2000-01-01) as chrono's date-time, clamped to
/// chrono's range (the zone rules at its ends are those of the nearest year chrono has).
fn naive(ts: i64) -> chrono::NaiveDateTime {
    let unix = ts.saturating_add(PG_EPOCH_UNIX_USECS);
    match chrono::DateTime::from_timestamp_micros(unix) {
        Some(d) => d.naive_utc(),
        None if unix < 0 => chrono::NaiveDateTime::MIN,
        None => chrono::NaiveDateTime::MAX,
    }
}

impl Zone {
    /// The zone a `TimeZone` setting names: a tz database name (any case), `UTC`/`GMT`-like
    /// names, or a POSIX-style fixed offset `ABC[+|-]hh[:mm[:ss]]` (hours *west* of UTC, as
    /// POSIX and PostgreSQL read it). `None` for anything else.
    pub fn lookup(name: &str) -> Option<Zone> {
        if let Some(tz) = chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
        {
            return Some(Zone::Iana(*tz));
        }
        posix_offset(name).map(Zone::Fixed)
    }

    /// The canonical spelling of a tz database zone's name (`europe/paris` → `Europe/Paris`).
    pub fn iana_name(&self) -> Option<&'static str> {
        match self {
            Zone::Iana(tz) => Some(tz.name()),
            Zone::Fixed(_) => None,
        }
    }

    /// The offset (seconds east of UTC) in force at instant `ts`.
    pub fn offset_at(&self, ts: i64) -> i32 {
        match self {
            Zone::Fixed(east) => *east,
            Zone::Iana(tz) => tz
                .offset_from_utc_datetime(&naive(ts))
                .fix()
                .local_minus_utc(),
        }
    }

    /// The zone's abbreviation at instant `ts` (`CET`, `CEST`, `+0530`), as `to_char`'s `TZ`
    /// prints it; for a fixed offset, the offset as `TZ` shows it.
    pub fn abbreviation_at(&self, ts: i64) -> String {
        match self {
            Zone::Iana(tz) => {
                let off = tz.offset_from_utc_datetime(&naive(ts));
                match off.abbreviation() {
                    Some(a) => a.to_string(),
                    None => format_offset(off.fix().local_minus_utc()),
                }
            }
            Zone::Fixed(east) => format_offset(*east),
        }
    }

    /// The offset (seconds east of UTC) that local time `local` (microseconds since
    /// 2000-01-01, wall clock) has in this zone; gaps and overlaps as the module says.
    pub fn offset_of_local(&self, local: i64) -> i32 {
        let tz = match self {
            Zone::Fixed(east) => return *east,
            Zone::Iana(tz) => tz,
        };
        let at = naive(local);
        match tz.offset_from_local_datetime(&at) {
            chrono::LocalResult::Single(o) => o.fix().local_minus_utc(),
            // Twice on the clock: the later instant, in the offset after the change.
            chrono::LocalResult::Ambiguous(a, b) => {
                a.fix().local_minus_utc().min(b.fix().local_minus_utc())
            }
            // In a gap: the offset before it, found by stepping back to a time that exists.
            chrono::LocalResult::None => {
                let mut back = at;
                for _ in 0..96 {
                    back -= chrono::Duration::minutes(15);
                    if let chrono::LocalResult::Single(o) = tz.offset_from_local_datetime(&back) {
                        return o.fix().local_minus_utc();
                    }
                }
                tz.offset_from_utc_datetime(&at).fix().local_minus_utc()
            }
        }
    }

    /// A finite instant as local wall-clock time in this zone.
    pub fn to_local(&self, ts: i64) -> i64 {
        ts.saturating_add(i64::from(self.offset_at(ts)) * USECS_PER_SEC)
    }

    /// An instant as local wall-clock time, the infinities kept as they are.
    pub fn to_local_any(&self, ts: i64) -> i64 {
        if ts == i64::MIN || ts == i64::MAX {
            ts
        } else {
            self.to_local(ts)
        }
    }

    /// A finite local wall-clock time in this zone as an instant.
    pub fn to_utc(&self, local: i64) -> i64 {
        local.saturating_sub(i64::from(self.offset_of_local(local)) * USECS_PER_SEC)
    }
}

/// An offset as timestamptz output prints it: `+00`, `+05:30`, `-00:09:21`.
pub fn format_offset(east: i32) -> String {
    let sign = if east < 0 { '-' } else { '+' };
    let a = east.unsigned_abs();
    let (h, m, s) = (a / 3600, a % 3600 / 60, a % 60);
    match (m, s) {
        (0, 0) => format!("{sign}{h:02}"),
        (_, 0) => format!("{sign}{h:02}:{m:02}"),
        _ => format!("{sign}{h:02}:{m:02}:{s:02}"),
    }
}

/// A POSIX-style fixed zone, `STD[+|-]hh[:mm[:ss]]` with `STD` three or more letters or
/// `<anything>`: seconds east of UTC (the offset in the string counts hours west). Only
/// the fixed form is accepted (no daylight-saving rule).
fn posix_offset(name: &str) -> Option<i32> {
    let rest = if let Some(quoted) = name.strip_prefix('<') {
        let end = quoted.find('>')?;
        &quoted[end + 1..]
    } else {
        let abbrev_len = name.bytes().take_while(u8::is_ascii_alphabetic).count();
        if abbrev_len < 3 {
            return None;
        }
        &name[abbrev_len..]
    };
    if rest.is_empty() {
        return None;
    }
    let (west, digits) = match rest.as_bytes()[0] {
        b'+' => (true, &rest[1..]),
        b'-' => (false, &rest[1..]),
        _ => (true, rest),
    };
    let mut parts = digits.split(':');
    let mut next = |max: i32| -> Option<Option<i32>> {
        match parts.next() {
            None => Some(None),
            Some(p) if !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()) => {
                let v: i32 = p.parse().ok()?;
                (v <= max).then_some(Some(v))
            }
            Some(_) => None,
        }
    };
    let h = next(24)??;
    let m = next(59)?.unwrap_or(0);
    let s = next(59)?.unwrap_or(0);
    if parts.next().is_some() {
        return None;
    }
    let secs = (h * 60 + m) * 60 + s;
    Some(if west { -secs } else { secs })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(y: i64, mo: i64, d: i64, h: i64, mi: i64) -> i64 {
        let days = crate::types::datetime::date2j(y, mo, d) - POSTGRES_EPOCH_JDATE;
        days * USECS_PER_DAY + (h * 60 + mi) * 60 * USECS_PER_SEC
    }

    #[test]
    fn names_are_found_in_any_case() {
        let paris = Zone::lookup("europe/PARIS");
        assert_eq!(paris.and_then(|z| z.iana_name()), Some("Europe/Paris"));
        assert_eq!(Zone::lookup("UTC").and_then(|z| z.iana_name()), Some("UTC"));
        assert_eq!(Zone::lookup("Mars/Olympus"), None);
        assert_eq!(Zone::lookup("XYZ+3"), Some(Zone::Fixed(-3 * 3600)));
        assert_eq!(
            Zone::lookup("XYZ-05:30"),
            Some(Zone::Fixed(5 * 3600 + 1800))
        );
        assert_eq!(Zone::lookup("XYZ+3x"), None);
        assert_eq!(Zone::lookup("<-05>+05"), Some(Zone::Fixed(-5 * 3600)));
        assert_eq!(
            Zone::lookup("<+05:30>-05:30"),
            Some(Zone::Fixed(5 * 3600 + 1800))
        );
    }

    #[test]
    fn offsets_follow_daylight_saving() {
        let Some(paris) = Zone::lookup("Europe/Paris") else {
            panic!("Europe/Paris missing")
        };
        assert_eq!(paris.offset_at(ts(2024, 1, 15, 12, 0)), 3600);
        assert_eq!(paris.offset_at(ts(2024, 7, 15, 12, 0)), 7200);
        assert_eq!(paris.abbreviation_at(ts(2024, 7, 15, 12, 0)), "CEST");
        // 02:30 on 2024-03-31 does not exist: read with the offset before (CET).
        assert_eq!(paris.offset_of_local(ts(2024, 3, 31, 2, 30)), 3600);
        // 02:30 on 2024-10-27 happens twice: the later one (CET).
        assert_eq!(paris.offset_of_local(ts(2024, 10, 27, 2, 30)), 3600);
        let local = ts(2024, 7, 15, 14, 0);
        assert_eq!(paris.to_local(paris.to_utc(local)), local);
    }

    #[test]
    fn offsets_print_as_postgres_prints_them() {
        assert_eq!(format_offset(0), "+00");
        assert_eq!(format_offset(-5 * 3600), "-05");
        assert_eq!(format_offset(5 * 3600 + 1800), "+05:30");
        assert_eq!(format_offset(-561), "-00:09:21");
    }
}
