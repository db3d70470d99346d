//! `to_char` of numbers (`numeric`, integers, floats) with PostgreSQL's numeric template
//! patterns (`formatting.c`'s `NUM_processor`, C locale): digit positions `9` (a leading
//! zero suppressed) and `0` (always printed), the decimal point `.` / `D`, group
//! separators `,` / `G`, the sign by default just before the digits, or at `S` (anchored to
//! the number), `MI`, `PR` (angle brackets), the currency symbol `L`, the `FM` prefix (no
//! padding, no trailing fraction zeros) and `TH`/`th` ordinal suffixes; other characters
//! are copied. A number with more integer digits than the template has is shown as `#`s.
//! Also `PL` / `SG` (a sign where they stand), `V` (shifted by ten per `9` after it), `B`,
//! `EEEE` (scientific notation) and `RN` (Roman numerals). The template is checked as
//! `to_number` checks it (42601 for patterns that contradict each other).

use crate::error::Result;
use crate::types::Numeric;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Tok {
    /// A digit position; true for `0`.
    Digit(bool),
    Point,
    Group,
    /// `S`.
    Sign,
    Minus,
    /// `PL`.
    Plus,
    /// `SG`.
    SignBoth,
    Brackets,
    Currency,
    /// `B`: no output.
    Blank,
    /// `V`: shift by the digit positions after it.
    Multi,
    /// `EEEE`.
    Exponent,
    /// `RN` / `rn` (true for upper case).
    Roman(bool),
    Ordinal(bool),
    Literal(char),
}

/// Parses a numeric template: its tokens and whether `FM` was given (case-insensitive
/// keywords except `TH` / `th`; double-quoted text, a backslash escaping a quote, is copied).
pub(super) fn parse(template: &str) -> (Vec<Tok>, bool) {
    let mut toks = Vec::new();
    let mut fill = false;
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            let mut escaped = false;
            let mut end = rest.len();
            for (i, q) in rest.char_indices().skip(1) {
                if escaped {
                    toks.push(Tok::Literal(q));
                    escaped = false;
                } else if q == '\\' {
                    escaped = true;
                } else if q == '"' {
                    end = i + 1;
                    break;
                } else {
                    toks.push(Tok::Literal(q));
                }
            }
            rest = &rest[end..];
            continue;
        }
        let starts = |p: &str| {
            rest.len() >= p.len() && rest.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
        };
        let (tok, len) = if starts("FM") {
            fill = true;
            rest = &rest[2..];
            continue;
        } else if starts("MI") {
            (Tok::Minus, 2)
        } else if starts("PR") {
            (Tok::Brackets, 2)
        } else if starts("PL") {
            (Tok::Plus, 2)
        } else if starts("SG") {
            (Tok::SignBoth, 2)
        } else if starts("RN") {
            (Tok::Roman(c == 'R'), 2)
        } else if starts("EEEE") {
            (Tok::Exponent, 4)
        } else if rest.starts_with("TH") {
            (Tok::Ordinal(true), 2)
        } else if rest.starts_with("th") {
            (Tok::Ordinal(false), 2)
        } else {
            let tok = match c {
                '9' => Tok::Digit(false),
                '0' => Tok::Digit(true),
                '.' | 'D' | 'd' => Tok::Point,
                ',' | 'G' | 'g' => Tok::Group,
                'S' | 's' => Tok::Sign,
                'L' | 'l' => Tok::Currency,
                'B' | 'b' => Tok::Blank,
                'V' | 'v' => Tok::Multi,
                c => Tok::Literal(c),
            };
            (tok, c.len_utf8())
        };
        toks.push(tok);
        rest = &rest[len..];
    }
    (toks, fill)
}

/// What the number given to `to_char` was: PostgreSQL formats `EEEE` of integers and
/// floats through C's `%e`, of numerics by their decimal digits, and rounds floats to
/// integers for `RN` half to even.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Source {
    Numeric,
    Integer,
    Float,
}

/// `EEEE`: a sign (or a space), the significand with the template's fraction digits and a
/// signed exponent of at least two digits; the rest of the template is not printed.
fn scientific(n: &Numeric, pre: u32, post: u32, source: Source) -> Result<String> {
    if n.is_nan() || n.is_infinite() {
        return Ok(format!(
            " {}.{}",
            "#".repeat(pre as usize),
            "#".repeat(post as usize + 4)
        ));
    }
    let (significand, exponent) = if source == Source::Numeric {
        // The significand rounded as a numeric (9.999 with two digits is 10.00e+00).
        match n.parts() {
            Some((mant, scale)) if n.signum() != 0 => {
                let digits = mant.magnitude().to_string().len() as i64;
                let exponent = digits - 1 - i64::from(scale);
                let sig = Numeric::new(mant.clone(), (digits - 1) as u32)?.round_to(post);
                (sig.to_string(), exponent)
            }
            _ => (Numeric::from_i64(0).round_to(post).to_string(), 0),
        }
    } else {
        let v = n.to_f64().unwrap_or(0.0);
        let text = format!("{:.*e}", post as usize, v);
        let (sig, exp) = text.split_once('e').unwrap_or((text.as_str(), "0"));
        (sig.to_string(), exp.parse::<i64>().unwrap_or(0))
    };
    let sign = if significand.starts_with('-') {
        ""
    } else {
        " "
    };
    let exp_sign = if exponent < 0 { '-' } else { '+' };
    Ok(format!(
        "{sign}{significand}e{exp_sign}{:02}",
        exponent.unsigned_abs()
    ))
}

/// Roman numerals of 1 ..= 3999 (`None` outside).
fn roman_numerals(v: i64) -> Option<String> {
    if !(1..=3999).contains(&v) {
        return None;
    }
    const PARTS: [(i64, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut v = v;
    let mut out = String::new();
    for (value, text) in PARTS {
        while v >= value {
            out.push_str(text);
            v -= value;
        }
    }
    Some(out)
}

/// `RN` / `rn`: the number rounded to an integer in Roman numerals, right-aligned in 15
/// characters unless `FM` (15 `#`s outside 1 ..= 3999); other text of the template is
/// copied.
fn roman(n: &Numeric, toks: &[Tok], fill: bool, source: Source) -> Result<String> {
    let v = if source == Source::Float {
        n.to_f64().unwrap_or(f64::NAN).round_ties_even()
    } else {
        n.round_to(0).to_f64().unwrap_or(f64::NAN)
    };
    if !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&v) {
        return Err(crate::types::TypeError::IntegerOutOfRange {
            type_name: "integer",
        }
        .into());
    }
    let numerals = roman_numerals(v as i64).unwrap_or_else(|| "#".repeat(15));
    let mut out = String::new();
    for t in toks {
        match t {
            Tok::Roman(upper) => {
                let r = if *upper {
                    numerals.clone()
                } else {
                    numerals.to_lowercase()
                };
                if fill {
                    out.push_str(&r);
                } else {
                    out.push_str(&format!("{r:>15}"));
                }
            }
            Tok::Literal(c) => out.push(*c),
            _ => {}
        }
    }
    Ok(out)
}

/// `to_char(number, template)`.
pub(super) fn format(n: &Numeric, template: &str, source: Source) -> Result<String> {
    let (toks, fill) = parse(template);
    let desc = super::to_number::describe(&toks, fill)?;
    if desc.exponent {
        return scientific(n, desc.pre, desc.post, source);
    }
    if desc.roman {
        return roman(n, &toks, fill, source);
    }
    // `V` multiplies by ten for each `9` after it (those are printed as integer digits).
    let shifted;
    let n = if desc.is_multi {
        shifted = if source == Source::Float {
            let v = n.to_f64().unwrap_or(f64::NAN) * 10f64.powi(desc.multi as i32);
            if v.is_finite() {
                Numeric::parse(&format!("{v}"))?
            } else {
                Numeric::nan()
            }
        } else {
            n.mul(&Numeric::parse(&format!(
                "1{}",
                "0".repeat(desc.multi as usize)
            ))?)?
        };
        &shifted
    } else {
        n
    };
    let point = toks.iter().position(|t| *t == Tok::Point);
    let is_digit = |t: &Tok| matches!(t, Tok::Digit(_));
    let int_positions: Vec<usize> = toks
        .iter()
        .enumerate()
        .filter(|(i, t)| is_digit(t) && point.is_none_or(|p| *i < p))
        .map(|(i, _)| i)
        .collect();
    let frac_positions: Vec<usize> = toks
        .iter()
        .enumerate()
        .filter(|(i, t)| is_digit(t) && point.is_some_and(|p| *i > p))
        .map(|(i, _)| i)
        .collect();
    let negative = n.signum() < 0;
    let rounded = n.abs().round_to(frac_positions.len() as u32);
    let text = rounded.to_string();
    let (int_text, frac_text) = match text.split_once('.') {
        Some((i, f)) => (i.to_string(), f.to_string()),
        None => (text.clone(), String::new()),
    };
    let int_digits = if int_text == "0" {
        String::new()
    } else {
        int_text.clone()
    };
    let overflow = int_digits.len() > int_positions.len() || n.is_nan() || n.is_infinite();
    // The integer digit shown at each integer position (None: a leading position).
    let lead = int_positions.len().saturating_sub(int_digits.len());
    let zero_from = int_positions
        .iter()
        .position(|&i| toks[i] == Tok::Digit(true))
        .unwrap_or(usize::MAX);
    // A zero with no fraction digits shown prints one `0` in the last integer position.
    let show_zero = int_digits.is_empty()
        && (frac_positions.is_empty() || (fill && frac_text.bytes().all(|b| b == b'0')));
    let mut frac: Vec<char> = frac_text.chars().collect();
    frac.resize(frac_positions.len(), '0');
    // FM drops trailing zeros of `9` fraction positions.
    let mut frac_len = frac.len();
    if fill {
        while frac_len > 0
            && frac[frac_len - 1] == '0'
            && toks[frac_positions[frac_len - 1]] == Tok::Digit(false)
        {
            frac_len -= 1;
        }
    }
    let explicit_sign = toks
        .iter()
        .any(|t| matches!(t, Tok::Sign | Tok::Minus | Tok::SignBoth | Tok::Brackets));
    let sign_anchored_after = toks
        .iter()
        .position(|t| *t == Tok::Sign)
        .is_some_and(|s| int_positions.first().is_some_and(|&d| s > d));
    let brackets = toks.contains(&Tok::Brackets);

    let mut out = String::new();
    let mut started = false;
    // The anchored sign before the first printed character of the number.
    let put_sign = |out: &mut String, started: &mut bool| {
        if *started {
            return;
        }
        *started = true;
        if brackets {
            out.push(if negative {
                '<'
            } else if fill {
                '\0'
            } else {
                ' '
            });
        } else if toks.contains(&Tok::Sign) {
            if !sign_anchored_after {
                out.push(if negative { '-' } else { '+' });
            }
        } else if !explicit_sign {
            out.push(if negative {
                '-'
            } else if fill {
                '\0'
            } else {
                ' '
            });
        }
    };
    let mut int_index = 0;
    let mut frac_index = 0;
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Digit(_) if point.is_none_or(|p| i < p) => {
                let k = int_index;
                int_index += 1;
                if overflow {
                    put_sign(&mut out, &mut started);
                    out.push('#');
                    continue;
                }
                let last = k + 1 == int_positions.len();
                if k >= lead {
                    put_sign(&mut out, &mut started);
                    out.push(int_digits.as_bytes()[k - lead] as char);
                } else if k >= zero_from || (last && show_zero) {
                    put_sign(&mut out, &mut started);
                    out.push('0');
                } else if !fill {
                    out.push(' ');
                }
            }
            Tok::Digit(_) => {
                let k = frac_index;
                frac_index += 1;
                if overflow {
                    out.push('#');
                } else if k < frac_len {
                    out.push(frac[k]);
                }
            }
            Tok::Point => {
                put_sign(&mut out, &mut started);
                out.push('.');
            }
            Tok::Group => {
                if started {
                    out.push(',');
                } else if !fill {
                    out.push(' ');
                }
            }
            Tok::Sign => {
                if sign_anchored_after {
                    out.push(if negative { '-' } else { '+' });
                }
            }
            Tok::Minus => out.push(if negative {
                '-'
            } else if fill {
                '\0'
            } else {
                ' '
            }),
            Tok::Brackets => out.push(if negative {
                '>'
            } else if fill {
                '\0'
            } else {
                ' '
            }),
            Tok::Currency => out.push(' '),
            Tok::Plus => out.push(if !negative {
                '+'
            } else if fill {
                '\0'
            } else {
                ' '
            }),
            Tok::SignBoth => out.push(if negative { '-' } else { '+' }),
            Tok::Blank | Tok::Multi | Tok::Exponent | Tok::Roman(_) => {}
            Tok::Ordinal(upper) => {
                if !overflow && frac_positions.is_empty() {
                    let v = int_digits.parse::<i64>().unwrap_or(0);
                    let s = super::to_char::ordinal(v);
                    out.push_str(&if *upper {
                        s.to_uppercase()
                    } else {
                        s.to_string()
                    });
                }
            }
            Tok::Literal(c) => out.push(*c),
        }
    }
    Ok(out.replace('\0', ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: &str, t: &str) -> String {
        let n = Numeric::parse(v).unwrap_or_else(|_| Numeric::nan());
        format(&n, t, Source::Numeric).unwrap_or_else(|e| e.sqlstate().to_string())
    }

    #[test]
    fn templates_as_postgres() {
        // Each checked against PostgreSQL 15.
        assert_eq!(f("12", "999"), "  12");
        assert_eq!(f("-12", "999"), " -12");
        assert_eq!(f("12", "FM999"), "12");
        assert_eq!(f("1.5", "9.99"), " 1.50");
        assert_eq!(f("-1.5", "FM9.99"), "-1.5");
        assert_eq!(f("0.5", "9.99"), "  .50");
        assert_eq!(f("0.5", "0.99"), " 0.50");
        assert_eq!(f("1234567.891", "9,999,999.99"), " 1,234,567.89");
        assert_eq!(f("-12", "S999"), " -12");
        assert_eq!(f("12", "999S"), " 12+");
        assert_eq!(f("-12", "999MI"), " 12-");
        assert_eq!(f("12", "999MI"), " 12 ");
        assert_eq!(f("-12", "999PR"), " <12>");
        assert_eq!(f("12", "999PR"), "  12 ");
        assert_eq!(f("12345", "999"), " ###");
        assert_eq!(f("12", "L999"), "   12");
        assert_eq!(f("3", "9th"), " 3rd");
        assert_eq!(f("12", "00099"), " 00012");
        assert_eq!(f("-0.1", "9.9"), " -.1");
        assert_eq!(f("1234.5", "FM9G999D00"), "1,234.50");
        assert_eq!(f("0", "9"), " 0");
        assert_eq!(f("0", "FM9"), "0");
        assert_eq!(f("0.0", "FM9.9"), "0.");
        assert_eq!(f("1", "\"No.\" 9"), "No.  1");
        assert_eq!(f("12345.678", "9.99EEEE"), " 1.23e+04");
        assert_eq!(f("9.999", "9.99EEEE"), " 10.00e+00");
        assert_eq!(f("-0.00012345", "9.999EEEE"), "-1.235e-04");
        assert_eq!(f("485", "RN"), "        CDLXXXV");
        assert_eq!(f("3.5", "FMrn"), "iv");
        assert_eq!(f("12.45", "99V9"), " 125");
        assert_eq!(f("-12", "99PL"), "-12 ");
        assert_eq!(f("12", "PL99"), "+ 12");
        assert_eq!(f("12", "99SG"), "12+");
        assert_eq!(f("12", "FM9.9EEEE"), "42601");
    }
}
