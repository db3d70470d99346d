//! DDL of user-defined types: `CREATE TYPE name AS ENUM (...)`, `ALTER TYPE name ADD VALUE
//! [IF NOT EXISTS] 'x' [BEFORE | AFTER 'y']`, `ALTER TYPE name RENAME VALUE 'x' TO 'y'` and
//! `DROP TYPE [IF EXISTS] name, ... [CASCADE | RESTRICT]`, with PostgreSQL 15's errors. The
//! forms not built (composite, range and base types, renaming a type) fail with 0A000.

use super::binder::object_name;
use super::{Outcome, TxnCx};
use crate::catalog::UserType;
use crate::error::{EngineError, Result};
use crate::notice::Notice;
use crate::types::enums::{self, EnumLabel, EnumRef, EnumType, MAX_LABEL_LEN};
use crate::types::DataType;
use sqlparser::ast;
use std::sync::Arc;

fn command(tag: &str) -> Outcome {
    Outcome::Command { tag: tag.into() }
}

fn error(code: &'static str, message: String) -> EngineError {
    EngineError::Function { code, message }
}

fn undefined_type(name: &str) -> EngineError {
    error("42704", format!("type \"{name}\" does not exist"))
}

/// A label as written: a string literal (sqlparser reads it as a quoted identifier);
/// PostgreSQL's grammar takes nothing else.
fn label(i: &ast::Ident) -> Result<String> {
    if i.quote_style != Some('\'') {
        return Err(EngineError::Syntax {
            message: format!("syntax error at or near \"{}\"", i.value),
            position: None,
        });
    }
    if i.value.len() > MAX_LABEL_LEN {
        return Err(EngineError::Detailed {
            code: "42622",
            message: format!("invalid enum label \"{}\"", i.value),
            detail: format!("Labels must be {MAX_LABEL_LEN} bytes or less."),
            hint: None,
        });
    }
    Ok(i.value.clone())
}

/// Whether a built-in type or a relation (whose row type PostgreSQL lists in pg_type)
/// already has the name.
pub(super) fn name_taken(cx: &TxnCx<'_>, name: &str) -> bool {
    cx.catalog.user_type(name).is_some() || cx.catalog.get(name).is_some()
}

/// `CREATE TYPE name AS ENUM ('a', ...)`.
pub fn create_type(
    name: &ast::ObjectName,
    representation: Option<&ast::UserDefinedTypeRepresentation>,
    cx: &mut TxnCx<'_>,
) -> Result<Outcome> {
    let labels = match representation {
        Some(ast::UserDefinedTypeRepresentation::Enum { labels }) => labels,
        Some(ast::UserDefinedTypeRepresentation::Composite { .. }) => {
            return Err(not_built("CREATE TYPE ... AS (composite type)"))
        }
        Some(ast::UserDefinedTypeRepresentation::Range { .. }) => {
            return Err(not_built("CREATE TYPE ... AS RANGE"))
        }
        _ => return Err(not_built("CREATE TYPE of a base or shell type")),
    };
    let name = type_name(name)?;
    if name_taken(cx, &name) {
        return Err(error("42710", format!("type \"{name}\" already exists")));
    }
    let mut names: Vec<String> = Vec::with_capacity(labels.len());
    for l in labels {
        let l = label(l)?;
        if names.contains(&l) {
            // PostgreSQL finds it through pg_enum's unique index on (type, label).
            return Err(EngineError::UniqueViolation {
                constraint: "pg_enum_typid_label_index".into(),
                detail: format!(
                    "Key (enumtypid, enumlabel)=({}, {l}) already exists.",
                    cx.catalog.peek_oid()
                ),
            });
        }
        names.push(l);
    }
    let oid = cx.catalog.allocate_oid();
    let array_oid = cx.catalog.allocate_oid();
    let labels = names
        .into_iter()
        .enumerate()
        .map(|(i, label)| EnumLabel {
            oid: cx.catalog.allocate_oid(),
            sort: (i + 1) as f32,
            label,
        })
        .collect();
    let t = UserType::Enum(EnumRef(Arc::new(EnumType::new(
        oid, array_oid, name, labels,
    ))));
    let change = cx.catalog.create_type(cx.txn, cx.storage, t)?;
    cx.changes.push(change);
    Ok(command("CREATE TYPE"))
}

fn not_built(what: &str) -> EngineError {
    EngineError::FeatureNotSupported {
        feature: what.into(),
    }
}

/// A type name of DDL: `name` or `public.name`.
pub(super) fn type_name(name: &ast::ObjectName) -> Result<String> {
    let full = object_name(name);
    match full.split_once('.') {
        None => Ok(full),
        Some(("public", bare)) => Ok(bare.to_string()),
        Some((schema, _)) => Err(EngineError::UndefinedSchema {
            name: schema.to_string(),
        }),
    }
}

/// The enum type `name` names (42704 if none; 42809 for a type that is not an enum). A
/// built-in type's name names it before a user type's (pg_catalog comes first).
fn enum_type(name: &str, cx: &TxnCx<'_>) -> Result<EnumRef> {
    let not_enum = |t: DataType| error("42809", format!("{} is not an enum", t.base_name()));
    match crate::sql::parse_type_name(name) {
        Ok(t) if t.oid() != DataType::Unknown.oid() => return Err(not_enum(t)),
        _ => {}
    }
    match cx.catalog.user_type(name) {
        Some(UserType::Enum(e)) => Ok(e.clone()),
        Some(t) => Err(not_enum(t.data_type())),
        None => Err(undefined_type(name)),
    }
}

/// `ALTER TYPE name ADD VALUE ...` / `RENAME VALUE ...`.
pub fn alter_type(at: &ast::AlterType, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let name = type_name(&at.name)?;
    let e = enum_type(&name, cx)?;
    let mut labels = e.labels();
    let position = |labels: &[EnumLabel], l: &str| {
        labels
            .iter()
            .position(|x| x.label == l)
            .ok_or_else(|| error("22023", format!("\"{l}\" is not an existing enum label")))
    };
    match &at.operation {
        ast::AlterTypeOperation::AddValue(add) => {
            let new = label(&add.value)?;
            if labels.iter().any(|l| l.label == new) {
                if add.if_not_exists {
                    cx.notices.push(Notice::new(
                        crate::notice::Severity::Notice,
                        "00000",
                        format!("enum label \"{new}\" already exists, skipping"),
                    ));
                    return Ok(command("ALTER TYPE"));
                }
                return Err(error(
                    "42710",
                    format!("enum label \"{new}\" already exists"),
                ));
            }
            let neighbour = match &add.position {
                None => None,
                Some(ast::AlterTypeAddValuePosition::Before(n)) => {
                    Some((position(&labels, &label(n)?)?, true))
                }
                Some(ast::AlterTypeAddValuePosition::After(n)) => {
                    Some((position(&labels, &label(n)?)?, false))
                }
            };
            let Some(sort) = enums::new_sort_position(&labels, neighbour) else {
                return Err(not_built(
                    "ALTER TYPE ... ADD VALUE between labels with no sort position left between them",
                ));
            };
            labels.push(EnumLabel {
                oid: cx.catalog.allocate_oid(),
                sort,
                label: new,
            });
        }
        ast::AlterTypeOperation::RenameValue(r) => {
            let (from, to) = (label(&r.from)?, label(&r.to)?);
            let i = position(&labels, &from)?;
            if from != to && labels.iter().any(|l| l.label == to) {
                return Err(error(
                    "42710",
                    format!("enum label \"{to}\" already exists"),
                ));
            }
            labels[i].label = to;
        }
        ast::AlterTypeOperation::Rename(_) => return Err(not_built("ALTER TYPE ... RENAME TO")),
    }
    let change = cx.catalog.set_enum_labels(cx.txn, cx.storage, &e, labels)?;
    cx.changes.push(change);
    Ok(command("ALTER TYPE"))
}

/// `DROP TYPE [IF EXISTS] name, ... [CASCADE | RESTRICT]`: refused (2BP01) while a column
/// has the type (or an array of it); CASCADE, which would drop those columns, is not built.
pub fn drop_types(
    if_exists: bool,
    names: &[ast::ObjectName],
    cascade: bool,
    cx: &mut TxnCx<'_>,
) -> Result<Outcome> {
    let mut found = Vec::new();
    for n in names {
        let name = type_name(n)?;
        match cx.catalog.user_type(&name) {
            Some(t) => found.push(t.clone()),
            None if if_exists => cx.notices.push(Notice::missing_skipped("type", &name)),
            None => return Err(undefined_type(&name)),
        }
    }
    for t in &found {
        let users = cx.catalog.type_users(t.oid());
        if users.is_empty() {
            continue;
        }
        if cascade {
            return Err(not_built(
                "DROP TYPE ... CASCADE of a type that columns use",
            ));
        }
        let tname = enums::quote_ident(t.name());
        let detail: Vec<String> = users
            .iter()
            .map(|u| format!("{u} depends on type {tname}"))
            .collect();
        return Err(EngineError::Detailed {
            code: "2BP01",
            message: format!("cannot drop type {tname} because other objects depend on it"),
            detail: detail.join("\n"),
            hint: Some("Use DROP ... CASCADE to drop the dependent objects too.".into()),
        });
    }
    for t in found {
        let change = cx.catalog.drop_type(cx.txn, cx.storage, t.name())?;
        cx.changes.push(change);
    }
    Ok(command("DROP TYPE"))
}
