//! Binding expressions: names to columns (current query or enclosing ones), literals to
//! typed constants, operators and functions resolved with PostgreSQL's type rules, explicit
//! casts where operand types differ, aggregates to slots of the aggregate's output row.

use super::{ident_name, AggCtx, Binder, Scope};
use crate::error::{EngineError, ErrorLocation, Result};
use crate::sql::expr::{Expr, Subquery, SubqueryKind};
use crate::sql::functions::ScalarFunc;
use crate::types::ops::{resolve_binary, BinaryOp};
use crate::types::{common_type, CastKind, DataType, Value};
use sqlparser::ast::{self, Spanned};

pub use super::walk::contains_aggregate;

/// `CAST(x AS to)` / `x::to`: literals are read as `to` (an over-long string literal cast
/// to `varchar(n)`/`char(n)` is cut, as explicit casts cut); `character` values lose their
/// padding on the way to other string types.
fn explicit_cast(x: Expr, t: &DataType, to: &DataType) -> Result<Expr> {
    let x = strip_padding(x, t, to);
    Ok(match x {
        Expr::Const(Value::Text(s)) if *t == DataType::Unknown => {
            if matches!(to, DataType::Varchar(Some(_)) | DataType::Char(Some(_))) {
                Expr::Const(Value::Text(s).cast(to, CastKind::Explicit)?)
            } else {
                Expr::Const(Value::parse(&s, to)?)
            }
        }
        Expr::Const(v) => Expr::Const(v.cast(to, CastKind::Explicit)?),
        x if t == to => x,
        x => Expr::Cast(Box::new(x), to.clone()),
    })
}

/// The keyword of a `CAST`-style conversion (where its errors point).
fn kind_keyword(kind: &ast::CastKind) -> &'static str {
    match kind {
        ast::CastKind::TryCast => "try_cast",
        ast::CastKind::SafeCast => "safe_cast",
        _ => "cast",
    }
}

/// `character` → another string type: PostgreSQL's cast drops the trailing blanks.
fn strip_padding(x: Expr, from: &DataType, to: &DataType) -> Expr {
    if !matches!(from, DataType::Char(_)) || !matches!(to, DataType::Text | DataType::Varchar(_)) {
        return x;
    }
    match x {
        Expr::Const(Value::Text(s)) => Expr::Const(Value::Text(s.trim_end_matches(' ').into())),
        Expr::Const(v) => Expr::Const(v),
        x => Expr::Func(ScalarFunc::BpcharToText, vec![x]),
    }
}

fn interval_form() -> EngineError {
    EngineError::FeatureNotSupported {
        feature: "this form of INTERVAL literal (field restrictions)".into(),
    }
}

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
    let e = strip_padding(e, from, to);
    match e {
        Expr::Const(Value::Null) => Ok(Expr::Const(Value::Null)),
        Expr::Const(Value::Text(s)) if *from == DataType::Unknown => {
            Ok(Expr::Const(Value::parse(&s, to)?))
        }
        Expr::Const(v) => Ok(Expr::Const(v.cast(to, CastKind::Implicit)?)),
        other => Ok(Expr::Cast(Box::new(other), to.clone())),
    }
}

pub(super) fn number(s: &str) -> Result<(Value, DataType)> {
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

pub fn object_name(n: &ast::ObjectName) -> String {
    n.0.iter()
        .map(|p| match p {
            ast::ObjectNamePart::Identifier(i) => ident_name(i),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

impl Binder<'_> {
    /// Binds `e` over `scope`. With `agg`, the result reads the aggregate's output row:
    /// GROUP BY expressions and aggregate calls become its columns.
    /// Errors point at `e` unless a part of it raised them (see [`EngineError::located`]).
    pub fn bind_expr(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<(Expr, DataType)> {
        self.bind_node(e, scope, agg)
            .map_err(|err| err.at_span(e.span()))
    }

    fn bind_node(
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
            // CURRENT_ROLE is a reserved word in PostgreSQL (never a column): sqlparser
            // reads it as a name.
            A::Identifier(i)
                if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("current_role") =>
            {
                self.bind_call("current_user", Vec::new())
            }
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
            A::UnaryOp { op, expr } => self.bind_unary(*op, expr, scope, agg),
            A::BinaryOp { left, op, right } => self.bind_infix(left, op, right, scope, agg),
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
            } => self.bind_between(expr, *negated, low, high, scope, agg),
            A::In {
                expr,
                target,
                negated,
                ..
            } => self.bind_in(expr, target, *negated, scope, agg),
            A::AnyOp {
                left,
                compare_op,
                right,
                ..
            } => self.bind_any_all(left, compare_op, right, false, scope, agg),
            A::AllOp {
                left,
                compare_op,
                right,
            } => self.bind_any_all(left, compare_op, right, true, scope, agg),
            A::IsUnknown(x) | A::IsNotUnknown(x) => {
                // On booleans, IS UNKNOWN is IS NULL.
                let (b, t) = self.bind_expr(x, scope, agg)?;
                let b = coerce(b, &t, &DataType::Bool).map_err(|e| e.at_span(x.span()))?;
                Ok((
                    Expr::IsNull(Box::new(b), matches!(e, A::IsNotUnknown(_))),
                    DataType::Bool,
                ))
            }
            A::Collate { expr, collation } => self.bind_collate(expr, collation, scope, agg),
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
                kind,
                expr,
                data_type,
                ..
            } => {
                let at = match kind {
                    ast::CastKind::DoubleColon => ErrorLocation::TokenAfter {
                        from: expr.span().end,
                        token: "::".into(),
                    },
                    _ => ErrorLocation::TokenBefore {
                        before: expr.span().start,
                        token: kind_keyword(kind).into(),
                    },
                };
                let to = crate::sql::resolve_type(data_type, self.catalog)?;
                let (x, t) = match (&**expr, &to) {
                    // `ARRAY[]::int[]`: the cast gives the constructor its type.
                    (A::Array(arr), DataType::Array(_)) => {
                        self.bind_array_ctor(arr, Some(&to), scope, agg)?
                    }
                    _ => self.bind_expr(expr, scope, agg)?,
                };
                if let DataType::Reg(kind) = to {
                    // A name that is not found is reported at the literal, as regclassin does.
                    return crate::sql::syscat::funcs::bind_reg_cast(self.catalog, x, &t, kind)
                        .map_err(|e| e.at_span(expr.span()));
                }
                // `$1::int` tells the parameter's type.
                self.infer_param(&x, &t, &to.base());
                let t = match &x {
                    Expr::Param(i) => self.param_types.get(*i).cloned().unwrap_or(t),
                    _ => t,
                };
                // A literal that does not read as the type is pointed at; a cast that
                // does not exist, at the cast.
                // A domain's base type is cast to; its constraints are checked below.
                let x =
                    explicit_cast(x, &t, to.without_domain()).map_err(|e| match e.sqlstate() {
                        "42846" => e.located(at),
                        _ => e.at_span(expr.span()),
                    })?;
                if let DataType::Domain(d) = &to {
                    return Ok((
                        crate::sql::ddl_domains::check_expr(self.catalog, d, x)?,
                        to.clone(),
                    ));
                }
                Ok((x, to))
            }
            A::TypedString(ts) => {
                let to = crate::sql::resolve_type(&ts.data_type, self.catalog)?;
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
                escape_char,
                any: false,
            }
            | A::ILike {
                negated,
                expr,
                pattern,
                escape_char,
                any: false,
            } => {
                let ilike = matches!(e, A::ILike { .. });
                let op = match (ilike, negated) {
                    (false, false) => BinaryOp::Like,
                    (false, true) => BinaryOp::NotLike,
                    (true, false) => BinaryOp::ILike,
                    (true, true) => BinaryOp::NotILike,
                };
                self.bind_like(op, expr, pattern, escape_char.as_deref(), scope, agg)
            }
            A::SimilarTo {
                negated,
                expr,
                pattern,
                escape_char,
            } => self.bind_similar(*negated, expr, pattern, escape_char.as_deref(), scope, agg),
            A::Interval(iv) => self.bind_interval(iv),
            A::Function(f) => match (&f.args, super::expr::object_name(&f.name).as_str()) {
                (ast::FunctionArguments::Subquery(q), "array") => {
                    self.bind_array_subquery(q, scope)
                }
                _ => self.bind_function(f, scope, agg),
            },
            A::Array(arr) => self.bind_array_ctor(arr, None, scope, agg),
            A::CompoundFieldAccess { root, access_chain } => {
                self.bind_subscripts(root, access_chain, scope, agg)
            }
            A::Substring { .. }
            | A::Trim { .. }
            | A::Position { .. }
            | A::Overlay { .. }
            | A::Ceil { .. }
            | A::Floor { .. }
            | A::Extract { .. }
            | A::AtTimeZone { .. } => self.bind_special_function(e, scope, agg),
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

    /// `INTERVAL 'text' [unit]`: the text read as an interval; a bare number with a unit
    /// counts that unit (`INTERVAL '3' DAY`).
    fn bind_interval(&mut self, iv: &ast::Interval) -> Result<(Expr, DataType)> {
        let text = match iv.value.as_ref() {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
                    s.clone()
                }
                _ => return Err(interval_form()),
            },
            _ => return Err(interval_form()),
        };
        let text = match (
            &iv.leading_field,
            &iv.last_field,
            iv.fractional_seconds_precision,
        ) {
            (None, None, None) if iv.leading_precision.is_none() => text,
            (Some(unit), None, None)
                if iv.leading_precision.is_none()
                    && text.trim().parse::<f64>().is_ok_and(f64::is_finite) =>
            {
                format!("{} {unit}", text.trim())
            }
            _ => return Err(interval_form()),
        };
        Ok((
            Expr::Const(Value::parse(&text, &DataType::Interval)?),
            DataType::Interval,
        ))
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
        let (mut l, mut r) = (coerce(l, &lt, &lt2)?, coerce(r, &rt, &rt2)?);
        if op == BinaryOp::Concat && matches!(res, DataType::Array(_)) {
            // Array `||` is array_cat / array_append / array_prepend, which treat a NULL
            // operand as an empty array or a NULL element rather than giving NULL.
            use crate::sql::functions::ScalarFunc as F;
            let f = match (&lt2, &rt2) {
                (DataType::Array(_), DataType::Array(_)) => F::ArrayCat,
                (DataType::Array(_), _) => F::ArrayAppend,
                _ => F::ArrayPrepend,
            };
            let args = vec![l, r];
            if let [Expr::Const(a), Expr::Const(b)] = args.as_slice() {
                return Ok((Expr::Const(f.call(&[a.clone(), b.clone()])?), res));
            }
            return Ok((Expr::Func(f, args), res));
        }
        if op.is_comparison()
            && matches!(lt2, DataType::Char(_))
            && matches!(rt2, DataType::Char(_))
        {
            // `character` compares without its trailing blanks (PostgreSQL's bpchar
            // operators), which is comparing the values cast to text.
            l = strip_padding(l, &lt2, &DataType::Text);
            r = strip_padding(r, &rt2, &DataType::Text);
        }
        if let (Expr::Const(a), Expr::Const(b)) = (&l, &r) {
            // Constant folding (errors such as division by zero surface here, as in PG).
            return Ok((Expr::Const(crate::types::ops::eval_binary(op, a, b)?), res));
        }
        Ok((Expr::Binary(op, Box::new(l), Box::new(r)), res))
    }
}
