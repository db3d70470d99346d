//! Binding WITH: common table expressions, plain and recursive. A recursive CTE is
//! `base UNION [ALL] recursive`, where the recursive term reads the CTE's own name as the
//! work table of the previous round; its column types are those of the base term.

use super::select::Columns;
use super::setops::conform;
use super::{ident_name, Binder};
use crate::error::{EngineError, Result};
use crate::sql::plan::Plan;
use crate::types::common_type;
use sqlparser::ast;
use std::sync::Arc;

impl Binder<'_> {
    /// Binds the CTEs of a WITH clause, each visible to the ones after it (and, in a
    /// recursive WITH, to itself).
    pub(super) fn bind_with(&mut self, with: &ast::With) -> Result<()> {
        for cte in &with.cte_tables {
            let name = ident_name(&cte.alias.name);
            let recursive = if with.recursive {
                self.bind_recursive_cte(&name, cte)?
            } else {
                None
            };
            let (plan, cols) = match recursive {
                Some(bound) => bound,
                None => {
                    let (plan, cols) = self.bind_query(&cte.query)?;
                    (plan, rename(cols, cte))
                }
            };
            self.ctes.push((name, plan, cols));
        }
        Ok(())
    }

    /// A CTE of a WITH RECURSIVE that reads itself; None when it does not (it is then an
    /// ordinary CTE).
    fn bind_recursive_cte(
        &mut self,
        name: &str,
        cte: &ast::Cte,
    ) -> Result<Option<(Plan, Columns)>> {
        let q = &cte.query;
        let ast::SetExpr::SetOperation {
            op: ast::SetOperator::Union,
            left,
            right,
            set_quantifier,
        } = q.body.as_ref()
        else {
            return Ok(None);
        };
        if q.with.is_some() || q.order_by.is_some() || q.limit_clause.is_some() {
            return Ok(None);
        }
        let (base, cols) = self.bind_set_expr(left)?;
        let cols = rename(cols, cte);
        let id = self.next_work_table;
        self.next_work_table += 1;
        self.ctes.push((
            name.to_string(),
            Plan::WorkTable { id, rows: None },
            cols.clone(),
        ));
        let bound = self.bind_set_expr(right);
        self.ctes.pop();
        let (mut recursive, rcols) = bound?;
        if !recursive.clone().set_work_table(id, &Arc::new(Vec::new())) {
            return Ok(None);
        }
        if rcols.len() != cols.len() {
            return Err(EngineError::Syntax {
                message: "each UNION query must have the same number of columns".into(),
                position: None,
            });
        }
        let types: Vec<_> = cols.iter().map(|(_, t)| t.clone()).collect();
        for (i, ((_, bt), (_, rt))) in cols.iter().zip(&rcols).enumerate() {
            if common_type(&[bt.clone(), rt.clone()])? != *bt {
                return Err(EngineError::DatatypeMismatch {
                    message: format!(
                        "recursive query \"{name}\" column {} has type {} in non-recursive term but type {} overall",
                        i + 1,
                        bt.display_name(),
                        common_type(&[bt.clone(), rt.clone()])?.display_name()
                    ),
                });
            }
        }
        recursive = conform(recursive, &rcols, &types)?;
        let all = matches!(set_quantifier, ast::SetQuantifier::All);
        Ok(Some((
            Plan::RecursiveCte {
                id,
                base: Box::new(base),
                recursive: Box::new(recursive),
                all,
            },
            cols,
        )))
    }
}

/// Applies a CTE's column aliases (`WITH t(a, b) AS …`).
fn rename(mut cols: Columns, cte: &ast::Cte) -> Columns {
    for (i, c) in cte.alias.columns.iter().enumerate() {
        if let Some(col) = cols.get_mut(i) {
            col.0 = ident_name(&c.name);
        }
    }
    cols
}
