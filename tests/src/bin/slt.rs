//! `slt`: runs sqllogictest files against a backend and counts passed, failed and skipped
//! records, with the conventions of SQLite's reference runner (see `quill_tests::slt`).
//!
//! ```text
//! slt --pg "host=/tmp port=55433 user=postgres" [--scratch-db NAME] [--label postgresql]
//!     [--list-passed OUT] [--expect PASSED.txt] [-v] [--complete] FILES...
//! slt --quill [--label quill] [--list-passed OUT] [--expect PASSED.txt] [-v] FILES...
//! ```
//!
//! - `--pg CONN`: run against PostgreSQL; the scratch database (default `quill_slt`) is
//!   dropped and recreated before each file.
//! - `--label L`: the engine label for `skipif` / `onlyif` (default `postgresql` with `--pg`,
//!   `quill` with `--quill`, as `tests/tests/slt_pg.rs` runs it).
//! - `--list-passed OUT`: write the passed records, one `FILE:LINE` a line, FILE as given on
//!   the command line (so run it from the corpus directory to get `select1.test:4`).
//! - `--expect LIST`: compare the passed records with a `FILE:LINE` list; print the
//!   differences and exit 1 if there are any.
//! - `-v`: print every failed record with its reason.
//! - `--complete`: instead of checking the files, rewrite them with the backend's results (see
//!   `quill_tests::slt::complete`): every query's expected block becomes what the backend
//!   returned, every statement's header `statement ok` or `statement error SQLSTATE`. Prints
//!   the records that need a look (failed queries, statements whose outcome changed) and exits
//!   1 when a query could not be completed.
//! - `--quill`: run against Quill's embedded engine (a fresh in-memory database per file)
//!   instead of PostgreSQL.
//!
//! Prints one line per file and a closing `total: N passed, N failed, N skipped` line.
//! Exits 0 unless a file could not be run or `--expect` found a difference (failed records
//! alone do not make it fail: counting them is the point).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use quill_tests::slt::complete::complete_file;
use quill_tests::slt::pg::{PgBackend, DEFAULT_SCRATCH_DB};
use quill_tests::slt::quill::QuillBackend;
use quill_tests::slt::{run_file, FileReport, SltBackend};

struct Args {
    /// The PostgreSQL connection string; `None` for `--quill`.
    pg: Option<String>,
    complete: bool,
    scratch: String,
    label: String,
    list_passed: Option<PathBuf>,
    expect: Option<PathBuf>,
    verbose: bool,
    files: Vec<PathBuf>,
}

const USAGE: &str = "usage: slt (--pg CONN [--scratch-db NAME] | --quill) [--label L] \
                     [--list-passed OUT] [--expect LIST] [-v] [--complete] FILES...";

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut quill = false;
    let mut args = Args {
        pg: None,
        complete: false,
        scratch: DEFAULT_SCRATCH_DB.to_string(),
        label: String::new(),
        list_passed: None,
        expect: None,
        verbose: false,
        files: Vec::new(),
    };
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--pg" => args.pg = Some(value("--pg")?),
            "--quill" => quill = true,
            "--complete" => args.complete = true,
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
    if args.pg.is_some() == quill {
        return Err(format!("give one of --pg and --quill\n{USAGE}"));
    }
    if args.label.is_empty() {
        args.label = if quill { "quill" } else { "postgresql" }.to_string();
    }
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
    let mut backend: Box<dyn SltBackend> = match &args.pg {
        Some(conn) => Box::new(PgBackend::connect(conn, &args.scratch)?),
        None => Box::new(QuillBackend::new()),
    };
    if args.complete {
        return complete(backend.as_mut(), &args);
    }
    let start = Instant::now();
    let mut reports: Vec<FileReport> = Vec::new();
    for file in &args.files {
        let t = Instant::now();
        let report = run_file(backend.as_mut(), file, &args.label)?;
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

/// `--complete`: rewrites every file with the backend's results.
fn complete(backend: &mut dyn SltBackend, args: &Args) -> Result<ExitCode, String> {
    let mut incomplete = 0;
    for file in &args.files {
        let c = complete_file(backend, file, &args.label)?;
        println!(
            "{}: {} records, {} expectations rewritten",
            file.display(),
            c.records,
            c.changed
        );
        for (line, note) in &c.notes {
            println!("  {}:{line}: {note}", file.display());
        }
        incomplete += c.incomplete;
    }
    if incomplete > 0 {
        println!("{incomplete} queries could not be completed");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
