//! `crash_child <data-dir> <start-id> <seed>`: the victim process of the kill -9 test.
//!
//! Opens the store in `<data-dir>` on the real file system (running recovery), then writes
//! transactions until it is killed. Each committed transaction inserts the primary and the
//! mirror row of one id into heap 1; once `commit()` has returned `Ok`, the child prints
//! `ack <id>` on stdout and flushes. Ids count up from `<start-id>`.
//!
//! Mixed in, so that uncommitted data is on pages and in the log at any moment:
//! - every few transactions, a transaction that inserts rows and then aborts (its ids carry
//!   [`ABORTED_BIT`]);
//! - a long-running transaction that inserts its primary row, stays open across many other
//!   commits (and background checkpoints), then either inserts its mirror row and commits
//!   (acked like any other) or aborts (its id carries [`ABORTED_BIT`]).
//!
//! Any error is printed on stderr and the process exits with status 1 (2 for bad arguments).

use quill_tests::kill9::{
    child_options, encode_row, ABORTED_BIT, HEAP, PAYLOAD_LEN, TAG_MIRROR, TAG_PRIMARY,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::error::Error;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use storage::{Heap, Storage, Transaction};
use vfs::OsVfs;

type BoxResult<T> = Result<T, Box<dyn Error>>;

/// The long-running transaction and what it will do when its time is up.
struct Straggler {
    txn: Transaction,
    id: u64,
    commit: bool,
    remaining: u32,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let parsed = match args.as_slice() {
        [_, dir, start, seed] => match (start.parse::<u64>(), seed.parse::<u64>()) {
            (Ok(start), Ok(seed)) => Some((PathBuf::from(dir), start, seed)),
            _ => None,
        },
        _ => None,
    };
    let Some((dir, start, seed)) = parsed else {
        eprintln!("usage: crash_child <data-dir> <start-id> <seed>");
        std::process::exit(2);
    };
    match run(dir, start, seed) {
        Ok(()) => {
            eprintln!("crash_child: workload loop ended unexpectedly");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("crash_child: {e}");
            std::process::exit(1);
        }
    }
}

fn row(rng: &mut ChaCha8Rng, tag: u8, id: u64) -> Vec<u8> {
    encode_row(tag, id, rng.gen_range(PAYLOAD_LEN))
}

fn run(dir: PathBuf, start: u64, seed: u64) -> BoxResult<()> {
    if start & ABORTED_BIT != 0 {
        return Err(format!("start id {start:#x} has the aborted bit set").into());
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (storage, report) = Storage::open(Arc::new(OsVfs::new()), &dir, child_options())
        .map_err(|e| format!("open {}: {e}", dir.display()))?;
    eprintln!(
        "crash_child: opened {} after recovery {report:?}",
        dir.display()
    );
    let heap = storage.heap(HEAP);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut next = start;
    let mut take_id = || {
        let id = next;
        next += 1;
        id
    };
    let mut straggler: Option<Straggler> = None;
    for n in 1u64.. {
        if let Some(why) = storage.background_error() {
            return Err(format!("background checkpoint failed: {why}").into());
        }

        // The ordinary transaction: both rows of one id, committed, then acknowledged.
        let id = take_id();
        let mut txn = storage.begin()?;
        heap.insert(&mut txn, &row(&mut rng, TAG_PRIMARY, id))?;
        heap.insert(&mut txn, &row(&mut rng, TAG_MIRROR, id))?;
        txn.commit()
            .map_err(|e| format!("commit of id {id:#x}: {e}"))?;
        writeln!(out, "ack {id}")?;
        out.flush()?;

        if n % 4 == 0 {
            let id = ABORTED_BIT | take_id();
            let mut txn = storage.begin()?;
            heap.insert(&mut txn, &row(&mut rng, TAG_PRIMARY, id))?;
            if rng.gen_bool(0.8) {
                heap.insert(&mut txn, &row(&mut rng, TAG_MIRROR, id))?;
            }
            txn.abort()
                .map_err(|e| format!("abort of id {id:#x}: {e}"))?;
        }

        straggler = match straggler.take() {
            None if n % 3 == 0 => {
                let commit = rng.gen_bool(0.5);
                let id = if commit {
                    take_id()
                } else {
                    ABORTED_BIT | take_id()
                };
                let mut txn = storage.begin()?;
                heap.insert(&mut txn, &row(&mut rng, TAG_PRIMARY, id))?;
                Some(Straggler {
                    txn,
                    id,
                    commit,
                    remaining: rng.gen_range(5..80),
                })
            }
            None => None,
            Some(s) if s.remaining > 0 => Some(Straggler {
                remaining: s.remaining - 1,
                ..s
            }),
            Some(s) => {
                finish_straggler(&heap, s, &mut rng, &mut out)?;
                None
            }
        };
    }
    Ok(())
}

/// Ends the long-running transaction as it was decided when it began.
fn finish_straggler(
    heap: &Heap,
    s: Straggler,
    rng: &mut ChaCha8Rng,
    out: &mut impl Write,
) -> BoxResult<()> {
    let Straggler {
        mut txn,
        id,
        commit,
        ..
    } = s;
    heap.insert(&mut txn, &row(rng, TAG_MIRROR, id))?;
    if commit {
        txn.commit()
            .map_err(|e| format!("commit of long-running id {id:#x}: {e}"))?;
        writeln!(out, "ack {id}")?;
        out.flush()?;
    } else {
        txn.abort()
            .map_err(|e| format!("abort of long-running id {id:#x}: {e}"))?;
    }
    Ok(())
}
