//! The JSON set-returning functions: `json(b)_array_elements(_text)` and
//! `json(b)_object_keys` (one column), `json(b)_each(_text)` (columns `key` and `value`),
//! and `json(b)_to_record(set)` (the columns of the call's column definition list, filled
//! from the object's members of the same names). json values yield their members' input
//! text; jsonb values their normalised values.

use crate::error::{EngineError, Result};
use crate::types::json::parse::{self, NodeKind};
use crate::types::json::Json;
use crate::types::{DataType, TypeError, Value};

/// Which JSON set-returning function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonSet {
    ArrayElements,
    ArrayElementsText,
    ObjectKeys,
    Each,
    EachText,
    ToRecord,
    ToRecordset,
}

/// `name` as a JSON set-returning function: the function, whether it takes jsonb, and its
/// output columns (named when the function has OUT parameters).
pub fn lookup(name: &str) -> Option<(JsonSet, bool)> {
    let (jsonb, rest) = match name.strip_prefix("jsonb_") {
        Some(r) => (true, r),
        None => (false, name.strip_prefix("json_")?),
    };
    let f = match rest {
        "array_elements" => JsonSet::ArrayElements,
        "array_elements_text" => JsonSet::ArrayElementsText,
        "object_keys" => JsonSet::ObjectKeys,
        "each" => JsonSet::Each,
        "each_text" => JsonSet::EachText,
        "to_record" => JsonSet::ToRecord,
        "to_recordset" => JsonSet::ToRecordset,
        _ => return None,
    };
    Some((f, jsonb))
}

/// The output columns: (name from an OUT parameter, if any; type).
pub fn columns(f: JsonSet, jsonb: bool) -> Vec<(Option<&'static str>, DataType)> {
    let j = if jsonb {
        DataType::Jsonb
    } else {
        DataType::Json
    };
    match f {
        JsonSet::ArrayElements => vec![(Some("value"), j)],
        JsonSet::ArrayElementsText => vec![(Some("value"), DataType::Text)],
        JsonSet::ObjectKeys => vec![(None, DataType::Text)],
        JsonSet::Each => vec![(Some("key"), DataType::Text), (Some("value"), j)],
        JsonSet::EachText => vec![
            (Some("key"), DataType::Text),
            (Some("value"), DataType::Text),
        ],
        // Columns come from the column definition list.
        JsonSet::ToRecord | JsonSet::ToRecordset => Vec::new(),
    }
}

fn invalid(message: String) -> EngineError {
    TypeError::Json {
        code: "22023",
        message,
    }
    .into()
}

fn kind_word(j: &Json) -> &'static str {
    match j {
        Json::Object(_) => "an object",
        Json::Array(_) => "an array",
        _ => "a scalar",
    }
}

/// A member's value as a column of type `ty` (`populate_record`): JSON null is NULL, json
/// and jsonb columns take the value, arrays fill array columns element by element, strings
/// are read by the type's input function unquoted and anything else as its JSON text.
fn member_value(j: &Json, ty: &DataType) -> Result<Value> {
    Ok(match (j, ty) {
        (Json::Null, _) => Value::Null,
        (_, DataType::Jsonb) => Value::Jsonb(Box::new(j.clone())),
        (_, DataType::Json) => Value::Json(j.to_text()),
        (Json::Array(items), DataType::Array(elem)) => {
            let items = items
                .iter()
                .map(|x| member_value(x, elem))
                .collect::<Result<Vec<_>>>()?;
            Value::Array(Box::new(crate::types::array::ArrayValue::from_items(
                (**elem).clone(),
                items,
            )))
        }
        (Json::String(s), ty) => Value::parse(s, ty)?,
        (j, ty) => Value::parse(&j.to_text(), ty)?,
    })
}

/// One row of `json(b)_to_record(set)` from an object: its members named by the columns.
fn record_row(m: &Json, record: &[(String, DataType)]) -> Result<Vec<Value>> {
    record
        .iter()
        .map(|(n, t)| match m.get(n) {
            Some(j) => member_value(j, t),
            None => Ok(Value::Null),
        })
        .collect()
}

/// The rows of `json(b)_to_record(set)`; `record` holds the column names and types.
fn record_rows(
    f: JsonSet,
    name: &str,
    j: &Json,
    record: &[(String, DataType)],
) -> Result<Vec<Vec<Value>>> {
    match (f, j) {
        (JsonSet::ToRecord, Json::Object(_)) => Ok(vec![record_row(j, record)?]),
        (JsonSet::ToRecord, j) => Err(invalid(format!(
            "cannot call populate_composite on {}",
            kind_word(j)
        ))),
        (_, Json::Array(items)) => items
            .iter()
            .map(|x| match x {
                Json::Object(_) => record_row(x, record),
                _ => Err(invalid(format!(
                    "argument of {name} must be an array of objects"
                ))),
            })
            .collect(),
        _ => Err(invalid(format!("cannot call {name} on a non-array"))),
    }
}

/// The rows of `f` over a json or jsonb value (`name` for errors); `record` names and types
/// the columns of `json(b)_to_record(set)`.
pub fn rows(
    f: JsonSet,
    name: &str,
    v: &Value,
    record: &[(String, DataType)],
) -> Result<Vec<Vec<Value>>> {
    if matches!(f, JsonSet::ToRecord | JsonSet::ToRecordset) {
        let j = match v {
            Value::Jsonb(j) => (**j).clone(),
            Value::Json(t) => Json::parse(t)?,
            _ => {
                return Err(EngineError::Internal {
                    reason: "JSON set-returning function over a non-JSON value",
                })
            }
        };
        return record_rows(f, name, &j, record);
    }
    let text_of = |j: &Json| j.scalar_text().map_or(Value::Null, Value::Text);
    match v {
        Value::Jsonb(j) => match (f, &**j) {
            (JsonSet::ArrayElements, Json::Array(items)) => Ok(items
                .iter()
                .map(|x| vec![Value::Jsonb(Box::new(x.clone()))])
                .collect()),
            (JsonSet::ArrayElementsText, Json::Array(items)) => {
                Ok(items.iter().map(|x| vec![text_of(x)]).collect())
            }
            (JsonSet::ArrayElements | JsonSet::ArrayElementsText, j) => Err(invalid(format!(
                "cannot extract elements from {}",
                kind_word(j)
            ))),
            (JsonSet::ObjectKeys, Json::Object(m)) => Ok(m
                .iter()
                .map(|(k, _)| vec![Value::Text(k.clone())])
                .collect()),
            (JsonSet::Each, Json::Object(m)) => Ok(m
                .iter()
                .map(|(k, x)| vec![Value::Text(k.clone()), Value::Jsonb(Box::new(x.clone()))])
                .collect()),
            (JsonSet::EachText, Json::Object(m)) => Ok(m
                .iter()
                .map(|(k, x)| vec![Value::Text(k.clone()), text_of(x)])
                .collect()),
            (JsonSet::Each | JsonSet::EachText, _) => {
                Err(invalid(format!("cannot call {name} on a non-object")))
            }
            (_, j) => Err(invalid(format!("cannot call {name} on {}", kind_word(j)))),
        },
        Value::Json(t) => {
            let root = parse::parse(t, false)?;
            let raw = |n: &parse::Node| Value::Json(t[n.start..n.end].to_string());
            let text = |n: &parse::Node| match &n.kind {
                NodeKind::Null => Value::Null,
                NodeKind::String(s) => Value::Text(s.clone()),
                _ => Value::Text(t[n.start..n.end].to_string()),
            };
            let word = |k: &NodeKind| match k {
                NodeKind::Object(_) => "an object",
                NodeKind::Array(_) => "an array",
                _ => "a scalar",
            };
            match (f, &root.kind) {
                (JsonSet::ArrayElements, NodeKind::Array(items)) => {
                    Ok(items.iter().map(|x| vec![raw(x)]).collect())
                }
                (JsonSet::ArrayElementsText, NodeKind::Array(items)) => {
                    Ok(items.iter().map(|x| vec![text(x)]).collect())
                }
                (JsonSet::ArrayElements | JsonSet::ArrayElementsText, NodeKind::Object(_)) => Err(
                    invalid("cannot call json_array_elements on a non-array".into()),
                ),
                (JsonSet::ArrayElements | JsonSet::ArrayElementsText, _) => Err(invalid(
                    "cannot call json_array_elements on a scalar".into(),
                )),
                (JsonSet::ObjectKeys, NodeKind::Object(m)) => Ok(m
                    .iter()
                    .map(|(k, _)| vec![Value::Text(k.clone())])
                    .collect()),
                (JsonSet::Each, NodeKind::Object(m)) => Ok(m
                    .iter()
                    .map(|(k, x)| vec![Value::Text(k.clone()), raw(x)])
                    .collect()),
                (JsonSet::EachText, NodeKind::Object(m)) => Ok(m
                    .iter()
                    .map(|(k, x)| vec![Value::Text(k.clone()), text(x)])
                    .collect()),
                (JsonSet::Each | JsonSet::EachText, NodeKind::Array(_)) => {
                    Err(invalid("cannot deconstruct an array as an object".into()))
                }
                (JsonSet::Each | JsonSet::EachText, _) => {
                    Err(invalid("cannot deconstruct a scalar".into()))
                }
                (_, k) => Err(invalid(format!("cannot call {name} on {}", word(k)))),
            }
        }
        _ => Err(EngineError::Internal {
            reason: "JSON set-returning function over a non-JSON value",
        }),
    }
}
