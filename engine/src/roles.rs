//! Roles (PostgreSQL's `pg_authid` and `pg_auth_members`): names, attributes, password
//! verifiers and role membership.
//!
//! Every role is one row of the role heap (data file [`ROLES_FILE`]), written in the
//! statement's transaction like a table definition, so CREATE/ALTER/DROP ROLE and GRANT /
//! REVOKE of membership are logged, crash-safe and undone by a rollback. A role's row holds
//! the roles it is a member of (its `pg_auth_members` rows as the member). The in-memory
//! [`Roles`] mirrors the committed rows plus the current transaction's changes (recorded as
//! [`crate::catalog::CatalogChange`]s and reverted by the catalog on rollback).
//!
//! A database that has stored no role with the bootstrap superuser's OID (an embedded one
//! that never ran [`crate::Database::bootstrap_superuser`]) has an implicit bootstrap
//! superuser `postgres` (OID 10): embedded sessions run as it, and changing it stores it.

use crate::acl::AclItem;
use crate::error::{EngineError, Result};
use std::collections::BTreeMap;
use std::sync::Arc;
use storage::{Storage, Tid, Transaction};

/// Data file of the role heap.
pub const ROLES_FILE: u32 = 2;
/// OID of the bootstrap superuser (PostgreSQL's BOOTSTRAP_SUPERUSERID).
pub const BOOTSTRAP_SUPERUSER_OID: u32 = 10;
/// Name of the implicit bootstrap superuser of a database that stored none.
pub const IMPLICIT_SUPERUSER_NAME: &str = "postgres";

/// Membership of a role in another (a `pg_auth_members` row, kept with the member).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    /// The role the member belongs to.
    pub role: u32,
    /// The role that granted the membership.
    pub grantor: u32,
    /// WITH ADMIN OPTION: the member may grant the role to others.
    pub admin: bool,
}

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
    /// The roles this role is a direct member of (at most one entry per role).
    pub member_of: Vec<Membership>,
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
            member_of: Vec::new(),
        }
    }

    /// The bootstrap superuser as initdb creates it: every attribute, no password.
    pub fn bootstrap(name: String) -> Role {
        let mut role = Role::new(BOOTSTRAP_SUPERUSER_OID, name);
        role.superuser = true;
        role.login = true;
        role.create_role = true;
        role.create_db = true;
        role.replication = true;
        role.bypass_rls = true;
        role
    }
}

/// PostgreSQL 15's predefined roles (name, OID), which every database has.
pub const PREDEFINED: &[(&str, u32)] = &[
    ("pg_database_owner", 6171),
    ("pg_read_all_data", 6181),
    ("pg_write_all_data", 6182),
    ("pg_monitor", 3373),
    ("pg_read_all_settings", 3374),
    ("pg_read_all_stats", 3375),
    ("pg_stat_scan_tables", 3377),
    ("pg_read_server_files", 4569),
    ("pg_write_server_files", 4570),
    ("pg_execute_server_program", 4571),
    ("pg_signal_backend", 4200),
    ("pg_checkpoint", 4544),
];

/// The predefined roles as rows: NOLOGIN, INHERIT; `pg_monitor` is a member of the three
/// roles it bundles, granted by the bootstrap superuser.
fn predefined_roles() -> Vec<Arc<Role>> {
    PREDEFINED
        .iter()
        .map(|&(name, oid)| {
            let mut r = Role::new(oid, name.into());
            if name == "pg_monitor" {
                r.member_of = [3374, 3375, 3377]
                    .iter()
                    .map(|&role| Membership {
                        role,
                        grantor: BOOTSTRAP_SUPERUSER_OID,
                        admin: false,
                    })
                    .collect();
            }
            Arc::new(r)
        })
        .collect()
}

/// First byte of the role heap's row holding the ACL of schema `public` (`nspacl`); role
/// rows start with their format version (1 or 2).
const PUBLIC_ACL_ROW: u8 = 0xA0;

/// OID of the predefined role owning schema `public`.
pub const PG_DATABASE_OWNER: u32 = 6171;

/// Schema `public`'s ACL as PostgreSQL 15 creates it: its owner `pg_database_owner` may use
/// it and create in it, PUBLIC may only use it.
pub fn default_public_acl() -> Vec<AclItem> {
    vec![
        AclItem {
            grantee: PG_DATABASE_OWNER,
            grantor: PG_DATABASE_OWNER,
            privs: crate::acl::USAGE | crate::acl::CREATE,
            grant_options: 0,
        },
        AclItem {
            grantee: crate::acl::PUBLIC,
            grantor: PG_DATABASE_OWNER,
            privs: crate::acl::USAGE,
            grant_options: 0,
        },
    ]
}

/// The stored ACL of schema `public` with its row (`None`: never changed, the default).
pub type PublicAcl = Option<(Arc<Vec<AclItem>>, Tid)>;

/// The roles visible to the current transaction.
#[derive(Clone, Debug)]
pub struct Roles {
    by_name: BTreeMap<String, (Arc<Role>, Tid)>,
    /// The implicit bootstrap superuser, in effect while no stored role has its OID.
    implicit: Arc<Role>,
    /// The predefined roles (never stored; they cannot be changed).
    predefined: Arc<Vec<Arc<Role>>>,
    /// The ACL of schema `public`, once GRANT or REVOKE changed it.
    public_acl: PublicAcl,
}

impl Default for Roles {
    fn default() -> Roles {
        Roles {
            by_name: BTreeMap::new(),
            implicit: Arc::new(Role::bootstrap(IMPLICIT_SUPERUSER_NAME.into())),
            predefined: Arc::new(predefined_roles()),
            public_acl: None,
        }
    }
}

impl Roles {
    /// Loads the committed roles; returns them with the highest OID in use.
    pub fn load(storage: &Storage) -> Result<(Roles, u32)> {
        let mut roles = Roles::default();
        let mut max_oid = 0;
        for row in storage.heap(ROLES_FILE).scan() {
            let (tid, bytes) = row?;
            if bytes.first() == Some(&PUBLIC_ACL_ROW) {
                roles.public_acl = Some((Arc::new(decode_acl(&bytes[1..])?), tid));
                continue;
            }
            let role = decode(&bytes)?;
            max_oid = max_oid.max(role.oid);
            roles
                .by_name
                .insert(role.name.clone(), (Arc::new(role), tid));
        }
        Ok((roles, max_oid))
    }

    /// The implicit bootstrap superuser, while no stored role has its OID.
    fn implicit(&self) -> Option<&Arc<Role>> {
        let stored = self
            .by_name
            .values()
            .any(|(r, _)| r.oid == BOOTSTRAP_SUPERUSER_OID);
        (!stored).then_some(&self.implicit)
    }

    pub fn get(&self, name: &str) -> Option<Arc<Role>> {
        self.by_name
            .get(name)
            .map(|(r, _)| r.clone())
            .or_else(|| self.implicit().filter(|r| r.name == name).cloned())
            .or_else(|| self.predefined.iter().find(|r| r.name == name).cloned())
    }

    /// Every role, the predefined ones included (`pg_authid`'s rows).
    pub fn all(&self) -> impl Iterator<Item = &Arc<Role>> {
        self.predefined.iter().chain(self.iter())
    }

    /// Whether role `name` has a row (the implicit bootstrap superuser has none).
    pub fn is_stored(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// The role with OID `oid`.
    pub fn by_oid(&self, oid: u32) -> Option<Arc<Role>> {
        self.all().find(|r| r.oid == oid).cloned()
    }

    /// The name of the role with OID `oid`.
    pub fn name_of(&self, oid: u32) -> Option<String> {
        self.all().find(|r| r.oid == oid).map(|r| r.name.clone())
    }

    /// The roles created in the database (and the implicit bootstrap superuser first, when
    /// in effect), by name; not the predefined roles.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Role>> {
        self.implicit()
            .into_iter()
            .chain(self.by_name.values().map(|(r, _)| r))
    }

    /// Whether no role is stored.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Whether `member` is `role` or a member of it through any chain of memberships
    /// (PostgreSQL's `is_member_of_role`: what SET ROLE needs, INHERIT or not).
    pub fn is_member_of(&self, member: u32, role: u32) -> bool {
        self.reaches(member, role, false)
    }

    /// Whether `member` has the privileges of `role`: it is `role`, or reaches it through
    /// memberships of roles that inherit (PostgreSQL's `has_privs_of_role`). Superusers
    /// have every role's privileges.
    pub fn has_privs_of(&self, member: u32, role: u32) -> bool {
        if self.by_oid(member).is_some_and(|r| r.superuser) {
            return true;
        }
        self.reaches(member, role, true)
    }

    /// Whether `member` may grant `role` to others: a superuser, or a direct or inherited
    /// member WITH ADMIN OPTION (PostgreSQL 15's `is_admin_of_role`, without the
    /// session-user rule for non-login sessions).
    pub fn is_admin_of(&self, member: u32, role: u32) -> bool {
        if self.by_oid(member).is_some_and(|r| r.superuser) {
            return true;
        }
        let mut seen = vec![member];
        let mut todo = vec![member];
        while let Some(m) = todo.pop() {
            let Some(r) = self.by_oid(m) else { continue };
            for ms in &r.member_of {
                if ms.role == role && ms.admin {
                    return true;
                }
                if !seen.contains(&ms.role) {
                    seen.push(ms.role);
                    todo.push(ms.role);
                }
            }
        }
        false
    }

    /// Walks the membership graph from `member`; with `inherit`, only through roles that
    /// inherit their memberships' privileges.
    fn reaches(&self, member: u32, role: u32, inherit: bool) -> bool {
        if member == role {
            return true;
        }
        let mut seen = vec![member];
        let mut todo = vec![member];
        while let Some(m) = todo.pop() {
            let Some(r) = self.by_oid(m) else { continue };
            if inherit && !r.inherit {
                continue;
            }
            for ms in &r.member_of {
                if ms.role == role {
                    return true;
                }
                if !seen.contains(&ms.role) {
                    seen.push(ms.role);
                    todo.push(ms.role);
                }
            }
        }
        false
    }

    /// Stores a new role in `txn` (42710 if the name is taken).
    pub(crate) fn create(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        role: Role,
    ) -> Result<()> {
        // The implicit bootstrap superuser's name is taken, except by the role that
        // stores it (same OID).
        let implicit_name = self
            .implicit()
            .is_some_and(|r| r.name == role.name && r.oid != role.oid);
        if self.by_name.contains_key(&role.name) || implicit_name {
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
        if role.name != old_name && self.get(&role.name).is_some() {
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

    /// The ACL of schema `public` (`nspacl`).
    pub fn public_acl(&self) -> Vec<AclItem> {
        match &self.public_acl {
            Some((acl, _)) => acl.to_vec(),
            None => default_public_acl(),
        }
    }

    /// Stores a new ACL of schema `public` in `txn`; returns the previous state for a
    /// rollback ([`Roles::restore_public_acl`]).
    pub(crate) fn set_public_acl(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        acl: Vec<AclItem>,
    ) -> Result<PublicAcl> {
        let mut bytes = vec![PUBLIC_ACL_ROW];
        encode_acl(&mut bytes, &acl);
        let heap = storage.heap(ROLES_FILE);
        let tid = match &self.public_acl {
            Some((_, tid)) => heap.update(txn, *tid, &bytes)?,
            None => heap.insert(txn, &bytes)?,
        };
        Ok(self.public_acl.replace((Arc::new(acl), tid)))
    }

    /// Rollback: puts back the ACL of schema `public` as it was.
    pub(crate) fn restore_public_acl(&mut self, old: PublicAcl) {
        self.public_acl = old;
    }

    /// Makes role `name` as in `from` (present or absent): laying a transaction's change
    /// over another view of the roles.
    pub(crate) fn copy_entry(&mut self, from: &Roles, name: &str) {
        match from.by_name.get(name) {
            Some(entry) => {
                self.by_name.insert(name.to_owned(), entry.clone());
            }
            None => {
                self.by_name.remove(name);
            }
        }
    }

    /// Makes the ACL of schema `public` as in `from`.
    pub(crate) fn copy_public_acl(&mut self, from: &Roles) {
        self.public_acl = from.public_acl.clone();
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

/// Version 2 added the memberships (version 1 rows have none).
const FORMAT: u8 = 2;

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
    out.extend_from_slice(&(r.member_of.len() as u32).to_le_bytes());
    for m in &r.member_of {
        out.extend_from_slice(&m.role.to_le_bytes());
        out.extend_from_slice(&m.grantor.to_le_bytes());
        out.push(m.admin as u8);
    }
    out
}

fn encode_acl(out: &mut Vec<u8>, acl: &[AclItem]) {
    out.extend_from_slice(&(acl.len() as u32).to_le_bytes());
    for i in acl {
        out.extend_from_slice(&i.grantee.to_le_bytes());
        out.extend_from_slice(&i.grantor.to_le_bytes());
        out.extend_from_slice(&i.privs.to_le_bytes());
        out.extend_from_slice(&i.grant_options.to_le_bytes());
    }
}

fn decode_acl(bytes: &[u8]) -> Result<Vec<AclItem>> {
    let mut r = Reader(bytes);
    let n = r.u32()? as usize;
    if n > bytes.len() {
        return Err(corrupt("implausible ACL length"));
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let grantee = r.u32()?;
        let grantor = r.u32()?;
        let p = r.take(2)?;
        let privs = u16::from_le_bytes([p[0], p[1]]);
        let g = r.take(2)?;
        let grant_options = u16::from_le_bytes([g[0], g[1]]);
        out.push(AclItem {
            grantee,
            grantor,
            privs,
            grant_options,
        });
    }
    Ok(out)
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
    let version = r.u8()?;
    if !(1..=FORMAT).contains(&version) {
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
    let mut member_of = Vec::new();
    if version >= 2 {
        let n = r.u32()? as usize;
        if n > bytes.len() {
            return Err(corrupt("implausible membership count"));
        }
        for _ in 0..n {
            member_of.push(Membership {
                role: r.u32()?,
                grantor: r.u32()?,
                admin: r.u8()? != 0,
            });
        }
    }
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
        member_of,
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
        r.member_of.push(Membership {
            role: 16384,
            grantor: 10,
            admin: true,
        });
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
