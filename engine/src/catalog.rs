//! The catalog: table definitions, stored in the database itself so that DDL is logged,
//! crash-safe and transactional.
//!
//! Every relation is one row of the catalog heap (data file [`CATALOG_FILE`]); the row holds
//! the whole definition (columns with types, defaults, NOT NULL and identity, indexes with
//! their data files, CHECK and FOREIGN KEY constraints, a view's query, a sequence's options). A sequence's
//! current value is not in its row: it changes outside transactions (see `sequence`). A CREATE inserts the row and a DROP deletes it in the
//! statement's transaction, so a rollback (or a crash before commit) leaves nothing behind.
//!
//! The in-memory [`Catalog`] mirrors the committed rows plus the current transaction's
//! changes; a rollback reverts it from the changes the session recorded. Transactions are
//! serialized by the database, so no other session observes uncommitted definitions.
//!
//! Temporary relations (see `temp`) live in the same heap, keyed by their session's temp
//! namespace number (0 for permanent relations). Name lookups go through the *viewer* —
//! the temp namespace of the session holding the catalog lock — so a session sees its own
//! temporary relations first and never another session's.

use crate::error::{EngineError, Result};
use crate::roles::{Role, Roles};
use crate::types::DataType;
use std::collections::BTreeMap;
use std::sync::Arc;
use storage::{Storage, Tid, Transaction};

/// Data file of the catalog heap.
pub const CATALOG_FILE: u32 = 1;
/// First data file handed to user relations (lower ones are the system's).
pub(crate) const FIRST_USER_FILE: u32 = 16;
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

/// What a foreign key does to referencing rows when a referenced key is deleted or updated
/// (`confdeltype` / `confupdtype`: a, r, c, n, d).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FkAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    /// The action's letter in pg_constraint.
    pub fn code(self) -> char {
        match self {
            FkAction::NoAction => 'a',
            FkAction::Restrict => 'r',
            FkAction::Cascade => 'c',
            FkAction::SetNull => 'n',
            FkAction::SetDefault => 'd',
        }
    }

    fn from_code(c: u8) -> Result<FkAction> {
        Ok(match c {
            b'a' => FkAction::NoAction,
            b'r' => FkAction::Restrict,
            b'c' => FkAction::Cascade,
            b'n' => FkAction::SetNull,
            b'd' => FkAction::SetDefault,
            _ => return Err(corrupt("unknown foreign key action")),
        })
    }
}

/// A FOREIGN KEY constraint, kept in the definition of the referencing table.
///
/// Invariants: `columns` and `ref_columns` have the same length; the referenced columns
/// are exactly the columns (as a set) of a unique index of the table with OID `ref_table`;
/// `ref_table` names a table of the catalog while the constraint exists (dropping that
/// table drops the constraint first or is refused).
#[derive(Clone, Debug, PartialEq)]
pub struct ForeignKeyDef {
    pub name: String,
    /// The constraint's OID (pg_constraint).
    pub oid: u32,
    /// Referencing columns, by position in this table.
    pub columns: Vec<usize>,
    /// OID of the referenced table (it may be this table).
    pub ref_table: u32,
    /// Referenced columns, by position in the referenced table, pairwise with `columns`.
    pub ref_columns: Vec<usize>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
    /// MATCH FULL (otherwise MATCH SIMPLE).
    pub match_full: bool,
    /// Every row was checked (false after ADD … NOT VALID until VALIDATE CONSTRAINT).
    pub validated: bool,
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
    /// 0 for a permanent relation; for a temporary one, the number N of its session's
    /// temp namespace `pg_temp_N`.
    pub temp: u32,
    /// What the end of each transaction does to a temporary table.
    pub on_commit: OnCommit,
    /// FOREIGN KEY constraints of this table (as the referencing side).
    pub foreign_keys: Vec<ForeignKeyDef>,
}

/// A temporary table's ON COMMIT action (PRESERVE ROWS for every other relation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OnCommit {
    #[default]
    PreserveRows,
    DeleteRows,
    Drop,
}

/// Catalog key of a relation: (temp namespace number or 0, name).
type Key = (u32, String);

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

    pub fn is_temp(&self) -> bool {
        self.temp != 0
    }

    /// Whether a constraint of this table (PRIMARY KEY, UNIQUE, CHECK, FOREIGN KEY) is
    /// called `name`.
    pub fn has_constraint(&self, name: &str) -> bool {
        self.checks.iter().any(|c| c.name == name)
            || self.foreign_keys.iter().any(|f| f.name == name)
            || self
                .indexes
                .iter()
                .any(|i| (i.unique || i.primary) && i.name == name)
    }

    fn key(&self) -> Key {
        (self.temp, self.name.clone())
    }
}

/// A catalog change made by the current transaction, kept to revert the cache on rollback.
#[derive(Clone, Debug)]
pub enum CatalogChange {
    /// A relation was created: its temp namespace number (0 if permanent) and name.
    Created(u32, String),
    Dropped(Arc<TableDef>, Tid),
    Replaced(Arc<TableDef>, Tid),
    /// A role was created (by this name).
    RoleCreated(String),
    /// A role was dropped: its definition and row.
    RoleDropped(Arc<Role>, Tid),
    /// A role was altered: its previous definition and row, and its name now.
    RoleReplaced(Arc<Role>, Tid, String),
}

/// How a relation name was qualified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// Unqualified: the viewer's temp namespace, then the permanent one.
    Search,
    /// `public.x`: permanent relations only.
    Public,
    /// `pg_temp.x` (or the viewer's own `pg_temp_N.x`): the viewer's temp relations only.
    Temp,
}

/// Splits a name as `object_name` joins it (`public.t`, `pg_temp.t`, `pg_temp_3.t`, `t`).
/// `pg_temp_N` of another session's N names nothing the viewer may see (None).
pub fn split_name(name: &str, viewer: u32) -> Option<(Schema, &str)> {
    let Some((schema, rest)) = name.split_once('.') else {
        return Some((Schema::Search, name));
    };
    match schema {
        "public" => Some((Schema::Public, rest)),
        "pg_temp" => Some((Schema::Temp, rest)),
        s => match s.strip_prefix("pg_temp_").map(str::parse::<u32>) {
            Some(Ok(n)) if n == viewer && n != 0 => Some((Schema::Temp, rest)),
            Some(_) => None,
            // Not a schema Quill knows: the dotted text is the name (as before schemas).
            None => Some((Schema::Search, name)),
        },
    }
}

#[derive(Clone, Default)]
pub struct Catalog {
    tables: BTreeMap<Key, (Arc<TableDef>, Tid)>,
    next_oid: u32,
    next_file: u32,
    roles: Roles,
    /// Temp namespace number of the session holding the catalog lock (0: none). Set on
    /// every lock by `Database::catalog_as`; lookups by name see only its temp relations.
    viewer: u32,
    /// Temp namespaces in use: number → namespace OID. A number is held from its session's
    /// first temporary relation until the session ends.
    temp_spaces: BTreeMap<u32, u32>,
    /// Catalog rows of temporary relations left by a crash, found by `load` (deleted by
    /// `Database::open` before any session starts).
    stale_temp: Vec<Tid>,
    /// The database's sessions (`pg_stat_activity`), reachable wherever the catalog is.
    activity: Arc<crate::activity::Registry>,
    /// The viewing session's named prepared statements (`pg_prepared_statements`): emptied
    /// with every change of viewer, set by the session before its statement binds.
    prepared: Arc<Vec<crate::session::PreparedInfo>>,
}

impl Catalog {
    /// Loads the committed definitions from the catalog heap.
    pub fn load(storage: &Storage) -> Result<Catalog> {
        let mut cat = Catalog {
            tables: BTreeMap::new(),
            next_oid: FIRST_USER_OID,
            next_file: FIRST_USER_FILE,
            roles: Roles::default(),
            viewer: 0,
            temp_spaces: BTreeMap::new(),
            stale_temp: Vec::new(),
            activity: Default::default(),
            prepared: Default::default(),
        };
        let (roles, max_role_oid) = Roles::load(storage)?;
        cat.roles = roles;
        cat.next_oid = cat.next_oid.max(max_role_oid + 1);
        for row in storage.heap(CATALOG_FILE).scan() {
            let (tid, bytes) = row?;
            let def = decode(&bytes)?;
            cat.note_ids(&def);
            if def.is_temp() {
                // Its session is gone: the relation must not outlive it.
                cat.stale_temp.push(tid);
                continue;
            }
            cat.tables.insert(def.key(), (Arc::new(def), tid));
        }
        Ok(cat)
    }

    /// Catalog rows of temporary relations that a crash left behind (taken once).
    pub(crate) fn take_stale_temp(&mut self) -> Vec<Tid> {
        std::mem::take(&mut self.stale_temp)
    }

    /// Every data file a relation of the catalog uses (heaps and indexes).
    pub(crate) fn files_in_use(&self) -> std::collections::BTreeSet<u32> {
        self.tables
            .values()
            .flat_map(|(d, _)| std::iter::once(d.file).chain(d.indexes.iter().map(|i| i.file)))
            .collect()
    }

    /// Makes lookups by name see the temp namespace `viewer` (0: only permanent relations).
    pub(crate) fn set_viewer(&mut self, viewer: u32) {
        self.viewer = viewer;
        self.prepared = Default::default();
    }

    /// The viewing session's named prepared statements.
    pub(crate) fn set_prepared(&mut self, prepared: Arc<Vec<crate::session::PreparedInfo>>) {
        self.prepared = prepared;
    }

    pub(crate) fn prepared(&self) -> &Arc<Vec<crate::session::PreparedInfo>> {
        &self.prepared
    }

    /// The registry of the database's sessions.
    pub fn activity(&self) -> &Arc<crate::activity::Registry> {
        &self.activity
    }

    pub fn viewer(&self) -> u32 {
        self.viewer
    }

    /// The OID of temp namespace `n`, if it is in use.
    pub fn temp_space_oid(&self, n: u32) -> Option<u32> {
        self.temp_spaces.get(&n).copied()
    }

    /// The temp namespace for a new session's first temporary relation: the lowest unused
    /// number, with a fresh OID.
    pub(crate) fn claim_temp_space(&mut self) -> u32 {
        let n = (1..)
            .find(|n| !self.temp_spaces.contains_key(n))
            .unwrap_or(u32::MAX);
        let oid = self.allocate_oid();
        self.temp_spaces.insert(n, oid);
        n
    }

    /// Frees temp namespace `n` once its session dropped all its relations.
    pub(crate) fn release_temp_space(&mut self, n: u32) {
        self.temp_spaces.remove(&n);
    }

    /// The temporary relations of temp namespace `n`.
    pub(crate) fn temp_tables(&self, n: u32) -> Vec<Arc<TableDef>> {
        self.tables
            .range((n, String::new())..)
            .take_while(|((ns, _), _)| *ns == n)
            .map(|(_, (d, _))| d.clone())
            .collect()
    }

    fn note_ids(&mut self, def: &TableDef) {
        let mut max_file = def.file;
        let mut max_oid = def.oid;
        for ix in &def.indexes {
            max_file = max_file.max(ix.file);
            max_oid = max_oid.max(ix.oid);
        }
        for fk in &def.foreign_keys {
            max_oid = max_oid.max(fk.oid);
        }
        self.next_file = self.next_file.max(max_file + 1);
        self.next_oid = self.next_oid.max(max_oid + 1);
    }

    /// Makes sure OIDs up to `oid` are never handed out (they name sequence state rows).
    pub fn reserve_oids_through(&mut self, oid: u32) {
        self.next_oid = self.next_oid.max(oid.saturating_add(1));
    }

    /// The namespaces a name qualified by `schema` searches, in order.
    fn search(&self, schema: Schema) -> &'static [bool] {
        // `true` stands for the viewer's temp namespace, `false` for the permanent one.
        match (schema, self.viewer) {
            (Schema::Public, _) => &[false],
            (Schema::Temp, 0) => &[],
            (Schema::Temp, _) => &[true],
            (Schema::Search, 0) => &[false],
            (Schema::Search, _) => &[true, false],
        }
    }

    fn space(&self, temp: bool) -> u32 {
        if temp {
            self.viewer
        } else {
            0
        }
    }

    /// The relation `name` (possibly `public.` / `pg_temp.` qualified) as the viewer sees it.
    pub fn get(&self, name: &str) -> Option<Arc<TableDef>> {
        let (schema, bare) = split_name(name, self.viewer)?;
        self.search(schema).iter().find_map(|&t| {
            self.tables
                .get(&(self.space(t), bare.to_string()))
                .map(|(d, _)| d.clone())
        })
    }

    /// The relations the viewer can see: permanent ones and its own temporary ones.
    pub fn tables(&self) -> impl Iterator<Item = &Arc<TableDef>> {
        let viewer = self.viewer;
        self.tables
            .iter()
            .filter(move |((ns, _), _)| *ns == 0 || *ns == viewer)
            .map(|(_, (d, _))| d)
    }

    /// The relation with OID `oid`, in any namespace.
    pub fn by_oid(&self, oid: u32) -> Option<Arc<TableDef>> {
        self.tables
            .values()
            .find(|(d, _)| d.oid == oid)
            .map(|(d, _)| d.clone())
    }

    /// Every (referencing table, foreign key) whose referenced table has OID `oid`.
    pub fn referencing(&self, oid: u32) -> Vec<(Arc<TableDef>, ForeignKeyDef)> {
        let mut out = Vec::new();
        for (d, _) in self.tables.values() {
            for fk in &d.foreign_keys {
                if fk.ref_table == oid {
                    out.push((d.clone(), fk.clone()));
                }
            }
        }
        out
    }

    /// Finds the table owning an index called `name` (qualified as in [`Catalog::get`]).
    pub fn index_owner(&self, name: &str) -> Option<Arc<TableDef>> {
        let (schema, bare) = split_name(name, self.viewer)?;
        self.search(schema).iter().find_map(|&t| {
            let ns = self.space(t);
            self.tables
                .iter()
                .filter(|((n, _), _)| *n == ns)
                .find(|(_, (d, _))| d.indexes.iter().any(|i| i.name == bare))
                .map(|(_, (d, _))| d.clone())
        })
    }

    /// Whether a relation or index called `name` exists in namespace `ns` (0: permanent).
    pub fn name_taken(&self, ns: u32, name: &str) -> bool {
        self.tables.iter().any(|((n, t), (d, _))| {
            *n == ns && (t == name || d.indexes.iter().any(|i| i.name == name))
        })
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
        if self.name_taken(def.temp, &def.name) {
            return Err(EngineError::DuplicateTable { name: def.name });
        }
        let tid = storage.heap(CATALOG_FILE).insert(txn, &encode(&def))?;
        self.note_ids(&def);
        let key = def.key();
        self.tables.insert(key.clone(), (Arc::new(def), tid));
        Ok(CatalogChange::Created(key.0, key.1))
    }

    /// Removes definition `def` (as found by [`Catalog::get`]) in `txn`.
    pub fn drop_table(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        def: &TableDef,
    ) -> Result<CatalogChange> {
        let (def, tid) =
            self.tables
                .remove(&def.key())
                .ok_or_else(|| EngineError::UndefinedTable {
                    name: def.name.clone(),
                })?;
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
                .remove(&def.key())
                .ok_or_else(|| EngineError::UndefinedTable {
                    name: def.name.clone(),
                })?;
        let new_tid = storage.heap(CATALOG_FILE).update(txn, tid, &encode(&def))?;
        self.note_ids(&def);
        self.tables.insert(def.key(), (Arc::new(def), new_tid));
        Ok(CatalogChange::Replaced(old, tid))
    }

    /// Reverts the cache after the transaction that made `changes` rolled back.
    pub fn revert(&mut self, changes: Vec<CatalogChange>) {
        for change in changes.into_iter().rev() {
            match change {
                CatalogChange::Created(ns, name) => {
                    self.tables.remove(&(ns, name));
                }
                CatalogChange::Dropped(def, tid) | CatalogChange::Replaced(def, tid) => {
                    self.tables.insert(def.key(), (def, tid));
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
    let mut w = Writer(vec![5]); // format version
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
    w.u32(def.temp);
    w.0.push(match def.on_commit {
        OnCommit::PreserveRows => 0,
        OnCommit::DeleteRows => 1,
        OnCommit::Drop => 2,
    });
    w.u32(def.foreign_keys.len() as u32);
    for fk in &def.foreign_keys {
        w.str(&fk.name);
        w.u32(fk.oid);
        w.u32(fk.columns.len() as u32);
        for (&c, &r) in fk.columns.iter().zip(&fk.ref_columns) {
            w.u32(c as u32);
            w.u32(r as u32);
        }
        w.u32(fk.ref_table);
        w.0.push(fk.on_delete.code() as u8);
        w.0.push(fk.on_update.code() as u8);
        w.0.push(fk.match_full as u8 | (fk.validated as u8) << 1);
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
    if !(1..=5).contains(&version) {
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
    let (temp, on_commit) = match version {
        4.. => (
            r.u32()?,
            match r.u8()? {
                0 => OnCommit::PreserveRows,
                1 => OnCommit::DeleteRows,
                2 => OnCommit::Drop,
                _ => return Err(corrupt("unknown ON COMMIT action")),
            },
        ),
        _ => (0, OnCommit::PreserveRows),
    };
    let mut foreign_keys = Vec::new();
    if version >= 5 {
        for _ in 0..r.count()? {
            let name = r.str()?;
            let oid = r.u32()?;
            let (mut columns, mut ref_columns) = (Vec::new(), Vec::new());
            for _ in 0..r.count()? {
                columns.push(r.u32()? as usize);
                ref_columns.push(r.u32()? as usize);
            }
            let ref_table = r.u32()?;
            let on_delete = FkAction::from_code(r.u8()?)?;
            let on_update = FkAction::from_code(r.u8()?)?;
            let flags = r.u8()?;
            foreign_keys.push(ForeignKeyDef {
                name,
                oid,
                columns,
                ref_table,
                ref_columns,
                on_delete,
                on_update,
                match_full: flags & 1 != 0,
                validated: flags & 2 != 0,
            });
        }
    }
    Ok(TableDef {
        oid,
        name,
        file,
        columns,
        indexes,
        checks,
        view,
        sequence,
        temp,
        on_commit,
        foreign_keys,
    })
}
