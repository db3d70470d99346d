//! `GRANT` / `REVOKE [GRANT OPTION FOR]` of privileges on tables, views and sequences (`ON
//! [TABLE] t, …`, `ON SEQUENCE s, …`, `ON ALL TABLES | SEQUENCES IN SCHEMA public`) and on
//! schema `public` (USAGE, CREATE), to roles or PUBLIC, with PostgreSQL 15's choice of
//! grantor, its warnings when the grantor may grant less than asked, and its errors. Column
//! privileges are refused (0A000). The ACLs change in the statement's transaction (see
//! `crate::acl` for their form).

use super::binder::object_name;
use super::{Outcome, TxnCx};
use crate::acl::{self, AclItem, ALL_SEQUENCE, ALL_TABLE, CREATE, USAGE};
use crate::catalog::{CatalogChange, SchemaDef, TableDef};
use crate::error::{EngineError, Result};
use crate::notice::{Notice, Severity};
use sqlparser::ast;
use std::sync::Arc;

/// What a statement grants or revokes.
struct Change<'s> {
    /// `None`: ALL [PRIVILEGES].
    privileges: Option<Vec<(u16, &'static str)>>,
    grantees: Vec<u32>,
    is_grant: bool,
    /// GRANT: WITH GRANT OPTION; REVOKE: GRANT OPTION FOR.
    option: bool,
    objects: &'s ast::GrantObjects,
}

fn syntax(what: impl std::fmt::Display) -> EngineError {
    EngineError::Syntax {
        message: format!("syntax error at or near \"{what}\""),
        position: None,
    }
}

fn invalid_grant(message: String) -> EngineError {
    EngineError::Function {
        code: "0LP01",
        message,
    }
}

fn no_columns(columns: &Option<Vec<ast::Ident>>) -> Result<()> {
    match columns {
        Some(c) if !c.is_empty() => Err(EngineError::FeatureNotSupported {
            feature: "column privileges".into(),
        }),
        _ => Ok(()),
    }
}

/// The privileges named (bit, name as PostgreSQL spells it in errors).
fn privileges(p: &ast::Privileges) -> Result<Option<Vec<(u16, &'static str)>>> {
    let ast::Privileges::Actions(actions) = p else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for a in actions {
        out.push(match a {
            ast::Action::Select { columns } => {
                no_columns(columns)?;
                (acl::SELECT, "SELECT")
            }
            ast::Action::Insert { columns } => {
                no_columns(columns)?;
                (acl::INSERT, "INSERT")
            }
            ast::Action::Update { columns } => {
                no_columns(columns)?;
                (acl::UPDATE, "UPDATE")
            }
            ast::Action::References { columns } => {
                no_columns(columns)?;
                (acl::REFERENCES, "REFERENCES")
            }
            ast::Action::Delete => (acl::DELETE, "DELETE"),
            ast::Action::Truncate => (acl::TRUNCATE, "TRUNCATE"),
            ast::Action::Trigger => (acl::TRIGGER, "TRIGGER"),
            ast::Action::Usage => (USAGE, "USAGE"),
            ast::Action::Create { obj_type: None } => (CREATE, "CREATE"),
            ast::Action::Connect | ast::Action::Temporary | ast::Action::Execute { .. } => {
                return Err(EngineError::FeatureNotSupported {
                    feature: format!("{a} privileges"),
                })
            }
            other => return Err(syntax(other)),
        });
    }
    Ok(Some(out))
}

fn grantees(cx: &TxnCx<'_>, list: &[ast::Grantee]) -> Result<Vec<u32>> {
    let mut out = Vec::new();
    for g in list {
        let oid = match (&g.grantee_type, &g.name) {
            (ast::GranteesType::Public, _) => acl::PUBLIC,
            (
                ast::GranteesType::None | ast::GranteesType::Role | ast::GranteesType::Group,
                Some(ast::GranteeName::ObjectName(n)),
            ) => {
                let name = object_name(n);
                if name == "public" {
                    acl::PUBLIC
                } else {
                    cx.catalog
                        .roles()
                        .get(&name)
                        .ok_or(EngineError::UndefinedRole { name })?
                        .oid
                }
            }
            _ => return Err(syntax(g)),
        };
        out.push(oid);
    }
    Ok(out)
}

pub(crate) fn grant(g: &ast::Grant, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    if g.granted_by.is_some() || g.as_grantor.is_some() || g.current_grants.is_some() {
        return Err(EngineError::FeatureNotSupported {
            feature: "GRANTED BY".into(),
        });
    }
    let Some(objects) = &g.objects else {
        return Err(syntax("TO"));
    };
    let change = Change {
        privileges: privileges(&g.privileges)?,
        grantees: grantees(cx, &g.grantees)?,
        is_grant: true,
        option: g.with_grant_option,
        objects,
    };
    if change.option && change.grantees.contains(&acl::PUBLIC) {
        return Err(invalid_grant(
            "grant options can only be granted to roles".into(),
        ));
    }
    apply(&change, cx)?;
    Ok(Outcome::Command {
        tag: "GRANT".into(),
    })
}

pub(crate) fn revoke(r: &ast::Revoke, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    if r.granted_by.is_some() {
        return Err(EngineError::FeatureNotSupported {
            feature: "GRANTED BY".into(),
        });
    }
    if matches!(r.cascade, Some(ast::CascadeOption::Cascade)) {
        return Err(EngineError::FeatureNotSupported {
            feature: "REVOKE … CASCADE".into(),
        });
    }
    let Some(objects) = &r.objects else {
        return Err(syntax("FROM"));
    };
    let change = Change {
        privileges: privileges(&r.privileges)?,
        grantees: grantees(cx, &r.grantees)?,
        is_grant: false,
        option: r.grant_option_for,
        objects,
    };
    apply(&change, cx)?;
    Ok(Outcome::Command {
        tag: "REVOKE".into(),
    })
}

/// The schemas `names` name: `public` (None) or user schemas (3F000 for any other name).
fn schemas(cx: &TxnCx<'_>, names: &[ast::ObjectName]) -> Result<Vec<Option<Arc<SchemaDef>>>> {
    let mut out = Vec::new();
    for n in names {
        let name = object_name(n);
        if name == "public" {
            out.push(None);
        } else {
            let s = cx
                .catalog
                .schema(&name)
                .ok_or(EngineError::UndefinedSchema { name })?;
            out.push(Some(s.clone()));
        }
    }
    Ok(out)
}

fn apply(change: &Change<'_>, cx: &mut TxnCx<'_>) -> Result<()> {
    use ast::GrantObjects as O;
    // (relation, named as a sequence)
    let targets: Vec<(Arc<TableDef>, bool)> = match change.objects {
        O::Tables(names) | O::Sequences(names) => {
            let as_sequence = matches!(change.objects, O::Sequences(_));
            let mut out = Vec::new();
            for n in names {
                let name = object_name(n);
                let def = cx
                    .catalog
                    .get(&name)
                    .ok_or_else(|| EngineError::UndefinedTable { name: name.clone() })?;
                if as_sequence && def.sequence.is_none() {
                    return Err(EngineError::WrongObjectType {
                        name,
                        expected: "a sequence",
                    });
                }
                out.push((def, as_sequence));
            }
            out
        }
        O::AllTablesInSchema { schemas: names } | O::AllSequencesInSchema { schemas: names } => {
            let spaces: Vec<u32> = schemas(cx, names)?
                .iter()
                .map(|s| s.as_ref().map_or(0, |s| s.oid))
                .collect();
            let sequences = matches!(change.objects, O::AllSequencesInSchema { .. });
            cx.catalog
                .tables()
                .filter(|t| spaces.contains(&t.temp) && t.sequence.is_some() == sequences)
                .map(|t| (t.clone(), sequences))
                .collect()
        }
        O::Schemas(names) => {
            for schema in schemas(cx, names)? {
                match schema {
                    None => apply_to_public(change, cx)?,
                    Some(s) => apply_to_schema(change, cx, &s.name)?,
                }
            }
            return Ok(());
        }
        other => {
            return Err(EngineError::FeatureNotSupported {
                feature: format!("GRANT ON {other}"),
            })
        }
    };
    for (def, as_sequence) in targets {
        // Re-read: an earlier name of the list may have been the same relation.
        let def = cx.catalog.by_oid(def.oid).unwrap_or(def);
        apply_to_relation(change, &def, as_sequence, cx)?;
    }
    Ok(())
}

/// The privileges asked for on `def`, checked against its kind as PostgreSQL checks them.
fn wanted(
    change: &Change<'_>,
    def: &TableDef,
    as_sequence: bool,
    cx: &mut TxnCx<'_>,
) -> Result<u16> {
    let all = acl::all_rights(def);
    let Some(list) = &change.privileges else {
        return Ok(all);
    };
    let mut bits = 0;
    for &(bit, name) in list {
        if as_sequence && bit & ALL_SEQUENCE == 0 {
            return Err(invalid_grant(format!(
                "invalid privilege type {name} for sequence"
            )));
        }
        if def.sequence.is_none() && bit & ALL_TABLE == 0 {
            return Err(invalid_grant(format!(
                "invalid privilege type {name} for table"
            )));
        }
        bits |= bit;
    }
    if def.sequence.is_some() && bits & !ALL_SEQUENCE != 0 {
        cx.notices.push(Notice::new(
            Severity::Warning,
            "01000",
            format!(
                "sequence \"{}\" only supports USAGE, SELECT, and UPDATE privileges",
                def.name
            ),
        ));
        bits &= ALL_SEQUENCE;
    }
    Ok(bits)
}

/// The grantor and the grant options it holds: the owner (with every grant option) when
/// the current user has the owner's privileges; else, among the current user and the roles
/// whose privileges it has, the one holding (by its own ACL items) all of `wanted`'s grant
/// options, or the most of them, the current user first (PostgreSQL's
/// `select_best_grantor`).
fn grantor_of(cx: &TxnCx<'_>, owner: u32, wanted: u16, items: &[AclItem]) -> (u32, u16) {
    let Some(me) = cx.catalog.acting().map(|i| i.current) else {
        return (owner, u16::MAX);
    };
    let roles = cx.catalog.roles();
    if roles.has_privs_of(me, owner)
        || (owner == crate::roles::PG_DATABASE_OWNER && me == crate::roles::BOOTSTRAP_SUPERUSER_OID)
    {
        return (owner, u16::MAX);
    }
    let direct = |role: u32| {
        items
            .iter()
            .filter(|i| i.grantee == role || i.grantee == acl::PUBLIC)
            .fold(0u16, |a, i| a | i.grant_options)
    };
    let mut best = (me, direct(me));
    if best.1 & wanted == wanted {
        return best;
    }
    for r in roles.all() {
        if r.oid == me || !roles.has_privs_of(me, r.oid) {
            continue;
        }
        let options = direct(r.oid);
        if options & wanted == wanted {
            return (r.oid, options);
        }
        if (options & wanted).count_ones() > (best.1 & wanted).count_ones() {
            best = (r.oid, options);
        }
    }
    best
}

/// REVOKE of privileges (or their grant options) that the grantees passed on: 2BP01, as
/// PostgreSQL's RESTRICT (Quill has no CASCADE).
fn refuse_dependent(change: &Change<'_>, items: &[AclItem], privs: u16) -> Result<()> {
    if change.is_grant {
        return Ok(());
    }
    let depended = items.iter().any(|i| {
        i.grantee != acl::PUBLIC && change.grantees.contains(&i.grantor) && i.privs & privs != 0
    });
    if depended {
        return Err(EngineError::Detailed {
            code: "2BP01",
            message: "dependent privileges exist".into(),
            detail: String::new(),
            hint: Some("Use CASCADE to revoke them too.".into()),
        });
    }
    Ok(())
}

/// What may be granted of `wanted` with `options`, with PostgreSQL's warnings (a grantor
/// without any privilege on the object gets 42501 from the caller).
fn restrict(cx: &mut TxnCx<'_>, change: &Change<'_>, wanted: u16, options: u16, name: &str) -> u16 {
    let granted = wanted & options;
    let all = change.privileges.is_none();
    let (code, none, some) = if change.is_grant {
        (
            "01007",
            format!("no privileges were granted for \"{name}\""),
            format!("not all privileges were granted for \"{name}\""),
        )
    } else {
        (
            "01006",
            format!("no privileges could be revoked for \"{name}\""),
            format!("not all privileges could be revoked for \"{name}\""),
        )
    };
    if granted == 0 {
        cx.notices.push(Notice::new(Severity::Warning, code, none));
    } else if !all && granted != wanted {
        cx.notices.push(Notice::new(Severity::Warning, code, some));
    }
    granted
}

/// Applies the change to `acl` for every grantee.
fn change_acl(change: &Change<'_>, acl: &mut Vec<AclItem>, grantor: u32, privs: u16) {
    for &grantee in &change.grantees {
        if change.is_grant {
            let options = if change.option { privs } else { 0 };
            acl::grant(acl, grantee, grantor, privs, options);
        } else {
            acl::revoke(acl, grantee, grantor, privs, change.option);
        }
    }
}

fn apply_to_relation(
    change: &Change<'_>,
    def: &Arc<TableDef>,
    as_sequence: bool,
    cx: &mut TxnCx<'_>,
) -> Result<()> {
    let wanted = wanted(change, def, as_sequence, cx)?;
    let roles = cx.catalog.roles().clone();
    let mut items = acl::effective_acl(def);
    let (grantor, options) = grantor_of(cx, def.owner, wanted, &items);
    if options & wanted == 0 {
        let me = cx.catalog.acting().map_or(0, |i| i.current);
        let any = acl::privileges(&roles, def, me, u16::MAX) != 0
            || acl::grant_options(&roles, def, me, u16::MAX) != 0;
        if !any {
            return Err(acl::denied(def));
        }
    }
    let privs = restrict(cx, change, wanted, options, &def.name);
    if privs == 0 {
        return Ok(());
    }
    refuse_dependent(change, &items, privs)?;
    let mut new = (**def).clone();
    change_acl(change, &mut items, grantor, privs);
    new.acl = Some(items);
    let c = cx.catalog.replace(cx.txn, cx.storage, new)?;
    cx.changes.push(c);
    Ok(())
}

/// The privileges a GRANT / REVOKE on a schema names (all of USAGE and CREATE when it says
/// ALL); 0LP01 for others.
fn schema_privileges(change: &Change<'_>) -> Result<u16> {
    let mut wanted = 0;
    match &change.privileges {
        None => wanted = USAGE | CREATE,
        Some(list) => {
            for &(bit, name) in list {
                if bit & (USAGE | CREATE) == 0 {
                    return Err(invalid_grant(format!(
                        "invalid privilege type {name} for schema"
                    )));
                }
                wanted |= bit;
            }
        }
    }
    Ok(wanted)
}

/// GRANT / REVOKE on user schema `name`: its ACL (`nspacl`) as PostgreSQL changes it.
fn apply_to_schema(change: &Change<'_>, cx: &mut TxnCx<'_>, name: &str) -> Result<()> {
    let wanted = schema_privileges(change)?;
    let Some(schema) = cx.catalog.schema(name).cloned() else {
        return Err(EngineError::UndefinedSchema { name: name.into() });
    };
    let current = schema.acl.clone().unwrap_or_else(|| {
        vec![AclItem {
            grantee: schema.owner,
            grantor: schema.owner,
            privs: USAGE | CREATE,
            grant_options: 0,
        }]
    });
    let (grantor, options) = grantor_of(cx, schema.owner, wanted, &current);
    let privs = restrict(cx, change, wanted, options, name);
    if privs == 0 {
        return Ok(());
    }
    let mut items = current;
    change_acl(change, &mut items, grantor, privs);
    let mut new = (*schema).clone();
    new.acl = Some(items);
    let c = cx.catalog.replace_schema(cx.txn, cx.storage, name, new)?;
    cx.changes.push(c);
    Ok(())
}

fn apply_to_public(change: &Change<'_>, cx: &mut TxnCx<'_>) -> Result<()> {
    let wanted = schema_privileges(change)?;
    let owner = crate::roles::PG_DATABASE_OWNER;
    cx.catalog.lock_entry(crate::catalog::ObjKey::PublicAcl)?;
    let current = cx.catalog.roles().public_acl();
    let (grantor, options) = grantor_of(cx, owner, wanted, &current);
    let privs = restrict(cx, change, wanted, options, "public");
    if privs == 0 {
        return Ok(());
    }
    let mut items = current;
    change_acl(change, &mut items, grantor, privs);
    let old = cx
        .catalog
        .roles_mut()
        .set_public_acl(cx.txn, cx.storage, items)?;
    cx.changes.push(CatalogChange::PublicAcl(old));
    Ok(())
}
