//! The engine's error type, its mapping to PostgreSQL SQLSTATE codes (in one place:
//! [`EngineError::sqlstate`]) and the statement position an error points at
//! ([`EngineError::position`], PostgreSQL's ErrorResponse `P` field).
//!
//! Positions: the binder wraps an error in [`EngineError::Located`] with the place in the
//! parsed statement it knows (a span's line and column, or an operator token next to one);
//! once the statement text is at hand, [`EngineError::resolve_position`] turns that into a
//! 1-based character offset. Errors from expressions parsed out of stored text (defaults,
//! checks, views) carry no location, as their spans are empty.

use crate::types::TypeError;
use sqlparser::tokenizer::Location;
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
    #[error("column \"{name}\" specified more than once")]
    DuplicateColumnAssignment { name: String },
    #[error("cannot execute {what} in a read-only transaction")]
    ReadOnlyTransaction { what: String },
    #[error("{message}")]
    ActiveSqlTransaction { message: String },
    #[error("cannot drop column {column} of table {table} because other objects depend on it")]
    DependentObjects { table: String, column: String },
    #[error("{message}")]
    GeneratedAlways { message: String },
    #[error("{message}")]
    SequenceLimit { message: String },
    #[error("{message}")]
    ObjectNotInState { message: String },
    #[error("duplicate key value violates unique constraint \"{constraint}\"")]
    UniqueViolation { constraint: String, detail: String },
    /// 23505 from building a unique index over rows with equal keys; `detail` is
    /// PostgreSQL's `Key (a)=(5) is duplicated.`
    #[error("could not create unique index \"{index}\"")]
    UniqueIndexBuild { index: String, detail: String },
    #[error(
        "null value in column \"{column}\" of relation \"{table}\" violates not-null constraint"
    )]
    NotNullViolation { table: String, column: String },
    /// 23502 from ALTER TABLE … ADD PRIMARY KEY over rows with a NULL in a key column.
    #[error("column \"{column}\" of relation \"{table}\" contains null values")]
    NullsInColumn { table: String, column: String },
    #[error("new row for relation \"{table}\" violates check constraint \"{constraint}\"")]
    CheckViolation { table: String, constraint: String },
    #[error("current transaction is aborted, commands ignored until end of transaction block")]
    InFailedTransaction,
    #[error("could not serialize access due to concurrent update")]
    SerializationFailure,
    /// A row this READ COMMITTED statement had to change was changed by a transaction that
    /// committed after the statement's snapshot: the statement restarts with a new snapshot
    /// (at REPEATABLE READ and above this becomes 40001). Never reaches a client.
    #[error("could not serialize access due to concurrent update")]
    ConcurrentUpdate,
    /// The statement waited for a relation lock after its snapshot was taken: the session
    /// runs it again with a new snapshot. Never reaches a client.
    #[error("statement must run again after waiting for a relation lock")]
    RelationLockWaited,
    #[error("deadlock detected")]
    Deadlock,
    #[error("canceling statement due to lock timeout")]
    LockTimeout,
    #[error("{message}")]
    LockNotAvailable { message: String },
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
    #[error("collation \"{name}\" for encoding \"UTF8\" does not exist")]
    UndefinedCollation { name: String },
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
    #[error("schema \"{name}\" does not exist")]
    UndefinedSchema { name: String },
    #[error("no schema has been selected to create in")]
    NoSchemaSelected,
    /// 42P06.
    #[error("schema \"{name}\" already exists")]
    DuplicateSchema { name: String },
    #[error("cursor \"{name}\" does not exist")]
    UndefinedCursor { name: String },
    #[error("cursor \"{name}\" already exists")]
    DuplicateCursor { name: String },
    #[error("\"{name}\" is not {expected}")]
    WrongObjectType {
        name: String,
        expected: &'static str,
    },
    #[error("savepoint \"{name}\" does not exist")]
    NoSuchSavepoint { name: String },
    #[error("{what} cannot run inside a transaction block")]
    InTransactionBlock { what: &'static str },
    /// A limit of the implementation was reached (the NOTIFY queue is full).
    #[error("{message}")]
    ProgramLimitExceeded { message: String },
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
    /// A row-locking clause (`FOR UPDATE` …) or `LOCK TABLE` refused where it stands, with
    /// PostgreSQL's SQLSTATE and message.
    #[error("{message}")]
    Locking { code: &'static str, message: String },
    /// An `INSERT … ON CONFLICT` refused (no arbiter index, an unknown constraint, a row
    /// changed twice), with PostgreSQL's SQLSTATE and message.
    #[error("{message}")]
    OnConflict { code: &'static str, message: String },
    /// A MERGE refused (a target row changed twice, an unreachable WHEN clause, a VALUES
    /// list not matching its columns), with PostgreSQL's SQLSTATE and message.
    #[error("{message}")]
    Merge { code: &'static str, message: String },
    #[error("statement is too complex (nested too deeply)")]
    TooComplex,
    #[error("internal error: {reason}")]
    Internal { reason: &'static str },
    /// An error PostgreSQL reports with a DETAIL (and maybe a HINT): foreign key
    /// violations (23503) and the objects depending on a referenced table (2BP01, 0A000).
    #[error("{message}")]
    Detailed {
        code: &'static str,
        message: String,
        detail: String,
        hint: Option<String>,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("role \"{name}\" already exists")]
    DuplicateRole { name: String },
    /// 57P01: DROP DATABASE … WITH (FORCE) ended the session (its connection closes).
    #[error("terminating connection due to administrator command")]
    Terminated,
    /// 3D000.
    #[error("database \"{name}\" does not exist")]
    UndefinedDatabase { name: String },
    /// 42P04.
    #[error("database \"{name}\" already exists")]
    DuplicateDatabase { name: String },
    #[error("role \"{name}\" does not exist")]
    UndefinedRole { name: String },
    /// 42501: the current role may not do this.
    #[error("{message}")]
    InsufficientPrivilege { message: String },
    /// 42939: a role name starting with `pg_`.
    #[error("role name \"{name}\" is reserved")]
    ReservedName { name: String },
    /// 55006: e.g. dropping the current user.
    #[error("{message}")]
    ObjectInUse { message: String },
    /// 22023: a setting's value that does not parse (with PostgreSQL's hint, if any).
    #[error("invalid value for parameter \"{name}\": \"{value}\"")]
    InvalidSetting {
        name: String,
        value: String,
        hint: Option<&'static str>,
    },
    /// 57014: a CancelRequest interrupted the statement.
    #[error("canceling statement due to user request")]
    QueryCanceled,
    /// 57014: the statement ran longer than statement_timeout.
    #[error("canceling statement due to statement timeout")]
    StatementTimeout,
    /// An error with the place in the statement text it points at.
    #[error("{error}")]
    Located {
        error: Box<EngineError>,
        at: ErrorLocation,
    },
}

/// Where in the statement text an error points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorLocation {
    /// A token's 1-based line and column (where a span starts).
    Span(Location),
    /// The first token spelled `token` (case-insensitively) at or after a line and column:
    /// an infix operator or `::`, which spans do not cover, after its left operand's end.
    TokenAfter { from: Location, token: String },
    /// The last token spelled `token` before a line and column: a prefix operator or the
    /// `CAST` keyword before its operand.
    TokenBefore { before: Location, token: String },
    /// A 1-based character offset into the statement text.
    Offset(u32),
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
            EngineError::DuplicateColumnAssignment { .. } => "42701",
            EngineError::ReadOnlyTransaction { .. } => "25006",
            EngineError::ActiveSqlTransaction { .. } => "25001",
            EngineError::DependentObjects { .. } => "2BP01",
            EngineError::GeneratedAlways { .. } => "428C9",
            EngineError::SequenceLimit { .. } => "2200H",
            EngineError::ObjectNotInState { .. } => "55000",
            EngineError::UniqueViolation { .. } | EngineError::UniqueIndexBuild { .. } => "23505",
            EngineError::NotNullViolation { .. } | EngineError::NullsInColumn { .. } => "23502",
            EngineError::CheckViolation { .. } => "23514",
            EngineError::InFailedTransaction => "25P02",
            EngineError::SerializationFailure | EngineError::ConcurrentUpdate => "40001",
            EngineError::Deadlock => "40P01",
            EngineError::RelationLockWaited => "XX000",
            EngineError::LockTimeout | EngineError::LockNotAvailable { .. } => "55P03",
            EngineError::InvalidParameterValue { .. } | EngineError::InvalidSetting { .. } => {
                "22023"
            }
            EngineError::UndefinedParameter { .. } => "42704",
            EngineError::CardinalityViolation => "21000",
            EngineError::Grouping { .. } => "42803",
            EngineError::MissingFromEntry { .. } => "42P01",
            EngineError::InvalidRowCount { what: "OFFSET" } => "2201X",
            EngineError::InvalidRowCount { .. } => "2201W",
            EngineError::InvalidColumnReference { .. } => "42P10",
            EngineError::CatalogCorrupt { .. } => "XX001",
            EngineError::UndefinedIndex { .. } | EngineError::UndefinedCollation { .. } => "42704",
            EngineError::NoActiveTransaction => "25P01",
            EngineError::ActiveTransaction => "25001",
            EngineError::TooManyValues => "42601",
            EngineError::Internal { .. } => "XX000",
            EngineError::Detailed { code, .. } => code,
            EngineError::TooComplex => "54001",
            EngineError::Function { code, .. } => code,
            EngineError::Locking { code, .. } => code,
            EngineError::OnConflict { code, .. } => code,
            EngineError::Merge { code, .. } => code,
            EngineError::NoSuchSavepoint { .. } => "3B001",
            EngineError::NoTransactionBlock { .. } => "25P01",
            EngineError::InTransactionBlock { .. } => "25001",
            EngineError::ProgramLimitExceeded { .. } => "54000",
            EngineError::Copy { source, .. } => source.sqlstate(),
            EngineError::CopyFailed { .. } => "57014",
            EngineError::CopyRejected { code, .. } => code,
            EngineError::WrongObjectType { .. } => "42809",
            EngineError::DuplicateColumn { .. } => "42701",
            EngineError::InvalidTableDefinition { .. } => "42P16",
            EngineError::UndefinedSchema { .. } | EngineError::NoSchemaSelected => "3F000",
            EngineError::DuplicateSchema { .. } => "42P06",
            EngineError::UndefinedCursor { .. } => "34000",
            EngineError::DuplicateCursor { .. } => "42P03",
            EngineError::Storage(e) => storage_sqlstate(e),
            EngineError::DuplicateRole { .. } => "42710",
            EngineError::UndefinedDatabase { .. } => "3D000",
            EngineError::Terminated => "57P01",
            EngineError::DuplicateDatabase { .. } => "42P04",
            EngineError::UndefinedRole { .. } => "42704",
            EngineError::InsufficientPrivilege { .. } => "42501",
            EngineError::ReservedName { .. } => "42939",
            EngineError::ObjectInUse { .. } => "55006",
            EngineError::QueryCanceled | EngineError::StatementTimeout => "57014",
            EngineError::Located { error, .. } => error.sqlstate(),
        }
    }

    /// The error without its location.
    pub fn unlocated(&self) -> &EngineError {
        match self {
            EngineError::Located { error, .. } => error.unlocated(),
            e => e,
        }
    }

    /// The 1-based character position in the statement text the error points at, when
    /// known (syntax errors; name-resolution and type errors once resolved against the text).
    pub fn position(&self) -> Option<u32> {
        match self {
            EngineError::Syntax { position, .. } => *position,
            EngineError::Located {
                at: ErrorLocation::Offset(p),
                ..
            } => Some(*p),
            _ => None,
        }
    }

    /// PostgreSQL's DETAIL line, when there is one.
    pub fn detail(&self) -> Option<&str> {
        match self.unlocated() {
            EngineError::Type(t) => t.detail(),
            EngineError::UniqueIndexBuild { detail, .. }
            | EngineError::UniqueViolation { detail, .. } => Some(detail),
            EngineError::Detailed { detail, .. } => Some(detail.as_str()).filter(|d| !d.is_empty()),
            _ => None,
        }
    }

    /// PostgreSQL's HINT line for this error, if it has one.
    pub fn hint(&self) -> Option<&str> {
        match self.unlocated() {
            EngineError::Type(TypeError::UndefinedOperator { .. }) => Some(
                "No operator matches the given name and argument types. You might need to add explicit type casts.",
            ),
            EngineError::UndefinedFunction { .. } => Some(
                "No function matches the given name and argument types. You might need to add explicit type casts.",
            ),
            EngineError::InvalidSetting { hint, .. } => *hint,
            EngineError::OnConflict { code: "21000", .. } => Some(
                "Ensure that no rows proposed for insertion within the same command have duplicate constrained values.",
            ),
            EngineError::Merge { code: "21000", .. } => {
                Some("Ensure that not more than one source row matches any one target row.")
            }
            EngineError::Detailed { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }

    /// Whether PostgreSQL reports this error with the position of the construct that raised
    /// it (unknown names, operators without a match, type mismatches, bad literals).
    fn takes_position(&self) -> bool {
        match self {
            EngineError::UndefinedTable { .. }
            | EngineError::UndefinedColumn { .. }
            | EngineError::AmbiguousColumn { .. }
            | EngineError::UndefinedFunction { .. }
            | EngineError::DatatypeMismatch { .. }
            | EngineError::Grouping { .. }
            | EngineError::UndefinedCollation { .. }
            | EngineError::MissingFromEntry { .. } => true,
            EngineError::Type(t) => matches!(
                t.sqlstate(),
                "42883" | "42725" | "42804" | "42846" | "42704" | "22P02" | "22007" | "22008"
            ),
            _ => false,
        }
    }

    /// Attaches `at` unless the error has a location already or PostgreSQL reports it
    /// without one. An empty span (line 0: a node parsed from stored text) attaches nothing.
    pub fn located(self, at: ErrorLocation) -> EngineError {
        let empty = match &at {
            ErrorLocation::Span(l)
            | ErrorLocation::TokenAfter { from: l, .. }
            | ErrorLocation::TokenBefore { before: l, .. } => l.line == 0,
            ErrorLocation::Offset(_) => false,
        };
        if empty || !self.takes_position() {
            return self;
        }
        EngineError::Located {
            error: Box::new(self),
            at,
        }
    }

    /// Attaches the start of a span (see [`EngineError::located`]).
    pub fn at_span(self, span: sqlparser::tokenizer::Span) -> EngineError {
        self.located(ErrorLocation::Span(span.start))
    }

    /// Turns a line/column location into the character offset in `sql`, the text the
    /// statement was parsed from.
    pub fn resolve_position(self, sql: &str) -> EngineError {
        match self {
            EngineError::Located { error, at } => {
                let at = match crate::sql::position::offset_of(&at, sql) {
                    Some(p) => ErrorLocation::Offset(p),
                    None => return *error,
                };
                EngineError::Located { error, at }
            }
            e => e,
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
