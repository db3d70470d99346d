//! The buffer pool: a fixed set of frames caching pages, with pins, latches and eviction.
//!
//! Page bytes are reachable only through guards: [`PinnedPage`] keeps a frame from being
//! evicted; its `read()`/`write()` take the frame's shared/exclusive latch.
//!
//! Invariants:
//! - **WAL rule** (enforced only in [`BufferPool::write_out`]): a page is written to its file
//!   only after the log is durable through the page's pageLSN.
//! - A frame is dirty iff its page differs from the file; `rec_lsn` is a lower bound of the
//!   LSN of the first record that dirtied it since it was last written, set before that record
//!   is appended (so a checkpoint that misses the dirty flag starts its redo before the record).
//! - A pinned frame is never evicted; unpinned frames sit in the LRU list.
//! - Latch order: the pool mutex may be held while taking the latch of an *unpinned* frame
//!   (eviction: nobody else can hold it); a frame latch is never held while waiting for the
//!   pool mutex except through pin/unpin, which never wait on a latch.

use crate::error::{Result, StorageError};
use crate::files::DataFiles;
use crate::page::Page;
use lru::LruCache;
use parking_lot::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use wal::{LogManager, Lsn, PageId, Sabotage};

type FrameId = usize;

/// The smallest pool: a split up a tree of height 4 pins 14 pages at once.
pub const MIN_FRAMES: usize = 16;

struct Frame {
    latch: RwLock<Page>,
    dirty: AtomicBool,
    rec_lsn: AtomicU64,
}

struct PoolState {
    table: HashMap<PageId, FrameId>,
    page_of: Vec<Option<PageId>>,
    pins: Vec<u32>,
    /// Unpinned, occupied frames in eviction order.
    lru: LruCache<FrameId, ()>,
    free: Vec<FrameId>,
}

pub struct BufferPool {
    frames: Box<[Frame]>,
    state: Mutex<PoolState>,
    files: Arc<DataFiles>,
    log: Arc<LogManager>,
    sabotage: Option<Sabotage>,
    writes: AtomicU64,
    reads: AtomicU64,
}

/// How a page enters the pool on a miss.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Load {
    /// Read and validate it from its file.
    Read,
    /// Start from zeros (a new page, or one about to be overwritten by a full image).
    Zeroed,
}

impl BufferPool {
    pub fn new(
        frames: usize,
        files: Arc<DataFiles>,
        log: Arc<LogManager>,
        sabotage: Option<Sabotage>,
    ) -> BufferPool {
        // Enough frames for the largest set of pages pinned at once (a B+tree split up a deep tree).
        let n = frames.max(MIN_FRAMES);
        let frames: Box<[Frame]> = (0..n)
            .map(|_| Frame {
                latch: RwLock::new(Page::new_zeroed()),
                dirty: AtomicBool::new(false),
                rec_lsn: AtomicU64::new(0),
            })
            .collect();
        BufferPool {
            frames,
            state: Mutex::new(PoolState {
                table: HashMap::with_capacity(n),
                page_of: vec![None; n],
                pins: vec![0; n],
                lru: LruCache::unbounded(),
                free: (0..n).rev().collect(),
            }),
            files,
            log,
            sabotage,
            writes: AtomicU64::new(0),
            reads: AtomicU64::new(0),
        }
    }

    /// Pins `page`, reading it from disk on a miss.
    pub fn pin(&self, page: PageId) -> Result<PinnedPage<'_>> {
        self.pin_with(page, Load::Read)
    }

    /// Pins `page` without reading it: a freshly allocated page, or one that redo is about to
    /// overwrite with a full image. If it is already cached, the cached copy is returned.
    pub fn pin_zeroed(&self, page: PageId) -> Result<PinnedPage<'_>> {
        self.pin_with(page, Load::Zeroed)
    }

    fn pin_with(&self, page: PageId, load: Load) -> Result<PinnedPage<'_>> {
        let mut st = self.state.lock();
        if let Some(&fid) = st.table.get(&page) {
            st.pins[fid] += 1;
            st.lru.pop(&fid);
            return Ok(PinnedPage {
                pool: self,
                fid,
                page,
            });
        }
        let fid = match st.free.pop() {
            Some(f) => f,
            None => self.evict(&mut st)?,
        };
        {
            // The frame is unpinned and unmapped: nobody else can hold its latch.
            let mut g = self.frames[fid].latch.write();
            let loaded = match load {
                Load::Read => {
                    self.reads.fetch_add(1, Ordering::Relaxed);
                    self.files.read_page(page, &mut g)
                }
                Load::Zeroed => {
                    *g = Page::new_zeroed();
                    Ok(())
                }
            };
            if let Err(e) = loaded {
                st.free.push(fid);
                return Err(e);
            }
        }
        self.files.note_page(page);
        st.table.insert(page, fid);
        st.page_of[fid] = Some(page);
        st.pins[fid] = 1;
        Ok(PinnedPage {
            pool: self,
            fid,
            page,
        })
    }

    /// Frees a frame by evicting the least recently used unpinned page, writing it if dirty.
    fn evict(&self, st: &mut PoolState) -> Result<FrameId> {
        let fid = match st.lru.pop_lru() {
            Some((fid, ())) => fid,
            None => {
                return Err(StorageError::PoolExhausted {
                    frames: self.frames.len(),
                })
            }
        };
        let frame = &self.frames[fid];
        if frame.dirty.load(Ordering::SeqCst) {
            let Some(page) = st.page_of[fid] else {
                return Err(StorageError::Recovery("dirty frame without a page".into()));
            };
            let g = frame.latch.read();
            if let Err(e) = self.write_out(page, &g) {
                drop(g);
                st.lru.put(fid, ());
                return Err(e);
            }
            frame.dirty.store(false, Ordering::SeqCst);
            frame.rec_lsn.store(0, Ordering::SeqCst);
        }
        if let Some(old) = st.page_of[fid].take() {
            st.table.remove(&old);
        }
        Ok(fid)
    }

    /// Writes a page to its file under the WAL rule. The one place where pages reach disk.
    fn write_out(&self, page: PageId, content: &Page) -> Result<()> {
        let lsn = content.lsn();
        if !Sabotage::active(self.sabotage, Sabotage::WalRule) {
            if !lsn.is_none() {
                self.log.flush_through(lsn)?;
            }
            assert!(
                lsn.is_none() || self.log.durable_lsn() > lsn,
                "WAL rule: page {page} with pageLSN {lsn} written before the log is durable"
            );
        }
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.files.write_page(page, content)
    }

    fn unpin(&self, fid: FrameId) {
        let mut st = self.state.lock();
        st.pins[fid] = st.pins[fid].saturating_sub(1);
        if st.pins[fid] == 0 {
            st.lru.put(fid, ());
        }
    }

    /// Writes every dirty page whose recLSN is below `older_than` (all with `Lsn(u64::MAX)`).
    /// Returns the number written. Pages stay cached.
    pub fn flush_dirty(&self, older_than: Lsn) -> Result<usize> {
        // Sorted, so the write order (and a simulated disk's op sequence) is deterministic.
        let mut victims: Vec<PageId> = {
            let st = self.state.lock();
            st.table
                .iter()
                .filter(|(_, &fid)| {
                    let f = &self.frames[fid];
                    f.dirty.load(Ordering::SeqCst)
                        && f.rec_lsn.load(Ordering::SeqCst) < older_than.0
                })
                .map(|(&p, _)| p)
                .collect()
        };
        victims.sort_unstable();
        let mut n = 0;
        for page in victims {
            let pinned = {
                let mut st = self.state.lock();
                match st.table.get(&page).copied() {
                    Some(fid) => {
                        st.pins[fid] += 1;
                        st.lru.pop(&fid);
                        PinnedPage {
                            pool: self,
                            fid,
                            page,
                        }
                    }
                    None => continue,
                }
            };
            let frame = &self.frames[pinned.fid];
            // Shared latch: nobody modifies the page while it is written, so clearing the
            // dirty flag afterwards cannot lose a change.
            let g = frame.latch.read();
            if frame.dirty.load(Ordering::SeqCst) {
                self.write_out(page, &g)?;
                frame.dirty.store(false, Ordering::SeqCst);
                frame.rec_lsn.store(0, Ordering::SeqCst);
                n += 1;
            }
        }
        Ok(n)
    }

    /// Forgets every cached page of `file` without writing it (the file is being removed).
    /// Fails if one is pinned: someone still uses the file.
    pub fn discard_file(&self, file: u32) -> Result<()> {
        let mut st = self.state.lock();
        let victims: Vec<(PageId, FrameId)> = st
            .table
            .iter()
            .filter(|(p, _)| p.file == file)
            .map(|(&p, &f)| (p, f))
            .collect();
        if let Some((page, _)) = victims.iter().find(|(_, f)| st.pins[*f] > 0) {
            return Err(StorageError::Recovery(format!(
                "page {page} of a file being removed is pinned"
            )));
        }
        for (page, fid) in victims {
            st.table.remove(&page);
            st.page_of[fid] = None;
            st.lru.pop(&fid);
            self.frames[fid].dirty.store(false, Ordering::SeqCst);
            self.frames[fid].rec_lsn.store(0, Ordering::SeqCst);
            st.free.push(fid);
        }
        Ok(())
    }

    /// The dirty page table: every dirty page with its recLSN.
    pub fn dirty_pages(&self) -> Vec<(PageId, Lsn)> {
        let st = self.state.lock();
        let mut out: Vec<(PageId, Lsn)> = st
            .table
            .iter()
            .filter(|(_, &fid)| self.frames[fid].dirty.load(Ordering::SeqCst))
            .map(|(&p, &fid)| (p, Lsn(self.frames[fid].rec_lsn.load(Ordering::SeqCst))))
            .collect();
        out.sort();
        out
    }

    /// (page reads, page writes) since the pool was created.
    pub fn io_counts(&self) -> (u64, u64) {
        (
            self.reads.load(Ordering::Relaxed),
            self.writes.load(Ordering::Relaxed),
        )
    }
}

/// A pinned page: it stays in its frame until this guard is dropped.
pub struct PinnedPage<'a> {
    pool: &'a BufferPool,
    fid: FrameId,
    page: PageId,
}

impl<'a> PinnedPage<'a> {
    pub fn id(&self) -> PageId {
        self.page
    }

    /// Takes the shared latch.
    pub fn read(&self) -> RwLockReadGuard<'_, Page> {
        self.pool.frames[self.fid].latch.read()
    }

    /// Takes the exclusive latch. Changes made through it must be logged (see `logged`).
    pub fn write(&self) -> PageWrite<'_> {
        PageWrite {
            frame: &self.pool.frames[self.fid],
            guard: self.pool.frames[self.fid].latch.write(),
            page: self.page,
        }
    }
}

impl Drop for PinnedPage<'_> {
    fn drop(&mut self) {
        self.pool.unpin(self.fid);
    }
}

/// An exclusively latched page.
pub struct PageWrite<'a> {
    frame: &'a Frame,
    guard: RwLockWriteGuard<'a, Page>,
    page: PageId,
}

impl PageWrite<'_> {
    pub fn id(&self) -> PageId {
        self.page
    }

    pub fn page(&self) -> &Page {
        &self.guard
    }

    /// Mutable page bytes: only for the logged-change recipe and redo.
    pub(crate) fn page_mut(&mut self) -> &mut Page {
        &mut self.guard
    }

    pub fn is_dirty(&self) -> bool {
        self.frame.dirty.load(Ordering::SeqCst)
    }

    /// Marks the page dirty; on a clean page `rec_lsn` becomes its recLSN.
    pub(crate) fn mark_dirty(&mut self, rec_lsn: Lsn) {
        if !self.frame.dirty.load(Ordering::SeqCst) {
            self.frame.rec_lsn.store(rec_lsn.0, Ordering::SeqCst);
            self.frame.dirty.store(true, Ordering::SeqCst);
        }
    }
}
