//! Checks the sqllogictest harness itself, without a database: a fake backend answers
//! queries from a fixed table, and `tests/slt/harness/selftest.test` exercises hashing, the
//! hash threshold, I/R/T formatting, the sort modes, `skipif`/`onlyif`, `statement error`,
//! labels, `halt`, and failing records counted while the run goes on.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use quill_tests::slt::complete::complete_script;
use quill_tests::slt::{run_file, run_script, FileReport, SltBackend, SltError, SltValue};

/// Answers each query from a fixed table keyed by its SQL text; statements succeed unless
/// they start with `BAD` or contain `bad syntax`.
struct FakeBackend {
    answers: HashMap<&'static str, Vec<Vec<SltValue>>>,
    statements: Vec<String>,
    resets: u32,
}

impl FakeBackend {
    fn new() -> Self {
        use SltValue::{Bool, Float, Int, Null, Text};
        let t = |s: &str| Text(s.to_string());
        let mut answers = HashMap::new();
        answers.insert(
            "SELECT formats_1",
            vec![vec![
                Int(7),
                Float(-2.75),
                t("12abc"),
                Int(-3),
                Float(1.0),
                Bool(true),
            ]],
        );
        answers.insert(
            "SELECT formats_2",
            vec![vec![t(""), Null, t("tab\there"), Float(2.5), Null]],
        );
        answers.insert(
            "SELECT a, b FROM t2",
            vec![
                vec![Int(3), t("x")],
                vec![Int(10), t("y")],
                vec![Int(2), t("z")],
            ],
        );
        answers.insert(
            "SELECT * FROM big",
            vec![
                vec![Int(3), t("c"), Float(-0.25)],
                vec![Int(1), t("a"), Float(1.5)],
                vec![Int(2), t("b"), Null],
            ],
        );
        answers.insert("SELECT wrong", vec![vec![Int(2)]]);
        answers.insert("SELECT one", vec![vec![Int(1)]]);
        answers.insert(
            "SELECT three",
            vec![vec![Int(3)], vec![Int(1)], vec![Int(2)]],
        );
        FakeBackend {
            answers,
            statements: Vec::new(),
            resets: 0,
        }
    }
}

impl SltBackend for FakeBackend {
    fn statement(&mut self, sql: &str) -> Result<(), String> {
        self.statements.push(sql.to_string());
        if sql.starts_with("BAD") || sql.contains("bad syntax") {
            Err(format!("syntax error in {sql:?}"))
        } else {
            Ok(())
        }
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<SltValue>>, String> {
        self.answers
            .get(sql)
            .cloned()
            .ok_or_else(|| format!("no such table in {sql:?}"))
    }

    fn reset(&mut self) -> Result<(), String> {
        self.resets += 1;
        self.statements.clear();
        Ok(())
    }

    /// Failing statements report SQLSTATE 42601 (syntax error).
    fn statement_with_sqlstate(&mut self, sql: &str) -> Result<(), SltError> {
        self.statement(sql).map_err(|message| SltError {
            sqlstate: Some("42601".to_string()),
            message,
        })
    }
}

/// A backend that knows no SQLSTATEs (the trait's default `statement_with_sqlstate`).
struct Uncoded(FakeBackend);

impl SltBackend for Uncoded {
    fn statement(&mut self, sql: &str) -> Result<(), String> {
        self.0.statement(sql)
    }
    fn query(&mut self, sql: &str) -> Result<Vec<Vec<SltValue>>, String> {
        self.0.query(sql)
    }
    fn reset(&mut self) -> Result<(), String> {
        self.0.reset()
    }
}

fn selftest_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("slt/harness/selftest.test")
}

/// Line number of the record header (`statement` / `query` line) of the `nth` record whose
/// SQL starts with `sql`.
fn record_line(sql: &str, nth: usize) -> u32 {
    let text = std::fs::read_to_string(selftest_path()).expect("read selftest.test");
    let lines: Vec<&str> = text.lines().collect();
    let idx = lines
        .iter()
        .enumerate()
        .filter(|(i, l)| {
            l.starts_with(sql)
                && *i > 0
                && (lines[i - 1].starts_with("query") || lines[i - 1].starts_with("statement"))
        })
        .map(|(i, _)| i)
        .nth(nth)
        .unwrap_or_else(|| panic!("no record #{nth} with SQL {sql:?}"));
    u32::try_from(idx).expect("line fits u32") // idx is 0-based SQL line = 1-based header line
}

fn run_as(label: &str) -> (FileReport, FakeBackend) {
    let mut backend = FakeBackend::new();
    let report = run_file(&mut backend, &selftest_path(), label).expect("run selftest.test");
    (report, backend)
}

#[test]
fn selftest_as_postgresql() {
    let (report, backend) = run_as("postgresql");
    assert_eq!(backend.resets, 1, "reset once before the file");

    let passed: Vec<u32> = vec![
        record_line("CREATE TABLE t1", 0),
        record_line("CREATE TABLE bad syntax", 0),
        record_line("SELECT formats_1", 0),
        record_line("SELECT formats_2", 0),
        record_line("SELECT a, b FROM t2", 0),
        record_line("SELECT a, b FROM t2", 1),
        record_line("SELECT a, b FROM t2", 2),
        record_line("SELECT * FROM big", 0),
        record_line("SELECT one", 0),
        record_line("SELECT one", 1),
        record_line("SELECT * FROM big", 1),
        record_line("SELECT three", 0),
        record_line("SELECT a, b FROM t2", 3),
    ];
    assert_eq!(report.passed, passed, "failures: {:#?}", report.failed);

    let failed: Vec<(u32, &str)> = vec![
        (record_line("SELECT wrong", 0), "wrong result"),
        (record_line("INSERT INTO t1", 0), "error was expected"),
        (record_line("SELECT * FROM missing", 0), "query failed"),
        (
            record_line("SELECT one", 2),
            "wrong number of result columns",
        ),
        (record_line("SELECT a, b FROM t2", 4), "does not agree"),
    ];
    assert_eq!(report.failed.len(), failed.len(), "{:#?}", report.failed);
    for ((line, reason), (want_line, want_reason)) in report.failed.iter().zip(&failed) {
        assert_eq!(line, want_line, "{reason}");
        assert!(
            reason.contains(want_reason),
            "line {line}: {reason:?} should mention {want_reason:?}"
        );
    }
    // `skipif postgresql` and `onlyif sqlite` records.
    assert_eq!(report.skipped, 2);
    // Nothing for another engine, nothing after `halt`.
    assert!(
        backend.statements.iter().all(|s| !s.starts_with("BAD")),
        "{:?}",
        backend.statements
    );
}

#[test]
fn selftest_as_sqlite_flips_the_conditions() {
    let (report, backend) = run_as("SQLite");
    // `onlyif postgresql` is skipped; `skipif postgresql` and `onlyif sqlite` run their
    // BAD statements (failing), and the run still reaches the end.
    assert_eq!(report.skipped, 1);
    let bad: Vec<&String> = backend
        .statements
        .iter()
        .filter(|s| s.starts_with("BAD"))
        .collect();
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert_eq!(report.failed.len(), 7, "{:#?}", report.failed);
    assert_eq!(report.passed.len(), 12);
}

#[test]
fn missing_file_is_an_error_not_a_panic() {
    let mut backend = FakeBackend::new();
    let err = run_file(&mut backend, Path::new("/nonexistent/x.test"), "postgresql");
    assert!(err.is_err());
}

#[test]
fn results_must_match_in_number() {
    // Unlike SQLite's runner, fewer (or more) values than expected lines is a failure.
    let mut backend = FakeBackend::new();
    let script = "query I nosort\nSELECT one\n----\n1\n2\n\nquery I nosort\nSELECT nothing_here\n\nquery I nosort\nSELECT one\n";
    let report = run_script(&mut backend, script, "postgresql");
    assert_eq!(report.passed, vec![10]);
    assert_eq!(report.failed.len(), 2);
    assert_eq!(report.failed[0].0, 1);
    assert_eq!(report.failed[1].0, 7);
}

#[test]
fn hash_threshold_boundary() {
    // Exactly 8 values are listed; 9 would be hashed.
    let mut backend = FakeBackend::new();
    backend.answers.insert(
        "SELECT eight",
        (1..=8).map(|i| vec![SltValue::Int(i)]).collect(),
    );
    let listed: String = (1..=8).map(|i| format!("{i}\n")).collect();
    let script = format!("query I nosort\nSELECT eight\n----\n{listed}\nhash-threshold 7\n\nquery I nosort\nSELECT eight\n----\n{listed}");
    let report = run_script(&mut backend, &script, "postgresql");
    assert_eq!(report.passed, vec![1]);
    assert_eq!(report.failed.len(), 1);
    assert!(report.failed[0].1.contains("hash"), "{:?}", report.failed);
}

#[test]
fn statement_error_with_sqlstate() {
    let script = "statement error 42601\nBAD one\n\nstatement error 22012\nBAD two\n\nstatement error\nBAD three\n\nstatement error 42601\nSELECT fine\n";
    let report = run_script(&mut FakeBackend::new(), script, "postgresql");
    assert_eq!(report.passed, vec![1, 7]);
    assert_eq!(report.failed.len(), 2, "{:#?}", report.failed);
    assert_eq!(report.failed[0].0, 4);
    assert!(
        report.failed[0].1.contains("wrong SQLSTATE"),
        "{:?}",
        report.failed
    );
    assert_eq!(report.failed[1].0, 10);
    assert!(
        report.failed[1].1.contains("error was expected"),
        "{:?}",
        report.failed
    );

    // A backend that reports no SQLSTATE passes plain `statement error` records only.
    let report = run_script(&mut Uncoded(FakeBackend::new()), script, "postgresql");
    assert_eq!(report.passed, vec![7]);
    assert!(
        report.failed[0].1.contains("reports no SQLSTATE"),
        "{:?}",
        report.failed
    );
}

#[test]
fn completion_rewrites_expectations_and_then_passes() {
    let script = "\
# header comment
hash-threshold 8

statement ok
BAD statement

statement error
CREATE TABLE t1(a INTEGER)

statement error
BAD again

query IT rowsort
SELECT a, b FROM t2
----
stale
# a comment in the results
values

query I nosort
SELECT three

query ITR rowsort
SELECT * FROM big
----

query I nosort
SELECT * FROM missing
----
1

query I nosort
SELECT one
----
1
";
    let want = "\
# header comment
hash-threshold 8

statement error 42601
BAD statement

statement ok
CREATE TABLE t1(a INTEGER)

statement error 42601
BAD again

query IT rowsort
SELECT a, b FROM t2
----
10
y
2
z
3
x

query I nosort
SELECT three
----
3
1
2

query ITR rowsort
SELECT * FROM big
----
9 values hashing to 0391e24a36c6ed25e90320dd1d418d38

query I nosort
SELECT * FROM missing
----
1

query I nosort
SELECT one
----
1
";
    let c = complete_script(&mut FakeBackend::new(), script, "postgresql");
    assert_eq!(c.script, want);
    assert_eq!(c.records, 8);
    assert_eq!(c.changed, 6);
    assert_eq!(c.incomplete, 1);
    let notes: Vec<u32> = c.notes.iter().map(|(l, _)| *l).collect();
    assert_eq!(notes, vec![4, 7, 27], "{:#?}", c.notes);

    // Completing again changes nothing, and the completed script passes but for the query
    // that fails.
    let again = complete_script(&mut FakeBackend::new(), &c.script, "postgresql");
    assert_eq!(again.script, c.script);
    assert_eq!(again.changed, 0);
    let report = run_script(&mut FakeBackend::new(), &c.script, "postgresql");
    assert_eq!(report.passed.len(), 7, "{:#?}", report.failed);
    assert_eq!(report.failed.len(), 1);
}
