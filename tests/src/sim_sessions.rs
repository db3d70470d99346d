//! Crash simulation with concurrent sessions: several transactions interleaved by a seeded,
//! deterministic scheduler over a few contended rows on [`SimVfs`], a crash at a random I/O
//! operation, recovery, verification.
//!
//! Each session runs transactions at READ COMMITTED (a fresh snapshot for every operation)
//! or REPEATABLE READ (one snapshot from its start). An operation reads a key, or replaces
//! the version of a key its snapshot sees with a new value that names the value it replaced
//! (a read-modify-write). A write that meets a version another running transaction holds
//! gives up the transaction (the scheduler never blocks, as NOWAIT would); one that meets a
//! version a committed transaction replaced after the snapshot retries with a fresh snapshot
//! at READ COMMITTED (PostgreSQL's re-check) and gives up at REPEATABLE READ (40001).
//!
//! Oracle, checked as the workload runs and after recovery:
//! - every read returns what the acknowledged commits make of the key at the reader's
//!   snapshot (the model at the operation for READ COMMITTED, at the transaction's start for
//!   REPEATABLE READ), or the reader's own write: nothing from a commit that is not yet
//!   durable, nothing from a transaction still running;
//! - every acknowledged write replaced the value the model held for its key when the commit
//!   was acknowledged: no lost update;
//! - after recovery a fresh snapshot sees exactly the acknowledged commits, plus possibly the
//!   one commit in flight at the crash (all of it or none of it).
//!
//! Each commit runs on its own thread, held at the start of its log sync while other
//! sessions read: they stand for sessions running while the sync is in progress, so a commit
//! that becomes visible before it is durable is read by them. The pool holds every page (no
//! evictions); the crash campaign of `crate::sim` covers page writes.

use crate::sim::{options, TrialConfig};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{mpsc, Arc};
use std::thread;
use storage::{Sabotage, Snapshot, Storage, StorageError, Tid, Transaction, TxnId};
use vfs::{CrashMode, FaultPlan, SimVfs};

/// One trial's settings; the workload derives from `seed`.
#[derive(Clone, Debug)]
pub struct SessionsConfig {
    pub seed: u64,
    /// Scheduler steps before the crash point (each runs one operation of one session).
    pub steps: usize,
    /// Concurrent sessions (at least 4 for the campaign).
    pub sessions: usize,
    /// Rows the sessions contend for.
    pub keys: u64,
    pub pool_frames: usize,
    pub sabotage: Option<Sabotage>,
}

impl SessionsConfig {
    pub fn new(seed: u64) -> SessionsConfig {
        SessionsConfig {
            seed,
            steps: 700,
            sessions: 4 + (seed % 3) as usize,
            keys: 6 + seed % 10,
            // Every page of a trial stays in the pool: a read made while a commit is held in
            // its log sync must never need to evict a page, which could wait for that sync
            // (the WAL rule) and so for the held thread.
            pool_frames: 512,
            sabotage: None,
        }
    }

    fn storage_options(&self) -> storage::StorageOptions {
        let mut base = TrialConfig::new(self.seed);
        base.pool_frames = self.pool_frames;
        base.sabotage = self.sabotage;
        options(&base)
    }
}

/// What a trial did.
#[derive(Clone, Debug, Default)]
pub struct SessionsStats {
    pub commits_acked: u64,
    pub reads_checked: u64,
    /// Writes that waited for another transaction, and waits that ended.
    pub waits: u64,
    pub waits_resumed: u64,
    /// Transactions ended by a cycle of waits (40P01) or a concurrent update (40001).
    pub deadlocks: u64,
    pub serialization_failures: u64,
    /// READ COMMITTED writes that found their version replaced and applied to the latest.
    pub rc_rechecks: u64,
    /// Reads made while another session's commit was in its log sync.
    pub reads_during_commit: u64,
    pub in_flight_at_crash: bool,
    pub recovered_with_in_flight: bool,
}

const DIR: &str = "/db";
const HEAP: u32 = 1;

/// Key -> value id. Value ids are unique across the trial (0 is the initial load's).
type Model = BTreeMap<u64, u64>;

/// A row: key, value id, the value id it replaced, padding (so versions fill pages).
fn encode(key: u64, value: u64, replaced: u64, pad: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(24 + pad);
    v.extend_from_slice(&key.to_le_bytes());
    v.extend_from_slice(&value.to_le_bytes());
    v.extend_from_slice(&replaced.to_le_bytes());
    v.resize(24 + pad, (value % 251) as u8);
    v
}

fn decode(data: &[u8]) -> Result<(u64, u64, u64), String> {
    let word = |i: usize| -> Result<u64, String> {
        data.get(i * 8..i * 8 + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
            .ok_or_else(|| format!("malformed row of {} bytes", data.len()))
    };
    Ok((word(0)?, word(1)?, word(2)?))
}

/// The version of `key` the snapshot sees: (tid, value id), or None.
fn visible(storage: &Storage, snap: &Snapshot, key: u64) -> Result<Option<(Tid, u64)>, Step> {
    let mut found = None;
    for t in storage.heap(HEAP).scan_as(snap) {
        let (tid, data) = t.map_err(Step::Storage)?;
        let (k, v, _) = decode(&data).map_err(Step::Broken)?;
        if k == key {
            if found.is_some() {
                return Err(Step::Broken(format!(
                    "snapshot sees two versions of key {key}"
                )));
            }
            found = Some((tid, v));
        }
    }
    Ok(found)
}

/// Why a step did not complete.
enum Step {
    /// A storage error: a conflict to handle, or the crash.
    Storage(StorageError),
    /// The oracle failed.
    Broken(String),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Level {
    ReadCommitted,
    RepeatableRead,
}

struct Open {
    txn: Transaction,
    level: Level,
    /// REPEATABLE READ: the transaction's snapshot and the model it must show.
    fixed: Option<(Snapshot, Model)>,
    /// Key -> (value written, value it replaced).
    writes: BTreeMap<u64, (u64, u64)>,
    /// A write waiting for the transaction holding the version it must replace.
    waiting: Option<Pending>,
}

/// A write blocked on another transaction: it resumes, with the snapshot its statement
/// started with, once that transaction has committed or rolled back.
struct Pending {
    holder: TxnId,
    key: u64,
    value: u64,
    pad: usize,
    snapshot: Snapshot,
}

struct Workload<'a> {
    storage: &'a Storage,
    cfg: &'a SessionsConfig,
    rng: ChaCha8Rng,
    sessions: Vec<Option<Open>>,
    acked: Model,
    next_value: u64,
    in_doubt: Option<BTreeMap<u64, (u64, u64)>>,
    stats: SessionsStats,
    /// The machine, to hold a commit in its log sync while other sessions read.
    fs: &'a SimVfs,
    trace: bool,
}

impl Workload<'_> {
    /// Runs until `cfg.steps` steps or the first storage error (then reads go on a while).
    fn run(&mut self) -> Result<Option<StorageError>, String> {
        let mut failure = None;
        for _ in 0..self.cfg.steps {
            let s = self.rng.gen_range(0..self.sessions.len());
            match self.step(s) {
                Ok(()) => {}
                Err(Step::Broken(why)) => return Err(why),
                Err(Step::Storage(e)) => {
                    if self.trace {
                        eprintln!("session {s} fails: {e}; in doubt: {:?}", self.in_doubt);
                    }
                    self.sessions[s] = None;
                    failure = Some(e);
                    break;
                }
            }
        }
        // Still-open transactions roll back on drop, or fail against the crashed disk.
        self.sessions.clear();
        Ok(failure)
    }

    /// One operation of session `s`.
    fn step(&mut self, s: usize) -> Result<(), Step> {
        if self.sessions[s].is_none() {
            let txn = self.storage.begin().map_err(Step::Storage)?;
            let level = if self.rng.gen_bool(0.5) {
                Level::ReadCommitted
            } else {
                Level::RepeatableRead
            };
            let fixed = (level == Level::RepeatableRead)
                .then(|| (self.storage.snapshot(&txn), self.acked.clone()));
            self.sessions[s] = Some(Open {
                txn,
                level,
                fixed,
                writes: BTreeMap::new(),
                waiting: None,
            });
            return Ok(());
        }
        if let Some(holder) = self.sessions[s]
            .as_ref()
            .and_then(|o| o.waiting.as_ref())
            .map(|p| p.holder)
        {
            if self.storage.is_running(holder) {
                return Ok(());
            }
            let pending = self.sessions[s]
                .as_mut()
                .and_then(|o| o.waiting.take())
                .ok_or_else(|| Step::Broken("no pending write".into()))?;
            self.stats.waits_resumed += 1;
            return self.try_write(s, pending.key, pending.value, pending.pad, pending.snapshot);
        }
        let roll = self.rng.gen_range(0..100);
        let key = self.rng.gen_range(0..self.cfg.keys);
        if roll < 40 {
            return self.read(s, key);
        }
        if roll < 75 {
            return self.write(s, key);
        }
        let open = self.sessions[s]
            .take()
            .ok_or_else(|| Step::Broken("no session".into()))?;
        // The session's transaction ends either way.
        if roll < 92 {
            self.commit(open)
        } else {
            open.txn.abort().map_err(Step::Storage)
        }
    }

    /// The snapshot an operation of `open` uses, and the model it must show.
    fn view(&self, open: &Open) -> (Snapshot, Model) {
        match &open.fixed {
            Some((snap, model)) => (snap.clone(), model.clone()),
            None => (self.storage.snapshot(&open.txn), self.acked.clone()),
        }
    }

    fn read(&mut self, s: usize, key: u64) -> Result<(), Step> {
        let open = self.sessions[s]
            .as_ref()
            .ok_or_else(|| Step::Broken("no session".into()))?;
        let (snap, model) = self.view(open);
        let seen = visible(self.storage, &snap, key)?.map(|(_, v)| v);
        let expected = match open.writes.get(&key) {
            Some((mine, _)) => Some(*mine),
            None => model.get(&key).copied(),
        };
        if self.trace {
            eprintln!(
                "session {s} txn {} reads key {key} = {seen:?}",
                open.txn.id()
            );
        }
        if seen != expected {
            return Err(Step::Broken(format!(
                "session {s} (txn {}, {:?}) read key {key} = {seen:?}, but its snapshot \
                 must show {expected:?} (acknowledged commits{})",
                open.txn.id(),
                open.level,
                if open.writes.contains_key(&key) {
                    " and its own write"
                } else {
                    ""
                }
            )));
        }
        self.stats.reads_checked += 1;
        Ok(())
    }

    fn write(&mut self, s: usize, key: u64) -> Result<(), Step> {
        let value = self.next_value;
        self.next_value += 1;
        let pad = if self.rng.gen_bool(0.1) {
            self.rng.gen_range(1000..3000)
        } else {
            self.rng.gen_range(0..200)
        };
        let open = self.sessions[s]
            .as_ref()
            .ok_or_else(|| Step::Broken("no session".into()))?;
        let (snapshot, _) = self.view(open);
        self.try_write(s, key, value, pad, snapshot)
    }

    /// Replaces the version of `key` that `snapshot` sees. A version another running
    /// transaction holds makes the session wait (or give up, when the wait would close a
    /// cycle: a deadlock); a version a commit replaced after the snapshot is looked up
    /// again with a fresh snapshot at READ COMMITTED and ends the transaction at REPEATABLE
    /// READ.
    fn try_write(
        &mut self,
        s: usize,
        key: u64,
        value: u64,
        pad: usize,
        snapshot: Snapshot,
    ) -> Result<(), Step> {
        let mut snapshot = snapshot;
        loop {
            let Some((tid, old)) = visible(self.storage, &snapshot, key)? else {
                return Err(Step::Broken(format!(
                    "session {s} sees no version of key {key}"
                )));
            };
            let open = self.sessions[s]
                .as_mut()
                .ok_or_else(|| Step::Broken("no session".into()))?;
            let row = encode(key, value, old, pad);
            match self.storage.heap(HEAP).update(&mut open.txn, tid, &row) {
                Ok(_) => {
                    if self.trace {
                        eprintln!(
                            "txn {} writes key {key} = {value} over {old}",
                            open.txn.id()
                        );
                    }
                    let replaced = open.writes.get(&key).map_or(old, |w| w.1);
                    open.writes.insert(key, (value, replaced));
                    return Ok(());
                }
                Err(StorageError::Updated { .. }) if open.level == Level::ReadCommitted => {
                    // A commit replaced the version after this statement's snapshot: find
                    // the latest version and apply the write to it.
                    self.stats.rc_rechecks += 1;
                    snapshot = self.storage.snapshot(&open.txn);
                }
                Err(StorageError::Conflict { holder, .. }) => {
                    if self.closes_cycle(s, holder) {
                        self.stats.deadlocks += 1;
                        return self.give_up(s);
                    }
                    self.stats.waits += 1;
                    let open = self.sessions[s]
                        .as_mut()
                        .ok_or_else(|| Step::Broken("no session".into()))?;
                    open.waiting = Some(Pending {
                        holder,
                        key,
                        value,
                        pad,
                        snapshot,
                    });
                    return Ok(());
                }
                Err(StorageError::Updated { .. }) => {
                    self.stats.serialization_failures += 1;
                    return self.give_up(s);
                }
                Err(e) => return Err(Step::Storage(e)),
            }
        }
    }

    /// Whether session `s` waiting for transaction `holder` closes a cycle of waits.
    fn closes_cycle(&self, s: usize, holder: TxnId) -> bool {
        let mut next = holder;
        for _ in 0..self.sessions.len() {
            let Some(o) = self.sessions.iter().flatten().find(|o| o.txn.id() == next) else {
                return false;
            };
            if self.sessions[s]
                .as_ref()
                .is_some_and(|me| me.txn.id() == next)
            {
                return true;
            }
            match &o.waiting {
                Some(p) => next = p.holder,
                None => return false,
            }
        }
        true
    }

    fn give_up(&mut self, s: usize) -> Result<(), Step> {
        let open = self.sessions[s]
            .take()
            .ok_or_else(|| Step::Broken("no session".into()))?;
        open.txn.abort().map_err(Step::Storage)
    }

    fn commit(&mut self, open: Open) -> Result<(), Step> {
        for (key, (_, replaced)) in &open.writes {
            let current = self.acked.get(key).copied();
            if current != Some(*replaced) {
                return Err(Step::Broken(format!(
                    "txn {} is about to commit a write of key {key} over value {replaced}, \
                     but the acknowledged value is {current:?}: an update would be lost",
                    open.txn.id()
                )));
            }
        }
        let writes = open.writes;
        let id = open.txn.id();
        if !writes.is_empty() {
            self.in_doubt = Some(writes.clone());
        }
        self.commit_while_reading(open.txn)?;
        if self.trace {
            eprintln!("txn {id} acknowledged: {writes:?}");
        }
        self.in_doubt = None;
        self.stats.commits_acked += 1;
        for (key, (value, _)) in writes {
            self.acked.insert(key, value);
        }
        Ok(())
    }
}

fn open_store(fs: &SimVfs, cfg: &SessionsConfig) -> Result<Storage, String> {
    Storage::open(Arc::new(fs.clone()), Path::new(DIR), cfg.storage_options())
        .map(|(s, _)| s)
        .map_err(|e| format!("open failed: {e}"))
}

/// What the committing thread reports.
enum Event {
    /// Its commit started the log sync and waits to be let through.
    Syncing,
    Done,
}

impl Workload<'_> {
    /// Commits `txn` on a thread that is held at the start of its log sync, while other
    /// sessions read: they stand for sessions running while the sync is in progress, and
    /// must not see the commit (it is not acknowledged yet).
    fn commit_while_reading(&mut self, txn: Transaction) -> Result<(), Step> {
        let (events, seen) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let syncing = events.clone();
        self.fs.on_next_sync(Box::new(move || {
            let _ = syncing.send(Event::Syncing);
            let _ = released.recv();
        }));
        let committer = thread::spawn(move || {
            let result = txn.commit();
            let _ = events.send(Event::Done);
            result
        });
        let mut reads = Ok(());
        if let Ok(Event::Syncing) = seen.recv() {
            for _ in 0..self.rng.gen_range(1..=3) {
                let s = self.rng.gen_range(0..self.sessions.len());
                if self.sessions[s]
                    .as_ref()
                    .is_none_or(|o| o.waiting.is_some())
                {
                    continue;
                }
                let key = self.rng.gen_range(0..self.cfg.keys);
                match self.read(s, key) {
                    Ok(()) => self.stats.reads_during_commit += 1,
                    Err(Step::Storage(_)) => self.sessions[s] = None,
                    Err(broken) => {
                        reads = Err(broken);
                        break;
                    }
                }
            }
        }
        let _ = release.send(());
        self.fs.clear_sync_hook();
        let committed = committer
            .join()
            .map_err(|_| Step::Broken("the committing thread panicked".into()))?;
        reads?;
        committed.map_err(Step::Storage)
    }
}

/// The initial rows, committed and checkpointed before any crash point.
fn load(storage: &Storage, cfg: &SessionsConfig) -> Result<Model, String> {
    let fail = |e: StorageError| format!("initial load failed: {e}");
    let mut txn = storage.begin().map_err(fail)?;
    let mut model = Model::new();
    for key in 0..cfg.keys {
        storage
            .heap(HEAP)
            .insert(&mut txn, &encode(key, 0, 0, 0))
            .map_err(fail)?;
        model.insert(key, 0);
    }
    txn.commit().map_err(fail)?;
    storage.checkpoint().map_err(fail)?;
    Ok(model)
}

/// What a fresh snapshot of a recovered store sees.
fn committed_state(storage: &Storage) -> Result<Model, String> {
    let txn = storage.begin().map_err(|e| e.to_string())?;
    let snap = storage.snapshot(&txn);
    let mut out = Model::new();
    for t in storage.heap(HEAP).scan_as(&snap) {
        let (tid, data) = t.map_err(|e| format!("scan failed: {e}"))?;
        let (k, v, _) = decode(&data)?;
        if out.insert(k, v).is_some() {
            return Err(format!(
                "a fresh snapshot sees key {k} twice (again at {tid})"
            ));
        }
    }
    txn.abort().map_err(|e| e.to_string())?;
    Ok(out)
}

fn workload<'a>(
    storage: &'a Storage,
    fs: &'a SimVfs,
    cfg: &'a SessionsConfig,
    acked: Model,
) -> Workload<'a> {
    Workload {
        storage,
        cfg,
        rng: ChaCha8Rng::seed_from_u64(cfg.seed),
        sessions: (0..cfg.sessions).map(|_| None).collect(),
        acked,
        next_value: 1,
        in_doubt: None,
        stats: SessionsStats::default(),
        fs,
        trace: std::env::var_os("QUILL_TRACE").is_some(),
    }
}

/// Runs one trial; `Err` says what broke and how to reproduce it.
pub fn run_sessions_trial(cfg: &SessionsConfig) -> Result<SessionsStats, String> {
    let fail = |what: String| {
        format!(
            "seed {:#x} ({cfg:?}): {what}\n  reproduce: QUILL_SEED={:#x} cargo test --release \
             -p quill-tests --test crash_sessions",
            cfg.seed, cfg.seed
        )
    };
    // A clean run counts the I/O operations; the crash then hits one of them.
    let total_ops = {
        let fs = SimVfs::new(cfg.seed);
        let storage = open_store(&fs, cfg).map_err(fail)?;
        let model = load(&storage, cfg).map_err(fail)?;
        let mut w = workload(&storage, &fs, cfg, model);
        if let Some(e) = w.run().map_err(fail)? {
            return Err(fail(format!("clean run failed: {e}")));
        }
        fs.op_count()
    };
    let fs = SimVfs::new(cfg.seed);
    let storage = open_store(&fs, cfg).map_err(fail)?;
    let model = load(&storage, cfg).map_err(fail)?;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x51e5_5105);
    let crash_op = rng.gen_range(fs.op_count()..=total_ops);
    fs.set_plan(FaultPlan {
        crash_at_op: Some(crash_op),
        ..FaultPlan::default()
    });
    let mut w = workload(&storage, &fs, cfg, model);
    w.run().map_err(fail)?;
    let mut stats = w.stats.clone();
    let acked = w.acked.clone();
    let in_doubt = w.in_doubt.take();
    stats.in_flight_at_crash = in_doubt.is_some();
    drop(w);
    drop(storage);
    let mode = if rng.gen_bool(0.8) {
        CrashMode::PowerLoss
    } else {
        CrashMode::ProcessKill
    };
    let fs = fs.crash(mode);
    fs.set_plan(FaultPlan::default());
    let storage = open_store(&fs, cfg).map_err(|e| fail(format!("recovery: {e}")))?;
    let found = committed_state(&storage).map_err(fail)?;
    if found != acked {
        let with_doubt = in_doubt.map(|d| {
            let mut m = acked.clone();
            for (k, (v, _)) in d {
                m.insert(k, v);
            }
            m
        });
        if with_doubt.as_ref() != Some(&found) {
            return Err(fail(format!(
                "after recovery a fresh snapshot sees {found:?}; the acknowledged commits \
                 make {acked:?}{}",
                with_doubt.map_or(String::new(), |m| format!(
                    " (with the commit in flight: {m:?})"
                ))
            )));
        }
        stats.recovered_with_in_flight = true;
    }
    storage
        .check_integrity()
        .map_err(|e| fail(format!("integrity check failed: {e}")))?;
    Ok(stats)
}
