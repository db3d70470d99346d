//! Result tables printed as psql prints them: the aligned format (centered headers, numbers
//! right-aligned, `+` where a value continues on the next line, `(N rows)`) and the
//! expanded format of `\x` (`-[ RECORD n ]`), with an optional centered title as psql's
//! list commands show.

use engine::{DataType, RowSet, Value};
use std::fmt::Write;

/// A result ready to print: column names, rows of text (None: NULL), which columns align
/// right.
pub struct Table {
    pub title: Option<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
    pub right: Vec<bool>,
}

/// psql right-aligns the numeric types.
fn aligns_right(ty: &DataType) -> bool {
    matches!(
        ty,
        DataType::Int2
            | DataType::Int4
            | DataType::Int8
            | DataType::Float4
            | DataType::Float8
            | DataType::Numeric { .. }
            | DataType::Oid
    )
}

impl Table {
    pub fn from_rows(rows: &RowSet, title: Option<String>) -> Table {
        Table {
            title,
            headers: rows.columns.iter().map(|c| c.name.clone()).collect(),
            rows: rows
                .rows
                .iter()
                .map(|r| r.iter().map(Value::to_text).collect())
                .collect(),
            right: rows.columns.iter().map(|c| aligns_right(&c.ty)).collect(),
        }
    }
}

/// Display width of a line of text (characters; psql counts East Asian wide characters as
/// two columns, which this does not).
fn width(s: &str) -> usize {
    s.chars().count()
}

fn footer(n: usize) -> String {
    if n == 1 {
        "(1 row)\n".to_owned()
    } else {
        format!("({n} rows)\n")
    }
}

/// The aligned format.
pub fn aligned(t: &Table) -> String {
    let cells: Vec<Vec<Vec<&str>>> = t
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.as_deref().unwrap_or("").split('\n').collect())
                .collect()
        })
        .collect();
    let header_lines: Vec<Vec<&str>> = t.headers.iter().map(|h| h.split('\n').collect()).collect();
    let n = t.headers.len();
    let mut widths: Vec<usize> = header_lines
        .iter()
        .map(|l| l.iter().map(|s| width(s)).max().unwrap_or(0))
        .collect();
    for row in &cells {
        for (i, lines) in row.iter().enumerate() {
            for l in lines {
                widths[i] = widths[i].max(width(l));
            }
        }
    }
    let mut out = String::new();
    if let Some(title) = &t.title {
        let total: usize = widths
            .iter()
            .map(|w| w + 3)
            .sum::<usize>()
            .saturating_sub(1);
        let pad = total.saturating_sub(width(title)) / 2;
        let _ = writeln!(out, "{}{title}", " ".repeat(pad));
    }
    // Headers, centered (psql pads both sides, the extra space going right).
    let header_height = header_lines.iter().map(Vec::len).max().unwrap_or(1);
    for line in 0..header_height {
        for (i, lines) in header_lines.iter().enumerate() {
            let text = lines.get(line).copied().unwrap_or("");
            let space = widths[i] - width(text);
            let left = space / 2;
            let more = line + 1 < lines.len();
            out.push_str(if i == 0 { " " } else { "" });
            let _ = write!(
                out,
                "{}{text}{}",
                " ".repeat(left),
                " ".repeat(space - left)
            );
            if i + 1 < n {
                out.push_str(if more { "+| " } else { " | " });
            } else if more {
                out.push('+');
            } else {
                out.push(' ');
            }
        }
        out.push('\n');
    }
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(w + 2)).collect();
    out.push_str(&rule.join("+"));
    out.push('\n');
    for row in &cells {
        let height = row.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            let mut text_line = String::new();
            for (i, lines) in row.iter().enumerate() {
                let text = lines.get(line).copied().unwrap_or("");
                let more = line + 1 < lines.len();
                let last = i + 1 == n;
                let space = widths[i] - width(text);
                text_line.push_str(if i == 0 { " " } else { "" });
                if last && line >= lines.len() {
                    // psql leaves the last column blank past the lines of its value.
                } else if t.right.get(i).copied().unwrap_or(false) {
                    let _ = write!(text_line, "{}{text}", " ".repeat(space));
                } else if last && !more {
                    // psql leaves the last column's left-aligned text unpadded.
                    text_line.push_str(text);
                } else {
                    let _ = write!(text_line, "{text}{}", " ".repeat(space));
                }
                if !last {
                    text_line.push_str(if more { "+| " } else { " | " });
                } else if more {
                    text_line.push('+');
                }
            }
            out.push_str(&text_line);
            out.push('\n');
        }
    }
    out.push_str(&footer(t.rows.len()));
    out
}

/// The expanded format (`\x`): a `-[ RECORD n ]` rule over each row (psql's
/// `print_aligned_vertical_line` at border 1), then one `name | value` line per column.
pub fn expanded(t: &Table) -> String {
    let mut out = String::new();
    if let Some(title) = &t.title {
        let _ = writeln!(out, "{title}");
    }
    if t.rows.is_empty() {
        out.push_str("(0 rows)\n");
        return out;
    }
    let hwidth = t.headers.iter().map(|h| width(h)).max().unwrap_or(0);
    let dwidth = t
        .rows
        .iter()
        .flatten()
        .flat_map(|v| v.as_deref().unwrap_or("").split('\n'))
        .map(width)
        .max()
        .unwrap_or(0);
    for (r, row) in t.rows.iter().enumerate() {
        let label = format!("-[ RECORD {} ]", r + 1);
        // The label overwrites the start of the rule; what it overruns comes off the rest.
        let mut rule = label.clone();
        let mut over = width(&label) as isize - hwidth as isize;
        rule.push_str(&"-".repeat(hwidth.saturating_sub(width(&label))));
        for piece in ["-", "+", "-"] {
            if over <= 0 {
                rule.push_str(piece);
            }
            over -= 1;
        }
        rule.push_str(&"-".repeat(dwidth.saturating_sub(over.max(0) as usize)));
        out.push_str(&rule);
        out.push('\n');
        for (i, v) in row.iter().enumerate() {
            let lines: Vec<&str> = v.as_deref().unwrap_or("").split('\n').collect();
            for (k, l) in lines.iter().enumerate() {
                let name = if k == 0 { t.headers[i].as_str() } else { "" };
                let _ = write!(out, "{name}{} | {l}", " ".repeat(hwidth - width(name)));
                if k + 1 < lines.len() {
                    let _ = write!(out, "{}+", " ".repeat(dwidth - width(l)));
                }
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str], rows: &[&[Option<&str>]], right: &[bool]) -> Table {
        Table {
            title: None,
            headers: headers.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|v| v.map(str::to_owned)).collect())
                .collect(),
            right: right.to_vec(),
        }
    }

    // Expected texts are psql 15's output for the same results.
    #[test]
    fn aligned_as_psql() {
        let t = table(
            &["id", "name"],
            &[&[Some("1"), Some("alice")], &[Some("10"), None]],
            &[true, false],
        );
        assert_eq!(
            aligned(&t),
            " id | name  \n----+-------\n  1 | alice\n 10 | \n(2 rows)\n"
        );
        let t = table(&["?column?"], &[&[Some("a\nb")]], &[false]);
        assert_eq!(
            aligned(&t),
            " ?column? \n----------\n a       +\n b\n(1 row)\n"
        );
    }

    #[test]
    fn expanded_as_psql() {
        let t = table(
            &["id", "name"],
            &[&[Some("1"), Some("alice")], &[Some("2"), Some("bo")]],
            &[true, false],
        );
        assert_eq!(
            expanded(&t),
            "-[ RECORD 1 ]\nid   | 1\nname | alice\n-[ RECORD 2 ]\nid   | 2\nname | bo\n"
        );
        let t = table(
            &["identifier_long", "name", "multi"],
            &[&[Some("1"), Some("alice in wonderland"), Some("x\ny")]],
            &[true, false, false],
        );
        assert_eq!(
            expanded(&t),
            "-[ RECORD 1 ]---+--------------------\nidentifier_long | 1\n\
             name            | alice in wonderland\nmulti           | x                  +\n\
             \x20               | y\n"
        );
    }
}
