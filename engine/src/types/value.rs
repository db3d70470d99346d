//! [`Value`]: a SQL value of one of the supported types, with PostgreSQL's text output and
//! input (dispatching to the per-type modules), SQL comparison across comparable types and the
//! order-preserving key encoding used for indexes, grouping and sorting.

use super::datetime::{
    self, format_date, format_time, format_timestamp, DATE_NOBEGIN, DATE_NOEND, TS_NOBEGIN,
    TS_NOEND,
};
use super::dtparse;
use super::error::TypeError;
use super::interval::Interval;
use super::numeric::Numeric;
use super::textio;
use super::DataType;
use std::cmp::Ordering;
use storage::keycode::{self, ColumnOrder, KeyValue};

/// A SQL value.
#[derive(Clone, Debug)]
pub enum Value {
    Null,
    Bool(bool),
    Int2(i16),
    Int4(i32),
    Int8(i64),
    Float4(f32),
    Float8(f64),
    Numeric(Numeric),
    /// Values of `text`, `varchar` and `char` (the latter stored padded to its length).
    Text(String),
    Bytea(Vec<u8>),
    /// Days since 2000-01-01; `i32::MIN` / `i32::MAX` are `-infinity` / `infinity`.
    Date(i32),
    /// Microseconds since midnight (0 ..= 24:00:00).
    Time(i64),
    /// Microseconds since 2000-01-01 00:00; `i64::MIN` / `i64::MAX` are the infinities.
    Timestamp(i64),
    /// Microseconds since 2000-01-01 00:00 UTC; `i64::MIN` / `i64::MAX` are the infinities.
    Timestamptz(i64),
    Interval(Interval),
    /// An `oid`.
    Oid(u32),
    /// A value of an OID alias type: the OID and the object's name, looked up in the catalog
    /// when the value was made (PostgreSQL's output function looks it up when printing; the
    /// catalog cannot change within a statement, so the two agree).
    Reg(super::RegKind, u32, String),
    /// An array (boxed: arrays are rare and `Value` stays small).
    Array(Box<super::array::ArrayValue>),
    /// A `json` value: its text as written (checked to be JSON).
    Json(String),
    /// A `jsonb` value.
    Jsonb(Box<super::json::Json>),
    /// A `uuid`: its 16 bytes.
    Uuid([u8; 16]),
    /// A value of an enum type.
    Enum(Box<super::enums::EnumValue>),
}

/// PostgreSQL's float order: NaN equals NaN and sorts above everything; -0 equals 0.
pub(crate) fn float_cmp(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// A date as a timestamp for comparison with timestamps (infinities map to infinities;
/// dates beyond the timestamp range compare beyond every timestamp).
fn date_as_timestamp(d: i32) -> i128 {
    match d {
        DATE_NOBEGIN => i128::from(TS_NOBEGIN),
        DATE_NOEND => i128::from(TS_NOEND),
        _ => i128::from(d) * i128::from(datetime::USECS_PER_DAY),
    }
}

/// A local time (possibly infinite or beyond the timestamp range) as an instant in the
/// session time zone.
fn local_as_instant(t: i128) -> i128 {
    match i64::try_from(t) {
        Ok(t) if t != TS_NOBEGIN && t != TS_NOEND => {
            let zone = super::tz::session_zone();
            i128::from(t)
                - i128::from(zone.offset_of_local(t)) * i128::from(datetime::USECS_PER_SEC)
        }
        _ => t,
    }
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value's type (`Unknown` for NULL; `Text` for all string values; unconstrained
    /// `numeric`).
    pub fn data_type(&self) -> DataType {
        match self {
            Value::Null => DataType::Unknown,
            Value::Bool(_) => DataType::Bool,
            Value::Int2(_) => DataType::Int2,
            Value::Int4(_) => DataType::Int4,
            Value::Int8(_) => DataType::Int8,
            Value::Float4(_) => DataType::Float4,
            Value::Float8(_) => DataType::Float8,
            Value::Numeric(_) => DataType::Numeric {
                precision: None,
                scale: None,
            },
            Value::Text(_) => DataType::Text,
            Value::Bytea(_) => DataType::Bytea,
            Value::Date(_) => DataType::Date,
            Value::Time(_) => DataType::Time,
            Value::Timestamp(_) => DataType::Timestamp,
            Value::Timestamptz(_) => DataType::Timestamptz,
            Value::Interval(_) => DataType::Interval,
            Value::Oid(_) => DataType::Oid,
            Value::Reg(k, _, _) => DataType::Reg(*k),
            Value::Array(a) => DataType::Array(Box::new(a.elem.clone())),
            Value::Json(_) => DataType::Json,
            Value::Jsonb(_) => DataType::Jsonb,
            Value::Uuid(_) => DataType::Uuid,
            Value::Enum(v) => DataType::Enum(v.ty.clone()),
        }
    }

    /// PostgreSQL's text output (as `psql -At` prints it); `None` for NULL. DateStyle ISO,
    /// IntervalStyle postgres, the session's TimeZone, `extra_float_digits = 1`, `bytea_output = hex`.
    pub fn to_text(&self) -> Option<String> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(b) => if *b { "t" } else { "f" }.to_string(),
            Value::Int2(v) => v.to_string(),
            Value::Int4(v) => v.to_string(),
            Value::Int8(v) => v.to_string(),
            Value::Float4(v) => textio::format_f32(*v),
            Value::Float8(v) => textio::format_f64(*v),
            Value::Numeric(n) => n.to_string(),
            Value::Text(s) => s.clone(),
            Value::Bytea(b) => textio::format_bytea(b),
            Value::Date(d) => format_date(*d),
            Value::Time(t) => format_time(*t),
            Value::Timestamp(t) => format_timestamp(*t, false),
            Value::Timestamptz(t) => format_timestamp(*t, true),
            Value::Interval(i) => i.format(),
            Value::Oid(o) => o.to_string(),
            Value::Reg(_, _, name) => name.clone(),
            Value::Array(a) => a.format(),
            Value::Json(s) => s.clone(),
            Value::Jsonb(j) => j.to_text(),
            Value::Uuid(u) => super::uuid::format(u),
            Value::Enum(v) => v.label(),
        })
    }

    /// PostgreSQL's input function for `ty`, including its typmod (numeric rounding and
    /// precision check; `varchar(n)`/`char(n)` reject over-long values unless only spaces
    /// are cut, and `char(n)` pads). For an explicit cast of a literal to `varchar(n)`, parse
    /// as `text` and [`Value::cast`] with [`super::CastKind::Explicit`] to truncate instead.
    pub fn parse(text: &str, ty: &DataType) -> Result<Value, TypeError> {
        Ok(match ty {
            DataType::Bool => Value::Bool(textio::parse_bool(text)?),
            DataType::Int2 => {
                Value::Int2(
                    textio::parse_int(text, "smallint", i16::MIN.into(), i16::MAX.into())? as i16,
                )
            }
            DataType::Int4 => {
                Value::Int4(
                    textio::parse_int(text, "integer", i32::MIN.into(), i32::MAX.into())? as i32,
                )
            }
            DataType::Int8 => Value::Int8(textio::parse_int(text, "bigint", i64::MIN, i64::MAX)?),
            DataType::Float4 => Value::Float4(textio::parse_f32(text)?),
            DataType::Float8 => Value::Float8(textio::parse_f64(text)?),
            DataType::Numeric { precision, scale } => {
                let n = Numeric::parse(text)?;
                Value::Numeric(match precision {
                    Some(p) => n.apply_typmod(*p, scale.unwrap_or(0))?,
                    None => n,
                })
            }
            DataType::Text | DataType::Unknown => Value::Text(text.to_string()),
            // void_in accepts anything; the value is shown as the empty string.
            DataType::Void => Value::Text(String::new()),
            DataType::Varchar(None) | DataType::Char(None) => Value::Text(text.to_string()),
            DataType::Varchar(Some(n)) => {
                Value::Text(textio::apply_length(text, *n, false, false, || {
                    ty.display_name()
                })?)
            }
            DataType::Char(Some(n)) => {
                Value::Text(textio::apply_length(text, *n, true, false, || {
                    ty.display_name()
                })?)
            }
            DataType::Bytea => Value::Bytea(textio::parse_bytea(text)?),
            DataType::Date => Value::Date(dtparse::parse_date(text)?),
            DataType::Time => Value::Time(dtparse::parse_time(text)?),
            DataType::Timestamp => Value::Timestamp(dtparse::parse_timestamp(text, false)?),
            DataType::Timestamptz => Value::Timestamptz(dtparse::parse_timestamp(text, true)?),
            DataType::Interval => Value::Interval(Interval::parse(text)?),
            DataType::Oid => Value::Oid(textio::parse_oid(text)?),
            DataType::Name => Value::Text(textio::truncate_name(text)),
            DataType::CharByte => Value::Text(text.chars().take(1).collect()),
            // Without the catalog only a numeric OID can be read (shown as its number).
            DataType::Reg(k) => {
                let oid = textio::parse_oid(text)?;
                Value::Reg(*k, oid, oid.to_string())
            }
            DataType::Array(elem) => {
                Value::Array(Box::new(super::array::ArrayValue::parse(text, elem)?))
            }
            DataType::Json => {
                super::json::check_json(text)?;
                Value::Json(text.to_string())
            }
            DataType::Jsonb => Value::Jsonb(Box::new(super::json::Json::parse(text)?)),
            DataType::Uuid => Value::Uuid(super::uuid::parse(text)?),
            DataType::Enum(e) => Value::Enum(Box::new(e.parse(text)?)),
            DataType::Domain(d) => Value::parse(text, &d.base)?,
        })
    }

    /// SQL comparison of two values of comparable types; `None` if either is NULL.
    ///
    /// Integers of any width compare by value; integers against numerics exactly; integers
    /// or numerics against floats as float8 (as PostgreSQL's implicit casts resolve them);
    /// float4 against float8 by widening. Floats order NaN above everything and equal to
    /// itself, with -0 = 0. Strings compare bytewise (the "C" collation), dates against
    /// timestamps as timestamps, timestamp against timestamptz by instant (in the session time zone),
    /// intervals by their 30-day-month span. `Text` is compared with `text` semantics: for
    /// `char(n)` semantics (trailing spaces ignored) use [`super::ops::eval_binary_typed`].
    pub fn sql_cmp(&self, other: &Value) -> Result<Option<Ordering>, TypeError> {
        use Value as V;
        Ok(Some(match (self, other) {
            (V::Null, _) | (_, V::Null) => return Ok(None),
            (V::Bool(a), V::Bool(b)) => a.cmp(b),
            (V::Numeric(a), V::Numeric(b)) => a.cmp(b),
            (V::Text(a), V::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (V::Bytea(a), V::Bytea(b)) => a.cmp(b),
            (V::Date(a), V::Date(b)) => a.cmp(b),
            (V::Time(a), V::Time(b)) => a.cmp(b),
            (V::Timestamp(a), V::Timestamp(b)) | (V::Timestamptz(a), V::Timestamptz(b)) => a.cmp(b),
            // A local time against an instant: as an instant in the session time zone.
            (V::Timestamp(a), V::Timestamptz(b)) => {
                local_as_instant(i128::from(*a)).cmp(&i128::from(*b))
            }
            (V::Timestamptz(a), V::Timestamp(b)) => {
                i128::from(*a).cmp(&local_as_instant(i128::from(*b)))
            }
            (V::Date(a), V::Timestamp(b)) => date_as_timestamp(*a).cmp(&i128::from(*b)),
            (V::Timestamp(a), V::Date(b)) => i128::from(*a).cmp(&date_as_timestamp(*b)),
            (V::Date(a), V::Timestamptz(b)) => {
                local_as_instant(date_as_timestamp(*a)).cmp(&i128::from(*b))
            }
            (V::Timestamptz(a), V::Date(b)) => {
                i128::from(*a).cmp(&local_as_instant(date_as_timestamp(*b)))
            }
            (V::Interval(a), V::Interval(b)) => a.cmp_key().cmp(&b.cmp_key()),
            (V::Array(a), V::Array(b)) => a.compare(b)?,
            (V::Jsonb(a), V::Jsonb(b)) => a.compare(b),
            (V::Uuid(a), V::Uuid(b)) => a.cmp(b),
            (V::Enum(a), V::Enum(b)) => a.compare(b)?,
            (a, b) => {
                if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
                    x.cmp(&y)
                } else if let (Some(x), Some(y)) = (a.as_exact(), b.as_exact()) {
                    x.cmp(&y)
                } else if let (Some(x), Some(y)) = (a.as_f64_lossy(), b.as_f64_lossy()) {
                    float_cmp(x, y)
                } else {
                    return Err(TypeError::UndefinedOperator {
                        op: "=",
                        left: a.data_type().base_name().to_string(),
                        right: b.data_type().base_name().to_string(),
                    });
                }
            }
        }))
    }

    /// The value of an integer.
    pub(crate) fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int2(v) => Some(i64::from(*v)),
            Value::Int4(v) => Some(i64::from(*v)),
            Value::Int8(v) => Some(*v),
            Value::Oid(v) | Value::Reg(_, v, _) => Some(i64::from(*v)),
            _ => None,
        }
    }

    /// The value of an integer or numeric as a numeric.
    fn as_exact(&self) -> Option<Numeric> {
        match self {
            Value::Numeric(n) => Some(n.clone()),
            v => v.as_i64().map(Numeric::from_i64),
        }
    }

    /// Any numeric value as float8 (numerics beyond float8's range become ±Infinity).
    pub(crate) fn as_f64_lossy(&self) -> Option<f64> {
        match self {
            Value::Float4(v) => Some(f64::from(*v)),
            Value::Float8(v) => Some(*v),
            Value::Numeric(n) => Some(n.to_f64().unwrap_or(match n.signum() {
                1 => f64::INFINITY,
                -1 => f64::NEG_INFINITY,
                _ => 0.0,
            })),
            v => v.as_i64().map(|i| i as f64),
        }
    }

    /// Appends an order-preserving, prefix-free key encoding of this value (see
    /// [`storage::keycode`]). Within one type, bytewise order equals [`Value::sql_cmp`] order
    /// and equal values encode identically. Across types, identical encodings hold exactly
    /// for: int2/int4/int8 of the same value; float4/float8 of the same value (and -0 / 0,
    /// and all NaNs); numerics of the same value whatever their display scale (1.0 and 1.00);
    /// timestamp and timestamptz of the same microsecond count. An integer and a numeric or
    /// float of the same value, or a date and the equal timestamp, do NOT encode alike:
    /// callers must cast keys to one type first. `Text` encodes its bytes as stored, so
    /// `char(n)` values compare by their padded form.
    pub fn encode_key(&self, out: &mut Vec<u8>, order: ColumnOrder) {
        let mut scratch = Vec::new();
        let kv = match self {
            Value::Null => KeyValue::Null,
            Value::Bool(b) => KeyValue::Bool(*b),
            Value::Int2(v) => KeyValue::Int(i64::from(*v)),
            Value::Int4(v) => KeyValue::Int(i64::from(*v)),
            Value::Int8(v) => KeyValue::Int(*v),
            Value::Oid(v) | Value::Reg(_, v, _) => KeyValue::Int(i64::from(*v)),
            Value::Float4(v) => KeyValue::Float(f64::from(*v)),
            Value::Float8(v) => KeyValue::Float(*v),
            Value::Numeric(n) => {
                n.encode_sortable(&mut scratch);
                KeyValue::Bytes(&scratch)
            }
            Value::Text(s) => KeyValue::Text(s),
            Value::Bytea(b) => KeyValue::Bytes(b),
            Value::Date(d) => KeyValue::Int(i64::from(*d)),
            Value::Time(t) | Value::Timestamp(t) | Value::Timestamptz(t) => KeyValue::Int(*t),
            Value::Interval(i) => {
                let k = (i.cmp_key() as u128) ^ (1u128 << 127);
                scratch.extend_from_slice(&k.to_be_bytes());
                KeyValue::Bytes(&scratch)
            }
            Value::Array(a) => return a.encode_key(out, order),
            Value::Jsonb(j) => {
                j.encode_sortable(&mut scratch);
                KeyValue::Bytes(&scratch)
            }
            // json has no order; its key (for hashing) is its text.
            Value::Json(s) => KeyValue::Text(s),
            Value::Uuid(u) => KeyValue::Bytes(u),
            // Declaration order: the label's sort position (which never changes).
            Value::Enum(v) => KeyValue::Float(f64::from(v.sort())),
        };
        keycode::encode_value(out, &kv, order);
    }
}

impl PartialEq for Value {
    /// Structural equality for tests and hashing-free comparisons: same variant and same
    /// value, with floats compared by bits after normalizing NaN and -0, numerics by value.
    fn eq(&self, other: &Value) -> bool {
        use Value as V;
        let fbits = |f: f64| {
            if f.is_nan() {
                f64::NAN.to_bits()
            } else {
                (f + 0.0).to_bits()
            }
        };
        match (self, other) {
            (V::Null, V::Null) => true,
            (V::Bool(a), V::Bool(b)) => a == b,
            (V::Int2(a), V::Int2(b)) => a == b,
            (V::Int4(a), V::Int4(b)) => a == b,
            (V::Int8(a), V::Int8(b)) => a == b,
            (V::Float4(a), V::Float4(b)) => fbits(f64::from(*a)) == fbits(f64::from(*b)),
            (V::Float8(a), V::Float8(b)) => fbits(*a) == fbits(*b),
            (V::Numeric(a), V::Numeric(b)) => a == b && a.scale() == b.scale(),
            (V::Text(a), V::Text(b)) => a == b,
            (V::Bytea(a), V::Bytea(b)) => a == b,
            (V::Date(a), V::Date(b)) => a == b,
            (V::Time(a), V::Time(b)) => a == b,
            (V::Timestamp(a), V::Timestamp(b)) => a == b,
            (V::Timestamptz(a), V::Timestamptz(b)) => a == b,
            (V::Interval(a), V::Interval(b)) => a == b,
            (V::Oid(a), V::Oid(b)) => a == b,
            (V::Reg(k, a, _), V::Reg(l, b, _)) => k == l && a == b,
            (V::Array(a), V::Array(b)) => a.same(b),
            (V::Json(a), V::Json(b)) => a == b,
            (V::Jsonb(a), V::Jsonb(b)) => a == b,
            (V::Uuid(a), V::Uuid(b)) => a == b,
            (V::Enum(a), V::Enum(b)) => a.ty == b.ty && a.label_oid == b.label_oid,
            _ => false,
        }
    }
}
