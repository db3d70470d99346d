//! `ALTER TABLE … SET SCHEMA s`: the table moves to another namespace with its indexes and
//! the sequences its columns own, keeping its OID (so foreign keys, which name tables by
//! OID, follow it), with PostgreSQL 15's checks.

use super::binder::ident_name;
use super::{Outcome, TxnCx};
use crate::catalog::{is_temp_space, TableDef};
use crate::error::{EngineError, Result};
use sqlparser::ast;
use std::sync::Arc;

/// The schema an ALTER TABLE parsed from `… SET SCHEMA s` names (see
/// `pgsyntax::SET_SCHEMA_MARKER`), if it is one.
pub(super) fn target(at: &ast::AlterTable) -> Option<&ast::Ident> {
    match at.operations.as_slice() {
        [ast::AlterTableOperation::SetOptionsParens { options }] => match options.as_slice() {
            [ast::SqlOption::KeyValue {
                key,
                value: ast::Expr::Identifier(schema),
            }] if matches!(
                key.0.as_slice(),
                [ast::ObjectNamePart::Identifier(k)]
                    if k.quote_style.is_some() && k.value == super::pgsyntax::SET_SCHEMA_MARKER
            ) =>
            {
                Some(schema)
            }
            _ => None,
        },
        _ => None,
    }
}

fn temp_refused() -> EngineError {
    EngineError::FeatureNotSupported {
        feature: "cannot move objects into or out of temporary schemas".into(),
    }
}

/// Moves `table` (owned by the acting role: the caller checked) to schema `schema`.
pub(super) fn set_schema(
    table: &Arc<TableDef>,
    schema: &ast::Ident,
    cx: &mut TxnCx<'_>,
) -> Result<Outcome> {
    let name = ident_name(schema);
    let ns = match name.as_str() {
        "pg_temp" => return Err(temp_refused()),
        n if n.starts_with("pg_temp_") => return Err(temp_refused()),
        "pg_catalog" | "information_schema" | "pg_toast" => {
            return Err(EngineError::FeatureNotSupported {
                feature: format!("moving relations into schema {name}"),
            })
        }
        n => cx
            .catalog
            .space_of(n)
            .ok_or(EngineError::UndefinedSchema { name: name.clone() })?,
    };
    if table.is_temp() || is_temp_space(ns) {
        return Err(temp_refused());
    }
    if ns == 0 {
        crate::acl::require_create_in_public(cx.catalog)?;
    } else {
        crate::acl::require_create_in_schema(cx.catalog, ns)?;
    }
    if ns == table.temp {
        return Ok(done());
    }
    let mut moving = vec![table.clone()];
    moving.extend(
        cx.catalog
            .tables()
            .filter(|t| {
                t.temp == table.temp
                    && t.sequence.as_ref().and_then(|s| s.owned_by) == Some(table.oid)
            })
            .cloned(),
    );
    for t in &moving {
        let names = std::iter::once(&t.name).chain(t.indexes.iter().map(|i| &i.name));
        for n in names {
            if cx.catalog.name_taken(ns, n) {
                return Err(EngineError::Detailed {
                    code: "42P07",
                    message: format!("relation \"{n}\" already exists in schema \"{name}\""),
                    detail: String::new(),
                    hint: None,
                });
            }
        }
    }
    // Defaults drawing from a moving sequence name it in its new schema.
    let renamed: Vec<(String, String)> = moving
        .iter()
        .filter(|t| t.sequence.is_some())
        .map(|s| {
            (
                super::ddl_seq::serial_default(cx, s.temp, &s.name),
                super::ddl_seq::serial_default(cx, ns, &s.name),
            )
        })
        .collect();
    for t in moving {
        let change = cx.catalog.drop_table(cx.txn, cx.storage, &t)?;
        cx.changes.push(change);
        let mut def = (*t).clone();
        def.temp = ns;
        for c in &mut def.columns {
            if let Some((_, new)) = renamed
                .iter()
                .find(|(old, _)| c.default.as_ref() == Some(old))
            {
                c.default = Some(new.clone());
            }
        }
        let change = cx.catalog.create(cx.txn, cx.storage, def)?;
        cx.changes.push(change);
    }
    Ok(done())
}

fn done() -> Outcome {
    Outcome::Command {
        tag: "ALTER TABLE".into(),
    }
}
