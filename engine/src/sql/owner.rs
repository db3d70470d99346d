//! `ALTER TABLE … OWNER TO role`: the table (its indexes with it) and the sequences of its
//! serial and identity columns get the new owner, their ACLs rewritten as PostgreSQL's
//! `aclnewowner` does; PostgreSQL 15's rules for who may give a table away.

use super::{Outcome, TxnCx};
use crate::catalog::TableDef;
use crate::error::{EngineError, Result};
use sqlparser::ast;
use std::sync::Arc;

/// The role an OWNER TO clause names.
pub(super) fn new_owner(cx: &TxnCx<'_>, owner: &ast::Owner) -> Result<u32> {
    let acting = cx.catalog.acting();
    let bootstrap = crate::roles::BOOTSTRAP_SUPERUSER_OID;
    Ok(match owner {
        ast::Owner::Ident(i) => {
            let name = super::binder::ident_name(i);
            cx.catalog
                .roles()
                .get(&name)
                .ok_or(EngineError::UndefinedRole { name })?
                .oid
        }
        ast::Owner::CurrentRole | ast::Owner::CurrentUser => {
            acting.map_or(bootstrap, |i| i.current)
        }
        ast::Owner::SessionUser => acting.map_or(bootstrap, |i| i.session),
    })
}

/// Runs the statement if it is an OWNER TO (alone: 0A000 beside other actions); `None`
/// for other ALTER TABLE statements. The caller checked that the current user owns it.
pub(super) fn alter_owner(
    at: &ast::AlterTable,
    table: &Arc<TableDef>,
    cx: &mut TxnCx<'_>,
) -> Result<Option<Outcome>> {
    let owners: Vec<&ast::Owner> = at
        .operations
        .iter()
        .filter_map(|op| match op {
            ast::AlterTableOperation::OwnerTo { new_owner } => Some(new_owner),
            _ => None,
        })
        .collect();
    let [owner] = owners.as_slice() else {
        if owners.is_empty() {
            return Ok(None);
        }
        return Err(EngineError::FeatureNotSupported {
            feature: "several OWNER TO actions in one ALTER TABLE".into(),
        });
    };
    if at.operations.len() > 1 {
        return Err(EngineError::FeatureNotSupported {
            feature: "OWNER TO together with other ALTER TABLE actions".into(),
        });
    }
    let new = new_owner(cx, owner)?;
    if new != table.owner && !crate::acl::acting_superuser(cx.catalog) {
        // The current user must be able to become the new owner, and the new owner must
        // be allowed to create in the table's schema.
        let me = cx.catalog.acting().map_or(0, |i| i.current);
        if !cx.catalog.roles().is_member_of(me, new) {
            let name = cx.catalog.roles().name_of(new).unwrap_or_default();
            return Err(EngineError::InsufficientPrivilege {
                message: format!("must be member of role \"{name}\""),
            });
        }
        if !table.is_temp() && !crate::acl::may_create_in_public(cx.catalog, new) {
            return Err(crate::acl::schema_denied());
        }
    }
    if new != table.owner {
        let old = table.owner;
        let mut targets = vec![table.clone()];
        targets.extend(
            cx.catalog
                .tables()
                .filter(|t| t.sequence.as_ref().and_then(|s| s.owned_by) == Some(table.oid))
                .cloned(),
        );
        for t in targets {
            let mut def = (*t).clone();
            def.owner = new;
            def.acl = def.acl.map(|acl| crate::acl::new_owner(&acl, old, new));
            let change = cx.catalog.replace(cx.txn, cx.storage, def)?;
            cx.changes.push(change);
        }
    }
    Ok(Some(Outcome::Command {
        tag: "ALTER TABLE".into(),
    }))
}
