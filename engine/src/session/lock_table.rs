//! `LOCK [TABLE] [ONLY] name [*] [, ...] [IN mode MODE] [NOWAIT]`: takes PostgreSQL's
//! table lock mode (ACCESS EXCLUSIVE by default) on each relation for the rest of the
//! transaction block, in the order named.
//!
//! Like PostgreSQL's, LOCK TABLE takes no snapshot, so a REPEATABLE READ transaction that
//! starts with it gets its snapshot only at its next statement, after the locks are held.
//! It is allowed in read-only transactions (it changes nothing). Tables have no inheritance
//! children, so `ONLY` and `*` change nothing.

use super::{Session, StatementResult};
use crate::error::{EngineError, Result};
use crate::lock::{LockMode, LockTag, WaitRules};
use crate::sql::ast;

fn mode_of(m: &Option<ast::LockTableMode>) -> LockMode {
    use ast::LockTableMode as M;
    match m {
        None | Some(M::AccessExclusive) => LockMode::AccessExclusive,
        Some(M::AccessShare) => LockMode::AccessShare,
        Some(M::RowShare) => LockMode::RowShare,
        Some(M::RowExclusive) => LockMode::RowExclusive,
        Some(M::ShareUpdateExclusive) => LockMode::ShareUpdateExclusive,
        Some(M::Share) => LockMode::Share,
        Some(M::ShareRowExclusive) => LockMode::ShareRowExclusive,
        Some(M::Exclusive) => LockMode::Exclusive,
    }
}

impl Session {
    pub(super) fn lock_table(&mut self, lock: &ast::Lock) -> Result<StatementResult> {
        if !self.active.as_ref().is_some_and(|a| a.explicit) {
            return Err(EngineError::NoTransactionBlock {
                what: "LOCK TABLE".into(),
            });
        }
        let mode = mode_of(&lock.lock_mode);
        let mut targets = Vec::with_capacity(lock.tables.len());
        {
            let catalog = self.view_catalog();
            for t in &lock.tables {
                let parts = crate::sql::syscat::name_parts(&t.name);
                let name = match crate::sql::syscat::resolve_relation(&catalog, &parts)? {
                    crate::sql::syscat::Resolved::User(n) => n,
                    crate::sql::syscat::Resolved::System { .. } => {
                        return Err(EngineError::FeatureNotSupported {
                            feature: "LOCK TABLE of a system catalog".into(),
                        })
                    }
                };
                let table = catalog
                    .get(&name)
                    .ok_or_else(|| EngineError::UndefinedTable { name: name.clone() })?;
                if table.sequence.is_some() {
                    return Err(EngineError::Locking {
                        code: "42809",
                        message: format!("cannot lock relation \"{}\"", table.name),
                    });
                }
                if table.view.is_some() {
                    return Err(EngineError::FeatureNotSupported {
                        feature: "LOCK TABLE of a view".into(),
                    });
                }
                targets.push((table.oid, table.name.clone()));
            }
        }
        let rules = WaitRules {
            nowait: lock.nowait,
            ..self.wait_rules()
        };
        let me = self
            .active
            .as_ref()
            .ok_or(EngineError::NoActiveTransaction)?
            .id();
        for (oid, name) in targets {
            self.db
                .locks()
                .acquire(me, LockTag::Relation(oid), mode, &rules, &self.probe)
                .map_err(|e| match e {
                    EngineError::LockNotAvailable { .. } => EngineError::LockNotAvailable {
                        message: format!("could not obtain lock on relation \"{name}\""),
                    },
                    other => other,
                })?;
        }
        Ok(StatementResult::Command("LOCK TABLE".into()))
    }
}
