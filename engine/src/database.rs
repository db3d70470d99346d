//! [`Database`]: an open database directory — storage engine plus catalog — shared by
//! sessions. Cheap to clone; the last handle checkpoints on drop.
//!
//! Sessions run transactions concurrently. What keeps them apart: snapshots and row-level
//! waits ([`crate::access`]) and the lock manager ([`crate::lock`]). The database holds the
//! committed catalog; a transaction that changes definitions works on its own copy and
//! lays its changes over the committed one as it commits (see [`crate::catalog`]). Lock
//! order: lock manager waits (no mutex held) → catalog mutex → sequence states → storage
//! (page latches are storage's own).

use crate::catalog::Catalog;
use crate::error::Result;
use crate::lock::LockManager;
use crate::roles::Role;
use crate::search_path::SearchPath;
use crate::sequence::Sequences;
use crate::session::Session;
use crate::vacuum::Autovacuum;
use parking_lot::{Mutex, MutexGuard};
use std::path::Path;
use std::sync::Arc;
use storage::{Storage, StorageOptions};

pub(crate) struct Inner {
    storage: Storage,
    /// What recovery did when the database was opened.
    opened: storage::RecoveryReport,
    /// The committed definitions. Held only briefly: to copy it at a statement's start,
    /// and by a transaction that changed definitions across its storage commit while it
    /// lays its changes over it, so whoever copies the catalog after the commit became
    /// visible finds the definitions in place. Never held while a statement runs.
    catalog: Mutex<Catalog>,
    sequences: Sequences,
    locks: LockManager,
    /// SERIALIZABLE transactions' SIREAD locks and rw-conflicts.
    ssi: crate::ssi::Ssi,
    /// Per-table counts of deleted rows, for autovacuum.
    activity: crate::vacuum::Activity,
    /// Who listens on which channel, and the notifications waiting for them.
    notify: Arc<crate::notify::NotifyHub>,
    plan_cache: crate::session::PlanCacheMode,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Clean shutdown: write dirty pages and checkpoint (best effort; recovery covers
        // a failure here).
        let _ = self.storage.clone().close();
    }
}

#[derive(Clone)]
pub struct Database {
    inner: Arc<Inner>,
    /// Dropped after `inner` (field order): the last handle's drop stops the autovacuum
    /// thread and waits for it, which then closes the store if it held the last reference.
    autovacuum: Arc<Autovacuum>,
}

/// How to open a database.
#[derive(Clone, Debug, Default)]
pub struct DatabaseOptions {
    pub storage: StorageOptions,
    pub autovacuum: crate::vacuum::AutovacuumOptions,
    /// How sessions reuse the plans of queries they bound before.
    pub plan_cache: crate::session::PlanCacheMode,
}

/// What the autovacuum thread uses of an open database.
fn vacuum_parts(inner: &Inner) -> crate::vacuum::Parts<'_> {
    crate::vacuum::Parts {
        storage: &inner.storage,
        catalog: &inner.catalog,
        locks: &inner.locks,
        activity: &inner.activity,
    }
}

/// What recovery did when a database was opened, and its log's work since.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DatabaseStats {
    /// Log records recovery read.
    pub records_scanned: u64,
    /// Page changes recovery redid.
    pub records_redone: u64,
    /// Transactions unfinished at a crash that recovery rolled back.
    pub losers_rolled_back: u64,
    /// Log syncs since opening (group commit makes them fewer than the commits).
    pub log_syncs: u64,
    /// Checkpoints taken since opening.
    pub checkpoints: u64,
}

/// What [`Database::check_integrity`] examined (every page checked).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Integrity {
    pub files: usize,
    pub pages: u64,
    pub tuples: u64,
}

impl Database {
    /// Opens the database in directory `path`, creating it if needed and recovering it
    /// after a crash.
    pub fn open(path: impl AsRef<Path>) -> Result<Database> {
        Database::open_with_options(path, DatabaseOptions::default())
    }

    /// Opens the database in directory `path` on the operating system's files, with
    /// `opts`.
    pub fn open_with_options(path: impl AsRef<Path>, opts: DatabaseOptions) -> Result<Database> {
        Database::open_with(Arc::new(vfs::OsVfs::new()), path.as_ref(), opts)
    }

    /// Opens with a chosen file layer and options.
    pub fn open_with(
        fs: Arc<dyn vfs::Vfs>,
        path: &Path,
        opts: DatabaseOptions,
    ) -> Result<Database> {
        let (storage, opened) = Storage::open(fs, path, opts.storage)?;
        let mut catalog = Catalog::load(&storage)?;
        catalog.create_initial_databases(&storage)?;
        crate::temp::clean_after_open(&storage, &mut catalog)?;
        let (sequences, max_oid) = Sequences::load(&storage)?;
        catalog.reserve_oids_through(max_oid);
        let inner = Arc::new(Inner {
            storage,
            opened,
            catalog: Mutex::new(catalog),
            sequences,
            locks: LockManager::new(),
            ssi: crate::ssi::Ssi::new(),
            activity: crate::vacuum::Activity::default(),
            notify: Arc::new(crate::notify::NotifyHub::default()),
            plan_cache: opts.plan_cache,
        });
        let autovacuum = Autovacuum::start(opts.autovacuum, Arc::downgrade(&inner), vacuum_parts);
        Ok(Database {
            inner,
            autovacuum: Arc::new(autovacuum),
        })
    }

    /// A new session with its own transaction state.
    pub fn session(&self) -> Session {
        Session::new(self.clone())
    }

    pub fn storage(&self) -> &Storage {
        &self.inner.storage
    }

    /// What recovery did when the database was opened and what the log has done since.
    pub fn stats(&self) -> DatabaseStats {
        let r = &self.inner.opened;
        DatabaseStats {
            records_scanned: r.records_scanned,
            records_redone: r.records_redone,
            losers_rolled_back: r.losers,
            log_syncs: self.inner.storage.log().sync_count(),
            checkpoints: self.inner.storage.checkpoints_taken(),
        }
    }

    /// Writes the dirty pages and a checkpoint now (the last handle also does when dropped).
    pub fn checkpoint(&self) -> Result<()> {
        self.inner.storage.checkpoint()?;
        Ok(())
    }

    /// Reads every page of every data file, checking checksums and page structure.
    pub fn check_integrity(&self) -> Result<Integrity> {
        let r = self.inner.storage.check_integrity()?;
        Ok(Integrity {
            files: r.files,
            pages: r.pages,
            tuples: r.tuples,
        })
    }

    /// The roles (PostgreSQL's `pg_authid`), by name.
    pub fn roles(&self) -> Vec<Arc<Role>> {
        self.catalog().roles().iter().cloned().collect()
    }

    /// The role called `name`, if it exists.
    pub fn role(&self, name: &str) -> Option<Arc<Role>> {
        self.catalog().roles().get(name)
    }

    /// Creates the bootstrap superuser `name` (OID 10, every attribute, no password) if the
    /// database has no role yet, as initdb does; returns whether it did. The committed
    /// catalog is held from the check to the commit, so two callers create it once.
    pub fn bootstrap_superuser(&self, name: &str) -> Result<bool> {
        let mut catalog = self.catalog();
        if !catalog.roles().is_empty() {
            return Ok(false);
        }
        let mut txn = self.storage().begin()?;
        let role = Role::bootstrap(name.to_owned());
        if let Err(e) = catalog.roles_mut().create(&mut txn, self.storage(), role) {
            let _ = txn.abort();
            return Err(e);
        }
        match txn.commit() {
            Ok(()) => Ok(true),
            Err(e) => {
                catalog.roles_mut().forget(name);
                Err(e.into())
            }
        }
    }

    /// A copy of the committed catalog as the session in database `db` with temp
    /// namespace `viewer` and search path `search_path` sees it (the mutex is held only to
    /// copy it).
    pub(crate) fn catalog_copy(&self, db: u32, viewer: u32, search_path: SearchPath) -> Catalog {
        Catalog::clone(&self.catalog_as(db, viewer, search_path))
    }

    /// The committed catalog, seeing the permanent relations of database `postgres` only.
    pub(crate) fn catalog(&self) -> MutexGuard<'_, Catalog> {
        self.catalog_in(crate::catalog::POSTGRES_OID)
    }

    /// The committed catalog, seeing the permanent relations of database `db` only.
    pub(crate) fn catalog_in(&self, db: u32) -> MutexGuard<'_, Catalog> {
        self.catalog_as(db, 0, SearchPath::default())
    }

    /// The catalog as the session in database `db` with temp namespace `viewer` (0: none)
    /// and search path `search_path` sees it.
    pub(crate) fn catalog_as(
        &self,
        db: u32,
        viewer: u32,
        search_path: SearchPath,
    ) -> MutexGuard<'_, Catalog> {
        let mut c = self.inner.catalog.lock();
        c.set_database(db);
        c.set_viewer(viewer);
        c.set_search_path(search_path);
        c.set_acting(None);
        c
    }

    /// How sessions reuse plans (see [`DatabaseOptions::plan_cache`]).
    pub(crate) fn plan_cache_mode(&self) -> crate::session::PlanCacheMode {
        self.inner.plan_cache
    }

    /// The OID of the database called `name`, if sessions may connect to it: 3D000 if it
    /// does not exist, 55000 if it does not allow connections (`template0`).
    pub fn database_oid(&self, name: &str) -> Result<u32> {
        let c = self.catalog();
        match c.database_named(name) {
            None => Err(crate::error::EngineError::UndefinedDatabase {
                name: name.to_owned(),
            }),
            Some(d) if !d.allow_conn => Err(crate::error::EngineError::Function {
                code: "55000",
                message: format!("database \"{name}\" is not currently accepting connections"),
            }),
            Some(d) => Ok(d.oid),
        }
    }

    /// The names of the databases, as `pg_database` lists them.
    pub fn database_names(&self) -> Vec<String> {
        self.catalog().databases().map(|d| d.name.clone()).collect()
    }

    pub(crate) fn sequences(&self) -> &Sequences {
        &self.inner.sequences
    }

    /// Per-table counts of deleted rows (autovacuum's trigger).
    pub(crate) fn activity(&self) -> &crate::vacuum::Activity {
        &self.inner.activity
    }

    /// Vacuums of the table whose heap is data file `file` completed since the database
    /// was opened (by VACUUM or autovacuum).
    pub fn vacuums_of(&self, file: u32) -> u64 {
        self.inner.activity.vacuums(file)
    }

    /// Autovacuum rounds that vacuumed at least one table.
    pub fn autovacuum_rounds(&self) -> u64 {
        self.autovacuum.control.rounds()
    }

    /// The last error of the autovacuum thread, if any (it goes on with the next round).
    pub fn autovacuum_error(&self) -> Option<String> {
        self.autovacuum.control.last_error()
    }

    /// The database's notification queue (LISTEN / NOTIFY).
    pub(crate) fn notify_hub(&self) -> &Arc<crate::notify::NotifyHub> {
        &self.inner.notify
    }

    /// The database's lock table.
    pub(crate) fn locks(&self) -> &LockManager {
        &self.inner.locks
    }

    /// The database's serializable-transaction tracking.
    pub(crate) fn ssi(&self) -> &crate::ssi::Ssi {
        &self.inner.ssi
    }
}
