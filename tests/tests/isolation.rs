//! Quill's isolation specs, `tests/isolation/specs/*.spec`, run on the embedded engine and
//! compared with PostgreSQL 15's output for them (`tests/isolation/expected/*.out`, written by
//! `tests/isolation/regenerate.sh`).
//!
//! Every spec runs on a fresh database, one engine session per spec session, a step being
//! reported as waiting only when the engine's wait probe says its session waits. A spec
//! passes when the output is identical. Specs Quill does not pass yet are listed by name in
//! `tests/isolation/quill-baseline.txt`: their failures are printed (with a diff) but do not
//! fail the test; a listed spec that passes fails it too, so the list only shrinks.
//! Any other failure fails the test.
//!
//! `QUILL_ISOLATION_SPEC=name` runs one spec; `QUILL_ISOLATION_TIMEOUT_SECS` sets the
//! deadline of each permutation (default 60; 5 for specs in the baseline, which are known to
//! fail and may do so by hanging: `QUILL_ISOLATION_BASELINE_TIMEOUT_SECS`);
//! `QUILL_ISOLATION_WRITE_BASELINE=1` rewrites the baseline with the specs that fail.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use quill_tests::isolation::quill::QuillBackend;
use quill_tests::isolation::runner::run_spec;
use quill_tests::isolation::spec;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("isolation")
}

fn spec_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir().join("specs"))
        .expect("read tests/isolation/specs")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".spec").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

fn baseline() -> BTreeSet<String> {
    std::fs::read_to_string(dir().join("quill-baseline.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// A unified diff of `expected` (PostgreSQL) against `actual` (Quill).
fn diff(expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header("expected (PostgreSQL 15)", "actual (Quill)")
        .to_string()
}

/// Runs one spec on a fresh database; `Ok` when its output is PostgreSQL's.
fn run_one(name: &str, deadline: Duration) -> Result<(), String> {
    let text = std::fs::read_to_string(dir().join("specs").join(format!("{name}.spec")))
        .map_err(|e| format!("cannot read the spec: {e}"))?;
    let expected = std::fs::read_to_string(dir().join("expected").join(format!("{name}.out")))
        .map_err(|e| {
            format!("no expected output ({e}): run tests/isolation/regenerate.sh {name}")
        })?;
    let parsed = spec::parse(&text).map_err(|e| e.to_string())?;
    let mut backend = QuillBackend::new(Box::new(|session| {
        let probe = session.wait_probe();
        Box::new(move || probe.is_waiting())
    }));
    let run = run_spec(&mut backend, &parsed, deadline);
    let mut why = Vec::new();
    if let Some(e) = &run.error {
        why.push(format!("stopped: {e}"));
    }
    if run.output != expected {
        why.push(diff(&expected, &run.output));
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(why.join("\n"))
    }
}

#[test]
fn isolation_specs_match_postgresql() {
    let only = std::env::var("QUILL_ISOLATION_SPEC").ok();
    let secs = |var: &str, default: u64| {
        Duration::from_secs(
            std::env::var(var)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(default),
        )
    };
    let deadline = secs("QUILL_ISOLATION_TIMEOUT_SECS", 60);
    let baseline_deadline = secs("QUILL_ISOLATION_BASELINE_TIMEOUT_SECS", 5);
    let listed = baseline();
    let names = spec_names();
    assert!(!names.is_empty(), "no specs in {}", dir().display());
    for stale in listed.iter().filter(|b| !names.contains(b)) {
        println!("isolation {stale}: in quill-baseline.txt but there is no such spec");
    }
    let (mut passed, mut known, mut new_failures, mut now_passing) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for name in &names {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let started = Instant::now();
        let result = run_one(
            name,
            if listed.contains(name) {
                baseline_deadline
            } else {
                deadline
            },
        );
        let took = started.elapsed();
        match (result, listed.contains(name)) {
            (Ok(()), false) => {
                println!("isolation {name}: ok ({took:.1?})");
                passed.push(name.clone());
            }
            (Ok(()), true) => {
                println!("isolation {name}: passes now: remove it from quill-baseline.txt");
                passed.push(name.clone());
                now_passing.push(name.clone());
            }
            (Err(why), in_baseline) => {
                let label = if in_baseline {
                    "fails (listed in quill-baseline.txt)"
                } else {
                    "FAILS"
                };
                println!("isolation {name}: {label} ({took:.1?})\n{why}");
                if in_baseline {
                    known.push(name.clone());
                } else {
                    new_failures.push(name.clone());
                }
            }
        }
    }
    println!(
        "isolation: {} passed, {} failing as listed in the baseline, {} new failures",
        passed.len(),
        known.len(),
        new_failures.len()
    );
    if !now_passing.is_empty() {
        println!("isolation: remove from quill-baseline.txt: {now_passing:?}");
    }
    if std::env::var_os("QUILL_ISOLATION_WRITE_BASELINE").is_some() {
        let mut failing: BTreeSet<String> = known.into_iter().chain(new_failures.clone()).collect();
        if only.is_some() {
            failing.extend(listed.iter().filter(|n| Some(*n) != only.as_ref()).cloned());
        }
        let text: String = std::iter::once(
            "# Isolation specs Quill does not pass yet (tests/tests/isolation.rs).\n".to_string(),
        )
        .chain(failing.iter().map(|n| format!("{n}\n")))
        .collect();
        std::fs::write(dir().join("quill-baseline.txt"), text).expect("write the baseline");
        return;
    }
    assert!(
        new_failures.is_empty(),
        "specs whose output differs from PostgreSQL's: {new_failures:?}"
    );
    // The baseline stays honest: a listed spec that passes must leave it.
    assert!(
        now_passing.is_empty(),
        "specs listed in quill-baseline.txt that pass: {now_passing:?}"
    );
}
