//! Crash safety through SQL with real processes: a child commits transactions through the
//! embedded engine and is killed with SIGKILL at random moments, at least 20 times; after
//! every kill the database reopens (recovery) and every acknowledged commit is there, in
//! both tables, and nothing that was never committed is. Each child also commits a table
//! with a dropped column (it must stay dropped, and an uncommitted drop must not happen) and
//! draws sequence values (none may be handed out again after recovery).

use engine::Database;
use rand::{Rng, SeedableRng};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn kill9_during_sql_transactions() {
    let cycles: u64 = std::env::var("QUILL_KILL_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("QUILL_KILL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::process::id() as u64);
    println!("kill9_sql: seed {seed}");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let dir = std::env::temp_dir().join(format!("quill-kill9-sql-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut acked: Vec<i64> = Vec::new();
    let mut drawn: Vec<i64> = Vec::new();
    let mut tables: Vec<String> = Vec::new();
    let mut next = 1i64;
    // The two tables exist before the first child, which may be killed before its own
    // CREATE TABLE IF NOT EXISTS statements (two transactions) have both committed.
    {
        let db = Database::open(&dir).expect("create");
        db.session()
            .execute(
                "CREATE TABLE acks(id bigint PRIMARY KEY, payload text NOT NULL);
                 CREATE TABLE mirror(id bigint PRIMARY KEY)",
            )
            .expect("tables");
    }
    for cycle in 0..cycles {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sql_child"))
            .arg(&dir)
            .arg(next.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            let (mut numbers, mut names): ([Vec<i64>; 2], Vec<String>) = Default::default();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let Some((kind, v)) = line.split_once(' ') else {
                    continue;
                };
                match (kind, v.parse::<i64>()) {
                    ("ack", Ok(n)) => numbers[0].push(n),
                    ("seq", Ok(n)) => numbers[1].push(n),
                    ("ddl", _) => names.push(v.to_string()),
                    _ => {}
                }
            }
            let [acks, seqs] = numbers;
            (acks, seqs, names)
        });
        std::thread::sleep(Duration::from_millis(rng.gen_range(100..600)));
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!("cycle {cycle}: child exited on its own ({status}): {err}");
        }
        child.kill().expect("kill");
        let _ = child.wait();
        let (new, seqs, ddls) = reader.join().expect("reader");
        acked.extend(&new);
        drawn.extend(&seqs);
        tables.extend(ddls);
        let db = Database::open(&dir).expect("recover");
        let mut s = db.session();
        let ids = |s: &mut engine::Session, sql: &str| -> Vec<i64> {
            let r = s.query(sql, &[]).expect("query");
            (0..r.rows.len())
                .map(|i| r.get::<i64>(i, 0).expect("id"))
                .collect()
        };
        let in_acks = ids(&mut s, "SELECT id FROM acks ORDER BY id");
        let in_mirror = ids(&mut s, "SELECT id FROM mirror ORDER BY id");
        assert_eq!(
            in_acks, in_mirror,
            "cycle {cycle}: a transaction was half applied"
        );
        let present: std::collections::BTreeSet<i64> = in_acks.iter().copied().collect();
        for id in &acked {
            assert!(
                present.contains(id),
                "cycle {cycle} (seed {seed}): acknowledged id {id} lost"
            );
        }
        assert!(
            in_acks.iter().all(|&id| id < 1 << 40),
            "cycle {cycle}: uncommitted rows survived"
        );
        // The primary key index agrees with the heap.
        if let Some(&last) = acked.last() {
            let r = s
                .query(
                    "SELECT count(*) FROM acks WHERE id = $1",
                    &[engine::Value::Int8(last)],
                )
                .expect("lookup");
            assert_eq!(r.get::<i64>(0, 0).expect("count"), 1);
        }
        // Sequence values: the next one lies beyond every value handed out before.
        let after = s
            .query("SELECT nextval('ck')", &[])
            .and_then(|r| r.get::<i64>(0, 0))
            .expect("nextval after recovery");
        if let Some(&max) = drawn.iter().max() {
            assert!(
                after > max,
                "cycle {cycle}: nextval gave {after} after {max}"
            );
        }
        drawn.push(after);
        // Committed DROP COLUMN stays; the uncommitted drop of c never happened.
        for t in &tables {
            let r = s
                .query(&format!("SELECT * FROM {t}"), &[])
                .expect("table with a dropped column");
            assert_eq!(r.columns.len(), 2, "cycle {cycle}: {t} columns");
            assert_eq!(r.get::<i64>(0, "c").expect("c"), 2, "cycle {cycle}: {t}");
        }
        db.storage().check_integrity().expect("integrity");
        next = in_acks
            .last()
            .copied()
            .unwrap_or(0)
            .max(acked.last().copied().unwrap_or(0))
            + 1;
        drop(s);
        drop(db);
    }
    println!(
        "kill9_sql: {cycles} kills, {} acknowledged commits, all present after every recovery; {} sequence values, none repeated; {} tables with a dropped column intact",
        acked.len(),
        drawn.len(),
        tables.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
