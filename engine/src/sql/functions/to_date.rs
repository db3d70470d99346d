//! `to_date(text, text)` and `to_timestamp(text, text)`: the fields `from_char` reads
//! combined as PostgreSQL 15's `do_to_timestamp` combines them (seconds of the day, the
//! 12-hour clock, centuries with or without a year, BC, Julian days, ISO and Gregorian
//! weeks, days of the year, fractions) and checked (22008 for a field out of range, 22009
//! for an offset out of range). `to_timestamp` interprets the result in the session time
//! zone unless `TZH`/`TZM` give an offset, and rounds to the `FFn` precision.

use super::datetime::{iso_week1, USECS_PER_SEC};
use super::dt_template::parse;
use super::from_char::{format_error, overflow_error, read, Mode};
use crate::error::{EngineError, Result};
use crate::types::datetime::{date2j, days_in_month, is_valid_julian, j2date};
use crate::types::Value;

/// Broken-down result of `do_to_timestamp`: local date and time, fraction, the offset
/// given by `TZH`/`TZM` (seconds east) and the `FFn` precision.
struct Parsed {
    year: i64,
    mon: i64,
    mday: i64,
    hour: i64,
    min: i64,
    sec: i64,
    fsec: i64,
    zone: Option<i64>,
    ff: u32,
}

/// `do_to_timestamp`: reads `input` by `template` and combines the fields.
fn to_fields(input: &str, template: &str) -> Result<Parsed> {
    let nodes = parse(template);
    let mut f = read(input, &nodes)?;
    let field_overflow =
        || overflow_error(format!("date/time field value out of range: \"{input}\""));
    let (mut year, mut mon, mut mday) = (0i64, 1i64, 1i64);
    let (mut hour, mut min, mut sec) = (0i64, 0i64, 0i64);
    let (mut has_year, mut has_mon, mut has_day) = (false, false, false);
    if f.ssss != 0 {
        hour = f.ssss / 3600;
        min = f.ssss % 3600 / 60;
        sec = f.ssss % 60;
    }
    if f.ss != 0 {
        sec = f.ss;
    }
    if f.mi != 0 {
        min = f.mi;
    }
    if f.hh != 0 {
        hour = f.hh;
    }
    if f.clock12 {
        if !(1..=12).contains(&hour) {
            return Err(format_error(format!(
                "hour \"{hour}\" is invalid for the 12-hour clock"
            )));
        }
        if f.pm != 0 && hour < 12 {
            hour += 12;
        } else if f.pm == 0 && hour == 12 {
            hour = 0;
        }
    }
    if f.year != 0 {
        if f.cc != 0 && f.yysz <= 2 {
            if f.bc != 0 {
                f.cc = -f.cc;
            }
            year = f.year % 100;
            if year != 0 {
                if f.cc >= 0 {
                    year += (f.cc - 1) * 100;
                } else {
                    year = (f.cc + 1) * 100 - year + 1;
                }
            } else {
                year = f.cc * 100 + if f.cc >= 0 { 0 } else { 1 };
            }
        } else {
            year = f.year;
            if f.bc != 0 {
                year = -year;
            }
            // Year 0 is 1 BC.
            if year < 0 {
                year += 1;
            }
        }
        has_year = true;
    } else if f.cc != 0 {
        if f.bc != 0 {
            f.cc = -f.cc;
        }
        year = if f.cc >= 0 {
            (f.cc - 1) * 100 + 1
        } else {
            f.cc * 100 + 1
        };
        has_year = true;
    }
    if f.j != 0 {
        (year, mon, mday) = j2date(f.j);
        (has_year, has_mon, has_day) = (true, true, true);
    }
    if f.ww != 0 {
        if f.mode == Mode::IsoWeek {
            let mut jd = iso_week1(year) + (f.ww - 1) * 7;
            if f.d != 0 {
                jd += if f.d > 1 { f.d - 2 } else { 6 };
            }
            (year, mon, mday) = j2date(jd);
            (has_year, has_mon, has_day) = (true, true, true);
        } else {
            f.ddd = (f.ww - 1) * 7 + 1;
        }
    }
    if f.w != 0 {
        f.dd = (f.w - 1) * 7 + 1;
    }
    if f.dd != 0 {
        mday = f.dd;
        has_day = true;
    }
    if f.mm != 0 {
        mon = f.mm;
        has_mon = true;
    }
    if f.ddd != 0 && (mon <= 1 || mday <= 1) {
        if year == 0 && f.bc == 0 {
            return Err(format_error(
                "cannot calculate day of year without year information".into(),
            ));
        }
        if f.mode == Mode::IsoWeek {
            let j0 = iso_week1(year) - 1;
            (year, mon, mday) = j2date(j0 + f.ddd);
            (has_year, has_mon, has_day) = (true, true, true);
        } else {
            // Days before each month.
            let before = |m: i64| -> i64 { (1..m).map(|k| days_in_month(year, k)).sum() };
            let mut m = 1;
            while m <= 12 && f.ddd > before(m + 1) {
                m += 1;
            }
            if mon <= 1 {
                mon = m;
            }
            if mday <= 1 {
                mday = f.ddd - before(m);
            }
            (has_mon, has_day) = (true, true);
        }
    }
    let fsec = f.ms * 1000 + f.us;
    // ValidateDate: the year was checked; the month and day when given, the day of the
    // month once year, month and day are all known.
    if has_mon && !(1..=12).contains(&mon) {
        return Err(field_overflow());
    }
    if has_day && !(1..=31).contains(&mday) {
        return Err(field_overflow());
    }
    if has_year && has_mon && has_day && mday > days_in_month(year, mon) {
        return Err(field_overflow());
    }
    if !(0..24).contains(&hour)
        || !(0..60).contains(&min)
        || !(0..60).contains(&sec)
        || !(0..USECS_PER_SEC).contains(&fsec)
    {
        return Err(field_overflow());
    }
    let zone = if f.tzsign != 0 {
        if !(0..=15).contains(&f.tzh) || !(0..60).contains(&f.tzm) {
            return Err(EngineError::Function {
                code: "22009",
                message: format!("time zone displacement out of range: \"{input}\""),
            });
        }
        Some(f.tzsign * (f.tzh * 3600 + f.tzm * 60))
    } else {
        None
    };
    Ok(Parsed {
        year,
        mon,
        mday,
        hour,
        min,
        sec,
        fsec,
        zone,
        ff: f.ff,
    })
}

/// `to_date(text, template)`.
pub(super) fn to_date(input: &str, template: &str) -> Result<Value> {
    let p = to_fields(input, template)?;
    let out = || overflow_error(format!("date out of range: \"{input}\""));
    if !is_valid_julian(p.year, p.mon, p.mday) {
        return Err(out());
    }
    let days = date2j(p.year, p.mon, p.mday) - super::datetime::POSTGRES_EPOCH_JDATE;
    if !(super::datetime::DATE_MIN..super::datetime::DATE_END).contains(&days) {
        return Err(out());
    }
    i32::try_from(days).map(Value::Date).map_err(|_| out())
}

/// `to_timestamp(text, template)`: in the session time zone unless the input gave an
/// offset.
pub(super) fn to_timestamp(input: &str, template: &str) -> Result<Value> {
    let p = to_fields(input, template)?;
    let out = || overflow_error("timestamp out of range".into());
    if !is_valid_julian(p.year, p.mon, p.mday) {
        return Err(out());
    }
    let days = date2j(p.year, p.mon, p.mday) - super::datetime::POSTGRES_EPOCH_JDATE;
    let time = ((p.hour * 60 + p.min) * 60 + p.sec) * USECS_PER_SEC + p.fsec;
    let local = days
        .checked_mul(super::datetime::USECS_PER_DAY)
        .and_then(|d| d.checked_add(time))
        .ok_or_else(out)?;
    let mut ts = match p.zone {
        Some(east) => local.checked_sub(east * USECS_PER_SEC).ok_or_else(out)?,
        None => crate::types::tz::session_zone().to_utc(local),
    };
    if !(super::datetime::TS_MIN..super::datetime::TS_END).contains(&ts) {
        return Err(out());
    }
    if (1..6).contains(&p.ff) {
        // Rounded to the FFn precision, half away from zero.
        let scale = 10i64.pow(6 - p.ff);
        let half = scale / 2;
        ts = if ts >= 0 {
            (ts + half) / scale * scale
        } else {
            -((-ts + half) / scale * scale)
        };
    }
    Ok(Value::Timestamptz(ts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(input: &str, template: &str) -> String {
        match to_date(input, template) {
            Ok(Value::Date(d)) => {
                let (y, m, dd) =
                    j2date(i64::from(d) + super::super::datetime::POSTGRES_EPOCH_JDATE);
                format!("{y:04}-{m:02}-{dd:02}")
            }
            Ok(_) => "?".into(),
            Err(e) => e.sqlstate().to_string(),
        }
    }

    #[test]
    fn dates_as_postgres() {
        assert_eq!(date("2024-03-05", "YYYY-MM-DD"), "2024-03-05");
        assert_eq!(date("05 Mar 2024", "DD Mon YYYY"), "2024-03-05");
        assert_eq!(date("20240305", "YYYYMMDD"), "2024-03-05");
        assert_eq!(date("2024 / 3 / 5", "YYYY-FMMM-FMDD"), "2024-03-05");
        assert_eq!(date("2024-02-30", "YYYY-MM-DD"), "22008");
        assert_eq!(date("2024-13-01", "YYYY-MM-DD"), "22008");
        assert_eq!(date("x", "YYYY"), "22007");
        assert_eq!(date("2024-060", "YYYY-DDD"), "2024-02-29");
        assert_eq!(date("2024-10-7", "IYYY-IW-ID"), "2024-03-10");
        assert_eq!(date("99", "YY"), "1999-01-01");
        assert_eq!(date("21", "CC"), "2001-01-01");
    }
}
