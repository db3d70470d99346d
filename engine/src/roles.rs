//! Roles (PostgreSQL's `pg_authid`): names, attributes and password verifiers.
//!
//! Every role is one row of the role heap (data file [`ROLES_FILE`]), written in the
//! statement's transaction like a table definition, so CREATE/ALTER/DROP ROLE are logged,
//! crash-safe and undone by a rollback. The in-memory [`Roles`] mirrors the committed rows
//! plus the current transaction's changes (recorded as [`crate::catalog::CatalogChange`]s
//! and reverted by the catalog on rollback).

use crate::error::{EngineError, Result};
use std::collections::BTreeMap;
use std::sync::Arc;
use storage::{Storage, Tid, Transaction};

/// Data file of the role heap.
pub const ROLES_FILE: u32 = 2;
/// OID of the bootstrap superuser (PostgreSQL's BOOTSTRAP_SUPERUSERID).
pub const BOOTSTRAP_SUPERUSER_OID: u32 = 10;

/// One role, as `pg_authid` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    pub oid: u32,
    pub name: String,
    pub superuser: bool,
    pub login: bool,
    pub create_role: bool,
    pub create_db: bool,
    pub inherit: bool,
    pub replication: bool,
    pub bypass_rls: bool,
    /// -1: no limit.
    pub connection_limit: i32,
    /// The stored verifier (see [`crate::password`]); `None`: no password.
    pub password: Option<String>,
}

impl Role {
    /// A role with PostgreSQL's CREATE ROLE defaults (NOLOGIN, INHERIT, no password).
    pub fn new(oid: u32, name: String) -> Role {
        Role {
            oid,
            name,
            superuser: false,
            login: false,
            create_role: false,
            create_db: false,
            inherit: true,
            replication: false,
            bypass_rls: false,
            connection_limit: -1,
            password: None,
        }
    }
}

/// The roles visible to the current transaction.
#[derive(Clone, Default)]
pub struct Roles {
    by_name: BTreeMap<String, (Arc<Role>, Tid)>,
}

impl Roles {
    /// Loads the committed roles; returns them with the highest OID in use.
    pub fn load(storage: &Storage) -> Result<(Roles, u32)> {
        let mut roles = Roles::default();
        let mut max_oid = 0;
        for row in storage.heap(ROLES_FILE).scan() {
            let (tid, bytes) = row?;
            let role = decode(&bytes)?;
            max_oid = max_oid.max(role.oid);
            roles
                .by_name
                .insert(role.name.clone(), (Arc::new(role), tid));
        }
        Ok((roles, max_oid))
    }

    pub fn get(&self, name: &str) -> Option<Arc<Role>> {
        self.by_name.get(name).map(|(r, _)| r.clone())
    }

    /// All roles, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Role>> {
        self.by_name.values().map(|(r, _)| r)
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Stores a new role in `txn` (42710 if the name is taken).
    pub(crate) fn create(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        role: Role,
    ) -> Result<()> {
        if self.by_name.contains_key(&role.name) {
            return Err(EngineError::DuplicateRole { name: role.name });
        }
        let tid = storage.heap(ROLES_FILE).insert(txn, &encode(&role))?;
        self.by_name
            .insert(role.name.clone(), (Arc::new(role), tid));
        Ok(())
    }

    /// Removes a role in `txn`; returns it with its old row for a rollback.
    pub(crate) fn drop_role(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        name: &str,
    ) -> Result<(Arc<Role>, Tid)> {
        let (role, tid) = self
            .by_name
            .remove(name)
            .ok_or_else(|| EngineError::UndefinedRole { name: name.into() })?;
        storage.heap(ROLES_FILE).delete(txn, tid)?;
        Ok((role, tid))
    }

    /// Replaces role `old_name` by `role` (which may carry a new name) in `txn`; returns
    /// the old version with its row for a rollback.
    pub(crate) fn replace(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        old_name: &str,
        role: Role,
    ) -> Result<(Arc<Role>, Tid)> {
        if role.name != old_name && self.by_name.contains_key(&role.name) {
            return Err(EngineError::DuplicateRole { name: role.name });
        }
        let (old, tid) =
            self.by_name
                .remove(old_name)
                .ok_or_else(|| EngineError::UndefinedRole {
                    name: old_name.into(),
                })?;
        let new_tid = match storage.heap(ROLES_FILE).update(txn, tid, &encode(&role)) {
            Ok(t) => t,
            Err(e) => {
                self.by_name.insert(old_name.to_owned(), (old, tid));
                return Err(e.into());
            }
        };
        self.by_name
            .insert(role.name.clone(), (Arc::new(role), new_tid));
        Ok((old, tid))
    }

    /// Rollback: forgets role `name` (created or renamed to that name by the transaction).
    pub(crate) fn forget(&mut self, name: &str) {
        self.by_name.remove(name);
    }

    /// Rollback: puts back a role version with its row.
    pub(crate) fn restore(&mut self, role: Arc<Role>, tid: Tid) {
        self.by_name.insert(role.name.clone(), (role, tid));
    }
}

// --- Row format of a role: a version byte, then length-prefixed fields. ---

const FORMAT: u8 = 1;

fn encode(r: &Role) -> Vec<u8> {
    let mut out = vec![FORMAT];
    out.extend_from_slice(&r.oid.to_le_bytes());
    put_str(&mut out, &r.name);
    let flags = r.superuser as u8
        | (r.login as u8) << 1
        | (r.create_role as u8) << 2
        | (r.create_db as u8) << 3
        | (r.inherit as u8) << 4
        | (r.replication as u8) << 5
        | (r.bypass_rls as u8) << 6;
    out.push(flags);
    out.extend_from_slice(&r.connection_limit.to_le_bytes());
    match &r.password {
        Some(p) => {
            out.push(1);
            put_str(&mut out, p);
        }
        None => out.push(0),
    }
    out
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn corrupt(reason: &str) -> EngineError {
    EngineError::CatalogCorrupt {
        reason: format!("role row: {reason}"),
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        if n > self.0.len() {
            return Err(corrupt("cut short"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn str(&mut self) -> Result<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| corrupt("string not UTF-8"))
    }
}

fn decode(bytes: &[u8]) -> Result<Role> {
    let mut r = Reader(bytes);
    if r.u8()? != FORMAT {
        return Err(corrupt("unknown format version"));
    }
    let oid = r.u32()?;
    let name = r.str()?;
    let flags = r.u8()?;
    let connection_limit = r.u32()? as i32;
    let password = match r.u8()? {
        0 => None,
        _ => Some(r.str()?),
    };
    Ok(Role {
        oid,
        name,
        superuser: flags & 1 != 0,
        login: flags & 2 != 0,
        create_role: flags & 4 != 0,
        create_db: flags & 8 != 0,
        inherit: flags & 16 != 0,
        replication: flags & 32 != 0,
        bypass_rls: flags & 64 != 0,
        connection_limit,
        password,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_format_round_trips_and_rejects_damage() {
        let mut r = Role::new(16390, "alice".into());
        r.login = true;
        r.create_db = true;
        r.connection_limit = 5;
        r.password = Some("md5abc".into());
        let bytes = encode(&r);
        assert_eq!(decode(&bytes).unwrap(), r);
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err());
        }
        let mut bad = bytes.clone();
        bad[0] = 9;
        assert!(decode(&bad).is_err());
    }
}
