//! Array functions (`array_length`, `array_to_string`, `array_append`, ...) and subscripting:
//! their polymorphic resolution (`anyarray` / `anyelement` / `anycompatible` bound to the
//! argument types) and evaluation.

use super::{arg, int_arg, wrong_type, Resolved, ScalarFunc};
use crate::error::{EngineError, Result};
use crate::types::array::{ArrayValue, Dim};
use crate::types::{common_type_for, DataType, Value};
use std::cmp::Ordering;

fn polymorphic_unknown() -> EngineError {
    EngineError::Function {
        code: "42804",
        message: "could not determine polymorphic type because input has type unknown".into(),
    }
}

/// Resolves an array function by name; `None` if `name` is not one.
pub fn resolve(name: &str, types: &[DataType]) -> Option<Result<Resolved>> {
    use DataType as T;
    use ScalarFunc as F;
    let func = match name {
        "array_length" => F::ArrayLength,
        "array_lower" => F::ArrayLower,
        "array_upper" => F::ArrayUpper,
        "array_ndims" => F::ArrayNdims,
        "array_dims" => F::ArrayDims,
        "cardinality" => F::Cardinality,
        "array_to_string" => F::ArrayToString,
        "string_to_array" => F::StringToArray,
        "array_append" => F::ArrayAppend,
        "array_prepend" => F::ArrayPrepend,
        "array_cat" => F::ArrayCat,
        "array_position" => F::ArrayPosition,
        "array_remove" => F::ArrayRemove,
        _ => return None,
    };
    let array_of = |t: &DataType| -> Result<DataType> {
        match t {
            T::Array(_) => Ok(t.base()),
            T::Unknown => Err(polymorphic_unknown()),
            _ => Err(undefined(name, types)),
        }
    };
    let elem_of = |a: &DataType| a.element().cloned().unwrap_or(T::Unknown);
    let r = |arg_types: Vec<DataType>, ret: DataType| {
        Ok(Resolved {
            func,
            arg_types,
            ret,
        })
    };
    Some((|| match (func, types) {
        (F::ArrayLength | F::ArrayLower | F::ArrayUpper, [a, _]) => {
            r(vec![array_of(a)?, T::Int4], T::Int4)
        }
        (F::ArrayNdims | F::Cardinality, [a]) => r(vec![array_of(a)?], T::Int4),
        (F::ArrayDims, [a]) => r(vec![array_of(a)?], T::Text),
        (F::ArrayToString, [a, _]) => r(vec![array_of(a)?, T::Text], T::Text),
        (F::ArrayToString, [a, _, _]) => r(vec![array_of(a)?, T::Text, T::Text], T::Text),
        (F::StringToArray, [_, _]) => r(vec![T::Text, T::Text], array(T::Text)),
        (F::StringToArray, [_, _, _]) => r(vec![T::Text, T::Text, T::Text], array(T::Text)),
        (F::ArrayAppend | F::ArrayPosition | F::ArrayRemove, [a, e]) => {
            let elem = compatible(name, a, e)?;
            let ret = match func {
                F::ArrayPosition => T::Int4,
                _ => array(elem.clone()),
            };
            r(vec![array(elem.clone()), elem], ret)
        }
        (F::ArrayPrepend, [e, a]) => {
            let elem = compatible(name, a, e)?;
            r(vec![elem.clone(), array(elem.clone())], array(elem))
        }
        (F::ArrayCat, [a, b]) => {
            let elem = match (a, b) {
                (T::Unknown, T::Unknown) => return Err(polymorphic_unknown()),
                (T::Array(_), T::Unknown) => elem_of(&a.base()),
                (T::Unknown, T::Array(_)) => elem_of(&b.base()),
                (T::Array(x), T::Array(y)) => {
                    common_type_for("array_cat", &[(**x).clone(), (**y).clone()])?
                }
                _ => return Err(undefined(name, types)),
            };
            r(vec![array(elem.clone()), array(elem.clone())], array(elem))
        }
        _ => Err(undefined(name, types)),
    })())
}

fn array(elem: DataType) -> DataType {
    DataType::Array(Box::new(elem))
}

fn undefined(name: &str, types: &[DataType]) -> EngineError {
    let args: Vec<String> = types.iter().map(|t| t.base_name().into_owned()).collect();
    EngineError::UndefinedFunction {
        signature: format!("{name}({})", args.join(", ")),
    }
}

/// The element type shared by an array argument `a` and an element argument `e`
/// (`anycompatiblearray` with `anycompatible`).
fn compatible(name: &str, a: &DataType, e: &DataType) -> Result<DataType> {
    match (a, e) {
        (DataType::Array(x), DataType::Unknown) => Ok(x.base()),
        (DataType::Array(x), e) => Ok(common_type_for(
            "array function",
            &[(**x).clone(), e.clone()],
        )?),
        (DataType::Unknown, DataType::Unknown) => Err(polymorphic_unknown()),
        (DataType::Unknown, e) if !matches!(e, DataType::Array(_)) => Ok(e.base()),
        _ => Err(undefined(name, &[a.clone(), e.clone()])),
    }
}

/// Whether the function returns NULL for any NULL argument without being called.
pub fn is_strict(f: ScalarFunc) -> bool {
    !matches!(
        f,
        ScalarFunc::ArrayToString
            | ScalarFunc::StringToArray
            | ScalarFunc::ArrayAppend
            | ScalarFunc::ArrayPrepend
            | ScalarFunc::ArrayCat
            | ScalarFunc::ArrayPosition
            | ScalarFunc::ArrayRemove
    )
}

fn array_arg(args: &[Value], i: usize) -> Result<Option<&ArrayValue>> {
    match arg(args, i)? {
        Value::Array(a) => Ok(Some(a)),
        Value::Null => Ok(None),
        _ => Err(wrong_type()),
    }
}

fn int4(v: i64) -> Value {
    Value::Int4(i32::try_from(v).unwrap_or(i32::MAX))
}

/// The dimension `n` (1-based) of `a`, if it has one.
fn dim(a: &ArrayValue, n: i64) -> Option<Dim> {
    usize::try_from(n - 1)
        .ok()
        .and_then(|i| a.dims.get(i))
        .copied()
}

/// Evaluates an array function on arguments cast to the resolved types.
pub fn call(f: ScalarFunc, args: &[Value]) -> Result<Value> {
    use ScalarFunc as F;
    match f {
        F::ArraySubscript => {
            let Some(a) = array_arg(args, 0)? else {
                return Ok(Value::Null);
            };
            // Arguments: the array, then (lower, upper) per dimension; lower = upper here.
            let idx: Vec<i64> = args[1..]
                .iter()
                .step_by(2)
                .map(|v| v.as_i64().ok_or_else(wrong_type))
                .collect::<Result<_>>()?;
            Ok(element_at(a, &idx).cloned().unwrap_or(Value::Null))
        }
        F::ArraySlice => {
            let Some(a) = array_arg(args, 0)? else {
                return Ok(Value::Null);
            };
            let bounds: Vec<i64> = args[1..]
                .iter()
                .map(|v| v.as_i64().ok_or_else(wrong_type))
                .collect::<Result<_>>()?;
            Ok(slice(a, &bounds))
        }
        F::ArrayLength | F::ArrayLower | F::ArrayUpper => {
            let Some(a) = array_arg(args, 0)? else {
                return Ok(Value::Null);
            };
            Ok(match dim(a, int_arg(args, 1)?) {
                None => Value::Null,
                Some(d) => int4(match f {
                    F::ArrayLength => i64::from(d.len),
                    F::ArrayLower => i64::from(d.lower),
                    _ => i64::from(d.lower) + i64::from(d.len) - 1,
                }),
            })
        }
        F::ArrayNdims => Ok(match array_arg(args, 0)? {
            Some(a) if !a.dims.is_empty() => int4(a.dims.len() as i64),
            _ => Value::Null,
        }),
        F::ArrayDims => Ok(match array_arg(args, 0)? {
            Some(a) if !a.dims.is_empty() => Value::Text(
                a.dims
                    .iter()
                    .map(|d| format!("[{}:{}]", d.lower, d.lower + d.len - 1))
                    .collect(),
            ),
            _ => Value::Null,
        }),
        F::Cardinality => Ok(match array_arg(args, 0)? {
            Some(a) => int4(a.items.len() as i64),
            None => Value::Null,
        }),
        F::ArrayToString => {
            let (Some(a), Value::Text(sep)) = (array_arg(args, 0)?, arg(args, 1)?) else {
                return Ok(Value::Null);
            };
            let null_as = match args.get(2) {
                Some(Value::Text(s)) => Some(s.as_str()),
                _ => None,
            };
            let parts: Vec<String> = a
                .items
                .iter()
                .filter_map(|v| match v {
                    Value::Null => null_as.map(str::to_string),
                    v => v.to_text(),
                })
                .collect();
            Ok(Value::Text(parts.join(sep)))
        }
        F::StringToArray => {
            let Value::Text(s) = arg(args, 0)? else {
                return Ok(Value::Null);
            };
            let null_str = match args.get(2) {
                Some(Value::Text(n)) => Some(n.as_str()),
                _ => None,
            };
            let parts: Vec<String> = match arg(args, 1)? {
                _ if s.is_empty() => Vec::new(),
                Value::Null => s.chars().map(String::from).collect(),
                Value::Text(d) if d.is_empty() => vec![s.clone()],
                Value::Text(d) => s.split(d.as_str()).map(str::to_string).collect(),
                _ => return Err(wrong_type()),
            };
            let items = parts
                .into_iter()
                .map(|p| {
                    if Some(p.as_str()) == null_str {
                        Value::Null
                    } else {
                        Value::Text(p)
                    }
                })
                .collect();
            Ok(Value::Array(Box::new(ArrayValue::from_items(
                DataType::Text,
                items,
            ))))
        }
        F::ArrayAppend | F::ArrayPrepend => {
            let (a, e) = if f == F::ArrayAppend {
                (array_arg(args, 0)?, arg(args, 1)?)
            } else {
                (array_arg(args, 1)?, arg(args, 0)?)
            };
            let elem = a.map_or_else(|| e.data_type(), |a| a.elem.clone());
            let mut out = a
                .cloned()
                .unwrap_or_else(|| ArrayValue::from_items(elem, Vec::new()));
            if out.dims.len() > 1 {
                return Err(crate::types::TypeError::ArraySubscript {
                    message: "argument must be empty or one-dimensional array".into(),
                }
                .into());
            }
            if out.dims.is_empty() {
                out.dims.push(Dim { len: 0, lower: 1 });
            }
            if f == F::ArrayAppend {
                out.items.push(e.clone());
            } else {
                // The lower bound stays the input's, as PostgreSQL's array_prepend keeps it.
                out.items.insert(0, e.clone());
            }
            out.dims[0].len += 1;
            Ok(Value::Array(Box::new(out)))
        }
        F::ArrayCat => match (array_arg(args, 0)?, array_arg(args, 1)?) {
            (None, None) => Ok(Value::Null),
            (Some(a), None) | (None, Some(a)) => Ok(Value::Array(Box::new(a.clone()))),
            (Some(a), Some(b)) => Ok(Value::Array(Box::new(concat(a, b)?))),
        },
        F::ArrayPosition | F::ArrayRemove => {
            let Some(a) = array_arg(args, 0)? else {
                return Ok(Value::Null);
            };
            if a.dims.len() > 1 {
                return Err(crate::types::TypeError::ArraySubscript {
                    message: "searching for elements in multidimensional arrays is not supported"
                        .into(),
                }
                .into());
            }
            let target = arg(args, 1)?;
            // IS NOT DISTINCT FROM: NULL finds NULL.
            let same = |v: &Value| -> Result<bool> {
                Ok(match (v.is_null(), target.is_null()) {
                    (true, true) => true,
                    (false, false) => v.sql_cmp(target)? == Some(Ordering::Equal),
                    _ => false,
                })
            };
            if f == F::ArrayPosition {
                let lower = a.dims.first().map_or(1, |d| i64::from(d.lower));
                for (i, v) in a.items.iter().enumerate() {
                    if same(v)? {
                        return Ok(int4(lower + i as i64));
                    }
                }
                return Ok(Value::Null);
            }
            let mut kept = Vec::with_capacity(a.items.len());
            for v in &a.items {
                if !same(v)? {
                    kept.push(v.clone());
                }
            }
            Ok(Value::Array(Box::new(ArrayValue::from_items(
                a.elem.clone(),
                kept,
            ))))
        }
        _ => Err(EngineError::Internal {
            reason: "not an array function",
        }),
    }
}

/// The element at the given subscripts (one per dimension), if inside the array.
fn element_at<'a>(a: &'a ArrayValue, idx: &[i64]) -> Option<&'a Value> {
    if idx.len() != a.dims.len() {
        return None;
    }
    let mut offset: i64 = 0;
    for (d, &i) in a.dims.iter().zip(idx) {
        let pos = i - i64::from(d.lower);
        if pos < 0 || pos >= i64::from(d.len) {
            return None;
        }
        offset = offset * i64::from(d.len) + pos;
    }
    usize::try_from(offset).ok().and_then(|o| a.items.get(o))
}

/// `a[l1:u1][l2:u2]...`: the part inside the bounds, with lower bounds reset to 1 (empty when
/// the bounds select nothing or do not match the dimensions).
fn slice(a: &ArrayValue, bounds: &[i64]) -> Value {
    let empty = || Value::Array(Box::new(ArrayValue::from_items(a.elem.clone(), Vec::new())));
    let n = bounds.len() / 2;
    if n == 0 || n > a.dims.len() {
        return empty();
    }
    // Clamp each dimension's range to the array; unspecified dimensions are taken whole.
    let mut ranges = Vec::with_capacity(a.dims.len());
    for (k, d) in a.dims.iter().enumerate() {
        let (lo, hi) = if k < n {
            (bounds[2 * k], bounds[2 * k + 1])
        } else {
            (
                i64::from(d.lower),
                i64::from(d.lower) + i64::from(d.len) - 1,
            )
        };
        let lo = lo.max(i64::from(d.lower)) - i64::from(d.lower);
        let hi = hi.min(i64::from(d.lower) + i64::from(d.len) - 1) - i64::from(d.lower);
        if hi < lo {
            return empty();
        }
        ranges.push((lo, hi));
    }
    let mut items = Vec::new();
    let mut idx: Vec<i64> = ranges.iter().map(|r| r.0).collect();
    'outer: loop {
        let mut offset = 0i64;
        for (d, &i) in a.dims.iter().zip(&idx) {
            offset = offset * i64::from(d.len) + i;
        }
        if let Some(v) = usize::try_from(offset).ok().and_then(|o| a.items.get(o)) {
            items.push(v.clone());
        }
        for k in (0..idx.len()).rev() {
            if idx[k] < ranges[k].1 {
                idx[k] += 1;
                continue 'outer;
            }
            idx[k] = ranges[k].0;
        }
        break;
    }
    let dims = ranges
        .iter()
        .map(|&(lo, hi)| Dim {
            len: i32::try_from(hi - lo + 1).unwrap_or(i32::MAX),
            lower: 1,
        })
        .collect();
    Value::Array(Box::new(ArrayValue {
        elem: a.elem.clone(),
        dims,
        items,
    }))
}

/// `array_cat`: arrays of equal dimension count join along the first dimension (the other
/// dimensions must match); an array of one dimension less is appended as one more slice.
pub fn concat(a: &ArrayValue, b: &ArrayValue) -> Result<ArrayValue> {
    if a.dims.is_empty() {
        return Ok(b.clone());
    }
    if b.dims.is_empty() {
        return Ok(a.clone());
    }
    let incompatible = || -> EngineError {
        crate::types::TypeError::ArraySubscript {
            message: "cannot concatenate incompatible arrays".into(),
        }
        .into()
    };
    let mut dims = a.dims.clone();
    if a.dims.len() == b.dims.len() {
        if a.dims[1..]
            .iter()
            .zip(&b.dims[1..])
            .any(|(x, y)| x.len != y.len)
        {
            return Err(incompatible());
        }
        dims[0].len += b.dims[0].len;
    } else if a.dims.len() == b.dims.len() + 1 {
        if a.dims[1..].iter().zip(&b.dims).any(|(x, y)| x.len != y.len) {
            return Err(incompatible());
        }
        dims[0].len += 1;
    } else if a.dims.len() + 1 == b.dims.len() {
        if b.dims[1..].iter().zip(&a.dims).any(|(x, y)| x.len != y.len) {
            return Err(incompatible());
        }
        dims = b.dims.clone();
        dims[0].len += 1;
    } else {
        return Err(incompatible());
    }
    let mut items = a.items.clone();
    items.extend(b.items.iter().cloned());
    Ok(ArrayValue {
        elem: a.elem.clone(),
        dims,
        items,
    })
}
