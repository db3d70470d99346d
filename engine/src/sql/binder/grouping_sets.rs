//! GROUPING SETS, ROLLUP and CUBE: expanding a GROUP BY list into its grouping sets (the
//! cross product of its items' sets, as PostgreSQL forms it), and `GROUPING(...)`, the
//! bitmask of the arguments a row's set does not group by.

use super::{AggCtx, Binder};
use crate::error::{EngineError, Result};
use crate::sql::expr::Expr;
use crate::types::{DataType, Value};
use sqlparser::ast;

/// PostgreSQL's limits on CUBE's elements and on the number of grouping sets.
const MAX_CUBE: usize = 12;
const MAX_SETS: usize = 4096;

fn too_complex(message: &str) -> EngineError {
    EngineError::Function {
        code: "54001",
        message: message.to_string(),
    }
}

/// Grouping sets, each as positions in a list of GROUP BY expressions.
pub type GroupingSets = Vec<Vec<usize>>;

/// The grouping sets one GROUP BY item stands for, each a list of expressions.
fn item_sets(item: &ast::Expr) -> Result<Vec<Vec<ast::Expr>>> {
    Ok(match item {
        ast::Expr::GroupingSets(sets) => sets.clone(),
        ast::Expr::Rollup(elems) => (0..=elems.len())
            .rev()
            .map(|k| elems[..k].concat())
            .collect(),
        ast::Expr::Cube(elems) => {
            if elems.len() > MAX_CUBE {
                return Err(too_complex("CUBE is limited to 12 elements"));
            }
            let n = elems.len();
            (0..1usize << n)
                .rev()
                .map(|mask| {
                    (0..n)
                        .filter(|i| mask & (1 << (n - 1 - i)) != 0)
                        .flat_map(|i| elems[i].clone())
                        .collect()
                })
                .collect()
        }
        ast::Expr::Tuple(t) if t.is_empty() => vec![Vec::new()],
        e => vec![vec![e.clone()]],
    })
}

/// Expands a GROUP BY list: its distinct expressions, and (when it has GROUPING SETS,
/// ROLLUP, CUBE or `()`) the grouping sets as positions in them.
pub(super) fn expand(items: &[ast::Expr]) -> Result<(Vec<ast::Expr>, Option<GroupingSets>)> {
    let plain = !items.iter().any(|e| {
        matches!(
            e,
            ast::Expr::GroupingSets(_) | ast::Expr::Rollup(_) | ast::Expr::Cube(_)
        ) || matches!(e, ast::Expr::Tuple(t) if t.is_empty())
    });
    if plain {
        return Ok((items.to_vec(), None));
    }
    let mut sets: Vec<Vec<ast::Expr>> = vec![Vec::new()];
    for item in items {
        let choices = item_sets(item)?;
        if sets.len().saturating_mul(choices.len()) > MAX_SETS {
            return Err(too_complex("too many grouping sets present (maximum 4096)"));
        }
        sets = sets
            .iter()
            .flat_map(|s| {
                choices.iter().map(move |c| {
                    let mut s = s.clone();
                    s.extend(c.iter().cloned());
                    s
                })
            })
            .collect();
    }
    let mut exprs: Vec<ast::Expr> = Vec::new();
    let mut out = Vec::with_capacity(sets.len());
    for set in sets {
        let mut positions = Vec::with_capacity(set.len());
        for e in set {
            let i = match exprs.iter().position(|x| *x == e) {
                Some(i) => i,
                None => {
                    exprs.push(e);
                    exprs.len() - 1
                }
            };
            if !positions.contains(&i) {
                positions.push(i);
            }
        }
        out.push(positions);
    }
    Ok((exprs, Some(out)))
}

fn not_grouping() -> EngineError {
    EngineError::Function {
        code: "42803",
        message: "arguments to GROUPING must be grouping expressions of the associated query level"
            .into(),
    }
}

impl Binder<'_> {
    /// `GROUPING(args)`: for each row, bit k (from the left) set when the row's grouping set
    /// does not group by argument k.
    pub(super) fn bind_grouping(
        &mut self,
        args: &[&ast::Expr],
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<(Expr, DataType)> {
        let Some(ctx) = agg.as_deref() else {
            return Err(not_grouping());
        };
        if args.len() > 31 {
            return Err(EngineError::Function {
                code: "54023",
                message: "GROUPING must have fewer than 32 arguments".into(),
            });
        }
        let mut positions = Vec::with_capacity(args.len());
        for a in args {
            let a: &ast::Expr = match a {
                ast::Expr::Nested(inner) => inner,
                a => a,
            };
            let i = ctx
                .group_asts
                .iter()
                .position(|g| g == a)
                .ok_or_else(not_grouping)?;
            positions.push(i);
        }
        let (Some(sets), Some(slot)) = (&ctx.sets, ctx.set_slot) else {
            return Ok((Expr::Const(Value::Int4(0)), DataType::Int4));
        };
        let branches = sets
            .iter()
            .enumerate()
            .map(|(s, set)| {
                let mask = positions
                    .iter()
                    .fold(0i32, |m, p| (m << 1) | i32::from(!set.contains(p)));
                let s = i32::try_from(s).unwrap_or(i32::MAX);
                (Expr::Const(Value::Int4(s)), Expr::Const(Value::Int4(mask)))
            })
            .collect();
        Ok((
            Expr::Case {
                operand: Some(Box::new(Expr::Column { up: 0, index: slot })),
                branches,
                otherwise: None,
            },
            DataType::Int4,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group_by(sql: &str) -> Vec<ast::Expr> {
        let stmts = crate::sql::parse(&format!("SELECT 1 FROM t GROUP BY {sql}")).expect("parse");
        let ast::Statement::Query(q) = &stmts[0] else {
            panic!("not a query")
        };
        let ast::SetExpr::Select(s) = q.body.as_ref() else {
            panic!("not a select")
        };
        match &s.group_by {
            ast::GroupByExpr::Expressions(g, _) => g.clone(),
            other => panic!("{other:?}"),
        }
    }

    fn sets(sql: &str) -> (Vec<String>, Option<Vec<Vec<usize>>>) {
        let (exprs, sets) = expand(&group_by(sql)).expect("expand");
        (exprs.iter().map(ToString::to_string).collect(), sets)
    }

    #[test]
    fn rollup_cube_and_products() {
        assert_eq!(sets("a, b"), (vec!["a".into(), "b".into()], None));
        assert_eq!(
            sets("ROLLUP (a, b)").1,
            Some(vec![vec![0, 1], vec![0], vec![]])
        );
        assert_eq!(
            sets("CUBE (a, b)").1,
            Some(vec![vec![0, 1], vec![0], vec![1], vec![]])
        );
        assert_eq!(
            sets("a, GROUPING SETS ((b), (c), ())").1,
            Some(vec![vec![0, 1], vec![0, 2], vec![0]])
        );
        assert_eq!(sets("()").1, Some(vec![vec![]]));
        // ROLLUP over a composite element keeps it whole.
        assert_eq!(
            sets("ROLLUP ((a, b), c)").1,
            Some(vec![vec![0, 1, 2], vec![0, 1], vec![]])
        );
    }
}
