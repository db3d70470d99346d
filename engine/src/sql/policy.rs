//! CREATE POLICY, ALTER POLICY and DROP POLICY: a table's row-level security policies
//! (see `crate::catalog::RowSecurity`), changed in its catalog row by its owner, with
//! PostgreSQL 15's checks and messages. ENABLE / FORCE ROW LEVEL SECURITY are ALTER TABLE
//! actions (`alter_table`).

use super::binder::{ident_name, object_name, Binder};
use super::{Outcome, TxnCx};
use crate::catalog::{PolicyCmd, PolicyDef, TableDef};
use crate::error::{EngineError, Result};
use crate::notice::{Notice, Severity};
use crate::types::DataType;
use sqlparser::ast;
use std::sync::Arc;

fn error(code: &'static str, message: String) -> EngineError {
    EngineError::Function { code, message }
}

fn missing(policy: &str, table: &str) -> EngineError {
    error(
        "42704",
        format!("policy \"{policy}\" for table \"{table}\" does not exist"),
    )
}

fn duplicate(policy: &str, table: &str) -> EngineError {
    error(
        "42710",
        format!("policy \"{policy}\" for table \"{table}\" already exists"),
    )
}

/// The table a policy statement names: it must exist, be a table and be the acting
/// role's.
fn target(cx: &TxnCx<'_>, name: &ast::ObjectName) -> Result<Arc<TableDef>> {
    let n = object_name(name);
    let table = cx
        .catalog
        .get(&n)
        .ok_or_else(|| EngineError::UndefinedTable { name: n.clone() })?;
    if table.view.is_some() || table.sequence.is_some() {
        return Err(error("42809", format!("\"{n}\" is not a table")));
    }
    crate::acl::require_owner(cx.catalog, &table, None)?;
    Ok(table)
}

/// The roles of a TO clause (`[PUBLIC]` when PUBLIC is among them, with PostgreSQL's
/// warning if other roles were named too).
fn roles(cx: &mut TxnCx<'_>, to: Option<&Vec<ast::Owner>>) -> Result<Vec<u32>> {
    let Some(to) = to else {
        return Ok(vec![crate::acl::PUBLIC]);
    };
    let mut out = Vec::new();
    let mut public = false;
    for o in to {
        match o {
            ast::Owner::Ident(i) if ident_name(i) == "public" && i.quote_style.is_none() => {
                public = true;
            }
            _ => {
                let oid = super::owner::new_owner(cx, o)?;
                if !out.contains(&oid) {
                    out.push(oid);
                }
            }
        }
    }
    if public {
        if !out.is_empty() {
            cx.notices.push(Notice::new(
                Severity::Warning,
                "01000",
                "ignoring specified roles other than PUBLIC",
            ));
        }
        return Ok(vec![crate::acl::PUBLIC]);
    }
    Ok(out)
}

/// Checks that clause `e` (`what`: USING or WITH CHECK) is a boolean condition over the
/// table's columns; returns its text as stored.
fn clause(cx: &TxnCx<'_>, table: &TableDef, e: &ast::Expr, what: &str) -> Result<String> {
    let scope = super::dml::table_scope(table, None);
    let mut binder = Binder::new(cx.catalog, Vec::new()).without_privilege_checks();
    let (_, t) = binder.bind_expr(e, &scope, &mut None)?;
    if !matches!(t, DataType::Bool | DataType::Unknown) {
        return Err(EngineError::DatatypeMismatch {
            message: format!(
                "argument of POLICY {what} must be type boolean, not type {}",
                t.display_name()
            ),
        });
    }
    Ok(e.to_string())
}

/// PostgreSQL's rules for which clauses a command's policy may have.
fn check_clauses(cmd: PolicyCmd, using: bool, check: bool) -> Result<()> {
    if check && matches!(cmd, PolicyCmd::Select | PolicyCmd::Delete) {
        return Err(EngineError::Syntax {
            message: "WITH CHECK cannot be applied to SELECT or DELETE".into(),
            position: None,
        });
    }
    if using && cmd == PolicyCmd::Insert {
        return Err(EngineError::Syntax {
            message: "only WITH CHECK expression allowed for INSERT".into(),
            position: None,
        });
    }
    Ok(())
}

fn store(cx: &mut TxnCx<'_>, def: TableDef) -> Result<()> {
    let change = cx.catalog.replace(cx.txn, cx.storage, def)?;
    cx.changes.push(change);
    Ok(())
}

pub(super) fn create_policy(p: &ast::CreatePolicy, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let table = target(cx, &p.table_name)?;
    let name = ident_name(&p.name);
    let cmd = match p.command {
        None | Some(ast::CreatePolicyCommand::All) => PolicyCmd::All,
        Some(ast::CreatePolicyCommand::Select) => PolicyCmd::Select,
        Some(ast::CreatePolicyCommand::Insert) => PolicyCmd::Insert,
        Some(ast::CreatePolicyCommand::Update) => PolicyCmd::Update,
        Some(ast::CreatePolicyCommand::Delete) => PolicyCmd::Delete,
    };
    check_clauses(cmd, p.using.is_some(), p.with_check.is_some())?;
    if table.rls.policy(&name).is_some() {
        return Err(duplicate(&name, &table.name));
    }
    let roles = roles(cx, p.to.as_ref())?;
    let using = match &p.using {
        Some(e) => Some(clause(cx, &table, e, "USING")?),
        None => None,
    };
    let check = match &p.with_check {
        Some(e) => Some(clause(cx, &table, e, "WITH CHECK")?),
        None => None,
    };
    let mut def = (*table).clone();
    def.rls.policies.push(PolicyDef {
        name,
        oid: cx.catalog.allocate_oid(),
        cmd,
        permissive: !matches!(p.policy_type, Some(ast::CreatePolicyType::Restrictive)),
        roles,
        using,
        check,
    });
    store(cx, def)?;
    Ok(Outcome::Command {
        tag: "CREATE POLICY".into(),
    })
}

pub(super) fn alter_policy(p: &ast::AlterPolicy, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let table = target(cx, &p.table_name)?;
    let name = ident_name(&p.name);
    let mut def = (*table).clone();
    let Some(at) = def.rls.policies.iter().position(|x| x.name == name) else {
        return Err(missing(&name, &table.name));
    };
    match &p.operation {
        ast::AlterPolicyOperation::Rename { new_name } => {
            let new = ident_name(new_name);
            if table.rls.policy(&new).is_some() {
                return Err(duplicate(&new, &table.name));
            }
            def.rls.policies[at].name = new;
        }
        ast::AlterPolicyOperation::Apply {
            to,
            using,
            with_check,
        } => {
            let cmd = def.rls.policies[at].cmd;
            check_clauses(cmd, using.is_some(), with_check.is_some())?;
            if to.is_some() {
                def.rls.policies[at].roles = roles(cx, to.as_ref())?;
            }
            if let Some(e) = using {
                def.rls.policies[at].using = Some(clause(cx, &table, e, "USING")?);
            }
            if let Some(e) = with_check {
                def.rls.policies[at].check = Some(clause(cx, &table, e, "WITH CHECK")?);
            }
        }
    }
    store(cx, def)?;
    Ok(Outcome::Command {
        tag: "ALTER POLICY".into(),
    })
}

pub(super) fn drop_policy(p: &ast::DropPolicy, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let done = || Outcome::Command {
        tag: "DROP POLICY".into(),
    };
    let name = ident_name(&p.name);
    if p.if_exists && cx.catalog.get(&object_name(&p.table_name)).is_none() {
        cx.notices.push(Notice::missing_skipped(
            "relation",
            &object_name(&p.table_name),
        ));
        return Ok(done());
    }
    let table = target(cx, &p.table_name)?;
    let mut def = (*table).clone();
    let Some(at) = def.rls.policies.iter().position(|x| x.name == name) else {
        if p.if_exists {
            cx.notices.push(Notice::new(
                Severity::Notice,
                "00000",
                format!(
                    "policy \"{name}\" for relation \"{}\" does not exist, skipping",
                    table.name
                ),
            ));
            return Ok(done());
        }
        return Err(missing(&name, &table.name));
    };
    def.rls.policies.remove(at);
    store(cx, def)?;
    Ok(done())
}
