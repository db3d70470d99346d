//! SET CONSTRAINTS and the running of a transaction's deferred foreign key checks (at
//! SET CONSTRAINTS … IMMEDIATE and at commit); the checks themselves and the state live
//! in `crate::sql::fkey::deferred`.

use super::settings::transaction_snapshot;
use super::{Session, StatementResult};
use crate::error::{EngineError, Result};
use crate::notice::{Notice, Severity};
use crate::sql::fkey::deferred;
use sqlparser::ast;

impl Session {
    /// Runs the open transaction's pending deferred checks: all of them (`all`, at
    /// commit) or those of constraints that are immediate now. A READ COMMITTED
    /// transaction meeting a concurrent update runs the remaining checks again with a new
    /// snapshot, as a statement is run again; at the other levels that is 40001.
    pub(super) fn fire_deferred(&mut self, all: bool) -> Result<()> {
        loop {
            let Some(a) = self.active.as_mut() else {
                return Ok(());
            };
            if a.txn.is_none() || !a.deferred.any_pending() {
                return Ok(());
            }
            // At READ COMMITTED the checks read the rows as of now.
            a.stmt_snapshot = None;
            let restarts = !transaction_snapshot(a.mode.isolation);
            let res = self.with_cx(&[], |cx| match cx.deferred {
                Some(d) => deferred::fire(cx, d, all),
                None => Ok(()),
            });
            match res {
                Err(EngineError::ConcurrentUpdate) if restarts => {}
                Err(EngineError::ConcurrentUpdate) => {
                    return Err(EngineError::SerializationFailure)
                }
                other => return other,
            }
        }
    }

    /// `SET CONSTRAINTS { ALL | name [, ...] } { DEFERRED | IMMEDIATE }`, parsed as the
    /// names (`None` for ALL) and the mode. Outside a block it only warns (after checking
    /// the names), as in PostgreSQL; it lasts until the transaction ends (or a ROLLBACK TO
    /// a savepoint set before it).
    pub(super) fn set_constraints(
        &mut self,
        names: Option<Vec<String>>,
        deferred: bool,
    ) -> Result<StatementResult> {
        if !self.in_block() {
            self.notices.push(Notice::new(
                Severity::Warning,
                "25P01",
                "SET CONSTRAINTS can only be used in transaction blocks",
            ));
        }
        let implicit = self.active.is_none();
        if implicit {
            self.begin(false)?;
        }
        let res = self.apply_set_constraints(names, deferred);
        self.end_statement(res.is_ok(), implicit)?;
        res.map(|()| StatementResult::Command("SET CONSTRAINTS".into()))
    }

    fn apply_set_constraints(&mut self, names: Option<Vec<String>>, deferred: bool) -> Result<()> {
        let oids = match &names {
            None => None,
            Some(names) => Some(self.with_cx(&[], |cx| {
                let mut oids = Vec::new();
                for n in names {
                    oids.extend(deferred::resolve(cx, n, deferred)?);
                }
                Ok(oids)
            })?),
        };
        let a = self
            .active
            .as_mut()
            .ok_or(EngineError::NoActiveTransaction)?;
        match oids {
            None => a.deferred.set_all(deferred),
            Some(oids) => a.deferred.set_named(&oids, deferred),
        }
        if deferred {
            return Ok(());
        }
        self.fire_deferred(false)
    }
}

/// The names and mode of a SET CONSTRAINTS statement as `crate::sql::pgsyntax` parses it:
/// the names (each an identifier chain) and then the mode word.
pub(super) fn set_constraints_args(values: &[ast::Expr]) -> Result<(Option<Vec<String>>, bool)> {
    let bad = || EngineError::Internal {
        reason: "SET CONSTRAINTS parsed without its mode",
    };
    let (mode, names) = values.split_last().ok_or_else(bad)?;
    let deferred = match mode {
        ast::Expr::Identifier(i) if i.value == "deferred" => true,
        ast::Expr::Identifier(i) if i.value == "immediate" => false,
        _ => return Err(bad()),
    };
    if names.is_empty() {
        return Ok((None, deferred));
    }
    let mut out = Vec::new();
    for n in names {
        match n {
            ast::Expr::CompoundIdentifier(parts) => {
                let name = ast::ObjectName::from(parts.clone());
                out.push(crate::sql::binder::object_name(&name));
            }
            _ => return Err(bad()),
        }
    }
    Ok((Some(out), deferred))
}
