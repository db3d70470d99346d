//! CREATE TABLE, CREATE INDEX, DROP TABLE / INDEX.
//!
//! Definitions change in the statement's transaction (see `catalog`). The B+tree of a new
//! index is created in a fresh data file right away; if the transaction rolls back, that file
//! stays behind unused (its number is never handed out again).

use super::binder::ident_name;
use super::dml::table_rows;
use super::{Outcome, TxnCx};
use crate::catalog::{CheckDef, ColumnDef, Identity, IndexDef, OnCommit, TableDef};
use crate::error::{EngineError, Result};
use crate::notice::Notice;
use sqlparser::ast;

use super::binder::object_name;

pub(super) fn index_columns(
    table: &str,
    cols: &[ColumnDef],
    idx: &[ast::IndexColumn],
) -> Result<Vec<usize>> {
    idx.iter()
        .map(|c| match &c.column.expr {
            ast::Expr::Identifier(i) => {
                let name = ident_name(i);
                let at = cols
                    .iter()
                    .position(|c| c.name == name)
                    .ok_or(EngineError::UndefinedColumn { name })?;
                // json has no btree operator class.
                if cols[at].ty.base() == crate::types::DataType::Json {
                    return Err(EngineError::Function {
                        code: "42704",
                        message: "data type json has no default operator class for access method \"btree\"".into(),
                    });
                }
                Ok(at)
            }
            other => Err(EngineError::FeatureNotSupported {
                feature: format!("index on expression {other} of {table}"),
            }),
        })
        .collect()
}

/// A column definition with its NULL / NOT NULL / DEFAULT / identity options applied, the
/// options left over (constraints, for the caller), and for a serial or identity column
/// the options of the sequence to create for it.
pub(super) type PlainColumn<'a> = (
    ColumnDef,
    Vec<&'a ast::ColumnOptionDef>,
    Option<Vec<ast::SequenceOptions>>,
);

pub(super) fn plain_column<'a>(
    c: &'a ast::ColumnDef,
    catalog: &crate::catalog::Catalog,
) -> Result<PlainColumn<'a>> {
    let serial = super::ddl_seq::serial_type(&c.data_type);
    let mut col = ColumnDef {
        name: ident_name(&c.name),
        ty: match &serial {
            Some(t) => t.clone(),
            None => crate::sql::resolve_type(&c.data_type, catalog)?,
        },
        not_null: serial.is_some(),
        default: None,
        identity: None,
    };
    let mut sequence = serial.map(|_| Vec::new());
    let mut rest = Vec::new();
    for opt in &c.options {
        match &opt.option {
            ast::ColumnOption::Null => {}
            ast::ColumnOption::NotNull => col.not_null = true,
            ast::ColumnOption::Default(e) => col.default = Some(e.to_string()),
            ast::ColumnOption::Generated {
                generated_as,
                sequence_options,
                generation_expr: None,
                ..
            } if sequence.is_none() => {
                col.identity = Some(match generated_as {
                    ast::GeneratedAs::Always => Identity::Always,
                    _ => Identity::ByDefault,
                });
                col.not_null = true;
                sequence = Some(sequence_options.clone().unwrap_or_default());
            }
            _ => rest.push(opt),
        }
    }
    if sequence.is_some() && col.default.is_some() {
        return Err(EngineError::Syntax {
            message: format!(
                "multiple default values specified for column \"{}\"",
                col.name
            ),
            position: None,
        });
    }
    Ok((col, rest, sequence))
}

/// The columns `CREATE TABLE … (LIKE source [INCLUDING | EXCLUDING DEFAULTS])` copies:
/// names, types and NOT NULL, and with INCLUDING DEFAULTS the defaults (an identity
/// column's is not one: it becomes a plain NOT NULL column, as in PostgreSQL).
fn like_columns(cx: &TxnCx<'_>, like: &ast::CreateTableLikeKind) -> Result<Vec<ColumnDef>> {
    let ast::CreateTableLikeKind::Parenthesized(like) = like else {
        return Err(EngineError::FeatureNotSupported {
            feature: "CREATE TABLE … LIKE without parentheses".into(),
        });
    };
    let source = object_name(&like.name);
    let table = cx
        .catalog
        .get(&source)
        .filter(|t| t.sequence.is_none())
        .ok_or(EngineError::UndefinedTable { name: source })?;
    let defaults = like.defaults == Some(ast::CreateTableLikeDefaults::Including);
    Ok(table
        .columns
        .iter()
        .map(|c| ColumnDef {
            name: c.name.clone(),
            ty: c.ty.clone(),
            not_null: c.not_null,
            default: if defaults && c.identity.is_none() {
                c.default.clone()
            } else {
                None
            },
            identity: None,
        })
        .collect())
}

pub fn create_table(ct: &ast::CreateTable, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let (ns, name) = crate::temp::creation_target(cx, &ct.name, ct.temporary)?;
    if ns == 0 {
        crate::acl::require_create_in_public(cx.catalog)?;
    }
    let on_commit = match ct.on_commit {
        None | Some(ast::OnCommit::PreserveRows) => OnCommit::PreserveRows,
        Some(ast::OnCommit::DeleteRows) => OnCommit::DeleteRows,
        Some(ast::OnCommit::Drop) => OnCommit::Drop,
    };
    if ct.on_commit.is_some() && !crate::catalog::is_temp_space(ns) {
        return Err(EngineError::InvalidTableDefinition {
            message: "ON COMMIT can only be used on temporary tables".into(),
        });
    }
    if cx.catalog.name_taken(ns, &name) {
        if ct.if_not_exists {
            cx.notices.push(Notice::relation_exists_skipped(&name));
            return Ok(Outcome::Command {
                tag: "CREATE TABLE".into(),
            });
        }
        return Err(EngineError::DuplicateTable { name });
    }
    if let Some(q) = &ct.query {
        return super::ctas::create_table_as(ct, q, ns, name, on_commit, cx);
    }
    storage_parameters(&ct.table_options)?;
    let mut columns = Vec::new();
    // Serial and identity columns, with their sequences' options.
    let mut serials = Vec::new();
    // (constraint name, columns, primary)
    let mut keys: Vec<(Option<String>, Vec<usize>, bool)> = Vec::new();
    let mut checks = Vec::new();
    let mut fk_clauses = Vec::new();
    if let Some(like) = &ct.like {
        columns = like_columns(cx, like)?;
    }
    let offset = columns.len();
    for (i, c) in ct.columns.iter().enumerate() {
        let i = i + offset;
        let cname = ident_name(&c.name);
        if columns.iter().any(|x: &ColumnDef| x.name == cname) {
            return Err(EngineError::DuplicateColumn { name: cname });
        }
        let (mut col, constraints, sequence) = plain_column(c, cx.catalog)?;
        if let Some(opts) = sequence {
            serials.push((i, opts));
        }
        for opt in constraints {
            match &opt.option {
                ast::ColumnOption::PrimaryKey(pk) => {
                    immediate_key(pk.characteristics.as_ref())?;
                    col.not_null = true;
                    keys.push((opt.name.as_ref().map(ident_name), vec![i], true));
                }
                ast::ColumnOption::Unique(u) => {
                    immediate_key(u.characteristics.as_ref())?;
                    keys.push((opt.name.as_ref().map(ident_name), vec![i], false))
                }
                ast::ColumnOption::Check(ck) => checks.push(CheckDef {
                    name: ck
                        .name
                        .as_ref()
                        .or(opt.name.as_ref())
                        .map(ident_name)
                        .unwrap_or_else(|| format!("{name}_{cname}_check")),
                    expr: ck.expr.to_string(),
                }),
                ast::ColumnOption::ForeignKey(fk) => {
                    fk_clauses.push(super::fkey::Clause::column(&cname, opt.name.as_ref(), fk))
                }
                other => {
                    return Err(EngineError::FeatureNotSupported {
                        feature: format!("column option {other}"),
                    })
                }
            }
        }
        columns.push(col);
    }
    for tc in &ct.constraints {
        match tc {
            ast::TableConstraint::PrimaryKey(pk) => {
                immediate_key(pk.characteristics.as_ref())?;
                let cols = index_columns(&name, &columns, &pk.columns)?;
                for &c in &cols {
                    columns[c].not_null = true;
                }
                keys.push((pk.name.as_ref().map(ident_name), cols, true));
            }
            ast::TableConstraint::Unique(u) => {
                immediate_key(u.characteristics.as_ref())?;
                keys.push((
                    u.name.as_ref().map(ident_name),
                    index_columns(&name, &columns, &u.columns)?,
                    false,
                ))
            }
            ast::TableConstraint::Check(ck) => checks.push(CheckDef {
                // PostgreSQL names a table CHECK after its column when it reads just one.
                name: ck.name.as_ref().map(ident_name).unwrap_or_else(|| {
                    match single_column(&ck.expr, &columns) {
                        Some(col) => format!("{name}_{col}_check"),
                        None => format!("{name}_check"),
                    }
                }),
                expr: ck.expr.to_string(),
            }),
            ast::TableConstraint::ForeignKey(fk) => fk_clauses.push(super::fkey::Clause::table(fk)),
            other => {
                return Err(EngineError::FeatureNotSupported {
                    feature: format!("table constraint {other}"),
                })
            }
        }
    }
    if keys.iter().filter(|k| k.2).count() > 1 {
        return Err(EngineError::InvalidTableDefinition {
            message: format!("multiple primary keys for table \"{name}\" are not allowed"),
        });
    }
    let (oid, file) = cx.catalog.allocate(cx.storage)?;
    for (c, opts) in serials {
        let seq = super::ddl_seq::create_owned(cx, ns, &name, &columns[c], &opts, oid)?;
        columns[c].default = Some(super::ddl_seq::serial_default(cx, ns, &seq));
    }
    let mut indexes = Vec::new();
    for (cname, cols, primary) in keys {
        let iname = cname.unwrap_or_else(|| {
            if primary {
                format!("{name}_pkey")
            } else {
                let parts: Vec<&str> = cols.iter().map(|&c| columns[c].name.as_str()).collect();
                format!("{name}_{}_key", parts.join("_"))
            }
        });
        let (ioid, ifile) = cx.catalog.allocate(cx.storage)?;
        cx.storage.create_btree(ifile, true)?;
        indexes.push(IndexDef {
            name: iname,
            oid: ioid,
            file: ifile,
            columns: cols,
            unique: true,
            primary,
        });
    }
    let mut def = TableDef {
        oid,
        db: cx.catalog.database(),
        name,
        file,
        columns,
        indexes,
        checks,
        view: None,
        sequence: None,
        temp: ns,
        on_commit,
        foreign_keys: Vec::new(),
        owner: crate::acl::creator(cx.catalog),
        acl: None,
        rls: Default::default(),
    };
    for clause in &fk_clauses {
        let fk = super::fkey::define(cx, &def, clause, &|_| false)?;
        def.foreign_keys.push(fk);
    }
    let change = cx.catalog.create(cx.txn, cx.storage, def)?;
    cx.changes.push(change);
    Ok(Outcome::Command {
        tag: "CREATE TABLE".into(),
    })
}

pub fn create_view(cv: &ast::CreateView, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    if cv.materialized {
        return Err(EngineError::FeatureNotSupported {
            feature: "materialized views".into(),
        });
    }
    let (ns, name) = crate::temp::creation_target(cx, &cv.name, cv.temporary)?;
    if ns == 0 {
        crate::acl::require_create_in_public(cx.catalog)?;
    }
    let existing = cx.catalog.in_space(ns, &name);
    match &existing {
        Some(t) if t.view.is_none() || !cv.or_replace => {
            if cv.if_not_exists {
                return Ok(Outcome::Command {
                    tag: "CREATE VIEW".into(),
                });
            }
            return Err(EngineError::DuplicateTable { name });
        }
        _ => {}
    }
    let (plan, cols) = super::binder::Binder::new(cx.catalog, Vec::new())
        .without_privilege_checks()
        .bind_query(&cv.query)?;
    // ACCESS SHARE on the relations it reads, as PostgreSQL: they cannot be dropped while
    // the view is uncommitted.
    super::relation_locks::take(cx, &super::relation_locks::read_by(&plan))?;
    if !cv.columns.is_empty() && cv.columns.len() != cols.len() {
        return Err(EngineError::Syntax {
            message: "CREATE VIEW specifies another number of column names than the query has"
                .into(),
            position: None,
        });
    }
    let columns = cols
        .into_iter()
        .enumerate()
        .map(|(i, (n, ty))| ColumnDef {
            name: cv.columns.get(i).map(|c| ident_name(&c.name)).unwrap_or(n),
            ty,
            not_null: false,
            default: None,
            identity: None,
        })
        .collect();
    if let Some(old) = &existing {
        let change = cx.catalog.drop_table(cx.txn, cx.storage, old)?;
        cx.changes.push(change);
    }
    let (oid, file) = cx.catalog.allocate(cx.storage)?;
    let def = TableDef {
        oid,
        db: cx.catalog.database(),
        name,
        file,
        columns,
        indexes: Vec::new(),
        checks: Vec::new(),
        view: Some(cv.query.to_string()),
        sequence: None,
        temp: ns,
        on_commit: OnCommit::PreserveRows,
        foreign_keys: Vec::new(),
        owner: crate::acl::creator(cx.catalog),
        acl: None,
        rls: Default::default(),
    };
    let change = cx.catalog.create(cx.txn, cx.storage, def)?;
    cx.changes.push(change);
    Ok(Outcome::Command {
        tag: "CREATE VIEW".into(),
    })
}

pub fn create_index(ci: &ast::CreateIndex, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let tname = object_name(&ci.table_name);
    let table = cx
        .catalog
        .get(&tname)
        .ok_or_else(|| EngineError::UndefinedTable {
            name: tname.clone(),
        })?;
    crate::acl::require_owner(cx.catalog, &table, None)?;
    let cols = index_columns(&tname, &table.columns, &ci.columns)?;
    let iname = match &ci.name {
        // The index goes in its table's namespace: PostgreSQL's grammar takes no schema here.
        Some(ast::ObjectName(parts)) => match parts.as_slice() {
            [ast::ObjectNamePart::Identifier(i)] => ident_name(i),
            _ => {
                return Err(EngineError::Syntax {
                    message: "syntax error at or near \".\"".into(),
                    position: None,
                })
            }
        },
        None => {
            let parts: Vec<&str> = cols
                .iter()
                .map(|&c| table.columns[c].name.as_str())
                .collect();
            format!("{tname}_{}_idx", parts.join("_"))
        }
    };
    if cx.catalog.name_taken(table.temp, &iname) {
        if ci.if_not_exists {
            cx.notices.push(Notice::relation_exists_skipped(&iname));
            return Ok(Outcome::Command {
                tag: "CREATE INDEX".into(),
            });
        }
        return Err(EngineError::DuplicateTable { name: iname });
    }
    let (ioid, ifile) = cx.catalog.allocate(cx.storage)?;
    let index = IndexDef {
        name: iname,
        oid: ioid,
        file: ifile,
        columns: cols,
        unique: ci.unique,
        primary: false,
    };
    // Built bottom-up from the table's rows.
    super::index_build::build_index(cx, &table, &index, false)?;
    let mut def = (*table).clone();
    def.indexes.push(index);
    let change = cx.catalog.replace(cx.txn, cx.storage, def)?;
    cx.changes.push(change);
    Ok(Outcome::Command {
        tag: "CREATE INDEX".into(),
    })
}

/// Checks `WITH (name = value, …)` storage parameters as PostgreSQL does. Quill's heap has
/// no use for them, so valid ones are accepted and not kept.
fn storage_parameters(options: &ast::CreateTableOptions) -> Result<()> {
    let ast::CreateTableOptions::With(options) = options else {
        return Ok(());
    };
    let invalid = |message: String| EngineError::InvalidParameterValue { message };
    for o in options {
        let ast::SqlOption::KeyValue { key, value } = o else {
            return Err(invalid(format!("invalid storage parameter {o}")));
        };
        let name = object_name(key);
        let text = match value {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) => s.clone(),
                other => other.to_string(),
            },
            other => other.to_string(),
        };
        match name.as_str() {
            "fillfactor" => {
                let n: i64 = text.parse().map_err(|_| {
                    invalid(format!(
                        "invalid value for integer option \"fillfactor\": {text}"
                    ))
                })?;
                if !(10..=100).contains(&n) {
                    return Err(invalid(format!(
                        "value {n} out of bounds for option \"fillfactor\""
                    )));
                }
            }
            "autovacuum_enabled"
            | "toast_tuple_target"
            | "parallel_workers"
            | "vacuum_index_cleanup"
            | "vacuum_truncate"
            | "user_catalog_table" => {}
            n if n.starts_with("autovacuum_") || n.starts_with("toast.") => {}
            _ => return Err(invalid(format!("unrecognized parameter \"{name}\""))),
        }
    }
    Ok(())
}

/// TRUNCATE: deletes every row, in the transaction (so it rolls back like a DELETE).
pub fn truncate(t: &ast::Truncate, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    // Sequence values change outside transactions here, while PostgreSQL restarts them
    // transactionally: RESTART IDENTITY is refused rather than done differently.
    if t.identity == Some(ast::TruncateIdentityOption::Restart) {
        return Err(EngineError::FeatureNotSupported {
            feature: "TRUNCATE … RESTART IDENTITY".into(),
        });
    }
    let mut tables: Vec<std::sync::Arc<TableDef>> = Vec::new();
    for target in &t.table_names {
        let name = object_name(&target.name);
        let table = match cx.catalog.get(&name) {
            Some(t) if t.kind() == "a table" => t,
            Some(_) => {
                return Err(EngineError::WrongObjectType {
                    name,
                    expected: "a table",
                })
            }
            None if t.if_exists => continue,
            None => return Err(EngineError::UndefinedTable { name }),
        };
        crate::acl::require(cx.catalog, &table, crate::acl::TRUNCATE, None)?;
        if !tables.iter().any(|x| x.oid == table.oid) {
            tables.push(table);
        }
    }
    let cascade = matches!(t.cascade, Some(ast::CascadeOption::Cascade));
    let tables = super::fkey::depend::truncate_set(cx, tables, cascade)?;
    for table in &tables {
        super::fkey::deferred::not_in_use(cx, table, "TRUNCATE")?;
    }
    for table in tables {
        for (tid, row) in table_rows(cx.storage, &table)? {
            super::dml::unstore_row(cx, &table, tid, &row)?;
        }
    }
    Ok(Outcome::Command {
        tag: "TRUNCATE TABLE".into(),
    })
}

pub fn drop(
    kind: ast::ObjectType,
    if_exists: bool,
    names: &[ast::ObjectName],
    cascade: bool,
    cx: &mut TxnCx<'_>,
) -> Result<Outcome> {
    match kind {
        ast::ObjectType::Table | ast::ObjectType::View | ast::ObjectType::Sequence => {
            let (expected, tag, noun) = match kind {
                ast::ObjectType::View => ("a view", "DROP VIEW", "view"),
                ast::ObjectType::Sequence => ("a sequence", "DROP SEQUENCE", "sequence"),
                _ => ("a table", "DROP TABLE", "table"),
            };
            let mut tables = Vec::new();
            for n in names {
                let name = object_name(n);
                let table = match cx.catalog.get(&name) {
                    None if if_exists => {
                        cx.notices.push(Notice::missing_skipped(noun, &name));
                        continue;
                    }
                    None => return Err(EngineError::UndefinedTable { name }),
                    Some(t) if t.kind() != expected => {
                        return Err(EngineError::WrongObjectType { name, expected })
                    }
                    Some(t) => t,
                };
                crate::acl::require_owner(cx.catalog, &table, None)?;
                super::fkey::deferred::not_in_use(cx, &table, tag)?;
                tables.push(table);
            }
            // Constraints of other tables referencing the dropped ones.
            super::fkey::depend::drop_tables(cx, &tables, cascade)?;
            for table in tables {
                // Re-read: dropping a constraint of this table may have replaced it.
                let table = cx.catalog.by_oid(table.oid).unwrap_or(table);
                let change = cx.catalog.drop_table(cx.txn, cx.storage, &table)?;
                cx.changes.push(change);
                // Sequences of the table's serial and identity columns go with it.
                let owned: Vec<_> = cx
                    .catalog
                    .tables()
                    .filter(|t| t.sequence.as_ref().and_then(|s| s.owned_by) == Some(table.oid))
                    .cloned()
                    .collect();
                for seq in owned {
                    let change = cx.catalog.drop_table(cx.txn, cx.storage, &seq)?;
                    cx.changes.push(change);
                }
            }
            Ok(Outcome::Command { tag: tag.into() })
        }
        ast::ObjectType::Index => {
            for n in names {
                let name = object_name(n);
                let Some(table) = cx.catalog.index_owner(&name) else {
                    if if_exists {
                        cx.notices.push(Notice::missing_skipped("index", &name));
                        continue;
                    }
                    return Err(EngineError::UndefinedIndex { name });
                };
                let bare = cx
                    .catalog
                    .split_name(&name)
                    .map_or(name.as_str(), |(_, b)| b)
                    .to_string();
                crate::acl::require_owner(cx.catalog, &table, Some(&bare))?;
                super::fkey::depend::drop_key(
                    cx,
                    &table,
                    &bare,
                    &format!("index {bare}"),
                    cascade,
                )?;
                let table = cx.catalog.by_oid(table.oid).unwrap_or(table);
                let mut def = (*table).clone();
                def.indexes.retain(|i| i.name != bare);
                let change = cx.catalog.replace(cx.txn, cx.storage, def)?;
                cx.changes.push(change);
            }
            Ok(Outcome::Command {
                tag: "DROP INDEX".into(),
            })
        }
        other => Err(EngineError::FeatureNotSupported {
            feature: format!("DROP {other}"),
        }),
    }
}

/// The one column of `columns` an expression reads, if it reads exactly one (by the
/// identifiers among its tokens).
pub(super) fn single_column(
    expr: &ast::Expr,
    columns: &[crate::catalog::ColumnDef],
) -> Option<String> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let text = expr.to_string();
    let tokens = Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, &text)
        .tokenize()
        .ok()?;
    let mut found: Vec<&str> = Vec::new();
    for t in &tokens {
        if let Token::Word(w) = t {
            let n = match w.quote_style {
                Some(_) => w.value.clone(),
                None => w.value.to_lowercase(),
            };
            if let Some(c) = columns.iter().find(|c| c.name == n) {
                if !found.contains(&c.name.as_str()) {
                    found.push(&c.name);
                }
            }
        }
    }
    match found.as_slice() {
        [one] => Some((*one).to_string()),
        _ => None,
    }
}

/// PRIMARY KEY / UNIQUE are checked row by row: DEFERRABLE ones are refused (0A000);
/// `NOT DEFERRABLE` / `INITIALLY IMMEDIATE` only say so.
pub(super) fn immediate_key(ch: Option<&ast::ConstraintCharacteristics>) -> Result<()> {
    if super::fkey::timing(ch)?.0 {
        return Err(EngineError::FeatureNotSupported {
            feature: "DEFERRABLE unique constraints".into(),
        });
    }
    Ok(())
}
