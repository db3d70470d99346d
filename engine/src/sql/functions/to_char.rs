//! `to_char` of timestamps, timestamps with time zone (in the session time zone) and
//! intervals with PostgreSQL's template patterns (`formatting.c`'s `DCH_to_char`): hours,
//! minutes, seconds and their fractions, meridiem markers, years (also ISO), months and days
//! by number and by name, weeks, quarters, centuries, Julian days, time zone fields, the
//! `FM` (no padding) prefix and the `TH`/`th` ordinal suffixes; text and separators are
//! copied (the template is parsed by `dt_template`). Numbers are formatted in `to_char_num`.

use super::datetime::{date2j, iso_week, j2day, Tm, USECS_PER_SEC};
use super::dt_template::Node;
use super::to_char_num::Source;
use crate::error::Result;
use crate::types::Interval;

pub(super) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub(super) const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const ROMAN_MONTHS: [&str; 12] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
];

/// What `to_char` formats: broken-down fields, and for a timestamp with time zone its
/// offset and zone abbreviation.
pub(super) struct Fields {
    pub(super) tm: Tm,
    /// Seconds east of UTC (0 for a timestamp without time zone) and the zone's
    /// abbreviation (timestamptz only).
    pub(super) zone: Option<(i64, Option<String>)>,
    /// An interval: hours are not folded into days, month and day names are empty.
    pub(super) interval: bool,
}

impl Fields {
    pub(super) fn of_timestamp(ts: i64, zone: Option<(i64, Option<String>)>) -> Fields {
        let local = ts.saturating_add(zone.as_ref().map_or(0, |(east, _)| east * USECS_PER_SEC));
        Fields {
            tm: super::datetime::timestamp2tm(local),
            zone,
            interval: false,
        }
    }

    pub(super) fn of_interval(i: &Interval) -> Fields {
        let f = super::datetime::interval_fields(i);
        Fields {
            tm: Tm {
                year: f[0],
                mon: f[1],
                mday: f[2],
                hour: f[3],
                min: f[4],
                sec: f[5],
                usec: f[6],
            },
            zone: None,
            interval: true,
        }
    }
}

/// The English ordinal suffix of `n` (`st`, `nd`, `rd`, `th`).
pub(super) fn ordinal(n: i64) -> &'static str {
    let n = n.unsigned_abs();
    if (11..=13).contains(&(n % 100)) {
        return "th";
    }
    match n % 10 {
        1 => "st",
        2 => "nd",
        3 => "rd",
        _ => "th",
    }
}

/// Upper, capitalised or lower case, as the keyword was written.
fn cased(word: &str, keyword: &str) -> String {
    let mut chars = keyword.chars();
    let first_upper = chars.next().is_some_and(|c| c.is_ascii_uppercase());
    let second_upper = chars.next().is_some_and(|c| c.is_ascii_uppercase());
    if first_upper && second_upper {
        word.to_uppercase()
    } else if first_upper {
        word.to_string()
    } else {
        word.to_lowercase()
    }
}

/// `to_char(value, template)` of date/time fields.
pub(super) fn format(f: &Fields, template: &str) -> Result<String> {
    let tm = &f.tm;
    let mut out = String::new();
    for node in super::dt_template::parse(template) {
        let (kw, fill, th) = match node {
            Node::Action { kw, fill, th } => (kw, fill, th),
            Node::Char(c) | Node::Separator(c) | Node::Space(c) => {
                out.push(c);
                continue;
            }
        };
        let num = |out: &mut String, v: i64, width: usize| {
            if fill {
                out.push_str(&v.to_string());
            } else if v < 0 {
                out.push_str(&format!(
                    "-{:0w$}",
                    v.unsigned_abs(),
                    w = width.saturating_sub(1)
                ));
            } else {
                out.push_str(&format!("{v:0width$}"));
            }
            if let Some(upper) = th {
                let s = ordinal(v);
                out.push_str(&if upper {
                    s.to_uppercase()
                } else {
                    s.to_string()
                });
            }
        };
        let word = |out: &mut String, w: String, pad: usize| {
            if fill {
                out.push_str(&w);
            } else {
                out.push_str(&format!("{w:<pad$}"));
            }
        };
        let bc = tm.year <= 0 && !f.interval;
        let year = if bc { 1 - tm.year } else { tm.year };
        let hour12 = match tm.hour % 12 {
            0 => 12,
            h => h,
        };
        let jd = date2j(tm.year, tm.mon.max(1), tm.mday.max(1));
        let doy = jd - date2j(tm.year, 1, 1) + 1;
        let dow = j2day(jd);
        let (iso_w, iso_y) = iso_week(tm.year, tm.mon.max(1), tm.mday.max(1));
        let upper = kw.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        match kw.to_ascii_uppercase().as_str() {
            "HH24" => num(&mut out, tm.hour, 2),
            "HH12" | "HH" => num(&mut out, if f.interval { tm.hour % 12 } else { hour12 }, 2),
            "MI" => num(&mut out, tm.min, 2),
            "SS" => num(&mut out, tm.sec, 2),
            "MS" => num(&mut out, tm.usec / 1000, 3),
            "US" => num(&mut out, tm.usec, 6),
            "FF1" | "FF2" | "FF3" | "FF4" | "FF5" | "FF6" => {
                let digits = (kw.as_bytes()[2] - b'0') as u32;
                num(&mut out, tm.usec / 10i64.pow(6 - digits), digits as usize)
            }
            "SSSSS" | "SSSS" => num(&mut out, (tm.hour * 60 + tm.min) * 60 + tm.sec, 0),
            "AM" | "PM" => out.push_str(&cased(if tm.hour % 24 >= 12 { "PM" } else { "AM" }, kw)),
            "A.M." | "P.M." => {
                out.push_str(&cased(if tm.hour % 24 >= 12 { "P.M." } else { "A.M." }, kw))
            }
            "AD" | "BC" => out.push_str(&cased(if bc { "BC" } else { "AD" }, kw)),
            "A.D." | "B.C." => out.push_str(&cased(if bc { "B.C." } else { "A.D." }, kw)),
            "Y,YYY" => {
                let s = format!("{},{:03}", year / 1000, year % 1000);
                out.push_str(&s);
                if let Some(upper) = th {
                    let o = ordinal(year);
                    out.push_str(&if upper {
                        o.to_uppercase()
                    } else {
                        o.to_string()
                    });
                }
            }
            "YYYY" => num(&mut out, year, 4),
            "YYY" => num(&mut out, year % 1000, 3),
            "YY" => num(&mut out, year % 100, 2),
            "Y" => num(&mut out, year % 10, 1),
            "IYYY" => num(&mut out, iso_y, 4),
            "IYY" => num(&mut out, iso_y % 1000, 3),
            "IY" => num(&mut out, iso_y % 100, 2),
            "I" => num(&mut out, iso_y % 10, 1),
            "MONTH" | "MON" if f.interval && tm.mon == 0 => {}
            "MONTH" => word(&mut out, cased(MONTHS[(tm.mon - 1) as usize], kw), 9),
            "MON" => out.push_str(&cased(&MONTHS[(tm.mon - 1) as usize][..3], kw)),
            "MM" => num(&mut out, tm.mon, 2),
            "DAY" | "DY" if f.interval => {}
            "DAY" => word(&mut out, cased(DAYS[dow as usize], kw), 9),
            "DY" => out.push_str(&cased(&DAYS[dow as usize][..3], kw)),
            "DDD" => num(&mut out, doy, 3),
            "IDDD" => num(&mut out, jd - super::datetime::iso_week1(iso_y) + 1, 3),
            "DD" => num(&mut out, tm.mday, 2),
            "D" => num(&mut out, dow + 1, 1),
            "ID" => num(&mut out, if dow == 0 { 7 } else { dow }, 1),
            "WW" => num(&mut out, (doy - 1) / 7 + 1, 2),
            "IW" => num(&mut out, iso_w, 2),
            "W" => num(&mut out, (tm.mday - 1) / 7 + 1, 1),
            "Q" => num(&mut out, (tm.mon - 1) / 3 + 1, 1),
            "CC" => {
                let cc = if f.interval {
                    tm.year / 100
                } else if tm.year > 0 {
                    (tm.year + 99) / 100
                } else {
                    -((99 - (tm.year - 1)) / 100)
                };
                num(&mut out, cc, 2)
            }
            "J" => num(&mut out, jd, 0),
            "RM" if tm.mon == 0 => {}
            "RM" => {
                let r = ROMAN_MONTHS[(tm.mon - 1) as usize];
                let r = if upper {
                    r.to_string()
                } else {
                    r.to_lowercase()
                };
                word(&mut out, r, 4)
            }
            "TZ" => {
                if let Some((_, Some(abbrev))) = &f.zone {
                    out.push_str(&if upper {
                        abbrev.to_uppercase()
                    } else {
                        abbrev.to_lowercase()
                    });
                }
            }
            "TZH" => {
                if let Some((east, _)) = &f.zone {
                    let sign = if *east < 0 { '-' } else { '+' };
                    out.push_str(&format!("{sign}{:02}", east.abs() / 3600));
                }
            }
            "TZM" => {
                if let Some((east, _)) = &f.zone {
                    out.push_str(&format!("{:02}", east.abs() / 60 % 60));
                }
            }
            "OF" => {
                if let Some((east, _)) = &f.zone {
                    let sign = if *east < 0 { '-' } else { '+' };
                    let (h, m) = (east.abs() / 3600, east.abs() / 60 % 60);
                    out.push_str(&format!("{sign}{h:02}"));
                    if m != 0 {
                        out.push_str(&format!(":{m:02}"));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// `to_char(value, template)`: a timestamp, a timestamp with time zone (in the session
/// time zone), an interval or a number. Infinite timestamps give NULL.
pub(super) fn call(args: &[crate::types::Value]) -> Result<crate::types::Value> {
    use crate::types::Value;
    let template = super::text_arg(args, 1)?;
    let text = match super::arg(args, 0)? {
        Value::Timestamp(t) | Value::Timestamptz(t) if *t == i64::MIN || *t == i64::MAX => {
            return Ok(Value::Null)
        }
        Value::Timestamp(t) => format(&Fields::of_timestamp(*t, Some((0, None))), template)?,
        Value::Timestamptz(t) => {
            let zone = crate::types::tz::session_zone();
            let east = i64::from(zone.offset_at(*t));
            format(
                &Fields::of_timestamp(*t, Some((east, Some(zone.abbreviation_at(*t))))),
                template,
            )?
        }
        Value::Interval(i) => format(&Fields::of_interval(i), template)?,
        Value::Numeric(n) => super::to_char_num::format(n, template, Source::Numeric)?,
        Value::Int2(_) | Value::Int4(_) | Value::Int8(_) => {
            let v = super::int_arg(args, 0)?;
            super::to_char_num::format(
                &crate::types::Numeric::from_i64(v),
                template,
                Source::Integer,
            )?
        }
        Value::Float4(_) | Value::Float8(_) => {
            let v = super::f64_arg(args, 0)?;
            let n = if v.is_finite() {
                crate::types::Numeric::parse(&format!("{v}"))?
            } else {
                crate::types::Numeric::nan()
            };
            super::to_char_num::format(&n, template, Source::Float)?
        }
        _ => return Err(super::wrong_type()),
    };
    Ok(Value::Text(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i64, mon: i64, mday: i64, hour: i64, min: i64) -> Fields {
        Fields {
            tm: Tm {
                year: y,
                mon,
                mday,
                hour,
                min,
                sec: 5,
                usec: 123_456,
            },
            zone: None,
            interval: false,
        }
    }

    #[test]
    fn patterns_and_modifiers() {
        let f = at(2024, 3, 1, 15, 4);
        let s = |t: &str| format(&f, t).unwrap_or_default();
        assert_eq!(s("YYYY-MM-DD HH24:MI:SS.US"), "2024-03-01 15:04:05.123456");
        assert_eq!(s("HH12:MI AM"), "03:04 PM");
        assert_eq!(s("FMHH12 pm"), "3 pm");
        assert_eq!(s("Day, DDth Month"), "Friday   , 01st March    ");
        assert_eq!(s("FMDay, FMDDth FMMonth"), "Friday, 1st March");
        assert_eq!(s("Dy Mon MON mon"), "Fri Mar MAR mar");
        assert_eq!(s("\"Q\"Q \\\"x"), "Q1 \"x");
        assert_eq!(s("DDD WW IW ID D J"), "061 09 09 5 6 2460371");
    }
}
