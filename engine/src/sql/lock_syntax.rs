//! Row-locking clauses, `FOR UPDATE | FOR NO KEY UPDATE | FOR SHARE | FOR KEY SHARE
//! [OF name [, ...]] [NOWAIT | SKIP LOCKED]`, of which sqlparser reads only `FOR UPDATE` and
//! `FOR SHARE` with at most one `OF` name.
//!
//! Before parsing, [`mark`] rewrites each clause sqlparser cannot read (the two other
//! strengths, several `OF` names) into sqlparser's form, one clause per `OF` name, each
//! carrying its strength as an extra first part of its `OF` name: an identifier quoted with
//! U+0001, a quote character the tokenizer never produces, so the marker cannot stand for
//! anything a user wrote. [`clauses`] reads the clauses of a parsed query back; a clause
//! without a marker is read by its sqlparser lock type.

use crate::row_lock::{Strength, WaitPolicy};
use sqlparser::ast;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan};

/// The quote character of strength markers.
const MARK: char = '\u{1}';

/// One locking clause of a query.
#[derive(Clone, Debug)]
pub struct LockClause {
    pub strength: Strength,
    /// The name after `OF` (one per clause after [`mark`]), as written.
    pub of: Option<ast::ObjectName>,
    pub wait: WaitPolicy,
}

fn keyword(t: &TokenWithSpan) -> Option<Keyword> {
    match &t.token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.keyword),
        _ => None,
    }
}

/// A clause recognised in the token stream: where it ends (exclusive, in `tokens`), its
/// strength, its OF names (each a run of tokens) and its wait policy tokens.
struct Found {
    end: usize,
    strength: Strength,
    names: Vec<Vec<TokenWithSpan>>,
    wait: Vec<Keyword>,
}

/// Reads the clause whose `FOR` is at `sig[at]` (`sig`: positions of the tokens that are not
/// whitespace), if one is there.
fn find(tokens: &[TokenWithSpan], sig: &[usize], at: usize) -> Option<Found> {
    let kw = |i: usize| sig.get(i).and_then(|&p| keyword(&tokens[p]));
    let mut i = at + 1;
    let strength = match (kw(i), kw(i + 1), kw(i + 2)) {
        (Some(Keyword::UPDATE), _, _) => {
            i += 1;
            Strength::Update
        }
        (Some(Keyword::SHARE), _, _) => {
            i += 1;
            Strength::Share
        }
        (Some(Keyword::NO), Some(Keyword::KEY), Some(Keyword::UPDATE)) => {
            i += 3;
            Strength::NoKeyUpdate
        }
        (Some(Keyword::KEY), Some(Keyword::SHARE), _) => {
            i += 2;
            Strength::KeyShare
        }
        _ => return None,
    };
    let mut names = Vec::new();
    if kw(i) == Some(Keyword::OF) {
        i += 1;
        loop {
            let mut name = Vec::new();
            loop {
                let t = &tokens[*sig.get(i)?];
                if !matches!(t.token, Token::Word(_)) {
                    return None;
                }
                name.push(t.clone());
                i += 1;
                match sig.get(i).map(|&p| &tokens[p].token) {
                    Some(Token::Period) => {
                        name.push(tokens[sig[i]].clone());
                        i += 1;
                    }
                    _ => break,
                }
            }
            names.push(name);
            if sig.get(i).map(|&p| &tokens[p].token) == Some(&Token::Comma) {
                i += 1;
            } else {
                break;
            }
        }
    }
    let wait = match (kw(i), kw(i + 1)) {
        (Some(Keyword::NOWAIT), _) => {
            i += 1;
            vec![Keyword::NOWAIT]
        }
        (Some(Keyword::SKIP), Some(Keyword::LOCKED)) => {
            i += 2;
            vec![Keyword::SKIP, Keyword::LOCKED]
        }
        _ => Vec::new(),
    };
    let end = sig.get(i).copied().unwrap_or(tokens.len());
    Some(Found {
        end,
        strength,
        names,
        wait,
    })
}

/// Whether the tokens before a locking clause (`before`: positions of the significant ones)
/// end with a SELECT list: nothing but the list since the SELECT at the clause's level.
fn right_after_select_list(tokens: &[TokenWithSpan], before: &[usize]) -> bool {
    let mut depth = 0i32;
    for &p in before.iter().rev() {
        match &tokens[p].token {
            Token::RParen => depth += 1,
            Token::LParen if depth == 0 => return false,
            Token::LParen => depth -= 1,
            _ if depth > 0 => {}
            _ => match keyword(&tokens[p]) {
                Some(Keyword::SELECT) => return true,
                Some(
                    Keyword::FROM
                    | Keyword::WHERE
                    | Keyword::GROUP
                    | Keyword::HAVING
                    | Keyword::WINDOW
                    | Keyword::ORDER
                    | Keyword::LIMIT
                    | Keyword::OFFSET
                    | Keyword::FETCH,
                ) => return false,
                _ => {}
            },
        }
    }
    false
}

fn marker_name(s: Strength) -> &'static str {
    match s {
        Strength::KeyShare => "key share",
        Strength::Share => "share",
        Strength::NoKeyUpdate => "no key update",
        Strength::Update => "update",
    }
}

/// Rewrites the locking clauses of `tokens` into sqlparser's form (see the module doc).
pub fn mark(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|&p| !matches!(tokens[p].token, Token::Whitespace(_)))
        .collect();
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(tokens.len());
    let mut next = 0; // the next token of `tokens` to copy
    for (k, &p) in sig.iter().enumerate() {
        if p < next || keyword(&tokens[p]) != Some(Keyword::FOR) {
            continue;
        }
        let Some(found) = find(&tokens, &sig, k) else {
            continue;
        };
        out.extend(tokens[next..p].iter().cloned());
        next = p;
        if right_after_select_list(&tokens, &sig[..k]) {
            // sqlparser would read `FOR` as the last select item's alias (PostgreSQL
            // reserves it); `LIMIT ALL`, which limits nothing, ends the select list.
            let span = tokens[p].span;
            for t in [
                Token::make_keyword("LIMIT"),
                Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
                Token::make_keyword("ALL"),
                Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
            ] {
                out.push(TokenWithSpan::new(t, span));
            }
        }
        // sqlparser reads these itself (and `FOR UPDATE` of other statements stays intact).
        if matches!(found.strength, Strength::Update | Strength::Share) && found.names.len() <= 1 {
            continue;
        }
        let span: Span = tokens[p].span;
        let tok = |t: Token| TokenWithSpan::new(t, span);
        let space = || tok(Token::Whitespace(sqlparser::tokenizer::Whitespace::Space));
        let names: Vec<Option<&Vec<TokenWithSpan>>> = if found.names.is_empty() {
            vec![None]
        } else {
            found.names.iter().map(Some).collect()
        };
        for name in names {
            out.push(tok(Token::make_keyword("FOR")));
            out.push(space());
            out.push(tok(Token::make_keyword("UPDATE")));
            out.push(space());
            out.push(tok(Token::make_keyword("OF")));
            out.push(space());
            out.push(tok(Token::make_word(
                marker_name(found.strength),
                Some(MARK),
            )));
            if let Some(name) = name {
                out.push(tok(Token::Period));
                out.extend(name.iter().cloned());
            }
            for w in &found.wait {
                out.push(space());
                out.push(tok(Token::make_keyword(&format!("{w:?}"))));
            }
            out.push(space());
        }
        next = found.end;
    }
    out.extend(tokens[next..].iter().cloned());
    out
}

/// The locking clauses of `q`, in order.
pub fn clauses(q: &ast::Query) -> Vec<LockClause> {
    q.locks
        .iter()
        .map(|lc| {
            let wait = match lc.nonblock {
                None => WaitPolicy::Block,
                Some(ast::NonBlock::SkipLocked) => WaitPolicy::SkipLocked,
                Some(ast::NonBlock::Nowait) => WaitPolicy::NoWait,
            };
            let by_type = match lc.lock_type {
                ast::LockType::Update => Strength::Update,
                ast::LockType::Share => Strength::Share,
            };
            let marked = lc.of.as_ref().and_then(|of| match of.0.first() {
                Some(ast::ObjectNamePart::Identifier(i)) if i.quote_style == Some(MARK) => {
                    let strength = match i.value.as_str() {
                        "key share" => Strength::KeyShare,
                        "share" => Strength::Share,
                        "no key update" => Strength::NoKeyUpdate,
                        _ => Strength::Update,
                    };
                    let rest: Vec<ast::ObjectNamePart> = of.0[1..].to_vec();
                    Some((
                        strength,
                        (!rest.is_empty()).then_some(ast::ObjectName(rest)),
                    ))
                }
                _ => None,
            });
            let (strength, of) = marked.unwrap_or((by_type, lc.of.clone()));
            LockClause { strength, of, wait }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse;

    fn clauses_of(sql: &str) -> Vec<(Strength, Option<String>, WaitPolicy)> {
        let stmts = parse(sql).expect("parses");
        let ast::Statement::Query(q) = &stmts[0] else {
            panic!("not a query")
        };
        clauses(q)
            .into_iter()
            .map(|c| (c.strength, c.of.map(|o| o.to_string()), c.wait))
            .collect()
    }

    #[test]
    fn every_strength_and_of_list_is_read_back() {
        use Strength::*;
        use WaitPolicy::*;
        assert_eq!(
            clauses_of("SELECT * FROM t FOR UPDATE"),
            vec![(Update, None, Block)]
        );
        assert_eq!(
            clauses_of("select * from t for no key update of t, s.u nowait"),
            vec![
                (NoKeyUpdate, Some("t".into()), NoWait),
                (NoKeyUpdate, Some("s.u".into()), NoWait)
            ]
        );
        assert_eq!(
            clauses_of("SELECT * FROM t FOR KEY SHARE SKIP LOCKED FOR SHARE OF t LIMIT 1"),
            vec![
                (KeyShare, None, SkipLocked),
                (Share, Some("t".into()), Block)
            ]
        );
        assert_eq!(
            clauses_of("SELECT 1 FOR UPDATE"),
            vec![(Update, None, Block)]
        );
        assert_eq!(
            clauses_of("SELECT (SELECT 1), 2 AS x FOR KEY SHARE OF t"),
            vec![(KeyShare, Some("t".into()), Block)]
        );
        // FOR elsewhere is left alone.
        assert!(clauses_of("SELECT substring('abc' FROM 1 FOR 2)").is_empty());
        assert!(parse("SELECT * FROM t FOR KEY").is_err());
    }
}
