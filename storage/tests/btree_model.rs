//! B+tree against `BTreeMap` as the model: random inserts, deletes, lookups and range scans in
//! both directions with inclusive/exclusive bounds, inside transactions that commit or abort,
//! with trees several levels deep. The structure check runs along the way.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use storage::{BTree, ScanDirection, Storage, StorageError, StorageOptions, Tid};
use vfs::SimVfs;

fn opts(frames: usize) -> StorageOptions {
    StorageOptions {
        pool_frames: frames,
        checkpoint_interval: None,
        wal_consistency_checking: true,
        ..StorageOptions::default()
    }
}

/// Prefix-free keys of varying length: 8 bytes of the number, then padding it determines.
fn key(k: u64, pad: usize) -> Vec<u8> {
    let mut v = k.to_be_bytes().to_vec();
    v.extend(std::iter::repeat_n(
        (k % 251) as u8,
        (k as usize * 7919) % (pad + 1),
    ));
    v
}

type Model = BTreeMap<(Vec<u8>, Tid), ()>;

fn bound(rng: &mut ChaCha8Rng, pad: usize, space: u64) -> Bound<Vec<u8>> {
    match rng.gen_range(0..3) {
        0 => Bound::Unbounded,
        1 => Bound::Included(key(rng.gen_range(0..space), pad)),
        _ => Bound::Excluded(key(rng.gen_range(0..space), pad)),
    }
}

fn in_bounds(k: &[u8], lo: &Bound<Vec<u8>>, hi: &Bound<Vec<u8>>) -> bool {
    let above = match lo {
        Bound::Unbounded => true,
        Bound::Included(b) => k >= b.as_slice(),
        Bound::Excluded(b) => k > b.as_slice(),
    };
    let below = match hi {
        Bound::Unbounded => true,
        Bound::Included(b) => k <= b.as_slice(),
        Bound::Excluded(b) => k < b.as_slice(),
    };
    above && below
}

fn check_scans(tree: &BTree, model: &Model, rng: &mut ChaCha8Rng, pad: usize, space: u64) {
    let lo = bound(rng, pad, space);
    let hi = bound(rng, pad, space);
    let expect: Vec<(Vec<u8>, Tid)> = model
        .keys()
        .filter(|(k, _)| in_bounds(k, &lo, &hi))
        .cloned()
        .collect();
    let fwd: Vec<_> = tree
        .range(lo.clone(), hi.clone(), ScanDirection::Forward)
        .collect::<Result<_, _>>()
        .expect("forward scan");
    assert_eq!(fwd, expect, "forward scan {lo:?}..{hi:?}");
    let mut back: Vec<_> = tree
        .range(lo.clone(), hi.clone(), ScanDirection::Backward)
        .collect::<Result<_, _>>()
        .expect("backward scan");
    back.reverse();
    assert_eq!(back, expect, "backward scan {lo:?}..{hi:?}");
}

fn run(seed: u64, unique: bool, ops: usize, space: u64, pad: usize) -> storage::TreeCheck {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let fs = SimVfs::new(seed);
    let (st, _) = Storage::open(Arc::new(fs), Path::new("/db"), opts(16)).expect("open");
    let tree = st.create_btree(5, unique).expect("create");
    let mut model = Model::new();
    let mut done = 0;
    while done < ops {
        let mut txn = st.begin().expect("begin");
        let mut pending = model.clone();
        for _ in 0..rng.gen_range(1..40) {
            done += 1;
            let k = key(rng.gen_range(0..space), pad);
            let tid = Tid {
                page: rng.gen_range(0..3),
                slot: rng.gen_range(0..3),
            };
            if rng.gen_bool(0.65) {
                let res = tree.insert(&mut txn, &k, tid);
                let dup_key = pending
                    .range((k.clone(), Tid { page: 0, slot: 0 })..)
                    .next()
                    .is_some_and(|((pk, _), _)| *pk == k);
                let exists = pending.contains_key(&(k.clone(), tid));
                match res {
                    Ok(()) => {
                        let allowed = !(exists || (unique && dup_key));
                        assert!(allowed, "insert of a present key succeeded");
                        pending.insert((k, tid), ());
                    }
                    Err(StorageError::UniqueViolation { .. }) => assert!(unique && dup_key),
                    Err(StorageError::DuplicateEntry { .. }) => assert!(exists),
                    Err(e) => panic!("insert failed: {e}"),
                }
            } else {
                // Delete an existing entry most of the time.
                let target = if rng.gen_bool(0.8) && !pending.is_empty() {
                    let n = rng.gen_range(0..pending.len());
                    pending.keys().nth(n).cloned().expect("entry")
                } else {
                    (k, tid)
                };
                let exists = pending.contains_key(&target);
                match tree.delete(&mut txn, &target.0, target.1) {
                    Ok(()) => {
                        assert!(exists);
                        pending.remove(&target);
                    }
                    Err(StorageError::KeyNotFound { .. }) => assert!(!exists),
                    Err(e) => panic!("delete failed: {e}"),
                }
            }
            if rng.gen_bool(0.05) {
                let k = key(rng.gen_range(0..space), pad);
                let expect: Vec<Tid> = pending
                    .keys()
                    .filter(|(pk, _)| *pk == k)
                    .map(|(_, t)| *t)
                    .collect();
                assert_eq!(tree.get(&k).expect("get"), expect);
            }
        }
        if rng.gen_bool(0.2) {
            txn.abort().expect("abort");
        } else {
            txn.commit().expect("commit");
            model = pending;
        }
        if rng.gen_bool(0.1) {
            check_scans(&tree, &model, &mut rng, pad, space);
            tree.check().expect("structure");
        }
    }
    check_scans(&tree, &model, &mut rng, pad, space);
    let all: Vec<_> = tree
        .range(Bound::Unbounded, Bound::Unbounded, ScanDirection::Forward)
        .collect::<Result<_, _>>()
        .expect("scan");
    assert_eq!(all.len(), model.len());
    let stats = tree.check().expect("structure");
    assert_eq!(stats.live, model.len() as u64);
    stats
}

#[test]
fn matches_btreemap_non_unique() {
    for seed in 0..6 {
        let s = run(seed, false, 6_000, 3_000, 1_000);
        assert!(s.height >= 3, "tree too shallow to test: {s:?}");
    }
}

#[test]
fn matches_btreemap_unique() {
    for seed in 10..16 {
        let s = run(seed, true, 6_000, 2_000, 1_500);
        assert!(s.height >= 3, "tree too shallow to test: {s:?}");
    }
}

#[test]
fn small_keys_many_entries() {
    let s = run(99, false, 40_000, 1 << 40, 0);
    assert!(s.height >= 2, "{s:?}");
}
