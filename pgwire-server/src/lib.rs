//! The `quill` server: Quill's engine behind the PostgreSQL wire protocol (on `pgwire` and
//! `tokio`), so that psql, pgbench and PostgreSQL drivers can use it.
//!
//! Modules: `server` (listening, shutdown), `conn` (startup and the simple query protocol),
//! `extended` (the extended query protocol), `worker` (each connection's engine session on
//! a thread of its own), `codec` (values and parameters in text and binary format),
//! `sql_text` (statement splitting and `$n` parameters), `copy` (COPY FROM STDIN / TO
//! STDOUT), `errors` (ErrorResponse fields).

mod codec;
mod conn;
mod copy;
mod errors;
mod extended;
mod server;
mod sql_text;
mod worker;

pub use conn::SERVER_VERSION;
pub use server::{Server, ServerConfig, ServerError};
