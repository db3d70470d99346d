//! COPY over the wire: CopyOutResponse/CopyData/CopyDone for COPY … TO STDOUT, and for
//! COPY … FROM STDIN the CopyInResponse, then the client's CopyData (gathered into chunks and
//! handed to the session in order, without waiting), CopyDone (`COPY n`) or CopyFail.
//!
//! A COPY FROM STDIN started by a simple Query may be followed by more statements in the same
//! message; they run after CopyDone, before ReadyForQuery.

use crate::conn::{send_item, wire_status, Conn, Item, Rest};
use crate::errors::engine_error;
use async_trait::async_trait;
use engine::copy::{CopyFormat, CopyInfo, CopyOutData};
use futures::sink::{Sink, SinkExt};
use pgwire::api::copy::CopyHandler;
use pgwire::api::{ClientInfo, PgWireConnectionState};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::copy::{CopyData, CopyDone, CopyFail, CopyInResponse, CopyOutResponse};
use pgwire::messages::response::CommandComplete;
use pgwire::messages::PgWireBackendMessage;
use std::fmt::Debug;
use std::sync::Mutex;

/// CopyData is handed to the session in chunks of about this size.
const CHUNK: usize = 256 * 1024;

/// A connection's COPY FROM STDIN state between messages.
#[derive(Default)]
pub(crate) struct CopyState {
    /// Data received and not yet handed to the session.
    pending: Mutex<Vec<u8>>,
    /// The statements that followed the COPY in its simple Query message.
    rest: Mutex<Option<Rest>>,
}

fn format_code(info: &CopyInfo) -> (i8, Vec<i16>) {
    let _ = CopyFormat::Csv;
    // Text and CSV are both textual: overall format 0, every column 0.
    (0, vec![0; info.columns])
}

fn columns(info: &CopyInfo) -> i16 {
    i16::try_from(info.columns).unwrap_or(i16::MAX)
}

/// Sends CopyInResponse and switches the connection to copy-in mode. `rest` holds the
/// statements of the same simple Query that follow the COPY.
pub(crate) async fn start_copy_in<C>(
    conn: &Conn,
    client: &mut C,
    info: &CopyInfo,
    extended: bool,
    rest: Option<Rest>,
) -> PgWireResult<()>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let (format, formats) = format_code(info);
    if let Ok(mut r) = conn.copy.rest.lock() {
        *r = rest;
    }
    if let Ok(mut p) = conn.copy.pending.lock() {
        p.clear();
    }
    client.set_state(PgWireConnectionState::CopyInProgress(extended));
    client
        .send(PgWireBackendMessage::CopyInResponse(CopyInResponse::new(
            format,
            columns(info),
            formats,
        )))
        .await?;
    Ok(())
}

/// Sends a COPY TO STDOUT's data and its `COPY n`.
pub(crate) async fn send_copy_out<C>(client: &mut C, data: CopyOutData) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let (format, formats) = format_code(&data.info);
    client
        .feed(PgWireBackendMessage::CopyOutResponse(CopyOutResponse::new(
            format,
            columns(&data.info),
            formats,
        )))
        .await?;
    for line in data.lines {
        client
            .feed(PgWireBackendMessage::CopyData(CopyData::new(line.into())))
            .await?;
    }
    client
        .feed(PgWireBackendMessage::CopyDone(CopyDone::new()))
        .await?;
    client
        .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
            format!("COPY {}", data.rows),
        )))
        .await?;
    Ok(())
}

impl Conn {
    /// Hands the data gathered so far to the session (jobs run in order; no waiting).
    fn flush_copy_data(&self) -> PgWireResult<()> {
        let data = match self.copy.pending.lock() {
            Ok(mut p) if !p.is_empty() => std::mem::take(&mut *p),
            _ => return Ok(()),
        };
        self.worker()?.post(move |s| {
            // An error is kept by the session and reported at CopyDone.
            let _ = s.copy_data(&data);
        });
        Ok(())
    }

    fn take_rest(&self) -> Option<Rest> {
        self.copy.rest.lock().ok().and_then(|mut r| r.take())
    }
}

#[async_trait]
impl CopyHandler for Conn {
    async fn on_copy_data<C>(&self, _client: &mut C, copy_data: CopyData) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let full = match self.copy.pending.lock() {
            Ok(mut p) => {
                p.extend_from_slice(&copy_data.data);
                p.len() >= CHUNK
            }
            Err(_) => false,
        };
        if full {
            self.flush_copy_data()?;
        }
        Ok(())
    }

    async fn on_copy_done<C>(&self, client: &mut C, _done: CopyDone) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.flush_copy_data()?;
        let rest = self.take_rest();
        let (done, status) = self
            .worker()?
            .run(|s| (s.copy_done(), s.transaction_status()))
            .await?;
        client.set_transaction_status(wire_status(status));
        let n = done.map_err(|e| engine_error(&e, 0))?;
        client
            .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                format!("COPY {n}"),
            )))
            .await?;
        if let Some(rest) = rest {
            let outcome = self
                .worker()?
                .run(move |s| crate::conn::run_simple(s, &rest.sql, rest.from))
                .await?;
            for item in outcome.items {
                match item {
                    Item::CopyIn(_) => {
                        let e = engine::EngineError::FeatureNotSupported {
                            feature: "a second COPY FROM STDIN in one query message".into(),
                        };
                        client.set_transaction_status(wire_status(outcome.status));
                        self.worker()?.post(|s| s.fail_transaction());
                        return Err(engine_error(&e, 0));
                    }
                    other => send_item(client, other, true).await?,
                }
            }
            client.set_transaction_status(wire_status(outcome.status));
        }
        Ok(())
    }

    async fn on_copy_fail<C>(&self, client: &mut C, fail: CopyFail) -> PgWireError
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if let Ok(mut p) = self.copy.pending.lock() {
            p.clear();
        }
        self.take_rest();
        let message = fail.message;
        let worker = match self.worker() {
            Ok(w) => w,
            Err(e) => return e,
        };
        match worker
            .run(move |s| (s.copy_fail(&message), s.transaction_status()))
            .await
        {
            Ok((e, status)) => {
                client.set_transaction_status(wire_status(status));
                engine_error(&e, 0)
            }
            Err(gone) => gone.into(),
        }
    }
}
