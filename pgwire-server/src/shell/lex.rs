//! Where statements end in text typed or read by the shell, as psql's lexer finds them: at a
//! `;` outside string literals (`'…'`, `E'…'` with backslash escapes), quoted identifiers,
//! dollar-quoted strings (`$tag$…$tag$`), comments (`--` to the end of the line, nested
//! `/* … */`) and parentheses.

/// The lexer's state between lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum State {
    #[default]
    Normal,
    Single {
        escapes: bool,
    },
    Double,
    Dollar,
    Block(u32),
}

/// Splits `text` into complete statements (each ending with its `;`) and the unfinished
/// rest. A statement is kept only if it holds more than blanks and comments.
pub fn split(text: &str) -> (Vec<&str>, &str) {
    let bytes = text.as_bytes();
    let mut state = State::Normal;
    let mut tag: &str = "";
    let mut depth = 0u32;
    let mut start = 0;
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        match state {
            State::Normal => match c {
                b'\'' => {
                    let escapes = i > 0
                        && matches!(bytes[i - 1], b'e' | b'E')
                        && !ident_byte_before(bytes, i - 1);
                    state = State::Single { escapes };
                }
                b'"' => state = State::Double,
                b'-' if next == Some(b'-') => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                b'/' if next == Some(b'*') => {
                    state = State::Block(1);
                    i += 1;
                }
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                b'$' if !ident_byte_before(bytes, i) => {
                    if let Some(len) = dollar_tag(&bytes[i..]) {
                        tag = &text[i..i + len];
                        state = State::Dollar;
                        i += len;
                        continue;
                    }
                }
                b';' if depth == 0 => {
                    let stmt = &text[start..=i];
                    if has_content(stmt) {
                        out.push(stmt);
                    }
                    start = i + 1;
                }
                _ => {}
            },
            State::Single { escapes } => match c {
                b'\\' if escapes => i += 1,
                b'\'' if next == Some(b'\'') => i += 1,
                b'\'' => state = State::Normal,
                _ => {}
            },
            State::Double => {
                if c == b'"' {
                    if next == Some(b'"') {
                        i += 1;
                    } else {
                        state = State::Normal;
                    }
                }
            }
            State::Dollar => {
                // Bytes, not `text[i..]`: `i` may fall inside a multi-byte character.
                if bytes[i..].starts_with(tag.as_bytes()) {
                    state = State::Normal;
                    i += tag.len();
                    continue;
                }
            }
            State::Block(n) => {
                if c == b'*' && next == Some(b'/') {
                    state = if n == 1 {
                        State::Normal
                    } else {
                        State::Block(n - 1)
                    };
                    i += 1;
                } else if c == b'/' && next == Some(b'*') {
                    state = State::Block(n + 1);
                    i += 1;
                }
            }
        }
        i += 1;
    }
    (out, &text[start..])
}

/// Whether the text holds anything but blanks and comments.
pub fn has_content(text: &str) -> bool {
    let mut rest = text.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.find('\n').map_or("", |n| &r[n..]).trim_start();
        } else if rest.starts_with("/*") {
            match rest.find("*/") {
                Some(n) => rest = rest[n + 2..].trim_start(),
                None => return false,
            }
        } else {
            return !rest.is_empty() && rest != ";";
        }
    }
}

fn ident_byte_before(bytes: &[u8], i: usize) -> bool {
    i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] >= 0x80)
}

/// The length of a dollar-quote tag (`$$`, `$body$`) at the start of `bytes`.
fn dollar_tag(bytes: &[u8]) -> Option<usize> {
    let mut n = 1;
    while n < bytes.len() {
        match bytes[n] {
            b'$' => return Some(n + 1),
            b if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 => {
                if n == 1 && b.is_ascii_digit() {
                    return None;
                }
                n += 1;
            }
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn statements_end_at_semicolons_outside_quotes_and_comments() {
        let (stmts, rest) = split("SELECT 1; SELECT ';'; SELECT \"a;b\" FROM t; SELECT");
        assert_eq!(
            stmts,
            vec!["SELECT 1;", " SELECT ';';", " SELECT \"a;b\" FROM t;"]
        );
        assert_eq!(rest, " SELECT");
        let (stmts, rest) = split("SELECT $$a;b$$, $f$x;$f$; -- c;\nSELECT E'\\';';");
        assert_eq!(stmts.len(), 2, "{stmts:?}");
        assert_eq!(rest, "");
        let (stmts, rest) = split("/* a; /* b; */ c; */ SELECT 1");
        assert!(stmts.is_empty());
        assert_eq!(rest, "/* a; /* b; */ c; */ SELECT 1");
        let (stmts, _) = split("CREATE RULE r AS ON INSERT TO t DO (SELECT 1; SELECT 2);");
        assert_eq!(stmts.len(), 1);
        // Non-ASCII text inside every kind of quote.
        let (stmts, rest) = split("SELECT $$é;ü$$, 'ß;', \"ñ;\" /* ø; */; SELECT $t$日本;$t$;");
        assert_eq!(stmts.len(), 2, "{stmts:?}");
        assert_eq!(rest, "");
        let (stmts, rest) = split("SELECT 'unfinished;");
        assert!(stmts.is_empty());
        assert_eq!(rest, "SELECT 'unfinished;");
        // Only blanks and comments before a `;`: nothing to run.
        let (stmts, _) = split(" -- x\n;");
        assert!(stmts.is_empty());
    }
}
