//! Binding of the sequence functions `nextval(name)`, `currval(name)` and
//! `setval(name, value [, is_called])`. The name may be written as PostgreSQL's
//! `'name'::regclass`; it is looked up when the call runs.

use super::binder::{coerce, AggCtx, Binder, Scope};
use super::expr::Expr;
use crate::error::{EngineError, Result};
use crate::sequence::SeqOp;
use crate::types::DataType;
use sqlparser::ast;

/// `'name'::regclass` stands for the name itself.
fn strip_regclass(e: &ast::Expr) -> &ast::Expr {
    match e {
        ast::Expr::Cast {
            expr, data_type, ..
        } if data_type.to_string().eq_ignore_ascii_case("regclass") => expr,
        other => other,
    }
}

impl Binder<'_> {
    pub(crate) fn bind_sequence_call(
        &mut self,
        op: SeqOp,
        args: &[&ast::Expr],
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<(Expr, DataType)> {
        let types: &[DataType] = match (op, args.len()) {
            (SeqOp::Nextval | SeqOp::Currval, 1) => &[DataType::Text],
            (SeqOp::Setval, 2) => &[DataType::Text, DataType::Int8],
            (SeqOp::Setval, 3) => &[DataType::Text, DataType::Int8, DataType::Bool],
            _ => {
                return Err(EngineError::UndefinedFunction {
                    signature: format!(
                        "{} with {} arguments",
                        format!("{op:?}").to_lowercase(),
                        args.len()
                    ),
                })
            }
        };
        let mut bound = Vec::with_capacity(args.len());
        for (i, (a, ty)) in args.iter().zip(types).enumerate() {
            let a = if i == 0 { strip_regclass(a) } else { *a };
            let (x, t) = self.bind_expr(a, scope, agg)?;
            bound.push(coerce(x, &t, ty)?);
        }
        Ok((Expr::Sequence(op, bound), DataType::Int8))
    }
}
