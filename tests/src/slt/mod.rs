//! A sqllogictest runner with the conventions of SQLite's reference runner, over any SQL
//! engine that implements [`SltBackend`].
//!
//! The corpus in `tests/slt/sqlite/` (SQLite's own sqllogictest files) was written for that
//! runner, and its expected results only make sense under its rules, which this module
//! reproduces:
//!
//! - **Records** (see [`parser`]): blank-line separated; `#` lines are invisible; a record's
//!   line number is that of its `statement` / `query` line.
//! - **Conditions**: `skipif X` skips the record when the engine label is `X`, `onlyif X` runs
//!   it only when it is (case-insensitive). Skipped `statement`/`query` records are counted
//!   in [`FileReport::skipped`].
//! - **`statement ok` / `statement error`**: the statement must succeed / must fail.
//!   `statement error SQLSTATE` (e.g. `statement error 22012`, an extension of this harness)
//!   also requires the error's SQLSTATE, as reported by
//!   [`SltBackend::statement_with_sqlstate`].
//! - **`query TYPES [SORT] [LABEL]`**: each value is rendered by its column's type letter
//!   (see [`mod@format`]), the values are sorted per `nosort` / `rowsort` / `valuesort`, and
//!   compared with the lines after `----`: one line per value, or, when there are more values
//!   than the hash threshold (8 unless a `hash-threshold N` record says otherwise; 0 means
//!   never hash), a single line `N values hashing to MD5` where MD5 is the hash of the sorted
//!   values each followed by `\n`. A query that fails, returns rows of the wrong width, or
//!   returns different values is a failed record. A query with no `----` section only has to
//!   succeed. Queries sharing a label must produce the same hash.
//! - **`halt`** stops the file; an unknown record type is a failure and also stops the file.
//! - The run keeps going after failures and counts them.
//!
//! Comparison is exact: the number of values must match the number of expected lines. The
//! reference runner only compares up to the shorter of the two, so a query that returns no
//! rows "passes" anything; that looseness is deliberately not reproduced. The PostgreSQL pass
//! list `tests/slt/sqlite/pg15-passed.txt` agrees: it leaves out records such as
//! `evidence/slt_lang_replace.test:62`, where PostgreSQL returns no rows, and this runner
//! reproduces that list exactly (`tests/slt/run-against-postgres.sh --check`).
//!
//! What a backend must provide is described on [`SltBackend`] and [`SltValue`].

pub mod complete;
pub mod format;
pub mod parser;
pub mod pg;
pub mod quill;
pub mod suite;

use std::collections::HashMap;
use std::path::Path;

use parser::{Record, RecordKind};

/// The default hash threshold of the reference runner.
pub const DEFAULT_HASH_THRESHOLD: u64 = 8;

/// One value of a query result, typed the way the engine typed it.
///
/// The runner renders it by the column's declared type letter, like SQLite's runner renders
/// SQLite's storage classes, so a backend should map its types as follows: integer types to
/// `Int`, approximate and exact numeric types with a fractional part to `Float` (an exact
/// numeric with no fractional digits, e.g. `NUMERIC` scale 0, may be `Int`), character types
/// to `Text` (as stored, not quoted), booleans to `Bool`, SQL NULL to `Null`.
#[derive(Debug, Clone, PartialEq)]
pub enum SltValue {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// A floating-point (or fractional exact numeric) value.
    Float(f64),
    /// A character string.
    Text(String),
    /// A boolean (rendered as 1 / 0, as SQLite has no boolean type).
    Bool(bool),
}

/// An error reported by a backend: its SQLSTATE when the backend knows it, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SltError {
    /// The five-character SQLSTATE (e.g. `22012`), when known.
    pub sqlstate: Option<String>,
    /// The error's text.
    pub message: String,
}

impl SltError {
    /// An error without a known SQLSTATE.
    pub fn uncoded(message: String) -> SltError {
        SltError {
            sqlstate: None,
            message,
        }
    }
}

impl std::fmt::Display for SltError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.sqlstate {
            Some(code) => write!(f, "[{code}] {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A SQL engine under test.
pub trait SltBackend {
    /// Runs a statement whose result rows, if any, are ignored. `Err` carries the engine's
    /// error text.
    fn statement(&mut self, sql: &str) -> Result<(), String>;
    /// Runs a query and returns its rows in the engine's order, every row as wide as the
    /// select list. `Err` carries the engine's error text.
    fn query(&mut self, sql: &str) -> Result<Vec<Vec<SltValue>>, String>;
    /// Makes the database fresh and empty; called before each file.
    fn reset(&mut self) -> Result<(), String>;
    /// Runs a statement like [`statement`](Self::statement), reporting the SQLSTATE of an
    /// error when the backend knows it (`statement error SQLSTATE` records need it). The
    /// default runs `statement` and knows no SQLSTATE.
    fn statement_with_sqlstate(&mut self, sql: &str) -> Result<(), SltError> {
        self.statement(sql).map_err(SltError::uncoded)
    }
}

/// The outcome of running one file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileReport {
    /// The path of the file, as given.
    pub file: String,
    /// Line numbers of the records that passed, in file order.
    pub passed: Vec<u32>,
    /// Line numbers and reasons of the records that failed, in file order.
    pub failed: Vec<(u32, String)>,
    /// Number of `statement` / `query` records skipped by `skipif` / `onlyif`.
    pub skipped: u32,
}

/// Reads the file at `path`, resets the backend and runs every record, as engine
/// `engine_label` (e.g. `postgresql`, for `skipif` / `onlyif`).
///
/// Errors only when the file cannot be read or the backend cannot be reset; failing records
/// are reported in the [`FileReport`].
pub fn run_file(
    backend: &mut dyn SltBackend,
    path: &Path,
    engine_label: &str,
) -> Result<FileReport, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let script = String::from_utf8_lossy(&bytes);
    backend
        .reset()
        .map_err(|e| format!("{}: reset failed: {e}", path.display()))?;
    let mut report = run_script(backend, &script, engine_label);
    report.file = path.display().to_string();
    Ok(report)
}

/// Runs the records of `script` against `backend` (without resetting it first). The
/// returned report has an empty `file`.
pub fn run_script(backend: &mut dyn SltBackend, script: &str, engine_label: &str) -> FileReport {
    let mut report = FileReport::default();
    let mut threshold = DEFAULT_HASH_THRESHOLD;
    let mut labels: HashMap<String, String> = HashMap::new();

    for record in parser::parse(script) {
        let Record { line, kind, .. } = &record;
        let line = *line;
        if record.skipped_for(engine_label) {
            if matches!(
                kind,
                RecordKind::Statement { .. } | RecordKind::Query { .. }
            ) {
                report.skipped += 1;
            }
            continue;
        }
        let outcome = match kind {
            RecordKind::HashThreshold(n) => {
                threshold = *n;
                continue;
            }
            RecordKind::Halt => break,
            RecordKind::Unknown(token) => {
                report
                    .failed
                    .push((line, format!("unknown record type '{token}'")));
                break;
            }
            RecordKind::Statement {
                expect,
                sqlstate,
                sql,
            } => run_statement(backend, expect, sqlstate.as_deref(), sql),
            RecordKind::Query {
                types,
                sort,
                label,
                sql,
                expected,
            } => {
                if types.is_empty() {
                    report.failed.push((line, "missing type string".into()));
                    break;
                }
                run_query(
                    backend,
                    &QuerySpec {
                        types,
                        sort,
                        label: label.as_deref(),
                        sql,
                        expected: expected.as_deref(),
                    },
                    threshold,
                    &mut labels,
                )
            }
        };
        match outcome {
            Ok(()) => report.passed.push(line),
            Err(reason) => report.failed.push((line, reason)),
        }
    }
    report
}

fn run_statement(
    backend: &mut dyn SltBackend,
    expect: &str,
    sqlstate: Option<&str>,
    sql: &str,
) -> Result<(), String> {
    let result = backend.statement_with_sqlstate(sql);
    match (expect, result) {
        ("ok", Ok(())) => Ok(()),
        ("ok", Err(e)) => Err(format!("statement failed: {e}")),
        ("error", Err(e)) => match (sqlstate, e.sqlstate.as_deref()) {
            (None, _) => Ok(()),
            (Some(want), Some(got)) if want == got => Ok(()),
            (Some(want), Some(_)) => Err(format!(
                "statement failed with the wrong SQLSTATE: expected {want}, got {e}"
            )),
            (Some(want), None) => Err(format!(
                "statement failed as expected, but the backend reports no SQLSTATE to compare \
                 with {want}: {e}"
            )),
        },
        ("error", Ok(())) => Err("statement succeeded but an error was expected".into()),
        (other, _) => Err(format!(
            "statement argument should be 'ok' or 'error', not '{other}'"
        )),
    }
}

/// The parts of a `query` record that the check needs.
struct QuerySpec<'a> {
    types: &'a str,
    sort: &'a str,
    label: Option<&'a str>,
    sql: &'a str,
    expected: Option<&'a [String]>,
}

fn run_query(
    backend: &mut dyn SltBackend,
    q: &QuerySpec<'_>,
    threshold: u64,
    labels: &mut HashMap<String, String>,
) -> Result<(), String> {
    let values = query_values(backend, q.types, q.sort, q.sql)?;
    let count = u64::try_from(values.len()).unwrap_or(u64::MAX);
    let hashed = threshold > 0 && count > threshold;
    let hash = (hashed || q.label.is_some()).then(|| format::hash_line(&values));
    if let (Some(label), Some(hash)) = (q.label, &hash) {
        // The reference runner keys labels by their first 20 characters.
        let key: String = label.chars().take(20).collect();
        match labels.get(&key) {
            Some(previous) if previous != hash => {
                return Err(format!(
                    "labeled result [{label}] does not agree with previous values"
                ));
            }
            Some(_) => {}
            None => {
                labels.insert(key, hash.clone());
            }
        }
    }
    let Some(expected) = q.expected else {
        return Ok(());
    };
    match (&hash, hashed) {
        (Some(hash), true) => {
            if expected.len() == 1 && expected[0] == *hash {
                Ok(())
            } else {
                Err(format!(
                    "wrong result hash: expected {:?}, got {hash:?}",
                    expected.join(" | ")
                ))
            }
        }
        _ => {
            if expected == values.as_slice() {
                Ok(())
            } else {
                Err(format!(
                    "wrong result: expected [{}], got [{}]",
                    abbreviate(expected),
                    abbreviate(&values)
                ))
            }
        }
    }
}

/// Runs the query `sql` and returns its values rendered by the type letters `types` and sorted
/// per `sort`, as a `query` record compares them; `Err` is the reason the record fails.
pub fn query_values(
    backend: &mut dyn SltBackend,
    types: &str,
    sort: &str,
    sql: &str,
) -> Result<Vec<String>, String> {
    if let Some(c) = types.chars().find(|c| !matches!(c, 'I' | 'R' | 'T')) {
        return Err(format!("unknown type character '{c}' in type string"));
    }
    let letters: Vec<char> = types.chars().collect();
    let rows = backend
        .query(sql)
        .map_err(|e| format!("query failed: {e}"))?;
    let mut values = Vec::with_capacity(rows.len() * letters.len());
    for row in &rows {
        if row.len() != letters.len() {
            return Err(format!(
                "wrong number of result columns: expected {} but got {}",
                letters.len(),
                row.len()
            ));
        }
        values.extend(row.iter().zip(&letters).map(|(v, &t)| format::render(v, t)));
    }
    if !format::sort_values(&mut values, letters.len(), sort) {
        return Err(format!("unknown sort method: '{sort}'"));
    }
    Ok(values)
}

/// The first few values joined with spaces, for failure messages.
fn abbreviate(values: &[String]) -> String {
    const SHOW: usize = 16;
    let mut s = values
        .iter()
        .take(SHOW)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    if values.len() > SHOW {
        s.push_str(&format!(" ... ({} values)", values.len()));
    }
    s
}
