//! `to_number(text, template)` as PostgreSQL 15 reads numbers (`formatting.c`'s
//! `NUM_processor` reading input, C locale): the template (parsed by `to_char_num`) is
//! checked as `NUMDesc_prepare` checks it (42601 for contradicting patterns, 0A000 for
//! `EEEE` and `RN`), then each digit position or decimal point reads one input character,
//! signs are read before the first digit (`-`, `+`, `<` with `PR`) or at `S` / `MI` /
//! `PL` / `SG`, group separators match `,` when present, other template characters skip
//! one input character. The digits read become a numeric of the template's precision and
//! of the scale read (22003 when it does not fit, 22P02 when no digit was read), shifted
//! by `V`.

use super::to_char_num::{parse, Tok};
use crate::error::{EngineError, Result};
use crate::types::{Numeric, Value};

fn syntax_error(message: &str) -> EngineError {
    EngineError::Function {
        code: "42601",
        message: message.to_string(),
    }
}

/// Where an `S` stands: before the digits or after the decimal point.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LocaleSign {
    None,
    Pre,
    Post,
}

/// The template's description (PostgreSQL's `NUMDesc`).
pub(super) struct Desc {
    /// Digit positions before the decimal point, after it, and (`9`s) after `V`.
    pub(super) pre: u32,
    pub(super) post: u32,
    pub(super) multi: u32,
    decimal: bool,
    lsign: LocaleSign,
    minus: bool,
    plus: bool,
    bracket: bool,
    pub(super) is_multi: bool,
    pub(super) exponent: bool,
    pub(super) roman: bool,
}

/// `NUMDesc_prepare` over every token (`fill`: `FM` was given), with its errors; shared
/// by `to_char` and `to_number`.
pub(super) fn describe(toks: &[Tok], fill: bool) -> Result<Desc> {
    let mut d = Desc {
        pre: 0,
        post: 0,
        multi: 0,
        decimal: false,
        lsign: LocaleSign::None,
        minus: false,
        plus: false,
        bracket: false,
        is_multi: false,
        exponent: false,
        roman: false,
    };
    for t in toks {
        if d.exponent && !matches!(t, Tok::Exponent | Tok::Literal(_)) {
            return Err(syntax_error("\"EEEE\" must be the last pattern used"));
        }
        match t {
            Tok::Digit(zero) => {
                if d.bracket {
                    return Err(syntax_error(if *zero {
                        "\"0\" must be ahead of \"PR\""
                    } else {
                        "\"9\" must be ahead of \"PR\""
                    }));
                }
                if d.is_multi && !*zero {
                    d.multi += 1;
                } else if d.decimal {
                    d.post += 1;
                } else {
                    d.pre += 1;
                }
            }
            Tok::Point => {
                if d.decimal {
                    return Err(syntax_error("multiple decimal points"));
                }
                if d.is_multi {
                    return Err(syntax_error("cannot use \"V\" and decimal point together"));
                }
                d.decimal = true;
            }
            Tok::Sign => {
                if d.lsign != LocaleSign::None {
                    return Err(syntax_error("cannot use \"S\" twice"));
                }
                if d.plus || d.minus || d.bracket {
                    return Err(syntax_error(
                        "cannot use \"S\" and \"PL\"/\"MI\"/\"SG\"/\"PR\" together",
                    ));
                }
                d.lsign = if d.decimal {
                    LocaleSign::Post
                } else {
                    LocaleSign::Pre
                };
            }
            Tok::Minus | Tok::Plus | Tok::SignBoth => {
                if d.lsign != LocaleSign::None {
                    let name = match t {
                        Tok::Minus => "MI",
                        Tok::Plus => "PL",
                        _ => "SG",
                    };
                    return Err(EngineError::Function {
                        code: "42601",
                        message: format!("cannot use \"S\" and \"{name}\" together"),
                    });
                }
                if matches!(t, Tok::Minus | Tok::SignBoth) {
                    d.minus = true;
                }
                if matches!(t, Tok::Plus | Tok::SignBoth) {
                    d.plus = true;
                }
            }
            Tok::Brackets => {
                if d.lsign != LocaleSign::None || d.plus || d.minus {
                    return Err(syntax_error(
                        "cannot use \"PR\" and \"S\"/\"PL\"/\"MI\"/\"SG\" together",
                    ));
                }
                d.bracket = true;
            }
            Tok::Multi => {
                if d.decimal {
                    return Err(syntax_error("cannot use \"V\" and decimal point together"));
                }
                d.is_multi = true;
            }
            Tok::Exponent => {
                if d.exponent {
                    return Err(syntax_error("cannot use \"EEEE\" twice"));
                }
                if d.lsign != LocaleSign::None
                    || fill
                    || d.bracket
                    || d.minus
                    || d.plus
                    || d.roman
                    || d.is_multi
                {
                    return Err(syntax_error("\"EEEE\" is incompatible with other formats"));
                }
                d.exponent = true;
            }
            Tok::Roman(_) => d.roman = true,
            Tok::Group | Tok::Currency | Tok::Blank | Tok::Ordinal(_) | Tok::Literal(_) => {}
        }
    }
    Ok(d)
}

/// The reading state (PostgreSQL's `NUMProc` when reading).
struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    /// The sign read (`' '` for none).
    sign: u8,
    digits: String,
    read_pre: u32,
    read_post: u32,
    read_dec: bool,
}

impl Reader<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.input.len()
    }

    fn cur(&self) -> u8 {
        self.input.get(self.pos).copied().unwrap_or(0)
    }

    /// Skips up to `n` characters that are not digits, signs or separators.
    fn eat_non_data(&mut self, n: usize) {
        for _ in 0..n {
            if self.at_end() || b"0123456789.,+-".contains(&self.cur()) {
                break;
            }
            self.pos += utf8_len(self.cur());
        }
    }

    /// `NUM_numpart_from_char` for a digit position (`digit`) or the decimal point.
    fn numpart(&mut self, d: &Desc, digit: bool) {
        if self.at_end() {
            return;
        }
        if self.cur() == b' ' {
            self.pos += 1;
        }
        if self.at_end() {
            return;
        }
        if self.sign == b' ' && digit && self.read_pre + self.read_post == 0 {
            let c = self.cur();
            if c == b'-' || (d.lsign != LocaleSign::Pre && d.bracket && c == b'<') {
                self.sign = b'-';
                self.pos += 1;
            } else if c == b'+' {
                self.sign = b'+';
                self.pos += 1;
            }
        }
        if self.at_end() {
            return;
        }
        let mut read = false;
        let c = self.cur();
        if c.is_ascii_digit() {
            if self.read_dec && self.read_post == d.post {
                return;
            }
            self.digits.push(c as char);
            if self.read_dec {
                self.read_post += 1;
            } else {
                self.read_pre += 1;
            }
            read = true;
        } else if d.decimal && !self.read_dec && c == b'.' {
            self.digits.push('.');
            self.read_dec = true;
            read = true;
        }
        if self.at_end() {
            return;
        }
        if self.sign == b' ' && self.read_pre + self.read_post > 0 {
            if d.lsign != LocaleSign::None
                && read
                && self.pos + 1 < self.input.len()
                && !self.input[self.pos + 1].is_ascii_digit()
            {
                let next = self.input[self.pos + 1];
                if next == b'-' || next == b'+' {
                    self.pos += 1;
                    self.sign = next;
                }
            } else if !read
                && d.lsign == LocaleSign::None
                && (d.plus || d.minus)
                && matches!(self.cur(), b'-' | b'+')
            {
                self.sign = self.cur();
            }
        }
    }
}

/// The length of the UTF-8 sequence a byte starts (1 for a continuation byte, so that
/// reading always advances).
fn utf8_len(b: u8) -> usize {
    match b {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

/// `to_number(text, template)`.
pub(super) fn to_number(input: &str, template: &str) -> Result<Value> {
    let (toks, fill) = parse(template);
    let d = describe(&toks, fill)?;
    if d.roman {
        return Err(EngineError::FeatureNotSupported {
            feature: "\"RN\" for input".into(),
        });
    }
    if d.exponent {
        return Err(EngineError::FeatureNotSupported {
            feature: "\"EEEE\" for input".into(),
        });
    }
    let mut r = Reader {
        input: input.as_bytes(),
        pos: 0,
        sign: b' ',
        digits: String::new(),
        read_pre: 0,
        read_post: 0,
        read_dec: false,
    };
    for t in &toks {
        if r.at_end() {
            break;
        }
        match t {
            Tok::Digit(_) | Tok::Point => r.numpart(&d, matches!(t, Tok::Digit(_))),
            Tok::Group => {
                if fill || r.cur() != b',' {
                    continue;
                }
            }
            Tok::Currency => {
                r.eat_non_data(1);
                continue;
            }
            Tok::Ordinal(_) => {
                if !d.decimal {
                    r.eat_non_data(2);
                }
                continue;
            }
            Tok::Minus | Tok::Plus | Tok::SignBoth => {
                let c = r.cur();
                let takes = match t {
                    Tok::Minus => c == b'-',
                    Tok::Plus => c == b'+',
                    _ => c == b'-' || c == b'+',
                };
                if takes {
                    r.sign = c;
                } else {
                    r.eat_non_data(1);
                    continue;
                }
            }
            Tok::Literal(_) => {
                r.pos += utf8_len(r.cur());
                continue;
            }
            Tok::Sign | Tok::Brackets | Tok::Blank | Tok::Multi | Tok::Exponent | Tok::Roman(_) => {
                continue
            }
        }
        r.pos += 1;
    }
    if r.digits.ends_with('.') {
        r.digits.pop();
    }
    let text = format!("{}{}", r.sign as char, r.digits);
    let scale = r.read_post;
    let precision = d.pre + d.multi + scale;
    let n = Numeric::parse(&text)?.apply_typmod(precision, scale)?;
    if !d.is_multi {
        return Ok(Value::Numeric(n));
    }
    // PostgreSQL multiplies by power(10, -multi), a numeric of scale 16.
    const POWER_SCALE: u32 = 16;
    let factor = if d.multi <= POWER_SCALE {
        let zeros = "0".repeat(d.multi.saturating_sub(1) as usize);
        let tail = "0".repeat((POWER_SCALE - d.multi) as usize);
        format!("0.{zeros}1{tail}")
    } else {
        format!("0.{}", "0".repeat(POWER_SCALE as usize))
    };
    Ok(Value::Numeric(n.mul(&Numeric::parse(&factor)?)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(input: &str, template: &str) -> String {
        match to_number(input, template) {
            Ok(Value::Numeric(v)) => v.to_string(),
            Ok(_) => "?".into(),
            Err(e) => e.sqlstate().to_string(),
        }
    }

    #[test]
    fn numbers_as_postgres() {
        // Each checked against PostgreSQL 15.
        assert_eq!(n("12345", "999V99"), "123.4500000000000000");
        assert_eq!(n("1,234", "FM9,999"), "123");
        assert_eq!(n("1234", "9,999"), "1234");
        assert_eq!(n(" -12.5-", "S99.9"), "-12.5");
        assert_eq!(n("<12>", "999PR"), "-12");
        assert_eq!(n("12-", "99MI"), "-12");
        assert_eq!(n("abc", "999"), "22P02");
        assert_eq!(n("12.345", "9.99"), "22003");
        assert_eq!(n("1", "9.9EEEE"), "0A000");
        assert_eq!(n("1", "99.9.9"), "42601");
        assert_eq!(n("$12.50", "L99.99"), "12.50");
        assert_eq!(n("12.3456", "99.99"), "12.34");
        assert_eq!(n("1e5", "9e9"), "15");
    }
}
