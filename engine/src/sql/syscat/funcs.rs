//! The catalog functions (`format_type`, `pg_get_indexdef`, `pg_get_constraintdef`,
//! `pg_get_expr`, `pg_get_userbyid`, `pg_table_is_visible`, `version()`, ...) and the casts
//! to OID alias types. Bound calls carry a [`Snapshot`] of the catalog taken at bind time,
//! so evaluation needs nothing else; calls with constant arguments are folded when bound.
//! The administration functions that read the session or the storage (see `admin`) are
//! bound here too, but evaluated when they run.

use super::rows::{constraint_oid, constraints, ConstraintRef};
use super::types::{format_type, type_name, type_oid};
use super::{RelRef, Snapshot};
use crate::catalog::{Catalog, TableDef};
use crate::error::{EngineError, Result};
use crate::sql::binder::coerce;
use crate::sql::expr::Expr;
use crate::types::{DataType, RegKind, Value};
use std::sync::Arc;

/// The `version()` text: PostgreSQL's format, naming the version in `server_version`.
pub const VERSION: &str = concat!(
    "PostgreSQL 15.0 (Quill ",
    env!("CARGO_PKG_VERSION"),
    ") on x86_64-pc-linux-gnu, compiled by rustc, 64-bit"
);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysFunc {
    PgGetUserbyid,
    PgTableIsVisible,
    PgTypeIsVisible,
    PgFunctionIsVisible,
    FormatType,
    PgGetIndexdef,
    PgGetConstraintdef,
    PgGetExpr,
    PgGetViewdef,
    PgGetTriggerdef,
    ObjDescription,
    ColDescription,
    ShobjDescription,
    PgEncodingToChar,
    Version,
    CurrentDatabase,
    CurrentSchema,
    /// `current_schemas(include_implicit)`: the search path's existing schemas (`name[]`).
    CurrentSchemas,
    PgMyTempSchema,
    CurrentUser,
    SessionUser,
    HasTablePrivilege,
    HasSchemaPrivilege,
    HasDatabasePrivilege,
    PgHasRole,
    CurrentSetting,
    SetConfig,
    PgBackendPid,
    PgSizePretty,
    RelationSize(super::admin::SizeOf),
    PgDatabaseSize,
    TxidCurrent,
    PgCurrentWalLsn,
    PgPostmasterStartTime,
    /// `gen_random_uuid()`: volatile, evaluated at every call.
    GenRandomUuid,
    /// `pg_notify(channel, payload)`: NOTIFY with computed arguments.
    PgNotify,
    PgNotificationQueueUsage,
    /// An advisory lock function (`pg_advisory_lock`, …).
    Advisory(super::advisory::Advisory),
    PgRelationIsPublishable,
    PgGetStatisticsobjdefColumns,
    PgGetFunctionResult,
    PgGetFunctionArguments,
    PgGetSerialSequence,
    PgIsInRecovery,
    ToReg(RegKind),
    /// A cast to an OID alias type.
    CastReg(RegKind),
}

/// A catalog function as `pg_proc` lists it.
pub struct FuncInfo {
    pub oid: u32,
    pub name: &'static str,
    pub func: SysFunc,
    pub args: &'static [DataType],
    /// The result type, except where [`FuncInfo::result`] says otherwise (an array type
    /// cannot be built in a static).
    pub ret: DataType,
    pub nargs: usize,
}

impl FuncInfo {
    /// The function's result type.
    pub fn result(&self) -> DataType {
        match self.func {
            SysFunc::CurrentSchemas => DataType::Array(Box::new(DataType::Name)),
            _ => self.ret.clone(),
        }
    }
}

const fn f(
    oid: u32,
    name: &'static str,
    func: SysFunc,
    args: &'static [DataType],
    ret: DataType,
) -> FuncInfo {
    FuncInfo {
        oid,
        name,
        func,
        args,
        ret,
        nargs: args.len(),
    }
}

use DataType as T;
use SysFunc as F;

/// The catalog functions and their overloads (PostgreSQL's OIDs).
pub static CATALOG_FUNCTIONS: &[FuncInfo] = &[
    f(
        1642,
        "pg_get_userbyid",
        F::PgGetUserbyid,
        &[T::Oid],
        T::Name,
    ),
    f(
        2079,
        "pg_table_is_visible",
        F::PgTableIsVisible,
        &[T::Oid],
        T::Bool,
    ),
    f(
        2080,
        "pg_type_is_visible",
        F::PgTypeIsVisible,
        &[T::Oid],
        T::Bool,
    ),
    f(
        2081,
        "pg_function_is_visible",
        F::PgFunctionIsVisible,
        &[T::Oid],
        T::Bool,
    ),
    f(
        1081,
        "format_type",
        F::FormatType,
        &[T::Oid, T::Int4],
        T::Text,
    ),
    f(
        1643,
        "pg_get_indexdef",
        F::PgGetIndexdef,
        &[T::Oid],
        T::Text,
    ),
    f(
        2507,
        "pg_get_indexdef",
        F::PgGetIndexdef,
        &[T::Oid, T::Int4, T::Bool],
        T::Text,
    ),
    f(
        1387,
        "pg_get_constraintdef",
        F::PgGetConstraintdef,
        &[T::Oid],
        T::Text,
    ),
    f(
        2508,
        "pg_get_constraintdef",
        F::PgGetConstraintdef,
        &[T::Oid, T::Bool],
        T::Text,
    ),
    f(
        1716,
        "pg_get_expr",
        F::PgGetExpr,
        &[T::Text, T::Oid],
        T::Text,
    ),
    f(
        2509,
        "pg_get_expr",
        F::PgGetExpr,
        &[T::Text, T::Oid, T::Bool],
        T::Text,
    ),
    f(1641, "pg_get_viewdef", F::PgGetViewdef, &[T::Oid], T::Text),
    f(
        1662,
        "pg_get_triggerdef",
        F::PgGetTriggerdef,
        &[T::Oid],
        T::Text,
    ),
    f(
        2730,
        "pg_get_triggerdef",
        F::PgGetTriggerdef,
        &[T::Oid, T::Bool],
        T::Text,
    ),
    f(
        2506,
        "pg_get_viewdef",
        F::PgGetViewdef,
        &[T::Oid, T::Bool],
        T::Text,
    ),
    f(
        1215,
        "obj_description",
        F::ObjDescription,
        &[T::Oid, T::Name],
        T::Text,
    ),
    f(
        1216,
        "col_description",
        F::ColDescription,
        &[T::Oid, T::Int4],
        T::Text,
    ),
    f(
        1993,
        "shobj_description",
        F::ShobjDescription,
        &[T::Oid, T::Name],
        T::Text,
    ),
    f(
        1597,
        "pg_encoding_to_char",
        F::PgEncodingToChar,
        &[T::Int4],
        T::Name,
    ),
    f(89, "version", F::Version, &[], T::Text),
    f(861, "current_database", F::CurrentDatabase, &[], T::Name),
    f(1402, "current_schema", F::CurrentSchema, &[], T::Name),
    f(
        1403,
        "current_schemas",
        F::CurrentSchemas,
        &[T::Bool],
        T::Name,
    ),
    f(2028, "pg_my_temp_schema", F::PgMyTempSchema, &[], T::Oid),
    f(745, "current_user", F::CurrentUser, &[], T::Name),
    f(746, "session_user", F::SessionUser, &[], T::Name),
    f(
        1922,
        "has_table_privilege",
        F::HasTablePrivilege,
        &[T::Text, T::Text],
        T::Bool,
    ),
    f(
        1923,
        "has_table_privilege",
        F::HasTablePrivilege,
        &[T::Oid, T::Text],
        T::Bool,
    ),
    f(
        1920,
        "has_table_privilege",
        F::HasTablePrivilege,
        &[T::Name, T::Text, T::Text],
        T::Bool,
    ),
    f(
        1921,
        "has_table_privilege",
        F::HasTablePrivilege,
        &[T::Name, T::Oid, T::Text],
        T::Bool,
    ),
    f(
        2268,
        "has_schema_privilege",
        F::HasSchemaPrivilege,
        &[T::Text, T::Text],
        T::Bool,
    ),
    f(
        2269,
        "has_schema_privilege",
        F::HasSchemaPrivilege,
        &[T::Oid, T::Text],
        T::Bool,
    ),
    f(
        2265,
        "has_schema_privilege",
        F::HasSchemaPrivilege,
        &[T::Name, T::Text, T::Text],
        T::Bool,
    ),
    f(
        2250,
        "has_database_privilege",
        F::HasDatabasePrivilege,
        &[T::Text, T::Text],
        T::Bool,
    ),
    f(
        2251,
        "has_database_privilege",
        F::HasDatabasePrivilege,
        &[T::Oid, T::Text],
        T::Bool,
    ),
    f(
        2247,
        "has_database_privilege",
        F::HasDatabasePrivilege,
        &[T::Name, T::Text, T::Text],
        T::Bool,
    ),
    f(
        2709,
        "pg_has_role",
        F::PgHasRole,
        &[T::Name, T::Text],
        T::Bool,
    ),
    f(
        2705,
        "pg_has_role",
        F::PgHasRole,
        &[T::Name, T::Name, T::Text],
        T::Bool,
    ),
    f(
        6121,
        "pg_relation_is_publishable",
        F::PgRelationIsPublishable,
        &[T::Oid],
        T::Bool,
    ),
    f(
        6174,
        "pg_get_statisticsobjdef_columns",
        F::PgGetStatisticsobjdefColumns,
        &[T::Oid],
        T::Text,
    ),
    f(
        2165,
        "pg_get_function_result",
        F::PgGetFunctionResult,
        &[T::Oid],
        T::Text,
    ),
    f(
        2162,
        "pg_get_function_arguments",
        F::PgGetFunctionArguments,
        &[T::Oid],
        T::Text,
    ),
    f(
        1665,
        "pg_get_serial_sequence",
        F::PgGetSerialSequence,
        &[T::Text, T::Text],
        T::Text,
    ),
    f(3810, "pg_is_in_recovery", F::PgIsInRecovery, &[], T::Bool),
    f(
        3495,
        "to_regclass",
        F::ToReg(RegKind::Class),
        &[T::Text],
        T::Reg(RegKind::Class),
    ),
    f(
        3493,
        "to_regtype",
        F::ToReg(RegKind::Type),
        &[T::Text],
        T::Reg(RegKind::Type),
    ),
    f(
        4086,
        "to_regnamespace",
        F::ToReg(RegKind::Namespace),
        &[T::Text],
        T::Reg(RegKind::Namespace),
    ),
];

/// Every catalog and administration function (`pg_proc`'s rows).
pub fn all_functions() -> impl Iterator<Item = &'static FuncInfo> {
    CATALOG_FUNCTIONS
        .iter()
        .chain(super::admin::ADMIN_FUNCTIONS.iter())
        .chain(super::advisory::ADVISORY_FUNCTIONS.iter())
}

/// The overloads of a catalog function, if `name` is one.
pub fn lookup(name: &str) -> Vec<&'static FuncInfo> {
    all_functions().filter(|f| f.name == name).collect()
}

/// Binds a call of a catalog function: picks the overload by argument count, casts the
/// arguments, and folds the call when every argument is a constant.
pub fn bind(
    catalog: &Catalog,
    overloads: &[&'static FuncInfo],
    args: Vec<(Expr, DataType)>,
) -> Result<(Expr, DataType)> {
    let Some(info) = overloads.iter().find(|f| {
        f.nargs == args.len()
            && f.args.iter().zip(&args).all(|(p, (_, a))| {
                *a == DataType::Unknown
                    || crate::types::can_cast(a, p, crate::types::CastKind::Implicit)
            })
    }) else {
        let types: Vec<String> = args.iter().map(|(_, t)| t.display_name()).collect();
        let name = overloads.first().map_or("?", |f| f.name);
        return Err(EngineError::UndefinedFunction {
            signature: format!("{name}({})", types.join(", ")),
        });
    };
    let mut bound = Vec::with_capacity(args.len());
    for ((x, from), to) in args.into_iter().zip(info.args) {
        let x = match to {
            // A name becomes a regclass (or regtype, ...) through the catalog.
            DataType::Reg(kind) if !matches!(from, DataType::Reg(_)) => {
                bind_reg_cast(catalog, x, &from, *kind)?.0
            }
            _ => coerce(x, &from, to)?,
        };
        bound.push(x);
    }
    make_call(catalog, info.func, bound, info.result())
}

/// Binds `x::regclass` (and the other OID alias types): names and OIDs are looked up in
/// the catalog.
pub fn bind_reg_cast(
    catalog: &Catalog,
    x: Expr,
    from: &DataType,
    kind: RegKind,
) -> Result<(Expr, DataType)> {
    let to = DataType::Reg(kind);
    let x = match from {
        DataType::Unknown | DataType::Text | DataType::Varchar(_) | DataType::Name => x,
        DataType::Char(_) => coerce(x, from, &DataType::Text)?,
        t if crate::types::can_cast(t, &DataType::Oid, crate::types::CastKind::Implicit) => {
            coerce(x, from, &DataType::Oid)?
        }
        t => {
            return Err(EngineError::Type(crate::types::TypeError::CannotCast {
                from: t.base_name().to_string(),
                to: kind.type_name().to_string(),
            }))
        }
    };
    make_call(catalog, SysFunc::CastReg(kind), vec![x], to)
}

fn make_call(
    catalog: &Catalog,
    func: SysFunc,
    args: Vec<Expr>,
    ret: DataType,
) -> Result<(Expr, DataType)> {
    let snap = Arc::new(Snapshot::new(catalog));
    if !super::admin::is_runtime(func) && args.iter().all(|a| matches!(a, Expr::Const(_))) {
        let vals: Vec<Value> = args
            .into_iter()
            .map(|a| match a {
                Expr::Const(v) => v,
                _ => Value::Null,
            })
            .collect();
        return Ok((Expr::Const(call(func, &snap, &vals)?), ret));
    }
    Ok((
        Expr::Sys(Box::new(SysCall {
            func,
            snapshot: snap,
            args,
        })),
        ret,
    ))
}

/// A bound catalog function call.
#[derive(Clone, Debug)]
pub struct SysCall {
    pub func: SysFunc,
    pub snapshot: Arc<Snapshot>,
    pub args: Vec<Expr>,
}

impl SysCall {
    /// Evaluates the call on its evaluated arguments, in the running statement's context.
    pub fn eval(&self, args: &[Value], cx: &crate::sql::exec::ExecCx<'_>) -> Result<Value> {
        if super::admin::is_runtime(self.func) {
            super::admin::call(self.func, &self.snapshot, args, cx)
        } else {
            call(self.func, &self.snapshot, args)
        }
    }
}

fn as_oid(v: &Value) -> u32 {
    match v {
        Value::Oid(o) | Value::Reg(_, o, _) => *o,
        v => v.as_i64().map_or(0, |i| i as u32),
    }
}

fn as_str(v: &Value) -> String {
    v.to_text().unwrap_or_default()
}

use crate::types::enums::quote_ident;

fn index_columns(t: &TableDef, i: usize) -> String {
    t.indexes[i]
        .columns
        .iter()
        .filter_map(|&c| t.columns.get(c))
        .map(|c| quote_ident(&c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `pg_get_indexdef`: the CREATE INDEX statement of index `i` of `t`.
pub fn index_def(t: &TableDef, i: usize) -> String {
    let ix = &t.indexes[i];
    format!(
        "CREATE {}INDEX {} ON public.{} USING btree ({})",
        if ix.unique || ix.primary {
            "UNIQUE "
        } else {
            ""
        },
        quote_ident(&ix.name),
        quote_ident(&t.name),
        index_columns(t, i)
    )
}

fn constraint_def(s: &Snapshot, con: u32, pretty: bool) -> Option<String> {
    for t in &s.tables {
        for k in constraints(t) {
            if constraint_oid(t, k) != con {
                continue;
            }
            return Some(match k {
                ConstraintRef::Index(i) => {
                    let kw = if t.indexes[i].primary {
                        "PRIMARY KEY"
                    } else {
                        "UNIQUE"
                    };
                    format!("{kw} ({})", index_columns(t, i))
                }
                ConstraintRef::Check(i) if pretty => format!("CHECK ({})", t.checks[i].expr),
                ConstraintRef::Check(i) => format!("CHECK (({}))", t.checks[i].expr),
                ConstraintRef::Foreign(i) => foreign_key_def(s, t, i),
            });
        }
    }
    None
}

/// `pg_get_constraintdef` of foreign key `i` of `t`, in PostgreSQL's words.
fn foreign_key_def(s: &Snapshot, t: &TableDef, i: usize) -> String {
    use crate::catalog::FkAction;
    let fk = &t.foreign_keys[i];
    let names = |table: &TableDef, cols: &[usize]| {
        cols.iter()
            .filter_map(|&c| table.columns.get(c))
            .map(|c| quote_ident(&c.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(parent) = s.tables.iter().find(|r| r.oid == fk.ref_table) else {
        return String::new();
    };
    let mut out = format!(
        "FOREIGN KEY ({}) REFERENCES {}({})",
        names(t, &fk.columns),
        quote_ident(&parent.name),
        names(parent, &fk.ref_columns)
    );
    if fk.match_full {
        out.push_str(" MATCH FULL");
    }
    let word = |a: FkAction| match a {
        FkAction::NoAction => None,
        FkAction::Restrict => Some("RESTRICT"),
        FkAction::Cascade => Some("CASCADE"),
        FkAction::SetNull => Some("SET NULL"),
        FkAction::SetDefault => Some("SET DEFAULT"),
    };
    if let Some(w) = word(fk.on_update) {
        out.push_str(&format!(" ON UPDATE {w}"));
    }
    if let Some(w) = word(fk.on_delete) {
        out.push_str(&format!(" ON DELETE {w}"));
    }
    if fk.deferrable {
        out.push_str(" DEFERRABLE");
    }
    if fk.initially_deferred {
        out.push_str(" INITIALLY DEFERRED");
    }
    if !fk.validated {
        out.push_str(" NOT VALID");
    }
    out
}

/// Whether the text names a relation, as a `regclass` input (42P01 if not).
pub fn reg_class_exists(s: &Snapshot, text: &str) -> Result<()> {
    reg_from_text(s, RegKind::Class, text, false).map(|_| ())
}

/// `pg_get_serial_sequence(table, column)`: the schema-qualified name of the sequence the
/// column's serial or identity default draws from, if the table owns it.
fn serial_sequence(s: &Snapshot, table: &str, column: &str) -> Result<Value> {
    let oid = as_oid(&reg_from_text(s, RegKind::Class, table, false)?);
    let Some(RelRef::Table(t)) = s.relation(oid) else {
        return Err(EngineError::UndefinedTable { name: table.into() });
    };
    let Some(col) = t.columns.iter().find(|c| c.name == column) else {
        return Err(EngineError::UndefinedColumn {
            name: format!("{column}\" of relation \"{}", t.name),
        });
    };
    let seq = col
        .default
        .as_deref()
        .and_then(|d| d.strip_prefix("nextval('"))
        .and_then(|d| d.split_once('\''))
        .map(|(name, _)| name);
    let owned = seq.and_then(|name| {
        s.tables
            .iter()
            .find(|q| q.name == name && q.sequence.as_ref().and_then(|d| d.owned_by) == Some(t.oid))
    });
    Ok(match owned {
        Some(q) => Value::Text(format!(
            "{}.{}",
            quote_ident(&s.namespace_name(s.namespace_of(q)).unwrap_or_default()),
            quote_ident(&q.name)
        )),
        None => Value::Null,
    })
}

/// Resolves the text of a `regclass`/`regtype`/... value (`regclassin` and friends).
fn reg_from_text(s: &Snapshot, kind: RegKind, text: &str, missing_ok: bool) -> Result<Value> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|c| c.is_ascii_digit()) {
        let o = crate::types::Value::parse(text, &DataType::Oid)?;
        return Ok(reg_from_oid(s, kind, as_oid(&o)));
    }
    let parts: Vec<String> = text
        .split('.')
        .map(
            |p| match p.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                Some(q) => q.replace("\"\"", "\""),
                None => p.to_lowercase(),
            },
        )
        .collect();
    let found = match kind {
        RegKind::Class => match parts.as_slice() {
            [n] => s.relation_oid(None, n),
            [sch, n] => s.relation_oid(Some(sch), n),
            _ => None,
        },
        RegKind::Type => type_oid(text).or_else(|| s.user_type_oid(text)),
        RegKind::Namespace => s
            .namespaces()
            .into_iter()
            .find(|n| parts.len() == 1 && n.1 == parts[0])
            .map(|n| n.0),
        RegKind::Role => s
            .roles
            .all()
            .find(|r| parts.len() == 1 && r.name == parts[0])
            .map(|r| r.oid),
        RegKind::Proc => all_functions()
            .find(|f| parts.last().is_some_and(|p| p == f.name))
            .map(|f| f.oid),
    };
    match found {
        Some(o) => Ok(reg_from_oid(s, kind, o)),
        None if missing_ok => Ok(Value::Null),
        None => Err(match kind {
            RegKind::Class => EngineError::UndefinedTable { name: text.into() },
            RegKind::Type => {
                EngineError::Type(crate::types::TypeError::UndefinedType { name: text.into() })
            }
            RegKind::Namespace => EngineError::UndefinedTable {
                name: format!("schema \"{text}\""),
            },
            RegKind::Role | RegKind::Proc => EngineError::UndefinedFunction {
                signature: text.into(),
            },
        }),
    }
}

/// A reg value for an OID: named when the object exists, else its number (as PostgreSQL
/// prints unknown OIDs).
fn reg_from_oid(s: &Snapshot, kind: RegKind, o: u32) -> Value {
    let named = match kind {
        RegKind::Class => s.relation_name(o).map(|(n, ns)| {
            if s.relation_visible(o) == Some(true) {
                quote_ident(&n)
            } else {
                format!(
                    "{}.{}",
                    s.namespace_name(ns).unwrap_or_default(),
                    quote_ident(&n)
                )
            }
        }),
        RegKind::Type => type_name(o).or_else(|| s.user_type_name(o)),
        RegKind::Namespace => s.namespace_name(o),
        RegKind::Role => s.role_name(o),
        RegKind::Proc => all_functions()
            .find(|f| f.oid == o)
            .map(|f| f.name.to_string()),
    };
    let shown = if o == 0 {
        "-".to_string()
    } else {
        named.unwrap_or_else(|| o.to_string())
    };
    Value::Reg(kind, o, shown)
}

/// Evaluates a catalog function on arguments of its parameter types.
pub fn call(func: SysFunc, s: &Snapshot, args: &[Value]) -> Result<Value> {
    // Strict, except that format_type takes a NULL typmod (no modifier).
    let strict_args = if func == F::FormatType {
        &args[..1.min(args.len())]
    } else {
        args
    };
    if strict_args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    let text = |v: String| Value::Text(v);
    Ok(match func {
        F::PgGetUserbyid => {
            let o = as_oid(&arg(0));
            text(
                s.role_name(o)
                    .unwrap_or_else(|| format!("unknown (OID={o})")),
            )
        }
        F::PgTableIsVisible => s
            .relation_visible(as_oid(&arg(0)))
            .map_or(Value::Null, Value::Bool),
        F::PgTypeIsVisible => {
            let o = as_oid(&arg(0));
            Value::Bool(type_name(o).is_some() || s.user_type_name(o).is_some())
        }
        F::PgFunctionIsVisible => Value::Bool(all_functions().any(|f| f.oid == as_oid(&arg(0)))),
        F::FormatType => {
            let typmod = args.get(1).and_then(Value::as_i64).map(|m| m as i32);
            let o = as_oid(&arg(0));
            match s.user_type_name(o) {
                Some(n) => text(n),
                None => text(format_type(o, typmod)),
            }
        }
        F::PgGetIndexdef => {
            let column = args.get(1).and_then(Value::as_i64).unwrap_or(0);
            match s.relation(as_oid(&arg(0))) {
                Some(RelRef::Index(t, i)) if column == 0 => text(index_def(t, i)),
                Some(RelRef::Index(t, i)) => {
                    let col = usize::try_from(column - 1)
                        .ok()
                        .and_then(|k| t.indexes[i].columns.get(k))
                        .and_then(|&c| t.columns.get(c));
                    col.map_or(Value::Null, |c| text(quote_ident(&c.name)))
                }
                _ => Value::Null,
            }
        }
        F::PgGetConstraintdef => {
            let pretty = matches!(args.get(1), Some(Value::Bool(true)));
            constraint_def(s, as_oid(&arg(0)), pretty).map_or(Value::Null, text)
        }
        // Expressions are kept as their SQL text.
        F::PgGetExpr => arg(0),
        // pg_trigger is empty: no OID names a trigger (PostgreSQL: NULL for those).
        F::PgGetTriggerdef => Value::Null,
        F::PgGetViewdef => match s.relation(as_oid(&arg(0))) {
            Some(RelRef::Table(t)) => t.view.clone().map_or(Value::Null, text),
            _ => Value::Null,
        },
        // No object has a comment.
        F::ObjDescription
        | F::ColDescription
        | F::ShobjDescription
        | F::PgGetStatisticsobjdefColumns => Value::Null,
        F::PgGetSerialSequence => serial_sequence(s, &as_str(&arg(0)), &as_str(&arg(1)))?,
        F::PgEncodingToChar => text(
            match arg(0).as_i64() {
                Some(0) => "SQL_ASCII",
                Some(6) => "UTF8",
                _ => "",
            }
            .into(),
        ),
        F::Version => text(VERSION.into()),
        F::CurrentDatabase => text(s.database_name.clone()),
        F::CurrentSchema => {
            use crate::search_path::PathSchema;
            match s.search_path.first_existing(s.temp_space.is_some()) {
                Some(PathSchema::Public) => text("public".into()),
                Some(PathSchema::PgCatalog) => text("pg_catalog".into()),
                Some(PathSchema::InformationSchema) => text("information_schema".into()),
                Some(PathSchema::Temp) => {
                    text(format!("pg_temp_{}", s.temp_space.map_or(0, |(n, _)| n)))
                }
                Some(PathSchema::User(oid)) => s.namespace_name(oid).map_or(Value::Null, text),
                None => Value::Null,
            }
        }
        F::CurrentSchemas => match arg(0) {
            Value::Null => Value::Null,
            v => current_schemas(s, v == Value::Bool(true)),
        },
        F::PgMyTempSchema => Value::Oid(s.temp_space.map_or(0, |(_, o)| o)),
        F::CurrentUser => text(s.current_user()),
        F::SessionUser => text(s.session_user()),
        F::HasTablePrivilege | F::HasSchemaPrivilege | F::HasDatabasePrivilege | F::PgHasRole => {
            super::privileges::call(func, s, args)?
        }
        F::PgSizePretty => super::admin::pg_size_pretty(&arg(0))?,
        F::CurrentSetting
        | F::SetConfig
        | F::PgBackendPid
        | F::RelationSize(_)
        | F::PgDatabaseSize
        | F::TxidCurrent
        | F::PgCurrentWalLsn
        | F::PgPostmasterStartTime
        | F::GenRandomUuid
        | F::PgNotify
        | F::PgNotificationQueueUsage
        | F::Advisory(_) => {
            return Err(EngineError::Internal {
                reason: "runtime function evaluated without its context",
            })
        }
        F::PgRelationIsPublishable => Value::Bool(
            matches!(s.relation(as_oid(&arg(0))), Some(RelRef::Table(t)) if t.view.is_none()),
        ),
        F::PgGetFunctionResult => all_functions()
            .find(|f| f.oid == as_oid(&arg(0)))
            .map_or(Value::Null, |f| text(f.result().display_name())),
        F::PgGetFunctionArguments => {
            all_functions()
                .find(|f| f.oid == as_oid(&arg(0)))
                .map_or(Value::Null, |f| {
                    text(
                        f.args
                            .iter()
                            .map(DataType::display_name)
                            .collect::<Vec<_>>()
                            .join(", "),
                    )
                })
        }
        F::PgIsInRecovery => Value::Bool(false),
        F::ToReg(kind) => reg_from_text(s, kind, &as_str(&arg(0)), true)?,
        F::CastReg(kind) => match arg(0) {
            Value::Text(t) => reg_from_text(s, kind, &t, false)?,
            v => reg_from_oid(s, kind, as_oid(&v)),
        },
    })
}

/// `current_schemas(implicit)`: the search path's existing schemas in search order; with
/// `implicit`, the schemas searched before them that the path does not list: the session's
/// temporary namespace (when it has one) and `pg_catalog`.
fn current_schemas(s: &Snapshot, implicit: bool) -> Value {
    use crate::search_path::PathSchema;
    let mut names = Vec::new();
    let listed: Vec<PathSchema> = s.search_path.listed().collect();
    if implicit {
        if let Some((n, _)) = s.temp_space.filter(|_| !listed.contains(&PathSchema::Temp)) {
            names.push(format!("pg_temp_{n}"));
        }
        if !listed.contains(&PathSchema::PgCatalog) {
            names.push("pg_catalog".into());
        }
    }
    for schema in listed {
        match schema {
            PathSchema::Public => names.push("public".into()),
            PathSchema::PgCatalog => names.push("pg_catalog".into()),
            PathSchema::InformationSchema => names.push("information_schema".into()),
            PathSchema::Temp => names.extend(s.temp_space.map(|(n, _)| format!("pg_temp_{n}"))),
            PathSchema::User(oid) => names.extend(s.namespace_name(oid)),
        }
    }
    Value::Array(Box::new(crate::types::array::ArrayValue::from_items(
        DataType::Name,
        names.into_iter().map(Value::Text).collect(),
    )))
}
