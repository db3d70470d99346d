//! The enum support functions `enum_first`, `enum_last` and `enum_range`. Their result
//! depends on the argument's type rather than its value (`enum_first(NULL::mood)`), so they
//! are bound here, where the argument types are known: the one-argument forms become
//! constants; the two-argument `enum_range(a, b)` is evaluated with the type's whole range
//! passed as a hidden third argument.

use super::{arg, wrong_type, ScalarFunc};
use crate::error::{EngineError, Result};
use crate::sql::binder::{coerce, Binder};
use crate::sql::expr::Expr;
use crate::types::array::ArrayValue;
use crate::types::enums::EnumRef;
use crate::types::{DataType, Value};

fn all_values(e: &EnumRef) -> Vec<Value> {
    e.values()
        .into_iter()
        .map(|v| Value::Enum(Box::new(v)))
        .collect()
}

fn array_of(e: &EnumRef, items: Vec<Value>) -> Value {
    Value::Array(Box::new(ArrayValue::from_items(
        DataType::Enum(e.clone()),
        items,
    )))
}

impl Binder<'_> {
    /// Binds `name(args)` if it is an enum support function.
    pub(crate) fn bind_enum_function(
        &mut self,
        name: &str,
        args: &mut Vec<(Expr, DataType)>,
    ) -> Result<Option<(Expr, DataType)>> {
        if !matches!(name, "enum_first" | "enum_last" | "enum_range") {
            return Ok(None);
        }
        let types: Vec<DataType> = args.iter().map(|(_, t)| t.clone()).collect();
        let e = match types.iter().find(|t| **t != DataType::Unknown) {
            Some(DataType::Enum(e)) => e.clone(),
            // Untyped arguments match no anyenum parameter: the function does not exist.
            _ => return Ok(None),
        };
        let ty = DataType::Enum(e.clone());
        if !types.iter().all(|t| *t == ty || *t == DataType::Unknown) {
            return Ok(None);
        }
        let all = all_values(&e);
        let array_ty = DataType::Array(Box::new(ty.clone()));
        Ok(Some(match (name, args.len()) {
            ("enum_first" | "enum_last", 1) => {
                let v = if name == "enum_first" {
                    all.first()
                } else {
                    all.last()
                };
                let Some(v) = v else {
                    return Err(EngineError::ObjectNotInState {
                        message: format!("enum {} contains no values", ty.base_name()),
                    });
                };
                (Expr::Const(v.clone()), ty)
            }
            ("enum_range", 1) => (Expr::Const(array_of(&e, all)), array_ty),
            ("enum_range", 2) => {
                let mut call = Vec::with_capacity(3);
                for (x, t) in args.drain(..) {
                    call.push(coerce(x, &t, &ty)?);
                }
                call.push(Expr::Const(array_of(&e, all)));
                if call.iter().all(|x| matches!(x, Expr::Const(_))) {
                    let vals: Vec<Value> = call
                        .into_iter()
                        .map(|x| match x {
                            Expr::Const(v) => v,
                            _ => Value::Null,
                        })
                        .collect();
                    (Expr::Const(range(&vals)?), array_ty)
                } else {
                    (Expr::Func(ScalarFunc::EnumRange, call), array_ty)
                }
            }
            _ => return Ok(None),
        }))
    }
}

/// `enum_range(a, b)` with the type's whole range as the third argument: the labels from
/// `a` (the first if NULL) to `b` (the last if NULL), empty if `a` sorts after `b`.
pub(super) fn range(args: &[Value]) -> Result<Value> {
    let Value::Array(all) = arg(args, 2)? else {
        return Err(wrong_type());
    };
    let DataType::Enum(e) = &all.elem else {
        return Err(wrong_type());
    };
    let index = |v: &Value| all.items.iter().position(|x| x == v);
    let lo = match arg(args, 0)? {
        Value::Null => 0,
        v => index(v).ok_or_else(wrong_type)?,
    };
    let hi = match arg(args, 1)? {
        Value::Null => all.items.len(),
        v => index(v).ok_or_else(wrong_type)? + 1,
    };
    let items = if lo < hi {
        all.items[lo..hi].to_vec()
    } else {
        Vec::new()
    };
    Ok(array_of(e, items))
}
