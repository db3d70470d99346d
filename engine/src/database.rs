//! [`Database`]: an open database directory — storage engine plus catalog — shared by
//! sessions. Cheap to clone; the last handle checkpoints on drop.

use crate::catalog::Catalog;
use crate::error::Result;
use crate::roles::{Role, BOOTSTRAP_SUPERUSER_OID};
use crate::sequence::Sequences;
use crate::session::Session;
use parking_lot::{Mutex, MutexGuard, RawMutex};
use std::path::Path;
use std::sync::Arc;
use storage::{Storage, StorageOptions};

/// Held by a session while it has a transaction open (transactions are serialized).
pub(crate) type TxnGuard = parking_lot::lock_api::ArcMutexGuard<RawMutex, ()>;

struct Inner {
    storage: Storage,
    /// What recovery did when the database was opened.
    opened: storage::RecoveryReport,
    catalog: Mutex<Catalog>,
    sequences: Sequences,
    transactions: Arc<Mutex<()>>,
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
        let (storage, opened) = Storage::open(fs, path, opts.storage)?;
        let mut catalog = Catalog::load(&storage)?;
        crate::temp::clean_after_open(&storage, &mut catalog)?;
        let (sequences, max_oid) = Sequences::load(&storage)?;
        catalog.reserve_oids_through(max_oid);
        Ok(Database {
            inner: Arc::new(Inner {
                storage,
                opened,
                catalog: Mutex::new(catalog),
                sequences,
                transactions: Arc::new(Mutex::new(())),
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
    /// database has no role yet, as initdb does; returns whether it did.
    pub fn bootstrap_superuser(&self, name: &str) -> Result<bool> {
        let _guard = self.lock_transactions();
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
        let mut txn = self.storage().begin()?;
        let created = self
            .catalog()
            .roles_mut()
            .create(&mut txn, self.storage(), role);
        match created {
            Ok(()) => txn.commit()?,
            Err(e) => {
                let _ = txn.abort();
                self.catalog().roles_mut().forget(name);
                return Err(e);
            }
        }
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

    pub(crate) fn lock_transactions(&self) -> TxnGuard {
        self.inner.transactions.lock_arc()
    }

    /// Waits for the transaction lock like [`Database::lock_transactions`], but gives up with
    /// 57014 when the running statement is cancelled or times out (PostgreSQL's lock waits
    /// are interruptible too).
    pub(crate) fn lock_transactions_interruptibly(&self) -> crate::Result<TxnGuard> {
        loop {
            if let Some(g) = self
                .inner
                .transactions
                .try_lock_arc_for(std::time::Duration::from_millis(10))
            {
                return Ok(g);
            }
            crate::interrupt::check()?;
        }
    }
}
