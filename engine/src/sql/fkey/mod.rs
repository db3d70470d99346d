//! FOREIGN KEY constraints: their definition from `REFERENCES` / `FOREIGN KEY` clauses
//! (CREATE TABLE, ALTER TABLE … ADD), the checks and referential actions run when rows
//! change ([`enforce`]), and what depends on a referenced table ([`depend`]: DROP TABLE,
//! TRUNCATE, DROP COLUMN, dropping the referenced key).
//!
//! A constraint lives in the referencing table's definition (`TableDef::foreign_keys`)
//! and names the referenced table by OID. The referenced columns always match a unique
//! index of the referenced table (PRIMARY KEY or UNIQUE), through which the referencing
//! side finds its referenced row.

pub mod deferred;
pub mod depend;
pub mod enforce;
mod validate;

pub use validate::validate_all;

use super::binder::{ident_name, object_name};
use super::TxnCx;
use crate::catalog::{FkAction, ForeignKeyDef, IndexDef, TableDef};
use crate::error::{EngineError, Result};
use crate::types::{can_cast, CastKind, DataType};
use sqlparser::ast;

fn error(code: &'static str, message: String) -> EngineError {
    EngineError::Function { code, message }
}

/// A `REFERENCES` clause as written: on a column (`columns` is that column) or as a table
/// constraint.
pub struct Clause<'a> {
    /// The constraint's name (`CONSTRAINT n`), if given.
    pub name: Option<String>,
    /// The referencing columns' names.
    pub columns: Vec<String>,
    pub fk: &'a ast::ForeignKeyConstraint,
}

impl<'a> Clause<'a> {
    /// A column's `REFERENCES t [(col)]` option (named by `CONSTRAINT n` before it, or in it).
    pub fn column(
        column: &str,
        name: Option<&ast::Ident>,
        fk: &'a ast::ForeignKeyConstraint,
    ) -> Clause<'a> {
        Clause {
            name: fk.name.as_ref().or(name).map(ident_name),
            columns: vec![column.to_string()],
            fk,
        }
    }

    /// A table's `[CONSTRAINT n] FOREIGN KEY (cols) REFERENCES …`.
    pub fn table(fk: &'a ast::ForeignKeyConstraint) -> Clause<'a> {
        Clause {
            name: fk.name.as_ref().map(ident_name),
            columns: fk.columns.iter().map(ident_name).collect(),
            fk,
        }
    }
}

fn action(a: Option<ast::ReferentialAction>) -> FkAction {
    match a {
        None | Some(ast::ReferentialAction::NoAction) => FkAction::NoAction,
        Some(ast::ReferentialAction::Restrict) => FkAction::Restrict,
        Some(ast::ReferentialAction::Cascade) => FkAction::Cascade,
        Some(ast::ReferentialAction::SetNull) => FkAction::SetNull,
        Some(ast::ReferentialAction::SetDefault) => FkAction::SetDefault,
    }
}

/// The unique index of `table` whose columns are exactly `cols` (as a set), if any.
pub fn key_index<'t>(table: &'t TableDef, cols: &[usize]) -> Option<&'t IndexDef> {
    table.indexes.iter().find(|i| {
        i.unique
            && i.columns.len() == cols.len()
            && i.columns.iter().all(|c| cols.contains(c))
            && cols.iter().all(|c| i.columns.contains(c))
    })
}

/// Integer, floating-point and date/time types compare with each other in one btree
/// operator family, as in PostgreSQL.
fn family(t: &DataType) -> Option<u8> {
    match t {
        DataType::Int2 | DataType::Int4 | DataType::Int8 => Some(1),
        DataType::Float4 | DataType::Float8 => Some(2),
        DataType::Date | DataType::Timestamp | DataType::Timestamptz => Some(3),
        _ => None,
    }
}

/// Whether a referencing column of type `fk` can reference a key column of type `pk`:
/// the same type, one operator family, or an implicit cast from `fk` to `pk`.
fn compatible(fk: &DataType, pk: &DataType) -> bool {
    let (f, p) = (fk.base(), pk.base());
    f == p
        || (family(&f).is_some() && family(&f) == family(&p))
        || can_cast(&f, &p, CastKind::Implicit)
}

/// A free constraint name for `table` starting from `base` (PostgreSQL appends a number).
pub fn free_name(table: &TableDef, taken: &dyn Fn(&str) -> bool, base: String) -> String {
    let mut n = base.clone();
    let mut k = 0;
    while table.has_constraint(&n) || taken(&n) {
        k += 1;
        n = format!("{base}{k}");
    }
    n
}

/// Builds the constraint a clause defines on `table` (the referencing table as it will
/// be: its columns and keys final). `also_taken` tells names used by constraints defined
/// by the same statement but not yet in `table`.
pub fn define(
    cx: &mut TxnCx<'_>,
    table: &TableDef,
    clause: &Clause<'_>,
    also_taken: &dyn Fn(&str) -> bool,
) -> Result<ForeignKeyDef> {
    let fk = clause.fk;
    let (deferrable, initially_deferred) = timing(fk.characteristics.as_ref())?;
    let match_full = match fk.match_kind {
        None | Some(ast::ConstraintReferenceMatchKind::Simple) => false,
        Some(ast::ConstraintReferenceMatchKind::Full) => true,
        Some(ast::ConstraintReferenceMatchKind::Partial) => {
            return Err(error("0A000", "MATCH PARTIAL not yet implemented".into()))
        }
    };
    if fk.index_name.is_some() {
        return Err(EngineError::FeatureNotSupported {
            feature: "an index name in FOREIGN KEY".into(),
        });
    }
    let ref_name = object_name(&fk.foreign_table);
    // A table referencing itself: the definition being built, not the catalog's.
    let own = cx
        .catalog
        .split_name(&ref_name)
        .is_some_and(|(_, bare)| bare == table.name)
        && cx.catalog.get(&ref_name).is_none_or(|t| t.oid == table.oid);
    let parent_arc;
    let parent: &TableDef = if own {
        table
    } else {
        parent_arc = cx
            .catalog
            .get(&ref_name)
            .ok_or(EngineError::UndefinedTable {
                name: ref_name.clone(),
            })?;
        &parent_arc
    };
    if parent.kind() != "a table" {
        return Err(error(
            "42809",
            format!("referenced relation \"{ref_name}\" is not a table"),
        ));
    }
    match (table.is_temp(), parent.is_temp()) {
        (false, true) => {
            return Err(EngineError::InvalidTableDefinition {
                message: "constraints on permanent tables may reference only permanent tables"
                    .into(),
            })
        }
        (true, false) => {
            return Err(EngineError::InvalidTableDefinition {
                message: "constraints on temporary tables may reference only temporary tables"
                    .into(),
            })
        }
        _ => {}
    }
    let mut columns = Vec::new();
    for c in &clause.columns {
        let i = table.column_index(c).ok_or_else(|| {
            error(
                "42703",
                format!("column \"{c}\" referenced in foreign key constraint does not exist"),
            )
        })?;
        columns.push(i);
    }
    let ref_columns: Vec<usize> = if fk.referred_columns.is_empty() {
        let pk = parent.indexes.iter().find(|i| i.primary).ok_or_else(|| {
            error(
                "42704",
                format!(
                    "there is no primary key for referenced table \"{}\"",
                    parent.name
                ),
            )
        })?;
        pk.columns.clone()
    } else {
        let mut out = Vec::new();
        for c in &fk.referred_columns {
            let n = ident_name(c);
            let i = parent.column_index(&n).ok_or_else(|| {
                error(
                    "42703",
                    format!("column \"{n}\" referenced in foreign key constraint does not exist"),
                )
            })?;
            if out.contains(&i) {
                return Err(error(
                    "42830",
                    "foreign key referenced-columns list must not contain duplicates".into(),
                ));
            }
            out.push(i);
        }
        out
    };
    if ref_columns.len() != columns.len() {
        return Err(error(
            "42830",
            "number of referencing and referenced columns for foreign key disagree".into(),
        ));
    }
    if key_index(parent, &ref_columns).is_none() {
        return Err(error(
            "42830",
            format!(
                "there is no unique constraint matching given keys for referenced table \"{}\"",
                parent.name
            ),
        ));
    }
    let name = match &clause.name {
        Some(n) => {
            if table.has_constraint(n) || also_taken(n) {
                return Err(error(
                    "42710",
                    format!(
                        "constraint \"{n}\" for relation \"{}\" already exists",
                        table.name
                    ),
                ));
            }
            n.clone()
        }
        None => {
            let parts: Vec<&str> = columns
                .iter()
                .map(|&c| table.columns[c].name.as_str())
                .collect();
            free_name(
                table,
                also_taken,
                format!("{}_{}_fkey", table.name, parts.join("_")),
            )
        }
    };
    for (&c, &r) in columns.iter().zip(&ref_columns) {
        let (fc, pc) = (&table.columns[c], &parent.columns[r]);
        if !compatible(&fc.ty, &pc.ty) {
            return Err(EngineError::Detailed {
                code: "42804",
                message: format!("foreign key constraint \"{name}\" cannot be implemented"),
                detail: format!(
                    "Key columns \"{}\" and \"{}\" are of incompatible types: {} and {}.",
                    fc.name,
                    pc.name,
                    fc.ty.display_name(),
                    pc.ty.display_name()
                ),
                hint: None,
            });
        }
    }
    let on_delete = action(fk.on_delete);
    let on_update = action(fk.on_update);
    Ok(ForeignKeyDef {
        name,
        oid: cx.catalog.allocate_oid(),
        columns,
        ref_table: parent.oid,
        ref_columns,
        on_delete,
        on_update,
        match_full,
        validated: true,
        deferrable,
        initially_deferred,
    })
}

/// `[NOT] DEFERRABLE` and `INITIALLY DEFERRED | IMMEDIATE` of a constraint: whether it is
/// deferrable and initially deferred. INITIALLY DEFERRED implies DEFERRABLE, as in
/// PostgreSQL; NOT DEFERRABLE with INITIALLY DEFERRED is 42601.
pub fn timing(ch: Option<&ast::ConstraintCharacteristics>) -> Result<(bool, bool)> {
    let Some(ch) = ch else {
        return Ok((false, false));
    };
    if ch.enforced.is_some() {
        return Err(EngineError::FeatureNotSupported {
            feature: "ENFORCED / NOT ENFORCED".into(),
        });
    }
    let deferred = ch.initially == Some(ast::DeferrableInitial::Deferred);
    if deferred && ch.deferrable == Some(false) {
        return Err(error(
            "42601",
            "constraint declared INITIALLY DEFERRED must be DEFERRABLE".into(),
        ));
    }
    Ok((deferred || ch.deferrable == Some(true), deferred))
}
