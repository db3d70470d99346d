//! Several threads running transactions at once over a small buffer pool, with the background
//! checkpointer triggered by log volume: results are exact, pages are valid, and checkpoints
//! keep the log bounded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use storage::{Storage, StorageOptions};
use vfs::SimVfs;
use wal::LogOptions;

fn opts() -> StorageOptions {
    StorageOptions {
        pool_frames: 12,
        log: LogOptions {
            segment_size: 64 * 1024,
            sabotage: None,
        },
        checkpoint_wal_bytes: 256 * 1024,
        checkpoint_interval: Some(Duration::from_millis(20)),
        ..StorageOptions::default()
    }
}

fn row(thread: u64, i: u64) -> Vec<u8> {
    let mut v = thread.to_le_bytes().to_vec();
    v.extend_from_slice(&i.to_le_bytes());
    v.extend(std::iter::repeat_n(i as u8, (i % 300) as usize));
    v
}

#[test]
fn concurrent_transactions_with_background_checkpoints() {
    let fs = SimVfs::new(21);
    let (st, _) = Storage::open(Arc::new(fs.clone()), Path::new("/db"), opts()).expect("open");
    let threads = 4u64;
    let per_thread = 3000u64;
    let max_segments = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..threads {
            let st = st.clone();
            let max_segments = &max_segments;
            s.spawn(move || {
                let heap = st.heap(1 + (t % 2) as u32);
                let mut kept = Vec::new();
                for i in 0..per_thread {
                    let mut txn = st.begin().expect("begin");
                    let tid = heap.insert(&mut txn, &row(t, i)).expect("insert");
                    // Churn: every third transaction also replaces its previous row, and
                    // every fifth rolls back.
                    if i % 3 == 0 {
                        if let Some(prev) = kept.pop() {
                            let new = heap
                                .update(&mut txn, prev, &row(t, i + 1_000_000))
                                .expect("update");
                            kept.push(new);
                        }
                    }
                    if i % 5 == 4 {
                        txn.abort().expect("abort");
                        continue;
                    }
                    txn.commit().expect("commit");
                    kept.push(tid);
                    let segs = st.log().segment_count().expect("segments");
                    max_segments.fetch_max(segs, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(st.background_error(), None);
    let mut rows = BTreeSet::new();
    for file in [1, 2] {
        for t in st.heap(file).scan() {
            let (_, d) = t.expect("scan");
            let thread = u64::from_le_bytes(d[..8].try_into().expect("thread"));
            let i = u64::from_le_bytes(d[8..16].try_into().expect("i"));
            assert!(rows.insert((thread, i)), "duplicate row {thread}/{i}");
        }
    }
    // Every committed insert (i % 5 != 4) is there, possibly replaced by its update.
    for t in 0..threads {
        let committed = (0..per_thread).filter(|i| i % 5 != 4).count();
        let found = rows.iter().filter(|(th, _)| *th == t).count();
        assert_eq!(found, committed, "thread {t}");
    }
    st.check_integrity().expect("integrity");
    let max = max_segments.load(std::sync::atomic::Ordering::Relaxed);
    let written = st.log().end_lsn().0 / (64 * 1024);
    let background = st.checkpoints_taken() - 1;
    println!(
        "log: {written} segments written, at most {max} present at once, {background} \
         background checkpoints"
    );
    assert!(background >= 2, "log volume did not trigger checkpoints");
    assert!((max as u64) < written, "log never reclaimed during the run");
    // Two checkpoints with nothing running: the redo point passes everything.
    st.checkpoint().expect("checkpoint");
    st.checkpoint().expect("checkpoint");
    let left = st.log().segment_count().expect("segments");
    assert!(
        left <= 2,
        "{left} segments kept after quiescent checkpoints"
    );
    drop(st);
    // And after a crash everything committed is still there.
    let fs = fs.crash(vfs::CrashMode::PowerLoss);
    let (st, _) = Storage::open(Arc::new(fs), Path::new("/db"), opts()).expect("recover");
    let n: usize = [1, 2].iter().map(|f| st.heap(*f).scan().count()).sum();
    assert_eq!(n, rows.len());
}

#[test]
fn nothing_is_written_after_close_and_an_idle_store_stays_idle() {
    let fs = SimVfs::new(22);
    let mut o = opts();
    o.checkpoint_interval = Some(Duration::from_millis(30));
    let (st, _) = Storage::open(Arc::new(fs.clone()), Path::new("/db"), o).expect("open");
    let mut t = st.begin().expect("begin");
    st.heap(1).insert(&mut t, b"one row").expect("insert");
    t.commit().expect("commit");
    std::thread::sleep(Duration::from_millis(150));
    let taken = st.checkpoints_taken();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        st.checkpoints_taken(),
        taken,
        "an idle store keeps checkpointing"
    );
    st.close().expect("close");
    let ops = fs.op_count();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        fs.op_count(),
        ops,
        "the disk was touched after close returned"
    );
}

#[test]
fn checkpoints_racing_commits_never_undo_a_commit() {
    // A commit whose record is appended just before a checkpoint snapshots the active
    // transactions must not be listed as active (recovery would roll it back). Real files:
    // each transaction logs over 4 MiB, so appending its commit record flushes the log and
    // the checkpointer piles up behind it.
    let dir = std::env::temp_dir().join(format!("quill-commit-race-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let vfs: Arc<dyn vfs::Vfs> = Arc::new(vfs::OsVfs::new());
    let mut o = opts();
    o.checkpoint_interval = None;
    o.pool_frames = 4096;
    let big = vec![7u8; 3500];
    for round in 0..3u64 {
        let (st, _) = Storage::open(vfs.clone(), &dir, o.clone()).expect("open");
        let before = st.heap(1).scan().count() as u64;
        let done = std::sync::atomic::AtomicBool::new(false);
        let committed = std::thread::scope(|s| {
            let ck = s.spawn(|| {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    st.checkpoint().expect("checkpoint");
                }
            });
            let mut committed = 0u64;
            for _ in 0..3 {
                let mut txn = st.begin().expect("begin");
                for _ in 0..1250 {
                    st.heap(1).insert(&mut txn, &big).expect("insert");
                }
                txn.commit().expect("commit");
                committed += 1250;
            }
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            ck.join().expect("checkpointer");
            committed
        });
        // Leave without closing: the next open recovers.
        drop(st);
        let (st, report) = Storage::open(vfs.clone(), &dir, o.clone()).expect("recover");
        let n = st.heap(1).scan().count() as u64;
        assert_eq!(
            n,
            before + committed,
            "round {round}: committed rows lost ({report:?})"
        );
        assert_eq!(report.losers, 0, "round {round}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
