//! Binding array expressions: `ARRAY[...]` constructors (with the element type from the
//! items or from a cast around an empty constructor), `ARRAY(subquery)`, subscripts and
//! slices (`a[i]`, `a[i][j]`, `a[i:j]`), and `x op ANY/ALL (array value)`.

use super::expr::coerce;
use super::{AggCtx, Binder, Scope};
use crate::error::{EngineError, Result};
use crate::sql::expr::{Expr, Subquery, SubqueryKind};
use crate::sql::functions::ScalarFunc;
use crate::types::ops::{resolve_binary, BinaryOp};
use crate::types::{common_type_for, DataType, Value};
use sqlparser::ast;

type Bound = (Expr, DataType);

fn indeterminate(message: &str) -> EngineError {
    EngineError::Function {
        code: "42P18",
        message: message.to_string(),
    }
}

impl Binder<'_> {
    /// `ARRAY[items]`; `target` is the array type of a cast around it (which an empty
    /// constructor needs).
    pub(super) fn bind_array_ctor(
        &mut self,
        arr: &ast::Array,
        target: Option<&DataType>,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<Bound> {
        let mut items = Vec::with_capacity(arr.elem.len());
        for item in &arr.elem {
            // Inner `[...]` of `ARRAY[[1,2],[3,4]]` are sub-arrays.
            let b = match item {
                ast::Expr::Array(inner) => self.bind_array_ctor(inner, target, scope, agg)?,
                e => self.bind_expr(e, scope, agg)?,
            };
            items.push(b);
        }
        if items.is_empty() {
            return match target {
                Some(t @ DataType::Array(e)) => Ok((
                    Expr::Const(Value::Array(Box::new(
                        crate::types::array::ArrayValue::from_items((**e).clone(), Vec::new()),
                    ))),
                    t.clone(),
                )),
                _ => Err(indeterminate("cannot determine type of empty array")),
            };
        }
        let nested = items.iter().any(|(_, t)| matches!(t, DataType::Array(_)));
        let elem_types: Vec<DataType> = items
            .iter()
            .map(|(_, t)| match t {
                DataType::Array(e) => (**e).clone(),
                t => t.clone(),
            })
            .collect();
        let elem = match target.and_then(DataType::element) {
            Some(e) if elem_types.iter().all(|t| *t == DataType::Unknown) => e.clone(),
            _ => common_type_for("ARRAY", &elem_types)?,
        };
        let item_type = if nested {
            DataType::Array(Box::new(elem.clone()))
        } else {
            elem.clone()
        };
        let mut exprs = Vec::with_capacity(items.len());
        for (x, t) in items {
            self.infer_param(&x, &t, &item_type);
            exprs.push(coerce(x, &t, &item_type)?);
        }
        let ty = DataType::Array(Box::new(elem.clone()));
        if exprs.iter().all(|e| matches!(e, Expr::Const(_))) {
            let vals = exprs
                .into_iter()
                .filter_map(|e| match e {
                    Expr::Const(v) => Some(v),
                    _ => None,
                })
                .collect();
            return Ok((
                Expr::Const(crate::types::array::construct(&elem, vals)?),
                ty,
            ));
        }
        Ok((Expr::Array { elem, items: exprs }, ty))
    }

    /// `ARRAY(subquery)`: one column, whose values become the elements.
    pub(super) fn bind_array_subquery(&mut self, q: &ast::Query, scope: &Scope) -> Result<Bound> {
        let (plan, cols) = self.bind_subquery(q, scope)?;
        let [(_, t)] = cols.as_slice() else {
            return Err(EngineError::Syntax {
                message: "subquery must return only one column".into(),
                position: None,
            });
        };
        let elem = match t {
            DataType::Unknown => DataType::Text,
            DataType::Array(e) => (**e).clone(),
            t => t.clone(),
        };
        Ok((
            Expr::Subquery(Box::new(Subquery {
                plan,
                kind: SubqueryKind::Array { elem: elem.clone() },
            })),
            DataType::Array(Box::new(elem)),
        ))
    }

    /// `root[i]...` and `root[i:j]`.
    pub(super) fn bind_subscripts(
        &mut self,
        root: &ast::Expr,
        chain: &[ast::AccessExpr],
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<Bound> {
        let (arr, at) = self.bind_expr(root, scope, agg)?;
        let elem = match &at {
            DataType::Array(e) => (**e).clone(),
            t => {
                return Err(EngineError::DatatypeMismatch {
                    message: format!(
                        "cannot subscript type {} because it does not support subscripting",
                        t.base_name()
                    ),
                })
            }
        };
        let mut index = |b: &mut Self, e: &ast::Expr| -> Result<Expr> {
            let (x, t) = b.bind_expr(e, scope, agg)?;
            b.infer_param(&x, &t, &DataType::Int4);
            if !crate::types::can_cast(&t, &DataType::Int4, crate::types::CastKind::Assignment) {
                return Err(EngineError::DatatypeMismatch {
                    message: "array subscript must have type integer".into(),
                });
            }
            coerce_assign(x, &t)
        };
        // Each dimension: (lower, upper, written as a single index).
        let mut dims: Vec<(Expr, Expr, bool)> = Vec::new();
        for a in chain {
            match a {
                ast::AccessExpr::Subscript(ast::Subscript::Index { index: i }) => {
                    let i = index(self, i)?;
                    dims.push((i.clone(), i, true));
                }
                ast::AccessExpr::Subscript(ast::Subscript::Slice {
                    lower_bound,
                    upper_bound,
                    stride: None,
                }) => {
                    // An omitted bound is the array's own bound in that dimension.
                    let dim = Expr::Const(Value::Int4(i32::try_from(dims.len() + 1).unwrap_or(0)));
                    let lo = match lower_bound {
                        Some(e) => index(self, e)?,
                        None => Expr::Func(ScalarFunc::ArrayLower, vec![arr.clone(), dim.clone()]),
                    };
                    let hi = match upper_bound {
                        Some(e) => index(self, e)?,
                        None => Expr::Func(ScalarFunc::ArrayUpper, vec![arr.clone(), dim]),
                    };
                    dims.push((lo, hi, false));
                }
                _ => {
                    return Err(EngineError::FeatureNotSupported {
                        feature: format!("the access {a}"),
                    })
                }
            }
        }
        let slice = dims.iter().any(|d| !d.2);
        let mut args = vec![arr];
        for (lo, hi, single) in dims {
            // In a slice, a dimension written `[n]` means `[1:n]`.
            args.push(if slice && single {
                Expr::Const(Value::Int4(1))
            } else {
                lo
            });
            args.push(hi);
        }
        if slice {
            Ok((Expr::Func(ScalarFunc::ArraySlice, args), at))
        } else {
            Ok((Expr::Func(ScalarFunc::ArraySubscript, args), elem))
        }
    }

    /// `left op ANY/ALL (right)` where `right` is an array-valued expression.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn bind_any_array(
        &mut self,
        left: &ast::Expr,
        op: BinaryOp,
        right: &ast::Expr,
        all: bool,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<Bound> {
        let (x, xt) = self.bind_expr(left, scope, agg)?;
        let (a, at) = self.bind_expr(right, scope, agg)?;
        // An untyped literal on the right is an array of the left side's type.
        let (a, at) = match at {
            DataType::Unknown => {
                let known = if xt == DataType::Unknown {
                    DataType::Text
                } else {
                    xt.clone()
                };
                let ty = DataType::Array(Box::new(known));
                self.infer_param(&a, &DataType::Unknown, &ty);
                (coerce(a, &DataType::Unknown, &ty)?, ty)
            }
            t => (a, t),
        };
        let DataType::Array(elem) = &at else {
            return Err(EngineError::Function {
                code: "42809",
                message: "op ANY/ALL (array) requires array on right side".into(),
            });
        };
        let (lt2, rt2, res) = resolve_binary(op, &xt, elem)?;
        if res != DataType::Bool {
            return Err(EngineError::DatatypeMismatch {
                message: "op ANY/ALL (array) requires operator to yield boolean".into(),
            });
        }
        self.infer_param(&x, &xt, &lt2);
        let x = coerce(x, &xt, &lt2)?;
        let a = coerce(a, &at, &DataType::Array(Box::new(rt2)))?;
        Ok((
            Expr::AnyArray {
                expr: Box::new(x),
                op,
                all,
                array: Box::new(a),
            },
            DataType::Bool,
        ))
    }
}

/// An array subscript as int4 (an assignment cast, as PostgreSQL applies to subscripts).
fn coerce_assign(x: Expr, t: &DataType) -> Result<Expr> {
    if *t == DataType::Int4 {
        return Ok(x);
    }
    match x {
        Expr::Const(v) => Ok(Expr::Const(v.cast_from(
            t,
            &DataType::Int4,
            crate::types::CastKind::Assignment,
        )?)),
        x => Ok(Expr::Cast(Box::new(x), DataType::Int4)),
    }
}
