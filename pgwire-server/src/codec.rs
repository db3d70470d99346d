//! Values on the wire: the engine's types as PostgreSQL type OIDs, result values in text and
//! binary format (DataRow), and Bind parameters decoded from text or binary into engine values.
//! Binary layouts follow PostgreSQL's `*send`/`*recv` functions (dates and timestamps count
//! from 2000-01-01 as the engine does; numeric is base-10000 digits).

use bytes::{BufMut, BytesMut};
use engine::{DataType, Value};
use pgwire::api::Type;
use pgwire::messages::data::DataRow;

/// The wire format of one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Binary,
}

impl Format {
    /// The format a Bind message's code list gives position `i` (a list of length 0 means all
    /// text, of length 1 means that code for all). Codes other than 0 and 1 are an error.
    pub fn pick(codes: &[i16], i: usize) -> Result<Format, WireError> {
        let code = match codes {
            [] => 0,
            [one] => *one,
            many => many.get(i).copied().unwrap_or(0),
        };
        match code {
            0 => Ok(Format::Text),
            1 => Ok(Format::Binary),
            other => Err(WireError::new(
                "22023",
                format!("unsupported format code: {other}"),
            )),
        }
    }

    pub fn code(self) -> i16 {
        match self {
            Format::Text => 0,
            Format::Binary => 1,
        }
    }
}

/// An error found in a client's message, with its SQLSTATE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    pub code: &'static str,
    pub message: String,
}

impl WireError {
    pub fn new(code: &'static str, message: impl Into<String>) -> WireError {
        WireError {
            code,
            message: message.into(),
        }
    }
}

/// The postgres-types `Type` for an engine type (its OID; a user type's own OID and name).
pub fn pg_type(ty: &DataType) -> Type {
    // A domain is described as its base type (PostgreSQL's getBaseType).
    if let DataType::Domain(d) = ty {
        return pg_type(&d.base);
    }
    Type::from_oid(ty.oid()).unwrap_or_else(|| {
        Type::new(
            ty.typname().into_owned(),
            ty.oid(),
            postgres_types::Kind::Simple,
            "public".into(),
        )
    })
}

/// The engine type for a parameter type OID a client declared; 0 means "infer it".
pub fn datatype_for_oid(oid: u32) -> Option<DataType> {
    if oid == 0 {
        return Some(DataType::Unknown);
    }
    DataType::from_oid(oid, -1)
}

/// Encodes one result row; `formats[i]` is column i's format.
pub fn encode_row(values: &[Value], formats: &[Format]) -> DataRow {
    let mut buf = BytesMut::with_capacity(16 * values.len());
    for (i, v) in values.iter().enumerate() {
        if v.is_null() {
            buf.put_i32(-1);
            continue;
        }
        let at = buf.len();
        buf.put_i32(0);
        match formats.get(i).copied().unwrap_or(Format::Text) {
            Format::Text => buf.put_slice(v.to_text().unwrap_or_default().as_bytes()),
            Format::Binary => encode_binary(v, &mut buf),
        }
        let len = (buf.len() - at - 4) as i32;
        buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
    DataRow::new(buf, values.len() as i16)
}

/// PostgreSQL's binary send format of a non-NULL value.
fn encode_binary(v: &Value, buf: &mut BytesMut) {
    match v {
        Value::Null => {}
        Value::Bool(b) => buf.put_u8(u8::from(*b)),
        Value::Int2(x) => buf.put_i16(*x),
        Value::Int4(x) | Value::Date(x) => buf.put_i32(*x),
        Value::Int8(x) | Value::Time(x) | Value::Timestamp(x) | Value::Timestamptz(x) => {
            buf.put_i64(*x)
        }
        Value::Float4(x) => buf.put_f32(*x),
        Value::Float8(x) => buf.put_f64(*x),
        Value::Text(s) => buf.put_slice(s.as_bytes()),
        Value::Bytea(b) => buf.put_slice(b),
        Value::Interval(i) => {
            buf.put_i64(i.micros);
            buf.put_i32(i.days);
            buf.put_i32(i.months);
        }
        Value::Numeric(n) => encode_numeric(&n.to_string(), buf),
        Value::Oid(o) | Value::Reg(_, o, _) => buf.put_u32(*o),
        Value::Array(a) => encode_array(a, buf),
        // json_send is the text; jsonb_send is version 1 followed by the text.
        Value::Json(s) => buf.put_slice(s.as_bytes()),
        Value::Jsonb(j) => {
            buf.put_u8(1);
            buf.put_slice(j.to_text().as_bytes());
        }
        // uuid_send: the 16 bytes.
        Value::Uuid(u) => buf.put_slice(u),
        // enum_send: the label's text.
        Value::Enum(v) => buf.put_slice(v.label().as_bytes()),
    }
}

/// array_send: dimension count, a has-NULLs flag, the element type OID, each dimension's
/// length and lower bound, then each element as a length-prefixed binary value (-1 for NULL).
fn encode_array(a: &engine::types::array::ArrayValue, buf: &mut BytesMut) {
    buf.put_i32(a.dims.len() as i32);
    buf.put_i32(i32::from(a.items.iter().any(Value::is_null)));
    buf.put_u32(a.elem.oid());
    for d in &a.dims {
        buf.put_i32(d.len);
        buf.put_i32(d.lower);
    }
    for v in &a.items {
        if v.is_null() {
            buf.put_i32(-1);
            continue;
        }
        let at = buf.len();
        buf.put_i32(0);
        encode_binary(v, buf);
        let len = (buf.len() - at - 4) as i32;
        buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
}

/// array_recv for an array of `elem`: the layout [`encode_array`] writes, with the element
/// type checked and each element decoded as a parameter of type `elem`.
fn decode_array(bytes: &[u8], elem: &DataType, param: usize) -> Result<Value, DecodeError> {
    let mut pos = 0usize;
    let take = |pos: &mut usize, n: usize| -> Result<&[u8], WireError> {
        let b = bytes
            .get(*pos..pos.saturating_add(n))
            .ok_or_else(|| bad_binary(param))?;
        *pos += n;
        Ok(b)
    };
    let int = |pos: &mut usize| -> Result<i32, WireError> {
        let b = take(pos, 4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let ndims = int(&mut pos)?;
    let _has_nulls = int(&mut pos)?;
    let elem_oid = int(&mut pos)? as u32;
    if !(0..=6).contains(&ndims) {
        return Err(WireError::new(
            "54000",
            format!("number of array dimensions ({ndims}) exceeds the maximum allowed (6)"),
        )
        .into());
    }
    if elem_oid != elem.oid() {
        return Err(WireError::new(
            "42804",
            "binary data has array element type ".to_string()
                + &format!("{elem_oid} instead of expected {}", elem.oid()),
        )
        .into());
    }
    let mut dims = Vec::new();
    let mut count: usize = usize::from(ndims > 0);
    for _ in 0..ndims {
        let (len, lower) = (int(&mut pos)?, int(&mut pos)?);
        let n = usize::try_from(len).map_err(|_| bad_binary(param))?;
        count = count.checked_mul(n).ok_or_else(|| bad_binary(param))?;
        dims.push(engine::types::array::Dim { len, lower });
    }
    // Every element takes at least its 4-byte length.
    if count > bytes.len() / 4 {
        return Err(bad_binary(param).into());
    }
    let mut items = Vec::with_capacity(count);
    for _ in 0..count {
        let len = int(&mut pos)?;
        if len < 0 {
            items.push(Value::Null);
            continue;
        }
        let b = take(&mut pos, len as usize)?;
        items.push(decode_param(Some(b), Format::Binary, elem, param)?);
    }
    if pos != bytes.len() {
        return Err(bad_binary(param).into());
    }
    Ok(Value::Array(Box::new(engine::types::array::ArrayValue {
        elem: elem.base(),
        dims,
        items,
    })))
}

const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_PINF: u16 = 0xD000;
const NUMERIC_NINF: u16 = 0xF000;

/// numeric_send from the value's text form (`-123.4500`, `NaN`, `Infinity`).
fn encode_numeric(text: &str, buf: &mut BytesMut) {
    let special = match text {
        "NaN" => Some(NUMERIC_NAN),
        "Infinity" => Some(NUMERIC_PINF),
        "-Infinity" => Some(NUMERIC_NINF),
        _ => None,
    };
    if let Some(sign) = special {
        buf.put_i16(0);
        buf.put_i16(0);
        buf.put_u16(sign);
        buf.put_u16(0);
        return;
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    let int_part = int_part.trim_start_matches('0');
    // Pad the integer part on the left and the fraction on the right to whole groups of 4.
    let int_pad = (4 - int_part.len() % 4) % 4;
    let frac_pad = (4 - frac_part.len() % 4) % 4;
    let mut all = String::with_capacity(int_part.len() + frac_part.len() + 8);
    all.extend(std::iter::repeat_n('0', int_pad));
    all.push_str(int_part);
    all.push_str(frac_part);
    all.extend(std::iter::repeat_n('0', frac_pad));
    let mut groups: Vec<i16> = all
        .as_bytes()
        .chunks(4)
        .map(|c| {
            c.iter()
                .fold(0i16, |acc, d| acc * 10 + i16::from(d.saturating_sub(b'0')))
        })
        .collect();
    let mut weight = ((int_pad + int_part.len()) / 4) as i32 - 1;
    let leading = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..leading);
    weight -= leading as i32;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    buf.put_i16(groups.len() as i16);
    buf.put_i16(weight as i16);
    buf.put_u16(if negative && !groups.is_empty() {
        NUMERIC_NEG
    } else {
        0
    });
    buf.put_u16(frac_part.len() as u16);
    for g in groups {
        buf.put_i16(g);
    }
}

fn bad_binary(param: usize) -> WireError {
    WireError::new(
        "22P03",
        format!("incorrect binary data format in bind parameter {param}"),
    )
}

/// Decodes Bind parameter number `param` (1-based) of type `ty`. Text goes through the type's
/// input function; binary must have exactly the type's layout.
pub fn decode_param(
    bytes: Option<&[u8]>,
    format: Format,
    ty: &DataType,
    param: usize,
) -> Result<Value, DecodeError> {
    if let DataType::Domain(d) = ty {
        return decode_param(bytes, format, &d.base, param);
    }
    let Some(bytes) = bytes else {
        return Ok(Value::Null);
    };
    let text = |b: &[u8]| {
        std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|_| WireError::new("22021", "invalid byte sequence for encoding \"UTF8\""))
    };
    match format {
        Format::Text => {
            let s = text(bytes)?;
            Ok(Value::parse(&s, &ty.base()).map_err(DecodeError::Type)?)
        }
        Format::Binary => {
            let fixed = |n: usize| -> Result<&[u8], WireError> {
                if bytes.len() == n {
                    Ok(bytes)
                } else {
                    Err(bad_binary(param))
                }
            };
            let be8 = |b: &[u8]| {
                let mut a = [0u8; 8];
                a.copy_from_slice(&b[..8]);
                a
            };
            let be4 = |b: &[u8]| {
                let mut a = [0u8; 4];
                a.copy_from_slice(&b[..4]);
                a
            };
            Ok(match ty {
                DataType::Bool => Value::Bool(fixed(1)?[0] != 0),
                DataType::Int2 => {
                    let b = fixed(2)?;
                    Value::Int2(i16::from_be_bytes([b[0], b[1]]))
                }
                DataType::Int4 => Value::Int4(i32::from_be_bytes(be4(fixed(4)?))),
                DataType::Int8 => Value::Int8(i64::from_be_bytes(be8(fixed(8)?))),
                DataType::Float4 => Value::Float4(f32::from_be_bytes(be4(fixed(4)?))),
                DataType::Float8 => Value::Float8(f64::from_be_bytes(be8(fixed(8)?))),
                DataType::Date => Value::Date(i32::from_be_bytes(be4(fixed(4)?))),
                DataType::Time => Value::Time(i64::from_be_bytes(be8(fixed(8)?))),
                DataType::Timestamp => Value::Timestamp(i64::from_be_bytes(be8(fixed(8)?))),
                DataType::Timestamptz => Value::Timestamptz(i64::from_be_bytes(be8(fixed(8)?))),
                DataType::Interval => {
                    let b = fixed(16)?;
                    Value::Interval(engine::types::Interval {
                        micros: i64::from_be_bytes(be8(b)),
                        days: i32::from_be_bytes(be4(&b[8..])),
                        months: i32::from_be_bytes(be4(&b[12..])),
                    })
                }
                DataType::Bytea => Value::Bytea(bytes.to_vec()),
                DataType::Uuid => {
                    let b = fixed(16)?;
                    let mut u = [0u8; 16];
                    u.copy_from_slice(b);
                    Value::Uuid(u)
                }
                DataType::Numeric { .. } => {
                    let s = decode_numeric(bytes).ok_or_else(|| bad_binary(param))?;
                    Value::parse(&s, &ty.base()).map_err(DecodeError::Type)?
                }
                DataType::Text
                | DataType::Varchar(_)
                | DataType::Char(_)
                | DataType::Name
                | DataType::CharByte
                | DataType::Void
                | DataType::Unknown => {
                    Value::parse(&text(bytes)?, &ty.base()).map_err(DecodeError::Type)?
                }
                DataType::Array(elem) => decode_array(bytes, elem, param)?,
                DataType::Json | DataType::Enum(_) => {
                    Value::parse(&text(bytes)?, ty).map_err(DecodeError::Type)?
                }
                // jsonb_recv: a version byte (only 1 exists), then the text.
                DataType::Jsonb => match bytes.split_first() {
                    Some((1, rest)) => {
                        Value::parse(&text(rest)?, &DataType::Jsonb).map_err(DecodeError::Type)?
                    }
                    _ => return Err(bad_binary(param).into()),
                },
                // Stripped above: a domain's parameter is its base type's.
                DataType::Domain(_) => return Err(bad_binary(param).into()),
                DataType::Oid | DataType::Reg(_) => {
                    let o = u32::from_be_bytes(be4(fixed(4)?));
                    Value::Oid(o)
                        .cast(ty, engine::types::CastKind::Explicit)
                        .map_err(DecodeError::Type)?
                }
            })
        }
    }
}

/// Why a parameter did not decode.
#[derive(Debug)]
pub enum DecodeError {
    Wire(WireError),
    /// The type's input function refused the text (e.g. 22P02).
    Type(engine::types::TypeError),
}

impl From<WireError> for DecodeError {
    fn from(e: WireError) -> DecodeError {
        DecodeError::Wire(e)
    }
}

/// numeric_recv into the value's text form; `None` for a malformed value.
fn decode_numeric(b: &[u8]) -> Option<String> {
    let word = |i: usize| -> Option<i16> {
        let s = b.get(2 * i..2 * i + 2)?;
        Some(i16::from_be_bytes([s[0], s[1]]))
    };
    let ndigits = usize::try_from(word(0)?).ok()?;
    let weight = i32::from(word(1)?);
    let sign = word(2)? as u16;
    let dscale = usize::try_from(word(3)?).ok()?;
    if b.len() != 8 + 2 * ndigits || dscale > 0x3FFF {
        return None;
    }
    match sign {
        NUMERIC_NAN => return Some("NaN".into()),
        NUMERIC_PINF => return Some("Infinity".into()),
        NUMERIC_NINF => return Some("-Infinity".into()),
        0 | NUMERIC_NEG => {}
        _ => return None,
    }
    let mut int_part = String::new();
    let mut frac = String::new();
    if weight < -1 {
        frac.extend(std::iter::repeat_n('0', 4 * (-1 - weight) as usize));
    }
    for i in 0..ndigits {
        let d = word(4 + i)?;
        if !(0..10_000).contains(&d) {
            return None;
        }
        let pos = weight - i as i32;
        let s = format!("{d:04}");
        if pos >= 0 {
            int_part.push_str(&s);
        } else {
            frac.push_str(&s);
        }
    }
    let trailing_int_groups = weight - ndigits as i32 + 1;
    if trailing_int_groups > 0 {
        if trailing_int_groups > 10_000 {
            return None;
        }
        int_part.extend(std::iter::repeat_n('0', 4 * trailing_int_groups as usize));
    }
    let int_part = int_part.trim_start_matches('0');
    let mut out = String::new();
    if sign == NUMERIC_NEG {
        out.push('-');
    }
    out.push_str(if int_part.is_empty() { "0" } else { int_part });
    if dscale > 0 {
        frac.truncate(dscale);
        while frac.len() < dscale {
            frac.push('0');
        }
        out.push('.');
        out.push_str(&frac);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_roundtrip(text: &str) -> String {
        let mut buf = BytesMut::new();
        encode_numeric(text, &mut buf);
        decode_numeric(&buf).unwrap()
    }

    #[test]
    fn numeric_binary_roundtrips() {
        for t in [
            "0",
            "0.00",
            "1",
            "-1",
            "12345.678",
            "-0.0001",
            "10000",
            "100000000",
            "0.000000001",
            "123456789.123456789",
            "NaN",
            "Infinity",
            "-Infinity",
        ] {
            assert_eq!(numeric_roundtrip(t), t, "{t}");
        }
    }

    #[test]
    fn numeric_binary_layout_matches_postgres() {
        // numeric_send('12345.678') = ndigits 3, weight 1, sign 0, dscale 3, 1 2345 6780.
        let mut buf = BytesMut::new();
        encode_numeric("12345.678", &mut buf);
        let words: Vec<i16> = buf
            .chunks(2)
            .map(|c| i16::from_be_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(words, vec![3, 1, 0, 3, 1, 2345, 6780]);
    }

    #[test]
    fn malformed_binary_params_are_errors() {
        let int4 = decode_param(Some(&[0, 1]), Format::Binary, &DataType::Int4, 1);
        assert!(matches!(int4, Err(DecodeError::Wire(e)) if e.code == "22P03"));
        assert!(decode_numeric(&[0, 5, 0, 0, 0, 0, 0, 0]).is_none());
        let text = decode_param(Some(b"12"), Format::Text, &DataType::Int4, 1).unwrap();
        assert!(matches!(text, Value::Int4(12)));
        assert!(matches!(
            decode_param(None, Format::Binary, &DataType::Int4, 1),
            Ok(Value::Null)
        ));
    }

    #[test]
    fn format_codes() {
        assert_eq!(Format::pick(&[], 3).unwrap(), Format::Text);
        assert_eq!(Format::pick(&[1], 3).unwrap(), Format::Binary);
        assert_eq!(Format::pick(&[0, 1], 1).unwrap(), Format::Binary);
        assert!(Format::pick(&[7], 0).is_err());
    }
}
