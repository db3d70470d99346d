//! The session's setting statements: `SET`, `RESET`, `SHOW`, `SET TRANSACTION` and
//! `SET SESSION CHARACTERISTICS`, and the characteristics a new transaction starts with.
//!
//! Every value lives in the session's [`guc::Settings`], so `SHOW`, `current_setting`,
//! `set_config` and `pg_settings` agree, and a `SET` in a transaction that rolls back is
//! undone. The characteristics of new transactions are the settings
//! `default_transaction_isolation` and `default_transaction_read_only` (which `SET SESSION
//! CHARACTERISTICS` sets); those of the running transaction block are `transaction_isolation`
//! and `transaction_read_only`, set as local values when the block begins and when
//! `SET TRANSACTION` changes them (so they end with it), and otherwise showing the defaults.

use super::{Session, StatementResult};
use crate::error::{EngineError, Result};
use crate::guc;
use crate::notice::{Notice, Severity};
use sqlparser::ast;

/// A transaction's isolation level (as SHOW names it) and access mode.
#[derive(Clone, Debug)]
pub(super) struct TxnMode {
    pub(super) isolation: &'static str,
    pub(super) read_only: bool,
    /// DEFERRABLE (see `super::txn_deferrable`).
    pub(super) deferrable: bool,
}

/// The level an isolation clause names, as the settings spell it.
fn isolation_name(level: &ast::TransactionIsolationLevel) -> Result<&'static str> {
    use ast::TransactionIsolationLevel as L;
    Ok(match level {
        L::ReadUncommitted => "read uncommitted",
        L::ReadCommitted => "read committed",
        L::RepeatableRead => "repeatable read",
        L::Serializable => "serializable",
        other => {
            return Err(EngineError::FeatureNotSupported {
                feature: format!("isolation level {other}"),
            })
        }
    })
}

/// Whether a transaction at `isolation` keeps one snapshot for all its statements.
pub(super) fn transaction_snapshot(isolation: &str) -> bool {
    matches!(isolation, "repeatable read" | "serializable")
}

/// The text of a `SET` value list, as `SHOW` would take it.
fn value_text(values: &[ast::Expr]) -> String {
    values
        .iter()
        .map(|v| match v {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) => s.clone(),
                other => other.to_string(),
            },
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The setting `SET TIME ZONE value` gives: a zone name, `LOCAL` / `DEFAULT` (the default),
/// or a number of hours or an interval east of UTC, kept as the POSIX zone PostgreSQL shows
/// for it (`<-05>+05`).
fn time_zone_value(value: &ast::Expr) -> Result<String> {
    use ast::Expr as E;
    let invalid = || EngineError::InvalidParameterValue {
        message: format!("invalid value for parameter \"TimeZone\": \"{value}\""),
    };
    let fixed = |east: f64| -> Result<String> {
        let secs = (east.round_ties_even()) as i64;
        if !east.is_finite() || secs.abs() > 15 * 3600 + 59 * 60 {
            return Err(invalid());
        }
        let secs = secs as i32;
        Ok(format!(
            "<{}>{}",
            crate::types::tz::format_offset(secs),
            crate::types::tz::format_offset(-secs)
        ))
    };
    let number = |e: &E| -> Option<f64> {
        match e {
            E::Value(v) => match &v.value {
                ast::Value::Number(n, _) => n.to_string().parse().ok(),
                _ => None,
            },
            E::UnaryOp {
                op: ast::UnaryOperator::Minus,
                expr,
            } => match expr.as_ref() {
                E::Value(v) => match &v.value {
                    ast::Value::Number(n, _) => n.to_string().parse::<f64>().ok().map(|x| -x),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    };
    match value {
        E::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) => Ok(s.clone()),
            ast::Value::Number(..) => fixed(number(value).ok_or_else(invalid)? * 3600.0),
            _ => Err(invalid()),
        },
        E::UnaryOp { .. } => fixed(number(value).ok_or_else(invalid)? * 3600.0),
        E::Identifier(i) if i.quote_style.is_none() => match i.value.to_lowercase().as_str() {
            "local" | "default" => Ok("default".into()),
            _ => Err(invalid()),
        },
        E::Interval(iv) => {
            let text = match iv.value.as_ref() {
                E::Value(v) => match &v.value {
                    ast::Value::SingleQuotedString(s) => s.clone(),
                    _ => return Err(invalid()),
                },
                _ => return Err(invalid()),
            };
            let span = match crate::types::Value::parse(&text, &crate::types::DataType::Interval)? {
                crate::types::Value::Interval(i) => i,
                _ => return Err(invalid()),
            };
            for (n, unit) in [(span.months, "month"), (span.days, "day")] {
                if n != 0 {
                    return Err(EngineError::InvalidParameterValue {
                        message: format!(
                            "invalid interval value for time zone: {unit} not allowed"
                        ),
                    });
                }
            }
            fixed(span.micros as f64 / 1e6)
        }
        _ => Err(invalid()),
    }
}

impl Session {
    /// The characteristics a transaction starting now gets.
    pub(super) fn default_mode(&self) -> TxnMode {
        let (isolation, read_only) = self.settings.transaction_defaults();
        TxnMode {
            isolation,
            read_only,
            deferrable: false,
        }
    }

    /// Records the running transaction block's characteristics where `SHOW` and
    /// `current_setting` read them (local values: they end with the block).
    pub(super) fn publish_mode(&self, mode: &TxnMode) -> Result<()> {
        let on_off = if mode.read_only { "on" } else { "off" };
        self.settings
            .set(guc::TRANSACTION_ISOLATION, Some(mode.isolation), true, true)?;
        self.settings
            .set(guc::TRANSACTION_READ_ONLY, Some(on_off), true, true)?;
        Ok(())
    }

    /// The values set so far (by the connection's startup parameters) become those `RESET`
    /// returns to, as PostgreSQL's reset values.
    pub fn make_settings_the_reset_values(&mut self) {
        self.settings.make_current_the_reset_values();
    }

    /// SET TRANSACTION (or BEGIN's modes): isolation only before the first statement of the
    /// block, READ WRITE only before it too (25001), as PostgreSQL requires. Outside a block
    /// it has no effect (PostgreSQL only warns).
    pub(super) fn set_transaction(&mut self, modes: &[ast::TransactionMode]) -> Result<()> {
        let Some(a) = self.active.as_mut().filter(|a| a.explicit) else {
            return Ok(());
        };
        let before = a.mode.clone();
        for m in modes {
            match m {
                ast::TransactionMode::IsolationLevel(level) => {
                    let level = isolation_name(level)?;
                    if a.used && level != a.mode.isolation {
                        return Err(EngineError::ActiveSqlTransaction {
                            message:
                                "SET TRANSACTION ISOLATION LEVEL must be called before any query"
                                    .into(),
                        });
                    }
                    a.mode.isolation = level;
                }
                ast::TransactionMode::AccessMode(ast::TransactionAccessMode::ReadOnly) => {
                    a.mode.read_only = true;
                }
                ast::TransactionMode::AccessMode(ast::TransactionAccessMode::ReadWrite) => {
                    if a.used && a.mode.read_only {
                        return Err(EngineError::ActiveSqlTransaction {
                            message: "transaction read-write mode must be set before any query"
                                .into(),
                        });
                    }
                    a.mode.read_only = false;
                }
            }
        }
        if let Err(e) = super::txn_deferrable::refuse_safe_snapshot(&a.mode) {
            a.mode = before;
            return Err(e);
        }
        let mode = a.mode.clone();
        self.publish_mode(&mode)
    }

    /// `SET transaction_isolation` / `transaction_read_only` (and their RESET): the running
    /// block's characteristics, as SET TRANSACTION.
    fn set_transaction_setting(&mut self, name: &str, value: &str) -> Result<()> {
        let mode = if name == guc::TRANSACTION_ISOLATION {
            ast::TransactionMode::IsolationLevel(match guc::parse_isolation(name, value)? {
                "serializable" => ast::TransactionIsolationLevel::Serializable,
                "repeatable read" => ast::TransactionIsolationLevel::RepeatableRead,
                "read uncommitted" => ast::TransactionIsolationLevel::ReadUncommitted,
                _ => ast::TransactionIsolationLevel::ReadCommitted,
            })
        } else if guc::parse_bool(name, value)? == "on" {
            ast::TransactionMode::AccessMode(ast::TransactionAccessMode::ReadOnly)
        } else {
            ast::TransactionMode::AccessMode(ast::TransactionAccessMode::ReadWrite)
        };
        self.set_transaction(&[mode])
    }

    pub(super) fn in_block(&self) -> bool {
        self.active.as_ref().is_some_and(|a| a.explicit)
    }

    /// `SET [LOCAL] name = value` of an ordinary setting. SET LOCAL outside a transaction
    /// block changes nothing: PostgreSQL only warns, as the value would end with the
    /// statement.
    fn assign(&mut self, name: &str, value: &str, local: bool) -> Result<()> {
        if local && !self.in_block() {
            self.notices.push(Notice::new(
                Severity::Warning,
                "25P01",
                "SET LOCAL can only be used in transaction blocks",
            ));
            return Ok(());
        }
        self.settings
            .set(name, Some(value), local, self.active.is_some())?;
        Ok(())
    }

    pub(super) fn set(&mut self, set: &ast::Set) -> Result<StatementResult> {
        let done = || Ok(StatementResult::Command("SET".into()));
        match set {
            ast::Set::SingleAssignment {
                scope,
                variable,
                values,
                ..
            } => {
                if let [ast::ObjectNamePart::Identifier(i)] = variable.0.as_slice() {
                    if i.quote_style.is_some()
                        && i.value == crate::sql::pgsyntax::SET_CONSTRAINTS_MARKER
                    {
                        let (names, deferred) = super::constraints::set_constraints_args(values)?;
                        return self.set_constraints(names, deferred);
                    }
                    if i.quote_style.is_some()
                        && i.value == crate::sql::database_syntax::DATABASE_MARKER
                    {
                        let cmd =
                            crate::sql::database_syntax::DatabaseCommand::from_values(values)?;
                        return self.database_command(cmd);
                    }
                    if i.quote_style.is_some() && i.value == crate::sql::pgsyntax::DEFERRABLE_MARKER
                    {
                        return self.deferrable_mode(values);
                    }
                }
                let name = variable.to_string().to_lowercase();
                let value = value_text(values);
                let local = matches!(scope, Some(ast::ContextModifier::Local));
                if name == super::identity::ROLE {
                    let role = (!value.eq_ignore_ascii_case("none")).then_some(value.as_str());
                    return self.set_role(role, local);
                }
                if name == super::identity::SESSION_AUTHORIZATION {
                    let user = (!value.eq_ignore_ascii_case("default")).then_some(value.as_str());
                    return self.set_session_authorization(user, local);
                }
                if name == guc::TRANSACTION_ISOLATION || name == guc::TRANSACTION_READ_ONLY {
                    self.set_transaction_setting(&name, &value)?;
                    return done();
                }
                self.assign(&name, &value, local)?;
                done()
            }
            ast::Set::SetTimeZone { local, value } => {
                let value = time_zone_value(value)?;
                self.assign("timezone", &value, *local)?;
                done()
            }
            ast::Set::SetTransaction {
                modes,
                session: true,
                ..
            } => {
                // PostgreSQL's SET SESSION CHARACTERISTICS sets the defaults as SET does.
                let in_txn = self.active.is_some();
                for m in modes {
                    let (name, value) = match m {
                        ast::TransactionMode::IsolationLevel(level) => {
                            (guc::DEFAULT_ISOLATION, isolation_name(level)?)
                        }
                        ast::TransactionMode::AccessMode(mode) => (
                            guc::DEFAULT_READ_ONLY,
                            if *mode == ast::TransactionAccessMode::ReadOnly {
                                "on"
                            } else {
                                "off"
                            },
                        ),
                    };
                    self.settings.set(name, Some(value), false, in_txn)?;
                }
                done()
            }
            ast::Set::SetTransaction {
                modes,
                snapshot: None,
                ..
            } => {
                if !self.in_block() {
                    self.notices.push(Notice::new(
                        Severity::Warning,
                        "25P01",
                        "SET TRANSACTION can only be used in transaction blocks",
                    ));
                }
                self.set_transaction(modes)?;
                done()
            }
            ast::Set::SetRole { .. } | ast::Set::SetSessionAuthorization(_) => {
                self.set_identity(set)
            }
            other => Err(EngineError::FeatureNotSupported {
                feature: format!("{other}"),
            }),
        }
    }

    /// `RESET name` (the value the session started with) and `RESET ALL`.
    pub(super) fn reset(&mut self, reset: &ast::ResetStatement) -> Result<StatementResult> {
        let in_txn = self.active.is_some();
        match &reset.reset {
            ast::Reset::ALL => self.settings.reset_all(in_txn),
            ast::Reset::ConfigurationParameter(name) => {
                let name = name.to_string().to_lowercase();
                if name == super::identity::ROLE {
                    self.set_role(None, false)?;
                    return Ok(StatementResult::Command("RESET".into()));
                }
                if name == super::identity::SESSION_AUTHORIZATION {
                    self.set_session_authorization(None, false)?;
                    return Ok(StatementResult::Command("RESET".into()));
                }
                if name == guc::TRANSACTION_ISOLATION || name == guc::TRANSACTION_READ_ONLY {
                    if !self.in_block() {
                        self.notices.push(Notice::new(
                            Severity::Warning,
                            "25P01",
                            "RESET TRANSACTION can only be used in transaction blocks",
                        ));
                        return Ok(StatementResult::Command("RESET".into()));
                    }
                    // In a block the characteristics stay what the block set (PostgreSQL's
                    // reset value of these is the block's own).
                } else {
                    // A parameter PostgreSQL does not have is refused, unless its name is
                    // qualified (a custom one, `myapp.x`).
                    if self.settings.get(&name).is_none() && !name.contains('.') {
                        return Err(EngineError::UndefinedParameter { name });
                    }
                    self.settings.set(&name, None, false, in_txn)?;
                }
            }
            ast::Reset::SessionAuthorization => {
                self.set_session_authorization(None, false)?;
            }
        }
        Ok(StatementResult::Command("RESET".into()))
    }

    pub(super) fn show(&self, name: &str) -> Result<String> {
        if let Some(v) = self.show_identity(name) {
            return Ok(v);
        }
        self.settings.show(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolation_levels_are_named_as_postgres_shows_them() {
        use ast::TransactionIsolationLevel as L;
        assert_eq!(
            isolation_name(&L::RepeatableRead).ok(),
            Some("repeatable read")
        );
        assert_eq!(
            isolation_name(&L::ReadUncommitted).ok(),
            Some("read uncommitted")
        );
        assert!(isolation_name(&L::Snapshot).is_err());
    }
}
