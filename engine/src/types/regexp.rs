//! PostgreSQL's `regexp_*` functions over compiled expressions (`super::regex`):
//! `regexp_replace`, `regexp_match(es)`, `regexp_split_to_table/array`, `regexp_count`,
//! `regexp_instr` and `regexp_substr`.
//!
//! They share PostgreSQL's search loop (`setup_regexp_matches` and `replace_text_regexp` in
//! its `regexp.c`), [`search`]: each search runs over the whole text from a start offset (so
//! `^` and word boundaries see the text before it), the next one starts where the previous
//! match ended, or one character further after an empty match, and a search may start at the
//! very end of the text (an empty match there counts). Positions given to and returned by the
//! SQL functions count characters from 1; the loop works in byte offsets of the UTF-8 text.

use super::error::TypeError;
use super::regex::{compile, RegexOptions};
use ::regex::Regex;
use std::ops::Range;

/// One match: the whole match and each capturing group (`None` for a group that took no
/// part in it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub whole: Range<usize>,
    pub groups: Vec<Option<Range<usize>>>,
}

/// The matches of `re` in `text` from byte offset `start`, all of them when `global`, else
/// at most one. With `ignore_degenerate` (splitting), empty matches at the start or end of
/// the text or just after the previous match are skipped, as PostgreSQL skips them.
pub fn search(
    re: &Regex,
    text: &str,
    start: usize,
    global: bool,
    ignore_degenerate: bool,
) -> Vec<Found> {
    let mut out = Vec::new();
    let mut at = start;
    let mut prev_end = 0;
    while at <= text.len() {
        let Some(caps) = re.captures_at(text, at) else {
            break;
        };
        let Some(m) = caps.get(0) else { break };
        if !ignore_degenerate || (m.start() < text.len() && m.end() > prev_end) {
            out.push(Found {
                whole: m.range(),
                groups: (1..caps.len())
                    .map(|i| caps.get(i).map(|g| g.range()))
                    .collect(),
            });
        }
        prev_end = m.end();
        if !global {
            break;
        }
        at = m.end();
        if m.is_empty() {
            match text[at..].chars().next() {
                Some(c) => at += c.len_utf8(),
                None => break,
            }
        }
    }
    out
}

/// The byte offset of the 1-based character position `pos` (`None` past the end of the
/// text plus one: no search can start there).
fn byte_at(text: &str, pos: i64) -> Option<usize> {
    let skip = usize::try_from(pos - 1).ok()?;
    if skip == 0 {
        return Some(0);
    }
    match text.char_indices().nth(skip) {
        Some((b, _)) => Some(b),
        None if text.chars().count() == skip => Some(text.len()),
        None => None,
    }
}

/// The 1-based character position of byte offset `b`.
fn char_pos(text: &str, b: usize) -> i64 {
    i64::try_from(text[..b].chars().count()).unwrap_or(i64::MAX) + 1
}

fn bad_param(name: &str, value: i64) -> TypeError {
    TypeError::InvalidParameterValue {
        message: format!("invalid value for parameter \"{name}\": {value}"),
    }
}

fn no_global(func: &str) -> TypeError {
    TypeError::InvalidParameterValue {
        message: format!("{func} does not support the \"global\" option"),
    }
}

/// Flags of a function that does not take `g`.
fn flags_without_g(flags: &str, func: &str) -> Result<RegexOptions, TypeError> {
    let (opts, global) = RegexOptions::parse(flags, true)?;
    if global {
        return Err(no_global(func));
    }
    Ok(opts)
}

/// `start` checked as PostgreSQL checks it (1 or more).
fn start_param(start: i64) -> Result<i64, TypeError> {
    if start <= 0 {
        return Err(bad_param("start", start));
    }
    Ok(start)
}

/// The 4-argument `regexp_replace(source, pattern, replacement, flags)`: flags that start
/// with a digit were most likely meant as a start position, which PostgreSQL points out.
pub fn replace_flags_check(flags: &str) -> Result<(), TypeError> {
    match flags.chars().next() {
        Some(c) if c.is_ascii_digit() => Err(TypeError::InvalidRegexOption { flag: c }),
        _ => Ok(()),
    }
}

/// `regexp_replace(source, pattern, replacement [, start [, n]] [, flags])`: replaces the
/// `n`-th match at or after character `start` (every one when `n` is 0; without `n`, every
/// one with flag `g`, else the first). `\1`…`\9` in the replacement insert groups, `\&` the
/// whole match, `\\` a backslash.
pub fn regexp_replace(
    source: &str,
    pattern: &str,
    replacement: &str,
    start: i64,
    n: Option<i64>,
    flags: &str,
) -> Result<String, TypeError> {
    let start = start_param(start)?;
    if let Some(n) = n {
        if n < 0 {
            return Err(bad_param("n", n));
        }
    }
    let (opts, global) = RegexOptions::parse(flags, true)?;
    let n = n.unwrap_or(if global { 0 } else { 1 });
    let re = compile(pattern, opts)?;
    let Some(from) = byte_at(source, start) else {
        return Ok(source.to_owned());
    };
    let found = search(&re, source, from, n != 1, false);
    let mut out = String::with_capacity(source.len());
    let mut last = 0;
    for (i, f) in found.iter().enumerate() {
        if n > 0 && i64::try_from(i + 1).ok() != Some(n) {
            continue;
        }
        out.push_str(&source[last..f.whole.start]);
        substitute(&mut out, source, f, replacement);
        last = f.whole.end;
        if n > 0 {
            break;
        }
    }
    out.push_str(&source[last..]);
    Ok(out)
}

/// Appends `replacement` for match `f`, expanding its back references.
fn substitute(out: &mut String, source: &str, f: &Found, replacement: &str) {
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some(d @ '1'..='9') => {
                chars.next();
                let i = d as usize - '1' as usize;
                if let Some(Some(g)) = f.groups.get(i) {
                    out.push_str(&source[g.clone()]);
                }
            }
            Some('&') => {
                chars.next();
                out.push_str(&source[f.whole.clone()]);
            }
            Some('\\') => {
                chars.next();
                out.push('\\');
            }
            _ => out.push('\\'),
        }
    }
}

/// What `regexp_match(es)` returns for one match: the groups' texts, or the whole match
/// when the pattern has no groups.
fn match_texts(source: &str, f: &Found) -> Vec<Option<String>> {
    if f.groups.is_empty() {
        vec![Some(source[f.whole.clone()].to_owned())]
    } else {
        f.groups
            .iter()
            .map(|g| g.as_ref().map(|g| source[g.clone()].to_owned()))
            .collect()
    }
}

/// `regexp_match(source, pattern [, flags])`: the first match (`None`: no match); the
/// caller refuses flag `g`.
pub fn regexp_match(
    source: &str,
    pattern: &str,
    opts: RegexOptions,
) -> Result<Option<Vec<Option<String>>>, TypeError> {
    let re = compile(pattern, opts)?;
    Ok(search(&re, source, 0, false, false)
        .first()
        .map(|f| match_texts(source, f)))
}

/// `regexp_matches(source, pattern [, flags])`: every match with `g`, else the first.
pub fn regexp_matches(
    source: &str,
    pattern: &str,
    flags: &str,
) -> Result<Vec<Vec<Option<String>>>, TypeError> {
    let (opts, global) = RegexOptions::parse(flags, true)?;
    let re = compile(pattern, opts)?;
    Ok(search(&re, source, 0, global, false)
        .iter()
        .map(|f| match_texts(source, f))
        .collect())
}

/// `regexp_split_to_table/array(source, pattern [, flags])`: the text between matches
/// (`func` names the function for the error on `g`).
pub fn regexp_split(
    source: &str,
    pattern: &str,
    flags: &str,
    func: &str,
) -> Result<Vec<String>, TypeError> {
    let re = compile(pattern, flags_without_g(flags, func)?)?;
    let mut out = Vec::new();
    let mut last = 0;
    for f in search(&re, source, 0, true, true) {
        out.push(source[last..f.whole.start].to_owned());
        last = f.whole.end;
    }
    out.push(source[last..].to_owned());
    Ok(out)
}

/// `regexp_count(source, pattern [, start [, flags]])`.
pub fn regexp_count(
    source: &str,
    pattern: &str,
    start: i64,
    flags: &str,
) -> Result<i32, TypeError> {
    let start = start_param(start)?;
    let re = compile(pattern, flags_without_g(flags, "regexp_count()")?)?;
    let Some(from) = byte_at(source, start) else {
        return Ok(0);
    };
    Ok(i32::try_from(search(&re, source, from, true, false).len()).unwrap_or(i32::MAX))
}

/// The optional arguments of `regexp_instr` and `regexp_substr`.
#[derive(Clone, Copy, Debug)]
pub struct Occurrence {
    pub start: i64,
    pub n: i64,
    pub subexpr: i64,
}

impl Default for Occurrence {
    fn default() -> Self {
        Occurrence {
            start: 1,
            n: 1,
            subexpr: 0,
        }
    }
}

/// The byte range of the occurrence `o` asks for, `None` when there is none (fewer
/// matches, a group number past the pattern's groups, or a group that took no part).
fn occurrence(
    source: &str,
    pattern: &str,
    o: Occurrence,
    flags: &str,
    func: &str,
) -> Result<Option<Range<usize>>, TypeError> {
    let start = start_param(o.start)?;
    if o.n <= 0 {
        return Err(bad_param("n", o.n));
    }
    if o.subexpr < 0 {
        return Err(bad_param("subexpr", o.subexpr));
    }
    let re = compile(pattern, flags_without_g(flags, func)?)?;
    let Some(from) = byte_at(source, start) else {
        return Ok(None);
    };
    let found = search(&re, source, from, true, false);
    let Some(f) = usize::try_from(o.n - 1).ok().and_then(|i| found.get(i)) else {
        return Ok(None);
    };
    // As in PostgreSQL, a pattern without groups has one "subexpression", the whole match.
    if o.subexpr == 0 || f.groups.is_empty() {
        return Ok((o.subexpr <= 1).then(|| f.whole.clone()));
    }
    Ok(usize::try_from(o.subexpr - 1)
        .ok()
        .and_then(|i| f.groups.get(i).cloned().flatten()))
}

/// `regexp_instr(source, pattern [, start [, n [, endoption [, flags [, subexpr]]]]])`: the
/// character position of the occurrence (after it with `endoption` 1), 0 when there is none.
pub fn regexp_instr(
    source: &str,
    pattern: &str,
    o: Occurrence,
    endoption: i64,
    flags: &str,
) -> Result<i32, TypeError> {
    if endoption != 0 && endoption != 1 {
        return Err(bad_param("endoption", endoption));
    }
    Ok(
        match occurrence(source, pattern, o, flags, "regexp_instr()")? {
            None => 0,
            Some(r) => {
                let b = if endoption == 1 { r.end } else { r.start };
                i32::try_from(char_pos(source, b)).unwrap_or(i32::MAX)
            }
        },
    )
}

/// `regexp_substr(source, pattern [, start [, n [, flags [, subexpr]]]])`.
pub fn regexp_substr(
    source: &str,
    pattern: &str,
    o: Occurrence,
    flags: &str,
) -> Result<Option<String>, TypeError> {
    Ok(occurrence(source, pattern, o, flags, "regexp_substr()")?.map(|r| source[r].to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(v: Vec<Vec<Option<String>>>) -> Vec<Vec<Option<&'static str>>> {
        v.into_iter()
            .map(|m| {
                m.into_iter()
                    .map(|s| s.map(|s| &*Box::leak(s.into_boxed_str())))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn search_steps_past_empty_matches_as_postgres() {
        // PostgreSQL 15: regexp_matches('baaab', 'a*', 'g') is {""}, {aaa}, {""}, {""}.
        let m = regexp_matches("baaab", "a*", "g").unwrap();
        assert_eq!(
            texts(m),
            vec![
                vec![Some("")],
                vec![Some("aaa")],
                vec![Some("")],
                vec![Some("")]
            ]
        );
        assert_eq!(
            regexp_replace("baaab", "a*", "X", 1, None, "g").unwrap(),
            "XbXXbX"
        );
    }

    #[test]
    fn groups_and_unmatched_groups() {
        let m = regexp_matches("foobarbequebaz", "(bar)(beque)", "").unwrap();
        assert_eq!(texts(m), vec![vec![Some("bar"), Some("beque")]]);
        let plain = RegexOptions::default();
        let m = regexp_match("foo", "foo(bar)?", plain).unwrap();
        assert_eq!(m, Some(vec![None]));
        assert_eq!(regexp_match("x", "y", plain).unwrap(), None);
    }

    #[test]
    fn split_skips_degenerate_matches() {
        assert_eq!(
            regexp_split("hello world", r"\s*", "", "f").unwrap(),
            vec!["h", "e", "l", "l", "o", "w", "o", "r", "l", "d"]
        );
        assert_eq!(
            regexp_split("a,b,,c", ",", "", "f").unwrap(),
            ["a", "b", "", "c"]
        );
        assert_eq!(regexp_split("", ",", "", "f").unwrap(), [""]);
        assert!(regexp_split("a", ",", "g", "f").is_err());
    }

    #[test]
    fn count_instr_substr_positions_are_characters() {
        assert_eq!(regexp_count("ABCABCAXYaxy", "A.", 1, "").unwrap(), 3);
        assert_eq!(regexp_count("ABCABCAXYaxy", "A.", 1, "i").unwrap(), 4);
        assert_eq!(regexp_count("abc", "x*", 10, "").unwrap(), 0);
        assert_eq!(regexp_count("abc", "x*", 4, "").unwrap(), 1);
        let o = |start, n, subexpr| Occurrence { start, n, subexpr };
        assert_eq!(regexp_instr("ééabc", "b", o(1, 1, 0), 0, "").unwrap(), 4);
        assert_eq!(regexp_instr("ééabc", "b", o(1, 1, 0), 1, "").unwrap(), 5);
        assert_eq!(regexp_instr("abcabc", "b", o(3, 1, 0), 0, "").unwrap(), 5);
        assert_eq!(regexp_instr("abc", "b", o(1, 2, 0), 0, "").unwrap(), 0);
        assert_eq!(
            regexp_substr("1234567890", "(123)(4(56)(78))", o(1, 1, 3), "").unwrap(),
            Some("56".into())
        );
        assert_eq!(
            regexp_substr("abc", "b", o(1, 1, 1), "").unwrap(),
            Some("b".into())
        );
        assert_eq!(regexp_substr("abc", "b", o(1, 1, 2), "").unwrap(), None);
        assert!(regexp_instr("abc", "b", o(0, 1, 0), 0, "").is_err());
        assert!(regexp_instr("abc", "b", o(1, 0, 0), 0, "").is_err());
        assert!(regexp_instr("abc", "b", o(1, 1, -1), 0, "").is_err());
        assert!(regexp_instr("abc", "b", o(1, 1, 0), 2, "").is_err());
    }

    #[test]
    fn replace_nth_and_from_start() {
        assert_eq!(
            regexp_replace("A PostgreSQL function", "a|e|i|o|u", "X", 1, Some(2), "i").unwrap(),
            "A PXstgreSQL function"
        );
        assert_eq!(
            regexp_replace("aaa", "a", "b", 2, Some(0), "").unwrap(),
            "abb"
        );
        assert_eq!(
            regexp_replace("foobarbaz", "b(..)", r"X\1Y", 1, None, "g").unwrap(),
            "fooXarYXazY"
        );
        assert_eq!(regexp_replace("aaa", "a", "b", 1, None, "").unwrap(), "baa");
        assert_eq!(
            regexp_replace("abc", "b", r"[\&]", 1, None, "").unwrap(),
            "a[b]c"
        );
        assert!(regexp_replace("a", "a", "b", 1, None, "z").is_err());
        assert_eq!(
            regexp_replace("a.c", ".", "_", 1, None, "gq").unwrap(),
            "a_c"
        );
        assert!(replace_flags_check("1").is_err());
    }
}
