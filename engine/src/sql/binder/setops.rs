//! Binding set operations (UNION / INTERSECT / EXCEPT [ALL]) and VALUES lists: column
//! count checks and PostgreSQL's common-type resolution per column.

use super::expr::coerce;
use super::select::{unsupported, Columns};
use super::{Binder, Scope};
use crate::error::{EngineError, Result};
use crate::sql::expr::Expr;
use crate::sql::plan::{Plan, SetOpKind};
use crate::types::{common_type, DataType};
use sqlparser::ast;

impl Binder<'_> {
    pub(super) fn bind_set_expr(&mut self, body: &ast::SetExpr) -> Result<(Plan, Columns)> {
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
                // Only UNION ALL needs no equality on its columns.
                if !(all && matches!(kind, SetOpKind::Union)) {
                    for t in &types {
                        crate::types::check_equality(t)?;
                    }
                }
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
                self.window_ban = super::window::WindowBan::Clause("VALUES");
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
}

/// Casts each output column of `plan` to `types` where needed.
pub(super) fn conform(plan: Plan, cols: &Columns, types: &[DataType]) -> Result<Plan> {
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
