//! `to_date(text, text)` and `to_timestamp(text, text)`: text read by a date/time template
//! as PostgreSQL 15 reads it (`formatting.c`'s `DCH_from_char` and `do_to_timestamp`, the
//! non-standard mode): white space skipped before fields and after them unless `FX` was
//! seen, a template separator or space matching one separator or space of the input (or
//! none), other template characters skipping one input character, numeric fields reading
//! their width unless `FM` is given or a non-digit follows in the template, names matched
//! case-insensitively, then the fields combined (12-hour clock, centuries, two-digit years
//! toward 2020, Julian days, ISO and Gregorian weeks, days of the year) and checked.
//! `to_timestamp` interprets the result in the session time zone unless `TZH`/`TZM` give
//! an offset.

use super::datetime::{iso_week1, USECS_PER_SEC};
use super::dt_template::{is_separator, is_space, parse, Node};
use super::to_char::{DAYS, MONTHS};
use crate::error::{EngineError, Result};
use crate::types::datetime::{date2j, days_in_month, is_valid_julian, j2date};
use crate::types::Value;

fn format_error(message: String) -> EngineError {
    EngineError::Function {
        code: "22007",
        message,
    }
}

fn overflow_error(message: String) -> EngineError {
    EngineError::Function {
        code: "22008",
        message,
    }
}

/// Which date convention the template's fields use (they may not be mixed).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    #[default]
    None,
    Gregorian,
    IsoWeek,
}

/// The fields read from the input (0: not given, as PostgreSQL's `TmFromChar`).
#[derive(Default)]
struct Fields {
    mode: Mode,
    hh: i64,
    pm: i64,
    mi: i64,
    ss: i64,
    ssss: i64,
    /// Day of the week, Sunday = 1.
    d: i64,
    dd: i64,
    ddd: i64,
    mm: i64,
    ms: i64,
    year: i64,
    bc: i64,
    ww: i64,
    w: i64,
    cc: i64,
    j: i64,
    us: i64,
    /// Digits of the year field (4 for `YYYY`, 2 for `YY` ...).
    yysz: i64,
    clock12: bool,
    tzsign: i64,
    tzh: i64,
    tzm: i64,
    /// Fractional-second precision given by `FFn`.
    ff: u32,
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
fn read(input: &str, nodes: &[Node]) -> Result<Fields> {
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
