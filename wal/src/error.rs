//! Errors of the log layer.

use crate::Lsn;
use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum WalError {
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A write or sync of the log failed earlier; the log refuses all further work until the
    /// database is reopened and recovered (a failed fsync is never retried).
    #[error("the log is unusable after an earlier I/O failure: {0}")]
    Failed(String),
    #[error("corrupt log record at {lsn}: {reason}")]
    Corrupt { lsn: Lsn, reason: String },
    #[error("log record at {lsn} is not available (reclaimed or beyond the end of the log)")]
    Missing { lsn: Lsn },
    #[error("log record of {len} bytes exceeds the maximum of {max}")]
    RecordTooLarge { len: usize, max: usize },
    #[error("corrupt master record: {0}")]
    CorruptMaster(String),
    #[error(
        "database files are incompatible with this build: {path} was written in on-disk format \
         {found}, this build reads format {expected}; dump the data with the build that wrote \
         it and load it into a new directory"
    )]
    IncompatibleFormat {
        path: std::path::PathBuf,
        found: u32,
        expected: u32,
    },
}

impl WalError {
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> WalError {
        WalError::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = WalError> = std::result::Result<T, E>;
