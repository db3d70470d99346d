//! The server: opens (creating and recovering) the database, accepts connections (TCP, and
//! the Unix-domain socket when a socket directory is configured) and serves each with the
//! PostgreSQL protocol until told to stop; then closes every connection (their
//! open transactions roll back), waits for their threads to end and closes the
//! database, which writes a checkpoint.
//!
//! The first start in a new data directory creates it with the bootstrap superuser
//! `postgres` and a `pg_hba.conf` trusting local and loopback connections, as initdb does
//! ([`crate::datadir`], which makes every step of it crash-safe).

use crate::config::ServerConfig;
use crate::conn::{Conn, Shared};
use crate::connection::Context;
use crate::datadir::{load_rules, open_database};
use crate::hba::{HbaError, Rules};
use crate::registry::Registry;
use crate::tls::{TlsError, Transport};
use crate::unix_socket::UnixSocket;
use engine::{Database, EngineError};
use futures::FutureExt;
use pgwire::api::auth::StartupHandler;
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::{ErrorHandler, PgWireServerHandlers, RandomPidSecretKeyGenerator};
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// The address a Unix-domain connection is given (it has none; `Conn::local` marks it).
const LOCAL_PEER: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), 0);

/// How long shutdown waits for connections to finish their current statement.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The role initdb creates.
pub const BOOTSTRAP_SUPERUSER: &str = "postgres";

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("could not open the database in {path}: {source}")]
    Open { path: PathBuf, source: EngineError },
    #[error("could not listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("a server thread failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("could not read the authentication rules {path}: {source}")]
    HbaRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Hba { path: PathBuf, source: HbaError },
    #[error("configuration file \"{path}\" contains no entries")]
    HbaEmpty { path: PathBuf },
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("ssl_cert_file and ssl_key_file must be set together")]
    TlsHalfConfigured,
    #[error("could not create the bootstrap superuser: {0}")]
    Bootstrap(EngineError),
    #[error(transparent)]
    Socket(#[from] crate::unix_socket::SocketError),
}

/// A server bound to its address with its database open; [`Server::run`] serves it.
pub struct Server {
    listener: TcpListener,
    /// The Unix-domain socket, when `socket_dir` is set (its file goes with it).
    unix: Option<UnixSocket>,
    db: Database,
    config: ServerConfig,
    hba: Rules,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

/// The handlers of one connection, as pgwire asks for them.
struct Handlers(Arc<Conn>);

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.0.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.0.clone()
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.0.clone()
    }

    fn error_handler(&self) -> Arc<impl ErrorHandler> {
        self.0.clone()
    }

    fn copy_handler(&self) -> Arc<impl pgwire::api::copy::CopyHandler> {
        self.0.clone()
    }
}

/// Serves one connection until it ends. Malformed messages are refused before the
/// protocol decoder sees them ([`crate::gate`]); should the decoder or a handler still
/// panic, the panic ends only this connection, whose session is dropped with it.
async fn serve_connection(
    socket: Transport,
    peer: SocketAddr,
    cx: Arc<Context>,
    handlers: Handlers,
) {
    let conn = handlers.0.clone();
    let served = AssertUnwindSafe(crate::connection::serve(socket, peer, cx, handlers, conn))
        .catch_unwind()
        .await;
    match served {
        Ok(()) => tracing::debug!(%peer, "connection closed"),
        Err(_) => tracing::warn!(%peer, "connection ended by a panic in its handler"),
    }
}

/// An accepted socket, detached from the accepting runtime.
enum Accepted {
    Tcp(std::net::TcpStream),
    Unix(std::os::unix::net::UnixStream),
}

/// Serves a connection on a thread of its own, with a single-threaded runtime: the
/// connection's session is called directly on it ([`crate::worker`]), so blocking engine
/// calls hold up only this connection. Returns what completes when the thread has ended
/// (its session dropped), or `None` if the connection could not be started.
fn start_connection(
    socket: std::io::Result<Accepted>,
    peer: SocketAddr,
    cx: &Arc<Context>,
    handlers: Handlers,
    stop: &tokio::sync::watch::Sender<bool>,
) -> Option<tokio::sync::oneshot::Receiver<()>> {
    let socket = match socket {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(%peer, "could not detach the accepted socket: {e}");
            return None;
        }
    };
    let (done_tx, done) = tokio::sync::oneshot::channel::<()>();
    let cx = cx.clone();
    let mut stop = stop.subscribe();
    let spawned = std::thread::Builder::new()
        .name("quill-conn".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            let runtime = match runtime {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(%peer, "could not start a connection runtime: {e}");
                    return;
                }
            };
            runtime.block_on(async move {
                let transport = match socket {
                    Accepted::Tcp(s) => tokio::net::TcpStream::from_std(s).map(Transport::Plain),
                    Accepted::Unix(s) => tokio::net::UnixStream::from_std(s).map(Transport::Unix),
                };
                let transport = match transport {
                    Ok(t) => t,
                    Err(e) => {
                        tracing::warn!(%peer, "could not register the socket: {e}");
                        return;
                    }
                };
                tokio::select! {
                    () = serve_connection(transport, peer, cx, handlers) => {}
                    _ = stop.wait_for(|stopping| *stopping) => {}
                }
            });
            drop(done_tx);
        });
    match spawned {
        Ok(_) => Some(done),
        Err(e) => {
            tracing::warn!(%peer, "could not start a connection thread: {e}");
            None
        }
    }
}

fn load_tls(config: &ServerConfig) -> Result<Option<tokio_rustls::TlsAcceptor>, ServerError> {
    match (&config.ssl_cert_file, &config.ssl_key_file) {
        (Some(cert), Some(key)) => Ok(Some(crate::tls::acceptor(cert, key)?)),
        (None, None) => Ok(None),
        _ => Err(ServerError::TlsHalfConfigured),
    }
}

impl Server {
    /// Opens the database (creating the directory on first start, recovering after a crash)
    /// and binds the listening socket.
    pub async fn bind(config: ServerConfig) -> Result<Server, ServerError> {
        let tls = load_tls(&config)?;
        let dir = config.data_dir.clone();
        let autovacuum = config.autovacuum.clone();
        let buffer_pages = config.buffer_pages();
        let fs: Arc<dyn vfs::Vfs> = Arc::new(vfs::OsVfs::new());
        let db_fs = fs.clone();
        let db = tokio::task::spawn_blocking(move || {
            open_database(db_fs, &dir, autovacuum, buffer_pages)
        })
        .await??;
        let hba = load_rules(fs.as_ref(), &config)?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServerError::Listen {
                    addr: config.listen,
                    source,
                })?;
        // The socket file is named after the port actually bound (port 0 picks one).
        let port = listener
            .local_addr()
            .map_or(config.listen.port(), |a| a.port());
        let unix = match &config.socket_dir {
            Some(dir) => Some(UnixSocket::bind(dir, port)?),
            None => None,
        };
        Ok(Server {
            listener,
            unix,
            db,
            config,
            hba,
            tls,
        })
    }

    /// The address the server listens on (with the port chosen when it asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.config.listen)
    }

    /// The Unix-domain socket's path, when the server listens on one.
    pub fn socket_path(&self) -> Option<&Path> {
        self.unix.as_ref().map(UnixSocket::path)
    }

    /// Serves connections until `shutdown` completes, then stops cleanly.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ServerError> {
        let Server {
            listener,
            unix,
            db,
            config,
            hba,
            tls,
        } = self;
        let (alive, mut all_gone) = tokio::sync::mpsc::channel::<()>(1);
        let shared = Arc::new(Shared {
            db: db.clone(),
            alive,
            keys: RandomPidSecretKeyGenerator::default(),
            hba,
            registry: Arc::new(Registry::new(config.max_connections)),
            statement_timeout: config.statement_timeout,
        });
        tracing::info!(addr = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(),
            socket = %unix.as_ref().map(|u| u.path().display().to_string()).unwrap_or_default(),
            max_connections = config.max_connections, tls = tls.is_some(), "listening");
        let cx = Arc::new(Context {
            shared: shared.clone(),
            config: Arc::new(config),
            tls,
        });
        // Every connection's thread: done when it ends; `stop` tells them all to end.
        let mut connections = JoinSet::new();
        let (stop, _) = tokio::sync::watch::channel(false);
        tokio::pin!(shutdown);
        let accept_local = || async {
            match &unix {
                Some(u) => u.accept().await,
                None => std::future::pending().await,
            }
        };
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((socket, peer)) => {
                        tracing::debug!(%peer, "connection accepted");
                        let handlers = Handlers(Arc::new(Conn::new(shared.clone(), false)));
                        let socket = socket.into_std().map(Accepted::Tcp);
                        if let Some(done) = start_connection(socket, peer, &cx, handlers, &stop) {
                            connections.spawn(async move { let _ = done.await; });
                        }
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                accepted = accept_local() => match accepted {
                    Ok(socket) => {
                        tracing::debug!(peer = "[local]", "connection accepted");
                        let handlers = Handlers(Arc::new(Conn::new(shared.clone(), true)));
                        let socket = socket.into_std().map(Accepted::Unix);
                        if let Some(done) =
                            start_connection(socket, LOCAL_PEER, &cx, handlers, &stop)
                        {
                            connections.spawn(async move { let _ = done.await; });
                        }
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        tracing::info!(
            connections = connections.len(),
            sessions = shared.registry.admitted(),
            "shutting down: closing connections (open transactions roll back)"
        );
        drop(listener);
        // Removes the socket file.
        drop(unix);
        // Running statements are canceled; each connection's thread then sees `stop` at
        // its next wait and drops its session (an open transaction rolls back).
        shared.registry.cancel_all();
        let _ = stop.send(true);
        let ended = async { while connections.join_next().await.is_some() {} };
        if tokio::time::timeout(SHUTDOWN_GRACE, ended).await.is_err() {
            tracing::warn!("connections still running after {SHUTDOWN_GRACE:?}");
        }
        drop(shared);
        drop(cx);
        // Every session holds an `alive` sender until it is gone.
        if tokio::time::timeout(SHUTDOWN_GRACE, all_gone.recv())
            .await
            .is_err()
        {
            tracing::warn!("sessions still running after {SHUTDOWN_GRACE:?}; closing anyway");
        }
        tokio::task::spawn_blocking(move || drop(db)).await?;
        tracing::info!("database closed (checkpoint written)");
        Ok(())
    }
}
