//! Quill's storage engine: pages, the buffer pool, heap files, transactions, checkpoints and
//! ARIES crash recovery over the write-ahead log. It knows nothing of SQL.
//!
//! Every page change follows one recipe ([`logged`]): latch, apply, mark dirty, log, set
//! pageLSN. The WAL rule (no page reaches disk before the log through its pageLSN is durable)
//! is enforced in one place, the buffer pool's write path.

mod btree;
pub mod btree_page;
mod buffer;
mod checkpoint;
mod error;
mod files;
mod fsm;
mod heap;
pub mod heap_page;
pub mod keycode;
mod logged;
mod mvcc;
pub mod ops;
pub mod page;
mod recovery;
mod store;
mod txn;
mod vacuum;

pub use btree::{
    BTree, BTreeCursor, ScanDirection, TreeCheck, INTERNAL_FILL_PERCENT, LEAF_FILL_PERCENT,
    MAX_USER_KEY,
};
pub use checkpoint::CheckpointTicket;
pub use error::{Result, StorageError};
pub use heap::{Heap, HeapScan, Tid};
pub use mvcc::Snapshot;
pub use recovery::RecoveryReport;
pub use store::{IntegrityReport, Storage, StorageOptions};
pub use txn::{Savepoint, Transaction};
pub use vacuum::{BTreeVacuumStats, HeapVacuumStats};
pub use wal::{Lsn, PageId, Sabotage, TxnId};
