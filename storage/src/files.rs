//! Data files: one file per relation (`base/{id:08}.dat`), a sequence of 8 KiB pages.
//!
//! Owns page-granular reads (validated: checksum and page id) and writes (checksum stamped on
//! the way out), the set of files written since their last sync, and each file's page count
//! (pages may be allocated in memory before they first reach the file).
//!
//! A page beyond the end of its file, or inside a hole, reads as all zeros: a page that was
//! allocated but never written. Invariant: a write or sync failure poisons the files, and no
//! further write is attempted until the store is reopened.

use crate::error::{Result, StorageError};
use crate::page::{Page, PAGE_SIZE};
use parking_lot::Mutex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vfs::{OpenMode, Vfs, VfsFile};
use wal::PageId;

#[derive(Debug)]
pub struct DataFiles {
    vfs: Arc<dyn Vfs>,
    dir: PathBuf,
    files: Mutex<BTreeMap<u32, Arc<dyn VfsFile>>>,
    /// Files with writes not yet synced.
    unsynced: Mutex<BTreeSet<u32>>,
    /// Pages per file: max(file length, highest page allocated or touched + 1).
    page_counts: Mutex<BTreeMap<u32, u32>>,
    poisoned: Mutex<Option<String>>,
}

impl DataFiles {
    pub fn open(vfs: Arc<dyn Vfs>, dir: PathBuf) -> Result<DataFiles> {
        vfs.create_dir_all(&dir)
            .map_err(|e| StorageError::io(&dir, e))?;
        if let Some(parent) = dir.parent() {
            vfs.sync_dir(parent)
                .map_err(|e| StorageError::io(parent, e))?;
        }
        Ok(DataFiles {
            vfs,
            dir,
            files: Mutex::new(BTreeMap::new()),
            unsynced: Mutex::new(BTreeSet::new()),
            page_counts: Mutex::new(BTreeMap::new()),
            poisoned: Mutex::new(None),
        })
    }

    pub fn path(&self, file: u32) -> PathBuf {
        self.dir.join(format!("{file:08}.dat"))
    }

    /// Ids of the data files present on disk.
    pub fn list(&self) -> Result<Vec<u32>> {
        let entries = self
            .vfs
            .list(&self.dir)
            .map_err(|e| StorageError::io(&self.dir, e))?;
        Ok(entries
            .iter()
            .filter_map(|p| parse_name(p))
            .collect::<BTreeSet<u32>>()
            .into_iter()
            .collect())
    }

    pub fn check_poisoned(&self) -> Result<()> {
        match &*self.poisoned.lock() {
            Some(why) => Err(StorageError::Poisoned(why.clone())),
            None => Ok(()),
        }
    }

    fn poison(&self, err: StorageError) -> StorageError {
        let mut p = self.poisoned.lock();
        if p.is_none() {
            *p = Some(err.to_string());
        }
        err
    }

    /// The open file for `id`, creating it (and syncing the directory entry) if missing.
    fn file(&self, id: u32) -> Result<Arc<dyn VfsFile>> {
        let mut files = self.files.lock();
        if let Some(f) = files.get(&id) {
            return Ok(f.clone());
        }
        let path = self.path(id);
        let existed = self
            .vfs
            .exists(&path)
            .map_err(|e| StorageError::io(&path, e))?;
        let f = self
            .vfs
            .open(&path, OpenMode::CreateIfMissing)
            .map_err(|e| StorageError::io(&path, e))?;
        if !existed {
            // A file whose directory entry may not be durable must never hold data the log
            // is later reclaimed for: a failed directory sync is as fatal as a failed fsync.
            self.vfs
                .sync_dir(&self.dir)
                .map_err(|e| self.poison(StorageError::io(&self.dir, e)))?;
        }
        let len = f.len().map_err(|e| StorageError::io(&path, e))?;
        let mut counts = self.page_counts.lock();
        let c = counts.entry(id).or_insert(0);
        *c = (*c).max((len / PAGE_SIZE as u64) as u32);
        files.insert(id, f.clone());
        Ok(f)
    }

    /// Number of pages of `file` (allocated ones included).
    pub fn page_count(&self, file: u32) -> Result<u32> {
        self.file(file)?;
        Ok(self.page_counts.lock().get(&file).copied().unwrap_or(0))
    }

    /// Records that `page` exists (allocated, or rebuilt by redo).
    pub fn note_page(&self, page: PageId) {
        let mut counts = self.page_counts.lock();
        let c = counts.entry(page.file).or_insert(0);
        *c = (*c).max(page.page_no.saturating_add(1));
    }

    /// Allocates a new page number at the end of `file`.
    pub fn allocate(&self, file: u32) -> Result<PageId> {
        self.file(file)?;
        let mut counts = self.page_counts.lock();
        let c = counts.entry(file).or_insert(0);
        let page_no = *c;
        *c = c.saturating_add(1);
        Ok(PageId::new(file, page_no))
    }

    /// Reads and validates `page` into `out`.
    pub fn read_page(&self, page: PageId, out: &mut Page) -> Result<()> {
        let f = self.file(page.file)?;
        let off = page.page_no as u64 * PAGE_SIZE as u64;
        let buf = out.bytes_mut();
        let mut got = 0;
        while got < PAGE_SIZE {
            let n = f
                .read_at(&mut buf[got..], off + got as u64)
                .map_err(|e| StorageError::io(self.path(page.file), e))?;
            if n == 0 {
                break;
            }
            got += n;
        }
        buf[got..].fill(0);
        out.verify(page)
            .map_err(|source| StorageError::CorruptPage {
                path: self.path(page.file),
                page,
                source,
            })
    }

    /// Writes `page` (checksum stamped on a copy). Not durable until [`DataFiles::sync_all`].
    pub fn write_page(&self, page: PageId, content: &Page) -> Result<()> {
        self.check_poisoned()?;
        let mut copy = content.clone();
        copy.stamp_checksum();
        let f = self.file(page.file).map_err(|e| self.poison(e))?;
        f.write_all_at(copy.bytes(), page.page_no as u64 * PAGE_SIZE as u64)
            .map_err(|e| self.poison(StorageError::io(self.path(page.file), e)))?;
        self.unsynced.lock().insert(page.file);
        Ok(())
    }

    /// Makes every write issued so far durable.
    pub fn sync_all(&self) -> Result<()> {
        self.check_poisoned()?;
        let pending: Vec<u32> = std::mem::take(&mut *self.unsynced.lock())
            .into_iter()
            .collect();
        for id in pending {
            let f = self.file(id).map_err(|e| self.poison(e))?;
            f.sync()
                .map_err(|e| self.poison(StorageError::io(self.path(id), e)))?;
        }
        Ok(())
    }

    /// Removes data file `id` (closing it). Durable after [`DataFiles::sync_dir`].
    pub fn remove(&self, id: u32) -> Result<()> {
        self.check_poisoned()?;
        self.files.lock().remove(&id);
        self.unsynced.lock().remove(&id);
        self.page_counts.lock().remove(&id);
        let path = self.path(id);
        let exists = self
            .vfs
            .exists(&path)
            .map_err(|e| StorageError::io(&path, e))?;
        if exists {
            self.vfs
                .remove(&path)
                .map_err(|e| StorageError::io(&path, e))?;
        }
        Ok(())
    }

    /// Makes creations and removals of data files durable.
    pub fn sync_dir(&self) -> Result<()> {
        self.vfs
            .sync_dir(&self.dir)
            .map_err(|e| self.poison(StorageError::io(&self.dir, e)))
    }

    pub fn vfs(&self) -> &Arc<dyn Vfs> {
        &self.vfs
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn parse_name(p: &Path) -> Option<u32> {
    p.file_name()?.to_str()?.strip_suffix(".dat")?.parse().ok()
}
