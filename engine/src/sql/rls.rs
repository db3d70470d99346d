//! Row-level security as PostgreSQL 15 enforces it: which tables it applies to for a role
//! (`check_enable_rls`), which policies apply to a command and role, and the failure of a
//! new row's check (42501).
//!
//! Security quals (USING) filter the rows a statement reads: within one command's
//! policies the restrictive ones are ANDed and the permissive ones ORed, and with no
//! permissive policy (with a USING) nothing is visible. WITH CHECK options test new rows:
//! one check ORing the permissive policies' clauses (WITH CHECK, else USING), then one per
//! restrictive policy in name order, each failing unless the row makes it true. The
//! clauses are bound where the statement is (see `binder::policies`), for the role the
//! table is read as, so prepared statements and views apply them per execution.

use crate::catalog::{Catalog, PolicyCmd, PolicyDef, TableDef};
use crate::error::{EngineError, Result};

/// The role whose policies apply when `table` is read as `check_as` (a view's owner) or
/// the acting user; `None` when row-level security does not apply: not enabled, nothing
/// checked (the engine's own work), a superuser or BYPASSRLS role, or the owner of a table
/// whose security is not forced. With `row_security = off`, a table it would apply to is
/// 42501 instead.
pub(crate) fn applies(
    catalog: &Catalog,
    table: &TableDef,
    check_as: Option<u32>,
) -> Result<Option<u32>> {
    if !table.rls.enabled || table.view.is_some() || table.sequence.is_some() {
        return Ok(None);
    }
    let Some(acting) = catalog.acting() else {
        return Ok(None);
    };
    let role = check_as.unwrap_or(acting.current);
    let roles = catalog.roles();
    if roles
        .by_oid(role)
        .is_some_and(|r| r.superuser || r.bypass_rls)
    {
        return Ok(None);
    }
    if roles.has_privs_of(role, table.owner) && !table.rls.forced {
        return Ok(None);
    }
    if !acting.row_security {
        return Err(EngineError::InsufficientPrivilege {
            message: format!(
                "query would be affected by row-level security policy for table \"{}\"",
                table.name
            ),
        });
    }
    Ok(Some(role))
}

/// The policies of `table` for `cmd` that apply to `role`: permissive ones in creation
/// order, restrictive ones sorted by name (as PostgreSQL checks them).
pub(crate) fn policies_for<'t>(
    catalog: &Catalog,
    table: &'t TableDef,
    cmd: PolicyCmd,
    role: u32,
) -> (Vec<&'t PolicyDef>, Vec<&'t PolicyDef>) {
    let roles = catalog.roles();
    let applies = |p: &PolicyDef| {
        p.cmd.covers(cmd)
            && p.roles
                .iter()
                .any(|&r| r == crate::acl::PUBLIC || roles.has_privs_of(role, r))
    };
    let (permissive, mut restrictive): (Vec<&PolicyDef>, Vec<&PolicyDef>) = table
        .rls
        .policies
        .iter()
        .filter(|p| applies(p))
        .partition(|p| p.permissive);
    restrictive.sort_by(|a, b| a.name.cmp(&b.name));
    (permissive, restrictive)
}

/// 42501 for a new row failing a WITH CHECK option (`policy`: the restrictive policy it
/// came from; `None` for the permissive policies together).
pub(crate) fn violation(table: &str, policy: Option<&str>) -> EngineError {
    let message = match policy {
        Some(p) => {
            format!("new row violates row-level security policy \"{p}\" for table \"{table}\"")
        }
        None => format!("new row violates row-level security policy for table \"{table}\""),
    };
    EngineError::InsufficientPrivilege { message }
}

/// 0A000 for a statement kind row-level security is not applied to.
pub(crate) fn unsupported(what: &str) -> EngineError {
    EngineError::FeatureNotSupported {
        feature: format!("{what} on a table with row-level security"),
    }
}

/// What row-level security asks of a data statement on its target table: the condition
/// the rows it reads must meet, and the checks its new rows must pass.
pub(crate) struct Guard {
    /// Rows failing it are invisible to the statement (UPDATE, DELETE, COPY TO).
    pub filter: Option<crate::sql::expr::Expr>,
    pub checks: Vec<crate::sql::binder::policies::WithCheck>,
}

/// The guard of statement `cmd` on `table` for the acting role (`reads`: the statement
/// needs SELECT on it too, so the SELECT policies apply as well); `None` when row-level
/// security does not apply. Bound for each execution, so it follows the role running it.
pub(crate) fn guard(
    cx: &crate::sql::TxnCx<'_>,
    table: &TableDef,
    cmd: PolicyCmd,
    reads: bool,
) -> Result<Option<Guard>> {
    let Some(role) = applies(cx.catalog, table, None)? else {
        return Ok(None);
    };
    let mut binder = crate::sql::binder::Binder::new(cx.catalog, Vec::new());
    let filter = match cmd {
        PolicyCmd::Insert => None,
        PolicyCmd::Select => Some(binder.policy_qual(table, &[PolicyCmd::Select], role)?),
        _ if reads => Some(binder.policy_qual(table, &[cmd, PolicyCmd::Select], role)?),
        _ => Some(binder.policy_qual(table, &[cmd], role)?),
    };
    let mut checks = Vec::new();
    if matches!(cmd, PolicyCmd::Insert | PolicyCmd::Update) {
        checks = binder.policy_checks(table, cmd, role, false)?;
        if reads {
            checks.extend(binder.policy_checks(table, PolicyCmd::Select, role, true)?);
        }
    }
    let subqueries =
        crate::sql::plan::Plan::Filter {
            input: Box::new(crate::sql::plan::Plan::One),
            pred: filter.clone().unwrap_or(crate::sql::expr::Expr::Const(
                crate::types::Value::Bool(true),
            )),
        };
    crate::sql::relation_locks::take(cx, &crate::sql::relation_locks::read_by(&subqueries))?;
    for (_, c) in &checks {
        let p = crate::sql::plan::Plan::Filter {
            input: Box::new(crate::sql::plan::Plan::One),
            pred: c.clone(),
        };
        crate::sql::relation_locks::take(cx, &crate::sql::relation_locks::read_by(&p))?;
    }
    Ok(Some(Guard { filter, checks }))
}

impl Guard {
    /// Fails with 42501 unless new row `row` of `table` passes every check.
    pub(crate) fn check_new(
        &self,
        cx: &crate::sql::TxnCx<'_>,
        table: &TableDef,
        row: &[crate::types::Value],
    ) -> Result<()> {
        let ecx = cx.exec();
        let env = crate::sql::expr::Env {
            cx: &ecx,
            outer: &[],
        };
        for (policy, c) in &self.checks {
            if !matches!(c.eval(row, &env)?, crate::types::Value::Bool(true)) {
                return Err(violation(&table.name, policy.as_deref()));
            }
        }
        Ok(())
    }
}
