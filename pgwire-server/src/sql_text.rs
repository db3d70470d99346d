//! A small SQL lexer for what the wire layer needs before the engine sees a query: splitting
//! a simple-protocol message into its `;`-separated statements (with their byte offsets) and
//! finding the highest `$n` parameter reference. It knows PostgreSQL's
//! quoting rules — `'…'` (with `''`), `E'…'` (with backslash escapes), `"…"`, `$tag$…$tag$`,
//! `--` and nested `/* */` comments — so that none of those characters inside a string or
//! comment are mistaken for a separator or a parameter.

/// One statement of a query string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece<'a> {
    /// Byte offset of `text` in the whole query string.
    pub start: usize,
    /// The statement, without its terminating `;`.
    pub text: &'a str,
}

/// What the scanner found at a position.
enum Token {
    Semicolon,
    /// `$n`, with n as written (0 or more).
    Param(usize),
    /// A token that is neither whitespace nor a comment.
    Content,
    /// Whitespace or a comment.
    Blank,
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// Calls `f` for every token of `sql` with its starting byte offset. Unterminated strings and
/// comments run to the end of the input (the engine reports the syntax error).
fn scan(sql: &str, mut f: impl FnMut(usize, Token)) {
    let b = sql.as_bytes();
    let n = b.len();
    let mut i = 0;
    while i < n {
        let start = i;
        let c = b[i];
        let prev_ident = i > 0 && is_ident_char(b[i - 1]);
        match c {
            b';' => {
                i += 1;
                f(start, Token::Semicolon);
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < n && b[i] != b'\n' {
                    i += 1;
                }
                f(start, Token::Blank);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                while i < n {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                f(start, Token::Blank);
            }
            b'\'' => {
                // E'…' takes backslash escapes; the E is the previous byte, itself not part
                // of a longer identifier.
                let escapes =
                    i > 0 && matches!(b[i - 1], b'e' | b'E') && !(i > 1 && is_ident_char(b[i - 2]));
                i = skip_quoted(b, i + 1, b'\'', escapes);
                f(start, Token::Content);
            }
            b'"' => {
                i = skip_quoted(b, i + 1, b'"', false);
                f(start, Token::Content);
            }
            b'$' if !prev_ident => {
                let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if digits > 0 {
                    let end = i + 1 + digits;
                    let num = sql[i + 1..end].parse().unwrap_or(usize::MAX);
                    i = end;
                    f(start, Token::Param(num));
                } else if let Some(tag_len) = dollar_tag(&b[i..]) {
                    let tag = &b[i..i + tag_len];
                    i += tag_len;
                    while i < n && !b[i..].starts_with(tag) {
                        i += 1;
                    }
                    i = (i + tag_len).min(n);
                    f(start, Token::Content);
                } else {
                    i += 1;
                    f(start, Token::Content);
                }
            }
            c if c.is_ascii_whitespace() => {
                i += 1;
                f(start, Token::Blank);
            }
            _ => {
                i += 1;
                f(start, Token::Content);
            }
        }
    }
}

/// Skips a quoted string or identifier whose opening quote is just before `i`; returns the
/// position after its closing quote. A doubled quote stands for one.
fn skip_quoted(b: &[u8], mut i: usize, quote: u8, escapes: bool) -> usize {
    while i < b.len() {
        if escapes && b[i] == b'\\' {
            i += 2;
        } else if b[i] == quote {
            if b.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// The length of a dollar-quote opening tag (`$$` or `$name$`) at the start of `b`.
fn dollar_tag(b: &[u8]) -> Option<usize> {
    let rest = &b[1..];
    let len = rest
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c >= 0x80)
        .count();
    if rest.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    (rest.get(len) == Some(&b'$')).then_some(len + 2)
}

/// The statements of `sql` that contain something besides whitespace and comments.
pub fn split_statements(sql: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut content = false;
    scan(sql, |pos, tok| match tok {
        Token::Semicolon => {
            if content {
                pieces.push(Piece {
                    start,
                    text: &sql[start..pos],
                });
            }
            start = pos + 1;
            content = false;
        }
        Token::Param(..) | Token::Content => content = true,
        Token::Blank => {}
    });
    if content {
        pieces.push(Piece {
            start,
            text: &sql[start..],
        });
    }
    pieces
}

/// The highest `$n` referenced in `sql` (0 when there are none).
pub fn max_param(sql: &str) -> usize {
    let mut max = 0;
    scan(sql, |_, tok| {
        if let Token::Param(n) = tok {
            max = max.max(n);
        }
    });
    max
}

/// `s` as a SQL string literal (standard_conforming_strings: only `'` needs doubling).
pub fn quote_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        split_statements(sql).into_iter().map(|p| p.text).collect()
    }

    #[test]
    fn splits_on_top_level_semicolons() {
        assert_eq!(texts("select 1; select 2"), vec!["select 1", " select 2"]);
        assert_eq!(
            texts("select ';'; select 2;"),
            vec!["select ';'", " select 2"]
        );
        assert_eq!(
            texts("select \"a;b\" from t"),
            vec!["select \"a;b\" from t"]
        );
        assert_eq!(texts("select $$a;b$$; x"), vec!["select $$a;b$$", " x"]);
        assert_eq!(
            texts("select $f$a;$$;b$f$; x"),
            vec!["select $f$a;$$;b$f$", " x"]
        );
        assert_eq!(texts("select E'\\';'; x"), vec!["select E'\\';'", " x"]);
        assert_eq!(texts("select 'it''s;'; x"), vec!["select 'it''s;'", " x"]);
        assert_eq!(texts("select 1 -- c;\n; x"), vec!["select 1 -- c;\n", " x"]);
        assert_eq!(
            texts("select /* /* ; */ ; */ 1; x"),
            vec!["select /* /* ; */ ; */ 1", " x"]
        );
    }

    #[test]
    fn skips_empty_statements() {
        assert!(texts("").is_empty());
        assert!(texts(" ; ;; -- only a comment\n").is_empty());
        assert_eq!(texts(";select 1;;"), vec!["select 1"]);
        assert_eq!(split_statements("a; b")[1].start, 2);
    }

    #[test]
    fn finds_params() {
        let sql = "select $1, '$2', \"$3\", $10 -- $4\n, a$5, $$ $6 $$";
        assert_eq!(max_param(sql), 10);
        assert_eq!(max_param("select 1"), 0);
    }

    #[test]
    fn quotes_literals() {
        assert_eq!(quote_literal("it's"), "'it''s'");
    }
}
