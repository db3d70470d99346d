//! `slt`: runs sqllogictest files against a backend and counts passed, failed and skipped
//! records, with the conventions of SQLite's reference runner (see `quill_tests::slt`).
//!
//! ```text
//! slt --pg "host=/tmp port=55433 user=postgres" [--scratch-db NAME] [--label postgresql]
//!     [--list-passed OUT] [--expect PASSED.txt] [-v] FILES...
//! ```
//!
//! - `--pg CONN`: run against PostgreSQL (the only backend of this binary); the scratch
//!   database (default `quill_slt`) is dropped and recreated before each file.
//! - `--label L`: the engine label for `skipif` / `onlyif` (default `postgresql`).
//! - `--list-passed OUT`: write the passed records, one `FILE:LINE` a line, FILE as given on
//!   the command line (so run it from the corpus directory to get `select1.test:4`).
//! - `--expect LIST`: compare the passed records with a `FILE:LINE` list; print the
//!   differences and exit 1 if there are any.
//! - `-v`: print every failed record with its reason.
//!
//! Prints one line per file and a closing `total: N passed, N failed, N skipped` line.
//! Exits 0 unless a file could not be run or `--expect` found a difference (failed records
//! alone do not make it fail: counting them is the point).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use quill_tests::slt::pg::{PgBackend, DEFAULT_SCRATCH_DB};
use quill_tests::slt::{run_file, FileReport};

struct Args {
    pg: String,
    scratch: String,
    label: String,
    list_passed: Option<PathBuf>,
    expect: Option<PathBuf>,
    verbose: bool,
    files: Vec<PathBuf>,
}

const USAGE: &str = "usage: slt --pg CONN [--scratch-db NAME] [--label L] [--list-passed OUT] \
                     [--expect LIST] [-v] FILES...";

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut pg = None;
    let mut args = Args {
        pg: String::new(),
        scratch: DEFAULT_SCRATCH_DB.to_string(),
        label: "postgresql".to_string(),
        list_passed: None,
        expect: None,
        verbose: false,
        files: Vec::new(),
    };
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--pg" => pg = Some(value("--pg")?),
            "--scratch-db" => args.scratch = value("--scratch-db")?,
            "--label" => args.label = value("--label")?,
            "--list-passed" => args.list_passed = Some(value("--list-passed")?.into()),
            "--expect" => args.expect = Some(value("--expect")?.into()),
            "-v" | "--verbose" => args.verbose = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}\n{USAGE}")),
            _ => args.files.push(a.into()),
        }
    }
    args.pg = pg.ok_or_else(|| format!("--pg is required\n{USAGE}"))?;
    if args.files.is_empty() {
        return Err(format!("no files given\n{USAGE}"));
    }
    Ok(args)
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("slt: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let args = parse_args()?;
    let mut backend = PgBackend::connect(&args.pg, &args.scratch)?;
    let start = Instant::now();
    let mut reports: Vec<FileReport> = Vec::new();
    for file in &args.files {
        let t = Instant::now();
        let report = run_file(&mut backend, file, &args.label)?;
        println!(
            "{}: {} passed, {} failed, {} skipped ({:.1}s)",
            report.file,
            report.passed.len(),
            report.failed.len(),
            report.skipped,
            t.elapsed().as_secs_f64()
        );
        if args.verbose {
            for (line, reason) in &report.failed {
                println!("  {}:{line}: {reason}", report.file);
            }
        }
        reports.push(report);
    }
    let passed: usize = reports.iter().map(|r| r.passed.len()).sum();
    let failed: usize = reports.iter().map(|r| r.failed.len()).sum();
    let skipped: u64 = reports.iter().map(|r| u64::from(r.skipped)).sum();
    eprintln!("elapsed {:.1}s", start.elapsed().as_secs_f64());

    let passed_list: Vec<String> = reports
        .iter()
        .flat_map(|r| r.passed.iter().map(move |l| format!("{}:{l}", r.file)))
        .collect();
    if let Some(out) = &args.list_passed {
        let mut text = passed_list.join("\n");
        text.push('\n');
        std::fs::write(out, text).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    let mut code = ExitCode::SUCCESS;
    if let Some(expect) = &args.expect {
        let text =
            std::fs::read_to_string(expect).map_err(|e| format!("{}: {e}", expect.display()))?;
        let want: BTreeSet<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let got: BTreeSet<&str> = passed_list.iter().map(String::as_str).collect();
        let missing: Vec<&&str> = want.difference(&got).collect();
        let extra: Vec<&&str> = got.difference(&want).collect();
        for m in &missing {
            println!("expected to pass but did not: {m}");
        }
        for x in &extra {
            println!("passed but not in {}: {x}", expect.display());
        }
        println!(
            "expect: {} of {} expected records passed, {} missing, {} extra",
            want.len() - missing.len(),
            want.len(),
            missing.len(),
            extra.len()
        );
        if !missing.is_empty() || !extra.is_empty() {
            code = ExitCode::FAILURE;
        }
    }
    println!("total: {passed} passed, {failed} failed, {skipped} skipped");
    Ok(code)
}
