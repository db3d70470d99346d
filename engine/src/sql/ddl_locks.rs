//! The relation locks definition statements take on the relations they name, as
//! PostgreSQL's do: ACCESS EXCLUSIVE for DROP, TRUNCATE and ALTER TABLE (SHARE ROW
//! EXCLUSIVE for ADD FOREIGN KEY, on both tables; SHARE UPDATE EXCLUSIVE for VALIDATE
//! CONSTRAINT), SHARE for CREATE INDEX (readers go on, writers wait), ACCESS EXCLUSIVE for CREATE /
//! ALTER / DROP POLICY, SHARE UPDATE
//! EXCLUSIVE for ALTER INDEX, SHARE ROW EXCLUSIVE on a table a new table's foreign key
//! references. CREATE TABLE locks nothing else (its name is claimed through the catalog
//! entry lock, see `crate::catalog`). Held until the transaction ends.
//!
//! They are taken before the statement looks at the definitions it changes. A statement
//! that had to wait ends with [`crate::error::EngineError::RelationLockWaited`] once it
//! has its locks, and the session runs it again on the definitions as they are then (the
//! relation may have been dropped, 42P01, or altered), holding the locks already.
//! A name that resolves to nothing is left to the statement to report.

use super::binder::object_name;
use super::TxnCx;
use crate::error::Result;
use crate::lock::LockMode;
use sqlparser::ast;

/// Takes the relation locks statement `stmt` needs before it changes definitions.
pub fn take(stmt: &ast::Statement, cx: &TxnCx<'_>) -> Result<()> {
    let wanted = wanted(stmt, cx);
    if wanted.is_empty() {
        return Ok(());
    }
    super::relation_locks::take(cx, &wanted)
}

/// The (relation OID, mode) pairs `stmt` locks, in the order it names them.
fn wanted(stmt: &ast::Statement, cx: &TxnCx<'_>) -> Vec<(u32, LockMode)> {
    use ast::Statement as S;
    let oid = |n: &ast::ObjectName| cx.catalog.get(&object_name(n)).map(|t| t.oid);
    let mut out = Vec::new();
    let mut add = |o: Option<u32>, mode| {
        if let Some(o) = o {
            out.push((o, mode));
        }
    };
    match stmt {
        S::Drop {
            object_type: ast::ObjectType::Table | ast::ObjectType::View | ast::ObjectType::Sequence,
            names,
            ..
        } => {
            for n in names {
                add(oid(n), LockMode::AccessExclusive);
                // The tables whose foreign keys reference it lose them.
                if let Some(t) = cx.catalog.get(&object_name(n)) {
                    for (r, _) in cx.catalog.referencing(t.oid) {
                        add(Some(r.oid), LockMode::AccessExclusive);
                    }
                }
            }
        }
        S::Drop {
            object_type: ast::ObjectType::Schema,
            names,
            ..
        } => {
            // Every relation in the schemas (DROP … CASCADE drops them).
            for n in names {
                let Some(s) = cx.catalog.schema(&object_name(n)) else {
                    continue;
                };
                for t in cx.catalog.tables().filter(|t| t.temp == s.oid) {
                    add(Some(t.oid), LockMode::AccessExclusive);
                }
            }
        }
        S::Drop {
            object_type: ast::ObjectType::Index,
            names,
            ..
        } => {
            for n in names {
                let owner = cx.catalog.index_owner(&object_name(n)).map(|t| t.oid);
                add(owner, LockMode::AccessExclusive);
            }
        }
        S::Truncate(t) => {
            for n in &t.table_names {
                add(oid(&n.name), LockMode::AccessExclusive);
            }
        }
        S::CreateIndex(ci) => add(oid(&ci.table_name), LockMode::Share),
        S::CreatePolicy(p) => add(oid(&p.table_name), LockMode::AccessExclusive),
        S::AlterPolicy(p) => add(oid(&p.table_name), LockMode::AccessExclusive),
        S::DropPolicy(p) => add(oid(&p.table_name), LockMode::AccessExclusive),
        S::AlterIndex { name, .. } => {
            let owner = cx.catalog.index_owner(&object_name(name)).map(|t| t.oid);
            add(owner, LockMode::ShareUpdateExclusive);
        }
        S::AlterTable(at) => {
            use ast::AlterTableOperation as Op;
            let mut mode = LockMode::ShareUpdateExclusive;
            let mut referenced = Vec::new();
            for op in &at.operations {
                let m = match op {
                    Op::AddConstraint {
                        constraint: ast::TableConstraint::ForeignKey(fk),
                        ..
                    } => {
                        referenced.push(oid(&fk.foreign_table));
                        LockMode::ShareRowExclusive
                    }
                    Op::ValidateConstraint { .. } => LockMode::ShareUpdateExclusive,
                    _ => LockMode::AccessExclusive,
                };
                mode = mode.max(m);
            }
            add(oid(&at.name), mode);
            for r in referenced {
                add(r, LockMode::ShareRowExclusive);
            }
        }
        S::CreateTable(ct) => {
            for c in &ct.constraints {
                if let ast::TableConstraint::ForeignKey(fk) = c {
                    add(oid(&fk.foreign_table), LockMode::ShareRowExclusive);
                }
            }
            for col in &ct.columns {
                for o in &col.options {
                    if let ast::ColumnOption::ForeignKey(fk) = &o.option {
                        add(oid(&fk.foreign_table), LockMode::ShareRowExclusive);
                    }
                }
            }
        }
        _ => {}
    }
    out
}
