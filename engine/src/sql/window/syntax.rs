//! The `EXCLUDE` clause of a window frame, which sqlparser does not parse. Before parsing,
//! `EXCLUDE CURRENT ROW | GROUP | TIES | NO OTHERS` at the end of a window specification
//! (after a frame bound, before the closing parenthesis) is dropped and recorded in the
//! specification's window name: the name becomes a quoted identifier `name#exclude kind`
//! (the name part empty when the specification names no window). No identifier a user
//! writes unquoted can contain `#`, so only a quoted window name of that exact form could be
//! mistaken for the marker. [`split_name`] reads the marker back.

use super::Exclusion;
use sqlparser::ast::Ident;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace, Word};

const MARK: &str = "#exclude ";

fn word(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_lowercase()),
        _ => None,
    }
}

/// The next non-whitespace token at or after `i`.
fn next_significant(tokens: &[TokenWithSpan], mut i: usize) -> Option<usize> {
    while i < tokens.len() {
        if !matches!(tokens[i].token, Token::Whitespace(_)) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The exclusion written from token `i` (`EXCLUDE` …) and the index past it, when it ends a
/// window specification.
fn exclusion_at(tokens: &[TokenWithSpan], i: usize) -> Option<(Exclusion, usize)> {
    let mut words = Vec::new();
    let mut j = i + 1;
    loop {
        let k = next_significant(tokens, j)?;
        if tokens[k].token == Token::RParen {
            break;
        }
        words.push(word(&tokens[k].token)?);
        j = k + 1;
        if words.len() > 2 {
            return None;
        }
    }
    let kind = match words
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["current", "row"] => Exclusion::CurrentRow,
        ["group"] => Exclusion::Group,
        ["ties"] => Exclusion::Ties,
        ["no", "others"] => Exclusion::NoOthers,
        _ => return None,
    };
    Some((kind, j))
}

fn kind_name(e: Exclusion) -> &'static str {
    match e {
        Exclusion::NoOthers => "no others",
        Exclusion::CurrentRow => "current row",
        Exclusion::Group => "group",
        Exclusion::Ties => "ties",
    }
}

/// Rewrites the `EXCLUDE` clauses of window specifications (see the module doc).
pub fn mark(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let in_frame = tokens.iter().any(|t| {
        matches!(
            word(&t.token).as_deref(),
            Some("exclude" | "preceding" | "following")
        )
    });
    if !in_frame {
        return tokens;
    }
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(tokens.len() + 2);
    // Output positions of the open parentheses enclosing the current token.
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        match &t.token {
            Token::LParen => open.push(out.len()),
            Token::RParen => {
                open.pop();
            }
            Token::SingleQuotedString(_) => {
                if let Some(past) = string_offset(&out, &tokens, i) {
                    out.push(TokenWithSpan::new(Token::LParen, t.span));
                    out.extend(tokens[i..past].iter().cloned());
                    out.push(TokenWithSpan::new(Token::RParen, t.span));
                    i = past;
                    continue;
                }
            }
            Token::Word(w)
                if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("exclude") =>
            {
                let after_bound = out
                    .iter()
                    .rev()
                    .find(|p| !matches!(p.token, Token::Whitespace(_)))
                    .and_then(|p| word(&p.token))
                    .is_some_and(|w| matches!(w.as_str(), "row" | "preceding" | "following"));
                if let (true, Some(&paren), Some((kind, next))) =
                    (after_bound, open.last(), exclusion_at(&tokens, i))
                {
                    if kind != Exclusion::NoOthers {
                        name_spec(&mut out, paren, kind, t);
                    }
                    i = next;
                    continue;
                }
            }
            _ => {}
        }
        out.push(t.clone());
        i += 1;
    }
    out
}

/// When the string literal at `tokens[i]` opens a frame offset (after `ROWS`, `RANGE`,
/// `GROUPS`, `BETWEEN` or `AND`, the offset ending at `PRECEDING` / `FOLLOWING`): the index
/// of that keyword. sqlparser would read such a literal as an interval; in parentheses it
/// is an ordinary literal, whose type the frame's key decides.
fn string_offset(out: &[TokenWithSpan], tokens: &[TokenWithSpan], i: usize) -> Option<usize> {
    let prev = out
        .iter()
        .rev()
        .find(|p| !matches!(p.token, Token::Whitespace(_)))
        .and_then(|p| word(&p.token))?;
    if !matches!(
        prev.as_str(),
        "rows" | "range" | "groups" | "between" | "and"
    ) {
        return None;
    }
    let mut depth = 0usize;
    for (k, t) in tokens.iter().enumerate().skip(i + 1) {
        match &t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket if depth == 0 => return None,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::Comma | Token::SemiColon | Token::EOF if depth == 0 => return None,
            tok if depth == 0 => {
                if matches!(word(tok).as_deref(), Some("preceding" | "following")) {
                    return Some(k);
                }
                if matches!(word(tok).as_deref(), Some("and")) {
                    return None;
                }
            }
            _ => {}
        }
    }
    None
}

/// Records `kind` in the window name of the specification opened at `out[paren]`.
fn name_spec(out: &mut Vec<TokenWithSpan>, paren: usize, kind: Exclusion, at: &TokenWithSpan) {
    let first = next_significant(out, paren + 1);
    let existing = first.and_then(|k| match &out[k].token {
        Token::Word(w)
            if !matches!(
                w.keyword,
                Keyword::PARTITION
                    | Keyword::ORDER
                    | Keyword::ROWS
                    | Keyword::RANGE
                    | Keyword::GROUPS
            ) =>
        {
            let name = match w.quote_style {
                Some(_) => w.value.clone(),
                None => w.value.to_lowercase(),
            };
            Some((k, name))
        }
        _ => None,
    });
    let marked = |name: &str| {
        Token::Word(Word {
            value: format!("{name}{MARK}{}", kind_name(kind)),
            quote_style: Some('"'),
            keyword: Keyword::NoKeyword,
        })
    };
    match existing {
        Some((k, name)) => out[k].token = marked(&name),
        None => {
            out.insert(
                paren + 1,
                TokenWithSpan::new(Token::Whitespace(Whitespace::Space), at.span),
            );
            out.insert(paren + 1, TokenWithSpan::new(marked(""), at.span));
        }
    }
}

/// A window specification's name without the exclusion marker (None when it names no
/// window), and the exclusion it records.
pub fn split_name(name: Option<&Ident>) -> (Option<String>, Exclusion) {
    let Some(ident) = name else {
        return (None, Exclusion::NoOthers);
    };
    let full = crate::sql::binder::ident_name(ident);
    if ident.quote_style.is_some() {
        if let Some((name, kind)) = full.rsplit_once(MARK) {
            let kind = match kind {
                "current row" => Exclusion::CurrentRow,
                "group" => Exclusion::Group,
                "ties" => Exclusion::Ties,
                _ => Exclusion::NoOthers,
            };
            return ((!name.is_empty()).then(|| name.to_string()), kind);
        }
    }
    (Some(full), Exclusion::NoOthers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse;
    use sqlparser::ast;

    fn spec_of(sql: &str) -> ast::WindowSpec {
        let stmts = parse(sql).expect("parse");
        let ast::Statement::Query(q) = &stmts[0] else {
            panic!("not a query")
        };
        let ast::SetExpr::Select(s) = q.body.as_ref() else {
            panic!("not a select")
        };
        match &s.projection[0] {
            ast::SelectItem::UnnamedExpr(ast::Expr::Function(f)) => match &f.over {
                Some(ast::WindowType::WindowSpec(spec)) => spec.clone(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn exclusions_are_carried_in_the_window_name() {
        let spec = spec_of(
            "SELECT sum(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES) FROM t",
        );
        assert_eq!(
            split_name(spec.window_name.as_ref()),
            (None, Exclusion::Ties)
        );
        let spec =
            spec_of("SELECT sum(x) OVER (W ROWS UNBOUNDED PRECEDING exclude current row) FROM t");
        assert_eq!(
            split_name(spec.window_name.as_ref()),
            (Some("w".into()), Exclusion::CurrentRow)
        );
        let spec = spec_of("SELECT sum(x) OVER (ROWS CURRENT ROW EXCLUDE NO OTHERS) FROM t");
        assert_eq!(
            split_name(spec.window_name.as_ref()),
            (None, Exclusion::NoOthers)
        );
        let spec =
            spec_of("SELECT sum(x) OVER (PARTITION BY y GROUPS 2 FOLLOWING EXCLUDE GROUP) FROM t");
        assert_eq!(
            split_name(spec.window_name.as_ref()),
            (None, Exclusion::Group)
        );
        assert_eq!(spec.partition_by.len(), 1);
        // A column named exclude is left alone.
        assert!(parse("SELECT exclude FROM t ORDER BY exclude").is_ok());
    }
}
