//! The databases of a data directory (PostgreSQL's `pg_database`, a shared catalog): each
//! one row of the database heap (data file [`DATABASES_FILE`]) written in the creating
//! transaction, so CREATE / DROP / ALTER DATABASE are logged, crash-safe and transactional
//! as every other catalog change is.
//!
//! Invariants: a database's name is unique; its OID never changes and every relation,
//! schema and type carrying it as `db` belongs to it (dropping a database deletes their rows
//! in the same transaction). A directory holds `template1`, `template0` and `postgres` from
//! its first open (with PostgreSQL 15's OIDs 1, 4 and 5); a directory from before there were
//! several databases gets them at its next open, its objects belonging to `postgres`.

use super::format::{Reader, Writer};
use super::{corrupt, Catalog, CatalogChange, ObjKey};
use crate::acl::AclItem;
use crate::error::{EngineError, Result};
use crate::roles::BOOTSTRAP_SUPERUSER_OID;
use std::sync::Arc;
use storage::{Storage, Transaction};

/// Data file of the database heap.
pub const DATABASES_FILE: u32 = 6;
/// OIDs of the databases every directory starts with (PostgreSQL 15's).
pub const TEMPLATE1_OID: u32 = 1;
pub const TEMPLATE0_OID: u32 = 4;
pub const POSTGRES_OID: u32 = 5;

/// A database (a `pg_database` row).
#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseDef {
    pub oid: u32,
    pub name: String,
    /// OID of the owning role (`datdba`).
    pub owner: u32,
    /// `datistemplate`: any role with CREATEDB may clone it (else only its owner).
    pub is_template: bool,
    /// `datallowconn`: whether sessions may connect to it.
    pub allow_conn: bool,
    /// `datconnlimit` (-1: no limit).
    pub conn_limit: i32,
    /// The access control list (`datacl`); `None`: the owner's default rights.
    pub acl: Option<Vec<AclItem>>,
}

impl DatabaseDef {
    /// The databases initdb creates. The templates' ACL is what initdb leaves them:
    /// CONNECT for PUBLIC (`=c/owner`) and the owner's own rights (`owner=CTc/owner`).
    fn initial() -> [DatabaseDef; 3] {
        let owner = BOOTSTRAP_SUPERUSER_OID;
        let item = |grantee, privs| AclItem {
            grantee,
            grantor: owner,
            privs,
            grant_options: 0,
        };
        let db = |oid, name: &str, is_template, allow_conn| DatabaseDef {
            oid,
            name: name.to_owned(),
            owner,
            is_template,
            allow_conn,
            conn_limit: -1,
            acl: is_template.then(|| {
                vec![
                    item(crate::acl::PUBLIC, crate::acl::CONNECT),
                    item(
                        owner,
                        crate::acl::CREATE | crate::acl::TEMPORARY | crate::acl::CONNECT,
                    ),
                ]
            }),
        };
        [
            db(TEMPLATE1_OID, "template1", true, true),
            db(TEMPLATE0_OID, "template0", true, false),
            db(POSTGRES_OID, "postgres", false, true),
        ]
    }
}

fn encode(d: &DatabaseDef) -> Vec<u8> {
    let mut w = Writer(vec![1]); // format version
    w.u32(d.oid);
    w.str(&d.name);
    w.u32(d.owner);
    w.0.push(u8::from(d.is_template) | (u8::from(d.allow_conn) << 1));
    w.u32(d.conn_limit as u32);
    w.acl(&d.acl);
    w.0
}

fn decode(bytes: &[u8]) -> Result<DatabaseDef> {
    let mut r = Reader(bytes, 0);
    if r.u8()? != 1 {
        return Err(corrupt("unknown database row version"));
    }
    let oid = r.u32()?;
    let name = r.str()?;
    let owner = r.u32()?;
    let flags = r.u8()?;
    Ok(DatabaseDef {
        oid,
        name,
        owner,
        is_template: flags & 1 != 0,
        allow_conn: flags & 2 != 0,
        conn_limit: r.u32()? as i32,
        acl: r.acl()?,
    })
}

impl Catalog {
    /// Loads the committed databases (none yet in a directory never opened since they
    /// exist: see [`Catalog::create_initial_databases`]).
    pub(super) fn load_databases(&mut self, storage: &Storage) -> Result<()> {
        for row in storage.heap(DATABASES_FILE).scan() {
            let (tid, bytes) = row?;
            let d = decode(&bytes)?;
            self.reserve_oids_through(d.oid);
            self.databases.insert(d.name.clone(), (Arc::new(d), tid));
        }
        Ok(())
    }

    /// Writes the rows of `template1`, `template0` and `postgres` if the directory has no
    /// database yet (at open, before any session: nothing contends).
    pub(crate) fn create_initial_databases(&mut self, storage: &Storage) -> Result<()> {
        if !self.databases.is_empty() {
            return Ok(());
        }
        let mut txn = storage.begin()?;
        let mut rows = Vec::new();
        for d in DatabaseDef::initial() {
            match storage.heap(DATABASES_FILE).insert(&mut txn, &encode(&d)) {
                Ok(tid) => rows.push((d, tid)),
                Err(e) => {
                    let _ = txn.abort();
                    return Err(e.into());
                }
            }
        }
        txn.commit()?;
        for (d, tid) in rows {
            self.databases.insert(d.name.clone(), (Arc::new(d), tid));
        }
        Ok(())
    }

    /// The OID of the database this copy shows.
    pub fn database(&self) -> u32 {
        self.db
    }

    /// Makes this copy show database `db`'s relations, schemas and types.
    pub(crate) fn set_database(&mut self, db: u32) {
        self.db = db;
    }

    /// 3D000 unless the database this copy shows exists (a session connected to a
    /// database dropped since creates nothing in it).
    pub(super) fn require_database(&self) -> Result<()> {
        match self.database_by_oid(self.db) {
            Some(_) => Ok(()),
            None => Err(EngineError::UndefinedDatabase {
                name: self.db.to_string(),
            }),
        }
    }

    /// The name of the database this copy shows.
    pub fn database_name(&self) -> String {
        self.database_by_oid(self.db)
            .map_or_else(|| self.db.to_string(), |d| d.name.clone())
    }

    /// The database called `name`.
    pub fn database_named(&self, name: &str) -> Option<&Arc<DatabaseDef>> {
        self.databases.get(name).map(|(d, _)| d)
    }

    /// The database with OID `oid`.
    pub fn database_by_oid(&self, oid: u32) -> Option<&Arc<DatabaseDef>> {
        self.databases
            .values()
            .map(|(d, _)| d)
            .find(|d| d.oid == oid)
    }

    /// Every database, by name.
    pub fn databases(&self) -> impl Iterator<Item = &Arc<DatabaseDef>> {
        self.databases.values().map(|(d, _)| d)
    }

    /// Whether database `db` holds any relation, schema or type.
    pub fn database_has_objects(&self, db: u32) -> bool {
        self.tables.keys().any(|(d, _, _)| *d == db)
            || self.schemas.keys().any(|(d, _)| *d == db)
            || self.types.keys().any(|(d, _)| *d == db)
    }

    /// Stores a new database in `txn` (its name must be free: the caller checks).
    pub(crate) fn create_database(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        d: DatabaseDef,
    ) -> Result<CatalogChange> {
        self.changed();
        self.lock_new_entry(ObjKey::Database(&d.name), None)?;
        let tid = storage.heap(DATABASES_FILE).insert(txn, &encode(&d))?;
        self.reserve_oids_through(d.oid);
        let name = d.name.clone();
        self.databases.insert(name.clone(), (Arc::new(d), tid));
        Ok(CatalogChange::DatabaseCreated(name))
    }

    /// Removes database `name` and every relation, schema and type in it, in `txn`; the
    /// changes to record are pushed to `changes`. Their data files are removed when no
    /// definition uses them any more (at the next open, as after DROP TABLE).
    pub(crate) fn drop_database(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        name: &str,
        changes: &mut Vec<CatalogChange>,
    ) -> Result<()> {
        self.changed();
        self.lock_entry(ObjKey::Database(name))?;
        let oid = self
            .database_named(name)
            .map(|d| d.oid)
            .ok_or(EngineError::Internal {
                reason: "dropping a database that does not exist",
            })?;
        let tables: Vec<_> = self
            .tables
            .keys()
            .filter(|(d, _, _)| *d == oid)
            .cloned()
            .collect();
        for key in tables {
            if let Some((def, tid)) = self.tables.remove(&key) {
                storage.heap(super::CATALOG_FILE).delete(txn, tid)?;
                changes.push(CatalogChange::Dropped(def, tid));
            }
        }
        let schemas: Vec<_> = self
            .schemas
            .keys()
            .filter(|(d, _)| *d == oid)
            .cloned()
            .collect();
        for key in schemas {
            if let Some((s, tid)) = self.schemas.remove(&key) {
                storage.heap(super::SCHEMAS_FILE).delete(txn, tid)?;
                changes.push(CatalogChange::SchemaDropped(s, tid));
            }
        }
        let types: Vec<_> = self
            .types
            .keys()
            .filter(|(d, _)| *d == oid)
            .cloned()
            .collect();
        for key in types {
            if let Some((t, tid)) = self.types.remove(&key) {
                storage.heap(super::TYPES_FILE).delete(txn, tid)?;
                changes.push(CatalogChange::TypeDropped(oid, t, tid));
            }
        }
        let (d, tid) = self.databases.remove(name).ok_or(EngineError::Internal {
            reason: "dropping a database that does not exist",
        })?;
        storage.heap(DATABASES_FILE).delete(txn, tid)?;
        changes.push(CatalogChange::DatabaseDropped(d, tid));
        Ok(())
    }

    /// Replaces database `old_name` by `new` (renamed or a new owner) in `txn`.
    pub(crate) fn replace_database(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        old_name: &str,
        new: DatabaseDef,
    ) -> Result<CatalogChange> {
        self.changed();
        self.lock_entry(ObjKey::Database(old_name))?;
        if new.name != old_name {
            self.lock_new_entry(ObjKey::Database(&new.name), None)?;
        }
        let (old, tid) = self
            .databases
            .remove(old_name)
            .ok_or(EngineError::Internal {
                reason: "altering a database that does not exist",
            })?;
        let new_tid = storage
            .heap(DATABASES_FILE)
            .update(txn, tid, &encode(&new))?;
        let name = new.name.clone();
        self.databases
            .insert(name.clone(), (Arc::new(new), new_tid));
        Ok(CatalogChange::DatabaseReplaced(old, tid, name))
    }

    /// Makes database `name` as in `from` (present or absent): see [`Catalog::overlay`].
    pub(super) fn copy_database(&mut self, from: &Catalog, name: &str) {
        match from.databases.get(name) {
            Some(entry) => {
                self.databases.insert(name.to_owned(), entry.clone());
            }
            None => {
                self.databases.remove(name);
            }
        }
    }

    /// Reverts a database change after its transaction rolled back.
    pub(super) fn revert_database(&mut self, change: CatalogChange) {
        self.changed();
        match change {
            CatalogChange::DatabaseCreated(name) => {
                self.databases.remove(&name);
            }
            CatalogChange::DatabaseDropped(d, tid) => {
                self.databases.insert(d.name.clone(), (d, tid));
            }
            CatalogChange::DatabaseReplaced(d, tid, name) => {
                self.databases.remove(&name);
                self.databases.insert(d.name.clone(), (d, tid));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
    use super::*;

    #[test]
    fn database_rows_round_trip() {
        for d in DatabaseDef::initial() {
            assert_eq!(decode(&encode(&d)).unwrap(), d);
        }
        assert!(decode(&[2]).is_err());
        assert!(decode(&[1, 0]).is_err());
    }

    #[test]
    fn relation_rows_from_before_databases_belong_to_postgres() {
        let def = super::super::TableDef {
            oid: 16384,
            db: 77,
            name: "t".into(),
            file: 16,
            columns: vec![],
            indexes: vec![],
            checks: vec![],
            view: None,
            sequence: None,
            temp: 0,
            on_commit: Default::default(),
            foreign_keys: vec![],
            owner: BOOTSTRAP_SUPERUSER_OID,
            acl: None,
            rls: Default::default(),
        };
        let cat = Catalog::default();
        let bytes = super::super::format::encode(&def);
        assert_eq!(super::super::format::db_of(&bytes).unwrap(), 77);
        assert_eq!(super::super::format::decode(&bytes, &cat).unwrap(), def);
        // Format 6: the same row without the database's OID after the version byte.
        let mut old = vec![6];
        old.extend_from_slice(&bytes[5..]);
        assert_eq!(super::super::format::db_of(&old).unwrap(), POSTGRES_OID);
        assert_eq!(
            super::super::format::decode(&old, &cat).unwrap(),
            super::super::TableDef {
                db: POSTGRES_OID,
                ..def
            }
        );
    }
}
