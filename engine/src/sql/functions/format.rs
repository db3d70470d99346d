//! `format(formatstr, args...)`: PostgreSQL's `%[position$][flags][width]type` with the
//! types `s` (the value's text), `I` (an identifier, quoted as needed) and `L` (a literal,
//! `NULL` for NULL), and `%%`.

use super::pg_error;
use super::string::{quote_ident, quote_literal};
use crate::error::{EngineError, Result};
use crate::types::Value;

/// The most bytes a text value may take (PostgreSQL's `MaxAllocSize`).
const MAX_ALLOC: usize = 0x3fff_ffff;

fn bad(message: &str) -> EngineError {
    pg_error("22023", message.to_string())
}

/// Reads a decimal number at `chars[*i..]`, if one is there.
fn number(chars: &[char], i: &mut usize) -> Result<Option<usize>> {
    let start = *i;
    while *i < chars.len() && chars[*i].is_ascii_digit() {
        *i += 1;
    }
    if *i == start {
        return Ok(None);
    }
    let digits: String = chars[start..*i].iter().collect();
    digits
        .parse::<usize>()
        .ok()
        .filter(|n| *n <= i32::MAX as usize)
        .map(Some)
        .ok_or_else(|| bad("number is out of range"))
}

pub(super) fn format(fmt: &str, args: &[Value]) -> Result<String> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut next = 0usize; // the next argument for a specifier without a position
    let mut i = 0usize;
    let unterminated = || bad("unterminated format() type specifier");
    let arg = |n: usize| -> Result<&Value> {
        args.get(n)
            .ok_or_else(|| bad("too few arguments for format()"))
    };
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        if i >= chars.len() {
            return Err(unterminated());
        }
        if chars[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        // An argument position `n$`.
        let save = i;
        let mut position = None;
        if let Some(n) = number(&chars, &mut i)? {
            if chars.get(i) == Some(&'$') {
                if n == 0 {
                    return Err(bad(
                        "format specifies argument 0, but arguments are numbered from 1",
                    ));
                }
                position = Some(n - 1);
                i += 1;
            } else {
                i = save;
            }
        }
        let mut left = false;
        while chars.get(i) == Some(&'-') {
            left = true;
            i += 1;
        }
        // A width: digits, or `*` / `*n$` taking it from an argument.
        let mut width: Option<i64> = None;
        if chars.get(i) == Some(&'*') {
            i += 1;
            let save = i;
            let from = match number(&chars, &mut i)? {
                Some(n) if chars.get(i) == Some(&'$') => {
                    i += 1;
                    if n == 0 {
                        return Err(bad(
                            "format specifies argument 0, but arguments are numbered from 1",
                        ));
                    }
                    n - 1
                }
                _ => {
                    i = save;
                    let n = next;
                    next += 1;
                    n
                }
            };
            width = match arg(from)? {
                Value::Null => None,
                Value::Int2(v) => Some(i64::from(*v)),
                Value::Int4(v) => Some(i64::from(*v)),
                Value::Int8(v) => Some(*v),
                v => Some(
                    v.to_text()
                        .and_then(|t| t.trim().parse::<i64>().ok())
                        .ok_or_else(|| bad("width argument must be an integer"))?,
                ),
            };
        } else if let Some(n) = number(&chars, &mut i)? {
            width = Some(n as i64);
        }
        let Some(&kind) = chars.get(i) else {
            return Err(unterminated());
        };
        i += 1;
        let n = match position {
            Some(p) => {
                next = p + 1;
                p
            }
            None => {
                next += 1;
                next - 1
            }
        };
        let v = arg(n)?;
        let piece = match kind {
            's' => v.to_text().unwrap_or_default(),
            'L' => match v.to_text() {
                Some(t) => quote_literal(&t),
                None => "NULL".to_string(),
            },
            'I' => match v.to_text() {
                Some(t) => quote_ident(&t),
                None => {
                    return Err(pg_error(
                        "22004",
                        "null values cannot be formatted as an SQL identifier".into(),
                    ))
                }
            },
            c => {
                return Err(bad(&format!(
                    "unrecognized format() type specifier \"{c}\""
                )))
            }
        };
        let mut w = width.unwrap_or(0);
        if w < 0 {
            left = true;
            w = -w;
        }
        let pad = (w as usize).saturating_sub(piece.chars().count());
        if out.len() + pad + piece.len() > MAX_ALLOC {
            return Err(pg_error("54000", "out of memory".into()));
        }
        if left {
            out.push_str(&piece);
            out.push_str(&" ".repeat(pad));
        } else {
            out.push_str(&" ".repeat(pad));
            out.push_str(&piece);
        }
    }
    Ok(out)
}
