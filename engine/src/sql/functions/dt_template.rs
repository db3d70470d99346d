//! The parser of PostgreSQL's date/time template patterns (`formatting.c`'s `parse_format`
//! for date/time templates), shared by `to_char` and by `to_date` / `to_timestamp`: a
//! template is a list of keyword nodes (each with its `FM`/`TM` prefix and `TH`/`th`/`SP`
//! suffix), double-quoted text (a backslash quotes the next character), separators (ASCII
//! punctuation outside quotes; `\"` is a quote character) and white space.

/// PostgreSQL's date/time template keywords, in its matching order (the first that
/// prefixes the rest of the template wins).
const KEYWORDS: &[&str] = &[
    "A.D.", "A.M.", "AD", "AM", "B.C.", "BC", "CC", "DAY", "DDD", "DD", "DY", "Day", "Dy", "D",
    "FF1", "FF2", "FF3", "FF4", "FF5", "FF6", "FX", "HH24", "HH12", "HH", "IDDD", "ID", "IW",
    "IYYY", "IYY", "IY", "I", "J", "MI", "MM", "MONTH", "MON", "MS", "Month", "Mon", "OF", "P.M.",
    "PM", "Q", "RM", "SSSSS", "SSSS", "SS", "TZH", "TZM", "TZ", "US", "WW", "W", "Y,YYY", "YYYY",
    "YYY", "YY", "Y", "a.d.", "a.m.", "ad", "am", "b.c.", "bc", "cc", "day", "ddd", "dd", "dy",
    "d", "ff1", "ff2", "ff3", "ff4", "ff5", "ff6", "fx", "hh24", "hh12", "hh", "iddd", "id", "iw",
    "iyyy", "iyy", "iy", "i", "j", "mi", "mm", "month", "mon", "ms", "of", "p.m.", "pm", "q", "rm",
    "sssss", "ssss", "ss", "tzh", "tzm", "tz", "us", "ww", "w", "y,yyy", "yyyy", "yyy", "yy", "y",
];

/// One element of a parsed template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Node {
    /// A keyword as written (its case says how names are cased), with the `FM` prefix
    /// (`fill`) and the `TH` (`Some(true)`) or `th` (`Some(false)`) suffix.
    Action {
        kw: &'static str,
        fill: bool,
        th: Option<bool>,
    },
    /// Quoted text, or a character that is neither a separator nor white space.
    Char(char),
    /// ASCII punctuation outside quotes.
    Separator(char),
    /// White space outside quotes.
    Space(char),
}

/// PostgreSQL's `is_separator_char`: printable ASCII that is not a letter or a digit.
pub(super) fn is_separator(c: char) -> bool {
    ('\x21'..'\x7f').contains(&c) && !c.is_ascii_alphanumeric()
}

/// C's `isspace` in the C locale.
pub(super) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// Parses a date/time template. Every template parses: what is not a keyword is text.
pub(super) fn parse(template: &str) -> Vec<Node> {
    let mut nodes = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        // At most one prefix; it is consumed even when no keyword follows.
        let mut fill = false;
        for p in ["FM", "fm", "TM", "tm"] {
            if let Some(r) = rest.strip_prefix(p) {
                fill = p.eq_ignore_ascii_case("FM");
                rest = r;
                break;
            }
        }
        if let Some(kw) = KEYWORDS.iter().find(|k| rest.starts_with(**k)).copied() {
            rest = &rest[kw.len()..];
            let mut th = None;
            for (s, upper) in [("TH", Some(true)), ("th", Some(false)), ("SP", None)] {
                if let Some(r) = rest.strip_prefix(s) {
                    th = upper;
                    rest = r;
                    break;
                }
            }
            nodes.push(Node::Action { kw, fill, th });
            continue;
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        if c == '"' {
            let mut inner = chars.as_str();
            loop {
                let mut it = inner.chars();
                match it.next() {
                    None => break,
                    Some('"') => {
                        inner = it.as_str();
                        break;
                    }
                    Some('\\') if !it.as_str().is_empty() => {
                        let mut after = it.as_str().chars();
                        if let Some(q) = after.next() {
                            nodes.push(Node::Char(q));
                        }
                        inner = after.as_str();
                    }
                    Some(q) => {
                        nodes.push(Node::Char(q));
                        inner = it.as_str();
                    }
                }
            }
            rest = inner;
            continue;
        }
        // Outside quotes a backslash is special only before a double quote.
        let (c, after) = match (c, chars.as_str().strip_prefix('"')) {
            ('\\', Some(after)) => ('"', after),
            _ => (c, chars.as_str()),
        };
        nodes.push(if is_separator(c) {
            Node::Separator(c)
        } else if is_space(c) {
            Node::Space(c)
        } else {
            Node::Char(c)
        });
        rest = after;
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_of_a_template() {
        let n = parse("FMDDth \"a\\\"b\"-\\\"x");
        assert_eq!(
            n,
            vec![
                Node::Action {
                    kw: "DD",
                    fill: true,
                    th: Some(false)
                },
                Node::Space(' '),
                Node::Char('a'),
                Node::Char('"'),
                Node::Char('b'),
                Node::Separator('-'),
                Node::Separator('"'),
                Node::Char('x'),
            ]
        );
    }
}
