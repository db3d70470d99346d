//! Server configuration: [`ServerConfig`] and its file format, `key = value` lines as in
//! postgresql.conf (`#` starts a comment; values may be single-quoted; durations take
//! PostgreSQL's units `ms`, `s`, `min`, `h`; sizes `B`, `kB`, `MB`, `GB`).
//!
//! Keys: `listen` (address:port), `max_connections`, `authentication_timeout`,
//! `max_message_size`, `hba_file`, `ssl_cert_file`, `ssl_key_file`, `log_level`,
//! `statement_timeout` (milliseconds without a unit, as in PostgreSQL), `socket_dir` (also
//! spelled `unix_socket_directories`, one directory), `autovacuum` (on/off),
//! `autovacuum_naptime` (seconds without a unit), `autovacuum_vacuum_threshold`,
//! `autovacuum_vacuum_scale_factor`, `shared_buffers` (the buffer pool; a size, or 8kB pages
//! without a unit, as in PostgreSQL).
//! Command-line flags override the file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// PostgreSQL's `shared_buffers` default, 128MB.
pub const DEFAULT_SHARED_BUFFERS: usize = 128 << 20;
/// The unit of `shared_buffers` without one: a page.
const BUFFER_PAGE: usize = 8192;

/// PostgreSQL's `max_connections` default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 100;
/// PostgreSQL's `authentication_timeout` default.
pub const DEFAULT_AUTHENTICATION_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest Query/Parse/Bind/CopyData message accepted by default.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 16 << 20;
/// PostgreSQL's `PQ_LARGE_MESSAGE_LIMIT` (1 GiB - 1): the most `max_message_size` may be.
pub const MAX_MESSAGE_SIZE_LIMIT: usize = (1 << 30) - 1;

/// What to serve, where, and how.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    /// Sessions at once; more are refused with 53300.
    pub max_connections: usize,
    /// Time a connection has to complete its startup and authentication.
    pub authentication_timeout: Duration,
    /// Largest message a client may send (larger ones end the connection with 08P01).
    pub max_message_size: usize,
    /// Authentication rules in pg_hba.conf format; default `DATA_DIR/pg_hba.conf`.
    pub hba_file: Option<PathBuf>,
    /// TLS certificate chain and private key (PEM); TLS is offered when both are set.
    pub ssl_cert_file: Option<PathBuf>,
    pub ssl_key_file: Option<PathBuf>,
    /// Log filter (`error`, `warn`, `info`, `debug`, `trace`, or a tracing filter).
    pub log_level: String,
    /// Every session's initial statement_timeout in milliseconds (0: none); a client's
    /// startup options or SET override it.
    pub statement_timeout: u32,
    /// Directory of the Unix-domain socket `.s.PGSQL.<port>` (none: TCP only).
    pub socket_dir: Option<PathBuf>,
    /// The background vacuum of tables with many deleted or updated rows.
    pub autovacuum: engine::AutovacuumOptions,
    /// Bytes of the buffer pool (whole 8kB pages).
    pub shared_buffers: usize,
}

impl ServerConfig {
    /// The defaults, serving `data_dir` on `listen`.
    pub fn new(data_dir: impl Into<PathBuf>, listen: SocketAddr) -> ServerConfig {
        ServerConfig {
            data_dir: data_dir.into(),
            listen,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            authentication_timeout: DEFAULT_AUTHENTICATION_TIMEOUT,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            hba_file: None,
            ssl_cert_file: None,
            ssl_key_file: None,
            log_level: "info".into(),
            statement_timeout: 0,
            socket_dir: None,
            autovacuum: engine::AutovacuumOptions::default(),
            shared_buffers: DEFAULT_SHARED_BUFFERS,
        }
    }

    /// Pages of the buffer pool.
    pub fn buffer_pages(&self) -> usize {
        self.shared_buffers / BUFFER_PAGE
    }

    /// Where the authentication rules are read from.
    pub fn hba_path(&self) -> PathBuf {
        self.hba_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("pg_hba.conf"))
    }

    /// Applies one `key = value` setting (from the file or a flag).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let bad = |why: &str| ConfigError::Value {
            key: key.to_owned(),
            value: value.to_owned(),
            reason: why.to_owned(),
        };
        match key {
            "listen" => self.listen = value.parse().map_err(|_| bad("not an address:port"))?,
            "shared_buffers" => {
                let bytes = match value.trim().parse::<usize>() {
                    Ok(pages) => pages.checked_mul(BUFFER_PAGE),
                    Err(_) => parse_size(value),
                };
                // PostgreSQL's minimum is 16 pages.
                self.shared_buffers = bytes
                    .filter(|&b| b >= 16 * BUFFER_PAGE)
                    .ok_or_else(|| bad("not a size of at least 128kB such as 128MB"))?;
            }
            "max_connections" => {
                self.max_connections = value
                    .parse()
                    .ok()
                    .filter(|&n| n >= 1)
                    .ok_or_else(|| bad("not a positive number"))?;
            }
            "authentication_timeout" => {
                self.authentication_timeout = parse_duration(value)
                    .filter(|d| *d >= Duration::from_millis(1))
                    .ok_or_else(|| bad("not a duration such as 60s or 500ms"))?;
            }
            "max_message_size" => {
                self.max_message_size = parse_size(value)
                    .filter(|&n| (1024..=MAX_MESSAGE_SIZE_LIMIT).contains(&n))
                    .ok_or_else(|| bad("not a size between 1kB and 1GB - 1"))?;
            }
            "hba_file" => self.hba_file = Some(value.into()),
            "ssl_cert_file" => self.ssl_cert_file = Some(value.into()),
            "ssl_key_file" => self.ssl_key_file = Some(value.into()),
            "log_level" => self.log_level = value.to_owned(),
            "socket_dir" | "unix_socket_directories" => {
                if value.contains(',') {
                    return Err(bad("one directory only"));
                }
                self.socket_dir = (!value.trim().is_empty()).then(|| value.trim().into());
            }
            "statement_timeout" => {
                self.statement_timeout =
                    engine::guc::parse_milliseconds(key, value).map_err(|e| {
                        bad(e
                            .hint()
                            .unwrap_or("not a duration such as 100, 250ms or 2s"))
                    })?;
            }
            "autovacuum" => {
                self.autovacuum.enabled = match value.trim().to_lowercase().as_str() {
                    "on" | "true" | "yes" | "1" => true,
                    "off" | "false" | "no" | "0" => false,
                    _ => return Err(bad("not a Boolean (on or off)")),
                };
            }
            "autovacuum_naptime" => {
                self.autovacuum.naptime = parse_duration(value)
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| bad("not a positive duration such as 1s or 500ms"))?;
            }
            "autovacuum_vacuum_threshold" => {
                self.autovacuum.vacuum_threshold =
                    value.trim().parse().map_err(|_| bad("not a number"))?;
            }
            "autovacuum_vacuum_scale_factor" => {
                self.autovacuum.vacuum_scale_factor = value
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| (0.0..=100.0).contains(f))
                    .ok_or_else(|| bad("not a number between 0 and 100"))?;
            }
            _ => {
                return Err(ConfigError::UnknownKey {
                    key: key.to_owned(),
                })
            }
        }
        Ok(())
    }

    /// Applies every setting of a configuration file's text.
    pub fn apply_text(&mut self, text: &str) -> Result<(), ConfigError> {
        for (n, raw) in text.lines().enumerate() {
            let line = strip_comment(raw).trim();
            if line.is_empty() {
                continue;
            }
            let (key, value) = line
                .split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .or_else(|| line.split_once(char::is_whitespace))
                .ok_or(ConfigError::Syntax { line: n + 1 })?;
            let value = unquote(value.trim()).ok_or(ConfigError::Syntax { line: n + 1 })?;
            self.set(&key.to_ascii_lowercase(), &value)
                .map_err(|e| e.at_line(n + 1))?;
        }
        Ok(())
    }

    /// Applies a configuration file.
    pub fn apply_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        self.apply_text(&text)
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("line {line}: expected key = value")]
    Syntax { line: usize },
    #[error("unrecognized configuration parameter \"{key}\"")]
    UnknownKey { key: String },
    #[error("invalid value for parameter \"{key}\": \"{value}\" ({reason})")]
    Value {
        key: String,
        value: String,
        reason: String,
    },
    #[error("line {line}: {source}")]
    AtLine {
        line: usize,
        source: Box<ConfigError>,
    },
}

impl ConfigError {
    fn at_line(self, line: usize) -> ConfigError {
        ConfigError::AtLine {
            line,
            source: Box::new(self),
        }
    }
}

/// The line without its `#` comment (a `#` inside single quotes is kept).
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '#' if !quoted => return &line[..i],
            _ => {}
        }
    }
    line
}

/// A value without its single quotes (`''` inside stands for one quote).
fn unquote(v: &str) -> Option<String> {
    match v.strip_prefix('\'') {
        Some(rest) => Some(rest.strip_suffix('\'')?.replace("''", "'")),
        None => Some(v.to_owned()),
    }
}

/// `500ms`, `2s`, `1min`, `1h`, or a number of seconds (PostgreSQL's unit for
/// authentication_timeout).
pub fn parse_duration(v: &str) -> Option<Duration> {
    let v = v.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (n, unit) = v.split_at(split);
    let n: u64 = n.parse().ok()?;
    let ms = match unit.trim() {
        "ms" => n,
        "" | "s" => n.checked_mul(1000)?,
        "min" => n.checked_mul(60_000)?,
        "h" => n.checked_mul(3_600_000)?,
        _ => return None,
    };
    Some(Duration::from_millis(ms))
}

/// `16MB`, `512kB`, `1GB`, or a number of bytes.
pub fn parse_size(v: &str) -> Option<usize> {
    let v = v.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (n, unit) = v.split_at(split);
    let n: usize = n.parse().ok()?;
    let factor = match unit.trim() {
        "" | "B" => 1,
        "kB" => 1 << 10,
        "MB" => 1 << 20,
        "GB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_format() {
        let mut c = ServerConfig::new("d", "127.0.0.1:5432".parse().unwrap());
        c.apply_text(
            "# comment\n\
             listen = '0.0.0.0:6000'   # trailing comment\n\
             max_connections = 7\n\
             authentication_timeout = 2s\n\
             max_message_size = 1MB\n\
             ssl_cert_file = '/x/server#1.crt'\n\
             log_level debug\n\
             statement_timeout = '2s'\n\
             unix_socket_directories = '/run/q'\n",
        )
        .unwrap();
        assert_eq!(c.listen.port(), 6000);
        assert_eq!(c.max_connections, 7);
        assert_eq!(c.authentication_timeout, Duration::from_secs(2));
        assert_eq!(c.max_message_size, 1 << 20);
        assert_eq!(
            c.ssl_cert_file.as_deref(),
            Some(Path::new("/x/server#1.crt"))
        );
        assert_eq!(c.log_level, "debug");
        assert_eq!(c.statement_timeout, 2000);
        assert_eq!(c.socket_dir.as_deref(), Some(Path::new("/run/q")));
        assert_eq!(c.hba_path(), Path::new("d/pg_hba.conf"));
        for bad in [
            "max_connections = 0",
            "nonsense = 1",
            "listen = nowhere",
            "authentication_timeout = 5 weeks",
            "max_message_size = 2GB",
            "justakey",
            "listen = 'unterminated",
            "statement_timeout = -5",
            "statement_timeout = 5 weeks",
        ] {
            assert!(c.apply_text(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("60"), Some(Duration::from_secs(60)));
        assert_eq!(parse_duration("1min"), Some(Duration::from_secs(60)));
        assert_eq!(parse_size("16MB"), Some(16 << 20));
    }

    #[test]
    fn shared_buffers_as_postgresql_reads_it() {
        let mut c = ServerConfig::new("d", "127.0.0.1:5432".parse().unwrap());
        assert_eq!(c.buffer_pages(), 16384);
        c.apply_text("shared_buffers = 256MB").unwrap();
        assert_eq!(c.buffer_pages(), 32768);
        // Without a unit: 8kB pages.
        c.apply_text("shared_buffers = 1000").unwrap();
        assert_eq!(c.buffer_pages(), 1000);
        for bad in [
            "shared_buffers = 15",
            "shared_buffers = 64kB",
            "shared_buffers = x",
        ] {
            assert!(c.apply_text(bad).is_err(), "{bad}");
        }
    }
}
