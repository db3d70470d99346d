//! CREATE / DROP / ALTER DATABASE run by a session: each in a transaction of its own (25001
//! inside a transaction block, as PostgreSQL), changing the shared database rows and, for
//! DROP, deleting every definition of the dropped database in the same transaction — so a
//! rollback or a crash before the commit leaves the catalog as it was.
//!
//! CREATE DATABASE … TEMPLATE copies nothing yet: a template holding relations, schemas or
//! types is refused with 0A000 rather than giving an empty copy.

use super::{Session, StatementResult};
use crate::acl::acting_superuser;
use crate::catalog::{Catalog, DatabaseDef};
use crate::error::{EngineError, Result};
use crate::notice::Notice;
use crate::sql::database_syntax::DatabaseCommand;
use crate::sql::TxnCx;

/// How long DROP DATABASE and CREATE DATABASE … TEMPLATE wait for other sessions of the
/// database to end before 55006 (PostgreSQL's CountOtherDBBackends: 50 tries 100 ms apart).
const OTHER_SESSIONS_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

fn unsupported(feature: String) -> EngineError {
    EngineError::FeatureNotSupported { feature }
}

fn syntax(message: String) -> EngineError {
    EngineError::Syntax {
        message,
        position: None,
    }
}

fn denied(message: String) -> EngineError {
    EngineError::InsufficientPrivilege { message }
}

/// 55006 with PostgreSQL's detail counting the other sessions.
fn in_use(message: String, others: usize) -> EngineError {
    let detail = if others == 1 {
        "There is 1 other session using the database.".to_owned()
    } else {
        format!("There are {others} other sessions using the database.")
    };
    EngineError::Detailed {
        code: "55006",
        message,
        detail,
        hint: None,
    }
}

/// The acting role's OID (the bootstrap superuser when nothing is checked).
fn acting_oid(c: &Catalog) -> u32 {
    c.acting()
        .map_or(crate::roles::BOOTSTRAP_SUPERUSER_OID, |i| i.current)
}

/// Whether the acting role may create databases (superuser or CREATEDB).
fn may_create_db(c: &Catalog) -> bool {
    acting_superuser(c) || c.roles().by_oid(acting_oid(c)).is_some_and(|r| r.create_db)
}

/// Whether the acting role owns database `d` (through membership) or is a superuser.
fn owns(c: &Catalog, d: &DatabaseDef) -> bool {
    acting_superuser(c) || c.roles().has_privs_of(acting_oid(c), d.owner)
}

/// A boolean option's value as PostgreSQL's `defGetBoolean` reads it.
fn boolean(opt: &str, v: &Option<String>) -> Result<bool> {
    match v.as_deref().map(str::to_lowercase).as_deref() {
        Some("true" | "on" | "1" | "t" | "yes") => Ok(true),
        Some("false" | "off" | "0" | "f" | "no") => Ok(false),
        _ => Err(syntax(format!("{opt} requires a Boolean value"))),
    }
}

/// Whether locale `l` is the one every Quill database has.
fn our_locale(l: &str) -> bool {
    matches!(l.to_lowercase().as_str(), "c.utf-8" | "c.utf8")
}

impl Session {
    /// Runs a database statement.
    pub(super) fn database_command(&mut self, cmd: DatabaseCommand) -> Result<StatementResult> {
        let stmt = cmd.statement();
        if self.active.is_some() {
            return Err(EngineError::InTransactionBlock { what: stmt });
        }
        self.wait_for_others(&cmd)?;
        self.begin(false)?;
        let me = self.database;
        let registry = self.activity.registry().clone();
        let res = self.with_cx(&[], |cx| match cmd {
            DatabaseCommand::Create { name, options } => create(cx, name, options, &registry),
            DatabaseCommand::Drop {
                name,
                if_exists,
                force,
            } => drop(cx, me, &name, if_exists, force, &registry),
            DatabaseCommand::Rename { name, to } => rename(cx, me, &name, to, &registry),
            DatabaseCommand::Owner { name, owner } => set_owner(cx, &name, &owner),
            DatabaseCommand::OtherAlter { what, .. } => {
                Err(unsupported(format!("ALTER DATABASE … {what}")))
            }
        });
        self.finish(res.is_ok())?;
        res?;
        Ok(StatementResult::Command(stmt.into()))
    }

    /// Before DROP DATABASE (after terminating them WITH (FORCE)), RENAME and CREATE …
    /// TEMPLATE: waits up to [`OTHER_SESSIONS_WAIT`] for the other sessions of the
    /// database concerned to end. The statement itself reports those still there.
    fn wait_for_others(&mut self, cmd: &DatabaseCommand) -> Result<()> {
        let name = match cmd {
            DatabaseCommand::Drop { name, .. } | DatabaseCommand::Rename { name, .. } => {
                name.clone()
            }
            DatabaseCommand::Create { options, .. } => {
                match options.iter().find(|(o, _)| o == "template") {
                    Some((_, Some(t))) => t.clone(),
                    _ => "template1".to_owned(),
                }
            }
            _ => return Ok(()),
        };
        let Some(oid) = self.db.catalog().database_named(&name).map(|d| d.oid) else {
            return Ok(());
        };
        if oid == self.database {
            return Ok(());
        }
        let registry = self.activity.registry().clone();
        if let DatabaseCommand::Drop { force: true, .. } = cmd {
            registry.terminate_in(oid, &self.activity);
        }
        let until = std::time::Instant::now() + OTHER_SESSIONS_WAIT;
        while registry.others_in(oid, &self.activity) > 0 && std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Ok(())
    }
}

fn create(
    cx: &mut TxnCx<'_>,
    name: String,
    options: Vec<(String, Option<String>)>,
    registry: &crate::activity::Registry,
) -> Result<()> {
    if !may_create_db(cx.catalog) {
        return Err(denied("permission denied to create database".into()));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut owner = acting_oid(cx.catalog);
    let mut template = "template1".to_owned();
    let mut is_template = false;
    let mut allow_conn = true;
    for (opt, v) in &options {
        if !seen.insert(opt.clone()) {
            return Err(syntax("conflicting or redundant options".into()));
        }
        let Some(val) = v else {
            // DEFAULT: the option's default.
            continue;
        };
        match opt.as_str() {
            "owner" => {
                let role = cx
                    .catalog
                    .roles()
                    .get(val)
                    .ok_or_else(|| EngineError::UndefinedRole { name: val.clone() })?;
                if !acting_superuser(cx.catalog)
                    && !cx
                        .catalog
                        .roles()
                        .is_member_of(acting_oid(cx.catalog), role.oid)
                {
                    return Err(denied(format!("must be member of role \"{val}\"")));
                }
                owner = role.oid;
            }
            "template" => template = val.clone(),
            "encoding" => {
                let utf8 = matches!(
                    val.to_lowercase().as_str(),
                    "utf8" | "utf-8" | "unicode" | "6"
                );
                if !utf8 {
                    return Err(unsupported(format!(
                        "CREATE DATABASE with ENCODING \"{val}\" (only UTF8 is supported)"
                    )));
                }
            }
            "locale" | "lc_collate" | "lc_ctype" => {
                if !our_locale(val) {
                    return Err(unsupported(format!(
                        "CREATE DATABASE with {} \"{val}\" (only C.UTF-8 is supported)",
                        opt.to_uppercase()
                    )));
                }
            }
            "locale_provider" => {
                if !val.eq_ignore_ascii_case("libc") {
                    return Err(unsupported(format!(
                        "CREATE DATABASE with LOCALE_PROVIDER \"{val}\""
                    )));
                }
            }
            "strategy" => {
                if !matches!(val.to_lowercase().as_str(), "wal_log" | "file_copy") {
                    return Err(EngineError::Detailed {
                        code: "22023",
                        message: format!("invalid create database strategy \"{val}\""),
                        detail: String::new(),
                        hint: Some("Valid strategies are \"wal_log\", and \"file_copy\".".into()),
                    });
                }
            }
            "tablespace" => {
                if val != "pg_default" {
                    return Err(EngineError::Function {
                        code: "42704",
                        message: format!("tablespace \"{val}\" does not exist"),
                    });
                }
            }
            "allow_connections" => allow_conn = boolean("allow_connections", v)?,
            "is_template" => is_template = boolean("is_template", v)?,
            "connection limit" => {
                if val != "-1" {
                    return Err(unsupported(
                        "CREATE DATABASE with a CONNECTION LIMIT".into(),
                    ));
                }
            }
            "icu_locale" | "collation_version" | "oid" => {
                return Err(unsupported(format!(
                    "CREATE DATABASE with {}",
                    opt.to_uppercase()
                )));
            }
            _ => return Err(syntax(format!("option \"{opt}\" not recognized"))),
        }
    }
    let src = cx
        .catalog
        .database_named(&template)
        .cloned()
        .ok_or_else(|| EngineError::Function {
            code: "3D000",
            message: format!("template database \"{template}\" does not exist"),
        })?;
    if !src.is_template && !owns(cx.catalog, &src) {
        return Err(denied(format!(
            "permission denied to copy database \"{template}\""
        )));
    }
    if cx.catalog.database_named(&name).is_some() {
        return Err(EngineError::DuplicateDatabase { name });
    }
    if src.oid != cx.catalog.database() {
        let others = registry
            .entries()
            .iter()
            .filter(|e| e.database == src.oid && !e.terminated)
            .count();
        if others > 0 {
            return Err(in_use(
                format!("source database \"{template}\" is being accessed by other users"),
                others,
            ));
        }
    }
    if cx.catalog.database_has_objects(src.oid) {
        return Err(unsupported(format!(
            "CREATE DATABASE from template \"{template}\", which holds relations, schemas or types"
        )));
    }
    let oid = cx.catalog.allocate_oid();
    let def = DatabaseDef {
        oid,
        name,
        owner,
        is_template,
        allow_conn,
        conn_limit: -1,
        acl: None,
    };
    let change = cx.catalog.create_database(cx.txn, cx.storage, def)?;
    cx.changes.push(change);
    Ok(())
}

fn drop(
    cx: &mut TxnCx<'_>,
    me: u32,
    name: &str,
    if_exists: bool,
    force: bool,
    registry: &crate::activity::Registry,
) -> Result<()> {
    let Some(d) = cx.catalog.database_named(name).cloned() else {
        if if_exists {
            cx.notices.push(Notice::missing_skipped("database", name));
            return Ok(());
        }
        return Err(EngineError::UndefinedDatabase { name: name.into() });
    };
    if !owns(cx.catalog, &d) {
        return Err(denied(format!("must be owner of database {name}")));
    }
    if d.is_template {
        return Err(EngineError::Function {
            code: "42809",
            message: "cannot drop a template database".into(),
        });
    }
    if d.oid == me {
        return Err(EngineError::ObjectInUse {
            message: "cannot drop the currently open database".into(),
        });
    }
    let others = registry
        .entries()
        .iter()
        .filter(|e| e.database == d.oid && (!e.terminated || !force))
        .count();
    if others > 0 {
        return Err(in_use(
            format!("database \"{name}\" is being accessed by other users"),
            others,
        ));
    }
    let mut changes = Vec::new();
    let res = cx
        .catalog
        .drop_database(cx.txn, cx.storage, name, &mut changes);
    cx.changes.extend(changes);
    res
}

fn rename(
    cx: &mut TxnCx<'_>,
    me: u32,
    name: &str,
    to: String,
    registry: &crate::activity::Registry,
) -> Result<()> {
    let Some(d) = cx.catalog.database_named(name).cloned() else {
        return Err(EngineError::UndefinedDatabase { name: name.into() });
    };
    if cx.catalog.database_named(&to).is_some() {
        return Err(EngineError::DuplicateDatabase { name: to });
    }
    if d.oid == me {
        return Err(unsupported("current database cannot be renamed".into()));
    }
    if !owns(cx.catalog, &d) {
        return Err(denied(format!("must be owner of database {name}")));
    }
    if !may_create_db(cx.catalog) {
        return Err(denied("permission denied to rename database".into()));
    }
    let others = registry
        .entries()
        .iter()
        .filter(|e| e.database == d.oid && !e.terminated)
        .count();
    if others > 0 {
        return Err(in_use(
            format!("database \"{name}\" is being accessed by other users"),
            others,
        ));
    }
    let new = DatabaseDef {
        name: to,
        ..(*d).clone()
    };
    let change = cx.catalog.replace_database(cx.txn, cx.storage, name, new)?;
    cx.changes.push(change);
    Ok(())
}

fn set_owner(cx: &mut TxnCx<'_>, name: &str, owner: &str) -> Result<()> {
    let Some(d) = cx.catalog.database_named(name).cloned() else {
        return Err(EngineError::UndefinedDatabase { name: name.into() });
    };
    let owner_name = match owner {
        "current_user" | "current_role" => cx
            .catalog
            .acting()
            .map(|i| i.current_name.clone())
            .unwrap_or_else(|| {
                cx.catalog
                    .roles()
                    .name_of(acting_oid(cx.catalog))
                    .unwrap_or_default()
            }),
        "session_user" => cx
            .catalog
            .acting()
            .map(|i| i.session_name.clone())
            .unwrap_or_else(|| {
                cx.catalog
                    .roles()
                    .name_of(acting_oid(cx.catalog))
                    .unwrap_or_default()
            }),
        n => n.to_owned(),
    };
    let role = cx
        .catalog
        .roles()
        .get(&owner_name)
        .ok_or_else(|| EngineError::UndefinedRole {
            name: owner_name.clone(),
        })?;
    if role.oid == d.owner {
        return Ok(());
    }
    if !acting_superuser(cx.catalog) {
        if !owns(cx.catalog, &d) {
            return Err(denied(format!("must be owner of database {name}")));
        }
        if !cx
            .catalog
            .roles()
            .is_member_of(acting_oid(cx.catalog), role.oid)
        {
            return Err(denied(format!("must be member of role \"{owner_name}\"")));
        }
        if !may_create_db(cx.catalog) {
            return Err(denied(
                "permission denied to change owner of database".into(),
            ));
        }
    }
    let new = DatabaseDef {
        owner: role.oid,
        ..(*d).clone()
    };
    let change = cx.catalog.replace_database(cx.txn, cx.storage, name, new)?;
    cx.changes.push(change);
    Ok(())
}
