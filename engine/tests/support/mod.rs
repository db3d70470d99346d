//! Helpers shared by the engine's integration tests: a database on a simulated disk and
//! query results as text.

#![allow(dead_code)]

pub mod worker;

use engine::{Database, DatabaseOptions, Session};
use std::path::Path;
use std::sync::Arc;
use vfs::SimVfs;

/// Opens (creating or recovering) the database at `/db` on `fs`, without timed checkpoints.
pub fn open(fs: &SimVfs) -> Database {
    let mut opts = DatabaseOptions::default();
    opts.storage.checkpoint_interval = None;
    Database::open_with(Arc::new(fs.clone()), Path::new("/db"), opts).expect("open")
}

/// The rows of `sql`, each value as PostgreSQL's text ("NULL" for NULL); panics on an error.
pub fn rows(s: &mut Session, sql: &str) -> Vec<Vec<String>> {
    s.query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.to_text().unwrap_or_else(|| "NULL".into()))
                .collect()
        })
        .collect()
}
