//! Shared pieces of the real-process crash test (`crash_child` binary and `tests/kill9.rs`):
//! the store options both sides use, the row encoding, and the id layout.
//!
//! Every transaction of the child writes two rows for one id: a primary row and a mirror row.
//! A row is `[tag u8][id u64 LE][payload length u16 LE][payload]`, where the payload's bytes
//! are a function of `(tag, id, position)`, so a reader can tell a damaged or truncated row
//! from a good one.
//!
//! Ids: the low 62 bits are a sequence number; [`ABORTED_BIT`] marks ids used only by
//! transactions the child rolls back, so none of them may ever be found in the store.

use std::time::Duration;
use storage::StorageOptions;

/// The heap every row goes to.
pub const HEAP: u32 = 1;
/// Tag of the primary row of an id.
pub const TAG_PRIMARY: u8 = 1;
/// Tag of the mirror row of an id.
pub const TAG_MIRROR: u8 = 2;
/// Set on ids written only by transactions that are rolled back.
pub const ABORTED_BIT: u64 = 1 << 63;
/// Payload sizes are drawn from this range.
pub const PAYLOAD_LEN: std::ops::Range<usize> = 10..2000;
/// Bytes before the payload: tag, id and payload length.
pub const ROW_HEADER: usize = 11;

/// Store options of the child (and of the test when it reopens the store): a small buffer
/// pool and frequent background checkpoints, so pages are evicted and checkpoints run while
/// transactions are in flight.
pub fn child_options() -> StorageOptions {
    StorageOptions {
        pool_frames: 64,
        checkpoint_wal_bytes: 1 << 20,
        checkpoint_interval: Some(Duration::from_millis(200)),
        ..StorageOptions::default()
    }
}

/// Options for the test process's own open of the store: the child's, without the background
/// checkpointer. A dropped store's checkpointer thread can still run one more checkpoint
/// after the handle is gone, which would race with the next child opening the directory.
pub fn verifier_options() -> StorageOptions {
    StorageOptions {
        checkpoint_interval: None,
        ..child_options()
    }
}

fn payload_byte(tag: u8, id: u64, i: usize) -> u8 {
    let x = id
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add((i as u64).wrapping_mul(0xbf58_476d_1ce4_e5b9))
        .wrapping_add(tag as u64);
    (x ^ (x >> 29)) as u8
}

/// Encodes the row `tag` of `id` with a payload of `len` bytes.
pub fn encode_row(tag: u8, id: u64, len: usize) -> Vec<u8> {
    let mut row = Vec::with_capacity(ROW_HEADER + len);
    row.push(tag);
    row.extend_from_slice(&id.to_le_bytes());
    row.extend_from_slice(&(len as u16).to_le_bytes());
    row.extend((0..len).map(|i| payload_byte(tag, id, i)));
    row
}

/// Decodes a row into `(tag, id)`, checking its tag, length and every payload byte.
pub fn decode_row(row: &[u8]) -> Result<(u8, u64), String> {
    if row.len() < ROW_HEADER {
        return Err(format!(
            "row of {} bytes is shorter than its header",
            row.len()
        ));
    }
    let tag = row[0];
    if tag != TAG_PRIMARY && tag != TAG_MIRROR {
        return Err(format!("row has unknown tag {tag}"));
    }
    let mut id_bytes = [0u8; 8];
    id_bytes.copy_from_slice(&row[1..9]);
    let id = u64::from_le_bytes(id_bytes);
    let len = u16::from_le_bytes([row[9], row[10]]) as usize;
    if len != row.len() - ROW_HEADER || !PAYLOAD_LEN.contains(&len) {
        return Err(format!(
            "row tag {tag} id {id:#x}: {} payload bytes, header says {len}",
            row.len() - ROW_HEADER
        ));
    }
    for (i, &b) in row[ROW_HEADER..].iter().enumerate() {
        if b != payload_byte(tag, id, i) {
            return Err(format!(
                "row tag {tag} id {id:#x}: payload byte {i} is {b:#04x}, expected {:#04x}",
                payload_byte(tag, id, i)
            ));
        }
    }
    Ok((tag, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_damage_is_detected() {
        let row = encode_row(TAG_MIRROR, ABORTED_BIT | 77, 123);
        assert_eq!(decode_row(&row), Ok((TAG_MIRROR, ABORTED_BIT | 77)));
        let mut bad = row.clone();
        bad[50] ^= 1;
        assert!(decode_row(&bad).is_err());
        assert!(decode_row(&row[..row.len() - 1]).is_err());
        assert!(decode_row(&row[..5]).is_err());
    }
}
