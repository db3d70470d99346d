//! Binding grouped queries: the GROUP BY list (positions, output aliases, expressions),
//! columns functionally dependent on a grouped primary key, and aggregate calls (arguments,
//! DISTINCT, `FILTER (WHERE …)`, `ORDER BY` inside the call).

use super::expr::{coerce, object_name};
use super::select::{sort_key, unsupported, SelectItem};
use super::{ident_name, AggCtx, Binder, Scope};
use crate::error::{EngineError, Result};
use crate::sql::expr::{map_subquery_refs, Expr};
use crate::sql::functions::AggFunc;
use crate::sql::plan::AggCall;
use crate::types::DataType;
use sqlparser::ast::{self, Spanned};

/// Points the references that subqueries of a grouped query's expression make to the input
/// row at the grouped row instead: a grouped column becomes its GROUP BY slot; any other
/// column is an error (42803), as in PostgreSQL.
pub(super) fn regroup_subqueries(e: &mut Expr, ctx: &AggCtx) -> Result<()> {
    let missing = std::cell::Cell::new(None);
    map_subquery_refs(e, &|i| match ctx
        .group_exprs
        .iter()
        .position(|g| matches!(g, Expr::Column { up: 0, index } if *index == i))
    {
        Some(slot) => slot,
        None => {
            missing.set(Some(i));
            i
        }
    });
    match missing.get() {
        Some(i) => Err(EngineError::Grouping {
            column: ctx
                .input_scope
                .cols
                .get(i)
                .map_or_else(String::new, |c| match &c.table {
                    Some(t) => format!("{t}.{}", c.name),
                    None => c.name.clone(),
                }),
        }),
        None => Ok(()),
    }
}

impl Binder<'_> {
    /// Binds an expression of a SELECT list, HAVING or ORDER BY: over the grouped row when
    /// `agg` is given, with its subqueries' outer references moved onto that row.
    pub(super) fn bind_grouped(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<(Expr, DataType)> {
        let (mut x, t) = self.bind_expr(e, scope, agg)?;
        if let Some(ctx) = agg.as_deref() {
            regroup_subqueries(&mut x, ctx)?;
        }
        Ok((x, t))
    }

    /// The aggregation context of a grouped SELECT over `scope`: its GROUP BY expressions,
    /// followed by the columns they determine (a table's other columns when its primary key
    /// is grouped, as PostgreSQL allows).
    pub(super) fn grouping(
        &mut self,
        group_asts: &[ast::Expr],
        sets: Option<Vec<Vec<usize>>>,
        items: &[SelectItem],
        scope: &Scope,
        from: &[ast::TableWithJoins],
    ) -> Result<AggCtx> {
        let mut group_exprs = Vec::new();
        let mut group_types = Vec::new();
        let mut asts = Vec::new();
        for g in group_asts {
            // GROUP BY may name an output column by position or alias.
            let target = match super::select::output_item(g, items, scope)? {
                Some(i) => items[i]
                    .0
                    .clone()
                    .ok_or_else(|| unsupported("GROUP BY of *"))?,
                None => g.clone(),
            };
            let (x, t) = self.bind_expr(&target, scope, &mut None)?;
            crate::types::check_equality(&t).map_err(|e| EngineError::from(e).at_span(g.span()))?;
            group_exprs.push(x);
            group_types.push(t);
            asts.push(target);
        }
        let mut set_slot = None;
        if sets.is_some() {
            // The set index column (filled in by the aggregate, see `Plan::Aggregate`).
            set_slot = Some(group_exprs.len());
            group_exprs.push(Expr::Const(crate::types::Value::Null));
            group_types.push(DataType::Int4);
        } else {
            for c in self.dependent_columns(from, scope, &group_exprs) {
                group_exprs.push(Expr::Column { up: 0, index: c });
                group_types.push(scope.cols[c].ty.clone());
            }
        }
        Ok(AggCtx {
            input_scope: scope.clone(),
            group_asts: asts,
            group_exprs,
            group_types,
            aggs: Vec::new(),
            agg_types: Vec::new(),
            sets,
            set_slot,
        })
    }

    /// Scope columns of base tables whose every primary-key column is grouped (and that are
    /// not grouped themselves).
    fn dependent_columns(
        &self,
        from: &[ast::TableWithJoins],
        scope: &Scope,
        group_exprs: &[Expr],
    ) -> Vec<usize> {
        let grouped = |i: usize| {
            group_exprs
                .iter()
                .any(|g| matches!(g, Expr::Column { up: 0, index } if *index == i))
        };
        let mut tables = Vec::new();
        for twj in from {
            self.base_tables(&twj.relation, &mut tables);
            for j in &twj.joins {
                self.base_tables(&j.relation, &mut tables);
            }
        }
        let mut out = Vec::new();
        for (alias, table) in tables {
            let Some(pk) = table.indexes.iter().find(|ix| ix.primary) else {
                continue;
            };
            let positions: Vec<usize> = scope
                .cols
                .iter()
                .enumerate()
                .filter(|(_, c)| c.table.as_deref() == Some(alias.as_str()))
                .map(|(i, _)| i)
                .collect();
            if positions.len() != table.columns.len() {
                continue; // the alias is ambiguous or renamed away: no inference
            }
            if pk.columns.iter().all(|&c| grouped(positions[c])) {
                out.extend(positions.into_iter().filter(|&i| !grouped(i)));
            }
        }
        out
    }

    /// (alias, table) of the base tables (not views, not CTEs) a FROM item names.
    fn base_tables(
        &self,
        f: &ast::TableFactor,
        out: &mut Vec<(String, std::sync::Arc<crate::catalog::TableDef>)>,
    ) {
        match f {
            ast::TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } => {
                let tname = object_name(name);
                if self.ctes.iter().any(|(n, _, _)| *n == tname) {
                    return;
                }
                if let Some(t) = self.catalog.get(&tname).filter(|t| t.view.is_none()) {
                    let a = alias.as_ref().map(|a| ident_name(&a.name)).unwrap_or(tname);
                    out.push((a, t));
                }
            }
            ast::TableFactor::NestedJoin {
                table_with_joins, ..
            } => {
                self.base_tables(&table_with_joins.relation, out);
                for j in &table_with_joins.joins {
                    self.base_tables(&j.relation, out);
                }
            }
            _ => {}
        }
    }

    /// Binds an aggregate call into a slot of the aggregate's output row.
    pub(super) fn bind_aggregate(
        &mut self,
        f: &ast::Function,
        func: AggFunc,
        args: &[&ast::Expr],
        distinct: bool,
        star: bool,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<(Expr, DataType)> {
        let name = object_name(&f.name);
        let Some(ctx) = agg.as_deref_mut() else {
            return Err(EngineError::Grouping {
                column: format!("aggregate {name} in this context"),
            });
        };
        if !f.within_group.is_empty() {
            return Err(EngineError::Function {
                code: "42809",
                message: format!(
                    "{name} is not an ordered-set aggregate, so it cannot have WITHIN GROUP"
                ),
            });
        }
        // Aggregate arguments, FILTER and ORDER BY read the input rows, not the grouped ones.
        let input = ctx.input_scope.clone();
        let (func, bound) = match (func, star, args) {
            (AggFunc::Count, true, []) => (AggFunc::CountStar, Vec::new()),
            (_, false, args) if !args.is_empty() => {
                let mut bound = Vec::with_capacity(args.len());
                for a in args {
                    bound.push(self.bind_expr(a, &input, &mut None)?);
                }
                (func, bound)
            }
            _ => {
                return Err(EngineError::UndefinedFunction {
                    signature: format!("{name} with {} arguments", args.len()),
                })
            }
        };
        let arg_types: Vec<DataType> = bound.iter().map(|(_, t)| t.clone()).collect();
        if distinct {
            for t in &arg_types {
                crate::types::check_equality(t)?;
            }
        }
        let (cast_to, result) = if func == AggFunc::CountStar {
            (Vec::new(), DataType::Int8)
        } else {
            func.types(&name, &arg_types)?
        };
        let args = bound
            .into_iter()
            .zip(&cast_to)
            .map(|((x, t), to)| coerce(x, &t, to))
            .collect::<Result<Vec<_>>>()?;
        let filter = match &f.filter {
            Some(w) => {
                let (x, t) = self.bind_expr(w, &input, &mut None)?;
                Some(coerce(x, &t, &DataType::Bool)?)
            }
            None => None,
        };
        let mut order_by = Vec::new();
        if let ast::FunctionArguments::List(list) = &f.args {
            for clause in &list.clauses {
                match clause {
                    ast::FunctionArgumentClause::OrderBy(obs) => {
                        for ob in obs {
                            let (x, t) = self.bind_expr(&ob.expr, &input, &mut None)?;
                            crate::types::check_orderable(&t)?;
                            order_by.push(sort_key(x, &ob.options));
                        }
                    }
                    other => return Err(unsupported(&format!("aggregate clause {other}"))),
                }
            }
        }
        let slot = ctx.group_exprs.len() + ctx.aggs.len();
        ctx.aggs.push(AggCall {
            func,
            args,
            distinct,
            filter,
            order_by,
            result: result.clone(),
        });
        ctx.agg_types.push(result.clone());
        Ok((Expr::Column { up: 0, index: slot }, result))
    }

    /// Binds an ordered-set or hypothetical-set aggregate call, `name(direct) WITHIN GROUP
    /// (ORDER BY sorted)`, into a slot of the aggregate's output row: its arguments are the
    /// direct ones then the sorted ones, its ORDER BY the sorted ones (cast as the
    /// aggregate takes them).
    pub(super) fn bind_ordered_set(
        &mut self,
        f: &ast::Function,
        func: AggFunc,
        direct: &[&ast::Expr],
        distinct: bool,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<(Expr, DataType)> {
        let name = object_name(&f.name);
        let Some(ctx) = agg.as_deref_mut() else {
            return Err(EngineError::Grouping {
                column: format!("aggregate {name} in this context"),
            });
        };
        let input = ctx.input_scope.clone();
        if f.within_group.is_empty() {
            return Err(self.no_such_ordered_set(&name, direct, f, &input));
        }
        if distinct {
            return Err(EngineError::Syntax {
                message: "cannot use DISTINCT with WITHIN GROUP".into(),
                position: None,
            });
        }
        if let ast::FunctionArguments::List(list) = &f.args {
            if !list.clauses.is_empty() {
                return Err(EngineError::Syntax {
                    message: "cannot use multiple ORDER BY clauses with WITHIN GROUP".into(),
                    position: None,
                });
            }
        }
        let mut bound = Vec::with_capacity(direct.len() + f.within_group.len());
        for a in direct {
            bound.push(self.bind_expr(a, &input, &mut None)?);
        }
        for ob in &f.within_group {
            bound.push(self.bind_expr(&ob.expr, &input, &mut None)?);
        }
        let types: Vec<DataType> = bound.iter().map(|(_, t)| t.clone()).collect();
        let (direct_types, sorted_types) = types.split_at(direct.len());
        let (casts, result) =
            crate::sql::functions::ordered_set_types(func, &name, direct_types, sorted_types)?;
        let args = bound
            .into_iter()
            .zip(&casts)
            .map(|((x, t), to)| coerce(x, &t, to))
            .collect::<Result<Vec<_>>>()?;
        let order_by = args[direct.len()..]
            .iter()
            .zip(&f.within_group)
            .map(|(x, ob)| sort_key(x.clone(), &ob.options))
            .collect();
        let filter = match &f.filter {
            Some(w) => {
                let (x, t) = self.bind_expr(w, &input, &mut None)?;
                Some(coerce(x, &t, &DataType::Bool)?)
            }
            None => None,
        };
        let Some(ctx) = agg.as_deref_mut() else {
            return Err(EngineError::Internal {
                reason: "ordered-set aggregate without its grouping",
            });
        };
        let slot = ctx.group_exprs.len() + ctx.aggs.len();
        ctx.aggs.push(AggCall {
            func,
            args,
            distinct: false,
            filter,
            order_by,
            result: result.clone(),
        });
        ctx.agg_types.push(result.clone());
        Ok((Expr::Column { up: 0, index: slot }, result))
    }
}
