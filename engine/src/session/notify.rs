//! LISTEN, UNLISTEN and NOTIFY statements and the session's notification API: what the
//! session received ([`Session::take_notifications`]), waiting for it
//! ([`Session::wait_for_notifications`]) and a waker for servers
//! ([`Session::set_notification_waker`]). The queue itself is [`crate::notify`]'s.
//!
//! The statements are transactional (each outside a block runs as its own transaction) and
//! take effect when their transaction commits. They take no snapshot and no lock, and are
//! allowed in read-only transactions, as in PostgreSQL. Notifications are handed out only
//! between transactions: inside a block they wait until it ends.

use super::{Session, StatementResult, TransactionStatus};
use crate::error::{EngineError, Result};
use crate::notice::{Notice, Severity};
use crate::notify::Notification;
use sqlparser::ast;
use std::task::Waker;
use std::time::Duration;

/// The longest identifier, in bytes (NAMEDATALEN - 1).
const MAX_IDENTIFIER: usize = 63;

impl Session {
    /// A channel named by an identifier: folded as identifiers are, and truncated to 63 bytes
    /// with a NOTICE, as PostgreSQL's scanner does.
    fn channel_name(&mut self, ident: &ast::Ident) -> Result<String> {
        if ident.quote_style.is_some() && ident.value.is_empty() {
            return Err(EngineError::Syntax {
                message: "zero-length delimited identifier at or near \"\"\"\"".into(),
                position: None,
            });
        }
        let name = crate::sql::binder::ident_name(ident);
        if name.len() <= MAX_IDENTIFIER {
            return Ok(name);
        }
        let mut end = MAX_IDENTIFIER;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        let short = name[..end].to_owned();
        self.notices.push(Notice::new(
            Severity::Notice,
            "42622",
            format!("identifier \"{name}\" will be truncated to \"{short}\""),
        ));
        Ok(short)
    }

    /// Runs LISTEN, UNLISTEN or NOTIFY in the open transaction (or in one of its own).
    pub(super) fn listen_notify(&mut self, stmt: &ast::Statement) -> Result<StatementResult> {
        let implicit = self.active.is_none();
        if implicit {
            self.begin(false)?;
        }
        let res = self.pend_listen_notify(stmt);
        self.end_statement(res.is_ok(), implicit)?;
        res
    }

    fn pend_listen_notify(&mut self, stmt: &ast::Statement) -> Result<StatementResult> {
        use ast::Statement as S;
        let tag = match stmt {
            S::LISTEN { channel } => {
                let c = self.channel_name(channel)?;
                self.notify.listen(&c);
                "LISTEN"
            }
            S::UNLISTEN { channel } => {
                // `UNLISTEN *` arrives as the unquoted identifier `*`.
                if channel.quote_style.is_none() && channel.value == "*" {
                    self.notify.unlisten(None);
                } else {
                    let c = self.channel_name(channel)?;
                    self.notify.unlisten(Some(&c));
                }
                "UNLISTEN"
            }
            S::NOTIFY { channel, payload } => {
                let c = self.channel_name(channel)?;
                self.notify.notify(&c, payload.as_deref().unwrap_or(""))?;
                "NOTIFY"
            }
            _ => {
                return Err(EngineError::Internal {
                    reason: "not a LISTEN, UNLISTEN or NOTIFY statement",
                })
            }
        };
        Ok(StatementResult::Command(tag.into()))
    }

    /// The notifications delivered to the session since it last took them, in the order their
    /// transactions committed. Inside a transaction block none are handed out (they wait for
    /// the block to end), as PostgreSQL delivers only between transactions.
    pub fn take_notifications(&mut self) -> Vec<Notification> {
        if self.transaction_status() != TransactionStatus::Idle {
            return Vec::new();
        }
        self.notify.take()
    }

    /// Waits up to `timeout` for a notification (returning at once if some are waiting) and
    /// returns those delivered (none if the time ran out). Not inside a transaction block
    /// (25001): the notifications could not be handed out there.
    pub fn wait_for_notifications(&mut self, timeout: Duration) -> Result<Vec<Notification>> {
        if self.transaction_status() != TransactionStatus::Idle {
            return Err(EngineError::InTransactionBlock {
                what: "waiting for notifications",
            });
        }
        Ok(self.notify.wait(timeout))
    }

    /// Installs (or with `None` removes) a waker woken whenever a notification is delivered
    /// to the session, from the committing session's thread; woken at once if some wait
    /// already. A server uses it to send notifications while the client is idle.
    pub fn set_notification_waker(&mut self, waker: Option<Waker>) {
        self.notify.set_waker(waker);
    }
}
