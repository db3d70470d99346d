//! Execution of row locking: scans that carry each row's tid, and the LockRows step that
//! locks the rows reaching it (see [`crate::row_lock`]). LockRows pulls one row at a time, so
//! a LIMIT above it stops the locking once it has its rows.

use super::{Env, RowIter};
use crate::catalog::TableDef;
use crate::error::{EngineError, Result};
use crate::row_lock::{lock_row, Strength, WaitPolicy};
use crate::sql::plan::{tid_value, value_tid, Plan};

/// The rows of a `Scan` or `IndexScan`, each followed by its tid.
pub(super) fn tid_scan<'a>(scan: &'a Plan, env: Env<'a>) -> Result<RowIter<'a>> {
    let rows = match scan {
        Plan::Scan { table } => env.cx.reader().scan(table),
        Plan::IndexScan {
            table,
            index,
            eq,
            range,
        } => super::index_scan_tids(table, *index, eq, range.as_ref(), env)?,
        _ => {
            return Err(EngineError::Internal {
                reason: "tid scan over a plan that is not a table scan",
            })
        }
    };
    Ok(Box::new(rows.map(|t| {
        let (tid, mut row) = t?;
        row.push(tid_value(tid));
        Ok(row)
    })))
}

/// Locks the version each input row names in column `tid`, passing the row on without it.
pub(super) fn lock_rows<'a>(
    input: RowIter<'a>,
    table: &'a TableDef,
    tid: usize,
    strength: Strength,
    wait: WaitPolicy,
    env: Env<'a>,
) -> Result<RowIter<'a>> {
    let waits = env.cx.waits.ok_or(EngineError::FeatureNotSupported {
        feature: format!("{} in this context", strength.clause()),
    })?;
    let storage = env.cx.storage;
    let me = env.cx.snapshot.owner();
    Ok(Box::new(input.filter_map(move |r| {
        let step = || -> Result<Option<Vec<crate::types::Value>>> {
            let mut row = r?;
            if tid >= row.len() {
                return Err(EngineError::Internal {
                    reason: "row to lock without its tid",
                });
            }
            let at = value_tid(&row.remove(tid)).ok_or(EngineError::Internal {
                reason: "row to lock with a malformed tid",
            })?;
            let locked = lock_row(storage, &waits, me, table, at, strength, wait)?;
            Ok(locked.then_some(row))
        };
        step().transpose()
    })))
}
