//! One client connection from accept to close.
//!
//! Before the protocol decoder sees anything, the connection reads the untyped packets
//! that open it: SSLRequest (answered `S` and followed by a TLS handshake when a
//! certificate is configured and the connection is TCP, else `N`), GSSENCRequest (`N`), CancelRequest (cancels the
//! statement of the session with that backend key, then closes), and the startup packet,
//! whose length (8 to 10,000 bytes), protocol version (3.x; else FATAL 0A000) and layout
//! (08P01) are checked here. Then the connection takes a slot among `max_connections`
//! (else FATAL 53300) and runs the message loop, with every message passing the
//! [`Gate`](crate::gate). Startup and authentication must finish within
//! `authentication_timeout`; a malformed or oversized message ends the connection with
//! FATAL 08P01. Nothing here can end another connection.

use crate::config::ServerConfig;
use crate::conn::{Conn, Shared};
use crate::gate::{Gate, ViolationSlot};
use crate::tls::Transport;
use bytes::BytesMut;
use futures::{SinkExt, StreamExt};
use pgwire::api::{
    ClientInfo, DefaultClient, ErrorHandler, PgWireConnectionState, PgWireServerHandlers,
};
use pgwire::error::{ErrorInfo, PgWireError, SEVERITY_FATAL};
use pgwire::messages::response::ErrorResponse;
use pgwire::messages::startup::SecretKey;
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use pgwire::tokio::server::{process_error, process_message, PgWireMessageServerCodec};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tokio_util::codec::{Framed, FramedParts};

const SSL_REQUEST: i32 = 80877103;
const GSSENC_REQUEST: i32 = 80877104;
const CANCEL_REQUEST: i32 = 80877102;
/// PostgreSQL's MAX_STARTUP_PACKET_LENGTH.
const MAX_STARTUP_PACKET: usize = 10_000;

/// What every connection of a server needs.
pub struct Context {
    pub shared: Arc<Shared>,
    pub config: Arc<ServerConfig>,
    pub tls: Option<TlsAcceptor>,
}

fn fatal_info(code: &str, message: &str) -> ErrorInfo {
    let mut info = ErrorInfo::new(
        SEVERITY_FATAL.to_owned(),
        code.to_owned(),
        message.to_owned(),
    );
    info.severity_nonlocalized = Some(SEVERITY_FATAL.to_owned());
    info
}

/// Sends a FATAL ErrorResponse on a stream the decoder does not own yet.
async fn send_fatal_raw<S: AsyncWrite + Unpin>(s: &mut S, code: &str, message: &str) {
    let mut buf = BytesMut::new();
    let msg = PgWireBackendMessage::ErrorResponse(ErrorResponse::from(fatal_info(code, message)));
    if msg.encode(&mut buf).is_ok() {
        let _ = s.write_all(&buf).await;
        let _ = s.flush().await;
    }
}

/// Reads one untyped packet (length-prefixed); `None` if its length is out of bounds.
async fn read_packet<S: AsyncRead + Unpin>(s: &mut S) -> std::io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).await?;
    let n = i32::from_be_bytes(len);
    let n = match usize::try_from(n) {
        Ok(n) if (8..=MAX_STARTUP_PACKET).contains(&n) => n,
        _ => return Ok(None),
    };
    let mut packet = vec![0u8; n];
    packet[..4].copy_from_slice(&len);
    s.read_exact(&mut packet[4..]).await?;
    Ok(Some(packet))
}

/// Checks a startup packet's parameters: NUL-terminated name/value pairs and a final NUL.
fn check_startup_layout(params: &[u8]) -> Result<(), &'static str> {
    if params.last() != Some(&0) {
        return Err("invalid startup packet layout: expected terminator as last byte");
    }
    let fields: Vec<&[u8]> = params[..params.len() - 1].split(|&b| b == 0).collect();
    // `split` yields one empty field for an empty list, else one past the last NUL.
    let pairs = &fields[..fields.len() - 1];
    if fields.last().is_some_and(|f| !f.is_empty()) || !pairs.len().is_multiple_of(2) {
        return Err("invalid startup packet layout: expected terminator as last byte");
    }
    if pairs.iter().step_by(2).any(|name| name.is_empty()) {
        return Err("invalid startup packet layout: expected terminator as last byte");
    }
    Ok(())
}

/// The packets before the startup message; returns the stream and the startup packet, or
/// `None` when the connection ends here (CancelRequest, bad packet).
async fn negotiate(
    mut stream: Transport,
    peer: SocketAddr,
    cx: &Context,
) -> std::io::Result<Option<(Transport, Vec<u8>)>> {
    loop {
        let Some(packet) = read_packet(&mut stream).await? else {
            tracing::debug!(%peer, "invalid length of startup packet");
            return Ok(None);
        };
        let code = i32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
        match code {
            SSL_REQUEST => match (stream, &cx.tls) {
                (Transport::Plain(mut tcp), Some(acceptor)) => {
                    tcp.write_all(b"S").await?;
                    tcp.flush().await?;
                    stream = Transport::Tls(Box::new(acceptor.accept(tcp).await?));
                }
                (Transport::Plain(mut tcp), None) => {
                    tcp.write_all(b"N").await?;
                    tcp.flush().await?;
                    stream = Transport::Plain(tcp);
                }
                // PostgreSQL does not encrypt Unix-domain connections.
                (Transport::Unix(mut unix), _) => {
                    unix.write_all(b"N").await?;
                    unix.flush().await?;
                    stream = Transport::Unix(unix);
                }
                (Transport::Tls(_), _) => {
                    tracing::debug!(%peer, "SSLRequest inside TLS");
                    return Ok(None);
                }
            },
            GSSENC_REQUEST => {
                stream.write_all(b"N").await?;
                stream.flush().await?;
            }
            CANCEL_REQUEST => {
                if packet.len() < 16 {
                    tracing::debug!(%peer, "invalid length of cancel request");
                    return Ok(None);
                }
                let pid = i32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]);
                let key = match &packet[12..] {
                    [a, b, c, d] => SecretKey::I32(i32::from_be_bytes([*a, *b, *c, *d])),
                    other => SecretKey::Bytes(bytes::Bytes::copy_from_slice(other)),
                };
                let matched = cx.shared.registry.cancel(pid, &key);
                tracing::debug!(%peer, pid, matched, "cancel request");
                return Ok(None);
            }
            version => {
                let (major, minor) = (version >> 16, version & 0xffff);
                if major != 3 {
                    let msg = format!(
                        "unsupported frontend protocol {major}.{minor}: server supports 3.0 to 3.0"
                    );
                    send_fatal_raw(&mut stream, "0A000", &msg).await;
                    return Ok(None);
                }
                if let Err(msg) = check_startup_layout(&packet[8..]) {
                    send_fatal_raw(&mut stream, "08P01", msg).await;
                    return Ok(None);
                }
                return Ok(Some((stream, packet)));
            }
        }
    }
}

/// Serves one connection until it ends. `peer` is the client's address (for a Unix-domain
/// connection, which has none, a placeholder: the handlers know it is local). `conn` is the
/// handlers' connection state: while the client is between queries (after a Query or a
/// Sync was answered), notifications delivered to its session are sent at once.
pub async fn serve<H: PgWireServerHandlers>(
    socket: Transport,
    peer: SocketAddr,
    cx: Arc<Context>,
    handlers: H,
    conn: Arc<Conn>,
) {
    if let Transport::Plain(tcp) = &socket {
        let _ = tcp.set_nodelay(true);
    }
    let deadline = Instant::now() + cx.config.authentication_timeout;
    let (mut stream, packet) =
        match tokio::time::timeout_at(deadline, negotiate(socket, peer, &cx)).await {
            Ok(Ok(Some(opened))) => opened,
            Ok(Ok(None)) => return,
            Ok(Err(e)) => {
                tracing::debug!(%peer, "connection ended during startup: {e}");
                return;
            }
            Err(_) => {
                tracing::debug!(%peer, "startup timed out");
                return;
            }
        };
    let Some(_slot) = cx.shared.registry.admit() else {
        tracing::warn!(%peer, "refused: too many connections");
        send_fatal_raw(&mut stream, "53300", "sorry, too many clients already").await;
        return;
    };
    let tls = stream.is_tls();
    let violation = ViolationSlot::default();
    let gate = Gate::new(stream, cx.config.max_message_size, violation.clone());

    let startup_handler = handlers.startup_handler();
    let simple_query_handler = handlers.simple_query_handler();
    let extended_query_handler = handlers.extended_query_handler();
    let copy_handler = handlers.copy_handler();
    let cancel_handler = handlers.cancel_handler();
    let error_handler = handlers.error_handler();

    let mut parts = FramedParts::new(
        gate,
        PgWireMessageServerCodec::new(DefaultClient::new(peer, tls)),
    );
    parts.read_buf = BytesMut::from(&packet[..]);
    let mut socket = Framed::from_parts(parts);
    socket.set_state(PgWireConnectionState::AwaitingStartup);
    // The last message ended a query cycle (Query, Sync, the end of a COPY, the startup):
    // the client has its ReadyForQuery and the session may be idle.
    let mut between_queries = true;

    loop {
        let starting = matches!(
            socket.state(),
            PgWireConnectionState::AwaitingStartup
                | PgWireConnectionState::AuthenticationInProgress
        );
        let next = if starting {
            match tokio::time::timeout_at(deadline, socket.next()).await {
                Ok(next) => next,
                Err(_) => {
                    tracing::debug!(%peer, "authentication timed out");
                    let info = fatal_info("08P01", "canceling authentication due to timeout");
                    let _ = socket
                        .send(PgWireBackendMessage::ErrorResponse(info.into()))
                        .await;
                    break;
                }
            }
        } else if between_queries && matches!(socket.state(), PgWireConnectionState::ReadyForQuery)
        {
            tokio::select! {
                next = socket.next() => next,
                () = conn.arrivals.arrived() => {
                    let sent = match conn.feed_waiting_notifications(&mut socket).await {
                        Ok(()) => socket.flush().await.map_err(PgWireError::from),
                        Err(e) => Err(e),
                    };
                    if let Err(e) = sent {
                        tracing::debug!(%peer, "notifications not sent: {e}");
                        break;
                    }
                    continue;
                }
            }
        } else {
            socket.next().await
        };
        let msg = match next {
            Some(Ok(msg)) => msg,
            Some(Err(e)) => {
                let found = violation.lock().ok().and_then(|mut v| v.take());
                let message = match (found, &e) {
                    (Some(v), _) => v.0,
                    (None, PgWireError::IoError(_)) => {
                        tracing::debug!(%peer, "connection lost: {e}");
                        break;
                    }
                    (None, e) => e.to_string(),
                };
                tracing::debug!(%peer, "protocol violation: {message}");
                let info = fatal_info("08P01", &message);
                let _ = socket
                    .send(PgWireBackendMessage::ErrorResponse(info.into()))
                    .await;
                break;
            }
            None => break,
        };
        if matches!(msg, PgWireFrontendMessage::Terminate(_)) {
            break;
        }
        between_queries = starting
            || matches!(
                msg,
                PgWireFrontendMessage::Query(_)
                    | PgWireFrontendMessage::Sync(_)
                    | PgWireFrontendMessage::CopyDone(_)
                    | PgWireFrontendMessage::CopyFail(_)
            );
        let is_extended_query = match socket.state() {
            PgWireConnectionState::CopyInProgress(extended) => extended,
            _ => msg.is_extended_query(),
        };
        if let Err(mut e) = process_message(
            msg,
            &mut socket,
            startup_handler.clone(),
            simple_query_handler.clone(),
            extended_query_handler.clone(),
            copy_handler.clone(),
            cancel_handler.clone(),
        )
        .await
        {
            error_handler.on_error(&socket, &mut e);
            let is_fatal = e.is_fatal();
            if let PgWireError::UserError(info) = &e {
                if is_fatal {
                    tracing::info!(%peer, code = %info.code, "connection refused: {}", info.message);
                }
            }
            if process_error(&mut socket, e, is_extended_query)
                .await
                .is_err()
                || is_fatal
            {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startup_layouts() {
        assert!(check_startup_layout(b"user\0postgres\0\0").is_ok());
        assert!(check_startup_layout(b"user\0postgres\0database\0x\0\0").is_ok());
        assert!(check_startup_layout(b"\0").is_ok());
        assert!(check_startup_layout(b"").is_err());
        assert!(check_startup_layout(b"user\0postgres").is_err());
        assert!(check_startup_layout(b"user\0postgres\0").is_err());
        assert!(check_startup_layout(b"user\0\0").is_err());
        assert!(check_startup_layout(b"\0x\0\0").is_err());
    }
}
