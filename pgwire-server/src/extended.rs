//! The extended query protocol: Parse (statement description and parameter type inference by
//! the engine), Bind (parameters decoded from text or binary into the inferred types), Describe,
//! Execute (with row limits and PortalSuspended), Close and Sync (which sends the
//! notifications waiting for an idle session before ReadyForQuery).
//!
//! Parse prepares the statement in the engine (parsed once, re-bound at each execution);
//! Execute runs it with the bound parameter values, typed as the engine inferred them. A
//! COPY started by Execute switches the connection to copy mode (see `copy`).

use crate::codec::{datatype_for_oid, decode_param, encode_row, pg_type, Format};
use crate::conn::{
    application_name_after_set, field_descriptions, report_application_name, send_item,
    wire_status, Conn, Item,
};
use crate::copy::{send_copy_out, start_copy_in};
use crate::errors::{decode_error, engine_error, engine_error_info, wire_error};
use async_trait::async_trait;
use engine::copy::{CopyInfo, CopyOutData};
use engine::{Column, DataType, EngineError, Session, StatementResult, TransactionStatus, Value};
use futures::sink::{Sink, SinkExt};
use pgwire::api::portal::{Portal, PortalExecutionState};
use pgwire::api::query::ExtendedQueryHandler;
use pgwire::api::results::{
    DescribePortalResponse, DescribeStatementResponse, FieldInfo, QueryResponse, Response,
};
use pgwire::api::stmt::{QueryParser, StoredStatement};
use pgwire::api::store::{Entry, PortalStore};
use pgwire::api::{ClientInfo, ClientPortalStore, Type, DEFAULT_NAME};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::data::{NoData, ParameterDescription, RowDescription};
use pgwire::messages::extendedquery::{
    Bind, BindComplete, Close, CloseComplete, Describe, Execute, Parse, ParseComplete,
    PortalSuspended, Sync as PgSync, TARGET_TYPE_BYTE_PORTAL, TARGET_TYPE_BYTE_STATEMENT,
};
use pgwire::messages::response::{CommandComplete, EmptyQueryResponse, ReadyForQuery};
use pgwire::messages::PgWireBackendMessage;
use std::fmt::Debug;
use std::sync::Arc;

/// A parsed and described statement.
#[derive(Debug)]
pub struct Prepared {
    sql: String,
    stmt: Arc<engine::Prepared>,
    /// Parameter types (without modifiers).
    params: Vec<DataType>,
    columns: Vec<Column>,
}

/// What the portal store holds: a statement, and for a portal its bound parameters and
/// result formats.
#[derive(Clone, Debug)]
pub struct Stmt {
    prepared: Arc<Prepared>,
    values: Arc<Vec<Value>>,
    formats: Arc<Vec<Format>>,
}

/// Statement-level work happens in [`Conn`]'s handlers; this parser is not used.
#[derive(Debug, Default)]
pub struct UnusedParser;

#[async_trait]
impl QueryParser for UnusedParser {
    type Statement = Stmt;

    async fn parse_sql<C>(
        &self,
        _client: &C,
        _sql: &str,
        _types: &[Option<Type>],
    ) -> PgWireResult<Option<Stmt>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        Err(internal())
    }

    fn get_parameter_types(&self, _stmt: &Stmt) -> PgWireResult<Vec<Type>> {
        Err(internal())
    }

    fn get_result_schema(
        &self,
        _stmt: &Stmt,
        _format: Option<&pgwire::api::portal::Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        Err(internal())
    }
}

fn internal() -> PgWireError {
    wire_error(crate::codec::WireError::new(
        "XX000",
        "internal error: unexpected protocol path",
    ))
}

fn protocol_violation(message: String) -> PgWireError {
    wire_error(crate::codec::WireError::new("08P01", message))
}

fn in_failed_transaction() -> PgWireError {
    engine_error(&EngineError::InFailedTransaction, 0)
}

fn display_name(name: &Option<String>) -> &str {
    name.as_deref().unwrap_or("")
}

/// Prepares `sql` in the session: the unnamed statement (`name` None) for the
/// connection to keep, a named one in the session (whose namespace PREPARE shares).
fn prepare(
    s: &mut Session,
    name: Option<&str>,
    sql: &str,
    declared: &[DataType],
) -> Result<Prepared, EngineError> {
    let stmt = match name {
        Some(name) => s.prepare_named(name, sql, declared)?,
        None => Arc::new(s.prepare(sql, declared)?),
    };
    Ok(wrap(stmt, declared))
}

/// The protocol's view of an engine statement: its parameter types, with `$n` the engine
/// did not bind (statements it does not describe) sent as text.
fn wrap(stmt: Arc<engine::Prepared>, declared: &[DataType]) -> Prepared {
    let sql = stmt.sql().to_owned();
    let mut params: Vec<DataType> = stmt.params.iter().map(DataType::base).collect();
    let referenced = stmt.referenced_params().max(declared.len());
    while params.len() < referenced {
        params.push(
            declared
                .get(params.len())
                .cloned()
                .unwrap_or(DataType::Text),
        );
    }
    Prepared {
        sql,
        columns: stmt.columns.clone(),
        stmt,
        params,
    }
}

/// What a statement name refers to: the unnamed statement (kept by the connection) or a
/// named one (kept by the session, PREPAREd in SQL or by Parse).
enum Found {
    Statement(Arc<Prepared>),
    /// The unnamed statement of an empty query.
    Empty,
    Missing,
}

impl Conn {
    async fn find_statement<C>(&self, client: &C, name: Option<&str>) -> PgWireResult<Found>
    where
        C: ClientPortalStore,
        C::PortalStore: PortalStore<Statement = Stmt>,
    {
        match name {
            None => Ok(match client.portal_store().get_statement(DEFAULT_NAME) {
                Some(Entry::Value(s)) => Found::Statement(s.statement.prepared.clone()),
                Some(Entry::Empty) => Found::Empty,
                None => Found::Missing,
            }),
            Some(name) => {
                let found = self.worker()?.run(|s| s.named_statement(name)).await?;
                Ok(match found {
                    Some(stmt) => Found::Statement(Arc::new(wrap(stmt, &[]))),
                    None => Found::Missing,
                })
            }
        }
    }
}

fn no_such_statement(name: &Option<String>) -> PgWireError {
    wire_error(crate::codec::WireError::new(
        "26000",
        format!(
            "prepared statement \"{}\" does not exist",
            display_name(name)
        ),
    ))
}

/// What executing a portal produced.
enum Executed {
    Rows {
        rows: Vec<pgwire::messages::data::DataRow>,
        tag_prefix: String,
    },
    Command(String),
    CopyIn(CopyInfo),
    CopyOut(CopyOutData),
}

struct ExecOutcome {
    result: Result<Executed, ErrorInfo>,
    /// Notices the statement raised, sent before its result or error.
    notices: Vec<engine::Notice>,
    status: TransactionStatus,
    application_name: Option<String>,
}

/// Runs a bound statement in the session.
fn execute(s: &mut Session, stmt: &Stmt) -> ExecOutcome {
    let p = &stmt.prepared;
    let result = match s.execute_prepared(&p.stmt, &stmt.values) {
        Ok(StatementResult::Rows(set)) if set.columns.len() != p.columns.len() => {
            Err(engine_error_info(
                &EngineError::FeatureNotSupported {
                    feature: "cached plan must not change result type: changing".into(),
                },
                0,
            ))
        }
        Ok(StatementResult::Rows(set)) => Ok(Executed::Rows {
            rows: set
                .rows
                .iter()
                .map(|r| encode_row(r, &stmt.formats))
                .collect(),
            // The row count is appended when the portal completes.
            tag_prefix: match set.tag.rsplit_once(' ') {
                Some((prefix, n)) if n.parse::<u64>().is_ok() => prefix.to_owned(),
                _ => set.tag,
            },
        }),
        Ok(StatementResult::Command(tag)) => Ok(Executed::Command(tag)),
        Ok(StatementResult::CopyIn(info)) => Ok(Executed::CopyIn(info)),
        Ok(StatementResult::CopyOut(data)) => Ok(Executed::CopyOut(data)),
        Err(e) => Err(engine_error_info(&e, 0)),
    };
    let notices = s.take_notices();
    let items = match &result {
        Ok(Executed::Command(tag)) => vec![Item::Command(tag.clone())],
        _ => Vec::new(),
    };
    ExecOutcome {
        result,
        notices,
        status: s.transaction_status(),
        application_name: application_name_after_set(s, &items),
    }
}

#[async_trait]
impl ExtendedQueryHandler for Conn {
    type Statement = Stmt;
    type QueryParser = UnusedParser;

    fn query_parser(&self) -> Arc<UnusedParser> {
        Arc::new(UnusedParser)
    }

    /// Sync: notifications waiting for an idle session, then ReadyForQuery.
    async fn on_sync<C>(&self, client: &mut C, _message: PgSync) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        client.portal_store().rm_portal(DEFAULT_NAME);
        self.feed_waiting_notifications(client).await?;
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                client.transaction_status(),
            )))
            .await?;
        Ok(())
    }

    async fn on_parse<C>(&self, client: &mut C, message: Parse) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = message.name.clone().filter(|n| !n.is_empty());
        if name.is_none() && engine::sql::is_blank(&message.query) {
            client.portal_store().put_empty_statement(DEFAULT_NAME);
        } else {
            let declared = message
                .type_oids
                .iter()
                .map(|oid| {
                    datatype_for_oid(*oid).ok_or_else(|| {
                        wire_error(crate::codec::WireError::new(
                            "42704",
                            format!("type with OID {oid} does not exist"),
                        ))
                    })
                })
                .collect::<PgWireResult<Vec<_>>>()?;
            let sql = message.query.clone();
            tracing::debug!(pid = client.pid_and_secret_key().0, statement = ?name, %sql, "parse");
            let named = name.clone();
            let prepared = self
                .worker()?
                .run(move |s| prepare(s, named.as_deref(), &sql, &declared))
                .await?
                .map_err(|e| engine_error(&e, 0))?;
            // A named statement lives in the session; the connection keeps the unnamed one.
            if name.is_none() {
                let types = prepared.params.iter().map(|t| Some(pg_type(t))).collect();
                let stmt = Stmt {
                    prepared: Arc::new(prepared),
                    values: Arc::new(Vec::new()),
                    formats: Arc::new(Vec::new()),
                };
                client
                    .portal_store()
                    .put_statement(Arc::new(StoredStatement::new(
                        DEFAULT_NAME.to_owned(),
                        stmt,
                        types,
                    )));
            }
        }
        client
            .feed(PgWireBackendMessage::ParseComplete(ParseComplete::new()))
            .await?;
        Ok(())
    }

    async fn on_bind<C>(&self, client: &mut C, message: Bind) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let stmt_name = message.statement_name.as_deref().unwrap_or(DEFAULT_NAME);
        let portal_name = message.portal_name.as_deref().unwrap_or(DEFAULT_NAME);
        if message.portal_name.is_some() && client.portal_store().get_portal(portal_name).is_some()
        {
            return Err(wire_error(crate::codec::WireError::new(
                "42P03",
                format!("cursor \"{portal_name}\" already exists"),
            )));
        }
        let stmt_key = message.statement_name.as_deref().filter(|n| !n.is_empty());
        let p = match self.find_statement(client, stmt_key).await? {
            Found::Statement(p) => p,
            Found::Empty => {
                if !message.parameters.is_empty() {
                    return Err(protocol_violation(format!(
                        "bind message supplies {} parameters, but prepared statement \"{}\" requires 0",
                        message.parameters.len(),
                        display_name(&message.statement_name)
                    )));
                }
                client.portal_store().put_empty_portal(portal_name);
                client
                    .feed(PgWireBackendMessage::BindComplete(BindComplete::new()))
                    .await?;
                return Ok(());
            }
            Found::Missing => return Err(no_such_statement(&message.statement_name)),
        };
        if client.transaction_status() == pgwire::messages::response::TransactionStatus::Error
            && !p.stmt.is_transaction_exit()
        {
            return Err(in_failed_transaction());
        }
        let n = message.parameters.len();
        if n != p.params.len() {
            return Err(protocol_violation(format!(
                "bind message supplies {n} parameters, but prepared statement \"{}\" requires {}",
                display_name(&message.statement_name),
                p.params.len()
            )));
        }
        let pcodes = &message.parameter_format_codes;
        if pcodes.len() > 1 && pcodes.len() != n {
            return Err(protocol_violation(format!(
                "bind message has {} parameter formats but {n} parameters",
                pcodes.len()
            )));
        }
        let rcodes = &message.result_column_format_codes;
        let ncols = p.columns.len();
        if rcodes.len() > 1 && rcodes.len() != ncols {
            return Err(protocol_violation(format!(
                "bind message has {} result formats but query has {ncols} columns",
                rcodes.len()
            )));
        }
        let formats = (0..ncols)
            .map(|i| Format::pick(rcodes, i))
            .collect::<Result<Vec<_>, _>>()
            .map_err(wire_error)?;
        let mut values = Vec::with_capacity(n);
        for (i, (raw, ty)) in message.parameters.iter().zip(&p.params).enumerate() {
            let format = Format::pick(pcodes, i).map_err(wire_error)?;
            let v = decode_param(raw.as_deref(), format, ty, i + 1).map_err(decode_error)?;
            values.push(v);
        }
        let types = p.params.iter().map(|t| Some(pg_type(t))).collect();
        let stmt = Stmt {
            prepared: p,
            values: Arc::new(values),
            formats: Arc::new(formats),
        };
        let bound = StoredStatement::new(stmt_name.to_owned(), stmt, types);
        let portal = Portal::try_new(&message, Arc::new(bound))?;
        client.portal_store().put_portal(Arc::new(portal));
        client
            .feed(PgWireBackendMessage::BindComplete(BindComplete::new()))
            .await?;
        Ok(())
    }

    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
        let portal = match client.portal_store().get_portal(name) {
            Some(Entry::Value(portal)) => portal,
            Some(Entry::Empty) => {
                client
                    .feed(PgWireBackendMessage::EmptyQueryResponse(
                        EmptyQueryResponse::new(),
                    ))
                    .await?;
                return Ok(());
            }
            None => {
                return Err(wire_error(crate::codec::WireError::new(
                    "34000",
                    format!("portal \"{}\" does not exist", display_name(&message.name)),
                )))
            }
        };
        let max_rows = usize::try_from(message.max_rows).unwrap_or(0);
        let state = portal.state();
        let initial = matches!(*state.lock().await, PortalExecutionState::Initial);
        if initial {
            let stmt = portal.statement.statement.clone();
            tracing::debug!(pid = client.pid_and_secret_key().0, sql = %stmt.prepared.sql, "execute");
            let out = self.worker()?.run(move |s| execute(s, &stmt)).await?;
            client.set_transaction_status(wire_status(out.status));
            report_application_name(client, out.application_name).await?;
            for n in out.notices {
                send_item(client, Item::Notice(n), false).await?;
            }
            match out.result {
                Err(info) => return Err(PgWireError::UserError(Box::new(info))),
                Ok(Executed::Command(tag)) => {
                    *state.lock().await = PortalExecutionState::Finished;
                    send_item(client, Item::Command(tag), false).await?;
                    return Ok(());
                }
                Ok(Executed::CopyIn(info)) => {
                    *state.lock().await = PortalExecutionState::Finished;
                    return start_copy_in(self, client, &info, true, None).await;
                }
                Ok(Executed::CopyOut(data)) => {
                    *state.lock().await = PortalExecutionState::Finished;
                    return send_copy_out(client, data).await;
                }
                Ok(Executed::Rows { rows, tag_prefix }) => {
                    let mut response = QueryResponse::new(
                        Arc::new(Vec::new()),
                        futures::stream::iter(rows.into_iter().map(Ok)),
                    );
                    response.set_command_tag(&tag_prefix);
                    portal.start(response).await;
                }
            }
        }
        let fetched = portal.fetch(max_rows).await?;
        let mut response = fetched.response;
        let prefix = response.command_tag().to_owned();
        let mut count = 0;
        while let Some(row) = futures::StreamExt::next(response.data_rows()).await {
            client.feed(PgWireBackendMessage::DataRow(row?)).await?;
            count += 1;
        }
        if fetched.suspended {
            client
                .feed(PgWireBackendMessage::PortalSuspended(PortalSuspended::new()))
                .await?;
        } else {
            let tag = match prefix.as_str() {
                "SHOW" | "EXPLAIN" => prefix,
                _ => format!("{prefix} {count}"),
            };
            client
                .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                    tag,
                )))
                .await?;
        }
        Ok(())
    }

    async fn on_close<C>(&self, client: &mut C, message: Close) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let named = message.name.clone().filter(|n| !n.is_empty());
        match (message.target_type, named) {
            (TARGET_TYPE_BYTE_STATEMENT, Some(name)) => {
                self.worker()?.run(move |s| s.close_named(&name)).await?;
            }
            (TARGET_TYPE_BYTE_STATEMENT, None) => client.portal_store().rm_statement(DEFAULT_NAME),
            (TARGET_TYPE_BYTE_PORTAL, _) => client
                .portal_store()
                .rm_portal(message.name.as_deref().unwrap_or(DEFAULT_NAME)),
            _ => {}
        }
        client
            .feed(PgWireBackendMessage::CloseComplete(CloseComplete::new()))
            .await?;
        Ok(())
    }

    async fn on_describe<C>(&self, client: &mut C, message: Describe) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
        let (params, columns, formats) = match message.target_type {
            TARGET_TYPE_BYTE_STATEMENT => {
                let key = message.name.as_deref().filter(|n| !n.is_empty());
                match self.find_statement(client, key).await? {
                    Found::Statement(p) => {
                        let types = p.params.iter().map(|t| pg_type(t).oid()).collect();
                        (Some(types), p.columns.clone(), Vec::new())
                    }
                    Found::Empty => (Some(Vec::new()), Vec::new(), Vec::new()),
                    Found::Missing => return Err(no_such_statement(&message.name)),
                }
            }
            TARGET_TYPE_BYTE_PORTAL => match client.portal_store().get_portal(name) {
                Some(Entry::Value(portal)) => {
                    let s = &portal.statement.statement;
                    (None, s.prepared.columns.clone(), s.formats.as_ref().clone())
                }
                Some(Entry::Empty) => (None, Vec::new(), Vec::new()),
                // A cursor DECLAREd in SQL is a portal too, as in PostgreSQL (psycopg
                // describes its named cursors this way).
                None => {
                    let cursor = name.to_owned();
                    match self
                        .worker()?
                        .run(move |s| s.cursor_columns(&cursor))
                        .await?
                    {
                        Ok(columns) => (None, columns, Vec::new()),
                        Err(_) => {
                            return Err(wire_error(crate::codec::WireError::new(
                                "34000",
                                format!(
                                    "portal \"{}\" does not exist",
                                    display_name(&message.name)
                                ),
                            )))
                        }
                    }
                }
            },
            other => {
                return Err(protocol_violation(format!(
                    "invalid DESCRIBE message subtype {other}"
                )))
            }
        };
        if let Some(types) = params {
            client
                .feed(PgWireBackendMessage::ParameterDescription(
                    ParameterDescription::new(types),
                ))
                .await?;
        }
        if columns.is_empty() {
            client
                .feed(PgWireBackendMessage::NoData(NoData::new()))
                .await?;
        } else {
            client
                .feed(PgWireBackendMessage::RowDescription(RowDescription::new(
                    field_descriptions(&columns, &formats),
                )))
                .await?;
        }
        Ok(())
    }

    async fn do_describe_statement<C>(
        &self,
        _client: &mut C,
        _target: &StoredStatement<Self::Statement>,
    ) -> PgWireResult<DescribeStatementResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(internal())
    }

    async fn do_describe_portal<C>(
        &self,
        _client: &mut C,
        _target: &Portal<Self::Statement>,
    ) -> PgWireResult<DescribePortalResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(internal())
    }

    async fn do_query<C>(
        &self,
        _client: &mut C,
        _portal: &Portal<Self::Statement>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(internal())
    }
}
