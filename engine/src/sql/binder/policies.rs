//! Binding row-level security policies (see `crate::sql::rls`) over a table's row: the
//! security qual a scan of the table is filtered by, and the WITH CHECK options a new
//! row must pass.
//!
//! A policy's clauses see only the table's columns (no enclosing query, no WITH of the
//! statement); their subqueries read other tables as the role the table is read as, with
//! those tables' own policies. A policy whose clauses lead back to a table whose policies
//! are being bound is PostgreSQL's 42P17.

use super::{coerce, Binder, Scope};
use crate::catalog::{PolicyCmd, PolicyDef, TableDef};
use crate::error::{EngineError, Result};
use crate::sql::expr::Expr;
use crate::sql::plan::Plan;
use crate::types::{DataType, Value};

/// A WITH CHECK option: the restrictive policy it comes from (`None`: the permissive
/// policies together, or the default deny) and its condition over the new row.
pub(crate) type WithCheck = (Option<String>, Expr);

fn and(a: Option<Expr>, b: Expr) -> Expr {
    match a {
        Some(a) => Expr::And(Box::new(a), Box::new(b)),
        None => b,
    }
}

fn any_of(exprs: Vec<Expr>) -> Option<Expr> {
    exprs
        .into_iter()
        .reduce(|a, b| Expr::Or(Box::new(a), Box::new(b)))
}

impl Binder<'_> {
    /// Binds one stored clause of `table`'s policy over the table's row.
    fn policy_clause(&mut self, table: &TableDef, sql: &str) -> Result<Expr> {
        let ast = crate::sql::parse_expr(sql).map_err(|e| EngineError::CatalogCorrupt {
            reason: format!("stored policy expression {sql}: {e}"),
        })?;
        let scope: Scope = crate::sql::dml::table_scope(table, None);
        let outer = std::mem::take(&mut self.outer);
        let ctes = std::mem::take(&mut self.ctes);
        let bound = self.bind_expr(&ast, &scope, &mut None);
        self.outer = outer;
        self.ctes = ctes;
        let (e, t) = bound?;
        coerce(e, &t, &DataType::Bool)
    }

    /// Runs `f` with `table` marked as having its policies bound (42P17 if it already is).
    fn expanding<R>(
        &mut self,
        table: &TableDef,
        f: impl FnOnce(&mut Self) -> Result<R>,
    ) -> Result<R> {
        if self.rls_stack.contains(&table.oid) {
            return Err(EngineError::Function {
                code: "42P17",
                message: format!(
                    "infinite recursion detected in policy for relation \"{}\"",
                    table.name
                ),
            });
        }
        self.rls_stack.push(table.oid);
        let out = f(self);
        self.rls_stack.pop();
        out
    }

    /// The security qual of `table` for each of `cmds` (ANDed, in order) as `role` reads it.
    pub(crate) fn policy_qual(
        &mut self,
        table: &TableDef,
        cmds: &[PolicyCmd],
        role: u32,
    ) -> Result<Expr> {
        self.expanding(table, |b| {
            let mut qual: Option<Expr> = None;
            for &cmd in cmds {
                let (permissive, restrictive) =
                    crate::sql::rls::policies_for(b.catalog, table, cmd, role);
                let mut ors = Vec::new();
                for p in &permissive {
                    if let Some(u) = &p.using {
                        ors.push(b.policy_clause(table, u)?);
                    }
                }
                let Some(any) = any_of(ors) else {
                    // No permissive policy: nothing is visible.
                    qual = Some(and(qual, Expr::Const(Value::Bool(false))));
                    continue;
                };
                for p in &restrictive {
                    if let Some(u) = &p.using {
                        let e = b.policy_clause(table, u)?;
                        qual = Some(and(qual, e));
                    }
                }
                qual = Some(and(qual, any));
            }
            Ok(qual.unwrap_or(Expr::Const(Value::Bool(true))))
        })
    }

    /// The WITH CHECK options of `table`'s `cmd` policies for `role` (each policy's WITH
    /// CHECK, or its USING when it has none or `force_using`).
    pub(crate) fn policy_checks(
        &mut self,
        table: &TableDef,
        cmd: PolicyCmd,
        role: u32,
        force_using: bool,
    ) -> Result<Vec<WithCheck>> {
        self.expanding(table, |b| {
            let (permissive, restrictive) =
                crate::sql::rls::policies_for(b.catalog, table, cmd, role);
            let clause = |p: &PolicyDef| match (&p.check, force_using) {
                (Some(c), false) => Some(c.clone()),
                _ => p.using.clone(),
            };
            let mut ors = Vec::new();
            for p in &permissive {
                if let Some(c) = clause(p) {
                    ors.push(b.policy_clause(table, &c)?);
                }
            }
            let Some(any) = any_of(ors) else {
                return Ok(vec![(None, Expr::Const(Value::Bool(false)))]);
            };
            let mut out = vec![(None, any)];
            for p in &restrictive {
                if let Some(c) = clause(p) {
                    out.push((Some(p.name.clone()), b.policy_clause(table, &c)?));
                }
            }
            Ok(out)
        })
    }

    /// A scan of `table` filtered by its SELECT policies when row-level security applies
    /// to the role reading it.
    pub(super) fn secured_scan(&mut self, table: &TableDef, plan: Plan) -> Result<Plan> {
        if !self.privilege_checks {
            return Ok(plan);
        }
        let Some(role) = crate::sql::rls::applies(self.catalog, table, self.check_as)? else {
            return Ok(plan);
        };
        let pred = self.policy_qual(table, &[PolicyCmd::Select], role)?;
        Ok(Plan::Filter {
            input: Box::new(plan),
            pred,
        })
    }
}
