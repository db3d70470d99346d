//! The syntax of CREATE DATABASE, DROP DATABASE and ALTER DATABASE as PostgreSQL 15 reads
//! them (sqlparser reads other dialects' forms). A statement is parsed into a SET of
//! [`DATABASE_MARKER`] (a name no unquoted SET can give) whose values encode a
//! [`DatabaseCommand`]; the session decodes it with [`DatabaseCommand::from_values`] and
//! runs it (see `crate::session::databases`).

use sqlparser::ast::{self, Ident, ObjectName};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use crate::error::{EngineError, Result};

/// The variable a database statement is parsed into.
pub const DATABASE_MARKER: &str = "database command";

/// A database statement.
#[derive(Clone, Debug, PartialEq)]
pub enum DatabaseCommand {
    /// CREATE DATABASE name [WITH] option [=] value …: option names lower-cased
    /// (`connection limit` as one), values as written (`None`: DEFAULT).
    Create {
        name: String,
        options: Vec<(String, Option<String>)>,
    },
    /// DROP DATABASE [IF EXISTS] name [[WITH] (FORCE)].
    Drop {
        name: String,
        if_exists: bool,
        force: bool,
    },
    /// ALTER DATABASE name RENAME TO new.
    Rename { name: String, to: String },
    /// ALTER DATABASE name OWNER TO role.
    Owner { name: String, owner: String },
    /// Another ALTER DATABASE form (what it does, as the 0A000 message names it).
    OtherAlter { name: String, what: String },
}

fn word_at(p: &Parser<'_>, n: usize) -> Option<String> {
    match &p.peek_nth_token_ref(n).token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_lowercase()),
        _ => None,
    }
}

fn take(p: &mut Parser<'_>, word: &str) -> bool {
    if word_at(p, 0).as_deref() == Some(word) {
        p.next_token();
        true
    } else {
        false
    }
}

fn expect(p: &mut Parser<'_>, word: &str) -> std::result::Result<(), ParserError> {
    if take(p, word) {
        Ok(())
    } else {
        p.expected_ref(&word.to_uppercase(), p.peek_token_ref())
    }
}

/// Whether the statement at the parser's position is CREATE / DROP / ALTER DATABASE.
pub fn handles(p: &Parser<'_>) -> bool {
    matches!(word_at(p, 0).as_deref(), Some("create" | "drop" | "alter"))
        && word_at(p, 1).as_deref() == Some("database")
}

/// A name: an identifier (case-folded unless quoted).
fn name(p: &mut Parser<'_>) -> std::result::Result<String, ParserError> {
    Ok(crate::sql::binder::ident_name(&p.parse_identifier()?))
}

/// An option's value: a name, a string, a number (signed) or DEFAULT (`None`).
fn value(p: &mut Parser<'_>) -> std::result::Result<Option<String>, ParserError> {
    let t = p.next_token();
    Ok(Some(match t.token {
        Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("default") => {
            return Ok(None)
        }
        Token::Word(w) if w.quote_style.is_none() => w.value.to_lowercase(),
        Token::Word(w) => w.value,
        Token::SingleQuotedString(s) => s,
        Token::Number(n, _) => n,
        Token::Minus => match p.next_token().token {
            Token::Number(n, _) => format!("-{n}"),
            _ => return p.expected_ref("a number", p.peek_token_ref()),
        },
        _ => {
            p.prev_token();
            return p.expected_ref("an option value", p.peek_token_ref());
        }
    }))
}

/// Parses a database statement into a SET of [`DATABASE_MARKER`].
pub fn parse(p: &mut Parser<'_>) -> std::result::Result<ast::Statement, ParserError> {
    let verb = word_at(p, 0).unwrap_or_default();
    p.next_token();
    p.next_token();
    let cmd = match verb.as_str() {
        "create" => {
            let name = name(p)?;
            take(p, "with");
            let mut options = Vec::new();
            while let Some(w) = word_at(p, 0) {
                p.next_token();
                let opt = if w == "connection" {
                    expect(p, "limit")?;
                    "connection limit".to_owned()
                } else {
                    w
                };
                let _ = p.consume_token(&Token::Eq);
                options.push((opt, value(p)?));
            }
            DatabaseCommand::Create { name, options }
        }
        "drop" => {
            let if_exists = if take(p, "if") {
                expect(p, "exists")?;
                true
            } else {
                false
            };
            let name = name(p)?;
            let mut force = false;
            let with = take(p, "with");
            if p.consume_token(&Token::LParen) {
                loop {
                    expect(p, "force")?;
                    force = true;
                    if !p.consume_token(&Token::Comma) {
                        break;
                    }
                }
                p.expect_token(&Token::RParen)?;
            } else if with {
                return p.expected_ref("(", p.peek_token_ref());
            }
            DatabaseCommand::Drop {
                name,
                if_exists,
                force,
            }
        }
        _ => {
            let name = name(p)?;
            if take(p, "rename") {
                expect(p, "to")?;
                DatabaseCommand::Rename {
                    name,
                    to: self::name(p)?,
                }
            } else if take(p, "owner") {
                expect(p, "to")?;
                let owner = match word_at(p, 0).as_deref() {
                    Some(w @ ("current_user" | "session_user" | "current_role")) => {
                        let w = w.to_owned();
                        p.next_token();
                        w
                    }
                    _ => self::name(p)?,
                };
                DatabaseCommand::Owner { name, owner }
            } else {
                let mut what = String::new();
                while !matches!(p.peek_token_ref().token, Token::EOF | Token::SemiColon) {
                    if !what.is_empty() {
                        what.push(' ');
                    }
                    what.push_str(&p.next_token().token.to_string());
                }
                if what.is_empty() {
                    return p.expected_ref("an ALTER DATABASE action", p.peek_token_ref());
                }
                DatabaseCommand::OtherAlter { name, what }
            }
        }
    };
    Ok(ast::Statement::Set(ast::Set::SingleAssignment {
        scope: None,
        hivevar: false,
        variable: ObjectName::from(vec![Ident::with_quote('"', DATABASE_MARKER)]),
        values: cmd.to_values(),
    }))
}

fn text(s: &str) -> ast::Expr {
    ast::Expr::Value(ast::Value::SingleQuotedString(s.to_owned()).into())
}

fn opt_text(s: &Option<String>) -> ast::Expr {
    match s {
        Some(s) => text(s),
        None => ast::Expr::Value(ast::Value::Null.into()),
    }
}

fn bad() -> EngineError {
    EngineError::Internal {
        reason: "malformed database command",
    }
}

impl DatabaseCommand {
    /// The command as SET values: its kind, then its fields as strings (NULL: DEFAULT).
    fn to_values(&self) -> Vec<ast::Expr> {
        match self {
            DatabaseCommand::Create { name, options } => {
                let mut v = vec![text("create"), text(name)];
                for (o, val) in options {
                    v.push(text(o));
                    v.push(opt_text(val));
                }
                v
            }
            DatabaseCommand::Drop {
                name,
                if_exists,
                force,
            } => vec![
                text("drop"),
                text(name),
                text(if *if_exists { "t" } else { "f" }),
                text(if *force { "t" } else { "f" }),
            ],
            DatabaseCommand::Rename { name, to } => vec![text("rename"), text(name), text(to)],
            DatabaseCommand::Owner { name, owner } => {
                vec![text("owner"), text(name), text(owner)]
            }
            DatabaseCommand::OtherAlter { name, what } => {
                vec![text("alter"), text(name), text(what)]
            }
        }
    }

    /// Decodes the SET values [`parse`] made.
    pub fn from_values(values: &[ast::Expr]) -> Result<DatabaseCommand> {
        let strs: Vec<Option<String>> = values
            .iter()
            .map(|e| match e {
                ast::Expr::Value(v) => match &v.value {
                    ast::Value::SingleQuotedString(s) => Ok(Some(s.clone())),
                    ast::Value::Null => Ok(None),
                    _ => Err(bad()),
                },
                _ => Err(bad()),
            })
            .collect::<Result<_>>()?;
        let s = |i: usize| -> Result<String> { strs.get(i).cloned().flatten().ok_or_else(bad) };
        Ok(match s(0)?.as_str() {
            "create" => {
                let mut options = Vec::new();
                let mut i = 2;
                while i + 1 < strs.len() {
                    options.push((s(i)?, strs[i + 1].clone()));
                    i += 2;
                }
                DatabaseCommand::Create {
                    name: s(1)?,
                    options,
                }
            }
            "drop" => DatabaseCommand::Drop {
                name: s(1)?,
                if_exists: s(2)? == "t",
                force: s(3)? == "t",
            },
            "rename" => DatabaseCommand::Rename {
                name: s(1)?,
                to: s(2)?,
            },
            "owner" => DatabaseCommand::Owner {
                name: s(1)?,
                owner: s(2)?,
            },
            "alter" => DatabaseCommand::OtherAlter {
                name: s(1)?,
                what: s(2)?,
            },
            _ => return Err(bad()),
        })
    }

    /// The statement's name, as messages and command tags give it.
    pub fn statement(&self) -> &'static str {
        match self {
            DatabaseCommand::Create { .. } => "CREATE DATABASE",
            DatabaseCommand::Drop { .. } => "DROP DATABASE",
            _ => "ALTER DATABASE",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
    use super::*;

    fn cmd(sql: &str) -> DatabaseCommand {
        let stmts = crate::sql::parse(sql).unwrap();
        let ast::Statement::Set(ast::Set::SingleAssignment { values, .. }) = &stmts[0] else {
            panic!("not a marker SET: {sql}");
        };
        DatabaseCommand::from_values(values).unwrap()
    }

    #[test]
    fn statements_parse() {
        assert_eq!(
            cmd("create database \"A b\" with owner = bob TEMPLATE template0 encoding 'UTF8' connection limit -1"),
            DatabaseCommand::Create {
                name: "A b".into(),
                options: vec![
                    ("owner".into(), Some("bob".into())),
                    ("template".into(), Some("template0".into())),
                    ("encoding".into(), Some("UTF8".into())),
                    ("connection limit".into(), Some("-1".into())),
                ],
            }
        );
        assert_eq!(
            cmd("DROP DATABASE IF EXISTS x WITH (FORCE)"),
            DatabaseCommand::Drop {
                name: "x".into(),
                if_exists: true,
                force: true
            }
        );
        assert_eq!(
            cmd("alter database x rename to y"),
            DatabaseCommand::Rename {
                name: "x".into(),
                to: "y".into()
            }
        );
        assert!(crate::sql::parse("drop database").is_err());
        assert!(crate::sql::parse("drop database x with force").is_err());
        assert!(crate::sql::parse("create database x owner").is_err());
    }
}
