//! Free space map: for each heap page, roughly how many bytes an insert could use there, so an
//! insert finds a page in O(log pages) instead of scanning the heap.
//!
//! Entries are hints, not truth: they are not WAL-logged. An insert verifies the page it was
//! sent to and corrects the entry when it was wrong. The map is saved to `base/{id:08}.fsm`
//! (with a CRC) at checkpoints; on first use after opening, it is loaded and only pages
//! beyond the saved length are measured. A missing or damaged file is rebuilt by measuring
//! every page once.

use crate::error::{Result, StorageError};
use crate::heap_page;
use crate::page::PageType;
use crate::store::Inner;
use parking_lot::Mutex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use vfs::OpenMode;
use wal::PageId;

/// Free bytes are stored in units of this many bytes (one byte per page).
const UNIT: usize = 32;

#[derive(Default)]
struct FileMap {
    /// Category (free bytes / UNIT) per page.
    cats: Vec<u8>,
    /// (category, page) for every page with a non-zero category.
    index: BTreeSet<(u8, u32)>,
}

impl FileMap {
    fn set(&mut self, page: u32, free: usize) {
        let cat = (free / UNIT).min(255) as u8;
        let i = page as usize;
        if self.cats.len() <= i {
            self.cats.resize(i + 1, 0);
        }
        let old = self.cats[i];
        if old != 0 {
            self.index.remove(&(old, page));
        }
        self.cats[i] = cat;
        if cat != 0 {
            self.index.insert((cat, page));
        }
    }

    /// A page whose recorded free space is at least `need` bytes (best fit).
    fn find(&self, need: usize) -> Option<u32> {
        let cat = need.div_ceil(UNIT).min(255) as u8;
        self.index.range((cat, 0)..).next().map(|&(_, p)| p)
    }
}

#[derive(Default)]
pub(crate) struct FreeSpaceMap {
    files: Mutex<BTreeMap<u32, FileMap>>,
}

impl FreeSpaceMap {
    fn path(inner: &Inner, file: u32) -> PathBuf {
        inner.files.dir().join(format!("{file:08}.fsm"))
    }

    /// Loads the map of `file` if needed. Call it before latching any page: loading reads
    /// pages, and it holds no lock of the map while doing so.
    pub(crate) fn ensure_loaded(&self, inner: &Inner, file: u32) -> Result<()> {
        if self.files.lock().contains_key(&file) {
            return Ok(());
        }
        let map = Self::load(inner, file)?;
        self.files.lock().entry(file).or_insert(map);
        Ok(())
    }

    fn with_file<T>(
        &self,
        inner: &Inner,
        file: u32,
        f: impl FnOnce(&mut FileMap) -> T,
    ) -> Result<T> {
        self.ensure_loaded(inner, file)?;
        match self.files.lock().get_mut(&file) {
            Some(m) => Ok(f(m)),
            None => Err(StorageError::Recovery(format!(
                "free space map of file {file} vanished"
            ))),
        }
    }

    /// A page of `file` that probably has room for `need` bytes of tuple data.
    pub(crate) fn find(&self, inner: &Inner, file: u32, need: usize) -> Result<Option<u32>> {
        self.with_file(inner, file, |m| m.find(need))
    }

    pub(crate) fn update(&self, inner: &Inner, file: u32, page: u32, free: usize) -> Result<()> {
        self.with_file(inner, file, |m| m.set(page, free))
    }

    /// Re-measures a page after deletes committed on it, counting the space pruning will
    /// reclaim, so inserts are sent there again. Best effort: it is only a hint.
    pub(crate) fn refresh(&self, inner: &Inner, page: PageId) {
        let Ok(pinned) = inner.pool.pin(page) else {
            return;
        };
        let horizon = inner.horizon();
        let free = {
            let g = pinned.read();
            let reclaimable: usize = heap_page::tuples(&g)
                .filter(|(_, h, _)| inner.is_dead(h, horizon))
                .map(|(_, _, d)| d.len() + heap_page::TUPLE_HEADER_SIZE)
                .sum();
            heap_page::free_for_insert(&g) + reclaimable
        };
        let _ = self.update(inner, page.file, page.page_no, free);
    }

    /// Drops the map of `file` and its saved copy (the data file is being removed).
    pub(crate) fn forget(&self, inner: &Inner, file: u32) -> Result<()> {
        self.files.lock().remove(&file);
        let path = Self::path(inner, file);
        let vfs = inner.files.vfs();
        if vfs.exists(&path).map_err(|e| StorageError::io(&path, e))? {
            vfs.remove(&path).map_err(|e| StorageError::io(&path, e))?;
        }
        Ok(())
    }

    fn load(inner: &Inner, file: u32) -> Result<FileMap> {
        let mut map = FileMap::default();
        let saved = Self::read_saved(inner, file).unwrap_or_default();
        for (i, &cat) in saved.iter().enumerate() {
            map.set(i as u32, cat as usize * UNIT);
        }
        let pages = inner.files.page_count(file)?;
        for p in saved.len() as u32..pages {
            let pinned = inner.pool.pin(PageId::new(file, p))?;
            let g = pinned.read();
            let free = match g.page_type() {
                Ok(PageType::Heap) => heap_page::free_for_insert(&g),
                Ok(PageType::Unformatted) => heap_page::MAX_TUPLE_DATA,
                _ => 0,
            };
            map.set(p, free);
        }
        Ok(map)
    }

    /// The saved categories, or `None` if the file is missing or damaged.
    fn read_saved(inner: &Inner, file: u32) -> Option<Vec<u8>> {
        let path = Self::path(inner, file);
        let vfs = inner.files.vfs();
        if !vfs.exists(&path).ok()? {
            return None;
        }
        let f = vfs.open(&path, OpenMode::Existing).ok()?;
        let len = f.len().ok()? as usize;
        if len < 4 {
            return None;
        }
        let mut buf = vec![0u8; len];
        vfs::read_exact_at(f.as_ref(), &mut buf, 0).ok()?;
        let (body, crc) = buf.split_at(len - 4);
        let stored = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
        (crc32c::crc32c(body) == stored).then(|| body.to_vec())
    }

    /// Saves every loaded map (at checkpoints). Not synced: the maps are hints.
    pub(crate) fn save(&self, inner: &Inner) -> Result<()> {
        let snapshot: Vec<(u32, Vec<u8>)> = self
            .files
            .lock()
            .iter()
            .map(|(&f, m)| (f, m.cats.clone()))
            .collect();
        for (file, mut bytes) in snapshot {
            let crc = crc32c::crc32c(&bytes);
            bytes.extend_from_slice(&crc.to_le_bytes());
            let path = Self::path(inner, file);
            let vfs = inner.files.vfs();
            let f = vfs
                .open(&path, OpenMode::CreateIfMissing)
                .map_err(|e| StorageError::io(&path, e))?;
            f.set_len(0)
                .and_then(|_| f.write_all_at(&bytes, 0))
                .map_err(|e| StorageError::io(&path, e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_fit_and_updates() {
        let mut m = FileMap::default();
        m.set(0, 100);
        m.set(1, 4000);
        m.set(2, 500);
        assert_eq!(m.find(90), Some(0));
        assert_eq!(m.find(200), Some(2));
        assert_eq!(m.find(3000), Some(1));
        assert_eq!(m.find(5000), None);
        m.set(1, 0);
        assert_eq!(m.find(3000), None);
        assert_eq!(m.find(400), Some(2));
    }
}
