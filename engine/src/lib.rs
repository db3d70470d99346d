//! The SQL engine (catalog, binder, planner, executor, sessions, embedding API).
//! It builds on [`storage`]; the SQL layer arrives with its own issue.

pub use storage;
