//! Quill's own PostgreSQL-dialect sqllogictest suite, `tests/slt/pg/*.slt`, whose expected
//! results are PostgreSQL 15's (`tests/slt/pg/regenerate.sh` writes them), run against the
//! embedded engine with engine label `quill`.
//!
//! Prints, per file, the passed and failed counts and every failed record (line and reason).
//! Many records fail while features are missing; the test fails only when a file passes fewer
//! records than `tests/slt/pg/quill-baseline.txt` records for it (`QUILL_SLT_WRITE_BASELINE=1`
//! rewrites the baseline after an improvement; `QUILL_SLT_FILE=types.slt` runs one file).

use quill_tests::slt::quill::QuillBackend;
use quill_tests::slt::run_file;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

fn baseline() -> BTreeMap<String, usize> {
    std::fs::read_to_string(dir().join("quill-baseline.txt"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (f, n) = l.split_once(' ')?;
            Some((f.to_string(), n.trim().parse().ok()?))
        })
        .collect()
}

#[test]
fn pg_dialect_suite_does_not_regress() {
    let floor = baseline();
    let only = std::env::var("QUILL_SLT_FILE").ok();
    let names = files();
    assert!(!names.is_empty(), "no .slt files in {}", dir().display());
    let mut counts = BTreeMap::new();
    let (mut total_passed, mut total_failed) = (0, 0);
    let mut regressions = Vec::new();
    let started = std::time::Instant::now();
    for f in &names {
        if only.as_deref().is_some_and(|o| o != f) {
            continue;
        }
        let mut backend = QuillBackend::new();
        let t = std::time::Instant::now();
        let report = run_file(&mut backend, &dir().join(f), "quill").expect("run");
        let (passed, failed) = (report.passed.len(), report.failed.len());
        println!(
            "slt pg/{f}: {passed} passed, {failed} failed, {} skipped ({:.1?})",
            report.skipped,
            t.elapsed()
        );
        for (line, why) in &report.failed {
            println!("  pg/{f}:{line}: {why}");
        }
        let min = floor.get(f).copied().unwrap_or(0);
        if passed < min {
            regressions.push(format!("{f}: {passed} passed, baseline {min}"));
        }
        counts.insert(f.clone(), passed);
        total_passed += passed;
        total_failed += failed;
    }
    println!(
        "slt pg total: {total_passed} passed, {total_failed} failed in {:.1?}",
        started.elapsed()
    );
    if std::env::var_os("QUILL_SLT_WRITE_BASELINE").is_some() {
        let mut all = if only.is_some() {
            floor.clone()
        } else {
            BTreeMap::new()
        };
        all.extend(counts);
        let text: String = all.iter().map(|(f, n)| format!("{f} {n}\n")).collect();
        std::fs::write(dir().join("quill-baseline.txt"), text).expect("write baseline");
    }
    assert!(
        regressions.is_empty(),
        "fewer records pass than before: {regressions:?}"
    );
}
