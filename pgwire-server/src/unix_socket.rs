//! The Unix-domain socket PostgreSQL clients find by directory and port: `DIR/.s.PGSQL.PORT`
//! (libpq's naming, so `psql -h DIR -p PORT` connects). At start a socket file left by a
//! server that is gone is removed; one a live server still answers on is not touched (the
//! start fails). The file is made accessible to every local user (mode 0777, PostgreSQL's
//! default; pg_hba.conf `local` lines decide who gets in) and removed when the listener is
//! dropped, at shutdown.

use std::io;
use std::path::{Path, PathBuf};
use tokio::net::UnixListener;

/// Why the socket could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error("another server is listening on the Unix socket {path}")]
    InUse { path: PathBuf },
    #[error("could not remove the stale Unix socket {path}: {source}")]
    RemoveStale { path: PathBuf, source: io::Error },
    #[error("could not listen on the Unix socket {path}: {source}")]
    Bind { path: PathBuf, source: io::Error },
}

/// The socket file's path for a directory and port, as libpq builds it.
pub fn socket_path(dir: &Path, port: u16) -> PathBuf {
    dir.join(format!(".s.PGSQL.{port}"))
}

/// A listening Unix-domain socket that removes its file when dropped.
pub struct UnixSocket {
    listener: UnixListener,
    path: PathBuf,
}

impl UnixSocket {
    /// Listens on `DIR/.s.PGSQL.PORT`, replacing a stale socket file.
    pub fn bind(dir: &Path, port: u16) -> Result<UnixSocket, SocketError> {
        let path = socket_path(dir, port);
        if path.exists() {
            // A live server accepts the connection; a stale file refuses it.
            if std::os::unix::net::UnixStream::connect(&path).is_ok() {
                return Err(SocketError::InUse { path });
            }
            std::fs::remove_file(&path).map_err(|source| SocketError::RemoveStale {
                path: path.clone(),
                source,
            })?;
            tracing::info!(path = %path.display(), "removed a stale Unix socket");
        }
        let listener = UnixListener::bind(&path).map_err(|source| SocketError::Bind {
            path: path.clone(),
            source,
        })?;
        let socket = UnixSocket { listener, path };
        // PostgreSQL's unix_socket_permissions default (0777): any local user may connect;
        // pg_hba.conf `local` lines decide who gets in.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&socket.path, std::fs::Permissions::from_mode(0o777)).map_err(
            |source| SocketError::Bind {
                path: socket.path.clone(),
                source,
            },
        )?;
        Ok(socket)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub async fn accept(&self) -> io::Result<tokio::net::UnixStream> {
        self.listener.accept().await.map(|(s, _)| s)
    }
}

impl Drop for UnixSocket {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), "could not remove the Unix socket: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stale_files_are_replaced_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = socket_path(dir.path(), 5999);
        assert!(path.ends_with(".s.PGSQL.5999"));
        // A socket file whose server is gone (bound, then dropped without removing it).
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        let live = UnixSocket::bind(dir.path(), 5999).unwrap();
        // A second server on the same file is refused while the first one listens.
        assert!(matches!(
            UnixSocket::bind(dir.path(), 5999),
            Err(SocketError::InUse { .. })
        ));
        assert!(path.exists());
        drop(live);
        assert!(!path.exists());
    }
}
