//! Casts between values ([`Value::cast`], [`Value::cast_from`]) following PostgreSQL's cast
//! functions: integer narrowing with range checks, float to integer with `rint`, numeric to
//! integer rounding half away from zero, float to numeric through 15 (float8) or 6 (float4)
//! significant digits, string conversions through the text I/O functions, `varchar(n)` /
//! `char(n)` length rules (truncation on explicit casts), and the date/time conversions.

use super::datetime::{date_to_timestamp, timestamp_to_date, timestamp_to_time, USECS_PER_DAY};
use super::error::TypeError;
use super::interval::Interval;
use super::json::Json;
use super::numeric::Numeric;
use super::textio;
use super::value::Value;
use super::{can_cast, CastKind, DataType};

fn int_range(ty: &DataType) -> (&'static str, i64, i64) {
    match ty {
        DataType::Int2 => ("smallint", i16::MIN.into(), i16::MAX.into()),
        DataType::Int4 => ("integer", i32::MIN.into(), i32::MAX.into()),
        _ => ("bigint", i64::MIN, i64::MAX),
    }
}

fn make_int(v: i64, ty: &DataType) -> Result<Value, TypeError> {
    let (type_name, min, max) = int_range(ty);
    if v < min || v > max {
        return Err(TypeError::IntegerOutOfRange { type_name });
    }
    Ok(match ty {
        DataType::Int2 => Value::Int2(v as i16),
        DataType::Int4 => Value::Int4(v as i32),
        _ => Value::Int8(v),
    })
}

/// `float8_int4` and friends: round half to even, then range-check.
fn float_to_int(f: f64, ty: &DataType) -> Result<Value, TypeError> {
    let (type_name, min, max) = int_range(ty);
    let r = f.round_ties_even();
    // The upper bound is exclusive: -(min as f64) is exactly 2^15, 2^31 or 2^63.
    if r.is_nan() || r < min as f64 || r >= -(min as f64) {
        return Err(TypeError::IntegerOutOfRange { type_name });
    }
    make_int((r as i64).clamp(min, max), ty)
}

fn apply_numeric_typmod(n: Numeric, ty: &DataType) -> Result<Value, TypeError> {
    match ty {
        DataType::Numeric {
            precision: Some(p),
            scale,
        } => Ok(Value::Numeric(n.apply_typmod(*p, scale.unwrap_or(0))?)),
        _ => Ok(Value::Numeric(n)),
    }
}

/// Applies the target string type's length rule to `s`.
fn to_string_type(s: String, ty: &DataType, kind: CastKind) -> Result<Value, TypeError> {
    let explicit = kind == CastKind::Explicit;
    Ok(Value::Text(match ty {
        DataType::Varchar(Some(n)) => {
            textio::apply_length(&s, *n, false, explicit, || ty.display_name())?
        }
        DataType::Char(Some(n)) => {
            textio::apply_length(&s, *n, true, explicit, || ty.display_name())?
        }
        _ => s,
    }))
}

fn float4_from_f64(f: f64) -> Result<f32, TypeError> {
    let r = f as f32;
    if r.is_infinite() && !f.is_infinite() {
        return Err(TypeError::FloatOverflow);
    }
    if r == 0.0 && f != 0.0 {
        return Err(TypeError::FloatUnderflow);
    }
    Ok(r)
}

/// jsonb to `boolean` or a number type (`jsonb_bool`, `jsonb_numeric`, ...): the value must
/// be a scalar of the matching kind (22023 otherwise); numbers convert as numeric does.
fn jsonb_to_scalar(j: &Json, ty: &DataType) -> Result<Value, TypeError> {
    let name = ty.base_name();
    match (j, ty) {
        (Json::Bool(b), DataType::Bool) => Ok(Value::Bool(*b)),
        (Json::Number(n), t) if *t != DataType::Bool => {
            Value::Numeric(n.clone()).cast(ty, CastKind::Explicit)
        }
        _ => Err(super::json::cast_error(j, &name)),
    }
}

impl Value {
    /// Casts to `ty` as PostgreSQL's cast functions do, treating `Text` values as `text`.
    /// `kind` selects the length rule for `varchar(n)` / `char(n)` targets (explicit casts
    /// truncate; implicit and assignment casts reject over-long values unless only spaces
    /// are cut). Whether the cast is allowed in a context is [`can_cast`]'s business; this
    /// performs any cast that exists in some context and reports 42846 otherwise.
    pub fn cast(&self, ty: &DataType, kind: CastKind) -> Result<Value, TypeError> {
        let from = self.data_type();
        self.cast_from(&from, ty, kind)
    }

    /// [`Value::cast`] with the value's static type known, which matters for `char(n)`
    /// sources: converting `character` to `text` or `varchar` removes trailing spaces.
    pub fn cast_from(
        &self,
        from: &DataType,
        ty: &DataType,
        kind: CastKind,
    ) -> Result<Value, TypeError> {
        use DataType as T;
        use Value as V;
        if self.is_null() {
            return Ok(V::Null);
        }
        // To a domain: to its base type (its constraints are the SQL layer's to check).
        if let T::Domain(d) = ty {
            return self.cast_from(from, &d.base, kind);
        }
        let cannot = || TypeError::CannotCast {
            from: from.base_name().to_string(),
            to: ty.base_name().to_string(),
        };
        if !matches!(from, T::Unknown) && !can_cast(from, ty, CastKind::Explicit) {
            return Err(cannot());
        }
        Ok(match (self, ty) {
            // Strings to strings.
            (V::Text(s), T::Text | T::Varchar(_) | T::Char(_)) => {
                let s = if matches!(from, T::Char(_)) && !matches!(ty, T::Char(_)) {
                    s.trim_end_matches(' ').to_string()
                } else {
                    s.clone()
                };
                to_string_type(s, ty, kind)?
            }
            // Strings to anything else: the target's input function.
            (V::Text(s), T::Numeric { .. }) => apply_numeric_typmod(Numeric::parse(s)?, ty)?,
            (V::Text(s), _) => Value::parse(s, ty)?,
            // Anything to strings: the output function (booleans via `booltext`).
            (V::Bool(b), T::Text | T::Varchar(_) | T::Char(_)) => {
                to_string_type(if *b { "true" } else { "false" }.into(), ty, kind)?
            }
            (v, T::Text | T::Varchar(_) | T::Char(_)) => {
                to_string_type(v.to_text().unwrap_or_default(), ty, kind)?
            }
            // Booleans.
            (V::Bool(b), T::Int4) => V::Int4(i32::from(*b)),
            (V::Bool(b), T::Bool) => V::Bool(*b),
            (V::Int4(i), T::Bool) => V::Bool(*i != 0),
            // Integers.
            (V::Int2(_) | V::Int4(_) | V::Int8(_), T::Int2 | T::Int4 | T::Int8) => {
                make_int(self.as_i64().unwrap_or_default(), ty)?
            }
            (V::Int2(_) | V::Int4(_) | V::Int8(_), T::Float4) => {
                V::Float4(self.as_i64().unwrap_or_default() as f32)
            }
            (V::Int2(_) | V::Int4(_) | V::Int8(_), T::Float8) => {
                V::Float8(self.as_i64().unwrap_or_default() as f64)
            }
            (V::Int2(_) | V::Int4(_) | V::Int8(_), T::Numeric { .. }) => {
                apply_numeric_typmod(Numeric::from_i64(self.as_i64().unwrap_or_default()), ty)?
            }
            // Floats.
            (V::Float4(f), T::Int2 | T::Int4 | T::Int8) => float_to_int(f64::from(*f), ty)?,
            (V::Float8(f), T::Int2 | T::Int4 | T::Int8) => float_to_int(*f, ty)?,
            (V::Float4(f), T::Float4) => V::Float4(*f),
            (V::Float4(f), T::Float8) => V::Float8(f64::from(*f)),
            (V::Float8(f), T::Float8) => V::Float8(*f),
            (V::Float8(f), T::Float4) => V::Float4(float4_from_f64(*f)?),
            (V::Float4(f), T::Numeric { .. }) => {
                apply_numeric_typmod(Numeric::from_float(f64::from(*f), 6)?, ty)?
            }
            (V::Float8(f), T::Numeric { .. }) => {
                apply_numeric_typmod(Numeric::from_float(*f, 15)?, ty)?
            }
            // Numerics.
            (V::Numeric(n), T::Numeric { .. }) => apply_numeric_typmod(n.clone(), ty)?,
            (V::Numeric(n), T::Int2 | T::Int4 | T::Int8) => {
                let (type_name, min, max) = int_range(ty);
                make_int(n.to_int(type_name, min, max)?, ty)?
            }
            (V::Numeric(n), T::Float8) => {
                V::Float8(n.to_f64().ok_or_else(|| TypeError::FloatInputOutOfRange {
                    type_name: "double precision",
                    input: n.to_string(),
                })?)
            }
            (V::Numeric(n), T::Float4) => {
                V::Float4(n.to_f32().ok_or_else(|| TypeError::FloatInputOutOfRange {
                    type_name: "real",
                    input: n.to_string(),
                })?)
            }
            // Dates and times.
            (V::Date(d), T::Date) => V::Date(*d),
            (V::Date(d), T::Timestamp) => V::Timestamp(date_to_timestamp(*d)?),
            (V::Date(d), T::Timestamptz) => {
                V::Timestamptz(super::datetime::local_to_instant(date_to_timestamp(*d)?)?)
            }
            (V::Timestamp(t), T::Timestamp) => V::Timestamp(*t),
            (V::Timestamptz(t), T::Timestamptz) => V::Timestamptz(*t),
            // Between local times and instants: through the session time zone.
            (V::Timestamptz(t), T::Timestamp) => {
                V::Timestamp(super::datetime::instant_to_local(*t)?)
            }
            (V::Timestamp(t), T::Timestamptz) => {
                V::Timestamptz(super::datetime::local_to_instant(*t)?)
            }
            (V::Timestamp(t), T::Date) => V::Date(timestamp_to_date(*t)),
            (V::Timestamptz(t), T::Date) => V::Date(timestamp_to_date(
                super::tz::session_zone().to_local_any(*t),
            )),
            (V::Timestamp(t), T::Time) => match timestamp_to_time(*t) {
                Some(time) => V::Time(time),
                None => V::Null,
            },
            (V::Timestamptz(t), T::Time) => {
                match timestamp_to_time(super::tz::session_zone().to_local_any(*t)) {
                    Some(time) => V::Time(time),
                    None => V::Null,
                }
            }
            (V::Time(t), T::Time) => V::Time(*t),
            (V::Time(t), T::Interval) => V::Interval(Interval {
                months: 0,
                days: 0,
                micros: *t,
            }),
            (V::Interval(i), T::Interval) => V::Interval(*i),
            (V::Interval(i), T::Time) => V::Time(i.micros.rem_euclid(USECS_PER_DAY)),
            (V::Bytea(b), T::Bytea) => V::Bytea(b.clone()),
            (V::Json(s), T::Json) => V::Json(s.clone()),
            (V::Json(s), T::Jsonb) => V::Jsonb(Box::new(Json::parse(s)?)),
            (V::Jsonb(j), T::Jsonb) => V::Jsonb(j.clone()),
            (V::Uuid(u), T::Uuid) => V::Uuid(*u),
            (V::Enum(v), T::Enum(e)) if v.ty == *e => V::Enum(v.clone()),
            (V::Jsonb(j), T::Json) => V::Json(j.to_text()),
            (V::Jsonb(j), _) => jsonb_to_scalar(j, ty)?,
            (V::Array(a), T::Array(e)) => V::Array(Box::new(a.cast_elements(e, kind)?)),
            // OIDs: integers convert by value (int4 wraps, as the binary-coercible cast
            // does); OID alias values made here show their number (the binder turns casts
            // it can resolve in the catalog into named values).
            (V::Int2(_) | V::Int4(_) | V::Int8(_) | V::Oid(_) | V::Reg(..), T::Oid | T::Reg(_)) => {
                let v = self.as_i64().unwrap_or_default();
                let oid = match self {
                    V::Int8(_) if !(0..=i64::from(u32::MAX)).contains(&v) => {
                        return Err(TypeError::IntegerOutOfRange { type_name: "OID" })
                    }
                    _ => v as u32,
                };
                match (self, ty) {
                    (V::Reg(k, o, n), T::Reg(k2)) if k == k2 => V::Reg(*k, *o, n.clone()),
                    (_, T::Reg(k)) => V::Reg(*k, oid, oid.to_string()),
                    _ => V::Oid(oid),
                }
            }
            (V::Oid(o) | V::Reg(_, o, _), T::Int4) => V::Int4(*o as i32),
            (V::Oid(o) | V::Reg(_, o, _), T::Int8) => V::Int8(i64::from(*o)),
            _ => return Err(cannot()),
        })
    }
}
