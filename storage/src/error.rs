//! Errors of the storage layer.

use crate::heap_page::HeapPageError;
use crate::page::PageError;
use std::io;
use std::path::PathBuf;
use wal::{Lsn, PageId, TxnId, WalError};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(transparent)]
    Wal(#[from] WalError),
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A page read from disk failed validation (checksum, or it holds another page).
    #[error("corrupt page {page} in {path}: {source}")]
    CorruptPage {
        path: PathBuf,
        page: PageId,
        #[source]
        source: PageError,
    },
    #[error("invalid heap page {page}: {source}")]
    HeapPage {
        page: PageId,
        #[source]
        source: HeapPageError,
    },
    /// A data write or sync failed earlier; the store refuses further work until reopened
    /// (recovery then restores everything from the log).
    #[error("storage is unusable after an earlier I/O failure: {0}")]
    Poisoned(String),
    #[error("database directory {dir} is in use by another process or handle")]
    Locked { dir: PathBuf },
    #[error("every buffer pool frame is pinned ({frames} frames)")]
    PoolExhausted { frames: usize },
    #[error("tuple of {len} bytes exceeds the maximum of {max}")]
    TupleTooLarge { len: usize, max: usize },
    #[error("tuple {tid} does not exist")]
    NoSuchTuple { tid: crate::Tid },
    /// The tuple was written by another transaction that is still active.
    #[error("tuple {tid} is being modified by transaction {holder}")]
    Conflict { tid: crate::Tid, holder: TxnId },
    /// The tuple was deleted or replaced by a transaction that committed.
    #[error("tuple {tid} was updated or deleted by transaction {by}")]
    Updated { tid: crate::Tid, by: TxnId },
    #[error("page {page} has no room for the change")]
    PageFull { page: PageId },
    #[error("page operation on {page} failed: {reason}")]
    PageOp { page: PageId, reason: String },
    #[error("transaction {0} is no longer active")]
    TxnNotActive(TxnId),
    #[error("file {file} already holds a B+tree or other data")]
    TreeExists { file: u32 },
    #[error("file {file} holds no B+tree")]
    NoSuchTree { file: u32 },
    #[error("duplicate key in unique index (file {file})")]
    UniqueViolation { file: u32 },
    /// A unique tree being built from existing entries found two with one user key.
    #[error(
        "could not build unique index in file {file}: entries {first} and {second} have equal keys"
    )]
    DuplicateKey {
        file: u32,
        key: Vec<u8>,
        first: crate::Tid,
        second: crate::Tid,
    },
    #[error("index entry already present (file {file})")]
    DuplicateEntry { file: u32 },
    #[error("index entry not found (file {file})")]
    KeyNotFound { file: u32 },
    #[error("index key of {len} bytes exceeds the maximum of {max}")]
    KeyTooLarge { len: usize, max: usize },
    /// The entry was written by another transaction that is still active.
    #[error("index entry in file {file} is being modified by transaction {holder}")]
    KeyConflict { file: u32, holder: TxnId },
    #[error("corrupt B+tree in file {file}, page {page}: {reason}")]
    TreeCorrupt {
        file: u32,
        page: u32,
        reason: String,
    },
    #[error("malformed page operation in log record at {lsn}: {reason}")]
    BadOp { lsn: Lsn, reason: &'static str },
    #[error("redo of record {lsn} on page {page} failed: {reason}")]
    Redo {
        lsn: Lsn,
        page: PageId,
        reason: String,
    },
    /// WAL consistency checking found a page that redo did not rebuild byte for byte.
    #[error(
        "WAL consistency check failed at {lsn} on page {page}: first difference at byte {offset}"
    )]
    Inconsistent {
        lsn: Lsn,
        page: PageId,
        offset: usize,
    },
    #[error("recovery failed: {0}")]
    Recovery(String),
}

impl StorageError {
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> StorageError {
        StorageError::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;
