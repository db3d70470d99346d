//! What a step, setup or teardown block produced, and how isolationtester prints it.
//!
//! Result tables are printed as libpq's `PQprint` prints them with the options
//! isolationtester passes (header, aligned, field separator `|`): the header row of column
//! names, a rule of `-` with `+` where the separators are, one line per row, then
//! `(N rows)` and an empty line. A column is right-aligned when every non-empty value in it
//! looks numeric (only digits, `.`, `E`, `e`, space and `-`, not starting with `E`/`e`, ending
//! in a digit), else left-aligned, padded to the widest value or name; widths count bytes.
//! NULL and the empty string both print as nothing. A result without columns prints nothing.

/// One statement's result.
#[derive(Clone, Debug, PartialEq)]
pub enum StmtResult {
    /// A statement that returns no rows (its tag is not printed).
    Command,
    /// Rows: column names and values as PostgreSQL's text output (`None` for NULL).
    Rows(Table),
}

/// A result table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// An error reported by the server: its severity (`ERROR`, `FATAL`) and primary message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerError {
    pub severity: String,
    pub message: String,
}

/// What sending one SQL block produced: the results of the statements that ran, in order,
/// and the error that stopped the block, if one did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BlockOutcome {
    pub results: Vec<StmtResult>,
    pub error: Option<ServerError>,
}

impl BlockOutcome {
    /// The result `PQexec` returns for the block: the error if there was one, else the last
    /// statement's result.
    pub fn last(&self) -> Option<&StmtResult> {
        self.results.last()
    }
}

/// Appends `table` as `PQprint` prints it (see the module doc).
pub fn print_table(out: &mut String, table: &Table) {
    let n = table.columns.len();
    if n == 0 {
        return;
    }
    let mut width: Vec<usize> = table.columns.iter().map(|c| c.len()).collect();
    let mut not_num = vec![false; n];
    for row in &table.rows {
        for (j, v) in row.iter().enumerate().take(n) {
            let v = match v {
                Some(v) if !v.is_empty() => v,
                _ => continue,
            };
            if !not_num[j] && !looks_numeric(v) {
                not_num[j] = true;
            }
            width[j] = width[j].max(v.len());
        }
    }
    let cell = |out: &mut String, j: usize, s: &str| {
        let pad = " ".repeat(width[j].saturating_sub(s.len()));
        if not_num[j] {
            out.push_str(s);
            out.push_str(&pad);
        } else {
            out.push_str(&pad);
            out.push_str(s);
        }
    };
    for (j, name) in table.columns.iter().enumerate() {
        if j > 0 {
            out.push('|');
        }
        cell(out, j, name);
    }
    out.push('\n');
    let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&rule.join("+"));
    out.push('\n');
    for row in &table.rows {
        for j in 0..n {
            if j > 0 {
                out.push('|');
            }
            let v = row.get(j).and_then(|v| v.as_deref()).unwrap_or("");
            cell(out, j, v);
        }
        out.push('\n');
    }
    let count = table.rows.len();
    out.push_str(&format!(
        "({count} row{})\n\n",
        if count == 1 { "" } else { "s" }
    ));
}

/// `PQprint`'s test for a right-aligned (numeric-looking) value.
fn looks_numeric(v: &str) -> bool {
    let numeric_chars = v
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'E' | 'e' | ' ' | '-'));
    let first_ok = !v.starts_with(['E', 'e']);
    let last_digit = v.chars().last().is_some_and(|c| c.is_ascii_digit());
    numeric_chars && first_ok && last_digit
}

/// Appends an outcome's result tables and then its error line (`ERROR:  message`), as
/// isolationtester prints a completed step.
pub fn print_outcome(out: &mut String, outcome: &BlockOutcome) {
    for r in &outcome.results {
        if let StmtResult::Rows(t) = r {
            print_table(out, t);
        }
    }
    if let Some(e) = &outcome.error {
        out.push_str(&format!("{}:  {}\n", e.severity, e.message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(columns: &[&str], rows: &[&[Option<&str>]]) -> Table {
        Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|v| v.map(str::to_string)).collect())
                .collect(),
        }
    }

    #[test]
    fn aligns_numbers_right_and_text_left() {
        let t = table(
            &["id", "v", "n"],
            &[
                &[Some("1"), Some("a"), Some("1.5")],
                &[Some("2"), None, Some("-3")],
                &[Some("10"), Some("hello world"), Some("10000000000")],
            ],
        );
        let mut out = String::new();
        print_table(&mut out, &t);
        assert_eq!(
            out,
            "id|v          |          n\n\
             --+-----------+-----------\n \
             1|a          |        1.5\n \
             2|           |         -3\n\
             10|hello world|10000000000\n\
             (3 rows)\n\n"
        );
    }

    #[test]
    fn empty_and_null_columns_stay_numeric() {
        let t = table(
            &["e", "n2", "b", "ee"],
            &[&[Some(""), None, Some("t"), Some("E1")]],
        );
        let mut out = String::new();
        print_table(&mut out, &t);
        assert_eq!(out, "e|n2|b|ee\n-+--+-+--\n |  |t|E1\n(1 row)\n\n");
    }

    #[test]
    fn no_rows_and_no_columns() {
        let mut out = String::new();
        print_table(&mut out, &table(&["v"], &[]));
        assert_eq!(out, "v\n-\n(0 rows)\n\n");
        let mut none = String::new();
        print_table(&mut none, &table(&[], &[&[]]));
        assert_eq!(none, "");
    }

    #[test]
    fn numeric_test_follows_pqprint() {
        for v in ["1", "-1.5", "1e10", "1 2", "0"] {
            assert!(looks_numeric(v), "{v}");
        }
        for v in ["E1", "e5", "1.", "abc", "1a", "-", "t"] {
            assert!(!looks_numeric(v), "{v}");
        }
    }

    #[test]
    fn outcome_prints_tables_then_the_error() {
        let o = BlockOutcome {
            results: vec![
                StmtResult::Command,
                StmtResult::Rows(table(&["x"], &[&[Some("1")]])),
            ],
            error: Some(ServerError {
                severity: "ERROR".into(),
                message: "division by zero".into(),
            }),
        };
        let mut out = String::new();
        print_outcome(&mut out, &o);
        assert_eq!(out, "x\n-\n1\n(1 row)\n\nERROR:  division by zero\n");
    }
}
