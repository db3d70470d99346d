//! `quill-bench`: storage-engine and SQL benchmarks on real files.
//!
//! - `btree [--keys N] [--frames F]`: N random keys into a B+tree with a buffer pool smaller
//!   than the tree, checked against a `BTreeMap` (every key, full scans both ways, deletes),
//!   reporting inserts/s, point lookups/s and range-scan rows/s.
//! - `commit [--threads T] [--txns N]`: single-row insert transactions from T threads,
//!   reporting commits/s and log syncs (group commit).
//! - `sql [--rows N] [--budget S]`: the SQL engine beside SQLite on the same workloads
//!   (see [`sql`]).

mod sql;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use storage::{ScanDirection, Storage, StorageOptions, Tid};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("quill-bench-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn open(dir: &TempDir, frames: usize) -> Storage {
    let opts = StorageOptions {
        pool_frames: frames,
        checkpoint_interval: Some(Duration::from_secs(5)),
        ..StorageOptions::default()
    };
    match Storage::open(Arc::new(vfs::OsVfs::new()), &dir.0, opts) {
        Ok((s, _)) => s,
        Err(e) => fail(&format!("open: {e}")),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("quill-bench: {msg}");
    std::process::exit(1)
}

fn rate(n: u64, d: Duration) -> String {
    format!("{:.0}/s", n as f64 / d.as_secs_f64())
}

fn btree(keys: u64, frames: usize) {
    let dir = TempDir::new("btree");
    let st = open(&dir, frames);
    let tree = st
        .create_btree(10, true)
        .unwrap_or_else(|e| fail(&e.to_string()));
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut model: BTreeMap<Vec<u8>, Tid> = BTreeMap::new();
    while (model.len() as u64) < keys {
        let k: u64 = rng.gen();
        let tid = Tid {
            page: (k >> 40) as u32,
            slot: (k & 0xffff) as u16,
        };
        model.insert(k.to_be_bytes().to_vec(), tid);
    }
    let mut order: Vec<(&Vec<u8>, &Tid)> = model.iter().collect();
    // Insert in random order.
    for i in (1..order.len()).rev() {
        order.swap(i, rng.gen_range(0..=i));
    }
    let t = Instant::now();
    for chunk in order.chunks(1000) {
        let mut txn = st.begin().unwrap_or_else(|e| fail(&e.to_string()));
        for (k, tid) in chunk {
            tree.insert(&mut txn, k, **tid)
                .unwrap_or_else(|e| fail(&format!("insert: {e}")));
        }
        txn.commit().unwrap_or_else(|e| fail(&e.to_string()));
    }
    let insert_time = t.elapsed();
    let check = tree
        .check()
        .unwrap_or_else(|e| fail(&format!("structure: {e}")));
    let tree_pages = check.leaves + check.internal;
    let t = Instant::now();
    let lookups = 200_000.min(keys);
    for _ in 0..lookups {
        let (k, tid) = order[rng.gen_range(0..order.len())];
        let got = tree.get(k).unwrap_or_else(|e| fail(&e.to_string()));
        if got != [*tid] {
            fail(&format!("lookup of {k:?} gave {got:?}, expected {tid:?}"));
        }
    }
    let lookup_time = t.elapsed();
    let t = Instant::now();
    let mut n = 0u64;
    let mut expect = model.iter();
    for r in tree.range(Bound::Unbounded, Bound::Unbounded, ScanDirection::Forward) {
        let (k, tid) = r.unwrap_or_else(|e| fail(&e.to_string()));
        if expect.next() != Some((&k, &tid)) {
            fail(&format!("forward scan diverges from the model at row {n}"));
        }
        n += 1;
    }
    let scan_time = t.elapsed();
    if n != keys {
        fail(&format!("forward scan returned {n} of {keys} keys"));
    }
    let mut back = model.iter().rev();
    for r in tree.range(Bound::Unbounded, Bound::Unbounded, ScanDirection::Backward) {
        let (k, tid) = r.unwrap_or_else(|e| fail(&e.to_string()));
        if back.next() != Some((&k, &tid)) {
            fail("backward scan diverges from the model");
        }
    }
    // Delete a tenth, then compare again.
    let mut txn = st.begin().unwrap_or_else(|e| fail(&e.to_string()));
    let victims: Vec<(Vec<u8>, Tid)> = model
        .iter()
        .step_by(10)
        .map(|(k, t)| (k.clone(), *t))
        .collect();
    for (k, tid) in &victims {
        tree.delete(&mut txn, k, *tid)
            .unwrap_or_else(|e| fail(&format!("delete: {e}")));
        model.remove(k);
    }
    txn.commit().unwrap_or_else(|e| fail(&e.to_string()));
    let remaining = tree
        .range(Bound::Unbounded, Bound::Unbounded, ScanDirection::Forward)
        .count() as u64;
    if remaining != model.len() as u64 {
        fail(&format!(
            "{remaining} keys after deletes, model has {}",
            model.len()
        ));
    }
    tree.check()
        .unwrap_or_else(|e| fail(&format!("structure: {e}")));
    let (reads, writes) = st.io_counts();
    println!(
        "btree: {keys} keys, height {}, {tree_pages} pages ({} MiB) through a pool of {frames} frames ({} MiB)",
        check.height,
        (tree_pages * 8192) >> 20,
        (frames * 8192) >> 20
    );
    println!(
        "btree: inserts {} (1000 per transaction), point lookups {}, forward scan {} rows; {reads} page reads, {writes} page writes; matches the BTreeMap model",
        rate(keys, insert_time),
        rate(lookups, lookup_time),
        rate(n, scan_time)
    );
    if let Err(e) = st.close() {
        fail(&e.to_string());
    }
}

fn commit(threads: u64, txns: u64) {
    let dir = TempDir::new("commit");
    let st = open(&dir, 256);
    let syncs_before = st.log().sync_count();
    let t = Instant::now();
    std::thread::scope(|s| {
        for w in 0..threads {
            let st = st.clone();
            s.spawn(move || {
                let heap = st.heap(1);
                for i in 0..txns {
                    let mut txn = st.begin().unwrap_or_else(|e| fail(&e.to_string()));
                    let row = format!("thread {w} row {i}");
                    heap.insert(&mut txn, row.as_bytes())
                        .unwrap_or_else(|e| fail(&e.to_string()));
                    txn.commit().unwrap_or_else(|e| fail(&e.to_string()));
                }
            });
        }
    });
    let elapsed = t.elapsed();
    let total = threads * txns;
    let syncs = st.log().sync_count() - syncs_before;
    println!(
        "commit: {threads} threads, {total} single-row insert transactions: {} commits, {syncs} log syncs ({:.1} commits per sync)",
        rate(total, elapsed),
        total as f64 / syncs.max(1) as f64
    );
}

const HELP: &str = "\
quill-bench — storage engine and SQL benchmarks on real files (in the system temp directory)

USAGE:
    quill-bench btree [--keys N] [--frames F]     (defaults: 1000000 keys, 1024 frames)
    quill-bench commit [--threads T] [--txns N]   (defaults: 8 threads, 2000 transactions each)
    quill-bench sql [--rows N] [--budget S]       (defaults: 1000000 GROUP BY rows, 120 s per
                                                   Quill workload; SQLite then does the same work)
";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str, default: u64| -> u64 {
        match args.iter().position(|a| a == name) {
            Some(i) => args
                .get(i + 1)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| fail(&format!("{name} needs a number"))),
            None => default,
        }
    };
    match args.first().map(String::as_str) {
        Some("btree") => btree(flag("--keys", 1_000_000), flag("--frames", 1024) as usize),
        Some("commit") => commit(flag("--threads", 8), flag("--txns", 2000)),
        Some("sql") => sql::run(
            flag("--rows", 1_000_000),
            Duration::from_secs(flag("--budget", 120).max(1)),
        ),
        _ => print!("{HELP}"),
    }
}
