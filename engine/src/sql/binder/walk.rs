//! Syntax-tree walks the binder needs before binding: whether an expression calls an
//! aggregate of the query being bound.

use super::expr::object_name;
use crate::sql::functions::AggFunc;
use sqlparser::ast;

fn is_aggregate_call(f: &ast::Function) -> bool {
    f.over.is_none()
        && f.name.0.len() == 1
        && (!f.within_group.is_empty() || {
            let name = object_name(&f.name);
            AggFunc::by_name(&name).is_some() || AggFunc::ordered_set_by_name(&name).is_some()
        })
}

/// Whether `e` contains an aggregate call of this query level (not inside subqueries).
pub fn contains_aggregate(e: &ast::Expr) -> bool {
    use ast::Expr as A;
    let any = |xs: &[&ast::Expr]| xs.iter().any(|x| contains_aggregate(x));
    match e {
        A::Function(f) => {
            if is_aggregate_call(f) {
                return true;
            }
            // A window's keys may hold the query's aggregates (`rank() OVER (ORDER BY sum(x))`).
            if let Some(ast::WindowType::WindowSpec(w)) = &f.over {
                if w.partition_by.iter().any(contains_aggregate)
                    || w.order_by.iter().any(|o| contains_aggregate(&o.expr))
                {
                    return true;
                }
            }
            match &f.args {
                ast::FunctionArguments::List(l) => l.args.iter().any(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => {
                        contains_aggregate(x)
                    }
                    _ => false,
                }),
                _ => false,
            }
        }
        A::BinaryOp { left, right, .. } => any(&[left, right]),
        A::UnaryOp { expr, .. }
        | A::Nested(expr)
        | A::IsNull(expr)
        | A::IsNotNull(expr)
        | A::IsTrue(expr)
        | A::IsNotTrue(expr)
        | A::IsFalse(expr)
        | A::IsNotFalse(expr)
        | A::IsUnknown(expr)
        | A::IsNotUnknown(expr)
        | A::Collate { expr, .. }
        | A::Cast { expr, .. } => contains_aggregate(expr),
        A::Tuple(items) => items.iter().any(contains_aggregate),
        A::Array(a) => a.elem.iter().any(contains_aggregate),
        A::IsDistinctFrom(l, r) | A::IsNotDistinctFrom(l, r) => any(&[l, r]),
        A::Between {
            expr, low, high, ..
        } => any(&[expr, low, high]),
        A::In { expr, target, .. } => {
            contains_aggregate(expr)
                || matches!(target, ast::InTarget::List(l) if l.iter().any(contains_aggregate))
        }
        A::Like { expr, pattern, .. }
        | A::ILike { expr, pattern, .. }
        | A::SimilarTo { expr, pattern, .. } => any(&[expr, pattern]),
        A::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            operand.as_deref().is_some_and(contains_aggregate)
                || conditions
                    .iter()
                    .any(|c| contains_aggregate(&c.condition) || contains_aggregate(&c.result))
                || else_result.as_deref().is_some_and(contains_aggregate)
        }
        A::AnyOp { left, right, .. } | A::AllOp { left, right, .. } => {
            contains_aggregate(left)
                || (!matches!(**right, A::Subquery(_)) && contains_aggregate(right))
        }
        A::Substring {
            expr,
            substring_from,
            substring_for,
            ..
        } => {
            contains_aggregate(expr)
                || substring_from.as_deref().is_some_and(contains_aggregate)
                || substring_for.as_deref().is_some_and(contains_aggregate)
        }
        A::Trim {
            expr,
            trim_what,
            trim_characters,
            ..
        } => {
            contains_aggregate(expr)
                || trim_what.as_deref().is_some_and(contains_aggregate)
                || trim_characters
                    .as_ref()
                    .is_some_and(|cs| cs.iter().any(contains_aggregate))
        }
        A::Position { expr, r#in } => any(&[expr, r#in]),
        A::Overlay {
            expr,
            overlay_what,
            overlay_from,
            overlay_for,
        } => {
            any(&[expr, overlay_what, overlay_from])
                || overlay_for.as_deref().is_some_and(contains_aggregate)
        }
        A::Ceil { expr, .. } | A::Floor { expr, .. } | A::Extract { expr, .. } => {
            contains_aggregate(expr)
        }
        _ => false,
    }
}
