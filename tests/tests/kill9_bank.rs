//! The bank invariant across real crashes: a child process runs concurrent transfers (see
//! `bank_child`) and is killed with SIGKILL at random moments; after each kill the
//! database reopens and a fresh snapshot sees exactly a state the acknowledged commits
//! allow: every acknowledged transfer is there, the balances are the initial ones moved by
//! exactly the recorded transfers, and the total never changed. Readers in the child never
//! saw another total.

use engine::Database;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const TOTAL: i64 = 10_000;

type Transfer = (i64, i64, i64);

#[test]
fn kill9_during_concurrent_transfers() {
    let cycles: u64 = std::env::var("QUILL_KILL_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let seed = std::process::id() as u64;
    println!("kill9_bank: seed {seed}");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let dir = std::env::temp_dir().join(format!("quill-kill9-bank-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // Transfer id → (from, to, amount): every acknowledged one, and every one tried.
    let mut acked: BTreeMap<i64, Transfer> = BTreeMap::new();
    let mut tried: BTreeMap<i64, Transfer> = BTreeMap::new();
    let mut next = 1i64;
    for cycle in 0..cycles {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bank_child"))
            .arg(&dir)
            .arg(next.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        });
        std::thread::sleep(Duration::from_millis(rng.gen_range(300..1200)));
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!("cycle {cycle}: child exited on its own ({status}): {err}");
        }
        child.kill().expect("kill");
        let _ = child.wait();
        for line in reader.join().expect("reader") {
            let f: Vec<&str> = line.split(' ').collect();
            match f.as_slice() {
                [kind @ ("ack" | "try"), id, from, to, amount] => {
                    let p = |s: &str| s.parse::<i64>().expect("number");
                    let t = (p(from), p(to), p(amount));
                    if *kind == "ack" {
                        acked.insert(p(id), t);
                    } else {
                        tried.insert(p(id), t);
                    }
                }
                ["bad", total] => panic!("cycle {cycle}: a snapshot saw total {total}"),
                ["error", ..] => panic!("cycle {cycle}: child error: {line}"),
                _ => {}
            }
        }
        next = tried.keys().next_back().map_or(next, |m| m + 1).max(next);
        let db = Database::open(&dir).expect("recover");
        let mut s = db.session();
        let r = s.query("SELECT id FROM transfers", &[]).expect("transfers");
        let recorded: BTreeSet<i64> = (0..r.rows.len())
            .map(|i| r.get::<i64>(i, 0).expect("id"))
            .collect();
        for id in acked.keys() {
            assert!(
                recorded.contains(id),
                "cycle {cycle}: acknowledged transfer {id} lost"
            );
        }
        // Balances: the initial ones moved by exactly the recorded transfers.
        let mut expect = [TOTAL / 10; 10];
        for id in &recorded {
            let (from, to, amount) = tried
                .get(id)
                .unwrap_or_else(|| panic!("cycle {cycle}: transfer {id} was never tried"));
            expect[*from as usize] -= amount;
            expect[*to as usize] += amount;
        }
        let r = s
            .query("SELECT bal FROM acct ORDER BY id", &[])
            .expect("bal");
        assert_eq!(r.rows.len(), 10);
        for (i, e) in expect.iter().enumerate() {
            assert_eq!(
                r.get::<i64>(i, 0).expect("bal"),
                *e,
                "cycle {cycle}: account {i}"
            );
        }
        assert_eq!(expect.iter().sum::<i64>(), TOTAL);
    }
    println!(
        "kill9_bank: {cycles} kills, {} acknowledged transfers",
        acked.len()
    );
    assert!(!acked.is_empty(), "no transfer was acknowledged");
    let _ = std::fs::remove_dir_all(&dir);
}
