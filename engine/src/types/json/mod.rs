//! The `json` and `jsonb` types' values: the jsonb value model ([`Json`]: object members
//! sorted as PostgreSQL stores them, shorter keys first and then bytewise, the last of
//! duplicate keys kept; numbers as `numeric` with their display scale), parsing (`parse`),
//! PostgreSQL's text output (`{"a": 1, "b": [1, 2]}`) and `jsonb_pretty` layout, jsonb's
//! btree order and its order-preserving key encoding.
//!
//! A `json` value is its input text, kept verbatim ([`super::Value::Json`]); operators on it
//! parse it again, and return sub-values as their input text.

pub mod ops;
pub mod parse;

use super::error::TypeError;
use super::numeric::Numeric;
use parse::{Node, NodeKind};
use std::cmp::Ordering;

/// A jsonb value. Invariant: an `Object`'s members are sorted by [`key_order`] and its keys
/// are unique.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(Numeric),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// jsonb's storage order of object keys: by length, then bytewise.
pub fn key_order(a: &str, b: &str) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

impl Json {
    /// `jsonb_in`.
    pub fn parse(text: &str) -> Result<Json, TypeError> {
        Ok(Json::from_node(parse::parse(text, true)?))
    }

    /// The jsonb value of a parsed JSON tree (keys sorted, the last duplicate kept).
    pub fn from_node(n: Node) -> Json {
        match n.kind {
            NodeKind::Null => Json::Null,
            NodeKind::Bool(b) => Json::Bool(b),
            NodeKind::Number(x) => Json::Number(x),
            NodeKind::String(s) => Json::String(s),
            NodeKind::Array(items) => Json::Array(items.into_iter().map(Json::from_node).collect()),
            NodeKind::Object(members) => Json::object(
                members
                    .into_iter()
                    .map(|(k, v)| (k, Json::from_node(v)))
                    .collect(),
            ),
        }
    }

    /// An object from members in any order; of duplicate keys the last one is kept.
    pub fn object(mut members: Vec<(String, Json)>) -> Json {
        // A stable sort keeps duplicates in input order; keep the last of each run.
        members.sort_by(|a, b| key_order(&a.0, &b.0));
        let mut out: Vec<(String, Json)> = Vec::with_capacity(members.len());
        for m in members {
            match out.last_mut() {
                Some(last) if last.0 == m.0 => *last = m,
                _ => out.push(m),
            }
        }
        Json::Object(out)
    }

    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(m) => m
                .binary_search_by(|(k, _)| key_order(k, key))
                .ok()
                .map(|i| &m[i].1),
            _ => None,
        }
    }

    /// `jsonb_typeof`'s name of the value's kind.
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    /// jsonb's text output.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, None, 0);
        out
    }

    /// `jsonb_pretty`'s layout (four spaces per level).
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, Some(4), 0);
        out
    }

    /// The text of a scalar as `->>` returns it (strings unquoted); `None` for JSON null.
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            Json::Null => None,
            Json::String(s) => Some(s.clone()),
            j => Some(j.to_text()),
        }
    }

    fn write(&self, out: &mut String, indent: Option<usize>, level: usize) {
        let newline = |out: &mut String, level: usize| {
            if let Some(w) = indent {
                out.push('\n');
                out.extend(std::iter::repeat_n(' ', w * level));
            }
        };
        let sep = if indent.is_some() { "," } else { ", " };
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(&n.to_string()),
            Json::String(s) => escape_into(out, s),
            Json::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    newline(out, level + 1);
                    v.write(out, indent, level + 1);
                }
                // Pretty output breaks the line before the closing bracket even when empty.
                newline(out, level);
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    newline(out, level + 1);
                    escape_into(out, k);
                    out.push_str(": ");
                    v.write(out, indent, level + 1);
                }
                newline(out, level);
                out.push('}');
            }
        }
    }

    /// The rank of a value's kind inside containers (PostgreSQL's `jbvType` order).
    fn kind_rank(&self) -> u8 {
        match self {
            Json::Null => 0,
            Json::String(_) => 1,
            Json::Number(_) => 2,
            Json::Bool(_) => 3,
            Json::Array(_) => 4,
            Json::Object(_) => 5,
        }
    }

    /// jsonb's btree order (`compareJsonbContainers`). At the top level a scalar is a
    /// one-element "raw scalar" array: it sorts after every empty array, before every
    /// non-empty one, and after arrays with fewer elements; objects sort after everything.
    pub fn compare(&self, other: &Json) -> Ordering {
        let top = |j: &Json| -> (u8, usize, u8) {
            match j {
                Json::Object(m) => (1, m.len(), 0),
                Json::Array(a) => (0, a.len(), 1),
                _ => (0, 1, 0),
            }
        };
        let (a, b) = (top(self), top(other));
        a.cmp(&b).then_with(|| self.compare_inner(other))
    }

    /// The order of values of the same top-level class, and of nested values.
    fn compare_inner(&self, other: &Json) -> Ordering {
        match (self, other) {
            (Json::Null, Json::Null) => Ordering::Equal,
            (Json::Bool(a), Json::Bool(b)) => a.cmp(b),
            (Json::Number(a), Json::Number(b)) => a.cmp(b),
            (Json::String(a), Json::String(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Json::Array(a), Json::Array(b)) => a.len().cmp(&b.len()).then_with(|| {
                a.iter()
                    .zip(b)
                    .map(|(x, y)| x.compare_inner(y))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            }),
            (Json::Object(a), Json::Object(b)) => a.len().cmp(&b.len()).then_with(|| {
                a.iter()
                    .zip(b)
                    .map(|((ka, va), (kb, vb))| {
                        ka.as_bytes()
                            .cmp(kb.as_bytes())
                            .then_with(|| va.compare_inner(vb))
                    })
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            }),
            (a, b) => a.kind_rank().cmp(&b.kind_rank()),
        }
    }

    /// Appends a prefix-free encoding whose bytewise order is [`Json::compare`]'s.
    pub fn encode_sortable(&self, out: &mut Vec<u8>) {
        match self {
            Json::Object(m) => {
                out.push(1);
                out.extend_from_slice(&(m.len() as u32).to_be_bytes());
                self.encode_inner(out);
            }
            Json::Array(a) => {
                out.push(0);
                out.extend_from_slice(&(a.len() as u32).to_be_bytes());
                out.push(1);
                self.encode_inner(out);
            }
            scalar => {
                out.push(0);
                out.extend_from_slice(&1u32.to_be_bytes());
                out.push(0);
                scalar.encode_inner(out);
            }
        }
    }

    fn encode_inner(&self, out: &mut Vec<u8>) {
        out.push(self.kind_rank());
        match self {
            Json::Null => {}
            Json::Bool(b) => out.push(u8::from(*b)),
            Json::Number(n) => {
                n.encode_sortable(out);
                // Positive numbers end without a terminator; 0 (below every digit byte)
                // makes them prefix-free with the shorter number first.
                if n.signum() > 0 && !n.is_infinite() {
                    out.push(0);
                }
            }
            Json::String(s) => encode_bytes(out, s.as_bytes()),
            Json::Array(items) => {
                out.extend_from_slice(&(items.len() as u32).to_be_bytes());
                for v in items {
                    v.encode_inner(out);
                }
            }
            Json::Object(m) => {
                out.extend_from_slice(&(m.len() as u32).to_be_bytes());
                for (k, v) in m {
                    encode_bytes(out, k.as_bytes());
                    v.encode_inner(out);
                }
            }
        }
    }
}

/// Bytes escaped so that they order bytewise and end unambiguously: 0 becomes 0 0xFF and
/// the end is 0 0.
fn encode_bytes(out: &mut Vec<u8>, b: &[u8]) {
    for &c in b {
        out.push(c);
        if c == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

/// Appends `s` as a JSON string literal (PostgreSQL's `escape_json`).
pub fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `s` as a JSON string literal.
pub fn quoted(s: &str) -> String {
    let mut out = String::new();
    escape_into(&mut out, s);
    out
}

/// `json_in`: checks that `text` is JSON; the value is the text itself.
pub fn check_json(text: &str) -> Result<(), TypeError> {
    parse::parse(text, false).map(|_| ())
}

/// The kind name used in "cannot cast jsonb X to type T".
pub fn cast_error(j: &Json, to: &str) -> TypeError {
    let kind = match j {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(_) => "numeric",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    };
    TypeError::Json {
        code: "22023",
        message: format!("cannot cast jsonb {kind} to type {to}"),
    }
}

/// Evaluates a json / jsonb operator on non-NULL operands; `None` when `op` on these
/// operands is not a JSON operator (`jsonb || text` is text concatenation).
pub fn eval_op(
    op: super::ops::BinaryOp,
    l: &super::Value,
    r: &super::Value,
) -> Result<Option<super::Value>, TypeError> {
    use super::ops::BinaryOp as B;
    use super::Value as V;
    let jsonb = |j: Json| Ok(Some(V::Jsonb(Box::new(j))));
    match (op, l, r) {
        (B::JsonGet | B::JsonGetText, _, _) => ops::get(l, r, op == B::JsonGetText).map(Some),
        (B::JsonPath | B::JsonPathText, _, _) => {
            ops::get_path(l, r, op == B::JsonPathText).map(Some)
        }
        (B::Contains, V::Jsonb(a), V::Jsonb(b)) => Ok(Some(V::Bool(ops::contains(a, b)))),
        (B::ContainedBy, V::Jsonb(a), V::Jsonb(b)) => Ok(Some(V::Bool(ops::contains(b, a)))),
        (B::JsonExists, V::Jsonb(j), V::Text(k)) => Ok(Some(V::Bool(ops::exists(j, k)))),
        (B::JsonExistsAny | B::JsonExistsAll, V::Jsonb(j), keys) => {
            let keys = ops::text_items(keys)?;
            let mut hits = keys.iter().flatten().map(|k| ops::exists(j, k));
            Ok(Some(V::Bool(if op == B::JsonExistsAny {
                hits.any(|h| h)
            } else {
                hits.all(|h| h)
            })))
        }
        (B::Concat, V::Jsonb(a), V::Jsonb(b)) => jsonb(ops::concat(a, b)),
        (B::Sub, V::Jsonb(j), V::Text(k)) => jsonb(ops::delete_keys(j, &[Some(k.clone())])?),
        (B::Sub, V::Jsonb(j), V::Array(_)) => jsonb(ops::delete_keys(j, &ops::text_items(r)?)?),
        (B::Sub, V::Jsonb(j), i) => match i.as_i64() {
            Some(i) => jsonb(ops::delete_index(j, i)?),
            None => Ok(None),
        },
        (B::JsonDeletePath, V::Jsonb(j), path) => {
            jsonb(ops::delete_path(j, &ops::text_items(path)?)?)
        }
        _ => Ok(None),
    }
}
