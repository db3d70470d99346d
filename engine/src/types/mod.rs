//! The SQL type system: data types with their typmods and names, values and their text I/O,
//! casts (`pg_cast` semantics), common-type resolution for UNION/CASE/..., operators,
//! order-preserving key encoding and the row codec.
//!
//! Submodules: `builtin` (the one table of each built-in type's `pg_type` facts: OID, length,
//! category, array type, ...), `value` (the [`Value`] type, comparison, key encoding), `textio` (text I/O of
//! bool, integers, floats, bytea, strings), `numeric`/`numeric_pow` (the numeric type),
//! `datetime`/`dtfields`/`dtparse`/`interval` (dates, times, timestamps, intervals), `tz`
//! (the session time zone), `cast`,
//! `ops`/`arith`/`bitops`/`like`/`regex` (operator resolution and evaluation), `row` (row storage); tests in
//! `tests_io` (replaying `testdata/pg_reference.tsv`, recorded from PostgreSQL 15),
//! `tests_ops` and `tests_prop`.

mod arith;
pub mod array;
mod bitops;
pub mod builtin;
mod cast;
pub(crate) mod datetime;
pub mod domains;
mod dtfields;
mod dtparse;
pub mod enums;
mod error;
mod interval;
pub mod json;
mod like;
mod numeric;
mod numeric_pow;
pub mod ops;
pub mod regex;
pub mod regexp;
pub mod row;
mod textio;
pub use textio::parse_bytea_escape;
pub mod tz;
pub mod uuid;
mod value;

#[cfg(test)]
mod tests_io;
#[cfg(test)]
mod tests_ops;
#[cfg(test)]
mod tests_prop;

pub use error::TypeError;
// `RegKind` is defined below, beside `DataType`.
pub use interval::Interval;
pub use numeric::Numeric;
pub use value::Value;

use sqlparser::ast::{
    CharacterLength, DataType as SqlType, ExactNumberInfo, ObjectNamePart, TimezoneInfo,
};

/// A SQL data type. Length/precision modifiers are part of the type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DataType {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric {
        precision: Option<u32>,
        scale: Option<u32>,
    },
    Text,
    Varchar(Option<u32>),
    /// `bpchar`; SQL `char` with no length is `char(1)`, `Char(None)` is unbounded `bpchar`.
    Char(Option<u32>),
    Bytea,
    Date,
    Time,
    Timestamp,
    Timestamptz,
    Interval,
    /// `oid`: an unsigned 32-bit object identifier.
    Oid,
    /// `name`: an identifier of at most 63 bytes (values are `Value::Text`).
    Name,
    /// `"char"`: a single character (values are `Value::Text`).
    CharByte,
    /// An OID alias type (`regclass`, ...): an OID shown as the object's name.
    Reg(RegKind),
    /// An array of the element type (which is never itself an array: dimensions are part of
    /// the value, as in PostgreSQL).
    Array(Box<DataType>),
    /// The type of an untyped literal or NULL before resolution.
    Unknown,
    /// `json`: JSON text kept as it was written (values are `Value::Json`).
    Json,
    /// `jsonb`: JSON in PostgreSQL's normalised form (values are `Value::Jsonb`).
    Jsonb,
    /// `uuid`: 16 bytes (values are `Value::Uuid`).
    Uuid,
    /// An enum type of the catalog (values are `Value::Enum`).
    Enum(enums::EnumRef),
    /// A domain of the catalog (values are its base type's).
    Domain(domains::DomainRef),
    /// `void`: the result of a function that returns nothing (`pg_sleep`); its one value
    /// is shown as the empty string.
    Void,
}

/// The OID alias types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegKind {
    Class,
    Type,
    Proc,
    Namespace,
    Role,
}

/// PostgreSQL's `typcategory`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TypeCategory {
    Boolean,
    Numeric,
    String,
    DateTime,
    Timespan,
    /// `U`: user-defined (and `bytea`).
    User,
    Array,
    Unknown,
    /// `void` and the other pseudo-types.
    Pseudo,
    /// `Z`: internal-use types (`"char"`).
    Internal,
    /// `E`: enum types.
    Enum,
}

/// The context a cast is applied in (`pg_cast.castcontext`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CastKind {
    Implicit,
    Assignment,
    Explicit,
}

/// Largest length of `varchar(n)` / `char(n)`.
pub const MAX_CHAR_LENGTH: u32 = 10_485_760;

impl DataType {
    /// The type modifier as PostgreSQL's `atttypmod` (-1 when none).
    pub fn typmod(&self) -> i32 {
        match self {
            DataType::Varchar(Some(n)) | DataType::Char(Some(n)) => (*n as i32).saturating_add(4),
            DataType::Numeric {
                precision: Some(p),
                scale,
            } => (((*p as i32) << 16) | (scale.unwrap_or(0) as i32 & 0xFFFF)) + 4,
            DataType::Array(e) => e.typmod(),
            _ => -1,
        }
    }

    /// The same type without its modifier (e.g. `varchar(10)` → `varchar`).
    pub fn base(&self) -> DataType {
        match self {
            DataType::Numeric { .. } => DataType::Numeric {
                precision: None,
                scale: None,
            },
            DataType::Varchar(_) => DataType::Varchar(None),
            DataType::Char(_) => DataType::Char(None),
            DataType::Array(e) => DataType::Array(Box::new(e.base())),
            // Operators, functions and casts see a domain's base type.
            DataType::Domain(d) => d.base.base(),
            t => t.clone(),
        }
    }

    /// The name as PostgreSQL's `format_type()` prints it, with the modifier.
    pub fn display_name(&self) -> String {
        match self {
            DataType::Numeric {
                precision: Some(p),
                scale,
            } => format!("numeric({},{})", p, scale.unwrap_or(0)),
            DataType::Varchar(Some(n)) => format!("character varying({n})"),
            DataType::Char(Some(n)) => format!("character({n})"),
            DataType::Char(None) => "bpchar".to_string(),
            DataType::Array(e) => format!("{}[]", e.display_name()),
            t => t.base_name().to_string(),
        }
    }

    /// The name without modifier, as in error messages (`format_type_be`).
    pub fn base_name(&self) -> std::borrow::Cow<'static, str> {
        match self {
            DataType::Array(e) => std::borrow::Cow::Owned(format!("{}[]", e.base_name())),
            DataType::Enum(e) => std::borrow::Cow::Owned(enums::quote_ident(&e.name)),
            DataType::Domain(d) => std::borrow::Cow::Owned(enums::quote_ident(&d.name)),
            t => std::borrow::Cow::Borrowed(t.row_sql_name()),
        }
    }

    /// The type itself, or a domain's base type.
    pub fn without_domain(&self) -> &DataType {
        match self {
            DataType::Domain(d) => &d.base,
            t => t,
        }
    }

    /// The element type of an array type.
    pub fn element(&self) -> Option<&DataType> {
        match self {
            DataType::Array(e) => Some(e),
            _ => None,
        }
    }

    /// True for text, varchar and char.
    pub fn is_string(&self) -> bool {
        self.category() == TypeCategory::String
    }

    /// Maps a parsed SQL type name to a data type, accepting the spellings PostgreSQL does.
    pub fn from_sql(t: &SqlType) -> Result<DataType, TypeError> {
        let undefined = || TypeError::UndefinedType {
            name: t.to_string(),
        };
        let no_width = |w: &Option<u64>, dt: DataType| match w {
            None => Ok(dt),
            Some(_) => Err(undefined()),
        };
        match t {
            SqlType::Bool | SqlType::Boolean => Ok(DataType::Bool),
            SqlType::SmallInt(w) | SqlType::Int2(w) => no_width(w, DataType::Int2),
            SqlType::Int(w) | SqlType::Integer(w) | SqlType::Int4(w) => no_width(w, DataType::Int4),
            SqlType::BigInt(w) | SqlType::Int8(w) => no_width(w, DataType::Int8),
            SqlType::Real | SqlType::Float4 => Ok(DataType::Float4),
            SqlType::DoublePrecision | SqlType::Float8 => Ok(DataType::Float8),
            SqlType::Double(ExactNumberInfo::None) => Ok(DataType::Float8),
            SqlType::Float(info) => match info {
                ExactNumberInfo::None => Ok(DataType::Float8),
                ExactNumberInfo::Precision(p) => float_precision(*p as i64),
                ExactNumberInfo::PrecisionAndScale(..) => Err(undefined()),
            },
            SqlType::Numeric(info) | SqlType::Decimal(info) | SqlType::Dec(info) => {
                numeric_type(info)
            }
            SqlType::Text => Ok(DataType::Text),
            SqlType::Varchar(len) | SqlType::CharacterVarying(len) | SqlType::CharVarying(len) => {
                Ok(DataType::Varchar(char_length(len, "varchar")?))
            }
            SqlType::Char(len) | SqlType::Character(len) => {
                Ok(DataType::Char(Some(char_length(len, "char")?.unwrap_or(1))))
            }
            SqlType::Bytea => Ok(DataType::Bytea),
            SqlType::JSON => Ok(DataType::Json),
            SqlType::JSONB => Ok(DataType::Jsonb),
            SqlType::Uuid => Ok(DataType::Uuid),
            SqlType::Regclass => Ok(DataType::Reg(RegKind::Class)),
            SqlType::Date => Ok(DataType::Date),
            SqlType::Time(_, TimezoneInfo::None | TimezoneInfo::WithoutTimeZone) => {
                Ok(DataType::Time)
            }
            SqlType::Timestamp(_, TimezoneInfo::None | TimezoneInfo::WithoutTimeZone) => {
                Ok(DataType::Timestamp)
            }
            SqlType::Timestamp(_, TimezoneInfo::WithTimeZone | TimezoneInfo::Tz) => {
                Ok(DataType::Timestamptz)
            }
            SqlType::Interval { .. } => Ok(DataType::Interval),
            // `int[]`, `int[][]` and `int ARRAY` are all the one array type.
            SqlType::Array(
                sqlparser::ast::ArrayElemTypeDef::SquareBracket(inner, _)
                | sqlparser::ast::ArrayElemTypeDef::Qualified(inner, _),
            ) => Ok(match DataType::from_sql(inner)? {
                DataType::Array(e) => DataType::Array(e),
                e => DataType::Array(Box::new(e)),
            }),
            SqlType::Custom(name, mods) => {
                let ident = match name.0.last() {
                    Some(ObjectNamePart::Identifier(i)) => i.value.to_ascii_lowercase(),
                    _ => return Err(undefined()),
                };
                let plain = |dt: DataType| {
                    if mods.is_empty() {
                        Ok(dt)
                    } else {
                        Err(undefined())
                    }
                };
                match ident.as_str() {
                    "int2" | "smallint" => plain(DataType::Int2),
                    "int4" | "int" | "integer" => plain(DataType::Int4),
                    "int8" | "bigint" => plain(DataType::Int8),
                    "float4" | "real" => plain(DataType::Float4),
                    "float8" => plain(DataType::Float8),
                    "bool" | "boolean" => plain(DataType::Bool),
                    "text" => plain(DataType::Text),
                    "bytea" => plain(DataType::Bytea),
                    "json" => plain(DataType::Json),
                    "jsonb" => plain(DataType::Jsonb),
                    "uuid" => plain(DataType::Uuid),
                    "date" => plain(DataType::Date),
                    "timestamptz" => Ok(DataType::Timestamptz),
                    "timestamp" => Ok(DataType::Timestamp),
                    "time" => Ok(DataType::Time),
                    "interval" => Ok(DataType::Interval),
                    "oid" => plain(DataType::Oid),
                    "name" => plain(DataType::Name),
                    "char" => plain(DataType::CharByte),
                    "regclass" => plain(DataType::Reg(RegKind::Class)),
                    "regtype" => plain(DataType::Reg(RegKind::Type)),
                    "regproc" => plain(DataType::Reg(RegKind::Proc)),
                    "regnamespace" => plain(DataType::Reg(RegKind::Namespace)),
                    "regrole" => plain(DataType::Reg(RegKind::Role)),
                    // The catalog's vector types behave as arrays here.
                    "int2vector" => plain(DataType::Array(Box::new(DataType::Int2))),
                    "oidvector" => plain(DataType::Array(Box::new(DataType::Oid))),
                    _ if ident.starts_with('_') && mods.is_empty() => {
                        let elem = SqlType::Custom(
                            sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new(
                                &ident[1..],
                            )]),
                            vec![],
                        );
                        match DataType::from_sql(&elem) {
                            Ok(DataType::Array(_) | DataType::Unknown) | Err(_) => Err(undefined()),
                            Ok(e) => Ok(DataType::Array(Box::new(e))),
                        }
                    }
                    "bpchar" | "varchar" | "numeric" | "decimal" => {
                        let nums = mods
                            .iter()
                            .map(|m| match m {
                                sqlparser::ast::TypeModifier::Number(n, _) => {
                                    n.parse::<i64>().map_err(|_| undefined())
                                }
                                _ => Err(undefined()),
                            })
                            .collect::<Result<Vec<i64>, TypeError>>()?;
                        custom_with_mods(&ident, &nums).ok_or_else(undefined)?
                    }
                    _ => Err(undefined()),
                }
            }
            _ => Err(undefined()),
        }
    }
}

fn invalid_param(message: String) -> TypeError {
    TypeError::InvalidParameterValue { message }
}

fn float_precision(p: i64) -> Result<DataType, TypeError> {
    if p < 1 {
        Err(invalid_param(
            "precision for type float must be at least 1 bit".into(),
        ))
    } else if p <= 24 {
        Ok(DataType::Float4)
    } else if p <= 53 {
        Ok(DataType::Float8)
    } else {
        Err(invalid_param(
            "precision for type float must be less than 54 bits".into(),
        ))
    }
}

fn numeric_with(precision: i64, scale: i64) -> Result<DataType, TypeError> {
    if !(1..=i64::from(numeric::MAX_PRECISION)).contains(&precision) {
        return Err(invalid_param(format!(
            "NUMERIC precision {precision} must be between 1 and {}",
            numeric::MAX_PRECISION
        )));
    }
    if scale < 0 {
        return Err(TypeError::FeatureNotSupported {
            feature: "negative NUMERIC scale".into(),
        });
    }
    if scale > i64::from(numeric::MAX_PRECISION) {
        return Err(invalid_param(format!(
            "NUMERIC scale {scale} must be between -1000 and 1000"
        )));
    }
    Ok(DataType::Numeric {
        precision: Some(precision as u32),
        scale: Some(scale as u32),
    })
}

fn numeric_type(info: &ExactNumberInfo) -> Result<DataType, TypeError> {
    match info {
        ExactNumberInfo::None => Ok(DataType::Numeric {
            precision: None,
            scale: None,
        }),
        ExactNumberInfo::Precision(p) => numeric_with(*p as i64, 0),
        ExactNumberInfo::PrecisionAndScale(p, s) => numeric_with(*p as i64, *s),
    }
}

fn check_char_length(n: i64, name: &str) -> Result<u32, TypeError> {
    if n < 1 {
        Err(invalid_param(format!(
            "length for type {name} must be at least 1"
        )))
    } else if n > i64::from(MAX_CHAR_LENGTH) {
        Err(invalid_param(format!(
            "length for type {name} cannot exceed {MAX_CHAR_LENGTH}"
        )))
    } else {
        Ok(n as u32)
    }
}

fn char_length(len: &Option<CharacterLength>, name: &str) -> Result<Option<u32>, TypeError> {
    match len {
        None => Ok(None),
        Some(CharacterLength::IntegerLength { length, .. }) => {
            check_char_length(i64::try_from(*length).unwrap_or(i64::MAX), name).map(Some)
        }
        Some(CharacterLength::Max) => Err(TypeError::UndefinedType {
            name: format!("{name}(max)"),
        }),
    }
}

fn custom_with_mods(name: &str, mods: &[i64]) -> Option<Result<DataType, TypeError>> {
    Some(match (name, mods) {
        ("bpchar", []) => Ok(DataType::Char(None)),
        ("bpchar", [n]) => check_char_length(*n, "char").map(|n| DataType::Char(Some(n))),
        ("varchar", []) => Ok(DataType::Varchar(None)),
        ("varchar", [n]) => check_char_length(*n, "varchar").map(|n| DataType::Varchar(Some(n))),
        ("numeric" | "decimal", []) => Ok(DataType::Numeric {
            precision: None,
            scale: None,
        }),
        ("numeric" | "decimal", [p]) => numeric_with(*p, 0),
        ("numeric" | "decimal", [p, s]) => numeric_with(*p, *s),
        _ => return None,
    })
}

/// Whether PostgreSQL allows a cast from `from` to `to` in the given context (`pg_cast`, plus
/// the automatic I/O casts: to a string type in assignment context, from a string type
/// explicitly; an unknown literal converts to anything implicitly).
pub fn can_cast(from: &DataType, to: &DataType, kind: CastKind) -> bool {
    use DataType as T;
    let (f, t) = (from.base(), to.base());
    if f == t || matches!(f, T::Unknown) {
        return true;
    }
    let context = match (&f, &t) {
        // Arrays convert element by element.
        (T::Array(a), T::Array(b)) => {
            return can_cast(a, b, kind);
        }
        // Integers and floats.
        (T::Int2, T::Int4 | T::Int8 | T::Float4 | T::Float8 | T::Numeric { .. }) => {
            CastKind::Implicit
        }
        (T::Int4, T::Int8 | T::Float4 | T::Float8 | T::Numeric { .. }) => CastKind::Implicit,
        (T::Int4, T::Int2) => CastKind::Assignment,
        (T::Int8, T::Float4 | T::Float8 | T::Numeric { .. }) => CastKind::Implicit,
        (T::Int8, T::Int2 | T::Int4) => CastKind::Assignment,
        (T::Float4, T::Float8) => CastKind::Implicit,
        (T::Float4, T::Int2 | T::Int4 | T::Int8 | T::Numeric { .. }) => CastKind::Assignment,
        (T::Float8, T::Int2 | T::Int4 | T::Int8 | T::Float4 | T::Numeric { .. }) => {
            CastKind::Assignment
        }
        (T::Numeric { .. }, T::Float4 | T::Float8) => CastKind::Implicit,
        (T::Numeric { .. }, T::Int2 | T::Int4 | T::Int8) => CastKind::Assignment,
        (T::Int4, T::Bool) | (T::Bool, T::Int4) => CastKind::Explicit,
        // Strings.
        (T::Char(_), T::Text | T::Varchar(_)) => CastKind::Implicit,
        (T::Varchar(_), T::Text | T::Char(_)) => CastKind::Implicit,
        (T::Text, T::Varchar(_) | T::Char(_)) => CastKind::Implicit,
        // Date/time.
        (T::Date, T::Timestamp | T::Timestamptz) => CastKind::Implicit,
        (T::Timestamp, T::Timestamptz) => CastKind::Implicit,
        (T::Timestamp, T::Date | T::Time) => CastKind::Assignment,
        (T::Timestamptz, T::Date | T::Time | T::Timestamp) => CastKind::Assignment,
        (T::Time, T::Interval) => CastKind::Implicit,
        (T::Interval, T::Time) => CastKind::Assignment,
        // Identifiers and OIDs.
        (T::Name, T::Text | T::Varchar(_) | T::Char(_)) => CastKind::Implicit,
        (T::Text | T::Varchar(_) | T::Char(_), T::Name) => CastKind::Implicit,
        (T::CharByte, T::Text) | (T::Text, T::CharByte) => CastKind::Implicit,
        (T::Int2 | T::Int4 | T::Int8, T::Oid | T::Reg(_)) => CastKind::Implicit,
        (T::Oid | T::Reg(_), T::Int4 | T::Int8) => CastKind::Assignment,
        (T::Oid | T::Reg(_), T::Oid | T::Reg(_)) => CastKind::Implicit,
        // JSON: json and jsonb convert in assignment; jsonb to the scalar types explicitly.
        (T::Json, T::Jsonb) | (T::Jsonb, T::Json) => CastKind::Assignment,
        (
            T::Jsonb,
            T::Bool | T::Int2 | T::Int4 | T::Int8 | T::Float4 | T::Float8 | T::Numeric { .. },
        ) => CastKind::Explicit,
        // Automatic I/O conversions.
        (_, T::Text | T::Varchar(_) | T::Char(_)) if !matches!(f, T::Unknown) => {
            CastKind::Assignment
        }
        (T::Text | T::Varchar(_) | T::Char(_), _) if !matches!(t, T::Unknown) => CastKind::Explicit,
        _ => return false,
    };
    let rank = |k: CastKind| match k {
        CastKind::Implicit => 0,
        CastKind::Assignment => 1,
        CastKind::Explicit => 2,
    };
    rank(context) <= rank(kind)
}

/// Refuses a type without a btree ordering (`json`) as a sort key (42883, as PostgreSQL).
pub fn check_orderable(t: &DataType) -> Result<(), TypeError> {
    match t.element().unwrap_or(t) {
        DataType::Json => Err(TypeError::Json {
            code: "42883",
            message: format!(
                "could not identify an ordering operator for type {}",
                t.base_name()
            ),
        }),
        _ => Ok(()),
    }
}

/// Refuses a type without an equality operator (`json`) as a DISTINCT, GROUP BY or UNION
/// key (42883, as PostgreSQL).
pub fn check_equality(t: &DataType) -> Result<(), TypeError> {
    match t.element().unwrap_or(t) {
        DataType::Json => Err(TypeError::Json {
            code: "42883",
            message: format!(
                "could not identify an equality operator for type {}",
                t.base_name()
            ),
        }),
        _ => Ok(()),
    }
}

/// The common type of UNION / CASE / COALESCE / VALUES branches (PostgreSQL's
/// `select_common_type` and `select_common_typmod`), reporting errors as for a UNION.
pub fn common_type(types: &[DataType]) -> Result<DataType, TypeError> {
    common_type_for("UNION", types)
}

/// [`common_type`] with the construct named in errors ("UNION", "CASE", "COALESCE",
/// "VALUES", "IN", ...). Also checks that every input converts implicitly to the result
/// ("UNION could not convert type time without time zone to date", 42846).
pub fn common_type_for(context: &'static str, types: &[DataType]) -> Result<DataType, TypeError> {
    let mut ptype = DataType::Unknown;
    for t in types {
        let nt = t.base();
        if nt == DataType::Unknown || nt == ptype {
            continue;
        }
        if ptype == DataType::Unknown {
            ptype = nt;
        } else if nt.category() != ptype.category() {
            return Err(TypeError::TypesCannotBeMatched {
                context,
                first: ptype.base_name().to_string(),
                second: nt.base_name().to_string(),
            });
        } else if !ptype.is_preferred()
            && can_cast(&ptype, &nt, CastKind::Implicit)
            && !can_cast(&nt, &ptype, CastKind::Implicit)
        {
            ptype = nt;
        }
    }
    if ptype == DataType::Unknown {
        return Ok(DataType::Text);
    }
    for t in types {
        if !can_cast(t, &ptype, CastKind::Implicit) {
            return Err(TypeError::CannotConvertToCommon {
                context,
                from: t.base_name().to_string(),
                to: ptype.base_name().to_string(),
            });
        }
    }
    // Keep the modifier when every input has exactly the same type and modifier.
    match types.first() {
        Some(first) if first.base() == ptype && types.iter().all(|t| t == first) => {
            Ok(first.clone())
        }
        _ => Ok(ptype),
    }
}
