//! The `[NOT] DEFERRABLE` transaction mode of BEGIN / START TRANSACTION / SET TRANSACTION
//! / SET SESSION CHARACTERISTICS. It only matters to a SERIALIZABLE READ ONLY transaction,
//! which PostgreSQL then starts on a safe snapshot (waiting for one); Quill has no such
//! wait, so a transaction that is SERIALIZABLE, READ ONLY and DEFERRABLE at once is refused
//! (0A000), as is a session default of DEFERRABLE. Elsewhere the mode is accepted and has
//! no effect, as in PostgreSQL.

use super::settings::TxnMode;
use super::{Session, StatementResult};
use crate::error::{EngineError, Result};
use sqlparser::ast;

/// 0A000 for characteristics that would need a safe snapshot.
pub(super) fn refuse_safe_snapshot(mode: &TxnMode) -> Result<()> {
    if mode.deferrable && mode.read_only && mode.isolation == "serializable" {
        return Err(EngineError::FeatureNotSupported {
            feature: "SERIALIZABLE READ ONLY DEFERRABLE transactions".into(),
        });
    }
    Ok(())
}

impl Session {
    /// Runs a statement with a `[NOT] DEFERRABLE` mode, as `crate::sql::pgsyntax` parsed
    /// it: the statement without that mode, then the mode.
    pub(super) fn deferrable_mode(&mut self, values: &[ast::Expr]) -> Result<StatementResult> {
        let bad = || EngineError::Internal {
            reason: "a DEFERRABLE transaction mode parsed without its statement",
        };
        let (text, deferrable) = match values {
            [ast::Expr::Value(v), ast::Expr::Identifier(mode)] => match &v.value {
                ast::Value::SingleQuotedString(s) => (s.clone(), mode.value == "deferrable"),
                _ => return Err(bad()),
            },
            _ => return Err(bad()),
        };
        let stmt = rest_statement(&text)?;
        let begin = matches!(stmt, ast::Statement::StartTransaction { .. });
        if let ast::Statement::Set(ast::Set::SetTransaction { session: true, .. }) = &stmt {
            if deferrable {
                return Err(EngineError::FeatureNotSupported {
                    feature: "default_transaction_deferrable".into(),
                });
            }
            return self.run(&stmt, &[], None);
        }
        let opens = begin && self.active.is_none();
        let res = self.run(&stmt, &[], None)?;
        // BEGIN inside a block changes nothing; SET TRANSACTION outside one neither.
        if begin && !opens {
            return Ok(res);
        }
        let Some(a) = self.active.as_mut().filter(|a| a.explicit) else {
            return Ok(res);
        };
        if !begin {
            let message = if !a.savepoints.is_empty() {
                Some("SET TRANSACTION [NOT] DEFERRABLE cannot be called within a subtransaction")
            } else if a.used {
                Some("SET TRANSACTION [NOT] DEFERRABLE must be called before any query")
            } else {
                None
            };
            if let Some(m) = message {
                return Err(EngineError::ActiveSqlTransaction { message: m.into() });
            }
        }
        let before = std::mem::replace(&mut a.mode.deferrable, deferrable);
        if let Err(e) = refuse_safe_snapshot(&a.mode) {
            a.mode.deferrable = before;
            if opens {
                self.finish(false)?;
            }
            return Err(e);
        }
        Ok(res)
    }
}

/// The statement left once its `[NOT] DEFERRABLE` modes are taken out (a SET TRANSACTION
/// may have no mode left).
fn rest_statement(text: &str) -> Result<ast::Statement> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let session = match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["set", "transaction"] => Some(false),
        ["set", "session", "characteristics", "as", "transaction"] => Some(true),
        _ => None,
    };
    if let Some(session) = session {
        return Ok(ast::Statement::Set(ast::Set::SetTransaction {
            modes: Vec::new(),
            snapshot: None,
            session,
        }));
    }
    let mut stmts = crate::sql::parse(text)?;
    match (stmts.pop(), stmts.is_empty()) {
        (Some(s), true) => Ok(s),
        _ => Err(EngineError::Internal {
            reason: "a DEFERRABLE transaction mode in other than one statement",
        }),
    }
}
