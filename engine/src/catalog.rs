//! The catalog: table definitions, stored in the database itself so that DDL is logged,
//! crash-safe and transactional.
//!
//! Every relation is one row of the catalog heap (data file [`CATALOG_FILE`]); the row holds
//! the whole definition (columns with types, defaults, NOT NULL and identity, indexes with
//! their data files, CHECK constraints, a view's query, a sequence's options). A sequence's
//! current value is not in its row: it changes outside transactions (see `sequence`). A CREATE inserts the row and a DROP deletes it in the
//! statement's transaction, so a rollback (or a crash before commit) leaves nothing behind.
//!
//! The in-memory [`Catalog`] mirrors the committed rows plus the current transaction's
//! changes; a rollback reverts it from the changes the session recorded. Transactions are
//! serialized by the database, so no other session observes uncommitted definitions.

use crate::error::{EngineError, Result};
use crate::roles::{Role, Roles};
use crate::types::DataType;
use std::collections::BTreeMap;
use std::sync::Arc;
use storage::{Storage, Tid, Transaction};

/// Data file of the catalog heap.
pub const CATALOG_FILE: u32 = 1;
/// First data file handed to user relations.
const FIRST_USER_FILE: u32 = 16;
/// First OID handed to user relations (PostgreSQL's FirstNormalObjectId).
const FIRST_USER_OID: u32 = 16384;

#[derive(Clone, Debug, PartialEq)]
pub struct ColumnDef {
    pub name: String,
    pub ty: DataType,
    pub not_null: bool,
    /// SQL text of the DEFAULT expression.
    pub default: Option<String>,
    /// GENERATED … AS IDENTITY (its default draws from the table's owned sequence).
    pub identity: Option<Identity>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identity {
    /// GENERATED ALWAYS: explicit values need OVERRIDING SYSTEM VALUE (428C9 otherwise).
    Always,
    ByDefault,
}

/// A sequence's options. Its current value is not part of the definition: it changes
/// outside transactions (see `sequence`).
#[derive(Clone, Debug, PartialEq)]
pub struct SequenceDef {
    /// smallint, integer or bigint: bounds the default MINVALUE / MAXVALUE.
    pub ty: DataType,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cycle: bool,
    /// OID of the table whose serial / identity column owns it (dropped with the table).
    pub owned_by: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IndexDef {
    pub name: String,
    pub oid: u32,
    /// Data file holding the B+tree.
    pub file: u32,
    /// Indexed columns, by position in the table.
    pub columns: Vec<usize>,
    pub unique: bool,
    pub primary: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CheckDef {
    pub name: String,
    /// SQL text of the condition.
    pub expr: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableDef {
    pub oid: u32,
    pub name: String,
    /// Data file holding the heap.
    pub file: u32,
    pub columns: Vec<ColumnDef>,
    pub indexes: Vec<IndexDef>,
    pub checks: Vec<CheckDef>,
    /// For a view: the SQL of its query (it stores no rows).
    pub view: Option<String>,
    /// For a sequence: its options (it has no columns and stores no rows).
    pub sequence: Option<SequenceDef>,
}

impl TableDef {
    /// What kind of relation this is, as error messages name it.
    pub fn kind(&self) -> &'static str {
        if self.view.is_some() {
            "a view"
        } else if self.sequence.is_some() {
            "a sequence"
        } else {
            "a table"
        }
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// A catalog change made by the current transaction, kept to revert the cache on rollback.
#[derive(Clone, Debug)]
pub enum CatalogChange {
    Created(String),
    Dropped(Arc<TableDef>, Tid),
    Replaced(Arc<TableDef>, Tid),
    /// A role was created (by this name).
    RoleCreated(String),
    /// A role was dropped: its definition and row.
    RoleDropped(Arc<Role>, Tid),
    /// A role was altered: its previous definition and row, and its name now.
    RoleReplaced(Arc<Role>, Tid, String),
}

#[derive(Default)]
pub struct Catalog {
    tables: BTreeMap<String, (Arc<TableDef>, Tid)>,
    next_oid: u32,
    next_file: u32,
    roles: Roles,
}

impl Catalog {
    /// Loads the committed definitions from the catalog heap.
    pub fn load(storage: &Storage) -> Result<Catalog> {
        let mut cat = Catalog {
            tables: BTreeMap::new(),
            next_oid: FIRST_USER_OID,
            next_file: FIRST_USER_FILE,
            roles: Roles::default(),
        };
        let (roles, max_role_oid) = Roles::load(storage)?;
        cat.roles = roles;
        cat.next_oid = cat.next_oid.max(max_role_oid + 1);
        for row in storage.heap(CATALOG_FILE).scan() {
            let (tid, bytes) = row?;
            let def = decode(&bytes)?;
            cat.note_ids(&def);
            cat.tables.insert(def.name.clone(), (Arc::new(def), tid));
        }
        Ok(cat)
    }

    fn note_ids(&mut self, def: &TableDef) {
        let mut max_file = def.file;
        let mut max_oid = def.oid;
        for ix in &def.indexes {
            max_file = max_file.max(ix.file);
            max_oid = max_oid.max(ix.oid);
        }
        self.next_file = self.next_file.max(max_file + 1);
        self.next_oid = self.next_oid.max(max_oid + 1);
    }

    /// Makes sure OIDs up to `oid` are never handed out (they name sequence state rows).
    pub fn reserve_oids_through(&mut self, oid: u32) {
        self.next_oid = self.next_oid.max(oid.saturating_add(1));
    }

    pub fn get(&self, name: &str) -> Option<Arc<TableDef>> {
        self.tables.get(name).map(|(d, _)| d.clone())
    }

    pub fn tables(&self) -> impl Iterator<Item = &Arc<TableDef>> {
        self.tables.values().map(|(d, _)| d)
    }

    /// Finds the table owning an index called `name`.
    pub fn index_owner(&self, name: &str) -> Option<Arc<TableDef>> {
        self.tables
            .values()
            .find(|(d, _)| d.indexes.iter().any(|i| i.name == name))
            .map(|(d, _)| d.clone())
    }

    pub fn name_taken(&self, name: &str) -> bool {
        self.tables.contains_key(name) || self.index_owner(name).is_some()
    }

    /// The roles (pg_authid).
    pub fn roles(&self) -> &Roles {
        &self.roles
    }

    pub(crate) fn roles_mut(&mut self) -> &mut Roles {
        &mut self.roles
    }

    /// A fresh OID (for objects without a data file, such as roles).
    pub fn allocate_oid(&mut self) -> u32 {
        let oid = self.next_oid;
        self.next_oid += 1;
        oid
    }

    /// A fresh OID and a fresh data file (never used before, on disk or in the catalog).
    pub fn allocate(&mut self, storage: &Storage) -> Result<(u32, u32)> {
        let oid = self.next_oid;
        self.next_oid += 1;
        let mut file = self.next_file;
        while storage.heap_bytes(file)? > 0 {
            file += 1;
        }
        self.next_file = file + 1;
        Ok((oid, file))
    }

    /// Stores a new definition in `txn`.
    pub fn create(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        def: TableDef,
    ) -> Result<CatalogChange> {
        if self.name_taken(&def.name) {
            return Err(EngineError::DuplicateTable { name: def.name });
        }
        let tid = storage.heap(CATALOG_FILE).insert(txn, &encode(&def))?;
        self.note_ids(&def);
        let name = def.name.clone();
        self.tables.insert(name.clone(), (Arc::new(def), tid));
        Ok(CatalogChange::Created(name))
    }

    /// Removes a definition in `txn`.
    pub fn drop_table(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        name: &str,
    ) -> Result<CatalogChange> {
        let (def, tid) = self
            .tables
            .remove(name)
            .ok_or_else(|| EngineError::UndefinedTable { name: name.into() })?;
        storage.heap(CATALOG_FILE).delete(txn, tid)?;
        Ok(CatalogChange::Dropped(def, tid))
    }

    /// Replaces a definition (e.g. a new index) in `txn`.
    pub fn replace(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        def: TableDef,
    ) -> Result<CatalogChange> {
        let (old, tid) =
            self.tables
                .remove(&def.name)
                .ok_or_else(|| EngineError::UndefinedTable {
                    name: def.name.clone(),
                })?;
        let new_tid = storage.heap(CATALOG_FILE).update(txn, tid, &encode(&def))?;
        self.note_ids(&def);
        self.tables
            .insert(def.name.clone(), (Arc::new(def), new_tid));
        Ok(CatalogChange::Replaced(old, tid))
    }

    /// Reverts the cache after the transaction that made `changes` rolled back.
    pub fn revert(&mut self, changes: Vec<CatalogChange>) {
        for change in changes.into_iter().rev() {
            match change {
                CatalogChange::Created(name) => {
                    self.tables.remove(&name);
                }
                CatalogChange::Dropped(def, tid) | CatalogChange::Replaced(def, tid) => {
                    self.tables.insert(def.name.clone(), (def, tid));
                }
                CatalogChange::RoleCreated(name) => self.roles.forget(&name),
                CatalogChange::RoleDropped(role, tid) => self.roles.restore(role, tid),
                CatalogChange::RoleReplaced(role, tid, name) => {
                    self.roles.forget(&name);
                    self.roles.restore(role, tid);
                }
            }
        }
    }
}

// --- Row format of a definition: a small length-prefixed encoding. ---

struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt(&mut self, s: &Option<String>) {
        match s {
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
            None => self.0.push(0),
        }
    }
}

fn encode(def: &TableDef) -> Vec<u8> {
    let mut w = Writer(vec![3]); // format version
    w.u32(def.oid);
    w.str(&def.name);
    w.u32(def.file);
    w.u32(def.columns.len() as u32);
    for c in &def.columns {
        w.str(&c.name);
        w.str(&c.ty.display_name());
        w.0.push(c.not_null as u8);
        w.opt(&c.default);
        w.0.push(match c.identity {
            None => 0,
            Some(Identity::Always) => 1,
            Some(Identity::ByDefault) => 2,
        });
    }
    w.u32(def.indexes.len() as u32);
    for ix in &def.indexes {
        w.str(&ix.name);
        w.u32(ix.oid);
        w.u32(ix.file);
        w.u32(ix.columns.len() as u32);
        for &c in &ix.columns {
            w.u32(c as u32);
        }
        w.0.push(ix.unique as u8 | (ix.primary as u8) << 1);
    }
    w.u32(def.checks.len() as u32);
    for ck in &def.checks {
        w.str(&ck.name);
        w.str(&ck.expr);
    }
    w.opt(&def.view);
    match &def.sequence {
        None => w.0.push(0),
        Some(sq) => {
            w.0.push(1);
            w.str(&sq.ty.display_name());
            for v in [sq.start, sq.increment, sq.min, sq.max] {
                w.i64(v);
            }
            w.0.push(sq.cycle as u8);
            w.u32(sq.owned_by.unwrap_or(0));
        }
    }
    w.0
}

struct Reader<'a>(&'a [u8], usize);

fn corrupt(why: &str) -> EngineError {
    EngineError::CatalogCorrupt {
        reason: why.to_string(),
    }
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self
            .1
            .checked_add(n)
            .filter(|&e| e <= self.0.len())
            .ok_or_else(|| corrupt("catalog row cut short"))?;
        let s = &self.0[self.1..end];
        self.1 = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i64(&mut self) -> Result<i64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_le_bytes(a))
    }
    fn count(&mut self) -> Result<usize> {
        let n = self.u32()? as usize;
        if n > self.0.len() {
            return Err(corrupt("implausible count in catalog row"));
        }
        Ok(n)
    }
    fn str(&mut self) -> Result<String> {
        let n = self.count()?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| corrupt("catalog string not UTF-8"))
    }
    fn opt(&mut self) -> Result<Option<String>> {
        Ok(match self.u8()? {
            0 => None,
            _ => Some(self.str()?),
        })
    }
}

fn decode(bytes: &[u8]) -> Result<TableDef> {
    let mut r = Reader(bytes, 0);
    let version = r.u8()?;
    if !(1..=3).contains(&version) {
        return Err(corrupt("unknown catalog row version"));
    }
    let oid = r.u32()?;
    let name = r.str()?;
    let file = r.u32()?;
    let mut columns = Vec::new();
    for _ in 0..r.count()? {
        let name = r.str()?;
        let ty = crate::sql::parse_type_name(&r.str()?)?;
        let not_null = r.u8()? != 0;
        let default = r.opt()?;
        let identity = match version {
            3.. => match r.u8()? {
                0 => None,
                1 => Some(Identity::Always),
                2 => Some(Identity::ByDefault),
                _ => return Err(corrupt("unknown identity kind")),
            },
            _ => None,
        };
        columns.push(ColumnDef {
            name,
            ty,
            not_null,
            default,
            identity,
        });
    }
    let mut indexes = Vec::new();
    for _ in 0..r.count()? {
        let name = r.str()?;
        let oid = r.u32()?;
        let file = r.u32()?;
        let mut cols = Vec::new();
        for _ in 0..r.count()? {
            cols.push(r.u32()? as usize);
        }
        let flags = r.u8()?;
        indexes.push(IndexDef {
            name,
            oid,
            file,
            columns: cols,
            unique: flags & 1 != 0,
            primary: flags & 2 != 0,
        });
    }
    let mut checks = Vec::new();
    for _ in 0..r.count()? {
        checks.push(CheckDef {
            name: r.str()?,
            expr: r.str()?,
        });
    }
    let view = if version >= 2 { r.opt()? } else { None };
    let sequence = match version {
        3.. if r.u8()? != 0 => {
            let ty = crate::sql::parse_type_name(&r.str()?)?;
            let (start, increment, min, max) = (r.i64()?, r.i64()?, r.i64()?, r.i64()?);
            let cycle = r.u8()? != 0;
            let owner = r.u32()?;
            Some(SequenceDef {
                ty,
                start,
                increment,
                min,
                max,
                cycle,
                owned_by: (owner != 0).then_some(owner),
            })
        }
        _ => None,
    };
    Ok(TableDef {
        oid,
        name,
        file,
        columns,
        indexes,
        checks,
        view,
        sequence,
    })
}
