//! Binding operators: prefix and infix operators (resolved against `pg_operator` by
//! `types::ops`), pattern matching (LIKE … ESCAPE, SIMILAR TO, regular expressions),
//! BETWEEN, IN, ANY/ALL over subqueries and ARRAY constructors, row constructors, COLLATE.
//!
//! An operator's errors point at the operator token (PostgreSQL's position), which spans do
//! not cover: infix operators are found after their left operand, prefix ones before their
//! operand.

use super::expr::coerce;
use super::{ident_name, AggCtx, Binder, Scope};
use crate::error::{EngineError, ErrorLocation, Result};
use crate::sql::expr::{Expr, Subquery, SubqueryKind};
use crate::sql::functions::ScalarFunc;
use crate::sql::plan::Plan;
use crate::types::ops::{resolve_binary, BinaryOp};
use crate::types::{common_type, DataType, TypeCategory, TypeError, Value};
use sqlparser::ast::{self, Spanned};

type Bound = (Expr, DataType);

/// The engine's operator for a parsed infix operator (None: not supported).
pub(super) fn binary_op(op: &ast::BinaryOperator) -> Option<BinaryOp> {
    use ast::BinaryOperator as B;
    Some(match op {
        B::Plus => BinaryOp::Add,
        B::Minus => BinaryOp::Sub,
        B::Multiply => BinaryOp::Mul,
        B::Divide => BinaryOp::Div,
        B::Modulo => BinaryOp::Mod,
        B::Eq => BinaryOp::Eq,
        B::NotEq => BinaryOp::NotEq,
        B::Lt => BinaryOp::Lt,
        B::LtEq => BinaryOp::LtEq,
        B::Gt => BinaryOp::Gt,
        B::GtEq => BinaryOp::GtEq,
        B::StringConcat => BinaryOp::Concat,
        B::PGExp => BinaryOp::Pow,
        B::PGLikeMatch => BinaryOp::Like,
        B::PGILikeMatch => BinaryOp::ILike,
        B::PGNotLikeMatch => BinaryOp::NotLike,
        B::PGNotILikeMatch => BinaryOp::NotILike,
        B::PGRegexMatch => BinaryOp::RegexMatch,
        B::PGRegexIMatch => BinaryOp::RegexIMatch,
        B::PGRegexNotMatch => BinaryOp::NotRegexMatch,
        B::PGRegexNotIMatch => BinaryOp::NotRegexIMatch,
        B::PGStartsWith => BinaryOp::StartsWith,
        B::BitwiseAnd => BinaryOp::BitAnd,
        B::BitwiseOr => BinaryOp::BitOr,
        B::PGBitwiseXor => BinaryOp::BitXor,
        B::PGBitwiseShiftLeft => BinaryOp::ShiftLeft,
        B::PGBitwiseShiftRight => BinaryOp::ShiftRight,
        B::AtArrow => BinaryOp::Contains,
        B::ArrowAt => BinaryOp::ContainedBy,
        B::PGOverlap => BinaryOp::Overlap,
        B::Arrow => BinaryOp::JsonGet,
        B::LongArrow => BinaryOp::JsonGetText,
        B::HashArrow => BinaryOp::JsonPath,
        B::HashLongArrow => BinaryOp::JsonPathText,
        B::Question => BinaryOp::JsonExists,
        B::QuestionPipe => BinaryOp::JsonExistsAny,
        B::QuestionAnd => BinaryOp::JsonExistsAll,
        B::HashMinus => BinaryOp::JsonDeletePath,
        _ => return None,
    })
}

/// The location of the infix operator `token` after `left`.
fn after(left: &ast::Expr, token: &str) -> ErrorLocation {
    ErrorLocation::TokenAfter {
        from: left.span().end,
        token: token.to_string(),
    }
}

/// The elements of a row constructor: `(a, b)` or `ROW(a, b)`.
fn row_items(e: &ast::Expr) -> Option<Vec<&ast::Expr>> {
    match e {
        ast::Expr::Tuple(items) => Some(items.iter().collect()),
        ast::Expr::Function(f)
            if f.name.0.len() == 1 && f.name.to_string().eq_ignore_ascii_case("row") =>
        {
            match &f.args {
                ast::FunctionArguments::List(l) => l
                    .args
                    .iter()
                    .map(|a| match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => Some(x),
                        _ => None,
                    })
                    .collect(),
                ast::FunctionArguments::None => Some(Vec::new()),
                ast::FunctionArguments::Subquery(_) => None,
            }
        }
        ast::Expr::Nested(inner) => row_items(inner),
        _ => None,
    }
}

/// PostgreSQL's unary minus binds tighter than `^` (`-2 ^ 2` is 4); sqlparser parses the
/// operand of a prefix sign up to `^`. Moves the sign onto the leftmost operand of a `^`
/// chain (parenthesised operands stay as written).
fn sign_into_power(op: ast::UnaryOperator, operand: &ast::Expr) -> Option<ast::Expr> {
    match operand {
        ast::Expr::BinaryOp {
            left,
            op: ast::BinaryOperator::PGExp,
            right,
        } => {
            let left = sign_into_power(op, left).unwrap_or_else(|| ast::Expr::UnaryOp {
                op,
                expr: left.clone(),
            });
            Some(ast::Expr::BinaryOp {
                left: Box::new(left),
                op: ast::BinaryOperator::PGExp,
                right: right.clone(),
            })
        }
        _ => None,
    }
}

/// Whether `op` is one of PostgreSQL's "other" prefix operators (`|/ ||/ @ ~`).
fn other_prefix(op: ast::UnaryOperator) -> bool {
    use ast::UnaryOperator as U;
    matches!(
        op,
        U::PGSquareRoot | U::PGCubeRoot | U::PGAbs | U::BitwiseNot
    )
}

/// PostgreSQL's other prefix operators take everything that binds tighter than an "other"
/// operator, `+` and `-` included (`|/ 16 + 9` is `|/ 25`); sqlparser stops their operand
/// before `+`/`-`. For `left +|- right` whose leftmost operand is such a prefix operator,
/// returns the expression with the operator moved over the sum.
fn prefix_over_sum(e: &ast::Expr) -> Option<ast::Expr> {
    use ast::BinaryOperator as B;
    let ast::Expr::BinaryOp {
        left,
        op: op @ (B::Plus | B::Minus),
        right,
    } = e
    else {
        return None;
    };
    let (prefix, operand) = match left.as_ref() {
        ast::Expr::UnaryOp { op, expr } if other_prefix(*op) => (*op, expr.clone()),
        inner => match prefix_over_sum(inner)? {
            ast::Expr::UnaryOp { op, expr } => (op, expr),
            _ => return None,
        },
    };
    Some(ast::Expr::UnaryOp {
        op: prefix,
        expr: Box::new(ast::Expr::BinaryOp {
            left: operand,
            op: op.clone(),
            right: right.clone(),
        }),
    })
}

/// Whether the leftmost operand of a chain of `+`/`-` is an other prefix operator.
fn starts_with_prefix(e: &ast::Expr) -> bool {
    use ast::BinaryOperator as B;
    match e {
        ast::Expr::UnaryOp { op, .. } => other_prefix(*op),
        ast::Expr::BinaryOp {
            left,
            op: B::Plus | B::Minus,
            ..
        } => starts_with_prefix(left),
        _ => false,
    }
}

fn undefined_prefix(op: &'static str, t: &DataType) -> EngineError {
    if *t == DataType::Unknown {
        TypeError::AmbiguousPrefixOperator {
            op,
            operand: "unknown".into(),
        }
        .into()
    } else {
        TypeError::UndefinedPrefixOperator {
            op,
            operand: t.base_name().to_string(),
        }
        .into()
    }
}

fn bool_result(e: Expr) -> Result<Bound> {
    Ok((e, DataType::Bool))
}

impl Binder<'_> {
    /// `op expr` for a prefix operator.
    pub(super) fn bind_unary(
        &mut self,
        op: ast::UnaryOperator,
        operand: &ast::Expr,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<Bound> {
        use ast::UnaryOperator as U;
        if matches!(op, U::Minus | U::Plus) {
            if let Some(rotated) = sign_into_power(op, operand) {
                return self.bind_expr(&rotated, scope, agg);
            }
        }
        let symbol = op.to_string();
        self.bind_prefix(op, operand, scope, agg).map_err(|e| {
            e.located(ErrorLocation::TokenBefore {
                before: operand.span().start,
                token: symbol,
            })
        })
    }

    fn bind_prefix(
        &mut self,
        op: ast::UnaryOperator,
        operand: &ast::Expr,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<Bound> {
        use ast::UnaryOperator as U;
        // A negative number literal is one constant, typed by its value as in PostgreSQL
        // (-2147483648 is an integer).
        if let (U::Minus, ast::Expr::Value(v)) = (op, operand) {
            if let ast::Value::Number(n, _) = &v.value {
                let (v, t) = super::expr::number(&format!("-{n}"))?;
                return Ok((Expr::Const(v), t));
            }
        }
        let (x, t) = self.bind_expr(operand, scope, agg)?;
        let numeric = matches!(t.category(), TypeCategory::Numeric);
        match op {
            U::Plus => Ok((x, t)),
            U::Minus => match x {
                Expr::Const(v) if !v.is_null() && t != DataType::Unknown => {
                    Ok((Expr::Const(crate::types::ops::eval_negate(&v)?), t))
                }
                x => {
                    let t = if t == DataType::Unknown {
                        DataType::Float8
                    } else {
                        crate::types::ops::resolve_negate(&t)?
                    };
                    Ok((Expr::Neg(Box::new(x)), t))
                }
            },
            U::Not => {
                let x = coerce(x, &t, &DataType::Bool)?;
                Ok((Expr::Not(Box::new(x)), DataType::Bool))
            }
            U::PGSquareRoot | U::PGCubeRoot if numeric || t == DataType::Unknown => {
                let x = coerce(x, &t, &DataType::Float8)?;
                let f = if op == U::PGSquareRoot {
                    ScalarFunc::Sqrt
                } else {
                    ScalarFunc::Cbrt
                };
                Ok((fold(f, vec![x])?, DataType::Float8))
            }
            U::PGAbs if numeric => Ok((fold(ScalarFunc::Abs, vec![x])?, t.base())),
            U::BitwiseNot if matches!(t, DataType::Int2 | DataType::Int4 | DataType::Int8) => {
                Ok((fold(ScalarFunc::BitNot, vec![x])?, t))
            }
            U::PGSquareRoot => Err(undefined_prefix("|/", &t)),
            U::PGCubeRoot => Err(undefined_prefix("||/", &t)),
            U::PGAbs => Err(undefined_prefix("@", &t)),
            U::BitwiseNot => Err(undefined_prefix("~", &t)),
            other => Err(EngineError::FeatureNotSupported {
                feature: format!("prefix operator {other}"),
            }),
        }
    }

    /// `left op right` for an infix operator.
    pub(super) fn bind_infix(
        &mut self,
        left: &ast::Expr,
        op: &ast::BinaryOperator,
        right: &ast::Expr,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<Bound> {
        if matches!(op, ast::BinaryOperator::Plus | ast::BinaryOperator::Minus)
            && starts_with_prefix(left)
        {
            let whole = ast::Expr::BinaryOp {
                left: Box::new(left.clone()),
                op: op.clone(),
                right: Box::new(right.clone()),
            };
            if let Some(hoisted) = prefix_over_sum(&whole) {
                return self.bind_expr(&hoisted, scope, agg);
            }
        }
        if matches!(op, ast::BinaryOperator::And | ast::BinaryOperator::Or) {
            let (l, lt) = self.bind_expr(left, scope, agg)?;
            let (r, rt) = self.bind_expr(right, scope, agg)?;
            let l = coerce(l, &lt, &DataType::Bool).map_err(|e| e.at_span(left.span()))?;
            let r = coerce(r, &rt, &DataType::Bool).map_err(|e| e.at_span(right.span()))?;
            return bool_result(if *op == ast::BinaryOperator::And {
                Expr::And(Box::new(l), Box::new(r))
            } else {
                Expr::Or(Box::new(l), Box::new(r))
            });
        }
        // `OPERATOR(pg_catalog.op)` is the operator `op`.
        if let Some(plain) = crate::sql::syscat::plain_operator(op) {
            return self.bind_infix(left, &plain, right, scope, agg);
        }
        let bop = binary_op(op).ok_or_else(|| EngineError::FeatureNotSupported {
            feature: format!("operator {op}"),
        })?;
        if let (Some(ls), Some(rs)) = (row_items(left), row_items(right)) {
            return self
                .row_compare(bop, &ls, &rs, scope, agg)
                .map_err(|e| e.located(after(left, &op.to_string())));
        }
        let l = self.bind_expr(left, scope, agg)?;
        let r = self.bind_expr(right, scope, agg)?;
        self.binary_at(bop, l, r, (left, right), &op.to_string())
    }

    /// [`Binder::binary`] with PostgreSQL's error positions: an operator without a match
    /// points at the operator (`token` after the left operand), a literal operand that does
    /// not read as the operator's type at the literal. A constant regular expression is
    /// compiled now, so a bad one fails even when no row is tested (as in PostgreSQL).
    fn binary_at(
        &mut self,
        op: BinaryOp,
        l: Bound,
        r: Bound,
        (left, right): (&ast::Expr, &ast::Expr),
        token: &str,
    ) -> Result<Bound> {
        let (lt2, rt2, _) = resolve_binary(op, &l.1, &r.1)
            .map_err(|e| EngineError::from(e).located(after(left, token)))?;
        let literal = |b: Bound, to: &DataType, at: &ast::Expr| -> Result<Bound> {
            match b {
                (x @ Expr::Const(_), t) => Ok((
                    coerce(x, &t, to).map_err(|e| e.at_span(at.span()))?,
                    to.clone(),
                )),
                b => Ok(b),
            }
        };
        let (l, r) = (literal(l, &lt2, left)?, literal(r, &rt2, right)?);
        if let (
            BinaryOp::RegexMatch
            | BinaryOp::RegexIMatch
            | BinaryOp::NotRegexMatch
            | BinaryOp::NotRegexIMatch,
            Expr::Const(Value::Text(p)),
        ) = (op, &r.0)
        {
            let ci = matches!(op, BinaryOp::RegexIMatch | BinaryOp::NotRegexIMatch);
            crate::types::regex::regex_match("", p, ci)?;
        }
        self.binary(op, l.0, l.1, r.0, r.1)
            .map_err(|e| e.located(after(left, token)))
    }

    /// `(a, b) op (c, d)`.
    fn row_compare(
        &mut self,
        op: BinaryOp,
        left: &[&ast::Expr],
        right: &[&ast::Expr],
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<Bound> {
        if !matches!(
            op,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq
        ) {
            return Err(EngineError::FeatureNotSupported {
                feature: format!("row comparison with operator {}", op.symbol()),
            });
        }
        if left.len() != right.len() {
            return Err(unequal_rows());
        }
        let (mut ls, mut rs) = (Vec::new(), Vec::new());
        for (la, ra) in left.iter().zip(right) {
            let (l, lt) = self.bind_expr(la, scope, agg)?;
            let (r, rt) = self.bind_expr(ra, scope, agg)?;
            let (lt2, rt2, _) = resolve_binary(op, &lt, &rt)?;
            ls.push(coerce(l, &lt, &lt2).map_err(|e| e.at_span(la.span()))?);
            rs.push(coerce(r, &rt, &rt2).map_err(|e| e.at_span(ra.span()))?);
        }
        bool_result(Expr::RowCompare {
            op,
            left: ls,
            right: rs,
        })
    }

    /// `expr [NOT] LIKE/ILIKE pattern [ESCAPE e]`, also spelled `~~` `~~*` `!~~` `!~~*`.
    pub(super) fn bind_like(
        &mut self,
        op: BinaryOp,
        expr: &ast::Expr,
        pattern: &ast::Expr,
        escape: Option<&ast::Expr>,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<Bound> {
        let x = self.bind_expr(expr, scope, agg)?;
        let mut p = self.bind_expr(pattern, scope, agg)?;
        if let Some(esc) = escape {
            let esc = self.bind_expr(esc, scope, agg)?;
            p = self.bind_call("like_escape", vec![p, esc])?;
        }
        let word = if matches!(op, BinaryOp::ILike | BinaryOp::NotILike) {
            "ilike"
        } else {
            "like"
        };
        self.binary_at(op, x, p, (expr, pattern), word)
    }

    /// `expr [NOT] SIMILAR TO pattern [ESCAPE e]`: the pattern becomes an anchored regular
    /// expression (`similar_to_escape`), matched with `~`.
    pub(super) fn bind_similar(
        &mut self,
        negated: bool,
        expr: &ast::Expr,
        pattern: &ast::Expr,
        escape: Option<&ast::Expr>,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<Bound> {
        let x = self.bind_expr(expr, scope, agg)?;
        let mut args = vec![self.bind_expr(pattern, scope, agg)?];
        if let Some(esc) = escape {
            args.push(self.bind_expr(esc, scope, agg)?);
        }
        let p = self.bind_call("similar_to_escape", args)?;
        let op = if negated {
            BinaryOp::NotRegexMatch
        } else {
            BinaryOp::RegexMatch
        };
        self.binary_at(op, x, p, (expr, pattern), "similar")
    }

    /// `expr [NOT] BETWEEN [SYMMETRIC] low AND high`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn bind_between(
        &mut self,
        expr: &ast::Expr,
        negated: bool,
        low: &ast::Expr,
        high: &ast::Expr,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<Bound> {
        if let Some(low) = crate::sql::symmetric::take_marker(low) {
            let (a, _) = self.bind_between(expr, negated, &low, high, scope, agg)?;
            let (b, _) = self.bind_between(expr, negated, high, &low, scope, agg)?;
            let (a, b) = (Box::new(a), Box::new(b));
            return bool_result(if negated {
                Expr::And(a, b)
            } else {
                Expr::Or(a, b)
            });
        }
        let x = self.bind_expr(expr, scope, agg)?;
        let lo = self.bind_expr(low, scope, agg)?;
        let hi = self.bind_expr(high, scope, agg)?;
        let (a, _) = self.binary_at(BinaryOp::GtEq, x.clone(), lo, (expr, low), "between")?;
        let (b, _) = self.binary_at(BinaryOp::LtEq, x, hi, (expr, high), "between")?;
        let both = Expr::And(Box::new(a), Box::new(b));
        bool_result(if negated {
            Expr::Not(Box::new(both))
        } else {
            both
        })
    }

    /// `expr [NOT] IN (list)` and `expr [NOT] IN (subquery)`, for values and rows.
    pub(super) fn bind_in(
        &mut self,
        expr: &ast::Expr,
        target: &ast::InTarget,
        negated: bool,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<Bound> {
        match target {
            ast::InTarget::List(list) if row_items(expr).is_some() => {
                // A row IN a list of rows: the row equalities OR-ed, as PostgreSQL rewrites it.
                let lhs = row_items(expr).unwrap_or_default();
                let mut any: Option<Expr> = None;
                for item in list {
                    let rhs = row_items(item).ok_or_else(unequal_rows)?;
                    let (eq, _) = self.row_compare(BinaryOp::Eq, &lhs, &rhs, scope, agg)?;
                    any = Some(match any {
                        None => eq,
                        Some(prev) => Expr::Or(Box::new(prev), Box::new(eq)),
                    });
                }
                let any = any.unwrap_or(Expr::Const(Value::Bool(false)));
                bool_result(if negated {
                    Expr::Not(Box::new(any))
                } else {
                    any
                })
            }
            ast::InTarget::List(list) => {
                let (x, xt) = self.bind_expr(expr, scope, agg)?;
                let mut items = Vec::with_capacity(list.len());
                let mut types = vec![xt.clone()];
                for item in list {
                    let (b, t) = self.bind_expr(item, scope, agg)?;
                    types.push(t.clone());
                    items.push((b, t));
                }
                let t = common_type(&types)
                    .map_err(|e| EngineError::from(e).located(after(expr, "in")))?;
                let x = coerce(x, &xt, &t)?;
                let list = items
                    .into_iter()
                    .map(|(b, bt)| coerce(b, &bt, &t))
                    .collect::<Result<Vec<_>>>()?;
                bool_result(Expr::InList {
                    expr: Box::new(x),
                    list,
                    negated,
                })
            }
            ast::InTarget::Subquery(q) => {
                self.quantified(expr, BinaryOp::Eq, q, false, negated, scope, agg)
            }
            _ => Err(EngineError::FeatureNotSupported {
                feature: "this form of IN".into(),
            }),
        }
    }

    /// `left op ANY/ALL (subquery)` and `left op ANY/ALL (ARRAY[...])`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn bind_any_all(
        &mut self,
        left: &ast::Expr,
        compare_op: &ast::BinaryOperator,
        right: &ast::Expr,
        all: bool,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<Bound> {
        let op = binary_op(compare_op).ok_or_else(|| EngineError::FeatureNotSupported {
            feature: format!("operator {compare_op} with ANY/ALL"),
        })?;
        match right {
            ast::Expr::Subquery(q) => self.quantified(left, op, q, all, false, scope, agg),
            ast::Expr::Array(arr) => {
                let (x, xt) = self.bind_expr(left, scope, agg)?;
                let mut items = Vec::with_capacity(arr.elem.len());
                for item in &arr.elem {
                    items.push(self.bind_expr(item, scope, agg)?);
                }
                let types: Vec<DataType> = items.iter().map(|(_, t)| t.clone()).collect();
                let elem = if types.is_empty() {
                    return Err(EngineError::FeatureNotSupported {
                        feature: "an empty ARRAY[] without a type".into(),
                    });
                } else {
                    common_type(&types)?
                };
                let (lt2, rt2, _) = resolve_binary(op, &xt, &elem).map_err(|e| {
                    EngineError::from(e).located(after(left, &compare_op.to_string()))
                })?;
                self.infer_param(&x, &xt, &lt2);
                let x = coerce(x, &xt, &lt2)?;
                let list = items
                    .into_iter()
                    .map(|(b, bt)| coerce(b, &bt, &elem).and_then(|b| coerce(b, &elem, &rt2)))
                    .collect::<Result<Vec<_>>>()?;
                if op == BinaryOp::Eq && !all {
                    return bool_result(Expr::InList {
                        expr: Box::new(x),
                        list,
                        negated: false,
                    });
                }
                bool_result(Expr::AnyList {
                    expr: Box::new(x),
                    op,
                    all,
                    list,
                })
            }
            ast::Expr::Nested(inner) => self.bind_any_all(left, compare_op, inner, all, scope, agg),
            _ => self.bind_any_array(left, op, right, all, scope, agg),
        }
    }

    /// `left op ANY/ALL (subquery)`, `left [NOT] IN (subquery)`; `left` may be a row.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn quantified(
        &mut self,
        left: &ast::Expr,
        op: BinaryOp,
        q: &ast::Query,
        all: bool,
        negated: bool,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<Bound> {
        let lefts = row_items(left).unwrap_or_else(|| vec![left]);
        let mut bound = Vec::with_capacity(lefts.len());
        for l in &lefts {
            bound.push(self.bind_expr(l, scope, agg)?);
        }
        let (mut plan, cols) = self.bind_subquery(q, scope)?;
        if cols.len() != bound.len() {
            return Err(EngineError::Syntax {
                message: if cols.len() > bound.len() {
                    "subquery has too many columns".into()
                } else {
                    "subquery has too few columns".into()
                },
                position: None,
            });
        }
        let mut exprs = Vec::with_capacity(bound.len());
        let mut casts = Vec::with_capacity(bound.len());
        let mut recast = false;
        for (i, ((x, xt), (_, st))) in bound.into_iter().zip(&cols).enumerate() {
            let (lt2, rt2, _) = resolve_binary(op, &xt, st)
                .map_err(|e| EngineError::from(e).located(after(left, op.symbol())))?;
            exprs.push(coerce(x, &xt, &lt2)?);
            recast |= rt2 != *st;
            casts.push(coerce(Expr::Column { up: 0, index: i }, st, &rt2)?);
        }
        if recast {
            plan = Plan::Project {
                input: Box::new(plan),
                exprs: casts,
            };
        }
        bool_result(Expr::Subquery(Box::new(Subquery {
            plan,
            kind: SubqueryKind::Quantified {
                exprs,
                op,
                all,
                negated,
            },
        })))
    }

    /// `expr COLLATE name`: the database's collation is "C", so "C", "POSIX", "default" and
    /// "ucs_basic" (byte order for UTF-8) change nothing; other names do not exist.
    pub(super) fn bind_collate(
        &mut self,
        expr: &ast::Expr,
        collation: &ast::ObjectName,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<Bound> {
        let (x, t) = self.bind_expr(expr, scope, agg)?;
        let name = match collation.0.as_slice() {
            [ast::ObjectNamePart::Identifier(i)] => ident_name(i),
            [ast::ObjectNamePart::Identifier(s), ast::ObjectNamePart::Identifier(i)]
                if ident_name(s) == "pg_catalog" =>
            {
                ident_name(i)
            }
            _ => collation.to_string(),
        };
        if !matches!(name.as_str(), "C" | "POSIX" | "default" | "ucs_basic") {
            return Err(EngineError::UndefinedCollation { name }.at_span(collation.span()));
        }
        match t {
            DataType::Unknown => Ok((coerce(x, &t, &DataType::Text)?, DataType::Text)),
            t if t.category() == TypeCategory::String => Ok((x, t)),
            t => Err(EngineError::DatatypeMismatch {
                message: format!("collations are not supported by type {}", t.base_name()),
            }
            .at_span(collation.span())),
        }
    }
}

fn unequal_rows() -> EngineError {
    EngineError::Syntax {
        message: "unequal number of entries in row expressions".into(),
        position: None,
    }
}

/// A call of `f` on bound arguments, evaluated now when they are all constants.
fn fold(f: ScalarFunc, args: Vec<Expr>) -> Result<Expr> {
    if args.iter().all(|a| matches!(a, Expr::Const(_))) {
        let vals: Vec<_> = args
            .into_iter()
            .filter_map(|a| match a {
                Expr::Const(v) => Some(v),
                _ => None,
            })
            .collect();
        return Ok(Expr::Const(f.call(&vals)?));
    }
    Ok(Expr::Func(f, args))
}
