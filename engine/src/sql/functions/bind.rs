//! Binding function calls: resolution and argument casts for a call whose arguments are
//! bound, constant folding, SQL's keyword functions (`CURRENT_DATE`, `CURRENT_TIMESTAMP(p)`,
//! ...) and its special syntax (`SUBSTRING(s FROM a FOR b)`, `TRIM(LEADING x FROM s)`,
//! `POSITION(a IN b)`, `OVERLAY`, `CEIL`/`FLOOR`, `EXTRACT(field FROM x)`, `x AT TIME ZONE z`),
//! which PostgreSQL's grammar turns into ordinary function calls.

use super::{signature_text, ScalarFunc};
use crate::error::{EngineError, Result};
use crate::sql::binder::{coerce, AggCtx, Binder, Scope};
use crate::sql::expr::Expr;
use crate::types::{CastKind, DataType, Value};
use sqlparser::ast;

impl Binder<'_> {
    /// Resolves `name(args)` among the built-in functions, casts the arguments to the
    /// types it takes, and evaluates it right away when every argument is a constant (as
    /// PostgreSQL folds immutable functions when planning).
    pub(crate) fn bind_call(
        &mut self,
        name: &str,
        args: Vec<(Expr, DataType)>,
    ) -> Result<(Expr, DataType)> {
        let name = name.strip_prefix("pg_catalog.").unwrap_or(name);
        let catalog_funcs = crate::sql::syscat::funcs::lookup(name);
        if !catalog_funcs.is_empty() {
            return crate::sql::syscat::funcs::bind(self.catalog, &catalog_funcs, args);
        }
        let mut args = args;
        if let Some(r) = self.bind_enum_function(name, &mut args)? {
            return Ok(r);
        }
        let types: Vec<DataType> = args.iter().map(|(_, t)| t.clone()).collect();
        if let ("pg_typeof" | "pg_catalog.pg_typeof", [t]) = (name, types.as_slice()) {
            // The argument's type, named as the `regtype` output names it (this engine has no
            // `regtype`: the result is text).
            return Ok((
                Expr::Const(Value::Text(t.base_name().to_string())),
                DataType::Text,
            ));
        }
        if let ("num_nulls" | "num_nonnulls", false) = (name, types.is_empty()) {
            // VARIADIC "any": the arguments as they are (untyped literals as text).
            let func = if name == "num_nulls" {
                ScalarFunc::NumNulls
            } else {
                ScalarFunc::NumNonnulls
            };
            let mut bound = Vec::with_capacity(args.len());
            for (x, t) in args {
                let to = if t == DataType::Unknown {
                    DataType::Text
                } else {
                    t.clone()
                };
                bound.push(self.coerce_arg(x, &t, &to)?);
            }
            if bound.iter().all(|x| matches!(x, Expr::Const(_))) {
                let vals: Vec<Value> = bound
                    .into_iter()
                    .map(|x| match x {
                        Expr::Const(v) => v,
                        _ => Value::Null,
                    })
                    .collect();
                return Ok((Expr::Const(func.call(&vals)?), DataType::Int4));
            }
            return Ok((Expr::Func(func, bound), DataType::Int4));
        }
        let Some(r) = ScalarFunc::resolve(name, &types)? else {
            return Err(EngineError::UndefinedFunction {
                signature: signature_text(name, &types),
            });
        };
        let mut bound = Vec::with_capacity(args.len());
        for ((x, from), to) in args.into_iter().zip(&r.arg_types) {
            self.infer_param(&x, &from, to);
            bound.push(self.coerce_arg(x, &from, to)?);
        }
        if r.func.is_immutable() && bound.iter().all(|x| matches!(x, Expr::Const(_))) {
            let vals: Vec<Value> = bound
                .into_iter()
                .map(|x| match x {
                    Expr::Const(v) => v,
                    _ => Value::Null,
                })
                .collect();
            return Ok((Expr::Const(r.func.call(&vals)?), r.ret));
        }
        Ok((Expr::Func(r.func, bound), r.ret))
    }

    /// Casts a function argument; `character` values lose their trailing spaces on the way
    /// to `text` (the cast PostgreSQL applies), and types differing only in their modifier
    /// from the parameter's pass unchanged.
    fn coerce_arg(&mut self, x: Expr, from: &DataType, to: &DataType) -> Result<Expr> {
        if matches!(from, DataType::Char(_)) && matches!(to, DataType::Text | DataType::Varchar(_))
        {
            let x = match x {
                Expr::Const(v) => {
                    Expr::Const(v.cast_from(from, &DataType::Text, CastKind::Implicit)?)
                }
                x => Expr::Func(ScalarFunc::BpcharToText, vec![x]),
            };
            return coerce(x, &DataType::Text, to);
        }
        if from.base() == to.base() && to.typmod() < 0 {
            return Ok(x);
        }
        coerce(x, from, to)
    }

    /// SQL's keyword functions without parentheses (`CURRENT_DATE`, `CURRENT_TIMESTAMP`,
    /// `LOCALTIMESTAMP`, `LOCALTIME`).
    pub(crate) fn bind_sql_value_function(
        &mut self,
        name: &str,
        precision: Option<Expr>,
    ) -> Result<(Expr, DataType)> {
        let (func, ty) = match name {
            "current_timestamp" => (ScalarFunc::Now, DataType::Timestamptz),
            "current_date" => (ScalarFunc::CurrentDate, DataType::Date),
            "localtimestamp" => (ScalarFunc::LocalTimestamp, DataType::Timestamp),
            "localtime" => (ScalarFunc::LocalTime, DataType::Time),
            "current_time" => {
                return Err(EngineError::FeatureNotSupported {
                    feature: "type time with time zone (CURRENT_TIME)".into(),
                })
            }
            // CURRENT_USER, SESSION_USER, USER, CURRENT_ROLE, CURRENT_SCHEMA, CURRENT_CATALOG.
            "user" | "current_role" if precision.is_none() => {
                return self.bind_call("current_user", Vec::new())
            }
            "current_catalog" if precision.is_none() => {
                return self.bind_call("current_database", Vec::new())
            }
            _ if precision.is_none() && !crate::sql::syscat::funcs::lookup(name).is_empty() => {
                return self.bind_call(name, Vec::new())
            }
            _ => {
                return Err(EngineError::UndefinedFunction {
                    signature: name.to_string(),
                })
            }
        };
        let args = match precision {
            None => Vec::new(),
            Some(Expr::Const(v @ Value::Int4(_))) if func != ScalarFunc::CurrentDate => vec![v],
            Some(_) => {
                return Err(EngineError::Syntax {
                    message: format!("{name} takes an integer precision"),
                    position: None,
                })
            }
        };
        Ok((Expr::Const(func.call(&args)?), ty))
    }

    /// SQL's special function syntax: `SUBSTRING(s FROM a FOR b)`, `TRIM(LEADING x FROM s)`,
    /// `POSITION(a IN b)`, `OVERLAY(s PLACING r FROM a FOR b)`, `CEIL`/`FLOOR`,
    /// `EXTRACT(field FROM x)`, bound as the functions PostgreSQL's grammar turns them into.
    pub(crate) fn bind_special_function(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<(Expr, DataType)> {
        use ast::Expr as A;
        let mut bound = Vec::new();
        let name = match e {
            A::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                bound.push(self.bind_expr(expr, scope, agg)?);
                match (substring_from, substring_for) {
                    (Some(from), _) => bound.push(self.bind_expr(from, scope, agg)?),
                    // SUBSTRING(s FOR n) starts at 1.
                    (None, Some(_)) => bound.push((Expr::Const(Value::Int4(1)), DataType::Int4)),
                    (None, None) => {}
                }
                if let Some(n) = substring_for {
                    bound.push(self.bind_expr(n, scope, agg)?);
                }
                "substring"
            }
            A::Trim {
                expr,
                trim_where,
                trim_what,
                trim_characters,
            } => {
                bound.push(self.bind_expr(expr, scope, agg)?);
                if let Some(w) = trim_what {
                    bound.push(self.bind_expr(w, scope, agg)?);
                }
                for c in trim_characters.iter().flatten() {
                    bound.push(self.bind_expr(c, scope, agg)?);
                }
                match trim_where {
                    Some(ast::TrimWhereField::Leading) => "ltrim",
                    Some(ast::TrimWhereField::Trailing) => "rtrim",
                    _ => "btrim",
                }
            }
            A::Position { expr, r#in } => {
                bound.push(self.bind_expr(r#in, scope, agg)?);
                bound.push(self.bind_expr(expr, scope, agg)?);
                "position"
            }
            A::Overlay {
                expr,
                overlay_what,
                overlay_from,
                overlay_for,
            } => {
                for x in [expr, overlay_what, overlay_from] {
                    bound.push(self.bind_expr(x, scope, agg)?);
                }
                if let Some(n) = overlay_for {
                    bound.push(self.bind_expr(n, scope, agg)?);
                }
                "overlay"
            }
            A::Ceil { expr, field } | A::Floor { expr, field } => {
                bound.push(self.bind_expr(expr, scope, agg)?);
                match field {
                    ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime) => {}
                    ast::CeilFloorKind::Scale(v) => {
                        bound.push(self.bind_expr(&A::Value(v.clone()), scope, agg)?)
                    }
                    ast::CeilFloorKind::DateTimeField(f) => {
                        return Err(EngineError::FeatureNotSupported {
                            feature: format!("CEIL/FLOOR ... TO {f}"),
                        })
                    }
                }
                if matches!(e, A::Ceil { .. }) {
                    "ceil"
                } else {
                    "floor"
                }
            }
            A::Extract { field, expr, .. } => {
                let unit = match field {
                    ast::DateTimeField::Custom(i) => i.value.clone(),
                    ast::DateTimeField::Week(_) => "week".into(),
                    f => f.to_string().to_lowercase(),
                };
                bound.push((Expr::Const(Value::Text(unit)), DataType::Text));
                bound.push(self.bind_expr(expr, scope, agg)?);
                "extract"
            }
            A::AtTimeZone {
                timestamp,
                time_zone,
            } => {
                bound.push(self.bind_expr(time_zone, scope, agg)?);
                bound.push(self.bind_expr(timestamp, scope, agg)?);
                "timezone"
            }
            other => {
                return Err(EngineError::FeatureNotSupported {
                    feature: format!("expression {other}"),
                })
            }
        };
        self.bind_call(name, bound)
    }
}
