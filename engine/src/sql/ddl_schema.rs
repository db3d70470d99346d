//! `CREATE SCHEMA`, `DROP SCHEMA` and `ALTER SCHEMA … RENAME TO / OWNER TO`, with
//! PostgreSQL 15's checks, messages and CASCADE behaviour. The schemas themselves are
//! catalog rows (see `catalog::schemas`); a relation lives in a schema through its
//! namespace number (see `catalog::TableDef::temp`).

use super::binder::ident_name;
use super::{Outcome, TxnCx};
use crate::catalog::{SchemaDef, TableDef};
use crate::error::{EngineError, Result};
use crate::notice::{Notice, Severity};
use sqlparser::ast;
use std::sync::Arc;

/// Schemas the engine provides (none of them can be created, dropped or altered).
const FIXED: &[&str] = &["public", "pg_catalog", "information_schema", "pg_toast"];

fn command(tag: &str) -> Outcome {
    Outcome::Command { tag: tag.into() }
}

/// The one-part name of a schema (42601 for a qualified one, as PostgreSQL's grammar).
fn schema_name(name: &ast::ObjectName) -> Result<String> {
    match name.0.as_slice() {
        [ast::ObjectNamePart::Identifier(i)] => Ok(ident_name(i)),
        _ => Err(EngineError::Syntax {
            message: format!("syntax error at or near \"{name}\""),
            position: None,
        }),
    }
}

/// 42939 for a name with the reserved `pg_` prefix.
fn check_reserved(name: &str) -> Result<()> {
    if name.starts_with("pg_") {
        return Err(EngineError::Detailed {
            code: "42939",
            message: format!("unacceptable schema name \"{name}\""),
            detail: "The prefix \"pg_\" is reserved for system schemas.".into(),
            hint: None,
        });
    }
    Ok(())
}

/// 42501 unless the acting role has CREATE on the database (only superusers do: the
/// database's owner is the bootstrap superuser and nothing grants it).
fn require_create_on_database(cx: &TxnCx<'_>) -> Result<()> {
    if crate::acl::acting_superuser(cx.catalog) {
        return Ok(());
    }
    Err(EngineError::InsufficientPrivilege {
        message: format!(
            "permission denied for database {}",
            cx.catalog.database_name()
        ),
    })
}

/// 42501 unless the acting role is a member of `role` (superusers are).
fn require_member_of(cx: &TxnCx<'_>, role: u32) -> Result<()> {
    if crate::acl::acting_superuser(cx.catalog) {
        return Ok(());
    }
    let me = cx.catalog.acting().map_or(0, |i| i.current);
    if cx.catalog.roles().is_member_of(me, role) {
        return Ok(());
    }
    let name = cx.catalog.roles().name_of(role).unwrap_or_default();
    Err(EngineError::InsufficientPrivilege {
        message: format!("must be member of role \"{name}\""),
    })
}

/// 42501 "must be owner of schema s" unless the acting role owns `schema`.
fn require_owner(cx: &TxnCx<'_>, schema: &SchemaDef) -> Result<()> {
    match cx.catalog.acting() {
        Some(i) if !cx.catalog.roles().has_privs_of(i.current, schema.owner) => {
            Err(EngineError::InsufficientPrivilege {
                message: format!("must be owner of schema {}", schema.name),
            })
        }
        _ => Ok(()),
    }
}

/// The user schema `name` for DROP / ALTER: 3F000 when there is none; 0A000 for the
/// schemas the engine provides.
fn existing(cx: &TxnCx<'_>, name: &str, doing: &str) -> Result<Option<Arc<SchemaDef>>> {
    if let Some(s) = cx.catalog.schema(name) {
        return Ok(Some(s.clone()));
    }
    if FIXED.contains(&name) {
        return Err(EngineError::FeatureNotSupported {
            feature: format!("{doing} schema {name}"),
        });
    }
    Ok(None)
}

/// `CREATE SCHEMA [IF NOT EXISTS] name [AUTHORIZATION role]` and `CREATE SCHEMA
/// AUTHORIZATION role` (the schema named after the role).
pub fn create_schema(stmt: &ast::Statement, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let ast::Statement::CreateSchema {
        schema_name: spec,
        or_replace,
        if_not_exists,
        with,
        options,
        default_collate_spec,
        clone,
    } = stmt
    else {
        return Err(EngineError::Internal {
            reason: "create_schema called for another statement",
        });
    };
    if *or_replace || with.is_some() || options.is_some() || default_collate_spec.is_some() {
        return Err(EngineError::Syntax {
            message: "syntax error in CREATE SCHEMA".into(),
            position: None,
        });
    }
    if clone.is_some() {
        return Err(EngineError::FeatureNotSupported {
            feature: "CREATE SCHEMA … CLONE".into(),
        });
    }
    let role_of = |cx: &TxnCx<'_>, ident: &ast::Ident| -> Result<(String, u32)> {
        let name = ident_name(ident);
        let role = match name.as_str() {
            // The grammar's RoleSpec keywords (an unquoted one).
            "current_user" | "current_role" | "session_user" if ident.quote_style.is_none() => {
                let acting = cx.catalog.acting();
                let boot = crate::roles::BOOTSTRAP_SUPERUSER_OID;
                let oid = match name.as_str() {
                    "session_user" => acting.map_or(boot, |i| i.session),
                    _ => acting.map_or(boot, |i| i.current),
                };
                cx.catalog.roles().by_oid(oid)
            }
            _ => cx.catalog.roles().get(&name),
        };
        let role = role.ok_or(EngineError::UndefinedRole { name })?;
        Ok((role.name.clone(), role.oid))
    };
    let (name, owner) = match spec {
        ast::SchemaName::Simple(n) => (schema_name(n)?, crate::acl::creator(cx.catalog)),
        ast::SchemaName::UnnamedAuthorization(role) => role_of(cx, role)?,
        ast::SchemaName::NamedAuthorization(n, role) => (schema_name(n)?, role_of(cx, role)?.1),
    };
    require_create_on_database(cx)?;
    require_member_of(cx, owner)?;
    check_reserved(&name)?;
    if FIXED.contains(&name.as_str()) || cx.catalog.schema(&name).is_some() {
        if *if_not_exists {
            cx.notices.push(Notice::new(
                Severity::Notice,
                "42P06",
                format!("schema \"{name}\" already exists, skipping"),
            ));
            return Ok(command("CREATE SCHEMA"));
        }
        return Err(EngineError::DuplicateSchema { name });
    }
    let oid = cx.catalog.allocate_oid();
    let def = SchemaDef {
        oid,
        db: cx.catalog.database(),
        name,
        owner,
        acl: None,
    };
    let change = cx.catalog.create_schema(cx.txn, cx.storage, def)?;
    cx.changes.push(change);
    Ok(command("CREATE SCHEMA"))
}

/// What a relation is called in dependency messages: `table s.t`, `view s.v`, … (the
/// schema left out when the search path finds the relation by its bare name).
fn describe(cx: &TxnCx<'_>, t: &TableDef) -> String {
    let noun = if t.view.is_some() {
        "view"
    } else if t.sequence.is_some() {
        "sequence"
    } else {
        "table"
    };
    format!("{noun} {}", display_name(cx, t))
}

fn display_name(cx: &TxnCx<'_>, t: &TableDef) -> String {
    if cx.catalog.get(&t.name).is_some_and(|v| v.oid == t.oid) {
        t.name.clone()
    } else {
        format!("{}.{}", cx.catalog.space_name(t.temp), t.name)
    }
}

/// `DROP SCHEMA [IF EXISTS] a, b [CASCADE | RESTRICT]`: 2BP01 listing what is in a schema
/// without CASCADE; with it, the relations go too, reported in one NOTICE.
pub fn drop_schemas(
    if_exists: bool,
    names: &[ast::ObjectName],
    cascade: bool,
    cx: &mut TxnCx<'_>,
) -> Result<Outcome> {
    let mut schemas: Vec<Arc<SchemaDef>> = Vec::new();
    // Every name is looked up before any is refused, as PostgreSQL resolves them first.
    let mut fixed = None;
    for n in names {
        let name = schema_name(n)?;
        if FIXED.contains(&name.as_str()) {
            fixed.get_or_insert(name);
            continue;
        }
        match existing(cx, &name, "dropping")? {
            Some(s) => {
                require_owner(cx, &s)?;
                if !schemas.iter().any(|x| x.oid == s.oid) {
                    schemas.push(s);
                }
            }
            None if if_exists => cx.notices.push(Notice::missing_skipped("schema", &name)),
            None => return Err(EngineError::UndefinedSchema { name }),
        }
    }
    if let Some(name) = fixed {
        return Err(EngineError::FeatureNotSupported {
            feature: format!("dropping schema {name}"),
        });
    }
    // The relations in the schemas, oldest first; a sequence a column owns goes with its
    // table and is not listed (PostgreSQL's auto dependency).
    let mut members: Vec<Arc<TableDef>> = cx
        .catalog
        .tables()
        .filter(|t| schemas.iter().any(|s| s.oid == t.temp))
        .cloned()
        .collect();
    members.sort_by_key(|t| t.oid);
    let listed: Vec<&Arc<TableDef>> = members
        .iter()
        .filter(|t| t.sequence.as_ref().and_then(|q| q.owned_by).is_none())
        .collect();
    if !listed.is_empty() {
        if !cascade {
            let lines: Vec<String> = listed
                .iter()
                .map(|t| {
                    let schema = cx.catalog.space_name(t.temp);
                    format!("{} depends on schema {schema}", describe(cx, t))
                })
                .collect();
            let message = match schemas.as_slice() {
                [one] => format!(
                    "cannot drop schema {} because other objects depend on it",
                    one.name
                ),
                _ => "cannot drop desired object(s) because other objects depend on them".into(),
            };
            return Err(EngineError::Detailed {
                code: "2BP01",
                message,
                detail: lines.join("\n"),
                hint: Some("Use DROP ... CASCADE to drop the dependent objects too.".into()),
            });
        }
        // Each table, then the foreign keys of tables elsewhere that reference it.
        let mut drops: Vec<String> = Vec::new();
        for t in &listed {
            drops.push(format!("drop cascades to {}", describe(cx, t)));
            for (r, fk) in cx.catalog.referencing(t.oid) {
                if !members.iter().any(|m| m.oid == r.oid) {
                    drops.push(format!(
                        "drop cascades to constraint {} on table {}",
                        fk.name,
                        display_name(cx, &r)
                    ));
                }
            }
        }
        let notice = match drops.as_slice() {
            [one] => Notice::new(Severity::Notice, "00000", one.clone()),
            _ => Notice::new(
                Severity::Notice,
                "00000",
                format!("drop cascades to {} other objects", drops.len()),
            )
            .with_detail(drops.join("\n")),
        };
        cx.notices.push(notice);
    }
    let tables: Vec<Arc<TableDef>> = members
        .iter()
        .filter(|t| t.sequence.is_none() && t.view.is_none())
        .cloned()
        .collect();
    // Constraints of tables elsewhere that reference the dropped tables go with them (the
    // notice above reported them).
    let reported = cx.notices.len();
    super::fkey::depend::drop_tables(cx, &tables, true)?;
    cx.notices.truncate(reported);
    for t in members {
        // Gone already (an owned sequence dropped with its table), or changed since.
        let Some(current) = cx.catalog.by_oid(t.oid) else {
            continue;
        };
        crate::temp::drop_relation(cx, &current)?;
    }
    for s in schemas {
        let change = cx.catalog.drop_schema(cx.txn, cx.storage, &s.name)?;
        cx.changes.push(change);
    }
    Ok(command("DROP SCHEMA"))
}

/// `ALTER SCHEMA name RENAME TO new` and `ALTER SCHEMA name OWNER TO role`.
pub fn alter_schema(a: &ast::AlterSchema, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let name = schema_name(&a.name)?;
    let ([op], false) = (a.operations.as_slice(), a.if_exists) else {
        return Err(EngineError::Syntax {
            message: "ALTER SCHEMA takes one action".into(),
            position: None,
        });
    };
    let Some(schema) = existing(cx, &name, "altering")? else {
        return Err(EngineError::UndefinedSchema { name });
    };
    let mut new = (*schema).clone();
    match op {
        ast::AlterSchemaOperation::Rename { name: to } => {
            let to = schema_name(to)?;
            if FIXED.contains(&to.as_str()) || cx.catalog.schema(&to).is_some() {
                return Err(EngineError::DuplicateSchema { name: to });
            }
            require_owner(cx, &schema)?;
            require_create_on_database(cx)?;
            check_reserved(&to)?;
            new.name = to;
        }
        ast::AlterSchemaOperation::OwnerTo { owner } => {
            let role = super::owner::new_owner(cx, owner)?;
            if role == schema.owner {
                return Ok(command("ALTER SCHEMA"));
            }
            if !crate::acl::acting_superuser(cx.catalog) {
                require_owner(cx, &schema)?;
                require_member_of(cx, role)?;
                require_create_on_database(cx)?;
            }
            new.acl = new
                .acl
                .map(|acl| crate::acl::new_owner(&acl, schema.owner, role));
            new.owner = role;
        }
        other => {
            return Err(EngineError::Syntax {
                message: format!("syntax error in ALTER SCHEMA at \"{other}\""),
                position: None,
            })
        }
    }
    let change = cx
        .catalog
        .replace_schema(cx.txn, cx.storage, &schema.name, new)?;
    cx.changes.push(change);
    Ok(command("ALTER SCHEMA"))
}
