//! Bottom-up bulk build of a B+tree: the built tree against a sorted model (structure, every
//! key found, scans, fill factor, later inserts and deletes), the unique check, and a crash
//! campaign that stops the simulated machine at many points during a build and its commit:
//! after recovery the tree is either unreachable (its transaction did not commit) or
//! complete and valid.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use storage::{ScanDirection, Storage, StorageError, StorageOptions, Tid};
use vfs::{CrashMode, FaultPlan, SimVfs};

fn opts(frames: usize) -> StorageOptions {
    StorageOptions {
        pool_frames: frames,
        checkpoint_interval: None,
        wal_consistency_checking: true,
        ..StorageOptions::default()
    }
}

/// Prefix-free keys: 8 bytes of the number, then up to `pad` bytes it determines.
fn key(k: u64, pad: usize) -> Vec<u8> {
    let mut v = k.to_be_bytes().to_vec();
    v.extend(std::iter::repeat_n(
        (k % 251) as u8,
        (k as usize * 7919) % (pad + 1),
    ));
    v
}

/// `n` entries with distinct tids; user keys drawn from `space` (so repeats when small).
fn entries(seed: u64, n: usize, space: u64, pad: usize) -> Vec<(Vec<u8>, Tid)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let tid = Tid {
                page: (i / 50) as u32,
                slot: (i % 50) as u16,
            };
            (key(rng.gen_range(0..space), pad), tid)
        })
        .collect()
}

fn sorted(mut v: Vec<(Vec<u8>, Tid)>) -> Vec<(Vec<u8>, Tid)> {
    v.sort();
    v
}

fn scan_all(tree: &storage::BTree) -> Vec<(Vec<u8>, Tid)> {
    tree.range(Bound::Unbounded, Bound::Unbounded, ScanDirection::Forward)
        .collect::<Result<_, _>>()
        .expect("scan")
}

#[test]
fn built_tree_matches_model_and_takes_later_changes() {
    for (seed, n, pad) in [(1, 20_000, 0), (2, 6_000, 600), (3, 1, 0), (4, 300, 1_500)] {
        let fs = SimVfs::new(seed);
        let (st, _) = Storage::open(Arc::new(fs), Path::new("/db"), opts(64)).expect("open");
        let input = entries(seed, n, n as u64 / 2 + 1, pad);
        let txn = st.begin().expect("begin");
        let tree = st
            .build_btree(5, false, &txn, input.clone())
            .expect("build");
        txn.commit().expect("commit");
        let stats = tree.check().expect("structure");
        assert_eq!(stats.live, n as u64);
        let model = sorted(input);
        assert_eq!(scan_all(&tree), model, "seed {seed}");
        let mut back: Vec<_> = tree
            .range(Bound::Unbounded, Bound::Unbounded, ScanDirection::Backward)
            .collect::<Result<_, _>>()
            .expect("backward scan");
        back.reverse();
        assert_eq!(back, model);
        for (k, _) in model.iter().step_by(7) {
            let want: Vec<Tid> = model
                .iter()
                .filter(|(m, _)| m == k)
                .map(|(_, t)| *t)
                .collect();
            assert_eq!(tree.get(k).expect("get"), want);
        }
        // The built tree takes ordinary inserts (splits included) and deletes.
        let mut txn = st.begin().expect("begin");
        let mut model = model;
        for i in 0..2_000u64 {
            let k = key(i * 13 + 5, pad);
            let tid = Tid {
                page: 1_000_000,
                slot: i as u16,
            };
            tree.insert(&mut txn, &k, tid).expect("insert");
            model.push((k, tid));
        }
        for (k, tid) in model.clone().iter().step_by(3) {
            tree.delete(&mut txn, k, *tid).expect("delete");
            model.retain(|e| e != &(k.clone(), *tid));
        }
        txn.commit().expect("commit");
        tree.check().expect("structure after changes");
        assert_eq!(scan_all(&tree), sorted(model));
    }
}

#[test]
fn leaves_are_filled_to_the_fill_factor() {
    let fs = SimVfs::new(7);
    let (st, _) = Storage::open(Arc::new(fs), Path::new("/db"), opts(64)).expect("open");
    let n = 50_000;
    let input: Vec<_> = (0..n as u64)
        .map(|i| {
            let tid = Tid {
                page: (i / 100) as u32,
                slot: (i % 100) as u16,
            };
            (i.to_be_bytes().to_vec(), tid)
        })
        .collect();
    let txn = st.begin().expect("begin");
    let tree = st.build_btree(3, true, &txn, input).expect("build");
    let stats = tree.check().expect("structure");
    // A leaf cell of an 8-byte key with its 6-byte tid: 2 + 14 + 15 + a 2-byte slot.
    let cell = storage::btree_page::leaf_cell_size(14);
    let space = storage::page::PAGE_SIZE - storage::btree_page::TRAILER_SIZE - 32;
    let per_leaf = (space * storage::LEAF_FILL_PERCENT / 100) / cell;
    assert_eq!(stats.leaves, (n as u64).div_ceil(per_leaf as u64));
    assert_eq!(stats.height, 2, "{stats:?}");
    // Row-by-row inserts would leave leaves about half full after splits.
    assert!(stats.leaves * (per_leaf as u64) < n as u64 + per_leaf as u64);
}

#[test]
fn unique_build_rejects_equal_keys_and_writes_nothing() {
    let fs = SimVfs::new(8);
    let (st, _) = Storage::open(Arc::new(fs), Path::new("/db"), opts(32)).expect("open");
    let mut input = entries(8, 500, 1 << 40, 10);
    let dup = input[123].0.clone();
    input.push((
        dup.clone(),
        Tid {
            page: 99_999,
            slot: 1,
        },
    ));
    let txn = st.begin().expect("begin");
    match st.build_btree(4, true, &txn, input.clone()) {
        Err(StorageError::DuplicateKey {
            key, first, second, ..
        }) => {
            assert_eq!(key, dup);
            assert_eq!(first, input[123].1);
            assert_eq!(second.page, 99_999);
        }
        Ok(_) => panic!("duplicate keys accepted"),
        Err(e) => panic!("wrong error: {e}"),
    }
    assert_eq!(
        st.heap_bytes(4).expect("size"),
        0,
        "a failed build wrote pages"
    );
    // Non-unique: the same entries build fine; an over-long key is refused.
    st.build_btree(4, false, &txn, input)
        .expect("non-unique build");
    let long = vec![(
        vec![1u8; storage::MAX_USER_KEY + 1],
        Tid { page: 0, slot: 0 },
    )];
    assert!(matches!(
        st.build_btree(6, false, &txn, long),
        Err(StorageError::KeyTooLarge { .. })
    ));
    assert!(matches!(
        st.build_btree(4, false, &txn, Vec::new()),
        Err(StorageError::TreeExists { .. })
    ));
}

#[test]
fn empty_build_gives_an_empty_usable_tree() {
    let fs = SimVfs::new(9);
    let (st, _) = Storage::open(Arc::new(fs), Path::new("/db"), opts(32)).expect("open");
    let mut txn = st.begin().expect("begin");
    let tree = st.build_btree(2, true, &txn, Vec::new()).expect("build");
    assert_eq!(tree.check().expect("structure").entries, 0);
    tree.insert(&mut txn, b"k", Tid { page: 1, slot: 2 })
        .expect("insert");
    txn.commit().expect("commit");
    assert_eq!(tree.get(b"k").expect("get"), vec![Tid { page: 1, slot: 2 }]);
}

const MARKER_HEAP: u32 = 1;
const TREE: u32 = 2;

/// One trial: commit a heap of rows, then in one transaction bulk-build an index over them
/// and insert a marker row naming the tree (the "catalog entry"), commit, checkpoint. The
/// machine crashes at operation `crash_at` (if reached).
fn trial(seed: u64, crash_at: Option<u64>, mode: CrashMode, n: usize) -> (SimVfs, bool, u64) {
    let fs = SimVfs::new(seed);
    let input = entries(seed, n, 1 << 40, 20);
    {
        let (st, _) =
            Storage::open(Arc::new(fs.clone()), Path::new("/db"), opts(24)).expect("open");
        let mut txn = st.begin().expect("begin");
        st.heap(MARKER_HEAP)
            .insert(&mut txn, b"rows")
            .expect("insert");
        txn.commit().expect("commit");
        st.checkpoint().expect("checkpoint");
        if let Some(at) = crash_at {
            fs.set_plan(FaultPlan {
                crash_at_op: Some(fs.op_count() + at),
                ..FaultPlan::default()
            });
        }
        let start = fs.op_count();
        let mut acked = false;
        let run = (|| -> Result<(), StorageError> {
            let mut txn = st.begin()?;
            st.build_btree(TREE, true, &txn, input.clone())?;
            st.heap(MARKER_HEAP).insert(&mut txn, b"index")?;
            txn.commit()?;
            acked = true;
            st.checkpoint()?;
            Ok(())
        })();
        if crash_at.is_none() {
            run.expect("trial without a crash");
        }
        let used = fs.op_count() - start;
        drop(st);
        let after = fs.crash(mode);
        (after, acked, used)
    }
}

/// Reopens after the crash and checks the outcome; returns whether the index was there.
fn verify(fs: SimVfs, acked: bool, seed: u64, n: usize) -> bool {
    let (st, _) = Storage::open(Arc::new(fs), Path::new("/db"), opts(24)).expect("recovery");
    let rows: Vec<Vec<u8>> = st
        .heap(MARKER_HEAP)
        .scan()
        .map(|r| r.map(|(_, b)| b))
        .collect::<Result<_, _>>()
        .expect("scan markers");
    let committed = rows.iter().any(|r| r == b"index");
    assert!(committed || !acked, "an acknowledged commit was lost");
    if committed {
        let tree = st.btree(TREE).expect("committed index opens");
        let stats = tree.check().expect("committed index is valid");
        assert_eq!(stats.live, n as u64);
        let model = sorted(entries(seed, n, 1 << 40, 20));
        assert_eq!(scan_all(&tree), model);
        for (k, tid) in &model {
            assert_eq!(tree.get(k).expect("get"), vec![*tid]);
        }
    }
    st.check_integrity().expect("integrity");
    committed
}

#[test]
fn crash_during_bulk_build_recovers_to_no_index_or_a_complete_one() {
    let n = 3_000;
    let (_, _, total) = trial(1, None, CrashMode::ProcessKill, n);
    let trials: u64 = std::env::var("QUILL_BUILD_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120);
    let (mut with, mut without) = (0, 0);
    for t in 0..trials {
        let seed = 1000 + t;
        let at = (t * total) / trials;
        let mode = if t % 2 == 0 {
            CrashMode::PowerLoss
        } else {
            CrashMode::ProcessKill
        };
        let (fs, acked, _) = trial(seed, Some(at), mode, n);
        if verify(fs, acked, seed, n) {
            with += 1;
        } else {
            without += 1;
        }
    }
    assert!(
        with > 0 && without > 0,
        "crash points missed one side: {with} / {without}"
    );
}
