//! Row storage: a compact byte encoding of a row of values.
//!
//! Layout: the column count as a LEB128 varint, a null bitmap (`ceil(count / 8)` bytes, bit
//! `i % 8` of byte `i / 8` set when column `i` is NULL), then each non-NULL value in column
//! order: `bool` 1 byte; `int2`/`int4`/`int8`, `float4`/`float8`, `date` (4 bytes),
//! `time`/`timestamp`/`timestamptz` (8 bytes) little-endian; `interval` as months (4),
//! days (4), microseconds (8); strings and `bytea` as a varint length and the bytes; `numeric`
//! as a kind byte (0 finite, 1 NaN, 2 +Infinity, 3 -Infinity) and, when finite, a varint
//! display scale, a varint length and the mantissa as little-endian two's complement.
//!
//! Decoding takes the column types: a row with fewer columns than types (written before
//! columns were added) decodes the missing trailing columns as NULL. Malformed bytes give
//! [`TypeError::CorruptRow`]; decoding never panics.

use super::error::TypeError;
use super::interval::Interval;
use super::numeric::Numeric;
use super::value::Value;
use super::DataType;
use bigdecimal::num_bigint::BigInt;

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7F) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// Encodes a row.
pub fn encode_row(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + values.len() * 8);
    put_varint(&mut out, values.len() as u64);
    let bitmap_start = out.len();
    out.resize(bitmap_start + values.len().div_ceil(8), 0);
    for (i, v) in values.iter().enumerate() {
        if v.is_null() {
            if let Some(b) = out.get_mut(bitmap_start + i / 8) {
                *b |= 1 << (i % 8);
            }
        }
    }
    for v in values {
        match v {
            Value::Null => {}
            Value::Bool(b) => out.push(u8::from(*b)),
            Value::Int2(x) => out.extend_from_slice(&x.to_le_bytes()),
            Value::Int4(x) => out.extend_from_slice(&x.to_le_bytes()),
            Value::Int8(x) => out.extend_from_slice(&x.to_le_bytes()),
            Value::Float4(x) => out.extend_from_slice(&x.to_le_bytes()),
            Value::Float8(x) => out.extend_from_slice(&x.to_le_bytes()),
            Value::Numeric(n) => match n.parts() {
                Some((mant, scale)) => {
                    out.push(0);
                    put_varint(&mut out, u64::from(scale));
                    put_bytes(&mut out, &mant.to_signed_bytes_le());
                }
                None if n.is_nan() => out.push(1),
                None if n.signum() > 0 => out.push(2),
                None => out.push(3),
            },
            Value::Text(s) => put_bytes(&mut out, s.as_bytes()),
            Value::Bytea(b) => put_bytes(&mut out, b),
            Value::Json(s) => put_bytes(&mut out, s.as_bytes()),
            // jsonb is stored as its normalised text, which parses back to the same value.
            Value::Jsonb(j) => put_bytes(&mut out, j.to_text().as_bytes()),
            Value::Uuid(u) => out.extend_from_slice(u),
            // An enum value is stored as its label's OID (stable across renames).
            Value::Enum(v) => out.extend_from_slice(&v.label_oid.to_le_bytes()),
            Value::Date(d) => out.extend_from_slice(&d.to_le_bytes()),
            Value::Time(t) | Value::Timestamp(t) | Value::Timestamptz(t) => {
                out.extend_from_slice(&t.to_le_bytes())
            }
            Value::Interval(i) => {
                out.extend_from_slice(&i.months.to_le_bytes());
                out.extend_from_slice(&i.days.to_le_bytes());
                out.extend_from_slice(&i.micros.to_le_bytes());
            }
            Value::Oid(o) => out.extend_from_slice(&o.to_le_bytes()),
            Value::Reg(_, o, name) => {
                out.extend_from_slice(&o.to_le_bytes());
                put_bytes(&mut out, name.as_bytes());
            }
            Value::Array(a) => {
                put_varint(&mut out, a.dims.len() as u64);
                for d in &a.dims {
                    out.extend_from_slice(&d.len.to_le_bytes());
                    out.extend_from_slice(&d.lower.to_le_bytes());
                }
                put_bytes(&mut out, &encode_row(&a.items));
            }
        }
    }
    out
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn corrupt(reason: &'static str) -> TypeError {
    TypeError::CorruptRow { reason }
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], TypeError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| corrupt("length overflow"))?;
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| corrupt("row ends inside a value"))?;
        self.pos = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], TypeError> {
        let s = self.take(N)?;
        s.try_into().map_err(|_| corrupt("row ends inside a value"))
    }
    fn varint(&mut self) -> Result<u64, TypeError> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.take(1)?.first().copied().unwrap_or(0);
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(corrupt("varint too long"))
    }
    fn bytes(&mut self) -> Result<&'a [u8], TypeError> {
        let n = usize::try_from(self.varint()?).map_err(|_| corrupt("length overflow"))?;
        self.take(n)
    }
}

fn decode_value(r: &mut Reader<'_>, ty: &DataType) -> Result<Value, TypeError> {
    Ok(match ty {
        DataType::Bool => match r.array::<1>()? {
            [0] => Value::Bool(false),
            [1] => Value::Bool(true),
            _ => return Err(corrupt("invalid boolean byte")),
        },
        DataType::Int2 => Value::Int2(i16::from_le_bytes(r.array()?)),
        DataType::Int4 => Value::Int4(i32::from_le_bytes(r.array()?)),
        DataType::Int8 => Value::Int8(i64::from_le_bytes(r.array()?)),
        DataType::Float4 => Value::Float4(f32::from_le_bytes(r.array()?)),
        DataType::Float8 => Value::Float8(f64::from_le_bytes(r.array()?)),
        DataType::Numeric { .. } => match r.array::<1>()? {
            [0] => {
                let scale = u32::try_from(r.varint()?).map_err(|_| corrupt("numeric scale"))?;
                let mant = BigInt::from_signed_bytes_le(r.bytes()?);
                Value::Numeric(
                    Numeric::new(mant, scale).map_err(|_| corrupt("numeric out of range"))?,
                )
            }
            [1] => Value::Numeric(Numeric::nan()),
            [2] => Value::Numeric(Numeric::infinity(false)),
            [3] => Value::Numeric(Numeric::infinity(true)),
            _ => return Err(corrupt("invalid numeric kind")),
        },
        DataType::Text
        | DataType::Varchar(_)
        | DataType::Char(_)
        | DataType::Name
        | DataType::CharByte
        | DataType::Void
        | DataType::Unknown => {
            let s = std::str::from_utf8(r.bytes()?).map_err(|_| corrupt("text is not UTF-8"))?;
            Value::Text(s.to_string())
        }
        DataType::Bytea => Value::Bytea(r.bytes()?.to_vec()),
        DataType::Json => {
            let s = std::str::from_utf8(r.bytes()?).map_err(|_| corrupt("json is not UTF-8"))?;
            Value::Json(s.to_string())
        }
        DataType::Jsonb => {
            let s = std::str::from_utf8(r.bytes()?).map_err(|_| corrupt("jsonb is not UTF-8"))?;
            Value::Jsonb(Box::new(
                super::json::Json::parse(s).map_err(|_| corrupt("jsonb does not parse"))?,
            ))
        }
        DataType::Uuid => Value::Uuid(r.array()?),
        DataType::Domain(d) => decode_value(r, &d.base)?,
        DataType::Enum(e) => Value::Enum(Box::new(
            e.from_label_oid(u32::from_le_bytes(r.array()?))
                .ok_or_else(|| corrupt("unknown enum label"))?,
        )),
        DataType::Date => Value::Date(i32::from_le_bytes(r.array()?)),
        DataType::Time => Value::Time(i64::from_le_bytes(r.array()?)),
        DataType::Timestamp => Value::Timestamp(i64::from_le_bytes(r.array()?)),
        DataType::Timestamptz => Value::Timestamptz(i64::from_le_bytes(r.array()?)),
        DataType::Interval => Value::Interval(Interval {
            months: i32::from_le_bytes(r.array()?),
            days: i32::from_le_bytes(r.array()?),
            micros: i64::from_le_bytes(r.array()?),
        }),
        DataType::Oid => Value::Oid(u32::from_le_bytes(r.array()?)),
        DataType::Reg(k) => {
            let oid = u32::from_le_bytes(r.array()?);
            let name = std::str::from_utf8(r.bytes()?).map_err(|_| corrupt("name is not UTF-8"))?;
            Value::Reg(*k, oid, name.to_string())
        }
        DataType::Array(elem) => decode_array(r, elem)?,
    })
}

/// An array: the dimension count, each dimension's length and lower bound, then the elements
/// as a nested row.
fn decode_array(r: &mut Reader<'_>, elem: &DataType) -> Result<Value, TypeError> {
    let ndims = usize::try_from(r.varint()?).map_err(|_| corrupt("array dimensions"))?;
    if ndims > super::array::MAX_DIMS {
        return Err(corrupt("too many array dimensions"));
    }
    let mut dims = Vec::with_capacity(ndims);
    let mut count: usize = if ndims == 0 { 0 } else { 1 };
    for _ in 0..ndims {
        let len = i32::from_le_bytes(r.array()?);
        let lower = i32::from_le_bytes(r.array()?);
        let n = usize::try_from(len).map_err(|_| corrupt("negative array dimension"))?;
        count = count
            .checked_mul(n)
            .ok_or_else(|| corrupt("array size overflow"))?;
        dims.push(super::array::Dim { len, lower });
    }
    let body = r.bytes()?;
    // Each element takes at least one bitmap bit, so a count beyond 8 × the body's length
    // cannot be right (and must not size an allocation).
    if count > body.len().saturating_mul(8) {
        return Err(corrupt("array element count"));
    }
    let items = decode_row(body, &vec![elem.clone(); count])?;
    Ok(Value::Array(Box::new(super::array::ArrayValue {
        elem: elem.clone(),
        dims,
        items,
    })))
}

/// Decodes a row written by [`encode_row`] as values of `types`.
pub fn decode_row(bytes: &[u8], types: &[DataType]) -> Result<Vec<Value>, TypeError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let count = usize::try_from(r.varint()?).map_err(|_| corrupt("column count"))?;
    if count > types.len() {
        return Err(corrupt("more columns than the row type has"));
    }
    let bitmap = r.take(count.div_ceil(8))?;
    let mut out = Vec::with_capacity(types.len());
    for (i, ty) in types.iter().enumerate() {
        let is_null = i >= count || bitmap.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0);
        out.push(if is_null {
            Value::Null
        } else {
            decode_value(&mut r, ty)?
        });
    }
    if r.pos != bytes.len() {
        return Err(corrupt("trailing bytes after the last column"));
    }
    Ok(out)
}
