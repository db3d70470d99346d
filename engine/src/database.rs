//! [`Database`]: an open database directory — storage engine plus catalog — shared by
//! sessions. Cheap to clone; the last handle checkpoints on drop.
//!
//! Sessions run transactions concurrently. What keeps them apart: snapshots and row-level
//! waits ([`crate::access`]) and the lock manager ([`crate::lock`]). The catalog's
//! in-memory mirror is shared; a transaction changes it only while holding the catalog lock
//! ([`crate::lock::LockTag::Catalog`]) exclusively, so no other transaction runs while a
//! definition is uncommitted. Lock order: lock manager waits (no mutex held) → catalog
//! mutex → sequence states → storage (page latches are storage's own).

use crate::catalog::Catalog;
use crate::error::Result;
use crate::lock::{LockManager, LockMode, LockTag, WaitProbe, WaitRules};
use crate::roles::{Role, BOOTSTRAP_SUPERUSER_OID};
use crate::sequence::Sequences;
use crate::session::Session;
use parking_lot::{Mutex, MutexGuard};
use std::path::Path;
use std::sync::Arc;
use storage::{Storage, StorageOptions};

struct Inner {
    storage: Storage,
    /// The definitions as committed, plus those of the one transaction holding the catalog
    /// lock exclusively. Held only briefly (to copy it) by other statements, and for a whole
    /// statement by one that changes definitions.
    catalog: Mutex<Catalog>,
    sequences: Sequences,
    locks: LockManager,
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
}

/// How to open a database.
#[derive(Clone, Debug, Default)]
pub struct DatabaseOptions {
    pub storage: StorageOptions,
}

impl Database {
    /// Opens the database in directory `path`, creating it if needed and recovering it
    /// after a crash.
    pub fn open(path: impl AsRef<Path>) -> Result<Database> {
        Database::open_with(
            Arc::new(vfs::OsVfs::new()),
            path.as_ref(),
            DatabaseOptions::default(),
        )
    }

    /// Opens with a chosen file layer and options.
    pub fn open_with(
        fs: Arc<dyn vfs::Vfs>,
        path: &Path,
        opts: DatabaseOptions,
    ) -> Result<Database> {
        let (storage, _) = Storage::open(fs, path, opts.storage)?;
        let mut catalog = Catalog::load(&storage)?;
        crate::temp::clean_after_open(&storage, &mut catalog)?;
        let (sequences, max_oid) = Sequences::load(&storage)?;
        catalog.reserve_oids_through(max_oid);
        Ok(Database {
            inner: Arc::new(Inner {
                storage,
                catalog: Mutex::new(catalog),
                sequences,
                locks: LockManager::new(),
            }),
        })
    }

    /// A new session with its own transaction state.
    pub fn session(&self) -> Session {
        Session::new(self.clone())
    }

    pub fn storage(&self) -> &Storage {
        &self.inner.storage
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
    /// database has no role yet, as initdb does; returns whether it did.
    pub fn bootstrap_superuser(&self, name: &str) -> Result<bool> {
        let mut txn = self.storage().begin()?;
        let me = txn.id();
        let locks = &self.inner.locks;
        let probe = WaitProbe::new();
        let rules = WaitRules::default();
        locks.acquire(
            me,
            LockTag::Transaction(me),
            LockMode::Exclusive,
            &rules,
            &probe,
        )?;
        let created = self.bootstrap_in(&mut txn, name, &rules, &probe);
        let res = match created {
            Ok(created) => txn.commit().map(|()| created).map_err(Into::into),
            Err(e) => {
                let _ = txn.abort();
                self.catalog().roles_mut().forget(name);
                Err(e)
            }
        };
        locks.release_all(me);
        res
    }

    fn bootstrap_in(
        &self,
        txn: &mut storage::Transaction,
        name: &str,
        rules: &WaitRules,
        probe: &WaitProbe,
    ) -> Result<bool> {
        self.inner.locks.acquire(
            txn.id(),
            LockTag::Catalog,
            LockMode::AccessExclusive,
            rules,
            probe,
        )?;
        if !self.catalog().roles().is_empty() {
            return Ok(false);
        }
        let mut role = Role::new(BOOTSTRAP_SUPERUSER_OID, name.to_owned());
        role.superuser = true;
        role.login = true;
        role.create_role = true;
        role.create_db = true;
        role.replication = true;
        role.bypass_rls = true;
        self.catalog()
            .roles_mut()
            .create(txn, self.storage(), role)?;
        Ok(true)
    }

    /// The catalog, seeing permanent relations only.
    pub(crate) fn catalog(&self) -> MutexGuard<'_, Catalog> {
        self.catalog_as(0)
    }

    /// The catalog as the session with temp namespace `viewer` sees it (0: none).
    pub(crate) fn catalog_as(&self, viewer: u32) -> MutexGuard<'_, Catalog> {
        let mut c = self.inner.catalog.lock();
        c.set_viewer(viewer);
        c
    }

    pub(crate) fn sequences(&self) -> &Sequences {
        &self.inner.sequences
    }

    /// The database's lock table.
    pub(crate) fn locks(&self) -> &LockManager {
        &self.inner.locks
    }
}
