//! The in-memory file-system model behind `SimVfs`: inodes with current and durable bytes,
//! directories with current and durable entry maps, the pending operations separating the
//! two, and the construction of post-crash images. Fault injection lives in the parent module.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Torn writes are decided per sector of this size, aligned to absolute file offsets.
pub(super) const SECTOR: u64 = 512;
/// Largest simulated file; writes or `set_len` past it fail with `EFBIG`.
pub(super) const MAX_FILE_LEN: u64 = 1 << 30;

pub(super) type Ino = u64;

/// A data operation not yet made durable by `sync`.
#[derive(Clone, Debug)]
enum DataOp {
    Write { offset: u64, bytes: Vec<u8> },
    SetLen(u64),
}

/// A file's contents. Invariant: replaying `pending` over `durable` yields `current`.
#[derive(Debug, Default)]
struct Inode {
    current: Vec<u8>,
    durable: Vec<u8>,
    pending: Vec<DataOp>,
    /// Open `SimFile` handles; an inode with handles is never freed.
    handles: usize,
}

impl Inode {
    fn settled(data: Vec<u8>) -> Inode {
        Inode {
            current: data.clone(),
            durable: data,
            pending: Vec::new(),
            handles: 0,
        }
    }

    /// The durable bytes after a power loss: each pending op kept, dropped or (writes) torn.
    fn power_loss_image(&self, rng: &mut ChaCha8Rng) -> Vec<u8> {
        let mut data = self.durable.clone();
        for op in &self.pending {
            match op {
                DataOp::SetLen(len) => {
                    if rng.gen_bool(0.5) {
                        resize(&mut data, *len);
                    }
                }
                DataOp::Write { offset, bytes } => match rng.gen_range(0..3u8) {
                    0 => write_into(&mut data, *offset, bytes),
                    1 => {}
                    _ => tear_into(&mut data, *offset, bytes, rng),
                },
            }
        }
        data
    }
}

/// A directory-entry operation not yet made durable by `sync_dir`.
#[derive(Clone, Debug)]
enum DirOp {
    Link { name: OsString, ino: Ino },
    Unlink { name: OsString },
    Rename { from: OsString, to: OsString },
}

impl DirOp {
    /// Applies the op; ops whose source is missing (an earlier op was dropped) do nothing.
    fn apply(&self, map: &mut BTreeMap<OsString, Ino>) {
        match self {
            DirOp::Link { name, ino } => {
                map.insert(name.clone(), *ino);
            }
            DirOp::Unlink { name } => {
                map.remove(name);
            }
            DirOp::Rename { from, to } => {
                if let Some(ino) = map.remove(from) {
                    map.insert(to.clone(), ino);
                }
            }
        }
    }
}

/// A directory's file entries. Invariant: replaying `pending` over `durable` yields `current`.
#[derive(Debug, Default)]
struct Dir {
    durable: BTreeMap<OsString, Ino>,
    current: BTreeMap<OsString, Ino>,
    pending: Vec<DirOp>,
}

impl Dir {
    fn settled(entries: BTreeMap<OsString, Ino>) -> Dir {
        Dir {
            durable: entries.clone(),
            current: entries,
            pending: Vec::new(),
        }
    }
}

/// The whole simulated file system. Directories are durable as soon as they are created.
#[derive(Debug)]
pub(super) struct Fs {
    dirs: BTreeMap<PathBuf, Dir>,
    inodes: BTreeMap<Ino, Inode>,
    next_ino: Ino,
}

pub(super) fn os_err(code: i32) -> io::Error {
    io::Error::from_raw_os_error(code)
}

/// Drops `.` components and trailing slashes so equal paths compare equal.
fn norm(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// Splits a normalized path into its parent directory and file name.
fn split(path: &Path) -> io::Result<(PathBuf, OsString)> {
    let name = path.file_name().ok_or_else(|| os_err(libc::EINVAL))?;
    let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok((parent, name.to_owned()))
}

/// Checks that `[offset, offset + len)` fits in a simulated file.
pub(super) fn check_range(offset: u64, len: u64) -> io::Result<()> {
    match offset.checked_add(len) {
        Some(end) if end <= MAX_FILE_LEN => Ok(()),
        _ => Err(os_err(libc::EFBIG)),
    }
}

/// Caller guarantees `len <= MAX_FILE_LEN`.
fn resize(data: &mut Vec<u8>, len: u64) {
    data.resize(len as usize, 0);
}

/// Caller guarantees the range passed `check_range`.
fn write_into(data: &mut Vec<u8>, offset: u64, bytes: &[u8]) {
    let start = offset as usize;
    let end = start + bytes.len();
    if data.len() < end {
        data.resize(end, 0);
    }
    data[start..end].copy_from_slice(bytes);
}

/// Extends `data` to cover the write, then applies each sector of it with probability 1/2.
fn tear_into(data: &mut Vec<u8>, offset: u64, bytes: &[u8], rng: &mut ChaCha8Rng) {
    let end = offset + bytes.len() as u64;
    if (data.len() as u64) < end {
        resize(data, end);
    }
    let mut lo = offset;
    while lo < end {
        let hi = ((lo / SECTOR + 1) * SECTOR).min(end);
        if rng.gen_bool(0.5) {
            let src = &bytes[(lo - offset) as usize..(hi - offset) as usize];
            data[lo as usize..hi as usize].copy_from_slice(src);
        }
        lo = hi;
    }
}

fn stale() -> io::Error {
    os_err(libc::ESTALE)
}

impl Fs {
    pub(super) fn new() -> Fs {
        let mut dirs = BTreeMap::new();
        dirs.insert(PathBuf::new(), Dir::default());
        dirs.insert(PathBuf::from("/"), Dir::default());
        Fs {
            dirs,
            inodes: BTreeMap::new(),
            next_ino: 1,
        }
    }

    fn lookup(&self, path: &Path) -> Option<Ino> {
        let (parent, name) = split(path).ok()?;
        self.dirs.get(&parent)?.current.get(&name).copied()
    }

    fn inode(&self, ino: Ino) -> io::Result<&Inode> {
        self.inodes.get(&ino).ok_or_else(stale)
    }

    fn inode_mut(&mut self, ino: Ino) -> io::Result<&mut Inode> {
        self.inodes.get_mut(&ino).ok_or_else(stale)
    }

    pub(super) fn exists(&self, path: &Path) -> bool {
        let path = norm(path);
        self.dirs.contains_key(&path) || self.lookup(&path).is_some()
    }

    /// Opens (or creates) the file and registers a handle on its inode.
    pub(super) fn open(&mut self, path: &Path, create: bool) -> io::Result<Ino> {
        let path = norm(path);
        if self.dirs.contains_key(&path) {
            return Err(os_err(libc::EISDIR));
        }
        let (parent, name) = split(&path)?;
        let dir = self
            .dirs
            .get_mut(&parent)
            .ok_or_else(|| os_err(libc::ENOENT))?;
        let ino = match dir.current.get(&name) {
            Some(&ino) => ino,
            None if create => {
                let ino = self.next_ino;
                self.next_ino += 1;
                dir.current.insert(name.clone(), ino);
                dir.pending.push(DirOp::Link { name, ino });
                self.inodes.insert(ino, Inode::default());
                ino
            }
            None => return Err(os_err(libc::ENOENT)),
        };
        self.inode_mut(ino)?.handles += 1;
        Ok(ino)
    }

    /// Unregisters a handle; frees the inode if nothing can reach it any more.
    pub(super) fn release(&mut self, ino: Ino) {
        if let Some(inode) = self.inodes.get_mut(&ino) {
            inode.handles = inode.handles.saturating_sub(1);
        }
        self.collect_garbage();
    }

    /// Frees inodes without handles that no current, durable or pending entry names.
    fn collect_garbage(&mut self) {
        let mut live = BTreeSet::new();
        for dir in self.dirs.values() {
            live.extend(dir.current.values().copied());
            live.extend(dir.durable.values().copied());
            for op in &dir.pending {
                if let DirOp::Link { ino, .. } = op {
                    live.insert(*ino);
                }
            }
        }
        self.inodes
            .retain(|ino, inode| inode.handles > 0 || live.contains(ino));
    }

    pub(super) fn create_dir_all(&mut self, dir: &Path) -> io::Result<()> {
        let dir = norm(dir);
        for ancestor in dir.ancestors() {
            if self.lookup(ancestor).is_some() {
                let code = if ancestor == dir {
                    libc::EEXIST
                } else {
                    libc::ENOTDIR
                };
                return Err(os_err(code));
            }
        }
        for ancestor in dir.ancestors() {
            self.dirs.entry(ancestor.to_path_buf()).or_default();
        }
        Ok(())
    }

    pub(super) fn remove(&mut self, path: &Path) -> io::Result<()> {
        let path = norm(path);
        if self.dirs.contains_key(&path) {
            return Err(os_err(libc::EISDIR));
        }
        let (parent, name) = split(&path)?;
        let dir = self
            .dirs
            .get_mut(&parent)
            .ok_or_else(|| os_err(libc::ENOENT))?;
        if dir.current.remove(&name).is_none() {
            return Err(os_err(libc::ENOENT));
        }
        dir.pending.push(DirOp::Unlink { name });
        Ok(())
    }

    /// Renames within one directory; a cross-directory rename fails with `EXDEV`.
    pub(super) fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        let (from, to) = (norm(from), norm(to));
        if self.dirs.contains_key(&from) || self.dirs.contains_key(&to) {
            return Err(os_err(libc::EISDIR));
        }
        let (from_dir, from_name) = split(&from)?;
        let (to_dir, to_name) = split(&to)?;
        let dir = self
            .dirs
            .get_mut(&from_dir)
            .ok_or_else(|| os_err(libc::ENOENT))?;
        if !dir.current.contains_key(&from_name) {
            return Err(os_err(libc::ENOENT));
        }
        if from_dir != to_dir {
            return Err(os_err(libc::EXDEV));
        }
        if from_name == to_name {
            return Ok(());
        }
        let op = DirOp::Rename {
            from: from_name,
            to: to_name,
        };
        op.apply(&mut dir.current);
        dir.pending.push(op);
        Ok(())
    }

    pub(super) fn sync_dir(&mut self, dir: &Path) -> io::Result<()> {
        let dir = self
            .dirs
            .get_mut(&norm(dir))
            .ok_or_else(|| os_err(libc::ENOENT))?;
        dir.durable = dir.current.clone();
        dir.pending.clear();
        self.collect_garbage();
        Ok(())
    }

    /// File names directly inside `dir`, sorted.
    pub(super) fn list(&self, dir: &Path) -> io::Result<Vec<OsString>> {
        let dir = self
            .dirs
            .get(&norm(dir))
            .ok_or_else(|| os_err(libc::ENOENT))?;
        Ok(dir.current.keys().cloned().collect())
    }

    pub(super) fn read(&self, ino: Ino, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let data = &self.inode(ino)?.current;
        let len = data.len() as u64;
        if offset >= len {
            return Ok(0);
        }
        let start = offset as usize;
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        Ok(n)
    }

    pub(super) fn write(&mut self, ino: Ino, offset: u64, bytes: &[u8]) -> io::Result<()> {
        check_range(offset, bytes.len() as u64)?;
        let inode = self.inode_mut(ino)?;
        if bytes.is_empty() {
            return Ok(());
        }
        write_into(&mut inode.current, offset, bytes);
        inode.pending.push(DataOp::Write {
            offset,
            bytes: bytes.to_vec(),
        });
        Ok(())
    }

    pub(super) fn set_len(&mut self, ino: Ino, len: u64) -> io::Result<()> {
        check_range(len, 0)?;
        let inode = self.inode_mut(ino)?;
        resize(&mut inode.current, len);
        inode.pending.push(DataOp::SetLen(len));
        Ok(())
    }

    pub(super) fn len(&self, ino: Ino) -> io::Result<u64> {
        Ok(self.inode(ino)?.current.len() as u64)
    }

    /// Makes the file's pending ops durable by replaying them over `durable`.
    pub(super) fn sync(&mut self, ino: Ino) -> io::Result<()> {
        let inode = self.inode_mut(ino)?;
        for op in inode.pending.drain(..) {
            match op {
                DataOp::Write { offset, bytes } => write_into(&mut inode.durable, offset, &bytes),
                DataOp::SetLen(len) => resize(&mut inode.durable, len),
            }
        }
        Ok(())
    }

    /// A failed fsync: the page cache forgets the unsynced data.
    pub(super) fn drop_pending(&mut self, ino: Ino) -> io::Result<()> {
        let inode = self.inode_mut(ino)?;
        inode.pending.clear();
        inode.current = inode.durable.clone();
        Ok(())
    }

    pub(super) fn peek(&self, path: &Path) -> Option<Vec<u8>> {
        let ino = self.lookup(&norm(path))?;
        self.inodes.get(&ino).map(|inode| inode.current.clone())
    }

    /// Overwrites bytes in both the durable and current contents; ignores missing files
    /// and out-of-range offsets.
    pub(super) fn poke(&mut self, path: &Path, offset: u64, bytes: &[u8]) {
        if check_range(offset, bytes.len() as u64).is_err() || bytes.is_empty() {
            return;
        }
        let Some(ino) = self.lookup(&norm(path)) else {
            return;
        };
        if let Some(inode) = self.inodes.get_mut(&ino) {
            write_into(&mut inode.durable, offset, bytes);
            write_into(&mut inode.current, offset, bytes);
        }
    }

    /// The image after the process dies but the OS survives: everything current is kept.
    pub(super) fn process_kill_image(&self) -> Fs {
        let dirs: BTreeMap<PathBuf, Dir> = self
            .dirs
            .iter()
            .map(|(path, dir)| (path.clone(), Dir::settled(dir.current.clone())))
            .collect();
        self.image_with(dirs, |inode| inode.current.clone())
    }

    /// The image after power loss: each pending directory op is kept or dropped, and each
    /// reachable file's pending data ops kept, dropped or torn, all decided by `rng`.
    pub(super) fn power_loss_image(&self, rng: &mut ChaCha8Rng) -> Fs {
        let mut dirs = BTreeMap::new();
        for (path, dir) in &self.dirs {
            let mut entries = dir.durable.clone();
            for op in &dir.pending {
                if rng.gen_bool(0.5) {
                    op.apply(&mut entries);
                }
            }
            dirs.insert(path.clone(), Dir::settled(entries));
        }
        self.image_with(dirs, |inode| inode.power_loss_image(rng))
    }

    /// Builds settled inodes, in inode order, for every inode the entries in `dirs` reach.
    fn image_with(
        &self,
        dirs: BTreeMap<PathBuf, Dir>,
        mut contents: impl FnMut(&Inode) -> Vec<u8>,
    ) -> Fs {
        let reachable: BTreeSet<Ino> = dirs
            .values()
            .flat_map(|dir| dir.current.values().copied())
            .collect();
        let inodes = reachable
            .into_iter()
            .map(|ino| {
                let data = self.inodes.get(&ino).map(&mut contents).unwrap_or_default();
                (ino, Inode::settled(data))
            })
            .collect();
        Fs {
            dirs,
            inodes,
            next_ino: self.next_ino,
        }
    }

    #[cfg(test)]
    pub(super) fn inode_count(&self) -> usize {
        self.inodes.len()
    }
}
