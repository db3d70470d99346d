//! Identifiers shared by every layer: log sequence numbers, transaction ids and page ids.

use std::fmt;

/// Log sequence number: the byte position of a record in the log stream.
///
/// `Lsn::NONE` (0) means "no record"; real records start at [`crate::FIRST_LSN`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Lsn(pub u64);

impl Lsn {
    pub const NONE: Lsn = Lsn(0);

    pub fn is_none(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:08X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

/// Transaction id. `TxnId::NONE` (0) marks records of no transaction (system records).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TxnId(pub u64);

impl TxnId {
    pub const NONE: TxnId = TxnId(0);
}

impl fmt::Display for TxnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A page: the file it lives in and its number within that file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageId {
    pub file: u32,
    pub page_no: u32,
}

impl PageId {
    pub fn new(file: u32, page_no: u32) -> PageId {
        PageId { file, page_no }
    }
}

impl fmt::Display for PageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.page_no)
    }
}
