//! EXPLAIN golden files: each `tests/explain/NAME.sql` runs in a fresh embedded database and
//! its output must equal `tests/explain/NAME.out` byte for byte; `QUILL_BLESS=1` rewrites the
//! `.out` files from the run instead (review the diff: a changed plan is a changed planner).
//!
//! A script is a sequence of statements, each ending with a line that ends in `;` (a statement
//! may span lines; `--` comment lines before it belong to it). The output echoes every
//! statement that returns rows or fails, followed by its rows (values separated by ` | `,
//! NULL as `NULL`) or by `ERROR:  [SQLSTATE] message`, and a blank line; statements that
//! succeed without rows (the setup) are run silently. Plans are Quill's own (EXPLAIN prints
//! no costs or timings, so the output is deterministic), which is why these expectations come
//! from Quill rather than from PostgreSQL.

use engine::{Database, DatabaseOptions, StatementResult};
use quill_tests::slt::suite::{blessing, BLESS_VAR};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("explain")
}

/// The statements of a script: each runs up to and including a line ending in `;`.
fn statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in script.lines() {
        if current.is_empty() && line.trim().is_empty() {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if line.trim_end().ends_with(';') {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

/// Runs `script` in a fresh database and returns its output.
fn run(script: &str, seed: u64) -> String {
    let mut opts = DatabaseOptions::default();
    opts.storage.checkpoint_interval = None;
    let db = Database::open_with(Arc::new(vfs::SimVfs::new(seed)), Path::new("/db"), opts)
        .unwrap_or_else(|e| panic!("open: {e}"));
    let mut session = db.session();
    let mut out = String::new();
    for stmt in statements(script) {
        let shown = match session.execute(&stmt) {
            Ok(results) => {
                let mut text = String::new();
                for r in results {
                    if let StatementResult::Rows(rows) = r {
                        for row in &rows.rows {
                            let values: Vec<String> = row
                                .iter()
                                .map(|v| v.to_text().unwrap_or_else(|| "NULL".into()))
                                .collect();
                            text.push_str(&values.join(" | "));
                            text.push('\n');
                        }
                    }
                }
                (!text.is_empty()).then_some(text)
            }
            Err(e) => Some(format!("ERROR:  [{}] {e}\n", e.sqlstate())),
        };
        if let Some(text) = shown {
            out.push_str(&stmt);
            out.push_str(&text);
            out.push('\n');
        }
    }
    out
}

fn check(name: &str, seed: u64) {
    let sql = dir().join(format!("{name}.sql"));
    let golden = dir().join(format!("{name}.out"));
    let script = std::fs::read_to_string(&sql).unwrap_or_else(|e| panic!("{}: {e}", sql.display()));
    let actual = run(&script, seed);
    if blessing() {
        std::fs::write(&golden, &actual).unwrap_or_else(|e| panic!("{}: {e}", golden.display()));
        return;
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_default();
    if actual != expected {
        let first = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        panic!(
            "{} differs from {} from line {}:\n--- expected\n{}\n--- actual\n{}\n\
             (after a deliberate planner change, run with {BLESS_VAR}=1 and review the diff)",
            sql.display(),
            golden.display(),
            first + 1,
            expected
                .lines()
                .skip(first)
                .take(12)
                .collect::<Vec<_>>()
                .join("\n"),
            actual
                .lines()
                .skip(first)
                .take(12)
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
}

macro_rules! golden {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name), 1);
            }
        )*

        /// Every script of `tests/explain` has a test, and every test a script.
        #[test]
        fn every_script_has_a_test() {
            let mut on_disk: Vec<String> = std::fs::read_dir(dir())
                .unwrap_or_else(|e| panic!("{}: {e}", dir().display()))
                .filter_map(|e| {
                    let name = e.ok()?.file_name().into_string().ok()?;
                    Some(name.strip_suffix(".sql")?.to_string())
                })
                .collect();
            on_disk.sort();
            let mut listed = vec![$(stringify!($name).to_string()),*];
            listed.sort();
            assert_eq!(on_disk, listed, "scripts in {} and tests in explain.rs", dir().display());
        }
    };
}

golden!(scans, joins, queries, dml);

#[test]
fn statements_end_at_a_line_ending_in_a_semicolon() {
    let s = statements("-- c\nSELECT 1\n  FROM t;\n\nSELECT 2;\nSELECT 3");
    assert_eq!(
        s,
        vec!["-- c\nSELECT 1\n  FROM t;\n", "SELECT 2;\n", "SELECT 3\n"]
    );
}
