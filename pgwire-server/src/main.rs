//! The `quill` command. Until the SQL layer and the wire protocol land, it offers `demo`:
//! open (or create and recover) a data directory, run transactions against the storage
//! engine, and report what recovery and the log did.

use engine::storage::{Storage, StorageOptions};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

const HELP: &str = "\
quill — a PostgreSQL-compatible SQL engine (storage engine stage)

USAGE:
    quill demo [--data-dir DIR] [--rows N]
    quill --help

COMMANDS:
    demo    Opens DIR (created if missing; recovered after a crash), commits N rows in
            transactions of 100, rolls one transaction back, scans the heap, checks every
            page, and closes cleanly with a checkpoint. Run it twice: the second run finds
            the first run's rows.

OPTIONS:
    --data-dir DIR   data directory (default: ./quill-data)
    --rows N         rows to insert (default: 10000)
    -h, --help       print this help
";

struct Args {
    data_dir: PathBuf,
    rows: u64,
}

fn parse(mut argv: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args {
        data_dir: PathBuf::from("quill-data"),
        rows: 10_000,
    };
    match argv.next().as_deref() {
        None | Some("-h") | Some("--help") => return Ok(None),
        Some("demo") => {}
        Some(other) => return Err(format!("unknown command '{other}'")),
    }
    while let Some(flag) = argv.next() {
        match flag.as_str() {
            "--data-dir" => {
                args.data_dir = argv.next().ok_or("--data-dir needs a value")?.into();
            }
            "--rows" => {
                let v = argv.next().ok_or("--rows needs a value")?;
                args.rows = v
                    .parse()
                    .map_err(|_| format!("--rows: not a number: {v}"))?;
            }
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown option '{other}'")),
        }
    }
    Ok(Some(args))
}

fn demo(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let (storage, report) = Storage::open(
        Arc::new(vfs::OsVfs::new()),
        &args.data_dir,
        StorageOptions::default(),
    )?;
    println!(
        "opened {} in {:.1?}: log end {}, {} records scanned, {} redone, {} losers rolled back",
        args.data_dir.display(),
        started.elapsed(),
        report.log_end,
        report.records_scanned,
        report.records_redone,
        report.losers
    );
    let heap = storage.heap(1);
    let before = heap.scan().count();
    let started = Instant::now();
    let mut done = 0;
    while done < args.rows {
        let mut txn = storage.begin()?;
        for _ in 0..100.min(args.rows - done) {
            let row = format!("row {} written at {:?}", before as u64 + done, started);
            heap.insert(&mut txn, row.as_bytes())?;
            done += 1;
        }
        txn.commit()?;
    }
    let elapsed = started.elapsed();
    let mut txn = storage.begin()?;
    heap.insert(&mut txn, b"this row is rolled back")?;
    txn.abort()?;
    let after = heap.scan().count();
    println!(
        "inserted {done} rows in {elapsed:.1?}; heap had {before} rows, now {after} (log syncs so far: {})",
        storage.log().sync_count()
    );
    let integrity = storage.check_integrity()?;
    println!(
        "integrity: {} files, {} pages, {} tuples, all checksums valid",
        integrity.files, integrity.pages, integrity.tuples
    );
    storage.close()?;
    println!("closed cleanly (checkpoint written)");
    Ok(())
}

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Ok(None) => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Ok(Some(args)) => match demo(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("quill: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("quill: {e}\n\n{HELP}");
            ExitCode::from(2)
        }
    }
}
