//! Settings the engine acts on (PostgreSQL's GUCs with a unit): parsing a value as `SET`
//! and postgresql.conf accept it, and showing it as `SHOW` does. Today that is
//! `statement_timeout` (an integer of milliseconds, 0 = off).

use crate::error::{EngineError, Result};

/// The name of the statement timeout setting.
pub const STATEMENT_TIMEOUT: &str = "statement_timeout";

/// Time units PostgreSQL accepts, with their length in milliseconds (longest first, the
/// order `SHOW` picks them in).
const TIME_UNITS: &[(&str, f64)] = &[
    ("d", 86_400_000.0),
    ("h", 3_600_000.0),
    ("min", 60_000.0),
    ("s", 1_000.0),
    ("ms", 1.0),
    ("us", 0.001),
];

const TIME_UNITS_HINT: &str =
    "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".";

/// Parses a time setting whose base unit is milliseconds, within `0 ..= i32::MAX`, as
/// PostgreSQL's `parse_int`: a number (decimals allowed, rounded half to even), optional
/// whitespace and a case-sensitive unit (`us`, `ms`, `s`, `min`, `h`, `d`); no unit means
/// milliseconds. Errors are PostgreSQL's (22023, with its hints).
pub fn parse_milliseconds(name: &str, value: &str) -> Result<u32> {
    let invalid = |hint: Option<&'static str>| EngineError::InvalidSetting {
        name: name.to_owned(),
        value: value.to_owned(),
        hint,
    };
    let text = value.trim_start();
    let number_len = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(text.len());
    // An exponent needs digits after it; "5e" is not a number with unit "e".
    let (number, rest) = text.split_at(number_len);
    let n: f64 = number.parse().map_err(|_| invalid(None))?;
    let rest = rest.trim();
    let ms = if rest.is_empty() {
        n
    } else {
        let (_, per) = TIME_UNITS
            .iter()
            .find(|(u, _)| *u == rest)
            .ok_or_else(|| invalid(Some(TIME_UNITS_HINT)))?;
        n * per
    };
    let ms = ms.round_ties_even();
    if !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&ms) {
        return Err(invalid(Some("Value exceeds integer range.")));
    }
    if ms < 0.0 {
        return Err(EngineError::InvalidParameterValue {
            message: format!(
                "{ms} ms is outside the valid range for parameter \"{name}\" (0 .. {})",
                i32::MAX
            ),
        });
    }
    // In range 0 ..= i32::MAX, checked above.
    Ok(ms as u32)
}

/// A millisecond setting as `SHOW` prints it: `0`, else in the longest unit that divides it
/// (`100ms`, `2s`, `1min`, `1h`, `1d`).
pub fn show_milliseconds(ms: u32) -> String {
    if ms == 0 {
        return "0".into();
    }
    for (unit, per) in TIME_UNITS {
        // `per` is whole for every unit from ms up.
        let per = *per as u64;
        if per >= 1 && u64::from(ms).is_multiple_of(per) {
            return format!("{}{unit}", u64::from(ms) / per);
        }
    }
    format!("{ms}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: &str) -> Result<u32> {
        parse_milliseconds(STATEMENT_TIMEOUT, v)
    }

    #[test]
    fn parses_as_postgres() {
        // Each case checked against PostgreSQL 15's SET and SHOW.
        for (input, ms, shown) in [
            ("100", 100, "100ms"),
            ("2s", 2000, "2s"),
            ("2000", 2000, "2s"),
            ("60s", 60_000, "1min"),
            ("1.5s", 1500, "1500ms"),
            ("1500us", 2, "2ms"),
            ("3600000", 3_600_000, "1h"),
            ("86400000", 86_400_000, "1d"),
            ("0", 0, "0"),
            ("5 s", 5000, "5s"),
            ("1.5", 2, "2ms"),
            ("2.5", 2, "2ms"),
            ("0.4", 0, "0"),
            (" 7ms ", 7, "7ms"),
        ] {
            assert_eq!(p(input).ok(), Some(ms), "{input}");
            assert_eq!(show_milliseconds(ms), shown, "{input}");
        }
    }

    #[test]
    fn refuses_as_postgres() {
        let msg = |v: &str| p(v).map_err(|e| (e.sqlstate(), e.to_string(), e.hint()));
        assert_eq!(
            msg("-1"),
            Err((
                "22023",
                "-1 ms is outside the valid range for parameter \"statement_timeout\" (0 .. 2147483647)".into(),
                None
            ))
        );
        assert_eq!(
            msg("abc"),
            Err((
                "22023",
                "invalid value for parameter \"statement_timeout\": \"abc\"".into(),
                None
            ))
        );
        assert_eq!(msg("5S").err().and_then(|e| e.2), Some(TIME_UNITS_HINT));
        for too_big in ["100d", "2147483648"] {
            assert_eq!(
                msg(too_big).err().and_then(|e| e.2),
                Some("Value exceeds integer range."),
                "{too_big}"
            );
        }
        assert!(p("").is_err());
        assert!(p("s").is_err());
        assert!(p("1 s s").is_err());
    }
}
