//! `pg_policy` and `pg_policies`: the row-level security policies of the tables in the
//! snapshot, and `relrowsecurity` / `relforcerowsecurity` / `rowsecurity` of their tables.
//!
//! A policy's clauses are shown from their stored SQL text; PostgreSQL shows a deparsed
//! expression, which wraps an operator expression in parentheses: so is the text of a
//! clause whose top level is a binary operator here (nested ones are shown as written).

use super::columns::{self as c};
use super::{b, ch, fill, name, oid, text, Snapshot};
use crate::catalog::{PolicyDef, TableDef};
use crate::types::array::ArrayValue;
use crate::types::{DataType, Value};

/// A clause's text as `pg_get_expr` would show it (see the module comment).
fn shown(sql: &Option<String>) -> Value {
    let Some(sql) = sql else {
        return Value::Null;
    };
    match crate::sql::parse_expr(sql) {
        Ok(sqlparser::ast::Expr::BinaryOp { .. }) => text(&format!("({sql})")),
        _ => text(sql),
    }
}

fn array(ty: DataType, items: Vec<Value>) -> Value {
    Value::Array(Box::new(ArrayValue::from_items(ty, items)))
}

/// Every (table, policy) of the snapshot.
fn policies(s: &Snapshot) -> impl Iterator<Item = (&TableDef, &PolicyDef)> {
    s.tables
        .iter()
        .flat_map(|t| t.rls.policies.iter().map(move |p| (&**t, p)))
}

pub fn pg_policy(s: &Snapshot) -> Vec<Vec<Value>> {
    policies(s)
        .map(|(t, p)| {
            let roles = p.roles.iter().map(|&r| oid(r)).collect();
            fill(
                c::PG_POLICY,
                vec![
                    ("oid", oid(p.oid)),
                    ("polname", name(&p.name)),
                    ("polrelid", oid(t.oid)),
                    ("polcmd", ch(p.cmd.code())),
                    ("polpermissive", b(p.permissive)),
                    ("polroles", array(DataType::Oid, roles)),
                    ("polqual", shown(&p.using)),
                    ("polwithcheck", shown(&p.check)),
                ],
            )
        })
        .collect()
}

pub fn pg_policies(s: &Snapshot) -> Vec<Vec<Value>> {
    policies(s)
        .map(|(t, p)| {
            let roles = p
                .roles
                .iter()
                .map(|&r| match r {
                    crate::acl::PUBLIC => name("public"),
                    _ => name(&s.role_name(r).unwrap_or_default()),
                })
                .collect();
            let schema = s.namespace_name(s.namespace_of(t)).unwrap_or_default();
            fill(
                c::PG_POLICIES,
                vec![
                    ("schemaname", name(&schema)),
                    ("tablename", name(&t.name)),
                    ("policyname", name(&p.name)),
                    (
                        "permissive",
                        text(if p.permissive {
                            "PERMISSIVE"
                        } else {
                            "RESTRICTIVE"
                        }),
                    ),
                    ("roles", array(DataType::Name, roles)),
                    ("cmd", text(p.cmd.name())),
                    ("qual", shown(&p.using)),
                    ("with_check", shown(&p.check)),
                ],
            )
        })
        .collect()
}

/// Sets a user table's `relrowsecurity` / `relforcerowsecurity` in its `pg_class` row.
pub fn set_row_security(row: &mut [Value], t: &TableDef) {
    for (col, v) in [
        ("relrowsecurity", t.rls.enabled),
        ("relforcerowsecurity", t.rls.forced),
    ] {
        if let Some(i) = c::PG_CLASS.iter().position(|c| c.0 == col) {
            row[i] = b(v);
        }
    }
}
