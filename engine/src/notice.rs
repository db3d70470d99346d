//! Notices: messages a statement reports besides its result or error (PostgreSQL's
//! `ereport` at INFO, NOTICE or WARNING level), such as `table "x" does not exist, skipping`.
//!
//! Statements push them on [`crate::sql::TxnCx::notices`] (or the session does, for
//! transaction control); the session keeps those of its latest call for
//! [`crate::Session::take_notices`], and the server sends each as a NoticeResponse before
//! the statement's CommandComplete or ErrorResponse. A notice never changes what the
//! statement does.

/// How serious a notice is (the levels PostgreSQL sends to clients by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Warning,
    Notice,
    /// Sent whatever `client_min_messages` says (VACUUM VERBOSE's reports).
    Info,
}

impl Severity {
    /// The name PostgreSQL sends in the severity fields (`WARNING`, `NOTICE`, `INFO`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "WARNING",
            Severity::Notice => "NOTICE",
            Severity::Info => "INFO",
        }
    }
}

/// One notice: severity, SQLSTATE, message and optional detail and hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub severity: Severity,
    /// The SQLSTATE (`00000` for plain notices, as PostgreSQL).
    pub code: &'static str,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl Notice {
    pub fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Notice {
        Notice {
            severity,
            code,
            message: message.into(),
            detail: None,
            hint: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Notice {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Notice {
        self.hint = Some(hint.into());
        self
    }

    /// `DROP … IF EXISTS` of a missing object: `KIND "name" does not exist, skipping`.
    pub(crate) fn missing_skipped(kind: &str, name: &str) -> Notice {
        Notice::new(
            Severity::Notice,
            "00000",
            format!("{kind} \"{name}\" does not exist, skipping"),
        )
    }

    /// `CREATE … IF NOT EXISTS` of a relation whose name is taken (42P07).
    pub(crate) fn relation_exists_skipped(name: &str) -> Notice {
        Notice::new(
            Severity::Notice,
            "42P07",
            format!("relation \"{name}\" already exists, skipping"),
        )
    }

    /// COMMIT / ROLLBACK outside a transaction block (25P01).
    pub(crate) fn no_transaction() -> Notice {
        Notice::new(
            Severity::Warning,
            "25P01",
            "there is no transaction in progress",
        )
    }

    /// BEGIN inside a transaction block (25001).
    pub(crate) fn already_in_transaction() -> Notice {
        Notice::new(
            Severity::Warning,
            "25001",
            "there is already a transaction in progress",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_postgres_texts() {
        let n = Notice::missing_skipped("table", "x");
        assert_eq!(
            (n.severity, n.code, n.message.as_str()),
            (
                Severity::Notice,
                "00000",
                "table \"x\" does not exist, skipping"
            )
        );
        assert_eq!(
            Notice::relation_exists_skipped("t").message,
            "relation \"t\" already exists, skipping"
        );
        assert_eq!(Notice::no_transaction().severity.as_str(), "WARNING");
        let h = Notice::already_in_transaction()
            .with_detail("d")
            .with_hint("h");
        assert_eq!(
            (h.code, h.detail.as_deref(), h.hint.as_deref()),
            ("25001", Some("d"), Some("h"))
        );
    }
}
