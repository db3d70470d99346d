//! Text input and output of the scalar types other than numeric and date/time: `boolean`,
//! the integer types, `real` / `double precision` (shortest round-trip output as with
//! `extra_float_digits = 1`), `bytea` (hex output; hex and escape input) and the length rules
//! of `varchar(n)` / `char(n)`.

use super::error::TypeError;

fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// `boolin`: `t`/`true`/`y`/`yes`/`on`/`1` and their negatives, any unique prefix of the
/// words, case-insensitive, surrounding whitespace ignored.
pub fn parse_bool(input: &str) -> Result<bool, TypeError> {
    let s = input.trim_matches(is_c_space).to_ascii_lowercase();
    let prefix_of = |word: &str, min: usize| s.len() >= min && word.starts_with(s.as_str());
    let r = match s.as_bytes().first() {
        Some(b't') if prefix_of("true", 1) => Some(true),
        Some(b'y') if prefix_of("yes", 1) => Some(true),
        Some(b'f') if prefix_of("false", 1) => Some(false),
        Some(b'n') if prefix_of("no", 1) => Some(false),
        Some(b'o') if prefix_of("on", 2) => Some(true),
        Some(b'o') if prefix_of("off", 2) => Some(false),
        Some(b'1') if s.len() == 1 => Some(true),
        Some(b'0') if s.len() == 1 => Some(false),
        _ => None,
    };
    r.ok_or_else(|| TypeError::InvalidTextRepresentation {
        type_name: "boolean",
        input: input.to_string(),
    })
}

/// `int2in` / `int4in` / `int8in`: optional whitespace, sign, decimal digits, whitespace.
pub fn parse_int(
    input: &str,
    type_name: &'static str,
    min: i64,
    max: i64,
) -> Result<i64, TypeError> {
    let bad = || TypeError::InvalidTextRepresentation {
        type_name,
        input: input.to_string(),
    };
    let s = input.trim_matches(is_c_space);
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let negative = s.starts_with('-');
    let mut v: i128 = 0;
    for b in digits.bytes() {
        v = v * 10 + i128::from(b - b'0');
        if v > i128::from(u64::MAX) {
            break;
        }
    }
    if negative {
        v = -v;
    }
    if v < i128::from(min) || v > i128::from(max) {
        return Err(TypeError::InputOutOfRange {
            type_name,
            input: input.to_string(),
        });
    }
    Ok(v as i64)
}

/// `oidin`: an integer from -2147483648 to 4294967295 (negative values wrap, as `strtoul`).
pub fn parse_oid(input: &str) -> Result<u32, TypeError> {
    let v = parse_int(input, "oid", i64::from(i32::MIN), i64::from(u32::MAX))?;
    Ok(v as u32)
}

/// `namein`: at most 63 bytes (NAMEDATALEN - 1), cut at a character boundary.
pub fn truncate_name(s: &str) -> String {
    let mut end = s.len().min(63);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// Checks that `s` is a decimal float literal `strtod` would consume entirely.
fn float_syntax_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let mut digits = 0;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
        digits += 1;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let start = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > start {
            i = j;
        }
    }
    i == b.len()
}

fn special_float(s: &str) -> Option<f64> {
    match s.to_ascii_lowercase().as_str() {
        "nan" | "+nan" | "-nan" => Some(f64::NAN),
        "infinity" | "+infinity" | "inf" | "+inf" => Some(f64::INFINITY),
        "-infinity" | "-inf" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// Whether the mantissa of a float literal has a non-zero digit.
fn has_nonzero_digit(s: &str) -> bool {
    s.bytes()
        .take_while(|b| *b != b'e' && *b != b'E')
        .any(|b| (b'1'..=b'9').contains(&b))
}

/// `float8in`.
pub fn parse_f64(input: &str) -> Result<f64, TypeError> {
    parse_float(input, "double precision", |s| s.parse::<f64>().ok())
}

/// `float4in`.
pub fn parse_f32(input: &str) -> Result<f32, TypeError> {
    parse_float(input, "real", |s| s.parse::<f32>().ok().map(f64::from)).map(|v| v as f32)
}

fn parse_float(
    input: &str,
    type_name: &'static str,
    parse: impl Fn(&str) -> Option<f64>,
) -> Result<f64, TypeError> {
    let bad = || TypeError::InvalidTextRepresentation {
        type_name,
        input: input.to_string(),
    };
    let s = input.trim_matches(is_c_space);
    if let Some(v) = special_float(s) {
        return Ok(v);
    }
    if !float_syntax_ok(s) {
        return Err(bad());
    }
    let v = parse(s).ok_or_else(bad)?;
    if v.is_infinite() || (v == 0.0 && has_nonzero_digit(s)) {
        return Err(TypeError::FloatInputOutOfRange {
            type_name,
            input: input.to_string(),
        });
    }
    Ok(v)
}

/// Formats shortest round-trip digits the way PostgreSQL's `float8out` does: fixed notation
/// for decimal exponents in `-4..max_fixed_exp`, otherwise `d.ddde+XX`.
fn format_shortest(sci: &str, max_fixed_exp: i32) -> String {
    // `sci` is Rust's `{:e}` output, e.g. "-1.5e-7" or "1e20".
    let (mant, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mant.starts_with('-');
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    let n = digits.len() as i32;
    if (-4..max_fixed_exp).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            out.push_str(&"0".repeat((-exp - 1) as usize));
            out.push_str(&digits);
        } else if exp + 1 >= n {
            out.push_str(&digits);
            out.push_str(&"0".repeat((exp + 1 - n) as usize));
        } else {
            let (int, frac) = digits.split_at((exp + 1) as usize);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.unsigned_abs()));
    }
    out
}

fn format_special(v: f64) -> Option<String> {
    if v.is_nan() {
        Some("NaN".into())
    } else if v.is_infinite() {
        Some(if v > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else if v == 0.0 {
        Some(if v.is_sign_negative() { "-0" } else { "0" }.into())
    } else {
        None
    }
}

/// `float8out` with `extra_float_digits = 1`.
pub fn format_f64(v: f64) -> String {
    format_special(v).unwrap_or_else(|| format_shortest(&format!("{v:e}"), 15))
}

/// `float4out` with `extra_float_digits = 1`.
pub fn format_f32(v: f32) -> String {
    format_special(f64::from(v)).unwrap_or_else(|| format_shortest(&format!("{v:e}"), 6))
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// `byteain`: `\x` followed by hex digit pairs (whitespace between pairs allowed), or the
/// escape format (`\\` and `\ooo` octal escapes).
pub fn parse_bytea(input: &str) -> Result<Vec<u8>, TypeError> {
    let b = input.as_bytes();
    if let Some(hex) = input.strip_prefix("\\x") {
        let h = hex.as_bytes();
        let mut out = Vec::with_capacity(h.len() / 2);
        let mut i = 0;
        let bad_digit = |c: u8, pos: usize| {
            let ch = input
                .get(2 + pos..)
                .and_then(|t| t.chars().next())
                .unwrap_or(c as char);
            TypeError::InvalidParameterValue {
                message: format!("invalid hexadecimal digit: \"{ch}\""),
            }
        };
        while i < h.len() {
            let c = h[i];
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                i += 1;
                continue;
            }
            let hi = hex_value(c).ok_or_else(|| bad_digit(c, i))?;
            i += 1;
            let Some(&c2) = h.get(i) else {
                return Err(TypeError::InvalidParameterValue {
                    message: "invalid hexadecimal data: odd number of digits".into(),
                });
            };
            let lo = hex_value(c2).ok_or_else(|| bad_digit(c2, i))?;
            out.push(hi << 4 | lo);
            i += 1;
        }
        return Ok(out);
    }
    parse_bytea_escape(b)
}

/// The escape format of bytea input (`byteain`, `decode(..., 'escape')`): bytes as they are,
/// `\\` for a backslash and `\ooo` octal escapes; 22P02 on any other backslash.
pub fn parse_bytea_escape(b: &[u8]) -> Result<Vec<u8>, TypeError> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
        } else if b.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else if let (Some(&d1 @ b'0'..=b'3'), Some(&d2 @ b'0'..=b'7'), Some(&d3 @ b'0'..=b'7')) =
            (b.get(i + 1), b.get(i + 2), b.get(i + 3))
        {
            out.push(((d1 - b'0') << 6) | ((d2 - b'0') << 3) | (d3 - b'0'));
            i += 4;
        } else {
            return Err(TypeError::InvalidByteaSyntax);
        }
    }
    Ok(out)
}

/// `byteaout` with `bytea_output = hex`.
pub fn format_bytea(b: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 + b.len() * 2);
    s.push_str("\\x");
    for &byte in b {
        s.push(HEX[usize::from(byte >> 4)] as char);
        s.push(HEX[usize::from(byte & 15)] as char);
    }
    s
}

/// Applies a `varchar(n)` / `char(n)` length: too-long values are truncated when `explicit`
/// (an explicit cast), and otherwise rejected unless only spaces are cut off; `char(n)`
/// values are then padded with spaces to `n`.
pub fn apply_length(
    s: &str,
    max: u32,
    pad: bool,
    explicit: bool,
    type_name: impl Fn() -> String,
) -> Result<String, TypeError> {
    let max = max as usize;
    let (count, cut) = match s.char_indices().nth(max) {
        Some((byte, _)) => (max, Some(byte)),
        None => (s.chars().count(), None),
    };
    let mut out = match cut {
        None => s.to_string(),
        Some(byte) => {
            if !explicit && !s[byte..].chars().all(|c| c == ' ') {
                return Err(TypeError::StringTooLong {
                    type_name: type_name(),
                });
            }
            s[..byte].to_string()
        }
    };
    if pad && count < max {
        out.push_str(&" ".repeat(max - count));
    }
    Ok(out)
}
