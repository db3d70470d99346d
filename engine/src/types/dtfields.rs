//! The field splitter and keyword table of date/time input, a port of PostgreSQL's
//! `ParseDateTime` and its `datetktbl`: the input is split into typed fields (numbers, words,
//! dates, times, signed offsets) that `dtparse` and `interval` decode.

/// The kind of a field, as PostgreSQL's `ParseDateTime` classifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Number,
    Str,
    Date,
    Time,
    Tz,
    Special,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub text: String,
    pub kind: FieldKind,
}

fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Core keywords: a word followed by a digit or `+` is only a time zone name if it is not
/// one of these.
fn is_core_keyword(w: &str) -> bool {
    !matches!(special_word(w), Word::Unknown)
}

/// PostgreSQL's `ParseDateTime`: splits the input into typed fields.
pub fn parse_fields(input: &str) -> Result<Vec<Field>, ()> {
    let b = input.as_bytes();
    let mut i = 0;
    let mut fields = Vec::new();
    let lower = |c: u8| c.to_ascii_lowercase() as char;
    while i < b.len() {
        let c = b[i];
        if is_c_space(c) {
            i += 1;
            continue;
        }
        let mut text = String::new();
        let kind;
        if c.is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                text.push(b[i] as char);
                i += 1;
            }
            match b.get(i) {
                Some(b':') => {
                    kind = FieldKind::Time;
                    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b':' || b[i] == b'.') {
                        text.push(b[i] as char);
                        i += 1;
                    }
                }
                Some(&delim @ (b'-' | b'/' | b'.')) => {
                    text.push(delim as char);
                    i += 1;
                    if b.get(i).is_some_and(u8::is_ascii_digit) {
                        let mut k = if delim == b'.' {
                            FieldKind::Number
                        } else {
                            FieldKind::Date
                        };
                        while i < b.len() && b[i].is_ascii_digit() {
                            text.push(b[i] as char);
                            i += 1;
                        }
                        if b.get(i) == Some(&delim) {
                            k = FieldKind::Date;
                            while i < b.len() && (b[i].is_ascii_digit() || b[i] == delim) {
                                text.push(b[i] as char);
                                i += 1;
                            }
                        }
                        kind = k;
                    } else {
                        kind = FieldKind::Date;
                        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == delim) {
                            text.push(lower(b[i]));
                            i += 1;
                        }
                    }
                }
                _ => kind = FieldKind::Number,
            }
        } else if c == b'.' {
            text.push('.');
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                text.push(b[i] as char);
                i += 1;
            }
            kind = FieldKind::Number;
        } else if c.is_ascii_alphabetic() {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                text.push(lower(b[i]));
                i += 1;
            }
            let mut is_date = false;
            match b.get(i) {
                Some(b'-' | b'/' | b'.') => is_date = true,
                Some(&n) if n == b'+' || n.is_ascii_digit() => is_date = !is_core_keyword(&text),
                _ => {}
            }
            if is_date {
                while let Some(&n) = b.get(i) {
                    text.push(lower(n));
                    i += 1;
                    match b.get(i) {
                        Some(&n)
                            if matches!(n, b'+' | b'-' | b'/' | b'_' | b'.' | b':')
                                || n.is_ascii_alphanumeric() => {}
                        _ => break,
                    }
                }
                kind = FieldKind::Date;
            } else {
                kind = FieldKind::Str;
            }
        } else if c == b'+' || c == b'-' {
            text.push(c as char);
            i += 1;
            while i < b.len() && is_c_space(b[i]) {
                i += 1;
            }
            match b.get(i) {
                Some(n) if n.is_ascii_digit() => {
                    kind = FieldKind::Tz;
                    while i < b.len()
                        && (b[i].is_ascii_digit() || matches!(b[i], b':' | b'.' | b'-'))
                    {
                        text.push(b[i] as char);
                        i += 1;
                    }
                }
                Some(n) if n.is_ascii_alphabetic() => {
                    kind = FieldKind::Special;
                    while i < b.len() && b[i].is_ascii_alphabetic() {
                        text.push(lower(b[i]));
                        i += 1;
                    }
                }
                _ => return Err(()),
            }
        } else if c.is_ascii_punctuation() {
            i += 1;
            continue;
        } else {
            return Err(());
        }
        fields.push(Field { text, kind });
    }
    Ok(fields)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reserved {
    Now,
    Today,
    Tomorrow,
    Yesterday,
    Zulu,
    Epoch,
    Late,
    Early,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Word {
    Reserved(Reserved),
    Month(i64),
    Dow,
    Am,
    Pm,
    Ad,
    Bc,
    /// A fixed-offset zone abbreviation, seconds east of UTC.
    Zone(i64),
    IsoTime,
    Ignore,
    Unknown,
}

pub fn special_word(w: &str) -> Word {
    use Reserved::*;
    let month = |m| Word::Month(m);
    match w {
        "now" => Word::Reserved(Now),
        "today" => Word::Reserved(Today),
        "tomorrow" => Word::Reserved(Tomorrow),
        "yesterday" => Word::Reserved(Yesterday),
        "allballs" => Word::Reserved(Zulu),
        "epoch" => Word::Reserved(Epoch),
        "infinity" | "+infinity" => Word::Reserved(Late),
        "-infinity" => Word::Reserved(Early),
        "jan" | "january" => month(1),
        "feb" | "february" => month(2),
        "mar" | "march" => month(3),
        "apr" | "april" => month(4),
        "may" => month(5),
        "jun" | "june" => month(6),
        "jul" | "july" => month(7),
        "aug" | "august" => month(8),
        "sep" | "sept" | "september" => month(9),
        "oct" | "october" => month(10),
        "nov" | "november" => month(11),
        "dec" | "december" => month(12),
        "sun" | "sunday" | "mon" | "monday" | "tue" | "tues" | "tuesday" | "wed" | "wednesday"
        | "thu" | "thur" | "thurs" | "thursday" | "fri" | "friday" | "sat" | "saturday" => {
            Word::Dow
        }
        "am" => Word::Am,
        "pm" => Word::Pm,
        "ad" => Word::Ad,
        "bc" => Word::Bc,
        "t" => Word::IsoTime,
        "on" | "at" => Word::Ignore,
        "utc" | "gmt" | "ut" | "z" | "zulu" => Word::Zone(0),
        "est" => Word::Zone(-5 * 3600),
        "edt" => Word::Zone(-4 * 3600),
        "cst" => Word::Zone(-6 * 3600),
        "cdt" => Word::Zone(-5 * 3600),
        "mst" => Word::Zone(-7 * 3600),
        "mdt" => Word::Zone(-6 * 3600),
        "pst" => Word::Zone(-8 * 3600),
        "pdt" => Word::Zone(-7 * 3600),
        "cet" => Word::Zone(3600),
        "cest" => Word::Zone(2 * 3600),
        "eet" => Word::Zone(2 * 3600),
        "eest" => Word::Zone(3 * 3600),
        "jst" => Word::Zone(9 * 3600),
        _ => Word::Unknown,
    }
}
