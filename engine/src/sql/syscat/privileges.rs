//! The privilege inquiry functions: `has_table_privilege`, `has_schema_privilege`,
//! `has_database_privilege` and `pg_has_role`. They check what PostgreSQL checks — that the
//! role, the object and each privilege named exist (42704, 42P01, 3F000, 3D000, 22023) —
//! and answer from the ACLs (`relacl`, schema `public`'s) and role memberships: true when
//! the role holds any of the privileges listed. Database privileges are every role's.

use super::funcs::{reg_class_exists, SysFunc};
use super::Snapshot;
use crate::acl;
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
/// first that is not one); returns each privilege's name and whether it asks for the grant
/// option.
fn check_privileges(kind: Object, list: &str) -> Result<Vec<(String, bool)>> {
    let mut out = Vec::new();
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
        out.push((base.to_string(), base.len() != upper.len()));
    }
    Ok(out)
}

/// The privilege bit a privilege name stands for.
fn bit(name: &str) -> u16 {
    match name {
        "SELECT" => acl::SELECT,
        "INSERT" => acl::INSERT,
        "UPDATE" => acl::UPDATE,
        "DELETE" => acl::DELETE,
        "TRUNCATE" => acl::TRUNCATE,
        "REFERENCES" => acl::REFERENCES,
        "TRIGGER" => acl::TRIGGER,
        "USAGE" => acl::USAGE,
        "CREATE" => acl::CREATE,
        _ => 0,
    }
}

/// The role a privilege function asks about (`None`: PUBLIC).
fn role_of(s: &Snapshot, v: Option<&Value>) -> Option<u32> {
    match v {
        None => Some(
            s.identity
                .as_ref()
                .map_or(super::BOOTSTRAP_SUPERUSER, |i| i.current),
        ),
        Some(Value::Text(t)) if t == "public" => None,
        Some(Value::Text(t)) => s.roles.get(t).map(|r| r.oid),
        Some(v) => Some(match v {
            Value::Oid(o) | Value::Reg(_, o, _) => *o,
            v => v.as_i64().map_or(0, |i| i as u32),
        }),
    }
}

/// The user relation `object` names (system relations: `None`).
fn user_table<'s>(s: &'s Snapshot, object: &Value) -> Option<&'s crate::catalog::TableDef> {
    let oid = match object {
        Value::Text(t) => {
            let (schema, name) = match t.split_once('.') {
                Some((a, b)) => (Some(a), b),
                None => (None, t.as_str()),
            };
            s.relation_oid(schema, name)?
        }
        Value::Oid(o) | Value::Reg(_, o, _) => *o,
        v => v.as_i64().map_or(0, |i| i as u32),
    };
    match s.relation(oid)? {
        super::RelRef::Table(t) => Some(t),
        super::RelRef::Index(t, _) => Some(t),
        super::RelRef::System(_) => None,
    }
}

/// Whether `role` (`None`: PUBLIC) holds any of `wanted` on the object.
fn holds(
    s: &Snapshot,
    kind: Object,
    role: Option<u32>,
    object: &Value,
    wanted: &[(String, bool)],
) -> bool {
    let roles = &s.roles;
    let superuser = role
        .and_then(|r| roles.by_oid(r))
        .is_some_and(|r| r.superuser);
    wanted.iter().any(|(name, option)| {
        let b = bit(name);
        match kind {
            Object::Database => true,
            Object::Role => {
                let target = match object {
                    Value::Text(t) => roles.get(t).map(|r| r.oid),
                    Value::Oid(o) | Value::Reg(_, o, _) => Some(*o),
                    v => v.as_i64().map(|i| i as u32),
                };
                match (role, target) {
                    (Some(r), Some(t)) if *option => roles.is_admin_of(r, t),
                    (Some(r), Some(t)) if name == "MEMBER" => superuser || roles.is_member_of(r, t),
                    (Some(r), Some(t)) => roles.has_privs_of(r, t),
                    _ => false,
                }
            }
            _ if superuser => true,
            Object::Schema => {
                let items = match object {
                    Value::Text(t) if t == "public" => roles.public_acl(),
                    Value::Oid(o) if *o == super::PUBLIC => roles.public_acl(),
                    // The system schemas: USAGE for everyone.
                    _ => return b == acl::USAGE && !*option,
                };
                items.iter().any(|i| {
                    let mine = i.grantee == acl::PUBLIC
                        || role.is_some_and(|r| {
                            roles.has_privs_of(r, i.grantee)
                                || (i.grantee == crate::roles::PG_DATABASE_OWNER
                                    && r == crate::roles::BOOTSTRAP_SUPERUSER_OID)
                        });
                    mine && if *option {
                        i.grant_options & b != 0
                    } else {
                        i.privs & b != 0
                    }
                })
            }
            Object::Table => match user_table(s, object) {
                // System catalogs: readable by everyone.
                None => b == acl::SELECT && !*option,
                Some(t) => match role {
                    Some(r) if *option => acl::grant_options(roles, t, r, b) != 0,
                    Some(r) => acl::privileges(roles, t, r, b) != 0,
                    None => acl::effective_acl(t)
                        .iter()
                        .any(|i| i.grantee == acl::PUBLIC && i.privs & b != 0),
                },
            },
        }
    })
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
                Object::Database => s.databases.iter().any(|d| d.oid == o),
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
            if s.databases.iter().any(|d| d.name == text) {
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
        if matches!(r, Value::Text(_)) {
            check_role(s, &r.to_text().unwrap_or_default(), kind != Object::Role)?;
        }
    }
    if !check_object(s, kind, object)? {
        return Ok(Value::Null);
    }
    let wanted = check_privileges(kind, &privileges.to_text().unwrap_or_default())?;
    Ok(Value::Bool(holds(
        s,
        kind,
        role_of(s, role),
        object,
        &wanted,
    )))
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
