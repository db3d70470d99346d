//! What depends on a table's keys: DROP TABLE of a referenced table (2BP01, or CASCADE
//! dropping the constraints), TRUNCATE of a referenced table, DROP COLUMN (positions of
//! the columns a constraint names) and dropping the key a constraint uses.

use crate::catalog::TableDef;
use crate::error::{EngineError, Result};
use crate::notice::{Notice, Severity};
use crate::sql::TxnCx;
use std::sync::Arc;

const CASCADE_HINT: &str = "Use DROP ... CASCADE to drop the dependent objects too.";

/// One constraint of another table depending on the object being dropped.
struct Dependent {
    table: Arc<TableDef>,
    constraint: String,
}

/// Refuses to drop `what` (as PostgreSQL names it in messages: `table p`, `constraint
/// p_pkey on table p`) when constraints depend on it, or with CASCADE reports the drops
/// (the caller then removes the constraints with [`remove`]).
fn refuse_or_notice(
    cx: &mut TxnCx<'_>,
    what: &str,
    on: &str,
    deps: &[Dependent],
    cascade: bool,
) -> Result<()> {
    if deps.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = deps
        .iter()
        .map(|d| {
            format!(
                "constraint {} on table {} depends on {on}",
                d.constraint, d.table.name
            )
        })
        .collect();
    if !cascade {
        return Err(EngineError::Detailed {
            code: "2BP01",
            message: format!("cannot drop {what} because other objects depend on it"),
            detail: lines.join("\n"),
            hint: Some(CASCADE_HINT.into()),
        });
    }
    let drops: Vec<String> = deps
        .iter()
        .map(|d| {
            format!(
                "drop cascades to constraint {} on table {}",
                d.constraint, d.table.name
            )
        })
        .collect();
    let notice = if drops.len() == 1 {
        Notice::new(Severity::Notice, "00000", drops[0].clone())
    } else {
        Notice::new(
            Severity::Notice,
            "00000",
            format!("drop cascades to {} other objects", drops.len()),
        )
        .with_detail(drops.join("\n"))
    };
    cx.notices.push(notice);
    Ok(())
}

/// Removes the named constraints from their tables' definitions.
fn remove(cx: &mut TxnCx<'_>, deps: Vec<Dependent>) -> Result<()> {
    for d in deps {
        // The definition may have changed since (several constraints of one table).
        let Some(current) = cx.catalog.by_oid(d.table.oid) else {
            continue;
        };
        let mut def = (*current).clone();
        def.foreign_keys.retain(|f| f.name != d.constraint);
        let change = cx.catalog.replace(cx.txn, cx.storage, def)?;
        cx.changes.push(change);
    }
    Ok(())
}

/// Before `tables` are dropped together: the constraints of other tables referencing one
/// of them refuse the drop (2BP01) or, with CASCADE, are dropped with a NOTICE.
pub fn drop_tables(cx: &mut TxnCx<'_>, tables: &[Arc<TableDef>], cascade: bool) -> Result<()> {
    for t in tables {
        let deps: Vec<Dependent> = cx
            .catalog
            .referencing(t.oid)
            .into_iter()
            .filter(|(child, _)| !tables.iter().any(|x| x.oid == child.oid))
            .map(|(table, fk)| Dependent {
                table,
                constraint: fk.name,
            })
            .collect();
        refuse_or_notice(
            cx,
            &format!("table {}", t.name),
            &format!("table {}", t.name),
            &deps,
            cascade,
        )?;
        remove(cx, deps)?;
    }
    Ok(())
}

/// Before the unique index `index` of `table` is dropped (DROP CONSTRAINT of its key,
/// DROP INDEX): constraints referencing the table through exactly that key refuse the drop
/// or, with CASCADE, are dropped. `what` is the object as messages name it.
pub fn drop_key(
    cx: &mut TxnCx<'_>,
    table: &TableDef,
    index: &str,
    what: &str,
    cascade: bool,
) -> Result<()> {
    let Some(ix) = table.indexes.iter().find(|i| i.name == index) else {
        return Ok(());
    };
    let deps: Vec<Dependent> = cx
        .catalog
        .referencing(table.oid)
        .into_iter()
        .filter(|(_, fk)| {
            // The key the constraint uses is this index unless another one matches first.
            super::key_index(table, &fk.ref_columns).is_some_and(|k| k.name == ix.name)
        })
        .map(|(t, fk)| Dependent {
            table: t,
            constraint: fk.name,
        })
        .collect();
    refuse_or_notice(cx, what, &format!("index {}", ix.name), &deps, cascade)?;
    // The table's own constraints are removed with its definition by the caller.
    let others: Vec<Dependent> = deps
        .into_iter()
        .filter(|d| d.table.oid != table.oid)
        .collect();
    remove(cx, others)
}

/// TRUNCATE of `names`: a table referenced from a table not truncated with it is refused
/// (0A000), unless CASCADE, which adds the referencing tables (with a NOTICE each).
pub fn truncate_set(
    cx: &mut TxnCx<'_>,
    mut tables: Vec<Arc<TableDef>>,
    cascade: bool,
) -> Result<Vec<Arc<TableDef>>> {
    let mut i = 0;
    while i < tables.len() {
        let t = tables[i].clone();
        for (child, _) in cx.catalog.referencing(t.oid) {
            if tables.iter().any(|x| x.oid == child.oid) {
                continue;
            }
            if !cascade {
                return Err(EngineError::Detailed {
                    code: "0A000",
                    message: "cannot truncate a table referenced in a foreign key constraint"
                        .into(),
                    detail: format!("Table \"{}\" references \"{}\".", child.name, t.name),
                    hint: Some(format!(
                        "Truncate table \"{}\" at the same time, or use TRUNCATE ... CASCADE.",
                        child.name
                    )),
                });
            }
            cx.notices.push(Notice::new(
                Severity::Notice,
                "00000",
                format!("truncate cascades to table \"{}\"", child.name),
            ));
            tables.push(child);
        }
        i += 1;
    }
    Ok(tables)
}

/// Column `col` of `table` is being dropped: its own constraints naming the column go
/// with it, constraints of other tables referencing it refuse the drop (2BP01) or with
/// CASCADE go too, and every remaining constraint's column positions past `col` move down.
/// Returns `table`'s new foreign keys (the caller stores them with the new definition).
pub fn drop_column(
    cx: &mut TxnCx<'_>,
    table: &TableDef,
    col: usize,
    cascade: bool,
) -> Result<Vec<crate::catalog::ForeignKeyDef>> {
    let shift = |cols: &mut Vec<usize>| {
        for c in cols.iter_mut() {
            if *c > col {
                *c -= 1;
            }
        }
    };
    let referencing = cx.catalog.referencing(table.oid);
    // Constraints referencing the column, a self-reference's too — unless the column is
    // also one of its referencing columns: then the constraint is the table's own on the
    // column and goes with it, as PostgreSQL drops it.
    let deps: Vec<Dependent> = referencing
        .iter()
        .filter(|(child, fk)| {
            fk.ref_columns.contains(&col) && !(child.oid == table.oid && fk.columns.contains(&col))
        })
        .map(|(t, fk)| Dependent {
            table: t.clone(),
            constraint: fk.name.clone(),
        })
        .collect();
    refuse_or_notice(
        cx,
        &format!("column {} of table {}", table.columns[col].name, table.name),
        &format!("column {} of table {}", table.columns[col].name, table.name),
        &deps,
        cascade,
    )?;
    remove(cx, deps)?;
    // Other tables' constraints referencing columns past `col`.
    for (child, _) in cx.catalog.referencing(table.oid) {
        if child.oid == table.oid {
            continue;
        }
        let Some(current) = cx.catalog.by_oid(child.oid) else {
            continue;
        };
        let mut def = (*current).clone();
        for fk in &mut def.foreign_keys {
            if fk.ref_table == table.oid {
                shift(&mut fk.ref_columns);
            }
        }
        if def != *current {
            let change = cx.catalog.replace(cx.txn, cx.storage, def)?;
            cx.changes.push(change);
        }
    }
    let mut own = table.foreign_keys.clone();
    // A constraint naming the column on either side (a self-reference) goes.
    let names_col = |fk: &crate::catalog::ForeignKeyDef| {
        fk.columns.contains(&col) || (fk.ref_table == table.oid && fk.ref_columns.contains(&col))
    };
    own.retain(|fk| !names_col(fk));
    for fk in &mut own {
        shift(&mut fk.columns);
        if fk.ref_table == table.oid {
            shift(&mut fk.ref_columns);
        }
    }
    Ok(own)
}
