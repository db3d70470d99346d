//! Binding queries: set operations, SELECT (FROM, WHERE, GROUP BY, HAVING, projection,
//! DISTINCT), ORDER BY, LIMIT and OFFSET.

use super::expr::{coerce, contains_aggregate, object_name};
use super::{ident_name, AggCtx, Binder, Scope, ScopeCol};
use crate::error::{EngineError, Result};
use crate::sql::expr::{columns_used, map_columns, Expr};
use crate::sql::plan::{JoinKind, Plan, SetOpKind, SortKey};
use crate::types::ops::BinaryOp;
use crate::types::{common_type, DataType};
use sqlparser::ast;

pub type Columns = Vec<(String, DataType)>;

/// One FROM relation being joined: its plan, its columns, and where they sit in FROM order.
struct Relation {
    plan: Plan,
    offset: usize,
    width: usize,
}

fn unsupported(what: &str) -> EngineError {
    EngineError::FeatureNotSupported {
        feature: what.to_string(),
    }
}

/// Splits a condition into its AND-ed parts.
fn conjuncts(e: Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::And(l, r) => {
            conjuncts(*l, out);
            conjuncts(*r, out);
        }
        other => out.push(other),
    }
}

fn and_all(mut parts: Vec<Expr>) -> Option<Expr> {
    let first = parts.pop()?;
    Some(
        parts
            .into_iter()
            .fold(first, |acc, p| Expr::And(Box::new(p), Box::new(acc))),
    )
}

/// PostgreSQL's name for an unaliased select-list expression.
pub fn column_name(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Identifier(i) => ident_name(i),
        ast::Expr::CompoundIdentifier(p) => p.last().map(ident_name).unwrap_or_default(),
        ast::Expr::Function(f) => object_name(&f.name),
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
        let res = self.bind_query_body(q);
        self.ctes.truncate(ctes_before);
        res
    }

    fn bind_query_body(&mut self, q: &ast::Query) -> Result<(Plan, Columns)> {
        if let Some(with) = &q.with {
            if with.recursive {
                return Err(unsupported("WITH RECURSIVE"));
            }
            for cte in &with.cte_tables {
                let (plan, mut cols) = self.bind_query(&cte.query)?;
                for (i, c) in cte.alias.columns.iter().enumerate() {
                    if let Some(col) = cols.get_mut(i) {
                        col.0 = ident_name(&c.name);
                    }
                }
                self.ctes.push((ident_name(&cte.alias.name), plan, cols));
            }
        }
        let order_by = match &q.order_by {
            Some(ob) => match &ob.kind {
                ast::OrderByKind::Expressions(e) => e.as_slice(),
                ast::OrderByKind::All(_) => return Err(unsupported("ORDER BY ALL")),
            },
            None => &[],
        };
        let (plan, cols) = match q.body.as_ref() {
            ast::SetExpr::Select(s) => self.bind_select(s, order_by)?,
            other => {
                let (plan, cols) = self.bind_set_expr(other)?;
                let plan = self.order_by_output(plan, &cols, order_by)?;
                (plan, cols)
            }
        };
        let fetch = q.fetch.as_ref().and_then(|f| f.quantity.as_ref());
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
        let mut count = |e: Option<&ast::Expr>| -> Result<Option<Expr>> {
            let Some(e) = e else { return Ok(None) };
            let (x, t) = self.bind_expr(e, &empty, &mut None)?;
            Ok(Some(coerce(x, &t, &DataType::Int8)?))
        };
        let (limit, offset) = (count(limit)?, count(offset)?);
        Ok((
            Plan::Limit {
                input: Box::new(plan),
                limit,
                offset,
            },
            cols,
        ))
    }

    fn bind_set_expr(&mut self, body: &ast::SetExpr) -> Result<(Plan, Columns)> {
        match body {
            ast::SetExpr::Select(s) => self.bind_select(s, &[]),
            ast::SetExpr::Query(q) => self.bind_query(q),
            ast::SetExpr::Values(v) => self.bind_values(v),
            ast::SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            } => {
                let (lp, lc) = self.bind_set_expr(left)?;
                let (rp, rc) = self.bind_set_expr(right)?;
                if lc.len() != rc.len() {
                    return Err(EngineError::Syntax {
                        message: "each UNION query must have the same number of columns".into(),
                        position: None,
                    });
                }
                let kind = match op {
                    ast::SetOperator::Union => SetOpKind::Union,
                    ast::SetOperator::Intersect => SetOpKind::Intersect,
                    ast::SetOperator::Except | ast::SetOperator::Minus => SetOpKind::Except,
                };
                let all = matches!(set_quantifier, ast::SetQuantifier::All);
                let types = lc
                    .iter()
                    .zip(&rc)
                    .map(|((_, a), (_, b))| common_type(&[a.clone(), b.clone()]))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                let lp = conform(lp, &lc, &types)?;
                let rp = conform(rp, &rc, &types)?;
                let cols = lc
                    .into_iter()
                    .zip(types)
                    .map(|((n, _), t)| (n, t))
                    .collect();
                Ok((
                    Plan::SetOp {
                        kind,
                        all,
                        left: Box::new(lp),
                        right: Box::new(rp),
                    },
                    cols,
                ))
            }
            _ => Err(unsupported("this kind of query")),
        }
    }

    fn bind_values(&mut self, v: &ast::Values) -> Result<(Plan, Columns)> {
        let empty = Scope::default();
        let width = v.rows.first().map_or(0, |r| r.len());
        let mut rows = Vec::with_capacity(v.rows.len());
        let mut types: Vec<Vec<DataType>> = vec![Vec::new(); width];
        for r in &v.rows {
            if r.len() != width {
                return Err(EngineError::Syntax {
                    message: "VALUES lists must all be the same length".into(),
                    position: None,
                });
            }
            let mut row = Vec::with_capacity(width);
            for (i, e) in r.iter().enumerate() {
                let (x, t) = self.bind_expr(e, &empty, &mut None)?;
                types[i].push(t);
                row.push(x);
            }
            rows.push(row);
        }
        let col_types = types
            .iter()
            .map(|ts| common_type(ts))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        for row in &mut rows {
            for (i, x) in row.iter_mut().enumerate() {
                let from = types[i][0].clone();
                let taken = std::mem::replace(x, Expr::Const(crate::types::Value::Null));
                *x = coerce(taken, &from, &col_types[i])?;
            }
        }
        // Each row's own types may differ; coerce per row.
        let cols = col_types
            .into_iter()
            .enumerate()
            .map(|(i, t)| (format!("column{}", i + 1), t))
            .collect();
        Ok((Plan::Values { rows }, cols))
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

    fn bind_select(
        &mut self,
        s: &ast::Select,
        order_by: &[ast::OrderByExpr],
    ) -> Result<(Plan, Columns)> {
        if s.having.is_some()
            && matches!(&s.group_by, ast::GroupByExpr::Expressions(g, _) if g.is_empty())
        {
            // HAVING without GROUP BY groups everything into one group (handled below).
        }
        let (mut plan, scope) = self.bind_from(&s.from, s.selection.as_ref())?;
        let group_asts: Vec<ast::Expr> = match &s.group_by {
            ast::GroupByExpr::Expressions(g, mods) if mods.is_empty() => g.clone(),
            _ => return Err(unsupported("this form of GROUP BY")),
        };
        let aggregated = !group_asts.is_empty()
            || s.having.is_some()
            || s.projection.iter().any(|p| match p {
                ast::SelectItem::UnnamedExpr(e)
                | ast::SelectItem::ExprWithAlias { expr: e, .. } => contains_aggregate(e),
                _ => false,
            })
            || order_by.iter().any(|o| contains_aggregate(&o.expr));

        // Output names, and select-list ASTs (wildcards expanded to column references).
        let mut items: Vec<(Option<ast::Expr>, Option<usize>, String)> = Vec::new();
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
                    for (i, c) in scope.cols.iter().enumerate() {
                        if !c.merged {
                            items.push((None, Some(i), c.name.clone()));
                        }
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

        let mut ctx_holder;
        let mut agg: Option<&mut AggCtx> = None;
        if aggregated {
            let mut group_exprs = Vec::new();
            let mut group_types = Vec::new();
            for g in &group_asts {
                // GROUP BY may name an output column by position or alias.
                let target = match output_item(g, &items, &scope)? {
                    Some(i) => items[i]
                        .0
                        .clone()
                        .ok_or_else(|| unsupported("GROUP BY of *"))?,
                    None => g.clone(),
                };
                let (x, t) = self.bind_expr(&target, &scope, &mut None)?;
                group_exprs.push(x);
                group_types.push(t);
            }
            let group_asts = group_asts
                .iter()
                .map(|g| match output_item(g, &items, &scope) {
                    Ok(Some(i)) => items[i].0.clone().unwrap_or_else(|| g.clone()),
                    _ => g.clone(),
                })
                .collect();
            ctx_holder = AggCtx {
                input_scope: scope.clone(),
                group_asts,
                group_exprs,
                group_types,
                aggs: Vec::new(),
                agg_types: Vec::new(),
            };
            agg = Some(&mut ctx_holder);
        }

        // Select list.
        let mut exprs = Vec::new();
        let mut cols = Vec::new();
        for (ast_e, col, name) in &items {
            let (x, t) = match (ast_e, col) {
                (Some(e), _) => self.bind_expr(e, &scope, &mut agg)?,
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
                let (x, t) = self.bind_expr(h, &scope, &mut agg)?;
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
        for ob in order_by {
            let index = match output_position(&ob.expr, &cols)? {
                Some(i) => i,
                None => {
                    let (x, _) = self.bind_expr(&ob.expr, &scope, &mut agg)?;
                    if distinct {
                        return Err(EngineError::Syntax {
                            message: "for SELECT DISTINCT, ORDER BY expressions must appear in select list".into(),
                            position: None,
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
                    let (x, _) = self.bind_expr(e, &scope, &mut agg)?;
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

    /// Binds FROM (and WHERE, which steers the join order) into a plan over `Scope`.
    fn bind_from(
        &mut self,
        from: &[ast::TableWithJoins],
        selection: Option<&ast::Expr>,
    ) -> Result<(Plan, Scope)> {
        let mut scope = Scope::default();
        let mut rels: Vec<Relation> = Vec::new();
        let mut on_conditions: Vec<ast::Expr> = Vec::new();
        for twj in from {
            self.add_relation(&twj.relation, &mut scope, &mut rels)?;
            for j in &twj.joins {
                use ast::JoinOperator as J;
                let (kind, constraint) = match &j.join_operator {
                    J::Join(c) | J::Inner(c) => (JoinKind::Inner, Some(c)),
                    J::CrossJoin(_) => (JoinKind::Inner, None),
                    J::Left(c) | J::LeftOuter(c) => (JoinKind::Left, Some(c)),
                    J::Right(c) | J::RightOuter(c) => (JoinKind::Right, Some(c)),
                    J::FullOuter(c) => (JoinKind::Full, Some(c)),
                    _ => return Err(unsupported("this kind of join")),
                };
                let mut merge: Vec<String> = Vec::new();
                let (on, using) = match constraint {
                    None | Some(ast::JoinConstraint::None) => (None, None),
                    Some(ast::JoinConstraint::On(e)) => (Some(e.clone()), None),
                    Some(ast::JoinConstraint::Using(cols)) => {
                        (None, Some(cols.iter().map(object_name).collect::<Vec<_>>()))
                    }
                    Some(ast::JoinConstraint::Natural) => (None, Some(Vec::new())),
                    Some(_) => return Err(unsupported("this join constraint")),
                };
                // USING / NATURAL: equalities between the same-named columns of both sides.
                let on = match using {
                    None => on,
                    Some(names) => {
                        let mut probe = scope.clone();
                        let mut probe_rels = Vec::new();
                        self.add_relation(&j.relation, &mut probe, &mut probe_rels)?;
                        let split = scope.cols.len();
                        let names = if names.is_empty() {
                            probe.cols[split..]
                                .iter()
                                .filter(|c| {
                                    scope.cols.iter().any(|l| !l.merged && l.name == c.name)
                                })
                                .map(|c| c.name.clone())
                                .collect()
                        } else {
                            names
                        };
                        let right_table = probe
                            .cols
                            .get(split)
                            .and_then(|c| c.table.clone())
                            .unwrap_or_default();
                        let mut conds = Vec::new();
                        for n in &names {
                            let left = scope
                                .cols
                                .iter()
                                .find(|c| !c.merged && c.name == *n)
                                .and_then(|c| c.table.clone())
                                .ok_or_else(|| EngineError::UndefinedColumn { name: n.clone() })?;
                            conds.push(format!("\"{left}\".\"{n}\" = \"{right_table}\".\"{n}\""));
                        }
                        merge = names;
                        if conds.is_empty() {
                            None
                        } else {
                            Some(crate::sql::parse_expr(&conds.join(" AND "))?)
                        }
                    }
                };
                if kind == JoinKind::Inner {
                    let split = scope.cols.len();
                    self.add_relation(&j.relation, &mut scope, &mut rels)?;
                    mark_merged(&mut scope, split, &merge);
                    on_conditions.extend(on);
                } else {
                    // An outer join: everything so far becomes one relation, joined here.
                    let left = self.join_relations(
                        std::mem::take(&mut rels),
                        Vec::new(),
                        scope.cols.len(),
                    )?;
                    let mut left_conds = Vec::new();
                    for c in std::mem::take(&mut on_conditions) {
                        left_conds.push(c);
                    }
                    let left = self.filter_by(left, &left_conds, &scope)?;
                    let left_width = scope.cols.len();
                    let mut right_rels = Vec::new();
                    let mut right_scope = scope.clone();
                    self.add_relation(&j.relation, &mut right_scope, &mut right_rels)?;
                    mark_merged(&mut right_scope, left_width, &merge);
                    let right_width = right_scope.cols.len() - left_width;
                    let right = right_rels
                        .pop()
                        .map(|r| r.plan)
                        .ok_or_else(|| unsupported("empty join"))?;
                    let on = match on {
                        Some(e) => {
                            let (x, t) = self.bind_expr(&e, &right_scope, &mut None)?;
                            Some(coerce(x, &t, &DataType::Bool)?)
                        }
                        None => None,
                    };
                    let plan = Plan::Join {
                        left: Box::new(left),
                        right: Box::new(right),
                        kind,
                        keys: Vec::new(),
                        on,
                        left_width,
                        right_width,
                    };
                    scope = right_scope;
                    rels = vec![Relation {
                        plan,
                        offset: 0,
                        width: scope.cols.len(),
                    }];
                }
            }
        }
        if rels.is_empty() {
            rels.push(Relation {
                plan: Plan::One,
                offset: 0,
                width: 0,
            });
        }
        let mut conds = Vec::new();
        for c in on_conditions.iter().chain(selection) {
            let (x, t) = self.bind_expr(c, &scope, &mut None)?;
            conjuncts(coerce(x, &t, &DataType::Bool)?, &mut conds);
        }
        let width = scope.cols.len();
        let plan = self.join_relations(rels, conds, width)?;
        Ok((plan, scope))
    }

    fn filter_by(&mut self, plan: Plan, conds: &[ast::Expr], scope: &Scope) -> Result<Plan> {
        let mut parts = Vec::new();
        for c in conds {
            let (x, t) = self.bind_expr(c, scope, &mut None)?;
            conjuncts(coerce(x, &t, &DataType::Bool)?, &mut parts);
        }
        Ok(match and_all(parts) {
            Some(pred) => Plan::Filter {
                input: Box::new(plan),
                pred,
            },
            None => plan,
        })
    }

    fn add_relation(
        &mut self,
        f: &ast::TableFactor,
        scope: &mut Scope,
        rels: &mut Vec<Relation>,
    ) -> Result<()> {
        let offset = scope.cols.len();
        let (plan, alias, cols) = match f {
            // A common table expression of an enclosing WITH shadows a table of that name.
            ast::TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } if self.ctes.iter().any(|(n, _, _)| *n == object_name(name)) => {
                let tname = object_name(name);
                let (_, plan, cols) = self
                    .ctes
                    .iter()
                    .rev()
                    .find(|(n, _, _)| *n == tname)
                    .cloned()
                    .ok_or_else(|| unsupported("CTE lookup"))?;
                let alias_name = alias.as_ref().map(|a| ident_name(&a.name)).unwrap_or(tname);
                (plan, (alias_name, alias.clone()), cols)
            }
            ast::TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } => {
                let tname = object_name(name);
                let table =
                    self.catalog
                        .get(&tname)
                        .ok_or_else(|| EngineError::UndefinedTable {
                            name: tname.clone(),
                        })?;
                if table.sequence.is_some() {
                    return Err(unsupported("reading a sequence as a table"));
                }
                let alias_name = alias.as_ref().map(|a| ident_name(&a.name)).unwrap_or(tname);
                let cols: Vec<(String, DataType)> = table
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), c.ty.clone()))
                    .collect();
                let plan = match &table.view {
                    // A view is its query, bound where it is used (with no enclosing scope).
                    Some(sql) => {
                        let q = parse_view(sql)?;
                        let saved = std::mem::take(&mut self.outer);
                        let bound = self.bind_query(&q);
                        self.outer = saved;
                        bound?.0
                    }
                    None => Plan::Scan { table },
                };
                (plan, (alias_name, alias.clone()), cols)
            }
            ast::TableFactor::Derived {
                lateral: false,
                subquery,
                alias,
                ..
            } => {
                let (plan, cols) = self.bind_query(subquery)?;
                let name = alias
                    .as_ref()
                    .map(|a| ident_name(&a.name))
                    .unwrap_or_default();
                (plan, (name, alias.clone()), cols)
            }
            _ => return Err(unsupported("this FROM item")),
        };
        let renamed: Vec<String> = match &alias.1 {
            Some(a) if !a.columns.is_empty() => {
                a.columns.iter().map(|c| ident_name(&c.name)).collect()
            }
            _ => Vec::new(),
        };
        for (i, (name, ty)) in cols.iter().enumerate() {
            scope.cols.push(ScopeCol {
                table: Some(alias.0.clone()),
                name: renamed.get(i).cloned().unwrap_or_else(|| name.clone()),
                ty: ty.clone(),
                merged: false,
            });
        }
        rels.push(Relation {
            plan,
            offset,
            width: cols.len(),
        });
        Ok(())
    }

    /// Joins relations (in FROM order, columns at their offsets) under `conds`, choosing the
    /// order greedily, and returns a plan producing rows in FROM order.
    fn join_relations(
        &mut self,
        rels: Vec<Relation>,
        conds: Vec<Expr>,
        width: usize,
    ) -> Result<Plan> {
        let rel_of = |col: usize| {
            rels.iter()
                .position(|r| col >= r.offset && col < r.offset + r.width)
        };
        // Each condition's relations (None: reads through a subquery; applied at the end).
        let mut pending: Vec<(Expr, Option<Vec<usize>>)> = conds
            .into_iter()
            .map(|c| {
                let mut used = Vec::new();
                let known = columns_used(&c, &mut used);
                let mut rs: Vec<usize> = used.iter().filter_map(|&c| rel_of(c)).collect();
                rs.sort_unstable();
                rs.dedup();
                (c, known.then_some(rs))
            })
            .collect();
        let mut plans: Vec<Option<Plan>> = Vec::with_capacity(rels.len());
        // Single-relation conditions filter their relation first.
        for (i, r) in rels.iter().enumerate() {
            let mut own = Vec::new();
            pending.retain(|(c, rs)| match rs {
                Some(rs) if rs.len() == 1 && rs[0] == i => {
                    let mut c = c.clone();
                    let off = r.offset;
                    map_columns(&mut c, &|x| x - off);
                    own.push(c);
                    false
                }
                _ => true,
            });
            let plan = match &r.plan {
                Plan::Scan { table } => index_access(table, &own).unwrap_or_else(|| r.plan.clone()),
                other => other.clone(),
            };
            plans.push(Some(match and_all(own) {
                Some(pred) => Plan::Filter {
                    input: Box::new(plan),
                    pred,
                },
                None => plan,
            }));
        }
        let n = rels.len();
        let mut joined: Vec<usize> = vec![0];
        let mut plan = plans[0].take().ok_or_else(|| unsupported("empty FROM"))?;
        // pos[c] = position of FROM column c in the joined row so far.
        let mut pos: Vec<Option<usize>> = vec![None; width];
        for c in 0..rels[0].width {
            pos[rels[0].offset + c] = Some(c);
        }
        let mut joined_width = rels[0].width;
        while joined.len() < n {
            let connected = |j: usize| {
                pending.iter().any(|(c, rs)| {
                    matches!(c, Expr::Binary(BinaryOp::Eq, ..))
                        && rs.as_ref().is_some_and(|rs| {
                            rs.contains(&j) && rs.iter().all(|r| *r == j || joined.contains(r))
                        })
                })
            };
            let next = (0..n)
                .filter(|j| !joined.contains(j))
                .find(|&j| connected(j))
                .or_else(|| (0..n).find(|j| !joined.contains(j)))
                .ok_or_else(|| unsupported("join ordering"))?;
            let r = &rels[next];
            let mut keys = Vec::new();
            let mut on = Vec::new();
            let mut in_set = joined.clone();
            in_set.push(next);
            let new_pos = {
                let mut p = pos.clone();
                for c in 0..r.width {
                    p[r.offset + c] = Some(joined_width + c);
                }
                p
            };
            let mut rest = Vec::new();
            for (c, rs) in pending.drain(..) {
                let covered = rs
                    .as_ref()
                    .is_some_and(|rs| rs.iter().all(|x| in_set.contains(x)));
                if !covered {
                    rest.push((c, rs));
                    continue;
                }
                if let Expr::Binary(BinaryOp::Eq, l, rt) = &c {
                    let side = |e: &Expr| {
                        let mut u = Vec::new();
                        columns_used(e, &mut u);
                        let rs: Vec<usize> = u.iter().filter_map(|&x| rel_of(x)).collect();
                        (
                            !rs.is_empty() && rs.iter().all(|&x| x == next),
                            !rs.is_empty() && rs.iter().all(|x| joined.contains(x)),
                        )
                    };
                    let (l_new, l_old) = side(l);
                    let (r_new, r_old) = side(rt);
                    let pair = if l_old && r_new {
                        Some(((**l).clone(), (**rt).clone()))
                    } else if l_new && r_old {
                        Some(((**rt).clone(), (**l).clone()))
                    } else {
                        None
                    };
                    if let Some((mut lk, mut rk)) = pair {
                        let p = pos.clone();
                        map_columns(&mut lk, &|x| p[x].unwrap_or(x));
                        let off = r.offset;
                        map_columns(&mut rk, &|x| x - off);
                        keys.push((lk, rk));
                        continue;
                    }
                }
                let mut c = c;
                let p = new_pos.clone();
                map_columns(&mut c, &|x| p[x].unwrap_or(x));
                on.push(c);
            }
            pending = rest;
            let right = plans[next]
                .take()
                .ok_or_else(|| unsupported("join ordering"))?;
            plan = Plan::Join {
                left: Box::new(plan),
                right: Box::new(right),
                kind: JoinKind::Inner,
                keys,
                on: and_all(on),
                left_width: joined_width,
                right_width: r.width,
            };
            joined_width += r.width;
            pos = new_pos;
            joined.push(next);
        }
        // Back to FROM order, then whatever is left (conditions with subqueries).
        let in_order = (0..width).all(|c| pos[c] == Some(c));
        if !in_order {
            plan = Plan::Project {
                input: Box::new(plan),
                exprs: (0..width)
                    .map(|c| Expr::Column {
                        up: 0,
                        index: pos[c].unwrap_or(c),
                    })
                    .collect(),
            };
        }
        if let Some(pred) = and_all(pending.into_iter().map(|(c, _)| c).collect()) {
            plan = Plan::Filter {
                input: Box::new(plan),
                pred,
            };
        }
        Ok(plan)
    }
}

fn parse_view(sql: &str) -> Result<ast::Query> {
    let stmts = crate::sql::parse(sql)?;
    match stmts.into_iter().next() {
        Some(ast::Statement::Query(q)) => Ok(*q),
        _ => Err(EngineError::CatalogCorrupt {
            reason: format!("view query {sql} is not a query"),
        }),
    }
}

/// A condition `column op value` on the current row, where `value` reads no column of it
/// (constants, parameters, enclosing rows): (column, op with the column on the left, value).
fn column_test(c: &Expr) -> Option<(usize, BinaryOp, &Expr)> {
    let Expr::Binary(op, l, r) = c else {
        return None;
    };
    let free = |e: &Expr| {
        let mut used = Vec::new();
        columns_used(e, &mut used) && used.is_empty()
    };
    let flipped = match op {
        BinaryOp::Eq => BinaryOp::Eq,
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::LtEq => BinaryOp::GtEq,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::GtEq => BinaryOp::LtEq,
        _ => return None,
    };
    match (l.as_ref(), r.as_ref()) {
        (Expr::Column { up: 0, index }, v) if free(v) => Some((*index, *op, v)),
        (v, Expr::Column { up: 0, index }) if free(v) => Some((*index, flipped, v)),
        _ => None,
    }
}

/// The best index access for a table under `conds` (its own conditions, local columns): the
/// index with the most leading columns fixed by equalities, then one bounded by a range.
/// The conditions all stay in a filter above it (the scan may return extra rows).
fn index_access(table: &std::sync::Arc<crate::catalog::TableDef>, conds: &[Expr]) -> Option<Plan> {
    use std::ops::Bound;
    let tests: Vec<(usize, BinaryOp, &Expr)> = conds.iter().filter_map(column_test).collect();
    let mut best: Option<(usize, Plan)> = None;
    for (i, ix) in table.indexes.iter().enumerate() {
        let mut eq = Vec::new();
        for col in &ix.columns {
            match tests
                .iter()
                .find(|(c, op, _)| c == col && *op == BinaryOp::Eq)
            {
                Some((_, _, v)) => eq.push((*v).clone()),
                None => break,
            }
        }
        let range = ix.columns.get(eq.len()).and_then(|col| {
            let lo = tests.iter().find_map(|(c, op, v)| match op {
                BinaryOp::Gt if c == col => Some(Bound::Excluded((*v).clone())),
                BinaryOp::GtEq if c == col => Some(Bound::Included((*v).clone())),
                _ => None,
            });
            let hi = tests.iter().find_map(|(c, op, v)| match op {
                BinaryOp::Lt if c == col => Some(Bound::Excluded((*v).clone())),
                BinaryOp::LtEq if c == col => Some(Bound::Included((*v).clone())),
                _ => None,
            });
            (lo.is_some() || hi.is_some()).then(|| {
                (
                    lo.unwrap_or(Bound::Unbounded),
                    hi.unwrap_or(Bound::Unbounded),
                )
            })
        });
        if eq.is_empty() && range.is_none() {
            continue;
        }
        let score = eq.len() * 2 + usize::from(range.is_some());
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                Plan::IndexScan {
                    table: table.clone(),
                    index: i,
                    eq,
                    range,
                },
            ));
        }
    }
    best.map(|(_, p)| p)
}

/// Marks the columns named in `names` at or after `from` as the merged copies of a USING /
/// NATURAL join.
fn mark_merged(scope: &mut Scope, from: usize, names: &[String]) {
    for c in scope.cols.iter_mut().skip(from) {
        if names.contains(&c.name) {
            c.merged = true;
        }
    }
}

/// Casts each output column of `plan` to `types` where needed.
fn conform(plan: Plan, cols: &Columns, types: &[DataType]) -> Result<Plan> {
    if cols.iter().zip(types).all(|((_, a), b)| a == b) {
        return Ok(plan);
    }
    let exprs = cols
        .iter()
        .zip(types)
        .enumerate()
        .map(|(i, ((_, from), to))| coerce(Expr::Column { up: 0, index: i }, from, to))
        .collect::<Result<Vec<_>>>()?;
    Ok(Plan::Project {
        input: Box::new(plan),
        exprs,
    })
}

fn sort_key(expr: Expr, o: &ast::OrderByOptions) -> SortKey {
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
fn output_item(
    e: &ast::Expr,
    items: &[(Option<ast::Expr>, Option<usize>, String)],
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
