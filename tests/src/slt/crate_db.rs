//! Quill's embedded engine as a [`sqllogictest::DB`], so that the `sqllogictest` crate's
//! [`Runner`](sqllogictest::Runner) can run scripts against it (see `tests/tests/slt_crate.rs`).
//!
//! Values are rendered as strings the way this harness's [`mod@super::format`] renders them,
//! with the type letter taken from the column's *engine* type (the crate's `DB::run` does not
//! see the record's declared type string): integer types and booleans as `I`, `float4`/`float8`
//! and `numeric` with a fractional scale as `R` (`%.3f`), `numeric` of scale 0 as `I`, anything
//! else as `T` (NULL as `NULL`, the empty string as `(empty)`).
//!
//! Errors display as `[SQLSTATE] message`, so that a `statement error 22012` record (an inline
//! regular expression for the crate) matches by SQLSTATE.

use super::quill::slt_value;
use super::{format, SltValue};
use engine::{DataType, Database, DatabaseOptions, Session, StatementResult};
use sqllogictest::{DBOutput, DefaultColumnType};
use std::path::Path;
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;

/// An error from the engine (or from opening the database), with its SQLSTATE.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[{sqlstate}] {message}")]
pub struct QuillDbError {
    /// The five-character SQLSTATE.
    pub sqlstate: String,
    /// The error's text.
    pub message: String,
}

impl From<engine::EngineError> for QuillDbError {
    fn from(e: engine::EngineError) -> QuillDbError {
        QuillDbError {
            sqlstate: e.sqlstate().to_string(),
            message: e.to_string(),
        }
    }
}

type Reply = Result<DBOutput<DefaultColumnType>, QuillDbError>;

/// A fresh in-memory Quill database (on a simulated disk) and one session on it.
///
/// The crate's runner needs a `Send` database, and a [`Session`] is not (it can hold lock
/// guards), so the database and session live on a worker thread of their own, which runs the
/// SQL it is sent and replies with the rendered output.
pub struct QuillDb {
    requests: Option<mpsc::Sender<(String, mpsc::Sender<Reply>)>>,
    worker: Option<JoinHandle<()>>,
}

impl QuillDb {
    /// Opens an empty database on a [`vfs::SimVfs`] seeded with `seed`.
    pub fn open(seed: u64) -> Result<QuillDb, QuillDbError> {
        let (requests, inbox) = mpsc::channel::<(String, mpsc::Sender<Reply>)>();
        let (opened_tx, opened) = mpsc::channel::<Result<(), QuillDbError>>();
        let worker = std::thread::spawn(move || {
            let fs = vfs::SimVfs::new(seed);
            let mut opts = DatabaseOptions::default();
            opts.storage.checkpoint_interval = None;
            let db = match Database::open_with(Arc::new(fs), Path::new("/slt"), opts) {
                Ok(db) => db,
                Err(e) => {
                    let _ = opened_tx.send(Err(e.into()));
                    return;
                }
            };
            let mut session = db.session();
            let _ = opened_tx.send(Ok(()));
            for (sql, reply) in inbox {
                let _ = reply.send(run_sql(&mut session, &sql));
            }
        });
        let gone = || QuillDbError {
            sqlstate: "XX000".into(),
            message: "the database thread ended".into(),
        };
        opened.recv().map_err(|_| gone())??;
        Ok(QuillDb {
            requests: Some(requests),
            worker: Some(worker),
        })
    }
}

impl Drop for QuillDb {
    fn drop(&mut self) {
        // Closing the channel ends the worker's loop.
        self.requests = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// The type letter a column of engine type `ty` is rendered with, and its crate column type.
pub fn column_letter(ty: &DataType) -> (char, DefaultColumnType) {
    match ty {
        DataType::Bool | DataType::Int2 | DataType::Int4 | DataType::Int8 => {
            ('I', DefaultColumnType::Integer)
        }
        DataType::Numeric { scale: Some(0), .. } => ('I', DefaultColumnType::Integer),
        DataType::Float4 | DataType::Float8 | DataType::Numeric { .. } => {
            ('R', DefaultColumnType::FloatingPoint)
        }
        DataType::Text
        | DataType::Varchar(_)
        | DataType::Char(_)
        | DataType::Name
        | DataType::CharByte => ('T', DefaultColumnType::Text),
        _ => ('T', DefaultColumnType::Any),
    }
}

/// Renders a value of a column rendered with `letter`, as [`format::render`] does, except that
/// an integer is written in full: `format`'s `I` keeps the low 32 bits, as SQLite's
/// `sqlite3_column_int` does for a column *declared* `I`, but here the letter comes from the
/// engine's type, not from the record, so no truncation was asked for.
fn render(value: &SltValue, letter: char) -> String {
    match (value, letter) {
        (SltValue::Int(i), 'I') => i.to_string(),
        _ => format::render(value, letter),
    }
}

/// Runs `sql` in `session`; the output of its last statement, its rows rendered.
fn run_sql(session: &mut Session, sql: &str) -> Reply {
    let results = session.execute(sql)?;
    match results.into_iter().last() {
        Some(StatementResult::Rows(r)) => {
            let (letters, types): (Vec<char>, Vec<DefaultColumnType>) =
                r.columns.iter().map(|c| column_letter(&c.ty)).unzip();
            let rows = r
                .rows
                .iter()
                .map(|row| {
                    row.iter()
                        .zip(&letters)
                        .map(|(v, &letter)| render(&slt_value(v), letter))
                        .collect()
                })
                .collect();
            Ok(DBOutput::Rows { types, rows })
        }
        Some(StatementResult::Command(tag)) => {
            // The row count is the last word of the tag (`INSERT 0 3`, `UPDATE 2`), if any.
            let count = tag
                .rsplit(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            Ok(DBOutput::StatementComplete(count))
        }
        _ => Ok(DBOutput::StatementComplete(0)),
    }
}

impl sqllogictest::DB for QuillDb {
    type Error = QuillDbError;
    type ColumnType = DefaultColumnType;

    fn run(&mut self, sql: &str) -> Reply {
        let gone = || QuillDbError {
            sqlstate: "XX000".into(),
            message: "the database thread ended".into(),
        };
        let (reply_tx, reply) = mpsc::channel();
        self.requests
            .as_ref()
            .ok_or_else(gone)?
            .send((sql.to_string(), reply_tx))
            .map_err(|_| gone())?;
        reply.recv().map_err(|_| gone())?
    }

    fn engine_name(&self) -> &str {
        "quill"
    }

    fn error_sql_state(err: &QuillDbError) -> Option<String> {
        Some(err.sqlstate.clone())
    }
}
