//! Child process of the SQL kill -9 test: commits transactions through the embedded SQL
//! engine and prints `ack <id>` after each COMMIT returns. Every transaction writes its id
//! into two tables (atomicity is checked across them); every fifth round leaves a
//! transaction open for a while (uncommitted work in flight when the kill lands).
//!
//! Catalog changes too: at start it commits `dc<start-id>_<pid>` (created, filled, one
//! column dropped) and prints `ddl <name>`; the open transactions also drop a column of it. Each
//! round draws a value of sequence `ck` and prints `seq <value>` (values must never repeat,
//! whatever the kills).
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
    let say = |line: String| -> Result<(), String> {
        let mut o = out.lock();
        writeln!(o, "{line}")
            .and_then(|_| o.flush())
            .map_err(|e| e.to_string())
    };
    // A child killed before its first ack leaves a start id the next child reuses.
    let dc = format!("dc{start}_{}", std::process::id());
    s.execute(&format!(
        "CREATE SEQUENCE IF NOT EXISTS ck;
         BEGIN;
         CREATE TABLE {dc} (a bigint PRIMARY KEY, b text, c bigint);
         INSERT INTO {dc} VALUES (1, 'x', 2);
         ALTER TABLE {dc} DROP COLUMN b;
         COMMIT"
    ))
    .map_err(|e| e.to_string())?;
    say(format!("ddl {dc}"))?;
    let mut id = start;
    loop {
        if id % 5 == 0 {
            // In flight: written but never committed before the next kill (ids above 2^40).
            let ghost = id + (1 << 40);
            s.execute(&format!(
                "BEGIN; INSERT INTO acks VALUES ({ghost}, 'uncommitted'); INSERT INTO mirror VALUES ({ghost});
                 ALTER TABLE {dc} DROP COLUMN c"
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
        say(format!("ack {id}"))?;
        let drawn = s
            .query("SELECT nextval('ck')", &[])
            .and_then(|r| r.get::<i64>(0, 0))
            .map_err(|e| e.to_string())?;
        say(format!("seq {drawn}"))?;
        id += 1;
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("sql_child: {e}");
        std::process::exit(1);
    }
}
