//! The information_schema views (tables, columns, schemata, views, table_constraints,
//! key_column_usage), the pg_catalog convenience views (pg_tables, pg_views, pg_indexes,
//! pg_roles, pg_user, pg_settings) and the shared catalogs (pg_database, pg_authid,
//! pg_tablespace).

use super::columns::{self as c, Col};
use super::rows::{constraints, ConstraintRef, SYSTEM};
use super::{
    b, ch, fill, funcs, i4, name, namespace_name, oid, text, Snapshot, SysRel, BOOTSTRAP_SUPERUSER,
    INFORMATION_SCHEMA, NAMESPACES,
};
use crate::roles::Role;
use crate::types::{DataType, Value};

pub const fn view(
    name: &'static str,
    oid: u32,
    cols: &'static [Col],
    rows: fn(&Snapshot) -> Vec<Vec<Value>>,
) -> SysRel {
    SysRel {
        name,
        oid,
        namespace: INFORMATION_SCHEMA,
        kind: 'v',
        cols,
        rows,
    }
}

fn yes_no(v: bool) -> Value {
    text(if v { "YES" } else { "NO" })
}

pub fn pg_database(s: &Snapshot) -> Vec<Vec<Value>> {
    // In OID order, as PostgreSQL's heap lists the initial ones.
    let mut dbs = s.databases.clone();
    dbs.sort_by_key(|d| d.oid);
    dbs.iter()
        .map(|d| {
            fill(
                c::PG_DATABASE,
                vec![
                    ("oid", oid(d.oid)),
                    ("datname", name(&d.name)),
                    ("datdba", oid(d.owner)),
                    ("encoding", i4(6)),
                    ("datlocprovider", ch('c')),
                    ("datistemplate", b(d.is_template)),
                    ("datallowconn", b(d.allow_conn)),
                    ("datconnlimit", i4(d.conn_limit)),
                    ("dattablespace", oid(1663)),
                    ("datcollate", text(super::DATABASE_LOCALE)),
                    ("datctype", text(super::DATABASE_LOCALE)),
                    (
                        "datacl",
                        d.acl
                            .as_ref()
                            .map_or(Value::Null, |a| super::rows::acl_value(s, a)),
                    ),
                ],
            )
        })
        .collect()
}

pub fn pg_tablespace(_: &Snapshot) -> Vec<Vec<Value>> {
    [(1663, "pg_default"), (1664, "pg_global")]
        .iter()
        .map(|(o, n)| {
            fill(
                c::PG_TABLESPACE,
                vec![
                    ("oid", oid(*o)),
                    ("spcname", name(n)),
                    ("spcowner", oid(BOOTSTRAP_SUPERUSER)),
                ],
            )
        })
        .collect()
}

fn role_values(r: &Role) -> Vec<(&'static str, Value)> {
    vec![
        ("oid", oid(r.oid)),
        ("rolname", name(&r.name)),
        ("rolsuper", b(r.superuser)),
        ("rolinherit", b(r.inherit)),
        ("rolcreaterole", b(r.create_role)),
        ("rolcreatedb", b(r.create_db)),
        ("rolcanlogin", b(r.login)),
        ("rolreplication", b(r.replication)),
        ("rolbypassrls", b(r.bypass_rls)),
        ("rolconnlimit", i4(r.connection_limit)),
    ]
}

/// Every role with its password verifier (readable by superusers only: see
/// `resolve_relation`).
pub fn pg_authid(s: &Snapshot) -> Vec<Vec<Value>> {
    s.roles
        .all()
        .map(|r| {
            let mut v = role_values(r);
            v.push((
                "rolpassword",
                r.password.as_deref().map_or(Value::Null, text),
            ));
            fill(c::PG_AUTHID, v)
        })
        .collect()
}

/// Every role, the password shown as `********`.
pub fn pg_roles(s: &Snapshot) -> Vec<Vec<Value>> {
    s.roles
        .all()
        .map(|r| {
            let mut v = role_values(r);
            v.push(("rolpassword", text("********")));
            fill(c::PG_ROLES, v)
        })
        .collect()
}

/// The memberships: one row per (role, member).
pub fn pg_auth_members(s: &Snapshot) -> Vec<Vec<Value>> {
    s.roles
        .all()
        .flat_map(|r| {
            r.member_of.iter().map(|m| {
                fill(
                    c::PG_AUTH_MEMBERS,
                    vec![
                        ("roleid", oid(m.role)),
                        ("member", oid(r.oid)),
                        ("grantor", oid(m.grantor)),
                        ("admin_option", b(m.admin)),
                    ],
                )
            })
        })
        .collect()
}

/// The roles that may log in.
pub fn pg_user(s: &Snapshot) -> Vec<Vec<Value>> {
    s.roles
        .all()
        .filter(|r| r.login)
        .map(|r| {
            fill(
                c::PG_USER,
                vec![
                    ("usename", name(&r.name)),
                    ("usesysid", oid(r.oid)),
                    ("usecreatedb", b(r.create_db)),
                    ("usesuper", b(r.superuser)),
                    ("userepl", b(r.replication)),
                    ("usebypassrls", b(r.bypass_rls)),
                    ("passwd", text("********")),
                ],
            )
        })
        .collect()
}

/// The settings with the values a session starts with (the server's defaults).
pub fn pg_settings(_: &Snapshot) -> Vec<Vec<Value>> {
    crate::guc::DEFAULTS
        .iter()
        .map(|(n, v, ty)| {
            fill(
                c::PG_SETTINGS,
                vec![
                    ("name", text(n)),
                    ("setting", text(v)),
                    ("context", text("user")),
                    ("vartype", text(ty)),
                    ("source", text("default")),
                    ("boot_val", text(v)),
                    ("reset_val", text(v)),
                    ("pending_restart", b(false)),
                ],
            )
        })
        .collect()
}

pub fn pg_tables(s: &Snapshot) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for r in SYSTEM.iter().filter(|r| r.kind == 'r') {
        out.push(fill(
            c::PG_TABLES,
            vec![
                ("schemaname", name("pg_catalog")),
                ("tablename", name(r.name)),
                ("tableowner", name("postgres")),
                ("hasindexes", b(false)),
                ("hasrules", b(false)),
                ("hastriggers", b(false)),
                ("rowsecurity", b(false)),
            ],
        ));
    }
    for t in s
        .tables
        .iter()
        .filter(|t| t.view.is_none() && t.sequence.is_none())
    {
        let schema = s.namespace_name(s.namespace_of(t)).unwrap_or_default();
        out.push(fill(
            c::PG_TABLES,
            vec![
                ("schemaname", name(&schema)),
                ("tablename", name(&t.name)),
                (
                    "tableowner",
                    name(&s.role_name(t.owner).unwrap_or_default()),
                ),
                ("hasindexes", b(!t.indexes.is_empty())),
                ("hasrules", b(false)),
                ("hastriggers", b(false)),
                ("rowsecurity", b(t.rls.enabled)),
            ],
        ));
    }
    out
}

pub fn pg_views(s: &Snapshot) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for t in &s.tables {
        if let Some(sql) = &t.view {
            out.push(fill(
                c::PG_VIEWS,
                vec![
                    ("schemaname", name("public")),
                    ("viewname", name(&t.name)),
                    ("viewowner", name(&s.role_name(t.owner).unwrap_or_default())),
                    ("definition", text(sql)),
                ],
            ));
        }
    }
    out
}

pub fn pg_indexes(s: &Snapshot) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for t in &s.tables {
        for (i, ix) in t.indexes.iter().enumerate() {
            out.push(fill(
                c::PG_INDEXES,
                vec![
                    ("schemaname", name("public")),
                    ("tablename", name(&t.name)),
                    ("indexname", name(&ix.name)),
                    ("indexdef", text(&funcs::index_def(t, i))),
                ],
            ));
        }
    }
    out
}

pub fn schemata(s: &Snapshot) -> Vec<Vec<Value>> {
    NAMESPACES
        .iter()
        .map(|(_, n, owner)| {
            fill(
                c::IS_SCHEMATA,
                vec![
                    ("catalog_name", name(&s.database_name)),
                    ("schema_name", name(n)),
                    (
                        "schema_owner",
                        name(&s.role_name(*owner).unwrap_or_default()),
                    ),
                ],
            )
        })
        .collect()
}

pub fn tables(s: &Snapshot) -> Vec<Vec<Value>> {
    let row = |schema: &str, table: &str, view: bool, temp: bool| {
        let kind = match (view, temp) {
            (true, _) => "VIEW",
            (false, true) => "LOCAL TEMPORARY",
            (false, false) => "BASE TABLE",
        };
        fill(
            c::IS_TABLES,
            vec![
                ("table_catalog", name(&s.database_name)),
                ("table_schema", name(schema)),
                ("table_name", name(table)),
                ("table_type", text(kind)),
                ("is_insertable_into", yes_no(!view)),
                ("is_typed", yes_no(false)),
            ],
        )
    };
    let mut out: Vec<Vec<Value>> = SYSTEM
        .iter()
        .map(|r| {
            row(
                namespace_name(r.namespace).unwrap_or(""),
                r.name,
                r.kind == 'v',
                false,
            )
        })
        .collect();
    out.extend(s.tables.iter().map(|t| {
        let schema = s.namespace_name(s.namespace_of(t)).unwrap_or_default();
        row(&schema, &t.name, t.view.is_some(), t.is_temp())
    }));
    out
}

pub fn views(s: &Snapshot) -> Vec<Vec<Value>> {
    s.tables
        .iter()
        .filter_map(|t| {
            let sql = t.view.as_ref()?;
            Some(fill(
                c::IS_VIEWS,
                vec![
                    ("table_catalog", name(&s.database_name)),
                    ("table_schema", name("public")),
                    ("table_name", name(&t.name)),
                    ("view_definition", text(sql)),
                    ("check_option", text("NONE")),
                    ("is_updatable", yes_no(false)),
                    ("is_insertable_into", yes_no(false)),
                    ("is_trigger_updatable", yes_no(false)),
                    ("is_trigger_deletable", yes_no(false)),
                    ("is_trigger_insertable_into", yes_no(false)),
                ],
            ))
        })
        .collect()
}

/// information_schema's `data_type`: `ARRAY` for arrays, else the SQL name without modifiers
/// (`format_type(oid, NULL)`).
fn sql_type_name(t: &DataType) -> String {
    match t {
        DataType::Array(_) => "ARRAY".to_string(),
        _ => t.base_name().to_string(),
    }
}

fn column_row(db: &str, schema: &str, table: &str, pos: usize, col: ColumnInfo<'_>) -> Vec<Value> {
    let t = col.ty;
    let (char_len, octets) = match t {
        DataType::Varchar(Some(n)) | DataType::Char(Some(n)) => {
            (i4(*n as i32), i4((*n as i32).saturating_mul(4)))
        }
        DataType::Varchar(None) | DataType::Text => (Value::Null, i4(1_073_741_824)),
        _ => (Value::Null, Value::Null),
    };
    let (prec, radix, scale) = match t {
        DataType::Int2 => (i4(16), i4(2), i4(0)),
        DataType::Int4 => (i4(32), i4(2), i4(0)),
        DataType::Int8 => (i4(64), i4(2), i4(0)),
        DataType::Float4 => (i4(24), i4(2), Value::Null),
        DataType::Float8 => (i4(53), i4(2), Value::Null),
        DataType::Numeric { precision, scale } => (
            precision.map_or(Value::Null, |p| i4(p as i32)),
            i4(10),
            scale.map_or(Value::Null, |s| i4(s as i32)),
        ),
        _ => (Value::Null, Value::Null, Value::Null),
    };
    let dt_prec = match t {
        DataType::Date => i4(0),
        DataType::Time | DataType::Timestamp | DataType::Timestamptz | DataType::Interval => i4(6),
        _ => Value::Null,
    };
    let udt = t.typname();
    fill(
        c::IS_COLUMNS,
        vec![
            ("table_catalog", name(db)),
            ("table_schema", name(schema)),
            ("table_name", name(table)),
            ("column_name", name(col.name)),
            ("ordinal_position", i4(pos as i32)),
            ("column_default", col.default.map_or(Value::Null, text)),
            ("is_nullable", yes_no(!col.not_null)),
            ("data_type", text(&sql_type_name(t))),
            ("character_maximum_length", char_len),
            ("character_octet_length", octets),
            ("numeric_precision", prec),
            ("numeric_precision_radix", radix),
            ("numeric_scale", scale),
            ("datetime_precision", dt_prec),
            ("udt_catalog", name(db)),
            ("udt_schema", name("pg_catalog")),
            ("udt_name", name(&udt)),
            ("dtd_identifier", name(&pos.to_string())),
            ("is_self_referencing", yes_no(false)),
            ("is_identity", yes_no(false)),
            ("identity_cycle", yes_no(false)),
            ("is_generated", text("NEVER")),
            ("is_updatable", yes_no(col.updatable)),
        ],
    )
}

struct ColumnInfo<'a> {
    name: &'a str,
    ty: &'a DataType,
    not_null: bool,
    default: Option<&'a str>,
    updatable: bool,
}

pub fn columns(s: &Snapshot) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for r in SYSTEM {
        let schema = namespace_name(r.namespace).unwrap_or("");
        for (i, col) in r.cols.iter().enumerate() {
            let (n, t) = super::columns::column(col);
            let info = ColumnInfo {
                name: n,
                ty: &t,
                not_null: r.kind == 'r',
                default: None,
                updatable: false,
            };
            out.push(column_row(&s.database_name, schema, r.name, i + 1, info));
        }
    }
    for t in &s.tables {
        for (i, col) in t.columns.iter().enumerate() {
            let info = ColumnInfo {
                name: &col.name,
                ty: &col.ty,
                not_null: col.not_null,
                default: col.default.as_deref(),
                updatable: t.view.is_none(),
            };
            out.push(column_row(&s.database_name, "public", &t.name, i + 1, info));
        }
    }
    out
}

pub fn table_constraints(s: &Snapshot) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for t in &s.tables {
        for k in constraints(t) {
            let (cname, ctype) = match k {
                ConstraintRef::Index(i) => {
                    let ix = &t.indexes[i];
                    (
                        ix.name.as_str(),
                        if ix.primary { "PRIMARY KEY" } else { "UNIQUE" },
                    )
                }
                ConstraintRef::Check(i) => (t.checks[i].name.as_str(), "CHECK"),
                ConstraintRef::Foreign(i) => (t.foreign_keys[i].name.as_str(), "FOREIGN KEY"),
            };
            let (deferrable, deferred) = match k {
                ConstraintRef::Foreign(i) => {
                    let fk = &t.foreign_keys[i];
                    (fk.deferrable, fk.initially_deferred)
                }
                _ => (false, false),
            };
            out.push(fill(
                c::IS_TABLE_CONSTRAINTS,
                vec![
                    ("constraint_catalog", name(&s.database_name)),
                    ("constraint_schema", name("public")),
                    ("constraint_name", name(cname)),
                    ("table_catalog", name(&s.database_name)),
                    ("table_schema", name("public")),
                    ("table_name", name(&t.name)),
                    ("constraint_type", text(ctype)),
                    ("is_deferrable", yes_no(deferrable)),
                    ("initially_deferred", yes_no(deferred)),
                    ("enforced", yes_no(true)),
                    (
                        "nulls_distinct",
                        match k {
                            ConstraintRef::Index(_) => yes_no(true),
                            ConstraintRef::Check(_) | ConstraintRef::Foreign(_) => Value::Null,
                        },
                    ),
                ],
            ));
        }
    }
    out
}

pub fn key_column_usage(s: &Snapshot) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for t in &s.tables {
        for k in constraints(t) {
            let ConstraintRef::Index(i) = k else { continue };
            let ix = &t.indexes[i];
            for (pos, &ci) in ix.columns.iter().enumerate() {
                let Some(col) = t.columns.get(ci) else {
                    continue;
                };
                out.push(fill(
                    c::IS_KEY_COLUMN_USAGE,
                    vec![
                        ("constraint_catalog", name(&s.database_name)),
                        ("constraint_schema", name("public")),
                        ("constraint_name", name(&ix.name)),
                        ("table_catalog", name(&s.database_name)),
                        ("table_schema", name("public")),
                        ("table_name", name(&t.name)),
                        ("column_name", name(&col.name)),
                        ("ordinal_position", i4(pos as i32 + 1)),
                    ],
                ));
            }
        }
    }
    out
}
