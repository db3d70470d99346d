//! The JSON operators: `->` `->>` `#>` `#>>` on json and jsonb, and jsonb's `@>` `<@` `?`
//! `?|` `?&` `||` `-` `#-`, with PostgreSQL's results for missing members (NULL) and its
//! errors for impossible edits (22023) and bad paths (22P02, 22004).

use super::super::error::TypeError;
use super::super::ops::BinaryOp;
use super::super::value::Value;
use super::super::DataType;
use super::parse::{self, Node, NodeKind};
use super::Json;

/// The json and jsonb entries of `pg_operator` for `op`: (left, right, result).
pub fn signatures(op: BinaryOp) -> Vec<(DataType, DataType, DataType)> {
    use DataType as T;
    let text_array = || T::Array(Box::new(T::Text));
    let mut v = Vec::new();
    match op {
        BinaryOp::Contains | BinaryOp::ContainedBy => v.push((T::Jsonb, T::Jsonb, T::Bool)),
        BinaryOp::JsonGet | BinaryOp::JsonGetText => {
            for j in [T::Json, T::Jsonb] {
                let res = if op == BinaryOp::JsonGetText {
                    T::Text
                } else {
                    j.clone()
                };
                v.push((j.clone(), T::Text, res.clone()));
                v.push((j, T::Int4, res));
            }
        }
        BinaryOp::JsonPath | BinaryOp::JsonPathText => {
            for j in [T::Json, T::Jsonb] {
                let res = if op == BinaryOp::JsonPathText {
                    T::Text
                } else {
                    j.clone()
                };
                v.push((j, text_array(), res));
            }
        }
        BinaryOp::JsonExists => v.push((T::Jsonb, T::Text, T::Bool)),
        BinaryOp::JsonExistsAny | BinaryOp::JsonExistsAll => {
            v.push((T::Jsonb, text_array(), T::Bool))
        }
        BinaryOp::JsonDeletePath => v.push((T::Jsonb, text_array(), T::Jsonb)),
        BinaryOp::Concat => v.push((T::Jsonb, T::Jsonb, T::Jsonb)),
        BinaryOp::Sub => {
            v.push((T::Jsonb, T::Text, T::Jsonb));
            v.push((T::Jsonb, T::Int4, T::Jsonb));
            v.push((T::Jsonb, text_array(), T::Jsonb));
        }
        _ => {}
    }
    v
}

/// A step of a path or a `->` operand: a key or an array index.
#[derive(Clone, Copy, Debug)]
pub enum Step<'a> {
    Key(&'a str),
    Index(i64),
}

/// The position of `i` (negative: from the end) in a sequence of `len` items.
pub fn index_of(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let at = if i < 0 { len + i } else { i };
    (0..len).contains(&at).then_some(at as usize)
}

/// A path element read for an array: an integer, else `None` (PostgreSQL's `strtol` rule:
/// surrounding spaces and a sign allowed).
fn path_index(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok()
}

/// One step into a jsonb value.
pub fn step<'a>(j: &'a Json, s: Step<'_>) -> Option<&'a Json> {
    match (j, s) {
        (Json::Object(_), Step::Key(k)) => j.get(k),
        (Json::Array(items), Step::Index(i)) => index_of(i, items.len()).map(|at| &items[at]),
        _ => None,
    }
}

/// `#>`: the value at a path (text elements; array steps must read as integers).
pub fn at_path<'a>(j: &'a Json, path: &[Option<String>]) -> Option<&'a Json> {
    let mut cur = j;
    for p in path {
        let p = p.as_deref()?;
        cur = match cur {
            Json::Object(_) => cur.get(p)?,
            Json::Array(items) => &items[index_of(path_index(p)?, items.len())?],
            _ => return None,
        };
    }
    Some(cur)
}

/// One step into a json value (the last of duplicate keys).
fn node_step<'a>(n: &'a Node, s: Step<'_>) -> Option<&'a Node> {
    match (&n.kind, s) {
        (NodeKind::Object(m), Step::Key(k)) => m.iter().rev().find(|(mk, _)| mk == k).map(|m| &m.1),
        (NodeKind::Array(items), Step::Index(i)) => index_of(i, items.len()).map(|at| &items[at]),
        _ => None,
    }
}

/// A json sub-value as `->` (its input text) or `->>` (strings unescaped, null as NULL).
fn node_result(text: &str, n: &Node, as_text: bool) -> Value {
    match (&n.kind, as_text) {
        (NodeKind::Null, true) => Value::Null,
        (NodeKind::String(s), true) => Value::Text(s.clone()),
        (_, true) => Value::Text(text[n.start..n.end].to_string()),
        (_, false) => Value::Json(text[n.start..n.end].to_string()),
    }
}

/// A jsonb sub-value as `->` or `->>` returns it.
pub fn jsonb_result(j: Option<&Json>, as_text: bool) -> Value {
    match (j, as_text) {
        (None, _) => Value::Null,
        (Some(j), true) => j.scalar_text().map_or(Value::Null, Value::Text),
        (Some(j), false) => Value::Jsonb(Box::new(j.clone())),
    }
}

/// `->` / `->>` on a json or jsonb value with a text or integer operand.
pub fn get(v: &Value, key: &Value, as_text: bool) -> Result<Value, TypeError> {
    let s = match key {
        Value::Text(k) => Step::Key(k),
        k => match k.as_i64() {
            Some(i) => Step::Index(i),
            None => return Err(wrong()),
        },
    };
    match v {
        Value::Jsonb(j) => Ok(jsonb_result(step(j, s), as_text)),
        Value::Json(t) => {
            let root = parse::parse(t, false)?;
            Ok(node_step(&root, s).map_or(Value::Null, |n| node_result(t, n, as_text)))
        }
        _ => Err(wrong()),
    }
}

/// The elements of a `text[]` operand (NULL elements as `None`).
pub fn text_items(v: &Value) -> Result<Vec<Option<String>>, TypeError> {
    match v {
        Value::Array(a) => Ok(a
            .items
            .iter()
            .map(|x| match x {
                Value::Text(s) => Some(s.clone()),
                _ => None,
            })
            .collect()),
        _ => Err(wrong()),
    }
}

/// `#>` / `#>>`.
pub fn get_path(v: &Value, path: &Value, as_text: bool) -> Result<Value, TypeError> {
    let path = text_items(path)?;
    match v {
        Value::Jsonb(j) => Ok(jsonb_result(at_path(j, &path), as_text)),
        Value::Json(t) => {
            let root = parse::parse(t, false)?;
            let mut cur = &root;
            for p in &path {
                let Some(p) = p.as_deref() else {
                    return Ok(Value::Null);
                };
                let s = match &cur.kind {
                    NodeKind::Array(_) => match path_index(p) {
                        Some(i) => Step::Index(i),
                        None => return Ok(Value::Null),
                    },
                    _ => Step::Key(p),
                };
                match node_step(cur, s) {
                    Some(n) => cur = n,
                    None => return Ok(Value::Null),
                }
            }
            Ok(node_result(t, cur, as_text))
        }
        _ => Err(wrong()),
    }
}

fn wrong() -> TypeError {
    TypeError::Json {
        code: "XX000",
        message: "JSON operator applied to a value of another type".into(),
    }
}

fn invalid(message: &str) -> TypeError {
    TypeError::Json {
        code: "22023",
        message: message.into(),
    }
}

/// `a @> b` (`JsonbDeepContains`); objects contain objects, arrays (and top-level scalars,
/// as one-element arrays) contain arrays and scalars.
pub fn contains(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Object(_), Json::Object(_)) => contains_inner(a, b),
        (Json::Object(_), _) | (_, Json::Object(_)) => false,
        (Json::Array(_), Json::Array(_)) => contains_inner(a, b),
        (Json::Array(items), scalar) => items.iter().any(|x| scalar_eq(x, scalar)),
        (_, Json::Array(_)) => false,
        (x, y) => scalar_eq(x, y),
    }
}

fn scalar_eq(a: &Json, b: &Json) -> bool {
    !matches!(a, Json::Array(_) | Json::Object(_)) && a.compare_inner(b).is_eq()
}

fn contains_inner(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Object(_), Json::Object(bm)) => bm.iter().all(|(k, bv)| match a.get(k) {
            Some(av) => match (av, bv) {
                (Json::Object(_), Json::Object(_)) | (Json::Array(_), Json::Array(_)) => {
                    contains_inner(av, bv)
                }
                _ => scalar_eq(av, bv),
            },
            None => false,
        }),
        (Json::Array(am), Json::Array(bm)) => bm.iter().all(|bv| match bv {
            Json::Object(_) | Json::Array(_) => am.iter().any(|av| {
                std::mem::discriminant(av) == std::mem::discriminant(bv) && contains_inner(av, bv)
            }),
            scalar => am.iter().any(|av| scalar_eq(av, scalar)),
        }),
        _ => scalar_eq(a, b),
    }
}

/// `?`: a top-level key, or a string element of a top-level array (or the string itself).
pub fn exists(j: &Json, key: &str) -> bool {
    match j {
        Json::Object(_) => j.get(key).is_some(),
        Json::Array(items) => items
            .iter()
            .any(|x| matches!(x, Json::String(s) if s == key)),
        Json::String(s) => s == key,
        _ => false,
    }
}

/// `||`: objects merge (the right side's members win); anything else concatenates as arrays
/// (an object or scalar operand is a one-element array).
pub fn concat(a: &Json, b: &Json) -> Json {
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => {
            let mut members = x.clone();
            members.extend(y.iter().cloned());
            Json::object(members)
        }
        _ => {
            let as_items = |j: &Json| match j {
                Json::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            let mut items = as_items(a);
            items.extend(as_items(b));
            Json::Array(items)
        }
    }
}

/// `- text` and `- text[]`: removes object keys, or string elements of an array.
pub fn delete_keys(j: &Json, keys: &[Option<String>]) -> Result<Json, TypeError> {
    let hit = |k: &str| keys.iter().any(|x| x.as_deref() == Some(k));
    match j {
        Json::Object(m) => Ok(Json::Object(
            m.iter().filter(|(k, _)| !hit(k)).cloned().collect(),
        )),
        Json::Array(items) => Ok(Json::Array(
            items
                .iter()
                .filter(|x| !matches!(x, Json::String(s) if hit(s)))
                .cloned()
                .collect(),
        )),
        _ => Err(invalid("cannot delete from scalar")),
    }
}

/// `- integer`: removes an array element (negative: from the end).
pub fn delete_index(j: &Json, i: i64) -> Result<Json, TypeError> {
    match j {
        Json::Array(items) => {
            let mut items = items.clone();
            if let Some(at) = index_of(i, items.len()) {
                items.remove(at);
            }
            Ok(Json::Array(items))
        }
        Json::Object(_) => Err(invalid("cannot delete from object using integer index")),
        _ => Err(invalid("cannot delete from scalar")),
    }
}

/// The error for a path element that should be an array index.
pub fn not_integer(pos: usize, s: &str) -> TypeError {
    TypeError::Json {
        code: "22P02",
        message: format!("path element at position {pos} is not an integer: \"{s}\""),
    }
}

/// The path's elements, refusing NULLs (22004) as `jsonb_set` and `#-` do.
pub fn non_null_path(path: &[Option<String>]) -> Result<Vec<&str>, TypeError> {
    path.iter()
        .enumerate()
        .map(|(i, p)| {
            p.as_deref().ok_or_else(|| TypeError::Json {
                code: "22004",
                message: format!("path element at position {} is null", i + 1),
            })
        })
        .collect()
}

/// `#-`: removes the value at a path (nothing when the path leads nowhere).
pub fn delete_path(j: &Json, path: &[Option<String>]) -> Result<Json, TypeError> {
    if !matches!(j, Json::Array(_) | Json::Object(_)) {
        return Err(invalid("cannot delete path in scalar"));
    }
    let path = non_null_path(path)?;
    let mut out = j.clone();
    if !path.is_empty() {
        delete_at(&mut out, &path, 1)?;
    }
    Ok(out)
}

fn delete_at(j: &mut Json, path: &[&str], pos: usize) -> Result<(), TypeError> {
    let (first, rest) = match path.split_first() {
        Some(x) => x,
        None => return Ok(()),
    };
    match j {
        Json::Object(m) => {
            if let Some(at) = m.iter().position(|(k, _)| k == first) {
                if rest.is_empty() {
                    m.remove(at);
                } else {
                    delete_at(&mut m[at].1, rest, pos + 1)?;
                }
            }
        }
        Json::Array(items) => {
            let i = path_index(first).ok_or_else(|| not_integer(pos, first))?;
            if let Some(at) = index_of(i, items.len()) {
                if rest.is_empty() {
                    items.remove(at);
                } else {
                    delete_at(&mut items[at], rest, pos + 1)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}
