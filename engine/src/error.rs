//! The engine's error type and its mapping to PostgreSQL SQLSTATE codes (in one place:
//! [`EngineError::sqlstate`]).

use crate::types::TypeError;
use storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("syntax error: {message}")]
    Syntax {
        message: String,
        /// 1-based character position in the statement, when known.
        position: Option<u32>,
    },
    #[error(transparent)]
    Type(#[from] TypeError),
    #[error("relation \"{name}\" does not exist")]
    UndefinedTable { name: String },
    #[error("relation \"{name}\" already exists")]
    DuplicateTable { name: String },
    #[error("column \"{name}\" does not exist")]
    UndefinedColumn { name: String },
    #[error("column reference \"{name}\" is ambiguous")]
    AmbiguousColumn { name: String },
    #[error("function {signature} does not exist")]
    UndefinedFunction { signature: String },
    #[error("{message}")]
    DatatypeMismatch { message: String },
    #[error("{feature} is not supported")]
    FeatureNotSupported { feature: String },
    #[error("duplicate key value violates unique constraint \"{constraint}\"")]
    UniqueViolation { constraint: String },
    #[error(
        "null value in column \"{column}\" of relation \"{table}\" violates not-null constraint"
    )]
    NotNullViolation { table: String, column: String },
    #[error("new row for relation \"{table}\" violates check constraint \"{constraint}\"")]
    CheckViolation { table: String, constraint: String },
    #[error("current transaction is aborted, commands ignored until end of transaction block")]
    InFailedTransaction,
    #[error("could not serialize access due to concurrent update")]
    SerializationFailure,
    #[error("{message}")]
    InvalidParameterValue { message: String },
    #[error("unrecognized configuration parameter \"{name}\"")]
    UndefinedParameter { name: String },
    #[error("more than one row returned by a subquery used as an expression")]
    CardinalityViolation,
    #[error("column \"{column}\" must appear in the GROUP BY clause or be used in an aggregate function")]
    Grouping { column: String },
    #[error("missing FROM-clause entry for table \"{table}\"")]
    MissingFromEntry { table: String },
    #[error("{what} must not be negative")]
    InvalidRowCount { what: &'static str },
    #[error("{message}")]
    InvalidColumnReference { message: String },
    #[error("catalog is corrupt: {reason}")]
    CatalogCorrupt { reason: String },
    #[error("index \"{name}\" does not exist")]
    UndefinedIndex { name: String },
    #[error("there is no transaction in progress")]
    NoActiveTransaction,
    #[error("there is already a transaction in progress")]
    ActiveTransaction,
    #[error("INSERT has more expressions than target columns")]
    TooManyValues,
    #[error("column \"{name}\" specified more than once")]
    DuplicateColumn { name: String },
    #[error("{message}")]
    InvalidTableDefinition { message: String },
    #[error("\"{name}\" is not {expected}")]
    WrongObjectType {
        name: String,
        expected: &'static str,
    },
    #[error("savepoint \"{name}\" does not exist")]
    NoSuchSavepoint { name: String },
    #[error("{what} cannot run inside a transaction block")]
    InTransactionBlock { what: &'static str },
    /// An error while loading a row of a COPY; `context` is PostgreSQL's CONTEXT field
    /// (`COPY t, line N`, with the column and value when one is at fault).
    #[error("{source}")]
    Copy {
        source: Box<EngineError>,
        context: String,
    },
    #[error("COPY from stdin failed: {message}")]
    CopyFailed { message: String },
    /// A bad COPY option or data framing, with PostgreSQL's SQLSTATE for it.
    #[error("{message}")]
    CopyRejected { code: &'static str, message: String },
    #[error("{what} can only be used in transaction blocks")]
    NoTransactionBlock { what: String },
    /// A function's error with the SQLSTATE PostgreSQL gives it (e.g. 2201E for an invalid
    /// logarithm argument) where no more specific variant exists.
    #[error("{message}")]
    Function { code: &'static str, message: String },
    #[error("statement is too complex (nested too deeply)")]
    TooComplex,
    #[error("internal error: {reason}")]
    Internal { reason: &'static str },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl EngineError {
    /// The SQLSTATE PostgreSQL reports for this error.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            EngineError::Syntax { .. } => "42601",
            EngineError::Type(e) => e.sqlstate(),
            EngineError::UndefinedTable { .. } => "42P01",
            EngineError::DuplicateTable { .. } => "42P07",
            EngineError::UndefinedColumn { .. } => "42703",
            EngineError::AmbiguousColumn { .. } => "42702",
            EngineError::UndefinedFunction { .. } => "42883",
            EngineError::DatatypeMismatch { .. } => "42804",
            EngineError::FeatureNotSupported { .. } => "0A000",
            EngineError::UniqueViolation { .. } => "23505",
            EngineError::NotNullViolation { .. } => "23502",
            EngineError::CheckViolation { .. } => "23514",
            EngineError::InFailedTransaction => "25P02",
            EngineError::SerializationFailure => "40001",
            EngineError::InvalidParameterValue { .. } => "22023",
            EngineError::UndefinedParameter { .. } => "42704",
            EngineError::CardinalityViolation => "21000",
            EngineError::Grouping { .. } => "42803",
            EngineError::MissingFromEntry { .. } => "42P01",
            EngineError::InvalidRowCount { what: "OFFSET" } => "2201X",
            EngineError::InvalidRowCount { .. } => "2201W",
            EngineError::InvalidColumnReference { .. } => "42P10",
            EngineError::CatalogCorrupt { .. } => "XX001",
            EngineError::UndefinedIndex { .. } => "42704",
            EngineError::NoActiveTransaction => "25P01",
            EngineError::ActiveTransaction => "25001",
            EngineError::TooManyValues => "42601",
            EngineError::Internal { .. } => "XX000",
            EngineError::TooComplex => "54001",
            EngineError::Function { code, .. } => code,
            EngineError::NoSuchSavepoint { .. } => "3B001",
            EngineError::NoTransactionBlock { .. } => "25P01",
            EngineError::InTransactionBlock { .. } => "25001",
            EngineError::Copy { source, .. } => source.sqlstate(),
            EngineError::CopyFailed { .. } => "57014",
            EngineError::CopyRejected { code, .. } => code,
            EngineError::WrongObjectType { .. } => "42809",
            EngineError::DuplicateColumn { .. } => "42701",
            EngineError::InvalidTableDefinition { .. } => "42P16",
            EngineError::Storage(e) => storage_sqlstate(e),
        }
    }
}

fn storage_sqlstate(e: &StorageError) -> &'static str {
    match e {
        StorageError::UniqueViolation { .. } => "23505",
        StorageError::Conflict { .. } | StorageError::KeyConflict { .. } => "40001",
        StorageError::CorruptPage { .. } | StorageError::HeapPage { .. } => "XX001",
        StorageError::TreeCorrupt { .. } => "XX002",
        StorageError::TupleTooLarge { .. } | StorageError::KeyTooLarge { .. } => "54000",
        StorageError::Io { source, .. } if source.raw_os_error() == Some(28) => "53100",
        StorageError::Io { .. } | StorageError::Wal(_) | StorageError::Poisoned(_) => "58030",
        _ => "XX000",
    }
}

impl EngineError {
    /// Where the error happened, as PostgreSQL's CONTEXT field words it.
    pub fn context(&self) -> Option<String> {
        match self {
            EngineError::Copy { context, .. } => Some(context.clone()),
            _ => None,
        }
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;
