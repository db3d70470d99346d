//! VACUUM with PostgreSQL 15's grammar:
//!
//! ```text
//! VACUUM [ ( option [ value ] [, ...] ) ] [ table [ ( column [, ...] ) ] [, ...] ]
//! VACUUM [ FULL ] [ FREEZE ] [ VERBOSE ] [ ANALYZE ] [ table [ ( column [, ...] ) ] [, ...] ]
//! ```
//!
//! Options are checked here as PostgreSQL's parser checks them (unknown names and
//! malformed values are syntax errors); whether Quill implements a setting is decided when
//! the statement runs ([`VacuumCommand::unsupported`], 0A000).
//!
//! sqlparser's `VacuumStatement` holds one table and no options, so the parsed command
//! travels in it as its canonical text (the parenthesized form, every value quoted) in the
//! `threshold` field, which PostgreSQL's VACUUM never has (it is Redshift's
//! `TO n PERCENT`); [`VacuumCommand::from_statement`] parses that text again.

use super::pgsyntax::{boolean, option_value, OptValue};
use sqlparser::ast::{self, Ident, ObjectName};
use sqlparser::parser::{IsOptional, Parser, ParserError};
use sqlparser::tokenizer::Token;

fn err<T>(message: impl Into<String>) -> Result<T, ParserError> {
    Err(ParserError::ParserError(message.into()))
}

fn word(p: &Parser<'_>) -> Option<String> {
    match &p.peek_token_ref().token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_lowercase()),
        _ => None,
    }
}

/// A VACUUM option's value, checked for its kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Setting {
    Bool(bool),
    /// INDEX_CLEANUP: `auto`, `on` or `off`.
    Auto,
    Int(i64),
}

/// One table to vacuum, with the columns named for ANALYZE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub name: ObjectName,
    pub columns: Vec<Ident>,
}

/// A parsed VACUUM statement.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct VacuumCommand {
    /// Options in the order given (lower-case names; `analyse` spelled `analyze`).
    pub options: Vec<(String, Setting)>,
    /// The tables named; none means every table.
    pub tables: Vec<Target>,
}

impl VacuumCommand {
    fn flag(&self, name: &str) -> bool {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .is_some_and(|(_, s)| *s == Setting::Bool(true))
    }

    pub fn verbose(&self) -> bool {
        self.flag("verbose")
    }

    pub fn analyze(&self) -> bool {
        self.flag("analyze")
    }

    pub fn skip_locked(&self) -> bool {
        self.flag("skip_locked")
    }

    /// The settings Quill does not implement, as the 0A000 error names them.
    pub fn unsupported(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, setting) in &self.options {
            let refused = match (name.as_str(), setting) {
                // Rewriting the table, freezing tuple headers, leaving index entries and
                // dead slots behind, truncating the file and parallel workers: not done.
                ("full" | "freeze" | "truncate", Setting::Bool(true)) => true,
                ("index_cleanup", Setting::Bool(false)) => true,
                ("parallel", Setting::Int(n)) => *n > 0,
                _ => false,
            };
            if refused {
                out.push(match setting {
                    Setting::Bool(true) => format!("VACUUM {}", name.to_uppercase()),
                    Setting::Bool(false) => format!("VACUUM ({} OFF)", name.to_uppercase()),
                    Setting::Int(n) => format!("VACUUM ({} {n})", name.to_uppercase()),
                    Setting::Auto => format!("VACUUM ({} AUTO)", name.to_uppercase()),
                });
            }
        }
        out
    }

    /// The canonical text: parses back to the same command.
    fn canonical(&self) -> String {
        let mut s = String::from("VACUUM");
        if !self.options.is_empty() {
            let opts: Vec<String> = self
                .options
                .iter()
                .map(|(n, v)| match v {
                    Setting::Bool(b) => format!("{n} {}", if *b { "on" } else { "off" }),
                    Setting::Auto => format!("{n} auto"),
                    Setting::Int(i) => format!("{n} {i}"),
                })
                .collect();
            s.push_str(&format!(" ({})", opts.join(", ")));
        }
        let tables: Vec<String> = self
            .tables
            .iter()
            .map(|t| {
                let mut one = t.name.to_string();
                if !t.columns.is_empty() {
                    let cols: Vec<String> = t.columns.iter().map(|c| c.to_string()).collect();
                    one.push_str(&format!(" ({})", cols.join(", ")));
                }
                one
            })
            .collect();
        if !tables.is_empty() {
            s.push(' ');
            s.push_str(&tables.join(", "));
        }
        s
    }

    /// The statement node carrying this command (see the module documentation).
    pub fn to_statement(&self) -> ast::Statement {
        ast::Statement::Vacuum(ast::VacuumStatement {
            full: false,
            sort_only: false,
            delete_only: false,
            reindex: false,
            recluster: false,
            table_name: None,
            threshold: Some(ast::Value::SingleQuotedString(self.canonical()).with_empty_span()),
            boost: false,
        })
    }

    /// The command a statement node from [`VacuumCommand::to_statement`] carries.
    pub fn from_statement(v: &ast::VacuumStatement) -> crate::error::Result<VacuumCommand> {
        let text = match v.threshold.as_ref().map(|t| &t.value) {
            Some(ast::Value::SingleQuotedString(s)) => s.clone(),
            _ => String::from("VACUUM"),
        };
        super::parse_unlocated(&text, |p| {
            if word(p).as_deref() != Some("vacuum") {
                return err("expected VACUUM");
            }
            p.next_token();
            parse(p)
        })
    }
}

fn setting(name: &str, v: OptValue) -> Result<Setting, ParserError> {
    match name {
        "index_cleanup" => match &v {
            OptValue::Text(s) if s.eq_ignore_ascii_case("auto") => Ok(Setting::Auto),
            _ => Ok(Setting::Bool(boolean(name, v)?)),
        },
        // The range (0 to 1024) is checked when the statement runs (22023), as PostgreSQL.
        "parallel" => match v {
            OptValue::None => err("parallel option requires a value between 0 and 1024"),
            OptValue::Text(s) => match s.parse::<i64>() {
                Ok(n) => Ok(Setting::Int(n)),
                Err(_) => err("parallel requires an integer value"),
            },
            _ => err("parallel requires an integer value"),
        },
        _ => Ok(Setting::Bool(boolean(name, v)?)),
    }
}

/// Parses what follows the VACUUM keyword.
pub fn parse(p: &mut Parser<'_>) -> Result<VacuumCommand, ParserError> {
    let mut cmd = VacuumCommand::default();
    if p.consume_token(&Token::LParen) {
        loop {
            let Some(name) = word(p) else {
                return p.expected_ref("an option", p.peek_token_ref());
            };
            p.next_token();
            let name = if name == "analyse" {
                "analyze".to_string()
            } else {
                name
            };
            match name.as_str() {
                "analyze"
                | "full"
                | "verbose"
                | "freeze"
                | "disable_page_skipping"
                | "skip_locked"
                | "index_cleanup"
                | "process_toast"
                | "truncate"
                | "parallel" => {}
                other => return err(format!("unrecognized VACUUM option \"{other}\"")),
            }
            let v = option_value(p)?;
            let s = setting(&name, v)?;
            cmd.options.push((name, s));
            if !p.consume_token(&Token::Comma) {
                break;
            }
        }
        p.expect_token(&Token::RParen)?;
    } else {
        for w in ["full", "freeze", "verbose", "analyze"] {
            let spelled = word(p);
            let hit = spelled.as_deref() == Some(w)
                || (w == "analyze" && spelled.as_deref() == Some("analyse"));
            if hit {
                p.next_token();
                cmd.options.push((w.to_string(), Setting::Bool(true)));
            }
        }
    }
    if matches!(p.peek_token_ref().token, Token::EOF | Token::SemiColon) {
        return Ok(cmd);
    }
    loop {
        let name = p.parse_object_name(false)?;
        let columns = p.parse_parenthesized_column_list(IsOptional::Optional, false)?;
        cmd.tables.push(Target { name, columns });
        if !p.consume_token(&Token::Comma) {
            return Ok(cmd);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(sql: &str) -> VacuumCommand {
        let stmts = crate::sql::parse(sql).expect("parse");
        match &stmts[..] {
            [ast::Statement::Vacuum(v)] => VacuumCommand::from_statement(v).expect("decode"),
            other => panic!("not one VACUUM: {other:?}"),
        }
    }

    #[test]
    fn forms_round_trip_through_the_statement_node() {
        let c = parsed("vacuum");
        assert_eq!(c, VacuumCommand::default());
        let c = parsed("VACUUM FULL VERBOSE ANALYSE a, \"B\".c (x, \"Y\")");
        assert_eq!(
            c.options,
            vec![
                ("full".to_string(), Setting::Bool(true)),
                ("verbose".to_string(), Setting::Bool(true)),
                ("analyze".to_string(), Setting::Bool(true)),
            ]
        );
        assert_eq!(c.tables.len(), 2);
        assert_eq!(c.tables[1].name.to_string(), "\"B\".c");
        assert_eq!(c.tables[1].columns.len(), 2);
        assert!(c.verbose() && c.analyze());
        assert_eq!(c.unsupported(), vec!["VACUUM FULL".to_string()]);
        let c = parsed("VACUUM (VERBOSE false, INDEX_CLEANUP auto, PARALLEL 0, TRUNCATE off) t");
        assert!(!c.verbose());
        assert!(c.unsupported().is_empty());
        let c = parsed("VACUUM (index_cleanup off, parallel 2, freeze) t");
        assert_eq!(c.unsupported().len(), 3);
    }

    #[test]
    fn malformed_options_are_syntax_errors() {
        for bad in [
            "VACUUM (nonsense) t",
            "VACUUM (full maybe) t",
            "VACUUM (parallel) t",
            "VACUUM (parallel x) t",
            "VACUUM () t",
        ] {
            let e = crate::sql::parse(bad).expect_err(bad);
            assert_eq!(e.sqlstate(), "42601", "{bad}");
        }
    }
}
