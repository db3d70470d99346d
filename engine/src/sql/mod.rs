//! SQL processing: parsing (sqlparser, PostgreSQL dialect), binding to plans, execution,
//! DDL and DML.

mod alter_table;
pub mod analyze;
pub mod binder;
pub(crate) mod ctas;
pub(crate) mod cursor_syntax;
pub mod database_syntax;
mod ddl;
mod ddl_domains;
mod ddl_locks;
mod ddl_schema;
mod ddl_seq;
mod ddl_types;
mod describe;
pub(crate) mod dml;
mod domain_syntax;
mod drop_column;
pub mod exec;
pub mod explain;
mod explain_stmt;
pub mod expr;
pub(crate) mod fkey;
pub mod functions;
mod grant;
mod grant_role;
mod index_build;
pub(crate) mod lock_syntax;
mod maintenance;
mod merge;
mod merge_syntax;
mod owner;
pub(crate) mod pgsyntax;
pub mod plan;
mod policy;
pub mod position;
mod privileges;
pub(crate) mod relation_locks;
pub(crate) mod rls;
mod roles;
mod seq_bind;
mod set_schema;
pub mod setfunc;
mod setfunc_json;
pub(crate) mod symmetric;
pub mod syscat;
mod update;
mod upsert;
pub(crate) mod vacuum_syntax;
pub mod window;

use crate::access::{Reader, Waits, Writer};
use crate::catalog::{Catalog, CatalogChange};
use crate::error::{EngineError, Result};
use crate::types::{DataType, Value};
use binder::Binder;
pub use describe::describe;
use exec::{run, ExecCx};
use expr::Row;
pub use sqlparser::ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{TokenWithSpan, Tokenizer};
use storage::{Snapshot, Storage, Transaction};

/// Result columns: name and type.
pub type Columns = Vec<(String, DataType)>;

/// What a statement produced.
pub enum Outcome {
    Rows {
        columns: Columns,
        rows: Vec<Row>,
    },
    /// A command's completion tag, as PostgreSQL words it (`INSERT 0 3`, `CREATE TABLE`).
    Command {
        tag: String,
    },
}

/// A parse error, with the 1-based character position it names (as PostgreSQL reports).
fn syntax_in(sql: &str, e: ParserError) -> EngineError {
    let message = match e {
        ParserError::ParserError(m) | ParserError::TokenizerError(m) => m,
        ParserError::RecursionLimitExceeded => {
            return EngineError::TooComplex;
        }
    };
    // sqlparser ends its messages with "at Line: L, Column: C".
    let position = message.rsplit_once(" at Line: ").and_then(|(_, at)| {
        let (line, col) = at.split_once(", Column: ")?;
        let (line, col): (usize, usize) = (line.trim().parse().ok()?, col.trim().parse().ok()?);
        let before: usize = sql
            .split('\n')
            .take(line.saturating_sub(1))
            .map(|l| l.chars().count() + 1)
            .sum();
        u32::try_from(before + col).ok()
    });
    // At the end of the input, PostgreSQL points just past the last character.
    let position = position.or_else(|| {
        message
            .ends_with("found: EOF")
            .then(|| u32::try_from(sql.chars().count() + 1).ok())
            .flatten()
    });
    let message = match message.rsplit_once(" at Line: ") {
        Some((m, _)) => m.to_string(),
        None => message,
    };
    EngineError::Syntax { message, position }
}

/// Parses one or more `;`-separated statements (COPY, VACUUM and ANALYZE with PostgreSQL's
/// grammar, the rest with sqlparser's).
pub fn parse(sql: &str) -> Result<Vec<ast::Statement>> {
    Ok(parse_script(sql)?.into_iter().map(|s| s.stmt).collect())
}

/// One statement of a text of `;`-separated statements, with where it lies in the text.
pub struct ScriptStatement {
    /// Byte offset of the statement's first token.
    pub offset: usize,
    /// Byte offset of the `;` ending it (the text's length for the last statement without).
    pub end: usize,
    pub stmt: ast::Statement,
}

/// Parses a text of `;`-separated statements as a whole (a syntax error anywhere fails it),
/// keeping each statement's place in the text.
pub fn parse_script(sql: &str) -> Result<Vec<ScriptStatement>> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .with_unescape(true)
        .tokenize_with_location()
        .map_err(|e| syntax_in(sql, ParserError::TokenizerError(e.to_string())))?;
    let mut tokens = merge_syntax::mark(lock_syntax::mark(window::syntax::mark(symmetric::mark(
        tokens,
    ))));
    let from_user = roles::mark_create_user(&mut tokens);
    let mut parser = Parser::new(&PostgreSqlDialect {})
        .with_recursion_limit(200)
        .with_tokens_with_locations(tokens);
    let located = parse_statements(&mut parser).map_err(|e| syntax_in(sql, e))?;
    let mut stmts: Vec<ast::Statement> = Vec::with_capacity(located.len());
    let mut places = Vec::with_capacity(located.len());
    for (start, end, stmt) in located {
        let offset = position::byte_offset(sql, start).unwrap_or(0);
        let end = position::byte_offset(sql, end)
            .unwrap_or(sql.len())
            .max(offset);
        places.push((offset, end));
        stmts.push(stmt);
    }
    roles::apply_create_user(&mut stmts, from_user);
    Ok(places
        .into_iter()
        .zip(stmts)
        .map(|((offset, end), stmt)| ScriptStatement { offset, end, stmt })
        .collect())
}

/// Whether `sql` holds no statement: only whitespace, comments and semicolons (PostgreSQL's
/// empty query). Text the tokenizer refuses is not blank (parsing it reports the error).
pub fn is_blank(sql: &str) -> bool {
    use sqlparser::tokenizer::Token;
    Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize()
        .is_ok_and(|tokens| {
            tokens
                .iter()
                .all(|t| matches!(t, Token::Whitespace(_) | Token::SemiColon | Token::EOF))
        })
}

/// The highest `$n` parameter number `sql` refers to (0 for none).
pub fn max_param(sql: &str) -> usize {
    use sqlparser::tokenizer::Token;
    Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize()
        .map(|tokens| {
            tokens
                .iter()
                .filter_map(|t| match t {
                    Token::Placeholder(p) => p.strip_prefix('$')?.parse::<usize>().ok(),
                    _ => None,
                })
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
}

/// Parses stored or generated text with `f`, leaving every span empty: errors binding the
/// result must not point into a statement the text did not come from.
fn parse_unlocated<T>(
    sql: &str,
    f: impl FnOnce(&mut Parser<'_>) -> Result<T, ParserError>,
) -> Result<T> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .with_unescape(true)
        .tokenize()
        .map_err(|e| syntax_in(sql, ParserError::TokenizerError(e.to_string())))?;
    let tokens = symmetric::mark(tokens.into_iter().map(TokenWithSpan::wrap).collect());
    let tokens = window::syntax::mark(tokens);
    let tokens = tokens.into_iter().map(|t| t.token).collect();
    let mut p = Parser::new(&PostgreSqlDialect {}).with_tokens(tokens);
    f(&mut p).map_err(|e| syntax_in(sql, e))
}

/// Each statement with the locations of its first token and of the token after it.
type Located = (
    sqlparser::tokenizer::Location,
    sqlparser::tokenizer::Location,
    ast::Statement,
);

fn parse_statements(p: &mut Parser<'_>) -> std::result::Result<Vec<Located>, ParserError> {
    let mut stmts = Vec::new();
    loop {
        while p.consume_token(&sqlparser::tokenizer::Token::SemiColon) {}
        if p.peek_token_ref().token == sqlparser::tokenizer::Token::EOF {
            return Ok(stmts);
        }
        let start = p.peek_token_ref().span.start;
        let stmt = if pgsyntax::handles(p) {
            pgsyntax::parse(p)?
        } else if database_syntax::handles(p) {
            database_syntax::parse(p)?
        } else if domain_syntax::handles(p) {
            domain_syntax::parse(p)?
        } else {
            p.parse_statement()?
        };
        stmts.push((start, p.peek_token_ref().span.start, stmt));
        if !p.consume_token(&sqlparser::tokenizer::Token::SemiColon) {
            if p.peek_token_ref().token != sqlparser::tokenizer::Token::EOF {
                return p.expected_ref("end of statement", p.peek_token_ref());
            }
            return Ok(stmts);
        }
    }
}

/// Parses one expression (stored defaults and checks, generated join conditions).
pub fn parse_expr(sql: &str) -> Result<ast::Expr> {
    parse_unlocated(sql, |p| p.parse_expr())
}

/// Parses stored statements (a view's query).
pub fn parse_stored(sql: &str) -> Result<Vec<ast::Statement>> {
    parse_unlocated(sql, |p| p.parse_statements())
}

/// Parses a type name such as `character varying(10)`.
pub fn parse_type_name(s: &str) -> Result<DataType> {
    let t = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(s)
        .and_then(|mut p| p.parse_data_type())
        .map_err(|e| syntax_in(s, e))?;
    Ok(DataType::from_sql(&t)?)
}

/// Parses a type name that may name a user type of `catalog` (stored column types).
pub fn parse_type_name_in(s: &str, catalog: &Catalog) -> Result<DataType> {
    let t = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(s)
        .and_then(|mut p| p.parse_data_type())
        .map_err(|e| syntax_in(s, e))?;
    resolve_type(&t, catalog)
}

/// Maps a parsed type name to a type: a built-in one, else a user type of `catalog`
/// (`mood`, `public.mood`, `mood[]`, `_mood`).
pub fn resolve_type(t: &ast::DataType, catalog: &Catalog) -> Result<DataType> {
    let err = match DataType::from_sql(t) {
        Ok(dt) => return Ok(dt),
        Err(e @ crate::types::TypeError::UndefinedType { .. }) => e,
        Err(e) => return Err(e.into()),
    };
    match t {
        ast::DataType::Custom(name, mods) if mods.is_empty() => {
            let parts: Vec<String> = name
                .0
                .iter()
                .map(|p| match p {
                    ast::ObjectNamePart::Identifier(i) if i.quote_style.is_none() => {
                        i.value.to_lowercase()
                    }
                    ast::ObjectNamePart::Identifier(i) => i.value.clone(),
                    other => other.to_string(),
                })
                .collect();
            let full = parts.join(".");
            if let Some(u) = catalog.user_type(&full) {
                return Ok(u.data_type());
            }
            // `_name`: the array type of a user type.
            if let Some(elem) = full.strip_prefix('_').and_then(|n| catalog.user_type(n)) {
                return array_of(elem.data_type());
            }
            Err(err.into())
        }
        ast::DataType::Array(
            ast::ArrayElemTypeDef::SquareBracket(inner, _)
            | ast::ArrayElemTypeDef::Qualified(inner, _),
        ) => match resolve_type(inner, catalog)? {
            DataType::Array(e) => Ok(DataType::Array(e)),
            e => array_of(e),
        },
        _ => Err(err.into()),
    }
}

/// The array type of `elem`; arrays of domains are not built (their elements' constraints
/// would go unchecked).
fn array_of(elem: DataType) -> Result<DataType> {
    if let DataType::Domain(d) = &elem {
        return Err(EngineError::FeatureNotSupported {
            feature: format!(
                "arrays of domain {}",
                DataType::Domain(d.clone()).base_name()
            ),
        });
    }
    Ok(DataType::Array(Box::new(elem)))
}

/// Everything a statement runs with inside its transaction.
pub struct TxnCx<'a> {
    pub storage: &'a Storage,
    pub catalog: &'a mut Catalog,
    pub txn: &'a mut Transaction,
    pub changes: &'a mut Vec<CatalogChange>,
    pub params: &'a [Value],
    /// The session's settings (`SET`), when the statement runs in a session.
    pub settings: Option<&'a crate::guc::Settings>,
    /// The session's backend process id (`pg_backend_pid`).
    pub backend_pid: i32,
    pub sequences: &'a crate::sequence::Sequences,
    pub currvals: &'a crate::sequence::Currvals,
    /// The transaction is READ ONLY.
    pub read_only: bool,
    /// Notices the statement raises, for the session to report.
    pub notices: &'a mut Vec<crate::notice::Notice>,
    /// What the statement sees (see `crate::access`).
    pub snapshot: &'a Snapshot,
    /// How the statement waits for other transactions.
    pub waits: Waits<'a>,
    /// Per-table counts of deleted rows (autovacuum's trigger).
    pub activity: &'a crate::vacuum::Activity,
    /// READ COMMITTED: an UPDATE or DELETE meeting a row that a transaction committed after
    /// the snapshot replaced re-checks the row's newest version (EvalPlanQual) instead of
    /// failing with `ConcurrentUpdate`.
    pub recheck_newest: bool,
    /// The session's pending notifications (`pg_notify`), when the statement runs in one.
    pub notify: Option<&'a crate::notify::SessionNotify>,
    /// The transaction's deferred foreign key checks and SET CONSTRAINTS state, when the
    /// statement runs in a session (else every check runs at the end of its statement).
    pub deferred: Option<&'a fkey::deferred::Deferred>,
}

impl<'a> TxnCx<'a> {
    /// Reads rows as the statement's snapshot sees them.
    pub fn reader(&self) -> Reader<'_> {
        Reader {
            storage: self.storage,
            snapshot: self.snapshot,
            ssi: Some(self.waits.ssi),
        }
    }

    /// Writes rows in the statement's transaction.
    pub fn writer(&mut self) -> Writer<'_, '_> {
        Writer {
            storage: self.storage,
            txn: self.txn,
            waits: self.waits,
            activity: self.activity,
        }
    }

    /// The execution context of the statement (sequence functions see its catalog).
    pub fn exec(&self) -> ExecCx<'_> {
        ExecCx {
            storage: self.storage,
            snapshot: self.snapshot,
            params: self.params,
            session: Some(exec::SessionEnv {
                settings: self.settings,
                backend_pid: self.backend_pid,
                txid: self.txn.id().0,
                notify: self.notify,
            }),
            seq: Some(crate::sequence::SeqEnv {
                sequences: self.sequences,
                catalog: self.catalog,
                currvals: self.currvals,
                read_only: self.read_only,
            }),
            waits: Some(self.waits),
        }
    }
}

/// Runs a data or definition statement (transaction control is the session's).
pub fn execute(stmt: &ast::Statement, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    use ast::Statement as S;
    // A definition statement's relation locks come before it reads the definitions.
    ddl_locks::take(stmt, cx)?;
    match stmt {
        S::Query(q) => {
            let (plan, columns) = bind_query(q, cx, true)?;
            let rows = run_query(&plan, cx)?;
            Ok(Outcome::Rows { columns, rows })
        }
        S::Explain {
            statement,
            analyze,
            options,
            ..
        } => explain_stmt::explain_statement(statement, *analyze, options.as_deref(), cx),
        S::Insert(ins) => dml::insert(ins, cx).map(|(o, _)| o),
        S::Update(u) => update::update(u, cx).map(|(o, _)| o),
        S::Delete(d) => update::delete(d, cx).map(|(o, _)| o),
        S::Merge(m) => merge::merge(m, cx).map(|(o, _)| o),
        S::CreateTable(ct) => ddl::create_table(ct, cx),
        S::CreateIndex(ci) => ddl::create_index(ci, cx),
        S::CreateView(cv) => ddl::create_view(cv, cx),
        S::CreateSequence {
            if_not_exists,
            name,
            sequence_options,
            temporary,
        } => ddl_seq::create_sequence(name, *temporary, *if_not_exists, sequence_options, cx),
        S::Truncate(t) => ddl::truncate(t, cx),
        S::Vacuum(v) => maintenance::vacuum(v, cx),
        S::Analyze(a) => maintenance::analyze(a, cx),
        S::AlterTable(at) => alter_table::alter_table(at, cx),
        S::AlterIndex { name, operation } => alter_table::alter_index(name, operation, cx),
        S::CreateRole(cr) => roles::create_role(cr, cx),
        S::GrantRole(g) => grant_role::grant_role(g, cx),
        S::Grant(g) => grant::grant(g, cx),
        S::Revoke(r) => grant::revoke(r, cx),
        S::RevokeRole(r) => grant_role::revoke_role(r, cx),
        S::AlterRole { name, operation } => roles::alter_role(name, operation, cx),
        S::Drop {
            object_type: ast::ObjectType::Role,
            if_exists,
            names,
            ..
        } => roles::drop_roles(*if_exists, names, cx),
        S::Drop {
            object_type: ast::ObjectType::Schema,
            if_exists,
            names,
            cascade,
            ..
        } => ddl_schema::drop_schemas(*if_exists, names, *cascade, cx),
        S::CreateSchema { .. } => ddl_schema::create_schema(stmt, cx),
        S::AlterSchema(a) => ddl_schema::alter_schema(a, cx),
        S::Drop {
            object_type: ast::ObjectType::Type,
            if_exists,
            names,
            cascade,
            ..
        } => ddl_types::drop_types(*if_exists, names, *cascade, cx),
        S::Drop {
            object_type,
            if_exists,
            names,
            cascade,
            ..
        } => ddl::drop(*object_type, *if_exists, names, *cascade, cx),
        S::CreateType {
            name,
            representation,
        } => ddl_types::create_type(name, representation.as_ref(), cx),
        S::AlterType(at) => ddl_types::alter_type(at, cx),
        S::CreateDomain(cd) => ddl_domains::create_domain(cd, cx),
        S::CreatePolicy(p) => policy::create_policy(p, cx),
        S::AlterPolicy(p) => policy::alter_policy(p, cx),
        S::DropPolicy(p) => policy::drop_policy(p, cx),
        S::DropDomain(dd) => ddl_domains::drop_domain(dd, cx),
        other => Err(EngineError::FeatureNotSupported {
            feature: format!("statement {}", first_words(&other.to_string())),
        }),
    }
}

/// Binds a statement's query (which may lock rows) to its plan and result columns; with
/// `sizes`, join methods are chosen by the tables' sizes.
pub fn bind_query(q: &ast::Query, cx: &TxnCx<'_>, sizes: bool) -> Result<(plan::Plan, Columns)> {
    let mut binder = Binder::new(cx.catalog, param_types(cx.params)).allowing_row_locks();
    if sizes {
        binder = binder.with_storage(cx.storage);
    }
    binder.bind_query(q)
}

/// Runs a statement's bound query: takes the locks on the relations it reads, then its rows.
pub fn run_query(plan: &plan::Plan, cx: &mut TxnCx<'_>) -> Result<Vec<Row>> {
    relation_locks::take(cx, &relation_locks::read_by(plan))?;
    let ecx = cx.exec();
    run(plan, &ecx, &[])
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

pub fn param_types(params: &[Value]) -> Vec<DataType> {
    params.iter().map(|v| v.data_type()).collect()
}
