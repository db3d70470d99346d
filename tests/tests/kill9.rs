//! Real-process crash test: the `crash_child` binary writes transactions to a store on the real
//! file system and is killed with SIGKILL at a random moment; the test then recovers the
//! store in its own process and checks it, and repeats with a new child on the same directory.
//!
//! Checked after every kill, over everything written by all children so far:
//! - every acknowledged id is present, with both its primary and its mirror row;
//! - every id present has exactly one primary and one mirror row (atomicity, no duplicates),
//!   and every row's payload is intact;
//! - no id of a rolled-back transaction (those with `ABORTED_BIT`) is present;
//! - at most one unacknowledged id per kill is present (the commit in flight when the kill
//!   hit), and once present it stays present;
//! - `check_integrity()` passes and counts exactly the rows the scan saw.
//!
//! `QUILL_KILL_CYCLES` sets the number of kills (default 20); `QUILL_KILL_SEED` replays a run
//! (the seed is printed at the start).
#![cfg(unix)]

use quill_tests::kill9::{decode_row, verifier_options, ABORTED_BIT, HEAP, TAG_PRIMARY};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use storage::{IntegrityReport, RecoveryReport, Storage};
use vfs::OsVfs;

/// Ids of cycle `c` are `(c + 1) << CYCLE_SHIFT` onwards, so each child starts above every id
/// any earlier child could have used.
const CYCLE_SHIFT: u32 = 32;
/// Longest the test process may take to recover and verify the store once.
const VERIFY_TIMEOUT: Duration = Duration::from_secs(30);
const SIGKILL: i32 = 9;

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// The data directory; removed when the test succeeds, kept (and named) when it fails.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!(
                "kill9: data directory kept for inspection: {}",
                self.0.display()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// What one child did before it was killed.
struct ChildRun {
    acks: Vec<u64>,
    /// Lines on stdout that were not `ack <id>\n` (a line cut short by the kill included).
    odd_lines: Vec<String>,
    stderr: String,
}

/// Spawns the child, kills it after `delay`, and collects its acknowledgements.
fn run_child(dir: &Path, start_id: u64, seed: u64, delay: Duration) -> ChildRun {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crash_child"))
        .arg(dir)
        .arg(start_id.to_string())
        .arg(seed.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn crash_child");
    let stdout = child.stdout.take().expect("child stdout");
    let mut stderr = child.stderr.take().expect("child stderr");
    let out_reader = thread::spawn(move || {
        let mut acks = Vec::new();
        let mut odd_lines = Vec::new();
        let mut reader = BufReader::new(stdout);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    odd_lines.push(format!("<read error: {e}>"));
                    break;
                }
            }
            let text = String::from_utf8_lossy(&line).into_owned();
            let id = text
                .strip_suffix('\n')
                .and_then(|l| l.strip_prefix("ack "))
                .and_then(|n| n.parse::<u64>().ok());
            match id {
                Some(id) => acks.push(id),
                None => odd_lines.push(text),
            }
        }
        (acks, odd_lines)
    });
    let err_reader = thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });

    thread::sleep(delay);
    let early_exit = child.try_wait().expect("try_wait on crash_child");
    if early_exit.is_none() {
        child.kill().expect("kill crash_child");
    }
    let status = child.wait().expect("wait for crash_child");
    let (acks, odd_lines) = out_reader.join().expect("stdout reader thread");
    let stderr = err_reader.join().expect("stderr reader thread");
    if early_exit.is_some() || status.signal() != Some(SIGKILL) {
        panic!(
            "crash_child failed on its own ({status}) before the kill after {delay:?}; \
             its stderr:\n{stderr}"
        );
    }
    ChildRun {
        acks,
        odd_lines,
        stderr,
    }
}

/// The store as the test process found it after recovering it.
struct Found {
    report: RecoveryReport,
    integrity: IntegrityReport,
    /// Per id: (primary rows, mirror rows).
    rows: BTreeMap<u64, (u32, u32)>,
    row_count: u64,
    /// Rows whose encoding or payload was damaged.
    damaged: Vec<String>,
}

/// Opens (recovers) the store, scans heap 1, checks integrity, and closes it (cleanly, or by
/// just dropping it when `clean_close` is false).
fn recover_and_scan(dir: &Path, clean_close: bool) -> Result<Found, String> {
    let (storage, report) = Storage::open(Arc::new(OsVfs::new()), dir, verifier_options())
        .map_err(|e| format!("recovery failed: {e}"))?;
    let mut rows: BTreeMap<u64, (u32, u32)> = BTreeMap::new();
    let mut damaged = Vec::new();
    let mut row_count = 0;
    for item in storage.heap(HEAP).scan() {
        let (tid, data) = item.map_err(|e| format!("scan failed: {e}"))?;
        row_count += 1;
        match decode_row(&data) {
            Ok((tag, id)) => {
                let e = rows.entry(id).or_default();
                if tag == TAG_PRIMARY {
                    e.0 += 1;
                } else {
                    e.1 += 1;
                }
            }
            Err(why) => damaged.push(format!("tuple {tid}: {why}")),
        }
    }
    let integrity = storage
        .check_integrity()
        .map_err(|e| format!("check_integrity failed: {e}"))?;
    if clean_close {
        storage.close().map_err(|e| format!("close failed: {e}"))?;
    }
    Ok(Found {
        report,
        integrity,
        rows,
        row_count,
        damaged,
    })
}

/// [`recover_and_scan`] under a time limit, so a hang fails the test instead of stalling it.
fn recover_and_scan_bounded(dir: &Path, clean_close: bool) -> Result<Found, String> {
    let (tx, rx) = mpsc::channel();
    let dir = dir.to_path_buf();
    thread::spawn(move || {
        let _ = tx.send(recover_and_scan(&dir, clean_close));
    });
    rx.recv_timeout(VERIFY_TIMEOUT)
        .unwrap_or_else(|_| Err(format!("recovery and scan took over {VERIFY_TIMEOUT:?}")))
}

#[test]
fn kill9_loses_no_acknowledged_commit() {
    let cycles = env_u64("QUILL_KILL_CYCLES").unwrap_or(20);
    let seed = env_u64("QUILL_KILL_SEED").unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    println!("kill9: seed {seed:#x} (replay with QUILL_KILL_SEED={seed:#x}), {cycles} cycles");
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir =
        TempDir(std::env::temp_dir().join(format!("quill-kill9-{}-{nanos}", std::process::id())));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    let test_start = Instant::now();
    let mut acked: BTreeSet<u64> = BTreeSet::new();
    let mut in_doubt: BTreeSet<u64> = BTreeSet::new();
    let (mut id_checks, mut losers, mut redone, mut images, mut torn) = (0u64, 0, 0, 0, 0);
    let (mut silent_cycles, mut slowest) = (0u64, Duration::ZERO);
    for cycle in 0..cycles {
        let cycle_start = Instant::now();
        let start_id = (cycle + 1) << CYCLE_SHIFT;
        let child_seed: u64 = rng.gen();
        let delay = Duration::from_millis(rng.gen_range(50..400));
        let clean_close = rng.gen_bool(0.5);
        let ctx = format!(
            "seed {seed:#x}, cycle {cycle}, child seed {child_seed}, start id {start_id:#x}, \
             kill after {delay:?}, dir {}",
            dir.0.display()
        );

        let run = run_child(&dir.0, start_id, child_seed, delay);
        assert!(
            run.odd_lines.iter().all(|l| !l.ends_with('\n')),
            "{ctx}: unexpected lines on the child's stdout: {:?}",
            run.odd_lines
        );
        for &id in &run.acks {
            assert!(
                id >= start_id && id < start_id + (1 << CYCLE_SHIFT) && id & ABORTED_BIT == 0,
                "{ctx}: child acknowledged id {id:#x} outside its range"
            );
            assert!(acked.insert(id), "{ctx}: id {id:#x} acknowledged twice");
        }
        if run.acks.is_empty() {
            silent_cycles += 1;
        }

        let found = match recover_and_scan_bounded(&dir.0, clean_close) {
            Ok(f) => f,
            Err(why) => panic!("{ctx}: {why}\nchild stderr:\n{}", run.stderr),
        };
        let fail = |what: String| -> ! {
            panic!(
                "{ctx}: {what}\nrecovery: {:?}\nchild stderr:\n{}",
                found.report, run.stderr
            )
        };
        if !found.damaged.is_empty() {
            fail(format!(
                "{} damaged rows, first: {:?}",
                found.damaged.len(),
                &found.damaged[..found.damaged.len().min(5)]
            ));
        }
        for (&id, &(primary, mirror)) in &found.rows {
            if id & ABORTED_BIT != 0 {
                fail(format!(
                    "id {id:#x} of a rolled-back transaction is present \
                     ({primary} primary, {mirror} mirror rows)"
                ));
            }
            if (primary, mirror) != (1, 1) {
                fail(format!(
                    "id {id:#x} has {primary} primary and {mirror} mirror rows, expected 1 and 1"
                ));
            }
            if id >> CYCLE_SHIFT == 0 || id >> CYCLE_SHIFT > cycle + 1 {
                fail(format!("id {id:#x} was never written by any child"));
            }
        }
        let missing: Vec<u64> = acked
            .iter()
            .chain(&in_doubt)
            .filter(|id| !found.rows.contains_key(id))
            .copied()
            .collect();
        if !missing.is_empty() {
            let of_this_cycle = missing.iter().filter(|&&id| id >= start_id).count();
            fail(format!(
                "{} acknowledged (or earlier recovered) ids are missing, {of_this_cycle} of \
                 them acknowledged by the last child (which acked {}); first: {:x?}",
                missing.len(),
                run.acks.len(),
                &missing[..missing.len().min(10)]
            ));
        }
        let new_in_doubt: Vec<u64> = found
            .rows
            .keys()
            .filter(|id| !acked.contains(id) && !in_doubt.contains(id))
            .copied()
            .collect();
        if new_in_doubt.len() > 1 {
            fail(format!(
                "{} unacknowledged ids are present after one kill of a single-threaded writer \
                 (at most the one commit in flight may be): {new_in_doubt:x?}",
                new_in_doubt.len()
            ));
        }
        if let Some(&id) = new_in_doubt.first() {
            if id < start_id {
                fail(format!(
                    "id {id:#x} of an earlier child appeared only after a later kill"
                ));
            }
        }
        in_doubt.extend(new_in_doubt);
        if found.integrity.tuples != found.row_count {
            fail(format!(
                "check_integrity counted {} tuples, the scan saw {} live rows",
                found.integrity.tuples, found.row_count
            ));
        }

        id_checks += acked.len() as u64;
        losers += found.report.losers;
        redone += found.report.records_redone;
        images += found.report.images_restored;
        torn += found.report.torn_pages_repaired;
        let took = cycle_start.elapsed();
        slowest = slowest.max(took);
        println!(
            "kill9: cycle {cycle:2}: killed after {delay:?}, {} acks, {} ids in store, {} pages, \
             recovery redid {} records and undid {} losers, {} ({took:.2?})",
            run.acks.len(),
            found.rows.len(),
            found.integrity.pages,
            found.report.records_redone,
            found.report.losers,
            if clean_close { "closed" } else { "dropped" },
        );
    }

    let total = test_start.elapsed();
    println!(
        "kill9 summary: {cycles} kills, {} acknowledged ids (checked {id_checks} times in all), \
         {} unacknowledged-but-present ids (in-doubt commits), {silent_cycles} children killed \
         before their first ack; recovery: {losers} losers undone, {redone} records redone, \
         {images} page images restored, {torn} torn pages repaired; slowest cycle {slowest:.2?}, \
         total {total:.2?}",
        acked.len(),
        in_doubt.len(),
    );
    assert!(!acked.is_empty(), "no child ever acknowledged a commit");
    assert!(
        slowest < Duration::from_secs(2),
        "a cycle took {slowest:?}, over the 2 s budget (seed {seed:#x})"
    );
}
