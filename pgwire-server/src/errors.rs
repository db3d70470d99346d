//! Errors as the client sees them: engine errors, wire-level errors and lost sessions turned
//! into ErrorResponse fields (severity, SQLSTATE, message, detail, position), and engine
//! notices into NoticeResponse fields.

use crate::codec::{DecodeError, WireError};
use crate::worker::WorkerGone;
use engine::EngineError;
use pgwire::error::{ErrorInfo, PgWireError, SEVERITY_ERROR, SEVERITY_FATAL};

/// ErrorResponse fields for an engine error. `offset` is added to the error's position
/// (the statement's character offset in the query string it came from).
pub fn engine_error_info(e: &EngineError, offset: usize) -> ErrorInfo {
    // A session terminated by DROP DATABASE … WITH (FORCE) ends its connection.
    let severity = match e {
        EngineError::Terminated => SEVERITY_FATAL,
        _ => SEVERITY_ERROR,
    };
    let mut info = ErrorInfo::new(severity.to_owned(), e.sqlstate().to_owned(), e.to_string());
    info.severity_nonlocalized = Some(severity.to_owned());
    info.where_context = e.context();
    // A COPY error reports its row's error under the COPY context.
    let inner = match e {
        EngineError::Copy { source, .. } => source.as_ref(),
        e => e,
    };
    info.position = inner.position().map(|p| (p as usize + offset).to_string());
    info.detail = inner.detail().map(str::to_owned);
    info.hint = inner.hint().map(str::to_owned);
    info
}

pub fn engine_error(e: &EngineError, offset: usize) -> PgWireError {
    PgWireError::UserError(Box::new(engine_error_info(e, offset)))
}

/// NoticeResponse fields of an engine notice (NOTICE or WARNING).
pub fn notice_info(n: &engine::Notice) -> ErrorInfo {
    let severity = n.severity.as_str().to_owned();
    let mut info = ErrorInfo::new(severity.clone(), n.code.to_owned(), n.message.clone());
    info.severity_nonlocalized = Some(severity);
    info.detail = n.detail.clone();
    info.hint = n.hint.clone();
    info
}

/// ErrorResponse fields of an ERROR with this SQLSTATE and message.
pub fn error_info(code: &str, message: impl Into<String>) -> ErrorInfo {
    let mut info = ErrorInfo::new(SEVERITY_ERROR.to_owned(), code.to_owned(), message.into());
    info.severity_nonlocalized = Some(SEVERITY_ERROR.to_owned());
    info
}

pub fn wire_error(e: WireError) -> PgWireError {
    PgWireError::UserError(Box::new(error_info(e.code, e.message)))
}

pub fn decode_error(e: DecodeError) -> PgWireError {
    match e {
        DecodeError::Wire(w) => wire_error(w),
        DecodeError::Type(t) => engine_error(&EngineError::Type(t), 0),
    }
}

/// A FATAL error: the connection ends after it is sent.
pub fn fatal(code: &str, message: impl Into<String>) -> PgWireError {
    let mut info = ErrorInfo::new(SEVERITY_FATAL.to_owned(), code.to_owned(), message.into());
    info.severity_nonlocalized = Some(SEVERITY_FATAL.to_owned());
    PgWireError::UserError(Box::new(info))
}

impl From<WorkerGone> for PgWireError {
    fn from(_: WorkerGone) -> PgWireError {
        fatal("57P01", "terminating connection: its session has ended")
    }
}
