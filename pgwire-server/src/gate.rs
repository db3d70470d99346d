//! The message gate: sits between a client's byte stream and the protocol decoder and lets
//! through only whole, well-formed frontend messages.
//!
//! For each message it checks the type byte, the declared length (at least 4; at most
//! `max_message_size` for Query, Parse, Bind and CopyData, 10,000 bytes for the others, as
//! PostgreSQL's PQ_SMALL_MESSAGE_LIMIT) as soon as the 5-byte header has arrived, so an
//! oversized message is refused before anything is allocated for it; and the layout of the
//! messages whose fields the decoder reads without bounds checks (Bind, Parse, Execute,
//! Describe, Close, CopyFail). A violation is recorded and reading fails; the connection
//! then reports it (FATAL 08P01) and closes. Writes pass through.

use bytes::{Buf, BytesMut};
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// PostgreSQL's PQ_SMALL_MESSAGE_LIMIT: the most any message but Query, Parse, Bind and
/// CopyData may take.
pub const SMALL_MESSAGE_LIMIT: usize = 10_000;

/// Why the gate closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation(pub String);

/// Where a gate records its violation for the connection to report.
pub type ViolationSlot = Arc<Mutex<Option<Violation>>>;

pub struct Gate<S> {
    inner: S,
    max_message_size: usize,
    /// Bytes received and not yet checked.
    incoming: BytesMut,
    /// Whole checked messages, to hand to the decoder.
    ready: BytesMut,
    violation: ViolationSlot,
    eof: bool,
}

impl<S> Gate<S> {
    pub fn new(inner: S, max_message_size: usize, violation: ViolationSlot) -> Gate<S> {
        Gate {
            inner,
            max_message_size,
            incoming: BytesMut::with_capacity(8192),
            ready: BytesMut::new(),
            violation,
            eof: false,
        }
    }

    /// Moves every complete, valid message from `incoming` to `ready`.
    fn check_messages(&mut self) -> Result<(), Violation> {
        while self.incoming.len() >= 5 {
            let kind = self.incoming[0];
            let len = i32::from_be_bytes([
                self.incoming[1],
                self.incoming[2],
                self.incoming[3],
                self.incoming[4],
            ]);
            let limit = match kind {
                b'Q' | b'P' | b'B' | b'd' => self.max_message_size,
                b'p' | b'E' | b'D' | b'C' | b'S' | b'H' | b'X' | b'c' | b'f' => SMALL_MESSAGE_LIMIT,
                other => {
                    return Err(Violation(format!("invalid frontend message type {other}")));
                }
            };
            let len = usize::try_from(len).unwrap_or(0);
            if len < 4 || len > limit {
                return Err(Violation("invalid message length".into()));
            }
            if self.incoming.len() < 1 + len {
                // Wait for the rest; the buffer grows only as bytes arrive, so a declared
                // length costs nothing until it is actually sent.
                return Ok(());
            }
            check_layout(kind, &self.incoming[5..1 + len])?;
            let message = self.incoming.split_to(1 + len);
            self.ready.extend_from_slice(&message);
        }
        Ok(())
    }
}

/// A reader over a message body that fails instead of reading past its end.
struct Fields<'a>(&'a [u8]);

fn short() -> Violation {
    Violation("insufficient data left in message".into())
}

impl Fields<'_> {
    fn cstring(&mut self) -> Result<(), Violation> {
        let nul = self
            .0
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| Violation("invalid string in message".into()))?;
        self.0 = &self.0[nul + 1..];
        Ok(())
    }
    fn skip(&mut self, n: usize) -> Result<(), Violation> {
        if self.0.len() < n {
            return Err(short());
        }
        self.0 = &self.0[n..];
        Ok(())
    }
    fn i16(&mut self) -> Result<i16, Violation> {
        if self.0.len() < 2 {
            return Err(short());
        }
        let v = self.0.get_i16();
        Ok(v)
    }
    fn i32(&mut self) -> Result<i32, Violation> {
        if self.0.len() < 4 {
            return Err(short());
        }
        Ok(self.0.get_i32())
    }
    fn count(&mut self) -> Result<usize, Violation> {
        usize::try_from(self.i16()?).map_err(|_| Violation("invalid count in message".into()))
    }
    fn end(&self) -> Result<(), Violation> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Violation("invalid message format".into()))
        }
    }
}

/// Checks the fields of the messages the decoder reads without bounds checks.
fn check_layout(kind: u8, body: &[u8]) -> Result<(), Violation> {
    let mut f = Fields(body);
    match kind {
        b'B' => {
            f.cstring()?;
            f.cstring()?;
            let formats = f.count()?;
            f.skip(formats * 2)?;
            for _ in 0..f.count()? {
                let len = f.i32()?;
                if len < -1 {
                    return Err(Violation("invalid parameter length in Bind".into()));
                }
                if len > 0 {
                    f.skip(len as usize)?;
                }
            }
            let results = f.count()?;
            f.skip(results * 2)?;
            f.end()
        }
        b'P' => {
            f.cstring()?;
            f.cstring()?;
            let types = f.count()?;
            f.skip(types * 4)?;
            f.end()
        }
        b'E' => {
            f.cstring()?;
            f.i32()?;
            f.end()
        }
        b'D' | b'C' => {
            f.skip(1)?;
            f.cstring()?;
            f.end()
        }
        b'Q' | b'f' => {
            f.cstring()?;
            f.end()
        }
        _ => Ok(()),
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Gate<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if !this.ready.is_empty() {
                let n = out.remaining().min(this.ready.len());
                out.put_slice(&this.ready.split_to(n));
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                return Poll::Ready(Ok(()));
            }
            if let Err(v) = this.check_messages() {
                let reason = v.0.clone();
                if let Ok(mut slot) = this.violation.lock() {
                    slot.get_or_insert(v);
                }
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, reason)));
            }
            if !this.ready.is_empty() {
                continue;
            }
            if this.incoming.capacity() == this.incoming.len() {
                this.incoming.reserve(8192);
            }
            match tokio_util::io::poll_read_buf(Pin::new(&mut this.inner), cx, &mut this.incoming) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(0)) => this.eof = true,
                Poll::Ready(Ok(_)) => {}
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Gate<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn msg(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![kind];
        m.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
        m.extend_from_slice(body);
        m
    }

    async fn read_all(input: Vec<u8>) -> (Vec<u8>, Option<Violation>) {
        let slot = ViolationSlot::default();
        let mut gate = Gate::new(&input[..], 1 << 20, slot.clone());
        let mut out = Vec::new();
        let _ = gate.read_to_end(&mut out).await;
        let v = slot.lock().unwrap().clone();
        (out, v)
    }

    #[tokio::test]
    async fn passes_whole_valid_messages() {
        let mut input = msg(b'Q', b"SELECT 1\0");
        // Bind: portal "", statement "s", one format (binary), one 2-byte parameter, no
        // result formats.
        input.extend(msg(b'B', b"\0s\0\0\x01\0\x01\0\x01\0\0\0\x02hi\0\0"));
        input.extend(msg(b'S', b""));
        let (out, v) = read_all(input.clone()).await;
        assert_eq!(v, None);
        assert_eq!(out, input);
    }

    #[tokio::test]
    async fn refuses_bad_lengths_types_and_layouts() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"Q\x00\x00\x00\x02".to_vec(), "invalid message length"),
            (b"Q\x7f\xff\xff\xff".to_vec(), "invalid message length"),
            (b"E\x00\x01\x00\x00".to_vec(), "invalid message length"),
            (
                b"z\x00\x00\x00\x04".to_vec(),
                "invalid frontend message type 122",
            ),
            // Bind declaring a 100-byte parameter it does not carry.
            (
                msg(b'B', b"\0\0\0\0\0\x01\0\0\0\x64ab"),
                "insufficient data left in message",
            ),
            (msg(b'B', b"\0\0\0\0\xff\xff"), "invalid count in message"),
            (msg(b'Q', b"SELECT 1"), "invalid string in message"),
            (
                msg(b'P', b"\0SELECT\0\0\x02\0\0\0\x17"),
                "insufficient data left in message",
            ),
            (msg(b'E', b"\0\0\0\0\0\0"), "invalid message format"),
        ];
        for (input, want) in cases {
            let (out, v) = read_all(input.clone()).await;
            assert!(out.is_empty(), "{input:?}");
            assert_eq!(v, Some(Violation(want.into())), "{input:?}");
        }
    }
}
