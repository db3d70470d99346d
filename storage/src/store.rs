//! [`Storage`]: one database directory — log, master record, data files, buffer pool,
//! transactions — opened with recovery and closed with a checkpoint.
//!
//! Directory layout: `control` (master record), `wal/` (log segments), `base/` (data files
//! and free space maps).
//!
//! Checkpoints run in a background thread when the log has grown by `checkpoint_wal_bytes`
//! since the last one or `checkpoint_interval` has passed, and on [`Storage::close`].

use crate::btree::BTree;
use crate::buffer::BufferPool;
use crate::checkpoint::{self, CheckpointTicket};
use crate::error::{Result, StorageError};
use crate::files::DataFiles;
use crate::fsm::FreeSpaceMap;
use crate::heap::Heap;
use crate::heap_page;
use crate::mvcc::{ProcArray, Snapshot};
use crate::page::{PageType, PAGE_SIZE};
use crate::recovery::{self, Analysis, RecoveryReport};
use crate::txn::{Transaction, TxnTable};
use parking_lot::{Condvar, Mutex};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use vfs::Vfs;
use wal::{LogManager, LogOptions, Lsn, Master, PageId, Sabotage, TxnId};

#[derive(Clone, Debug)]
pub struct StorageOptions {
    /// Buffer pool size in 8 KiB frames.
    pub pool_frames: usize,
    pub log: LogOptions,
    /// Attach an after-image to every page record and compare it during redo.
    pub wal_consistency_checking: bool,
    /// Log growth that triggers a background checkpoint.
    pub checkpoint_wal_bytes: u64,
    /// Time that triggers a background checkpoint; `None` disables the background thread.
    pub checkpoint_interval: Option<Duration>,
    /// Deliberate protocol violation (effective only with the `sabotage` feature).
    pub sabotage: Option<Sabotage>,
}

impl Default for StorageOptions {
    fn default() -> Self {
        StorageOptions {
            pool_frames: 1024,
            log: LogOptions::default(),
            wal_consistency_checking: false,
            checkpoint_wal_bytes: 64 << 20,
            checkpoint_interval: Some(Duration::from_secs(300)),
            sabotage: None,
        }
    }
}

impl StorageOptions {
    fn with_sabotage_propagated(mut self) -> Self {
        self.log.sabotage = self.sabotage;
        self
    }
}

pub(crate) struct Inner {
    pub(crate) opts: StorageOptions,
    pub(crate) log: Arc<LogManager>,
    pub(crate) files: Arc<DataFiles>,
    pub(crate) pool: BufferPool,
    pub(crate) txns: TxnTable,
    /// Running transactions and live snapshots (visibility; see `crate::mvcc`).
    pub(crate) procs: Arc<ProcArray>,
    pub(crate) master: Mutex<Master>,
    pub(crate) fsm: FreeSpaceMap,
    pub(crate) checkpoint_lock: Mutex<()>,
    tree_latches: crate::btree::TreeLatches,
    last_checkpoint: AtomicU64,
    checkpoints: AtomicU64,
    /// Log end right after the last checkpoint (an idle store takes no more checkpoints).
    end_after_checkpoint: AtomicU64,
    background: Arc<Background>,
    /// Exclusive lock on the directory, held while this store is open.
    _dir_lock: vfs::LockGuard,
}

/// Shared with the checkpointer thread, which holds the store itself only while working.
#[derive(Default)]
struct Background {
    stop: Mutex<bool>,
    wake: Condvar,
    last_error: Mutex<Option<String>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Background {
    fn stop(&self) {
        *self.stop.lock() = true;
        self.wake.notify_all();
    }
}

impl Inner {
    /// Versions deleted by committed transactions below this are invisible to every snapshot.
    pub(crate) fn horizon(&self) -> TxnId {
        self.procs.horizon(|| self.txns.next_id())
    }

    /// Whether the version with header `h` is dead to every snapshot, given `horizon`.
    pub(crate) fn is_dead(&self, h: &crate::heap_page::TupleHeader, horizon: TxnId) -> bool {
        if Sabotage::active(self.opts.sabotage, Sabotage::PruneIgnoresHorizon) {
            return h.xmax != TxnId::NONE && !self.procs.is_running(h.xmax);
        }
        h.xmax != TxnId::NONE && h.xmax < horizon && !self.procs.is_running(h.xmax)
    }

    /// Fails if an earlier I/O error made the store unusable.
    pub(crate) fn check_usable(&self) -> Result<()> {
        self.files.check_poisoned()?;
        if let Some(why) = self.log.failed() {
            return Err(StorageError::Poisoned(why));
        }
        Ok(())
    }

    /// The latch of the B+tree in `file` (see the btree module for the protocol).
    pub(crate) fn tree_latch(&self, file: u32) -> Arc<parking_lot::RwLock<()>> {
        self.tree_latches.get(file)
    }

    pub(crate) fn last_checkpoint(&self) -> Lsn {
        Lsn(self.last_checkpoint.load(Ordering::SeqCst))
    }

    pub(crate) fn set_last_checkpoint(&self, lsn: Lsn) {
        self.last_checkpoint.store(lsn.0, Ordering::SeqCst);
        self.end_after_checkpoint
            .store(self.log.end_lsn().0, Ordering::SeqCst);
        self.checkpoints.fetch_add(1, Ordering::Relaxed);
    }

    /// Called after each commit: wakes the checkpointer when the log has grown enough.
    pub(crate) fn commit_hook(&self) {
        let grown = self
            .log
            .end_lsn()
            .0
            .saturating_sub(self.last_checkpoint().0);
        if grown >= self.opts.checkpoint_wal_bytes {
            self.background.wake.notify_all();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.background.stop();
    }
}

/// A handle to an open store; cheap to clone and share across threads.
#[derive(Clone)]
pub struct Storage {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage").finish_non_exhaustive()
    }
}

/// What [`Storage::check_integrity`] examined.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntegrityReport {
    pub files: usize,
    pub pages: u64,
    pub tuples: u64,
}

impl Storage {
    /// Opens (creating if needed) the store in `dir`, running crash recovery.
    pub fn open(
        vfs: Arc<dyn Vfs>,
        dir: &Path,
        opts: StorageOptions,
    ) -> Result<(Storage, RecoveryReport)> {
        let opts = opts.with_sabotage_propagated();
        vfs.create_dir_all(dir)
            .map_err(|e| StorageError::io(dir, e))?;
        // The directory's own entry must be durable before anything inside it counts as
        // written: the log and data directories are synced into it, it into its parent.
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            vfs.sync_dir(parent)
                .map_err(|e| StorageError::io(parent, e))?;
        }
        let lock_path = dir.join("LOCK");
        let dir_lock = vfs.lock(&lock_path).map_err(|e| match e.kind() {
            std::io::ErrorKind::WouldBlock => StorageError::Locked {
                dir: dir.to_path_buf(),
            },
            _ => StorageError::io(&lock_path, e),
        })?;
        let master = Master::open(vfs.as_ref(), &dir.join("control"))?;
        let mut analysis = Analysis::new(master.current());
        let opened = LogManager::open(
            vfs.clone(),
            dir.join("wal"),
            &opts.log,
            analysis.start(),
            master.current().map(|m| m.checkpoint_end),
            |rec| {
                analysis.visit(rec);
                Ok(())
            },
        )?;
        analysis.check_complete(opened.end)?;
        let mut report = RecoveryReport {
            checkpoint: analysis.start(),
            log_end: opened.end,
            tail: opened.stop_reason.to_string(),
            records_scanned: analysis.scanned,
            ..RecoveryReport::default()
        };
        let files = Arc::new(DataFiles::open(vfs.clone(), dir.join("base"))?);
        let pool = BufferPool::new(
            opts.pool_frames,
            files.clone(),
            opened.log.clone(),
            opts.sabotage,
        );
        let inner = Arc::new(Inner {
            log: opened.log,
            files,
            pool,
            txns: TxnTable::default(),
            procs: Arc::new(ProcArray::default()),
            master: Mutex::new(master),
            fsm: FreeSpaceMap::default(),
            checkpoint_lock: Mutex::new(()),
            tree_latches: Default::default(),
            last_checkpoint: AtomicU64::new(analysis.start().map_or(0, |l| l.0)),
            checkpoints: AtomicU64::new(0),
            end_after_checkpoint: AtomicU64::new(0),
            background: Arc::default(),
            _dir_lock: dir_lock,
            opts,
        });
        inner.txns.set_next(analysis.next_txn());
        recovery::redo(&inner, &analysis, &mut report)?;
        recovery::undo(&inner, &analysis, &mut report)?;
        let storage = Storage { inner };
        storage.checkpoint()?;
        storage.start_background();
        Ok((storage, report))
    }

    fn start_background(&self) {
        let Some(interval) = self.inner.opts.checkpoint_interval else {
            return;
        };
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let bg = self.inner.background.clone();
        let spawned = std::thread::Builder::new()
            .name("quill-checkpointer".into())
            .spawn(move || checkpointer(bg, weak, interval));
        match spawned {
            Ok(handle) => *self.inner.background.thread.lock() = Some(handle),
            Err(e) => *self.inner.background.last_error.lock() = Some(e.to_string()),
        }
    }

    /// Starts a transaction.
    pub fn begin(&self) -> Result<Transaction> {
        Transaction::begin(self)
    }

    /// A snapshot for `txn`: the transactions committed as of now, and `txn`'s own changes.
    pub fn snapshot(&self, txn: &Transaction) -> Snapshot {
        let inner = &self.inner;
        inner.procs.snapshot(txn.id(), || inner.txns.next_id())
    }

    /// Whether transaction `id` is still running (not yet durably committed or rolled back).
    pub fn is_running(&self, id: TxnId) -> bool {
        self.inner.procs.is_running(id)
    }

    /// The oldest transaction id a live snapshot may still need (see `crate::mvcc`).
    pub fn horizon(&self) -> TxnId {
        self.inner.horizon()
    }

    /// The heap stored in data file `file` (created on first insert).
    pub fn heap(&self, file: u32) -> Heap {
        Heap::new(self.clone(), file)
    }

    /// Creates an empty B+tree in data file `file` (which must hold nothing yet).
    pub fn create_btree(&self, file: u32, unique: bool) -> Result<BTree> {
        BTree::create(self, file, unique)
    }

    /// Builds a B+tree in data file `file` (which must hold nothing yet) from existing
    /// entries (user key, tid), bottom-up; the entries belong to `txn` as if it had inserted
    /// them. Not transactional, like [`Storage::create_btree`]: the layer above makes the
    /// tree reachable in `txn`. A unique tree with two equal keys fails with
    /// [`StorageError::DuplicateKey`] before anything is written.
    pub fn build_btree(
        &self,
        file: u32,
        unique: bool,
        txn: &Transaction,
        entries: Vec<(Vec<u8>, crate::Tid)>,
    ) -> Result<BTree> {
        crate::btree::build(self, file, unique, txn, entries)
    }

    /// Opens the B+tree stored in data file `file`.
    pub fn btree(&self, file: u32) -> Result<BTree> {
        BTree::open(self, file)
    }

    /// Removes from every page of the heap in `file` the versions no snapshot can see any
    /// more and makes their slots reusable, updating the free space map (`crate::vacuum`).
    pub fn vacuum_heap(&self, file: u32) -> Result<crate::HeapVacuumStats> {
        crate::vacuum::vacuum_heap(&self.inner, file)
    }

    /// Removes from every leaf of the B+tree in `file` the entries no snapshot can reach
    /// any more (`crate::vacuum`).
    pub fn vacuum_btree(&self, file: u32) -> Result<crate::BTreeVacuumStats> {
        crate::vacuum::vacuum_btree(&self.inner, file)
    }

    /// Takes a fuzzy checkpoint; returns its begin LSN.
    pub fn checkpoint(&self) -> Result<Lsn> {
        let ticket = checkpoint::begin(&self.inner)?;
        checkpoint::finish(&self.inner, ticket)
    }

    /// First half of a checkpoint: work may run before [`Storage::finish_checkpoint`].
    pub fn begin_checkpoint(&self) -> Result<CheckpointTicket> {
        checkpoint::begin(&self.inner)
    }

    pub fn finish_checkpoint(&self, ticket: CheckpointTicket) -> Result<Lsn> {
        checkpoint::finish(&self.inner, ticket)
    }

    /// Writes every dirty page (they stay cached). Returns how many were written.
    pub fn flush_dirty_pages(&self) -> Result<usize> {
        self.inner.pool.flush_dirty(Lsn(u64::MAX))
    }

    /// Ids of the data files on disk.
    pub fn data_files(&self) -> Result<Vec<u32>> {
        self.inner.files.list()
    }

    /// Removes data files that nothing refers to any more (relations dropped, or temporary
    /// ones of sessions that ended with a crash).
    ///
    /// Only for a quiescent store — no transaction active, no page of these files pinned —
    /// as right after open. Invariant: no record that redo could replay touches a removed
    /// file. It holds because every dirty page is written and a checkpoint taken *before*
    /// any file is removed: the dirty page table is then empty, so redo starts at that
    /// checkpoint, after every record touching these files. A crash part-way leaves some
    /// files behind, which the next call removes.
    pub fn remove_files(&self, files: &[u32]) -> Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        self.flush_dirty_pages()?;
        self.checkpoint()?;
        for &file in files {
            self.inner.pool.discard_file(file)?;
            self.inner.fsm.forget(&self.inner, file)?;
            self.inner.files.remove(file)?;
        }
        self.inner.files.sync_dir()
    }

    /// Clean shutdown: stops the checkpointer, writes all dirty pages and checkpoints, so the
    /// next open redoes nothing. The directory stays locked until every handle is dropped.
    pub fn close(self) -> Result<()> {
        self.inner.background.stop();
        let handle = self.inner.background.thread.lock().take();
        if let Some(h) = handle {
            if h.thread().id() != std::thread::current().id() {
                let _ = h.join();
            }
        }
        self.flush_dirty_pages()?;
        self.checkpoint()?;
        Ok(())
    }

    pub fn log(&self) -> &LogManager {
        &self.inner.log
    }

    /// (page reads, page writes) of the buffer pool.
    pub fn io_counts(&self) -> (u64, u64) {
        self.inner.pool.io_counts()
    }

    /// Checkpoints completed since the store was opened (the one ending recovery included).
    pub fn checkpoints_taken(&self) -> u64 {
        self.inner.checkpoints.load(Ordering::Relaxed)
    }

    /// Error of the last background checkpoint, if it failed.
    pub fn background_error(&self) -> Option<String> {
        self.inner.background.last_error.lock().clone()
    }

    /// Writes all dirty pages, then reads every page of every data file back from disk and
    /// checks its checksum, id and layout (heap slots, B+tree nodes). Whole-tree structure is
    /// checked by [`BTree::check`].
    pub fn check_integrity(&self) -> Result<IntegrityReport> {
        self.flush_dirty_pages()?;
        self.inner.files.sync_all()?;
        let files = &self.inner.files;
        let mut report = IntegrityReport::default();
        for file in files.list()? {
            report.files += 1;
            for page_no in 0..files.page_count(file)? {
                let id = PageId::new(file, page_no);
                let mut page = crate::page::Page::new_zeroed();
                files.read_page(id, &mut page)?;
                report.pages += 1;
                match page.page_type() {
                    Ok(PageType::Heap) => {
                        heap_page::check(&page)
                            .map_err(|source| StorageError::HeapPage { page: id, source })?;
                        report.tuples += heap_page::tuples(&page).count() as u64;
                    }
                    Ok(PageType::BTreeLeaf | PageType::BTreeInternal) => {
                        crate::btree_page::check(&page)
                            .map_err(|e| crate::btree::node_err(file, page_no, e))?;
                    }
                    _ => {}
                }
            }
        }
        Ok(report)
    }

    /// Size of a data file in bytes as the store sees it (allocated pages included).
    pub fn heap_bytes(&self, file: u32) -> Result<u64> {
        Ok(self.inner.files.page_count(file)? as u64 * PAGE_SIZE as u64)
    }

    pub fn data_dir_paths(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
        (dir.join("control"), dir.join("wal"), dir.join("base"))
    }
}

fn checkpointer(bg: Arc<Background>, weak: Weak<Inner>, interval: Duration) {
    let mut last = Instant::now();
    loop {
        {
            let mut stop = bg.stop.lock();
            if *stop {
                return;
            }
            bg.wake
                .wait_for(&mut stop, interval.min(Duration::from_secs(1)));
            if *stop {
                return;
            }
        }
        // Hold the store only while deciding and working, never while waiting.
        let Some(inner) = weak.upgrade() else { return };
        let end = inner.log.end_lsn().0;
        let grown = end.saturating_sub(inner.last_checkpoint().0);
        let idle = end == inner.end_after_checkpoint.load(Ordering::SeqCst);
        if grown >= inner.opts.checkpoint_wal_bytes || (last.elapsed() >= interval && !idle) {
            let storage = Storage { inner };
            if let Err(e) = storage.checkpoint() {
                *bg.last_error.lock() = Some(e.to_string());
            }
            last = Instant::now();
        }
    }
}
