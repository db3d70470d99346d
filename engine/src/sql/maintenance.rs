//! VACUUM and ANALYZE. Quill keeps no planner statistics and its heap reuses space as rows
//! are deleted, so both only check that what they name is a table (42P01 otherwise) and
//! complete with PostgreSQL's tags; the session refuses VACUUM inside a transaction block.

use super::binder::object_name;
use super::{Outcome, TxnCx};
use crate::error::{EngineError, Result};
use sqlparser::ast;

fn check_table(cx: &TxnCx<'_>, name: Option<&ast::ObjectName>) -> Result<()> {
    if let Some(n) = name {
        let name = object_name(n);
        if cx.catalog.get(&name).is_none() {
            return Err(EngineError::UndefinedTable { name });
        }
    }
    Ok(())
}

pub fn vacuum(v: &ast::VacuumStatement, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    check_table(cx, v.table_name.as_ref())?;
    Ok(Outcome::Command {
        tag: "VACUUM".into(),
    })
}

pub fn analyze(a: &ast::Analyze, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    check_table(cx, a.table_name.as_ref())?;
    Ok(Outcome::Command {
        tag: "ANALYZE".into(),
    })
}
