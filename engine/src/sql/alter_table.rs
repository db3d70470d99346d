//! ALTER TABLE (every action but DROP COLUMN, which `drop_column` owns) and
//! ALTER INDEX … RENAME.
//!
//! The actions of one statement apply in order to a copy of the definition; then the rows
//! are checked against what the actions added (SET NOT NULL, ADD CHECK: PostgreSQL's
//! errors, 23502 / 23514) or, when a column changes type or a new column needs its default
//! stored, rewritten: every row is deleted and stored again in its new form, with every
//! index, in the statement's transaction. The definition and the rows are logged like any
//! other change, so a rollback or a crash before commit leaves the table wholly as it was,
//! and after commit wholly new. New PRIMARY KEY / UNIQUE indexes are built last, over the
//! rows as they then are.

use super::binder::{coerce, ident_name, object_name, Binder};
use super::dml::{table_rows, table_scope};
use super::expr::{Env, Expr};
use super::{Outcome, TxnCx};
use crate::catalog::{CheckDef, IndexDef, TableDef};
use crate::error::{EngineError, Result};
use crate::notice::{Notice, Severity};
use crate::types::{can_cast, CastKind, DataType, Value};
use sqlparser::ast;
use std::sync::Arc;

fn error(code: &'static str, message: String) -> EngineError {
    EngineError::Function { code, message }
}

/// A column changing type: its position, and the USING expression (bound over the row as
/// the statement found it) or `None` for the assignment cast.
struct Retype {
    col: usize,
    using: Option<Expr>,
}

/// One ALTER TABLE statement being applied.
struct Alter {
    old: Arc<TableDef>,
    def: TableDef,
    /// The columns as the rows hold them before the rewrite (the table's, then those added
    /// by this statement, as declared).
    before: TableDef,
    new_name: Option<String>,
    /// Columns added by this statement (positions in `def`).
    added: Vec<usize>,
    retyped: Vec<Retype>,
    /// Columns that became NOT NULL (by SET NOT NULL).
    not_null: Vec<usize>,
    /// Columns that became NOT NULL as part of a new primary key: building its index
    /// checks them, after looking for duplicates, as PostgreSQL does.
    key_not_null: Vec<usize>,
    /// Names of CHECK constraints added.
    checks: Vec<String>,
    /// PRIMARY KEY / UNIQUE indexes added (built after the rows are final).
    keys: Vec<IndexDef>,
    /// Names of foreign keys to check against the rows (added without NOT VALID, or
    /// validated).
    validate_fks: Vec<String>,
}

/// ALTER TABLE: ADD / DROP / RENAME COLUMN, ALTER COLUMN (SET / DROP DEFAULT, SET / DROP
/// NOT NULL, TYPE … USING), ADD / DROP / RENAME CONSTRAINT, RENAME TO.
pub fn alter_table(at: &ast::AlterTable, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let done = || Outcome::Command {
        tag: "ALTER TABLE".into(),
    };
    let name = object_name(&at.name);
    let Some(table) = cx.catalog.get(&name).filter(|t| t.kind() == "a table") else {
        if at.if_exists {
            if cx.catalog.get(&name).is_none() {
                cx.notices.push(Notice::missing_skipped("relation", &name));
            }
            return Ok(done());
        }
        return Err(EngineError::UndefinedTable { name });
    };
    crate::acl::require_owner(cx.catalog, &table, None)?;
    super::fkey::deferred::not_in_use(cx, &table, "ALTER TABLE")?;
    if let Some(schema) = super::set_schema::target(at) {
        return super::set_schema::set_schema(&table, schema, cx);
    }
    if let Some(out) = super::owner::alter_owner(at, &table, cx)? {
        return Ok(out);
    }
    let drops = at
        .operations
        .iter()
        .filter(|op| matches!(op, ast::AlterTableOperation::DropColumn { .. }))
        .count();
    if drops > 0 {
        if drops != at.operations.len() {
            return Err(EngineError::FeatureNotSupported {
                feature: "DROP COLUMN together with other ALTER TABLE actions".into(),
            });
        }
        for op in &at.operations {
            if let ast::AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                drop_behavior,
                ..
            } = op
            {
                let cascade = matches!(drop_behavior, Some(ast::DropBehavior::Cascade));
                for c in column_names {
                    super::drop_column::drop_column(
                        cx,
                        &name,
                        &ident_name(c),
                        *if_exists,
                        cascade,
                    )?;
                }
            }
        }
        return Ok(done());
    }
    let mut alter = Alter {
        def: (*table).clone(),
        before: (*table).clone(),
        old: table,
        new_name: None,
        added: Vec::new(),
        retyped: Vec::new(),
        not_null: Vec::new(),
        key_not_null: Vec::new(),
        checks: Vec::new(),
        keys: Vec::new(),
        validate_fks: Vec::new(),
    };
    for op in &at.operations {
        alter.apply(cx, op)?;
    }
    alter.finish(cx)?;
    Ok(done())
}

impl Alter {
    fn column(&self, name: &ast::Ident) -> Result<usize> {
        let n = ident_name(name);
        self.def
            .column_index(&n)
            .ok_or_else(|| EngineError::UndefinedColumn {
                name: format!("{n}\" of relation \"{}", self.def.name),
            })
    }

    /// Whether a constraint of this table is called `name`.
    fn has_constraint(&self, name: &str) -> bool {
        self.def.checks.iter().any(|c| c.name == name)
            || self.def.foreign_keys.iter().any(|f| f.name == name)
            || self
                .def
                .indexes
                .iter()
                .chain(&self.keys)
                .any(|i| (i.unique || i.primary) && i.name == name)
    }

    fn apply(&mut self, cx: &mut TxnCx<'_>, op: &ast::AlterTableOperation) -> Result<()> {
        use ast::AlterTableOperation as Op;
        match op {
            Op::AddColumn {
                if_not_exists,
                column_def: c,
                ..
            } => {
                let cname = ident_name(&c.name);
                if self.def.column_index(&cname).is_some() {
                    if *if_not_exists {
                        cx.notices.push(Notice::new(
                            Severity::Notice,
                            "42701",
                            format!(
                                "column \"{cname}\" of relation \"{}\" already exists, skipping",
                                self.def.name
                            ),
                        ));
                        return Ok(());
                    }
                    return Err(EngineError::DuplicateColumn { name: cname });
                }
                let (col, constraints, sequence) = super::ddl::plain_column(c, cx.catalog)?;
                if sequence.is_some() {
                    return Err(EngineError::FeatureNotSupported {
                        feature: "ADD COLUMN of a serial or identity column".into(),
                    });
                }
                if let Some(opt) = constraints.first() {
                    return Err(EngineError::FeatureNotSupported {
                        feature: format!("ADD COLUMN with {}", opt.option),
                    });
                }
                self.added.push(self.def.columns.len());
                self.before.columns.push(col.clone());
                self.def.columns.push(col);
            }
            Op::RenameColumn {
                old_column_name,
                new_column_name,
            } => {
                let old = ident_name(old_column_name);
                let new = ident_name(new_column_name);
                if self.def.column_index(&new).is_some() {
                    return Err(EngineError::DuplicateColumn { name: new });
                }
                let i = self
                    .def
                    .column_index(&old)
                    .ok_or(EngineError::UndefinedColumn { name: old.clone() })?;
                // Policies keep their clauses as text, which would no longer bind.
                if self.def.rls.policies.iter().any(|p| {
                    [&p.using, &p.check]
                        .into_iter()
                        .flatten()
                        .any(|sql| super::privileges::names_a_column_named(&old, sql))
                }) {
                    return Err(EngineError::FeatureNotSupported {
                        feature: format!(
                            "RENAME COLUMN of column \"{old}\", which a row-level security policy reads"
                        ),
                    });
                }
                self.def.columns[i].name = new;
            }
            Op::AddConstraint {
                constraint: ast::TableConstraint::ForeignKey(fk),
                not_valid,
            } => {
                let keys: Vec<String> = self.keys.iter().map(|k| k.name.clone()).collect();
                let mut def =
                    super::fkey::define(cx, &self.def, &super::fkey::Clause::table(fk), &|n| {
                        keys.iter().any(|k| k == n)
                    })?;
                def.validated = !*not_valid;
                if def.validated {
                    self.validate_fks.push(def.name.clone());
                }
                self.def.foreign_keys.push(def);
            }
            Op::ValidateConstraint { name } => {
                let cname = ident_name(name);
                if let Some(fk) = self.def.foreign_keys.iter_mut().find(|f| f.name == cname) {
                    if !fk.validated {
                        fk.validated = true;
                        self.validate_fks.push(cname);
                    }
                } else if !self.has_constraint(&cname) {
                    return Err(error(
                        "42704",
                        format!(
                            "constraint \"{cname}\" of relation \"{}\" does not exist",
                            self.def.name
                        ),
                    ));
                }
            }
            Op::AddConstraint {
                constraint,
                not_valid,
            } => {
                if *not_valid {
                    return Err(EngineError::FeatureNotSupported {
                        feature: "ADD CONSTRAINT … NOT VALID".into(),
                    });
                }
                self.add_constraint(cx, constraint)?;
            }
            Op::DropConstraint {
                if_exists,
                name,
                drop_behavior,
            } => {
                let cascade = matches!(drop_behavior, Some(ast::DropBehavior::Cascade));
                let cname = ident_name(name);
                // Foreign keys referencing the key being dropped go with CASCADE only.
                super::fkey::depend::drop_key(
                    cx,
                    &self.def,
                    &cname,
                    &format!("constraint {cname} on table {}", self.def.name),
                    cascade,
                )?;
                if self.def.indexes.iter().any(|i| i.name == cname) {
                    let def = &self.def;
                    let own_deps: Vec<String> = def
                        .foreign_keys
                        .iter()
                        .filter(|f| {
                            f.ref_table == def.oid
                                && super::fkey::key_index(def, &f.ref_columns)
                                    .is_some_and(|k| k.name == cname)
                        })
                        .map(|f| f.name.clone())
                        .collect();
                    self.def
                        .foreign_keys
                        .retain(|f| !own_deps.contains(&f.name));
                }
                if let Some(i) = self.def.foreign_keys.iter().position(|f| f.name == cname) {
                    self.def.foreign_keys.remove(i);
                    self.validate_fks.retain(|n| *n != cname);
                } else if let Some(i) = self.def.checks.iter().position(|c| c.name == cname) {
                    self.def.checks.remove(i);
                    self.checks.retain(|c| *c != cname);
                } else if let Some(i) = self
                    .def
                    .indexes
                    .iter()
                    .position(|i| (i.unique || i.primary) && i.name == cname)
                {
                    // As in PostgreSQL 15, the key's columns stay NOT NULL.
                    self.def.indexes.remove(i);
                } else if let Some(i) = self.keys.iter().position(|i| i.name == cname) {
                    self.keys.remove(i);
                } else if *if_exists {
                    cx.notices.push(Notice::new(
                        Severity::Notice,
                        "00000",
                        format!(
                            "constraint \"{cname}\" of relation \"{}\" does not exist, skipping",
                            self.def.name
                        ),
                    ));
                } else {
                    return Err(error(
                        "42704",
                        format!(
                            "constraint \"{cname}\" of relation \"{}\" does not exist",
                            self.def.name
                        ),
                    ));
                }
            }
            Op::RenameConstraint { old_name, new_name } => {
                let (old, new) = (ident_name(old_name), ident_name(new_name));
                if !self.has_constraint(&old) {
                    return Err(error(
                        "42704",
                        format!(
                            "constraint \"{old}\" for table \"{}\" does not exist",
                            self.def.name
                        ),
                    ));
                }
                if self.has_constraint(&new) {
                    return Err(error(
                        "42710",
                        format!(
                            "constraint \"{new}\" for relation \"{}\" already exists",
                            self.def.name
                        ),
                    ));
                }
                if let Some(c) = self.def.checks.iter_mut().find(|c| c.name == old) {
                    c.name = new.clone();
                    for n in &mut self.checks {
                        if *n == old {
                            n.clone_from(&new);
                        }
                    }
                } else {
                    // An index-backed constraint renames its index.
                    if cx.catalog.name_taken(self.def.temp, &new) {
                        return Err(EngineError::DuplicateTable { name: new });
                    }
                    for ix in self.def.indexes.iter_mut().chain(self.keys.iter_mut()) {
                        if ix.name == old {
                            ix.name.clone_from(&new);
                        }
                    }
                }
            }
            Op::AlterColumn { column_name, op } => self.alter_column(cx, column_name, op)?,
            Op::RenameTable { table_name } => {
                let (ast::RenameTableNameKind::To(n) | ast::RenameTableNameKind::As(n)) =
                    table_name;
                self.new_name = Some(object_name(n));
            }
            Op::EnableRowLevelSecurity => self.def.rls.enabled = true,
            Op::DisableRowLevelSecurity => self.def.rls.enabled = false,
            Op::ForceRowLevelSecurity => self.def.rls.forced = true,
            Op::NoForceRowLevelSecurity => self.def.rls.forced = false,
            other => {
                return Err(EngineError::FeatureNotSupported {
                    feature: format!("ALTER TABLE {other}"),
                })
            }
        }
        Ok(())
    }

    fn add_constraint(
        &mut self,
        cx: &mut TxnCx<'_>,
        constraint: &ast::TableConstraint,
    ) -> Result<()> {
        match constraint {
            ast::TableConstraint::PrimaryKey(pk) => {
                key_options_supported(
                    &pk.index_name,
                    &pk.index_type,
                    &pk.include,
                    &pk.index_options,
                    &pk.characteristics,
                )?;
                let ix = self.prepare_key(cx, pk.name.as_ref(), &pk.columns, true)?;
                self.keys.push(ix);
            }
            ast::TableConstraint::Unique(u) => {
                key_options_supported(
                    &u.index_name,
                    &u.index_type,
                    &u.include,
                    &u.index_options,
                    &u.characteristics,
                )?;
                if u.nulls_distinct == ast::NullsDistinctOption::NotDistinct {
                    return Err(EngineError::FeatureNotSupported {
                        feature: "UNIQUE NULLS NOT DISTINCT".into(),
                    });
                }
                let ix = self.prepare_key(cx, u.name.as_ref(), &u.columns, false)?;
                self.keys.push(ix);
            }
            ast::TableConstraint::Check(ck) => {
                if ck.no_inherit || ck.enforced.is_some() {
                    return Err(EngineError::FeatureNotSupported {
                        feature: format!("CHECK constraint option in {constraint}"),
                    });
                }
                let name = match &ck.name {
                    Some(n) => {
                        let n = ident_name(n);
                        if self.has_constraint(&n) {
                            return Err(error(
                                "42710",
                                format!(
                                    "constraint \"{n}\" for relation \"{}\" already exists",
                                    self.def.name
                                ),
                            ));
                        }
                        n
                    }
                    None => {
                        let base = match super::ddl::single_column(&ck.expr, &self.def.columns) {
                            Some(col) => format!("{}_{col}_check", self.def.name),
                            None => format!("{}_check", self.def.name),
                        };
                        // PostgreSQL numbers a generated name until it is free.
                        let mut n = base.clone();
                        let mut k = 0;
                        while self.has_constraint(&n) {
                            k += 1;
                            n = format!("{base}{k}");
                        }
                        n
                    }
                };
                let expr = ck.expr.to_string();
                // The condition must be a boolean over the table's columns.
                bind_check(cx, &self.def, &expr)?;
                self.def.checks.push(CheckDef {
                    name: name.clone(),
                    expr,
                });
                self.checks.push(name);
            }
            other => {
                return Err(EngineError::FeatureNotSupported {
                    feature: format!("ALTER TABLE ADD {other}"),
                })
            }
        }
        Ok(())
    }

    /// A PRIMARY KEY / UNIQUE index to build: its name checked, a data file allocated.
    fn prepare_key(
        &mut self,
        cx: &mut TxnCx<'_>,
        name: Option<&ast::Ident>,
        columns: &[ast::IndexColumn],
        primary: bool,
    ) -> Result<IndexDef> {
        let def = &self.def;
        if primary && def.indexes.iter().chain(&self.keys).any(|i| i.primary) {
            return Err(EngineError::InvalidTableDefinition {
                message: format!(
                    "multiple primary keys for table \"{}\" are not allowed",
                    def.name
                ),
            });
        }
        let cols = super::ddl::index_columns(&def.name, &def.columns, columns)?;
        let iname = name.map(ident_name).unwrap_or_else(|| {
            if primary {
                format!("{}_pkey", def.name)
            } else {
                let parts: Vec<&str> = cols.iter().map(|&c| def.columns[c].name.as_str()).collect();
                format!("{}_{}_key", def.name, parts.join("_"))
            }
        });
        if cx.catalog.name_taken(def.temp, &iname)
            || def
                .indexes
                .iter()
                .chain(&self.keys)
                .any(|i| i.name == iname)
        {
            return Err(EngineError::DuplicateTable { name: iname });
        }
        let (oid, file) = cx.catalog.allocate(cx.storage)?;
        if primary {
            for &c in &cols {
                if !self.def.columns[c].not_null {
                    self.def.columns[c].not_null = true;
                    self.key_not_null.push(c);
                }
            }
        }
        Ok(IndexDef {
            name: iname,
            oid,
            file,
            columns: cols,
            unique: true,
            primary,
        })
    }

    fn alter_column(
        &mut self,
        cx: &mut TxnCx<'_>,
        column: &ast::Ident,
        op: &ast::AlterColumnOperation,
    ) -> Result<()> {
        use ast::AlterColumnOperation as Op;
        let c = self.column(column)?;
        let identity = |this: &Alter| {
            error(
                "42601",
                format!(
                    "column \"{}\" of relation \"{}\" is an identity column",
                    this.def.columns[c].name, this.def.name
                ),
            )
        };
        match op {
            Op::SetNotNull => {
                if !self.def.columns[c].not_null {
                    self.def.columns[c].not_null = true;
                    self.not_null.push(c);
                }
            }
            Op::DropNotNull => {
                let in_key = self
                    .def
                    .indexes
                    .iter()
                    .chain(&self.keys)
                    .any(|i| i.primary && i.columns.contains(&c));
                if in_key {
                    return Err(error(
                        "42P16",
                        format!(
                            "column \"{}\" is in a primary key",
                            self.def.columns[c].name
                        ),
                    ));
                }
                if self.def.columns[c].identity.is_some() {
                    return Err(identity(self));
                }
                self.def.columns[c].not_null = false;
                self.not_null.retain(|&n| n != c);
                self.key_not_null.retain(|&n| n != c);
            }
            Op::SetDefault { value } => {
                if self.def.columns[c].identity.is_some() {
                    return Err(identity(self));
                }
                let mut col = self.def.columns[c].clone();
                col.default = Some(value.to_string());
                check_default(cx, &col)?;
                self.def.columns[c] = col;
            }
            Op::DropDefault => {
                if self.def.columns[c].identity.is_some() {
                    return Err(identity(self));
                }
                self.def.columns[c].default = None;
            }
            Op::SetDataType {
                data_type, using, ..
            } => {
                let keyed = self.def.foreign_keys.iter().any(|f| f.columns.contains(&c))
                    || cx
                        .catalog
                        .referencing(self.def.oid)
                        .iter()
                        .any(|(_, f)| f.ref_columns.contains(&c));
                if keyed {
                    return Err(EngineError::FeatureNotSupported {
                        feature: "ALTER COLUMN … TYPE of a column in a foreign key".into(),
                    });
                }
                let to = crate::sql::resolve_type(data_type, cx.catalog)?;
                let from = self.def.columns[c].ty.clone();
                let using = match using {
                    Some(u) => {
                        let scope = table_scope(&self.before, None);
                        let (e, t) =
                            Binder::new(cx.catalog, Vec::new()).bind_expr(u, &scope, &mut None)?;
                        if t != DataType::Unknown && !can_cast(&t, &to, CastKind::Assignment) {
                            return Err(EngineError::DatatypeMismatch {
                                message: format!(
                                    "result of USING clause for column \"{}\" cannot be cast automatically to type {}",
                                    self.def.columns[c].name,
                                    to.display_name()
                                ),
                            });
                        }
                        Some(if t == DataType::Unknown {
                            coerce(e, &t, &to)?
                        } else {
                            e
                        })
                    }
                    None => {
                        if !can_cast(&from, &to, CastKind::Assignment) {
                            return Err(EngineError::DatatypeMismatch {
                                message: format!(
                                    "column \"{}\" cannot be cast automatically to type {}",
                                    self.def.columns[c].name,
                                    to.display_name()
                                ),
                            });
                        }
                        None
                    }
                };
                self.def.columns[c].ty = to;
                if self.def.columns[c].default.is_some() {
                    check_default(cx, &self.def.columns[c])?;
                }
                self.retyped.retain(|r| r.col != c);
                self.retyped.push(Retype { col: c, using });
            }
            other => {
                return Err(EngineError::FeatureNotSupported {
                    feature: format!("ALTER COLUMN … {other}"),
                })
            }
        }
        Ok(())
    }

    /// Stores the definition and brings the rows in line with it.
    fn finish(mut self, cx: &mut TxnCx<'_>) -> Result<()> {
        let rewrite = !self.retyped.is_empty()
            || self
                .added
                .iter()
                .any(|&c| self.def.columns[c].default.is_some() || self.def.columns[c].not_null);
        if !self.retyped.is_empty() {
            self.check_views(cx)?;
        }
        let change = cx.catalog.replace(cx.txn, cx.storage, self.def.clone())?;
        cx.changes.push(change);
        let rows = table_rows(cx.storage, &self.old)?;
        if rewrite {
            let mut new_rows = Vec::with_capacity(rows.len());
            for (_, old) in &rows {
                new_rows.push(self.convert(cx, old)?);
            }
            let all_not_null: Vec<usize> = (0..self.def.columns.len())
                .filter(|&c| self.def.columns[c].not_null && !self.key_not_null.contains(&c))
                .collect();
            let all_checks: Vec<String> = self.def.checks.iter().map(|c| c.name.clone()).collect();
            validate(cx, &self.def, &new_rows, &all_not_null, &all_checks)?;
            // Key columns are checked for NULLs when the key's index is built.
            let mut new = self.def.clone();
            for &c in &self.key_not_null {
                new.columns[c].not_null = false;
            }
            for ((tid, old), row) in rows.iter().zip(&new_rows) {
                super::dml::unstore_row(cx, &self.old, *tid, old)?;
                super::dml::store_row(cx, &new, row)?;
            }
        } else {
            let rows: Vec<Vec<Value>> = rows.into_iter().map(|(_, r)| r).collect();
            validate(cx, &self.def, &rows, &self.not_null, &self.checks)?;
        }
        if !self.keys.is_empty() {
            for ix in std::mem::take(&mut self.keys) {
                super::index_build::build_index(cx, &self.def, &ix, ix.primary)?;
                self.def.indexes.push(ix);
            }
            let change = cx.catalog.replace(cx.txn, cx.storage, self.def.clone())?;
            cx.changes.push(change);
        }
        for name in std::mem::take(&mut self.validate_fks) {
            if let Some(fk) = self.def.foreign_keys.iter().find(|f| f.name == name) {
                super::fkey::validate_all(cx, &self.def, fk)?;
            }
        }
        if let Some(new) = self.new_name {
            if cx.catalog.name_taken(self.def.temp, &new) {
                return Err(EngineError::DuplicateTable { name: new });
            }
            let change = cx.catalog.drop_table(cx.txn, cx.storage, &self.def)?;
            cx.changes.push(change);
            self.def.name = new;
            let change = cx.catalog.create(cx.txn, cx.storage, self.def)?;
            cx.changes.push(change);
        }
        Ok(())
    }

    /// A row of the old table in the new definition's form: added columns get their
    /// defaults, retyped ones their converted values.
    fn convert(&self, cx: &TxnCx<'_>, old: &[Value]) -> Result<Vec<Value>> {
        let mut before = old.to_vec();
        before.resize(self.old.columns.len(), Value::Null);
        for &c in &self.added {
            before.push(super::dml::default_value(cx, &self.before, c)?);
        }
        let mut row = before.clone();
        let ecx = cx.exec();
        let env = Env {
            cx: &ecx,
            outer: &[],
        };
        for r in &self.retyped {
            let v = match &r.using {
                Some(e) => e.eval(&before, &env)?,
                None => before[r.col].clone(),
            };
            row[r.col] = if v.is_null() {
                v
            } else {
                v.cast(&self.def.columns[r.col].ty, CastKind::Assignment)?
            };
        }
        Ok(row)
    }

    /// A view reading a column whose type changes blocks the change, as in PostgreSQL.
    fn check_views(&self, cx: &TxnCx<'_>) -> Result<()> {
        for view in cx.catalog.tables().filter(|t| t.view.is_some()) {
            let Some(sql) = &view.view else { continue };
            let words = words(sql);
            if !words.iter().any(|w| *w == self.old.name) {
                continue;
            }
            for r in &self.retyped {
                let col = &self.before.columns[r.col].name;
                if words.iter().any(|w| w == col || w == "*") {
                    return Err(error(
                        "0A000",
                        "cannot alter type of a column used by a view or rule".into(),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The identifiers and `*` of a stored query (identifiers as their names: unquoted ones
/// lower-cased).
fn words(sql: &str) -> Vec<String> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let tokens = Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, sql)
        .tokenize()
        .unwrap_or_default();
    tokens
        .into_iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(match w.quote_style {
                Some(_) => w.value,
                None => w.value.to_lowercase(),
            }),
            Token::Mul => Some("*".into()),
            _ => None,
        })
        .collect()
}

/// PRIMARY KEY / UNIQUE options Quill does not build refuse with 0A000.
fn key_options_supported(
    index_name: &Option<ast::Ident>,
    index_type: &Option<ast::IndexType>,
    include: &[ast::Ident],
    options: &[ast::IndexOption],
    characteristics: &Option<ast::ConstraintCharacteristics>,
) -> Result<()> {
    let unsupported = |what: &str| {
        Err(EngineError::FeatureNotSupported {
            feature: format!("{what} in ALTER TABLE ADD CONSTRAINT"),
        })
    };
    if index_name.is_some() || index_type.is_some() || !options.is_empty() {
        return unsupported("index options");
    }
    if !include.is_empty() {
        return unsupported("INCLUDE");
    }
    super::ddl::immediate_key(characteristics.as_ref())?;
    Ok(())
}

/// Binds CHECK condition `expr` over `table`'s columns as a boolean.
fn bind_check(cx: &TxnCx<'_>, table: &TableDef, expr: &str) -> Result<Expr> {
    let ast = crate::sql::parse_expr(expr)?;
    let (e, t) = Binder::new(cx.catalog, Vec::new()).bind_expr(
        &ast,
        &table_scope(table, None),
        &mut None,
    )?;
    coerce(e, &t, &DataType::Bool)
}

/// A column's DEFAULT must be an expression without column references whose value can be
/// stored in the column (checked as PostgreSQL checks it when the default is set).
fn check_default(cx: &TxnCx<'_>, col: &crate::catalog::ColumnDef) -> Result<()> {
    let Some(d) = &col.default else { return Ok(()) };
    let ast = crate::sql::parse_expr(d)?;
    let (e, t) = Binder::new(cx.catalog, Vec::new())
        .bind_expr(&ast, &super::binder::Scope::default(), &mut None)
        .map_err(|e| match e {
            EngineError::UndefinedColumn { .. } => EngineError::FeatureNotSupported {
                feature: "a column reference in a DEFAULT expression".into(),
            },
            e => e,
        })?;
    super::dml::assignable(col, &t)?;
    // A constant default must convert now (`'abc'` for an integer column is 22P02).
    if let Expr::Const(v) = coerce(e, &t, &col.ty)? {
        if !v.is_null() {
            v.cast(&col.ty, CastKind::Assignment)?;
        }
    }
    Ok(())
}

/// Checks `rows` (in `table`'s form) against NOT NULL on columns `not_null` and the CHECK
/// constraints named in `checks`, with PostgreSQL's errors for existing rows.
fn validate(
    cx: &TxnCx<'_>,
    table: &TableDef,
    rows: &[Vec<Value>],
    not_null: &[usize],
    checks: &[String],
) -> Result<()> {
    let bound: Vec<(&str, Expr)> = table
        .checks
        .iter()
        .filter(|c| checks.contains(&c.name))
        .map(|c| Ok((c.name.as_str(), bind_check(cx, table, &c.expr)?)))
        .collect::<Result<_>>()?;
    if not_null.is_empty() && bound.is_empty() {
        return Ok(());
    }
    let ecx = cx.exec();
    let env = Env {
        cx: &ecx,
        outer: &[],
    };
    for row in rows {
        crate::interrupt::check()?;
        for &c in not_null {
            if row.get(c).is_none_or(Value::is_null) {
                return Err(EngineError::NullsInColumn {
                    table: table.name.clone(),
                    column: table.columns[c].name.clone(),
                });
            }
        }
        for (name, e) in &bound {
            if let Value::Bool(false) = e.eval(row, &env)? {
                return Err(error(
                    "23514",
                    format!(
                        "check constraint \"{name}\" of relation \"{}\" is violated by some row",
                        table.name
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// ALTER INDEX [IF EXISTS] name RENAME TO new.
pub fn alter_index(
    name: &ast::ObjectName,
    op: &ast::AlterIndexOperation,
    cx: &mut TxnCx<'_>,
) -> Result<Outcome> {
    let ast::AlterIndexOperation::RenameIndex { index_name } = op;
    let old = object_name(name);
    let new = object_name(index_name);
    let Some(table) = cx.catalog.index_owner(&old) else {
        return Err(EngineError::UndefinedTable { name: old });
    };
    let bare = old.rsplit('.').next().unwrap_or(&old).to_string();
    crate::acl::require_owner(cx.catalog, &table, Some(&bare))?;
    if cx.catalog.name_taken(table.temp, &new) {
        return Err(EngineError::DuplicateTable { name: new });
    }
    let mut def = (*table).clone();
    for ix in &mut def.indexes {
        if ix.name == bare {
            ix.name.clone_from(&new);
        }
    }
    let change = cx.catalog.replace(cx.txn, cx.storage, def)?;
    cx.changes.push(change);
    Ok(Outcome::Command {
        tag: "ALTER INDEX".into(),
    })
}
