//! Who runs a statement and what they may do: the acting [`Identity`] (current and session
//! user), access control lists (PostgreSQL's `aclitem[]`: `relacl`) and the checks
//! statements make against them.
//!
//! An ACL of `None` is PostgreSQL's NULL `relacl`: the owner's default rights and nothing
//! for anyone else. The first GRANT or REVOKE on an object starts from that default, so the
//! owner's item is written out (first) from then on, as PostgreSQL does. Items are kept in
//! the order PostgreSQL keeps them: an existing (grantee, grantor) item changes in place,
//! new ones go last, and an item left with no privilege is removed.
//!
//! Invariant: no two items of an ACL have the same (grantee, grantor); grant options are a
//! subset of the item's privileges.

use crate::catalog::{Catalog, TableDef};
use crate::error::{EngineError, Result};
use crate::roles::Roles;

/// Grantee OID standing for PUBLIC (every role).
pub const PUBLIC: u32 = 0;

/// Privilege bits, in PostgreSQL's order (which is also the order `aclitemout` prints).
pub const INSERT: u16 = 1 << 0;
pub const SELECT: u16 = 1 << 1;
pub const UPDATE: u16 = 1 << 2;
pub const DELETE: u16 = 1 << 3;
pub const TRUNCATE: u16 = 1 << 4;
pub const REFERENCES: u16 = 1 << 5;
pub const TRIGGER: u16 = 1 << 6;
pub const USAGE: u16 = 1 << 8;
pub const CREATE: u16 = 1 << 9;
/// TEMPORARY and CONNECT (privileges of databases).
pub const TEMPORARY: u16 = 1 << 10;
pub const CONNECT: u16 = 1 << 11;

/// The letters of the privilege bits, bit 0 first (`ACL_ALL_RIGHTS_STR`).
const LETTERS: &[u8] = b"arwdDxtXUCTc";

/// Every privilege a table or view has.
pub const ALL_TABLE: u16 = INSERT | SELECT | UPDATE | DELETE | TRUNCATE | REFERENCES | TRIGGER;
/// Every privilege a sequence has.
pub const ALL_SEQUENCE: u16 = USAGE | SELECT | UPDATE;

/// Who runs the statement: the current user (whose privileges apply) and the session user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub current: u32,
    pub current_name: String,
    pub session: u32,
    pub session_name: String,
    /// The `row_security` setting: off makes a query that a policy would filter fail
    /// (42501) instead (see `crate::sql::rls`).
    pub row_security: bool,
}

/// One `aclitem`: privileges `grantee` holds by the grant of `grantor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AclItem {
    /// The role holding the privileges ([`PUBLIC`]: every role).
    pub grantee: u32,
    pub grantor: u32,
    pub privs: u16,
    /// The privileges the grantee may grant on (a subset of `privs`).
    pub grant_options: u16,
}

/// Every privilege an object of `def`'s kind has.
pub fn all_rights(def: &TableDef) -> u16 {
    if def.sequence.is_some() {
        ALL_SEQUENCE
    } else {
        ALL_TABLE
    }
}

/// PostgreSQL's `acldefault`: the owner holds every privilege (no grant options are shown,
/// the owner may always grant).
pub fn default_acl(def: &TableDef) -> Vec<AclItem> {
    vec![AclItem {
        grantee: def.owner,
        grantor: def.owner,
        privs: all_rights(def),
        grant_options: 0,
    }]
}

/// The ACL in effect for `def` (its own, or the default).
pub fn effective_acl(def: &TableDef) -> Vec<AclItem> {
    def.acl.clone().unwrap_or_else(|| default_acl(def))
}

/// The privileges of `mask` that `role` holds on `def` (PostgreSQL's `aclmask`): every one
/// for a superuser; otherwise those granted to PUBLIC or to a role whose privileges `role`
/// has. The owner's rights come from its ACL item like anyone's.
pub fn privileges(roles: &Roles, def: &TableDef, role: u32, mask: u16) -> u16 {
    if roles.by_oid(role).is_some_and(|r| r.superuser) {
        return mask;
    }
    let mut have = 0;
    for item in effective_acl(def) {
        if item.grantee == PUBLIC || roles.has_privs_of(role, item.grantee) {
            have |= item.privs;
        }
    }
    have & mask
}

/// The grant options of `mask` that `role` holds on `def` (the owner holds all of them).
pub fn grant_options(roles: &Roles, def: &TableDef, role: u32, mask: u16) -> u16 {
    if roles.has_privs_of(role, def.owner) {
        return mask;
    }
    let mut have = 0;
    for item in effective_acl(def) {
        if item.grantee == PUBLIC || roles.has_privs_of(role, item.grantee) {
            have |= item.grant_options;
        }
    }
    have & mask
}

/// How error messages name an object of `def`'s kind (`table`, `view`, `sequence`).
pub fn noun(def: &TableDef) -> &'static str {
    if def.view.is_some() {
        "view"
    } else if def.sequence.is_some() {
        "sequence"
    } else {
        "table"
    }
}

/// 42501 "permission denied for table t" (view / sequence as the object is).
pub fn denied(def: &TableDef) -> EngineError {
    EngineError::InsufficientPrivilege {
        message: format!("permission denied for {} {}", noun(def), def.name),
    }
}

/// The role privileges are checked for: `check_as` (a view's owner, for the relations its
/// query reads) or the catalog's acting current user. `None`: no check (the engine's own
/// work, or a statement only described).
fn checked_role(catalog: &Catalog, check_as: Option<u32>) -> Option<u32> {
    check_as.or_else(|| catalog.acting().map(|i| i.current))
}

/// Fails with 42501 unless the acting role (or `check_as`) holds any of `any_of` on `def`.
pub fn require_any(
    catalog: &Catalog,
    def: &TableDef,
    any_of: u16,
    check_as: Option<u32>,
) -> Result<()> {
    let Some(role) = checked_role(catalog, check_as) else {
        return Ok(());
    };
    if privileges(catalog.roles(), def, role, any_of) != 0 {
        Ok(())
    } else {
        Err(denied(def))
    }
}

/// Fails with 42501 unless the acting role (or `check_as`) holds every one of `all_of`.
pub fn require(
    catalog: &Catalog,
    def: &TableDef,
    all_of: u16,
    check_as: Option<u32>,
) -> Result<()> {
    let Some(role) = checked_role(catalog, check_as) else {
        return Ok(());
    };
    if privileges(catalog.roles(), def, role, all_of) == all_of {
        Ok(())
    } else {
        Err(denied(def))
    }
}

/// Whether the acting role owns `def` (is a member of the owning role, inheriting, or a
/// superuser); true when nothing is checked.
pub fn owns(catalog: &Catalog, def: &TableDef) -> bool {
    match catalog.acting() {
        None => true,
        Some(i) => catalog.roles().has_privs_of(i.current, def.owner),
    }
}

/// 42501 "must be owner of table t" unless the acting role owns `def`. An index is named
/// by `index` (its relation's owner owns it).
pub fn require_owner(catalog: &Catalog, def: &TableDef, index: Option<&str>) -> Result<()> {
    if owns(catalog, def) {
        return Ok(());
    }
    let message = match index {
        Some(i) => format!("must be owner of index {i}"),
        None => format!("must be owner of {} {}", noun(def), def.name),
    };
    Err(EngineError::InsufficientPrivilege { message })
}

/// The owner of a relation the statement creates: the current user (the bootstrap
/// superuser for the engine's own work).
pub fn creator(catalog: &Catalog) -> u32 {
    catalog
        .acting()
        .map_or(crate::roles::BOOTSTRAP_SUPERUSER_OID, |i| i.current)
}

/// Whether `role` may create relations in schema `public`: a superuser, a member of its
/// owner `pg_database_owner` (the database's owner, the bootstrap superuser, is one), or a
/// role granted CREATE on it.
pub fn may_create_in_public(catalog: &Catalog, role: u32) -> bool {
    let roles = catalog.roles();
    if roles.by_oid(role).is_some_and(|r| r.superuser) {
        return true;
    }
    roles.public_acl().iter().any(|i| {
        i.privs & CREATE != 0
            && (i.grantee == PUBLIC
                || roles.has_privs_of(role, i.grantee)
                || (i.grantee == crate::roles::PG_DATABASE_OWNER
                    && role == crate::roles::BOOTSTRAP_SUPERUSER_OID))
    })
}

/// 42501 "permission denied for schema public".
pub fn schema_denied() -> EngineError {
    EngineError::InsufficientPrivilege {
        message: "permission denied for schema public".into(),
    }
}

/// Fails with 42501 unless the acting role may create in schema `public`.
pub fn require_create_in_public(catalog: &Catalog) -> Result<()> {
    match catalog.acting() {
        Some(i) if !may_create_in_public(catalog, i.current) => Err(schema_denied()),
        _ => Ok(()),
    }
}

/// Whether `role` holds privileges `mask` on user schema `schema`: a superuser, a member of
/// its owner, or a role granted them (directly, through PUBLIC or a role it inherits).
pub fn schema_privileges(
    catalog: &Catalog,
    schema: &crate::catalog::SchemaDef,
    role: u32,
    mask: u16,
) -> bool {
    let roles = catalog.roles();
    if roles.by_oid(role).is_some_and(|r| r.superuser) || roles.has_privs_of(role, schema.owner) {
        return true;
    }
    let granted = schema
        .acl
        .iter()
        .flatten()
        .filter(|i| i.grantee == PUBLIC || roles.has_privs_of(role, i.grantee))
        .fold(0, |acc, i| acc | i.privs);
    granted & mask == mask
}

/// Fails with 42501 "permission denied for schema s" unless the acting role may create in
/// user schema `oid`.
pub fn require_create_in_schema(catalog: &Catalog, oid: u32) -> Result<()> {
    let (Some(i), Some(schema)) = (catalog.acting(), catalog.schema_by_oid(oid)) else {
        return Ok(());
    };
    if schema_privileges(catalog, schema, i.current, CREATE) {
        return Ok(());
    }
    Err(EngineError::InsufficientPrivilege {
        message: format!("permission denied for schema {}", schema.name),
    })
}

/// Whether the acting role is a superuser (true when nothing is checked).
pub fn acting_superuser(catalog: &Catalog) -> bool {
    match catalog.acting() {
        None => true,
        Some(i) => catalog
            .roles()
            .by_oid(i.current)
            .is_some_and(|r| r.superuser),
    }
}

/// A role name as `aclitemout` prints it: quoted when it has a character other than an
/// ASCII letter, digit or underscore (PostgreSQL's `putid`).
fn put_id(out: &mut String, name: &str) {
    let safe = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if safe {
        out.push_str(name);
    } else {
        out.push('"');
        for c in name.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    }
}

/// One item as `aclitemout` prints it: `grantee=privs/grantor` (an empty grantee for
/// PUBLIC, `*` after each privilege held with grant option).
pub fn format_item(item: &AclItem, name_of: &dyn Fn(u32) -> String) -> String {
    let mut out = String::new();
    if item.grantee != PUBLIC {
        put_id(&mut out, &name_of(item.grantee));
    }
    out.push('=');
    for (bit, &letter) in LETTERS.iter().enumerate() {
        let b = 1u16 << bit;
        if item.privs & b != 0 {
            out.push(char::from(letter));
            if item.grant_options & b != 0 {
                out.push('*');
            }
        }
    }
    out.push('/');
    put_id(&mut out, &name_of(item.grantor));
    out
}

/// The privilege bits of a letter string such as `arwdDxt` (for tests and inquiries).
pub fn bits_of(letters: &str) -> u16 {
    letters
        .bytes()
        .filter_map(|c| LETTERS.iter().position(|&l| l == c))
        .fold(0, |acc, i| acc | 1 << i)
}

/// Adds `privs` (and `options` of them as grant options) to the item of (`grantee`,
/// `grantor`), creating it last if there is none (PostgreSQL's `aclupdate` with
/// ACL_MODECHG_ADD).
pub fn grant(acl: &mut Vec<AclItem>, grantee: u32, grantor: u32, privs: u16, options: u16) {
    match acl
        .iter_mut()
        .find(|i| i.grantee == grantee && i.grantor == grantor)
    {
        Some(item) => {
            item.privs |= privs;
            item.grant_options |= options & privs;
        }
        None => acl.push(AclItem {
            grantee,
            grantor,
            privs,
            grant_options: options & privs,
        }),
    }
}

/// Takes `privs` from the item of (`grantee`, `grantor`) — only their grant options when
/// `options_only` — and removes an item left with nothing (ACL_MODECHG_DEL).
pub fn revoke(acl: &mut Vec<AclItem>, grantee: u32, grantor: u32, privs: u16, options_only: bool) {
    for item in acl
        .iter_mut()
        .filter(|i| i.grantee == grantee && i.grantor == grantor)
    {
        item.grant_options &= !privs;
        if !options_only {
            item.privs &= !privs;
        }
    }
    acl.retain(|i| i.privs != 0 || i.grant_options != 0);
}

/// The ACL after the object's owner changed from `old` to `new` (PostgreSQL's
/// `aclnewowner`): the old owner is replaced by the new one as grantee and as grantor, and
/// items that then coincide are merged.
pub fn new_owner(acl: &[AclItem], old: u32, new: u32) -> Vec<AclItem> {
    let mut out: Vec<AclItem> = Vec::with_capacity(acl.len());
    for item in acl {
        let mut item = *item;
        if item.grantee == old {
            item.grantee = new;
        }
        if item.grantor == old {
            item.grantor = new;
        }
        match out
            .iter_mut()
            .find(|i| i.grantee == item.grantee && i.grantor == item.grantor)
        {
            Some(same) => {
                same.privs |= item.privs;
                same.grant_options |= item.grant_options;
            }
            None => out.push(item),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(oid: u32) -> String {
        match oid {
            10 => "postgres".into(),
            20 => "alice".into(),
            _ => "Bob Smith".into(),
        }
    }

    #[test]
    fn items_print_as_postgres_prints_them() {
        let owner = AclItem {
            grantee: 10,
            grantor: 10,
            privs: ALL_TABLE,
            grant_options: 0,
        };
        assert_eq!(format_item(&owner, &names), "postgres=arwdDxt/postgres");
        let seq = AclItem {
            privs: ALL_SEQUENCE,
            ..owner
        };
        assert_eq!(format_item(&seq, &names), "postgres=rwU/postgres");
        let public = AclItem {
            grantee: PUBLIC,
            grantor: 10,
            privs: SELECT | INSERT,
            grant_options: SELECT,
        };
        assert_eq!(format_item(&public, &names), "=ar*/postgres");
        let quoted = AclItem {
            grantee: 30,
            ..public
        };
        assert_eq!(format_item(&quoted, &names), "\"Bob Smith\"=ar*/postgres");
        assert_eq!(bits_of("arwdDxt"), ALL_TABLE);
        assert_eq!(bits_of("rwU"), ALL_SEQUENCE);
    }

    #[test]
    fn grants_and_revokes_keep_postgres_item_order() {
        let mut acl = vec![AclItem {
            grantee: 10,
            grantor: 10,
            privs: ALL_TABLE,
            grant_options: 0,
        }];
        grant(&mut acl, 20, 10, SELECT, 0);
        grant(&mut acl, PUBLIC, 10, INSERT, 0);
        grant(&mut acl, 20, 10, UPDATE, UPDATE);
        assert_eq!(acl.len(), 3);
        assert_eq!(acl[1].privs, SELECT | UPDATE);
        assert_eq!(acl[1].grant_options, UPDATE);
        revoke(&mut acl, 20, 10, UPDATE, true);
        assert_eq!((acl[1].privs, acl[1].grant_options), (SELECT | UPDATE, 0));
        revoke(&mut acl, 20, 10, SELECT | UPDATE, false);
        assert_eq!(acl.len(), 2);
        assert_eq!(acl[1].grantee, PUBLIC);
        // A new owner replaces the old one everywhere; coinciding items merge.
        grant(&mut acl, 20, 10, SELECT, 0);
        let moved = new_owner(&acl, 10, 20);
        assert_eq!(moved.len(), 2);
        assert_eq!((moved[0].grantee, moved[0].grantor), (20, 20));
        assert_eq!(moved[0].privs, ALL_TABLE);
        assert_eq!((moved[1].grantee, moved[1].grantor), (PUBLIC, 20));
    }
}
