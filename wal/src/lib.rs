//! The write-ahead log: LSNs, the record format, the log manager with group commit, the
//! sequential reader and the master record. It knows no page layout: page records carry an
//! opaque operation that the storage layer interprets.

mod dump;
mod error;
mod log;
mod master;
mod reader;
pub mod record;
mod sabotage;
mod segments;
mod types;

pub use dump::{infer_segment_size, read_master, LogDir, SegmentFile};
pub use error::{Result, WalError};
pub use log::{LogManager, LogOptions, OpenedLog};
pub use master::{Master, MasterRecord};
pub use reader::LogReader;
pub use record::{
    CheckpointData, DirtyPage, LogRecord, PageChange, PageImage, RecordBody, RecordKind, TxnEntry,
};
pub use sabotage::Sabotage;
pub use types::{Lsn, PageId, TxnId};

/// Position of the first record of a new log (positions below are never used, so `Lsn(0)`
/// can mean "none").
pub const FIRST_LSN: Lsn = Lsn(64);
