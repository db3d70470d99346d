//! B+tree under concurrency: writer and reader threads on one tree (with splits happening),
//! then a structure check; and racing inserts of the same keys into a unique tree, of which
//! exactly one per key may win.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeSet;
use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use storage::{ScanDirection, Storage, StorageError, StorageOptions, Tid};
use vfs::SimVfs;

fn opts() -> StorageOptions {
    StorageOptions {
        pool_frames: 64,
        checkpoint_interval: Some(std::time::Duration::from_millis(10)),
        checkpoint_wal_bytes: 1 << 20,
        ..StorageOptions::default()
    }
}

fn key(writer: u64, i: u64) -> Vec<u8> {
    // Interleave writers' keys so they share leaves; pad so splits are frequent.
    let mut k = (i * 8 + writer).to_be_bytes().to_vec();
    k.extend(std::iter::repeat_n(writer as u8, 120));
    k
}

#[test]
fn writers_and_readers_share_a_tree() {
    let fs = SimVfs::new(31);
    let (st, _) = Storage::open(Arc::new(fs), Path::new("/db"), opts()).expect("open");
    let tree = st.create_btree(7, false).expect("create");
    let writers = 3u64;
    let per_writer = 3_000u64;
    let stop = AtomicBool::new(false);
    let scans = AtomicU64::new(0);
    std::thread::scope(|s| {
        let mut handles = Vec::new();
        for w in 0..writers {
            let (st, tree) = (st.clone(), tree.clone());
            handles.push(s.spawn(move || {
                for chunk in (0..per_writer).collect::<Vec<_>>().chunks(20) {
                    let mut txn = st.begin().expect("begin");
                    for &i in chunk {
                        let tid = Tid {
                            page: i as u32,
                            slot: w as u16,
                        };
                        tree.insert(&mut txn, &key(w, i), tid).expect("insert");
                    }
                    // Every fifth batch rolls back; every other one deletes its first key.
                    if chunk[0] % 100 == 80 {
                        txn.abort().expect("abort");
                        continue;
                    }
                    let first = chunk[0];
                    if first % 40 == 0 {
                        let tid = Tid {
                            page: first as u32,
                            slot: w as u16,
                        };
                        tree.delete(&mut txn, &key(w, first), tid).expect("delete");
                    }
                    txn.commit().expect("commit");
                }
            }));
        }
        for _ in 0..2 {
            let tree = tree.clone();
            let (stop, scans) = (&stop, &scans);
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    // Scans see keys in strictly increasing (or decreasing) order at all times.
                    let fwd: Vec<_> = tree
                        .range(Bound::Unbounded, Bound::Unbounded, ScanDirection::Forward)
                        .collect::<Result<_, _>>()
                        .expect("scan");
                    assert!(fwd
                        .windows(2)
                        .all(|w| (&w[0].0, w[0].1) < (&w[1].0, w[1].1)));
                    let back: Vec<_> = tree
                        .range(Bound::Unbounded, Bound::Unbounded, ScanDirection::Backward)
                        .collect::<Result<_, _>>()
                        .expect("scan");
                    assert!(back
                        .windows(2)
                        .all(|w| (&w[0].0, w[0].1) > (&w[1].0, w[1].1)));
                    scans.fetch_add(2, Ordering::Relaxed);
                }
            });
        }
        for h in handles {
            h.join().expect("writer");
        }
        stop.store(true, Ordering::Relaxed);
    });
    let check = tree.check().expect("structure");
    let mut expected = BTreeSet::new();
    for w in 0..writers {
        for i in 0..per_writer {
            let batch_start = i - i % 20;
            if batch_start % 100 == 80 || (i == batch_start && i % 40 == 0) {
                continue;
            }
            expected.insert((
                key(w, i),
                Tid {
                    page: i as u32,
                    slot: w as u16,
                },
            ));
        }
    }
    let found: BTreeSet<_> = tree
        .range(Bound::Unbounded, Bound::Unbounded, ScanDirection::Forward)
        .collect::<Result<_, _>>()
        .expect("scan");
    assert_eq!(found.len(), expected.len());
    assert!(
        found == expected,
        "tree contents differ from the committed inserts"
    );
    assert_eq!(check.live, expected.len() as u64);
    assert!(check.height >= 3, "{check:?}");
    assert!(scans.load(Ordering::Relaxed) > 0);
    println!(
        "concurrent tree: {check:?}, {} reader scans",
        scans.load(Ordering::Relaxed)
    );
}

#[test]
fn racing_unique_inserts_have_one_winner_per_key() {
    let fs = SimVfs::new(32);
    let (st, _) = Storage::open(Arc::new(fs), Path::new("/db"), opts()).expect("open");
    let tree = st.create_btree(8, true).expect("create");
    let keys = 400u64;
    let threads = 4u64;
    let winners = AtomicU64::new(0);
    std::thread::scope(|s| {
        for t in 0..threads {
            let (st, tree, winners) = (st.clone(), tree.clone(), &winners);
            s.spawn(move || {
                for k in 0..keys {
                    let mut key = k.to_be_bytes().to_vec();
                    key.extend(std::iter::repeat_n(7u8, 200));
                    let mut txn = st.begin().expect("begin");
                    let tid = Tid {
                        page: k as u32,
                        slot: t as u16,
                    };
                    match tree.insert(&mut txn, &key, tid) {
                        Ok(()) => {
                            txn.commit().expect("commit");
                            winners.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(
                            StorageError::UniqueViolation { .. } | StorageError::KeyConflict { .. },
                        ) => {
                            txn.abort().expect("abort");
                        }
                        Err(e) => panic!("insert failed: {e}"),
                    }
                }
            });
        }
    });
    let entries: Vec<_> = tree
        .range(Bound::Unbounded, Bound::Unbounded, ScanDirection::Forward)
        .collect::<Result<_, _>>()
        .expect("scan");
    let distinct: BTreeSet<_> = entries.iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(entries.len() as u64, keys, "a key got two live entries");
    assert_eq!(distinct.len() as u64, keys);
    assert_eq!(winners.load(Ordering::Relaxed), keys);
    tree.check().expect("structure");
}
