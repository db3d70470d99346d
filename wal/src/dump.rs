//! Read-only access to a log directory, for inspection tools such as `waldump`.
//!
//! [`LogManager::open`](crate::LogManager::open) is the engine's way in: it creates the
//! directory if missing and durably cuts off everything after the last valid record. A tool
//! looking at a damaged or crashed store must not do that, so [`LogDir`] only lists the
//! directory, opens existing segment files and reads them: it never creates, writes,
//! truncates, removes or syncs anything. (With `vfs::OsVfs` files are still opened
//! read-write, since `Vfs::open` has no read-only mode; nothing is ever written through them.)
//!
//! [`LogDir::scan`] yields the same records, and stops at the same place for the same reason,
//! as the scan recovery performs; what lies beyond the stop point stays on disk and
//! [`LogDir::bytes_from`] says how much there is.

use crate::error::{Result, WalError};
use crate::reader::LogReader;
use crate::segments::Segments;
use crate::{Lsn, Master, MasterRecord, FIRST_LSN};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vfs::{OpenMode, Vfs};

/// Smallest segment size the log manager accepts.
const MIN_SEGMENT_SIZE: u64 = 4096;

/// One segment file found in a log directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentFile {
    pub path: PathBuf,
    /// Log position of the file's first byte, from its name (`{start:016X}.wal`).
    pub start: Lsn,
    /// Bytes in the file.
    pub len: u64,
    /// Whether `start` is a multiple of the segment size. Files that are not are invisible to
    /// the log (a wrong `--segment-size`, or a stray file).
    pub aligned: bool,
}

/// A log directory opened for reading only.
#[derive(Debug)]
pub struct LogDir {
    vfs: Arc<dyn Vfs>,
    dir: PathBuf,
    segs: Segments,
}

impl LogDir {
    /// Opens the log in `dir` (which must exist) for reading, with `segment_size` bytes per
    /// segment. Fails on a missing directory, a segment size the log manager would refuse,
    /// or a segment file so close to the end of the LSN space that reading it would overflow.
    pub fn open(vfs: Arc<dyn Vfs>, dir: PathBuf, segment_size: u64) -> Result<LogDir> {
        if segment_size < MIN_SEGMENT_SIZE {
            return Err(WalError::Failed(format!(
                "segment size {segment_size} is below {MIN_SEGMENT_SIZE} bytes"
            )));
        }
        let exists = vfs.exists(&dir).map_err(|e| WalError::io(&dir, e))?;
        if !exists {
            return Err(WalError::io(
                &dir,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no log directory"),
            ));
        }
        let segs = Segments::new(vfs.clone(), dir.clone(), segment_size, None);
        if let Some(&last) = segs.list()?.last() {
            // The reader computes positions up to the end of the last segment.
            let start = last.saturating_mul(segment_size);
            if start.checked_add(segment_size).is_none() {
                return Err(WalError::Corrupt {
                    lsn: Lsn(start),
                    reason: "segment file lies at the end of the LSN space".into(),
                });
            }
        }
        Ok(LogDir { vfs, dir, segs })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn segment_size(&self) -> u64 {
        self.segs.size()
    }

    /// Every file named like a segment (`{:016X}.wal`), ascending by start position, aligned
    /// to the segment size or not.
    pub fn segment_files(&self) -> Result<Vec<SegmentFile>> {
        let names = self
            .vfs
            .list(&self.dir)
            .map_err(|e| WalError::io(&self.dir, e))?;
        let mut out = Vec::new();
        for path in names {
            let Some(start) = segment_start(&path) else {
                continue;
            };
            let file = self
                .vfs
                .open(&path, OpenMode::Existing)
                .map_err(|e| WalError::io(&path, e))?;
            let len = file.len().map_err(|e| WalError::io(&path, e))?;
            out.push(SegmentFile {
                aligned: start % self.segs.size() == 0,
                start: Lsn(start),
                len,
                path,
            });
        }
        out.sort_by_key(|s| s.start);
        Ok(out)
    }

    /// Where a scan without a checkpoint starts, as [`crate::LogManager::open`] does it: the
    /// start of the oldest segment (never below [`FIRST_LSN`]).
    pub fn first_lsn(&self) -> Result<Lsn> {
        Ok(match self.segs.list()?.first() {
            Some(&first) => Lsn(first.saturating_mul(self.segs.size()).max(FIRST_LSN.0)),
            None => FIRST_LSN,
        })
    }

    /// Reads records from `start` (which must be a record boundary) until the log ends; see
    /// [`LogReader::stop_reason`] for why it ended.
    pub fn scan(&self, start: Lsn) -> LogReader<'_> {
        LogReader::new(&self.segs, start)
    }

    /// Bytes stored in segment files at log positions `>= pos` (data recovery would cut off
    /// if `pos` were where its scan stopped). Counts aligned segments only.
    pub fn bytes_from(&self, pos: Lsn) -> Result<u64> {
        let mut total = 0u64;
        for seg in self.segment_files()? {
            if !seg.aligned {
                continue;
            }
            let end = seg.start.0.saturating_add(seg.len);
            let from = seg.start.0.max(pos.0);
            total = total.saturating_add(end.saturating_sub(from));
        }
        Ok(total)
    }
}

/// The segment size implied by the names of the segment files in `dir`: the greatest common
/// divisor of the distances between their start positions. `None` with fewer than two
/// segments, or when the result is below the smallest size the log accepts.
pub fn infer_segment_size(vfs: &dyn Vfs, dir: &Path) -> Result<Option<u64>> {
    let names = vfs.list(dir).map_err(|e| WalError::io(dir, e))?;
    let mut starts: Vec<u64> = names.iter().filter_map(|p| segment_start(p)).collect();
    starts.sort_unstable();
    let size = starts.windows(2).map(|w| w[1] - w[0]).fold(0u64, gcd);
    Ok((size >= MIN_SEGMENT_SIZE).then_some(size))
}

/// The current master record at `path`, or `None` if there is no master file or it holds no
/// record yet. Unlike [`Master::open`], never creates the file.
pub fn read_master(vfs: &dyn Vfs, path: &Path) -> Result<Option<MasterRecord>> {
    if !vfs.exists(path).map_err(|e| WalError::io(path, e))? {
        return Ok(None);
    }
    // The file exists, so `Master::open` only opens and reads it (the engine never removes
    // the master file, so it cannot vanish in between).
    Ok(Master::open(vfs, path)?.current())
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The start position encoded in a segment file name, if `path` is named like one.
fn segment_start(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    let hex = name.strip_suffix(".wal")?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{CheckpointData, PageChange, PageImage, RecordBody};
    use crate::{LogManager, LogOptions, PageId, TxnId};
    use vfs::SimVfs;

    const DIR: &str = "/db/wal";

    fn body(n: usize) -> RecordBody {
        match n % 4 {
            0 => RecordBody::Commit,
            1 => RecordBody::CheckpointEnd(CheckpointData {
                begin_lsn: Lsn(64),
                next_txn: TxnId(n as u64),
                txns: Vec::new(),
                dirty: Vec::new(),
            }),
            _ => RecordBody::Update(PageChange {
                page: PageId::new(1, n as u32),
                op: vec![n as u8; n % 500],
                image: n.is_multiple_of(3).then(|| PageImage {
                    bytes: vec![9; 200],
                    restore: true,
                }),
                redo_only: n.is_multiple_of(5),
            }),
        }
    }

    /// A log of 300 records over 4 KiB segments; returns the file system and what was
    /// appended.
    fn written() -> (SimVfs, Vec<(Lsn, RecordBody)>, Lsn) {
        let fs = SimVfs::new(7);
        let opts = LogOptions {
            segment_size: 4096,
            sabotage: None,
        };
        let opened = LogManager::open(Arc::new(fs.clone()), DIR.into(), &opts, None, None, |_| {
            Ok(())
        })
        .expect("open log");
        let log = opened.log;
        let mut appended = Vec::new();
        for n in 0..300 {
            let b = body(n);
            let lsn = log.append(Lsn::NONE, TxnId(n as u64), &b).expect("append");
            appended.push((lsn, b));
        }
        log.flush_all().expect("flush");
        let end = log.end_lsn();
        (fs, appended, end)
    }

    fn contents(fs: &SimVfs) -> Vec<(PathBuf, Option<Vec<u8>>)> {
        fs.list(Path::new(DIR))
            .expect("list")
            .into_iter()
            .map(|p| {
                let bytes = fs.peek(&p);
                (p, bytes)
            })
            .collect()
    }

    #[test]
    fn scan_returns_every_record_and_changes_nothing() {
        let (fs, appended, end) = written();
        let before = contents(&fs);
        assert!(before.len() > 5, "records should span several segments");
        assert_eq!(
            infer_segment_size(&fs, Path::new(DIR)).expect("infer"),
            Some(4096)
        );
        let dir = LogDir::open(Arc::new(fs.clone()), DIR.into(), 4096).expect("open dir");
        let files = dir.segment_files().expect("files");
        assert_eq!(files.len(), before.len());
        assert!(files.iter().all(|f| f.aligned));
        assert_eq!(dir.first_lsn().expect("first"), FIRST_LSN);
        let mut reader = dir.scan(dir.first_lsn().expect("first"));
        let mut seen = Vec::new();
        while let Some(rec) = reader.next_record().expect("read") {
            seen.push((rec.lsn, rec.body));
        }
        assert_eq!(seen, appended);
        assert_eq!(reader.position(), end);
        assert_eq!(reader.stop_reason(), Some("end of written log"));
        assert_eq!(dir.bytes_from(end).expect("bytes"), 0);
        // Starting in the middle works too.
        let mut mid = dir.scan(appended[150].0);
        assert_eq!(
            mid.next_record().expect("read").map(|r| r.lsn),
            Some(appended[150].0)
        );
        drop((reader, mid));
        drop(dir);
        assert_eq!(contents(&fs), before, "reading must not modify the log");
    }

    #[test]
    fn damage_is_reported_and_left_in_place() {
        let (fs, appended, end) = written();
        // Damage a record in the middle of the log.
        let (victim, _) = appended[200];
        let at = victim.0 + 20; // inside the header's prev_lsn field
        let seg = Path::new(DIR).join(format!("{:016X}.wal", at / 4096 * 4096));
        fs.poke(&seg, at % 4096, &[0xEE]);
        let before = contents(&fs);
        let dir = LogDir::open(Arc::new(fs.clone()), DIR.into(), 4096).expect("open dir");
        let mut reader = dir.scan(FIRST_LSN);
        let mut n = 0;
        while reader.next_record().expect("read").is_some() {
            n += 1;
        }
        assert_eq!(n, 200);
        assert_eq!(reader.position(), victim);
        assert_eq!(reader.stop_reason(), Some("checksum mismatch"));
        assert_eq!(dir.bytes_from(victim).expect("bytes"), end.0 - victim.0);
        assert_eq!(contents(&fs), before, "the damaged tail must stay on disk");
    }

    #[test]
    fn wrong_segment_size_and_odd_names_do_not_panic() {
        let (fs, _, _) = written();
        // 8 KiB: every other file is misaligned and invisible to the log.
        let dir = LogDir::open(Arc::new(fs.clone()), DIR.into(), 8192).expect("open dir");
        let files = dir.segment_files().expect("files");
        assert!(files.iter().any(|f| !f.aligned));
        let mut reader = dir.scan(dir.first_lsn().expect("first"));
        while reader.next_record().expect("read").is_some() {}
        assert!(reader.stop_reason().is_some());
        // A segment at the very end of the LSN space is refused instead of overflowing.
        let f = fs
            .open(
                &Path::new(DIR).join("FFFFFFFFFFFFF000.wal"),
                OpenMode::CreateIfMissing,
            )
            .expect("create");
        f.write_all_at(&[1u8; 100], 0).expect("write");
        assert!(LogDir::open(Arc::new(fs.clone()), DIR.into(), 4096).is_err());
        assert!(LogDir::open(Arc::new(fs.clone()), DIR.into(), 100).is_err());
        assert!(LogDir::open(Arc::new(fs), "/nowhere".into(), 4096).is_err());
    }

    #[test]
    fn segment_size_inference() {
        let fs = SimVfs::new(1);
        let dir = Path::new(DIR);
        fs.create_dir_all(dir).expect("mkdir");
        let touch = |start: u64| {
            fs.open(
                &dir.join(format!("{start:016X}.wal")),
                OpenMode::CreateIfMissing,
            )
            .expect("create");
        };
        assert_eq!(infer_segment_size(&fs, dir).expect("infer"), None);
        touch(0x1_0000);
        assert_eq!(infer_segment_size(&fs, dir).expect("infer"), None);
        touch(0x2_0000);
        touch(0x3_0000);
        assert_eq!(infer_segment_size(&fs, dir).expect("infer"), Some(0x1_0000));
        touch(0x3_0800);
        assert_eq!(infer_segment_size(&fs, dir).expect("infer"), None);
    }

    #[test]
    fn read_master_never_creates_the_file() {
        let fs = SimVfs::new(3);
        let path = Path::new("/db/control");
        fs.create_dir_all(Path::new("/db")).expect("mkdir");
        assert_eq!(read_master(&fs, path).expect("read"), None);
        assert!(
            !fs.exists(path).expect("exists"),
            "read_master created the file"
        );
        let mut m = Master::open(&fs, path).expect("master");
        m.write(Lsn(100), Lsn(200), TxnId(9)).expect("write");
        let rec = read_master(&fs, path).expect("read").expect("a record");
        assert_eq!(
            (rec.checkpoint_begin, rec.checkpoint_end, rec.next_txn),
            (Lsn(100), Lsn(200), TxnId(9))
        );
    }
}
