//! Reads a sqllogictest script into records, line for line the way SQLite's reference
//! runner (`sqllogictest.c`) reads it.
//!
//! The rules that matter for record boundaries and line numbers:
//! - a line whose first character is `#` is a comment and is invisible everywhere, even in the
//!   middle of a record's SQL or results;
//! - a line holding only white space counts as blank, a trailing `\r` is dropped;
//! - records are separated by one or more blank lines;
//! - `skipif X` / `onlyif X` lines precede a record; the record's line number is the line of its
//!   keyword (`statement`, `query`, `halt`, ...), not that of its first condition;
//! - only the first four white-space separated tokens of a record's first line are looked at,
//!   so trailing text such as `onlyif sqlite # empty RHS` is ignored.

/// Whether a condition line was `skipif` or `onlyif`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `skipif LABEL`: skip the record when the engine is `LABEL`.
    SkipIf(String),
    /// `onlyif LABEL`: run the record only when the engine is `LABEL`.
    OnlyIf(String),
}

impl Condition {
    /// True when this condition says the record is not for `engine` (compared
    /// case-insensitively, as the reference runner does).
    pub fn skips(&self, engine: &str) -> bool {
        match self {
            Condition::SkipIf(label) => label.eq_ignore_ascii_case(engine),
            Condition::OnlyIf(label) => !label.eq_ignore_ascii_case(engine),
        }
    }
}

/// What a record asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordKind {
    /// `statement ok|error [SQLSTATE]` followed by SQL. `expect` is the raw second token.
    Statement {
        /// `ok`, `error`, or whatever else the file says (which is an error in the file).
        expect: String,
        /// The SQLSTATE the error must have (`statement error 22012`): the third token when it
        /// is five digits or upper-case letters; any other third token is ignored, as the
        /// reference runner ignores trailing text.
        sqlstate: Option<String>,
        /// The SQL text, its lines joined with `\n`.
        sql: String,
    },
    /// `query TYPES [SORT] [LABEL]` followed by SQL, optionally `----` and results.
    Query {
        /// The declared type letters, one per result column.
        types: String,
        /// The sort mode token, empty when absent.
        sort: String,
        /// The label token, if any.
        label: Option<String>,
        /// The SQL text, its lines joined with `\n`.
        sql: String,
        /// The lines after `----`; `None` when the record has no `----` line.
        expected: Option<Vec<String>>,
    },
    /// `hash-threshold N`.
    HashThreshold(u64),
    /// `halt`: stop reading the file.
    Halt,
    /// Any other first token (an error in the file; the reference runner stops there).
    Unknown(String),
}

/// One record of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based line number of the record's keyword line.
    pub line: u32,
    /// The `skipif` / `onlyif` lines in front of it.
    pub conditions: Vec<Condition>,
    /// What the record does.
    pub kind: RecordKind,
}

impl Record {
    /// True when one of the record's conditions excludes `engine`.
    pub fn skipped_for(&self, engine: &str) -> bool {
        self.conditions.iter().any(|c| c.skips(engine))
    }
}

/// Splits a line into at most four tokens, like the reference runner's `tokenizeLine`.
fn tokens(line: &str) -> Vec<&str> {
    line.split_ascii_whitespace().take(4).collect()
}

/// True when `s` has the form of a SQLSTATE: five ASCII digits or upper-case letters.
pub fn is_sqlstate(s: &str) -> bool {
    s.len() == 5
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// C `atoi`: optional white space and sign, then leading digits; anything else gives 0.
fn atoi(s: &str) -> u64 {
    let digits: String = s
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse::<u64>().unwrap_or(0)
}

/// Parses the text of a script into records.
pub fn parse(script: &str) -> Vec<Record> {
    // Visible (non-comment) lines with their 1-based numbers; blank lines become "".
    let lines: Vec<(u32, &str)> = script
        .split('\n')
        .enumerate()
        .filter_map(|(i, raw)| {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            if line.starts_with('#') {
                None
            } else if line.trim().is_empty() {
                Some((number, ""))
            } else {
                Some((number, line))
            }
        })
        .collect();
    // A file ending in "\n" yields one empty trailing piece; it is a blank line, harmless.

    let mut records = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        // Skip blank lines to the start of the next record.
        if lines[i].1.is_empty() {
            i += 1;
            continue;
        }
        let mut conditions = Vec::new();
        let mut toks = tokens(lines[i].1);
        let mut line = lines[i].0;
        while matches!(toks.first(), Some(&"skipif") | Some(&"onlyif")) {
            let label = toks.get(1).copied().unwrap_or("").to_string();
            conditions.push(if toks[0] == "skipif" {
                Condition::SkipIf(label)
            } else {
                Condition::OnlyIf(label)
            });
            i += 1;
            match lines.get(i) {
                Some(&(n, text)) => {
                    line = n;
                    toks = tokens(text);
                }
                None => {
                    toks = Vec::new();
                    break;
                }
            }
        }
        let first = toks.first().copied().unwrap_or("");
        // `i` points at the keyword line; the body starts after it.
        let body_start = i + 1;
        let kind = match first {
            "statement" => {
                let (sql, _) = collect_until(&lines, body_start, false);
                RecordKind::Statement {
                    expect: toks.get(1).copied().unwrap_or("").to_string(),
                    sqlstate: toks
                        .get(2)
                        .filter(|t| is_sqlstate(t))
                        .map(|t| (*t).to_string()),
                    sql,
                }
            }
            "query" => {
                let (sql, next) = collect_until(&lines, body_start, true);
                let expected = match lines.get(next) {
                    Some(&(_, "----")) => Some(
                        lines[next + 1..]
                            .iter()
                            .take_while(|(_, l)| !l.is_empty())
                            .map(|(_, l)| (*l).to_string())
                            .collect(),
                    ),
                    _ => None,
                };
                RecordKind::Query {
                    types: toks.get(1).copied().unwrap_or("").to_string(),
                    sort: toks.get(2).copied().unwrap_or("").to_string(),
                    label: toks.get(3).map(|s| (*s).to_string()),
                    sql,
                    expected,
                }
            }
            "hash-threshold" => RecordKind::HashThreshold(atoi(toks.get(1).copied().unwrap_or(""))),
            "halt" => RecordKind::Halt,
            other => RecordKind::Unknown(other.to_string()),
        };
        records.push(Record {
            line,
            conditions,
            kind,
        });
        // Skip the rest of the record: everything up to the next blank line.
        i = body_start.min(lines.len());
        while i < lines.len() && !lines[i].1.is_empty() {
            i += 1;
        }
    }
    records
}

/// Joins lines from `start` up to a blank line (or `----` when `stop_at_dashes`), returning the
/// text and the index of the line that stopped it.
fn collect_until(lines: &[(u32, &str)], start: usize, stop_at_dashes: bool) -> (String, usize) {
    let mut out = String::new();
    let mut i = start;
    while let Some(&(_, l)) = lines.get(i) {
        if l.is_empty() || (stop_at_dashes && l == "----") {
            break;
        }
        if i > start {
            out.push('\n');
        }
        out.push_str(l);
        i += 1;
    }
    (out, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_conditions_lines_and_comments() {
        let script = "hash-threshold 4\n\n# comment\nonlyif sqlite # empty RHS\nquery I nosort\nSELECT 1\n# hidden\n----\n1\n\nstatement ok\nCREATE TABLE t(a)\n   \nhalt\n";
        let recs = parse(script);
        assert_eq!(recs.len(), 4);
        assert_eq!(recs[0].kind, RecordKind::HashThreshold(4));
        assert_eq!(recs[1].line, 5);
        assert_eq!(recs[1].conditions, vec![Condition::OnlyIf("sqlite".into())]);
        assert!(recs[1].skipped_for("postgresql"));
        assert!(!recs[1].skipped_for("SQLite"));
        match &recs[1].kind {
            RecordKind::Query { sql, expected, .. } => {
                assert_eq!(sql, "SELECT 1");
                assert_eq!(expected.as_deref(), Some(&["1".to_string()][..]));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(recs[2].line, 11);
        assert_eq!(recs[3].kind, RecordKind::Halt);
        assert_eq!(recs[3].line, 14);
    }

    #[test]
    fn statement_error_sqlstate() {
        let script = "statement error 22012\nSELECT 1/0\n\nstatement error # why\nSELECT x\n\nstatement error 2201\nSELECT y\n";
        let codes: Vec<Option<String>> = parse(script)
            .into_iter()
            .map(|r| match r.kind {
                RecordKind::Statement { sqlstate, .. } => sqlstate,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(codes, vec![Some("22012".to_string()), None, None]);
    }
}
