//! `CREATE DOMAIN` as PostgreSQL's grammar reads it: `CREATE DOMAIN name [AS] type` followed,
//! in any order, by `DEFAULT expr`, `COLLATE name` and constraints `[CONSTRAINT name]
//! { NOT NULL | NULL | CHECK (expr) }` (sqlparser takes no NOT NULL there). It becomes
//! sqlparser's `CreateDomain`, a NOT NULL constraint a CHECK named by [`not_null_name`]'s
//! marker (a quote character no SQL text can produce).

use sqlparser::ast::{self, CheckConstraint, Ident, TableConstraint};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

/// The quote style marking the CHECK that stands for NOT NULL.
const NOT_NULL_QUOTE: char = '\0';

/// Whether the statement at the parser's position is `CREATE DOMAIN`.
pub fn handles(p: &Parser<'_>) -> bool {
    let word = |n: usize, w: &str| {
        matches!(&p.peek_nth_token_ref(n).token,
            Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w))
    };
    word(0, "create") && word(1, "domain")
}

/// If `c` stands for NOT NULL: its constraint name (empty when unnamed).
pub fn not_null_name(c: &CheckConstraint) -> Option<&str> {
    match &c.name {
        Some(i) if i.quote_style == Some(NOT_NULL_QUOTE) => Some(&i.value),
        _ => None,
    }
}

/// Parses `CREATE DOMAIN ...` (for which [`handles`] said yes).
pub fn parse(p: &mut Parser<'_>) -> Result<ast::Statement, ParserError> {
    p.expect_keyword(Keyword::CREATE)?;
    p.next_token(); // DOMAIN
    let name = p.parse_object_name(false)?;
    let _ = p.parse_keyword(Keyword::AS);
    let data_type = p.parse_data_type()?;
    let mut collation = None;
    let mut default = None;
    let mut constraints = Vec::new();
    let mut nullness: Option<bool> = None;
    loop {
        if p.parse_keyword(Keyword::DEFAULT) {
            if default.is_some() {
                return Err(ParserError::ParserError(
                    "multiple default expressions".into(),
                ));
            }
            default = Some(p.parse_expr()?);
            continue;
        }
        if p.parse_keyword(Keyword::COLLATE) {
            collation = Some(p.parse_identifier()?);
            continue;
        }
        let cname = if p.parse_keyword(Keyword::CONSTRAINT) {
            Some(p.parse_identifier()?)
        } else {
            None
        };
        if p.parse_keywords(&[Keyword::NOT, Keyword::NULL]) {
            if nullness == Some(false) {
                return Err(ParserError::ParserError(
                    "conflicting NULL/NOT NULL constraints".into(),
                ));
            }
            nullness = Some(true);
            let value = cname.map(|c| c.value).unwrap_or_default();
            constraints.push(TableConstraint::Check(CheckConstraint {
                name: Some(Ident {
                    value,
                    quote_style: Some(NOT_NULL_QUOTE),
                    span: sqlparser::tokenizer::Span::empty(),
                }),
                expr: Box::new(ast::Expr::IsNotNull(Box::new(ast::Expr::Identifier(
                    Ident::new("VALUE"),
                )))),
                no_inherit: false,
                enforced: None,
            }));
        } else if p.parse_keyword(Keyword::NULL) {
            if nullness == Some(true) {
                return Err(ParserError::ParserError(
                    "conflicting NULL/NOT NULL constraints".into(),
                ));
            }
            nullness = Some(false);
        } else if p.parse_keyword(Keyword::CHECK) {
            p.expect_token(&Token::LParen)?;
            let expr = p.parse_expr()?;
            p.expect_token(&Token::RParen)?;
            constraints.push(TableConstraint::Check(CheckConstraint {
                name: cname,
                expr: Box::new(expr),
                no_inherit: false,
                enforced: None,
            }));
        } else if cname.is_some() {
            return p.expected_ref("NOT NULL, NULL or CHECK", p.peek_token_ref());
        } else {
            break;
        }
    }
    Ok(ast::Statement::CreateDomain(ast::CreateDomain {
        name,
        data_type,
        collation,
        default,
        constraints,
    }))
}
