//! The `bytea` functions: `encode` / `decode` in the hex, base64 and escape formats,
//! `sha224` .. `sha512`, `get_byte` / `set_byte`, and `convert_to` / `convert_from`, with
//! PostgreSQL 15's output (base64 lines of 76 characters) and errors.

use super::{arg, int_arg, pg_error, text_arg, wrong_type, ScalarFunc};
use crate::error::{EngineError, Result};
use crate::types::Value;
use base64::Engine as _;
use sha2::Digest;

fn bytea_arg(args: &[Value], i: usize) -> Result<&[u8]> {
    match arg(args, i)? {
        Value::Bytea(b) => Ok(b),
        _ => Err(wrong_type()),
    }
}

pub(super) fn call(f: ScalarFunc, args: &[Value]) -> Result<Value> {
    use ScalarFunc as F;
    Ok(match f {
        F::Encode => {
            let data = bytea_arg(args, 0)?;
            Value::Text(match format(text_arg(args, 1)?)? {
                Format::Hex => data.iter().map(|b| format!("{b:02x}")).collect(),
                Format::Base64 => base64_encode(data),
                Format::Escape => escape_encode(data),
            })
        }
        F::Decode => {
            let data = text_arg(args, 0)?;
            Value::Bytea(match format(text_arg(args, 1)?)? {
                Format::Hex => hex_decode(data)?,
                Format::Base64 => base64_decode(data)?,
                Format::Escape => escape_decode(data)?,
            })
        }
        F::Sha224 => Value::Bytea(sha2::Sha224::digest(bytea_arg(args, 0)?).to_vec()),
        F::Sha256 => Value::Bytea(sha2::Sha256::digest(bytea_arg(args, 0)?).to_vec()),
        F::Sha384 => Value::Bytea(sha2::Sha384::digest(bytea_arg(args, 0)?).to_vec()),
        F::Sha512 => Value::Bytea(sha2::Sha512::digest(bytea_arg(args, 0)?).to_vec()),
        F::GetByte => {
            let data = bytea_arg(args, 0)?;
            let i = byte_index(data, int_arg(args, 1)?)?;
            Value::Int4(i32::from(data[i]))
        }
        F::SetByte => {
            let mut data = bytea_arg(args, 0)?.to_vec();
            let i = byte_index(&data, int_arg(args, 1)?)?;
            // byteaSetByte stores the low 8 bits of the new value.
            data[i] = int_arg(args, 2)? as u8;
            Value::Bytea(data)
        }
        F::ConvertTo => {
            let s = text_arg(args, 0)?;
            match encoding(text_arg(args, 1)?, "destination")? {
                Encoding::Utf8 | Encoding::SqlAscii => Value::Bytea(s.as_bytes().to_vec()),
                Encoding::Latin1 => Value::Bytea(to_latin1(s)?),
            }
        }
        F::ConvertFrom => {
            let b = bytea_arg(args, 0)?;
            match encoding(text_arg(args, 1)?, "source")? {
                Encoding::Utf8 | Encoding::SqlAscii => Value::Text(utf8(b)?),
                Encoding::Latin1 => {
                    if b.contains(&0) {
                        return Err(invalid_utf8(&[0]));
                    }
                    Value::Text(b.iter().map(|&c| char::from(c)).collect())
                }
            }
        }
        _ => return Err(wrong_type()),
    })
}

/// Whether `f` is evaluated here.
pub(super) fn is_bytea_func(f: ScalarFunc) -> bool {
    use ScalarFunc as F;
    matches!(
        f,
        F::Encode
            | F::Decode
            | F::Sha224
            | F::Sha256
            | F::Sha384
            | F::Sha512
            | F::GetByte
            | F::SetByte
            | F::ConvertTo
            | F::ConvertFrom
    )
}

enum Format {
    Hex,
    Base64,
    Escape,
}

/// The format of `encode` / `decode` (its name as written, compared case-insensitively).
fn format(name: &str) -> Result<Format> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "hex" => Format::Hex,
        "base64" => Format::Base64,
        "escape" => Format::Escape,
        _ => {
            return Err(EngineError::InvalidParameterValue {
                message: format!("unrecognized encoding: \"{name}\""),
            })
        }
    })
}

/// An index into the bytes, or PostgreSQL's 2202E.
fn byte_index(data: &[u8], n: i64) -> Result<usize> {
    usize::try_from(n)
        .ok()
        .filter(|&i| i < data.len())
        .ok_or_else(|| {
            pg_error(
                "2202E",
                format!("index {n} out of valid range, 0..{}", data.len() as i64 - 1),
            )
        })
}

/// `pg_base64_encode`: standard alphabet with padding, a newline after every 76 characters.
fn base64_encode(data: &[u8]) -> String {
    let flat = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = String::with_capacity(flat.len() + flat.len() / 76);
    for (i, c) in flat.chars().enumerate() {
        if i > 0 && i % 76 == 0 {
            out.push('\n');
        }
        out.push(c);
    }
    out
}

fn b64_value(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// `pg_base64_decode`: whitespace is skipped; `=` only at the end; PostgreSQL's errors.
fn base64_decode(s: &str) -> Result<Vec<u8>> {
    let invalid = |message: String| EngineError::InvalidParameterValue { message };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut buf, mut pos, mut end) = (0u32, 0u32, 0u32);
    for (i, ch) in s.char_indices() {
        let c = s.as_bytes()[i];
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            continue;
        }
        let mut b = 0;
        if c == b'=' {
            // `=` may end a quantum after two or three symbols.
            if end == 0 {
                end = match pos {
                    2 => 1,
                    3 => 2,
                    _ => {
                        return Err(invalid(
                            "unexpected \"=\" while decoding base64 sequence".into(),
                        ))
                    }
                };
            }
        } else {
            b = match b64_value(c) {
                Some(v) => v,
                None => {
                    return Err(invalid(format!(
                        "invalid symbol \"{ch}\" found while decoding base64 sequence"
                    )))
                }
            };
        }
        buf = (buf << 6) + b;
        pos += 1;
        if pos == 4 {
            out.push((buf >> 16) as u8);
            if end == 0 || end > 1 {
                out.push((buf >> 8) as u8);
            }
            if end == 0 || end > 2 {
                out.push(buf as u8);
            }
            buf = 0;
            pos = 0;
        }
    }
    if pos != 0 {
        return Err(pg_error_hint(
            "invalid base64 end sequence",
            "Input data is missing padding, is truncated, or is otherwise corrupted.",
        ));
    }
    Ok(out)
}

/// A 22023 error with a HINT (and no DETAIL).
fn pg_error_hint(message: &str, hint: &str) -> EngineError {
    EngineError::Detailed {
        code: "22023",
        message: message.into(),
        detail: String::new(),
        hint: Some(hint.into()),
    }
}

/// `hex_decode`: digit pairs, whitespace skipped between pairs.
fn hex_decode(s: &str) -> Result<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 2);
    let digit = |i: usize| -> Result<u8> {
        let c = b[i];
        (c as char).to_digit(16).map(|d| d as u8).ok_or_else(|| {
            EngineError::InvalidParameterValue {
                message: format!(
                    "invalid hexadecimal digit: \"{}\"",
                    s[i..].chars().next().unwrap_or(c as char)
                ),
            }
        })
    };
    let mut i = 0;
    while i < b.len() {
        if matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
            continue;
        }
        let hi = digit(i)?;
        if i + 1 >= b.len() {
            return Err(EngineError::InvalidParameterValue {
                message: "invalid hexadecimal data: odd number of digits".into(),
            });
        }
        let lo = digit(i + 1)?;
        out.push(hi << 4 | lo);
        i += 2;
    }
    Ok(out)
}

/// `esc_enc`: NUL and bytes above 0x7F as `\ooo`, the backslash doubled.
fn escape_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len());
    for &c in data {
        match c {
            b'\\' => out.push_str("\\\\"),
            0 | 0x80..=0xFF => out.push_str(&format!("\\{c:03o}")),
            c => out.push(char::from(c)),
        }
    }
    out
}

/// `esc_dec`: as the escape format of bytea input (22P02 on a bad escape).
fn escape_decode(s: &str) -> Result<Vec<u8>> {
    Ok(crate::types::parse_bytea_escape(s.as_bytes())?)
}

enum Encoding {
    Utf8,
    Latin1,
    SqlAscii,
}

/// The server encodings PostgreSQL knows besides the ones converted here (`pg_enc2name`),
/// as `clean_encoding_name` spells them.
const OTHER_ENCODINGS: &[&str] = &[
    "eucjp",
    "euccn",
    "euckr",
    "euctw",
    "eucjis2004",
    "mulecode",
    "latin2",
    "latin3",
    "latin4",
    "latin5",
    "latin6",
    "latin7",
    "latin8",
    "latin9",
    "latin10",
    "win1256",
    "win1258",
    "win866",
    "win874",
    "koi8r",
    "win1251",
    "win1252",
    "iso88595",
    "iso88596",
    "iso88597",
    "iso88598",
    "win1250",
    "win1253",
    "win1254",
    "win1255",
    "win1257",
    "koi8u",
    "sjis",
    "big5",
    "gbk",
    "uhc",
    "gb18030",
    "johab",
    "shiftjis2004",
];

/// An encoding name as `pg_char_to_encoding` reads it (case and punctuation ignored).
fn encoding(name: &str, which: &str) -> Result<Encoding> {
    let clean: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Ok(match clean.as_str() {
        "utf8" | "unicode" => Encoding::Utf8,
        "latin1" | "iso88591" => Encoding::Latin1,
        "sqlascii" => Encoding::SqlAscii,
        c if OTHER_ENCODINGS.contains(&c) => {
            return Err(EngineError::FeatureNotSupported {
                feature: format!("conversion between UTF8 and {}", name.to_uppercase()),
            })
        }
        _ => {
            return Err(EngineError::InvalidParameterValue {
                message: format!("invalid {which} encoding name \"{name}\""),
            })
        }
    })
}

/// The error for an invalid UTF-8 sequence starting with `bad` (22021, with its bytes).
fn invalid_utf8(bad: &[u8]) -> EngineError {
    let bytes: Vec<String> = bad.iter().map(|b| format!("0x{b:02x}")).collect();
    pg_error(
        "22021",
        format!(
            "invalid byte sequence for encoding \"UTF8\": {}",
            bytes.join(" ")
        ),
    )
}

/// Bytes checked to be UTF-8 without NUL (`pg_verify_mbstr`).
fn utf8(b: &[u8]) -> Result<String> {
    match std::str::from_utf8(b) {
        Ok(s) if !s.contains('\0') => Ok(s.to_string()),
        Ok(_) => Err(invalid_utf8(&[0])),
        Err(e) => {
            let at = e.valid_up_to();
            // report_invalid_encoding shows the character's length in bytes (pg_utf_mblen).
            let len = match b[at] {
                c if c & 0xe0 == 0xc0 => 2,
                c if c & 0xf0 == 0xe0 => 3,
                c if c & 0xf8 == 0xf0 => 4,
                _ => 1,
            };
            let prefix = &b[..at];
            if prefix.contains(&0) {
                return Err(invalid_utf8(&[0]));
            }
            Err(invalid_utf8(&b[at..(at + len).min(b.len())]))
        }
    }
}

/// Text as LATIN1 bytes (22P05 for a character LATIN1 lacks).
fn to_latin1(s: &str) -> Result<Vec<u8>> {
    s.chars()
        .map(|c| {
            u8::try_from(u32::from(c)).map_err(|_| {
                let mut buf = [0u8; 4];
                let bytes: Vec<String> = c
                    .encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("0x{b:02x}"))
                    .collect();
                pg_error(
                    "22P05",
                    format!(
                        "character with byte sequence {} in encoding \"UTF8\" has no equivalent in encoding \"LATIN1\"",
                        bytes.join(" ")
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_wraps_lines() {
        let data: Vec<u8> = (0..=255u8).collect();
        let enc = base64_encode(&data);
        assert!(enc.lines().all(|l| l.len() <= 76));
        assert_eq!(enc.lines().next().map(str::len), Some(76));
        assert_eq!(base64_decode(&enc).unwrap(), data);
        assert_eq!(base64_decode("YWJj\n ZA==").unwrap(), b"abcd");
        assert!(base64_decode("YWJjZ").is_err());
        // As PostgreSQL: a symbol after `=` is taken (the quantum's end was set by `=`).
        assert_eq!(base64_decode("YW=j").unwrap(), b"a");
        assert!(base64_decode("Y===").is_err());
        assert!(base64_decode("YWJ*").is_err());
    }

    #[test]
    fn hex_and_escape_decode_as_postgresql() {
        assert_eq!(
            hex_decode("de ad\nBEEF").unwrap(),
            vec![0xde, 0xad, 0xbe, 0xef]
        );
        assert!(hex_decode("abc").is_err());
        assert!(hex_decode("zz").is_err());
        assert_eq!(escape_encode(b"a\\b\0\xff"), "a\\\\b\\000\\377");
        assert_eq!(escape_decode("a\\\\b\\000\\377").unwrap(), b"a\\b\0\xff");
        assert!(escape_decode("\\9").is_err());
    }

    #[test]
    fn utf8_checks_report_the_bad_bytes() {
        assert_eq!(utf8(b"h\xc3\xa9").unwrap(), "hé");
        let e = utf8(b"a\xff").unwrap_err();
        assert!(e.to_string().ends_with("0xff"), "{e}");
        assert!(utf8(b"a\0").is_err());
        assert_eq!(to_latin1("é").unwrap(), vec![0xe9]);
        assert!(to_latin1("€").is_err());
    }
}
