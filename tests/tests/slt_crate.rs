//! Quill's PostgreSQL-dialect suite, `tests/slt/pg/*.slt`, run by the `sqllogictest` crate's
//! [`Runner`] over the embedded engine ([`QuillDb`]), a fresh database per file, label `quill`.
//!
//! The files follow SQLite's convention of one value per line under `----`, while the crate's
//! default validator compares one row per line, so a validator that flattens the actual rows
//! into one value per line is installed. The crate sorts before validating — `rowsort` sorts
//! whole rows, `valuesort` splits the rows into single values and sorts those — so flattening
//! afterwards gives exactly the order this project's harness compares. Values are compared
//! exactly (no whitespace normalisation), as the project's harness does.
//!
//! Records are run one by one, so the run goes on after a failure; the test prints
//! `slt-crate FILE: N passed, M failed` per file and every failure, and asserts that every
//! record passes except exactly those in [`CONVENTION_DIFFERENCES`].
//!
//! Those records fail for a difference of conventions, not of results: the files' expected
//! values are rendered by the type letters the *record* declares (SQLite's convention: a text
//! value in an `I` column is `0`, a `float8` in a `T` column is `5.0`, an integer in an `I`
//! column keeps its low 32 bits), while the crate's `DB::run` never sees the record's type
//! string, so [`QuillDb`] renders each value by its column's *engine* type.

use quill_tests::slt::crate_db::QuillDb;
use sqllogictest::{Normalizer, Record, RecordOutput, Runner};
use std::path::{Path, PathBuf};

/// The records (file, line) that fail only because the file declares a type letter other than
/// the one of the engine's result type; every other record must pass.
const CONVENTION_DIFFERENCES: &[(&str, u32)] = &[
    // `query T` over numeric: `1.5` and `2.5`, not `1.500` and `2.500`.
    ("arrays.slt", 524),
    // `query IT` over (text, integer): expected `0` for the text, rendered as `I`.
    ("distinct.slt", 91),
    // `query ITIT` over (int, text, int, numeric(8,2)): the numeric expected as `T`, `2.5`,
    // not `2.500`.
    ("insert.slt", 67),
    // `query TITT` over (int, text, int, text): `a2` expected as `I`, i.e. `0`.
    ("joins.slt", 238),
    // `query T` over float8: `5.0` (SQLite's `%!.15g`), not `5.000`.
    ("math_functions.slt", 113),
    // `query III` over sign()'s fractional result type: `-1 0 1`, not `-1.000 0.000 1.000`.
    ("math_functions.slt", 118),
    // `query T` over float8: `4.0`, not `4.000`.
    ("math_functions.slt", 174),
    // `query III` with `1::bigint << 40`: expected `0`, the low 32 bits of 1099511627776.
    ("operators.slt", 132),
    // `query T` over numeric: `1` and `2.5`, not `1.000` and `2.500`.
    ("set_ops.slt", 129),
    // `query ITTT` over (int, text, numeric(10,2), bool): the numeric expected as `T`, `0.0`,
    // not `0.000`.
    ("update_delete.slt", 79),
];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("slt/pg")
}

/// The suite's files, by name, sorted.
fn files() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("read tests/slt/pg")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.ends_with(".slt").then_some(name)
        })
        .collect();
    names.sort();
    names
}

/// Compares the actual rows, flattened to one value per line, with the expected lines,
/// exactly.
fn value_per_line(_normalizer: Normalizer, actual: &[Vec<String>], expected: &[String]) -> bool {
    actual.iter().flatten().eq(expected.iter())
}

/// Runs one file; returns the number of `statement` / `query` records, the passed count and
/// the failures (line, message). A record skipped by `skipif` / `onlyif` neither passes nor
/// fails.
fn run_file(path: &Path, seed: u64) -> (usize, usize, Vec<(u32, String)>) {
    let records =
        sqllogictest::parse_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut runner = Runner::new(move || std::future::ready(QuillDb::open(seed)));
    runner.add_label("quill");
    runner.with_validator(value_per_line);
    let (mut total, mut passed, mut failed) = (0, 0, Vec::new());
    for record in records {
        let counted = match &record {
            Record::Halt { .. } => break,
            Record::Statement { .. } | Record::Query { .. } => true,
            _ => false,
        };
        total += usize::from(counted);
        match runner.run(record) {
            Ok(RecordOutput::Nothing) => {}
            Ok(_) if counted => passed += 1,
            Ok(_) => {}
            Err(e) => failed.push((e.location().line(), e.to_string())),
        }
    }
    (total, passed, failed)
}

#[test]
fn pg_dialect_suite_through_the_sqllogictest_crate() {
    let names = files();
    assert!(!names.is_empty(), "no .slt files in {}", dir().display());
    let mut mismatches = Vec::new();
    let (mut total_passed, mut total_failed) = (0, 0);
    for (seed, f) in (1..).zip(&names) {
        let (total, passed, failed) = run_file(&dir().join(f), seed);
        println!("slt-crate {f}: {passed} passed, {} failed", failed.len());
        for (_, e) in &failed {
            println!("  {}", e.trim_end().replace('\n', "\n  "));
        }
        let failed_lines: Vec<u32> = failed.iter().map(|&(line, _)| line).collect();
        let expected: Vec<u32> = CONVENTION_DIFFERENCES
            .iter()
            .filter(|(name, _)| name == f)
            .map(|&(_, line)| line)
            .collect();
        // The suite has no `skipif` / `onlyif`: every record must have run.
        if failed_lines != expected || passed + failed.len() != total {
            mismatches.push(format!(
                "{f}: {passed} of {total} records passed; failing at lines {failed_lines:?}, \
                 expected {expected:?}"
            ));
        }
        total_passed += passed;
        total_failed += failed.len();
    }
    println!("slt-crate total: {total_passed} passed, {total_failed} failed");
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
