//! `BETWEEN SYMMETRIC` / `BETWEEN ASYMMETRIC`, which sqlparser does not parse. Before
//! parsing, `ASYMMETRIC` (the default) is dropped and `SYMMETRIC` is replaced by a `!!`
//! prefix on the lower bound — PostgreSQL 15 has no `!!` operator, so the marker cannot
//! stand for anything a user wrote (statements that contain `!!` are left alone). The binder
//! takes the marker off the lower bound's leftmost operand ([`take_marker`]) and binds the
//! BETWEEN as PostgreSQL's parser rewrites it: `(x BETWEEN a AND b) OR (x BETWEEN b AND a)`.

use sqlparser::ast;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan};

/// Rewrites the keywords after `BETWEEN` (see the module doc).
pub fn mark(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    if tokens
        .iter()
        .any(|t| t.token == Token::DoubleExclamationMark)
    {
        return tokens;
    }
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(tokens.len());
    for t in tokens {
        if let Token::Word(w) = &t.token {
            if matches!(w.keyword, Keyword::SYMMETRIC | Keyword::ASYMMETRIC) {
                let prev = out
                    .iter()
                    .rev()
                    .find(|p| !matches!(p.token, Token::Whitespace(_)));
                if matches!(prev, Some(TokenWithSpan { token: Token::Word(b), .. }) if b.keyword == Keyword::BETWEEN)
                {
                    if w.keyword == Keyword::SYMMETRIC {
                        out.push(TokenWithSpan::new(Token::DoubleExclamationMark, t.span));
                    }
                    continue;
                }
            }
        }
        out.push(t);
    }
    out
}

/// The lower bound of a BETWEEN without its SYMMETRIC marker, if it has one.
pub fn take_marker(low: &ast::Expr) -> Option<ast::Expr> {
    match low {
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::PGPrefixFactorial,
            expr,
        } => Some((**expr).clone()),
        ast::Expr::BinaryOp { left, op, right } => Some(ast::Expr::BinaryOp {
            left: Box::new(take_marker(left)?),
            op: op.clone(),
            right: right.clone(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::sql::parse;
    use sqlparser::ast;

    fn low_of(sql: &str) -> ast::Expr {
        let stmts = parse(sql).unwrap();
        let ast::Statement::Query(q) = &stmts[0] else {
            panic!()
        };
        let ast::SetExpr::Select(s) = q.body.as_ref() else {
            panic!()
        };
        match &s.projection[0] {
            ast::SelectItem::UnnamedExpr(ast::Expr::Between { low, .. }) => (**low).clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn symmetric_marks_the_lower_bound() {
        let low = low_of("SELECT 5 BETWEEN SYMMETRIC 2 + 1 AND 1");
        assert_eq!(super::take_marker(&low).unwrap().to_string(), "2 + 1");
        let low = low_of("SELECT 5 NOT BETWEEN ASYMMETRIC 2 AND 1");
        assert!(super::take_marker(&low).is_none());
        // A column named symmetric is still a column elsewhere.
        assert!(parse("SELECT symmetric FROM t").is_ok());
    }
}
