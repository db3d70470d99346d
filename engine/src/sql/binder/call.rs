//! Binding calls: CASE, scalar functions by name, aggregate calls into the aggregate
//! context's slots.

use super::expr::{coerce, object_name};
use super::{AggCtx, Binder, Scope};
use crate::error::{EngineError, Result};
use crate::sql::expr::Expr;
use crate::sql::functions::AggFunc;
use crate::types::{common_type, DataType};
use sqlparser::ast;

impl Binder<'_> {
    pub(super) fn bind_case(
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

    /// 42883 for `name(args) [WITHIN GROUP (ORDER BY sorted)]` that no ordered-set
    /// aggregate matches, naming the argument types as PostgreSQL does (direct and sorted
    /// arguments in one list).
    pub(super) fn no_such_ordered_set(
        &mut self,
        name: &str,
        args: &[&ast::Expr],
        f: &ast::Function,
        scope: &Scope,
    ) -> EngineError {
        let exprs = args
            .iter()
            .copied()
            .chain(f.within_group.iter().map(|o| &o.expr));
        let mut types = Vec::new();
        for e in exprs {
            match self.bind_expr(e, scope, &mut None) {
                Ok((_, t)) => types.push(t),
                Err(err) => return err,
            }
        }
        EngineError::UndefinedFunction {
            signature: crate::sql::functions::signature_text(name, &types),
        }
    }

    pub(super) fn bind_function(
        &mut self,
        f: &ast::Function,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<(Expr, DataType)> {
        let name = object_name(&f.name);
        let (args, distinct, star) = self.function_args(f)?;
        if f.over.is_some() {
            return self.bind_window_call(f, &args, distinct, star, scope, agg);
        }
        if name == "grouping" {
            return self.bind_grouping(&args, agg);
        }
        // Ordered-set aggregates; the hypothetical-set ones share their names with window
        // functions, and are these only with WITHIN GROUP.
        let ordered_set = AggFunc::ordered_set_by_name(&name).filter(|_| {
            !f.within_group.is_empty() || crate::sql::window::WindowFunc::by_name(&name).is_none()
        });
        if let Some(func) = ordered_set {
            let saved = (self.srfs.take(), self.windows.take(), self.window_ban);
            self.window_ban = super::window::WindowBan::InAggregate;
            let r = self.bind_ordered_set(f, func, &args, distinct, agg);
            (self.srfs, self.windows, self.window_ban) = saved;
            return r;
        }
        if crate::sql::window::WindowFunc::by_name(&name).is_some() {
            return Err(EngineError::Function {
                code: "42809",
                message: format!("window function {name} requires an OVER clause"),
            });
        }
        if AggFunc::by_name(&name).is_some() && !f.within_group.is_empty() {
            return Err(self.no_such_ordered_set(&name, &args, f, scope));
        }
        if let Some(func) = AggFunc::by_name(&name) {
            // An aggregate's arguments cannot hold set-returning or window calls.
            let saved = (self.srfs.take(), self.windows.take(), self.window_ban);
            self.window_ban = super::window::WindowBan::InAggregate;
            let r = self.bind_aggregate(f, func, &args, distinct, star, agg);
            (self.srfs, self.windows, self.window_ban) = saved;
            return r;
        }
        if !f.within_group.is_empty() {
            return Err(self.no_such_ordered_set(&name, &args, f, scope));
        }
        if let Some(op) = crate::sequence::SeqOp::from_name(&name) {
            return self.bind_sequence_call(op, &args, scope, agg);
        }
        if matches!(name.as_str(), "pg_sleep" | "pg_catalog.pg_sleep") {
            let [secs] = args.as_slice() else {
                return Err(EngineError::UndefinedFunction {
                    signature: format!("pg_sleep with {} arguments", args.len()),
                });
            };
            let (x, t) = self.bind_expr(secs, scope, agg)?;
            let x = coerce(x, &t, &DataType::Float8)?;
            return Ok((Expr::Sleep(Box::new(x)), DataType::Void));
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
        let types: Vec<DataType> = bound.iter().map(|(_, t)| t.clone()).collect();
        if let Some(r) = crate::sql::setfunc::SetFunc::resolve(&name, &types) {
            let r = r?;
            if r.columns.len() != 1 {
                return Err(EngineError::FeatureNotSupported {
                    feature: format!("{name} in a select list (its rows are records)"),
                });
            }
            let mut call_args = Vec::with_capacity(bound.len());
            for ((x, t), to) in bound.into_iter().zip(&r.arg_types) {
                self.infer_param(&x, &t, to);
                call_args.push(coerce(x, &t, to)?);
            }
            let Some(sink) = self.srfs.as_mut() else {
                return Err(EngineError::FeatureNotSupported {
                    feature: format!("set-returning function {name} here"),
                });
            };
            sink.push((r.func, call_args));
            let index = super::SRF_SLOT + sink.len() - 1;
            return Ok((Expr::Column { up: 0, index }, r.column));
        }
        self.bind_call(&name, bound)
    }
}
