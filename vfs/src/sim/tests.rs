//! Unit tests for `SimVfs`: page-cache semantics, crash images and fault injection.

use super::*;
use crate::read_exact_at;
use std::collections::BTreeSet;
use std::io::ErrorKind;

const SEEDS: u64 = 64;

fn dir() -> PathBuf {
    PathBuf::from("/db")
}

fn file(name: &str) -> PathBuf {
    dir().join(name)
}

/// A machine with `/db` created.
fn setup(seed: u64) -> SimVfs {
    let vfs = SimVfs::new(seed);
    vfs.create_dir_all(&dir()).unwrap();
    vfs
}

/// Creates `name` with `data`, synced and with its directory entry synced.
fn durable_file(vfs: &SimVfs, name: &str, data: &[u8]) -> Arc<dyn VfsFile> {
    let f = vfs.open(&file(name), OpenMode::CreateIfMissing).unwrap();
    f.write_all_at(data, 0).unwrap();
    f.sync().unwrap();
    vfs.sync_dir(&dir()).unwrap();
    f
}

fn read_all(f: &dyn VfsFile) -> Vec<u8> {
    let mut buf = vec![0u8; f.len().unwrap() as usize];
    read_exact_at(f, &mut buf, 0).unwrap();
    buf
}

fn is_eio(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::EIO)
}

fn is_sim_crash(e: &io::Error) -> bool {
    e.kind() == ErrorKind::Other && e.to_string() == "simulated crash"
}

#[test]
fn read_your_writes() {
    let vfs = setup(1);
    let f = vfs.open(&file("a"), OpenMode::CreateIfMissing).unwrap();
    assert!(f.is_empty().unwrap());
    f.write_all_at(b"hello", 0).unwrap();
    f.write_all_at(b"XY", 1).unwrap();
    f.write_all_at(b"end", 8).unwrap();
    assert_eq!(read_all(&*f), b"hXYlo\0\0\0end");
    let mut buf = [0u8; 8];
    assert_eq!(f.read_at(&mut buf, 9).unwrap(), 2);
    assert_eq!(&buf[..2], b"nd");
    assert_eq!(f.read_at(&mut buf, 11).unwrap(), 0);
    assert_eq!(f.read_at(&mut buf, 100).unwrap(), 0);
    f.set_len(3).unwrap();
    assert_eq!(read_all(&*f), b"hXY");
    f.set_len(5).unwrap();
    assert_eq!(read_all(&*f), b"hXY\0\0");
    // A second handle sees the same inode.
    let g = vfs.open(&file("a"), OpenMode::Existing).unwrap();
    assert_eq!(read_all(&*g), b"hXY\0\0");
    assert_eq!(vfs.peek(&file("a")).unwrap(), b"hXY\0\0");
}

#[test]
fn namespace_errors_and_listing() {
    let vfs = setup(2);
    let missing = vfs.open(&file("nope"), OpenMode::Existing).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    let no_parent = vfs
        .open(Path::new("/nodir/x"), OpenMode::CreateIfMissing)
        .unwrap_err();
    assert_eq!(no_parent.kind(), ErrorKind::NotFound);
    assert_eq!(
        vfs.remove(&file("nope")).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        vfs.list(Path::new("/nodir")).unwrap_err().kind(),
        ErrorKind::NotFound
    );

    vfs.create_dir_all(&dir().join("sub/deeper")).unwrap();
    for name in ["c", "a", "b"] {
        vfs.open(&file(name), OpenMode::CreateIfMissing).unwrap();
    }
    assert_eq!(
        vfs.list(&dir()).unwrap(),
        vec![file("a"), file("b"), file("c")]
    );
    assert!(vfs.exists(&file("b")).unwrap());
    assert!(vfs.exists(&dir().join("sub")).unwrap());
    assert!(vfs.exists(Path::new("/db/./sub/deeper/")).unwrap());
    assert!(!vfs.exists(&file("d")).unwrap());
    assert!(vfs.create_dir_all(&file("a")).is_err());
    assert!(vfs.open(&dir(), OpenMode::CreateIfMissing).is_err());
    assert!(vfs.rename(&file("a"), Path::new("/db/sub/a")).is_err());

    vfs.rename(&file("a"), &file("c")).unwrap();
    vfs.remove(&file("b")).unwrap();
    assert_eq!(vfs.list(&dir()).unwrap(), vec![file("c")]);
}

#[test]
fn synced_data_survives_power_loss() {
    let old = vec![0xAAu8; 1024];
    for seed in 0..SEEDS {
        let vfs = setup(seed);
        let f = durable_file(&vfs, "a", &old);
        // Unsynced writes to other sectors must not damage the synced ones.
        f.write_all_at(&[0xBB; 512], 2048).unwrap();
        f.set_len(4096).unwrap();
        let after = vfs.crash(CrashMode::PowerLoss);
        let data = after.peek(&file("a")).expect("synced file exists");
        assert_eq!(&data[..1024], &old[..], "seed {seed}");
        let gap = &data[1024..data.len().min(2048)];
        assert!(gap.iter().all(|&b| b == 0), "seed {seed}");
    }
}

#[test]
fn unsynced_data_may_be_lost_or_kept() {
    let (mut lost, mut kept) = (0, 0);
    for seed in 0..SEEDS {
        let vfs = setup(seed);
        let f = durable_file(&vfs, "a", &[1u8; 512]);
        f.write_all_at(&[2u8; 512], 0).unwrap();
        let data = vfs.crash(CrashMode::PowerLoss).peek(&file("a")).unwrap();
        if data == [1u8; 512] {
            lost += 1;
        } else if data == [2u8; 512] {
            kept += 1;
        } else {
            panic!("seed {seed}: single-sector write neither old nor new");
        }
    }
    assert!(lost > 0 && kept > 0, "lost {lost}, kept {kept}");
}

#[test]
fn torn_writes_are_sector_granular() {
    let old = vec![0xAAu8; 3000];
    let (offset, len) = (100usize, 3400usize);
    let mut new = old.clone();
    new.resize(offset + len, 0);
    new[offset..].fill(0xBB);
    let mut torn = 0;
    for seed in 0..SEEDS {
        let vfs = setup(seed);
        let f = durable_file(&vfs, "a", &old);
        f.write_all_at(&vec![0xBB; len], offset as u64).unwrap();
        let data = vfs.crash(CrashMode::PowerLoss).peek(&file("a")).unwrap();
        if data == old {
            continue;
        }
        assert_eq!(data.len(), new.len(), "seed {seed}");
        let (mut saw_old, mut saw_new) = (false, false);
        for start in (0..new.len()).step_by(512) {
            let end = (start + 512).min(new.len());
            let got = &data[start..end];
            // Old content past the old end of file reads as zeros.
            let old_sector: Vec<u8> = (start..end)
                .map(|i| old.get(i).copied().unwrap_or(0))
                .collect();
            let is_new = got == &new[start..end];
            let is_old = got == &old_sector[..];
            assert!(
                is_new || is_old,
                "seed {seed}: sector at {start} mixes old and new"
            );
            saw_new |= is_new && !is_old;
            saw_old |= is_old && !is_new;
        }
        if saw_old && saw_new {
            torn += 1;
        }
    }
    assert!(torn > 0, "no trial tore the write");
}

#[test]
fn unsynced_create_can_vanish_synced_create_never_does() {
    let mut vanished = 0;
    for seed in 0..SEEDS {
        let vfs = setup(seed);
        let f = vfs.open(&file("new"), OpenMode::CreateIfMissing).unwrap();
        f.write_all_at(b"data", 0).unwrap();
        f.sync().unwrap();
        if vfs.crash(CrashMode::PowerLoss).peek(&file("new")).is_none() {
            vanished += 1;
        }

        let vfs = setup(seed);
        durable_file(&vfs, "new", b"data");
        let after = vfs.crash(CrashMode::PowerLoss);
        assert_eq!(
            after.peek(&file("new")).as_deref(),
            Some(&b"data"[..]),
            "seed {seed}"
        );
    }
    assert!(vanished > 0 && vanished < SEEDS, "vanished {vanished}");
}

#[test]
fn unsynced_remove_can_be_undone_and_rename_is_atomic() {
    let (mut reappeared, mut renamed, mut not_renamed) = (0, 0, 0);
    for seed in 0..SEEDS {
        let vfs = setup(seed);
        durable_file(&vfs, "gone", b"durable");
        durable_file(&vfs, "target", b"old");
        let tmp = durable_file(&vfs, "tmp", b"new");
        tmp.write_all_at(b"unsynced", 3).unwrap();
        vfs.remove(&file("gone")).unwrap();
        vfs.rename(&file("tmp"), &file("target")).unwrap();
        assert!(!vfs.exists(&file("tmp")).unwrap());

        let after = vfs.crash(CrashMode::PowerLoss);
        if let Some(data) = after.peek(&file("gone")) {
            assert_eq!(data, b"durable");
            reappeared += 1;
        }
        let target = after.peek(&file("target")).unwrap();
        let tmp = after.peek(&file("tmp"));
        if target == b"old" {
            assert!(tmp.is_some(), "seed {seed}: rename half applied");
            not_renamed += 1;
        } else {
            assert!(target.starts_with(b"new"), "seed {seed}");
            assert!(tmp.is_none(), "seed {seed}: rename half applied");
            renamed += 1;
        }
    }
    assert!(reappeared > 0 && reappeared < SEEDS);
    assert!(renamed > 0 && not_renamed > 0);
}

#[test]
fn process_kill_keeps_everything() {
    let vfs = setup(3);
    durable_file(&vfs, "gone", b"x");
    durable_file(&vfs, "from", b"moved");
    let f = vfs.open(&file("a"), OpenMode::CreateIfMissing).unwrap();
    f.write_all_at(&[7u8; 5000], 0).unwrap();
    f.set_len(4000).unwrap();
    vfs.remove(&file("gone")).unwrap();
    vfs.rename(&file("from"), &file("to")).unwrap();

    let after = vfs.crash(CrashMode::ProcessKill);
    assert_eq!(after.peek(&file("a")).unwrap(), vec![7u8; 4000]);
    assert_eq!(after.peek(&file("to")).unwrap(), b"moved");
    assert!(after.peek(&file("gone")).is_none());
    assert!(after.peek(&file("from")).is_none());
    // The image is fully durable: a power loss right after loses nothing.
    let again = after.crash(CrashMode::PowerLoss);
    assert_eq!(again.peek(&file("a")).unwrap(), vec![7u8; 4000]);
    assert_eq!(again.list(&dir()).unwrap(), vec![file("a"), file("to")]);
}

#[test]
fn crash_marks_old_handles_and_starts_fresh() {
    let vfs = setup(4);
    let f = durable_file(&vfs, "a", b"abc");
    let clone = vfs.clone();
    let after = vfs.crash(CrashMode::PowerLoss);
    assert!(vfs.is_crashed() && clone.is_crashed());
    assert!(is_sim_crash(&clone.exists(&file("a")).unwrap_err()));
    assert!(is_sim_crash(&f.read_at(&mut [0u8; 3], 0).unwrap_err()));
    assert!(!after.is_crashed());
    assert_eq!(after.op_count(), 0);
    assert_eq!(after.bytes_written(), 0);
    let g = after.open(&file("a"), OpenMode::Existing).unwrap();
    assert_eq!(read_all(&*g), b"abc");
    assert_eq!(vfs.peek(&file("a")).unwrap(), b"abc");
}

#[test]
fn crash_at_op_stops_the_machine() {
    let vfs = SimVfs::new(5);
    vfs.set_plan(FaultPlan {
        crash_at_op: Some(3),
        ..FaultPlan::default()
    });
    vfs.create_dir_all(&dir()).unwrap(); // op 0
    let f = vfs.open(&file("a"), OpenMode::CreateIfMissing).unwrap(); // op 1
    f.write_all_at(b"one", 0).unwrap(); // op 2
    assert!(!vfs.is_crashed());
    let err = f.write_all_at(b"two", 0).unwrap_err(); // op 3
    assert!(is_sim_crash(&err));
    assert!(vfs.is_crashed());
    assert!(is_sim_crash(&f.sync().unwrap_err()));
    assert!(is_sim_crash(&vfs.list(&dir()).unwrap_err()));
    assert_eq!(vfs.op_count(), 6);
    // Op 3 had no effect.
    assert_eq!(vfs.peek(&file("a")).unwrap(), b"one");
    let after = vfs.crash(CrashMode::ProcessKill);
    assert_eq!(after.peek(&file("a")).unwrap(), b"one");
}

#[test]
fn eio_once_and_persistent() {
    for persistent in [false, true] {
        let vfs = setup(6);
        let f = durable_file(&vfs, "a", b"data");
        let start = vfs.op_count();
        vfs.set_plan(FaultPlan {
            io_error: Some(IoFault {
                at_op: start + 1,
                kind: FaultKind::Read,
                persistent,
            }),
            ..FaultPlan::default()
        });
        let mut buf = [0u8; 4];
        f.read_at(&mut buf, 0).unwrap(); // before at_op
        f.write_all_at(b"w", 10).unwrap(); // not a read
        assert!(is_eio(&f.read_at(&mut buf, 0).unwrap_err()));
        f.len().unwrap();
        let later = f.read_at(&mut buf, 0);
        if persistent {
            assert!(is_eio(&later.unwrap_err()));
        } else {
            assert_eq!(later.unwrap(), 4);
            assert_eq!(&buf, b"data");
        }
        assert!(!vfs.is_crashed());
    }
}

#[test]
fn fsync_eio_drops_pending_writes() {
    let vfs = setup(7);
    let f = durable_file(&vfs, "a", b"durable!");
    f.write_all_at(b"DIRTY", 0).unwrap();
    f.write_all_at(b"more", 8).unwrap();
    vfs.set_plan(FaultPlan {
        io_error: Some(IoFault {
            at_op: 0,
            kind: FaultKind::Sync,
            persistent: false,
        }),
        ..FaultPlan::default()
    });
    assert!(is_eio(&f.sync().unwrap_err()));
    assert_eq!(read_all(&*f), b"durable!");
    f.sync().unwrap();
    assert_eq!(read_all(&*f), b"durable!");
    let after = vfs.crash(CrashMode::ProcessKill);
    assert_eq!(after.peek(&file("a")).unwrap(), b"durable!");
}

#[test]
fn enospc_budget() {
    let vfs = setup(8);
    let f = vfs.open(&file("a"), OpenMode::CreateIfMissing).unwrap();
    vfs.set_plan(FaultPlan {
        enospc_after_bytes: Some(10),
        ..FaultPlan::default()
    });
    f.write_all_at(b"123456", 0).unwrap();
    let err = f.write_all_at(b"78901", 6).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENOSPC));
    assert_eq!(vfs.bytes_written(), 6);
    assert_eq!(read_all(&*f), b"123456");
    f.write_all_at(b"7890", 6).unwrap();
    assert_eq!(vfs.bytes_written(), 10);
    assert!(f.write_all_at(b"x", 0).is_err());
    assert_eq!(read_all(&*f), b"1234567890");
}

/// Runs a fixed workload on a fresh machine and returns every file of the power-loss image.
fn workload_image(seed: u64) -> Vec<(PathBuf, Vec<u8>)> {
    let vfs = setup(seed);
    let a = durable_file(&vfs, "a", &[1u8; 2000]);
    a.write_all_at(&[2u8; 3000], 700).unwrap();
    a.set_len(3100).unwrap();
    a.write_all_at(&[3u8; 1500], 2500).unwrap();
    let b = vfs.open(&file("b"), OpenMode::CreateIfMissing).unwrap();
    b.write_all_at(&[4u8; 4096], 0).unwrap();
    vfs.rename(&file("b"), &file("c")).unwrap();
    let after = vfs.crash(CrashMode::PowerLoss);
    after
        .list(&dir())
        .unwrap()
        .into_iter()
        .map(|p| {
            let data = after.peek(&p).unwrap();
            (p, data)
        })
        .collect()
}

#[test]
fn deterministic_for_a_seed() {
    let mut distinct = BTreeSet::new();
    for seed in 0..16 {
        let image = workload_image(seed);
        assert_eq!(image, workload_image(seed), "seed {seed}");
        distinct.insert(image);
    }
    assert!(distinct.len() > 1, "crash outcome ignores the seed");
}

#[test]
fn removed_or_renamed_file_stays_readable_through_open_handle() {
    let vfs = setup(9);
    let f = durable_file(&vfs, "a", b"still here");
    let g = durable_file(&vfs, "b", b"moved");
    vfs.remove(&file("a")).unwrap();
    vfs.rename(&file("b"), &file("c")).unwrap();
    vfs.sync_dir(&dir()).unwrap();
    assert!(!vfs.exists(&file("a")).unwrap());
    assert_eq!(read_all(&*f), b"still here");
    f.write_all_at(b"!", 10).unwrap();
    assert_eq!(read_all(&*f), b"still here!");
    g.write_all_at(b"M", 0).unwrap();
    assert_eq!(vfs.peek(&file("c")).unwrap(), b"Moved");
    // Recreating the name gives a new, empty inode.
    let h = vfs.open(&file("a"), OpenMode::CreateIfMissing).unwrap();
    assert!(h.is_empty().unwrap());
    assert_eq!(read_all(&*f), b"still here!");
}

#[test]
fn unreachable_inodes_are_freed() {
    let vfs = setup(10);
    let f = durable_file(&vfs, "a", b"x");
    vfs.remove(&file("a")).unwrap();
    assert_eq!(vfs.state.lock().fs.inode_count(), 1);
    vfs.sync_dir(&dir()).unwrap();
    assert_eq!(vfs.state.lock().fs.inode_count(), 1, "open handle keeps it");
    drop(f);
    assert_eq!(vfs.state.lock().fs.inode_count(), 0);
    // An unsynced removal keeps the inode: a power loss may bring it back.
    drop(durable_file(&vfs, "b", b"y"));
    vfs.remove(&file("b")).unwrap();
    assert_eq!(vfs.state.lock().fs.inode_count(), 1);
}

#[test]
fn poke_injects_durable_corruption() {
    let vfs = setup(11);
    let f = durable_file(&vfs, "a", b"abcdef");
    f.write_all_at(b"Z", 5).unwrap();
    vfs.poke(&file("a"), 1, b"XX");
    vfs.poke(&file("missing"), 0, b"ignored");
    vfs.poke(&file("a"), u64::MAX, b"ignored");
    assert_eq!(vfs.peek(&file("a")).unwrap(), b"aXXdeZ");
    assert_eq!(vfs.op_count(), 6, "peek and poke are not operations");
    for seed in 0..8 {
        let vfs = setup(seed);
        let f = durable_file(&vfs, "a", b"abcdef");
        f.write_all_at(b"Z", 5).unwrap();
        vfs.poke(&file("a"), 1, b"XX");
        let data = vfs.crash(CrashMode::PowerLoss).peek(&file("a")).unwrap();
        assert_eq!(&data[..5], b"aXXde");
    }
}

#[test]
fn huge_offsets_fail_without_panicking() {
    let vfs = setup(12);
    let f = vfs.open(&file("a"), OpenMode::CreateIfMissing).unwrap();
    assert!(f.write_all_at(b"x", u64::MAX).is_err());
    assert!(f.set_len(u64::MAX).is_err());
    assert!(f.is_empty().unwrap());
}

#[test]
fn sync_hook_runs_once_before_the_next_sync_takes_effect() {
    let vfs = setup(9);
    let f = vfs.open(&file("a"), OpenMode::CreateIfMissing).unwrap();
    f.write_all_at(b"one", 0).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (probe, log) = (vfs.clone(), seen.clone());
    vfs.on_next_sync(Box::new(move || {
        // Runs before the sync counts as an operation.
        log.lock().push(probe.op_count());
    }));
    let before = vfs.op_count();
    f.sync().unwrap();
    f.sync().unwrap();
    assert_eq!(
        *seen.lock(),
        vec![before],
        "the hook runs once, before the sync's op"
    );
    vfs.on_next_sync(Box::new(|| panic!("a cleared hook ran")));
    vfs.clear_sync_hook();
    f.sync().unwrap();
}
