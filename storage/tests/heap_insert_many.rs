//! `Heap::insert_many` (one log record per page of tuples): the tids and contents against
//! single inserts, free space reuse, rollback (one CLR per page batch), and crash points
//! through a multi-row insert and its commit: after recovery all of the rows or none.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::sync::Arc;
use storage::heap_page;
use storage::page::{PAGE_HEADER_SIZE, PAGE_SIZE};
use storage::{Storage, StorageError, StorageOptions, Tid};
use vfs::{CrashMode, FaultPlan, SimVfs};

fn opts() -> StorageOptions {
    StorageOptions {
        pool_frames: 24,
        checkpoint_interval: None,
        wal_consistency_checking: true,
        ..StorageOptions::default()
    }
}

fn row(i: usize) -> Vec<u8> {
    let mut v = format!("row {i} ").into_bytes();
    v.resize(20 + (i * 37) % 300, b'x');
    v
}

fn contents(st: &Storage, file: u32) -> Vec<(Tid, Vec<u8>)> {
    st.heap(file)
        .scan()
        .collect::<Result<Vec<_>, _>>()
        .expect("scan")
}

#[test]
fn insert_many_stores_every_row_and_rolls_back() {
    let fs = SimVfs::new(1);
    let (st, _) = Storage::open(Arc::new(fs), Path::new("/db"), opts()).expect("open");
    let rows: Vec<Vec<u8>> = (0..3_000).map(row).collect();
    let mut txn = st.begin().expect("begin");
    let tids = st.heap(3).insert_many(&mut txn, &rows).expect("insert");
    txn.commit().expect("commit");
    assert_eq!(tids.len(), rows.len());
    for (tid, r) in tids.iter().zip(&rows) {
        assert_eq!(st.heap(3).get(*tid).expect("get").as_ref(), Some(r));
    }
    let mut got = contents(&st, 3);
    got.sort();
    let mut want: Vec<_> = tids.iter().copied().zip(rows.iter().cloned()).collect();
    want.sort();
    assert_eq!(got, want);
    // Pages are filled: a page takes the next rows as long as they fit, so whenever the
    // next row went to another page, it did not fit in the page before.
    let cost = |r: &[u8]| r.len() + heap_page::TUPLE_HEADER_SIZE + heap_page::SLOT_SIZE;
    let room = PAGE_SIZE - PAGE_HEADER_SIZE;
    let mut used = std::collections::HashMap::<u32, usize>::new();
    for (i, (tid, r)) in tids.iter().zip(&rows).enumerate() {
        *used.entry(tid.page).or_default() += cost(r);
        if let (Some(next), Some(nr)) = (tids.get(i + 1), rows.get(i + 1)) {
            if next.page != tid.page {
                assert!(
                    used[&tid.page] + cost(nr) > room,
                    "row {} left page {} with room for it",
                    i + 1,
                    tid.page
                );
            }
        }
    }
    // Rollback removes every row of every batch.
    let mut txn = st.begin().expect("begin");
    st.heap(3).insert_many(&mut txn, &rows).expect("insert");
    txn.abort().expect("abort");
    assert_eq!(contents(&st, 3).len(), rows.len());
    // Too large a tuple: nothing inserted.
    let mut txn = st.begin().expect("begin");
    let big = vec![row(1), vec![0u8; 9_000]];
    assert!(matches!(
        st.heap(5).insert_many(&mut txn, &big),
        Err(StorageError::TupleTooLarge { .. })
    ));
    txn.commit().expect("commit");
    assert!(contents(&st, 5).is_empty());
    st.check_integrity().expect("integrity");
}

/// Commits a first batch, then crashes at `at` ops into a second batch and its commit.
fn trial(seed: u64, at: Option<u64>, mode: CrashMode) -> (SimVfs, bool, u64) {
    let fs = SimVfs::new(seed);
    let first: Vec<Vec<u8>> = (0..500).map(row).collect();
    let second: Vec<Vec<u8>> = (500..1_500).map(row).collect();
    let (st, _) = Storage::open(Arc::new(fs.clone()), Path::new("/db"), opts()).expect("open");
    let mut txn = st.begin().expect("begin");
    st.heap(2).insert_many(&mut txn, &first).expect("insert");
    txn.commit().expect("commit");
    let start = fs.op_count();
    if let Some(at) = at {
        fs.set_plan(FaultPlan {
            crash_at_op: Some(start + at),
            ..FaultPlan::default()
        });
    }
    let mut acked = false;
    let _ = (|| -> Result<(), StorageError> {
        let mut txn = st.begin()?;
        st.heap(2).insert_many(&mut txn, &second)?;
        txn.commit()?;
        acked = true;
        st.checkpoint()?;
        Ok(())
    })();
    let used = fs.op_count() - start;
    drop(st);
    (fs.crash(mode), acked, used)
}

#[test]
fn crash_during_insert_many_keeps_all_rows_or_none() {
    let (_, acked, total) = trial(1, None, CrashMode::ProcessKill);
    assert!(acked);
    let trials = 80;
    let (mut all, mut none) = (0, 0);
    for t in 0..trials {
        let mode = if t % 2 == 0 {
            CrashMode::PowerLoss
        } else {
            CrashMode::ProcessKill
        };
        let (fs, acked, _) = trial(100 + t, Some(t * (total + total / 8) / trials), mode);
        let (st, _) = Storage::open(Arc::new(fs), Path::new("/db"), opts()).expect("recovery");
        let mut got: Vec<Vec<u8>> = contents(&st, 2).into_iter().map(|(_, r)| r).collect();
        got.sort();
        let mut first: Vec<Vec<u8>> = (0..500).map(row).collect();
        first.sort();
        let mut both: Vec<Vec<u8>> = (0..1_500).map(row).collect();
        both.sort();
        if got == both {
            all += 1;
        } else {
            assert_eq!(got, first, "trial {t}: part of a transaction survived");
            assert!(!acked, "trial {t}: acknowledged rows lost");
            none += 1;
        }
        st.check_integrity().expect("integrity");
    }
    assert!(all > 0 && none > 0, "{all} / {none}");
}
