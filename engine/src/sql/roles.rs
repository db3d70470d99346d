//! Role statements: CREATE ROLE / CREATE USER, ALTER ROLE (attributes, PASSWORD, RENAME
//! TO) and DROP ROLE [IF EXISTS], with PostgreSQL 15's privilege rules and SQLSTATEs.
//!
//! Also the reading of `CREATE USER`, which sqlparser parses in another dialect's form: at
//! the start of a statement it is read as CREATE ROLE, with LOGIN unless told otherwise.

use super::binder::{ident_name, object_name};
use super::{Outcome, TxnCx};
use crate::catalog::{CatalogChange, ObjKey};
use crate::error::{EngineError, Result};
use crate::password;
use crate::roles::{Role, BOOTSTRAP_SUPERUSER_OID};

/// OIDs below this are the system's (PostgreSQL's FirstNormalObjectId): predefined roles.
const FIRST_USER_OID: u32 = 16384;
use sqlparser::ast::{self, AlterRoleOperation, RoleOption, Statement};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Word};
use std::sync::Arc;

/// sqlparser reads `CREATE USER` in another dialect's form: at the start of a statement it is
/// rewritten to CREATE ROLE here. Returns, for each CREATE ROLE/GROUP/USER at a statement
/// start in order, whether it was USER (for [`apply_create_user`]).
pub(crate) fn mark_create_user(tokens: &mut [TokenWithSpan]) -> Vec<bool> {
    let mut from_user = Vec::new();
    let words: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let keyword = |t: &Token| match t {
        Token::Word(w) if w.quote_style.is_none() => w.keyword,
        _ => Keyword::NoKeyword,
    };
    for (n, &i) in words.iter().enumerate() {
        let at_start = n == 0 || matches!(tokens[words[n - 1]].token, Token::SemiColon);
        if !at_start || keyword(&tokens[i].token) != Keyword::CREATE {
            continue;
        }
        let Some(&next) = words.get(n + 1) else {
            continue;
        };
        match keyword(&tokens[next].token) {
            Keyword::ROLE | Keyword::GROUP => from_user.push(false),
            Keyword::USER => {
                let mapping = words
                    .get(n + 2)
                    .is_some_and(|&j| keyword(&tokens[j].token) == Keyword::MAPPING);
                if !mapping {
                    tokens[next].token = Token::Word(Word {
                        value: "ROLE".into(),
                        quote_style: None,
                        keyword: Keyword::ROLE,
                    });
                    from_user.push(true);
                }
            }
            _ => {}
        }
    }
    from_user
}

/// CREATE USER is CREATE ROLE … LOGIN unless the statement says otherwise.
pub(crate) fn apply_create_user(stmts: &mut [Statement], from_user: Vec<bool>) {
    let mut flags = from_user.into_iter();
    for s in stmts {
        if let Statement::CreateRole(cr) = s {
            if flags.next() == Some(true) && cr.login.is_none() {
                cr.login = Some(true);
            }
        }
    }
}

/// The current user; `None` when nothing is checked (the engine's own work).
fn acting_role(cx: &TxnCx<'_>) -> Option<Option<Arc<Role>>> {
    cx.catalog
        .acting()
        .map(|i| cx.catalog.roles().by_oid(i.current))
}

/// Whether `name` is the current user / the session user.
fn is_current(cx: &TxnCx<'_>, name: &str) -> bool {
    cx.catalog.acting().is_some_and(|i| i.current_name == name)
}

fn is_session(cx: &TxnCx<'_>, name: &str) -> bool {
    cx.catalog.acting().is_some_and(|i| i.session_name == name)
}

fn is_superuser(cx: &TxnCx<'_>) -> bool {
    match acting_role(cx) {
        None => true,
        Some(r) => r.is_some_and(|r| r.superuser),
    }
}

fn may_create_roles(cx: &TxnCx<'_>) -> bool {
    match acting_role(cx) {
        None => true,
        Some(r) => r.is_some_and(|r| r.superuser || r.create_role),
    }
}

fn denied(message: &str) -> EngineError {
    EngineError::InsufficientPrivilege {
        message: message.into(),
    }
}

fn check_name(name: &str) -> Result<()> {
    if name.starts_with("pg_") || matches!(name, "public" | "none") {
        return Err(EngineError::ReservedName { name: name.into() });
    }
    if name.is_empty() {
        return Err(EngineError::Syntax {
            message: "zero-length delimited identifier".into(),
            position: None,
        });
    }
    Ok(())
}

fn unsupported(what: &str) -> EngineError {
    EngineError::FeatureNotSupported {
        feature: format!("role option {what}"),
    }
}

fn password_text(p: &ast::Password) -> Result<Option<String>> {
    match p {
        ast::Password::NullPassword => Ok(None),
        ast::Password::Password(ast::Expr::Value(v)) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
                Ok(Some(s.clone()))
            }
            ast::Value::Null => Ok(None),
            other => Err(EngineError::Syntax {
                message: format!("syntax error at or near \"{other}\""),
                position: None,
            }),
        },
        ast::Password::Password(other) => Err(EngineError::Syntax {
            message: format!("syntax error at or near \"{other}\""),
            position: None,
        }),
    }
}

fn connection_limit(e: &ast::Expr) -> Result<i32> {
    let text = match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => n.clone(),
            _ => String::new(),
        },
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => match expr.as_ref() {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::Number(n, _) => format!("-{n}"),
                _ => String::new(),
            },
            _ => String::new(),
        },
        _ => String::new(),
    };
    match text.parse::<i32>() {
        Ok(n) if n >= -1 => Ok(n),
        _ => Err(EngineError::InvalidParameterValue {
            message: format!("invalid connection limit: {e}"),
        }),
    }
}

/// Whether passwords are stored as MD5 (`SET password_encryption = 'md5'`).
fn md5_encryption(cx: &TxnCx<'_>) -> bool {
    cx.settings
        .and_then(|s| s.get("password_encryption"))
        .is_some_and(|v| v.eq_ignore_ascii_case("md5"))
}

/// Applies one option to `role`.
fn apply(role: &mut Role, o: &RoleOption, md5: bool) -> Result<()> {
    match o {
        RoleOption::BypassRLS(b) => role.bypass_rls = *b,
        RoleOption::ConnectionLimit(e) => role.connection_limit = connection_limit(e)?,
        RoleOption::CreateDB(b) => role.create_db = *b,
        RoleOption::CreateRole(b) => role.create_role = *b,
        RoleOption::Inherit(b) => role.inherit = *b,
        RoleOption::Login(b) => role.login = *b,
        RoleOption::Replication(b) => role.replication = *b,
        RoleOption::SuperUser(b) => role.superuser = *b,
        RoleOption::Password(p) => {
            role.password = password_text(p)?
                .filter(|p| !p.is_empty())
                .map(|p| password::encrypt(&p, &role.name, md5));
        }
        RoleOption::ValidUntil(_) => return Err(unsupported("VALID UNTIL")),
    }
    Ok(())
}

/// The options of a CREATE ROLE statement, in the form ALTER ROLE takes them.
fn create_options(cr: &ast::CreateRole) -> Result<Vec<RoleOption>> {
    if !cr.in_role.is_empty() || !cr.in_group.is_empty() {
        return Err(unsupported("IN ROLE"));
    }
    if !cr.role.is_empty() || !cr.user.is_empty() || !cr.admin.is_empty() {
        return Err(unsupported("ROLE/USER/ADMIN (role membership)"));
    }
    if cr.valid_until.is_some() {
        return Err(unsupported("VALID UNTIL"));
    }
    let mut out = Vec::new();
    let flags = [
        (
            cr.superuser,
            RoleOption::SuperUser as fn(bool) -> RoleOption,
        ),
        (cr.create_db, RoleOption::CreateDB),
        (cr.create_role, RoleOption::CreateRole),
        (cr.inherit, RoleOption::Inherit),
        (cr.login, RoleOption::Login),
        (cr.replication, RoleOption::Replication),
        (cr.bypassrls, RoleOption::BypassRLS),
    ];
    for (v, make) in flags {
        if let Some(b) = v {
            out.push(make(b));
        }
    }
    if let Some(e) = &cr.connection_limit {
        out.push(RoleOption::ConnectionLimit(e.clone()));
    }
    if let Some(p) = &cr.password {
        out.push(RoleOption::Password(p.clone()));
    }
    Ok(out)
}

pub(crate) fn create_role(cr: &ast::CreateRole, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    // PostgreSQL's grammar takes one role name (sqlparser accepts a list).
    if cr.names.len() != 1 {
        return Err(EngineError::Syntax {
            message: "syntax error at or near \",\"".into(),
            position: None,
        });
    }
    if !may_create_roles(cx) {
        return Err(denied("permission denied to create role"));
    }
    let options = create_options(cr)?;
    let md5 = md5_encryption(cx);
    for n in &cr.names {
        let name = object_name(n);
        check_name(&name)?;
        let mut role = Role::new(0, name.clone());
        for o in &options {
            apply(&mut role, o, md5)?;
        }
        if role.superuser && !is_superuser(cx) {
            return Err(denied("must be superuser to create superusers"));
        }
        if cx.catalog.roles().get(&name).is_some() {
            if cr.if_not_exists {
                continue;
            }
            return Err(EngineError::DuplicateRole { name });
        }
        cx.catalog.lock_new_entry(ObjKey::Role(&name), None)?;
        role.oid = cx.catalog.allocate_oid();
        cx.catalog.roles_mut().create(cx.txn, cx.storage, role)?;
        cx.changes.push(CatalogChange::RoleCreated(name));
    }
    Ok(Outcome::Command {
        tag: "CREATE ROLE".into(),
    })
}

fn lookup(cx: &TxnCx<'_>, name: &str) -> Result<Arc<Role>> {
    cx.catalog
        .roles()
        .get(name)
        .ok_or_else(|| EngineError::UndefinedRole { name: name.into() })
}

/// Stores the new version of role `old_name`. The implicit bootstrap superuser gets its
/// first row (a rollback forgets it, and the implicit one is back).
pub(super) fn store(cx: &mut TxnCx<'_>, old_name: &str, role: Role) -> Result<()> {
    let name = role.name.clone();
    cx.catalog.lock_entry(ObjKey::Role(old_name))?;
    cx.catalog.lock_entry(ObjKey::Role(&name))?;
    if role.oid == BOOTSTRAP_SUPERUSER_OID && !cx.catalog.roles().is_stored(old_name) {
        cx.catalog.roles_mut().create(cx.txn, cx.storage, role)?;
        cx.changes.push(CatalogChange::RoleCreated(name));
        return Ok(());
    }
    let (old, tid) = cx
        .catalog
        .roles_mut()
        .replace(cx.txn, cx.storage, old_name, role)?;
    cx.changes.push(CatalogChange::RoleReplaced(old, tid, name));
    Ok(())
}

pub(crate) fn alter_role(
    name: &ast::Ident,
    op: &AlterRoleOperation,
    cx: &mut TxnCx<'_>,
) -> Result<Outcome> {
    let name = ident_name(name);
    let current = lookup(cx, &name)?;
    let mut role = (*current).clone();
    let own = is_current(cx, &name);
    match op {
        AlterRoleOperation::RenameRole { role_name } => {
            let new_name = ident_name(role_name);
            for (yes, who) in [(is_session(cx, &name), "session"), (own, "current")] {
                if yes {
                    return Err(EngineError::Function {
                        code: "0A000",
                        message: format!("{who} user cannot be renamed"),
                    });
                }
            }
            check_name(&new_name)?;
            if current.superuser && !is_superuser(cx) {
                return Err(denied("must be superuser to rename superusers"));
            }
            if !may_create_roles(cx) {
                return Err(denied("permission denied to rename role"));
            }
            role.name = new_name;
            // An MD5 verifier covers the name: PostgreSQL clears it on rename.
            if role
                .password
                .as_deref()
                .is_some_and(|p| p.starts_with("md5"))
            {
                role.password = None;
            }
            store(cx, &name, role)?;
            Ok(Outcome::Command {
                tag: "ALTER ROLE".into(),
            })
        }
        AlterRoleOperation::WithOptions { options } => {
            let md5 = md5_encryption(cx);
            for o in options {
                apply(&mut role, o, md5)?;
            }
            let only_password = options.iter().all(|o| matches!(o, RoleOption::Password(_)));
            let privileged = current.superuser
                || role.superuser
                || current.replication != role.replication
                || current.bypass_rls != role.bypass_rls;
            if privileged && !is_superuser(cx) {
                return Err(denied(
                    "must be superuser to alter superuser roles or change superuser attribute",
                ));
            }
            if !(may_create_roles(cx) || own && only_password) {
                return Err(denied("permission denied"));
            }
            store(cx, &name, role)?;
            Ok(Outcome::Command {
                tag: "ALTER ROLE".into(),
            })
        }
        _ => Err(EngineError::FeatureNotSupported {
            feature: format!("ALTER ROLE {op}"),
        }),
    }
}

pub(crate) fn drop_roles(
    if_exists: bool,
    names: &[ast::ObjectName],
    cx: &mut TxnCx<'_>,
) -> Result<Outcome> {
    if !may_create_roles(cx) {
        return Err(denied("permission denied to drop role"));
    }
    for n in names {
        let name = object_name(n);
        let Some(role) = cx.catalog.roles().get(&name) else {
            if if_exists {
                cx.notices
                    .push(crate::notice::Notice::missing_skipped("role", &name));
                continue;
            }
            return Err(EngineError::UndefinedRole { name });
        };
        for (yes, who) in [
            (is_current(cx, &name), "current"),
            (is_session(cx, &name), "session"),
        ] {
            if yes {
                return Err(EngineError::ObjectInUse {
                    message: format!("{who} user cannot be dropped"),
                });
            }
        }
        if role.oid < FIRST_USER_OID {
            return Err(EngineError::ObjectInUse {
                message: format!(
                    "cannot drop role {name} because it is required by the database system"
                ),
            });
        }
        if role.superuser && !is_superuser(cx) {
            return Err(denied("must be superuser to drop superusers"));
        }
        cx.catalog.lock_entry(ObjKey::Role(&name))?;
        refuse_if_depended_on(cx, &role)?;
        let (old, tid) = cx
            .catalog
            .roles_mut()
            .drop_role(cx.txn, cx.storage, &name)?;
        cx.changes.push(CatalogChange::RoleDropped(old, tid));
        // Its memberships go with it (pg_auth_members rows naming it either way).
        let members: Vec<Arc<Role>> = cx
            .catalog
            .roles()
            .iter()
            .filter(|r| r.member_of.iter().any(|m| m.role == role.oid))
            .cloned()
            .collect();
        for m in members {
            let mut changed = (*m).clone();
            changed.member_of.retain(|x| x.role != role.oid);
            store(cx, &m.name, changed)?;
        }
    }
    Ok(Outcome::Command {
        tag: "DROP ROLE".into(),
    })
}

/// 2BP01 while the role owns a database or a relation, holds privileges on one or is named
/// by a policy, with PostgreSQL's DETAIL listing them (`owner of database d`, `owner of table
/// t`, `privileges for view v`, `target of policy p on table t`; relations of other databases
/// counted as `N objects in database d`).
fn refuse_if_depended_on(cx: &TxnCx<'_>, role: &Role) -> Result<()> {
    let mut owner = Vec::new();
    let mut privileges = Vec::new();
    let mut dbs: Vec<_> = cx.catalog.databases().cloned().collect();
    dbs.sort_by_key(|d| d.oid);
    for d in &dbs {
        if d.owner == role.oid {
            owner.push(format!("owner of database {}", d.name));
        } else if d.acl.as_ref().is_some_and(|acl| {
            acl.iter()
                .any(|i| i.grantee == role.oid || i.grantor == role.oid)
        }) {
            privileges.push(format!("privileges for database {}", d.name));
        }
    }
    let mut elsewhere = std::collections::BTreeMap::<u32, usize>::new();
    for t in cx.catalog.all_tables() {
        let depends = t.owner == role.oid
            || t.acl.as_ref().is_some_and(|acl| {
                acl.iter()
                    .any(|i| i.grantee == role.oid || i.grantor == role.oid)
            });
        if depends && t.db != cx.catalog.database() {
            *elsewhere.entry(t.db).or_default() += 1;
        }
    }
    let mut tables: Vec<_> = cx.catalog.tables().cloned().collect();
    tables.sort_by_key(|t| t.oid);
    for t in &tables {
        let noun = crate::acl::noun(t);
        if t.owner == role.oid {
            owner.push(format!("owner of {noun} {}", t.name));
        } else if t.acl.as_ref().is_some_and(|acl| {
            acl.iter()
                .any(|i| i.grantee == role.oid || i.grantor == role.oid)
        }) {
            privileges.push(format!("privileges for {noun} {}", t.name));
        }
    }
    owner.extend(privileges);
    for t in &tables {
        for p in t
            .rls
            .policies
            .iter()
            .filter(|p| p.roles.contains(&role.oid))
        {
            owner.push(format!("target of policy {} on table {}", p.name, t.name));
        }
    }
    for (db, n) in elsewhere {
        let name = cx
            .catalog
            .database_by_oid(db)
            .map_or_else(|| db.to_string(), |d| d.name.clone());
        let noun = if n == 1 { "object" } else { "objects" };
        owner.push(format!("{n} {noun} in database {name}"));
    }
    if owner.is_empty() {
        return Ok(());
    }
    Err(EngineError::Detailed {
        code: "2BP01",
        message: format!(
            "role \"{}\" cannot be dropped because some objects depend on it",
            role.name
        ),
        detail: owner.join("\n"),
        hint: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(sql: &str) -> ast::CreateRole {
        match crate::sql::parse(sql).unwrap().pop() {
            Some(Statement::CreateRole(cr)) => cr,
            other => panic!("not CREATE ROLE: {other:?}"),
        }
    }

    #[test]
    fn create_user_means_create_role_with_login() {
        assert_eq!(create("CREATE USER bob").login, Some(true));
        assert_eq!(create("create user bob with nologin").login, Some(false));
        assert_eq!(create("CREATE ROLE bob").login, None);
        let cr = create("create user \"Bob\" with password 'x' superuser");
        assert_eq!(cr.login, Some(true));
        assert_eq!(cr.superuser, Some(true));
        assert_eq!(object_name(&cr.names[0]), "Bob");
        // Only at a statement start, only the USER keyword.
        let stmts =
            crate::sql::parse("CREATE ROLE a; CREATE USER b; SELECT 'create user'").unwrap();
        assert!(matches!(&stmts[0], Statement::CreateRole(c) if c.login.is_none()));
        assert!(matches!(&stmts[1], Statement::CreateRole(c) if c.login == Some(true)));
        assert!(crate::sql::parse("CREATE USER").is_err());
    }

    #[test]
    fn reserved_names() {
        assert!(matches!(
            check_name("pg_monitor"),
            Err(EngineError::ReservedName { .. })
        ));
        assert!(check_name("public").is_err());
        assert!(check_name("alice").is_ok());
    }
}
