//! Binding a query: WITH, the SELECT block (select list, GROUP BY, HAVING, DISTINCT),
//! ORDER BY, LIMIT and OFFSET. FROM is bound in `from`, set operations in `setops`.

use super::expr::{coerce, contains_aggregate};
use super::window::{renumber_window_slots, WindowBan};
use super::{ident_name, AggCtx, Binder, Scope, ScopeCol};
use crate::error::{EngineError, Result};
use crate::sql::expr::Expr;
use crate::sql::plan::{Plan, SortKey};
use crate::types::DataType;
use sqlparser::ast;

pub type Columns = Vec<(String, DataType)>;

/// A select-list entry: its expression (None for a column a wildcard expanded to), that
/// column's scope index, and the output name.
pub(super) type SelectItem = (Option<ast::Expr>, Option<usize>, String);

pub(super) fn unsupported(what: &str) -> EngineError {
    EngineError::FeatureNotSupported {
        feature: what.to_string(),
    }
}

/// PostgreSQL's name for an unaliased select-list expression.
pub fn column_name(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Identifier(i) => ident_name(i),
        ast::Expr::CompoundIdentifier(p) => p.last().map(ident_name).unwrap_or_default(),
        // A qualified function is named by its last part (`pg_catalog.format_type`).
        ast::Expr::Function(f) => crate::sql::syscat::name_parts(&f.name)
            .pop()
            .unwrap_or_default(),
        ast::Expr::Case { .. } => "case".into(),
        ast::Expr::Nested(inner) => column_name(inner),
        ast::Expr::Cast {
            expr, data_type, ..
        } => match expr.as_ref() {
            ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_) => column_name(expr),
            _ => DataType::from_sql(data_type)
                .map(|t| t.base_name().to_string())
                .unwrap_or_else(|_| "?column?".into()),
        },
        ast::Expr::Exists { .. } => "exists".into(),
        ast::Expr::Substring { .. } => "substring".into(),
        ast::Expr::Trim { trim_where, .. } => match trim_where {
            Some(ast::TrimWhereField::Leading) => "ltrim",
            Some(ast::TrimWhereField::Trailing) => "rtrim",
            _ => "btrim",
        }
        .into(),
        ast::Expr::Position { .. } => "position".into(),
        ast::Expr::Overlay { .. } => "overlay".into(),
        ast::Expr::Extract { .. } => "extract".into(),
        ast::Expr::Ceil { .. } => "ceil".into(),
        ast::Expr::Floor { .. } => "floor".into(),
        _ => "?column?".into(),
    }
}

impl Binder<'_> {
    pub fn bind_query(&mut self, q: &ast::Query) -> Result<(Plan, Columns)> {
        let ctes_before = self.ctes.len();
        // Window calls belong to the query level they are written in.
        let saved = (self.windows.take(), self.window_ban);
        let res = self.bind_query_body(q);
        (self.windows, self.window_ban) = saved;
        self.ctes.truncate(ctes_before);
        res
    }

    fn bind_query_body(&mut self, q: &ast::Query) -> Result<(Plan, Columns)> {
        let may_lock = std::mem::take(&mut self.row_locks_allowed);
        if let Some(with) = &q.with {
            self.bind_with(with)?;
        }
        let locking = if q.locks.is_empty() {
            None
        } else {
            Some(self.locking(q, may_lock)?)
        };
        let order_by = match &q.order_by {
            Some(ob) => match &ob.kind {
                ast::OrderByKind::Expressions(e) => e.as_slice(),
                ast::OrderByKind::All(_) => return Err(unsupported("ORDER BY ALL")),
            },
            None => &[],
        };
        let (plan, cols) = match q.body.as_ref() {
            ast::SetExpr::Select(s) => {
                let (plan, cols) = self.bind_select(s, order_by)?;
                match &locking {
                    Some(l) => (l.lock_rows(plan)?, cols),
                    None => (plan, cols),
                }
            }
            other => {
                let (plan, cols) = self.bind_set_expr(other)?;
                let plan = self.order_by_output(plan, &cols, order_by)?;
                (plan, cols)
            }
        };
        // FETCH FIRST ROW ONLY: one row.
        let one_row = ast::Expr::value(ast::Value::Number("1".into(), false));
        let fetch = q
            .fetch
            .as_ref()
            .map(|f| f.quantity.as_ref().unwrap_or(&one_row));
        if q.fetch.as_ref().is_some_and(|f| f.with_ties || f.percent) {
            return Err(unsupported("FETCH ... WITH TIES / PERCENT"));
        }
        let (limit, offset) = match &q.limit_clause {
            None => (fetch, None),
            Some(ast::LimitClause::LimitOffset { limit, offset, .. }) => {
                (limit.as_ref().or(fetch), offset.as_ref().map(|o| &o.value))
            }
            Some(ast::LimitClause::OffsetCommaLimit { .. }) => {
                return Err(unsupported("LIMIT a, b"))
            }
        };
        if limit.is_none() && offset.is_none() {
            return Ok((plan, cols));
        }
        let empty = Scope::default();
        let mut count = |e: Option<&ast::Expr>, clause: &'static str| -> Result<Option<Expr>> {
            let Some(e) = e else { return Ok(None) };
            self.window_ban = WindowBan::Clause(clause);
            let (x, t) = self.bind_expr(e, &empty, &mut None)?;
            Ok(Some(coerce(x, &t, &DataType::Int8)?))
        };
        let (limit, offset) = (count(limit, "LIMIT")?, count(offset, "OFFSET")?);
        Ok((
            Plan::Limit {
                input: Box::new(plan),
                limit,
                offset,
            },
            cols,
        ))
    }

    /// ORDER BY over a query's output (set operations): by position or output name.
    fn order_by_output(
        &mut self,
        plan: Plan,
        cols: &Columns,
        order_by: &[ast::OrderByExpr],
    ) -> Result<Plan> {
        if order_by.is_empty() {
            return Ok(plan);
        }
        let scope = Scope {
            cols: cols
                .iter()
                .map(|(n, t)| ScopeCol {
                    table: None,
                    name: n.clone(),
                    ty: t.clone(),
                    merged: false,
                })
                .collect(),
            star: None,
        };
        let mut keys = Vec::new();
        for ob in order_by {
            let expr = match output_position(&ob.expr, cols)? {
                Some(i) => Expr::Column { up: 0, index: i },
                None => self.bind_expr(&ob.expr, &scope, &mut None)?.0,
            };
            keys.push(sort_key(expr, &ob.options));
        }
        Ok(Plan::Sort {
            input: Box::new(plan),
            keys,
        })
    }

    pub(super) fn bind_select(
        &mut self,
        s: &ast::Select,
        order_by: &[ast::OrderByExpr],
    ) -> Result<(Plan, Columns)> {
        // A top-level SELECT … INTO is rewritten into CREATE TABLE … AS before binding.
        if s.into.is_some() {
            return Err(EngineError::Syntax {
                message: "SELECT ... INTO is not allowed here".into(),
                position: None,
            });
        }
        // Set-returning and window calls register only from this query's own select list.
        let saved = (
            self.srfs.take(),
            self.windows.take(),
            self.window_ban,
            std::mem::take(&mut self.named_windows),
        );
        let r = self.bind_select_inner(s, order_by);
        (self.srfs, self.windows, self.window_ban, self.named_windows) = saved;
        r
    }

    fn bind_select_inner(
        &mut self,
        s: &ast::Select,
        order_by: &[ast::OrderByExpr],
    ) -> Result<(Plan, Columns)> {
        if s.having.is_some()
            && matches!(&s.group_by, ast::GroupByExpr::Expressions(g, _) if g.is_empty())
        {
            // HAVING without GROUP BY groups everything into one group (handled below).
        }
        self.window_ban = WindowBan::Clause("JOIN conditions");
        let (mut plan, scope) = self.bind_from(&s.from, s.selection.as_ref())?;
        self.bind_window_clause(&s.named_window)?;
        let (group_asts, sets) = match &s.group_by {
            ast::GroupByExpr::Expressions(g, mods) if mods.is_empty() => {
                super::grouping_sets::expand(g)?
            }
            _ => return Err(unsupported("this form of GROUP BY")),
        };
        let aggregated = !group_asts.is_empty()
            || sets.is_some()
            || s.having.is_some()
            || s.projection.iter().any(|p| match p {
                ast::SelectItem::UnnamedExpr(e)
                | ast::SelectItem::ExprWithAlias { expr: e, .. } => contains_aggregate(e),
                _ => false,
            })
            || order_by.iter().any(|o| contains_aggregate(&o.expr));

        // Output names, and select-list ASTs (wildcards expanded to column references).
        let mut items: Vec<SelectItem> = Vec::new();
        for p in &s.projection {
            match p {
                ast::SelectItem::UnnamedExpr(e) => {
                    items.push((Some(e.clone()), None, column_name(e)))
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    items.push((Some(expr.clone()), None, ident_name(alias)))
                }
                ast::SelectItem::Wildcard(_) => {
                    if aggregated {
                        return Err(unsupported("* with aggregates"));
                    }
                    for i in scope.star_columns() {
                        items.push((None, Some(i), scope.cols[i].name.clone()));
                    }
                }
                ast::SelectItem::QualifiedWildcard(kind, _) => {
                    let t = match kind {
                        ast::SelectItemQualifiedWildcardKind::ObjectName(n) => {
                            n.0.last().map(|p| match p {
                                ast::ObjectNamePart::Identifier(i) => ident_name(i),
                                other => other.to_string(),
                            })
                        }
                        _ => None,
                    }
                    .ok_or_else(|| unsupported("this wildcard"))?;
                    let mut any = false;
                    for (i, c) in scope.cols.iter().enumerate() {
                        if c.table.as_deref() == Some(&t) {
                            items.push((None, Some(i), c.name.clone()));
                            any = true;
                        }
                    }
                    if !any {
                        return Err(EngineError::MissingFromEntry { table: t });
                    }
                }
                _ => return Err(unsupported("this select item")),
            }
        }

        let mut srfs = Vec::new();
        let mut ctx_holder;
        let mut agg: Option<&mut AggCtx> = None;
        if aggregated {
            self.window_ban = WindowBan::Clause("GROUP BY");
            ctx_holder = self.grouping(&group_asts, sets, &items, &scope, &s.from)?;
            agg = Some(&mut ctx_holder);
        }
        self.windows = Some(Vec::new());
        // Named windows are checked even when no call uses them, as in PostgreSQL.
        self.check_named_windows(&scope, &mut agg)?;

        // Select list.
        let mut exprs = Vec::new();
        let mut cols = Vec::new();
        for (ast_e, col, name) in &items {
            let (x, t) = match (ast_e, col) {
                (Some(e), _) => {
                    self.srfs = Some(std::mem::take(&mut srfs));
                    let bound = self.bind_grouped(e, &scope, &mut agg);
                    srfs = self.srfs.take().unwrap_or_default();
                    bound?
                }
                (None, Some(i)) => (Expr::Column { up: 0, index: *i }, scope.cols[*i].ty.clone()),
                (None, None) => return Err(unsupported("empty select item")),
            };
            let t = if t == DataType::Unknown {
                DataType::Text
            } else {
                t
            };
            exprs.push(x);
            cols.push((name.clone(), t));
        }
        // HAVING.
        let having = match &s.having {
            Some(h) => {
                let windows = self.windows.take();
                self.window_ban = WindowBan::Clause("HAVING");
                let bound = self.bind_grouped(h, &scope, &mut agg);
                self.windows = windows;
                let (x, t) = bound?;
                Some(coerce(x, &t, &DataType::Bool)?)
            }
            None => None,
        };
        // ORDER BY: output columns by position or alias, else expressions (hidden columns).
        let mut keys = Vec::new();
        let mut hidden = Vec::new();
        let (distinct, distinct_on) = match &s.distinct {
            None | Some(ast::Distinct::All) => (false, None),
            Some(ast::Distinct::Distinct) => (true, None),
            Some(ast::Distinct::On(on)) => (false, Some(on)),
        };
        if distinct {
            for (_, t) in &cols {
                crate::types::check_equality(t)?;
            }
        }
        for ob in order_by {
            let index = match output_position(&ob.expr, &cols)? {
                Some(i) => {
                    crate::types::check_orderable(&cols[i].1).map_err(|e| {
                        EngineError::from(e).at_span(sqlparser::ast::Spanned::span(&ob.expr))
                    })?;
                    i
                }
                None => {
                    let (x, t) = self.bind_grouped(&ob.expr, &scope, &mut agg)?;
                    crate::types::check_orderable(&t).map_err(|e| {
                        EngineError::from(e).at_span(sqlparser::ast::Spanned::span(&ob.expr))
                    })?;
                    if distinct {
                        return Err(EngineError::InvalidColumnReference {
                            message: "for SELECT DISTINCT, ORDER BY expressions must appear in select list".into(),
                        });
                    }
                    hidden.push(x);
                    exprs.len() + hidden.len() - 1
                }
            };
            keys.push(sort_key(Expr::Column { up: 0, index }, &ob.options));
        }
        // DISTINCT ON: the first row (in ORDER BY order) of each distinct key.
        let mut on_columns = Vec::new();
        for e in distinct_on.into_iter().flatten() {
            let index = match output_position(e, &cols)? {
                Some(i) => i,
                None => {
                    let (x, _) = self.bind_grouped(e, &scope, &mut agg)?;
                    hidden.push(x);
                    exprs.len() + hidden.len() - 1
                }
            };
            on_columns.push(index);
        }

        if let Some(ctx) = agg {
            plan = Plan::Aggregate {
                input: Box::new(plan),
                groups: std::mem::take(&mut ctx.group_exprs),
                aggs: std::mem::take(&mut ctx.aggs),
                sets: ctx.sets.take(),
            };
            if let Some(h) = having {
                plan = Plan::Filter {
                    input: Box::new(plan),
                    pred: h,
                };
            }
        }
        let width = exprs.len();
        let with_hidden = !hidden.is_empty();
        exprs.extend(hidden);
        // Window values, then set-returning calls' values, follow the input row (the grouped
        // row when aggregated).
        let mut input_width = match &plan {
            Plan::Aggregate { groups, aggs, .. } => groups.len() + aggs.len(),
            Plan::Filter { input, .. } => match &**input {
                Plan::Aggregate { groups, aggs, .. } => groups.len() + aggs.len(),
                _ => scope.cols.len(),
            },
            _ => scope.cols.len(),
        };
        let pending = self.windows.take().unwrap_or_default();
        if !pending.is_empty() {
            let calls = pending.len();
            let (windowed, positions) = self.plan_windows(plan, pending, input_width);
            plan = windowed;
            for e in exprs.iter_mut().chain(srfs.iter_mut().flat_map(|(_, a)| a)) {
                renumber_window_slots(e, &positions);
            }
            input_width += calls;
        }
        if !srfs.is_empty() {
            for e in &mut exprs {
                renumber_srf_slots(e, input_width);
            }
            for (_, args) in &mut srfs {
                for a in args {
                    renumber_srf_slots(a, input_width);
                }
            }
            plan = Plan::ProjectSet {
                input: Box::new(plan),
                funcs: srfs,
            };
        }
        plan = Plan::Project {
            input: Box::new(plan),
            exprs,
        };
        if distinct {
            plan = Plan::Distinct {
                input: Box::new(plan),
                on: None,
            };
        }
        if !keys.is_empty() {
            plan = Plan::Sort {
                input: Box::new(plan),
                keys,
            };
        }
        if !on_columns.is_empty() {
            plan = Plan::Distinct {
                input: Box::new(plan),
                on: Some(on_columns),
            };
        }
        if with_hidden {
            plan = Plan::Project {
                input: Box::new(plan),
                exprs: (0..width)
                    .map(|index| Expr::Column { up: 0, index })
                    .collect(),
            };
        }
        Ok((plan, cols))
    }
}

pub(super) fn sort_key(expr: Expr, o: &ast::OrderByOptions) -> SortKey {
    let desc = matches!(o.sort, Some(ast::OrderBySort::Desc));
    SortKey {
        expr,
        desc,
        // PostgreSQL: NULLs sort as larger than everything by default.
        nulls_first: o.nulls_first.unwrap_or(desc),
    }
}

/// `ORDER BY 2` or `ORDER BY alias`: the output column meant, if any.
fn output_position(e: &ast::Expr, cols: &Columns) -> Result<Option<usize>> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => {
                let i: usize = n.to_string().parse().map_err(|_| EngineError::Syntax {
                    message: "non-integer constant in ORDER BY".into(),
                    position: None,
                })?;
                if i == 0 || i > cols.len() {
                    return Err(EngineError::InvalidColumnReference {
                        message: format!("ORDER BY position {i} is not in select list"),
                    });
                }
                Ok(Some(i - 1))
            }
            _ => Ok(None),
        },
        ast::Expr::Identifier(i) => {
            let name = ident_name(i);
            let hits: Vec<usize> = cols
                .iter()
                .enumerate()
                .filter(|(_, (n, _))| *n == name)
                .map(|(i, _)| i)
                .collect();
            Ok(if hits.len() == 1 { Some(hits[0]) } else { None })
        }
        _ => Ok(None),
    }
}

/// `GROUP BY 1` or `GROUP BY alias` (an alias only when it names no input column).
pub(super) fn output_item(
    e: &ast::Expr,
    items: &[SelectItem],
    scope: &Scope,
) -> Result<Option<usize>> {
    match e {
        // An output name, unless an input column has that name (PostgreSQL prefers those).
        ast::Expr::Identifier(i) => {
            let name = ident_name(i);
            if scope.cols.iter().any(|c| c.name == name) {
                return Ok(None);
            }
            let hits: Vec<usize> = items
                .iter()
                .enumerate()
                .filter(|(_, (e, _, n))| *n == name && e.is_some())
                .map(|(i, _)| i)
                .collect();
            Ok(if hits.len() == 1 { Some(hits[0]) } else { None })
        }
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => {
                let i: usize = n.to_string().parse().map_err(|_| EngineError::Syntax {
                    message: "non-integer constant in GROUP BY".into(),
                    position: None,
                })?;
                if i == 0 || i > items.len() {
                    return Err(EngineError::InvalidColumnReference {
                        message: format!("GROUP BY position {i} is not in select list"),
                    });
                }
                Ok(Some(i - 1))
            }
            _ => Ok(None),
        },
        _ => Ok(None),
    }
}

/// Points the placeholder references to a select list's set-returning calls
/// (`SRF_SLOT + n`) at their columns after an input row of `input_width` columns.
fn renumber_srf_slots(e: &mut Expr, input_width: usize) {
    if let Expr::Column { up: 0, index } = e {
        if *index >= super::SRF_SLOT {
            *index = input_width + (*index - super::SRF_SLOT);
        }
        return;
    }
    for c in crate::sql::expr::children_mut(e) {
        renumber_srf_slots(c, input_width);
    }
}
