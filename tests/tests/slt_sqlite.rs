//! SQLite's sqllogictest corpus (`tests/slt/sqlite`: select1–5 and evidence/) run against the
//! embedded engine with SQLite's runner conventions and engine label `postgresql`: one test per
//! file, a fresh database each.
//!
//! Each test prints the file's counts and every failing record, and passes when the records
//! that fail are exactly those `tests/slt/sqlite/quill-baseline.txt` lists for the file (see
//! `quill_tests::slt::suite`). `QUILL_BLESS=1` rewrites the baseline from the run. The
//! baseline may list no record that PostgreSQL 15 passes (`tests/slt/sqlite/pg15-passed.txt`),
//! so Quill passes every one of those.

use quill_tests::slt::quill::QuillBackend;
use quill_tests::slt::suite::{check_file, read_baseline, Corpus};
use std::collections::BTreeSet;

/// The records (`FILE:LINE`) PostgreSQL 15 passes.
fn pg_passed() -> BTreeSet<String> {
    let path = Corpus::Sqlite.dir().join("pg15-passed.txt");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

fn check(file: &str) {
    if let Err(e) = check_file(
        Corpus::Sqlite,
        file,
        &mut QuillBackend::new(),
        "embedded",
        true,
    ) {
        panic!("{e}");
    }
}

quill_tests::sqlite_corpus_tests!(check);

/// Every record PostgreSQL 15 passes passes in Quill too: the baseline lists none of them.
#[test]
fn baseline_lists_no_record_postgres_passes() {
    let wanted = pg_passed();
    let baseline = read_baseline(Corpus::Sqlite).unwrap_or_else(|e| panic!("{e}"));
    let listed: Vec<String> = baseline
        .iter()
        .flat_map(|(f, lines)| lines.iter().map(move |l| format!("{f}:{l}")))
        .filter(|id| wanted.contains(id))
        .collect();
    assert!(
        listed.is_empty(),
        "records PostgreSQL 15 passes are listed as failing in Quill: {listed:?}"
    );
}
