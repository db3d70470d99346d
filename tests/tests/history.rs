//! Randomized histories checked for anomalies: concurrent clients run list-append
//! transactions at each isolation level and the dependency-graph checker
//! ([`quill_tests::history`]) finds no anomaly the level forbids. The visibility sabotage
//! variants must each be caught the same way.

use engine::{Database, DatabaseOptions, Session};
use quill_tests::history::{check, Level, Op, Txn};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;
use std::sync::Arc;
use storage::Sabotage;
use vfs::SimVfs;

/// Keys in the table; transactions use a window of `WINDOW` of them that moves every
/// `PER_WINDOW` transactions, so contention stays high and no list outgrows a page.
const KEYS: u32 = 240;
const WINDOW: u32 = 6;
const PER_WINDOW: u64 = 100;
const CLIENTS: u64 = 8;

static STARTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static ELEMENTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn open(sabotage: Option<Sabotage>) -> Database {
    let mut opts = DatabaseOptions::default();
    opts.storage.checkpoint_interval = None;
    opts.storage.sabotage = sabotage;
    let fs = SimVfs::new(7);
    Database::open_with(Arc::new(fs), Path::new("/db"), opts).expect("open")
}

fn list_of(text: &str) -> Vec<u64> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("element"))
        .collect()
}

/// One client's transaction; `None` ops on error (aborted), with what it did until then.
fn run_txn(s: &mut Session, level: &str, rng: &mut ChaCha8Rng) -> Txn {
    let mut ops = Vec::new();
    let n = rng.gen_range(1..=4);
    let started = STARTED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let base = ((started / PER_WINDOW) as u32 * WINDOW) % (KEYS - WINDOW);
    let mut run = |s: &mut Session, ops: &mut Vec<Op>| -> engine::Result<()> {
        s.execute(&format!("BEGIN ISOLATION LEVEL {level}"))?;
        for _ in 0..n {
            let key = base + rng.gen_range(0..WINDOW);
            if rng.gen_bool(0.5) {
                let elem = ELEMENTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                ops.push(Op::Append { key, elem });
                let done =
                    s.execute(&format!("UPDATE la SET v = v || '{elem},' WHERE k = {key}"))?;
                // Every key exists and is never deleted: the append changes exactly its row.
                if !matches!(done.as_slice(), [engine::StatementResult::Command(t)] if t == "UPDATE 1")
                {
                    ops.push(Op::Unexpected {
                        error: format!("append {elem} to {key} gave {done:?}"),
                    });
                }
            } else {
                let r = s.query(&format!("SELECT v FROM la WHERE k = {key}"), &[])?;
                if r.rows.is_empty() {
                    ops.push(Op::Missing { key });
                    continue;
                }
                let text: String = r.get(0, 0)?;
                ops.push(Op::Read {
                    key,
                    list: list_of(&text),
                });
            }
        }
        s.execute("COMMIT")?;
        Ok(())
    };
    match run(s, &mut ops) {
        Ok(()) => Txn {
            ops,
            committed: true,
        },
        Err(e) => {
            if !matches!(e.sqlstate(), "40001" | "40P01") {
                ops.push(Op::Unexpected {
                    error: e.to_string(),
                });
            }
            s.execute("ROLLBACK").expect("rollback");
            Txn {
                ops,
                committed: false,
            }
        }
    }
}

/// Runs `per_client` transactions on each of the clients; returns the history.
fn history(db: &Database, level: &'static str, per_client: usize, seed: u64) -> Vec<Txn> {
    STARTED.store(0, std::sync::atomic::Ordering::SeqCst);
    let mut s = db.session();
    s.execute("CREATE TABLE la (k int PRIMARY KEY, v text NOT NULL)")
        .expect("create");
    for k in 0..KEYS {
        s.execute(&format!("INSERT INTO la VALUES ({k}, '')"))
            .expect("insert");
    }
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut s = db.session();
                s.execute("SET deadlock_timeout = '5ms'").expect("set");
                let mut rng = ChaCha8Rng::seed_from_u64(seed * 100 + c);
                (0..per_client)
                    .map(|_| run_txn(&mut s, level, &mut rng))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<Txn> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("client"))
        .collect();
    // A final read of every key fixes each key's version order.
    let mut ops = Vec::new();
    for k in 0..KEYS {
        let r = s
            .query(&format!("SELECT v FROM la WHERE k = {k}"), &[])
            .expect("read");
        let text: String = r.get(0, 0).expect("text");
        ops.push(Op::Read {
            key: k,
            list: list_of(&text),
        });
    }
    all.push(Txn {
        ops,
        committed: true,
    });
    all
}

fn level_of(name: &str) -> Level {
    match name {
        "READ COMMITTED" => Level::ReadCommitted,
        "REPEATABLE READ" => Level::RepeatableRead,
        _ => Level::Serializable,
    }
}

#[test]
fn no_forbidden_anomaly_at_any_level() {
    for (i, level) in ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"]
        .into_iter()
        .enumerate()
    {
        let db = open(None);
        let h = history(&db, level, 2_500, i as u64);
        let committed = h.iter().filter(|t| t.committed).count();
        let problems = check(&h, level_of(level));
        println!(
            "{level}: {} transactions, {committed} committed, {} anomalies",
            h.len(),
            problems.len()
        );
        assert!(h.len() >= 20_000);
        assert!(
            problems.is_empty(),
            "{level}: {:?}",
            &problems[..problems.len().min(5)]
        );
    }
}

#[test]
fn interlock_sabotage_is_caught() {
    // Transactions that got an id but are not yet running look committed to snapshots
    // taken meanwhile: their changes show before they commit, or although they abort.
    for round in 0..20 {
        let db = open(Some(Sabotage::SnapshotWithoutInterlock));
        let h = history(&db, "REPEATABLE READ", 500, 100 + round);
        if !check(&h, Level::RepeatableRead).is_empty() {
            return;
        }
    }
    panic!("SnapshotWithoutInterlock was not caught");
}
