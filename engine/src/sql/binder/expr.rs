//! Binding expressions: names to columns (current query or enclosing ones), literals to
//! typed constants, operators and functions resolved with PostgreSQL's type rules, explicit
//! casts where operand types differ, aggregates to slots of the aggregate's output row.

use super::{ident_name, AggCtx, Binder, Scope};
use crate::error::{EngineError, Result};
use crate::sql::expr::{Expr, Subquery, SubqueryKind};
use crate::sql::functions::AggFunc;
use crate::sql::plan::AggCall;
use crate::types::ops::{resolve_binary, BinaryOp};
use crate::types::{common_type, CastKind, DataType, Value};
use sqlparser::ast;

/// Casts a bound expression to `to` (constants are converted right away).
pub fn coerce(e: Expr, from: &DataType, to: &DataType) -> Result<Expr> {
    if from == to || *to == DataType::Unknown {
        return Ok(e);
    }
    // Only implicit casts happen silently (an integer is no boolean, as in PostgreSQL).
    if *from != DataType::Unknown
        && !crate::types::can_cast(from, to, CastKind::Implicit)
        && from.base() != to.base()
    {
        return Err(EngineError::DatatypeMismatch {
            message: format!(
                "argument of type {} cannot be used where type {} is expected",
                from.display_name(),
                to.display_name()
            ),
        });
    }
    match e {
        Expr::Const(Value::Null) => Ok(Expr::Const(Value::Null)),
        Expr::Const(Value::Text(s)) if *from == DataType::Unknown => {
            Ok(Expr::Const(Value::parse(&s, to)?))
        }
        Expr::Const(v) => Ok(Expr::Const(v.cast(to, CastKind::Implicit)?)),
        other => Ok(Expr::Cast(Box::new(other), to.clone())),
    }
}

fn binary_op(op: &ast::BinaryOperator) -> Option<BinaryOp> {
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
        _ => return None,
    })
}

fn number(s: &str) -> Result<(Value, DataType)> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(v) = s.parse::<i32>() {
            return Ok((Value::Int4(v), DataType::Int4));
        }
        if let Ok(v) = s.parse::<i64>() {
            return Ok((Value::Int8(v), DataType::Int8));
        }
    }
    let ty = DataType::Numeric {
        precision: None,
        scale: None,
    };
    Ok((Value::parse(s, &ty)?, ty))
}

fn is_aggregate_call(f: &ast::Function) -> bool {
    f.over.is_none() && f.name.0.len() == 1 && AggFunc::by_name(&object_name(&f.name)).is_some()
}

pub fn object_name(n: &ast::ObjectName) -> String {
    n.0.iter()
        .map(|p| match p {
            ast::ObjectNamePart::Identifier(i) => ident_name(i),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
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
        | A::Cast { expr, .. } => contains_aggregate(expr),
        A::IsDistinctFrom(l, r) | A::IsNotDistinctFrom(l, r) => any(&[l, r]),
        A::Between {
            expr, low, high, ..
        } => any(&[expr, low, high]),
        A::In { expr, target, .. } => {
            contains_aggregate(expr)
                || matches!(target, ast::InTarget::List(l) if l.iter().any(contains_aggregate))
        }
        A::Like { expr, pattern, .. } | A::ILike { expr, pattern, .. } => any(&[expr, pattern]),
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
        A::AnyOp { left, .. } | A::AllOp { left, .. } => contains_aggregate(left),
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

impl Binder<'_> {
    /// Binds `e` over `scope`. With `agg`, the result reads the aggregate's output row:
    /// GROUP BY expressions and aggregate calls become its columns.
    pub fn bind_expr(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<(Expr, DataType)> {
        if let Some(ctx) = agg.as_deref() {
            if let Some(i) = ctx.group_asts.iter().position(|g| g == e) {
                return Ok((Expr::Column { up: 0, index: i }, ctx.group_types[i].clone()));
            }
        }
        use ast::Expr as A;
        match e {
            A::Identifier(_) | A::CompoundIdentifier(_) => {
                let (up, index, ty) = self.resolve_column(e, scope)?;
                if let (0, Some(ctx)) = (up, agg.as_deref()) {
                    // A plain column of the grouped input must be a GROUP BY column.
                    let col = Expr::Column { up: 0, index };
                    return match ctx
                        .group_exprs
                        .iter()
                        .position(|g| matches!(g, Expr::Column { up: 0, index: j } if *j == index))
                    {
                        Some(i) => {
                            Ok((Expr::Column { up: 0, index: i }, ctx.group_types[i].clone()))
                        }
                        None => {
                            let _ = col;
                            Err(EngineError::Grouping {
                                column: e.to_string(),
                            })
                        }
                    };
                }
                Ok((Expr::Column { up, index }, ty))
            }
            A::Value(v) => self.bind_value(&v.value),
            A::Nested(inner) => self.bind_expr(inner, scope, agg),
            A::UnaryOp { op, expr } => {
                // A negative number literal is one constant, typed by its value as in
                // PostgreSQL (-2147483648 is an integer).
                if let (ast::UnaryOperator::Minus, A::Value(v)) = (op, expr.as_ref()) {
                    if let ast::Value::Number(n, _) = &v.value {
                        let (v, t) = number(&format!("-{n}"))?;
                        return Ok((Expr::Const(v), t));
                    }
                }
                let (x, t) = self.bind_expr(expr, scope, agg)?;
                match op {
                    ast::UnaryOperator::Plus => Ok((x, t)),
                    ast::UnaryOperator::Minus => match x {
                        Expr::Const(v) if !v.is_null() && t != DataType::Unknown => {
                            Ok((Expr::Const(crate::types::ops::eval_negate(&v)?), t))
                        }
                        x => {
                            let t = if t == DataType::Unknown {
                                DataType::Float8
                            } else {
                                t
                            };
                            Ok((Expr::Neg(Box::new(x)), t))
                        }
                    },
                    ast::UnaryOperator::Not => {
                        let x = coerce(x, &t, &DataType::Bool)?;
                        Ok((Expr::Not(Box::new(x)), DataType::Bool))
                    }
                    other => Err(EngineError::FeatureNotSupported {
                        feature: format!("unary operator {other}"),
                    }),
                }
            }
            A::BinaryOp { left, op, right } => {
                if matches!(op, ast::BinaryOperator::And | ast::BinaryOperator::Or) {
                    let (l, lt) = self.bind_expr(left, scope, agg)?;
                    let (r, rt) = self.bind_expr(right, scope, agg)?;
                    let (l, r) = (
                        coerce(l, &lt, &DataType::Bool)?,
                        coerce(r, &rt, &DataType::Bool)?,
                    );
                    let node = if *op == ast::BinaryOperator::And {
                        Expr::And(Box::new(l), Box::new(r))
                    } else {
                        Expr::Or(Box::new(l), Box::new(r))
                    };
                    return Ok((node, DataType::Bool));
                }
                let bop = binary_op(op).ok_or_else(|| EngineError::FeatureNotSupported {
                    feature: format!("operator {op}"),
                })?;
                let (l, lt) = self.bind_expr(left, scope, agg)?;
                let (r, rt) = self.bind_expr(right, scope, agg)?;
                self.binary(bop, l, lt, r, rt)
            }
            A::IsNull(x) | A::IsNotNull(x) => {
                let (x, _) = self.bind_expr(x, scope, agg)?;
                Ok((
                    Expr::IsNull(Box::new(x), matches!(e, A::IsNotNull(_))),
                    DataType::Bool,
                ))
            }
            A::IsTrue(x) | A::IsNotTrue(x) | A::IsFalse(x) | A::IsNotFalse(x) => {
                let (b, t) = self.bind_expr(x, scope, agg)?;
                let b = coerce(b, &t, &DataType::Bool)?;
                let want = matches!(e, A::IsTrue(_) | A::IsNotTrue(_));
                let negated = matches!(e, A::IsNotTrue(_) | A::IsNotFalse(_));
                Ok((Expr::IsBool(Box::new(b), want, negated), DataType::Bool))
            }
            A::IsDistinctFrom(l, r) | A::IsNotDistinctFrom(l, r) => {
                let (l, lt) = self.bind_expr(l, scope, agg)?;
                let (r, rt) = self.bind_expr(r, scope, agg)?;
                let t = common_type(&[lt.clone(), rt.clone()])?;
                let (l, r) = (coerce(l, &lt, &t)?, coerce(r, &rt, &t)?);
                Ok((
                    Expr::IsDistinct(
                        Box::new(l),
                        Box::new(r),
                        matches!(e, A::IsNotDistinctFrom(..)),
                    ),
                    DataType::Bool,
                ))
            }
            A::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let (x, xt) = self.bind_expr(expr, scope, agg)?;
                let (lo, lot) = self.bind_expr(low, scope, agg)?;
                let (hi, hit) = self.bind_expr(high, scope, agg)?;
                let (a, _) = self.binary(BinaryOp::GtEq, x.clone(), xt.clone(), lo, lot)?;
                let (b, _) = self.binary(BinaryOp::LtEq, x, xt, hi, hit)?;
                let both = Expr::And(Box::new(a), Box::new(b));
                Ok((
                    if *negated {
                        Expr::Not(Box::new(both))
                    } else {
                        both
                    },
                    DataType::Bool,
                ))
            }
            A::In {
                expr,
                target,
                negated,
                ..
            } => match target {
                ast::InTarget::List(list) => {
                    let (x, xt) = self.bind_expr(expr, scope, agg)?;
                    let mut items = Vec::with_capacity(list.len());
                    let mut types = vec![xt.clone()];
                    for item in list {
                        let (b, t) = self.bind_expr(item, scope, agg)?;
                        types.push(t.clone());
                        items.push((b, t));
                    }
                    let t = common_type(&types)?;
                    let x = coerce(x, &xt, &t)?;
                    let list = items
                        .into_iter()
                        .map(|(b, bt)| coerce(b, &bt, &t))
                        .collect::<Result<Vec<_>>>()?;
                    Ok((
                        Expr::InList {
                            expr: Box::new(x),
                            list,
                            negated: *negated,
                        },
                        DataType::Bool,
                    ))
                }
                ast::InTarget::Subquery(q) => {
                    self.quantified(expr, BinaryOp::Eq, q, false, *negated, scope, agg)
                }
                _ => Err(EngineError::FeatureNotSupported {
                    feature: "this form of IN".into(),
                }),
            },
            A::AnyOp {
                left,
                compare_op,
                right,
                ..
            }
            | A::AllOp {
                left,
                compare_op,
                right,
            } => {
                let all = matches!(e, A::AllOp { .. });
                let op = binary_op(compare_op).ok_or_else(|| EngineError::FeatureNotSupported {
                    feature: format!("operator {compare_op} with ANY/ALL"),
                })?;
                match right.as_ref() {
                    A::Subquery(q) => self.quantified(left, op, q, all, false, scope, agg),
                    _ => Err(EngineError::FeatureNotSupported {
                        feature: "ANY/ALL over a non-subquery".into(),
                    }),
                }
            }
            A::Exists { subquery, negated } => {
                let plan = self.bind_subquery(subquery, scope)?.0;
                Ok((
                    Expr::Subquery(Box::new(Subquery {
                        plan,
                        kind: SubqueryKind::Exists { negated: *negated },
                    })),
                    DataType::Bool,
                ))
            }
            A::Subquery(q) => {
                let (plan, cols) = self.bind_subquery(q, scope)?;
                if cols.len() != 1 {
                    return Err(EngineError::Syntax {
                        message: "subquery must return only one column".into(),
                        position: None,
                    });
                }
                Ok((
                    Expr::Subquery(Box::new(Subquery {
                        plan,
                        kind: SubqueryKind::Scalar,
                    })),
                    cols[0].1.clone(),
                ))
            }
            A::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.bind_case(
                operand.as_deref(),
                conditions,
                else_result.as_deref(),
                scope,
                agg,
            ),
            A::Cast {
                expr, data_type, ..
            } => {
                let to = DataType::from_sql(data_type)?;
                let (x, t) = self.bind_expr(expr, scope, agg)?;
                let x = match x {
                    Expr::Const(Value::Text(s)) if t == DataType::Unknown => {
                        Expr::Const(Value::parse(&s, &to)?)
                    }
                    Expr::Const(v) => Expr::Const(v.cast(&to, CastKind::Explicit)?),
                    x if t == to => x,
                    x => Expr::Cast(Box::new(x), to.clone()),
                };
                Ok((x, to))
            }
            A::TypedString(ts) => {
                let to = DataType::from_sql(&ts.data_type)?;
                let text = match &ts.value.value {
                    ast::Value::SingleQuotedString(s) => s.clone(),
                    other => other.to_string(),
                };
                Ok((Expr::Const(Value::parse(&text, &to)?), to))
            }
            A::Like {
                negated,
                expr,
                pattern,
                escape_char: None,
                any: false,
            }
            | A::ILike {
                negated,
                expr,
                pattern,
                escape_char: None,
                any: false,
            } => {
                let ilike = matches!(e, A::ILike { .. });
                let op = match (ilike, negated) {
                    (false, false) => BinaryOp::Like,
                    (false, true) => BinaryOp::NotLike,
                    (true, false) => BinaryOp::ILike,
                    (true, true) => BinaryOp::NotILike,
                };
                let (x, xt) = self.bind_expr(expr, scope, agg)?;
                let (p, pt) = self.bind_expr(pattern, scope, agg)?;
                self.binary(op, x, xt, p, pt)
            }
            A::Function(f) => self.bind_function(f, scope, agg),
            A::Substring { .. }
            | A::Trim { .. }
            | A::Position { .. }
            | A::Overlay { .. }
            | A::Ceil { .. }
            | A::Floor { .. }
            | A::Extract { .. } => self.bind_special_function(e, scope, agg),
            other => Err(EngineError::FeatureNotSupported {
                feature: format!("expression {other}"),
            }),
        }
    }

    fn bind_value(&mut self, v: &ast::Value) -> Result<(Expr, DataType)> {
        use ast::Value as V;
        Ok(match v {
            V::Number(s, _) => {
                let (v, t) = number(&s.to_string())?;
                (Expr::Const(v), t)
            }
            V::SingleQuotedString(s) | V::EscapedStringLiteral(s) => {
                (Expr::Const(Value::Text(s.clone())), DataType::Unknown)
            }
            V::DollarQuotedString(d) => {
                (Expr::Const(Value::Text(d.value.clone())), DataType::Unknown)
            }
            V::Boolean(b) => (Expr::Const(Value::Bool(*b)), DataType::Bool),
            V::Null => (Expr::Const(Value::Null), DataType::Unknown),
            V::Placeholder(p) => {
                let n: usize =
                    p.trim_start_matches('$')
                        .parse()
                        .map_err(|_| EngineError::Syntax {
                            message: format!("bad parameter {p}"),
                            position: None,
                        })?;
                if n == 0 {
                    return Err(EngineError::Syntax {
                        message: "parameter numbers start at $1".into(),
                        position: None,
                    });
                }
                if self.param_types.len() < n {
                    self.param_types.resize(n, DataType::Unknown);
                }
                (Expr::Param(n - 1), self.param_types[n - 1].clone())
            }
            other => {
                return Err(EngineError::FeatureNotSupported {
                    feature: format!("literal {other}"),
                })
            }
        })
    }

    /// A parameter of still unknown type used where `to` is expected takes that type (the
    /// type a client is told to send).
    pub fn infer_param(&mut self, e: &Expr, from: &DataType, to: &DataType) {
        if let (Expr::Param(i), DataType::Unknown) = (e, from) {
            if let Some(slot) = self.param_types.get_mut(*i) {
                if *slot == DataType::Unknown {
                    *slot = to.clone();
                }
            }
        }
    }

    /// Resolves an operator and casts both operands to the types it takes.
    pub fn binary(
        &mut self,
        op: BinaryOp,
        l: Expr,
        lt: DataType,
        r: Expr,
        rt: DataType,
    ) -> Result<(Expr, DataType)> {
        let (lt2, rt2, res) = resolve_binary(op, &lt, &rt)?;
        self.infer_param(&l, &lt, &lt2);
        self.infer_param(&r, &rt, &rt2);
        let (l, r) = (coerce(l, &lt, &lt2)?, coerce(r, &rt, &rt2)?);
        if let (Expr::Const(a), Expr::Const(b)) = (&l, &r) {
            // Constant folding (errors such as division by zero surface here, as in PG).
            return Ok((Expr::Const(crate::types::ops::eval_binary(op, a, b)?), res));
        }
        Ok((Expr::Binary(op, Box::new(l), Box::new(r)), res))
    }

    #[allow(clippy::too_many_arguments)]
    fn quantified(
        &mut self,
        left: &ast::Expr,
        op: BinaryOp,
        q: &ast::Query,
        all: bool,
        negated: bool,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<(Expr, DataType)> {
        let (x, xt) = self.bind_expr(left, scope, agg)?;
        let (mut plan, cols) = self.bind_subquery(q, scope)?;
        if cols.len() != 1 {
            return Err(EngineError::Syntax {
                message: "subquery has too many columns".into(),
                position: None,
            });
        }
        let st = cols[0].1.clone();
        let (lt2, rt2, _) = resolve_binary(op, &xt, &st)?;
        let x = coerce(x, &xt, &lt2)?;
        if rt2 != st {
            plan = crate::sql::plan::Plan::Project {
                input: Box::new(plan),
                exprs: vec![coerce(Expr::Column { up: 0, index: 0 }, &st, &rt2)?],
            };
        }
        Ok((
            Expr::Subquery(Box::new(Subquery {
                plan,
                kind: SubqueryKind::Quantified {
                    expr: Box::new(x),
                    op,
                    all,
                    negated,
                },
            })),
            DataType::Bool,
        ))
    }

    fn bind_case(
        &mut self,
        operand: Option<&ast::Expr>,
        conditions: &[ast::CaseWhen],
        else_result: Option<&ast::Expr>,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<(Expr, DataType)> {
        let mut op = None;
        let mut whens = Vec::new();
        match operand {
            Some(o) => {
                let (o, ot) = self.bind_expr(o, scope, agg)?;
                let mut types = vec![ot.clone()];
                let mut bound = Vec::new();
                for c in conditions {
                    let (w, wt) = self.bind_expr(&c.condition, scope, agg)?;
                    types.push(wt.clone());
                    bound.push((w, wt));
                }
                let t = common_type(&types)?;
                op = Some(Box::new(coerce(o, &ot, &t)?));
                for (w, wt) in bound {
                    whens.push(coerce(w, &wt, &t)?);
                }
            }
            None => {
                for c in conditions {
                    let (w, wt) = self.bind_expr(&c.condition, scope, agg)?;
                    whens.push(coerce(w, &wt, &DataType::Bool)?);
                }
            }
        }
        let mut results = Vec::new();
        let mut types = Vec::new();
        for c in conditions {
            let (r, rt) = self.bind_expr(&c.result, scope, agg)?;
            types.push(rt.clone());
            results.push((r, rt));
        }
        let otherwise = match else_result {
            Some(e) => {
                let (r, rt) = self.bind_expr(e, scope, agg)?;
                types.push(rt.clone());
                Some((r, rt))
            }
            None => None,
        };
        let t = common_type(&types)?;
        let branches = whens
            .into_iter()
            .zip(results)
            .map(|(w, (r, rt))| Ok((w, coerce(r, &rt, &t)?)))
            .collect::<Result<Vec<_>>>()?;
        let otherwise = match otherwise {
            Some((r, rt)) => Some(Box::new(coerce(r, &rt, &t)?)),
            None => None,
        };
        Ok((
            Expr::Case {
                operand: op,
                branches,
                otherwise,
            },
            t,
        ))
    }

    fn function_args<'f>(&self, f: &'f ast::Function) -> Result<(Vec<&'f ast::Expr>, bool, bool)> {
        match &f.args {
            ast::FunctionArguments::None => Ok((Vec::new(), false, false)),
            ast::FunctionArguments::List(list) => {
                let distinct = matches!(
                    list.duplicate_treatment,
                    Some(ast::DuplicateTreatment::Distinct)
                );
                let mut args = Vec::new();
                let mut star = false;
                for a in &list.args {
                    match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => args.push(e),
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => star = true,
                        other => {
                            return Err(EngineError::FeatureNotSupported {
                                feature: format!("function argument {other}"),
                            })
                        }
                    }
                }
                Ok((args, distinct, star))
            }
            ast::FunctionArguments::Subquery(_) => Err(EngineError::FeatureNotSupported {
                feature: "subquery as function arguments".into(),
            }),
        }
    }

    fn bind_function(
        &mut self,
        f: &ast::Function,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<(Expr, DataType)> {
        let name = object_name(&f.name);
        let (args, distinct, star) = self.function_args(f)?;
        if let Some(func) = AggFunc::by_name(&name).filter(|_| f.over.is_none()) {
            let Some(ctx) = agg.as_deref_mut() else {
                return Err(EngineError::Grouping {
                    column: format!("aggregate {name} in this context"),
                });
            };
            let (func, arg, arg_ty) = match (func, star, args.as_slice()) {
                (AggFunc::Count, true, []) => (AggFunc::CountStar, None, DataType::Int8),
                (_, false, [a]) => {
                    // Aggregate arguments read the input rows, not the grouped ones.
                    let (x, t) = self.bind_expr(a, &ctx.input_scope.clone(), &mut None)?;
                    (func, Some((x, t.clone())), t)
                }
                _ => {
                    return Err(EngineError::UndefinedFunction {
                        signature: format!("{name} with {} arguments", args.len()),
                    })
                }
            };
            let (cast_to, result) = func.types(&arg_ty)?;
            let arg = match arg {
                Some((x, t)) => Some(coerce(x, &t, &cast_to)?),
                None => None,
            };
            let slot = ctx.group_exprs.len() + ctx.aggs.len();
            ctx.aggs.push(AggCall {
                func,
                arg,
                distinct,
            });
            ctx.agg_types.push(result.clone());
            return Ok((Expr::Column { up: 0, index: slot }, result));
        }
        if let Some(op) = crate::sequence::SeqOp::from_name(&name) {
            return self.bind_sequence_call(op, &args, scope, agg);
        }
        let keyword = matches!(
            name.as_str(),
            "current_timestamp" | "localtimestamp" | "localtime" | "current_time"
        );
        match (&f.args, args.as_slice()) {
            (ast::FunctionArguments::None, _) => return self.bind_sql_value_function(&name, None),
            // CURRENT_TIMESTAMP(p) and friends: a precision, not a function argument.
            (_, [p]) if keyword => {
                let (p, _) = self.bind_expr(p, scope, agg)?;
                return self.bind_sql_value_function(&name, Some(p));
            }
            _ => {}
        }
        let mut bound = Vec::with_capacity(args.len());
        for a in &args {
            bound.push(self.bind_expr(a, scope, agg)?);
        }
        self.bind_call(&name, bound)
    }
}
