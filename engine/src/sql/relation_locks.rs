//! The relation locks data statements take, as PostgreSQL's do: ACCESS SHARE on every table
//! a statement reads, ROW SHARE on a table whose rows a query locks (`FOR UPDATE` …), ROW
//! EXCLUSIVE on a table whose rows it inserts, updates, deletes or copies in (COPY TO reads
//! with ACCESS SHARE). Held until the transaction ends; they are what `LOCK TABLE`
//! conflicts with.
//!
//! They are taken after binding and before the first row is read or written. The statement's
//! snapshot was taken before that; so if a lock was not free at once, the statement ends
//! with [`EngineError::RelationLockWaited`] once it has the lock, and the session runs it
//! again (now holding the lock, it does not wait again) with a snapshot taken after the
//! wait, as PostgreSQL's statement would have (its locks come before its snapshot).

use super::expr::{children_mut, Expr};
use super::plan::Plan;
use super::TxnCx;
use crate::error::{EngineError, Result};
use crate::lock::{LockMode, LockTag, WaitRules};

/// The tables a plan reads (its subqueries' included), in the modes they are read with.
pub fn read_by(plan: &Plan) -> Vec<(u32, LockMode)> {
    let mut out = Vec::new();
    let mut copy = plan.clone();
    collect(&mut copy, &mut out);
    out.sort();
    out.dedup();
    out
}

fn collect(plan: &mut Plan, out: &mut Vec<(u32, LockMode)>) {
    nodes(plan, out);
    // Every expression of the plan's nodes; subqueries' plans are collected in turn.
    plan.for_each_expr_mut(&mut |e, _| collect_expr(e, out));
}

fn nodes(plan: &Plan, out: &mut Vec<(u32, LockMode)>) {
    match plan {
        Plan::Scan { table } | Plan::SampleScan { table, .. } | Plan::IndexScan { table, .. } => {
            out.push((table.oid, LockMode::AccessShare))
        }
        Plan::LockRows { table, .. } => out.push((table.oid, LockMode::RowShare)),
        _ => {}
    }
    for c in plan.children() {
        nodes(c, out);
    }
}

fn collect_expr(e: &mut Expr, out: &mut Vec<(u32, LockMode)>) {
    if let Expr::Subquery(sq) = e {
        collect(&mut sq.plan, out);
    }
    for c in children_mut(e) {
        collect_expr(c, out);
    }
}

/// Takes each lock for the statement's transaction (re-taking a held one is free).
pub fn take(cx: &TxnCx<'_>, wanted: &[(u32, LockMode)]) -> Result<()> {
    let me = cx.txn.id();
    let w = cx.waits;
    let nowait = WaitRules {
        nowait: true,
        ..w.rules
    };
    let mut waited = false;
    for &(oid, mode) in wanted {
        let tag = LockTag::Relation(oid);
        match w.locks.acquire(me, tag, mode, &nowait, w.probe) {
            Ok(()) => {}
            Err(EngineError::LockNotAvailable { .. }) => {
                w.locks.acquire(me, tag, mode, &w.rules, w.probe)?;
                waited = true;
            }
            Err(e) => return Err(e),
        }
    }
    if waited {
        return Err(EngineError::RelationLockWaited);
    }
    Ok(())
}
