//! Binding the FROM clause: tables, views, CTE references, derived tables, and the join
//! tree (inner joins flattened into relations plus conditions; outer joins nested). The
//! entry point for every statement with a FROM list is `Binder::bind_from`.

use super::expr::{coerce, object_name};
use super::join_order::{and_all, conjuncts, Relation};
use super::select::unsupported;
use super::{ident_name, Binder, Scope, ScopeCol};
use crate::error::{EngineError, Result};
use crate::sql::expr::Expr;
use crate::sql::plan::{JoinKind, Plan};
use crate::types::DataType;
use sqlparser::ast::{self, Spanned};

impl Binder<'_> {
    /// Binds FROM (and WHERE, which steers the join order) into a plan over `Scope`.
    pub(super) fn bind_from(
        &mut self,
        from: &[ast::TableWithJoins],
        selection: Option<&ast::Expr>,
    ) -> Result<(Plan, Scope)> {
        let mut scope = Scope::default();
        let mut rels: Vec<Relation> = Vec::new();
        let mut on_conditions: Vec<ast::Expr> = Vec::new();
        for twj in from {
            let chain_start = scope.cols.len();
            self.add_inner(&twj.relation, &mut scope, &mut rels, &mut on_conditions)?;
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
                    self.add_inner(&j.relation, &mut scope, &mut rels, &mut on_conditions)?;
                    mark_merged(&mut scope, split, &merge);
                    using_columns_first(&mut scope, chain_start, split, &merge);
                    on_conditions.extend(on);
                } else {
                    // An outer join: everything so far becomes one relation, joined here.
                    let left = self.collapse(&mut rels, &mut on_conditions, &scope)?;
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
                    let plan = if is_lateral(&j.relation) {
                        if kind != JoinKind::Left {
                            return Err(EngineError::InvalidColumnReference {
                                message: "the combining JOIN type must be INNER or LEFT for a LATERAL reference".into(),
                            });
                        }
                        Plan::Apply {
                            left: Box::new(left),
                            right: Box::new(right),
                            kind,
                            on,
                            right_width,
                        }
                    } else {
                        self.outer_join(left, right, kind, on, left_width, right_width)
                    };
                    let (plan, merged_scope) =
                        merge_using_columns(plan, right_scope, left_width, &merge, kind)?;
                    scope = merged_scope;
                    if kind == JoinKind::Left {
                        using_columns_first(&mut scope, chain_start, left_width, &merge);
                    }
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
        let joins = on_conditions.len();
        for (n, c) in on_conditions.iter().chain(selection).enumerate() {
            if n == joins {
                self.window_ban = super::window::WindowBan::Clause("WHERE");
            }
            let (x, t) = self.bind_expr(c, &scope, &mut None)?;
            let x = coerce(x, &t, &DataType::Bool).map_err(|e| e.at_span(c.span()))?;
            conjuncts(x, &mut conds);
        }
        let width = scope.cols.len();
        let plan = self.join_relations(rels, conds, width)?;
        Ok((plan, scope))
    }

    /// Adds an inner-joined FROM item. A LATERAL one reads the items before it, so those
    /// are joined first (into one relation) and it runs once per row of theirs.
    fn add_inner(
        &mut self,
        f: &ast::TableFactor,
        scope: &mut Scope,
        rels: &mut Vec<Relation>,
        on_conditions: &mut Vec<ast::Expr>,
    ) -> Result<()> {
        if let ast::TableFactor::Table {
            args: Some(_),
            sample: Some(_),
            ..
        } = f
        {
            return Err(super::tablesample::on_function());
        }
        if let ast::TableFactor::Table {
            name,
            alias,
            args: Some(fargs),
            with_ordinality,
            ..
        } = f
        {
            if !rels.is_empty() {
                let args = function_args(fargs)?;
                let (item, lateral) = self.bind_set_function(
                    name,
                    &args,
                    alias,
                    *with_ordinality,
                    Some(&scope.clone()),
                )?;
                if !lateral {
                    return self.push_relation(item.0, item.1, item.2, scope, rels);
                }
                let left = self.collapse(rels, on_conditions, scope)?;
                let left_width = scope.cols.len();
                let mut right_rels = Vec::new();
                self.push_relation(item.0, item.1, item.2, scope, &mut right_rels)?;
                let right = right_rels
                    .pop()
                    .map(|r| r.plan)
                    .ok_or_else(|| unsupported("empty join"))?;
                rels.push(Relation {
                    plan: Plan::Apply {
                        left: Box::new(left),
                        right: Box::new(right),
                        kind: JoinKind::Inner,
                        on: None,
                        right_width: scope.cols.len() - left_width,
                    },
                    offset: 0,
                    width: scope.cols.len(),
                });
                return Ok(());
            }
        }
        if !is_lateral(f) || rels.is_empty() {
            return self.add_relation(f, scope, rels);
        }
        let left = self.collapse(rels, on_conditions, scope)?;
        let left_width = scope.cols.len();
        let mut right_rels = Vec::new();
        self.add_relation(f, scope, &mut right_rels)?;
        let right = right_rels
            .pop()
            .map(|r| r.plan)
            .ok_or_else(|| unsupported("empty join"))?;
        rels.push(Relation {
            plan: Plan::Apply {
                left: Box::new(left),
                right: Box::new(right),
                kind: JoinKind::Inner,
                on: None,
                right_width: scope.cols.len() - left_width,
            },
            offset: 0,
            width: scope.cols.len(),
        });
        Ok(())
    }

    /// Joins the relations bound so far into one plan (in FROM order) under the ON
    /// conditions seen so far, for an item that must be joined to all of them at once.
    fn collapse(
        &mut self,
        rels: &mut Vec<Relation>,
        on_conditions: &mut Vec<ast::Expr>,
        scope: &Scope,
    ) -> Result<Plan> {
        let plan = self.join_relations(std::mem::take(rels), Vec::new(), scope.cols.len())?;
        let conds = std::mem::take(on_conditions);
        self.filter_by(plan, &conds, scope)
    }

    fn filter_by(&mut self, plan: Plan, conds: &[ast::Expr], scope: &Scope) -> Result<Plan> {
        let mut parts = Vec::new();
        for c in conds {
            let (x, t) = self.bind_expr(c, scope, &mut None)?;
            let x = coerce(x, &t, &DataType::Bool).map_err(|e| e.at_span(c.span()))?;
            conjuncts(x, &mut parts);
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
        if let ast::TableFactor::NestedJoin {
            table_with_joins,
            alias,
        } = f
        {
            // A parenthesized join: its columns keep their own qualifiers unless aliased.
            let (plan, inner) = self.bind_from(std::slice::from_ref(table_with_joins), None)?;
            let width = inner.cols.len();
            for (i, mut c) in inner.cols.into_iter().enumerate() {
                if let Some(a) = alias {
                    c.table = Some(ident_name(&a.name));
                    if let Some(n) = a.columns.get(i) {
                        c.name = ident_name(&n.name);
                    }
                }
                scope.cols.push(c);
            }
            rels.push(Relation {
                plan,
                offset,
                width,
            });
            return Ok(());
        }
        let (plan, alias, cols) = match f {
            // A common table expression of an enclosing WITH shadows a table of that name.
            ast::TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } if self.ctes.iter().any(|(n, _, _)| *n == object_name(name)) => {
                if super::tablesample::sample_of(f).is_some() {
                    return Err(super::tablesample::not_a_table());
                }
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
                let parts = crate::sql::syscat::name_parts(name);
                let tname = match crate::sql::syscat::resolve_relation(self.catalog, &parts)
                    .map_err(|e| e.at_span(name.span()))?
                {
                    crate::sql::syscat::Resolved::User(t) => t,
                    crate::sql::syscat::Resolved::System { .. }
                        if super::tablesample::sample_of(f).is_some() =>
                    {
                        return Err(unsupported("TABLESAMPLE on a system catalog"));
                    }
                    crate::sql::syscat::Resolved::System { plan, cols } => {
                        let alias_name = alias
                            .as_ref()
                            .map(|a| ident_name(&a.name))
                            .unwrap_or_else(|| parts.last().cloned().unwrap_or_default());
                        return self.push_relation(
                            plan,
                            (alias_name, alias.clone()),
                            cols,
                            scope,
                            rels,
                        );
                    }
                };
                let table = self.catalog.get(&tname).ok_or_else(|| {
                    EngineError::UndefinedTable {
                        name: object_name(name),
                    }
                    .at_span(name.span())
                })?;
                if self.privilege_checks {
                    crate::acl::require(self.catalog, &table, crate::acl::SELECT, self.check_as)
                        .map_err(|e| e.at_span(name.span()))?;
                }
                if table.sequence.is_some() {
                    return Err(unsupported("reading a sequence as a table"));
                }
                let alias_name = alias
                    .as_ref()
                    .map(|a| ident_name(&a.name))
                    .unwrap_or_else(|| table.name.clone());
                let cols: Vec<(String, DataType)> = table
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), c.ty.clone()))
                    .collect();
                let sample = match super::tablesample::sample_of(f) {
                    Some(_) if table.view.is_some() => {
                        return Err(super::tablesample::not_a_table())
                    }
                    Some(s) => Some(self.bind_table_sample(s)?),
                    None => None,
                };
                let plan = match &table.view {
                    _ if sample.is_some() => {
                        let sample = sample.ok_or_else(|| unsupported("TABLESAMPLE"))?;
                        Plan::SampleScan {
                            table: table.clone(),
                            sample,
                        }
                    }
                    // A view is its query, bound where it is used (with no enclosing scope).
                    Some(sql) => {
                        let q = parse_view(sql)?;
                        let saved = std::mem::take(&mut self.outer);
                        // The relations the view reads are checked for its owner.
                        let checker = self.check_as.replace(table.owner);
                        let bound = self.bind_query(&q);
                        self.check_as = checker;
                        self.outer = saved;
                        bound?.0
                    }
                    None => Plan::Scan {
                        table: table.clone(),
                    },
                };
                let plan = match &table.view {
                    Some(_) => plan,
                    None => self.secured_scan(&table, plan)?,
                };
                (plan, (alias_name, alias.clone()), cols)
            }
            ast::TableFactor::UNNEST {
                alias,
                array_exprs,
                with_offset: false,
                with_ordinality: false,
                ..
            } if array_exprs.len() == 1 => {
                let name = ast::ObjectName::from(vec![ast::Ident::new("unnest")]);
                let args: Vec<&ast::Expr> = array_exprs.iter().collect();
                self.bind_set_function(&name, &args, alias, false, None)?.0
            }
            ast::TableFactor::Table {
                sample: Some(_),
                args: Some(_),
                ..
            } => return Err(super::tablesample::on_function()),
            ast::TableFactor::Table {
                name,
                alias,
                args: Some(fargs),
                with_ordinality,
                ..
            } => {
                self.bind_set_function(name, &function_args(fargs)?, alias, *with_ordinality, None)?
                    .0
            }
            ast::TableFactor::Derived {
                lateral,
                subquery,
                alias,
                ..
            } => {
                // A LATERAL subquery sees the FROM items before it as its enclosing row.
                let (plan, cols) = if *lateral {
                    self.bind_subquery(subquery, scope)?
                } else {
                    self.bind_query(subquery)?
                };
                let name = alias
                    .as_ref()
                    .map(|a| ident_name(&a.name))
                    .unwrap_or_default();
                (plan, (name, alias.clone()), cols)
            }
            _ => return Err(unsupported("this FROM item")),
        };
        self.push_relation(plan, alias, cols, scope, rels)
    }

    /// A set-returning function in FROM: its plan, alias and single column (named after the
    /// alias if there is one, else after the function, as PostgreSQL names it).
    ///
    /// With `preceding` (the FROM items before it), a call whose arguments read those items
    /// is LATERAL, as every function call in FROM is in PostgreSQL; the flag returned says
    /// so. Otherwise the arguments see only enclosing queries' rows.
    fn bind_set_function(
        &mut self,
        name: &ast::ObjectName,
        arg_exprs: &[&ast::Expr],
        alias: &Option<ast::TableAlias>,
        ordinality: bool,
        preceding: Option<&Scope>,
    ) -> Result<(BoundItem, bool)> {
        let fname = object_name(name);
        let mut lateral = false;
        if let Some(scope) = preceding {
            self.outer.push(scope.clone());
            let mut reads = Ok(false);
            for e in arg_exprs {
                match self.bind_expr(e, &Scope::default(), &mut None) {
                    Ok((x, _)) => {
                        if reads_enclosing(&x, 1) {
                            reads = Ok(true);
                        }
                    }
                    Err(err) => {
                        reads = Err(err);
                        break;
                    }
                }
            }
            self.outer.pop();
            lateral = reads?;
        }
        if lateral {
            if let Some(scope) = preceding {
                self.outer.push(scope.clone());
            }
        }
        let mut bound = Vec::with_capacity(arg_exprs.len());
        for e in arg_exprs {
            let b = self.bind_expr(e, &Scope::default(), &mut None);
            match b {
                Ok(b) => bound.push(b),
                Err(err) => {
                    if lateral {
                        self.outer.pop();
                    }
                    return Err(err);
                }
            }
        }
        if lateral {
            self.outer.pop();
        }
        let types: Vec<DataType> = bound.iter().map(|(_, t)| t.clone()).collect();
        let r = crate::sql::setfunc::SetFunc::resolve(&fname, &types)
            .unwrap_or_else(|| {
                Err(EngineError::FeatureNotSupported {
                    feature: format!("function {fname} in FROM"),
                })
            })
            .map_err(|e| e.at_span(name.span()))?;
        let mut args = Vec::with_capacity(bound.len());
        for ((x, t), to) in bound.into_iter().zip(&r.arg_types) {
            self.infer_param(&x, &t, to);
            args.push(coerce(x, &t, to)?);
        }
        let short = fname.rsplit('.').next().unwrap_or(&fname).to_string();
        let alias_name = alias.as_ref().map(|a| ident_name(&a.name));
        // A scalar function's column is named after the alias, else the function; a
        // function with OUT parameters names its columns after them.
        // A function returning `record` takes its columns from the column definition list.
        let defined: Vec<&ast::TableAliasColumnDef> = alias
            .iter()
            .flat_map(|a| &a.columns)
            .filter(|c| c.data_type.is_some())
            .collect();
        let syntax = |message: &str| EngineError::Syntax {
            message: message.into(),
            position: None,
        };
        let mut record = Vec::new();
        if r.columns.is_empty() {
            let all = alias.as_ref().map_or(0, |a| a.columns.len());
            if defined.is_empty() || defined.len() != all {
                return Err(syntax(
                    "a column definition list is required for functions returning \"record\"",
                )
                .at_span(name.span()));
            }
            for c in defined {
                let ty = c
                    .data_type
                    .as_ref()
                    .map(crate::types::DataType::from_sql)
                    .transpose()?
                    .unwrap_or(DataType::Text);
                record.push((ident_name(&c.name), ty));
            }
        } else if !defined.is_empty() {
            return Err(syntax(
                "a column definition list is only allowed for functions returning \"record\"",
            )
            .at_span(name.span()));
        }
        let mut cols = if r.columns.is_empty() {
            record.clone()
        } else {
            r.columns
                .into_iter()
                .map(|(name, ty)| match name {
                    Some(n) => (n.to_string(), ty),
                    None => (alias_name.clone().unwrap_or_else(|| short.clone()), ty),
                })
                .collect()
        };
        if ordinality {
            cols.push(("ordinality".to_string(), DataType::Int8));
        }
        Ok((
            (
                Plan::Function {
                    func: r.func,
                    args,
                    ordinality,
                    record,
                },
                (alias_name.unwrap_or(short), alias.clone()),
                cols,
            ),
            lateral,
        ))
    }

    /// Adds a bound FROM item to `scope` and `rels`.
    fn push_relation(
        &mut self,
        plan: Plan,
        alias: (String, Option<ast::TableAlias>),
        cols: Vec<(String, DataType)>,
        scope: &mut Scope,
        rels: &mut Vec<Relation>,
    ) -> Result<()> {
        let offset = scope.cols.len();
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
}

fn parse_view(sql: &str) -> Result<ast::Query> {
    let stmts = crate::sql::parse_stored(sql)?;
    match stmts.into_iter().next() {
        Some(ast::Statement::Query(q)) => Ok(*q),
        _ => Err(EngineError::CatalogCorrupt {
            reason: format!("view query {sql} is not a query"),
        }),
    }
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

/// After an inner or left join with USING / NATURAL of the chain starting at column
/// `chain_start` (its left side ending at `split`): `*` lists the join columns (the left
/// side's copies) first, then the left side's other columns, then the right side's.
fn using_columns_first(scope: &mut Scope, chain_start: usize, split: usize, names: &[String]) {
    if names.is_empty() {
        return;
    }
    let order = scope.star_order();
    let cols = &scope.cols;
    let left: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| (chain_start..split).contains(&i))
        .collect();
    let using: Vec<usize> = names
        .iter()
        .filter_map(|n| {
            left.iter()
                .copied()
                .find(|&i| cols[i].name == *n && !cols[i].merged)
        })
        .collect();
    let mut new: Vec<usize> = order.iter().copied().filter(|&i| i < chain_start).collect();
    new.extend(&using);
    new.extend(left.iter().filter(|i| !using.contains(i)));
    new.extend(order.iter().copied().filter(|&i| i >= split));
    scope.star = Some(new);
}

/// A bound FROM item: its plan, (alias, alias clause) and columns.
type BoundItem = (
    Plan,
    (String, Option<ast::TableAlias>),
    Vec<(String, DataType)>,
);

/// The arguments of a function call in FROM (plain expressions only).
fn function_args(fargs: &ast::TableFunctionArgs) -> Result<Vec<&ast::Expr>> {
    fargs
        .args
        .iter()
        .map(|a| match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Ok(e),
            _ => Err(unsupported("this function argument in FROM")),
        })
        .collect()
}

/// Whether `e` reads a column of the enclosing row `up` levels out (subqueries inside it
/// are not looked into).
fn reads_enclosing(e: &Expr, up: usize) -> bool {
    if let Expr::Column { up: u, .. } = e {
        return *u == up;
    }
    let mut copy = e.clone();
    crate::sql::expr::children_mut(&mut copy)
        .into_iter()
        .any(|c| reads_enclosing(c, up))
}

/// Whether a FROM item may read the items before it.
fn is_lateral(f: &ast::TableFactor) -> bool {
    matches!(f, ast::TableFactor::Derived { lateral: true, .. })
}

/// After a RIGHT or FULL join with USING / NATURAL: the joined columns become new leading
/// columns (the right side's value, or the non-NULL one for FULL), both sides' copies stay
/// reachable qualified, as in PostgreSQL. Other joins keep the left copy as the visible one.
fn merge_using_columns(
    plan: Plan,
    scope: Scope,
    left_width: usize,
    names: &[String],
    kind: JoinKind,
) -> Result<(Plan, Scope)> {
    if names.is_empty() || !matches!(kind, JoinKind::Right | JoinKind::Full) {
        return Ok((plan, scope));
    }
    let find = |from: usize, to: usize, n: &str| {
        (from..to).find(|&i| scope.cols[i].name == n && (i >= left_width || !scope.cols[i].merged))
    };
    let mut exprs = Vec::new();
    let mut cols = Vec::new();
    for n in names {
        let (Some(l), Some(r)) = (
            find(0, left_width, n),
            find(left_width, scope.cols.len(), n),
        ) else {
            return Err(EngineError::UndefinedColumn { name: n.clone() });
        };
        let (lt, rt) = (scope.cols[l].ty.clone(), scope.cols[r].ty.clone());
        let ty = crate::types::common_type(&[lt.clone(), rt.clone()])?;
        let lx = coerce(Expr::Column { up: 0, index: l }, &lt, &ty)?;
        let rx = coerce(Expr::Column { up: 0, index: r }, &rt, &ty)?;
        exprs.push(match kind {
            JoinKind::Full => Expr::Case {
                operand: None,
                branches: vec![(Expr::IsNull(Box::new(lx.clone()), true), lx)],
                otherwise: Some(Box::new(rx)),
            },
            _ => rx,
        });
        cols.push(ScopeCol {
            table: None,
            name: n.clone(),
            ty,
            merged: false,
        });
    }
    for (i, c) in scope.cols.into_iter().enumerate() {
        exprs.push(Expr::Column { up: 0, index: i });
        let merged = c.merged || names.contains(&c.name);
        cols.push(ScopeCol { merged, ..c });
    }
    Ok((
        Plan::Project {
            input: Box::new(plan),
            exprs,
        },
        Scope { cols, star: None },
    ))
}
