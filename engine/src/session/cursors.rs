//! The session's cursor statements: DECLARE runs the query in the current (or its own)
//! transaction and keeps the rows (see `crate::cursor`); FETCH and MOVE step through them.

use super::{Column, RowSet, Session, StatementResult};
use crate::cursor::{Cursor, Direction};
use crate::error::{EngineError, Result};
use crate::sql::{self, ast};
use crate::types::Value;

impl Session {
    /// The result columns of cursor `name` (34000 if there is none), as a portal
    /// Describe reports them.
    pub fn cursor_columns(&self, name: &str) -> Result<Vec<Column>> {
        Ok(self.cursors.get(name)?.columns.clone())
    }

    /// An error inside a transaction block puts the block in the failed state.
    pub(super) fn fail_block_on(
        &mut self,
        res: Result<StatementResult>,
    ) -> Result<StatementResult> {
        if res.is_err() {
            self.fail_block();
        }
        res
    }

    /// DECLARE name [BINARY] [NO SCROLL] CURSOR [WITH | WITHOUT HOLD] FOR query.
    pub(super) fn declare(
        &mut self,
        stmts: &[ast::Declare],
        params: &[Value],
    ) -> Result<StatementResult> {
        let unsupported = |what: &str| EngineError::FeatureNotSupported {
            feature: what.to_string(),
        };
        let [d] = stmts else {
            return Err(unsupported("DECLARE of several cursors"));
        };
        let ([name], Some(query)) = (d.names.as_slice(), &d.for_query) else {
            return Err(unsupported("DECLARE without a cursor query"));
        };
        if d.binary == Some(true) {
            // Rows would have to reach the client in binary whatever format it asks for.
            return Err(unsupported("BINARY cursors"));
        }
        let name = sql::binder::ident_name(name);
        let hold = d.hold == Some(true);
        let in_block = self.active.as_ref().is_some_and(|a| a.explicit);
        if !hold && !in_block {
            return Err(EngineError::NoTransactionBlock {
                what: "DECLARE CURSOR".into(),
            });
        }
        if !query.locks.is_empty() {
            // Rows would be locked at DECLARE, not as they are fetched as in PostgreSQL.
            return Err(unsupported("DECLARE CURSOR ... FOR UPDATE/SHARE"));
        }
        if self.cursors.contains(&name) {
            return Err(EngineError::DuplicateCursor { name });
        }
        let implicit = self.active.is_none();
        if implicit {
            self.begin(false)?;
        }
        let stmt = ast::Statement::Query(query.clone());
        let res = self
            .check_writable(&stmt)
            .and_then(|()| self.run_restarting(&stmt, params, None))
            .and_then(|o| match o {
                StatementResult::Rows(r) => Ok((r.columns, r.rows)),
                _ => Err(EngineError::Internal {
                    reason: "a cursor's query returned no rows",
                }),
            });
        let savepoints = self.active.as_ref().map_or(0, |a| a.savepoints.len());
        let ok = res.is_ok();
        if let Ok((columns, rows)) = res.as_ref().map(|(c, r)| (c.clone(), r)) {
            let cursor = Cursor::new(
                columns,
                rows.clone(),
                hold,
                d.scroll == Some(false),
                savepoints,
            );
            self.cursors.declare(name, cursor)?;
        }
        // Ends an implicit transaction: the held cursor outlives it.
        self.end_statement(ok, implicit)?;
        res.map(|_| StatementResult::Command("DECLARE CURSOR".into()))
    }

    /// FETCH (the rows stepped onto, tag `FETCH n`) or MOVE (tag `MOVE n`).
    pub(super) fn fetch(
        &mut self,
        name: &ast::Ident,
        direction: &ast::FetchDirection,
        is_move: bool,
    ) -> Result<StatementResult> {
        let name = sql::binder::ident_name(name);
        let dir = Direction::from_ast(direction)?;
        let cursor = self.cursors.get_mut(&name)?;
        let got = cursor.step(dir)?;
        if is_move {
            return Ok(StatementResult::Command(format!("MOVE {}", got.len())));
        }
        let rows: Vec<Vec<Value>> = got.iter().filter_map(|&i| cursor.row(i).cloned()).collect();
        Ok(StatementResult::Rows(RowSet {
            columns: cursor.columns.clone(),
            tag: format!("FETCH {}", rows.len()),
            rows,
        }))
    }
}
