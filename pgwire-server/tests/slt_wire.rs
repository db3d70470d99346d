//! The sqllogictest corpora over the wire: every file of SQLite's corpus (`tests/slt/sqlite`)
//! and of the PostgreSQL-dialect suite (`tests/slt/pg`) runs against the embedded engine and
//! against `quill serve` through a PostgreSQL client (statements by the simple protocol,
//! queries prepared and executed by the extended protocol with binary results). The records
//! that pass must be the same ones both ways, file by file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use quill_tests::slt::pg::{Config, PgBackend};
use quill_tests::slt::quill::QuillBackend;
use quill_tests::slt::{run_file, FileReport};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::Served;

fn slt_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/slt")
}

/// The corpus files under `dir`, relative to it: `*.test` and `*.slt`, recursively, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read corpus dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "test" || e == "slt") {
                let rel = path.strip_prefix(root).expect("under root");
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A backend over `quill serve`: each reset stops the previous server and starts a new one
/// on a new, empty data directory.
fn wire_backend() -> PgBackend {
    let mut current: Option<(Served, tempfile::TempDir)> = None;
    PgBackend::with_fresh_hook(Box::new(move || {
        // Stop the previous server (its data directory goes with it) before starting anew.
        drop(current.take());
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let served = Served::start(&dir.path().join("data"));
        let mut config = Config::new();
        config
            .host("127.0.0.1")
            .port(served.port)
            .user("postgres")
            .dbname("postgres");
        current.replace((served, dir));
        Ok(config)
    }))
}

/// Runs every file of `corpus` both ways with `label` and returns, per file, a description of
/// the records whose outcome differs.
fn compare(corpus: &str, label: &str) -> Vec<String> {
    let dir = slt_dir().join(corpus);
    let mut wire = wire_backend();
    let mut differences = Vec::new();
    let (mut embedded_total, mut wire_total) = (0, 0);
    for f in files(&dir) {
        let path = dir.join(&f);
        let started = std::time::Instant::now();
        let embedded: FileReport = run_file(&mut QuillBackend::new(), &path, label).expect("run");
        let embedded_time = started.elapsed();
        let started = std::time::Instant::now();
        let over_wire: FileReport = run_file(&mut wire, &path, label).expect("run over the wire");
        println!(
            "slt {corpus}/{f}: embedded {} passed ({embedded_time:.1?}), wire {} passed ({:.1?})",
            embedded.passed.len(),
            over_wire.passed.len(),
            started.elapsed()
        );
        embedded_total += embedded.passed.len();
        wire_total += over_wire.passed.len();
        let a: BTreeSet<u32> = embedded.passed.iter().copied().collect();
        let b: BTreeSet<u32> = over_wire.passed.iter().copied().collect();
        for line in a.difference(&b) {
            let why = over_wire
                .failed
                .iter()
                .find(|(l, _)| l == line)
                .map_or("", |(_, why)| why.as_str());
            differences.push(format!("{corpus}/{f}:{line} passes embedded only: {why}"));
        }
        for line in b.difference(&a) {
            differences.push(format!("{corpus}/{f}:{line} passes over the wire only"));
        }
    }
    println!("slt {corpus}: embedded {embedded_total} passed, wire {wire_total} passed");
    differences
}

#[test]
fn sqlite_corpus_over_the_wire_matches_embedded() {
    let differences = compare("sqlite", "postgresql");
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn pg_dialect_suite_over_the_wire_matches_embedded() {
    let differences = compare("pg", "quill");
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
