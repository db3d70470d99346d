//! The Quill backend of the sqllogictest harness: the embedded engine on an in-memory
//! simulated disk (a fresh database for every file).

use super::{SltBackend, SltError, SltValue};
use engine::{Database, DatabaseOptions, Session, StatementResult, Value};
use std::path::Path;
use std::sync::Arc;

pub struct QuillBackend {
    session: Option<Session>,
    db: Option<Database>,
    seed: u64,
}

impl QuillBackend {
    pub fn new() -> QuillBackend {
        QuillBackend {
            session: None,
            db: None,
            seed: 0,
        }
    }

    fn session(&mut self) -> Result<&mut Session, String> {
        if self.session.is_none() {
            self.reset()?;
        }
        self.session
            .as_mut()
            .ok_or_else(|| "no session".to_string())
    }
}

impl Default for QuillBackend {
    fn default() -> Self {
        QuillBackend::new()
    }
}

/// A value as the harness's [`SltValue`].
pub(super) fn slt_value(v: &Value) -> SltValue {
    match v {
        Value::Null => SltValue::Null,
        Value::Bool(b) => SltValue::Bool(*b),
        Value::Int2(i) => SltValue::Int(*i as i64),
        Value::Int4(i) => SltValue::Int(*i as i64),
        Value::Int8(i) => SltValue::Int(*i),
        // Through the shortest decimal form, as the PostgreSQL backend reads `float4`, so that
        // REAL 1.1 reads as 1.1, not 1.100000023841858.
        Value::Float4(f) => SltValue::Float(f.to_string().parse().unwrap_or(f64::from(*f))),
        Value::Float8(f) => SltValue::Float(*f),
        Value::Text(s) => SltValue::Text(s.clone()),
        Value::Numeric(_) => {
            let t = v.to_text().unwrap_or_default();
            match t.parse::<i64>() {
                Ok(i) if !t.contains('.') => SltValue::Int(i),
                _ => t
                    .parse::<f64>()
                    .map(SltValue::Float)
                    .unwrap_or(SltValue::Text(t)),
            }
        }
        other => SltValue::Text(other.to_text().unwrap_or_default()),
    }
}

impl SltBackend for QuillBackend {
    fn statement(&mut self, sql: &str) -> Result<(), String> {
        self.session()?
            .execute(sql)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn statement_with_sqlstate(&mut self, sql: &str) -> Result<(), SltError> {
        self.session()
            .map_err(SltError::uncoded)?
            .execute(sql)
            .map(|_| ())
            .map_err(|e| SltError {
                sqlstate: Some(e.sqlstate().to_string()),
                message: e.to_string(),
            })
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<SltValue>>, String> {
        let results = self.session()?.execute(sql).map_err(|e| e.to_string())?;
        match results.into_iter().last() {
            Some(StatementResult::Rows(r)) => Ok(r
                .rows
                .iter()
                .map(|row| row.iter().map(slt_value).collect())
                .collect()),
            _ => Ok(Vec::new()),
        }
    }

    fn reset(&mut self) -> Result<(), String> {
        self.session = None;
        self.db = None;
        self.seed += 1;
        let fs = vfs::SimVfs::new(self.seed);
        let mut opts = DatabaseOptions::default();
        opts.storage.checkpoint_interval = None;
        // Every reuse of a cached plan is checked against the statement bound anew.
        opts.plan_cache = engine::PlanCacheMode::Verify;
        let db = Database::open_with(Arc::new(fs), Path::new("/slt"), opts)
            .map_err(|e| e.to_string())?;
        self.session = Some(db.session());
        self.db = Some(db);
        Ok(())
    }
}
