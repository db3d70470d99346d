//! VACUUM and ANALYZE statements. VACUUM removes the row versions and index entries no
//! snapshot can see any more from the tables it names (every table if none), making their
//! space reusable (`crate::vacuum`); VERBOSE reports what it did as INFO messages. Quill
//! keeps no planner statistics, so ANALYZE (alone or as VACUUM's option) only checks what
//! it names. Both run beside readers and writers (SHARE UPDATE EXCLUSIVE on each table; a
//! VACUUM that had to wait for it runs again on the definitions as they are then, so the
//! files it vacuums are the table's); the session refuses VACUUM inside a transaction block.

use super::binder::{ident_name, object_name};
use super::vacuum_syntax::{Setting, VacuumCommand};
use super::{Outcome, TxnCx};
use crate::catalog::TableDef;
use crate::error::{EngineError, Result};
use crate::lock::{LockMode, LockTag, WaitRules};
use crate::notice::{Notice, Severity};
use crate::vacuum::{has_heap, vacuum_table, TableVacuum};
use sqlparser::ast;
use std::sync::Arc;

fn check_table(cx: &TxnCx<'_>, name: Option<&ast::ObjectName>) -> Result<()> {
    if let Some(n) = name {
        let name = object_name(n);
        if cx.catalog.get(&name).is_none() {
            return Err(EngineError::UndefinedTable { name });
        }
    }
    Ok(())
}

/// The tables a VACUUM names, after PostgreSQL's checks: each exists (42P01), a column
/// list comes with ANALYZE (0A000) and names columns of the table (42703).
fn targets(cmd: &VacuumCommand, cx: &mut TxnCx<'_>) -> Result<Vec<Arc<TableDef>>> {
    if cmd.tables.is_empty() {
        return Ok(cx
            .catalog
            .tables()
            .filter(|t| has_heap(t))
            .cloned()
            .collect());
    }
    let mut out = Vec::new();
    for target in &cmd.tables {
        let name = object_name(&target.name);
        let table = cx
            .catalog
            .get(&name)
            .ok_or_else(|| EngineError::UndefinedTable { name: name.clone() })?;
        if !target.columns.is_empty() {
            if !cmd.analyze() {
                return Err(EngineError::FeatureNotSupported {
                    feature: "a column list without the ANALYZE option".into(),
                });
            }
            for c in &target.columns {
                let col = ident_name(c);
                if table.column_index(&col).is_none() {
                    return Err(EngineError::UndefinedColumn {
                        name: format!("{col}\" of relation \"{}", table.name),
                    });
                }
            }
        }
        if !has_heap(&table) {
            cx.notices.push(Notice::new(
                Severity::Warning,
                "01000",
                format!(
                    "skipping \"{}\" --- cannot vacuum non-tables or special system tables",
                    table.name
                ),
            ));
            continue;
        }
        out.push(table);
    }
    Ok(out)
}

pub fn vacuum(v: &ast::VacuumStatement, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let cmd = VacuumCommand::from_statement(v)?;
    for (name, setting) in &cmd.options {
        if let ("parallel", Setting::Int(n)) = (name.as_str(), setting) {
            if !(0..=1024).contains(n) {
                return Err(EngineError::InvalidParameterValue {
                    message: "parallel workers for vacuum must be between 0 and 1024".into(),
                });
            }
        }
    }
    if let Some(feature) = cmd.unsupported().into_iter().next() {
        return Err(EngineError::FeatureNotSupported { feature });
    }
    let tables = targets(&cmd, cx)?;
    let me = cx.txn.id();
    for table in tables {
        crate::interrupt::check()?;
        let tag = LockTag::Relation(table.oid);
        let rules = WaitRules {
            nowait: cmd.skip_locked() || cx.waits.rules.nowait,
            ..cx.waits.rules
        };
        let nowait = WaitRules {
            nowait: true,
            ..rules
        };
        let got = cx.waits.locks.acquire(
            me,
            tag,
            LockMode::ShareUpdateExclusive,
            &nowait,
            cx.waits.probe,
        );
        let got = match got {
            Err(EngineError::LockNotAvailable { .. }) if !rules.nowait => {
                // It waited (for a DROP, a rewrite…): run again on the definitions as they
                // are now, holding the lock.
                cx.waits.locks.acquire(
                    me,
                    tag,
                    LockMode::ShareUpdateExclusive,
                    &rules,
                    cx.waits.probe,
                )?;
                return Err(EngineError::RelationLockWaited);
            }
            other => other,
        };
        match got {
            Ok(()) => {}
            Err(EngineError::LockNotAvailable { .. }) if cmd.skip_locked() => {
                cx.notices.push(Notice::new(
                    Severity::Warning,
                    "55P03",
                    format!(
                        "skipping vacuum of \"{}\" --- lock not available",
                        table.name
                    ),
                ));
                continue;
            }
            Err(e) => return Err(e),
        }
        if cmd.verbose() {
            cx.notices
                .push(info(format!("vacuuming \"{}\"", qualified(&table))));
        }
        let done = vacuum_table(cx.storage, cx.activity, &table)?;
        if cmd.verbose() {
            cx.notices.push(info(report(&table, &done)));
        }
    }
    Ok(Outcome::Command {
        tag: "VACUUM".into(),
    })
}

fn info(message: String) -> Notice {
    Notice::new(Severity::Info, "00000", message)
}

fn qualified(table: &TableDef) -> String {
    if table.is_temp() {
        format!("pg_temp_{}.{}", table.temp, table.name)
    } else {
        format!("public.{}", table.name)
    }
}

/// VACUUM VERBOSE's summary of one table, in the shape of PostgreSQL 15's.
fn report(table: &TableDef, done: &TableVacuum) -> String {
    let h = &done.heap;
    let mut s = format!(
        "finished vacuuming \"{}\": index scans: {}\n\
         pages: 0 removed, {} remain, {} scanned (100.00% of total)\n\
         tuples: {} removed, {} remain, {} are dead but not yet removable",
        qualified(table),
        done.indexes.len(),
        h.pages,
        h.pages,
        h.versions_removed,
        h.live + h.dead_kept,
        h.dead_kept,
    );
    for (name, ix) in &done.indexes {
        s.push_str(&format!(
            "\nindex \"{name}\": {} leaf pages in total, {} index entries removed, {} remain",
            ix.leaves, ix.entries_removed, ix.entries_left
        ));
    }
    s
}

pub fn analyze(a: &ast::Analyze, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    check_table(cx, a.table_name.as_ref())?;
    Ok(Outcome::Command {
        tag: "ANALYZE".into(),
    })
}
