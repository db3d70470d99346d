//! String functions (on `text`, and on `bytea` where PostgreSQL has the overload), with
//! PostgreSQL's edge cases: 1-based character positions, negative lengths, empty
//! separators, its length limits (54000) and substring errors (22011).

use super::{arg, int_arg, integer_out_of_range, pg_error, text_arg, wrong_type, ScalarFunc};
use crate::error::Result;
use crate::types::Value;

/// PostgreSQL's `MaxAllocSize`: no string value may take more bytes (with its header).
const MAX_ALLOC: i64 = 0x3fff_ffff;

fn text(s: String) -> Value {
    Value::Text(s)
}

fn int4(n: usize) -> Result<Value> {
    i32::try_from(n)
        .map(Value::Int4)
        .map_err(|_| integer_out_of_range())
}

fn too_long() -> crate::error::EngineError {
    pg_error("54000", "requested length too large".into())
}

fn negative_length() -> crate::error::EngineError {
    pg_error("22011", "negative substring length not allowed".into())
}

pub(super) fn call(f: ScalarFunc, args: &[Value]) -> Result<Value> {
    use ScalarFunc as F;
    let first = arg(args, 0)?;
    Ok(match f {
        F::Length => match first {
            Value::Text(s) => int4(s.chars().count())?,
            Value::Bytea(b) => int4(b.len())?,
            _ => return Err(wrong_type()),
        },
        F::BpcharLength => int4(text_arg(args, 0)?.trim_end_matches(' ').chars().count())?,
        F::OctetLength | F::BitLength => {
            let n = match first {
                Value::Text(s) => s.len(),
                Value::Bytea(b) => b.len(),
                _ => return Err(wrong_type()),
            };
            int4(if f == F::BitLength { n * 8 } else { n })?
        }
        F::Lower => text(map_chars(text_arg(args, 0)?, char::to_lowercase)),
        F::Upper => text(map_chars(text_arg(args, 0)?, char::to_uppercase)),
        F::Initcap => text(initcap(text_arg(args, 0)?)),
        F::BpcharToText => text(text_arg(args, 0)?.trim_end_matches(' ').to_string()),
        F::Substr => {
            let start = int_arg(args, 1)?;
            let len = match args.get(2) {
                Some(_) => Some(int_arg(args, 2)?),
                None => None,
            };
            match first {
                Value::Text(s) => {
                    let chars: Vec<char> = s.chars().collect();
                    let (a, b) = substr_range(chars.len(), start, len)?;
                    text(chars[a..b].iter().collect())
                }
                Value::Bytea(bytes) => {
                    let (a, b) = substr_range(bytes.len(), start, len)?;
                    Value::Bytea(bytes[a..b].to_vec())
                }
                _ => return Err(wrong_type()),
            }
        }
        F::StrPos => match (first, arg(args, 1)?) {
            (Value::Text(s), Value::Text(sub)) => match s.find(sub.as_str()) {
                Some(at) => int4(s[..at].chars().count() + 1)?,
                None => Value::Int4(0),
            },
            (Value::Bytea(s), Value::Bytea(sub)) => {
                if sub.is_empty() {
                    Value::Int4(1)
                } else {
                    match s.windows(sub.len()).position(|w| w == sub.as_slice()) {
                        Some(at) => int4(at + 1)?,
                        None => Value::Int4(0),
                    }
                }
            }
            _ => return Err(wrong_type()),
        },
        F::BTrim | F::LTrim | F::RTrim => {
            let (left, right) = (f != F::RTrim, f != F::LTrim);
            match (first, args.get(1)) {
                (Value::Text(s), None) => text(trim(s, &[' '], left, right)),
                (Value::Text(s), Some(Value::Text(set))) => {
                    let set: Vec<char> = set.chars().collect();
                    text(trim(s, &set, left, right))
                }
                (Value::Bytea(b), Some(Value::Bytea(set))) => {
                    let mut a = 0;
                    let mut z = b.len();
                    while left && a < z && set.contains(&b[a]) {
                        a += 1;
                    }
                    while right && z > a && set.contains(&b[z - 1]) {
                        z -= 1;
                    }
                    Value::Bytea(b[a..z].to_vec())
                }
                _ => return Err(wrong_type()),
            }
        }
        F::Replace => {
            let (s, from, to) = (text_arg(args, 0)?, text_arg(args, 1)?, text_arg(args, 2)?);
            if from.is_empty() {
                text(s.to_string())
            } else {
                let n = s.matches(from).count() as i64;
                let grown = (to.len() as i64 - from.len() as i64) * n;
                if s.len() as i64 + grown > MAX_ALLOC {
                    return Err(too_long());
                }
                text(s.replace(from, to))
            }
        }
        F::Translate => {
            let s = text_arg(args, 0)?;
            let from: Vec<char> = text_arg(args, 1)?.chars().collect();
            let to: Vec<char> = text_arg(args, 2)?.chars().collect();
            text(
                s.chars()
                    .filter_map(|c| match from.iter().position(|&x| x == c) {
                        Some(i) => to.get(i).copied(),
                        None => Some(c),
                    })
                    .collect(),
            )
        }
        F::Overlay => overlay(args)?,
        F::Concat => text(args.iter().filter_map(Value::to_text).collect()),
        F::ConcatWs => match first {
            Value::Null => Value::Null,
            sep => {
                let sep = sep.to_text().unwrap_or_default();
                let parts: Vec<String> = args[1..].iter().filter_map(Value::to_text).collect();
                text(parts.join(&sep))
            }
        },
        F::Left | F::Right => {
            let chars: Vec<char> = text_arg(args, 0)?.chars().collect();
            let n = int_arg(args, 1)?;
            let len = chars.len() as i64;
            // How many characters to keep: n, or all but |n| when n is negative.
            let keep = (if n >= 0 { n } else { len + n }).clamp(0, len) as usize;
            let part = if f == F::Left {
                &chars[..keep]
            } else {
                &chars[chars.len() - keep..]
            };
            text(part.iter().collect())
        }
        F::Repeat => {
            let s = text_arg(args, 0)?;
            let count = int_arg(args, 1)?.max(0);
            if (s.len() as i64).saturating_mul(count) + 4 > MAX_ALLOC {
                return Err(too_long());
            }
            text(s.repeat(count as usize))
        }
        F::Reverse => text(text_arg(args, 0)?.chars().rev().collect()),
        F::LPad | F::RPad => pad(f == F::LPad, args)?,
        F::SplitPart => {
            let (s, sep, n) = (text_arg(args, 0)?, text_arg(args, 1)?, int_arg(args, 2)?);
            if n == 0 {
                return Err(pg_error("22023", "field position must not be zero".into()));
            }
            if s.is_empty() {
                text(String::new())
            } else if sep.is_empty() {
                text(if n == 1 || n == -1 { s } else { "" }.to_string())
            } else {
                let fields: Vec<&str> = s.split(sep).collect();
                let idx = if n > 0 {
                    n - 1
                } else {
                    fields.len() as i64 + n
                };
                let field = usize::try_from(idx).ok().and_then(|i| fields.get(i));
                text(field.copied().unwrap_or("").to_string())
            }
        }
        F::StartsWith => Value::Bool(text_arg(args, 0)?.starts_with(text_arg(args, 1)?)),
        F::Md5 => {
            let digest = match first {
                Value::Text(s) => md5(s.as_bytes()),
                Value::Bytea(b) => md5(b),
                _ => return Err(wrong_type()),
            };
            text(digest.iter().map(|b| format!("{b:02x}")).collect())
        }
        F::Chr => text(chr(int_arg(args, 0)?)?.to_string()),
        F::Ascii => Value::Int4(text_arg(args, 0)?.chars().next().map_or(0, |c| c as i32)),
        F::QuoteLiteral => text(quote_literal(text_arg(args, 0)?)),
        F::QuoteIdent => text(quote_ident(text_arg(args, 0)?)),
        F::Format => match first {
            Value::Null => Value::Null,
            _ => text(super::format::format(text_arg(args, 0)?, &args[1..])?),
        },
        F::ToHex => match first {
            Value::Int4(v) => text(format!("{:x}", *v as u32)),
            Value::Int8(v) => text(format!("{:x}", *v as u64)),
            _ => return Err(wrong_type()),
        },
        _ => return Err(wrong_type()),
    })
}

/// `quote_literal`: single quotes doubled; with backslashes, an `E'...'` literal.
pub(super) fn quote_literal(s: &str) -> String {
    let quoted = s.replace('\'', "''");
    if s.contains('\\') {
        format!("E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    }
}

/// PostgreSQL 15's keywords other than the unreserved ones: identifiers spelled like these
/// must be quoted.
const NON_UNRESERVED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// `quote_ident`: double-quoted unless it is a lower-case identifier that is no keyword.
pub(super) fn quote_ident(s: &str) -> String {
    let safe = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !NON_UNRESERVED_KEYWORDS.contains(&s);
    if safe {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// Maps each character through a case mapping, keeping characters whose mapping is not a
/// single character (as the C library's `towupper` / `towlower` do).
fn map_chars<I: Iterator<Item = char> + ExactSizeIterator>(s: &str, f: fn(char) -> I) -> String {
    s.chars()
        .map(|c| {
            let mut m = f(c);
            match (m.len(), m.next()) {
                (1, Some(x)) => x,
                _ => c,
            }
        })
        .collect()
}

fn one_char<I: Iterator<Item = char> + ExactSizeIterator>(c: char, f: fn(char) -> I) -> char {
    let mut m = f(c);
    match (m.len(), m.next()) {
        (1, Some(x)) => x,
        _ => c,
    }
}

/// `initcap`: upper case after a non-alphanumeric character, lower case elsewhere.
fn initcap(s: &str) -> String {
    let mut was_alnum = false;
    s.chars()
        .map(|c| {
            let out = if was_alnum {
                one_char(c, char::to_lowercase)
            } else {
                one_char(c, char::to_uppercase)
            };
            was_alnum = out.is_alphanumeric();
            out
        })
        .collect()
}

/// The range `substr(s, start[, len])` keeps of a string of `n` characters (or bytes).
fn substr_range(n: usize, start: i64, len: Option<i64>) -> Result<(usize, usize)> {
    let from = (start.max(1) - 1) as usize;
    let end = match len {
        None => n,
        Some(l) if l < 0 => return Err(negative_length()),
        Some(l) => {
            let e = start + l;
            if e < 1 {
                return Ok((0, 0));
            }
            ((e - 1) as usize).min(n)
        }
    };
    let from = from.min(n);
    Ok((from, end.max(from)))
}

fn trim(s: &str, set: &[char], left: bool, right: bool) -> String {
    let mut t = s;
    if left {
        t = t.trim_start_matches(|c| set.contains(&c));
    }
    if right {
        t = t.trim_end_matches(|c| set.contains(&c));
    }
    t.to_string()
}

/// `overlay(s placing r from start [for count])`.
fn overlay(args: &[Value]) -> Result<Value> {
    let start = int_arg(args, 2)?;
    if start <= 0 {
        return Err(negative_length());
    }
    let placing = arg(args, 1)?;
    let count = match args.get(3) {
        Some(_) => int_arg(args, 3)?,
        None => match placing {
            Value::Text(r) => r.chars().count() as i64,
            Value::Bytea(r) => r.len() as i64,
            _ => return Err(wrong_type()),
        },
    };
    let rest = start + count;
    if i32::try_from(rest).is_err() {
        return Err(integer_out_of_range());
    }
    match (arg(args, 0)?, placing) {
        (Value::Text(s), Value::Text(r)) => {
            let chars: Vec<char> = s.chars().collect();
            let (a, b) = substr_range(chars.len(), 1, Some(start - 1))?;
            let (c, d) = substr_range(chars.len(), rest, None)?;
            let mut out: String = chars[a..b].iter().collect();
            out.push_str(r);
            out.extend(&chars[c..d]);
            Ok(Value::Text(out))
        }
        (Value::Bytea(s), Value::Bytea(r)) => {
            let (a, b) = substr_range(s.len(), 1, Some(start - 1))?;
            let (c, d) = substr_range(s.len(), rest, None)?;
            let mut out = s[a..b].to_vec();
            out.extend_from_slice(r);
            out.extend_from_slice(&s[c..d]);
            Ok(Value::Bytea(out))
        }
        _ => Err(wrong_type()),
    }
}

/// `lpad` / `rpad`: pads with `fill` (default a space) or truncates to `len` characters.
fn pad(left: bool, args: &[Value]) -> Result<Value> {
    let s: Vec<char> = text_arg(args, 0)?.chars().collect();
    let mut len = int_arg(args, 1)?.max(0);
    let fill: Vec<char> = match args.get(2) {
        Some(_) => text_arg(args, 2)?.chars().collect(),
        None => vec![' '],
    };
    let keep = (s.len() as i64).min(len) as usize;
    if fill.is_empty() {
        len = keep as i64;
    }
    // Worst case of four bytes a character, as PostgreSQL checks.
    if len * 4 + 4 > MAX_ALLOC {
        return Err(too_long());
    }
    let padding: String = fill.iter().cycle().take(len as usize - keep).collect();
    let body: String = s[..keep].iter().collect();
    Ok(Value::Text(if left {
        padding + &body
    } else {
        body + &padding
    }))
}

fn chr(code: i64) -> Result<char> {
    if code < 0 {
        return Err(pg_error(
            "22023",
            "character number must be positive".into(),
        ));
    }
    if code == 0 {
        return Err(pg_error("54000", "null character not permitted".into()));
    }
    if code > 0x10ffff {
        return Err(pg_error(
            "54000",
            format!("requested character too large for encoding: {code}"),
        ));
    }
    char::from_u32(code as u32).ok_or_else(|| {
        pg_error(
            "54000",
            format!("requested character not valid for encoding: {code}"),
        )
    })
}

/// The MD5 digest (RFC 1321).
fn md5(input: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i: i32| ((f64::from(i + 1)).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut msg = input.to_vec();
    let bit_len = (input.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_le_bytes());
    let mut h: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    for chunk in msg.chunks_exact(64) {
        let m: Vec<u32> = chunk
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = h;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        h[0] = h[0].wrapping_add(a);
        h[1] = h[1].wrapping_add(b);
        h[2] = h[2].wrapping_add(c);
        h[3] = h[3].wrapping_add(d);
    }
    let mut out = [0u8; 16];
    for (i, w) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
    }
    out
}
