//! Reading text by a date/time template for `to_date` / `to_timestamp` as PostgreSQL 15
//! reads it (`formatting.c`'s `DCH_from_char`, the non-standard mode): white space skipped before fields and after them unless `FX` was
//! seen, a template separator or space matching one separator or space of the input (or
//! none), other template characters skipping one input character, numeric fields reading
//! their width unless `FM` is given or a non-digit follows in the template, names matched
//! case-insensitively, two-digit years toward 2020; fields given twice must agree and
//! Gregorian and ISO week fields may not be mixed. `to_date` combines the fields.

use super::dt_template::{is_separator, is_space, Node};
use super::to_char::{DAYS, MONTHS};
use crate::error::{EngineError, Result};

pub(super) fn format_error(message: String) -> EngineError {
    EngineError::Function {
        code: "22007",
        message,
    }
}

pub(super) fn overflow_error(message: String) -> EngineError {
    EngineError::Function {
        code: "22008",
        message,
    }
}

/// Which date convention the template's fields use (they may not be mixed).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Mode {
    #[default]
    None,
    Gregorian,
    IsoWeek,
}

/// The fields read from the input (0: not given, as PostgreSQL's `TmFromChar`).
#[derive(Default)]
pub(super) struct Fields {
    pub(super) mode: Mode,
    pub(super) hh: i64,
    pub(super) pm: i64,
    pub(super) mi: i64,
    pub(super) ss: i64,
    pub(super) ssss: i64,
    /// Day of the week, Sunday = 1.
    pub(super) d: i64,
    pub(super) dd: i64,
    pub(super) ddd: i64,
    pub(super) mm: i64,
    pub(super) ms: i64,
    pub(super) year: i64,
    pub(super) bc: i64,
    pub(super) ww: i64,
    pub(super) w: i64,
    pub(super) cc: i64,
    pub(super) j: i64,
    pub(super) us: i64,
    /// Digits of the year field (4 for `YYYY`, 2 for `YY` ...).
    pub(super) yysz: i64,
    pub(super) clock12: bool,
    pub(super) tzsign: i64,
    pub(super) tzh: i64,
    pub(super) tzm: i64,
    /// Fractional-second precision given by `FFn`.
    pub(super) ff: u32,
}

/// The date convention a keyword belongs to.
fn mode_of(upper: &str) -> Mode {
    match upper {
        "IDDD" | "ID" | "IW" | "IYYY" | "IYY" | "IY" | "I" => Mode::IsoWeek,
        "DDD" | "DD" | "D" | "MM" | "MONTH" | "MON" | "RM" | "WW" | "W" | "Y,YYY" | "YYYY"
        | "YYY" | "YY" | "Y" => Mode::Gregorian,
        _ => Mode::None,
    }
}

/// Whether a keyword reads digits (PostgreSQL's `is_digit` flag of the keyword table).
fn reads_digits(upper: &str) -> bool {
    matches!(
        upper,
        "CC" | "DDD"
            | "DD"
            | "D"
            | "HH24"
            | "HH12"
            | "HH"
            | "IDDD"
            | "ID"
            | "IW"
            | "IYYY"
            | "IYY"
            | "IY"
            | "I"
            | "J"
            | "MI"
            | "MM"
            | "MS"
            | "Q"
            | "SSSSS"
            | "SSSS"
            | "SS"
            | "TZM"
            | "US"
            | "WW"
            | "W"
            | "Y,YYY"
            | "YYYY"
            | "YYY"
            | "YY"
            | "Y"
    )
}

/// C's `strtol` in base 10 over `s`: the value (None on overflow) and the bytes consumed
/// (0 when no digits were found).
fn strtol(s: &[u8]) -> (Option<i64>, usize) {
    let mut i = 0;
    while i < s.len() && is_space(s[i] as char) {
        i += 1;
    }
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut v: Option<i64> = Some(0);
    while i < s.len() && s[i].is_ascii_digit() {
        v = v
            .and_then(|v| v.checked_mul(10))
            .and_then(|v| v.checked_add(i64::from(s[i] - b'0')));
        i += 1;
    }
    if i == start {
        return (Some(0), 0);
    }
    (v.map(|v| if negative { -v } else { v }), i)
}

/// Case-insensitive ASCII prefix search of `words` (the first that matches wins): its
/// index and length.
fn seq_search(input: &str, words: &[&str]) -> Option<(usize, usize)> {
    let bytes = input.as_bytes();
    words.iter().enumerate().find_map(|(i, w)| {
        let wb = w.as_bytes();
        (bytes.len() >= wb.len() && bytes[..wb.len()].eq_ignore_ascii_case(wb))
            .then_some((i, wb.len()))
    })
}

/// PostgreSQL's `adjust_partial_year_to_2020`.
fn adjust_year(year: i64) -> i64 {
    match year {
        y if y < 70 => y + 2000,
        y if y < 100 => y + 1900,
        y if y < 520 => y + 2000,
        y if y < 1000 => y + 1000,
        y => y,
    }
}

/// The reader's state: the input and the position in it (a byte offset at a character
/// boundary).
struct Reader<'a> {
    input: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.input[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// Advances over one character, if any.
    fn skip_char(&mut self) {
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
    }

    fn skip_spaces(&mut self) -> i64 {
        let mut n = 0;
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
            n += 1;
        }
        n
    }

    /// `from_char_parse_int_len`: an integer of `len` characters (or as many digits as
    /// there are with `slurp`), after white space. Returns the value and the characters
    /// consumed.
    fn int(&mut self, len: usize, kw: &str, slurp: bool) -> Result<(i64, usize)> {
        let init = self.pos;
        self.skip_spaces();
        let bytes = self.input.as_bytes();
        let avail = &bytes[self.pos..];
        let copy_len = len.min(avail.len());
        let copy = String::from_utf8_lossy(&avail[..copy_len]).into_owned();
        let value = if slurp {
            let (v, used) = strtol(&bytes[init..]);
            // strtol stops at an ASCII byte, so this is a character boundary.
            self.pos = init + used;
            v
        } else {
            if copy_len < len {
                return Err(format_error(format!(
                    "source string too short for \"{kw}\" formatting field"
                )));
            }
            let (v, used) = strtol(&avail[..len]);
            if used > 0 && used < len {
                return Err(format_error(format!(
                    "invalid value \"{copy}\" for \"{kw}\""
                )));
            }
            self.pos += used;
            v
        };
        if self.pos == init {
            return Err(format_error(format!(
                "invalid value \"{copy}\" for \"{kw}\""
            )));
        }
        let value = value.filter(|v| i32::try_from(*v).is_ok()).ok_or_else(|| {
            overflow_error(format!(
                "value for \"{kw}\" in source string is out of range"
            ))
        })?;
        Ok((value, self.pos - init))
    }

    /// `from_char_seq_search`: one of `words` (case-insensitively); its index.
    fn word(&mut self, words: &[&str], kw: &str) -> Result<usize> {
        match seq_search(self.rest(), words) {
            Some((i, len)) => {
                self.pos += len;
                Ok(i)
            }
            None => {
                let shown: String = self.rest().chars().take_while(|c| !is_space(*c)).collect();
                Err(format_error(format!(
                    "invalid value \"{shown}\" for \"{kw}\""
                )))
            }
        }
    }

    /// Skips an ordinal suffix (two characters) after a field with `TH`/`th`.
    fn skip_th(&mut self, th: Option<bool>) {
        if th.is_some() {
            self.skip_char();
            self.skip_char();
        }
    }
}

/// `from_char_set_int`: sets a field, refusing a different earlier value.
fn set(dest: &mut i64, value: i64, kw: &str) -> Result<()> {
    if *dest != 0 && *dest != value {
        return Err(format_error(format!(
            "conflicting values for \"{kw}\" field in formatting string"
        )));
    }
    *dest = value;
    Ok(())
}

/// Whether the node after `i` lets a numeric field read as many digits as there are
/// (PostgreSQL's `is_next_separator`).
fn next_is_separator(nodes: &[Node], i: usize) -> bool {
    if let Some(Node::Action { th: Some(_), .. }) = nodes.get(i) {
        return true;
    }
    match nodes.get(i + 1) {
        None => true,
        Some(Node::Action { kw, .. }) => !reads_digits(&kw.to_ascii_uppercase()),
        Some(Node::Char(c)) | Some(Node::Separator(c)) | Some(Node::Space(c)) => {
            !c.is_ascii_digit()
        }
    }
}

/// Reads `input` by the template's nodes into fields (`DCH_from_char`).
pub(super) fn read(input: &str, nodes: &[Node]) -> Result<Fields> {
    let mut out = Fields::default();
    let mut r = Reader { input, pos: 0 };
    let mut fx = false;
    let mut extra_skip: i64 = 0;
    for (i, node) in nodes.iter().enumerate() {
        if r.pos >= input.len() {
            break;
        }
        let is_fx = matches!(node, Node::Action { kw, .. } if kw.eq_ignore_ascii_case("FX"));
        if !fx && !is_fx && (matches!(node, Node::Action { .. }) || i == 0) {
            extra_skip += r.skip_spaces();
        }
        let (kw, fill, th) = match *node {
            Node::Space(_) | Node::Separator(_) => {
                if fx {
                    r.skip_char();
                } else {
                    extra_skip -= 1;
                    if r.peek().is_some_and(|c| is_space(c) || is_separator(c)) {
                        r.skip_char();
                        extra_skip += 1;
                    }
                }
                continue;
            }
            Node::Char(_) => {
                if fx || extra_skip <= 0 {
                    r.skip_char();
                } else {
                    extra_skip -= 1;
                }
                continue;
            }
            Node::Action { kw, fill, th } => (kw, fill, th),
        };
        let upper = kw.to_ascii_uppercase();
        let mode = mode_of(&upper);
        if mode != Mode::None {
            if out.mode == Mode::None {
                out.mode = mode;
            } else if out.mode != mode {
                return Err(format_error(
                    "invalid combination of date conventions".into(),
                ));
            }
        }
        let slurp = fill || next_is_separator(nodes, i);
        let kw_len = upper.len();
        match upper.as_str() {
            "FX" => fx = true,
            "A.M." | "P.M." => {
                let v = r.word(&["a.m.", "p.m.", "A.M.", "P.M."], kw)?;
                set(&mut out.pm, (v % 2) as i64, kw)?;
                out.clock12 = true;
            }
            "AM" | "PM" => {
                let v = r.word(&["am", "pm", "AM", "PM"], kw)?;
                set(&mut out.pm, (v % 2) as i64, kw)?;
                out.clock12 = true;
            }
            "HH" | "HH12" | "HH24" => {
                let (v, _) = r.int(2, kw, slurp)?;
                set(&mut out.hh, v, kw)?;
                if upper != "HH24" {
                    out.clock12 = true;
                }
                r.skip_th(th);
            }
            "MI" | "SS" | "SSSS" | "SSSSS" | "MM" | "DDD" | "DD" | "D" | "WW" | "IW" | "CC"
            | "W" | "J" | "Q" => {
                let (v, _) = r.int(kw_len, kw, slurp)?;
                let dest = match upper.as_str() {
                    "MI" => Some(&mut out.mi),
                    "SS" => Some(&mut out.ss),
                    "SSSS" | "SSSSS" => Some(&mut out.ssss),
                    "MM" => Some(&mut out.mm),
                    "DDD" => Some(&mut out.ddd),
                    "DD" => Some(&mut out.dd),
                    "D" => Some(&mut out.d),
                    "WW" | "IW" => Some(&mut out.ww),
                    "CC" => Some(&mut out.cc),
                    "W" => Some(&mut out.w),
                    "J" => Some(&mut out.j),
                    // A quarter is read and ignored.
                    _ => None,
                };
                if let Some(dest) = dest {
                    set(dest, v, kw)?;
                }
                r.skip_th(th);
            }
            "MS" => {
                let (v, len) = r.int(3, kw, slurp)?;
                set(&mut out.ms, v, kw)?;
                out.ms *= match len {
                    1 => 100,
                    2 => 10,
                    _ => 1,
                };
                r.skip_th(th);
            }
            "US" | "FF1" | "FF2" | "FF3" | "FF4" | "FF5" | "FF6" => {
                let width = if upper == "US" {
                    6
                } else {
                    out.ff = u32::from(upper.as_bytes()[2] - b'0');
                    out.ff as usize
                };
                let (v, len) = r.int(width, kw, slurp)?;
                set(&mut out.us, v, kw)?;
                out.us *= match len {
                    1 => 100_000,
                    2 => 10_000,
                    3 => 1000,
                    4 => 100,
                    5 => 10,
                    _ => 1,
                };
                r.skip_th(th);
            }
            "TZ" | "OF" => {
                return Err(EngineError::Function {
                    code: "0A000",
                    message: format!("formatting field \"{kw}\" is only supported in to_char"),
                })
            }
            "TZH" => {
                match r.peek() {
                    Some(c @ ('+' | '-' | ' ')) => {
                        out.tzsign = if c == '-' { -1 } else { 1 };
                        r.pos += 1;
                    }
                    _ => {
                        let prev_minus = r.pos > 0 && input.as_bytes()[r.pos - 1] == b'-';
                        out.tzsign = if extra_skip > 0 && prev_minus { -1 } else { 1 };
                    }
                }
                let (v, _) = r.int(2, kw, slurp)?;
                set(&mut out.tzh, v, kw)?;
            }
            "TZM" => {
                if out.tzsign == 0 {
                    out.tzsign = 1;
                }
                let (v, _) = r.int(2, kw, slurp)?;
                set(&mut out.tzm, v, kw)?;
            }
            "A.D." | "B.C." => {
                let v = r.word(&["a.d.", "b.c.", "A.D.", "B.C."], kw)?;
                set(&mut out.bc, (v % 2) as i64, kw)?;
            }
            "AD" | "BC" => {
                let v = r.word(&["ad", "bc", "AD", "BC"], kw)?;
                set(&mut out.bc, (v % 2) as i64, kw)?;
            }
            "MONTH" | "MON" => {
                let short: Vec<&str> = MONTHS.iter().map(|m| &m[..3]).collect();
                let v = if upper == "MONTH" {
                    r.word(&MONTHS, kw)?
                } else {
                    r.word(&short, kw)?
                };
                set(&mut out.mm, v as i64 + 1, kw)?;
            }
            "DAY" | "DY" => {
                let short: Vec<&str> = DAYS.iter().map(|m| &m[..3]).collect();
                let v = if upper == "DAY" {
                    r.word(&DAYS, kw)?
                } else {
                    r.word(&short, kw)?
                };
                set(&mut out.d, v as i64, kw)?;
                out.d += 1;
            }
            "IDDD" => {
                let (v, _) = r.int(3, kw, slurp)?;
                set(&mut out.ddd, v, kw)?;
                r.skip_th(th);
            }
            "ID" => {
                let (v, _) = r.int(1, kw, slurp)?;
                set(&mut out.d, v, kw)?;
                // Gregorian numbering: Sunday = 1.
                out.d += 1;
                if out.d > 7 {
                    out.d = 1;
                }
                r.skip_th(th);
            }
            "Y,YYY" => {
                let bytes = input.as_bytes();
                let (millennia, used) = strtol(&bytes[r.pos..]);
                let comma = r.pos + used;
                let years = if used > 0 && bytes.get(comma) == Some(&b',') {
                    let digits = bytes[comma + 1..]
                        .iter()
                        .take(3)
                        .take_while(|b| b.is_ascii_digit())
                        .count();
                    (digits > 0).then(|| {
                        let s = &input[comma + 1..comma + 1 + digits];
                        (s.parse::<i64>().unwrap_or(0), comma + 1 + digits)
                    })
                } else {
                    None
                };
                let (Some(millennia), Some((years, end))) = (millennia, years) else {
                    return Err(format_error("invalid input string for \"Y,YYY\"".into()));
                };
                set(&mut out.year, years + millennia * 1000, kw)?;
                out.yysz = 4;
                r.pos = end;
                r.skip_th(th);
            }
            "YYYY" | "IYYY" | "YYY" | "IYY" | "YY" | "IY" | "Y" | "I" => {
                let (v, len) = r.int(kw_len, kw, slurp)?;
                set(&mut out.year, v, kw)?;
                let size = match upper.as_str() {
                    "YYYY" | "IYYY" => 4,
                    "YYY" | "IYY" => 3,
                    "YY" | "IY" => 2,
                    _ => 1,
                };
                if size < 4 && len < 4 {
                    out.year = adjust_year(out.year);
                }
                out.yysz = size;
                r.skip_th(th);
            }
            "RM" => {
                let v = r.word(
                    &[
                        "xii", "xi", "x", "ix", "viii", "vii", "vi", "v", "iv", "iii", "ii", "i",
                    ],
                    kw,
                )?;
                set(&mut out.mm, 12 - v as i64, kw)?;
            }
            _ => {}
        }
        if !fx {
            extra_skip = r.skip_spaces();
        }
    }
    Ok(out)
}
