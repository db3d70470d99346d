//! COPY: `COPY t [(cols)] FROM STDIN` loads rows sent after the statement, `COPY t | (query)
//! TO STDOUT` returns a table's or a query's rows as data, in the text or CSV format
//! ([`format`]).
//!
//! A COPY FROM is one statement: its rows are stored as they arrive, inside the session's
//! transaction, and an error anywhere (bad data, a constraint, CopyFail) fails the statement,
//! so nothing it loaded stays. Errors about a row carry PostgreSQL's CONTEXT, `COPY t, line N`
//! (with the column and value when a field does not parse).
//!
//! Into a table without indexes, checked rows are buffered and stored [`COPY_BATCH_ROWS`] at
//! a time with `Heap::insert_many` (one log record per heap page instead of one per row).
//! Every per-row check (parsing, defaults, NOT NULL, CHECK, tuple size) still runs as the
//! row arrives, so errors name the same line as before; only storing is deferred, and the
//! buffer is stored before the statement ends. Tables with indexes store row by row, so a
//! unique violation is reported at its own line.

pub mod format;

use crate::catalog::TableDef;
use crate::error::{EngineError, Result};
use crate::sql::binder::{ident_name, object_name, Binder};
use crate::sql::exec::run;
use crate::sql::{param_types, TxnCx};
use crate::types::Value;
pub use format::CopyFormat;
use format::{decode_record, encode_record, CopyOptions, RecordSplitter};
use sqlparser::ast::{self, CopySource, CopyTarget};
use std::collections::HashSet;
use std::sync::Arc;

/// What a COPY exchanges: its format and number of columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyInfo {
    pub format: CopyFormat,
    pub columns: usize,
}

/// The data of a COPY … TO STDOUT: one chunk per line (the header line first, if asked).
#[derive(Clone, Debug)]
pub struct CopyOutData {
    pub info: CopyInfo,
    pub lines: Vec<Vec<u8>>,
    /// Rows copied (the header line is not one).
    pub rows: u64,
}

/// How a COPY statement starts.
pub(crate) enum Started {
    /// COPY FROM STDIN, waiting for data.
    In(Box<CopyIn>),
    Out(CopyOutData),
}

/// A COPY FROM STDIN in progress.
#[derive(Debug)]
pub(crate) struct CopyIn {
    table: Arc<TableDef>,
    /// The table column each field goes to.
    targets: Vec<usize>,
    opts: CopyOptions,
    /// Per field: FORCE_NOT_NULL, FORCE_NULL.
    force_not_null: Vec<bool>,
    force_null: Vec<bool>,
    splitter: RecordSplitter,
    /// Lines (records) read so far, the header included.
    line: u64,
    pub(crate) rows: u64,
    /// The session opened a transaction for this statement alone.
    pub(crate) implicit: bool,
    /// The first error; later data is ignored and the COPY fails when it ends.
    pub(crate) error: Option<EngineError>,
    /// Checked, encoded rows not stored yet (tables without indexes only).
    pending: Vec<Vec<u8>>,
    /// Stored rows to check against the table's foreign keys when the data ends.
    referencing: Vec<(storage::Tid, crate::sql::expr::Row)>,
}

/// Rows buffered before a batch is stored.
pub const COPY_BATCH_ROWS: usize = 1000;

fn unsupported(feature: &str) -> EngineError {
    EngineError::FeatureNotSupported {
        feature: feature.into(),
    }
}

fn table_for_copy(cx: &TxnCx<'_>, name: &ast::ObjectName, from: bool) -> Result<Arc<TableDef>> {
    let n = object_name(name);
    let t = cx
        .catalog
        .get(&n)
        .ok_or_else(|| EngineError::UndefinedTable { name: n.clone() })?;
    if t.view.is_some() {
        let dir = if from { "to" } else { "from" };
        return Err(EngineError::CopyRejected {
            code: "42809",
            message: format!("cannot copy {dir} view \"{n}\""),
        });
    }
    let mode = if from {
        crate::lock::LockMode::RowExclusive
    } else {
        crate::lock::LockMode::AccessShare
    };
    let privilege = if from {
        crate::acl::INSERT
    } else {
        crate::acl::SELECT
    };
    crate::acl::require(cx.catalog, &t, privilege, None)?;
    crate::sql::relation_locks::take(cx, &[(t.oid, mode)])?;
    Ok(t)
}

/// The table columns named by a COPY column list (all columns when empty).
fn column_list(table: &TableDef, cols: &[ast::Ident]) -> Result<Vec<usize>> {
    if cols.is_empty() {
        return Ok((0..table.columns.len()).collect());
    }
    let mut out = Vec::with_capacity(cols.len());
    for c in cols {
        let n = ident_name(c);
        let i = table
            .column_index(&n)
            .ok_or_else(|| EngineError::UndefinedColumn { name: n.clone() })?;
        if out.contains(&i) {
            return Err(EngineError::DuplicateColumn { name: n });
        }
        out.push(i);
    }
    Ok(out)
}

/// Per copied column, whether `names` lists it (`*` lists all).
fn flags(names: &[String], columns: &[String], option: &str) -> Result<Vec<bool>> {
    if names.iter().any(|n| n == "*") {
        return Ok(vec![true; columns.len()]);
    }
    for n in names {
        if !columns.contains(n) {
            return Err(EngineError::CopyRejected {
                code: "42P10",
                message: format!("{option} column \"{n}\" not referenced by COPY"),
            });
        }
    }
    Ok(columns.iter().map(|c| names.contains(c)).collect())
}

/// Starts a COPY statement. `fresh` names the tables created or truncated in the current
/// (sub)transaction, which FREEZE requires.
pub(crate) fn start(
    stmt: &ast::Statement,
    cx: &mut TxnCx<'_>,
    fresh: &HashSet<String>,
) -> Result<Started> {
    let ast::Statement::Copy {
        source,
        to,
        target,
        options,
        legacy_options,
        payload: _,
    } = stmt
    else {
        return Err(EngineError::Internal {
            reason: "not a COPY statement",
        });
    };
    if !legacy_options.is_empty() {
        return Err(unsupported("this COPY option"));
    }
    match (target, *to) {
        (CopyTarget::Stdin, false) | (CopyTarget::Stdout, true) => {}
        (CopyTarget::Program { .. }, _) => return Err(unsupported("COPY to or from a program")),
        (CopyTarget::File { .. }, _) => return Err(unsupported("COPY to or from a file")),
        _ => return Err(unsupported("COPY with this target")),
    }
    let opts = CopyOptions::new(options, !*to)?;
    if *to {
        return copy_out(source, opts, cx).map(Started::Out);
    }
    let CopySource::Table {
        table_name,
        columns,
    } = source
    else {
        return Err(unsupported("COPY FROM a query"));
    };
    let table = table_for_copy(cx, table_name, true)?;
    if crate::sql::rls::applies(cx.catalog, &table, None)?.is_some() {
        return Err(EngineError::CopyRejected {
            code: "0A000",
            message: "COPY FROM not supported with row-level security".into(),
        });
    }
    if opts.freeze && !fresh.contains(&table.name) {
        return Err(EngineError::CopyRejected {
            code: "55000",
            message: "cannot perform COPY FREEZE because the table was not created or \
                      truncated in the current subtransaction"
                .into(),
        });
    }
    let targets = column_list(&table, columns)?;
    let names: Vec<String> = targets
        .iter()
        .map(|&c| table.columns[c].name.clone())
        .collect();
    Ok(Started::In(Box::new(CopyIn {
        force_not_null: flags(&opts.force_not_null, &names, "FORCE_NOT_NULL")?,
        force_null: flags(&opts.force_null, &names, "FORCE_NULL")?,
        table,
        targets,
        opts,
        splitter: RecordSplitter::default(),
        line: 0,
        rows: 0,
        implicit: false,
        error: None,
        pending: Vec::new(),
        referencing: Vec::new(),
    })))
}

impl CopyIn {
    pub(crate) fn info(&self) -> CopyInfo {
        CopyInfo {
            format: self.opts.format,
            columns: self.targets.len(),
        }
    }

    /// Loads the complete records of `data`.
    pub(crate) fn feed(&mut self, data: &[u8], cx: &mut TxnCx<'_>) -> Result<()> {
        let mut splitter = std::mem::take(&mut self.splitter);
        let res = splitter.feed(data, &self.opts.clone(), &mut |rec| self.record(rec, cx));
        self.splitter = splitter;
        res
    }

    /// Loads what is left at the end of the data; returns the number of rows loaded.
    pub(crate) fn finish(&mut self, cx: &mut TxnCx<'_>) -> Result<u64> {
        let mut splitter = std::mem::take(&mut self.splitter);
        let res = splitter.finish(&mut |rec| self.record(rec, cx));
        res.map_err(|e| self.in_context(e, None))?;
        self.store_pending(cx)?;
        // Foreign keys are checked once every row is in, as after any statement.
        let rows = std::mem::take(&mut self.referencing);
        if !rows.is_empty() {
            let work = crate::sql::fkey::enforce::Work::Inserted(self.table.clone(), rows);
            crate::sql::fkey::enforce::run(cx, work)?;
        }
        Ok(self.rows)
    }

    /// Stores the buffered rows.
    fn store_pending(&mut self, cx: &mut TxnCx<'_>) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.pending);
        cx.writer()
            .insert_many(&self.table, &rows)
            .map_err(|e| self.in_context(e, None))?;
        Ok(())
    }

    fn in_context(&self, e: EngineError, detail: Option<String>) -> EngineError {
        if matches!(e, EngineError::Copy { .. }) {
            return e;
        }
        EngineError::Copy {
            source: Box::new(e),
            context: format!(
                "COPY {}, line {}{}",
                self.table.name,
                self.line.max(1),
                detail.unwrap_or_default()
            ),
        }
    }

    fn record(&mut self, rec: &[u8], cx: &mut TxnCx<'_>) -> Result<()> {
        self.line += 1;
        if self.line == 1 && self.opts.header {
            return Ok(());
        }
        let fields = decode_record(rec, &self.opts).map_err(|e| self.in_context(e, None))?;
        let shown = || format!(": \"{}\"", String::from_utf8_lossy(rec));
        if fields.len() > self.targets.len() {
            let e = EngineError::CopyRejected {
                code: "22P04",
                message: "extra data after last expected column".into(),
            };
            return Err(self.in_context(e, Some(shown())));
        }
        if fields.len() < self.targets.len() {
            let missing = &self.table.columns[self.targets[fields.len()]].name;
            let e = EngineError::CopyRejected {
                code: "22P04",
                message: format!("missing data for column \"{missing}\""),
            };
            return Err(self.in_context(e, Some(shown())));
        }
        let width = self.table.columns.len();
        let mut row = vec![Value::Null; width];
        let mut given = vec![false; width];
        for (i, (text, quoted)) in fields.into_iter().enumerate() {
            let c = self.targets[i];
            given[c] = true;
            let col = &self.table.columns[c];
            let text = match text {
                None if self.force_not_null[i] => Some(self.opts.null.clone()),
                Some(s) if quoted && self.force_null[i] && s == self.opts.null => None,
                t => t,
            };
            if let Some(s) = text {
                row[c] = Value::parse(&s, &col.ty).map_err(|e| {
                    self.in_context(e.into(), Some(format!(", column {}: \"{s}\"", col.name)))
                })?;
            }
        }
        for (c, g) in given.iter().enumerate() {
            if !g {
                row[c] = crate::sql::dml::default_value(cx, &self.table, c)
                    .map_err(|e| self.in_context(e, None))?;
            }
        }
        if self.table.indexes.is_empty() && self.table.foreign_keys.is_empty() {
            crate::sql::dml::check_row(cx, &self.table, &row)
                .map_err(|e| self.in_context(e, None))?;
            let bytes = crate::types::row::encode_row(&row);
            if bytes.len() <= storage::heap_page::MAX_TUPLE_DATA {
                self.pending.push(bytes);
                self.rows += 1;
                if self.pending.len() >= COPY_BATCH_ROWS {
                    self.store_pending(cx)?;
                }
                return Ok(());
            }
        }
        // Row by row (rows stay in arrival order: the buffer goes first).
        self.store_pending(cx)?;
        let tid = crate::sql::dml::store_row(cx, &self.table, &row)
            .map_err(|e| self.in_context(e, None))?;
        if !self.table.foreign_keys.is_empty() {
            self.referencing.push((tid, row));
        }
        self.rows += 1;
        Ok(())
    }
}

fn copy_out(source: &CopySource, opts: CopyOptions, cx: &mut TxnCx<'_>) -> Result<CopyOutData> {
    let (names, rows) = match source {
        CopySource::Table {
            table_name,
            columns,
        } => {
            let table = table_for_copy(cx, table_name, false)?;
            let cols = column_list(&table, columns)?;
            // Row-level security filters what COPY TO reads, as a query's scan.
            let guard =
                crate::sql::rls::guard(cx, &table, crate::catalog::PolicyCmd::Select, true)?;
            let mut rows = Vec::new();
            {
                let ecx = cx.exec();
                let env = crate::sql::expr::Env {
                    cx: &ecx,
                    outer: &[],
                };
                for (_, r) in cx.reader().rows(&table)? {
                    if let Some(f) = guard.as_ref().and_then(|g| g.filter.as_ref()) {
                        if !f.test(&r, &env)? {
                            continue;
                        }
                    }
                    rows.push(cols.iter().map(|&c| r[c].clone()).collect::<Vec<_>>());
                }
            }
            let names = cols
                .iter()
                .map(|&c| table.columns[c].name.clone())
                .collect::<Vec<_>>();
            (names, rows)
        }
        CopySource::Query(q) => {
            let (plan, columns) = Binder::new(cx.catalog, param_types(cx.params))
                .with_storage(cx.storage)
                .bind_query(q)?;
            let ecx = cx.exec();
            let rows = run(&plan, &ecx, &[])?;
            (columns.into_iter().map(|(n, _)| n).collect(), rows)
        }
    };
    let force = flags(&opts.force_quote, &names, "FORCE_QUOTE")?;
    let mut lines = Vec::with_capacity(rows.len() + 1);
    if opts.header {
        let mut line = Vec::new();
        let header: Vec<Option<String>> = names.iter().cloned().map(Some).collect();
        encode_record(&header, &[], &opts, &mut line);
        lines.push(line);
    }
    for r in &rows {
        let texts: Vec<Option<String>> = r.iter().map(Value::to_text).collect();
        let mut line = Vec::new();
        encode_record(&texts, &force, &opts, &mut line);
        lines.push(line);
    }
    Ok(CopyOutData {
        info: CopyInfo {
            format: opts.format,
            columns: names.len(),
        },
        lines,
        rows: rows.len() as u64,
    })
}
