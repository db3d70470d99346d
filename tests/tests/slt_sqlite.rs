//! SQLite's sqllogictest corpus (select1–5) run against the embedded engine, counting the
//! records that PostgreSQL 15 passes (tests/slt/sqlite/pg15-passed.txt) which Quill passes
//! too. The counts may only go up: `tests/slt/sqlite/quill-baseline.txt` records the floor
//! per file (`QUILL_SLT_WRITE_BASELINE=1` rewrites it after an improvement).

use quill_tests::slt::quill::QuillBackend;
use quill_tests::slt::run_file;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const FILES: [&str; 17] = [
    "select1.test",
    "select2.test",
    "select3.test",
    "select4.test",
    "select5.test",
    "evidence/in1.test",
    "evidence/in2.test",
    "evidence/slt_lang_aggfunc.test",
    "evidence/slt_lang_createtrigger.test",
    "evidence/slt_lang_createview.test",
    "evidence/slt_lang_dropindex.test",
    "evidence/slt_lang_droptable.test",
    "evidence/slt_lang_droptrigger.test",
    "evidence/slt_lang_dropview.test",
    "evidence/slt_lang_reindex.test",
    "evidence/slt_lang_replace.test",
    "evidence/slt_lang_update.test",
];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("slt/sqlite")
}

fn pg_passed() -> BTreeSet<String> {
    std::fs::read_to_string(dir().join("pg15-passed.txt"))
        .expect("pg15-passed.txt")
        .lines()
        .map(str::to_string)
        .collect()
}

fn baseline() -> BTreeMap<String, usize> {
    std::fs::read_to_string(dir().join("quill-baseline.txt"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (f, n) = l.split_once(' ')?;
            Some((f.to_string(), n.trim().parse().ok()?))
        })
        .collect()
}

#[test]
fn sqlite_corpus_passes_what_postgres_passes() {
    let wanted = pg_passed();
    let floor = baseline();
    let only: Option<String> = std::env::var("QUILL_SLT_FILE").ok();
    let mut counts = BTreeMap::new();
    let (mut total, mut total_target) = (0, 0);
    let mut regressions = Vec::new();
    for f in FILES {
        if only.as_deref().is_some_and(|o| o != f) {
            continue;
        }
        let mut backend = QuillBackend::new();
        let started = std::time::Instant::now();
        let report = run_file(&mut backend, &dir().join(f), "postgresql").expect("run");
        let passed = report
            .passed
            .iter()
            .filter(|l| wanted.contains(&format!("{f}:{l}")))
            .count();
        let target = wanted
            .iter()
            .filter(|w| w.starts_with(&format!("{f}:")))
            .count();
        println!(
            "slt {f}: {passed} of the {target} records PostgreSQL passes ({} failed in all, {} skipped) in {:.1?}",
            report.failed.len(),
            report.skipped,
            started.elapsed()
        );
        if std::env::var_os("QUILL_SLT_VERBOSE").is_some() {
            for (line, why) in report.failed.iter().take(20) {
                println!("  {f}:{line}: {why}");
            }
        }
        let min = floor.get(f).copied().unwrap_or(0);
        if passed < min {
            regressions.push(format!("{f}: {passed} passed, baseline {min}"));
        }
        counts.insert(f.to_string(), passed);
        total += passed;
        total_target += target;
    }
    println!("slt total: {total} of the {total_target} records PostgreSQL 15 passes");
    if std::env::var_os("QUILL_SLT_WRITE_BASELINE").is_some() {
        let text: String = counts.iter().map(|(f, n)| format!("{f} {n}\n")).collect();
        std::fs::write(dir().join("quill-baseline.txt"), text).expect("write baseline");
    }
    assert!(
        regressions.is_empty(),
        "fewer records pass than before: {regressions:?}"
    );
}
