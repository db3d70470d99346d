//! Sessions: statement execution with PostgreSQL's transaction semantics.
//!
//! Outside a block every statement is its own transaction. BEGIN opens a block; a failing
//! statement inside it puts the block in the failed state, where everything but ROLLBACK
//! (or COMMIT, which then rolls back) fails with 25P02.
//!
//! Transactions are serialized database-wide: a session holds the database's transaction
//! lock from its first statement to COMMIT or ROLLBACK.

use crate::catalog::CatalogChange;
use crate::database::{Database, TxnGuard};
use crate::error::{EngineError, Result};
use crate::sql::{self, Outcome, TxnCx};
use crate::types::{DataType, Value};
use sqlparser::ast;
use std::collections::BTreeMap;
use storage::Transaction;

/// A result column: its name and type.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    pub ty: DataType,
}

impl Column {
    /// PostgreSQL's type OID of the column.
    pub fn type_oid(&self) -> u32 {
        self.ty.oid()
    }
}

/// Rows returned by a statement.
#[derive(Clone, Debug)]
pub struct RowSet {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
}

impl RowSet {
    /// The value at (`row`, `col`) converted to `T`; `col` is a position or a column name.
    /// A NULL converts only into `Option<T>`.
    pub fn get<T: FromValue>(&self, row: usize, col: impl ColumnRef) -> Result<T> {
        let c = col
            .position(&self.columns)
            .ok_or_else(|| EngineError::UndefinedColumn {
                name: col.describe(),
            })?;
        let v = self.rows.get(row).and_then(|r| r.get(c)).ok_or(
            EngineError::InvalidParameterValue {
                message: format!("no row {row} in the result"),
            },
        )?;
        T::from_value(v)
    }
}

/// Names a result column by position or by name.
pub trait ColumnRef {
    fn position(&self, columns: &[Column]) -> Option<usize>;
    fn describe(&self) -> String;
}

impl ColumnRef for usize {
    fn position(&self, columns: &[Column]) -> Option<usize> {
        (*self < columns.len()).then_some(*self)
    }
    fn describe(&self) -> String {
        format!("#{self}")
    }
}

impl ColumnRef for &str {
    fn position(&self, columns: &[Column]) -> Option<usize> {
        columns.iter().position(|c| c.name == *self)
    }
    fn describe(&self) -> String {
        self.to_string()
    }
}

/// Conversion of a SQL value into a Rust value, with PostgreSQL's casts (an integer column
/// reads as any wider integer, anything reads as its text form into `String`).
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Result<Self>;
}

fn not_null(v: &Value) -> Result<&Value> {
    if v.is_null() {
        return Err(EngineError::DatatypeMismatch {
            message: "NULL read into a non-Option value".into(),
        });
    }
    Ok(v)
}

macro_rules! from_value_via_cast {
    ($t:ty, $dt:expr, $variant:ident) => {
        impl FromValue for $t {
            fn from_value(v: &Value) -> Result<Self> {
                match not_null(v)?.cast(&$dt, crate::types::CastKind::Explicit)? {
                    Value::$variant(x) => Ok(x),
                    _ => Err(EngineError::Internal {
                        reason: "cast returned another type",
                    }),
                }
            }
        }
    };
}

from_value_via_cast!(i16, DataType::Int2, Int2);
from_value_via_cast!(i32, DataType::Int4, Int4);
from_value_via_cast!(i64, DataType::Int8, Int8);
from_value_via_cast!(f64, DataType::Float8, Float8);
from_value_via_cast!(bool, DataType::Bool, Bool);

impl FromValue for String {
    fn from_value(v: &Value) -> Result<Self> {
        Ok(not_null(v)?.to_text().unwrap_or_default())
    }
}

impl FromValue for Value {
    fn from_value(v: &Value) -> Result<Self> {
        Ok(v.clone())
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Result<Self> {
        if v.is_null() {
            Ok(None)
        } else {
            T::from_value(v).map(Some)
        }
    }
}

/// What one statement did.
#[derive(Clone, Debug)]
pub enum StatementResult {
    Rows(RowSet),
    /// The command tag PostgreSQL sends (`INSERT 0 1`, `BEGIN`, ...).
    Command(String),
}

struct Active {
    txn: Transaction,
    changes: Vec<CatalogChange>,
    /// Open savepoints: name, where the transaction's log chain stood, catalog changes then.
    savepoints: Vec<(String, storage::Savepoint, usize)>,
    /// Opened by BEGIN (else it is the current statement's own transaction).
    explicit: bool,
    failed: bool,
    _guard: TxnGuard,
}

pub struct Session {
    db: Database,
    active: Option<Active>,
    settings: BTreeMap<String, String>,
}

impl Session {
    pub(crate) fn new(db: Database) -> Session {
        Session {
            db,
            active: None,
            settings: BTreeMap::new(),
        }
    }

    /// Whether a BEGIN block is open (and whether it has failed).
    pub fn transaction_status(&self) -> TransactionStatus {
        match &self.active {
            Some(a) if a.explicit && a.failed => TransactionStatus::Failed,
            Some(a) if a.explicit => TransactionStatus::InBlock,
            _ => TransactionStatus::Idle,
        }
    }

    /// Runs every statement of `sql` in order, stopping at the first error.
    pub fn execute(&mut self, sql: &str) -> Result<Vec<StatementResult>> {
        let stmts = sql::parse(sql)?;
        let mut out = Vec::with_capacity(stmts.len());
        for s in &stmts {
            out.push(self.run(s, &[]).map_err(|e| e.resolve_position(sql))?);
        }
        Ok(out)
    }

    /// Runs one statement with `$1…` parameters; returns its rows (empty for commands).
    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<RowSet> {
        let stmts = sql::parse(sql)?;
        let [stmt] = stmts.as_slice() else {
            return Err(EngineError::Syntax {
                message: "expected exactly one statement".into(),
                position: None,
            });
        };
        match self
            .run(stmt, params)
            .map_err(|e| e.resolve_position(sql))?
        {
            StatementResult::Rows(r) => Ok(r),
            StatementResult::Command(_) => Ok(RowSet {
                columns: Vec::new(),
                rows: Vec::new(),
            }),
        }
    }

    /// Parses and binds one statement without running it: the types of its parameters
    /// (`declared` ones first, the rest inferred) and its result columns.
    pub fn describe(
        &mut self,
        sql: &str,
        declared: &[DataType],
    ) -> Result<(Vec<DataType>, Vec<Column>)> {
        let stmts = sql::parse(sql)?;
        let [stmt] = stmts.as_slice() else {
            return Err(EngineError::Syntax {
                message: "expected exactly one statement".into(),
                position: None,
            });
        };
        let catalog = self.db.catalog();
        let (params, cols) =
            sql::describe(stmt, &catalog, declared).map_err(|e| e.resolve_position(sql))?;
        Ok((
            params,
            cols.into_iter()
                .map(|(name, ty)| Column { name, ty })
                .collect(),
        ))
    }

    fn begin(&mut self, explicit: bool) -> Result<()> {
        let guard = self.db.lock_transactions();
        let txn = self.db.storage().begin()?;
        self.active = Some(Active {
            txn,
            changes: Vec::new(),
            savepoints: Vec::new(),
            explicit,
            failed: false,
            _guard: guard,
        });
        Ok(())
    }

    fn finish(&mut self, commit: bool) -> Result<()> {
        let Some(a) = self.active.take() else {
            return Ok(());
        };
        if commit && !a.failed {
            a.txn.commit()?;
        } else {
            let changes = a.changes;
            let res = a.txn.abort();
            self.db.catalog().revert(changes);
            res?;
        }
        Ok(())
    }

    fn run(&mut self, stmt: &ast::Statement, params: &[Value]) -> Result<StatementResult> {
        use ast::Statement as S;
        let failed = self.active.as_ref().is_some_and(|a| a.failed);
        match stmt {
            S::StartTransaction { .. } => {
                if failed {
                    return Err(EngineError::InFailedTransaction);
                }
                if self.active.is_none() {
                    self.begin(true)?;
                }
                // BEGIN inside a block only warns in PostgreSQL.
                Ok(StatementResult::Command("BEGIN".into()))
            }
            S::Commit { .. } => {
                let tag = if failed { "ROLLBACK" } else { "COMMIT" };
                self.finish(true)?;
                Ok(StatementResult::Command(tag.into()))
            }
            S::Rollback {
                savepoint: None, ..
            } => {
                self.finish(false)?;
                Ok(StatementResult::Command("ROLLBACK".into()))
            }
            S::Rollback {
                savepoint: Some(name),
                ..
            } => self.rollback_to(&crate::sql::binder::ident_name(name)),
            S::Savepoint { name } => {
                if failed {
                    return Err(EngineError::InFailedTransaction);
                }
                let a = self.explicit_block("SAVEPOINT")?;
                let sp = a.txn.savepoint();
                let at = a.changes.len();
                a.savepoints
                    .push((crate::sql::binder::ident_name(name), sp, at));
                Ok(StatementResult::Command("SAVEPOINT".into()))
            }
            S::ReleaseSavepoint { name } => {
                if failed {
                    return Err(EngineError::InFailedTransaction);
                }
                let name = crate::sql::binder::ident_name(name);
                let a = self.explicit_block("RELEASE SAVEPOINT")?;
                let pos = a
                    .savepoints
                    .iter()
                    .rposition(|(n, _, _)| *n == name)
                    .ok_or(EngineError::NoSuchSavepoint { name })?;
                a.savepoints.truncate(pos);
                Ok(StatementResult::Command("RELEASE".into()))
            }
            _ if failed => Err(EngineError::InFailedTransaction),
            S::Set(set) => self.set(set),
            S::ShowVariable { variable } => {
                let name = variable
                    .iter()
                    .map(|i| i.value.to_lowercase())
                    .collect::<Vec<_>>()
                    .join(".");
                let value = self.show(&name)?;
                Ok(StatementResult::Rows(RowSet {
                    columns: vec![Column {
                        name: name.clone(),
                        ty: DataType::Text,
                    }],
                    rows: vec![vec![Value::Text(value)]],
                }))
            }
            _ => {
                let implicit = self.active.is_none();
                if implicit {
                    self.begin(false)?;
                }
                let res = self.run_in_txn(stmt, params);
                match (&res, implicit) {
                    (Ok(_), true) => self.finish(true)?,
                    (Err(_), true) => self.finish(false)?,
                    (Err(_), false) => {
                        if let Some(a) = &mut self.active {
                            a.failed = true;
                        }
                    }
                    (Ok(_), false) => {}
                }
                res
            }
        }
    }

    /// The open BEGIN block (savepoints exist only inside one: 25P01 otherwise).
    fn explicit_block(&mut self, what: &str) -> Result<&mut Active> {
        match &mut self.active {
            Some(a) if a.explicit => Ok(a),
            _ => Err(EngineError::NoTransactionBlock { what: what.into() }),
        }
    }

    /// ROLLBACK TO SAVEPOINT: undoes everything after it (data and definitions) and ends
    /// the failed state; the savepoint stays.
    fn rollback_to(&mut self, name: &str) -> Result<StatementResult> {
        let db = self.db.clone();
        let a = self.explicit_block("ROLLBACK TO SAVEPOINT")?;
        let pos = a
            .savepoints
            .iter()
            .rposition(|(n, _, _)| n == name)
            .ok_or_else(|| EngineError::NoSuchSavepoint { name: name.into() })?;
        a.savepoints.truncate(pos + 1);
        let (_, sp, at) = a.savepoints[pos].clone();
        a.txn.rollback_to(sp)?;
        let undone = a.changes.split_off(at.min(a.changes.len()));
        db.catalog().revert(undone);
        a.failed = false;
        Ok(StatementResult::Command("ROLLBACK".into()))
    }

    fn run_in_txn(&mut self, stmt: &ast::Statement, params: &[Value]) -> Result<StatementResult> {
        let db = self.db.clone();
        let a = self
            .active
            .as_mut()
            .ok_or(EngineError::NoActiveTransaction)?;
        let mut catalog = db.catalog();
        let mut cx = TxnCx {
            storage: db.storage(),
            catalog: &mut catalog,
            txn: &mut a.txn,
            changes: &mut a.changes,
            params,
        };
        Ok(match sql::execute(stmt, &mut cx)? {
            Outcome::Rows { columns, rows } => StatementResult::Rows(RowSet {
                columns: columns
                    .into_iter()
                    .map(|(name, ty)| Column { name, ty })
                    .collect(),
                rows,
            }),
            Outcome::Command { tag } => StatementResult::Command(tag),
        })
    }

    fn set(&mut self, set: &ast::Set) -> Result<StatementResult> {
        match set {
            ast::Set::SingleAssignment {
                variable, values, ..
            } => {
                let name = variable.to_string().to_lowercase();
                let value = values
                    .iter()
                    .map(|v| match v {
                        ast::Expr::Value(v) => match &v.value {
                            ast::Value::SingleQuotedString(s) => s.clone(),
                            other => other.to_string(),
                        },
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                self.settings.insert(name, value);
                Ok(StatementResult::Command("SET".into()))
            }
            other => Err(EngineError::FeatureNotSupported {
                feature: format!("{other}"),
            }),
        }
    }

    fn show(&self, name: &str) -> Result<String> {
        if let Some(v) = self.settings.get(name) {
            return Ok(v.clone());
        }
        Ok(match name {
            "server_version" => "15.0".into(),
            "server_encoding" | "client_encoding" => "UTF8".into(),
            "datestyle" => "ISO, MDY".into(),
            "intervalstyle" => "postgres".into(),
            "timezone" => "UTC".into(),
            "standard_conforming_strings" => "on".into(),
            "integer_datetimes" => "on".into(),
            "transaction_isolation" | "default_transaction_isolation" => "serializable".into(),
            _ => {
                return Err(EngineError::UndefinedParameter { name: name.into() });
            }
        })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // An open transaction dies with its session.
        let _ = self.finish(false);
    }
}

/// A session's transaction state, as ReadyForQuery reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionStatus {
    Idle,
    InBlock,
    Failed,
}
