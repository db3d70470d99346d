//! `OsVfs`: the real file system, with positioned I/O, `fdatasync` for file sync and
//! `fsync` of the directory for `sync_dir`.

use crate::{OpenMode, Vfs, VfsFile};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The operating system's file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsVfs;

impl OsVfs {
    /// Returns the real file system.
    pub fn new() -> OsVfs {
        OsVfs
    }
}

impl Vfs for OsVfs {
    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<Arc<dyn VfsFile>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(mode == OpenMode::CreateIfMissing)
            .truncate(false)
            .open(path)?;
        Ok(Arc::new(OsFile {
            file,
            path: path.to_path_buf(),
        }))
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir)
    }

    fn exists(&self, path: &Path) -> io::Result<bool> {
        path.try_exists()
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()
    }

    fn lock(&self, path: &Path) -> io::Result<crate::LockGuard> {
        use std::os::fd::AsRawFd;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        // SAFETY: flock on a descriptor we own; it is released when `file` is closed.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(crate::LockGuard::new(Box::new(file)))
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                files.push(entry.path());
            }
        }
        files.sort();
        Ok(files)
    }
}

/// An open real file; `path` is kept for diagnostics only.
struct OsFile {
    file: File,
    path: PathBuf,
}

impl fmt::Debug for OsFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OsFile").field("path", &self.path).finish()
    }
}

impl VfsFile for OsFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        loop {
            match self.file.read_at(buf, offset) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }

    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        self.file.write_all_at(buf, offset)
    }

    fn sync(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read_exact_at;

    /// A scratch directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!(
                "quill-vfs-{}-{}-{}",
                name,
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0)
            ));
            fs::create_dir_all(&dir).expect("create temp dir");
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn os_roundtrip() {
        let tmp = TempDir::new("roundtrip");
        let vfs = OsVfs::new();
        let dir = tmp.0.join("db");
        vfs.create_dir_all(&dir.join("sub")).unwrap();
        assert!(vfs.exists(&dir).unwrap());

        let a = dir.join("a.dat");
        let err = vfs.open(&a, OpenMode::Existing).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);

        let f = vfs.open(&a, OpenMode::CreateIfMissing).unwrap();
        assert!(f.is_empty().unwrap());
        f.write_all_at(b"hello", 0).unwrap();
        f.write_all_at(b"world", 10).unwrap();
        assert_eq!(f.len().unwrap(), 15);
        let mut buf = [0xffu8; 15];
        read_exact_at(&*f, &mut buf, 0).unwrap();
        assert_eq!(&buf, b"hello\0\0\0\0\0world");
        let mut tail = [0u8; 8];
        assert_eq!(f.read_at(&mut tail, 12).unwrap(), 3);
        assert_eq!(f.read_at(&mut tail, 15).unwrap(), 0);
        f.sync().unwrap();
        vfs.sync_dir(&dir).unwrap();

        f.set_len(5).unwrap();
        assert_eq!(f.len().unwrap(), 5);
        f.sync().unwrap();

        let reopened = vfs.open(&a, OpenMode::Existing).unwrap();
        let mut five = [0u8; 5];
        read_exact_at(&*reopened, &mut five, 0).unwrap();
        assert_eq!(&five, b"hello");

        let b = dir.join("b.dat");
        vfs.open(&b, OpenMode::CreateIfMissing).unwrap();
        assert_eq!(vfs.list(&dir).unwrap(), vec![a.clone(), b.clone()]);

        let c = dir.join("c.dat");
        vfs.rename(&a, &c).unwrap();
        assert!(!vfs.exists(&a).unwrap());
        vfs.remove(&b).unwrap();
        vfs.sync_dir(&dir).unwrap();
        assert_eq!(vfs.list(&dir).unwrap(), vec![c.clone()]);
        let moved = vfs.open(&c, OpenMode::Existing).unwrap();
        assert_eq!(moved.len().unwrap(), 5);
        assert_eq!(vfs.remove(&b).unwrap_err().kind(), io::ErrorKind::NotFound);
    }
}
