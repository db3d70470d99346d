//! Deferred foreign key checks: a transaction's SET CONSTRAINTS state and the checks of
//! DEFERRABLE constraints waiting for the end of the transaction (or for SET CONSTRAINTS
//! … IMMEDIATE).
//!
//! Only NO ACTION checks are ever deferred, as in PostgreSQL: the check of a referencing
//! row, and the check that a referenced key given up (deleted or updated, ON DELETE / ON
//! UPDATE NO ACTION) is not referenced any more. RESTRICT and the referential actions
//! always run at the end of their statement.
//!
//! A pending check records where its row was, not the row: when it runs it re-reads the
//! transaction's current version of that row, so a row inserted and deleted again is not
//! checked, a row updated since is checked as it is now, and a referenced key deleted and
//! inserted again counts as present.

use super::enforce::{check_row, give_up_no_action};
use crate::catalog::{ForeignKeyDef, TableDef};
use crate::error::{EngineError, Result};
use crate::sql::expr::Row;
use crate::sql::TxnCx;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use storage::Tid;

/// One check waiting to run.
#[derive(Clone, Debug)]
enum Pending {
    /// The referencing row stored at `tid` in table `table` must satisfy constraint `fk`.
    Row { table: u32, fk: u32, tid: Tid },
    /// Table `parent` gave up the key `old` (the old row) that constraint `fk` of table
    /// `child` references.
    KeyGone {
        parent: u32,
        child: u32,
        fk: u32,
        old: Row,
    },
}

impl Pending {
    fn constraint(&self) -> u32 {
        match self {
            Pending::Row { fk, .. } | Pending::KeyGone { fk, .. } => *fk,
        }
    }
}

/// SET CONSTRAINTS' effect: `all` from the latest SET CONSTRAINTS ALL, then the named
/// constraints set since (by OID). A constraint not named follows `all`, else its own
/// INITIALLY setting; a constraint that is not DEFERRABLE is never deferred.
#[derive(Clone, Debug, Default)]
struct Modes {
    all: Option<bool>,
    named: HashMap<u32, bool>,
}

#[derive(Default)]
struct State {
    modes: Modes,
    /// Checks in the order their rows changed (the order they run in).
    pending: Vec<Pending>,
    /// Per open savepoint (oldest first): the modes and the number of pending checks then.
    marks: Vec<(Modes, usize)>,
}

/// One transaction's deferred checks and SET CONSTRAINTS state.
#[derive(Default)]
pub struct Deferred {
    state: Mutex<State>,
}

impl Deferred {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held leaves plain data that is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether checks of `fk` wait for the end of the transaction now.
    pub fn is_deferred(&self, fk: &ForeignKeyDef) -> bool {
        if !fk.deferrable {
            return false;
        }
        let st = self.state();
        st.modes
            .named
            .get(&fk.oid)
            .copied()
            .or(st.modes.all)
            .unwrap_or(fk.initially_deferred)
    }

    /// Queues the check of the referencing row at `tid` of `table`.
    pub fn defer_row(&self, table: &TableDef, fk: &ForeignKeyDef, tid: Tid) {
        self.state().pending.push(Pending::Row {
            table: table.oid,
            fk: fk.oid,
            tid,
        });
    }

    /// Queues the check that key `old` (the row that had it) given up by `parent` is not
    /// referenced through `fk` of `child`.
    pub fn defer_key_gone(
        &self,
        parent: &TableDef,
        child: &TableDef,
        fk: &ForeignKeyDef,
        old: Row,
    ) {
        self.state().pending.push(Pending::KeyGone {
            parent: parent.oid,
            child: child.oid,
            fk: fk.oid,
            old,
        });
    }

    /// Where the pending list stands now (before a statement that may be run again).
    pub fn mark(&self) -> usize {
        self.state().pending.len()
    }

    /// Forgets the checks queued after `m` (an undone statement).
    pub fn undo_to(&self, m: usize) {
        self.state().pending.truncate(m);
    }

    /// A savepoint was set.
    pub fn savepoint(&self) {
        let mut st = self.state();
        let m = (st.modes.clone(), st.pending.len());
        st.marks.push(m);
    }

    /// Savepoint number `pos` (from 0, the oldest) and those after it were released.
    pub fn release(&self, pos: usize) {
        self.state().marks.truncate(pos);
    }

    /// The transaction rolled back to savepoint number `pos`, which stays: the checks
    /// queued since are dropped and SET CONSTRAINTS run since is undone.
    pub fn rollback_to(&self, pos: usize) {
        let mut st = self.state();
        st.marks.truncate(pos + 1);
        if let Some((modes, n)) = st.marks.get(pos).cloned() {
            st.modes = modes;
            st.pending.truncate(n);
        }
    }

    /// SET CONSTRAINTS ALL.
    pub fn set_all(&self, deferred: bool) {
        let mut st = self.state();
        st.modes.all = Some(deferred);
        st.modes.named.clear();
    }

    /// SET CONSTRAINTS of the constraints with these OIDs.
    pub fn set_named(&self, oids: &[u32], deferred: bool) {
        let mut st = self.state();
        for &o in oids {
            st.modes.named.insert(o, deferred);
        }
    }

    /// Whether checks are waiting.
    pub fn any_pending(&self) -> bool {
        !self.state().pending.is_empty()
    }
}

/// 55006 when checks of the transaction wait on `table` (PostgreSQL's pending trigger
/// events: checks of its referencing rows, or of keys it gave up); `what` names the
/// command that would change the table under them.
pub fn not_in_use(cx: &TxnCx<'_>, table: &TableDef, what: &str) -> Result<()> {
    let Some(d) = cx.deferred else {
        return Ok(());
    };
    let busy = d.state().pending.iter().any(|p| match p {
        Pending::Row { table: t, .. } => *t == table.oid,
        Pending::KeyGone { parent, .. } => *parent == table.oid,
    });
    if busy {
        return Err(EngineError::Function {
            code: "55006",
            message: format!(
                "cannot {what} \"{}\" because it has pending trigger events",
                table.name
            ),
        });
    }
    Ok(())
}

/// Runs the pending checks whose constraints are no longer deferred (all of them when
/// `all`, at commit), in the order they were queued. On an error the checks not yet run
/// (the failing one included) stay queued, so that the caller may run them again with a
/// new snapshot after a concurrent update.
pub fn fire(cx: &mut TxnCx<'_>, deferred: &Deferred, all: bool) -> Result<()> {
    let due: Vec<Pending> = {
        let mut st = deferred.state();
        let pending = std::mem::take(&mut st.pending);
        let modes = st.modes.clone();
        let (due, keep): (Vec<Pending>, Vec<Pending>) = pending.into_iter().partition(|p| {
            all || !modes
                .named
                .get(&p.constraint())
                .copied()
                .or(modes.all)
                .unwrap_or_else(|| initially_deferred(cx, p))
        });
        st.pending = keep;
        due
    };
    for (i, p) in due.iter().enumerate() {
        if let Err(e) = fire_one(cx, p) {
            let mut st = deferred.state();
            let mut rest: Vec<Pending> = due[i..].to_vec();
            rest.append(&mut st.pending);
            st.pending = rest;
            return Err(e);
        }
    }
    Ok(())
}

/// Whether the constraint of a pending check is INITIALLY DEFERRED (false once dropped:
/// its check then has nothing left to do).
fn initially_deferred(cx: &TxnCx<'_>, p: &Pending) -> bool {
    let table = match p {
        Pending::Row { table, .. } => *table,
        Pending::KeyGone { child, .. } => *child,
    };
    cx.catalog.by_oid(table).is_some_and(|t| {
        t.foreign_keys
            .iter()
            .any(|f| f.oid == p.constraint() && f.initially_deferred)
    })
}

/// The constraint with OID `fk` of table `table`, if both still exist.
fn constraint(cx: &TxnCx<'_>, table: u32, fk: u32) -> Option<(Arc<TableDef>, ForeignKeyDef)> {
    let t = cx.catalog.by_oid(table)?;
    let f = t.foreign_keys.iter().find(|f| f.oid == fk)?.clone();
    Some((t, f))
}

fn fire_one(cx: &mut TxnCx<'_>, p: &Pending) -> Result<()> {
    crate::interrupt::check()?;
    match p {
        Pending::Row { table, fk, tid } => {
            let Some((t, f)) = constraint(cx, *table, *fk) else {
                return Ok(());
            };
            let me = cx.txn.id();
            let Some(row) =
                crate::access::own_current_version(cx.storage, cx.snapshot, &t, me, *tid)?
            else {
                return Ok(());
            };
            check_row(cx, &t, &f, &row, true)
        }
        Pending::KeyGone {
            parent,
            child,
            fk,
            old,
        } => {
            let Some((c, f)) = constraint(cx, *child, *fk) else {
                return Ok(());
            };
            let Some(p) = cx.catalog.by_oid(*parent) else {
                return Ok(());
            };
            give_up_no_action(cx, &p, &c, &f, old)
        }
    }
}

/// 42704 / 42809: the constraints SET CONSTRAINTS names, by OID. Each name (possibly
/// schema qualified) is looked up in its schema, or in the first namespace of the search
/// path that has a constraint so called (any kind of constraint); naming one that is not
/// DEFERRABLE is an error only when setting DEFERRED.
pub fn resolve(cx: &TxnCx<'_>, name: &str, deferred: bool) -> Result<Vec<u32>> {
    let viewer = cx.catalog.viewer();
    let (schema, bare) = cx
        .catalog
        .split_name(name)
        .ok_or_else(|| EngineError::Function {
            code: "42704",
            message: format!("constraint \"{name}\" does not exist"),
        })?;
    use crate::catalog::Schema;
    // Namespace numbers, as `TableDef::temp` holds them.
    let spaces: Vec<u32> = match schema {
        Schema::In(ns) => vec![ns],
        Schema::Temp if viewer != 0 => vec![viewer],
        Schema::Temp => Vec::new(),
        Schema::Search => cx.catalog.resolved_path().relation_spaces(viewer),
    };
    for ns in spaces {
        let owners: Vec<&Arc<TableDef>> = cx
            .catalog
            .tables()
            .filter(|t| t.temp == ns && t.has_constraint(bare))
            .collect();
        if owners.is_empty() {
            continue;
        }
        let mut oids = Vec::new();
        for t in owners {
            match t.foreign_keys.iter().find(|f| f.name == bare) {
                Some(f) if f.deferrable => oids.push(f.oid),
                _ if deferred => {
                    return Err(EngineError::Function {
                        code: "42809",
                        message: format!("constraint \"{bare}\" is not deferrable"),
                    })
                }
                _ => {}
            }
        }
        return Ok(oids);
    }
    Err(EngineError::Function {
        code: "42704",
        message: format!("constraint \"{bare}\" does not exist"),
    })
}
