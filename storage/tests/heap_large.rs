//! A heap many times larger than the buffer pool: every tuple comes back, before and after a
//! clean reopen, and deletes, updates and rollbacks behave.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::sync::Arc;
use storage::{Storage, StorageError, StorageOptions};
use vfs::SimVfs;

fn opts() -> StorageOptions {
    StorageOptions {
        pool_frames: 16,
        checkpoint_interval: None,
        ..StorageOptions::default()
    }
}

fn row(i: u32) -> Vec<u8> {
    let mut v = i.to_le_bytes().to_vec();
    v.extend(std::iter::repeat_n(
        (i % 251) as u8,
        300 + (i % 400) as usize,
    ));
    v
}

#[test]
fn heap_far_larger_than_pool() {
    let fs = SimVfs::new(11);
    let dir = Path::new("/db");
    let (st, _) = Storage::open(Arc::new(fs.clone()), dir, opts()).expect("open");
    let heap = st.heap(1);
    let n = 20_000u32;
    let mut tids = Vec::new();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut t = st.begin().expect("begin");
        for &i in chunk {
            tids.push(heap.insert(&mut t, &row(i)).expect("insert"));
        }
        t.commit().expect("commit");
    }
    let pages = st.heap_bytes(1).expect("size") / 8192;
    assert!(
        pages > 50 * 16,
        "heap of {pages} pages is not far larger than the pool"
    );
    for (i, tid) in tids.iter().enumerate().step_by(97) {
        assert_eq!(heap.get(*tid).expect("get"), Some(row(i as u32)));
    }
    // An aborted transaction's deletes and inserts leave no trace.
    let mut t = st.begin().expect("begin");
    for tid in tids.iter().take(1000) {
        heap.delete(&mut t, *tid).expect("delete");
    }
    heap.insert(&mut t, b"never").expect("insert");
    t.abort().expect("abort");
    // Committed deletes and updates do.
    let mut t = st.begin().expect("begin");
    for tid in tids.iter().skip(1).step_by(2) {
        heap.delete(&mut t, *tid).expect("delete");
    }
    let moved = heap.update(&mut t, tids[0], b"updated").expect("update");
    t.commit().expect("commit");
    st.close().expect("close");
    // `heap` still holds the store open: the directory stays locked until it goes.
    let second = Storage::open(Arc::new(fs.clone()), dir, opts());
    assert!(
        matches!(second, Err(StorageError::Locked { .. })),
        "{second:?}"
    );
    drop(heap);

    let (st, report) = Storage::open(Arc::new(fs.clone()), dir, opts()).expect("reopen");
    assert_eq!(
        report.records_redone, 0,
        "a clean shutdown leaves nothing to redo"
    );
    assert_eq!(report.losers, 0);
    let heap = st.heap(1);
    let mut seen = 0u32;
    for t in heap.scan() {
        let (tid, data) = t.expect("scan");
        if tid == moved {
            assert_eq!(data, b"updated");
        } else {
            let i = u32::from_le_bytes(data[..4].try_into().expect("id"));
            assert_eq!(i % 2, 0, "deleted row {i} visible");
            assert_eq!(data, row(i));
        }
        seen += 1;
    }
    assert_eq!(seen, n / 2);
    let integrity = st.check_integrity().expect("integrity");
    assert_eq!(integrity.pages, pages);
}

#[test]
fn inserts_reuse_space_freed_by_committed_deletes() {
    let fs = SimVfs::new(12);
    let (st, _) = Storage::open(Arc::new(fs), Path::new("/db"), opts()).expect("open");
    let heap = st.heap(1);
    for round in 0..20u32 {
        let mut t = st.begin().expect("begin");
        let tids: Vec<_> = (0..500)
            .map(|i| heap.insert(&mut t, &row(round * 1000 + i)).expect("insert"))
            .collect();
        t.commit().expect("commit");
        let mut t = st.begin().expect("begin");
        for tid in tids {
            heap.delete(&mut t, tid).expect("delete");
        }
        t.commit().expect("commit");
    }
    // 10,000 rows of ~550 bytes passed through; pruning keeps the heap near one round's size.
    let pages = st.heap_bytes(1).expect("size") / 8192;
    assert!(
        pages < 80,
        "heap grew to {pages} pages: deleted space is not reused"
    );
    assert_eq!(heap.scan().count(), 0);
}

#[test]
fn first_operation_after_reopen_can_be_an_update() {
    let fs = SimVfs::new(13);
    let dir = Path::new("/db");
    let (st, _) = Storage::open(Arc::new(fs.clone()), dir, opts()).expect("open");
    let mut t = st.begin().expect("begin");
    let tids: Vec<_> = (0..2000)
        .map(|i| st.heap(1).insert(&mut t, &row(i)).expect("insert"))
        .collect();
    t.commit().expect("commit");
    st.close().expect("close");
    // The free space map is loaded lazily; an update latches a page before it inserts.
    let (st, _) = Storage::open(Arc::new(fs), dir, opts()).expect("reopen");
    let mut t = st.begin().expect("begin");
    let new = st
        .heap(1)
        .update(&mut t, tids[7], b"changed")
        .expect("update");
    t.commit().expect("commit");
    assert_eq!(st.heap(1).get(new).expect("get"), Some(b"changed".to_vec()));
    assert_eq!(st.heap(1).get(tids[7]).expect("get"), None);
}
