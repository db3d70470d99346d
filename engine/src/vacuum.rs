//! Vacuum of tables — the heap, then each index (`storage::Storage::vacuum_heap`,
//! `vacuum_btree`) — and autovacuum: a background thread per open database that vacuums
//! the tables that have had enough rows deleted or updated since their last vacuum.
//!
//! **Counting.** [`Activity`] keeps, per heap file, the row versions deleted since the last
//! vacuum (PostgreSQL's `n_dead_tup`; counted by `access::Writer::delete_row`, rolled-back
//! deletes included) and the live rows the last vacuum found (`reltuples`; 0 before the
//! first, as PostgreSQL 15 takes a never-vacuumed table). A table is due when its count
//! exceeds `vacuum_threshold + vacuum_scale_factor × reltuples` (PostgreSQL's defaults: 50
//! and 0.2) and the horizon has moved since its last vacuum (otherwise nothing more could
//! be removed). A vacuum sets the count to the versions it had to keep plus the deletes
//! made while it ran. The counts are volatile: after a restart every table starts at zero.
//!
//! **Locks.** A vacuum holds the table's relation lock in SHARE UPDATE EXCLUSIVE, as
//! PostgreSQL: it runs beside readers and writers, and two vacuums of one table take turns;
//! DROP and rewrites (ACCESS EXCLUSIVE) wait for it, so the table's files stay as the
//! definition it found once it holds the lock says. Autovacuum never waits for the lock: a table whose
//! lock is not free at once is left for a later round (PostgreSQL's autovacuum skips locked
//! tables likewise). It runs in no transaction, so it holds no horizon back.
//!
//! **The thread** sleeps `naptime` between rounds and holds the database only while working
//! (a weak reference otherwise). Dropping the last [`Database`](crate::Database) handle
//! stops it and waits for it, so the directory is closed when the drop returns. Errors are
//! recorded ([`crate::Database::autovacuum_error`]), never raised as panics.

use crate::catalog::TableDef;
use crate::error::{EngineError, Result};
use crate::lock::{LockManager, LockMode, LockTag, WaitProbe, WaitRules};
use parking_lot::{Condvar, Mutex, RwLock};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;
use storage::{BTreeVacuumStats, HeapVacuumStats, Storage, TxnId};

/// Autovacuum settings (PostgreSQL's `autovacuum`, `autovacuum_naptime`,
/// `autovacuum_vacuum_threshold`, `autovacuum_vacuum_scale_factor`).
#[derive(Clone, Debug)]
pub struct AutovacuumOptions {
    pub enabled: bool,
    /// Sleep between rounds.
    pub naptime: Duration,
    pub vacuum_threshold: u64,
    pub vacuum_scale_factor: f64,
}

impl Default for AutovacuumOptions {
    fn default() -> Self {
        AutovacuumOptions {
            enabled: true,
            naptime: Duration::from_secs(1),
            vacuum_threshold: 50,
            vacuum_scale_factor: 0.2,
        }
    }
}

#[derive(Default)]
struct TableCounts {
    /// Versions deleted since the last vacuum (plus those it had to keep).
    dead: AtomicU64,
    /// Live rows the last vacuum found.
    reltuples: AtomicU64,
    /// The horizon the last vacuum ran with.
    horizon: AtomicU64,
    /// Vacuums completed (manual and automatic).
    vacuums: AtomicU64,
}

/// Per-table write counts that decide when autovacuum runs (see the module documentation).
#[derive(Default)]
pub struct Activity {
    tables: RwLock<HashMap<u32, Arc<TableCounts>>>,
}

impl Activity {
    fn counts(&self, file: u32) -> Arc<TableCounts> {
        if let Some(c) = self.tables.read().get(&file) {
            return c.clone();
        }
        self.tables.write().entry(file).or_default().clone()
    }

    /// A row version of the heap in `file` was deleted (or replaced by an update).
    pub fn note_delete(&self, file: u32) {
        if let Some(c) = self.tables.read().get(&file) {
            c.dead.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.counts(file).dead.fetch_add(1, Ordering::Relaxed);
    }

    /// Vacuums of the heap in `file` completed since the database was opened.
    pub fn vacuums(&self, file: u32) -> u64 {
        self.tables
            .read()
            .get(&file)
            .map_or(0, |c| c.vacuums.load(Ordering::Relaxed))
    }

    /// Forgets the counts of a heap file no table uses any more.
    fn forget(&self, file: u32) {
        self.tables.write().remove(&file);
    }

    /// Heap files due for a vacuum, given the current horizon.
    fn due(&self, opts: &AutovacuumOptions, horizon: TxnId) -> Vec<u32> {
        self.tables
            .read()
            .iter()
            .filter(|(_, c)| {
                let reltuples = c.reltuples.load(Ordering::Relaxed) as f64;
                let threshold = opts.vacuum_threshold as f64 + opts.vacuum_scale_factor * reltuples;
                c.dead.load(Ordering::Relaxed) as f64 > threshold
                    && c.horizon.load(Ordering::Relaxed) < horizon.0
            })
            .map(|(&f, _)| f)
            .collect()
    }
}

/// What vacuuming one table did.
#[derive(Clone, Debug, Default)]
pub struct TableVacuum {
    pub heap: HeapVacuumStats,
    /// Per index: its name and what was done.
    pub indexes: Vec<(String, BTreeVacuumStats)>,
}

/// Vacuums the table's heap, then its indexes, and resets its counts. The caller holds the
/// table's lock (SHARE UPDATE EXCLUSIVE) and found `table` in the catalog after taking it.
pub fn vacuum_table(
    storage: &Storage,
    activity: &Activity,
    table: &TableDef,
) -> Result<TableVacuum> {
    let counts = activity.counts(table.file);
    let seen = counts.dead.load(Ordering::Relaxed);
    let horizon = storage.horizon();
    let heap = storage.vacuum_heap(table.file)?;
    let mut indexes = Vec::with_capacity(table.indexes.len());
    for ix in &table.indexes {
        indexes.push((ix.name.clone(), storage.vacuum_btree(ix.file)?));
    }
    // Deletes counted while the vacuum ran stay counted; those it saw are replaced by the
    // versions it had to keep.
    let _ = counts
        .dead
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |d| {
            Some(d.saturating_sub(seen) + heap.dead_kept)
        });
    counts.reltuples.store(heap.live, Ordering::Relaxed);
    counts.horizon.fetch_max(horizon.0, Ordering::Relaxed);
    counts.vacuums.fetch_add(1, Ordering::Relaxed);
    Ok(TableVacuum { heap, indexes })
}

/// Whether `table` has storage to vacuum (views and sequences do not).
pub fn has_heap(table: &TableDef) -> bool {
    table.view.is_none() && table.sequence.is_none()
}

/// Stop flag, wake-up and last error, shared by the thread and the database handles.
#[derive(Default)]
pub(crate) struct Control {
    stop: Mutex<bool>,
    wake: Condvar,
    last_error: Mutex<Option<String>>,
    rounds: AtomicU64,
}

impl Control {
    pub(crate) fn last_error(&self) -> Option<String> {
        self.last_error.lock().clone()
    }

    /// Rounds that found work and finished it.
    pub(crate) fn rounds(&self) -> u64 {
        self.rounds.load(Ordering::Relaxed)
    }

    fn stopping(&self) -> bool {
        *self.stop.lock()
    }
}

/// Owned by every [`Database`](crate::Database) handle: the last one dropped stops the
/// thread and waits for it.
pub(crate) struct Autovacuum {
    pub(crate) control: Arc<Control>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Drop for Autovacuum {
    fn drop(&mut self) {
        *self.control.stop.lock() = true;
        self.control.wake.notify_all();
        if let Some(h) = self.thread.lock().take() {
            if h.thread().id() != std::thread::current().id() {
                let _ = h.join();
            }
        }
    }
}

/// What a round needs from the database.
pub(crate) struct Parts<'a> {
    pub storage: &'a Storage,
    pub catalog: &'a Mutex<crate::catalog::Catalog>,
    pub locks: &'a LockManager,
    pub activity: &'a Activity,
}

impl Autovacuum {
    /// Starts the thread (when enabled); `parts` gives it the database while it works.
    pub(crate) fn start<T: Send + Sync + 'static>(
        opts: AutovacuumOptions,
        db: Weak<T>,
        parts: fn(&T) -> Parts<'_>,
    ) -> Autovacuum {
        let control = Arc::new(Control::default());
        let mut thread = None;
        if opts.enabled {
            let c = control.clone();
            let spawned = std::thread::Builder::new()
                .name("quill-autovacuum".into())
                .spawn(move || run(&c, &opts, &db, parts));
            match spawned {
                Ok(h) => thread = Some(h),
                Err(e) => *control.last_error.lock() = Some(e.to_string()),
            }
        }
        Autovacuum {
            control,
            thread: Mutex::new(thread),
        }
    }
}

fn run<T>(control: &Control, opts: &AutovacuumOptions, db: &Weak<T>, parts: fn(&T) -> Parts<'_>) {
    loop {
        {
            let mut stop = control.stop.lock();
            if *stop {
                return;
            }
            control.wake.wait_for(&mut stop, opts.naptime);
            if *stop {
                return;
            }
        }
        let Some(db) = db.upgrade() else { return };
        match round(control, opts, &parts(&db)) {
            Ok(true) => {
                control.rounds.fetch_add(1, Ordering::Relaxed);
            }
            Ok(false) => {}
            Err(e) => *control.last_error.lock() = Some(e.to_string()),
        }
    }
}

/// The lock manager owner of autovacuum's locks: an id no transaction ever gets (ids count
/// up from 1). Autovacuum runs in no transaction: it writes only system records and takes
/// no snapshot, so it holds back no one's horizon (PostgreSQL likewise leaves a lazy
/// vacuum's xmin out of the horizon). It never waits for a lock, so it is never part of a
/// wait-for cycle.
const AUTOVACUUM: TxnId = TxnId(u64::MAX - 1);

/// One round: vacuums every due table whose locks are free. Returns whether it vacuumed.
fn round(control: &Control, opts: &AutovacuumOptions, db: &Parts<'_>) -> Result<bool> {
    let due = db.activity.due(opts, db.storage.horizon());
    if due.is_empty() {
        return Ok(false);
    }
    let res = vacuum_due(control, db, AUTOVACUUM, &due);
    db.locks.release_all(AUTOVACUUM);
    res
}

fn vacuum_due(control: &Control, db: &Parts<'_>, me: TxnId, due: &[u32]) -> Result<bool> {
    let rules = WaitRules {
        nowait: true,
        ..WaitRules::default()
    };
    let probe = WaitProbe::new();
    let try_lock = |tag, mode| match db.locks.acquire(me, tag, mode, &rules, &probe) {
        Ok(()) => Ok(true),
        Err(EngineError::LockNotAvailable { .. }) => Ok(false),
        Err(e) => Err(e),
    };
    // The committed definitions (a table dropped or rewritten after this copy is found
    // again once its lock is held, below).
    let tables: Vec<Arc<TableDef>> = {
        let mut c = db.catalog.lock();
        c.set_viewer(0);
        // Every database's tables (vacuum works on data files, shared by the directory).
        c.all_tables()
            .filter(|t| !t.is_temp() && has_heap(t) && due.contains(&t.file))
            .cloned()
            .collect()
    };
    for &file in due {
        if !tables.iter().any(|t| t.file == file) {
            // Dropped (or rewritten into a new file) since it was counted.
            db.activity.forget(file);
        }
    }
    let mut did = false;
    for t in tables {
        if control.stopping() {
            break;
        }
        let tag = LockTag::Relation(t.oid);
        if !try_lock(tag, LockMode::ShareUpdateExclusive)? {
            continue;
        }
        // A DROP or a rewrite (ACCESS EXCLUSIVE) that committed before the lock was granted
        // is in the committed catalog by then.
        let current = db.catalog.lock().by_oid(t.oid);
        if current.is_none_or(|c| c.file != t.file) {
            db.locks.release(me, tag);
            continue;
        }
        let res = vacuum_table(db.storage, db.activity, &t);
        db.locks.release(me, tag);
        res?;
        did = true;
    }
    Ok(did)
}
