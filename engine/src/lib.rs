//! Quill's SQL engine: PostgreSQL's dialect and semantics over the storage engine, usable
//! as a library.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("quill-doc-{}", std::process::id()));
//! let db = engine::Database::open(&dir).unwrap();
//! let mut s = db.session();
//! s.execute("CREATE TABLE t (id integer PRIMARY KEY, name text)").unwrap();
//! s.execute("INSERT INTO t VALUES (1, 'one'), (2, 'two')").unwrap();
//! let rows = s.query("SELECT id, name FROM t WHERE id = $1", &[engine::Value::Int4(2)]).unwrap();
//! assert_eq!(rows.get::<i64>(0, "id").unwrap(), 2);
//! assert_eq!(rows.get::<String>(0, 1).unwrap(), "two");
//! assert_eq!(rows.columns[1].type_oid(), 25); // text
//! # drop(s); drop(db); std::fs::remove_dir_all(&dir).unwrap();
//! ```

pub mod access;
pub mod acl;
pub mod activity;
pub mod catalog;
pub mod clock;
pub mod copy;
pub mod cursor;
mod database;
pub mod error;
pub mod guc;
pub mod interrupt;
pub mod lock;
pub mod notice;
pub mod notify;
pub mod password;
pub mod roles;
pub mod row_lock;
pub mod search_path;
pub mod sequence;
pub(crate) mod session;
pub mod sql;
pub mod ssi;
mod temp;
pub mod types;
pub mod vacuum;

pub use database::{Database, DatabaseOptions, DatabaseStats, Integrity};
pub use error::{EngineError, Result};
pub use interrupt::CancelHandle;
pub use lock::WaitProbe;
pub use notice::{Notice, Severity};
pub use notify::Notification;
pub use roles::Role;
pub use session::{
    Column, ColumnRef, FromValue, PlanCacheMode, PlanCacheStats, Prepared, PreparedInfo, RowSet,
    Script, ScriptResult, ScriptStep, Session, StatementResult, TransactionStatus,
};
pub use types::{DataType, Value};
pub use vacuum::AutovacuumOptions;
