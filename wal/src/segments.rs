//! Log segment files: the log is one byte stream (positions are LSNs) stored in fixed-size
//! segment files named by the LSN they start at (`{:016X}.wal`). Records may span segments.
//!
//! Invariants: a segment file is created and its directory entry synced before any record in
//! it is reported durable; segments are never preallocated, so a segment's length is the end
//! of what was written to it.

use crate::error::{Result, WalError};
use crate::{Lsn, Sabotage};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vfs::{OpenMode, Vfs, VfsFile};

#[derive(Debug)]
pub(crate) struct Segments {
    vfs: Arc<dyn Vfs>,
    dir: PathBuf,
    size: u64,
    open: Mutex<BTreeMap<u64, Arc<dyn VfsFile>>>,
    sabotage: Option<Sabotage>,
}

impl Segments {
    pub(crate) fn new(
        vfs: Arc<dyn Vfs>,
        dir: PathBuf,
        size: u64,
        sabotage: Option<Sabotage>,
    ) -> Segments {
        Segments {
            vfs,
            dir,
            size,
            open: Mutex::new(BTreeMap::new()),
            sabotage,
        }
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    fn path(&self, segno: u64) -> PathBuf {
        self.dir.join(format!("{:016X}.wal", segno * self.size))
    }

    /// Segment numbers present in the directory, ascending.
    pub(crate) fn list(&self) -> Result<Vec<u64>> {
        let names = self
            .vfs
            .list(&self.dir)
            .map_err(|e| WalError::io(&self.dir, e))?;
        let mut out: Vec<u64> = names
            .iter()
            .filter_map(|p| parse_segment_name(p))
            .filter(|start| start % self.size == 0)
            .map(|start| start / self.size)
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    fn file(&self, segno: u64, create: bool) -> Result<Option<Arc<dyn VfsFile>>> {
        let mut open = self.open.lock();
        if let Some(f) = open.get(&segno) {
            return Ok(Some(f.clone()));
        }
        let path = self.path(segno);
        let mode = if create {
            OpenMode::CreateIfMissing
        } else {
            OpenMode::Existing
        };
        let existed = create && self.vfs.exists(&path).map_err(|e| WalError::io(&path, e))?;
        match self.vfs.open(&path, mode) {
            Ok(f) => {
                if create
                    && !existed
                    && !Sabotage::active(self.sabotage, Sabotage::SegmentDirNotSynced)
                {
                    self.vfs
                        .sync_dir(&self.dir)
                        .map_err(|e| WalError::io(&self.dir, e))?;
                }
                open.insert(segno, f.clone());
                Ok(Some(f))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !create => Ok(None),
            Err(e) => Err(WalError::io(path, e)),
        }
    }

    /// Reads bytes starting at `lsn` into `buf`; returns how many were available (stops at a
    /// missing segment or the end of a segment's written bytes).
    pub(crate) fn read_at(&self, lsn: Lsn, buf: &mut [u8]) -> Result<usize> {
        let mut done = 0usize;
        while done < buf.len() {
            let pos = lsn.0 + done as u64;
            let (segno, off) = (pos / self.size, pos % self.size);
            let Some(file) = self.file(segno, false)? else {
                break;
            };
            let want = ((self.size - off) as usize).min(buf.len() - done);
            let mut got = 0;
            while got < want {
                let n = file
                    .read_at(&mut buf[done + got..done + want], off + got as u64)
                    .map_err(|e| WalError::io(self.path(segno), e))?;
                if n == 0 {
                    break;
                }
                got += n;
            }
            done += got;
            if got < want {
                break;
            }
        }
        Ok(done)
    }

    /// Writes `data` at `lsn`, creating segments as needed; returns the segments touched.
    pub(crate) fn write_at(&self, lsn: Lsn, data: &[u8]) -> Result<Vec<u64>> {
        let mut touched = Vec::new();
        let mut done = 0usize;
        while done < data.len() {
            let pos = lsn.0 + done as u64;
            let (segno, off) = (pos / self.size, pos % self.size);
            let n = ((self.size - off) as usize).min(data.len() - done);
            let file = self
                .file(segno, true)?
                .ok_or_else(|| WalError::Failed("segment vanished".into()))?;
            file.write_all_at(&data[done..done + n], off)
                .map_err(|e| WalError::io(self.path(segno), e))?;
            touched.push(segno);
            done += n;
        }
        Ok(touched)
    }

    pub(crate) fn sync(&self, segnos: &[u64]) -> Result<()> {
        for &s in segnos {
            if let Some(f) = self.file(s, false)? {
                f.sync().map_err(|e| WalError::io(self.path(s), e))?;
            }
        }
        Ok(())
    }

    /// Cuts the log at `end`: the segment holding `end` is truncated there and every later
    /// segment is removed, durably, so stale bytes past the end can never be read as records.
    pub(crate) fn truncate_at(&self, end: Lsn) -> Result<()> {
        let (segno, off) = (end.0 / self.size, end.0 % self.size);
        if let Some(f) = self.file(segno, false)? {
            let len = f.len().map_err(|e| WalError::io(self.path(segno), e))?;
            if len > off {
                f.set_len(off)
                    .and_then(|_| f.sync())
                    .map_err(|e| WalError::io(self.path(segno), e))?;
            }
        }
        let later: Vec<u64> = self.list()?.into_iter().filter(|&s| s > segno).collect();
        if !later.is_empty() {
            for s in later {
                self.open.lock().remove(&s);
                let p = self.path(s);
                self.vfs.remove(&p).map_err(|e| WalError::io(&p, e))?;
            }
            self.vfs
                .sync_dir(&self.dir)
                .map_err(|e| WalError::io(&self.dir, e))?;
        }
        Ok(())
    }

    /// Removes segments that end at or before `lsn` (never needed again). Returns how many.
    pub(crate) fn remove_before(&self, lsn: Lsn) -> Result<usize> {
        let old: Vec<u64> = self
            .list()?
            .into_iter()
            .filter(|&s| (s + 1) * self.size <= lsn.0)
            .collect();
        for &s in &old {
            self.open.lock().remove(&s);
            let p = self.path(s);
            self.vfs.remove(&p).map_err(|e| WalError::io(&p, e))?;
        }
        // Removals need no directory sync: a segment that reappears after a crash lies
        // before the checkpoint and is ignored (and removed again).
        Ok(old.len())
    }
}

fn parse_segment_name(p: &Path) -> Option<u64> {
    let name = p.file_name()?.to_str()?;
    let hex = name.strip_suffix(".wal")?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}
