//! The catalog: table definitions, stored in the database itself so that DDL is logged,
//! crash-safe and transactional.
//!
//! Every relation is one row of the catalog heap (data file [`CATALOG_FILE`]); the row holds
//! the whole definition (columns with types, defaults, NOT NULL and identity, indexes with
//! their data files, CHECK and FOREIGN KEY constraints, a view's query, a sequence's options). A sequence's
//! current value is not in its row: it changes outside transactions (see `sequence`). A CREATE inserts the row and a DROP deletes it in the
//! statement's transaction, so a rollback (or a crash before commit) leaves nothing behind.
//!
//! A [`Catalog`] value is one view of the definitions. The database keeps the *committed*
//! one (what every transaction that changed nothing sees); a transaction that changes
//! definitions works on its own copy, built for each statement as the committed catalog
//! with the transaction's changed entries laid over it ([`Catalog::overlay`], keyed by the
//! transaction's [`CatalogChange`]s), and its entries are laid over the committed catalog
//! when it commits — together with its commit becoming visible. A rollback discards the
//! copy. So no other session observes uncommitted definitions, and the creating
//! transaction sees its own.
//!
//! Two transactions never change the same entry at once: the first change of an entry
//! (a relation or index name in a namespace, a role, a type, the ACL of schema `public`)
//! takes [`crate::lock::LockTag::CatalogEntry`] exclusively for the transaction
//! ([`Catalog::lock_entry`]); a statement that had to wait for it runs again on the
//! definitions as they are then. OIDs, data files and temp namespace numbers are handed out
//! from counters shared by every copy, so concurrent transactions never get the same.
//!
//! Several databases share one catalog (PostgreSQL's cluster): roles and the databases
//! themselves (see `databases`) are shared; every relation, schema and type belongs to one
//! database (its `db`), and a catalog copy sees only the database of the session using it
//! ([`Catalog::database`], set with the viewer). Keys of relations, schemas and types start
//! with the database's OID, so the same name may exist in each database.
//!
//! Temporary relations (see `temp`) live in the same heap, keyed by their session's temp
//! namespace number (0 for permanent relations). Name lookups go through the *viewer* —
//! the temp namespace of the session using the catalog — so a session sees its own
//! temporary relations first and never another session's.

mod databases;
mod format;
mod policies;
mod schemas;
mod types;

pub use databases::{DatabaseDef, DATABASES_FILE, POSTGRES_OID, TEMPLATE0_OID, TEMPLATE1_OID};
pub use policies::{PolicyCmd, PolicyDef, RowSecurity};
pub use schemas::{SchemaDef, SCHEMAS_FILE};
pub use types::{UserType, TYPES_FILE};

use crate::acl::{AclItem, Identity as Acting};
use crate::error::{EngineError, Result};
use crate::lock::{LockMode, LockTag, WaitProbe, WaitRules};
use crate::roles::{Role, Roles};
use crate::search_path::{ResolvedPath, SearchPath};
use crate::types::DataType;
use format::{decode, encode};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use storage::{Storage, Tid, Transaction, TxnId};

/// Data file of the catalog heap.
pub const CATALOG_FILE: u32 = 1;
/// First data file handed to user relations (lower ones are the system's).
pub(crate) const FIRST_USER_FILE: u32 = 16;
/// First OID handed to user relations (PostgreSQL's FirstNormalObjectId).
const FIRST_USER_OID: u32 = 16384;

/// Whether namespace number `ns` (see [`TableDef::temp`]) is a temp namespace `pg_temp_N`.
pub fn is_temp_space(ns: u32) -> bool {
    ns != 0 && ns < FIRST_USER_OID
}

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
    /// DEFERRABLE: SET CONSTRAINTS may move its NO ACTION checks to the end of the
    /// transaction.
    pub deferrable: bool,
    /// INITIALLY DEFERRED (only ever true when `deferrable` is).
    pub initially_deferred: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableDef {
    pub oid: u32,
    /// OID of the database the relation belongs to.
    pub db: u32,
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
    /// The relation's namespace number: 0 for schema `public`; 1 ≤ N < `FIRST_USER_OID`
    /// for a temporary relation, N of its session's temp namespace `pg_temp_N` (numbers
    /// are claimed below `FIRST_USER_OID`); otherwise the OID of the user schema holding
    /// it (schema OIDs are user OIDs, at least `FIRST_USER_OID`). See [`is_temp_space`].
    pub temp: u32,
    /// What the end of each transaction does to a temporary table.
    pub on_commit: OnCommit,
    /// FOREIGN KEY constraints of this table (as the referencing side).
    pub foreign_keys: Vec<ForeignKeyDef>,
    /// OID of the owning role (`relowner`; also the owner of the relation's indexes).
    pub owner: u32,
    /// The access control list (`relacl`); `None` until the first GRANT or REVOKE: the
    /// owner's default rights (see `crate::acl`).
    pub acl: Option<Vec<AclItem>>,
    /// Row-level security: enabled / forced, and the table's policies.
    pub rls: RowSecurity,
}

/// A temporary table's ON COMMIT action (PRESERVE ROWS for every other relation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OnCommit {
    #[default]
    PreserveRows,
    DeleteRows,
    Drop,
}

/// Catalog key of a relation: (database OID; namespace number, see [`TableDef::temp`];
/// name).
type Key = (u32, u32, String);

/// Catalog key of a schema or type: (database OID, name).
pub(crate) type NameKey = (u32, String);

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
        is_temp_space(self.temp)
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
        (self.db, self.temp, self.name.clone())
    }
}

/// A catalog change made by the current transaction, kept to revert the cache on rollback.
#[derive(Clone, Debug)]
pub enum CatalogChange {
    /// A relation was created: its database, namespace number and name.
    Created(u32, u32, String),
    Dropped(Arc<TableDef>, Tid),
    Replaced(Arc<TableDef>, Tid),
    /// A role was created (by this name).
    RoleCreated(String),
    /// A role was dropped: its definition and row.
    RoleDropped(Arc<Role>, Tid),
    /// A role was altered: its previous definition and row, and its name now.
    RoleReplaced(Arc<Role>, Tid, String),
    /// The ACL of schema `public` changed: its previous state.
    PublicAcl(crate::roles::PublicAcl),
    /// A user type was created (database, name).
    TypeCreated(NameKey),
    /// A user type was dropped: its database, definition and row.
    TypeDropped(u32, UserType, Tid),
    /// An enum type's labels changed: its database, the type, its previous labels and row.
    EnumLabels(
        u32,
        crate::types::enums::EnumRef,
        Vec<crate::types::enums::EnumLabel>,
        Tid,
    ),
    /// A user schema was created (database, name).
    SchemaCreated(NameKey),
    /// A user schema was dropped: its definition and row.
    SchemaDropped(Arc<SchemaDef>, Tid),
    /// A user schema was altered: its previous definition and row, and its key now.
    SchemaReplaced(Arc<SchemaDef>, Tid, NameKey),
    /// A database was created (by this name).
    DatabaseCreated(String),
    /// A database was dropped: its definition and row.
    DatabaseDropped(Arc<DatabaseDef>, Tid),
    /// A database was altered: its previous definition and row, and its name now.
    DatabaseReplaced(Arc<DatabaseDef>, Tid, String),
}

/// How a relation name was qualified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// Unqualified: the search path's namespaces (see [`ResolvedPath::relation_spaces`]).
    Search,
    /// `pg_temp.x` (or the viewer's own `pg_temp_N.x`): the viewer's temp relations only.
    Temp,
    /// `public.x` (namespace 0) or `s.x` for user schema `s` (its OID).
    In(u32),
}

/// A catalog entry that one transaction at a time may change (see [`Catalog::lock_entry`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum ObjKey<'a> {
    /// A relation or index name in a namespace (0: permanent, else a temp namespace).
    Relation(u32, &'a str),
    Role(&'a str),
    Type(&'a str),
    /// The ACL of schema `public`.
    PublicAcl,
    /// A user schema, by name.
    Schema(&'a str),
    /// A database, by name (shared by every database).
    Database(&'a str),
}

impl ObjKey<'_> {
    /// The lock tag of the entry in database `db` (relations, types and schemas are per
    /// database; roles, databases and the ACL of `public` are shared).
    fn tag(self, db: u32) -> LockTag {
        use std::hash::{Hash, Hasher};
        // SipHash with fixed keys: the same key gives the same tag in every session.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        match self {
            ObjKey::Relation(ns, name) => (0u8, db, ns, name).hash(&mut h),
            ObjKey::Role(name) => (1u8, name).hash(&mut h),
            ObjKey::Type(name) => (2u8, db, name).hash(&mut h),
            ObjKey::PublicAcl => 3u8.hash(&mut h),
            ObjKey::Schema(name) => (4u8, db, name).hash(&mut h),
            ObjKey::Database(name) => (5u8, name).hash(&mut h),
        }
        LockTag::CatalogEntry(h.finish())
    }
}

/// What kind of relation a statement creates under a name (see [`Catalog::lock_new_entry`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NewKind {
    /// A table, view or sequence: it has a row type.
    Relation,
    Index,
}

/// OID of schema `public` (`pg_namespace`).
const PUBLIC_NAMESPACE_OID: u32 = 2200;

/// How a statement's transaction locks the catalog entries it changes.
#[derive(Clone)]
pub(crate) struct EntryLocks {
    pub db: crate::database::Database,
    pub txn: TxnId,
    pub rules: WaitRules,
    pub probe: WaitProbe,
}

/// Counters shared by every copy of a database's catalog.
#[derive(Debug)]
struct Ids {
    next_oid: AtomicU32,
    next_file: AtomicU32,
}

impl Default for Ids {
    fn default() -> Ids {
        Ids {
            next_oid: AtomicU32::new(FIRST_USER_OID),
            next_file: AtomicU32::new(FIRST_USER_FILE),
        }
    }
}

#[derive(Clone, Default)]
pub struct Catalog {
    tables: BTreeMap<Key, (Arc<TableDef>, Tid)>,
    /// User schemas by (database, name), with their rows in the schema heap.
    schemas: BTreeMap<NameKey, (Arc<SchemaDef>, Tid)>,
    /// User-defined types by (database, name), with their rows in the type heap.
    types: BTreeMap<NameKey, (UserType, Tid)>,
    /// The databases by name, with their rows in the database heap (shared).
    databases: BTreeMap<String, (Arc<DatabaseDef>, Tid)>,
    /// OID of the database whose relations, schemas and types this copy shows (set with
    /// `viewer` by `Database::catalog_as`).
    db: u32,
    /// The next OID and data file to hand out (shared by every copy: never handed out twice).
    ids: Arc<Ids>,
    roles: Roles,
    /// Temp namespace number of the session using this copy (0: none). Set by
    /// `Database::catalog_as`; lookups by name see only its temp relations.
    viewer: u32,
    /// The `search_path` of the session using this copy (set with `viewer`):
    /// which namespaces unqualified names search.
    search_path: SearchPath,
    /// Temp namespaces in use: number → namespace OID, shared by every copy (the mutex
    /// protects the map; held only to read or change it). A number is held from its
    /// session's first temporary relation until the session ends.
    temp_spaces: Arc<Mutex<BTreeMap<u32, u32>>>,
    /// Catalog rows of temporary relations left by a crash, found by `load` (deleted by
    /// `Database::open` before any session starts).
    stale_temp: Vec<Tid>,
    /// The database's sessions (`pg_stat_activity`), reachable wherever the catalog is.
    activity: Arc<crate::activity::Registry>,
    /// Who runs the statement using the catalog: set by the session for each statement
    /// after taking the catalog (`None`: the engine's own work, or a statement only being
    /// described; privileges are not checked then). Every lock of the database's catalog
    /// clears it (`Database::catalog_as`).
    acting: Option<Acting>,
    /// The viewing session's named prepared statements (`pg_prepared_statements`): emptied
    /// with every change of viewer, set by the session before its statement binds.
    prepared: Arc<Vec<crate::session::PreparedInfo>>,
    /// Set on a statement's copy: the first change of each entry locks it for the
    /// statement's transaction (`None`: the engine's own work, which nothing contends).
    entry_locks: Option<EntryLocks>,
    /// Which definitions this catalog holds: a number no other state of any catalog had,
    /// taken anew by every change of its definitions (relations, roles, types, schemas).
    /// Copies carry it, so two catalogs with the same generation hold the same definitions
    /// (what a cached plan was bound against; see `session::plan_cache`).
    generation: u64,
}

/// The source of [`Catalog::generation`]s (0 is the loaded catalog's).
static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Catalog {
    /// Which definitions the catalog holds (see the field).
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// Its definitions change: a generation no catalog has had.
    fn changed(&mut self) {
        self.generation = GENERATIONS.fetch_add(1, Ordering::Relaxed);
    }

    /// Loads the committed definitions from the catalog heap.
    pub fn load(storage: &Storage) -> Result<Catalog> {
        let mut cat = Catalog {
            db: POSTGRES_OID,
            ..Catalog::default()
        };
        cat.load_databases(storage)?;
        let (roles, max_role_oid) = Roles::load(storage)?;
        cat.roles = roles;
        cat.reserve_oids_through(max_role_oid);
        cat.load_types(storage)?;
        cat.load_schemas(storage)?;
        for row in storage.heap(CATALOG_FILE).scan() {
            let (tid, bytes) = row?;
            // Column types are looked up in the relation's own database.
            cat.db = format::db_of(&bytes)?;
            let def = decode(&bytes, &cat);
            cat.db = POSTGRES_OID;
            let def = def?;
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

    /// Makes `acting` the identity whose privileges statements using the catalog check.
    pub(crate) fn set_acting(&mut self, acting: Option<Acting>) {
        self.acting = acting;
    }

    /// Who runs the statement (`None`: nothing is checked).
    pub fn acting(&self) -> Option<&Acting> {
        self.acting.as_ref()
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
        self.temp_spaces.lock().get(&n).copied()
    }

    /// The temp namespace for a new session's first temporary relation: the lowest unused
    /// number, with a fresh OID.
    pub(crate) fn claim_temp_space(&mut self) -> u32 {
        let oid = self.allocate_oid();
        let mut spaces = self.temp_spaces.lock();
        // Below FIRST_USER_OID, where schema OIDs start (see `TableDef::temp`): there are
        // never that many sessions at once.
        let n = (1..FIRST_USER_OID)
            .find(|n| !spaces.contains_key(n))
            .unwrap_or(FIRST_USER_OID - 1);
        spaces.insert(n, oid);
        n
    }

    /// Frees temp namespace `n` once its session dropped all its relations.
    pub(crate) fn release_temp_space(&mut self, n: u32) {
        self.temp_spaces.lock().remove(&n);
    }

    /// The temporary relations of temp namespace `n`.
    pub(crate) fn temp_tables(&self, n: u32) -> Vec<Arc<TableDef>> {
        // Temp namespace numbers are unique across databases.
        self.tables
            .iter()
            .filter(|((_, ns, _), _)| *ns == n)
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
        for p in &def.rls.policies {
            max_oid = max_oid.max(p.oid);
        }
        self.ids
            .next_file
            .fetch_max(max_file.saturating_add(1), Ordering::Relaxed);
        self.reserve_oids_through(max_oid);
    }

    /// Makes sure OIDs up to `oid` are never handed out (they name sequence state rows).
    pub fn reserve_oids_through(&mut self, oid: u32) {
        self.ids
            .next_oid
            .fetch_max(oid.saturating_add(1), Ordering::Relaxed);
    }

    /// The namespaces a name qualified by `schema` searches, in order (namespace numbers).
    fn search(&self, schema: Schema) -> Vec<u32> {
        match (schema, self.viewer) {
            (Schema::In(ns), _) => vec![ns],
            (Schema::Temp, 0) => vec![],
            (Schema::Temp, viewer) => vec![viewer],
            (Schema::Search, viewer) => self.resolved_path().relation_spaces(viewer),
        }
    }

    /// The search path unqualified names are resolved with.
    pub fn search_path(&self) -> &SearchPath {
        &self.search_path
    }

    /// The search path's existing schemas, now (`"$user"` is the acting user's name).
    pub fn resolved_path(&self) -> ResolvedPath {
        let user = self.acting.as_ref().map(|a| a.current_name.as_str());
        self.search_path
            .resolve(user, |n| self.schema(n).map(|s| s.oid))
    }

    /// Makes unqualified names resolve through `path` (the locking session's).
    pub(crate) fn set_search_path(&mut self, path: SearchPath) {
        self.search_path = path;
    }

    /// Splits a name as `object_name` joins it (`public.t`, `s.t`, `pg_temp.t`,
    /// `pg_temp_3.t`, `t`). `pg_temp_N` of another session's N names nothing the viewer
    /// may see (None); before a schema that does not exist, the dotted text is one name.
    pub fn split_name<'n>(&self, name: &'n str) -> Option<(Schema, &'n str)> {
        let Some((schema, rest)) = name.split_once('.') else {
            return Some((Schema::Search, name));
        };
        match schema {
            "public" => Some((Schema::In(0), rest)),
            "pg_temp" => Some((Schema::Temp, rest)),
            s => match s.strip_prefix("pg_temp_").map(str::parse::<u32>) {
                Some(Ok(n)) if n == self.viewer && n != 0 => Some((Schema::Temp, rest)),
                Some(_) => None,
                None => Some(match self.schema(s) {
                    Some(d) => (Schema::In(d.oid), rest),
                    // Not a schema: the dotted text is one name (a quoted "a.b").
                    None => (Schema::Search, name),
                }),
            },
        }
    }

    /// The namespace number of the schema called `name` for relations created in it:
    /// 0 for `public`, a user schema's OID (None: neither).
    pub fn space_of(&self, name: &str) -> Option<u32> {
        match name {
            "public" => Some(0),
            n => self.schema(n).map(|s| s.oid),
        }
    }

    /// The name of namespace number `ns` as messages qualify names with it.
    pub fn space_name(&self, ns: u32) -> String {
        if ns == 0 {
            "public".into()
        } else if is_temp_space(ns) {
            format!("pg_temp_{ns}")
        } else {
            self.schema_by_oid(ns)
                .map_or_else(|| ns.to_string(), |s| s.name.clone())
        }
    }

    /// The relation `name` (possibly `public.` / `pg_temp.` qualified) as the viewer sees it.
    pub fn get(&self, name: &str) -> Option<Arc<TableDef>> {
        let (schema, bare) = self.split_name(name)?;
        self.search(schema).into_iter().find_map(|ns| {
            self.tables
                .get(&(self.db, ns, bare.to_string()))
                .map(|(d, _)| d.clone())
        })
    }

    /// The relation called `name` in namespace number `ns` (see [`TableDef::temp`]).
    pub fn in_space(&self, ns: u32, name: &str) -> Option<Arc<TableDef>> {
        self.tables
            .get(&(self.db, ns, name.to_string()))
            .map(|(d, _)| d.clone())
    }

    /// The relations the viewer can see: permanent ones and its own temporary ones.
    pub fn tables(&self) -> impl Iterator<Item = &Arc<TableDef>> {
        let viewer = self.viewer;
        self.db_tables()
            .filter(move |((_, ns, _), _)| !is_temp_space(*ns) || *ns == viewer)
            .map(|(_, (d, _))| d)
    }

    /// The current database's relations (every session's temporary ones included).
    fn db_tables(&self) -> impl Iterator<Item = (&Key, &(Arc<TableDef>, Tid))> {
        let db = self.db;
        self.tables
            .range((db, 0, String::new())..)
            .take_while(move |((d, _, _), _)| *d == db)
    }

    /// Every relation of every database (for the engine's own work on data files).
    pub(crate) fn all_tables(&self) -> impl Iterator<Item = &Arc<TableDef>> {
        self.tables.values().map(|(d, _)| d)
    }

    /// The relation with OID `oid`, in any namespace of the current database.
    pub fn by_oid(&self, oid: u32) -> Option<Arc<TableDef>> {
        self.db_tables()
            .find(|(_, (d, _))| d.oid == oid)
            .map(|(_, (d, _))| d.clone())
    }

    /// Every (referencing table, foreign key) whose referenced table has OID `oid`.
    pub fn referencing(&self, oid: u32) -> Vec<(Arc<TableDef>, ForeignKeyDef)> {
        let mut out = Vec::new();
        for (_, (d, _)) in self.db_tables() {
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
        let (schema, bare) = self.split_name(name)?;
        self.search(schema).into_iter().find_map(|ns| {
            self.db_tables()
                .filter(|((_, n, _), _)| *n == ns)
                .find(|(_, (d, _))| d.indexes.iter().any(|i| i.name == bare))
                .map(|(_, (d, _))| d.clone())
        })
    }

    /// Whether a relation or index called `name` exists in namespace `ns` (0: permanent).
    pub fn name_taken(&self, ns: u32, name: &str) -> bool {
        self.db_tables().any(|((_, n, t), (d, _))| {
            *n == ns && (t == name || d.indexes.iter().any(|i| i.name == name))
        })
    }

    /// The roles (pg_authid).
    pub fn roles(&self) -> &Roles {
        &self.roles
    }

    pub(crate) fn roles_mut(&mut self) -> &mut Roles {
        self.changed();
        &mut self.roles
    }

    /// The OID [`Catalog::allocate_oid`] would hand out next.
    pub fn peek_oid(&self) -> u32 {
        self.ids.next_oid.load(Ordering::Relaxed)
    }

    /// A fresh OID (for objects without a data file, such as roles).
    pub fn allocate_oid(&mut self) -> u32 {
        self.ids.next_oid.fetch_add(1, Ordering::Relaxed)
    }

    /// A fresh OID and a fresh data file (never used before, on disk or in the catalog).
    pub fn allocate(&mut self, storage: &Storage) -> Result<(u32, u32)> {
        let oid = self.allocate_oid();
        loop {
            let file = self.ids.next_file.fetch_add(1, Ordering::Relaxed);
            if storage.heap_bytes(file)? == 0 {
                return Ok((oid, file));
            }
        }
    }

    /// Makes the statement's transaction lock each entry it changes (see [`EntryLocks`]).
    pub(crate) fn set_entry_locks(&mut self, locks: Option<EntryLocks>) {
        self.entry_locks = locks;
    }

    /// Takes the lock of catalog entry `key` for the statement's transaction before it
    /// changes the entry. If another transaction holds it (it changed, created or dropped
    /// the entry and has not ended), waits for it, then fails with
    /// [`EngineError::RelationLockWaited`]: the statement runs again on the definitions as
    /// that transaction left them (42P07 for a name it created and committed, …).
    pub(crate) fn lock_entry(&self, key: ObjKey<'_>) -> Result<()> {
        self.lock_entry_as(key, None)
    }

    /// [`Catalog::lock_entry`] for an entry the statement creates (a relation of kind
    /// `relation`, else a role; its name is free in the statement's view). If the
    /// transaction it waited for committed an entry of that name, fails as PostgreSQL's
    /// insert into the catalog's unique name index fails then (23505).
    pub(crate) fn lock_new_entry(&self, key: ObjKey<'_>, relation: Option<NewKind>) -> Result<()> {
        self.lock_entry_as(key, Some(relation))
    }

    fn lock_entry_as(&self, key: ObjKey<'_>, creating: Option<Option<NewKind>>) -> Result<()> {
        let Some(l) = &self.entry_locks else {
            return Ok(());
        };
        let locks = l.db.locks();
        let tag = key.tag(self.db);
        let nowait = WaitRules {
            nowait: true,
            ..l.rules
        };
        match locks.acquire(l.txn, tag, LockMode::Exclusive, &nowait, &l.probe) {
            Ok(()) => Ok(()),
            Err(EngineError::LockNotAvailable { .. }) if !l.rules.nowait => {
                locks.acquire(l.txn, tag, LockMode::Exclusive, &l.rules, &l.probe)?;
                // The transaction waited for has ended, its definitions committed (they
                // enter the committed catalog before its locks are released).
                match creating {
                    Some(kind) => Err(l
                        .db
                        .catalog_in(self.db)
                        .taken_entry(key, kind)
                        .unwrap_or(EngineError::RelationLockWaited)),
                    None => Err(EngineError::RelationLockWaited),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The error PostgreSQL reports when an insert into a catalog's unique name index
    /// finds `key` taken by a committed entry (None: it is free).
    fn taken_entry(&self, key: ObjKey<'_>, kind: Option<NewKind>) -> Option<EngineError> {
        let (constraint, detail) = match (key, kind) {
            (ObjKey::Relation(ns, name), Some(kind)) => {
                let existing = self.db_tables().find_map(|((_, n, t), (d, _))| {
                    (*n == ns && (t == name || d.indexes.iter().any(|i| i.name == name)))
                        .then_some(t == name)
                })?;
                let nsp = if ns == 0 {
                    PUBLIC_NAMESPACE_OID
                } else if is_temp_space(ns) {
                    self.temp_space_oid(ns).unwrap_or(0)
                } else {
                    ns
                };
                // A new relation with a row type meets an existing one's in pg_type first.
                if kind == NewKind::Relation && existing {
                    (
                        "pg_type_typname_nsp_index",
                        format!("Key (typname, typnamespace)=({name}, {nsp}) already exists."),
                    )
                } else {
                    (
                        "pg_class_relname_nsp_index",
                        format!("Key (relname, relnamespace)=({name}, {nsp}) already exists."),
                    )
                }
            }
            (ObjKey::Schema(name), _) => {
                self.schema(name)?;
                (
                    "pg_namespace_nspname_index",
                    format!("Key (nspname)=({name}) already exists."),
                )
            }
            (ObjKey::Database(name), _) => {
                self.database_named(name)?;
                (
                    "pg_database_datname_index",
                    format!("Key (datname)=({name}) already exists."),
                )
            }
            (ObjKey::Role(name), _) => {
                if !self.roles.is_stored(name) {
                    return None;
                }
                (
                    "pg_authid_rolname_index",
                    format!("Key (rolname)=({name}) already exists."),
                )
            }
            _ => return None,
        };
        Some(EngineError::UniqueViolation {
            constraint: constraint.into(),
            detail,
        })
    }

    /// Lays the entries that `changes` (a transaction's, made on `from`) touched over this
    /// catalog: each such relation, role, type and the ACL of schema `public` becomes as in
    /// `from` (present or absent). Entries nobody else may change meanwhile: the
    /// transaction holds their entry locks.
    pub(crate) fn overlay(&mut self, from: &Catalog, changes: &[CatalogChange]) {
        self.changed();
        for change in changes {
            match change {
                CatalogChange::Created(db, ns, name) => {
                    self.copy_table(from, &(*db, *ns, name.clone()))
                }
                CatalogChange::Dropped(def, _) | CatalogChange::Replaced(def, _) => {
                    self.copy_table(from, &def.key())
                }
                CatalogChange::RoleCreated(name) => self.roles.copy_entry(&from.roles, name),
                CatalogChange::RoleDropped(role, _) => {
                    self.roles.copy_entry(&from.roles, &role.name)
                }
                CatalogChange::RoleReplaced(role, _, name) => {
                    self.roles.copy_entry(&from.roles, &role.name);
                    self.roles.copy_entry(&from.roles, name);
                }
                CatalogChange::PublicAcl(_) => self.roles.copy_public_acl(&from.roles),
                CatalogChange::TypeCreated(key) => self.copy_type(from, key),
                CatalogChange::TypeDropped(db, t, _) => {
                    self.copy_type(from, &(*db, t.name().to_owned()))
                }
                CatalogChange::EnumLabels(db, e, _, _) => {
                    self.copy_type(from, &(*db, e.name.clone()))
                }
                CatalogChange::SchemaCreated(key) => self.copy_schema(from, key),
                CatalogChange::SchemaDropped(s, _) => {
                    self.copy_schema(from, &(s.db, s.name.clone()))
                }
                CatalogChange::SchemaReplaced(s, _, key) => {
                    self.copy_schema(from, &(s.db, s.name.clone()));
                    self.copy_schema(from, key);
                }
                CatalogChange::DatabaseCreated(name) => self.copy_database(from, name),
                CatalogChange::DatabaseDropped(d, _) => self.copy_database(from, &d.name),
                CatalogChange::DatabaseReplaced(d, _, name) => {
                    self.copy_database(from, &d.name);
                    self.copy_database(from, name);
                }
            }
        }
    }

    fn copy_table(&mut self, from: &Catalog, key: &Key) {
        match from.tables.get(key) {
            Some(entry) => {
                self.tables.insert(key.clone(), entry.clone());
            }
            None => {
                self.tables.remove(key);
            }
        }
    }

    fn copy_type(&mut self, from: &Catalog, key: &NameKey) {
        match from.types.get(key) {
            Some(entry) => {
                self.types.insert(key.clone(), entry.clone());
            }
            None => {
                self.types.remove(key);
            }
        }
    }

    /// Locks the name of relation `def` and of each of its indexes `old` (its previous
    /// definition) did not have.
    fn lock_names(&self, def: &TableDef, old: Option<&TableDef>) -> Result<()> {
        let key = ObjKey::Relation(def.temp, &def.name);
        match old {
            Some(_) => self.lock_entry(key)?,
            None => self.lock_new_entry(key, Some(NewKind::Relation))?,
        }
        for ix in &def.indexes {
            if old.is_some_and(|o| o.indexes.iter().any(|i| i.name == ix.name)) {
                continue;
            }
            self.lock_new_entry(ObjKey::Relation(def.temp, &ix.name), Some(NewKind::Index))?;
        }
        Ok(())
    }

    /// Stores a new definition in `txn`.
    pub fn create(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        def: TableDef,
    ) -> Result<CatalogChange> {
        self.changed();
        if def.db != self.db {
            return Err(EngineError::Internal {
                reason: "creating a relation in another database",
            });
        }
        self.require_database()?;
        if self.name_taken(def.temp, &def.name) {
            return Err(EngineError::DuplicateTable { name: def.name });
        }
        self.lock_names(&def, None)?;
        let tid = storage.heap(CATALOG_FILE).insert(txn, &encode(&def))?;
        self.note_ids(&def);
        let key = def.key();
        self.tables.insert(key.clone(), (Arc::new(def), tid));
        Ok(CatalogChange::Created(key.0, key.1, key.2))
    }

    /// Removes definition `def` (as found by [`Catalog::get`]) in `txn`.
    pub fn drop_table(
        &mut self,
        txn: &mut Transaction,
        storage: &Storage,
        def: &TableDef,
    ) -> Result<CatalogChange> {
        self.changed();
        self.lock_entry(ObjKey::Relation(def.temp, &def.name))?;
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
        self.changed();
        let old = self.tables.get(&def.key()).map(|(d, _)| d.clone());
        self.lock_names(&def, old.as_deref())?;
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
        self.changed();
        for change in changes.into_iter().rev() {
            match change {
                CatalogChange::Created(db, ns, name) => {
                    self.tables.remove(&(db, ns, name));
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
                CatalogChange::PublicAcl(old) => self.roles.restore_public_acl(old),
                c @ (CatalogChange::TypeCreated(_)
                | CatalogChange::TypeDropped(..)
                | CatalogChange::EnumLabels(..)) => self.revert_type(c),
                c @ (CatalogChange::SchemaCreated(_)
                | CatalogChange::SchemaDropped(..)
                | CatalogChange::SchemaReplaced(..)) => self.revert_schema(c),
                c @ (CatalogChange::DatabaseCreated(_)
                | CatalogChange::DatabaseDropped(..)
                | CatalogChange::DatabaseReplaced(..)) => self.revert_database(c),
            }
        }
    }
}

fn corrupt(why: &str) -> EngineError {
    EngineError::CatalogCorrupt {
        reason: why.to_string(),
    }
}
