//! MERGE's INSERT forms that sqlparser does not read: `INSERT DEFAULT VALUES` and
//! `INSERT [(cols)] OVERRIDING {SYSTEM | USER} VALUE VALUES (…)`. Before parsing, in a
//! statement starting with MERGE, they are rewritten into `VALUES (…)` lists whose first
//! item is a marker identifier (a quoted name starting with a control character, which no
//! SQL text can spell), read back by [`insert_form`].

use sqlparser::ast;
use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace};

const DEFAULT_VALUES: &str = "\u{1}merge default values";
const OVERRIDING_SYSTEM: &str = "\u{1}merge overriding system value";
const OVERRIDING_USER: &str = "\u{1}merge overriding user value";

/// How a MERGE INSERT gives its row.
pub enum InsertForm {
    Values,
    DefaultValues,
    Overriding(ast::InsertOverriding),
}

/// The form of a MERGE INSERT's VALUES list, and the list without its marker.
pub fn insert_form(values: &[ast::Expr]) -> (InsertForm, &[ast::Expr]) {
    let form = match values.first() {
        Some(ast::Expr::Identifier(id)) if id.quote_style.is_some() => match id.value.as_str() {
            DEFAULT_VALUES => InsertForm::DefaultValues,
            OVERRIDING_SYSTEM => InsertForm::Overriding(ast::InsertOverriding::System),
            OVERRIDING_USER => InsertForm::Overriding(ast::InsertOverriding::User),
            _ => InsertForm::Values,
        },
        _ => InsertForm::Values,
    };
    match form {
        InsertForm::Values => (form, values),
        _ => (form, values.get(1..).unwrap_or(&[])),
    }
}

fn word(t: &TokenWithSpan) -> Option<String> {
    match &t.token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_lowercase()),
        _ => None,
    }
}

/// Rewrites the INSERT forms of MERGE statements (see the module doc).
pub fn mark(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|&p| !matches!(tokens[p].token, Token::Whitespace(_)))
        .collect();
    // Whether any statement is a MERGE at all (the common case is none).
    if !sig
        .iter()
        .any(|&p| word(&tokens[p]).as_deref() == Some("merge"))
    {
        return tokens;
    }
    let w = |k: usize| sig.get(k).and_then(|&p| word(&tokens[p]));
    let mut out = Vec::with_capacity(tokens.len() + 8);
    let mut next = 0;
    let mut in_merge = false;
    let mut at_start = true;
    let mut k = 0;
    while k < sig.len() {
        let p = sig[k];
        if tokens[p].token == Token::SemiColon {
            (in_merge, at_start) = (false, true);
            k += 1;
            continue;
        }
        if at_start {
            in_merge = w(k).as_deref() == Some("merge");
            at_start = false;
        }
        let after_insert = k > 0 && w(k - 1).as_deref() == Some("insert");
        let after_cols =
            k > 0 && sig[k - 1] < tokens.len() && tokens[sig[k - 1]].token == Token::RParen;
        let replace = if !in_merge {
            None
        } else if after_insert
            && w(k).as_deref() == Some("default")
            && w(k + 1).as_deref() == Some("values")
        {
            Some((2, DEFAULT_VALUES, true))
        } else if (after_insert || after_cols)
            && w(k).as_deref() == Some("overriding")
            && w(k + 2).as_deref() == Some("value")
            && w(k + 3).as_deref() == Some("values")
            && sig.get(k + 4).map(|&q| &tokens[q].token) == Some(&Token::LParen)
        {
            match w(k + 1).as_deref() {
                Some("system") => Some((5, OVERRIDING_SYSTEM, false)),
                Some("user") => Some((5, OVERRIDING_USER, false)),
                _ => None,
            }
        } else {
            None
        };
        let Some((len, marker, closed)) = replace else {
            k += 1;
            continue;
        };
        out.extend(tokens[next..p].iter().cloned());
        let span = tokens[p].span;
        let tok = |t: Token| TokenWithSpan::new(t, span);
        out.push(tok(Token::make_keyword("VALUES")));
        out.push(tok(Token::Whitespace(Whitespace::Space)));
        out.push(tok(Token::LParen));
        out.push(tok(Token::make_word(marker, Some('"'))));
        out.push(tok(if closed { Token::RParen } else { Token::Comma }));
        out.push(tok(Token::Whitespace(Whitespace::Space)));
        next = sig.get(k + len - 1).map_or(tokens.len(), |&q| q + 1);
        k += len;
    }
    out.extend(tokens[next..].iter().cloned());
    out
}
