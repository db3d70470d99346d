//! POSIX regular expressions as PostgreSQL's `~` family and `regexp_*` functions see them
//! (its "advanced" REs, ARE), run on the `regex` crate; and the rewrites PostgreSQL applies
//! before matching: `SIMILAR TO` patterns into REs (`similar_to_escape`) and `LIKE … ESCAPE`
//! patterns into backslash-escaped ones (`like_escape`).
//!
//! ARE syntax the crate spells differently is translated (`\m` `\M` `\y` `\Y` `\Z`); what it
//! cannot express (back references, lookaround) is reported as an invalid expression. As in
//! PostgreSQL, `.` and bracket expressions match newlines and `^`/`$` anchor at the ends of
//! the text unless the `n` flag asks for newline-sensitive matching. Compiled expressions are
//! cached per thread (PostgreSQL keeps a small cache too), so a pattern used on every row is
//! compiled once.

use super::error::TypeError;
use ::regex::{Regex, RegexBuilder};
use std::cell::RefCell;

/// How many compiled expressions each thread keeps.
const CACHE_SIZE: usize = 32;

/// Compile-time options from a flags string (`i`, `c`, `n`, `s`, `x`, ...).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RegexOptions {
    pub case_insensitive: bool,
    pub newline_sensitive: bool,
    pub expanded: bool,
    /// `q`: the pattern is a literal string.
    pub literal: bool,
}

impl RegexOptions {
    /// Parses PostgreSQL's flag letters; `g` is accepted only where `allow_global` (it is a
    /// matching option of `regexp_replace`, returned as the bool).
    pub fn parse(flags: &str, allow_global: bool) -> Result<(RegexOptions, bool), TypeError> {
        let mut o = RegexOptions::default();
        let mut global = false;
        for f in flags.chars() {
            match f {
                'i' => o.case_insensitive = true,
                'c' => o.case_insensitive = false,
                'n' | 'm' => o.newline_sensitive = true,
                's' => o.newline_sensitive = false,
                'x' => o.expanded = true,
                't' => o.expanded = false,
                'q' => o.literal = true,
                'g' if allow_global => global = true,
                flag => return Err(TypeError::InvalidRegexOption { flag }),
            }
        }
        Ok((o, global))
    }
}

fn invalid(message: impl Into<String>) -> TypeError {
    TypeError::InvalidRegex {
        message: message.into(),
    }
}

/// Translates an ARE into the `regex` crate's syntax.
pub fn translate(pattern: &str) -> Result<String, TypeError> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_bracket = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    return Err(invalid("invalid escape \\ sequence"));
                };
                match n {
                    'm' if !in_bracket => out.push_str(r"\b{start}"),
                    'M' if !in_bracket => out.push_str(r"\b{end}"),
                    'y' if !in_bracket => out.push_str(r"\b"),
                    'Y' if !in_bracket => out.push_str(r"\B"),
                    'Z' if !in_bracket => out.push_str(r"\z"),
                    '1'..='9' if !in_bracket => {
                        return Err(invalid("back references are not supported"))
                    }
                    _ => {
                        out.push('\\');
                        out.push(n);
                    }
                }
            }
            '[' if !in_bracket => {
                in_bracket = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                // A leading `]` is a literal member.
                if chars.peek() == Some(&']') {
                    out.push_str(r"\]");
                    chars.next();
                }
            }
            '[' if in_bracket => {
                // `[:class:]`, `[.x.]`, `[=x=]` inside a bracket expression.
                match chars.peek() {
                    Some(':') => {
                        out.push('[');
                        for d in chars.by_ref() {
                            out.push(d);
                            if d == ']' {
                                break;
                            }
                        }
                    }
                    _ => out.push_str(r"\["),
                }
            }
            ']' if in_bracket => {
                in_bracket = false;
                out.push(']');
            }
            '(' if !in_bracket && chars.peek() == Some(&'?') => {
                let mut ahead = chars.clone();
                ahead.next();
                if matches!(ahead.peek(), Some('=' | '!' | '<')) {
                    return Err(invalid(
                        "lookahead and lookbehind constraints are not supported",
                    ));
                }
                out.push('(');
            }
            '&' | '~' if in_bracket => {
                // Doubled, these are the crate's class set operators; in POSIX, members.
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

thread_local! {
    static CACHE: RefCell<Vec<((String, RegexOptions), Regex)>> = const { RefCell::new(Vec::new()) };
}

/// The compiled form of an ARE (from the thread's cache when it was used lately).
pub fn compile(pattern: &str, opts: RegexOptions) -> Result<Regex, TypeError> {
    let key = (pattern.to_string(), opts);
    if let Some(r) = CACHE.with(|c| {
        let mut c = c.borrow_mut();
        let i = c.iter().position(|(k, _)| *k == key)?;
        let hit = c.remove(i);
        let r = hit.1.clone();
        c.push(hit);
        Some(r)
    }) {
        return Ok(r);
    }
    let source = if opts.literal {
        ::regex::escape(pattern)
    } else {
        translate(pattern)?
    };
    let re = RegexBuilder::new(&source)
        .case_insensitive(opts.case_insensitive)
        .dot_matches_new_line(!opts.newline_sensitive)
        .multi_line(opts.newline_sensitive)
        .ignore_whitespace(opts.expanded)
        .build()
        .map_err(|e| match e {
            ::regex::Error::CompiledTooBig(_) => invalid("regular expression is too complex"),
            e => invalid(first_line(&e.to_string())),
        })?;
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_SIZE {
            c.remove(0);
        }
        c.push((key, re.clone()));
    });
    Ok(re)
}

/// The crate's error message reduced to its last line (the diagnosis).
fn first_line(msg: &str) -> String {
    msg.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().trim_start_matches("error: ").to_string())
        .unwrap_or_else(|| "invalid pattern".into())
}

/// `text ~ pattern` (`~*` with `case_insensitive`).
pub fn regex_match(text: &str, pattern: &str, case_insensitive: bool) -> Result<bool, TypeError> {
    let opts = RegexOptions {
        case_insensitive,
        ..RegexOptions::default()
    };
    Ok(compile(pattern, opts)?.is_match(text))
}

/// The single character of an ESCAPE clause (None for the empty string: no escape).
fn escape_char(escape: &str) -> Result<Option<char>, TypeError> {
    let mut it = escape.chars();
    match (it.next(), it.next()) {
        (None, _) => Ok(None),
        (Some(c), None) => Ok(Some(c)),
        _ => Err(TypeError::InvalidEscapeString),
    }
}

/// PostgreSQL's `like_escape`: a LIKE pattern written with escape character `escape`
/// rewritten to use `\` (the empty escape makes every character literal).
pub fn like_escape(pattern: &str, escape: &str) -> Result<String, TypeError> {
    let e = escape_char(escape)?;
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut after_escape = false;
    for c in pattern.chars() {
        if Some(c) == e && !after_escape {
            out.push('\\');
            after_escape = true;
        } else if c == '\\' {
            out.push('\\');
            if !after_escape {
                out.push('\\');
            }
            after_escape = false;
        } else {
            out.push(c);
            after_escape = false;
        }
    }
    Ok(out)
}

/// PostgreSQL's `similar_to_escape`: a SQL `SIMILAR TO` pattern as an anchored ARE. `%` and
/// `_` become `.*` and `.`, the escape character (default `\`) quotes the next one, and
/// parentheses do not capture.
pub fn similar_to_regex(pattern: &str, escape: Option<&str>) -> Result<String, TypeError> {
    let e = match escape {
        None => Some('\\'),
        Some(s) => escape_char(s)?,
    };
    let mut out = String::from("^(?:");
    let (mut after_escape, mut in_class) = (false, false);
    for c in pattern.chars() {
        if after_escape {
            out.push('\\');
            out.push(c);
            after_escape = false;
        } else if Some(c) == e {
            after_escape = true;
        } else if in_class {
            if c == '\\' {
                out.push('\\');
            }
            out.push(c);
            if c == ']' {
                in_class = false;
            }
        } else {
            match c {
                '[' => {
                    out.push('[');
                    in_class = true;
                }
                '%' => out.push_str(".*"),
                '_' => out.push('.'),
                '(' => out.push_str("(?:"),
                '\\' | '.' | '^' | '$' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }
    if after_escape {
        return Err(TypeError::LikeEscapeAtEnd);
    }
    out.push_str(")$");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn are_matches_like_postgres() {
        assert!(regex_match("abc", "^a.c$", false).unwrap());
        assert!(regex_match("ABC", "b", true).unwrap());
        assert!(!regex_match("ABC", "b", false).unwrap());
        assert!(regex_match("a\nb", "a.b", false).unwrap());
        assert!(regex_match("foo bar", r"\mbar\M", false).unwrap());
        assert!(!regex_match("foobar", r"\mbar", false).unwrap());
        assert!(regex_match("a-b", "[a-]", false).unwrap());
        assert!(regex_match("x]", "[]]", false).unwrap());
        assert!(regex_match("a1", "[[:digit:]]", false).unwrap());
    }

    #[test]
    fn bad_patterns_are_2201b() {
        for p in ["(", "a{2,1}", r"(a)\1", "(?=a)", "\\"] {
            let e = regex_match("a", p, false).unwrap_err();
            assert_eq!(e.sqlstate(), "2201B", "{p}");
        }
    }

    #[test]
    fn similar_to_patterns() {
        let m = |t: &str, p: &str, e: Option<&str>| {
            regex_match(t, &similar_to_regex(p, e).unwrap(), false).unwrap()
        };
        assert!(m("abc", "a(b|c)c", None));
        assert!(m("abc", "a%", None));
        assert!(!m("abc", "b%", None));
        assert!(m("a%c", "a#%c", Some("#")));
        assert!(!m("abc", "a#%c", Some("#")));
        assert!(m("a.c", "a.c", None));
        assert!(!m("abc", "a.c", None));
        assert_eq!(
            similar_to_regex("a", Some("##")).unwrap_err().sqlstate(),
            "22025"
        );
    }

    #[test]
    fn like_escape_rewrites_to_backslash() {
        assert_eq!(like_escape("%#%%", "#").unwrap(), r"%\%%");
        assert_eq!(like_escape(r"a\b", "").unwrap(), r"a\\b");
        assert_eq!(like_escape(r"a\b", "#").unwrap(), r"a\\b");
        assert!(like_escape("a", "ab").is_err());
    }
}
