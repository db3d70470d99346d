//! The PostgreSQL backend of the isolation runner: one connection per session and a control
//! connection, through the synchronous `postgres` client.
//!
//! The control connection runs the setup and teardown blocks and is the monitor: a session
//! is blocked when `pg_catalog.pg_isolation_test_session_is_blocked(pid, '{pids}')` says so
//! for its backend pid and the pids of all the spec's sessions, the query isolationtester
//! prepares. Blocks go through the simple-query protocol, as libpq's `PQsendQuery` sends
//! them; notices arrive through the client's notice callback. One difference from libpq:
//! when a later statement of a block fails, the client reports the error alone, so the rows
//! of the block's earlier statements are not printed.

use std::str::FromStr;

use postgres::error::DbError;
use postgres::{CancelToken, Client, Config, NoTls, SimpleQueryMessage, Statement};

use super::output::{BlockOutcome, ServerError, StmtResult, Table};
use super::runner::{Backend, NoticeSink, RunError, SessionConn};

/// A PostgreSQL server as an isolation backend.
pub struct PgBackend {
    config: Config,
    control: Option<Client>,
    probe: Option<Statement>,
    pids: Vec<i32>,
    cancels: Vec<CancelToken>,
}

impl PgBackend {
    /// A backend connecting with the libpq-style connection string `conn` (e.g.
    /// `host=/tmp port=55433 user=postgres dbname=postgres`).
    pub fn new(conn: &str) -> Result<PgBackend, RunError> {
        let config = Config::from_str(conn)
            .map_err(|e| RunError::Connection(format!("bad connection string: {e}")))?;
        Ok(PgBackend {
            config,
            control: None,
            probe: None,
            pids: Vec::new(),
            cancels: Vec::new(),
        })
    }

    fn control_client(&mut self) -> Result<&mut Client, RunError> {
        self.control
            .as_mut()
            .ok_or_else(|| RunError::Connection("not connected".into()))
    }
}

/// A notice as libpq's default notice processor receives it.
fn notice_text(n: &DbError) -> String {
    let mut s = format!("{}:  {}\n", n.severity(), n.message());
    if let Some(d) = n.detail() {
        s.push_str(&format!("DETAIL:  {d}\n"));
    }
    if let Some(h) = n.hint() {
        s.push_str(&format!("HINT:  {h}\n"));
    }
    s
}

fn connection_error(e: &postgres::Error) -> RunError {
    RunError::Connection(match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => e.to_string(),
    })
}

/// Runs `sql` as one simple query and sorts what came back into statement results.
fn run_block(client: &mut Client, sql: &str) -> Result<BlockOutcome, RunError> {
    match client.simple_query(sql) {
        Ok(messages) => {
            let mut results = Vec::new();
            let mut table: Option<Table> = None;
            for m in messages {
                match m {
                    SimpleQueryMessage::RowDescription(cols) => {
                        table = Some(Table {
                            columns: cols.iter().map(|c| c.name().to_string()).collect(),
                            rows: Vec::new(),
                        });
                    }
                    SimpleQueryMessage::Row(row) => {
                        let t = table.get_or_insert_with(|| Table {
                            columns: row.columns().iter().map(|c| c.name().to_string()).collect(),
                            rows: Vec::new(),
                        });
                        t.rows.push(
                            (0..row.len())
                                .map(|i| row.get(i).map(str::to_string))
                                .collect(),
                        );
                    }
                    SimpleQueryMessage::CommandComplete(_) => {
                        results.push(match table.take() {
                            Some(t) => StmtResult::Rows(t),
                            None => StmtResult::Command,
                        });
                    }
                    _ => {}
                }
            }
            Ok(BlockOutcome {
                results,
                error: None,
            })
        }
        Err(e) => match e.as_db_error() {
            Some(db) => Ok(BlockOutcome {
                results: Vec::new(),
                error: Some(ServerError {
                    severity: db.severity().to_string(),
                    message: db.message().to_string(),
                }),
            }),
            None => Err(connection_error(&e)),
        },
    }
}

struct PgSession {
    client: Client,
}

impl SessionConn for PgSession {
    fn run(&mut self, sql: &str) -> Result<BlockOutcome, RunError> {
        run_block(&mut self.client, sql)
    }
}

impl Backend for PgBackend {
    fn open(
        &mut self,
        sessions: &[String],
        sinks: Vec<NoticeSink>,
    ) -> Result<Vec<Box<dyn SessionConn>>, RunError> {
        // The control connection's notices are not shown, as isolationtester's are not.
        let mut control_config = self.config.clone();
        control_config.notice_callback(|_| {});
        let control = control_config
            .connect(NoTls)
            .map_err(|e| connection_error(&e))?;
        let mut conns: Vec<Box<dyn SessionConn>> = Vec::new();
        self.pids.clear();
        self.cancels.clear();
        for (_, sink) in sessions.iter().zip(sinks) {
            let mut config = self.config.clone();
            config.notice_callback(move |n| sink(notice_text(&n)));
            let mut client = config.connect(NoTls).map_err(|e| connection_error(&e))?;
            let pid: i32 = client
                .query_one("SELECT pg_backend_pid()", &[])
                .and_then(|r| r.try_get(0))
                .map_err(|e| connection_error(&e))?;
            self.pids.push(pid);
            self.cancels.push(client.cancel_token());
            conns.push(Box::new(PgSession { client }));
        }
        let pids: Vec<String> = self.pids.iter().map(|p| p.to_string()).collect();
        self.control = Some(control);
        let query = format!(
            "SELECT pg_catalog.pg_isolation_test_session_is_blocked($1, '{{{}}}')",
            pids.join(",")
        );
        let probe = self
            .control_client()?
            .prepare_typed(&query, &[postgres::types::Type::INT4])
            .map_err(|e| RunError::Probe(e.to_string()))?;
        self.probe = Some(probe);
        Ok(conns)
    }

    fn control(&mut self, sql: &str) -> Result<BlockOutcome, RunError> {
        run_block(self.control_client()?, sql)
    }

    fn is_blocked(&mut self, session: usize) -> Result<bool, RunError> {
        let pid = *self
            .pids
            .get(session)
            .ok_or_else(|| RunError::Probe(format!("no session {session}")))?;
        let probe = self
            .probe
            .clone()
            .ok_or_else(|| RunError::Probe("not prepared".into()))?;
        self.control_client()?
            .query_one(&probe, &[&pid])
            .and_then(|r| r.try_get::<_, bool>(0))
            .map_err(|e| RunError::Probe(e.to_string()))
    }

    fn cancel(&mut self, session: usize) {
        if let Some(t) = self.cancels.get(session) {
            let _ = t.cancel_query(NoTls);
        }
    }
}
