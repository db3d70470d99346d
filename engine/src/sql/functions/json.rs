//! JSON functions: `to_json(b)`, `json(b)_build_object` / `_array`, `json(b)_typeof`,
//! `json(b)_array_length`, `json(b)_extract_path(_text)`, `jsonb_set`, `jsonb_insert`,
//! `json(b)_strip_nulls`, `jsonb_pretty`, and the conversion of SQL values to JSON that they
//! and the JSON aggregates share (PostgreSQL's `datum_to_json` / `datum_to_jsonb`).

use super::{arg, Resolved, ScalarFunc};
use crate::error::{EngineError, Result};
use crate::types::json::ops::{index_of, non_null_path, not_integer, text_items};
use crate::types::json::parse::{self, Node, NodeKind};
use crate::types::json::{escape_into, quoted, Json};
use crate::types::{DataType, Numeric, TypeError, Value};

fn invalid(message: impl Into<String>) -> EngineError {
    TypeError::Json {
        code: "22023",
        message: message.into(),
    }
    .into()
}

/// Resolves a JSON function by name; `None` if `name` is not one.
pub fn resolve(name: &str, types: &[DataType]) -> Option<Result<Resolved>> {
    use DataType as T;
    use ScalarFunc as F;
    let text_array = || T::Array(Box::new(T::Text));
    // "any" arguments keep their type; an untyped literal is text.
    let any = || -> Vec<DataType> {
        types
            .iter()
            .map(|t| if *t == T::Unknown { T::Text } else { t.clone() })
            .collect()
    };
    let fixed = |func: ScalarFunc, args: &[DataType], ret: DataType| {
        Some(Ok(Resolved {
            func,
            arg_types: args.to_vec(),
            ret,
        }))
    };
    let undefined = || {
        let args: Vec<String> = types.iter().map(|t| t.base_name().into_owned()).collect();
        Some(Err(EngineError::UndefinedFunction {
            signature: format!("{name}({})", args.join(", ")),
        }))
    };
    let accepts = |want: &DataType| {
        types.iter().all(|t| {
            *t == T::Unknown
                || t.base() == *want
                || crate::types::can_cast(t, want, crate::types::CastKind::Implicit)
        })
    };
    let one_json = |func: ScalarFunc, j: DataType, ret: DataType| {
        if types.len() == 1 && accepts(&j) {
            fixed(func, &[j], ret)
        } else {
            undefined()
        }
    };
    match name {
        "to_json" | "to_jsonb" if types.len() == 1 => {
            let (func, ret) = if name == "to_json" {
                (F::ToJson, T::Json)
            } else {
                (F::ToJsonb, T::Jsonb)
            };
            Some(Ok(Resolved {
                func,
                arg_types: any(),
                ret,
            }))
        }
        "json_build_object" | "jsonb_build_object" | "json_build_array" | "jsonb_build_array" => {
            let (func, ret) = match name {
                "json_build_object" => (F::JsonBuildObject, T::Json),
                "jsonb_build_object" => (F::JsonbBuildObject, T::Jsonb),
                "json_build_array" => (F::JsonBuildArray, T::Json),
                _ => (F::JsonbBuildArray, T::Jsonb),
            };
            Some(Ok(Resolved {
                func,
                arg_types: any(),
                ret,
            }))
        }
        "json_typeof" => one_json(F::JsonTypeof, T::Json, T::Text),
        "jsonb_typeof" => one_json(F::JsonbTypeof, T::Jsonb, T::Text),
        "json_array_length" => one_json(F::JsonArrayLength, T::Json, T::Int4),
        "jsonb_array_length" => one_json(F::JsonbArrayLength, T::Jsonb, T::Int4),
        "json_strip_nulls" => one_json(F::JsonStripNulls, T::Json, T::Json),
        "jsonb_strip_nulls" => one_json(F::JsonbStripNulls, T::Jsonb, T::Jsonb),
        "jsonb_pretty" => one_json(F::JsonbPretty, T::Jsonb, T::Text),
        "json_extract_path"
        | "jsonb_extract_path"
        | "json_extract_path_text"
        | "jsonb_extract_path_text" => {
            let j = if name.starts_with("jsonb") {
                T::Jsonb
            } else {
                T::Json
            };
            let as_text = name.ends_with("_text");
            let ret = if as_text { T::Text } else { j.clone() };
            let func = if as_text {
                F::JsonExtractPathText
            } else {
                F::JsonExtractPath
            };
            let ok = types.first().is_some_and(|t| {
                *t == T::Unknown || crate::types::can_cast(t, &j, crate::types::CastKind::Implicit)
            }) && types[1..].iter().all(|t| *t == T::Unknown || t.is_string());
            if !ok {
                return undefined();
            }
            let mut args = vec![j];
            args.extend(std::iter::repeat_n(T::Text, types.len() - 1));
            fixed(func, &args, ret)
        }
        "jsonb_set" | "jsonb_insert" => {
            let func = if name == "jsonb_set" {
                F::JsonbSet
            } else {
                F::JsonbInsert
            };
            let args = [T::Jsonb, text_array(), T::Jsonb, T::Bool];
            let n = types.len();
            let ok = (3..=4).contains(&n)
                && types.iter().zip(&args).all(|(t, want)| {
                    *t == T::Unknown
                        || crate::types::can_cast(t, want, crate::types::CastKind::Implicit)
                });
            if !ok {
                return undefined();
            }
            fixed(func, &args[..n], T::Jsonb)
        }
        _ => None,
    }
}

/// Whether the function returns NULL for a NULL argument without being called.
pub fn is_strict(f: ScalarFunc) -> bool {
    !matches!(
        f,
        ScalarFunc::JsonBuildObject
            | ScalarFunc::JsonbBuildObject
            | ScalarFunc::JsonBuildArray
            | ScalarFunc::JsonbBuildArray
    )
}

fn json_arg(args: &[Value], i: usize) -> Result<&str> {
    match arg(args, i)? {
        Value::Json(s) => Ok(s),
        _ => Err(super::wrong_type()),
    }
}

fn jsonb_arg(args: &[Value], i: usize) -> Result<&Json> {
    match arg(args, i)? {
        Value::Jsonb(j) => Ok(j),
        _ => Err(super::wrong_type()),
    }
}

fn jsonb(j: Json) -> Result<Value> {
    Ok(Value::Jsonb(Box::new(j)))
}

/// Evaluates a JSON function on arguments cast to the resolved types.
pub fn call(f: ScalarFunc, args: &[Value]) -> Result<Value> {
    use ScalarFunc as F;
    match f {
        F::ToJson => Ok(Value::Json(to_json_text(arg(args, 0)?)?)),
        F::ToJsonb => jsonb(to_jsonb(arg(args, 0)?)?),
        F::JsonBuildObject | F::JsonbBuildObject => {
            if !args.len().is_multiple_of(2) {
                return Err(EngineError::Function {
                    code: "22023",
                    message: "argument list must have even number of elements".into(),
                });
            }
            let mut members = Vec::with_capacity(args.len() / 2);
            for (i, pair) in args.chunks(2).enumerate() {
                let key = match &pair[0] {
                    Value::Null => {
                        return Err(invalid(format!(
                            "argument {}: key must not be null",
                            2 * i + 1
                        )))
                    }
                    k => key_text(k)?,
                };
                members.push((key, &pair[1]));
            }
            if f == F::JsonbBuildObject {
                let members = members
                    .into_iter()
                    .map(|(k, v)| Ok((k, to_jsonb(v)?)))
                    .collect::<Result<Vec<_>>>()?;
                return jsonb(Json::object(members));
            }
            let mut out = String::from("{");
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                escape_into(&mut out, &k);
                out.push_str(" : ");
                out.push_str(&to_json_text(v)?);
            }
            out.push('}');
            Ok(Value::Json(out))
        }
        F::JsonBuildArray => {
            let items = args.iter().map(to_json_text).collect::<Result<Vec<_>>>()?;
            Ok(Value::Json(format!("[{}]", items.join(", "))))
        }
        F::JsonbBuildArray => jsonb(Json::Array(
            args.iter().map(to_jsonb).collect::<Result<Vec<_>>>()?,
        )),
        F::JsonTypeof => {
            let n = parse::parse(json_arg(args, 0)?, false)?;
            Ok(Value::Text(node_type(&n).into()))
        }
        F::JsonbTypeof => Ok(Value::Text(jsonb_arg(args, 0)?.type_name().into())),
        F::JsonArrayLength => match parse::parse(json_arg(args, 0)?, false)?.kind {
            NodeKind::Array(items) => Ok(Value::Int4(items.len() as i32)),
            NodeKind::Object(_) => Err(invalid("cannot get array length of a non-array")),
            _ => Err(invalid("cannot get array length of a scalar")),
        },
        F::JsonbArrayLength => match jsonb_arg(args, 0)? {
            Json::Array(items) => Ok(Value::Int4(items.len() as i32)),
            Json::Object(_) => Err(invalid("cannot get array length of a non-array")),
            _ => Err(invalid("cannot get array length of a scalar")),
        },
        F::JsonbStripNulls => jsonb(strip_nulls(jsonb_arg(args, 0)?)),
        F::JsonStripNulls => {
            let text = json_arg(args, 0)?;
            let n = parse::parse(text, false)?;
            let mut out = String::new();
            compact_without_nulls(text, &n, &mut out);
            Ok(Value::Json(out))
        }
        F::JsonbPretty => Ok(Value::Text(jsonb_arg(args, 0)?.pretty())),
        F::JsonExtractPath | F::JsonExtractPathText => {
            let as_text = f == F::JsonExtractPathText;
            let items: Vec<Value> = args[1..].to_vec();
            let path = Value::Array(Box::new(crate::types::array::ArrayValue::from_items(
                DataType::Text,
                items,
            )));
            Ok(crate::types::json::ops::get_path(
                arg(args, 0)?,
                &path,
                as_text,
            )?)
        }
        F::JsonbSet | F::JsonbInsert => {
            let target = jsonb_arg(args, 0)?;
            let path = text_items(arg(args, 1)?)?;
            let new = jsonb_arg(args, 2)?;
            let flag = match args.get(3) {
                Some(Value::Bool(b)) => *b,
                _ => f == F::JsonbSet,
            };
            jsonb(set_path(target, &path, new, f == F::JsonbInsert, flag)?)
        }
        _ => Err(EngineError::Internal {
            reason: "not a JSON function",
        }),
    }
}

/// An object key from a value: its text output (booleans as `true` / `false`).
pub fn key_text(v: &Value) -> Result<String> {
    Ok(match v {
        Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        v => v.to_text().unwrap_or_default(),
    })
}

fn node_type(n: &Node) -> &'static str {
    match n.kind {
        NodeKind::Null => "null",
        NodeKind::Bool(_) => "boolean",
        NodeKind::Number(_) => "number",
        NodeKind::String(_) => "string",
        NodeKind::Array(_) => "array",
        NodeKind::Object(_) => "object",
    }
}

/// A timestamp's JSON form: ISO 8601 with a `T` (PostgreSQL's XSD style).
fn iso_timestamp(text: &str, with_zone: bool) -> String {
    if text.contains("infinity") {
        return text.to_string();
    }
    let mut s = text.replacen(' ', "T", 1);
    if with_zone {
        // The zone offset is printed as +HH or +HH:MM; JSON uses +HH:MM.
        let at = s.rfind(['+', '-']).unwrap_or(s.len());
        if s.len() - at == 3 {
            s.push_str(":00");
        }
    }
    s
}

/// The text of a scalar SQL value in JSON: numbers bare (NaN and infinities quoted),
/// booleans as `true`/`false`, timestamps in ISO 8601, everything else a JSON string.
fn scalar_json(v: &Value) -> Option<String> {
    let bare_number = |s: String| {
        if s.chars().any(|c| c.is_ascii_alphabetic() && c != 'e') {
            quoted(&s)
        } else {
            s
        }
    };
    Some(match v {
        Value::Null => "null".into(),
        Value::Bool(b) => if *b { "true" } else { "false" }.into(),
        Value::Int2(_) | Value::Int4(_) | Value::Int8(_) | Value::Oid(_) => {
            v.to_text().unwrap_or_default()
        }
        Value::Float4(_) | Value::Float8(_) | Value::Numeric(_) => {
            bare_number(v.to_text().unwrap_or_default())
        }
        Value::Timestamp(_) => quoted(&iso_timestamp(&v.to_text().unwrap_or_default(), false)),
        Value::Timestamptz(_) => quoted(&iso_timestamp(&v.to_text().unwrap_or_default(), true)),
        Value::Json(s) => s.clone(),
        Value::Jsonb(j) => j.to_text(),
        Value::Array(_) => return None,
        v => quoted(&v.to_text().unwrap_or_default()),
    })
}

/// `to_json`: arrays become JSON arrays (nested by dimension, without spaces).
pub fn to_json_text(v: &Value) -> Result<String> {
    if let Value::Array(a) = v {
        let items = a
            .items
            .iter()
            .map(to_json_text)
            .collect::<Result<Vec<_>>>()?;
        let lens: Vec<usize> = a.dims.iter().map(|d| d.len.max(0) as usize).collect();
        return Ok(nest(&items, &lens));
    }
    Ok(scalar_json(v).unwrap_or_default())
}

/// Items laid out in nested arrays of the given dimension lengths.
fn nest(items: &[String], lens: &[usize]) -> String {
    match lens.split_first() {
        None => items.first().cloned().unwrap_or_else(|| "null".into()),
        Some((_, [])) => format!("[{}]", items.join(",")),
        Some((&n, rest)) => {
            let chunk = rest.iter().product::<usize>().max(1);
            let parts: Vec<String> = (0..n)
                .map(|i| {
                    nest(
                        &items[(i * chunk).min(items.len())..((i + 1) * chunk).min(items.len())],
                        rest,
                    )
                })
                .collect();
            format!("[{}]", parts.join(","))
        }
    }
}

/// `to_jsonb`.
pub fn to_jsonb(v: &Value) -> Result<Json> {
    Ok(match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Jsonb(j) => (**j).clone(),
        Value::Json(s) => Json::parse(s)?,
        Value::Int2(_) | Value::Int4(_) | Value::Int8(_) | Value::Oid(_) => {
            Json::Number(Numeric::from_i64(v.as_i64().unwrap_or_default()))
        }
        Value::Numeric(n) if !n.is_nan() && !n.is_infinite() => Json::Number(n.clone()),
        Value::Float4(_) | Value::Float8(_) => {
            let s = v.to_text().unwrap_or_default();
            match Numeric::parse(&s) {
                Ok(n) if !n.is_nan() && !n.is_infinite() => Json::Number(n),
                _ => Json::String(s),
            }
        }
        Value::Array(_) => Json::parse(&to_json_text(v)?)?,
        v => match scalar_json(v) {
            Some(s) => Json::parse(&s)?,
            None => Json::Null,
        },
    })
}

/// `jsonb_strip_nulls`: object members whose value is null are removed, at every depth.
fn strip_nulls(j: &Json) -> Json {
    match j {
        Json::Object(m) => Json::Object(
            m.iter()
                .filter(|(_, v)| *v != Json::Null)
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.iter().map(strip_nulls).collect()),
        j => j.clone(),
    }
}

/// `json_strip_nulls`: the value without whitespace and without null object members.
fn compact_without_nulls(text: &str, n: &Node, out: &mut String) {
    match &n.kind {
        NodeKind::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                compact_without_nulls(text, v, out);
            }
            out.push(']');
        }
        NodeKind::Object(m) => {
            out.push('{');
            let mut first = true;
            for (k, v) in m {
                if matches!(v.kind, NodeKind::Null) {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                escape_into(out, k);
                out.push(':');
                compact_without_nulls(text, v, out);
            }
            out.push('}');
        }
        _ => out.push_str(&text[n.start..n.end]),
    }
}

/// `jsonb_set(target, path, new, create_missing)` and
/// `jsonb_insert(target, path, new, insert_after)` (`setPath`).
fn set_path(
    target: &Json,
    path: &[Option<String>],
    new: &Json,
    insert: bool,
    flag: bool,
) -> Result<Json> {
    if !matches!(target, Json::Array(_) | Json::Object(_)) {
        return Err(invalid("cannot set path in scalar"));
    }
    let path = non_null_path(path)?;
    let mut out = target.clone();
    if !path.is_empty() {
        set_at(&mut out, &path, 1, new, insert, flag)?;
    }
    Ok(out)
}

fn set_at(
    j: &mut Json,
    path: &[&str],
    pos: usize,
    new: &Json,
    insert: bool,
    flag: bool,
) -> Result<()> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(());
    };
    let last = rest.is_empty();
    match j {
        Json::Object(m) => match m.iter().position(|(k, _)| k == first) {
            Some(at) if last => {
                if insert {
                    return Err(EngineError::Function {
                        code: "22023",
                        message: "cannot replace existing key".into(),
                    });
                }
                m[at].1 = new.clone();
            }
            Some(at) => set_at(&mut m[at].1, rest, pos + 1, new, insert, flag)?,
            // jsonb_set creates a missing last key when asked; jsonb_insert always does.
            None if last && (insert || flag) => {
                let mut members = std::mem::take(m);
                members.push((first.to_string(), new.clone()));
                *j = Json::object(members);
            }
            None => {}
        },
        Json::Array(items) => {
            let i: i64 = first.trim().parse().map_err(|_| not_integer(pos, first))?;
            match index_of(i, items.len()) {
                Some(at) if last => {
                    if insert {
                        items.insert(if flag { at + 1 } else { at }, new.clone());
                    } else {
                        items[at] = new.clone();
                    }
                }
                Some(at) => set_at(&mut items[at], rest, pos + 1, new, insert, flag)?,
                // Beyond either end: added at that end (when creating is allowed).
                None if last && (insert || flag) => {
                    if i < 0 {
                        items.insert(0, new.clone());
                    } else {
                        items.push(new.clone());
                    }
                }
                None => {}
            }
        }
        _ => {}
    }
    Ok(())
}

/// The JSON aggregates' results from their collected (value, second argument) pairs.
pub fn aggregate(func: super::AggFunc, pairs: Vec<(Value, Value)>) -> Result<Value> {
    use super::AggFunc as A;
    if pairs.is_empty() {
        return Ok(Value::Null);
    }
    Ok(match func {
        A::JsonAgg => {
            let items = pairs
                .iter()
                .map(|(v, _)| to_json_text(v))
                .collect::<Result<Vec<_>>>()?;
            Value::Json(format!("[{}]", items.join(", ")))
        }
        A::JsonbAgg => Value::Jsonb(Box::new(Json::Array(
            pairs
                .iter()
                .map(|(v, _)| to_jsonb(v))
                .collect::<Result<Vec<_>>>()?,
        ))),
        A::JsonObjectAgg => {
            let mut out = String::from("{ ");
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                escape_into(&mut out, &key_text(k)?);
                out.push_str(" : ");
                out.push_str(&to_json_text(v)?);
            }
            out.push_str(" }");
            Value::Json(out)
        }
        _ => Value::Jsonb(Box::new(Json::object(
            pairs
                .iter()
                .map(|(k, v)| Ok((key_text(k)?, to_jsonb(v)?)))
                .collect::<Result<Vec<_>>>()?,
        ))),
    })
}
