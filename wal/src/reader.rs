//! Sequential log reader. It stops cleanly at the end of the log: a missing segment, a short
//! or torn record, a bad checksum, or a record that holds another position's LSN (stale bytes).
//! Deciding whether such a stop is a legitimate tail or corruption is the caller's job (a stop
//! before a position known to be durable, like the checkpoint end, is corruption).

use crate::error::Result;
use crate::record::{declared_len, decode, LogRecord, HEADER_SIZE};
use crate::segments::Segments;
use crate::Lsn;

const READ_AHEAD: usize = 256 * 1024;

pub struct LogReader<'a> {
    segs: &'a Segments,
    pos: Lsn,
    buf: Vec<u8>,
    buf_start: u64,
    /// Why the reader stopped, once it has.
    stop: Option<&'static str>,
}

impl<'a> LogReader<'a> {
    pub(crate) fn new(segs: &'a Segments, start: Lsn) -> LogReader<'a> {
        LogReader {
            segs,
            pos: start,
            buf: Vec::new(),
            buf_start: start.0,
            stop: None,
        }
    }

    /// Position after the last record returned: the end of the log once `next` gave `None`.
    pub fn position(&self) -> Lsn {
        self.pos
    }

    /// Why the scan ended ("end of written log", "checksum mismatch", ...).
    pub fn stop_reason(&self) -> Option<&'static str> {
        self.stop
    }

    /// Makes `[pos, pos + n)` available in the buffer if the log holds it; returns the slice.
    fn fill(&mut self, n: usize) -> Result<Option<&[u8]>> {
        let pos = self.pos.0;
        let have_from = pos.checked_sub(self.buf_start).map(|d| d as usize);
        let ok = matches!(have_from, Some(off) if off + n <= self.buf.len());
        if !ok {
            let want = n.max(READ_AHEAD);
            self.buf.resize(want, 0);
            let got = self.segs.read_at(self.pos, &mut self.buf)?;
            self.buf.truncate(got);
            self.buf_start = pos;
            if got < n {
                return Ok(None);
            }
        }
        let off = (pos - self.buf_start) as usize;
        Ok(Some(&self.buf[off..off + n]))
    }

    /// The next valid record, or `None` at the end of the log.
    pub fn next_record(&mut self) -> Result<Option<LogRecord>> {
        if self.stop.is_some() {
            return Ok(None);
        }
        let len = match self.fill(HEADER_SIZE)? {
            None => return self.stopped("end of written log"),
            Some(h) if h.iter().all(|&b| b == 0) => return self.stopped("zeroed bytes"),
            Some(h) => match declared_len(h) {
                Ok(len) => len,
                Err(_) => return self.stopped("invalid record length"),
            },
        };
        let pos = self.pos;
        let rec = match self.fill(len)? {
            None => return self.stopped("record cut short"),
            Some(bytes) => match decode(bytes, pos) {
                Ok(r) => r,
                Err(crate::record::DecodeError::Short) => return self.stopped("record cut short"),
                Err(crate::record::DecodeError::Invalid(why)) => return self.stopped(why),
            },
        };
        self.pos = rec.end_lsn();
        Ok(Some(rec))
    }

    fn stopped(&mut self, why: &'static str) -> Result<Option<LogRecord>> {
        self.stop = Some(why);
        Ok(None)
    }
}
