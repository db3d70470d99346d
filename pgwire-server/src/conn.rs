//! One client connection: its handlers' state and the simple query protocol. Startup and
//! authentication are in `startup`, the extended protocol in `extended`. Engine work runs on
//! the connection's session (`worker`).

use crate::codec::{encode_row, pg_type, Format};
use crate::copy::{send_copy_out, start_copy_in, CopyState};
use crate::errors::{engine_error_info, fatal};
use crate::worker::{Alive, SessionWorker};
use async_trait::async_trait;
use engine::copy::{CopyInfo, CopyOutData};
use engine::{Column, Database, ScriptResult, Session, StatementResult, TransactionStatus};
use futures::sink::{Sink, SinkExt};
use pgwire::api::query::SimpleQueryHandler;
use pgwire::api::results::Response;
use pgwire::api::store::PortalStore;
use pgwire::api::{
    ClientInfo, ClientPortalStore, ErrorHandler, PgWireConnectionState,
    RandomPidSecretKeyGenerator, METADATA_APPLICATION_NAME,
};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::data::{DataRow, FieldDescription, RowDescription};
use pgwire::messages::response::{
    CommandComplete, EmptyQueryResponse, ErrorResponse, ReadyForQuery,
    TransactionStatus as WireStatus,
};
use pgwire::messages::simplequery::Query;
use pgwire::messages::startup::ParameterStatus;
use pgwire::messages::PgWireBackendMessage;
use std::fmt::Debug;
use std::sync::{Arc, OnceLock};

/// The server_version reported to clients (PostgreSQL 15, Quill named after it).
pub const SERVER_VERSION: &str = "15.0 (Quill)";

/// State shared by all connections of a server.
pub struct Shared {
    pub db: Database,
    pub alive: Alive,
    pub keys: RandomPidSecretKeyGenerator,
    /// Authentication rules.
    pub hba: crate::hba::Rules,
    /// Admitted connections and the backend keys of their sessions.
    pub registry: Arc<crate::registry::Registry>,
    /// Sessions' initial statement_timeout in milliseconds (0: none).
    pub statement_timeout: u32,
}

/// The protocol handlers of one connection.
pub struct Conn {
    pub(crate) shared: Arc<Shared>,
    pub(crate) worker: OnceLock<SessionWorker>,
    /// A login waiting for the client's password message.
    pub(crate) login: std::sync::Mutex<Option<crate::startup::Login>>,
    /// The session's backend process id, once it has one (0 before).
    pid: std::sync::atomic::AtomicI32,
    pub(crate) copy: CopyState,
    /// The session's place among its role's sessions (CONNECTION LIMIT), once logged in.
    pub(crate) role_slot: std::sync::Mutex<Option<crate::registry::RoleSlot>>,
    /// The client came through the Unix-domain socket (pg_hba `local` lines apply).
    pub(crate) local: bool,
    /// Signalled when notifications are delivered to the session (see `notify`).
    pub(crate) arrivals: Arc<crate::notify::Arrivals>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        let pid = self.pid.load(std::sync::atomic::Ordering::Acquire);
        if pid != 0 {
            self.shared.registry.remove(pid);
        }
    }
}

impl Conn {
    /// The handlers of a new connection; `local` for one through the Unix-domain socket.
    pub fn new(shared: Arc<Shared>, local: bool) -> Conn {
        Conn {
            shared,
            worker: OnceLock::new(),
            login: std::sync::Mutex::new(None),
            pid: std::sync::atomic::AtomicI32::new(0),
            copy: CopyState::default(),
            role_slot: Default::default(),
            local,
            arrivals: Arc::default(),
        }
    }

    pub(crate) fn set_pid(&self, pid: i32) {
        self.pid.store(pid, std::sync::atomic::Ordering::Release);
    }

    /// The session (opened when the startup finished).
    pub(crate) fn worker(&self) -> PgWireResult<&SessionWorker> {
        self.worker
            .get()
            .ok_or_else(|| fatal("08P01", "the connection has not completed its startup"))
    }
}

/// A statement's result, encoded for the wire.
pub(crate) enum Item {
    Rows {
        fields: Vec<FieldDescription>,
        rows: Vec<DataRow>,
        tag: String,
    },
    Command(String),
    /// COPY FROM STDIN waits for data (the session is in copy mode).
    CopyIn(CopyInfo),
    CopyOut(CopyOutData),
    Error(Box<ErrorInfo>),
    Empty,
    /// A NOTICE or WARNING the statement raised (sent before its result).
    Notice(engine::Notice),
}

/// What a simple query produced.
pub(crate) struct Outcome {
    pub items: Vec<Item>,
    pub status: TransactionStatus,
    /// application_name after a SET, to report if it changed.
    pub application_name: Option<String>,
    /// After a COPY FROM STDIN: the statements that follow it in the query string.
    pub rest: Option<Rest>,
}

pub(crate) fn wire_status(s: TransactionStatus) -> WireStatus {
    match s {
        TransactionStatus::Idle => WireStatus::Idle,
        TransactionStatus::InBlock => WireStatus::Transaction,
        TransactionStatus::Failed => WireStatus::Error,
    }
}

/// RowDescription fields for result columns in the given formats.
pub(crate) fn field_descriptions(columns: &[Column], formats: &[Format]) -> Vec<FieldDescription> {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            FieldDescription::new(
                c.name.clone(),
                0,
                0,
                pg_type(&c.ty).oid(),
                c.ty.typlen(),
                c.ty.typmod(),
                formats.get(i).copied().unwrap_or(Format::Text).code(),
            )
        })
        .collect()
}

/// Encodes one statement result (columns in `formats`, text where none is given).
pub(crate) fn encode_result(r: StatementResult, formats: &[Format]) -> Item {
    match r {
        StatementResult::Rows(set) => {
            let fields = field_descriptions(&set.columns, formats);
            let rows = set.rows.iter().map(|r| encode_row(r, formats)).collect();
            Item::Rows {
                fields,
                rows,
                tag: set.tag,
            }
        }
        StatementResult::Command(tag) => Item::Command(tag),
        StatementResult::CopyIn(info) => Item::CopyIn(info),
        StatementResult::CopyOut(data) => Item::CopyOut(data),
    }
}

/// The current application_name if a statement set something, for ParameterStatus.
pub(crate) fn application_name_after_set(s: &mut Session, items: &[Item]) -> Option<String> {
    let set = items
        .iter()
        .any(|i| matches!(i, Item::Command(t) if t == "SET" || t == "RESET"));
    if !set {
        return None;
    }
    match s.execute("SHOW application_name") {
        Ok(mut r) => match r.pop() {
            Some(StatementResult::Rows(set)) => set
                .rows
                .first()
                .and_then(|row| row.first())
                .and_then(|v| v.to_text()),
            _ => None,
        },
        Err(_) => None,
    }
}

/// The statements of a query string still to run after a COPY FROM STDIN stopped it: the whole string (error positions count from its start) and the byte offset of
/// the first of them.
#[derive(Clone, Debug)]
pub(crate) struct Rest {
    pub sql: String,
    pub from: usize,
}

/// Runs a simple-protocol query string from byte `from`: each statement in order, stopping at
/// the first error or at a COPY FROM STDIN (which waits for its data; `rest` keeps what
/// follows it). A syntax error anywhere runs nothing.
pub(crate) fn run_simple(s: &mut Session, sql: &str, from: usize) -> Outcome {
    let mut items = Vec::new();
    let mut rest = None;
    match s.execute_script_from(sql, from) {
        Err(e) => {
            items.extend(s.take_notices().into_iter().map(Item::Notice));
            items.push(Item::Error(Box::new(engine_error_info(&e, 0))));
        }
        Ok(script) if script.steps.is_empty() => items.push(Item::Empty),
        Ok(script) => {
            for step in script.steps {
                items.extend(step.notices.into_iter().map(Item::Notice));
                match step.result {
                    ScriptResult::Ran(Ok(r)) => items.push(encode_result(r, &[])),
                    ScriptResult::Ran(Err(e)) => {
                        items.push(Item::Error(Box::new(engine_error_info(&e, 0))))
                    }
                }
            }
            rest = script.rest.map(|from| Rest {
                sql: sql.to_owned(),
                from,
            });
        }
    }
    // A COPY waiting for data must not be disturbed by another statement.
    let application_name = match items.last() {
        Some(Item::CopyIn(_)) => None,
        _ => application_name_after_set(s, &items),
    };
    Outcome {
        items,
        status: s.transaction_status(),
        application_name,
        rest,
    }
}

/// Sends ParameterStatus for application_name if it changed.
pub(crate) async fn report_application_name<C>(
    client: &mut C,
    name: Option<String>,
) -> PgWireResult<()>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let Some(name) = name else { return Ok(()) };
    if client.metadata().get(METADATA_APPLICATION_NAME) != Some(&name) {
        client
            .metadata_mut()
            .insert(METADATA_APPLICATION_NAME.to_owned(), name.clone());
        client
            .feed(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
                "application_name".to_owned(),
                name,
            )))
            .await?;
    }
    Ok(())
}

/// Sends one statement's result messages.
pub(crate) async fn send_item<C>(client: &mut C, item: Item, describe: bool) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    match item {
        Item::Rows { fields, rows, tag } => {
            if describe {
                client
                    .feed(PgWireBackendMessage::RowDescription(RowDescription::new(
                        fields,
                    )))
                    .await?;
            }
            for row in rows {
                client.feed(PgWireBackendMessage::DataRow(row)).await?;
            }
            client
                .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                    tag,
                )))
                .await?;
        }
        Item::Command(tag) => {
            client
                .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                    tag,
                )))
                .await?;
        }
        Item::Error(info) => {
            client
                .feed(PgWireBackendMessage::ErrorResponse(ErrorResponse::from(
                    *info,
                )))
                .await?;
        }
        Item::Empty => {
            client
                .feed(PgWireBackendMessage::EmptyQueryResponse(
                    EmptyQueryResponse::new(),
                ))
                .await?;
        }
        Item::Notice(n) => {
            client
                .feed(PgWireBackendMessage::NoticeResponse(
                    crate::errors::notice_info(&n).into(),
                ))
                .await?;
        }
        Item::CopyOut(data) => send_copy_out(client, data).await?,
        Item::CopyIn(_) => {
            return Err(fatal(
                "XX000",
                "internal error: COPY FROM STDIN reached the result sender",
            ))
        }
    }
    Ok(())
}

impl ErrorHandler for Conn {
    fn on_error<C>(&self, client: &C, _error: &mut PgWireError)
    where
        C: ClientInfo,
    {
        // Errors from the engine leave the status it reported (Failed or Idle); others, in a
        // block, must fail the block. Jobs run in order, so this one runs before the next
        // statement's.
        if client.transaction_status() == WireStatus::Transaction {
            if let Ok(worker) = self.worker() {
                worker.post(Session::fail_transaction);
            }
        }
    }
}

#[async_trait]
impl SimpleQueryHandler for Conn {
    async fn on_query<C>(&self, client: &mut C, query: Query) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        client.set_state(PgWireConnectionState::QueryInProgress);
        let sql = query.query;
        tracing::debug!(pid = client.pid_and_secret_key().0, %sql, "simple query");
        let mut outcome = self.worker()?.run(move |s| run_simple(s, &sql, 0)).await?;
        let mut rest = outcome.rest.take();
        for item in std::mem::take(&mut outcome.items) {
            if let Item::CopyIn(info) = item {
                client.set_transaction_status(wire_status(outcome.status));
                // ReadyForQuery follows CopyDone or CopyFail.
                return start_copy_in(self, client, &info, false, rest.take()).await;
            }
            // A FATAL error ends the connection (the message loop sends it and closes).
            if let Item::Error(info) = item {
                if info.is_fatal() {
                    return Err(PgWireError::UserError(info));
                }
                send_item(client, Item::Error(info), true).await?;
                continue;
            }
            send_item(client, item, true).await?;
        }
        report_application_name(client, outcome.application_name).await?;
        // Notifications go before ReadyForQuery, when the session is idle.
        let arrivals = self.arrivals.clone();
        let (status, notes) = self
            .worker()?
            .run(move |s| (s.transaction_status(), arrivals.take(s)))
            .await?;
        crate::notify::feed_notifications(client, notes).await?;
        let status = wire_status(status);
        client.set_transaction_status(status);
        client.set_state(PgWireConnectionState::ReadyForQuery);
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                status,
            )))
            .await?;
        Ok(())
    }

    async fn do_query<C>(&self, _client: &mut C, _query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // `on_query` does all the work; this is never reached.
        Err(fatal("XX000", "internal error: unexpected query path"))
    }
}
