//! Sessions: statement execution with PostgreSQL's transaction semantics.
//!
//! Outside a block every statement is its own transaction. BEGIN opens a block; a failing
//! statement inside it puts the block in the failed state, where everything but ROLLBACK
//! (or COMMIT, which then rolls back) fails with 25P02.
//!
//! Transactions run concurrently, each with PostgreSQL's isolation levels: READ COMMITTED
//! (the default; READ UNCOMMITTED behaves the same) takes a new snapshot for each statement,
//! REPEATABLE READ one for the whole transaction at its first statement. SERIALIZABLE
//! transactions take a repeatable-read snapshot too and are tracked by serializable
//! snapshot isolation ([`crate::ssi`]): registered with their snapshot, checked at commit
//! (before the storage commit), forgotten when they roll back; a commit that would complete
//! a dangerous structure fails with 40001 instead.
//!
//! Every transaction holds its own transaction lock from its start, and the relation and
//! catalog entry locks its statements take (see [`crate::catalog`]). All are released when
//! the transaction ends, after its commit is durable and its definitions are in the
//! committed catalog.
//!
//! Each statement runs on its own copy of the catalog: the committed one, with the
//! transaction's own changes laid over it. A transaction that changed definitions keeps
//! its copy (with the changes it recorded) between statements, reverts it on ROLLBACK TO,
//! drops it on rollback and lays its changes over the committed catalog at commit.
//!
//! A READ COMMITTED statement that meets a row version changed by a transaction that
//! committed after its snapshot is rolled back to where it began and run again with a new
//! snapshot (the rows it reads then include that change); at the other levels it fails
//! with 40001.
//!
//! A COPY … FROM STDIN leaves the session in copy mode (its statement's transaction open)
//! until [`Session::copy_done`] or [`Session::copy_fail`]; data arrives through
//! [`Session::copy_data`]. Any other call ends the copy as failed.

mod constraints;
mod cursors;
mod databases;
mod identity;
mod lock_table;
mod notify;
mod plan_cache;
pub(crate) mod prepared;
mod script;
mod settings;
mod txn_deferrable;

pub use plan_cache::{PlanCacheMode, PlanCacheStats};
pub use prepared::PreparedInfo;
pub use script::{Script, ScriptResult, ScriptStep};
use settings::{transaction_snapshot, TxnMode};

use crate::catalog::{Catalog, CatalogChange, EntryLocks};
use crate::copy::{self, CopyIn, CopyInfo, CopyOutData, Started};
use crate::database::Database;
use crate::error::{EngineError, Result};
use crate::guc;
use crate::lock::{LockMode, LockTag, WaitProbe, WaitRules};
use crate::notice::Notice;
use crate::sql::{self, Outcome, TxnCx};
use crate::types::{DataType, Value};
use sqlparser::ast;
use std::collections::HashSet;
use storage::{Snapshot, Transaction, TxnId};

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
    /// The command tag PostgreSQL sends after these rows (`SELECT 2`, `INSERT 0 1`, `SHOW`).
    pub tag: String,
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
    /// COPY … FROM STDIN is waiting for its data: [`Session::copy_data`], then
    /// [`Session::copy_done`] (or [`Session::copy_fail`]).
    CopyIn(CopyInfo),
    /// COPY … TO STDOUT: its data.
    CopyOut(CopyOutData),
}

/// A parsed statement with its parameter types and result columns, to run many times.
#[derive(Clone, Debug)]
pub struct Prepared {
    stmt: ast::Statement,
    /// The statement's text, where error positions point.
    sql: String,
    /// Parameter types: declared ones, then inferred ones (`text` where nothing tells).
    pub params: Vec<DataType>,
    /// Result columns (empty for statements that return no rows).
    pub columns: Vec<Column>,
    /// The highest `$n` the text refers to (0 for none), bound or not.
    referenced: usize,
}

impl Prepared {
    /// The highest `$n` the statement's text refers to (see [`sql::max_param`]), counted
    /// once when it is prepared.
    pub fn referenced_params(&self) -> usize {
        self.referenced
    }

    /// The statement's text (for a statement PREPAREd in SQL, the PREPARE statement's).
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// COMMIT, ROLLBACK or ROLLBACK TO: what a failed transaction block still accepts.
    pub fn is_transaction_exit(&self) -> bool {
        matches!(
            self.stmt,
            ast::Statement::Commit { .. } | ast::Statement::Rollback { .. }
        )
    }
}

/// The tag PostgreSQL sends after `n` rows of `stmt`.
fn rows_tag(stmt: &ast::Statement, n: usize) -> String {
    use ast::Statement as S;
    match stmt {
        S::Insert(_) => format!("INSERT 0 {n}"),
        S::Update(_) => format!("UPDATE {n}"),
        S::Delete(_) => format!("DELETE {n}"),
        S::ShowVariable { .. } => "SHOW".into(),
        S::Explain { .. } => "EXPLAIN".into(),
        _ => format!("SELECT {n}"),
    }
}

fn no_copy() -> EngineError {
    EngineError::CopyRejected {
        code: "08P01",
        message: "no COPY FROM STDIN is in progress".into(),
    }
}

fn copy_in_progress() -> EngineError {
    EngineError::CopyRejected {
        code: "08P01",
        message: "COPY FROM STDIN was in progress: it is ended as failed".into(),
    }
}

struct Active {
    id: TxnId,
    /// The storage transaction; `None` once an error has aborted a block that has no
    /// savepoint: its changes are undone and its locks released at the error, as
    /// PostgreSQL aborts the transaction then, and the block only waits for its ROLLBACK.
    txn: Option<Transaction>,
    changes: Vec<CatalogChange>,
    /// Open savepoints: name, where the transaction's log chain stood, catalog changes then.
    savepoints: Vec<(String, storage::Savepoint, usize)>,
    /// Opened by BEGIN (else it is the current statement's own transaction).
    explicit: bool,
    failed: bool,
    /// The transaction's characteristics (BEGIN / SET TRANSACTION), as SHOW reports them.
    mode: TxnMode,
    /// A statement other than transaction control or SET/SHOW has run in it.
    used: bool,
    /// Tables created or truncated since the transaction or its last savepoint began (COPY
    /// FREEZE needs one).
    fresh: HashSet<String>,
    /// The transaction's snapshot (REPEATABLE READ and SERIALIZABLE), from its first
    /// statement on.
    snapshot: Option<Snapshot>,
    /// The running statement's snapshot, taken when it first reads or writes.
    stmt_snapshot: Option<Snapshot>,
    /// The transaction's snapshot was taken by the running statement (which may drop it
    /// to run again after waiting for a relation lock).
    snapshot_by_statement: bool,
    /// The catalog as the transaction's latest statement left it, once the transaction
    /// changed definitions: the entries `changes` name are the transaction's own (the
    /// others are taken from the committed catalog at each statement).
    catalog: Option<Catalog>,
    /// When the transaction started (its first statement's, or BEGIN's, start): `now()`.
    started: i64,
    /// Its deferred foreign key checks and SET CONSTRAINTS state.
    deferred: crate::sql::fkey::deferred::Deferred,
}

impl Active {
    fn id(&self) -> TxnId {
        self.id
    }

    /// The running transaction (25P02 once an error has aborted the block).
    fn txn(&mut self) -> Result<&mut Transaction> {
        self.txn.as_mut().ok_or(EngineError::InFailedTransaction)
    }
}

pub struct Session {
    db: Database,
    /// OID of the database the session is connected to (whose relations it sees).
    database: u32,
    active: Option<Active>,
    settings: guc::Settings,
    /// The session's entry in the database's activity registry (`pg_stat_activity`).
    activity: crate::activity::ActivityHandle,
    /// A COPY FROM STDIN waiting for data.
    copy: Option<Box<CopyIn>>,
    /// The authenticated role (`None`: an embedded session, with all privileges).
    user: Option<String>,
    cancel: crate::interrupt::CancelHandle,
    /// The value each sequence last gave this session (`currval`).
    currvals: crate::sequence::Currvals,
    /// Notices raised since the latest `execute*` call began.
    notices: Vec<Notice>,
    /// The session's temp namespace number N (`pg_temp_N`); 0 until its first temporary
    /// relation. Its relations are dropped when the session is.
    temp_ns: u32,
    /// Open cursors (DECLARE … CURSOR).
    cursors: crate::cursor::Cursors,
    /// Whether the running statement waits for a lock (observable from other threads).
    probe: WaitProbe,
    /// The lock manager's id for the session's session-level (advisory) locks, linked to each
    /// transaction the session runs; its locks go when the session does.
    lock_owner: storage::TxnId,
    /// When the running (or latest) statement started: `statement_timestamp()`.
    stmt_start: i64,
    /// Named prepared statements (PREPARE and the protocol's Parse).
    named: prepared::NamedStatements,
    /// The `TimeZone` setting's text and the zone it names, as last looked up.
    zone: Option<(String, crate::types::tz::Zone)>,
    /// The channels the session listens on, its delivered notifications, and its open
    /// transaction's LISTEN/UNLISTEN/NOTIFY (applied at commit).
    notify: crate::notify::SessionNotify,
    /// Queries bound so far, to run again without binding (see `plan_cache`).
    plans: plan_cache::PlanCache,
}

/// Statements that a READ COMMITTED transaction restarts after a concurrent update.
fn restartable(stmt: &ast::Statement) -> bool {
    use ast::Statement as S;
    match stmt {
        S::Insert(_) | S::Update(_) | S::Delete(_) | S::Merge(_) | S::Query(_) => true,
        S::Explain { statement, .. } => restartable(statement),
        _ => false,
    }
}

/// The command a statement that changes the database is reported as in 25006 errors.
fn writes(stmt: &ast::Statement) -> Option<&'static str> {
    use ast::Statement as S;
    Some(match stmt {
        // Locking rows (of a FROM clause) is refused as PostgreSQL refuses it.
        S::Query(q) if !q.locks.is_empty() => match q.body.as_ref() {
            ast::SetExpr::Select(s) if s.from.is_empty() => return None,
            _ => crate::sql::lock_syntax::clauses(q)
                .first()
                .map(|c| c.strength.command())?,
        },
        S::Insert(_) => "INSERT",
        S::Update(_) => "UPDATE",
        S::Delete(_) => "DELETE",
        // As PostgreSQL 15: a MERGE whose every action is DO NOTHING only reads.
        S::Merge(m)
            if m.clauses
                .iter()
                .all(|c| matches!(c.action, ast::MergeAction::DoNothing { .. })) =>
        {
            return None
        }
        S::Merge(_) => "MERGE",
        S::CreateTable(_) => "CREATE TABLE",
        S::CreateIndex(_) => "CREATE INDEX",
        S::CreateView(_) => "CREATE VIEW",
        S::CreateSequence { .. } => "CREATE SEQUENCE",
        S::CreateType { .. } => "CREATE TYPE",
        S::AlterType(_) => "ALTER TYPE",
        S::CreateDomain(_) => "CREATE DOMAIN",
        S::CreateSchema { .. } => "CREATE SCHEMA",
        S::AlterSchema(_) => "ALTER SCHEMA",
        S::DropDomain(_) => "DROP DOMAIN",
        S::CreatePolicy(_) => "CREATE POLICY",
        S::AlterPolicy(_) => "ALTER POLICY",
        S::DropPolicy(_) => "DROP POLICY",
        S::AlterTable(_) => "ALTER TABLE",
        S::AlterIndex { .. } => "ALTER INDEX",
        S::Truncate(_) => "TRUNCATE TABLE",
        S::Drop { .. } => "DROP",
        S::Explain {
            statement,
            analyze: true,
            ..
        } => return writes(statement),
        _ => return None,
    })
}

impl Session {
    pub(crate) fn new(db: Database) -> Session {
        let activity = db.catalog().activity().register();
        let lock_owner = db.locks().new_session_owner();
        let notify = crate::notify::SessionNotify::new(db.notify_hub().clone());
        let cancel = crate::interrupt::CancelHandle::new();
        activity.set_cancel(cancel.clone());
        Session {
            notify,
            lock_owner,
            db,
            database: crate::catalog::POSTGRES_OID,
            active: None,
            settings: guc::Settings::default(),
            activity,
            user: None,
            cancel,
            copy: None,
            currvals: Default::default(),
            notices: Vec::new(),
            temp_ns: 0,
            cursors: Default::default(),
            probe: WaitProbe::new(),
            stmt_start: crate::clock::wall(),
            named: Default::default(),
            zone: None,
            plans: Default::default(),
        }
    }

    /// Installs the session's time zone and its transaction's and statement's start times
    /// on this thread (see `crate::types::tz` and `crate::clock`), before anything is bound,
    /// evaluated or formatted for the session.
    fn install_session_time(&mut self) {
        let name = self.settings.get("TimeZone").unwrap_or_default();
        let zone = match &self.zone {
            Some((n, z)) if *n == name => *z,
            _ => {
                // The setting was checked when it was set; UTC otherwise.
                let z = crate::types::tz::Zone::lookup(&name)
                    .unwrap_or(crate::types::tz::Zone::Fixed(0));
                self.zone = Some((name, z));
                z
            }
        };
        crate::types::tz::set_session_zone(zone);
        let txn = self.active.as_ref().map_or(self.stmt_start, |a| a.started);
        crate::clock::install(txn, self.stmt_start);
    }

    /// A handle telling from any thread whether this session's statement is waiting for a
    /// lock or for another transaction to end.
    pub fn wait_probe(&self) -> WaitProbe {
        self.probe.clone()
    }

    fn wait_rules(&self) -> WaitRules {
        WaitRules {
            nowait: false,
            lock_timeout: match self.settings.lock_timeout() {
                0 => None,
                ms => Some(std::time::Duration::from_millis(ms.into())),
            },
            deadlock_timeout: std::time::Duration::from_millis(
                self.settings.deadlock_timeout().into(),
            ),
        }
    }

    /// The catalog as the open transaction sees it: the committed one with the
    /// transaction's own changes laid over it (a copy: no mutex is held while it is used).
    pub(crate) fn view_catalog(&self) -> Catalog {
        let mut c = self
            .db
            .catalog_copy(self.database, self.temp_ns, self.settings.search_path());
        if let Some(a) = &self.active {
            if let Some(own) = a.catalog.as_ref().filter(|_| !a.changes.is_empty()) {
                c.overlay(own, &a.changes);
            }
        }
        c
    }

    /// Before the statement's first read or write: the snapshot the statement reads with
    /// (a SERIALIZABLE transaction's first one registers it with [`crate::ssi`]).
    fn statement_snapshot(&mut self) -> Result<Snapshot> {
        if let Some(s) = self.active.as_ref().and_then(|a| a.stmt_snapshot.clone()) {
            return Ok(s);
        }
        let db = self.db.clone();
        let a = self
            .active
            .as_mut()
            .ok_or(EngineError::NoActiveTransaction)?;
        let snapshot = if transaction_snapshot(a.mode.isolation) {
            if a.snapshot.is_none() {
                a.snapshot_by_statement = true;
            }
            let txn = a.txn.as_ref().ok_or(EngineError::InFailedTransaction)?;
            match &a.snapshot {
                Some(s) => s.clone(),
                None if a.mode.isolation == "serializable" => {
                    let (s, _) = db
                        .ssi()
                        .register(a.id, a.mode.read_only, || db.storage().snapshot(txn));
                    a.snapshot = Some(s.clone());
                    s
                }
                None => {
                    let s = db.storage().snapshot(txn);
                    a.snapshot = Some(s.clone());
                    s
                }
            }
        } else {
            let txn = a.txn.as_ref().ok_or(EngineError::InFailedTransaction)?;
            db.storage().snapshot(txn)
        };
        if let Some(a) = self.active.as_mut() {
            a.stmt_snapshot = Some(snapshot.clone());
        }
        Ok(snapshot)
    }

    /// Runs the session's statements as role `name` (its privileges apply to role
    /// statements), as the server does after authentication.
    pub fn set_user(&mut self, name: &str) {
        self.plans.clear();
        self.user = Some(name.to_owned());
        self.activity.set_user(name);
        self.login_is_superuser();
    }

    /// Connects the session to database `name` (before its first statement, as a client
    /// names the database at startup): 3D000 if it does not exist, 55000 if it allows no
    /// connections; 25001 inside a transaction block.
    pub fn connect_database(&mut self, name: &str) -> Result<()> {
        if self.active.is_some() || self.temp_ns != 0 {
            return Err(EngineError::InTransactionBlock {
                what: "changing the database",
            });
        }
        let oid = self.db.database_oid(name)?;
        self.database = oid;
        self.activity.set_database(oid);
        Ok(())
    }

    /// The name of the session's database (`current_database()`).
    pub fn database_name(&self) -> String {
        self.db.catalog_in(self.database).database_name()
    }

    /// The session's backend process id (`pg_backend_pid()`).
    pub fn backend_pid(&self) -> i32 {
        self.activity.pid()
    }

    /// Sets the backend process id (a server passes the one it gave the client).
    pub fn set_backend_pid(&mut self, pid: i32) {
        self.activity.set_pid(pid);
    }

    /// Runs `f` as the statement `sql`, as pg_stat_activity shows it.
    fn tracked<R>(&mut self, sql: &str, f: impl FnOnce(&mut Self) -> Result<R>) -> Result<R> {
        self.activity.statement_started(sql);
        self.install_session_time();
        let res = f(self);
        // A statement may have changed the zone (SET, set_config, a rollback): results are
        // formatted in the zone in force after it.
        self.install_session_time();
        let app = self.settings.get("application_name").unwrap_or_default();
        self.activity
            .statement_ended(self.transaction_status(), app);
        res
    }

    /// The role the session runs as, if authenticated.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// A handle that cancels this session's running statement from any thread (57014).
    pub fn cancel_handle(&self) -> crate::interrupt::CancelHandle {
        self.cancel.clone()
    }

    /// The notices (NOTICE, WARNING) raised by the statements of the latest `execute`,
    /// `execute_one`, `query` or `execute_prepared` call, in order, including those raised
    /// before an error; each such call starts a new list. Taking them empties the list.
    pub fn take_notices(&mut self) -> Vec<Notice> {
        std::mem::take(&mut self.notices)
    }

    /// Whether a BEGIN block is open (and whether it has failed).
    pub fn transaction_status(&self) -> TransactionStatus {
        match &self.active {
            Some(a) if a.explicit && a.failed => TransactionStatus::Failed,
            Some(a) if a.explicit => TransactionStatus::InBlock,
            _ => TransactionStatus::Idle,
        }
    }

    /// Runs every statement of `sql` in order, stopping at the first error. A COPY … FROM
    /// STDIN followed by its data lines (ended by `\.`) loads them, as in a psql script.
    pub fn execute(&mut self, sql: &str) -> Result<Vec<StatementResult>> {
        self.tracked(sql, |this| {
            this.notices.clear();
            this.end_copy_if_any()?;
            let stmts = sql::parse_script(sql)?;
            let mut out = Vec::with_capacity(stmts.len());
            for s in &stmts {
                let text = sql.get(s.offset..s.end);
                out.push(
                    this.run(&s.stmt, &[], text)
                        .map_err(|e| e.resolve_position(sql))?,
                );
            }
            Ok(out)
        })
    }

    /// Runs exactly one statement with `$1…` parameters (typed values).
    pub fn execute_one(&mut self, sql: &str, params: &[Value]) -> Result<StatementResult> {
        self.tracked(sql, |this| {
            this.notices.clear();
            this.end_copy_if_any()?;
            let stmt = one_statement(sql)?;
            this.run(&stmt, params, Some(sql))
                .map_err(|e| e.resolve_position(sql))
        })
    }

    /// Runs one statement with `$1…` parameters; returns its rows (empty for commands).
    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<RowSet> {
        match self.execute_one(sql, params)? {
            StatementResult::Rows(r) => Ok(r),
            _ => Ok(RowSet {
                columns: Vec::new(),
                rows: Vec::new(),
                tag: String::new(),
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
        let p = self.prepare(sql, declared)?;
        Ok((p.params, p.columns))
    }

    /// Parses and describes one statement, to run with [`Session::execute_prepared`].
    pub fn prepare(&mut self, sql: &str, declared: &[DataType]) -> Result<Prepared> {
        self.install_session_time();
        let stmt = one_statement(sql)?;
        let stmt = sql::ctas::select_into(&stmt)?.unwrap_or(stmt);
        let catalog = self.view_catalog();
        let (params, cols) =
            sql::describe(&stmt, &catalog, declared).map_err(|e| e.resolve_position(sql))?;
        drop(catalog);
        // A FETCH returns its cursor's columns, an EXECUTE its statement's.
        let cols = match &stmt {
            ast::Statement::Execute {
                name: Some(name), ..
            } => match self.named_statement(&crate::sql::binder::object_name(name)) {
                Some(p) => p
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), c.ty.clone()))
                    .collect(),
                None => cols,
            },
            ast::Statement::Fetch { name, into, .. } if !sql::cursor_syntax::is_move(into) => self
                .cursors
                .get(&crate::sql::binder::ident_name(name))?
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.ty.clone()))
                .collect(),
            _ => cols,
        };
        let p = Prepared {
            stmt,
            sql: sql.to_string(),
            referenced: sql::max_param(sql),
            params,
            columns: cols
                .into_iter()
                .map(|(name, ty)| Column { name, ty })
                .collect(),
        };
        if self.transaction_status() == TransactionStatus::Failed && !p.is_transaction_exit() {
            return Err(EngineError::InFailedTransaction);
        }
        Ok(p)
    }

    /// Runs a prepared statement with parameter values of its parameter types.
    pub fn execute_prepared(&mut self, p: &Prepared, params: &[Value]) -> Result<StatementResult> {
        self.tracked(&p.sql, |this| {
            this.notices.clear();
            this.end_copy_if_any()?;
            this.run(&p.stmt, params, Some(&p.sql))
                .map_err(|e| e.resolve_position(&p.sql))
        })
    }

    /// Puts an open transaction block into the failed state, as an error inside it does
    /// (for errors found outside the engine, such as a parameter that does not decode).
    pub fn fail_transaction(&mut self) {
        self.copy = None;
        match self.active.as_ref().map(|a| a.explicit) {
            Some(true) => self.fail_block(),
            Some(false) => {
                let _ = self.finish(false);
            }
            None => {}
        }
    }

    /// An error in a transaction block: the block fails (only ROLLBACK, or ROLLBACK TO a
    /// savepoint, ends the failed state). Without a savepoint to return to, the transaction
    /// is aborted now, as PostgreSQL aborts it at the error: its changes are undone and its
    /// locks released, so sessions waiting for it go on before the block's ROLLBACK. With
    /// savepoints the transaction stays, to be rolled back to one.
    fn fail_block(&mut self) {
        let Some(a) = self.active.as_mut().filter(|a| a.explicit) else {
            return;
        };
        a.failed = true;
        if !a.savepoints.is_empty() {
            return;
        }
        let Some(txn) = a.txn.take() else {
            return;
        };
        let me = a.id;
        let changes = std::mem::take(&mut a.changes);
        let own = a.catalog.take();
        a.snapshot = None;
        a.stmt_snapshot = None;
        self.cursors.transaction_ended(false);
        // An abort that fails leaves the store failed (every later statement says so), and
        // recovery undoes the rest.
        let _ = txn.abort();
        if let Some(mut own) = own {
            own.revert(changes);
        }
        self.db.ssi().aborted(me);
        self.db.locks().release_all(me);
        self.notify.abort();
    }

    /// Data for the COPY FROM STDIN in progress: its complete lines are loaded now. After an
    /// error the rest of the data is ignored; [`Session::copy_done`] reports the error.
    pub fn copy_data(&mut self, data: &[u8]) -> Result<()> {
        let Some(mut c) = self.copy.take() else {
            return Err(no_copy());
        };
        if c.error.is_none() {
            if let Err(e) = self.with_cx(&[], |cx| c.feed(data, cx)) {
                c.error = Some(e);
            }
        }
        self.copy = Some(c);
        Ok(())
    }

    /// Ends the COPY FROM STDIN in progress; returns the number of rows loaded. On an
    /// error nothing the COPY loaded stays.
    pub fn copy_done(&mut self) -> Result<u64> {
        let Some(mut c) = self.copy.take() else {
            return Err(no_copy());
        };
        let res = match c.error.take() {
            Some(e) => Err(e),
            None => self.with_cx(&[], |cx| c.finish(cx)),
        };
        self.end_statement(res.is_ok(), c.implicit)?;
        res
    }

    /// Ends the COPY FROM STDIN in progress as failed (the client's CopyFail); returns the
    /// error to report.
    pub fn copy_fail(&mut self, message: &str) -> EngineError {
        let Some(c) = self.copy.take() else {
            return no_copy();
        };
        if let Err(e) = self.end_statement(false, c.implicit) {
            return e;
        }
        EngineError::CopyFailed {
            message: message.into(),
        }
    }

    /// Runs `COPY … FROM STDIN` with the data read from `data`; returns the rows loaded.
    pub fn copy_in(&mut self, sql: &str, mut data: impl std::io::Read) -> Result<u64> {
        match self.execute_one(sql, &[])? {
            StatementResult::CopyIn(_) => {}
            _ => {
                return Err(EngineError::InvalidParameterValue {
                    message: "copy_in needs a COPY ... FROM STDIN statement".into(),
                })
            }
        }
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match data.read(&mut buf) {
                Ok(0) => return self.copy_done(),
                Ok(n) => self.copy_data(&buf[..n])?,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.copy_fail(&e.to_string())),
            }
        }
    }

    /// Runs `COPY … TO STDOUT`, writing its data to `out`; returns the rows copied.
    pub fn copy_out(&mut self, sql: &str, mut out: impl std::io::Write) -> Result<u64> {
        match self.execute_one(sql, &[])? {
            StatementResult::CopyOut(d) => {
                for line in &d.lines {
                    out.write_all(line)
                        .map_err(|e| EngineError::InvalidParameterValue {
                            message: format!("could not write COPY data: {e}"),
                        })?;
                }
                Ok(d.rows)
            }
            _ => Err(EngineError::InvalidParameterValue {
                message: "copy_out needs a COPY ... TO STDOUT statement".into(),
            }),
        }
    }

    /// A call other than the COPY ones while a COPY FROM STDIN waits fails that COPY.
    fn end_copy_if_any(&mut self) -> Result<()> {
        if self.copy.is_some() {
            let _ = self.copy_fail("COPY was interrupted by another statement");
            return Err(copy_in_progress());
        }
        Ok(())
    }

    /// Ends a statement's transaction work: commits or rolls back the statement's own
    /// transaction, or marks a block failed after an error.
    fn end_statement(&mut self, ok: bool, implicit: bool) -> Result<()> {
        match (ok, implicit) {
            (true, true) => self.finish(true)?,
            (false, true) => self.finish(false)?,
            (false, false) => self.fail_block(),
            (true, false) => {}
        }
        Ok(())
    }

    /// Runs `f` with the open transaction's context.
    fn with_cx<R>(
        &mut self,
        params: &[Value],
        f: impl FnOnce(&mut TxnCx<'_>) -> Result<R>,
    ) -> Result<R> {
        self.install_session_time();
        let snapshot = self.statement_snapshot()?;
        let rules = self.wait_rules();
        let db = self.db.clone();
        // Copied after the snapshot: a definition committed before the snapshot was taken
        // is in it (commits lay their definitions over the committed catalog before they
        // can be seen, see `finish`).
        let mut own = self.view_catalog();
        let a = self
            .active
            .as_mut()
            .ok_or(EngineError::NoActiveTransaction)?;
        own.set_entry_locks(Some(EntryLocks {
            db: db.clone(),
            txn: a.id(),
            rules,
            probe: self.probe.clone(),
        }));
        let catalog = &mut own;
        let who = Session::identity_of(&self.settings, self.user.as_deref(), catalog);
        catalog.set_acting(Some(who));
        catalog.set_prepared(self.named.infos().clone());
        let mut cx = TxnCx {
            storage: db.storage(),
            catalog,
            txn: a.txn.as_mut().ok_or(EngineError::InFailedTransaction)?,
            changes: &mut a.changes,
            params,
            settings: Some(&self.settings),
            backend_pid: self.activity.pid(),
            sequences: db.sequences(),
            currvals: &self.currvals,
            read_only: a.mode.read_only,
            notices: &mut self.notices,
            snapshot: &snapshot,
            waits: crate::access::Waits {
                locks: db.locks(),
                ssi: db.ssi(),
                rules,
                probe: &self.probe,
            },
            activity: db.activity(),
            recheck_newest: !transaction_snapshot(a.mode.isolation),
            notify: Some(&self.notify),
            deferred: Some(&a.deferred),
        };
        let res = f(&mut cx);
        // The statement may have claimed the session's temp namespace.
        self.temp_ns = own.viewer();
        own.set_entry_locks(None);
        a.catalog = (!a.changes.is_empty()).then_some(own);
        res
    }

    fn begin(&mut self, explicit: bool) -> Result<()> {
        let txn = self.db.storage().begin()?;
        let me = txn.id();
        // Its own lock, which waiters for it ask for; nobody else holds it, so no wait.
        self.db.locks().acquire(
            me,
            LockTag::Transaction(me),
            LockMode::Exclusive,
            &WaitRules::default(),
            &self.probe,
        )?;
        self.db.locks().link_session(self.lock_owner, me);
        self.activity.set_transaction(true);
        let mode = self.default_mode();
        if explicit {
            self.publish_mode(&mode)?;
        }
        self.active = Some(Active {
            id: me,
            txn: Some(txn),
            changes: Vec::new(),
            savepoints: Vec::new(),
            explicit,
            failed: false,
            mode,
            used: false,
            fresh: HashSet::new(),
            snapshot: None,
            stmt_snapshot: None,
            snapshot_by_statement: false,
            catalog: None,
            started: self.stmt_start,
            deferred: Default::default(),
        });
        self.install_session_time();
        Ok(())
    }

    fn finish(&mut self, commit: bool) -> Result<()> {
        let healthy = self.active.as_ref().is_some_and(|a| !a.failed);
        if commit && healthy {
            if let Err(e) = self.fire_deferred(true) {
                self.finish(false)?;
                return Err(e);
            }
        }
        if commit && healthy && self.temp_ns != 0 {
            let ns = self.temp_ns;
            if let Err(e) = self.with_cx(&[], |cx| crate::temp::at_commit(cx, ns)) {
                self.finish(false)?;
                return Err(e);
            }
        }
        // Notifications: the commit can still be refused (queue full); then it rolls back.
        // The pending commit holds the commit-order mutex until it has delivered.
        let pid = self.activity.pid();
        let has_txn = self.active.as_ref().is_some_and(|a| a.txn.is_some());
        let hub = self.notify.hub();
        let pending = if commit && healthy && has_txn {
            match hub.pre_commit(&self.notify, pid) {
                Ok(p) => p,
                Err(e) => {
                    self.finish(false)?;
                    return Err(e);
                }
            }
        } else {
            None
        };
        let Some(a) = self.active.take() else {
            return Ok(());
        };
        let me = a.id();
        // A serializable transaction whose commit would complete a dangerous structure with
        // it as the pivot rolls back instead (40001).
        let db = self.db.clone();
        let ssi = db.ssi();
        let pre_commit = if commit && !a.failed {
            ssi.pre_commit(me)
        } else {
            Ok(())
        };
        self.settings
            .end_transaction(commit && !a.failed && pre_commit.is_ok());
        self.activity.set_transaction(false);
        // Locks go only after the commit is durable and visible, or the rollback complete.
        let res = match a.txn {
            Some(txn) if commit && !a.failed && pre_commit.is_ok() => {
                // Its definitions enter the committed catalog under the catalog mutex held
                // across the commit: whoever copies the catalog after the commit became
                // visible sees them, and nobody sees them before.
                let res = match a.catalog.as_ref().filter(|_| !a.changes.is_empty()) {
                    Some(own) => {
                        let mut committed = self.db.catalog();
                        let res = txn.commit();
                        if res.is_ok() {
                            committed.overlay(own, &a.changes);
                        }
                        res
                    }
                    None => txn.commit(),
                };
                self.cursors.transaction_ended(res.is_ok());
                match &res {
                    Ok(()) => ssi.committed(me),
                    Err(_) => ssi.aborted(me),
                }
                if let (Ok(()), Some(p)) = (&res, pending) {
                    p.deliver(&self.notify);
                }
                res.map_err(EngineError::from)
            }
            txn => {
                drop(pending);
                self.notify.abort();
                self.cursors.transaction_ended(false);
                let res = txn.map_or(Ok(()), Transaction::abort);
                // Only an enum's labels are shared with the committed catalog (see
                // `catalog::types`); reverting puts them back.
                if let Some(mut own) = a.catalog {
                    own.revert(a.changes);
                }
                ssi.aborted(me);
                pre_commit.and(res.map_err(EngineError::from))
            }
        };
        self.db.locks().release_all(me);
        res?;
        Ok(())
    }

    /// Runs one statement; `text` is the statement's own text when it has one (the key of
    /// its cached plan).
    fn run(
        &mut self,
        stmt: &ast::Statement,
        params: &[Value],
        text: Option<&str>,
    ) -> Result<StatementResult> {
        use ast::Statement as S;
        // DROP DATABASE … WITH (FORCE) ended the session: nothing more runs.
        if self.activity.terminated() {
            return Err(EngineError::Terminated);
        }
        if let Some(ctas) = sql::ctas::select_into(stmt)? {
            return self.run(&ctas, params, None);
        }
        let ms = self.settings.statement_timeout();
        let timeout = (ms > 0).then(|| std::time::Duration::from_millis(ms.into()));
        let _interruptible = crate::interrupt::Scope::enter(&self.cancel, timeout)?;
        self.stmt_start = crate::clock::wall();
        self.install_session_time();
        if let Some(a) = &mut self.active {
            a.stmt_snapshot = None;
            a.snapshot_by_statement = false;
        }
        let failed = self.active.as_ref().is_some_and(|a| a.failed);
        match stmt {
            S::StartTransaction { modes, .. } => {
                if failed {
                    return Err(EngineError::InFailedTransaction);
                }
                if self.active.is_none() {
                    self.begin(true)?;
                    if let Err(e) = self.set_transaction(modes) {
                        self.finish(false)?;
                        return Err(e);
                    }
                } else {
                    // BEGIN inside a block only warns in PostgreSQL.
                    self.notices.push(Notice::already_in_transaction());
                }
                let tag = match stmt {
                    S::StartTransaction { begin: false, .. } => "START TRANSACTION",
                    _ => "BEGIN",
                };
                Ok(StatementResult::Command(tag.into()))
            }
            S::Commit { .. } => {
                let tag = if failed { "ROLLBACK" } else { "COMMIT" };
                self.warn_if_no_block();
                self.finish(true)?;
                Ok(StatementResult::Command(tag.into()))
            }
            S::Rollback {
                savepoint: None, ..
            } => {
                self.warn_if_no_block();
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
                a.fresh.clear();
                let sp = a.txn()?.savepoint();
                let at = a.changes.len();
                a.savepoints
                    .push((crate::sql::binder::ident_name(name), sp, at));
                a.deferred.savepoint();
                self.notify.savepoint();
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
                a.deferred.release(pos);
                self.cursors.released_to(pos);
                self.notify.release(pos);
                Ok(StatementResult::Command("RELEASE".into()))
            }
            _ if failed => Err(EngineError::InFailedTransaction),
            S::LISTEN { .. } | S::UNLISTEN { .. } | S::NOTIFY { .. } => self.listen_notify(stmt),
            S::Prepare {
                name,
                data_types,
                statement,
            } => {
                let res = self.sql_prepare(name, data_types, statement, &stmt.to_string());
                self.fail_block_on(res)
            }
            S::Execute {
                name: Some(name),
                parameters,
                has_parentheses,
                immediate: false,
                into,
                using,
                output: false,
                default: false,
                ..
            } if into.is_empty() && using.is_empty() => {
                let res = self.sql_execute(name, parameters, *has_parentheses);
                self.fail_block_on(res)
            }
            S::Deallocate { name, .. } => {
                let res = self.sql_deallocate(name);
                self.fail_block_on(res)
            }
            S::Declare { stmts, .. } => {
                let res = self.declare(stmts, params);
                self.fail_block_on(res)
            }
            S::Fetch {
                name,
                direction,
                into,
                ..
            } => {
                let res = self.fetch(name, direction, sql::cursor_syntax::is_move(into));
                self.fail_block_on(res)
            }
            S::Close { cursor } => {
                let res = match cursor {
                    ast::CloseCursor::All => {
                        self.cursors.close_all();
                        Ok(())
                    }
                    ast::CloseCursor::Specific { name } => {
                        self.cursors.close(&crate::sql::binder::ident_name(name))
                    }
                };
                let res = res.map(|()| StatementResult::Command("CLOSE CURSOR".into()));
                self.fail_block_on(res)
            }
            S::Set(set) => self.set(set),
            S::Reset(reset) => self.reset(reset),
            S::ShowVariable { variable } => {
                let name = variable
                    .iter()
                    .map(|i| i.value.to_lowercase())
                    .collect::<Vec<_>>()
                    .join(".");
                // SHOW TRANSACTION ISOLATION LEVEL is PostgreSQL's spelling of
                // SHOW transaction_isolation (and names its column so).
                let name = match name.as_str() {
                    "transaction.isolation.level" => "transaction_isolation".to_owned(),
                    _ => name,
                };
                let value = self.show(&name)?;
                Ok(StatementResult::Rows(RowSet {
                    columns: vec![Column {
                        name: name.clone(),
                        ty: DataType::Text,
                    }],
                    rows: vec![vec![Value::Text(value)]],
                    tag: "SHOW".into(),
                }))
            }
            S::Lock(lock) => {
                let res = self.lock_table(lock);
                self.fail_block_on(res)
            }
            S::Vacuum(_) if self.active.as_ref().is_some_and(|a| a.explicit) => {
                self.end_statement(false, false)?;
                Err(EngineError::InTransactionBlock { what: "VACUUM" })
            }
            _ => {
                let implicit = self.active.is_none();
                if implicit {
                    self.begin(false)?;
                }
                let res = self
                    .check_writable(stmt)
                    .and_then(|()| self.run_restarting(stmt, params, text));
                if let Ok(StatementResult::CopyIn(_)) = &res {
                    // The statement goes on with copy_data / copy_done.
                    if let Some(c) = &mut self.copy {
                        c.implicit = implicit;
                    }
                    return res;
                }
                self.end_statement(res.is_ok(), implicit)?;
                res
            }
        }
    }

    /// COMMIT and ROLLBACK outside a BEGIN block only warn (25P01), as in PostgreSQL.
    fn warn_if_no_block(&mut self) {
        if !self.active.as_ref().is_some_and(|a| a.explicit) {
            self.notices.push(Notice::no_transaction());
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
        let a = match &mut self.active {
            Some(a) if a.explicit => a,
            _ => {
                return Err(EngineError::NoTransactionBlock {
                    what: "ROLLBACK TO SAVEPOINT".into(),
                })
            }
        };
        let pos = a
            .savepoints
            .iter()
            .rposition(|(n, _, _)| n == name)
            .ok_or_else(|| EngineError::NoSuchSavepoint { name: name.into() })?;
        a.savepoints.truncate(pos + 1);
        let (_, sp, at) = a.savepoints[pos].clone();
        a.txn()?.rollback_to(sp)?;
        let undone = a.changes.split_off(at.min(a.changes.len()));
        if let Some(own) = a.catalog.as_mut() {
            own.revert(undone);
        }
        a.deferred.rollback_to(pos);
        self.cursors.rolled_back_to(pos);
        self.notify.rollback_to(pos);
        a.failed = false;
        a.fresh.clear();
        Ok(StatementResult::Command("ROLLBACK".into()))
    }

    /// A read-only transaction refuses statements that write (25006).
    fn check_writable(&mut self, stmt: &ast::Statement) -> Result<()> {
        let Some(a) = self.active.as_mut() else {
            return Ok(());
        };
        a.used = true;
        match writes(stmt) {
            Some(what) if a.mode.read_only => {
                Err(EngineError::ReadOnlyTransaction { what: what.into() })
            }
            _ => Ok(()),
        }
    }

    /// Runs the statement; at READ COMMITTED, a concurrent update of a row it had to change
    /// rolls the statement back and runs it again with a new snapshot. At the other levels
    /// that is a serialization failure (40001).
    fn run_restarting(
        &mut self,
        stmt: &ast::Statement,
        params: &[Value],
        text: Option<&str>,
    ) -> Result<StatementResult> {
        let Some(a) = self.active.as_mut() else {
            return Err(EngineError::NoActiveTransaction);
        };
        let (sp, at, notices) = (a.txn()?.savepoint(), a.changes.len(), self.notices.len());
        let checks = a.deferred.mark();
        let notes = self.notify.mark();
        loop {
            match self.run_in_txn(stmt, params, text) {
                Err(EngineError::ConcurrentUpdate) => {
                    let a = self
                        .active
                        .as_mut()
                        .ok_or(EngineError::NoActiveTransaction)?;
                    if transaction_snapshot(a.mode.isolation) || !restartable(stmt) {
                        return Err(EngineError::SerializationFailure);
                    }
                    a.txn()?.rollback_to(sp)?;
                    let undone = a.changes.split_off(at.min(a.changes.len()));
                    if let Some(own) = a.catalog.as_mut() {
                        own.revert(undone);
                    }
                    a.stmt_snapshot = None;
                    a.deferred.undo_to(checks);
                    self.notices.truncate(notices);
                    self.notify.undo_to(notes);
                }
                // It waited for a relation lock: run it again with a snapshot taken now, as
                // PostgreSQL takes its locks before its snapshot.
                Err(EngineError::RelationLockWaited) => {
                    let a = self
                        .active
                        .as_mut()
                        .ok_or(EngineError::NoActiveTransaction)?;
                    a.txn()?.rollback_to(sp)?;
                    let undone = a.changes.split_off(at.min(a.changes.len()));
                    if let Some(own) = a.catalog.as_mut() {
                        own.revert(undone);
                    }
                    a.stmt_snapshot = None;
                    if a.snapshot_by_statement {
                        a.snapshot = None;
                        a.snapshot_by_statement = false;
                    }
                    a.deferred.undo_to(checks);
                    self.notices.truncate(notices);
                    self.notify.undo_to(notes);
                }
                other => return other,
            }
        }
    }

    fn run_in_txn(
        &mut self,
        stmt: &ast::Statement,
        params: &[Value],
        text: Option<&str>,
    ) -> Result<StatementResult> {
        use ast::Statement as S;
        if let S::Copy { payload, .. } = stmt {
            return self.start_copy(stmt, payload.as_ref(), params);
        }
        let mode = self.db.plan_cache_mode();
        let outcome = match (stmt, text) {
            (S::Query(q), Some(text)) if mode != PlanCacheMode::Off => {
                self.run_query_cached(q, text, params, mode)?
            }
            _ => self.with_cx(params, |cx| sql::execute(stmt, cx))?,
        };
        if let (S::CreateTable(_) | S::Truncate(_), Some(a)) = (stmt, &mut self.active) {
            let names: Vec<String> = match stmt {
                S::CreateTable(ct) => vec![crate::sql::binder::object_name(&ct.name)],
                S::Truncate(t) => t
                    .table_names
                    .iter()
                    .map(|t| crate::sql::binder::object_name(&t.name))
                    .collect(),
                _ => Vec::new(),
            };
            a.fresh.extend(names);
        }
        Ok(match outcome {
            Outcome::Rows { columns, rows } => StatementResult::Rows(RowSet {
                tag: rows_tag(stmt, rows.len()),
                columns: columns
                    .into_iter()
                    .map(|(name, ty)| Column { name, ty })
                    .collect(),
                rows,
            }),
            Outcome::Command { tag } => StatementResult::Command(tag),
        })
    }

    /// Starts a COPY; a COPY FROM STDIN with its data inline (`payload`) runs to the end.
    fn start_copy(
        &mut self,
        stmt: &ast::Statement,
        payload: Option<&ast::CopyPayload>,
        params: &[Value],
    ) -> Result<StatementResult> {
        let fresh = self
            .active
            .as_ref()
            .map(|a| a.fresh.clone())
            .unwrap_or_default();
        match self.with_cx(params, |cx| copy::start(stmt, cx, &fresh))? {
            Started::Out(data) => Ok(StatementResult::CopyOut(data)),
            Started::In(mut c) => match payload {
                Some(p) => {
                    self.with_cx(&[], |cx| c.feed(p.data.as_bytes(), cx))?;
                    let n = self.with_cx(&[], |cx| c.finish(cx))?;
                    Ok(StatementResult::Command(format!("COPY {n}")))
                }
                None => {
                    let info = c.info();
                    self.copy = Some(c);
                    Ok(StatementResult::CopyIn(info))
                }
            },
        }
    }
}

/// The only statement of `sql`.
fn one_statement(sql: &str) -> Result<ast::Statement> {
    let mut stmts = sql::parse(sql)?;
    match stmts.len() {
        1 => Ok(stmts.remove(0)),
        0 => Err(EngineError::Syntax {
            message: "empty query".into(),
            position: None,
        }),
        _ => Err(EngineError::Syntax {
            message: "cannot insert multiple commands into a prepared statement".into(),
            position: None,
        }),
    }
}

impl Session {
    /// Drops the session's temporary relations in a transaction of their own and frees its
    /// temp namespace. On failure they stay until the database is next opened.
    fn drop_temp_relations(&mut self) -> Result<()> {
        let ns = self.temp_ns;
        if ns == 0 {
            return Ok(());
        }
        self.begin(false)?;
        let res = self.with_cx(&[], |cx| crate::temp::drop_all(cx, ns));
        self.finish(res.is_ok())?;
        res?;
        self.db.catalog_in(self.database).release_temp_space(ns);
        self.temp_ns = 0;
        Ok(())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // An open transaction dies with its session, and so do its temporary relations.
        let _ = self.finish(false);
        let _ = self.drop_temp_relations();
        self.db.locks().release_all(self.lock_owner);
    }
}

/// A session's transaction state, as ReadyForQuery reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionStatus {
    Idle,
    InBlock,
    Failed,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stmt(sql: &str) -> ast::Statement {
        crate::sql::parse(sql).expect("parses").remove(0)
    }

    #[test]
    fn writes_names_changing_statements() {
        assert_eq!(writes(&stmt("INSERT INTO t VALUES (1)")), Some("INSERT"));
        assert_eq!(writes(&stmt("DROP TABLE t")), Some("DROP"));
        assert_eq!(writes(&stmt("CREATE SEQUENCE s")), Some("CREATE SEQUENCE"));
        assert_eq!(
            writes(&stmt("EXPLAIN ANALYZE DELETE FROM t")),
            Some("DELETE")
        );
        assert_eq!(writes(&stmt("EXPLAIN DELETE FROM t")), None);
        assert_eq!(writes(&stmt("SELECT 1")), None);
    }
}
