//! Completion: runs a script against a backend (in practice PostgreSQL) and rewrites it with
//! what the backend did, so that a test suite's expected results are those of the reference
//! engine rather than written by hand.
//!
//! - A `query` record's results (`----` and the lines after it, added when missing) become
//!   the backend's values, rendered, sorted and hashed exactly as [`run_script`] compares them
//!   (so the completed script passes against the same backend). Its header, SQL and any
//!   comment lines in front of `----` are kept.
//! - A `statement` record's header becomes `statement ok` when the statement succeeded and
//!   `statement error SQLSTATE` when it failed (`statement error` when the backend reports no
//!   SQLSTATE). A header that already says so is kept as written.
//! - A query that fails, or returns rows of the wrong width, is left as it is and reported.
//! - Records skipped for the engine label, and everything after `halt`, are left as they are.
//!
//! Every change of a statement's outcome (ok became error or the other way round) is reported
//! in [`Completion::notes`], so that a test written with the wrong expectation is noticed.
//!
//! [`run_script`]: super::run_script

use std::path::Path;

use super::parser::{self, RecordKind};
use super::{format, query_values, SltBackend, DEFAULT_HASH_THRESHOLD};

/// The result of completing a script.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Completion {
    /// The rewritten script.
    pub script: String,
    /// Line numbers and descriptions of records that need a look: queries that failed (left
    /// unchanged) and statements whose outcome is not the one the script said.
    pub notes: Vec<(u32, String)>,
    /// Number of records whose expectation was changed.
    pub changed: usize,
    /// Number of queries left unchanged because they failed (each also has a note).
    pub incomplete: usize,
    /// Number of `statement` and `query` records run.
    pub records: usize,
}

/// One replacement of the lines `start..end` (0-based indexes into the script's lines).
struct Edit {
    start: usize,
    end: usize,
    lines: Vec<String>,
}

/// Runs the records of `script` against `backend` (without resetting it first) and returns the
/// script rewritten with the backend's results.
pub fn complete_script(
    backend: &mut dyn SltBackend,
    script: &str,
    engine_label: &str,
) -> Completion {
    let lines: Vec<&str> = script.split('\n').collect();
    let text = |i: usize| lines[i].strip_suffix('\r').unwrap_or(lines[i]);
    let is_comment = |i: usize| text(i).starts_with('#');
    let is_blank = |i: usize| !is_comment(i) && text(i).trim().is_empty();

    let mut out = Completion::default();
    let mut edits: Vec<Edit> = Vec::new();
    let mut threshold = DEFAULT_HASH_THRESHOLD;

    for record in parser::parse(script) {
        if record.skipped_for(engine_label) {
            continue;
        }
        let line = record.line;
        // 0-based index of the keyword line.
        let k = usize::try_from(line).unwrap_or(usize::MAX) - 1;
        match &record.kind {
            RecordKind::HashThreshold(n) => threshold = *n,
            RecordKind::Halt | RecordKind::Unknown(_) => break,
            RecordKind::Statement {
                expect,
                sqlstate,
                sql,
            } => {
                out.records += 1;
                let result = backend.statement_with_sqlstate(sql);
                let (header, keep) = match &result {
                    Ok(()) => ("statement ok".to_string(), expect == "ok"),
                    Err(e) => match &e.sqlstate {
                        Some(code) => (
                            format!("statement error {code}"),
                            expect == "error" && sqlstate.as_deref() == Some(code.as_str()),
                        ),
                        None => ("statement error".to_string(), expect == "error"),
                    },
                };
                match (&result, expect.as_str()) {
                    (Ok(()), "error") => out
                        .notes
                        .push((line, "statement succeeded; it was `statement error`".into())),
                    (Err(e), "ok") => out.notes.push((
                        line,
                        format!("statement failed ({e}); it was `statement ok`"),
                    )),
                    _ => {}
                }
                if !keep {
                    out.changed += 1;
                    edits.push(Edit {
                        start: k,
                        end: k + 1,
                        lines: vec![header],
                    });
                }
            }
            RecordKind::Query {
                types,
                sort,
                expected,
                sql,
                ..
            } => {
                out.records += 1;
                let values = match query_values(backend, types, sort, sql) {
                    Ok(values) => values,
                    Err(reason) => {
                        out.notes.push((line, format!("left unchanged: {reason}")));
                        out.incomplete += 1;
                        continue;
                    }
                };
                let count = u64::try_from(values.len()).unwrap_or(u64::MAX);
                let results = if threshold > 0 && count > threshold {
                    vec![format::hash_line(&values)]
                } else {
                    values
                };
                if expected.as_deref() == Some(results.as_slice()) {
                    continue;
                }
                out.changed += 1;
                // The SQL runs to a blank line or `----`; the results to a blank line.
                let mut start = k + 1;
                while start < lines.len() && !is_blank(start) && text(start) != "----" {
                    start += 1;
                }
                let mut end = start;
                if start < lines.len() && text(start) == "----" {
                    end = start + 1;
                    while end < lines.len() && !is_blank(end) {
                        end += 1;
                    }
                }
                let mut new_lines = Vec::with_capacity(results.len() + 1);
                new_lines.push("----".to_string());
                new_lines.extend(results);
                edits.push(Edit {
                    start,
                    end,
                    lines: new_lines,
                });
            }
        }
    }

    let mut rewritten: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    for edit in &edits {
        rewritten.extend(lines[i..edit.start].iter().map(|l| (*l).to_string()));
        rewritten.extend(edit.lines.iter().cloned());
        i = edit.end;
    }
    rewritten.extend(lines[i..].iter().map(|l| (*l).to_string()));
    out.script = rewritten.join("\n");
    out
}

/// Resets `backend`, completes the file at `path` with it and writes the file back when
/// anything changed.
pub fn complete_file(
    backend: &mut dyn SltBackend,
    path: &Path,
    engine_label: &str,
) -> Result<Completion, String> {
    let script = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    backend
        .reset()
        .map_err(|e| format!("{}: reset failed: {e}", path.display()))?;
    let completion = complete_script(backend, &script, engine_label);
    if completion.script != script {
        std::fs::write(path, &completion.script).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(completion)
}
