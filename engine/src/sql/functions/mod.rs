//! Built-in functions: scalar functions resolved by name and argument types as PostgreSQL
//! resolves them (`resolve`), their evaluation (`string`, `bytea`, `pattern`, `math`,
//! `numeric`, `datetime`), and
//! aggregates (`agg`; ordered-set and hypothetical-set ones in `ordered_set`).
//!
//! A function is bound once its arguments are: [`ScalarFunc::resolve`] picks the overload
//! (PostgreSQL's `func_select_candidate` rules over the `pg_proc` entries of the supported
//! types) and says which type each argument is cast to and what the result type is;
//! [`ScalarFunc::call`] evaluates it on arguments already cast. Most functions are strict
//! (NULL in, NULL out); `coalesce`, `nullif`, `greatest`, `least`, `concat`, `concat_ws`
//! and `format` are not.

mod agg;
mod array;
mod bind;
mod bytea;
mod datetime;
mod dt_template;
mod enum_fn;
mod extract;
mod format;
mod from_char;
mod json;
mod make;
mod math;
mod numeric;
mod ordered_set;
mod pattern;
mod resolve;
mod string;
mod to_char;
mod to_char_num;
mod to_date;
mod to_number;

pub use agg::{AggFunc, AggState};
pub use ordered_set::types as ordered_set_types;
pub(crate) use pattern::text_array;
pub use resolve::{signature_text, Resolved};

use crate::error::{EngineError, Result};
use crate::types::{TypeError, Value};
use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarFunc {
    // Conditional.
    Coalesce,
    NullIf,
    Greatest,
    Least,
    // Strings (text, and bytea where PostgreSQL has the overload).
    /// Characters of text, bytes of bytea.
    Length,
    /// `length(character)`: trailing spaces do not count.
    BpcharLength,
    OctetLength,
    BitLength,
    Lower,
    Upper,
    Initcap,
    Substr,
    /// `strpos(s, sub)`, `position(sub IN s)`.
    StrPos,
    BTrim,
    LTrim,
    RTrim,
    Replace,
    Translate,
    Overlay,
    Concat,
    ConcatWs,
    Left,
    Right,
    Repeat,
    Reverse,
    LPad,
    RPad,
    SplitPart,
    StartsWith,
    Md5,
    Chr,
    Ascii,
    ToHex,
    QuoteLiteral,
    QuoteIdent,
    Format,
    /// `character` → `text`: drops trailing spaces (an implicit cast, not callable by name).
    BpcharToText,
    // Pattern matching.
    LikeEscape,
    SimilarToEscape,
    RegexpReplace,
    RegexpLike,
    RegexpMatch,
    RegexpSplitToArray,
    RegexpCount,
    RegexpInstr,
    RegexpSubstr,
    /// Prefix `~` on integers (the operator; not callable by name).
    BitNot,
    // Numbers.
    Abs,
    Round,
    Trunc,
    Ceil,
    Floor,
    Sign,
    Mod,
    Div,
    Power,
    Sqrt,
    Cbrt,
    Exp,
    Ln,
    /// `log(x)`: base 10; `log(b, x)` for numeric.
    Log,
    Log10,
    Pi,
    Degrees,
    Radians,
    Gcd,
    Lcm,
    Scale,
    Factorial,
    // Dates and times.
    /// `now()`, `CURRENT_TIMESTAMP`, `transaction_timestamp()`: the transaction's start.
    Now,
    StatementTimestamp,
    /// The wall clock at each call (volatile).
    ClockTimestamp,
    /// `timezone(zone, x)`, `x AT TIME ZONE zone`.
    AtTimeZone,
    CurrentDate,
    LocalTimestamp,
    LocalTime,
    DateTrunc,
    /// `date_part(unit, x)`: double precision.
    DatePart,
    /// `EXTRACT(unit FROM x)`: numeric.
    Extract,
    MakeDate,
    Age,
    ToTimestamp,
    /// `to_timestamp(text, template)`.
    ToTimestampText,
    /// `to_date(text, template)`.
    ToDate,
    /// `to_number(text, template)`.
    ToNumber,
    /// `to_char(timestamp | timestamptz | interval | number, template)`.
    ToChar,
    MakeTimestamp,
    MakeTimestamptz,
    MakeInterval,
    JustifyDays,
    JustifyHours,
    JustifyInterval,
    DateBin,
    WidthBucket,
    /// `num_nulls(VARIADIC "any")` / `num_nonnulls`: not strict.
    NumNulls,
    NumNonnulls,
    // Arrays.
    /// `a[i][j]...` (arguments: the array, then lower and upper per dimension).
    ArraySubscript,
    /// `a[l:u]...` (arguments as for `ArraySubscript`).
    ArraySlice,
    ArrayLength,
    ArrayLower,
    ArrayUpper,
    ArrayNdims,
    ArrayDims,
    Cardinality,
    ArrayToString,
    StringToArray,
    ArrayAppend,
    ArrayPrepend,
    ArrayCat,
    ArrayPosition,
    ArrayRemove,
    // JSON.
    ToJson,
    ToJsonb,
    JsonBuildObject,
    JsonbBuildObject,
    JsonBuildArray,
    JsonbBuildArray,
    JsonTypeof,
    JsonbTypeof,
    JsonArrayLength,
    JsonbArrayLength,
    JsonStripNulls,
    JsonbStripNulls,
    JsonbPretty,
    /// `json(b)_extract_path(j, variadic text[])`, the result of the argument's type.
    JsonExtractPath,
    JsonExtractPathText,
    JsonbSet,
    JsonbInsert,
    // bytea.
    Encode,
    Decode,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    GetByte,
    SetByte,
    ConvertTo,
    ConvertFrom,
    /// `enum_range(a, b)` (see `enum_fn`).
    EnumRange,
}

impl ScalarFunc {
    /// Resolves `name(args)` for argument types `args` (`Unknown` for untyped literals and
    /// NULLs): the function, the type each argument is cast to, the result type. `None` when
    /// no function of that name accepts the arguments; an error when several do equally well.
    pub fn resolve(name: &str, args: &[crate::types::DataType]) -> Result<Option<Resolved>> {
        resolve::resolve(name, args)
    }

    /// Whether the function depends only on its arguments (calls with constant arguments
    /// can be evaluated once, when the statement is bound). The clock functions are stable
    /// within a statement, which binding-time evaluation also gives.
    pub fn is_immutable(&self) -> bool {
        !matches!(self, ScalarFunc::ClockTimestamp)
    }

    /// Whether NULL in any argument gives NULL without calling the function.
    fn is_strict(&self) -> bool {
        !matches!(
            self,
            ScalarFunc::Coalesce
                | ScalarFunc::NullIf
                | ScalarFunc::Greatest
                | ScalarFunc::Least
                | ScalarFunc::Concat
                | ScalarFunc::ConcatWs
                | ScalarFunc::Format
                | ScalarFunc::EnumRange
                | ScalarFunc::NumNulls
                | ScalarFunc::NumNonnulls
        ) && array::is_strict(*self)
            && json::is_strict(*self)
    }

    /// Evaluates the function on arguments already cast to the types `resolve` chose.
    pub fn call(&self, args: &[Value]) -> Result<Value> {
        if self.is_strict() && args.iter().any(Value::is_null) {
            return Ok(Value::Null);
        }
        use ScalarFunc as F;
        match self {
            F::Coalesce => Ok(args
                .iter()
                .find(|v| !v.is_null())
                .cloned()
                .unwrap_or(Value::Null)),
            F::NullIf => {
                let (a, b) = (arg(args, 0)?, arg(args, 1)?);
                if !a.is_null() && !b.is_null() && a.sql_cmp(b)? == Some(Ordering::Equal) {
                    Ok(Value::Null)
                } else {
                    Ok(a.clone())
                }
            }
            F::Greatest | F::Least => {
                let mut best: Option<&Value> = None;
                for v in args.iter().filter(|v| !v.is_null()) {
                    let better = match best {
                        None => true,
                        Some(b) => {
                            let o = v.sql_cmp(b)?;
                            if *self == F::Greatest {
                                o == Some(Ordering::Greater)
                            } else {
                                o == Some(Ordering::Less)
                            }
                        }
                    };
                    if better {
                        best = Some(v);
                    }
                }
                Ok(best.cloned().unwrap_or(Value::Null))
            }
            F::Length
            | F::BpcharLength
            | F::OctetLength
            | F::BitLength
            | F::Lower
            | F::Upper
            | F::Initcap
            | F::Substr
            | F::StrPos
            | F::BTrim
            | F::LTrim
            | F::RTrim
            | F::Replace
            | F::Translate
            | F::Overlay
            | F::Concat
            | F::ConcatWs
            | F::Left
            | F::Right
            | F::Repeat
            | F::Reverse
            | F::LPad
            | F::RPad
            | F::SplitPart
            | F::StartsWith
            | F::Md5
            | F::Chr
            | F::Ascii
            | F::ToHex
            | F::QuoteLiteral
            | F::QuoteIdent
            | F::Format
            | F::BpcharToText => string::call(*self, args),
            F::LikeEscape
            | F::SimilarToEscape
            | F::RegexpReplace
            | F::RegexpLike
            | F::RegexpMatch
            | F::RegexpSplitToArray
            | F::RegexpCount
            | F::RegexpInstr
            | F::RegexpSubstr
            | F::BitNot => pattern::call(*self, args),
            F::Abs
            | F::Round
            | F::Trunc
            | F::Ceil
            | F::Floor
            | F::Sign
            | F::Mod
            | F::Div
            | F::Power
            | F::Sqrt
            | F::Cbrt
            | F::Exp
            | F::Ln
            | F::Log
            | F::Log10
            | F::Pi
            | F::Degrees
            | F::Radians
            | F::Gcd
            | F::Lcm
            | F::Scale
            | F::Factorial => math::call(*self, args),
            F::Now
            | F::StatementTimestamp
            | F::ClockTimestamp
            | F::AtTimeZone
            | F::CurrentDate
            | F::LocalTimestamp
            | F::LocalTime
            | F::DateTrunc
            | F::DatePart
            | F::Extract
            | F::MakeDate
            | F::Age
            | F::ToTimestamp => datetime::call(*self, args),
            F::ToChar => to_char::call(args),
            F::ToDate => to_date::to_date(text_arg(args, 0)?, text_arg(args, 1)?),
            F::ToTimestampText => to_date::to_timestamp(text_arg(args, 0)?, text_arg(args, 1)?),
            F::ToNumber => to_number::to_number(text_arg(args, 0)?, text_arg(args, 1)?),
            F::MakeTimestamp
            | F::MakeTimestamptz
            | F::MakeInterval
            | F::JustifyDays
            | F::JustifyHours
            | F::JustifyInterval
            | F::DateBin
            | F::WidthBucket => make::call(*self, args),
            F::NumNulls => Ok(Value::Int4(
                args.iter().filter(|v| v.is_null()).count() as i32
            )),
            F::NumNonnulls => Ok(Value::Int4(
                args.iter().filter(|v| !v.is_null()).count() as i32
            )),
            F::ArraySubscript
            | F::ArraySlice
            | F::ArrayLength
            | F::ArrayLower
            | F::ArrayUpper
            | F::ArrayNdims
            | F::ArrayDims
            | F::Cardinality
            | F::ArrayToString
            | F::StringToArray
            | F::ArrayAppend
            | F::ArrayPrepend
            | F::ArrayCat
            | F::ArrayPosition
            | F::ArrayRemove => array::call(*self, args),
            F::ToJson
            | F::ToJsonb
            | F::JsonBuildObject
            | F::JsonbBuildObject
            | F::JsonBuildArray
            | F::JsonbBuildArray
            | F::JsonTypeof
            | F::JsonbTypeof
            | F::JsonArrayLength
            | F::JsonbArrayLength
            | F::JsonStripNulls
            | F::JsonbStripNulls
            | F::JsonbPretty
            | F::JsonExtractPath
            | F::JsonExtractPathText
            | F::JsonbSet
            | F::JsonbInsert => json::call(*self, args),
            f if bytea::is_bytea_func(*f) => bytea::call(*f, args),
            F::EnumRange => enum_fn::range(args),
            _ => Err(wrong_type()),
        }
    }
}

/// The `i`-th argument (arity is settled by resolution; a mismatch is an internal error).
fn arg(args: &[Value], i: usize) -> Result<&Value> {
    args.get(i).ok_or(EngineError::Internal {
        reason: "function called with too few arguments",
    })
}

fn wrong_type() -> EngineError {
    EngineError::Internal {
        reason: "function argument of an unexpected type",
    }
}

fn text_arg(args: &[Value], i: usize) -> Result<&str> {
    match arg(args, i)? {
        Value::Text(s) => Ok(s),
        _ => Err(wrong_type()),
    }
}

fn int_arg(args: &[Value], i: usize) -> Result<i64> {
    match arg(args, i)? {
        Value::Int2(v) => Ok(i64::from(*v)),
        Value::Int4(v) => Ok(i64::from(*v)),
        Value::Int8(v) => Ok(*v),
        _ => Err(wrong_type()),
    }
}

fn f64_arg(args: &[Value], i: usize) -> Result<f64> {
    match arg(args, i)? {
        Value::Float8(v) => Ok(*v),
        Value::Float4(v) => Ok(f64::from(*v)),
        _ => Err(wrong_type()),
    }
}

/// An error PostgreSQL raises with SQLSTATE `code` and `message`.
///
/// The engine's error type has variants for most codes; those it cannot express yet with a
/// message of their own — 2201E (invalid argument for logarithm), 2201F (invalid argument
/// for power function, other than the two power errors the type system has), 22011
/// (substring error), 54000 (program limit exceeded), 42725 (ambiguous function), 22004
/// (null value not allowed) — are
/// reported with PostgreSQL's message under 22023 (invalid parameter value). Map them here
/// once `EngineError` has a variant carrying an arbitrary SQLSTATE.
fn pg_error(code: &'static str, message: String) -> EngineError {
    match code {
        "22012" => TypeError::DivisionByZero.into(),
        "0A000" => EngineError::FeatureNotSupported { feature: message },
        "42883" => EngineError::UndefinedFunction { signature: message },
        "22008" => TypeError::DatetimeFieldOverflow { input: message }.into(),
        "22023" => EngineError::InvalidParameterValue { message },
        code => EngineError::Function { code, message },
    }
}

fn integer_out_of_range() -> EngineError {
    TypeError::IntegerOutOfRange {
        type_name: "integer",
    }
    .into()
}

fn bigint_out_of_range() -> EngineError {
    TypeError::IntegerOutOfRange {
        type_name: "bigint",
    }
    .into()
}

fn smallint_out_of_range() -> EngineError {
    TypeError::IntegerOutOfRange {
        type_name: "smallint",
    }
    .into()
}
