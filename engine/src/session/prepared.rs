//! Named prepared statements: SQL's `PREPARE name [(types)] AS statement`,
//! `EXECUTE name [(args)]` and `DEALLOCATE [PREPARE] name | ALL`, and the protocol's named
//! statements (Parse / Bind / Close), in one namespace per session as in PostgreSQL: a
//! statement PREPAREd in SQL can be bound by name through the extended protocol, one made
//! by Parse can be EXECUTEd or DEALLOCATEd in SQL, and `pg_prepared_statements` lists both.
//!
//! Invariant: a name is in the map exactly while its statement exists; the unnamed protocol
//! statement is never stored here (it belongs to the connection).

use super::{Prepared, Session, StatementResult};
use crate::error::{EngineError, Result};
use crate::types::{CastKind, DataType, Value};
use sqlparser::ast;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One named statement.
#[derive(Clone, Debug)]
pub(super) struct Named {
    pub(super) prepared: Arc<Prepared>,
    /// The text `pg_prepared_statements` shows: the whole PREPARE statement, or the
    /// protocol's query text.
    text: String,
    /// When it was prepared (timestamptz).
    prepare_time: i64,
    /// Made by SQL's PREPARE (else by the protocol's Parse).
    from_sql: bool,
}

/// The session's named statements, by name.
#[derive(Debug, Default)]
pub(super) struct NamedStatements {
    map: BTreeMap<String, Named>,
    /// `map` as `pg_prepared_statements` lists it, rebuilt at each change.
    infos: Arc<Vec<PreparedInfo>>,
}

/// A row of `pg_prepared_statements`.
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedInfo {
    pub name: String,
    pub statement: String,
    pub prepare_time: i64,
    pub parameter_types: Vec<DataType>,
    pub from_sql: bool,
}

fn already_exists(name: &str) -> EngineError {
    EngineError::Function {
        code: "42P05",
        message: format!("prepared statement \"{name}\" already exists"),
    }
}

fn does_not_exist(name: &str) -> EngineError {
    EngineError::Function {
        code: "26000",
        message: format!("prepared statement \"{name}\" does not exist"),
    }
}

impl NamedStatements {
    fn insert(&mut self, name: &str, named: Named) -> Result<()> {
        if self.map.contains_key(name) {
            return Err(already_exists(name));
        }
        self.map.insert(name.to_owned(), named);
        self.changed();
        Ok(())
    }

    fn remove(&mut self, name: &str) -> bool {
        let found = self.map.remove(name).is_some();
        self.changed();
        found
    }

    fn clear(&mut self) {
        self.map.clear();
        self.changed();
    }

    fn changed(&mut self) {
        self.infos = Arc::new(
            self.map
                .iter()
                .map(|(name, n)| PreparedInfo {
                    name: name.clone(),
                    statement: n.text.clone(),
                    prepare_time: n.prepare_time,
                    parameter_types: n.prepared.params.clone(),
                    from_sql: n.from_sql,
                })
                .collect(),
        );
    }

    pub(super) fn get(&self, name: &str) -> Option<&Named> {
        self.map.get(name)
    }

    /// The rows of `pg_prepared_statements`, by name.
    pub(super) fn infos(&self) -> &Arc<Vec<PreparedInfo>> {
        &self.infos
    }
}

/// Whether an EXECUTE argument holds a subquery (PostgreSQL refuses those: 0A000).
fn has_subquery(e: &ast::Expr) -> bool {
    use ast::Expr as E;
    match e {
        E::Subquery(_) | E::Exists { .. } => true,
        E::In { expr, target, .. } => {
            has_subquery(expr)
                || match target {
                    ast::InTarget::List(xs) => xs.iter().any(has_subquery),
                    _ => true,
                }
        }
        E::Nested(x)
        | E::UnaryOp { expr: x, .. }
        | E::Cast { expr: x, .. }
        | E::IsNull(x)
        | E::IsNotNull(x) => has_subquery(x),
        E::BinaryOp { left, right, .. } => has_subquery(left) || has_subquery(right),
        E::AnyOp { left, right, .. } | E::AllOp { left, right, .. } => {
            has_subquery(left) || has_subquery(right)
        }
        E::Function(f) => match &f.args {
            ast::FunctionArguments::Subquery(_) => true,
            ast::FunctionArguments::List(l) => l.args.iter().any(|a| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x))
                | ast::FunctionArg::Named {
                    arg: ast::FunctionArgExpr::Expr(x),
                    ..
                } => has_subquery(x),
                _ => false,
            }),
            ast::FunctionArguments::None => false,
        },
        E::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            operand.as_deref().is_some_and(has_subquery)
                || conditions
                    .iter()
                    .any(|c| has_subquery(&c.condition) || has_subquery(&c.result))
                || else_result.as_deref().is_some_and(has_subquery)
        }
        E::Array(a) => a.elem.iter().any(has_subquery),
        _ => false,
    }
}

/// Statements PostgreSQL's grammar accepts after `PREPARE name AS`.
fn preparable(stmt: &ast::Statement) -> bool {
    matches!(
        stmt,
        ast::Statement::Query(_)
            | ast::Statement::Insert(_)
            | ast::Statement::Update(_)
            | ast::Statement::Delete(_)
            | ast::Statement::Merge(_)
    )
}

impl Session {
    /// The protocol's Parse of a named statement: prepares `sql` under `name` (42P05 if the
    /// name is taken, by either kind of statement).
    pub fn prepare_named(
        &mut self,
        name: &str,
        sql: &str,
        declared: &[DataType],
    ) -> Result<Arc<Prepared>> {
        if self.named.get(name).is_some() {
            return Err(already_exists(name));
        }
        let p = Arc::new(self.prepare(sql, declared)?);
        let named = Named {
            prepared: p.clone(),
            text: sql.to_owned(),
            prepare_time: crate::clock::wall(),
            from_sql: false,
        };
        self.named.insert(name, named)?;
        Ok(p)
    }

    /// The named statement `name`, made by Parse or by PREPARE.
    pub fn named_statement(&self, name: &str) -> Option<Arc<Prepared>> {
        self.named.get(name).map(|n| n.prepared.clone())
    }

    /// The protocol's Close of a named statement (no error if there is none).
    pub fn close_named(&mut self, name: &str) {
        self.named.remove(name);
    }

    /// The session's named statements, as `pg_prepared_statements` lists them.
    pub fn prepared_statements(&self) -> Vec<PreparedInfo> {
        self.named.infos().as_ref().clone()
    }

    /// `PREPARE name [(types)] AS statement` (`text`: the whole statement's text).
    pub(super) fn sql_prepare(
        &mut self,
        name: &ast::Ident,
        types: &[ast::DataType],
        stmt: &ast::Statement,
        text: &str,
    ) -> Result<StatementResult> {
        let name = crate::sql::binder::ident_name(name);
        if !preparable(stmt) {
            return Err(EngineError::Syntax {
                message: format!(
                    "syntax error at or near \"{}\"",
                    stmt.to_string()
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                ),
                position: None,
            });
        }
        if self.named.get(&name).is_some() {
            return Err(already_exists(&name));
        }
        let declared = types
            .iter()
            .map(DataType::from_sql)
            .collect::<std::result::Result<Vec<_>, _>>()?;
        // The statement is described as the protocol's Parse would describe its text.
        let inner = stmt.to_string();
        let mut p = self.prepare(&inner, &declared)?;
        p.sql = text.to_owned();
        let named = Named {
            prepared: Arc::new(p),
            text: text.to_owned(),
            prepare_time: crate::clock::statement_start(),
            from_sql: true,
        };
        self.named.insert(&name, named)?;
        Ok(StatementResult::Command("PREPARE".into()))
    }

    /// `EXECUTE name [(args)]`: the arguments are evaluated, assigned to the statement's
    /// parameter types, and the statement runs with them (its own command tag).
    pub(super) fn sql_execute(
        &mut self,
        name: &ast::ObjectName,
        args: &[ast::Expr],
        parenthesized: bool,
    ) -> Result<StatementResult> {
        if parenthesized && args.is_empty() {
            return Err(EngineError::Syntax {
                message: "syntax error at or near \")\"".into(),
                position: None,
            });
        }
        let name = crate::sql::binder::object_name(name);
        let p = self
            .named
            .get(&name)
            .map(|n| n.prepared.clone())
            .ok_or_else(|| does_not_exist(&name))?;
        if args.len() != p.params.len() {
            return Err(EngineError::Detailed {
                code: "42601",
                message: format!("wrong number of parameters for prepared statement \"{name}\""),
                detail: format!(
                    "Expected {} parameters but got {}.",
                    p.params.len(),
                    args.len()
                ),
                hint: None,
            });
        }
        if args.iter().any(has_subquery) {
            return Err(EngineError::FeatureNotSupported {
                feature: "subquery in EXECUTE parameter".into(),
            });
        }
        let values = self.execute_arguments(args, &p.params)?;
        let start = self.stmt_start;
        let res = self.run(&p.stmt, &values, Some(&p.sql));
        // The statement is EXECUTE's: statement_timestamp() stays its start.
        self.stmt_start = start;
        res
    }

    /// The values of EXECUTE's arguments, of the parameter types: a quoted literal is read
    /// as the parameter's type, other expressions are evaluated and assigned (42804 when
    /// their type has no assignment cast to it).
    fn execute_arguments(&mut self, args: &[ast::Expr], types: &[DataType]) -> Result<Vec<Value>> {
        if args.is_empty() {
            return Ok(Vec::new());
        }
        let items: Vec<String> = args
            .iter()
            .zip(types)
            .map(|(a, t)| match a {
                ast::Expr::Value(v)
                    if matches!(
                        v.value,
                        ast::Value::SingleQuotedString(_) | ast::Value::Null
                    ) =>
                {
                    format!("CAST({a} AS {})", t.display_name())
                }
                _ => format!("({a})"),
            })
            .collect();
        let select = format!("SELECT {}", items.join(", "));
        let stmt = super::one_statement(&select)?;
        let start = self.stmt_start;
        let res = self.run(&stmt, &[], None);
        self.stmt_start = start;
        let set = match res? {
            StatementResult::Rows(set) => set,
            _ => {
                return Err(EngineError::Internal {
                    reason: "EXECUTE's arguments gave no row",
                })
            }
        };
        let row = set.rows.into_iter().next().unwrap_or_default();
        let mut out = Vec::with_capacity(types.len());
        for (i, ((v, col), to)) in row.into_iter().zip(&set.columns).zip(types).enumerate() {
            let from = &col.ty;
            if from.base() != to.base()
                && *from != DataType::Unknown
                && !crate::types::can_cast(from, to, CastKind::Assignment)
            {
                return Err(EngineError::DatatypeMismatch {
                    message: format!(
                        "parameter ${} of type {} cannot be coerced to the expected type {}",
                        i + 1,
                        from.display_name(),
                        to.display_name()
                    ),
                });
            }
            out.push(v.cast(to, CastKind::Assignment)?);
        }
        Ok(out)
    }

    /// `DEALLOCATE [PREPARE] name` and `DEALLOCATE ALL` (of statements of both kinds).
    pub(super) fn sql_deallocate(&mut self, name: &ast::Ident) -> Result<StatementResult> {
        if name.quote_style.is_none() && name.value.eq_ignore_ascii_case("all") {
            self.named.clear();
            return Ok(StatementResult::Command("DEALLOCATE ALL".into()));
        }
        let name = crate::sql::binder::ident_name(name);
        if !self.named.remove(&name) {
            return Err(does_not_exist(&name));
        }
        Ok(StatementResult::Command("DEALLOCATE".into()))
    }
}
