//! The privilege inquiry functions: `has_table_privilege`, `has_schema_privilege`,
//! `has_database_privilege` and `pg_has_role`. They check what PostgreSQL checks — that the
//! role, the object and each privilege named exist (42704, 42P01, 3F000, 3D000, 22023) —
//! and answer true: Quill keeps no privileges yet, every role may do everything.

use super::funcs::{reg_class_exists, SysFunc};
use super::Snapshot;
use crate::error::{EngineError, Result};
use crate::types::Value;

/// What kind of object a privilege function asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Object {
    Table,
    Schema,
    Database,
    Role,
}

impl Object {
    /// The privileges PostgreSQL 15 accepts for the object kind.
    fn privileges(self) -> &'static [&'static str] {
        match self {
            Object::Table => &[
                "SELECT",
                "INSERT",
                "UPDATE",
                "DELETE",
                "TRUNCATE",
                "REFERENCES",
                "TRIGGER",
            ],
            Object::Schema => &["CREATE", "USAGE"],
            Object::Database => &["CREATE", "CONNECT", "TEMPORARY", "TEMP"],
            Object::Role => &["MEMBER", "USAGE"],
        }
    }

    /// The option a privilege may be asked with.
    fn option(self) -> &'static str {
        match self {
            Object::Role => "WITH ADMIN OPTION",
            _ => "WITH GRANT OPTION",
        }
    }
}

/// Checks a privilege list such as `'SELECT, INSERT WITH GRANT OPTION'` (22023 naming the
/// first that is not one).
fn check_privileges(kind: Object, list: &str) -> Result<()> {
    for chunk in list.split(',') {
        let p = chunk.trim_matches(|c: char| c.is_ascii_whitespace());
        let upper = p.to_ascii_uppercase();
        let base = upper
            .strip_suffix(kind.option())
            .or_else(|| {
                // pg_has_role also takes WITH GRANT OPTION as a synonym.
                (kind == Object::Role)
                    .then(|| upper.strip_suffix("WITH GRANT OPTION"))
                    .flatten()
            })
            .map_or(upper.as_str(), |b| b.trim_end());
        if !kind.privileges().contains(&base) {
            return Err(EngineError::InvalidParameterValue {
                message: format!("unrecognized privilege type: \"{p}\""),
            });
        }
    }
    Ok(())
}

/// Whether role `name` exists (`public` stands for every role where PostgreSQL allows it).
fn check_role(s: &Snapshot, name: &str, public_ok: bool) -> Result<()> {
    let known = s.roles.get(name).is_some() || (public_ok && name == "public");
    if known {
        Ok(())
    } else {
        Err(EngineError::Function {
            code: "42704",
            message: format!("role \"{name}\" does not exist"),
        })
    }
}

/// Whether the object named (or numbered) by `v` exists: `Ok(false)` for an OID that names
/// nothing (the function then returns NULL), an error for a name that names nothing.
fn check_object(s: &Snapshot, kind: Object, v: &Value) -> Result<bool> {
    let text = match v {
        Value::Text(t) => t.clone(),
        v => {
            let o = match v {
                Value::Oid(o) | Value::Reg(_, o, _) => *o,
                v => v.as_i64().map_or(0, |i| i as u32),
            };
            return Ok(match kind {
                Object::Table => s.relation(o).is_some(),
                Object::Schema => s.namespace_name(o).is_some(),
                Object::Database => o == super::DATABASE_OID,
                Object::Role => s.roles.by_oid(o).is_some(),
            });
        }
    };
    match kind {
        Object::Table => reg_class_exists(s, &text).map(|()| true),
        Object::Schema => {
            if s.namespaces().iter().any(|(_, n, _)| *n == text) {
                Ok(true)
            } else {
                Err(EngineError::Function {
                    code: "3F000",
                    message: format!("schema \"{text}\" does not exist"),
                })
            }
        }
        Object::Database => {
            if text == super::database_name() {
                Ok(true)
            } else {
                Err(EngineError::Function {
                    code: "3D000",
                    message: format!("database \"{text}\" does not exist"),
                })
            }
        }
        Object::Role => check_role(s, &text, false).map(|()| true),
    }
}

/// Evaluates a privilege function: `(object, privileges)` or `(role, object, privileges)`.
pub fn call(func: SysFunc, s: &Snapshot, args: &[Value]) -> Result<Value> {
    let kind = match func {
        SysFunc::HasTablePrivilege => Object::Table,
        SysFunc::HasSchemaPrivilege => Object::Schema,
        SysFunc::HasDatabasePrivilege => Object::Database,
        SysFunc::PgHasRole => Object::Role,
        _ => {
            return Err(EngineError::Internal {
                reason: "not a privilege function",
            })
        }
    };
    let (role, object, privileges) = match args {
        [o, p] => (None, o, p),
        [r, o, p] => (Some(r), o, p),
        _ => {
            return Err(EngineError::Internal {
                reason: "privilege function with a wrong argument count",
            })
        }
    };
    if let Some(r) = role {
        check_role(s, &r.to_text().unwrap_or_default(), kind != Object::Role)?;
    }
    if !check_object(s, kind, object)? {
        return Ok(Value::Null);
    }
    check_privileges(kind, &privileges.to_text().unwrap_or_default())?;
    Ok(Value::Bool(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privilege_lists_parse_as_postgres() {
        assert!(check_privileges(Object::Table, "select").is_ok());
        assert!(check_privileges(Object::Table, " Select , INSERT WITH GRANT OPTION").is_ok());
        assert!(check_privileges(Object::Role, "member with admin option").is_ok());
        assert!(check_privileges(Object::Database, "temp, connect").is_ok());
        let e = check_privileges(Object::Schema, "select").err();
        assert_eq!(
            e.map(|e| (e.sqlstate(), e.to_string())),
            Some((
                "22023",
                "unrecognized privilege type: \"select\"".to_string()
            ))
        );
        assert!(check_privileges(Object::Table, "select,").is_err());
    }
}
