//! `isolation`: runs isolation specs (PostgreSQL's isolationtester format, see
//! `quill_tests::isolation`) and prints or writes what isolationtester would print.
//!
//! ```text
//! isolation --pg "host=/tmp port=55434 user=postgres dbname=postgres" [--out-dir DIR] SPECS...
//! ```
//!
//! - `--pg CONN`: run against PostgreSQL (one connection per session and a control one).
//! - `--out-dir DIR`: write each spec's output to `DIR/NAME.out` (NAME: the spec's file name
//!   without `.spec`) instead of printing it.
//! - `--timeout SECS`: the deadline of each permutation (default 60).
//!
//! Exits 1 if a spec could not be read or run to its end (the error goes to stderr, after
//! whatever was printed up to it).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use quill_tests::isolation::pg::PgBackend;
use quill_tests::isolation::runner::run_spec;
use quill_tests::isolation::spec;

const USAGE: &str = "usage: isolation --pg CONN [--out-dir DIR] [--timeout SECS] SPECS...";

struct Args {
    pg: String,
    out_dir: Option<PathBuf>,
    timeout: Duration,
    specs: Vec<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut pg = None;
    let mut out_dir = None;
    let mut timeout = Duration::from_secs(60);
    let mut specs = Vec::new();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--pg" => pg = Some(it.next().ok_or("--pg needs a connection string")?),
            "--out-dir" => {
                out_dir = Some(PathBuf::from(
                    it.next().ok_or("--out-dir needs a directory")?,
                ))
            }
            "--timeout" => {
                let secs: u64 = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--timeout needs a number of seconds")?;
                timeout = Duration::from_secs(secs);
            }
            "-h" | "--help" => return Err(USAGE.into()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}\n{USAGE}")),
            _ => specs.push(PathBuf::from(a)),
        }
    }
    let pg = pg.ok_or_else(|| USAGE.to_string())?;
    if specs.is_empty() {
        return Err(USAGE.into());
    }
    Ok(Args {
        pg,
        out_dir,
        timeout,
        specs,
    })
}

fn spec_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut failed = false;
    for path in &args.specs {
        let name = spec_name(path);
        let parsed = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| spec::parse(&text).map_err(|e| e.to_string()));
        let parsed = match parsed {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                failed = true;
                continue;
            }
        };
        for unused in parsed.unused_steps() {
            eprintln!("{name}: unused step name: {unused}");
        }
        let mut backend = match PgBackend::new(&args.pg) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        let run = run_spec(&mut backend, &parsed, args.timeout);
        match &args.out_dir {
            Some(dir) => {
                let out = dir.join(format!("{name}.out"));
                if let Err(e) = std::fs::write(&out, &run.output) {
                    eprintln!("{}: {e}", out.display());
                    failed = true;
                }
            }
            None => print!("{}", run.output),
        }
        if let Some(e) = run.error {
            eprintln!("{name}: {e}");
            failed = true;
        } else {
            eprintln!("{name}: ok");
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
