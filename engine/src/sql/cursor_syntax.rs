//! FETCH and MOVE with PostgreSQL's grammar (sqlparser requires FROM/IN, has no MOVE and no
//! signed counts):
//!
//! ```text
//! FETCH | MOVE [ direction ] [ FROM | IN ] cursor_name
//! direction: NEXT | PRIOR | FIRST | LAST | ABSOLUTE n | RELATIVE n | n | ALL
//!          | FORWARD [ n | ALL ] | BACKWARD [ n | ALL ]
//! ```
//!
//! Both become `ast::Statement::Fetch`. MOVE is marked by `into` holding [`MOVE_MARKER`]:
//! SQL-level FETCH never has INTO (that is PL/pgSQL's), so the field is otherwise unused.

use sqlparser::ast::{self, FetchDirection, FetchPosition, Ident, ObjectName};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Span, Token};

/// The `into` name that marks a MOVE.
pub const MOVE_MARKER: &str = "move";

/// Whether `stmt` is a MOVE (see the module documentation).
pub fn is_move(into: &Option<ObjectName>) -> bool {
    into.as_ref().is_some_and(|n| n.to_string() == MOVE_MARKER)
}

fn word(p: &Parser<'_>, at: usize) -> Option<String> {
    match &p.peek_nth_token_ref(at).token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_lowercase()),
        _ => None,
    }
}

/// A signed integer count, if one is next.
fn count(p: &mut Parser<'_>) -> Result<Option<ast::ValueWithSpan>, ParserError> {
    let (sign, at) = match &p.peek_token_ref().token {
        Token::Minus => ("-", 1),
        Token::Plus => ("", 1),
        _ => ("", 0),
    };
    let Token::Number(n, _) = &p.peek_nth_token_ref(at).token else {
        if at == 1 {
            return Err(ParserError::ParserError(
                "Expected: a row count after the sign".into(),
            ));
        }
        return Ok(None);
    };
    let text = format!("{sign}{n}");
    for _ in 0..=at {
        p.next_token();
    }
    Ok(Some(ast::ValueWithSpan {
        value: ast::Value::Number(text, false),
        span: Span::empty(),
    }))
}

fn required(p: &mut Parser<'_>, what: &str) -> Result<ast::ValueWithSpan, ParserError> {
    count(p)?.ok_or_else(|| ParserError::ParserError(format!("Expected: a row count after {what}")))
}

/// Parses FETCH or MOVE after its first word (`is_move` tells which).
pub fn parse(p: &mut Parser<'_>, is_move: bool) -> Result<ast::Statement, ParserError> {
    // A direction word is the cursor's name when nothing but the name could follow it.
    let named_next =
        |p: &Parser<'_>| matches!(p.peek_nth_token_ref(1).token, Token::EOF | Token::SemiColon);
    let direction = match word(p, 0).as_deref() {
        Some(w @ ("next" | "prior" | "first" | "last")) if !named_next(p) => {
            p.next_token();
            match w {
                "next" => FetchDirection::Next,
                "prior" => FetchDirection::Prior,
                "first" => FetchDirection::First,
                _ => FetchDirection::Last,
            }
        }
        Some("absolute") if !named_next(p) => {
            p.next_token();
            FetchDirection::Absolute {
                limit: required(p, "ABSOLUTE")?,
            }
        }
        Some("relative") if !named_next(p) => {
            p.next_token();
            FetchDirection::Relative {
                limit: required(p, "RELATIVE")?,
            }
        }
        Some("all") if !named_next(p) => {
            p.next_token();
            FetchDirection::All
        }
        Some(w @ ("forward" | "backward")) if !named_next(p) => {
            p.next_token();
            let all = word(p, 0).as_deref() == Some("all") && !named_next(p);
            match (w, all) {
                ("forward", true) => {
                    p.next_token();
                    FetchDirection::ForwardAll
                }
                ("backward", true) => {
                    p.next_token();
                    FetchDirection::BackwardAll
                }
                ("forward", false) => FetchDirection::Forward { limit: count(p)? },
                _ => FetchDirection::Backward { limit: count(p)? },
            }
        }
        _ => match count(p)? {
            Some(limit) => FetchDirection::Count { limit },
            None => FetchDirection::Next,
        },
    };
    let position = match word(p, 0).as_deref() {
        Some("from") => {
            p.next_token();
            FetchPosition::From
        }
        Some("in") => {
            p.next_token();
            FetchPosition::In
        }
        _ => FetchPosition::From,
    };
    let name = p.parse_identifier()?;
    Ok(ast::Statement::Fetch {
        name,
        direction,
        position,
        into: is_move.then(|| ObjectName::from(vec![Ident::new(MOVE_MARKER)])),
    })
}

#[cfg(test)]
mod tests {
    use crate::sql::parse;
    use sqlparser::ast::{FetchDirection as F, Statement};

    fn fetch(sql: &str) -> (String, String, bool) {
        match parse(sql).expect(sql).remove(0) {
            Statement::Fetch {
                name,
                direction,
                into,
                ..
            } => (name.value, direction.to_string(), super::is_move(&into)),
            other => panic!("{sql}: {other:?}"),
        }
    }

    #[test]
    fn postgres_forms_parse() {
        assert_eq!(fetch("FETCH c"), ("c".into(), F::Next.to_string(), false));
        assert_eq!(fetch("FETCH NEXT FROM c").1, "NEXT");
        assert_eq!(fetch("FETCH FORWARD 5 FROM \"c\"").0, "c");
        assert_eq!(fetch("FETCH FORWARD 5 FROM \"c\"").1, "FORWARD 5");
        assert_eq!(fetch("FETCH FORWARD FROM c").1, "FORWARD");
        assert_eq!(fetch("FETCH FORWARD ALL IN c").1, "FORWARD ALL");
        assert_eq!(fetch("FETCH -2 FROM c").1, "-2");
        assert_eq!(fetch("FETCH ABSOLUTE -1 c").1, "ABSOLUTE -1");
        assert_eq!(fetch("FETCH ALL c").1, "ALL");
        // A cursor may be called like a direction word.
        assert_eq!(fetch("FETCH next").0, "next");
        assert_eq!(fetch("MOVE LAST IN c"), ("c".into(), "LAST".into(), true));
        assert!(parse("FETCH ABSOLUTE FROM c").is_err());
        assert!(parse("FETCH 1 FROM").is_err());
    }
}
