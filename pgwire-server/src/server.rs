//! The server: opens (creating and recovering) the database, accepts connections and serves
//! each with the PostgreSQL protocol until told to stop; then closes every connection (their
//! open transactions roll back), waits for the session threads to end and closes the
//! database, which writes a checkpoint.

use crate::conn::{Conn, Shared};
use engine::{Database, EngineError};
use futures::FutureExt;
use pgwire::api::auth::StartupHandler;
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::{ErrorHandler, PgWireServerHandlers, RandomPidSecretKeyGenerator};
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// How long shutdown waits for session threads to finish their current statement.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// What to serve and where.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("could not create data directory {path}: {source}")]
    CreateDataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not open the database in {path}: {source}")]
    Open { path: PathBuf, source: EngineError },
    #[error("could not listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("a server thread failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// A server bound to its address with its database open; [`Server::run`] serves it.
pub struct Server {
    listener: TcpListener,
    db: Database,
    config: ServerConfig,
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

/// Serves one connection until it ends. A message the protocol decoder cannot handle ends
/// the connection (pgwire 0.42 panics on some truncated messages; the panic is contained
/// here and the connection's session is dropped with it).
async fn serve_connection(socket: tokio::net::TcpStream, peer: SocketAddr, handlers: Handlers) {
    let served = AssertUnwindSafe(pgwire::tokio::process_socket(socket, None, handlers))
        .catch_unwind()
        .await;
    match served {
        Ok(Ok(())) => tracing::debug!(%peer, "connection closed"),
        Ok(Err(e)) => tracing::debug!(%peer, "connection ended with an error: {e}"),
        Err(_) => tracing::warn!(%peer, "connection ended: malformed message"),
    }
}

impl Server {
    /// Opens the database (creating the directory on first start, recovering after a crash)
    /// and binds the listening socket.
    pub async fn bind(config: ServerConfig) -> Result<Server, ServerError> {
        let dir = config.data_dir.clone();
        let db = tokio::task::spawn_blocking(move || -> Result<Database, ServerError> {
            if !dir.exists() {
                std::fs::create_dir_all(&dir).map_err(|source| ServerError::CreateDataDir {
                    path: dir.clone(),
                    source,
                })?;
                tracing::info!(data_dir = %dir.display(), "created data directory");
            }
            let started = std::time::Instant::now();
            let db = Database::open(&dir).map_err(|source| ServerError::Open {
                path: dir.clone(),
                source,
            })?;
            tracing::info!(data_dir = %dir.display(), elapsed = ?started.elapsed(),
                "database open (recovery done)");
            Ok(db)
        })
        .await??;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServerError::Listen {
                    addr: config.listen,
                    source,
                })?;
        Ok(Server {
            listener,
            db,
            config,
        })
    }

    /// The address the server listens on (with the port chosen when it asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.config.listen)
    }

    /// Serves connections until `shutdown` completes, then stops cleanly.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ServerError> {
        let Server { listener, db, .. } = self;
        let (alive, mut all_gone) = tokio::sync::mpsc::channel::<()>(1);
        let shared = Arc::new(Shared {
            db: db.clone(),
            alive,
            keys: RandomPidSecretKeyGenerator::default(),
        });
        tracing::info!(addr = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(),
            "listening");
        let mut connections = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((socket, peer)) => {
                        tracing::debug!(%peer, "connection accepted");
                        let handlers = Handlers(Arc::new(Conn::new(shared.clone())));
                        connections.spawn(serve_connection(socket, peer, handlers));
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
            "shutting down: closing connections"
        );
        drop(listener);
        connections.abort_all();
        while connections.join_next().await.is_some() {}
        drop(shared);
        // Every session thread holds an `alive` sender until its session is gone.
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
