//! The registry of system relations and the rows of the relation-describing catalogs:
//! pg_class, pg_namespace, pg_attribute, pg_attrdef, pg_index, pg_constraint, pg_type,
//! pg_am, pg_proc and the catalogs Quill has nothing in (policies, triggers, inheritance,
//! publications, ...), which are empty but queryable with their columns.

use super::columns::{self as c, Col};
use super::infoschema;
use super::{
    b, ch, fill, i2, i4, name, oid, text, Snapshot, SysRel, BOOTSTRAP_SUPERUSER, PG_CATALOG, PUBLIC,
};
use crate::catalog::TableDef;
use crate::types::builtin::{Collation, BUILTIN_TYPES};
use crate::types::{DataType, Value};

/// Access methods: heap (tables) and btree (indexes) are the ones in use.
pub const HEAP_AM: u32 = 2;
pub const BTREE_AM: u32 = 403;
/// The default collation.
pub const DEFAULT_COLLATION: u32 = 100;
/// The `C` collation.
pub const C_COLLATION: u32 = 950;

const fn sys(
    name: &'static str,
    oid: u32,
    kind: char,
    cols: &'static [Col],
    rows: fn(&Snapshot) -> Vec<Vec<Value>>,
) -> SysRel {
    SysRel {
        name,
        oid,
        namespace: PG_CATALOG,
        kind,
        cols,
        rows,
    }
}

fn none(_: &Snapshot) -> Vec<Vec<Value>> {
    Vec::new()
}

/// Every system relation.
pub static SYSTEM: &[SysRel] = &[
    sys("pg_class", 1259, 'r', c::PG_CLASS, pg_class),
    sys("pg_namespace", 2615, 'r', c::PG_NAMESPACE, pg_namespace),
    sys("pg_attribute", 1249, 'r', c::PG_ATTRIBUTE, pg_attribute),
    sys("pg_attrdef", 2604, 'r', c::PG_ATTRDEF, pg_attrdef),
    sys("pg_index", 2610, 'r', c::PG_INDEX, pg_index),
    sys("pg_constraint", 2606, 'r', c::PG_CONSTRAINT, pg_constraint),
    sys("pg_type", 1247, 'r', c::PG_TYPE, pg_type),
    sys("pg_am", 2601, 'r', c::PG_AM, pg_am),
    sys("pg_proc", 1255, 'r', c::PG_PROC, pg_proc),
    sys("pg_collation", 3456, 'r', c::PG_COLLATION, pg_collation),
    sys(
        "pg_database",
        1262,
        'r',
        c::PG_DATABASE,
        infoschema::pg_database,
    ),
    sys("pg_authid", 1260, 'r', c::PG_AUTHID, infoschema::pg_authid),
    sys(
        "pg_auth_members",
        1261,
        'r',
        c::PG_AUTH_MEMBERS,
        infoschema::pg_auth_members,
    ),
    sys(
        "pg_tablespace",
        1213,
        'r',
        c::PG_TABLESPACE,
        infoschema::pg_tablespace,
    ),
    sys("pg_description", 2609, 'r', c::PG_DESCRIPTION, none),
    sys("pg_shdescription", 2396, 'r', c::PG_SHDESCRIPTION, none),
    sys("pg_inherits", 2611, 'r', c::PG_INHERITS, none),
    sys("pg_extension", 3079, 'r', c::PG_EXTENSION, none),
    sys("pg_trigger", 2620, 'r', c::PG_TRIGGER, none),
    sys(
        "pg_policy",
        3256,
        'r',
        c::PG_POLICY,
        super::policies::pg_policy,
    ),
    sys("pg_statistic_ext", 3381, 'r', c::PG_STATISTIC_EXT, none),
    sys("pg_publication", 6104, 'r', c::PG_PUBLICATION, none),
    sys("pg_publication_rel", 6106, 'r', c::PG_PUBLICATION_REL, none),
    sys(
        "pg_publication_namespace",
        6237,
        'r',
        c::PG_PUBLICATION_NAMESPACE,
        none,
    ),
    sys(
        "pg_partitioned_table",
        3350,
        'r',
        c::PG_PARTITIONED_TABLE,
        none,
    ),
    sys("pg_sequence", 2224, 'r', c::PG_SEQUENCE, pg_sequence),
    sys("pg_rewrite", 2618, 'r', c::PG_REWRITE, none),
    sys("pg_enum", 3501, 'r', c::PG_ENUM, pg_enum),
    sys("pg_range", 3541, 'r', c::PG_RANGE, none),
    sys("pg_opclass", 2616, 'r', c::PG_OPCLASS, none),
    sys("pg_depend", 2608, 'r', c::PG_DEPEND, none),
    sys("pg_event_trigger", 3466, 'r', c::PG_EVENT_TRIGGER, none),
    sys("pg_roles", 12000, 'v', c::PG_ROLES, infoschema::pg_roles),
    sys("pg_user", 12014, 'v', c::PG_USER, infoschema::pg_user),
    sys(
        "pg_policies",
        12019,
        'v',
        c::PG_POLICIES,
        super::policies::pg_policies,
    ),
    sys("pg_views", 12028, 'v', c::PG_VIEWS, infoschema::pg_views),
    sys("pg_tables", 12033, 'v', c::PG_TABLES, infoschema::pg_tables),
    sys(
        "pg_indexes",
        12043,
        'v',
        c::PG_INDEXES,
        infoschema::pg_indexes,
    ),
    sys("pg_sequences", 12048, 'v', c::PG_SEQUENCES, none),
    sys(
        "pg_stat_activity",
        12222,
        'v',
        c::PG_STAT_ACTIVITY,
        super::admin::pg_stat_activity,
    ),
    sys(
        "pg_prepared_statements",
        12110,
        'v',
        c::PG_PREPARED_STATEMENTS,
        super::admin::pg_prepared_statements,
    ),
    sys(
        "pg_settings",
        12104,
        'v',
        c::PG_SETTINGS,
        infoschema::pg_settings,
    ),
    infoschema::view("columns", 13295, c::IS_COLUMNS, infoschema::columns),
    infoschema::view(
        "key_column_usage",
        13329,
        c::IS_KEY_COLUMN_USAGE,
        infoschema::key_column_usage,
    ),
    infoschema::view("schemata", 13382, c::IS_SCHEMATA, infoschema::schemata),
    infoschema::view(
        "table_constraints",
        13411,
        c::IS_TABLE_CONSTRAINTS,
        infoschema::table_constraints,
    ),
    infoschema::view("tables", 13425, c::IS_TABLES, infoschema::tables),
    infoschema::view("views", 13483, c::IS_VIEWS, infoschema::views),
];

/// The OID of a constraint the catalog keeps no OID for: index-backed constraints
/// (PRIMARY KEY, UNIQUE) take their index's OID plus 2^30, CHECK constraints 2^31 plus
/// 64 times the table OID plus their position.
pub fn constraint_oid(table: &TableDef, kind: ConstraintRef) -> u32 {
    match kind {
        ConstraintRef::Index(i) => table.indexes[i].oid.wrapping_add(1 << 30),
        ConstraintRef::Check(k) => (1u32 << 31)
            .wrapping_add(table.oid.wrapping_mul(64))
            .wrapping_add(k as u32),
        ConstraintRef::Foreign(k) => table.foreign_keys[k].oid,
    }
}

/// The OID of a column default: 2^31 + 2^30 plus 1024 times the table OID plus the column.
pub fn attrdef_oid(table: &TableDef, col: usize) -> u32 {
    (3u32 << 30)
        .wrapping_add(table.oid.wrapping_mul(1024))
        .wrapping_add(col as u32)
}

/// A constraint of a table: an index-backed one, a CHECK or a FOREIGN KEY.
#[derive(Clone, Copy)]
pub enum ConstraintRef {
    Index(usize),
    Check(usize),
    Foreign(usize),
}

/// The constraints of a table: PRIMARY KEY and UNIQUE indexes, CHECKs, FOREIGN KEYs.
pub fn constraints(t: &TableDef) -> Vec<ConstraintRef> {
    let mut out: Vec<ConstraintRef> = (0..t.indexes.len())
        .filter(|&i| t.indexes[i].unique || t.indexes[i].primary)
        .map(ConstraintRef::Index)
        .collect();
    out.extend((0..t.checks.len()).map(ConstraintRef::Check));
    out.extend((0..t.foreign_keys.len()).map(ConstraintRef::Foreign));
    out
}

/// `typcollation` / `attcollation` of a type.
fn collation_of(t: &DataType) -> u32 {
    match t.collation() {
        Collation::None => 0,
        Collation::Default => DEFAULT_COLLATION,
        Collation::C => C_COLLATION,
    }
}

#[allow(clippy::too_many_arguments)]
fn class_row(
    snap_oid: u32,
    relname: &str,
    ns: u32,
    kind: char,
    am: u32,
    natts: usize,
    checks: usize,
    has_index: bool,
) -> Vec<Value> {
    fill(
        c::PG_CLASS,
        vec![
            ("oid", oid(snap_oid)),
            ("relname", name(relname)),
            ("relnamespace", oid(ns)),
            ("reltype", oid(0)),
            ("reloftype", oid(0)),
            ("relowner", oid(BOOTSTRAP_SUPERUSER)),
            ("relam", oid(am)),
            ("relfilenode", oid(0)),
            ("reltablespace", oid(0)),
            ("relpages", i4(0)),
            ("reltuples", Value::Float4(-1.0)),
            ("relallvisible", i4(0)),
            ("reltoastrelid", oid(0)),
            ("relhasindex", b(has_index)),
            ("relisshared", b(false)),
            ("relpersistence", ch('p')),
            ("relkind", ch(kind)),
            ("relnatts", i2(natts)),
            ("relchecks", i2(checks)),
            ("relhasrules", b(kind == 'v')),
            ("relhastriggers", b(false)),
            ("relhassubclass", b(false)),
            ("relrowsecurity", b(false)),
            ("relforcerowsecurity", b(false)),
            ("relispopulated", b(true)),
            ("relreplident", ch(if kind == 'r' { 'd' } else { 'n' })),
            ("relispartition", b(false)),
            ("relrewrite", oid(0)),
        ],
    )
}

/// A user relation's `relowner` and `relacl` (NULL until its first GRANT or REVOKE).
fn set_owner(row: &mut [Value], s: &Snapshot, t: &TableDef) {
    if let Some(i) = c::PG_CLASS.iter().position(|c| c.0 == "relowner") {
        row[i] = oid(t.owner);
    }
    if let (Some(i), Some(acl)) = (c::PG_CLASS.iter().position(|c| c.0 == "relacl[]"), &t.acl) {
        row[i] = acl_value(s, acl);
    }
}

/// An ACL as an `aclitem[]` value (Quill's `text[]` standing for it).
pub fn acl_value(s: &Snapshot, acl: &[crate::acl::AclItem]) -> Value {
    let name_of = |o: u32| s.role_name(o).unwrap_or_else(|| o.to_string());
    let items = acl
        .iter()
        .map(|i| Value::Text(crate::acl::format_item(i, &name_of)))
        .collect();
    Value::Array(Box::new(crate::types::array::ArrayValue::from_items(
        DataType::Text,
        items,
    )))
}

fn pg_class(s: &Snapshot) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for r in SYSTEM {
        let am = if r.kind == 'r' { HEAP_AM } else { 0 };
        out.push(class_row(
            r.oid,
            r.name,
            r.namespace,
            r.kind,
            am,
            r.cols.len(),
            0,
            false,
        ));
    }
    for t in &s.tables {
        let (kind, am) = match (&t.view, &t.sequence) {
            (Some(_), _) => ('v', 0),
            (None, Some(_)) => ('S', 0),
            (None, None) => ('r', HEAP_AM),
        };
        let ns = s.namespace_of(t);
        let mut row = class_row(
            t.oid,
            &t.name,
            ns,
            kind,
            am,
            t.columns.len(),
            t.checks.len(),
            !t.indexes.is_empty(),
        );
        if let Some(i) = c::PG_CLASS.iter().position(|c| c.0 == "relfilenode") {
            row[i] = oid(t.file);
        }
        set_owner(&mut row, s, t);
        super::policies::set_row_security(&mut row, t);
        // A table on either side of a foreign key has PostgreSQL's RI triggers.
        let triggers = !t.foreign_keys.is_empty()
            || s.tables
                .iter()
                .any(|o| o.foreign_keys.iter().any(|f| f.ref_table == t.oid));
        if let Some(i) = c::PG_CLASS.iter().position(|c| c.0 == "relhastriggers") {
            row[i] = b(triggers);
        }
        mark_temp(&mut row, t.is_temp());
        out.push(row);
        for ix in &t.indexes {
            let mut row = class_row(
                ix.oid,
                &ix.name,
                ns,
                'i',
                BTREE_AM,
                ix.columns.len(),
                0,
                false,
            );
            if let Some(i) = c::PG_CLASS.iter().position(|c| c.0 == "relfilenode") {
                row[i] = oid(ix.file);
            }
            if let Some(i) = c::PG_CLASS.iter().position(|c| c.0 == "relowner") {
                row[i] = oid(t.owner);
            }
            mark_temp(&mut row, t.is_temp());
            out.push(row);
        }
    }
    out
}

fn pg_sequence(s: &Snapshot) -> Vec<Vec<Value>> {
    s.tables
        .iter()
        .filter_map(|t| {
            let q = t.sequence.as_ref()?;
            Some(fill(
                c::PG_SEQUENCE,
                vec![
                    ("seqrelid", oid(t.oid)),
                    ("seqtypid", oid(q.ty.oid())),
                    ("seqstart", Value::Int8(q.start)),
                    ("seqincrement", Value::Int8(q.increment)),
                    ("seqmax", Value::Int8(q.max)),
                    ("seqmin", Value::Int8(q.min)),
                    ("seqcache", Value::Int8(1)),
                    ("seqcycle", b(q.cycle)),
                ],
            ))
        })
        .collect()
}

/// A temporary relation's pg_class row has relpersistence 't'.
fn mark_temp(row: &mut [Value], temp: bool) {
    if let Some(i) = c::PG_CLASS.iter().position(|c| c.0 == "relpersistence") {
        if temp {
            row[i] = ch('t');
        }
    }
}

fn pg_namespace(s: &Snapshot) -> Vec<Vec<Value>> {
    s.namespaces()
        .iter()
        .map(|(o, n, owner)| {
            let mut values = vec![
                ("oid", oid(*o)),
                ("nspname", name(n)),
                ("nspowner", oid(*owner)),
            ];
            // PostgreSQL 15's initial ACLs of the system schemas; a user schema's once
            // GRANT / REVOKE changed it (NULL before).
            let usage_for_all = |owner: u32| {
                vec![
                    crate::acl::AclItem {
                        grantee: owner,
                        grantor: owner,
                        privs: crate::acl::USAGE | crate::acl::CREATE,
                        grant_options: 0,
                    },
                    crate::acl::AclItem {
                        grantee: crate::acl::PUBLIC,
                        grantor: owner,
                        privs: crate::acl::USAGE,
                        grant_options: 0,
                    },
                ]
            };
            let acl = match *o {
                super::PUBLIC => Some(s.roles.public_acl()),
                PG_CATALOG | super::INFORMATION_SCHEMA => Some(usage_for_all(*owner)),
                _ => s
                    .schemas
                    .iter()
                    .find(|d| d.oid == *o)
                    .and_then(|d| d.acl.clone()),
            };
            if let Some(acl) = acl {
                values.push(("nspacl", acl_value(s, &acl)));
            }
            fill(c::PG_NAMESPACE, values)
        })
        .collect()
}

fn attribute_row(
    rel: u32,
    attname: &str,
    ty: &DataType,
    num: usize,
    not_null: bool,
    has_def: bool,
) -> Vec<Value> {
    let len = ty.typlen();
    fill(
        c::PG_ATTRIBUTE,
        vec![
            ("attrelid", oid(rel)),
            ("attname", name(attname)),
            ("atttypid", oid(ty.oid())),
            ("attstattarget", i4(-1)),
            ("attlen", Value::Int2(len)),
            ("attnum", i2(num)),
            ("attndims", i4(0)),
            ("attcacheoff", i4(-1)),
            ("atttypmod", i4(ty.typmod())),
            ("attbyval", b(ty.typbyval())),
            ("attalign", ch(ty.typalign())),
            ("attstorage", ch(ty.typstorage())),
            ("attcompression", text("")),
            ("attnotnull", b(not_null)),
            ("atthasdef", b(has_def)),
            ("atthasmissing", b(false)),
            ("attidentity", text("")),
            ("attgenerated", text("")),
            ("attisdropped", b(false)),
            ("attislocal", b(true)),
            ("attinhcount", i4(0)),
            ("attcollation", oid(collation_of(ty))),
        ],
    )
}

fn pg_attribute(s: &Snapshot) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for r in SYSTEM {
        for (i, c) in r.cols.iter().enumerate() {
            let (n, t) = c::column(c);
            out.push(attribute_row(r.oid, n, &t, i + 1, r.kind == 'r', false));
        }
    }
    for t in &s.tables {
        for (i, col) in t.columns.iter().enumerate() {
            out.push(attribute_row(
                t.oid,
                &col.name,
                &col.ty,
                i + 1,
                col.not_null,
                col.default.is_some(),
            ));
        }
        for ix in &t.indexes {
            for (k, &ci) in ix.columns.iter().enumerate() {
                if let Some(col) = t.columns.get(ci) {
                    out.push(attribute_row(
                        ix.oid,
                        &col.name,
                        &col.ty,
                        k + 1,
                        false,
                        false,
                    ));
                }
            }
        }
    }
    out
}

fn pg_attrdef(s: &Snapshot) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for t in &s.tables {
        for (i, col) in t.columns.iter().enumerate() {
            if let Some(d) = &col.default {
                out.push(fill(
                    c::PG_ATTRDEF,
                    vec![
                        ("oid", oid(attrdef_oid(t, i))),
                        ("adrelid", oid(t.oid)),
                        ("adnum", i2(i + 1)),
                        ("adbin", text(d)),
                    ],
                ));
            }
        }
    }
    out
}

fn pg_index(s: &Snapshot) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for t in &s.tables {
        for ix in &t.indexes {
            out.push(fill(
                c::PG_INDEX,
                vec![
                    ("indexrelid", oid(ix.oid)),
                    ("indrelid", oid(t.oid)),
                    ("indnatts", i2(ix.columns.len())),
                    ("indnkeyatts", i2(ix.columns.len())),
                    ("indisunique", b(ix.unique || ix.primary)),
                    ("indnullsnotdistinct", b(false)),
                    ("indisprimary", b(ix.primary)),
                    ("indisexclusion", b(false)),
                    ("indimmediate", b(true)),
                    ("indisclustered", b(false)),
                    ("indisvalid", b(true)),
                    ("indcheckxmin", b(false)),
                    ("indisready", b(true)),
                    ("indislive", b(true)),
                    ("indisreplident", b(false)),
                    // Column numbers (1-based) and per-column options (0: ASC, NULLS LAST).
                    (
                        "indkey",
                        int2_array(ix.columns.iter().map(|&c| c as i64 + 1)),
                    ),
                    ("indoption", int2_array(ix.columns.iter().map(|_| 0))),
                ],
            ));
        }
    }
    out
}

/// An `int2vector` value: an `int2[]` whose subscripts start at 0, as `int2vector`'s do.
fn int2_array(items: impl Iterator<Item = i64>) -> Value {
    let mut a = crate::types::array::ArrayValue::from_items(
        DataType::Int2,
        items
            .map(|v| Value::Int2(i16::try_from(v).unwrap_or(i16::MAX)))
            .collect(),
    );
    if let Some(d) = a.dims.first_mut() {
        d.lower = 0;
    }
    Value::Array(Box::new(a))
}

/// A one-dimensional `int2[]` of 1-based column numbers.
fn column_numbers(cols: &[usize]) -> Value {
    Value::Array(Box::new(crate::types::array::ArrayValue::from_items(
        DataType::Int2,
        cols.iter()
            .map(|&c| Value::Int2(i16::try_from(c + 1).unwrap_or(i16::MAX)))
            .collect(),
    )))
}

fn pg_constraint(s: &Snapshot) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for t in &s.tables {
        for k in constraints(t) {
            let blank = || text(" ");
            let mut foreign = (oid(0), blank(), blank(), blank(), Value::Null);
            let mut validated = true;
            let mut timing = (false, false);
            let (conname, contype, conindid, conbin, conkey) = match k {
                ConstraintRef::Index(i) => {
                    let ix = &t.indexes[i];
                    let ty = if ix.primary { 'p' } else { 'u' };
                    (
                        ix.name.clone(),
                        ty,
                        ix.oid,
                        None,
                        column_numbers(&ix.columns),
                    )
                }
                ConstraintRef::Check(i) => {
                    let ck = &t.checks[i];
                    (ck.name.clone(), 'c', 0, Some(ck.expr.clone()), Value::Null)
                }
                ConstraintRef::Foreign(i) => {
                    let fk = &t.foreign_keys[i];
                    let referenced = s.tables.iter().find(|r| r.oid == fk.ref_table);
                    let index = referenced
                        .and_then(|r| crate::sql::fkey::key_index(r, &fk.ref_columns))
                        .map_or(0, |ix| ix.oid);
                    foreign = (
                        oid(fk.ref_table),
                        text(&fk.on_update.code().to_string()),
                        text(&fk.on_delete.code().to_string()),
                        text(if fk.match_full { "f" } else { "s" }),
                        column_numbers(&fk.ref_columns),
                    );
                    validated = fk.validated;
                    timing = (fk.deferrable, fk.initially_deferred);
                    (
                        fk.name.clone(),
                        'f',
                        index,
                        None,
                        column_numbers(&fk.columns),
                    )
                }
            };
            let (confrelid, confupdtype, confdeltype, confmatchtype, confkey) = foreign;
            out.push(fill(
                c::PG_CONSTRAINT,
                vec![
                    ("oid", oid(constraint_oid(t, k))),
                    ("conname", name(&conname)),
                    ("connamespace", oid(super::PUBLIC)),
                    ("contype", ch(contype)),
                    ("condeferrable", b(timing.0)),
                    ("condeferred", b(timing.1)),
                    ("convalidated", b(validated)),
                    ("conrelid", oid(t.oid)),
                    ("contypid", oid(0)),
                    ("conindid", oid(conindid)),
                    ("conparentid", oid(0)),
                    ("confrelid", confrelid),
                    ("confupdtype", confupdtype),
                    ("confdeltype", confdeltype),
                    ("confmatchtype", confmatchtype),
                    ("conislocal", b(true)),
                    ("coninhcount", i4(0)),
                    ("connoinherit", b(false)),
                    ("conkey", conkey),
                    ("confkey", confkey),
                    ("conbin", conbin.map_or(Value::Null, Value::Text)),
                ],
            ));
        }
    }
    out
}

/// A row for each label of each enum type.
fn pg_enum(s: &Snapshot) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for t in &s.types {
        let crate::catalog::UserType::Enum(e) = t else {
            continue;
        };
        for l in e.labels() {
            out.push(fill(
                c::PG_ENUM,
                vec![
                    ("oid", oid(l.oid)),
                    ("enumtypid", oid(e.oid)),
                    ("enumsortorder", Value::Float4(l.sort)),
                    ("enumlabel", name(&l.label)),
                ],
            ));
        }
    }
    out
}

/// A row for each built-in type and each of their array types, and for each user type
/// and its array type.
fn pg_type(s: &Snapshot) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    let builtin = BUILTIN_TYPES
        .iter()
        .map(|t| (t.ty.clone(), PG_CATALOG, BOOTSTRAP_SUPERUSER));
    let user = s
        .types
        .iter()
        .map(|t| (t.data_type(), PUBLIC, BOOTSTRAP_SUPERUSER));
    for (t, namespace, owner) in builtin.chain(user) {
        let array = DataType::Array(Box::new(t.clone()));
        let types = if t.typarray() == 0 {
            vec![t.clone()]
        } else {
            vec![t.clone(), array]
        };
        for ty in types {
            out.push(fill(
                c::PG_TYPE,
                vec![
                    ("oid", oid(ty.oid())),
                    ("typname", name(&ty.typname())),
                    ("typnamespace", oid(namespace)),
                    ("typowner", oid(owner)),
                    ("typlen", Value::Int2(ty.typlen())),
                    ("typbyval", b(ty.typbyval())),
                    ("typtype", ch(ty.typtype())),
                    ("typcategory", ch(ty.category().code())),
                    ("typispreferred", b(ty.is_preferred())),
                    ("typisdefined", b(true)),
                    ("typdelim", ch(',')),
                    ("typrelid", oid(0)),
                    ("typelem", oid(ty.typelem())),
                    ("typarray", oid(ty.typarray())),
                    ("typalign", ch(ty.typalign())),
                    ("typstorage", ch(ty.typstorage())),
                    (
                        "typnotnull",
                        b(matches!(&ty, DataType::Domain(d) if d.not_null)),
                    ),
                    (
                        "typbasetype",
                        oid(match &ty {
                            DataType::Domain(d) => d.base.oid(),
                            _ => 0,
                        }),
                    ),
                    (
                        "typtypmod",
                        i4(match &ty {
                            DataType::Domain(d) => d.base.typmod(),
                            _ => -1,
                        }),
                    ),
                    (
                        "typdefault",
                        match &ty {
                            DataType::Domain(d) => d.default.as_deref().map_or(Value::Null, text),
                            _ => Value::Null,
                        },
                    ),
                    ("typndims", i4(0)),
                    ("typcollation", oid(collation_of(&ty))),
                ],
            ));
        }
    }
    out
}

fn pg_am(_: &Snapshot) -> Vec<Vec<Value>> {
    [
        (HEAP_AM, "heap", 't'),
        (BTREE_AM, "btree", 'i'),
        (405, "hash", 'i'),
        (783, "gist", 'i'),
        (2742, "gin", 'i'),
        (4000, "spgist", 'i'),
        (3580, "brin", 'i'),
    ]
    .iter()
    .map(|(o, n, k)| {
        fill(
            c::PG_AM,
            vec![("oid", oid(*o)), ("amname", name(n)), ("amtype", ch(*k))],
        )
    })
    .collect()
}

fn pg_proc(_: &Snapshot) -> Vec<Vec<Value>> {
    super::funcs::all_functions()
        .map(|f| {
            fill(
                c::PG_PROC,
                vec![
                    ("oid", oid(f.oid)),
                    ("proname", name(f.name)),
                    ("pronamespace", oid(PG_CATALOG)),
                    ("proowner", oid(BOOTSTRAP_SUPERUSER)),
                    ("prolang", oid(12)),
                    ("procost", Value::Float4(1.0)),
                    ("prorows", Value::Float4(0.0)),
                    ("provariadic", oid(0)),
                    ("prokind", ch('f')),
                    ("prosecdef", b(false)),
                    ("proleakproof", b(false)),
                    ("proisstrict", b(true)),
                    ("proretset", b(false)),
                    ("provolatile", ch('s')),
                    ("proparallel", ch('s')),
                    ("pronargs", i2(f.nargs)),
                    ("pronargdefaults", i2(0)),
                    ("prorettype", oid(f.result().oid())),
                    ("prosrc", text(f.name)),
                ],
            )
        })
        .collect()
}

fn pg_collation(_: &Snapshot) -> Vec<Vec<Value>> {
    [
        (DEFAULT_COLLATION, "default", 'd', "", ""),
        (C_COLLATION, "C", 'c', "C", "C"),
        (951, "POSIX", 'c', "POSIX", "POSIX"),
    ]
    .iter()
    .map(|(o, n, p, coll, ctype)| {
        let (coll, ctype) = if *p == 'd' {
            (Value::Null, Value::Null)
        } else {
            (text(coll), text(ctype))
        };
        fill(
            c::PG_COLLATION,
            vec![
                ("oid", oid(*o)),
                ("collname", name(n)),
                ("collnamespace", oid(PG_CATALOG)),
                ("collowner", oid(BOOTSTRAP_SUPERUSER)),
                ("collprovider", ch(*p)),
                ("collisdeterministic", b(true)),
                ("collencoding", i4(-1)),
                ("collcollate", coll),
                ("collctype", ctype),
            ],
        )
    })
    .collect()
}
