//! CREATE SEQUENCE, and the sequences behind serial and identity columns.
//!
//! A sequence is a catalog relation with options and no rows; its value lives outside
//! transactions (see `crate::sequence`). A serial or identity column owns a sequence named
//! `table_column_seq` (PostgreSQL's choice), dropped with its table.

use super::binder::object_name;
use super::{Outcome, TxnCx};
use crate::catalog::{ColumnDef, SequenceDef, TableDef};
use crate::error::{EngineError, Result};
use crate::sequence::default_bounds;
use crate::types::DataType;
use sqlparser::ast;

/// The integer type of a `serial` / `bigserial` / `smallserial` column.
pub fn serial_type(t: &ast::DataType) -> Option<DataType> {
    let ast::DataType::Custom(name, mods) = t else {
        return None;
    };
    if !mods.is_empty() {
        return None;
    }
    Some(match object_name(name).as_str() {
        "serial" | "serial4" => DataType::Int4,
        "bigserial" | "serial8" => DataType::Int8,
        "smallserial" | "serial2" => DataType::Int2,
        _ => return None,
    })
}

fn invalid(message: String) -> EngineError {
    EngineError::InvalidParameterValue { message }
}

/// An integer written as a sequence option.
fn number(e: &ast::Expr) -> Result<i64> {
    let text = e.to_string().replace(' ', "");
    text.parse()
        .map_err(|_| invalid(format!("sequence option value {text} is not an integer")))
}

/// The definition CREATE SEQUENCE's options describe, with PostgreSQL's defaults and checks.
fn definition(
    ty: DataType,
    opts: &[ast::SequenceOptions],
    owned_by: Option<u32>,
) -> Result<SequenceDef> {
    let mut ty = ty;
    let (mut inc, mut min, mut max, mut start, mut cycle) = (1, None, None, None, false);
    for o in opts {
        match o {
            ast::SequenceOptions::DataType(t) => {
                ty = DataType::from_sql(t)?;
                if !matches!(ty, DataType::Int2 | DataType::Int4 | DataType::Int8) {
                    return Err(invalid(
                        "sequence type must be smallint, integer, or bigint".into(),
                    ));
                }
            }
            ast::SequenceOptions::IncrementBy(e, _) => inc = number(e)?,
            ast::SequenceOptions::MinValue(e) => min = e.as_ref().map(number).transpose()?,
            ast::SequenceOptions::MaxValue(e) => max = e.as_ref().map(number).transpose()?,
            ast::SequenceOptions::StartWith(e, _) => start = Some(number(e)?),
            ast::SequenceOptions::Cycle(no) => cycle = !*no,
            ast::SequenceOptions::Cache(_) | ast::SequenceOptions::OwnedBy(None) => {}
            ast::SequenceOptions::OwnedBy(Some(_)) => {
                return Err(EngineError::FeatureNotSupported {
                    feature: "CREATE SEQUENCE … OWNED BY a column".into(),
                })
            }
        }
    }
    if inc == 0 {
        return Err(invalid("INCREMENT must not be zero".into()));
    }
    let (lo, hi) = default_bounds(&ty, inc);
    let (type_lo, type_hi) = (default_bounds(&ty, -1).0, default_bounds(&ty, 1).1);
    let (min, max) = (min.unwrap_or(lo), max.unwrap_or(hi));
    for (what, v) in [("MINVALUE", min), ("MAXVALUE", max)] {
        if v < type_lo || v > type_hi {
            return Err(invalid(format!(
                "{what} ({v}) is out of range for sequence data type {}",
                ty.display_name()
            )));
        }
    }
    if min >= max {
        return Err(invalid(format!(
            "MINVALUE ({min}) must be less than MAXVALUE ({max})"
        )));
    }
    let start = start.unwrap_or(if inc > 0 { min } else { max });
    if start < min {
        return Err(invalid(format!(
            "START value ({start}) cannot be less than MINVALUE ({min})"
        )));
    }
    if start > max {
        return Err(invalid(format!(
            "START value ({start}) cannot be greater than MAXVALUE ({max})"
        )));
    }
    Ok(SequenceDef {
        ty,
        start,
        increment: inc,
        min,
        max,
        cycle,
        owned_by,
    })
}

fn store(cx: &mut TxnCx<'_>, ns: u32, name: String, sequence: SequenceDef) -> Result<()> {
    let (oid, file) = cx.catalog.allocate(cx.storage)?;
    let def = TableDef {
        oid,
        db: cx.catalog.database(),
        name,
        file,
        columns: Vec::new(),
        indexes: Vec::new(),
        checks: Vec::new(),
        view: None,
        sequence: Some(sequence),
        temp: ns,
        on_commit: crate::catalog::OnCommit::PreserveRows,
        foreign_keys: Vec::new(),
        owner: crate::acl::creator(cx.catalog),
        acl: None,
        rls: Default::default(),
    };
    let change = cx.catalog.create(cx.txn, cx.storage, def)?;
    cx.changes.push(change);
    Ok(())
}

/// CREATE SEQUENCE.
pub fn create_sequence(
    name: &ast::ObjectName,
    temporary: bool,
    if_not_exists: bool,
    opts: &[ast::SequenceOptions],
    cx: &mut TxnCx<'_>,
) -> Result<Outcome> {
    let (ns, name) = crate::temp::creation_target(cx, name, temporary)?;
    if ns == 0 {
        crate::acl::require_create_in_public(cx.catalog)?;
    }
    let done = Outcome::Command {
        tag: "CREATE SEQUENCE".into(),
    };
    if cx.catalog.name_taken(ns, &name) {
        if if_not_exists {
            cx.notices
                .push(crate::notice::Notice::relation_exists_skipped(&name));
            return Ok(done);
        }
        return Err(EngineError::DuplicateTable { name });
    }
    let def = definition(DataType::Int8, opts, None)?;
    store(cx, ns, name, def)?;
    Ok(done)
}

/// Creates the sequence of serial / identity column `col` of table `table` (OID `owner`,
/// in namespace `ns`); returns its name.
pub fn create_owned(
    cx: &mut TxnCx<'_>,
    ns: u32,
    table: &str,
    col: &ColumnDef,
    opts: &[ast::SequenceOptions],
    owner: u32,
) -> Result<String> {
    if !matches!(col.ty, DataType::Int2 | DataType::Int4 | DataType::Int8) {
        return Err(invalid(
            "identity column type must be smallint, integer, or bigint".into(),
        ));
    }
    let base = format!("{table}_{}_seq", col.name);
    let mut name = base.clone();
    let mut n = 0;
    while cx.catalog.name_taken(ns, &name) {
        n += 1;
        name = format!("{base}{n}");
    }
    let def = definition(col.ty.clone(), opts, Some(owner))?;
    store(cx, ns, name.clone(), def)?;
    Ok(name)
}

/// The DEFAULT of a column drawing from sequence `seq` of namespace number `ns`: the
/// sequence's name, qualified by its schema when that is a user schema (which the search
/// path need not list).
pub(super) fn serial_default(cx: &TxnCx<'_>, ns: u32, seq: &str) -> String {
    if ns == 0 || crate::catalog::is_temp_space(ns) {
        format!("nextval('{seq}'::regclass)")
    } else {
        let schema = cx.catalog.space_name(ns);
        format!("nextval('{schema}.{seq}'::regclass)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(sql: &str) -> Vec<ast::SequenceOptions> {
        match crate::sql::parse(sql).expect("parses").remove(0) {
            ast::Statement::CreateSequence {
                sequence_options, ..
            } => sequence_options,
            other => panic!("not CREATE SEQUENCE: {other}"),
        }
    }

    #[test]
    fn defaults_follow_postgres() {
        let d = definition(DataType::Int8, &options("CREATE SEQUENCE s"), None).expect("valid");
        assert_eq!((d.start, d.increment, d.min, d.max), (1, 1, 1, i64::MAX));
        let d = definition(
            DataType::Int4,
            &options("CREATE SEQUENCE s INCREMENT BY -2"),
            None,
        )
        .expect("valid");
        assert_eq!((d.start, d.min, d.max), (-1, i32::MIN as i64, -1));
    }

    #[test]
    fn bad_options_are_22023() {
        for sql in [
            "CREATE SEQUENCE s INCREMENT 0",
            "CREATE SEQUENCE s MINVALUE 5 MAXVALUE 5",
            "CREATE SEQUENCE s START 0",
            "CREATE SEQUENCE s AS smallint MAXVALUE 40000",
        ] {
            let e = definition(DataType::Int8, &options(sql), None).expect_err(sql);
            assert_eq!(e.sqlstate(), "22023", "{sql}");
        }
    }
}
