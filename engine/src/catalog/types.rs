//! User-defined types of the catalog: enum types (`CREATE TYPE ... AS ENUM`), each one row
//! of the type heap (data file [`TYPES_FILE`]) written in the creating transaction, so that
//! types are logged, crash-safe and transactional as relations are.
//!
//! Invariants: a type's name is unique among the catalog's types and differs from every
//! built-in type name; its OID, its array type's OID and its labels' OIDs come from the
//! catalog's OID counter and are never reused. The in-memory map mirrors the committed rows
//! plus the running transaction's changes (reverted from [`CatalogChange`]s on rollback).
//! Types are loaded before relations, whose column types may name them. Each type belongs
//! to one database (its row carries the database's OID; rows of format 1, written before
//! there were several databases, belong to `postgres`); names are unique per database.

use super::format::{Reader, Writer};
use super::{corrupt, Catalog, CatalogChange};
use crate::error::{EngineError, Result};
use crate::types::domains::{DomainCheck, DomainRef, DomainType};
use crate::types::enums::{EnumLabel, EnumRef, EnumType};
use crate::types::DataType;
use std::sync::Arc;
use storage::{Storage, Transaction};

/// Data file of the type heap.
pub const TYPES_FILE: u32 = 4;

/// A user-defined type.
#[derive(Clone, Debug)]
pub enum UserType {
    Enum(EnumRef),
    Domain(DomainRef),
}

impl UserType {
    pub fn oid(&self) -> u32 {
        match self {
            UserType::Enum(e) => e.oid,
            UserType::Domain(d) => d.oid,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            UserType::Enum(e) => &e.name,
            UserType::Domain(d) => &d.name,
        }
    }

    /// The type as columns and expressions have it.
    pub fn data_type(&self) -> DataType {
        match self {
            UserType::Enum(e) => DataType::Enum(e.clone()),
            UserType::Domain(d) => DataType::Domain(d.clone()),
        }
    }
}

fn encode(t: &UserType, db: u32) -> Vec<u8> {
    let mut w = Writer(vec![2]); // format version
    w.u32(db);
    match t {
        UserType::Enum(e) => {
            w.0.push(b'e');
            w.u32(e.oid);
            w.u32(e.array_oid);
            w.str(&e.name);
            let labels = e.labels();
            w.u32(labels.len() as u32);
            for l in &labels {
                w.u32(l.oid);
                w.u32(l.sort.to_bits());
                w.str(&l.label);
            }
        }
        UserType::Domain(d) => {
            w.0.push(b'd');
            w.u32(d.oid);
            w.u32(d.array_oid);
            w.str(&d.name);
            w.str(&d.base.display_name());
            w.0.push(d.not_null as u8);
            w.opt(&d.default);
            w.u32(d.checks.len() as u32);
            for c in &d.checks {
                w.str(&c.name);
                w.str(&c.expr);
            }
        }
    }
    w.0
}

/// The kind letter of a type row (`e` enum, `d` domain), without decoding it.
fn kind_of(bytes: &[u8]) -> Option<u8> {
    match bytes.first() {
        Some(1) => bytes.get(1).copied(),
        _ => bytes.get(5).copied(),
    }
}

/// The database a type row belongs to, without decoding it.
fn db_of(bytes: &[u8]) -> Result<u32> {
    let mut r = Reader(bytes, 0);
    match r.u8()? {
        1 => Ok(super::databases::POSTGRES_OID),
        2 => r.u32(),
        _ => Err(corrupt("unknown type row version")),
    }
}

/// Decodes a type row; a domain's base type is resolved among `known` (the enums).
fn decode(bytes: &[u8], known: &Catalog) -> Result<UserType> {
    let mut r = Reader(bytes, 0);
    match r.u8()? {
        1 => {}
        2 => {
            r.u32()?;
        }
        _ => return Err(corrupt("unknown type row version")),
    }
    match r.u8()? {
        b'e' => {
            let oid = r.u32()?;
            let array_oid = r.u32()?;
            let name = r.str()?;
            let mut labels = Vec::new();
            for _ in 0..r.count()? {
                labels.push(EnumLabel {
                    oid: r.u32()?,
                    sort: f32::from_bits(r.u32()?),
                    label: r.str()?,
                });
            }
            Ok(UserType::Enum(EnumRef(Arc::new(EnumType::new(
                oid, array_oid, name, labels,
            )))))
        }
        b'd' => {
            let oid = r.u32()?;
            let array_oid = r.u32()?;
            let name = r.str()?;
            let base = crate::sql::parse_type_name_in(&r.str()?, known)?;
            let not_null = r.u8()? != 0;
            let default = r.opt()?;
            let mut checks = Vec::new();
            for _ in 0..r.count()? {
                checks.push(DomainCheck {
                    name: r.str()?,
                    expr: r.str()?,
                });
            }
            Ok(UserType::Domain(DomainRef(Arc::new(DomainType {
                oid,
                array_oid,
                name,
                base,
                not_null,
                default,
                checks,
            }))))
        }
        _ => Err(corrupt("unknown type kind")),
    }
}

/// The largest OID a type row uses (type, array type, labels).
fn max_oid(t: &UserType) -> u32 {
    match t {
        UserType::Enum(e) => e
            .labels()
            .iter()
            .map(|l| l.oid)
            .fold(e.oid.max(e.array_oid), u32::max),
        UserType::Domain(d) => d.oid.max(d.array_oid),
    }
}

impl Catalog {
    /// Loads the committed types (before the relations).
    pub(super) fn load_types(&mut self, storage: &Storage) -> Result<()> {
        // Enums first: a domain's base type may be one.
        let mut rows = Vec::new();
        for row in storage.heap(TYPES_FILE).scan() {
            rows.push(row?);
        }
        rows.sort_by_key(|(_, bytes)| kind_of(bytes) != Some(b'e'));
        let current = self.db;
        for (tid, bytes) in rows {
            // A domain's base type is looked up in the row's own database.
            self.db = db_of(&bytes)?;
            let t = decode(&bytes, self);
            let t = match t {
                Ok(t) => t,
                Err(e) => {
                    self.db = current;
                    return Err(e);
                }
            };
            self.reserve_oids_through(max_oid(&t));
            self.types.insert((self.db, t.name().to_string()), (t, tid));
        }
        self.db = current;
        Ok(())
    }

    /// The user type called `name` (possibly `public.`-qualified).
    pub fn user_type(&self, name: &str) -> Option<&UserType> {
        let bare = name.strip_prefix("public.").unwrap_or(name);
        self.types.get(&(self.db, bare.to_owned())).map(|(t, _)| t)
    }

    /// What depends on the type with OID `oid`, as PostgreSQL's DETAIL lines name it
    /// (without the type's name): columns of it or of arrays of it, in every namespace, and
    /// domains over it.
    pub fn type_users(&self, oid: u32) -> Vec<String> {
        let mut out = Vec::new();
        for (def, _) in self.tables.values().filter(|(d, _)| d.db == self.db) {
            for c in &def.columns {
                let t = c.ty.element().unwrap_or(&c.ty);
                if t.oid() == oid {
                    out.push(format!("column {} of table {}", c.name, def.name));
                }
            }
        }
        for (t, _) in self.user_types_entries() {
            if let UserType::Domain(d) = t {
                if d.base.oid() == oid {
                    out.push(format!("type {}", DataType::Domain(d.clone()).base_name()));
                }
            }
        }
        out
    }

    /// Every user type, by name.
    pub fn user_types(&self) -> impl Iterator<Item = &UserType> {
        self.user_types_entries().map(|(t, _)| t)
    }

    /// The current database's types with their rows.
    fn user_types_entries(&self) -> impl Iterator<Item = &(UserType, storage::Tid)> {
        let db = self.db;
        self.types
            .range((db, String::new())..)
            .take_while(move |((d, _), _)| *d == db)
            .map(|(_, e)| e)
    }

    /// Stores a new type in `txn` (its name must be free: the caller checks).
    pub fn create_type(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        t: UserType,
    ) -> Result<CatalogChange> {
        self.changed();
        self.require_database()?;
        self.lock_entry(super::ObjKey::Type(t.name()))?;
        let tid = storage.heap(TYPES_FILE).insert(txn, &encode(&t, self.db))?;
        self.reserve_oids_through(max_oid(&t));
        let key = (self.db, t.name().to_string());
        self.types.insert(key.clone(), (t, tid));
        Ok(CatalogChange::TypeCreated(key))
    }

    /// Removes type `name` in `txn`.
    pub fn drop_type(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        name: &str,
    ) -> Result<CatalogChange> {
        self.changed();
        self.lock_entry(super::ObjKey::Type(name))?;
        let (t, tid) =
            self.types
                .remove(&(self.db, name.to_owned()))
                .ok_or(EngineError::Internal {
                    reason: "dropping a type that does not exist",
                })?;
        storage.heap(TYPES_FILE).delete(txn, tid)?;
        Ok(CatalogChange::TypeDropped(self.db, t, tid))
    }

    /// Gives enum type `e` the labels `labels` in `txn` (every holder of the type sees them).
    pub fn set_enum_labels(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        e: &EnumRef,
        labels: Vec<EnumLabel>,
    ) -> Result<CatalogChange> {
        self.changed();
        self.lock_entry(super::ObjKey::Type(&e.name))?;
        let db = self.db;
        let Some((_, tid)) = self.types.get_mut(&(db, e.name.clone())) else {
            return Err(EngineError::Internal {
                reason: "altering a type that does not exist",
            });
        };
        let old = e.labels();
        let old_tid = *tid;
        e.set_labels(labels);
        let new_tid = storage.heap(TYPES_FILE).update(
            txn,
            old_tid,
            &encode(&UserType::Enum(e.clone()), db),
        )?;
        *tid = new_tid;
        for l in e.labels() {
            self.reserve_oids_through(l.oid);
        }
        Ok(CatalogChange::EnumLabels(db, e.clone(), old, old_tid))
    }

    /// Undoes one type change of a rolled-back transaction.
    pub(super) fn revert_type(&mut self, change: CatalogChange) {
        self.changed();
        match change {
            CatalogChange::TypeCreated(key) => {
                self.types.remove(&key);
            }
            CatalogChange::TypeDropped(db, t, tid) => {
                self.types.insert((db, t.name().to_string()), (t, tid));
            }
            CatalogChange::EnumLabels(db, e, labels, tid) => {
                e.set_labels(labels);
                if let Some(entry) = self.types.get_mut(&(db, e.name.clone())) {
                    entry.1 = tid;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_rows_round_trip() {
        let labels = vec![
            EnumLabel {
                oid: 20001,
                sort: 1.0,
                label: "a".into(),
            },
            EnumLabel {
                oid: 20002,
                sort: 1.5,
                label: "b c".into(),
            },
        ];
        let t = UserType::Enum(EnumRef(Arc::new(EnumType::new(
            20000,
            20003,
            "mood".into(),
            labels.clone(),
        ))));
        let UserType::Enum(back) = decode(&encode(&t, 5), &Catalog::default()).unwrap() else {
            panic!("an enum")
        };
        assert_eq!((back.oid, back.array_oid), (20000, 20003));
        assert_eq!(back.name, "mood");
        assert_eq!(back.labels(), labels);
        assert_eq!(max_oid(&t), 20003);
        let empty = Catalog::default();
        assert!(decode(&[1, b'x'], &empty).is_err());
        assert!(decode(&[1, b'e', 1], &empty).is_err());
        let d = UserType::Domain(DomainRef(Arc::new(DomainType {
            oid: 30000,
            array_oid: 30001,
            name: "pos".into(),
            base: DataType::Varchar(Some(5)),
            not_null: true,
            default: Some("'a'".into()),
            checks: vec![DomainCheck {
                name: "pos_check".into(),
                expr: "VALUE <> ''".into(),
            }],
        })));
        let UserType::Domain(back) = decode(&encode(&d, 5), &empty).unwrap() else {
            panic!("a domain")
        };
        assert_eq!(back.base, DataType::Varchar(Some(5)));
        assert!(back.not_null);
        assert_eq!(back.default.as_deref(), Some("'a'"));
        assert_eq!(back.checks[0].expr, "VALUE <> ''");
    }
}
