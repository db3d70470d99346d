//! Child process of the bank kill -9 test: eight sessions on threads transfer amounts
//! between ten accounts in both directions (so deadlocks happen), at READ COMMITTED,
//! REPEATABLE READ and SERIALIZABLE, retrying on 40001 and 40P01. Each transfer also
//! inserts its id into `transfers` in the same transaction; it is printed as
//! `try <id> <from> <to> <amount>` before it starts and as `ack <id> ...` after its COMMIT
//! returns. Two readers (REPEATABLE READ and SERIALIZABLE) check that every snapshot sees
//! the same total and print `bad <total>` if one does not.
//!
//! Usage: `bank_child <data-dir> <first-id>`.

use engine::Database;
use std::io::Write;
use std::sync::{Arc, Mutex};

const ACCOUNTS: i64 = 10;
const TOTAL: i64 = 10_000;

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("missing data dir")?;
    let first: i64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or("missing first id")?;
    let db = Database::open(&dir).map_err(|e| e.to_string())?;
    let mut s = db.session();
    s.execute(
        "CREATE TABLE IF NOT EXISTS acct(id int PRIMARY KEY, bal bigint NOT NULL);
         CREATE TABLE IF NOT EXISTS transfers(id bigint PRIMARY KEY)",
    )
    .map_err(|e| e.to_string())?;
    let n: i64 = s
        .query("SELECT count(*) FROM acct", &[])
        .and_then(|r| r.get(0, 0))
        .map_err(|e| e.to_string())?;
    if n == 0 {
        for i in 0..ACCOUNTS {
            s.execute(&format!(
                "INSERT INTO acct VALUES ({i}, {})",
                TOTAL / ACCOUNTS
            ))
            .map_err(|e| e.to_string())?;
        }
    }
    let out = Arc::new(Mutex::new(std::io::stdout()));
    let say = |out: &Mutex<std::io::Stdout>, line: String| {
        if let Ok(o) = out.lock() {
            let mut o = o.lock();
            let _ = writeln!(o, "{line}").and_then(|_| o.flush());
        }
    };
    let next = Arc::new(std::sync::atomic::AtomicI64::new(first));
    let mut threads = Vec::new();
    for t in 0..8u64 {
        let (db, out, next) = (db.clone(), out.clone(), next.clone());
        threads.push(std::thread::spawn(move || {
            let mut s = db.session();
            let _ = s.execute("SET deadlock_timeout = '10ms'");
            let mut k = t.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ std::process::id() as u64;
            loop {
                k = k
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let from = ((k >> 33) % ACCOUNTS as u64) as i64;
                let to = ((k >> 45) % ACCOUNTS as u64) as i64;
                if from == to {
                    continue;
                }
                let amount = ((k >> 20) % 50) as i64 + 1;
                let level = match t % 3 {
                    0 => "READ COMMITTED",
                    1 => "REPEATABLE READ",
                    _ => "SERIALIZABLE",
                };
                let id = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let sql = format!(
                    "BEGIN ISOLATION LEVEL {level};
                     UPDATE acct SET bal = bal - {amount} WHERE id = {from};
                     UPDATE acct SET bal = bal + {amount} WHERE id = {to};
                     INSERT INTO transfers VALUES ({id});
                     COMMIT"
                );
                say(&out, format!("try {id} {from} {to} {amount}"));
                match s.execute(&sql) {
                    Ok(_) => say(&out, format!("ack {id} {from} {to} {amount}")),
                    Err(e) if matches!(e.sqlstate(), "40001" | "40P01") => {
                        let _ = s.execute("ROLLBACK");
                    }
                    Err(e) => {
                        say(&out, format!("error {e}"));
                        return;
                    }
                }
            }
        }));
    }
    for level in ["REPEATABLE READ", "SERIALIZABLE"] {
        let (db, out) = (db.clone(), out.clone());
        threads.push(std::thread::spawn(move || {
            let mut s = db.session();
            loop {
                let r = s
                    .execute(&format!("BEGIN ISOLATION LEVEL {level}"))
                    .and_then(|_| s.query("SELECT sum(bal) FROM acct", &[]))
                    .and_then(|r| r.get::<i64>(0, 0));
                match r {
                    Ok(total) if total != TOTAL => say(&out, format!("bad {total}")),
                    Ok(_) => {}
                    Err(e) if e.sqlstate() == "40001" => {}
                    Err(e) => say(&out, format!("error {e}")),
                }
                let _ = s.execute("COMMIT");
            }
        }));
    }
    for t in threads {
        let _ = t.join();
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("bank_child: {e}");
        std::process::exit(1);
    }
}
