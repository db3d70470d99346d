//! The file layer: every byte Quill reads or writes goes through [`Vfs`] and [`VfsFile`].
//!
//! Two implementations:
//! - [`OsVfs`]: real files with positioned I/O, `fdatasync`/`fsync`, and directory sync.
//! - [`SimVfs`]: a deterministic, seeded, in-memory model of a disk behind an OS page cache.
//!   Unsynced writes may be lost, kept or torn at 512-byte sectors when [`SimVfs::crash`] is
//!   called, and faults (EIO, ENOSPC, a crash at the N-th operation) can be injected.
//!
//! [`replace_file`] writes a whole small file (configuration, authentication rules) so that a
//! crash leaves the old or the new content, never a torn or empty one.
//!
//! Durability contract (what callers may rely on, for both implementations):
//! - `write_at` data is durable only after a later `sync` of the same file returns `Ok`.
//! - A file's existence (create, remove, rename) is durable only after `sync_dir` of its
//!   parent directory returns `Ok`.
//! - After `sync` fails, nothing about the file's unsynced data may be assumed, and a later
//!   successful `sync` does not bring it back ("fsyncgate"); callers treat it as fatal.

mod durable;
mod os;
mod sim;

pub use durable::{read_file, replace_file, temp_sibling};

pub use os::OsVfs;
pub use sim::{CrashMode, FaultKind, FaultPlan, IoFault, SimVfs, SyncHook};

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How [`Vfs::open`] treats a missing or existing file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// The file must exist (`ErrorKind::NotFound` otherwise).
    Existing,
    /// Open the file, creating it empty if missing.
    CreateIfMissing,
}

/// A file system: directory-level operations.
pub trait Vfs: Send + Sync + std::fmt::Debug {
    /// Opens (and with `CreateIfMissing`, creates) the file at `path` for reading and writing.
    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<Arc<dyn VfsFile>>;
    /// Creates `dir` and its parents if missing (durable after `sync_dir` of the parent).
    fn create_dir_all(&self, dir: &Path) -> io::Result<()>;
    /// Whether a file or directory exists at `path`.
    fn exists(&self, path: &Path) -> io::Result<bool>;
    /// Removes the file at `path` (durable after `sync_dir`).
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// Atomically replaces `to` with `from` (durable after `sync_dir`).
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Makes creations, removals and renames of entries in `dir` durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
    /// Lists the entries (files only) of `dir`, sorted by name.
    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>>;
    /// Takes an exclusive advisory lock on the file at `path` (created if missing), held until
    /// the returned guard is dropped (or the process dies). Fails with `WouldBlock` if another
    /// holder has it. Not counted as an operation by simulated disks.
    fn lock(&self, path: &Path) -> io::Result<LockGuard>;
}

/// Holds a lock taken with [`Vfs::lock`]; dropping it releases the lock.
pub struct LockGuard(#[allow(dead_code)] Box<dyn Send + Sync>);

impl LockGuard {
    pub fn new(inner: Box<dyn Send + Sync>) -> LockGuard {
        LockGuard(inner)
    }
}

impl std::fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LockGuard")
    }
}

/// An open file. All offsets are absolute byte positions.
pub trait VfsFile: Send + Sync + std::fmt::Debug {
    /// Reads up to `buf.len()` bytes at `offset`; returns the count read (0 at or past EOF).
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
    /// Writes all of `buf` at `offset`, extending the file (zero-filled gap) if needed.
    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()>;
    /// Makes all previous writes and the file's length durable (`fdatasync`).
    fn sync(&self) -> io::Result<()>;
    /// Sets the file's length (truncate or zero-extend); durable after `sync`.
    fn set_len(&self, len: u64) -> io::Result<()>;
    /// The file's current length as seen by reads.
    fn len(&self) -> io::Result<u64>;
    /// Whether the file is empty.
    fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }
}

/// Reads exactly `buf.len()` bytes at `offset`, or fails with `UnexpectedEof`.
pub fn read_exact_at(file: &dyn VfsFile, buf: &mut [u8], offset: u64) -> io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        let n = file.read_at(&mut buf[done..], offset + done as u64)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "read past end of file",
            ));
        }
        done += n;
    }
    Ok(())
}
