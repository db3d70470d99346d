//! The `quill` server: Quill's engine behind the PostgreSQL wire protocol (on `pgwire` and
//! `tokio`), so that psql, pgbench and PostgreSQL drivers can use it.
//!
//! Modules: `server` (listening, shutdown), `config` (settings and their file),
//! `connection` (one connection: SSL/GSS/cancel negotiation, limits, the message loop),
//! `gate` (message framing checks), `startup` (authentication and session start), `hba`
//! (authentication rules), `auth` (password exchanges), `tls`, `unix_socket` (the
//! `.s.PGSQL.<port>` socket file), `registry` (admitted connections per server and per
//! role, backend keys), `conn` (the simple query protocol),
//! `extended` (the extended query protocol), `worker` (each connection's engine session on
//! a thread of its own), `codec` (values and parameters in text and binary format), `copy`
//! (COPY FROM STDIN / TO STDOUT), `errors` (ErrorResponse fields), `notify` (sending
//! LISTEN/NOTIFY notifications). Query strings are split
//! into statements by the engine (`Session::execute_script`).

mod auth;
mod codec;
pub mod config;
mod conn;
mod connection;
mod copy;
mod datadir;
mod errors;
mod extended;
mod gate;
pub mod hba;
mod notify;
mod registry;
mod server;
mod startup;
mod tls;
#[cfg(test)]
mod type_catalog_tests;
pub mod unix_socket;
mod worker;

pub use config::{ConfigError, ServerConfig};
pub use conn::SERVER_VERSION;
pub use server::{Server, ServerError, BOOTSTRAP_SUPERUSER};
