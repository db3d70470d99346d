//! PostgreSQL statement forms that sqlparser reads differently from PostgreSQL: COPY (its
//! option list takes any boolean spelling, `freeze on`, `header true`, and the pre-9.0
//! `CSV HEADER`/`DELIMITER AS` forms), VACUUM / ANALYZE (`vacuum analyze t`, option lists)
//! FETCH / MOVE (see `cursor_syntax`), SET CONSTRAINTS (which sqlparser does not parse;
//! it becomes a SET of [`SET_CONSTRAINTS_MARKER`], which the session runs), the
//! `[NOT] DEFERRABLE` transaction mode (a SET of [`DEFERRABLE_MARKER`], likewise) and
//! `ALTER TABLE … SET SCHEMA` (an ALTER TABLE whose one action sets option
//! [`SET_SCHEMA_MARKER`], read by `alter_table`).
//! They are parsed here, token by token on sqlparser's `Parser`, into sqlparser's AST nodes.

use sqlparser::ast::{self, CopyOption, CopySource, CopyTarget, Ident, ObjectName};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{IsOptional, Parser, ParserError};
use sqlparser::tokenizer::Token;

fn err<T>(message: impl Into<String>) -> Result<T, ParserError> {
    Err(ParserError::ParserError(message.into()))
}

/// The next token as a lower-cased word (keywords included), if it is one.
fn peek_word(p: &Parser<'_>) -> Option<String> {
    match &p.peek_token_ref().token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_lowercase()),
        _ => None,
    }
}

fn take_word(p: &mut Parser<'_>, word: &str) -> bool {
    if peek_word(p).as_deref() == Some(word) {
        p.next_token();
        true
    } else {
        false
    }
}

/// Whether the statement at the parser's position is one this module reads.
pub fn handles(p: &Parser<'_>) -> bool {
    match peek_word(p).as_deref() {
        Some("copy" | "vacuum" | "analyze" | "analyse" | "fetch" | "move") => true,
        Some("set") => {
            matches!(
                &p.peek_nth_token_ref(1).token,
                Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("constraints")
            ) || deferrable_mode(p)
        }
        Some("begin" | "start") => deferrable_mode(p),
        Some("alter") => set_schema_statement(p),
        _ => false,
    }
}

/// The option an `ALTER TABLE … SET SCHEMA s` is parsed into (a name no unquoted option
/// can give), its value the schema's identifier.
pub const SET_SCHEMA_MARKER: &str = "set schema";

/// Whether the statement is `ALTER TABLE … SET SCHEMA …` (the last three words before its
/// end being SET SCHEMA and a name).
fn set_schema_statement(p: &Parser<'_>) -> bool {
    let word = |n: usize| match &p.peek_nth_token_ref(n).token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_lowercase()),
        _ => None,
    };
    if word(1).as_deref() != Some("table") {
        return false;
    }
    let end = (2..)
        .find(|&n| matches!(p.peek_nth_token_ref(n).token, Token::EOF | Token::SemiColon))
        .unwrap_or(2);
    end >= 6
        && word(end - 3).as_deref() == Some("set")
        && word(end - 2).as_deref() == Some("schema")
}

/// `ALTER TABLE [IF EXISTS] [ONLY] name SET SCHEMA schema`.
fn parse_set_schema(p: &mut Parser<'_>) -> Result<ast::Statement, ParserError> {
    p.next_token();
    p.next_token();
    let if_exists = p.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let only = p.parse_keyword(Keyword::ONLY);
    let name = p.parse_object_name(false)?;
    if !(take_word(p, "set") && take_word(p, "schema")) {
        return p.expected_ref("SET SCHEMA", p.peek_token_ref());
    }
    let schema = p.parse_identifier()?;
    Ok(ast::Statement::AlterTable(ast::AlterTable {
        name,
        if_exists,
        only,
        operations: vec![ast::AlterTableOperation::SetOptionsParens {
            options: vec![ast::SqlOption::KeyValue {
                key: Ident::with_quote('"', SET_SCHEMA_MARKER).into(),
                value: ast::Expr::Identifier(schema),
            }],
        }],
        location: None,
        on_cluster: None,
        table_type: None,
        end_token: ast::helpers::attached_token::AttachedToken::empty(),
    }))
}

/// The variable a statement with a `[NOT] DEFERRABLE` transaction mode (BEGIN, START
/// TRANSACTION, SET TRANSACTION, SET SESSION CHARACTERISTICS) is parsed into: its values
/// are the statement without that mode (as SQL text, for sqlparser to read) and the word
/// `deferrable` or `not deferrable`, the session applying both.
pub const DEFERRABLE_MARKER: &str = "transaction deferrable";

/// Whether the statement is a BEGIN, START, SET TRANSACTION or SET SESSION (CHARACTERISTICS)
/// with an unquoted `DEFERRABLE` word up to its end: a transaction mode sqlparser does not
/// read.
fn deferrable_mode(p: &Parser<'_>) -> bool {
    let word = |n: usize| match &p.peek_nth_token_ref(n).token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_lowercase()),
        _ => None,
    };
    let transaction_statement = match word(0).as_deref() {
        Some("begin" | "start") => true,
        Some("set") => matches!(word(1).as_deref(), Some("transaction" | "session")),
        _ => false,
    };
    transaction_statement
        && (1..)
            .map_while(|n| match &p.peek_nth_token_ref(n).token {
                Token::EOF | Token::SemiColon => None,
                t => Some(t),
            })
            .any(|t| is_word(t, "deferrable"))
}

fn is_word(t: &Token, word: &str) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

/// Reads the statement (up to its end) and returns the SET of [`DEFERRABLE_MARKER`]: the
/// statement without its `[NOT] DEFERRABLE` modes (each with the comma that separated it
/// from the others) and the last such mode.
fn parse_deferrable(p: &mut Parser<'_>) -> Result<ast::Statement, ParserError> {
    let mut rest: Vec<Token> = Vec::new();
    let mut deferrable = false;
    let mut skip_comma = false;
    while !matches!(p.peek_token_ref().token, Token::EOF | Token::SemiColon) {
        let t = p.next_token().token;
        if skip_comma && t == Token::Comma {
            skip_comma = false;
            continue;
        }
        skip_comma = false;
        if !is_word(&t, "deferrable") {
            rest.push(t);
            continue;
        }
        let negated = rest.last().is_some_and(|t| is_word(t, "not"));
        if negated {
            rest.pop();
        }
        deferrable = !negated;
        // A mode list's comma goes with the mode: the one before it, else the one after.
        if rest.last() == Some(&Token::Comma) {
            rest.pop();
        } else {
            skip_comma = true;
        }
    }
    let text = rest
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    let mode = if deferrable {
        "deferrable"
    } else {
        "not deferrable"
    };
    Ok(ast::Statement::Set(ast::Set::SingleAssignment {
        scope: None,
        hivevar: false,
        variable: ast::ObjectName::from(vec![Ident::with_quote('"', DEFERRABLE_MARKER)]),
        values: vec![
            ast::Expr::value(ast::Value::SingleQuotedString(text)),
            ast::Expr::Identifier(Ident::new(mode)),
        ],
    }))
}

/// The variable a `SET CONSTRAINTS` statement is parsed into (a name no unquoted SET can
/// give).
pub const SET_CONSTRAINTS_MARKER: &str = "set constraints";

/// `SET CONSTRAINTS { ALL | name [, ...] } { DEFERRED | IMMEDIATE }` as a SET of
/// [`SET_CONSTRAINTS_MARKER`] to the constraint names and the mode.
fn parse_set_constraints(p: &mut Parser<'_>) -> Result<ast::Statement, ParserError> {
    let mut values = Vec::new();
    if !take_word(p, "all") {
        loop {
            let name = p.parse_object_name(false)?;
            let parts = name
                .0
                .into_iter()
                .filter_map(|part| part.as_ident().cloned())
                .collect();
            values.push(ast::Expr::CompoundIdentifier(parts));
            if !p.consume_token(&Token::Comma) {
                break;
            }
        }
    }
    match peek_word(p).as_deref() {
        Some(mode @ ("deferred" | "immediate")) => {
            values.push(ast::Expr::Identifier(Ident::new(mode)));
            p.next_token();
        }
        _ => return p.expected_ref("DEFERRED or IMMEDIATE", p.peek_token_ref()),
    }
    Ok(ast::Statement::Set(ast::Set::SingleAssignment {
        scope: None,
        hivevar: false,
        variable: ast::ObjectName::from(vec![Ident::with_quote('"', SET_CONSTRAINTS_MARKER)]),
        values,
    }))
}

/// Parses the statement at the parser's position (for which [`handles`] said yes).
pub fn parse(p: &mut Parser<'_>) -> Result<ast::Statement, ParserError> {
    match peek_word(p).as_deref() {
        Some("copy") => {
            p.next_token();
            parse_copy(p)
        }
        Some("vacuum") => {
            p.next_token();
            parse_vacuum(p)
        }
        Some(w @ ("fetch" | "move")) => {
            let is_move = w == "move";
            p.next_token();
            super::cursor_syntax::parse(p, is_move)
        }
        Some("set" | "begin" | "start") if deferrable_mode(p) => parse_deferrable(p),
        Some("alter") => parse_set_schema(p),
        Some("set") => {
            p.next_token();
            p.next_token();
            parse_set_constraints(p)
        }
        _ => {
            p.next_token();
            parse_analyze(p)
        }
    }
}

/// An option value: `on`/`off`/`true`/`false`/`1`/`0`, a string, a number or a word.
pub(super) enum OptValue {
    None,
    Text(String),
    Columns(Vec<Ident>),
    All,
}

pub(super) fn option_value(p: &mut Parser<'_>) -> Result<OptValue, ParserError> {
    let t = p.peek_token_ref().token.clone();
    Ok(match t {
        Token::Comma | Token::RParen => OptValue::None,
        Token::SingleQuotedString(s) => {
            p.next_token();
            OptValue::Text(s)
        }
        Token::Number(n, _) => {
            p.next_token();
            OptValue::Text(n)
        }
        Token::Word(w) => {
            p.next_token();
            OptValue::Text(if w.quote_style.is_some() {
                w.value
            } else {
                w.value.to_lowercase()
            })
        }
        Token::Mul => {
            p.next_token();
            OptValue::All
        }
        Token::LParen => {
            OptValue::Columns(p.parse_parenthesized_column_list(IsOptional::Mandatory, false)?)
        }
        other => return err(format!("Expected: option value, found: {other}")),
    })
}

pub(super) fn boolean(name: &str, v: OptValue) -> Result<bool, ParserError> {
    match v {
        OptValue::None => Ok(true),
        OptValue::Text(s) => match s.to_lowercase().as_str() {
            "on" | "true" | "1" | "yes" => Ok(true),
            "off" | "false" | "0" | "no" => Ok(false),
            _ => err(format!("{name} requires a Boolean value")),
        },
        _ => err(format!("{name} requires a Boolean value")),
    }
}

fn text(name: &str, v: OptValue) -> Result<String, ParserError> {
    match v {
        OptValue::Text(s) => Ok(s),
        _ => err(format!("{name} requires a parameter")),
    }
}

/// A one-character option; longer values are reported by the COPY option checks.
fn character(name: &str, v: OptValue) -> Result<char, ParserError> {
    let s = text(name, v)?;
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => err(format!(
            "COPY {} must be a single one-byte character",
            name.to_lowercase()
        )),
    }
}

fn columns(name: &str, v: OptValue) -> Result<Vec<Ident>, ParserError> {
    match v {
        OptValue::Columns(c) => Ok(c),
        OptValue::All if name == "force_quote" => Ok(vec![Ident::new("*")]),
        _ => err(format!(
            "argument to option \"{name}\" must be a list of column names"
        )),
    }
}

/// One `name [value]` item of the parenthesized option list.
fn copy_option(p: &mut Parser<'_>) -> Result<CopyOption, ParserError> {
    let Some(name) = peek_word(p) else {
        return err(format!(
            "Expected: COPY option, found: {}",
            p.peek_token_ref().token
        ));
    };
    p.next_token();
    let v = option_value(p)?;
    Ok(match name.as_str() {
        "format" => CopyOption::Format(Ident::new(text("format", v)?)),
        "freeze" => CopyOption::Freeze(boolean("freeze", v)?),
        "delimiter" => CopyOption::Delimiter(character("DELIMITER", v)?),
        "null" => CopyOption::Null(text("null", v)?),
        "header" => CopyOption::Header(boolean("header", v)?),
        "quote" => CopyOption::Quote(character("QUOTE", v)?),
        "escape" => CopyOption::Escape(character("ESCAPE", v)?),
        "force_quote" => CopyOption::ForceQuote(columns(&name, v)?),
        "force_not_null" => CopyOption::ForceNotNull(columns(&name, v)?),
        "force_null" => CopyOption::ForceNull(columns(&name, v)?),
        "encoding" => CopyOption::Encoding(text("encoding", v)?),
        other => return err(format!("option \"{other}\" not recognized")),
    })
}

/// The pre-9.0 options: `BINARY`, `DELIMITER [AS] 'c'`, `NULL [AS] 's'`, `CSV`, `HEADER`,
/// `QUOTE [AS] 'q'`, `ESCAPE [AS] 'e'`, `FORCE QUOTE cols|*`, `FORCE NOT NULL cols`.
fn legacy_options(p: &mut Parser<'_>, out: &mut Vec<CopyOption>) -> Result<(), ParserError> {
    loop {
        let Some(w) = peek_word(p) else {
            return Ok(());
        };
        let string_after_as = |p: &mut Parser<'_>| -> Result<String, ParserError> {
            take_word(p, "as");
            p.parse_literal_string()
        };
        let one_char = |s: String, name: &str| character(name, OptValue::Text(s));
        match w.as_str() {
            "binary" => {
                p.next_token();
                out.push(CopyOption::Format(Ident::new("binary")));
            }
            "csv" => {
                p.next_token();
                out.push(CopyOption::Format(Ident::new("csv")));
            }
            "header" => {
                p.next_token();
                out.push(CopyOption::Header(true));
            }
            "delimiter" => {
                p.next_token();
                out.push(CopyOption::Delimiter(one_char(
                    string_after_as(p)?,
                    "DELIMITER",
                )?));
            }
            "null" => {
                p.next_token();
                out.push(CopyOption::Null(string_after_as(p)?));
            }
            "quote" => {
                p.next_token();
                out.push(CopyOption::Quote(one_char(string_after_as(p)?, "QUOTE")?));
            }
            "escape" => {
                p.next_token();
                out.push(CopyOption::Escape(one_char(string_after_as(p)?, "ESCAPE")?));
            }
            "force" => {
                p.next_token();
                if take_word(p, "quote") {
                    let v = option_value(p)?;
                    out.push(CopyOption::ForceQuote(columns("force_quote", v)?));
                } else if take_word(p, "not") {
                    if !take_word(p, "null") {
                        return err("Expected: NULL after FORCE NOT");
                    }
                    let cols = p.parse_parenthesized_column_list(IsOptional::Mandatory, false)?;
                    out.push(CopyOption::ForceNotNull(cols));
                } else {
                    return err("Expected: QUOTE or NOT NULL after FORCE");
                }
            }
            _ => return Ok(()),
        }
    }
}

fn parse_copy(p: &mut Parser<'_>) -> Result<ast::Statement, ParserError> {
    let source = if p.consume_token(&Token::LParen) {
        let q = p.parse_query()?;
        p.expect_token(&Token::RParen)?;
        CopySource::Query(q)
    } else {
        let table_name = p.parse_object_name(false)?;
        let columns = p.parse_parenthesized_column_list(IsOptional::Optional, false)?;
        CopySource::Table {
            table_name,
            columns,
        }
    };
    let to = if p.parse_keyword(Keyword::FROM) {
        false
    } else if p.parse_keyword(Keyword::TO) {
        true
    } else {
        return p.expected_ref("FROM or TO", p.peek_token_ref());
    };
    if !to && matches!(source, CopySource::Query(_)) {
        return err("COPY ... FROM does not support query as a source");
    }
    let target = if p.parse_keyword(Keyword::STDIN) {
        CopyTarget::Stdin
    } else if p.parse_keyword(Keyword::STDOUT) {
        CopyTarget::Stdout
    } else if p.parse_keyword(Keyword::PROGRAM) {
        CopyTarget::Program {
            command: p.parse_literal_string()?,
        }
    } else {
        CopyTarget::File {
            filename: p.parse_literal_string()?,
        }
    };
    let mut options = Vec::new();
    take_word(p, "with");
    if p.consume_token(&Token::LParen) {
        loop {
            options.push(copy_option(p)?);
            if !p.consume_token(&Token::Comma) {
                break;
            }
        }
        p.expect_token(&Token::RParen)?;
    } else {
        legacy_options(p, &mut options)?;
    }
    if peek_word(p).as_deref() == Some("where") {
        return err("COPY ... WHERE is not supported");
    }
    let payload = match &p.peek_token_ref().token {
        Token::CopyData { data, terminated } if target == CopyTarget::Stdin => {
            let payload = ast::CopyPayload {
                data: data.clone(),
                terminated: *terminated,
            };
            p.next_token();
            Some(payload)
        }
        _ => None,
    };
    Ok(ast::Statement::Copy {
        source,
        to,
        target,
        options,
        legacy_options: Vec::new(),
        payload,
    })
}

/// What VACUUM and ANALYZE name: the tables (with optional column lists).
fn table_list(p: &mut Parser<'_>) -> Result<Vec<ObjectName>, ParserError> {
    let mut tables = Vec::new();
    if matches!(p.peek_token_ref().token, Token::EOF | Token::SemiColon) {
        return Ok(tables);
    }
    loop {
        tables.push(p.parse_object_name(false)?);
        p.parse_parenthesized_column_list(IsOptional::Optional, false)?;
        if !p.consume_token(&Token::Comma) {
            return Ok(tables);
        }
    }
}

/// `( option [value], ... )` of VACUUM / ANALYZE; returns whether ANALYZE and FULL were on.
fn maintenance_options(p: &mut Parser<'_>) -> Result<(bool, bool), ParserError> {
    let (mut analyze, mut full) = (false, false);
    if !p.consume_token(&Token::LParen) {
        return Ok((false, false));
    }
    loop {
        let Some(name) = peek_word(p) else {
            return p.expected_ref("an option", p.peek_token_ref());
        };
        p.next_token();
        let v = option_value(p)?;
        match name.as_str() {
            "analyze" | "analyse" => analyze = boolean(&name, v)?,
            "full" => full = boolean(&name, v)?,
            "verbose"
            | "freeze"
            | "disable_page_skipping"
            | "skip_locked"
            | "index_cleanup"
            | "process_toast"
            | "truncate"
            | "parallel" => {}
            other => return err(format!("unrecognized VACUUM option \"{other}\"")),
        }
        if !p.consume_token(&Token::Comma) {
            break;
        }
    }
    p.expect_token(&Token::RParen)?;
    Ok((analyze, full))
}

/// One table at most: the AST node holds one.
fn single(tables: Vec<ObjectName>, what: &str) -> Result<Option<ObjectName>, ParserError> {
    if tables.len() > 1 {
        return err(format!(
            "{what} of several tables in one statement is not supported"
        ));
    }
    Ok(tables.into_iter().next())
}

fn parse_vacuum(p: &mut Parser<'_>) -> Result<ast::Statement, ParserError> {
    Ok(super::vacuum_syntax::parse(p)?.to_statement())
}

fn parse_analyze(p: &mut Parser<'_>) -> Result<ast::Statement, ParserError> {
    maintenance_options(p)?;
    take_word(p, "verbose");
    let table_name = single(table_list(p)?, "ANALYZE")?;
    Ok(ast::Statement::Analyze(ast::Analyze {
        table_name,
        partitions: None,
        for_columns: false,
        columns: Vec::new(),
        cache_metadata: false,
        noscan: false,
        compute_statistics: false,
        has_table_keyword: false,
    }))
}

#[cfg(test)]
mod tests {
    use crate::sql::parse;
    use sqlparser::ast::{CopyOption, Statement};

    fn copy_options(sql: &str) -> Vec<CopyOption> {
        match parse(sql).unwrap().pop() {
            Some(Statement::Copy { options, .. }) => options,
            other => panic!("not a COPY: {other:?}"),
        }
    }

    #[test]
    fn copy_option_spellings() {
        assert_eq!(
            copy_options("copy pgbench_accounts from stdin with (freeze on)"),
            vec![CopyOption::Freeze(true)]
        );
        assert_eq!(
            copy_options("COPY t (a, b) TO STDOUT (FORMAT csv, HEADER true, DELIMITER ';')"),
            vec![
                CopyOption::Format(sqlparser::ast::Ident::new("csv")),
                CopyOption::Header(true),
                CopyOption::Delimiter(';'),
            ]
        );
        assert_eq!(
            copy_options("copy t from stdin csv header delimiter as '|' null as 'x'"),
            vec![
                CopyOption::Format(sqlparser::ast::Ident::new("csv")),
                CopyOption::Header(true),
                CopyOption::Delimiter('|'),
                CopyOption::Null("x".into()),
            ]
        );
        assert!(parse("copy t from stdin (bogus 1)").is_err());
        assert!(parse("copy t from stdin (header maybe)").is_err());
        assert!(parse("copy (select 1) from stdin").is_err());
    }

    #[test]
    fn copy_then_more_statements() {
        let stmts = parse("copy t to stdout; select 1").unwrap();
        assert_eq!(stmts.len(), 2);
    }

    #[test]
    fn vacuum_and_analyze_forms() {
        for sql in [
            "vacuum",
            "vacuum analyze pgbench_branches",
            "VACUUM (ANALYZE, VERBOSE false) t",
            "vacuum full freeze verbose analyze t (a, b)",
            "analyze",
            "analyze verbose t",
            "ANALYSE t",
        ] {
            let stmts = parse(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
            assert_eq!(stmts.len(), 1, "{sql}");
        }
        assert!(parse("vacuum (bogus) t").is_err());
    }
}
