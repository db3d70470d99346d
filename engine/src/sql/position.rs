//! Error positions: turns an [`ErrorLocation`] (sqlparser's 1-based line and column, or an
//! operator token next to one) into PostgreSQL's 1-based character offset into the text.

use crate::error::ErrorLocation;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Location, Token, Tokenizer};

/// The 1-based character offset of `loc` in `sql` (None if it lies outside the text).
pub fn char_offset(sql: &str, loc: Location) -> Option<u32> {
    if loc.line == 0 || loc.column == 0 {
        return None;
    }
    let line = usize::try_from(loc.line).ok()?;
    let col = usize::try_from(loc.column).ok()?;
    let mut lines = sql.split('\n');
    let before: usize = lines
        .by_ref()
        .take(line - 1)
        .map(|l| l.chars().count() + 1)
        .sum();
    let this = lines.next()?;
    if col > this.chars().count() + 1 {
        return None;
    }
    u32::try_from(before + col).ok()
}

/// The byte offset of `loc` in `sql` (None if it lies outside the text).
pub fn byte_offset(sql: &str, loc: Location) -> Option<usize> {
    let chars = usize::try_from(char_offset(sql, loc)?).ok()?;
    Some(
        sql.char_indices()
            .nth(chars - 1)
            .map_or(sql.len(), |(i, _)| i),
    )
}

/// Whether token `t` is spelled `text` (words case-insensitively).
fn spelled(t: &Token, text: &str) -> bool {
    match t {
        Token::Word(w) => w.quote_style.is_none() && w.value.eq_ignore_ascii_case(text),
        other => other.to_string() == text,
    }
}

/// The offset an error location names in `sql`.
pub fn offset_of(at: &ErrorLocation, sql: &str) -> Option<u32> {
    let find = |pick_last: bool, bound: Location, token: &str| -> Option<Location> {
        let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .ok()?;
        let key = |l: Location| (l.line, l.column);
        let mut hits = tokens.iter().filter(|t| spelled(&t.token, token));
        if pick_last {
            hits.rfind(|t| key(t.span.start) < key(bound))
                .map(|t| t.span.start)
        } else {
            hits.find(|t| key(t.span.start) >= key(bound))
                .map(|t| t.span.start)
        }
    };
    match at {
        ErrorLocation::Offset(p) => Some(*p),
        ErrorLocation::Span(l) => char_offset(sql, *l),
        ErrorLocation::TokenAfter { from, token } => char_offset(sql, find(false, *from, token)?),
        ErrorLocation::TokenBefore { before, token } => {
            char_offset(sql, find(true, *before, token)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(line: u64, column: u64) -> Location {
        Location { line, column }
    }

    #[test]
    fn offsets_count_characters_across_lines() {
        let sql = "select\n  é,\n  nosuch";
        assert_eq!(char_offset(sql, loc(1, 1)), Some(1));
        assert_eq!(char_offset(sql, loc(3, 3)), Some(15));
        assert_eq!(char_offset(sql, loc(4, 1)), None);
        assert_eq!(char_offset(sql, loc(0, 0)), None);
    }

    #[test]
    fn operator_tokens_are_found_next_to_operands() {
        let sql = "select (a)::int + true";
        let after = ErrorLocation::TokenAfter {
            from: loc(1, 10),
            token: "+".into(),
        };
        assert_eq!(offset_of(&after, sql), Some(17));
        let before = ErrorLocation::TokenBefore {
            before: loc(1, 10),
            token: "(".into(),
        };
        assert_eq!(offset_of(&before, sql), Some(8));
        let missing = ErrorLocation::TokenAfter {
            from: loc(1, 1),
            token: "#".into(),
        };
        assert_eq!(offset_of(&missing, sql), None);
    }
}
