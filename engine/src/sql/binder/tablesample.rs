//! Binding a `TABLESAMPLE` clause of a FROM item: the method (`BERNOULLI` or `SYSTEM`;
//! any other name is 42704 as PostgreSQL has no such method), its one argument cast to
//! `real` and the `REPEATABLE` seed cast to `double precision`, both read with no columns
//! in scope. Only tables can be sampled (0A000 for views and CTEs, a syntax error for
//! functions); spellings
//! PostgreSQL does not have (`SAMPLE`, `PERCENT`, `ROWS`, `BUCKET`, `OFFSET`, `SEED`) are
//! syntax errors.

use super::expr::coerce;
use super::{Binder, Scope};
use crate::error::{EngineError, Result};
use crate::sql::exec::sample::{SampleMethod, TableSample};
use crate::types::DataType;
use sqlparser::ast::{self, Spanned};

fn syntax(message: &str) -> EngineError {
    EngineError::Syntax {
        message: message.to_string(),
        position: None,
    }
}

/// The error for a TABLESAMPLE on a view or a CTE.
pub(super) fn not_a_table() -> EngineError {
    EngineError::Function {
        code: "0A000",
        message: "TABLESAMPLE clause can only be applied to tables and materialized views".into(),
    }
}

/// The error for a TABLESAMPLE after a function call (not in PostgreSQL's grammar).
pub(super) fn on_function() -> EngineError {
    syntax("at or near \"TABLESAMPLE\"")
}

/// The TABLESAMPLE clause of a FROM item, if it has one.
pub(super) fn sample_of(f: &ast::TableFactor) -> Option<&ast::TableSample> {
    match f {
        ast::TableFactor::Table {
            sample:
                Some(ast::TableSampleKind::BeforeTableAlias(s))
                | Some(ast::TableSampleKind::AfterTableAlias(s)),
            ..
        } => Some(s),
        _ => None,
    }
}

impl Binder<'_> {
    pub(super) fn bind_table_sample(&mut self, s: &ast::TableSample) -> Result<TableSample> {
        if s.modifier != ast::TableSampleModifier::TableSample
            || s.bucket.is_some()
            || s.offset.is_some()
        {
            return Err(syntax("at or near \"SAMPLE\""));
        }
        let quantity = s
            .quantity
            .as_ref()
            .ok_or_else(|| syntax("TABLESAMPLE without a method"))?;
        if quantity.unit.is_some() {
            return Err(syntax("at or near \"PERCENT\""));
        }
        let (method, arg) = match (&s.name, &quantity.value) {
            (Some(ast::TableSampleMethod::Bernoulli), v) if quantity.parenthesized => {
                (SampleMethod::Bernoulli, v)
            }
            (Some(ast::TableSampleMethod::System), v) if quantity.parenthesized => {
                (SampleMethod::System, v)
            }
            (Some(m), _) if quantity.parenthesized => {
                return Err(unknown_method(&m.to_string().to_lowercase()))
            }
            // `TABLESAMPLE name (args)` with a name sqlparser does not know reads as a call.
            (None, ast::Expr::Function(call)) if !quantity.parenthesized => {
                return Err(unknown_method(&super::expr::object_name(&call.name)))
            }
            _ => return Err(syntax("TABLESAMPLE")),
        };
        let (percent, t) = self.bind_expr(arg, &Scope::default(), &mut None)?;
        let percent = coerce(percent, &t, &DataType::Float4).map_err(|e| e.at_span(arg.span()))?;
        let seed = match &s.seed {
            None => None,
            Some(seed) if seed.modifier == ast::TableSampleSeedModifier::Repeatable => {
                let e = ast::Expr::Value(seed.value.clone());
                let (x, t) = self.bind_expr(&e, &Scope::default(), &mut None)?;
                Some(coerce(x, &t, &DataType::Float8)?)
            }
            Some(_) => return Err(syntax("at or near \"SEED\"")),
        };
        Ok(TableSample {
            method,
            percent,
            seed,
        })
    }
}

fn unknown_method(name: &str) -> EngineError {
    EngineError::Function {
        code: "42704",
        message: format!("tablesample method {name} does not exist"),
    }
}
