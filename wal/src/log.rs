//! The log manager: appends records, makes them durable with group commit, reads them back.
//!
//! Appends go to an in-memory buffer under one mutex (an LSN is assigned there, so LSNs are
//! strictly increasing in log order). `flush_through(lsn)` makes every record starting at or
//! before `lsn` durable. Group commit: one caller at a time is the flusher; it takes the whole
//! buffer, writes and syncs it outside the mutex, while later committers append into a fresh
//! buffer and wait; when it finishes, one waiter flushes everything that accumulated, so many
//! commits share one sync.
//!
//! Invariants:
//! - `durable` only grows, and every byte below it is synced.
//! - After any write or sync failure the manager is `failed` and refuses all further appends
//!   and flushes: the data handed to a failed sync may be gone, so nothing is retried.

use crate::error::{Result, WalError};
use crate::reader::LogReader;
use crate::record::{declared_len, decode, EncodedBody, LogRecord, RecordBody, HEADER_SIZE};
use crate::segments::Segments;
use crate::{Lsn, Sabotage, TxnId, FIRST_LSN};
use parking_lot::{Condvar, Mutex};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use vfs::Vfs;

/// Buffered bytes beyond which an append starts a flush by itself.
const BUFFER_SOFT_LIMIT: usize = 4 << 20;

#[derive(Clone, Debug)]
pub struct LogOptions {
    /// Bytes per segment file (a power of two is not required; at least 4 KiB).
    pub segment_size: u64,
    pub sabotage: Option<Sabotage>,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            segment_size: 16 << 20,
            sabotage: None,
        }
    }
}

struct Inner {
    /// Appended bytes not yet handed to a flusher: log positions [buf_start, end).
    buf: Vec<u8>,
    buf_start: Lsn,
    end: Lsn,
    flushing: bool,
    failed: Option<String>,
}

pub struct LogManager {
    segs: Segments,
    inner: Mutex<Inner>,
    cv: Condvar,
    /// End of the durable log: all bytes below are synced.
    durable: AtomicU64,
    syncs: AtomicU64,
}

/// What [`LogManager::open`] found.
pub struct OpenedLog {
    pub log: Arc<LogManager>,
    /// Where the scan began (the requested start, or the oldest segment).
    pub start: Lsn,
    /// End of the valid log; a torn or corrupt tail beyond it was cut off.
    pub end: Lsn,
    /// Why the scan stopped where it did.
    pub stop_reason: &'static str,
}

impl std::fmt::Debug for LogManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogManager")
            .field("durable", &self.durable_lsn())
            .finish()
    }
}

impl LogManager {
    /// Opens the log in `dir`, scanning from `start` (or the oldest segment when `None`) and
    /// handing every valid record to `visit`; cuts off the tail after the last valid record.
    /// If the scan stops at or before `must_reach` (a record known durable), fails without
    /// changing anything.
    pub fn open(
        vfs: Arc<dyn Vfs>,
        dir: PathBuf,
        opts: &LogOptions,
        start: Option<Lsn>,
        must_reach: Option<Lsn>,
        mut visit: impl FnMut(&LogRecord) -> Result<()>,
    ) -> Result<OpenedLog> {
        if opts.segment_size < 4096 {
            return Err(WalError::Failed("segment size below 4 KiB".into()));
        }
        vfs.create_dir_all(&dir)
            .map_err(|e| WalError::io(&dir, e))?;
        if let Some(parent) = dir.parent() {
            vfs.sync_dir(parent).map_err(|e| WalError::io(parent, e))?;
        }
        let segs = Segments::new(vfs, dir, opts.segment_size, opts.sabotage);
        let start = match start {
            Some(s) => s,
            None => match segs.list()?.first() {
                Some(&first) => Lsn((first * segs.size()).max(FIRST_LSN.0)),
                None => FIRST_LSN,
            },
        };
        let mut reader = LogReader::new(&segs, start);
        while let Some(rec) = reader.next_record()? {
            visit(&rec)?;
        }
        let end = reader.position();
        let stop_reason = reader.stop_reason().unwrap_or("end of written log");
        // A stop before a record known to be durable is damage, not a torn tail: refuse,
        // and leave the log as it is for inspection and salvage.
        if let Some(needed) = must_reach {
            if end <= needed {
                return Err(WalError::Corrupt {
                    lsn: end,
                    reason: format!(
                        "{stop_reason} before {needed}, which a durable checkpoint names; \
                         the log is left untouched"
                    ),
                });
            }
        }
        segs.truncate_at(end)?;
        let log = LogManager {
            segs,
            inner: Mutex::new(Inner {
                buf: Vec::new(),
                buf_start: end,
                end,
                flushing: false,
                failed: None,
            }),
            cv: Condvar::new(),
            durable: AtomicU64::new(end.0),
            syncs: AtomicU64::new(0),
        };
        Ok(OpenedLog {
            log: Arc::new(log),
            start,
            end,
            stop_reason,
        })
    }

    /// Appends a record; returns its LSN. The record is not durable until flushed.
    pub fn append(&self, prev_lsn: Lsn, txn: TxnId, body: &RecordBody) -> Result<Lsn> {
        let enc = EncodedBody::new(body);
        if enc.total_len() > crate::record::MAX_RECORD_SIZE {
            return Err(WalError::RecordTooLarge {
                len: enc.total_len(),
                max: crate::record::MAX_RECORD_SIZE,
            });
        }
        let (lsn, big) = {
            let mut g = self.inner.lock();
            if let Some(why) = &g.failed {
                return Err(WalError::Failed(why.clone()));
            }
            let lsn = g.end;
            enc.finish(lsn, prev_lsn, txn, &mut g.buf);
            g.end = Lsn(lsn.0 + enc.total_len() as u64);
            (lsn, g.buf.len() > BUFFER_SOFT_LIMIT && !g.flushing)
        };
        if big {
            self.flush_through(lsn)?;
        }
        Ok(lsn)
    }

    /// Position the next record will get.
    pub fn end_lsn(&self) -> Lsn {
        self.inner.lock().end
    }

    /// End of the durable log: every record that starts below it is synced.
    pub fn durable_lsn(&self) -> Lsn {
        Lsn(self.durable.load(Ordering::SeqCst))
    }

    /// Number of log syncs performed (group commit makes this smaller than the commit count).
    pub fn sync_count(&self) -> u64 {
        self.syncs.load(Ordering::Relaxed)
    }

    /// Whether an earlier I/O failure made the log unusable.
    pub fn failed(&self) -> Option<String> {
        self.inner.lock().failed.clone()
    }

    /// Makes every record that starts at or before `lsn` durable.
    pub fn flush_through(&self, lsn: Lsn) -> Result<()> {
        let mut g = self.inner.lock();
        loop {
            if self.durable.load(Ordering::SeqCst) > lsn.0 {
                return Ok(());
            }
            if let Some(why) = &g.failed {
                return Err(WalError::Failed(why.clone()));
            }
            if lsn >= g.end {
                // Nothing at or after the end to wait for: everything appended is enough.
                if self.durable.load(Ordering::SeqCst) >= g.end.0 {
                    return Ok(());
                }
            }
            if g.flushing {
                self.cv.wait(&mut g);
                continue;
            }
            g.flushing = true;
            let data = std::mem::take(&mut g.buf);
            let start = g.buf_start;
            let target = g.end;
            g.buf_start = target;
            drop(g);
            let res = self
                .segs
                .write_at(start, &data)
                .and_then(|touched| self.segs.sync(&touched));
            self.syncs.fetch_add(1, Ordering::Relaxed);
            g = self.inner.lock();
            g.flushing = false;
            match res {
                Ok(()) => self.durable.store(target.0, Ordering::SeqCst),
                Err(e) => g.failed = Some(e.to_string()),
            }
            self.cv.notify_all();
        }
    }

    /// Makes everything appended so far durable.
    pub fn flush_all(&self) -> Result<()> {
        let end = self.end_lsn();
        if end.0 == 0 {
            return Ok(());
        }
        self.flush_through(Lsn(end.0 - 1))
    }

    /// Reads the record at `lsn` (from the buffer, or from the segment files).
    pub fn read_record(&self, lsn: Lsn) -> Result<LogRecord> {
        {
            let mut g = self.inner.lock();
            loop {
                if lsn >= g.end {
                    return Err(WalError::Missing { lsn });
                }
                if lsn >= g.buf_start {
                    let off = (lsn.0 - g.buf_start.0) as usize;
                    return decode(&g.buf[off..], lsn).map_err(|e| WalError::Corrupt {
                        lsn,
                        reason: format!("{e:?}"),
                    });
                }
                // Bytes in flight with a flusher are in neither place until it finishes.
                if g.flushing && lsn.0 >= self.durable.load(Ordering::SeqCst) {
                    self.cv.wait(&mut g);
                    continue;
                }
                break;
            }
        }
        let mut header = [0u8; HEADER_SIZE];
        if self.segs.read_at(lsn, &mut header)? < HEADER_SIZE {
            return Err(WalError::Missing { lsn });
        }
        let len = declared_len(&header).map_err(|e| WalError::Corrupt {
            lsn,
            reason: format!("{e:?}"),
        })?;
        let mut bytes = vec![0u8; len];
        if self.segs.read_at(lsn, &mut bytes)? < len {
            return Err(WalError::Missing { lsn });
        }
        decode(&bytes, lsn).map_err(|e| WalError::Corrupt {
            lsn,
            reason: format!("{e:?}"),
        })
    }

    /// Scans records from `start` to the durable end (the caller flushes first if it needs
    /// everything appended).
    pub fn scan(&self, start: Lsn) -> LogReader<'_> {
        LogReader::new(&self.segs, start)
    }

    /// Removes segments entirely below `lsn`; returns how many were removed.
    pub fn reclaim_before(&self, lsn: Lsn) -> Result<usize> {
        self.segs.remove_before(lsn)
    }

    /// Segment files currently present.
    pub fn segment_count(&self) -> Result<usize> {
        Ok(self.segs.list()?.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{PageChange, PageImage};
    use crate::PageId;
    use std::path::Path;
    use vfs::{CrashMode, SimVfs};

    fn opts() -> LogOptions {
        LogOptions {
            segment_size: 4096,
            sabotage: None,
        }
    }

    fn open(fs: &SimVfs) -> (OpenedLog, Vec<LogRecord>) {
        let mut seen = Vec::new();
        let opened = LogManager::open(
            Arc::new(fs.clone()),
            Path::new("/db/wal").to_path_buf(),
            &opts(),
            None,
            None,
            |r| {
                seen.push(r.clone());
                Ok(())
            },
        )
        .expect("open log");
        (opened, seen)
    }

    fn update(n: usize) -> RecordBody {
        RecordBody::Update(PageChange {
            page: PageId::new(1, n as u32),
            op: vec![n as u8; n % 700],
            image: n.is_multiple_of(3).then(|| PageImage {
                bytes: vec![7; 300],
                restore: true,
            }),
            redo_only: false,
        })
    }

    #[test]
    fn records_span_segments_and_survive_reopen() {
        let fs = SimVfs::new(1);
        let (opened, _) = open(&fs);
        let log = opened.log;
        let mut lsns = Vec::new();
        for n in 0..200 {
            lsns.push(
                log.append(Lsn::NONE, TxnId(n as u64), &update(n))
                    .expect("append"),
            );
        }
        // Readable from the buffer before any flush, and from files after.
        assert_eq!(log.read_record(lsns[5]).expect("read").txn, TxnId(5));
        log.flush_all().expect("flush");
        for (n, &lsn) in lsns.iter().enumerate() {
            let r = log.read_record(lsn).expect("read back");
            assert_eq!(r.body, update(n));
        }
        assert!(log.segment_count().expect("count") > 10);
        drop(log);
        let fs = fs.crash(CrashMode::PowerLoss);
        let (_, seen) = open(&fs);
        assert_eq!(seen.len(), 200, "synced records must all survive");
    }

    #[test]
    fn torn_tail_is_cut_and_never_resurrected() {
        for seed in 0..40 {
            let fs = SimVfs::new(seed);
            let (opened, _) = open(&fs);
            let log = opened.log;
            for n in 0..20 {
                log.append(Lsn::NONE, TxnId(1), &update(n)).expect("append");
            }
            log.flush_all().expect("flush");
            let durable = log.durable_lsn();
            // Written but never synced: may be lost or torn by the crash.
            for n in 20..60 {
                log.append(Lsn::NONE, TxnId(2), &update(n)).expect("append");
            }
            let unsynced: Vec<u8> = log.inner.lock().buf.clone();
            let start = log.inner.lock().buf_start;
            log.segs.write_at(start, &unsynced).expect("write");
            drop(log);
            let fs = fs.crash(CrashMode::PowerLoss);
            let (opened, seen) = open(&fs);
            assert!(opened.end >= durable, "seed {seed}: durable records lost");
            assert!(seen.len() >= 20);
            for (i, r) in seen.iter().enumerate() {
                assert_eq!(r.body, update(i), "seed {seed}: record {i} garbled");
            }
            // New records after the cut, then a crash: the old tail must not come back.
            let log = opened.log;
            log.append(Lsn::NONE, TxnId(3), &RecordBody::Commit)
                .expect("append");
            log.flush_all().expect("flush");
            let expect = seen.len() + 1;
            drop(log);
            let fs = fs.crash(CrashMode::PowerLoss);
            let (_, again) = open(&fs);
            assert_eq!(again.len(), expect, "seed {seed}");
            assert_eq!(again.last().map(|r| r.txn), Some(TxnId(3)));
        }
    }

    #[test]
    fn group_commit_shares_syncs() {
        // Real files: concurrent committers overlap only when a sync takes real time.
        let dir = std::env::temp_dir().join(format!(
            "quill-group-commit-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let log = LogManager::open(
            Arc::new(vfs::OsVfs::new()),
            dir.clone(),
            &opts(),
            None,
            None,
            |_| Ok(()),
        )
        .expect("open")
        .log;
        let threads = 8;
        let per_thread = 50;
        std::thread::scope(|s| {
            for t in 0..threads {
                let log = &log;
                s.spawn(move || {
                    for _ in 0..per_thread {
                        let lsn = log
                            .append(Lsn::NONE, TxnId(t), &RecordBody::Commit)
                            .expect("append");
                        log.flush_through(lsn).expect("flush");
                        assert!(log.durable_lsn() > lsn);
                    }
                });
            }
        });
        let commits = threads * per_thread;
        let syncs = log.sync_count();
        println!("group commit: {commits} commits, {syncs} log syncs");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            syncs < commits,
            "no sharing: {syncs} syncs for {commits} commits"
        );
    }

    #[test]
    fn failed_sync_is_fatal() {
        let fs = SimVfs::new(3);
        let log = open(&fs).0.log;
        fs.set_plan(vfs::FaultPlan {
            io_error: Some(vfs::IoFault {
                at_op: 0,
                kind: vfs::FaultKind::Sync,
                persistent: false,
            }),
            ..vfs::FaultPlan::default()
        });
        let lsn = log
            .append(Lsn::NONE, TxnId(1), &RecordBody::Commit)
            .expect("append");
        assert!(log.flush_through(lsn).is_err());
        // The fault was one-shot, but the log must not pretend a retry makes it durable.
        assert!(log.flush_through(lsn).is_err());
        assert!(log
            .append(Lsn::NONE, TxnId(1), &RecordBody::Commit)
            .is_err());
        assert!(log.failed().is_some());
    }

    #[test]
    fn reclaim_removes_only_whole_old_segments() {
        let fs = SimVfs::new(9);
        let log = open(&fs).0.log;
        let mut lsns = Vec::new();
        for n in 0..100 {
            lsns.push(log.append(Lsn::NONE, TxnId(1), &update(n)).expect("append"));
        }
        log.flush_all().expect("flush");
        let keep = lsns[60];
        let before = log.segment_count().expect("count");
        let removed = log.reclaim_before(keep).expect("reclaim");
        assert!(removed > 0);
        assert_eq!(log.segment_count().expect("count"), before - removed);
        for &lsn in &lsns[60..] {
            log.read_record(lsn).expect("kept records stay readable");
        }
    }
}
