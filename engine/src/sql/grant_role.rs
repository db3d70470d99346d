//! Role membership statements: `GRANT role [, …] TO role [, …] [WITH ADMIN OPTION]
//! [GRANTED BY role]` and `REVOKE [ADMIN OPTION FOR] role [, …] FROM role [, …]`, with
//! PostgreSQL 15's rules (who may grant, loops refused, repeats noticed), stored in the
//! member's role row (see `crate::roles`).

use super::binder::ident_name;
use super::roles::store;
use super::{Outcome, TxnCx};
use crate::error::{EngineError, Result};
use crate::notice::{Notice, Severity};
use crate::roles::{Membership, Role};
use sqlparser::ast;
use std::sync::Arc;

fn role(cx: &TxnCx<'_>, name: &str) -> Result<Arc<Role>> {
    cx.catalog
        .roles()
        .get(name)
        .ok_or_else(|| EngineError::UndefinedRole { name: name.into() })
}

/// The role a grantee clause names (`PUBLIC` names no role here, as in PostgreSQL).
fn grantee_name(g: &ast::Grantee) -> Result<String> {
    match (&g.grantee_type, &g.name) {
        (ast::GranteesType::Public, _) => Ok("public".into()),
        (
            ast::GranteesType::None | ast::GranteesType::Role | ast::GranteesType::User,
            Some(ast::GranteeName::ObjectName(n)),
        ) => Ok(super::binder::object_name(n)),
        _ => Err(EngineError::Syntax {
            message: format!("syntax error at or near \"{g}\""),
            position: None,
        }),
    }
}

fn invalid_grant(message: String) -> EngineError {
    EngineError::Function {
        code: "0LP01",
        message,
    }
}

/// PostgreSQL 15's permission check for changing the members of `target`: superuser roles
/// need a superuser; other roles CREATEROLE or the admin option on them.
fn may_change_members(cx: &TxnCx<'_>, target: &Role) -> Result<()> {
    let Some(me) = cx.catalog.acting().map(|i| i.current) else {
        return Ok(());
    };
    let roles = cx.catalog.roles();
    let mine = roles.by_oid(me);
    let superuser = mine.as_ref().is_some_and(|r| r.superuser);
    if target.superuser {
        if !superuser {
            return Err(EngineError::InsufficientPrivilege {
                message: "must be superuser to alter superusers".into(),
            });
        }
        return Ok(());
    }
    let create_role = mine.as_ref().is_some_and(|r| r.create_role);
    if superuser || create_role || roles.is_admin_of(me, target.oid) {
        return Ok(());
    }
    Err(EngineError::InsufficientPrivilege {
        message: format!("must have admin option on role \"{}\"", target.name),
    })
}

/// The grantor recorded: GRANTED BY's role, else the current user.
fn grantor(cx: &TxnCx<'_>, granted_by: Option<&ast::Ident>) -> Result<u32> {
    match granted_by {
        Some(i) => {
            let by = role(cx, &ident_name(i))?.oid;
            let me = cx.catalog.acting().map(|a| a.current);
            if me.is_some_and(|me| me != by) && !crate::acl::acting_superuser(cx.catalog) {
                return Err(EngineError::InsufficientPrivilege {
                    message: "must be superuser to set grantor".into(),
                });
            }
            Ok(by)
        }
        None => Ok(cx
            .catalog
            .acting()
            .map_or(crate::roles::BOOTSTRAP_SUPERUSER_OID, |i| i.current)),
    }
}

pub(crate) fn grant_role(g: &ast::GrantRole, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let mut admin = false;
    for o in &g.options {
        if ident_name(&o.name) == "admin" && o.value == ast::RoleGrantOptionValue::Option {
            admin = true;
        } else {
            return Err(EngineError::Syntax {
                message: format!("syntax error at or near \"{}\"", o.name),
                position: None,
            });
        }
    }
    let grantor = grantor(cx, g.granted_by.as_ref())?;
    for r in &g.roles {
        let target = role(cx, &ident_name(r))?;
        may_change_members(cx, &target)?;
        if target.name == "pg_database_owner" {
            // PostgreSQL 15 reports this as an internal error (elog), so does Quill.
            return Err(EngineError::Function {
                code: "XX000",
                message: "role \"pg_database_owner\" cannot have explicit members".into(),
            });
        }
        for grantee in &g.grantees {
            let member = role(cx, &grantee_name(grantee)?)?;
            // A membership loop (the role itself included) is refused.
            if cx.catalog.roles().is_member_of(target.oid, member.oid) {
                return Err(invalid_grant(format!(
                    "role \"{}\" is a member of role \"{}\"",
                    target.name, member.name
                )));
            }
            // Re-read: an earlier grant of this statement may have changed the member.
            let member = role(cx, &member.name)?;
            let mut changed = (*member).clone();
            match changed.member_of.iter_mut().find(|m| m.role == target.oid) {
                Some(m) if admin && !m.admin => {
                    m.admin = true;
                    m.grantor = grantor;
                }
                Some(_) => {
                    cx.notices.push(Notice::new(
                        Severity::Notice,
                        "00000",
                        format!(
                            "role \"{}\" is already a member of role \"{}\"",
                            member.name, target.name
                        ),
                    ));
                    continue;
                }
                None => changed.member_of.push(Membership {
                    role: target.oid,
                    grantor,
                    admin,
                }),
            }
            store(cx, &member.name, changed)?;
        }
    }
    Ok(Outcome::Command {
        tag: "GRANT ROLE".into(),
    })
}

pub(crate) fn revoke_role(r: &ast::RevokeRole, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let admin_only = match &r.option_for {
        None => false,
        Some(i) if ident_name(i) == "admin" => true,
        Some(i) => {
            return Err(EngineError::Syntax {
                message: format!("syntax error at or near \"{i}\""),
                position: None,
            })
        }
    };
    if r.granted_by.is_some() {
        grantor(cx, r.granted_by.as_ref())?;
    }
    for name in &r.roles {
        let target = role(cx, &ident_name(name))?;
        may_change_members(cx, &target)?;
        for grantee in &r.grantees {
            let member = role(cx, &grantee_name(grantee)?)?;
            let mut changed = (*member).clone();
            let Some(pos) = changed.member_of.iter().position(|m| m.role == target.oid) else {
                cx.notices.push(Notice::new(
                    Severity::Warning,
                    "01000",
                    format!(
                        "role \"{}\" is not a member of role \"{}\"",
                        member.name, target.name
                    ),
                ));
                continue;
            };
            if admin_only {
                changed.member_of[pos].admin = false;
            } else {
                changed.member_of.remove(pos);
            }
            store(cx, &member.name, changed)?;
        }
    }
    Ok(Outcome::Command {
        tag: "REVOKE ROLE".into(),
    })
}
