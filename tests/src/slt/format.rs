//! Renders result values the way SQLite's reference runner (`slt_sqlite.c`) renders them for
//! each declared column type letter, and sorts and hashes rendered results.
//!
//! | value \ letter | `I` (`sqlite3_column_int`)          | `R` (`"%.3f"` of the double) | `T` (text)                   |
//! |----------------|-------------------------------------|------------------------------|------------------------------|
//! | NULL           | `NULL`                              | `NULL`                       | `NULL`                       |
//! | `Int(i)`       | `i` as a 32-bit C `int`             | `%.3f` of `i`                | `i`                          |
//! | `Float(f)`     | `f` truncated toward zero, as `int` | `%.3f` of `f`                | `%!.15g` of `f` (`2.0`, `0.1`)|
//! | `Text(s)`      | leading integer of `s`, else `0`    | leading number of `s`, else `0.000` | `s`, `(empty)` if empty; bytes outside `' '..='~'` as `@` |
//! | `Bool(b)`      | `1` / `0`                           | `1.000` / `0.000`            | `1` / `0`                    |
//!
//! `I` keeps the low 32 bits, as `sqlite3_column_int` returns a C `int`: the corpus was
//! generated with that runner, so an integer outside the 32-bit range appears wrapped in it.

use super::SltValue;
use md5::{Digest, Md5};

/// Renders one value for a column declared with type letter `letter` (`I`, `R` or `T`).
pub fn render(value: &SltValue, letter: char) -> String {
    if let SltValue::Null = value {
        return "NULL".to_string();
    }
    match letter {
        'I' => render_int(value),
        'R' => format!("{:.3}", as_double(value)),
        _ => render_text(value),
    }
}

/// `sqlite3_column_int`: the value converted to a 64-bit integer, then cut to a C `int`.
fn render_int(value: &SltValue) -> String {
    let wide: i64 = match value {
        SltValue::Null => return "NULL".to_string(),
        SltValue::Int(i) => *i,
        SltValue::Float(f) => double_to_i64(*f),
        SltValue::Text(s) => text_to_i64(s),
        SltValue::Bool(b) => i64::from(*b),
    };
    // Truncation to the low 32 bits is the point here.
    #[allow(clippy::cast_possible_truncation)]
    let narrow = wide as i32;
    narrow.to_string()
}

/// SQLite's `doubleToInt64`: truncates toward zero, saturating; NaN gives 0.
fn double_to_i64(f: f64) -> i64 {
    // `as` saturates and maps NaN to 0, which is what SQLite does.
    f as i64
}

/// SQLite's `sqlite3Atoi64` as used by `sqlite3_column_int` on text: leading white space,
/// an optional sign, then the leading run of digits (saturating); no digits gives 0.
fn text_to_i64(s: &str) -> i64 {
    let t = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut acc: i128 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        acc = (acc * 10 + i128::from(b - b'0')).min(i128::from(i64::MAX) + 1);
    }
    let signed = if neg { -acc } else { acc };
    i64::try_from(signed).unwrap_or(if neg { i64::MIN } else { i64::MAX })
}

/// `sqlite3_column_double`: the value as a double; text gives its leading number or 0.
fn as_double(value: &SltValue) -> f64 {
    match value {
        SltValue::Null => 0.0,
        SltValue::Int(i) => *i as f64,
        SltValue::Float(f) => *f,
        SltValue::Text(s) => leading_double(s),
        SltValue::Bool(b) => f64::from(u8::from(*b)),
    }
}

/// The longest prefix of `s` (after leading white space) that reads as a decimal number.
fn leading_double(s: &str) -> f64 {
    let t = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let b = t.as_bytes();
    let mut end = 0;
    if matches!(b.first(), Some(b'+') | Some(b'-')) {
        end = 1;
    }
    let int_start = end;
    while b.get(end).is_some_and(u8::is_ascii_digit) {
        end += 1;
    }
    let mut mantissa_digits = end - int_start;
    if b.get(end) == Some(&b'.') {
        let frac_start = end + 1;
        let mut e = frac_start;
        while b.get(e).is_some_and(u8::is_ascii_digit) {
            e += 1;
        }
        mantissa_digits += e - frac_start;
        if mantissa_digits > 0 {
            end = e;
        }
    }
    if mantissa_digits == 0 {
        return 0.0;
    }
    if matches!(b.get(end), Some(b'e') | Some(b'E')) {
        let mut e = end + 1;
        if matches!(b.get(e), Some(b'+') | Some(b'-')) {
            e += 1;
        }
        let exp_start = e;
        while b.get(e).is_some_and(u8::is_ascii_digit) {
            e += 1;
        }
        if e > exp_start {
            end = e;
        }
    }
    t[..end].parse::<f64>().unwrap_or(0.0)
}

/// `sqlite3_column_text`: text as is (empty as `(empty)`, unprintable bytes as `@`), numbers
/// the way SQLite turns them into text.
fn render_text(value: &SltValue) -> String {
    match value {
        SltValue::Null => "NULL".to_string(),
        SltValue::Int(i) => i.to_string(),
        SltValue::Float(f) => sqlite_real_text(*f),
        SltValue::Bool(b) => u8::from(*b).to_string(),
        SltValue::Text(s) if s.is_empty() => "(empty)".to_string(),
        SltValue::Text(s) => s
            .bytes()
            .map(|b| {
                if (b' '..=b'~').contains(&b) {
                    b as char
                } else {
                    '@'
                }
            })
            .collect(),
    }
}

/// SQLite's text form of a REAL, `"%!.15g"`: 15 significant digits, trailing zeros dropped but
/// at least one digit after the point (`2.0`, `1.0e+20`, `1.5e-07`).
pub fn sqlite_real_text(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Inf" } else { "-Inf" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    // 15 significant digits in scientific form gives the rounded mantissa and exponent.
    let sci = format!("{f:.14e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    if !(-4..15).contains(&exp) {
        let m = trim_fraction(&mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.unsigned_abs())
    } else {
        let decimals = usize::try_from(14 - exp).unwrap_or(0);
        trim_fraction(&format!("{f:.decimals$}"))
    }
}

/// Drops trailing zeros after the decimal point, keeping at least one digit after it.
fn trim_fraction(s: &str) -> String {
    match s.split_once('.') {
        Some((int, frac)) => {
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                format!("{int}.0")
            } else {
                format!("{int}.{frac}")
            }
        }
        None => format!("{s}.0"),
    }
}

/// Sorts rendered values in place per the sort mode: `rowsort` sorts rows of `ncols` values
/// (compared column by column as byte strings), `valuesort` sorts all values individually,
/// `nosort` (or an empty mode) leaves them. Returns false for an unknown sort mode.
pub fn sort_values(values: &mut Vec<String>, ncols: usize, mode: &str) -> bool {
    match mode {
        "" | "nosort" => true,
        "rowsort" => {
            if ncols == 0 {
                return true;
            }
            let mut rows: Vec<Vec<String>> = Vec::with_capacity(values.len() / ncols);
            let mut it = std::mem::take(values).into_iter();
            loop {
                let row: Vec<String> = it.by_ref().take(ncols).collect();
                if row.is_empty() {
                    break;
                }
                rows.push(row);
            }
            rows.sort();
            *values = rows.into_iter().flatten().collect();
            true
        }
        "valuesort" => {
            values.sort();
            true
        }
        _ => false,
    }
}

/// The MD5 (lower-case hex) of all values, each followed by a newline.
pub fn md5_of(values: &[String]) -> String {
    let mut h = Md5::new();
    for v in values {
        h.update(v.as_bytes());
        h.update(b"\n");
    }
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

/// The hashed form of a result: `N values hashing to MD5`.
pub fn hash_line(values: &[String]) -> String {
    format!("{} values hashing to {}", values.len(), md5_of(values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_column() {
        assert_eq!(render(&SltValue::Int(42), 'I'), "42");
        assert_eq!(render(&SltValue::Float(-2.9), 'I'), "-2");
        assert_eq!(render(&SltValue::Text("12abc".into()), 'I'), "12");
        assert_eq!(render(&SltValue::Text("abc".into()), 'I'), "0");
        assert_eq!(render(&SltValue::Text(" -7.5".into()), 'I'), "-7");
        assert_eq!(render(&SltValue::Bool(true), 'I'), "1");
        assert_eq!(render(&SltValue::Int(1 << 32), 'I'), "0");
        assert_eq!(render(&SltValue::Null, 'I'), "NULL");
    }

    #[test]
    fn real_column() {
        assert_eq!(render(&SltValue::Int(5), 'R'), "5.000");
        assert_eq!(render(&SltValue::Float(1.25), 'R'), "1.250");
        assert_eq!(render(&SltValue::Float(-0.0001), 'R'), "-0.000");
        assert_eq!(render(&SltValue::Text("2.5e1x".into()), 'R'), "25.000");
        assert_eq!(render(&SltValue::Text("x".into()), 'R'), "0.000");
    }

    #[test]
    fn text_column() {
        assert_eq!(render(&SltValue::Text(String::new()), 'T'), "(empty)");
        assert_eq!(render(&SltValue::Text("a\tb".into()), 'T'), "a@b");
        assert_eq!(render(&SltValue::Float(2.0), 'T'), "2.0");
        assert_eq!(render(&SltValue::Float(0.1), 'T'), "0.1");
        assert_eq!(render(&SltValue::Float(1e20), 'T'), "1.0e+20");
        assert_eq!(render(&SltValue::Float(1.5e-7), 'T'), "1.5e-07");
        assert_eq!(render(&SltValue::Float(123456.789), 'T'), "123456.789");
        assert_eq!(render(&SltValue::Int(-3), 'T'), "-3");
    }

    #[test]
    fn sorting_and_hashing() {
        let mut v: Vec<String> = ["2", "b", "10", "a", "2", "a"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(sort_values(&mut v, 2, "rowsort"));
        assert_eq!(v, ["10", "a", "2", "a", "2", "b"]);
        assert!(sort_values(&mut v, 2, "valuesort"));
        assert_eq!(v, ["10", "2", "2", "a", "a", "b"]);
        assert!(!sort_values(&mut v, 2, "bogus"));
        assert_eq!(
            hash_line(&[]),
            "0 values hashing to d41d8cd98f00b204e9800998ecf8427e"
        );
    }
}
