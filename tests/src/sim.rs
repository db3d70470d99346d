//! Crash simulation harness: a seeded random workload of transactions over the storage engine
//! on [`SimVfs`], a crash (or injected I/O fault) at a chosen I/O operation, recovery
//! (optionally crashed again part-way), and verification against a model of what was
//! acknowledged.
//!
//! Oracle: after recovery the heaps hold exactly the acknowledged commits' effects, plus
//! possibly the one commit that was in flight when the crash hit (all of it or none of it);
//! every page passes its checksum and structure check.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use storage::{
    Sabotage, Savepoint, ScanDirection, Storage, StorageError, StorageOptions, Tid, Transaction,
};
use vfs::{CrashMode, FaultKind, FaultPlan, IoFault, SimVfs};
use wal::LogOptions;

pub type Model = BTreeMap<u64, Vec<u8>>;

/// An I/O fault injected at a random point of the workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Injected {
    /// EIO on operations of `kind` (from a random op on; every later one too if persistent).
    Eio { kind: FaultKind, persistent: bool },
    /// The disk fills up at a random point.
    Enospc,
}

/// One trial's settings; everything else derives from `seed`.
#[derive(Clone, Debug)]
pub struct TrialConfig {
    pub seed: u64,
    pub steps: usize,
    pub pool_frames: usize,
    pub segment_size: u64,
    pub sabotage: Option<Sabotage>,
    /// Crash recovery itself (up to this many times) before the final recovery.
    pub nested_crashes: u32,
    /// Inject this fault at a random operation instead of a crash point; the workload stops
    /// at the first error, then the machine crashes and recovers.
    pub fault: Option<Injected>,
    /// Force the crash mode (otherwise mostly power loss, sometimes process kill).
    pub mode: Option<CrashMode>,
    /// Whether the workload takes checkpoints (which reclaim the log).
    pub checkpoints: bool,
    /// Padding bytes of each index key: long keys make B+tree splits and root growth
    /// frequent.
    pub index_pad: usize,
}

impl TrialConfig {
    pub fn new(seed: u64) -> TrialConfig {
        TrialConfig {
            seed,
            steps: 900,
            pool_frames: 16,
            segment_size: 16 * 1024,
            sabotage: None,
            nested_crashes: 0,
            fault: None,
            mode: None,
            checkpoints: true,
            index_pad: [0, 100, 600, 1400][(seed % 4) as usize],
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct TrialStats {
    pub crash_op: u64,
    pub total_ops: u64,
    pub commits_acked: u64,
    pub nested_crashes: u32,
    pub records_redone: u64,
    pub losers: u64,
    pub torn_pages_repaired: u64,
    pub consistency_checks: u64,
    pub error_seen: Option<String>,
    /// Height of the index after recovery.
    pub index_height: u16,
}

pub fn options(cfg: &TrialConfig) -> StorageOptions {
    StorageOptions {
        pool_frames: cfg.pool_frames,
        log: LogOptions {
            segment_size: cfg.segment_size,
            sabotage: None,
        },
        wal_consistency_checking: true,
        checkpoint_wal_bytes: u64::MAX,
        checkpoint_interval: None,
        sabotage: cfg.sabotage,
    }
}

const DIR: &str = "/db";
const HEAPS: [u32; 2] = [1, 2];
/// A unique B+tree over both heaps: index key -> tid.
const INDEX: u32 = 3;

fn index_key(key: u64, pad: usize) -> Vec<u8> {
    let mut k = key.to_be_bytes().to_vec();
    k.extend(std::iter::repeat_n(key as u8, pad));
    k
}

fn heap_of(key: u64) -> u32 {
    HEAPS[(key % 2) as usize]
}

fn encode(key: u64, value: &[u8]) -> Vec<u8> {
    let mut v = key.to_le_bytes().to_vec();
    v.extend_from_slice(value);
    v
}

/// Reads every heap into a model (key -> value), failing on duplicates or malformed tuples.
pub fn read_state(storage: &Storage) -> Result<Model, String> {
    Ok(read_rows(storage)?
        .into_iter()
        .map(|(k, (v, _))| (k, v))
        .collect())
}

/// Every heap row: key -> (value, tid).
fn read_rows(storage: &Storage) -> Result<BTreeMap<u64, (Vec<u8>, Tid)>, String> {
    let mut out = BTreeMap::new();
    for file in HEAPS {
        for t in storage.heap(file).scan() {
            let (tid, data) = t.map_err(|e| format!("scan failed: {e}"))?;
            if data.len() < 8 {
                return Err(format!("malformed tuple at {tid}"));
            }
            let key = u64::from_le_bytes(data[..8].try_into().map_err(|_| "short key")?);
            if heap_of(key) != file {
                return Err(format!("key {key} found in the wrong heap"));
            }
            if out.insert(key, (data[8..].to_vec(), tid)).is_some() {
                return Err(format!("key {key} appears twice (second at {tid})"));
            }
        }
    }
    Ok(out)
}

struct OpenTxn {
    txn: Transaction,
    /// Key -> value as this transaction would commit it (None = deleted).
    writes: BTreeMap<u64, Option<Vec<u8>>>,
    /// Key -> tid before this transaction first touched it.
    before: BTreeMap<u64, Option<Tid>>,
    savepoints: Vec<SavedState>,
}

/// A savepoint with the model state to return to: writes, keys touched, and tids.
type SavedState = (
    Savepoint,
    BTreeMap<u64, Option<Vec<u8>>>,
    BTreeSet<u64>,
    BTreeMap<u64, Tid>,
);

/// The workload's view: what is acknowledged, and the in-flight commit if a crash hit it.
#[derive(Default)]
pub struct Outcome {
    pub acked: Model,
    pub in_doubt: Option<BTreeMap<u64, Option<Vec<u8>>>>,
    pub acks: u64,
    pub error: Option<StorageError>,
}

/// Runs the seeded workload until it finishes or the first error (a crash or fault).
pub fn run_workload(storage: &Storage, cfg: &TrialConfig, rng: &mut ChaCha8Rng) -> Outcome {
    let mut out = Outcome::default();
    let mut tids: BTreeMap<u64, Tid> = BTreeMap::new();
    let mut locked: BTreeSet<u64> = BTreeSet::new();
    let mut open: Vec<OpenTxn> = Vec::new();
    let mut next_key = 0u64;
    let mut pending_ckpt = None;
    let trace = std::env::var_os("QUILL_TRACE").is_some();
    let pad = cfg.index_pad;
    let res: Result<(), StorageError> = (|| {
        let index = storage.btree(INDEX)?;
        for step in 0..cfg.steps {
            let roll = rng.gen_range(0..100);
            if trace {
                let ids: Vec<_> = open.iter().map(|t| t.txn.id()).collect();
                eprintln!(
                    "step {step} roll {roll} open {ids:?} key0 {:?}",
                    tids.get(&0)
                );
            }
            if open.is_empty() || (roll < 8 && open.len() < 3) {
                open.push(OpenTxn {
                    txn: storage.begin()?,
                    writes: BTreeMap::new(),
                    before: BTreeMap::new(),
                    savepoints: Vec::new(),
                });
                continue;
            }
            let i = rng.gen_range(0..open.len());
            match roll {
                0..=34 => {
                    // Insert a new key.
                    let key = next_key;
                    next_key += 1;
                    let value = random_value(rng);
                    let t = &mut open[i];
                    let tid = storage
                        .heap(heap_of(key))
                        .insert(&mut t.txn, &encode(key, &value))?;
                    index.insert(&mut t.txn, &index_key(key, pad), tid)?;
                    t.before.entry(key).or_insert(None);
                    t.writes.insert(key, Some(value));
                    tids.insert(key, tid);
                    locked.insert(key);
                }
                35..=54 => {
                    // Update or delete a key nobody else holds.
                    let Some(key) = pick_key(rng, &tids, &locked, &open[i]) else {
                        continue;
                    };
                    let t = &mut open[i];
                    let tid = tids[&key];
                    if trace {
                        eprintln!("  txn {} modifies key {key} at {tid}", t.txn.id());
                    }
                    t.before.entry(key).or_insert(Some(tid));
                    locked.insert(key);
                    index.delete(&mut t.txn, &index_key(key, pad), tid)?;
                    if rng.gen_bool(0.7) {
                        let value = random_value(rng);
                        let new = storage.heap(heap_of(key)).update(
                            &mut t.txn,
                            tid,
                            &encode(key, &value),
                        )?;
                        index.insert(&mut t.txn, &index_key(key, pad), new)?;
                        tids.insert(key, new);
                        t.writes.insert(key, Some(value));
                    } else {
                        storage.heap(heap_of(key)).delete(&mut t.txn, tid)?;
                        tids.remove(&key);
                        t.writes.insert(key, None);
                    }
                }
                55..=59 => {
                    let t = &mut open[i];
                    let sp = t.txn.savepoint();
                    let touched: BTreeSet<u64> = t.before.keys().copied().collect();
                    t.savepoints
                        .push((sp, t.writes.clone(), touched, tids.clone()));
                }
                60..=64 => {
                    let t = &mut open[i];
                    if let Some((sp, writes, touched_at_sp, tids_at_sp)) = t.savepoints.pop() {
                        if trace {
                            eprintln!("  txn {} rolls back to {sp:?}", t.txn.id());
                        }
                        t.txn.rollback_to(sp)?;
                        // Keys this transaction held at the savepoint return to their tids
                        // then; keys first touched later return to their tids before it.
                        // `before` keeps every key touched (they stay locked).
                        for (k, first) in &t.before {
                            let tid = if touched_at_sp.contains(k) {
                                tids_at_sp.get(k)
                            } else {
                                first.as_ref()
                            };
                            match tid {
                                Some(tid) => tids.insert(*k, *tid),
                                None => tids.remove(k),
                            };
                        }
                        t.writes = writes;
                    }
                }
                65..=79 => {
                    let t = open.swap_remove(i);
                    let writes = t.writes.clone();
                    for k in t.before.keys() {
                        locked.remove(k);
                    }
                    out.in_doubt = Some(writes.clone());
                    t.txn.commit()?;
                    out.in_doubt = None;
                    out.acks += 1;
                    for (k, v) in writes {
                        match v {
                            Some(v) => out.acked.insert(k, v),
                            None => out.acked.remove(&k),
                        };
                    }
                }
                80..=87 => {
                    let t = open.swap_remove(i);
                    for (k, old) in &t.before {
                        locked.remove(k);
                        match old {
                            Some(tid) => tids.insert(*k, *tid),
                            None => tids.remove(k),
                        };
                    }
                    t.txn.abort()?;
                }
                88..=94 if !cfg.checkpoints => {
                    storage.flush_dirty_pages()?;
                }
                88..=91 => match pending_ckpt.take() {
                    None => pending_ckpt = Some(storage.begin_checkpoint()?),
                    Some(t) => {
                        storage.finish_checkpoint(t)?;
                    }
                },
                92..=94 => {
                    storage.checkpoint()?;
                }
                _ => {
                    storage.flush_dirty_pages()?;
                }
            }
        }
        Ok(())
    })();
    if let Err(e) = res {
        out.error = Some(e);
    }
    // Transactions still open are rolled back on drop (or fail against a crashed disk).
    drop(open);
    out
}

fn pick_key(
    rng: &mut ChaCha8Rng,
    tids: &BTreeMap<u64, Tid>,
    locked: &BTreeSet<u64>,
    me: &OpenTxn,
) -> Option<u64> {
    let candidates: Vec<u64> = tids
        .keys()
        .copied()
        .filter(|k| !locked.contains(k) || me.before.contains_key(k))
        .collect();
    if candidates.is_empty() {
        return None;
    }
    Some(candidates[rng.gen_range(0..candidates.len())])
}

fn random_value(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let len = if rng.gen_bool(0.05) {
        rng.gen_range(2000..5000)
    } else {
        rng.gen_range(8..900)
    };
    (0..len).map(|_| rng.gen()).collect()
}

fn open(
    fs: &SimVfs,
    cfg: &TrialConfig,
) -> Result<(Storage, storage::RecoveryReport), StorageError> {
    Storage::open(Arc::new(fs.clone()), Path::new(DIR), options(cfg))
}

/// First open of a trial's disk: creates the index and checkpoints, before any crash point.
pub fn open_fresh(fs: &SimVfs, cfg: &TrialConfig) -> Result<Storage, StorageError> {
    let (storage, _) = open(fs, cfg)?;
    storage.create_btree(INDEX, true)?;
    storage.checkpoint()?;
    Ok(storage)
}

fn crash_mode(cfg: &TrialConfig, rng: &mut ChaCha8Rng) -> CrashMode {
    cfg.mode.unwrap_or_else(|| {
        if rng.gen_bool(0.8) {
            CrashMode::PowerLoss
        } else {
            CrashMode::ProcessKill
        }
    })
}

/// Runs one trial; `Err` describes what broke (with the seed to reproduce it).
pub fn run_trial(cfg: &TrialConfig) -> Result<TrialStats, String> {
    let fail = |what: String| format!("seed {:#x} ({cfg:?}): {what}", cfg.seed);
    // Learn how many I/O operations the workload performs, then crash at one of them.
    let (total_ops, total_bytes) = {
        let fs = SimVfs::new(cfg.seed);
        let storage = open_fresh(&fs, cfg).map_err(|e| fail(format!("clean open failed: {e}")))?;
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let out = run_workload(&storage, cfg, &mut rng);
        if let Some(e) = out.error {
            return Err(fail(format!("clean run failed: {e}")));
        }
        (fs.op_count(), fs.bytes_written())
    };
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x9e37_79b9_7f4a_7c15);
    let mut stats = TrialStats {
        total_ops,
        ..TrialStats::default()
    };
    let fs = SimVfs::new(cfg.seed);
    let storage = open_fresh(&fs, cfg).map_err(|e| fail(format!("open failed: {e}")))?;
    let opened_ops = fs.op_count();
    stats.crash_op = rng.gen_range(opened_ops..=total_ops);
    fs.set_plan(match cfg.fault {
        None => FaultPlan {
            crash_at_op: Some(stats.crash_op),
            ..FaultPlan::default()
        },
        Some(Injected::Eio { kind, persistent }) => FaultPlan {
            io_error: Some(IoFault {
                at_op: stats.crash_op,
                kind,
                persistent,
            }),
            ..FaultPlan::default()
        },
        Some(Injected::Enospc) => FaultPlan {
            enospc_after_bytes: Some(rng.gen_range(fs.bytes_written()..=total_bytes)),
            ..FaultPlan::default()
        },
    });
    let mut wrng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let out = run_workload(&storage, cfg, &mut wrng);
    stats.commits_acked = out.acks;
    stats.error_seen = out.error.as_ref().map(|e| e.to_string());
    if cfg.fault.is_some() {
        if let Some(e) = &out.error {
            check_fault_error(&storage, e).map_err(fail)?;
        }
    }
    drop(storage);
    let mut fs = fs.crash(crash_mode(cfg, &mut rng));
    // Crash recovery itself, part-way, a few times.
    for _ in 0..cfg.nested_crashes {
        fs.set_plan(FaultPlan {
            crash_at_op: Some(rng.gen_range(0..150)),
            ..FaultPlan::default()
        });
        let reopened = open(&fs, cfg);
        let crashed = fs.is_crashed();
        match reopened {
            Ok(_) if !crashed => break,
            Err(e) if !crashed => return Err(fail(format!("recovery failed: {e}"))),
            _ => {}
        }
        stats.nested_crashes += 1;
        fs = fs.crash(crash_mode(cfg, &mut rng));
    }
    fs.set_plan(FaultPlan::default());
    let (storage, report) = open(&fs, cfg).map_err(|e| fail(format!("recovery failed: {e}")))?;
    stats.records_redone = report.records_redone;
    stats.losers = report.losers;
    stats.torn_pages_repaired = report.torn_pages_repaired;
    stats.consistency_checks = report.consistency_checks;
    verify(&storage, &out, cfg.index_pad)
        .map_err(|e| fail(format!("{e}; recovery: {report:?}")))?;
    storage
        .check_integrity()
        .map_err(|e| fail(format!("integrity check failed: {e}")))?;
    stats.index_height = storage
        .btree(INDEX)
        .and_then(|t| t.check())
        .map_err(|e| fail(format!("index check failed: {e}")))?
        .height;
    // Recovery again from the recovered state (redo idempotence) gives the same contents.
    drop(storage);
    let fs = fs.crash(CrashMode::PowerLoss);
    let (storage, _) = open(&fs, cfg).map_err(|e| fail(format!("second recovery failed: {e}")))?;
    verify(&storage, &out, cfg.index_pad)
        .map_err(|e| fail(format!("after second recovery: {e}")))?;
    Ok(stats)
}

/// An injected fault must surface as a clear I/O error naming the file, and after a failed
/// write or sync the store must refuse to commit anything more.
fn check_fault_error(storage: &Storage, e: &StorageError) -> Result<(), String> {
    let msg = e.to_string();
    let clear = matches!(
        e,
        StorageError::Io { .. } | StorageError::Poisoned(_) | StorageError::Wal(_)
    ) && (msg.contains('/') || msg.contains("unusable"));
    if !clear {
        return Err(format!(
            "injected fault surfaced as an unclear error: {msg}"
        ));
    }
    let poisoned = storage.log().failed().is_some() || msg.contains("unusable");
    if poisoned {
        let attempt = (|| {
            let mut t = storage.begin()?;
            storage
                .heap(HEAPS[0])
                .insert(&mut t, &encode(u64::MAX, b"after failure"))?;
            t.commit()
        })();
        if attempt.is_ok() {
            return Err(format!(
                "a commit succeeded after the store failed with: {msg}"
            ));
        }
    }
    Ok(())
}

/// Checks the recovered contents against the acknowledged model (+ the in-doubt commit).
pub fn verify(storage: &Storage, out: &Outcome, pad: usize) -> Result<(), String> {
    verify_index(storage, pad)?;
    let found = read_state(storage)?;
    if found == out.acked {
        return Ok(());
    }
    if let Some(doubt) = &out.in_doubt {
        let mut with = out.acked.clone();
        for (k, v) in doubt {
            match v {
                Some(v) => with.insert(*k, v.clone()),
                None => with.remove(k),
            };
        }
        if found == with {
            return Ok(());
        }
    }
    Err(describe_diff(&out.acked, &found))
}

/// The index is structurally sound and holds exactly one entry per heap row.
fn verify_index(storage: &Storage, pad: usize) -> Result<(), String> {
    let tree = storage
        .btree(INDEX)
        .map_err(|e| format!("index missing: {e}"))?;
    let stats = tree.check().map_err(|e| format!("index structure: {e}"))?;
    let entries: Vec<(Vec<u8>, Tid)> = tree
        .range(Bound::Unbounded, Bound::Unbounded, ScanDirection::Forward)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("index scan: {e}"))?;
    let mut expected: Vec<(Vec<u8>, Tid)> = read_rows(storage)?
        .into_iter()
        .map(|(k, (_, tid))| (index_key(k, pad), tid))
        .collect();
    expected.sort();
    if entries != expected {
        return Err(format!(
            "index holds {} live entries, the heaps {} rows (tree {stats:?})",
            entries.len(),
            expected.len()
        ));
    }
    Ok(())
}

fn describe_diff(expected: &Model, found: &Model) -> String {
    let missing: Vec<u64> = expected
        .keys()
        .filter(|k| !found.contains_key(k))
        .copied()
        .collect();
    let extra: Vec<u64> = found
        .keys()
        .filter(|k| !expected.contains_key(k))
        .copied()
        .collect();
    let changed: Vec<u64> = expected
        .iter()
        .filter(|(k, v)| found.get(k).is_some_and(|f| f != *v))
        .map(|(k, _)| *k)
        .collect();
    format!(
        "contents differ from the acknowledged commits: missing keys {missing:?}, \
         unexpected keys {extra:?}, changed values {changed:?}"
    )
}
