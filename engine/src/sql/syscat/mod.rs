//! The system catalogs as clients read them: the `pg_catalog` relations and the
//! `information_schema` views, computed from the catalog when a statement is bound
//! (read-only; the catalog cannot change within a statement), schema-qualified name
//! resolution (`pg_catalog.x`, `information_schema.x`, `public.t`), the catalog functions
//! (`format_type`, `pg_get_indexdef`, ...; see `funcs`) and the OID alias casts.
//!
//! OIDs: user relations and indexes carry their catalog OIDs; system relations, namespaces,
//! types, access methods and roles use PostgreSQL 15's OIDs. Objects the catalog keeps no
//! OID for get derived ones (see `rows::constraint_oid`, `rows::attrdef_oid`), stable as long
//! as the definitions are.

mod admin;
mod advisory;
mod columns;
pub mod funcs;
mod infoschema;
mod policies;
mod privileges;
mod rows;
mod types;

use crate::catalog::{Catalog, TableDef};
use crate::error::{EngineError, Result};
use crate::sql::expr::Expr;
use crate::sql::plan::Plan;
use crate::types::{DataType, Value};
use columns::Col;
use std::sync::Arc;

pub use funcs::{SysCall, SysFunc};

/// Namespace OIDs (PostgreSQL 15's; information_schema's is assigned at initdb).
pub const PG_CATALOG: u32 = 11;
pub const PG_TOAST: u32 = 99;
pub const PUBLIC: u32 = 2200;
pub const INFORMATION_SCHEMA: u32 = 13207;

/// The namespaces: OID, name, owner.
pub const NAMESPACES: &[(u32, &str, u32)] = &[
    (PG_CATALOG, "pg_catalog", BOOTSTRAP_SUPERUSER),
    (PG_TOAST, "pg_toast", BOOTSTRAP_SUPERUSER),
    (PUBLIC, "public", PG_DATABASE_OWNER),
    (
        INFORMATION_SCHEMA,
        "information_schema",
        BOOTSTRAP_SUPERUSER,
    ),
];

/// The bootstrap superuser's OID.
pub const BOOTSTRAP_SUPERUSER: u32 = 10;
/// The predefined role owning `public` in PostgreSQL 15.
pub const PG_DATABASE_OWNER: u32 = 6171;
/// Every database's `datcollate` and `datctype` (Quill compares text bytewise, as this
/// locale does).
pub const DATABASE_LOCALE: &str = "C.UTF-8";

/// A system relation: where it lives, its columns and how its rows are computed.
pub struct SysRel {
    pub name: &'static str,
    pub oid: u32,
    pub namespace: u32,
    /// `r` for catalogs, `v` for views.
    pub kind: char,
    pub cols: &'static [Col],
    pub rows: fn(&Snapshot) -> Vec<Vec<Value>>,
}

/// What the catalog holds at bind time, with lookups by OID and name: the permanent
/// relations and the viewing session's temporary ones (another session's temporary
/// relations are not listed at all, where PostgreSQL lists them but hides them from
/// `pg_table_is_visible`).
#[derive(Debug)]
pub struct Snapshot {
    pub tables: Vec<Arc<TableDef>>,
    /// The viewing session's temp namespace, if it has one: (N of `pg_temp_N`, its OID).
    pub temp_space: Option<(u32, u32)>,
    /// The roles (the predefined ones included).
    pub roles: crate::roles::Roles,
    /// Who runs the statement (`None`: the engine's own work, with every privilege).
    pub identity: Option<crate::acl::Identity>,
    /// The database's sessions (`pg_stat_activity`).
    pub activity: Vec<crate::activity::Entry>,
    /// When the database was opened (`pg_postmaster_start_time`).
    pub started: crate::activity::Micros,
    /// The viewing session's search path, its existing schemas (`current_schema()`).
    pub search_path: crate::search_path::ResolvedPath,
    /// The user schemas.
    pub schemas: Vec<Arc<crate::catalog::SchemaDef>>,
    /// The user-defined types.
    pub types: Vec<crate::catalog::UserType>,
    /// The viewing session's named prepared statements (`pg_prepared_statements`).
    pub prepared: Arc<Vec<crate::session::PreparedInfo>>,
    /// The viewing session's database: its OID and name.
    pub database: u32,
    pub database_name: String,
    /// Every database (`pg_database`).
    pub databases: Vec<Arc<crate::catalog::DatabaseDef>>,
}

/// A relation found by OID.
pub enum RelRef<'a> {
    Table(&'a TableDef),
    /// An index: its table and position in the table's index list.
    Index(&'a TableDef, usize),
    System(&'static SysRel),
}

thread_local! {
    /// How many snapshots this thread has taken (see [`snapshots_taken`]).
    static SNAPSHOTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many [`Snapshot`]s this thread has taken so far. A plan whose binding took one holds
/// the sessions, prepared statements and catalog rows of that moment (a system relation's
/// rows, a catalog function's view), so it must not be reused later.
pub fn snapshots_taken() -> u64 {
    SNAPSHOTS.with(std::cell::Cell::get)
}

impl Snapshot {
    pub fn new(catalog: &Catalog) -> Snapshot {
        SNAPSHOTS.with(|c| c.set(c.get().wrapping_add(1)));
        let n = catalog.viewer();
        Snapshot {
            tables: catalog.tables().cloned().collect(),
            temp_space: catalog.temp_space_oid(n).map(|o| (n, o)),
            roles: catalog.roles().clone(),
            identity: catalog.acting().cloned(),
            activity: catalog.activity().entries(),
            started: catalog.activity().started(),
            search_path: catalog.resolved_path(),
            schemas: catalog.user_schemas().cloned().collect(),
            types: catalog.user_types().cloned().collect(),
            prepared: catalog.prepared().clone(),
            database: catalog.database(),
            database_name: catalog.database_name(),
            databases: catalog.databases().cloned().collect(),
        }
    }

    /// The name of a role.
    pub fn role_name(&self, oid: u32) -> Option<String> {
        self.roles.name_of(oid)
    }

    /// The current user's name (the bootstrap superuser's when nothing is checked).
    pub fn current_user(&self) -> String {
        match &self.identity {
            Some(i) => i.current_name.clone(),
            None => self.role_name(BOOTSTRAP_SUPERUSER).unwrap_or_default(),
        }
    }

    /// The session user's name.
    pub fn session_user(&self) -> String {
        match &self.identity {
            Some(i) => i.session_name.clone(),
            None => self.role_name(BOOTSTRAP_SUPERUSER).unwrap_or_default(),
        }
    }

    /// The name `format_type` / `regtype` give a user type's OID (or its array type's).
    pub fn user_type_name(&self, oid: u32) -> Option<String> {
        self.types.iter().find_map(|t| {
            let ty = t.data_type();
            if ty.oid() == oid {
                Some(ty.base_name().into_owned())
            } else if ty.typarray() == oid {
                Some(format!("{}[]", ty.base_name()))
            } else {
                None
            }
        })
    }

    /// The OID of a user type (or its array type) named as `regtypein` reads names
    /// (`mood`, `public.mood`, `"Mood"`, `mood[]`).
    pub fn user_type_oid(&self, text: &str) -> Option<u32> {
        let text = text.trim();
        let (base, array) = match text.strip_suffix("[]") {
            Some(b) => (b.trim_end(), true),
            None => (text, false),
        };
        let base = base.strip_prefix("public.").unwrap_or(base);
        let name = match base.strip_prefix('"').and_then(|b| b.strip_suffix('"')) {
            Some(q) => q.replace("\"\"", "\""),
            None => base.to_lowercase(),
        };
        let t = self.types.iter().find(|t| t.name() == name)?.data_type();
        Some(if array { t.typarray() } else { t.oid() })
    }

    /// The namespace OID of a user relation.
    pub fn namespace_of(&self, t: &TableDef) -> u32 {
        match self.temp_space {
            Some((_, o)) if t.is_temp() => o,
            _ if t.temp == 0 || t.is_temp() => PUBLIC,
            // A user schema's OID is its relations' namespace number.
            _ => t.temp,
        }
    }

    /// The namespaces: the fixed ones and the viewer's temp namespace (OID, name, owner).
    pub fn namespaces(&self) -> Vec<(u32, String, u32)> {
        let mut out: Vec<(u32, String, u32)> = NAMESPACES
            .iter()
            .map(|&(o, n, owner)| (o, n.to_string(), owner))
            .collect();
        if let Some((n, o)) = self.temp_space {
            out.push((o, format!("pg_temp_{n}"), BOOTSTRAP_SUPERUSER));
        }
        out.extend(
            self.schemas
                .iter()
                .map(|s| (s.oid, s.name.clone(), s.owner)),
        );
        out
    }

    /// The user schema called `name`.
    pub fn user_schema(&self, name: &str) -> Option<&crate::catalog::SchemaDef> {
        self.schemas.iter().find(|s| s.name == name).map(|s| &**s)
    }

    /// The name of a namespace (the viewer's temp namespace included).
    pub fn namespace_name(&self, oid: u32) -> Option<String> {
        match self.temp_space {
            Some((n, o)) if o == oid => Some(format!("pg_temp_{n}")),
            _ => namespace_name(oid).map(str::to_string).or_else(|| {
                self.schemas
                    .iter()
                    .find(|s| s.oid == oid)
                    .map(|s| s.name.clone())
            }),
        }
    }

    /// Whether `schema` names the viewer's temp namespace (`pg_temp` or `pg_temp_N`).
    fn is_own_temp(&self, schema: &str) -> bool {
        schema == "pg_temp"
            || self
                .temp_space
                .is_some_and(|(n, _)| schema == format!("pg_temp_{n}"))
    }

    pub fn relation(&self, oid: u32) -> Option<RelRef<'_>> {
        for t in &self.tables {
            if t.oid == oid {
                return Some(RelRef::Table(t));
            }
            if let Some(i) = t.indexes.iter().position(|ix| ix.oid == oid) {
                return Some(RelRef::Index(t, i));
            }
        }
        rows::SYSTEM
            .iter()
            .find(|r| r.oid == oid)
            .map(RelRef::System)
    }

    /// A relation's name and namespace.
    pub fn relation_name(&self, oid: u32) -> Option<(String, u32)> {
        Some(match self.relation(oid)? {
            RelRef::Table(t) => (t.name.clone(), self.namespace_of(t)),
            RelRef::Index(t, i) => (t.indexes[i].name.clone(), self.namespace_of(t)),
            RelRef::System(r) => (r.name.to_string(), r.namespace),
        })
    }

    /// Resolves a possibly qualified relation name (PostgreSQL's `regclassin`): an
    /// unqualified name searches the session's temp namespace, pg_catalog, then public.
    pub fn relation_oid(&self, schema: Option<&str>, name: &str) -> Option<u32> {
        let system = |ns: u32| {
            rows::SYSTEM
                .iter()
                .find(|r| r.namespace == ns && r.name == name)
                .map(|r| r.oid)
        };
        // Namespace number 1 stands for the viewer's temp namespace here.
        let user = |ns: u32| {
            self.tables
                .iter()
                .filter(|t| if ns == 1 { t.is_temp() } else { t.temp == ns })
                .find_map(|t| {
                    if t.name == name {
                        Some(t.oid)
                    } else {
                        t.indexes.iter().find(|i| i.name == name).map(|i| i.oid)
                    }
                })
        };
        match schema {
            None => user(1).or_else(|| system(PG_CATALOG)).or_else(|| {
                self.search_path
                    .relation_spaces(0)
                    .into_iter()
                    .find_map(user)
            }),
            Some("pg_catalog") => system(PG_CATALOG),
            Some("information_schema") => system(INFORMATION_SCHEMA),
            Some("public") => user(0),
            Some(s) if self.is_own_temp(s) => user(1),
            Some(s) => self.user_schema(s).and_then(|d| user(d.oid)),
        }
    }

    /// Whether an unqualified reference to the relation finds it (`pg_table_is_visible`).
    pub fn relation_visible(&self, oid: u32) -> Option<bool> {
        let (name, ns) = self.relation_name(oid)?;
        Some(match ns {
            PG_CATALOG => true,
            INFORMATION_SCHEMA | PG_TOAST => false,
            _ => self.relation_oid(None, &name) == Some(oid),
        })
    }
}

/// The name of a namespace.
pub fn namespace_name(oid: u32) -> Option<&'static str> {
    NAMESPACES.iter().find(|n| n.0 == oid).map(|n| n.1)
}

/// What a FROM-clause name refers to.
pub enum Resolved {
    /// A user table or view (by its name as `Catalog::get` takes it, maybe qualified).
    User(String),
    /// A system relation: its rows, computed now, and its columns.
    System {
        plan: Plan,
        cols: Vec<(String, DataType)>,
    },
}

/// Resolves the parts of a relation name in FROM: `pg_catalog.x` and unqualified names of
/// system relations (pg_catalog is searched first, as PostgreSQL's implicit search path
/// does), `information_schema.x`, and `public.t` / `t` for user relations.
pub fn resolve_relation(catalog: &Catalog, parts: &[String]) -> Result<Resolved> {
    let (schema, name) = crate::search_path::qualified(parts, &catalog.database_name())?;
    let ns = match schema {
        // The session's temp namespace comes first, even before pg_catalog, unless the
        // search path lists it later.
        None if catalog.resolved_path().temp_first()
            && catalog.get(&format!("pg_temp.{name}")).is_some() =>
        {
            return Ok(Resolved::User(format!("pg_temp.{name}")))
        }
        None => None,
        Some("pg_catalog") => Some(PG_CATALOG),
        Some("information_schema") => Some(INFORMATION_SCHEMA),
        Some(s @ "public") => return Ok(Resolved::User(format!("{s}.{name}"))),
        Some(s) if catalog.schema(s).is_some() => return Ok(Resolved::User(format!("{s}.{name}"))),
        Some(s) if s == "pg_temp" || s.starts_with("pg_temp_") => {
            return match catalog.split_name(&format!("{s}.{name}")) {
                Some(_) => Ok(Resolved::User(format!("pg_temp.{name}"))),
                None => Err(EngineError::UndefinedTable {
                    name: parts.join("."),
                }),
            };
        }
        Some(_) => {
            return Err(EngineError::UndefinedTable {
                name: parts.join("."),
            })
        }
    };
    let found = rows::SYSTEM
        .iter()
        .find(|r| r.name == name && ns.map_or(r.namespace == PG_CATALOG, |n| r.namespace == n));
    match found {
        Some(rel) if rel.name == "pg_authid" && !crate::acl::acting_superuser(catalog) => {
            Err(EngineError::InsufficientPrivilege {
                message: "permission denied for table pg_authid".into(),
            })
        }
        Some(rel) => {
            let snap = Snapshot::new(catalog);
            let rows = (rel.rows)(&snap)
                .into_iter()
                .map(|r| r.into_iter().map(Expr::Const).collect())
                .collect();
            let cols = rel
                .cols
                .iter()
                .map(|c| {
                    let (n, t) = columns::column(c);
                    (n.to_string(), t)
                })
                .collect();
            Ok(Resolved::System {
                plan: Plan::Values { rows },
                cols,
            })
        }
        None if ns.is_none() => Ok(Resolved::User(name.to_string())),
        None => Err(EngineError::UndefinedTable {
            name: parts.join("."),
        }),
    }
}

/// The parts of a qualified name, folded as identifiers are.
pub fn name_parts(n: &sqlparser::ast::ObjectName) -> Vec<String> {
    n.0.iter()
        .map(|p| match p {
            sqlparser::ast::ObjectNamePart::Identifier(i) => crate::sql::binder::ident_name(i),
            other => other.to_string(),
        })
        .collect()
}

/// The plain operator that `OPERATOR(pg_catalog.op)` names.
pub fn plain_operator(
    op: &sqlparser::ast::BinaryOperator,
) -> Option<sqlparser::ast::BinaryOperator> {
    use sqlparser::ast::BinaryOperator as B;
    let B::PGCustomBinaryOperator(parts) = op else {
        return None;
    };
    let sym = match parts.as_slice() {
        [schema, sym] if schema == "pg_catalog" => sym.as_str(),
        [sym] => sym.as_str(),
        _ => return None,
    };
    Some(match sym {
        "~" => B::PGRegexMatch,
        "~*" => B::PGRegexIMatch,
        "!~" => B::PGRegexNotMatch,
        "!~*" => B::PGRegexNotIMatch,
        "~~" => B::PGLikeMatch,
        "!~~" => B::PGNotLikeMatch,
        "=" => B::Eq,
        "<>" => B::NotEq,
        "<" => B::Lt,
        "<=" => B::LtEq,
        ">" => B::Gt,
        ">=" => B::GtEq,
        "+" => B::Plus,
        "-" => B::Minus,
        "||" => B::StringConcat,
        _ => return None,
    })
}

/// Builds a row of `cols` from (column, value) pairs; columns not given are NULL.
pub(crate) fn fill(cols: &[Col], values: Vec<(&str, Value)>) -> Vec<Value> {
    let mut row = vec![Value::Null; cols.len()];
    for (name, v) in values {
        if let Some(i) = cols
            .iter()
            .position(|c| c.0.strip_suffix("[]").unwrap_or(c.0) == name)
        {
            row[i] = v;
        } else {
            debug_assert!(false, "no column {name}");
        }
    }
    row
}

/// Value constructors for rows.
pub(crate) fn oid(v: u32) -> Value {
    Value::Oid(v)
}
pub(crate) fn name(s: &str) -> Value {
    Value::Text(s.to_string())
}
pub(crate) fn ch(c: char) -> Value {
    Value::Text(c.to_string())
}
pub(crate) fn b(v: bool) -> Value {
    Value::Bool(v)
}
pub(crate) fn i2(v: usize) -> Value {
    Value::Int2(i16::try_from(v).unwrap_or(i16::MAX))
}
pub(crate) fn i4(v: i32) -> Value {
    Value::Int4(v)
}
pub(crate) fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

#[cfg(test)]
mod tests;
