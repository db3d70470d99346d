//! Whole small files (configuration, authentication rules) written so that a crash at any
//! moment leaves either the old file or the new one, never a mix, an empty file or a torn one.
//!
//! The recipe, relying only on the [`Vfs`] durability contract:
//! 1. write the new bytes to a temporary sibling (`NAME.tmp`), truncated to their length;
//! 2. `sync` it, so its bytes are durable before any name points at them;
//! 3. `rename` it over `NAME` (atomic: a reader sees the old or the new inode);
//! 4. `sync_dir` the parent, so the rename itself survives a power loss.
//!
//! A crash before step 3 leaves at most a stray temporary file, which the next
//! [`replace_file`] overwrites; a crash after it leaves the new file.

use crate::{read_exact_at, OpenMode, Vfs};
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

/// The temporary name [`replace_file`] writes before renaming: `NAME.tmp` beside `path`.
pub fn temp_sibling(path: &Path) -> PathBuf {
    let mut name: OsString = path.file_name().map(OsString::from).unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Replaces (or creates) the file at `path` with `bytes`, durably and atomically: once this
/// returns `Ok`, the new content survives any crash; if it fails or the machine stops on the
/// way, `path` holds its previous content (or does not exist if it did not before).
pub fn replace_file(vfs: &dyn Vfs, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp = temp_sibling(path);
    let file = vfs.open(&temp, OpenMode::CreateIfMissing)?;
    // A stray temporary file from an earlier attempt may be longer than the new bytes.
    file.set_len(0)?;
    file.write_all_at(bytes, 0)?;
    file.sync()?;
    drop(file);
    vfs.rename(&temp, path)?;
    vfs.sync_dir(parent)
}

/// Reads the whole file at `path` (`ErrorKind::NotFound` when it does not exist).
pub fn read_file(vfs: &dyn Vfs, path: &Path) -> io::Result<Vec<u8>> {
    let file = vfs.open(path, OpenMode::Existing)?;
    let len = usize::try_from(file.len()?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "file too large to read"))?;
    let mut buf = vec![0u8; len];
    read_exact_at(file.as_ref(), &mut buf, 0)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CrashMode, FaultPlan, SimVfs};

    fn dir() -> PathBuf {
        PathBuf::from("/d")
    }

    fn target() -> PathBuf {
        dir().join("pg_hba.conf")
    }

    /// A machine with `/d` durably created and, when `old` is given, `/d/pg_hba.conf`
    /// durably holding it.
    fn machine(seed: u64, old: Option<&[u8]>) -> SimVfs {
        let vfs = SimVfs::new(seed);
        vfs.create_dir_all(&dir()).unwrap();
        vfs.sync_dir(Path::new("/")).unwrap();
        if let Some(old) = old {
            replace_file(&vfs, &target(), old).unwrap();
        }
        vfs
    }

    #[test]
    fn temp_sibling_appends_tmp() {
        assert_eq!(
            temp_sibling(Path::new("/a/b/pg_hba.conf")),
            PathBuf::from("/a/b/pg_hba.conf.tmp")
        );
    }

    #[test]
    fn replaces_and_reads_back() {
        let vfs = machine(1, Some(b"a much longer first version\n"));
        replace_file(&vfs, &target(), b"short\n").unwrap();
        assert_eq!(read_file(&vfs, &target()).unwrap(), b"short\n");
        assert_eq!(
            read_file(&vfs, &dir().join("nope")).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        // The durable state after a power loss is the new file, with no temporary left.
        let after = vfs.crash(CrashMode::PowerLoss);
        assert_eq!(read_file(&after, &target()).unwrap(), b"short\n");
        assert!(!after.exists(&temp_sibling(&target())).unwrap());
    }

    /// Stops the machine at every operation of a replacement, under both crash modes and
    /// several seeds: the file afterwards is exactly the old or exactly the new content (or
    /// absent when there was no old one), and a completed replacement is never lost.
    #[test]
    fn a_crash_at_any_operation_leaves_old_or_new() {
        let new = b"host all all 127.0.0.1/32 trust\n".repeat(40);
        for old in [None, Some(&b"local all all trust\n"[..])] {
            let ops = {
                let vfs = machine(0, old);
                let start = vfs.op_count();
                replace_file(&vfs, &target(), &new).unwrap();
                vfs.op_count() - start
            };
            assert!(ops >= 5, "a replacement takes several operations");
            for seed in 0..16 {
                for stop in 0..=ops {
                    for mode in [CrashMode::ProcessKill, CrashMode::PowerLoss] {
                        let vfs = machine(seed, old);
                        let start = vfs.op_count();
                        vfs.set_plan(FaultPlan {
                            crash_at_op: Some(start + stop),
                            ..FaultPlan::default()
                        });
                        let finished = replace_file(&vfs, &target(), &new).is_ok();
                        assert_eq!(finished, stop == ops, "stop {stop}");
                        let after = vfs.crash(mode);
                        match read_file(&after, &target()) {
                            Ok(bytes) if bytes == new => {}
                            Ok(bytes) => assert_eq!(
                                Some(&bytes[..]),
                                old,
                                "stop {stop} {mode:?} seed {seed}: neither old nor new"
                            ),
                            Err(e) => {
                                assert_eq!(e.kind(), io::ErrorKind::NotFound);
                                assert!(old.is_none(), "the old file vanished");
                            }
                        }
                        if finished {
                            assert_eq!(read_file(&after, &target()).unwrap(), new);
                        }
                        // The next replacement succeeds over whatever the crash left.
                        replace_file(&after, &target(), b"x\n").unwrap();
                        assert_eq!(read_file(&after, &target()).unwrap(), b"x\n");
                    }
                }
            }
        }
    }
}
