//! User schemas (`CREATE SCHEMA`): each one row of the schema heap (data file
//! [`SCHEMAS_FILE`]) written in the creating transaction, so that schemas are logged,
//! crash-safe and transactional as relations are.
//!
//! Each schema belongs to one database (`db`; rows of format 1 belong to `postgres`).
//!
//! Invariants: a schema's name is unique among its database's schemas and differs from the
//! fixed namespaces (`public`, `pg_catalog`, `information_schema`, `pg_toast`, every
//! `pg_temp…`: names starting with `pg_` are reserved). Its OID comes from the catalog's OID
//! counter (so it is at least `FIRST_USER_OID`) and never changes; a relation in the schema
//! carries that OID as its namespace number (see [`super::TableDef::temp`]), so renaming a
//! schema touches only its row. The in-memory map mirrors the committed rows plus the
//! running transaction's changes (reverted from [`CatalogChange`]s on rollback).

use super::format::{Reader, Writer};
use super::{corrupt, Catalog, CatalogChange, ObjKey};
use crate::acl::AclItem;
use crate::error::{EngineError, Result};
use std::sync::Arc;
use storage::{Storage, Transaction};

/// Data file of the schema heap.
pub const SCHEMAS_FILE: u32 = 5;

/// A user schema (a `pg_namespace` row).
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaDef {
    pub oid: u32,
    /// OID of the database the schema belongs to.
    pub db: u32,
    pub name: String,
    /// OID of the owning role (`nspowner`).
    pub owner: u32,
    /// The access control list (`nspacl`); `None`: the owner's default rights.
    pub acl: Option<Vec<AclItem>>,
}

fn encode(s: &SchemaDef) -> Vec<u8> {
    let mut w = Writer(vec![2]); // format version
    w.u32(s.db);
    w.u32(s.oid);
    w.str(&s.name);
    w.u32(s.owner);
    w.acl(&s.acl);
    w.0
}

fn decode(bytes: &[u8]) -> Result<SchemaDef> {
    let mut r = Reader(bytes, 0);
    let db = match r.u8()? {
        1 => super::databases::POSTGRES_OID,
        2 => r.u32()?,
        _ => return Err(corrupt("unknown schema row version")),
    };
    Ok(SchemaDef {
        db,
        oid: r.u32()?,
        name: r.str()?,
        owner: r.u32()?,
        acl: r.acl()?,
    })
}

impl Catalog {
    /// Loads the committed schemas (before the relations, which live in them).
    pub(super) fn load_schemas(&mut self, storage: &Storage) -> Result<()> {
        for row in storage.heap(SCHEMAS_FILE).scan() {
            let (tid, bytes) = row?;
            let s = decode(&bytes)?;
            self.reserve_oids_through(s.oid);
            self.schemas
                .insert((s.db, s.name.clone()), (Arc::new(s), tid));
        }
        Ok(())
    }

    /// The user schema called `name`.
    pub fn schema(&self, name: &str) -> Option<&Arc<SchemaDef>> {
        self.schemas
            .get(&(self.db, name.to_owned()))
            .map(|(s, _)| s)
    }

    /// The user schema with OID `oid`.
    pub fn schema_by_oid(&self, oid: u32) -> Option<&Arc<SchemaDef>> {
        self.user_schemas().find(|s| s.oid == oid)
    }

    /// Every user schema, by name.
    pub fn user_schemas(&self) -> impl Iterator<Item = &Arc<SchemaDef>> {
        let db = self.db;
        self.schemas
            .range((db, String::new())..)
            .take_while(move |((d, _), _)| *d == db)
            .map(|(_, (s, _))| s)
    }

    /// Stores a new schema in `txn` (its name must be free: the caller checks).
    pub fn create_schema(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        s: SchemaDef,
    ) -> Result<CatalogChange> {
        self.changed();
        self.require_database()?;
        self.lock_new_entry(ObjKey::Schema(&s.name), None)?;
        let tid = storage.heap(SCHEMAS_FILE).insert(txn, &encode(&s))?;
        self.reserve_oids_through(s.oid);
        let key = (s.db, s.name.clone());
        self.schemas.insert(key.clone(), (Arc::new(s), tid));
        Ok(CatalogChange::SchemaCreated(key))
    }

    /// Removes schema `name` in `txn` (the caller dropped what it held).
    pub fn drop_schema(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        name: &str,
    ) -> Result<CatalogChange> {
        self.changed();
        self.lock_entry(ObjKey::Schema(name))?;
        let key = (self.db, name.to_owned());
        let (s, tid) = self.schemas.remove(&key).ok_or(EngineError::Internal {
            reason: "dropping a schema that does not exist",
        })?;
        storage.heap(SCHEMAS_FILE).delete(txn, tid)?;
        Ok(CatalogChange::SchemaDropped(s, tid))
    }

    /// Replaces the schema called `old_name` by `new` (renamed, new owner or ACL) in `txn`.
    pub fn replace_schema(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        old_name: &str,
        new: SchemaDef,
    ) -> Result<CatalogChange> {
        self.changed();
        self.lock_entry(ObjKey::Schema(old_name))?;
        if new.name != old_name {
            self.lock_new_entry(ObjKey::Schema(&new.name), None)?;
        }
        let key = (self.db, old_name.to_owned());
        let (old, tid) = self.schemas.remove(&key).ok_or(EngineError::Internal {
            reason: "altering a schema that does not exist",
        })?;
        let new_tid = storage.heap(SCHEMAS_FILE).update(txn, tid, &encode(&new))?;
        let key = (new.db, new.name.clone());
        self.schemas.insert(key.clone(), (Arc::new(new), new_tid));
        Ok(CatalogChange::SchemaReplaced(old, tid, key))
    }

    /// Makes schema `key` (database, name) as in `from` (present or absent): see
    /// [`Catalog::overlay`].
    pub(super) fn copy_schema(&mut self, from: &Catalog, key: &(u32, String)) {
        match from.schemas.get(key) {
            Some(entry) => {
                self.schemas.insert(key.clone(), entry.clone());
            }
            None => {
                self.schemas.remove(key);
            }
        }
    }

    /// Reverts a schema change after its transaction rolled back.
    pub(super) fn revert_schema(&mut self, change: CatalogChange) {
        self.changed();
        match change {
            CatalogChange::SchemaCreated(key) => {
                self.schemas.remove(&key);
            }
            CatalogChange::SchemaDropped(s, tid) => {
                self.schemas.insert((s.db, s.name.clone()), (s, tid));
            }
            CatalogChange::SchemaReplaced(s, tid, key) => {
                self.schemas.remove(&key);
                self.schemas.insert((s.db, s.name.clone()), (s, tid));
            }
            _ => {}
        }
    }
}
