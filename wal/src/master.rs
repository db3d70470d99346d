//! The master record: where recovery starts. It names the last complete checkpoint.
//!
//! The file holds two 512-byte slots (at offsets 0 and 512), each fitting in one disk sector,
//! so a torn write can damage at most the slot being written. A write goes to the slot the
//! current one is not in, with a higher sequence number, then is synced; a reader takes the
//! valid slot (magic and CRC) with the highest sequence number.
//!
//! Slot layout (little-endian): magic u32 | version u32 | seq u64 | checkpoint_begin u64 |
//! checkpoint_end u64 | next_txn u64 | crc32c u32 (over the preceding 40 bytes) | zero padding.
//!
//! Invariant: the master is pointed at a checkpoint only after that checkpoint's end record is
//! durable.
//!
//! **Format version.** `version` is the on-disk format of the whole data directory (this
//! file, the log records and the page layouts), bumped whenever any of them changes. Every
//! open ends with a checkpoint, so a directory that was ever opened has a valid slot, and a
//! valid slot (magic and CRC right) of another version is refused with
//! [`WalError::IncompatibleFormat`] before anything else is read: data written in another
//! format is never misread. Version 2: heap tuple headers carry the next-version link
//! (24 bytes; version 1 had 20).

use crate::error::{Result, WalError};
use crate::{Lsn, TxnId};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vfs::{OpenMode, Vfs, VfsFile};

const MAGIC: u32 = 0x5155_494C; // "QUIL"
/// The on-disk format this build reads and writes (see the module documentation).
pub const FORMAT_VERSION: u32 = 2;
const SLOT: usize = 512;
const BODY: usize = 40;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MasterRecord {
    pub seq: u64,
    pub checkpoint_begin: Lsn,
    pub checkpoint_end: Lsn,
    pub next_txn: TxnId,
}

pub struct Master {
    path: PathBuf,
    file: Arc<dyn VfsFile>,
    current: Option<MasterRecord>,
}

impl Master {
    /// Opens (creating durably if missing) the master file and reads the current record.
    pub fn open(vfs: &dyn Vfs, path: &Path) -> Result<Master> {
        let existed = vfs.exists(path).map_err(|e| WalError::io(path, e))?;
        let file = vfs
            .open(path, OpenMode::CreateIfMissing)
            .map_err(|e| WalError::io(path, e))?;
        if !existed {
            if let Some(dir) = path.parent() {
                vfs.sync_dir(dir).map_err(|e| WalError::io(dir, e))?;
            }
        }
        let mut bytes = vec![0u8; 2 * SLOT];
        let mut got = 0;
        while got < bytes.len() {
            let n = file
                .read_at(&mut bytes[got..], got as u64)
                .map_err(|e| WalError::io(path, e))?;
            if n == 0 {
                break;
            }
            got += n;
        }
        let mut current: Option<MasterRecord> = None;
        for slot in [decode_slot(&bytes[..SLOT]), decode_slot(&bytes[SLOT..])] {
            match slot {
                Slot::Valid(r) => {
                    if current.is_none_or(|c| r.seq > c.seq) {
                        current = Some(r);
                    }
                }
                Slot::OtherFormat(found) => {
                    return Err(WalError::IncompatibleFormat {
                        path: path.to_path_buf(),
                        found,
                        expected: FORMAT_VERSION,
                    })
                }
                Slot::Invalid => {}
            }
        }
        if current.is_none() && bytes[..got].iter().any(|&b| b != 0) {
            return Err(WalError::CorruptMaster(format!(
                "{}: no valid slot in a non-empty master file",
                path.display()
            )));
        }
        Ok(Master {
            path: path.to_path_buf(),
            file,
            current,
        })
    }

    pub fn current(&self) -> Option<MasterRecord> {
        self.current
    }

    /// Durably records a new checkpoint as the starting point of recovery.
    pub fn write(
        &mut self,
        checkpoint_begin: Lsn,
        checkpoint_end: Lsn,
        next_txn: TxnId,
    ) -> Result<()> {
        let seq = self.current.map_or(1, |c| c.seq + 1);
        let rec = MasterRecord {
            seq,
            checkpoint_begin,
            checkpoint_end,
            next_txn,
        };
        let slot = (seq % 2) * SLOT as u64;
        self.file
            .write_all_at(&encode_slot(&rec), slot)
            .and_then(|_| self.file.sync())
            .map_err(|e| WalError::io(&self.path, e))?;
        self.current = Some(rec);
        Ok(())
    }
}

fn encode_slot(r: &MasterRecord) -> Vec<u8> {
    let mut b = Vec::with_capacity(SLOT);
    b.extend_from_slice(&MAGIC.to_le_bytes());
    b.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    b.extend_from_slice(&r.seq.to_le_bytes());
    b.extend_from_slice(&r.checkpoint_begin.0.to_le_bytes());
    b.extend_from_slice(&r.checkpoint_end.0.to_le_bytes());
    b.extend_from_slice(&r.next_txn.0.to_le_bytes());
    let crc = crc32c::crc32c(&b);
    b.extend_from_slice(&crc.to_le_bytes());
    b.resize(SLOT, 0);
    b
}

/// What one slot holds.
#[derive(Debug, PartialEq, Eq)]
enum Slot {
    Valid(MasterRecord),
    /// A complete slot written in another on-disk format version.
    OtherFormat(u32),
    /// Never written, or torn.
    Invalid,
}

fn decode_slot(b: &[u8]) -> Slot {
    let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let u64_at = |i: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[i..i + 8]);
        u64::from_le_bytes(a)
    };
    if b.len() < BODY + 4 || u32_at(0) != MAGIC || crc32c::crc32c(&b[..BODY]) != u32_at(BODY) {
        return Slot::Invalid;
    }
    if u32_at(4) != FORMAT_VERSION {
        return Slot::OtherFormat(u32_at(4));
    }
    Slot::Valid(MasterRecord {
        seq: u64_at(8),
        checkpoint_begin: Lsn(u64_at(16)),
        checkpoint_end: Lsn(u64_at(24)),
        next_txn: TxnId(u64_at(32)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_roundtrip_and_corruption() {
        let r = MasterRecord {
            seq: 9,
            checkpoint_begin: Lsn(100),
            checkpoint_end: Lsn(200),
            next_txn: TxnId(5),
        };
        let enc = encode_slot(&r);
        assert_eq!(decode_slot(&enc), Slot::Valid(r));
        for bit in 0..(BODY + 4) * 8 {
            let mut bad = enc.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(decode_slot(&bad), Slot::Invalid, "bit {bit}");
        }
    }

    #[test]
    fn another_format_version_is_refused_by_name() {
        let r = MasterRecord {
            seq: 3,
            checkpoint_begin: Lsn(10),
            checkpoint_end: Lsn(20),
            next_txn: TxnId(7),
        };
        let mut old = encode_slot(&r);
        old[4..8].copy_from_slice(&1u32.to_le_bytes());
        let crc = crc32c::crc32c(&old[..BODY]);
        old[BODY..BODY + 4].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(decode_slot(&old), Slot::OtherFormat(1));

        let vfs = vfs::SimVfs::new(1);
        let path = Path::new("/control");
        let f = vfs.open(path, OpenMode::CreateIfMissing).expect("create");
        f.write_all_at(&old, 0).expect("write");
        f.sync().expect("sync");
        match Master::open(&vfs, path) {
            Err(WalError::IncompatibleFormat {
                found: 1, expected, ..
            }) => assert_eq!(expected, FORMAT_VERSION),
            Err(e) => panic!("wrong error: {e}"),
            Ok(_) => panic!("a version 1 directory was opened"),
        }
    }
}
