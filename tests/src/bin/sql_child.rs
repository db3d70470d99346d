//! Child process of the SQL kill -9 test: commits transactions through the embedded SQL
//! engine and prints `ack <id>` after each COMMIT returns. Every transaction writes its id
//! into two tables (atomicity is checked across them); every fifth round leaves a
//! transaction open for a while (uncommitted work in flight when the kill lands).
//!
//! Usage: `sql_child <data-dir> <start-id>`.

use engine::Database;
use std::io::Write;

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("missing data dir")?;
    let start: i64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or("missing start id")?;
    let db = Database::open(&dir).map_err(|e| e.to_string())?;
    let mut s = db.session();
    s.execute(
        "CREATE TABLE IF NOT EXISTS acks(id bigint PRIMARY KEY, payload text NOT NULL);
         CREATE TABLE IF NOT EXISTS mirror(id bigint PRIMARY KEY)",
    )
    .map_err(|e| e.to_string())?;
    let out = std::io::stdout();
    let mut id = start;
    loop {
        if id % 5 == 0 {
            // In flight: written but never committed before the next kill (ids above 2^40).
            let ghost = id + (1 << 40);
            s.execute(&format!(
                "BEGIN; INSERT INTO acks VALUES ({ghost}, 'uncommitted'); INSERT INTO mirror VALUES ({ghost})"
            ))
            .map_err(|e| e.to_string())?;
            std::thread::sleep(std::time::Duration::from_millis(3));
            s.execute("ROLLBACK").map_err(|e| e.to_string())?;
        }
        let payload = "p".repeat((id % 700) as usize);
        s.execute(&format!(
            "BEGIN; INSERT INTO acks VALUES ({id}, '{payload}'); INSERT INTO mirror VALUES ({id}); COMMIT"
        ))
        .map_err(|e| e.to_string())?;
        let mut o = out.lock();
        writeln!(o, "ack {id}")
            .and_then(|_| o.flush())
            .map_err(|e| e.to_string())?;
        id += 1;
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("sql_child: {e}");
        std::process::exit(1);
    }
}
