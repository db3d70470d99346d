//! Arrays: [`ArrayValue`] (element type, dimensions with lower bounds, elements in row-major
//! order) with PostgreSQL's text input and output (`array_in` / `array_out`), ordering
//! (`array_cmp`), key encoding and element-wise casts.
//!
//! Invariant: `items.len()` is the product of the dimension lengths; an empty array has no
//! dimensions (`dims` is empty, as PostgreSQL's `'{}'`).

use super::error::TypeError;
use super::value::Value;
use super::{CastKind, DataType};
use std::cmp::Ordering;
use storage::keycode::{self, ColumnOrder, KeyValue};

/// PostgreSQL's limit on the number of dimensions (`MAXDIM`).
pub const MAX_DIMS: usize = 6;

/// One dimension: its length and lower bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dim {
    pub len: i32,
    pub lower: i32,
}

/// An array value.
#[derive(Clone, Debug)]
pub struct ArrayValue {
    pub elem: DataType,
    pub dims: Vec<Dim>,
    pub items: Vec<Value>,
}

fn malformed(input: &str, detail: &str) -> TypeError {
    TypeError::MalformedArray {
        input: input.to_string(),
        detail: detail.to_string(),
    }
}

/// True for the characters PostgreSQL's `array_isspace` treats as white space.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0B' | '\x0C')
}

impl ArrayValue {
    /// A one-dimensional array with lower bound 1 (empty when `items` is).
    pub fn from_items(elem: DataType, items: Vec<Value>) -> ArrayValue {
        let dims = if items.is_empty() {
            Vec::new()
        } else {
            vec![Dim {
                len: i32::try_from(items.len()).unwrap_or(i32::MAX),
                lower: 1,
            }]
        };
        ArrayValue { elem, dims, items }
    }

    pub fn ndims(&self) -> usize {
        self.dims.len()
    }

    /// The element at 1-D position `index` (by the array's own bounds), if present.
    pub fn get(&self, index: i64) -> Option<&Value> {
        let d = self.dims.first()?;
        if self.dims.len() != 1 {
            return None;
        }
        let off = index.checked_sub(i64::from(d.lower))?;
        usize::try_from(off).ok().and_then(|o| self.items.get(o))
    }

    /// `array_out`.
    pub fn format(&self) -> String {
        let mut out = String::new();
        if self.dims.iter().any(|d| d.lower != 1) {
            for d in &self.dims {
                out.push_str(&format!("[{}:{}]", d.lower, d.lower + d.len - 1));
            }
            out.push('=');
        }
        if self.dims.is_empty() {
            out.push_str("{}");
            return out;
        }
        let mut next = 0;
        self.format_dim(0, &mut next, &mut out);
        out
    }

    fn format_dim(&self, dim: usize, next: &mut usize, out: &mut String) {
        out.push('{');
        let len = self.dims.get(dim).map_or(0, |d| d.len);
        for i in 0..len {
            if i > 0 {
                out.push(',');
            }
            if dim + 1 < self.dims.len() {
                self.format_dim(dim + 1, next, out);
            } else {
                match self.items.get(*next).and_then(element_text) {
                    None => out.push_str("NULL"),
                    Some(s) => push_element(&s, out),
                }
                *next += 1;
            }
        }
        out.push('}');
    }

    /// `array_in` for arrays of `elem`.
    pub fn parse(text: &str, elem: &DataType) -> Result<ArrayValue, TypeError> {
        let mut p = Parser {
            input: text,
            leaf_depth: None,
            chars: text.char_indices().peekable(),
        };
        p.skip_space();
        let explicit = if p.peek() == Some('[') {
            Some(p.dimension_decoration()?)
        } else {
            None
        };
        p.skip_space();
        if p.peek() != Some('{') {
            return Err(malformed(
                text,
                "Array value must start with \"{\" or dimension information.",
            ));
        }
        let mut shape: Vec<Option<i32>> = Vec::new();
        let mut raw: Vec<Option<String>> = Vec::new();
        p.nested(0, &mut shape, &mut raw)?;
        p.skip_space();
        if p.peek().is_some() {
            return Err(malformed(text, "Junk after closing right brace."));
        }
        // `{}` (or nested empty braces) is the empty array.
        let dims: Vec<Dim> = if raw.is_empty() {
            Vec::new()
        } else {
            shape
                .iter()
                .map(|l| Dim {
                    len: l.unwrap_or(0),
                    lower: 1,
                })
                .collect()
        };
        let dims = match explicit {
            Some(given) if !raw.is_empty() => {
                if given.len() != dims.len() || given.iter().zip(&dims).any(|(g, d)| g.len != d.len)
                {
                    return Err(malformed(
                        text,
                        "Specified array dimensions do not match array contents.",
                    ));
                }
                given
            }
            _ => dims,
        };
        let items = raw
            .into_iter()
            .map(|r| match r {
                None => Ok(Value::Null),
                Some(s) => Value::parse(&s, elem),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ArrayValue {
            elem: elem.clone(),
            dims,
            items,
        })
    }

    /// `array_cmp`: element by element (a NULL element sorts after any value), then the
    /// number of elements, then the number of dimensions, then the dimensions and bounds.
    pub fn compare(&self, other: &ArrayValue) -> Result<Ordering, TypeError> {
        for (a, b) in self.items.iter().zip(&other.items) {
            let o = match (a.is_null(), b.is_null()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => a.sql_cmp(b)?.unwrap_or(Ordering::Equal),
            };
            if o != Ordering::Equal {
                return Ok(o);
            }
        }
        let by_len = self.items.len().cmp(&other.items.len());
        if by_len != Ordering::Equal {
            return Ok(by_len);
        }
        let by_ndims = self.dims.len().cmp(&other.dims.len());
        if by_ndims != Ordering::Equal {
            return Ok(by_ndims);
        }
        for (a, b) in self.dims.iter().zip(&other.dims) {
            let o = a.len.cmp(&b.len).then(a.lower.cmp(&b.lower));
            if o != Ordering::Equal {
                return Ok(o);
            }
        }
        Ok(Ordering::Equal)
    }

    /// The key bytes of the array (the elements' keys, each preceded by a 1 byte, then a 0
    /// byte, then the dimensions), ordered as [`ArrayValue::compare`] orders arrays.
    pub fn encode_key(&self, out: &mut Vec<u8>, order: ColumnOrder) {
        let mut body = Vec::new();
        for v in &self.items {
            body.push(1);
            // NULL elements sort last within arrays, as `array_cmp` orders them.
            if v.is_null() {
                body.push(0xFF);
            } else {
                body.push(0x01);
                v.encode_key(&mut body, ColumnOrder::ASC);
            }
        }
        body.push(0);
        for d in &self.dims {
            body.extend_from_slice(&((d.len as u32) ^ 0x8000_0000).to_be_bytes());
            body.extend_from_slice(&((d.lower as u32) ^ 0x8000_0000).to_be_bytes());
        }
        keycode::encode_value(out, &KeyValue::Bytes(&body), order);
    }

    /// Casts every element to `elem` (the array cast of `array_coerce`).
    pub fn cast_elements(&self, elem: &DataType, kind: CastKind) -> Result<ArrayValue, TypeError> {
        let items = self
            .items
            .iter()
            .map(|v| v.cast_from(&self.elem, elem, kind))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ArrayValue {
            elem: elem.clone(),
            dims: self.dims.clone(),
            items,
        })
    }

    /// Structural equality (same dimensions and elements by [`Value`]'s `PartialEq`).
    pub fn same(&self, other: &ArrayValue) -> bool {
        self.dims == other.dims && self.items == other.items
    }
}

/// `ARRAY[vals]` / `ARRAY(subquery)` with elements of type `elem`: a one-dimensional array
/// of the values, or — when the values are arrays — an array of one more dimension, which
/// requires every sub-array to have the same dimensions (all empty gives an empty array).
pub fn construct(elem: &DataType, vals: Vec<Value>) -> Result<Value, TypeError> {
    if !vals.iter().any(|v| matches!(v, Value::Array(_))) {
        return Ok(Value::Array(Box::new(ArrayValue::from_items(
            elem.clone(),
            vals,
        ))));
    }
    let mismatch = || TypeError::ArraySubscript {
        message: "multidimensional arrays must have array expressions with matching dimensions"
            .to_string(),
    };
    let mut subs = Vec::with_capacity(vals.len());
    for v in vals {
        match v {
            Value::Array(a) => subs.push(a),
            _ => return Err(mismatch()),
        }
    }
    let first_dims = subs.first().map(|a| a.dims.clone()).unwrap_or_default();
    if subs.iter().any(|a| a.dims != first_dims) {
        return Err(mismatch());
    }
    if first_dims.is_empty() {
        return Ok(Value::Array(Box::new(ArrayValue::from_items(
            elem.clone(),
            Vec::new(),
        ))));
    }
    if first_dims.len() + 1 > MAX_DIMS {
        return Err(TypeError::ArrayTooManyDims);
    }
    let mut dims = vec![Dim {
        len: i32::try_from(subs.len()).unwrap_or(i32::MAX),
        lower: 1,
    }];
    dims.extend(first_dims);
    let items = subs.into_iter().flat_map(|a| a.items).collect();
    Ok(Value::Array(Box::new(ArrayValue {
        elem: elem.clone(),
        dims,
        items,
    })))
}

/// `a @> b` (every element of `b` is in `a`), `a <@ b`, `a && b` (an element in common).
/// NULL elements equal nothing, as in PostgreSQL's `array_contain_compare`.
pub fn containment(
    op: super::ops::BinaryOp,
    a: &ArrayValue,
    b: &ArrayValue,
) -> Result<bool, TypeError> {
    use super::ops::BinaryOp;
    let member = |v: &Value, set: &ArrayValue| -> Result<bool, TypeError> {
        if v.is_null() {
            return Ok(false);
        }
        for w in &set.items {
            if !w.is_null() && v.sql_cmp(w)? == Some(Ordering::Equal) {
                return Ok(true);
            }
        }
        Ok(false)
    };
    let all_in = |x: &ArrayValue, y: &ArrayValue| -> Result<bool, TypeError> {
        for v in &x.items {
            if !member(v, y)? {
                return Ok(false);
            }
        }
        Ok(true)
    };
    match op {
        BinaryOp::Contains => all_in(b, a),
        BinaryOp::ContainedBy => all_in(a, b),
        _ => {
            for v in &a.items {
                if member(v, b)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
    }
}

/// An element's text as `array_out` prints it (booleans as `t`/`f`).
fn element_text(v: &Value) -> Option<String> {
    v.to_text()
}

/// Appends an element, double-quoted when `array_out` would quote it.
fn push_element(s: &str, out: &mut String) {
    let needs_quotes = s.is_empty()
        || s.eq_ignore_ascii_case("NULL")
        || s.chars()
            .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || is_space(c));
    if !needs_quotes {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

struct Parser<'a> {
    input: &'a str,
    /// The depth at which elements were found (all elements sit at one depth).
    leaf_depth: Option<usize>,
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
}

impl Parser<'_> {
    fn peek(&mut self) -> Option<char> {
        self.chars.peek().map(|&(_, c)| c)
    }

    fn bump(&mut self) -> Option<char> {
        self.chars.next().map(|(_, c)| c)
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.bump();
        }
    }

    fn int(&mut self) -> Result<i32, TypeError> {
        let mut s = String::new();
        if self.peek() == Some('-') || self.peek() == Some('+') {
            s.extend(self.bump());
        }
        while let Some(c) = self.peek().filter(char::is_ascii_digit) {
            s.push(c);
            self.bump();
        }
        s.parse::<i32>()
            .map_err(|_| malformed(self.input, "Missing array dimension value."))
    }

    /// `[l:u][l:u]...=` before the braces.
    fn dimension_decoration(&mut self) -> Result<Vec<Dim>, TypeError> {
        let mut dims = Vec::new();
        while self.peek() == Some('[') {
            self.bump();
            self.skip_space();
            let first = self.int()?;
            self.skip_space();
            let (lower, upper) = if self.peek() == Some(':') {
                self.bump();
                self.skip_space();
                (first, self.int()?)
            } else {
                (1, first)
            };
            self.skip_space();
            if self.bump() != Some(']') {
                return Err(malformed(
                    self.input,
                    "Missing \"]\" after array dimensions.",
                ));
            }
            if upper < lower.saturating_sub(1) {
                return Err(TypeError::InvalidParameterValue {
                    message: "upper bound cannot be less than lower bound".to_string(),
                });
            }
            dims.push(Dim {
                len: upper - lower + 1,
                lower,
            });
            if dims.len() > MAX_DIMS {
                return Err(TypeError::ArrayTooManyDims);
            }
        }
        self.skip_space();
        if self.bump() != Some('=') {
            return Err(malformed(
                self.input,
                "Missing \"=\" after array dimensions.",
            ));
        }
        Ok(dims)
    }

    /// Parses one `{...}` level at depth `depth`, recording each level's length in `shape`
    /// (all sub-arrays of a level must have the same length) and elements in `raw`.
    fn nested(
        &mut self,
        depth: usize,
        shape: &mut Vec<Option<i32>>,
        raw: &mut Vec<Option<String>>,
    ) -> Result<(), TypeError> {
        if depth >= MAX_DIMS {
            return Err(TypeError::ArrayTooManyDims);
        }
        self.bump(); // '{'
        if shape.len() <= depth {
            shape.push(None);
        }
        let mut count: i32 = 0;
        let mut nested_level: Option<bool> = None;
        self.skip_space();
        if self.peek() == Some('}') {
            self.bump();
            return self.close_level(depth, 0, shape);
        }
        loop {
            self.skip_space();
            let is_sub = self.peek() == Some('{');
            let leaf_mismatch = match self.leaf_depth {
                Some(l) => (is_sub && depth + 1 > l) || (!is_sub && depth != l),
                None => false,
            };
            if leaf_mismatch || nested_level.is_some_and(|n| n != is_sub) {
                return Err(malformed(
                    self.input,
                    "Multidimensional arrays must have sub-arrays with matching dimensions.",
                ));
            }
            nested_level = Some(is_sub);
            if is_sub {
                self.nested(depth + 1, shape, raw)?;
            } else {
                self.leaf_depth = Some(depth);
                raw.push(self.element()?);
            }
            count += 1;
            self.skip_space();
            match self.bump() {
                Some(',') => continue,
                Some('}') => break,
                Some(_) => return Err(malformed(self.input, "Unexpected array element.")),
                None => return Err(malformed(self.input, "Unexpected end of input.")),
            }
        }
        self.close_level(depth, count, shape)
    }

    fn close_level(
        &mut self,
        depth: usize,
        count: i32,
        shape: &mut [Option<i32>],
    ) -> Result<(), TypeError> {
        let slot = &mut shape[depth];
        match slot {
            Some(n) if *n != count => Err(malformed(
                self.input,
                "Multidimensional arrays must have sub-arrays with matching dimensions.",
            )),
            _ => {
                *slot = Some(count);
                Ok(())
            }
        }
    }

    /// One element: quoted (backslash escapes), or unquoted up to `,` / `}` with surrounding
    /// white space removed (`NULL` unquoted is a null element).
    fn element(&mut self) -> Result<Option<String>, TypeError> {
        let mut s = String::new();
        if self.peek() == Some('"') {
            self.bump();
            loop {
                match self.bump() {
                    None => return Err(malformed(self.input, "Unexpected end of input.")),
                    Some('\\') => match self.bump() {
                        Some(c) => s.push(c),
                        None => return Err(malformed(self.input, "Unexpected end of input.")),
                    },
                    Some('"') => return Ok(Some(s)),
                    Some(c) => s.push(c),
                }
            }
        }
        let mut quoted_tail = 0; // length of `s` that escapes protect from trimming
        loop {
            match self.peek() {
                None => return Err(malformed(self.input, "Unexpected end of input.")),
                Some(',') | Some('}') => break,
                Some('{') | Some('"') => {
                    return Err(malformed(self.input, "Unexpected array element."))
                }
                Some('\\') => {
                    self.bump();
                    match self.bump() {
                        Some(c) => s.push(c),
                        None => return Err(malformed(self.input, "Unexpected end of input.")),
                    }
                    quoted_tail = s.len();
                }
                Some(c) => {
                    s.push(c);
                    self.bump();
                }
            }
        }
        let keep = s.trim_end_matches(is_space).len().max(quoted_tail);
        s.truncate(keep);
        if s.is_empty() {
            return Err(malformed(self.input, "Unexpected \",\" character."));
        }
        if quoted_tail == 0 && s.eq_ignore_ascii_case("NULL") {
            return Ok(None);
        }
        Ok(Some(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(input: &str, elem: DataType, expect: &str) {
        let a = ArrayValue::parse(input, &elem).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(a.format(), expect, "{input}");
    }

    #[test]
    fn text_io_matches_postgres() {
        roundtrip("{1,2,3}", DataType::Int4, "{1,2,3}");
        roundtrip(" { 1 , NULL ,3 } ", DataType::Int4, "{1,NULL,3}");
        roundtrip("{}", DataType::Int4, "{}");
        roundtrip("{{1,2},{3,4}}", DataType::Int4, "{{1,2},{3,4}}");
        roundtrip("[0:1]={5,6}", DataType::Int4, "[0:1]={5,6}");
        roundtrip(
            r#"{"a b","",NULL,"null","x\"y",c\,d, e }"#,
            DataType::Text,
            r#"{"a b","",NULL,"null","x\"y","c,d",e}"#,
        );
        roundtrip("{t,false}", DataType::Bool, "{t,f}");
        roundtrip("{{}}", DataType::Int4, "{}");
    }

    #[test]
    fn malformed_literals_are_rejected() {
        for bad in [
            "",
            "1,2",
            "{1,2",
            "{1,{2}}",
            "{{1},{2,3}}",
            "{{1},{{3}}}",
            "{{1,2},3}",
            "{1}x",
            "{,}",
            "{a\"b}",
        ] {
            assert!(
                ArrayValue::parse(bad, &DataType::Text).is_err(),
                "{bad:?} should be rejected"
            );
        }
        assert!(ArrayValue::parse("{1,x}", &DataType::Int4).is_err());
        assert!(ArrayValue::parse("[1:3]={1,2}", &DataType::Int4).is_err());
    }

    #[test]
    fn ordering_matches_array_cmp() {
        let a = |s: &str| ArrayValue::parse(s, &DataType::Int4).unwrap_or_else(|e| panic!("{e}"));
        let cases = [
            ("{1,2}", "{1,3}", Ordering::Less),
            ("{1,2}", "{1,2,0}", Ordering::Less),
            ("{1,NULL}", "{1,5}", Ordering::Greater),
            ("{2}", "{1,9}", Ordering::Greater),
            ("{1,2}", "{1,2}", Ordering::Equal),
            ("{}", "{1}", Ordering::Less),
        ];
        for (x, y, want) in cases {
            assert_eq!(a(x).compare(&a(y)).ok(), Some(want), "{x} vs {y}");
            let (mut kx, mut ky) = (Vec::new(), Vec::new());
            a(x).encode_key(&mut kx, ColumnOrder::ASC);
            a(y).encode_key(&mut ky, ColumnOrder::ASC);
            assert_eq!(kx.cmp(&ky), want, "keys of {x} vs {y}");
        }
    }
}
