//! Vacuum of a heap and its B+tree: what a live snapshot can see is never removed, what no
//! snapshot can see is removed once the snapshot is gone (heap versions and index entries
//! alike), and the freed slots and space are reused without stale index entries leading a
//! reader to the wrong tuple.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use storage::{BTree, ScanDirection, Snapshot, Storage, StorageOptions, Tid, Transaction};
use vfs::SimVfs;

const HEAP: u32 = 1;
const INDEX: u32 = 2;

fn open() -> Storage {
    let fs = SimVfs::new(7);
    let opts = StorageOptions {
        checkpoint_interval: None,
        wal_consistency_checking: true,
        ..StorageOptions::default()
    };
    Storage::open(Arc::new(fs), Path::new("/db"), opts)
        .expect("open")
        .0
}

/// Key and value of a row: an 8-byte key and some payload.
fn row(key: u8, version: u32) -> Vec<u8> {
    let mut v = vec![key];
    v.extend_from_slice(&version.to_le_bytes());
    v.extend(std::iter::repeat_n(b'x', 40));
    v
}

/// Replaces the row at `tid` with `data`, keeping the index in step (as the engine does:
/// the old version and its entry deleted, the new ones inserted, in one transaction).
fn update(st: &Storage, tree: &BTree, tid: Tid, key: &[u8], data: &[u8]) -> Tid {
    let mut txn = st.begin().expect("begin");
    let new = st.heap(HEAP).update(&mut txn, tid, data).expect("update");
    tree.delete(&mut txn, key, tid).expect("index delete");
    tree.insert(&mut txn, key, new).expect("index insert");
    txn.commit().expect("commit");
    new
}

fn insert(st: &Storage, tree: &BTree, key: &[u8], data: &[u8]) -> Tid {
    let mut txn = st.begin().expect("begin");
    let tid = st.heap(HEAP).insert(&mut txn, data).expect("insert");
    tree.insert(&mut txn, key, tid).expect("index insert");
    txn.commit().expect("commit");
    tid
}

/// The versions `snapshot` reaches through the index under `key`.
fn lookup(st: &Storage, tree: &BTree, snapshot: &Snapshot, key: &[u8]) -> Vec<Vec<u8>> {
    tree.range_as(
        snapshot,
        Bound::Included(key.to_vec()),
        Bound::Included(key.to_vec()),
        ScanDirection::Forward,
    )
    .filter_map(|e| {
        let (_, tid) = e.expect("index entry");
        st.heap(HEAP).get_as(snapshot, tid).expect("heap get")
    })
    .collect()
}

fn fresh_lookup(st: &Storage, tree: &BTree, key: &[u8]) -> Vec<Vec<u8>> {
    let txn: Transaction = st.begin().expect("begin");
    let snap = st.snapshot(&txn);
    let found = lookup(st, tree, &snap, key);
    drop(snap);
    txn.commit().expect("commit");
    found
}

#[test]
fn vacuum_keeps_what_a_live_snapshot_sees_and_removes_it_once_the_snapshot_is_gone() {
    let st = open();
    let tree = st.create_btree(INDEX, true).expect("create tree");
    let key = b"k".to_vec();
    let mut tid = insert(&st, &tree, &key, &row(1, 0));

    // A reader whose snapshot sees version 0.
    let reader = st.begin().expect("begin reader");
    let snap = st.snapshot(&reader);
    let updates = 300u32;
    for v in 1..=updates {
        tid = update(&st, &tree, tid, &key, &row(1, v));
    }
    let h = st.vacuum_heap(HEAP).expect("vacuum heap");
    assert_eq!(
        h.versions_removed, 0,
        "every old version is still visible to the reader"
    );
    assert_eq!(h.dead_kept, u64::from(updates));
    assert_eq!(h.live, 1);
    let b = st.vacuum_btree(INDEX).expect("vacuum index");
    assert_eq!(b.entries_removed, 0);
    assert_eq!(b.entries_left, u64::from(updates) + 1);
    assert_eq!(lookup(&st, &tree, &snap, &key), vec![row(1, 0)]);
    assert_eq!(fresh_lookup(&st, &tree, &key), vec![row(1, updates)]);

    // The reader ends: nothing needs the old versions any more.
    drop(snap);
    reader.commit().expect("commit reader");
    let h = st.vacuum_heap(HEAP).expect("vacuum heap");
    assert_eq!(h.versions_removed, u64::from(updates));
    assert_eq!((h.live, h.dead_kept), (1, 0));
    let b = st.vacuum_btree(INDEX).expect("vacuum index");
    assert_eq!(b.entries_removed, u64::from(updates));
    assert_eq!(b.entries_left, 1);
    assert_eq!(fresh_lookup(&st, &tree, &key), vec![row(1, updates)]);
    // A second pass finds nothing left to do.
    assert_eq!(st.vacuum_heap(HEAP).expect("vacuum").versions_removed, 0);
    assert_eq!(st.vacuum_btree(INDEX).expect("vacuum").entries_removed, 0);

    // The freed space and slots are reused: with a vacuum every 20 updates the file does
    // not grow.
    let pages = st.heap_bytes(HEAP).expect("size");
    for v in 1..=(updates * 3) {
        tid = update(&st, &tree, tid, &key, &row(1, updates + v));
        if v % 20 == 0 {
            st.vacuum_heap(HEAP).expect("vacuum heap");
            st.vacuum_btree(INDEX).expect("vacuum index");
        }
    }
    assert!(st.heap_bytes(HEAP).expect("size") <= pages);
    assert_eq!(fresh_lookup(&st, &tree, &key), vec![row(1, updates * 4)]);
    tree.check().expect("tree check");
    st.check_integrity().expect("integrity");
}

#[test]
fn stale_index_entries_never_lead_to_a_reused_slot() {
    let st = open();
    let tree = st.create_btree(INDEX, false).expect("create tree");
    let a = b"a".to_vec();
    let mut tid = insert(&st, &tree, &a, &row(b'a', 0));
    let first = tid;
    for v in 1..=5 {
        tid = update(&st, &tree, tid, &a, &row(b'a', v));
    }
    // Only the heap is vacuumed: the index keeps its deleted entries for key a.
    let h = st.vacuum_heap(HEAP).expect("vacuum heap");
    assert_eq!(h.versions_removed, 5);
    // The next version of a takes the lowest free slot, its first version's: the stale
    // entry (a, that tid) comes back to life instead of a second entry being added.
    tid = update(&st, &tree, tid, &a, &row(b'a', 6));
    assert_eq!(tid, first, "the freed slot is reused");
    assert_eq!(tree.get(&a).expect("get"), vec![first]);
    assert_eq!(fresh_lookup(&st, &tree, &a), vec![row(b'a', 6)]);
    // Rows under another key take the other freed slots, some still named by deleted
    // entries of a.
    let mut reused = Vec::new();
    for i in 0..5u32 {
        reused.push(insert(&st, &tree, b"b", &row(b'b', i)));
    }
    assert!(
        reused.iter().any(|t| t.page == first.page && t.slot < 5),
        "{reused:?}"
    );
    // Through key a only a's newest version is found, though entries of a name the tids
    // now holding b's rows; through b, exactly b's rows.
    assert_eq!(fresh_lookup(&st, &tree, &a), vec![row(b'a', 6)]);
    let mut bs = fresh_lookup(&st, &tree, b"b");
    bs.sort();
    assert_eq!(bs, (0..5).map(|i| row(b'b', i)).collect::<Vec<_>>());
    assert_eq!(tree.get(&a).expect("get"), vec![tid]);
    // The stale entries of a: four (one was revived), plus the one of the version 6
    // replaced.
    let b = st.vacuum_btree(INDEX).expect("vacuum index");
    assert_eq!(b.entries_removed, 5);
    tree.check().expect("tree check");
    st.check_integrity().expect("integrity");
}

#[test]
fn an_insert_on_a_full_page_reclaims_only_below_the_horizon() {
    let st = open();
    let tree = st.create_btree(INDEX, true).expect("create tree");
    let key = b"k".to_vec();
    let mut tid = insert(&st, &tree, &key, &row(1, 0));
    let reader = st.begin().expect("begin reader");
    let snap = st.snapshot(&reader);
    // Far more versions than one page holds: inserts find pages full and prune, but may
    // remove nothing the reader sees.
    for v in 1..=1000 {
        tid = update(&st, &tree, tid, &key, &row(1, v));
    }
    assert_eq!(lookup(&st, &tree, &snap, &key), vec![row(1, 0)]);
    drop(snap);
    reader.commit().expect("commit reader");
    let grown = st.heap_bytes(HEAP).expect("size");
    for v in 1001..=3000 {
        tid = update(&st, &tree, tid, &key, &row(1, v));
    }
    // Once the reader is gone, pruning on full pages alone keeps the heap from growing.
    assert!(st.heap_bytes(HEAP).expect("size") <= grown);
    assert_eq!(fresh_lookup(&st, &tree, &key), vec![row(1, 3000)]);
    tree.check().expect("tree check");
    st.check_integrity().expect("integrity");
}
