//! Size estimates for choosing join methods: a table's pages (from the store) and rows
//! (pages × the live tuples of its first page), and rough row counts of plans built over
//! them. Without a store (plans bound for DML or description) nothing is estimated and
//! joins are hashed.

use super::Binder;
use crate::catalog::TableDef;
use crate::sql::expr::Expr;
use crate::sql::plan::Plan;
use crate::types::ops::BinaryOp;

/// Pages an index probe reads: the B+tree's levels plus a heap page.
pub const PROBE_PAGES: f64 = 4.0;

/// Tables of fewer pages are never probed by index (one left row would cost as much as a
/// scan), so joins of such tables need no row estimates.
pub const MIN_PROBED_PAGES: f64 = PROBE_PAGES + 1.0;

/// Share of rows a condition keeps: equalities few, anything else a third.
fn selectivity(pred: &Expr) -> f64 {
    match pred {
        Expr::And(l, r) => selectivity(l) * selectivity(r),
        Expr::Binary(BinaryOp::Eq, ..) => 0.1,
        _ => 0.33,
    }
}

impl Binder<'_> {
    /// Pages of a table's heap (cheap: no page is read), if a store is at hand.
    pub(super) fn table_pages(&self, table: &TableDef) -> Option<f64> {
        let storage = self.storage?;
        Some(storage.heap_bytes(table.file).ok()? as f64 / storage::page::PAGE_SIZE as f64)
    }

    /// (pages, estimated rows) of a table's heap, if a store is at hand.
    pub(super) fn table_size(&mut self, table: &TableDef) -> Option<(f64, f64)> {
        let storage = self.storage?;
        if let Some(&size) = self.sizes.get(&table.file) {
            return Some(size);
        }
        let pages = self.table_pages(table)?;
        let first_page = storage
            .heap(table.file)
            .scan()
            .map_while(|t| t.ok())
            .take_while(|(tid, _)| tid.page == 0)
            .count() as f64;
        let size = (pages, pages.max(1.0) * first_page);
        self.sizes.insert(table.file, size);
        Some(size)
    }

    /// Estimated rows `plan` produces (None without a store).
    pub(super) fn estimate_rows(&mut self, plan: &Plan) -> Option<f64> {
        Some(match plan {
            Plan::Scan { table } | Plan::SampleScan { table, .. } => self.table_size(table)?.1,
            Plan::IndexScan {
                table,
                index,
                eq,
                range,
            } => {
                let rows = self.table_size(table)?.1;
                let ix = table.indexes.get(*index)?;
                if ix.unique && eq.len() == ix.columns.len() {
                    1.0
                } else {
                    rows * 0.1f64.powi(eq.len() as i32) * if range.is_some() { 0.33 } else { 1.0 }
                }
            }
            Plan::Values { rows } => rows.len() as f64,
            // PostgreSQL's default estimate for a function scan.
            Plan::Function { .. } => 1000.0,
            Plan::One | Plan::WorkTable { .. } => 1.0,
            Plan::Filter { input, pred } => self.estimate_rows(input)? * selectivity(pred),
            Plan::ProjectSet { input, .. } => self.estimate_rows(input)? * 10.0,
            Plan::Project { input, .. }
            | Plan::Sort { input, .. }
            | Plan::Window { input, .. }
            | Plan::Distinct { input, .. }
            | Plan::TidScan { scan: input }
            | Plan::LockRows { input, .. }
            | Plan::Limit { input, .. } => self.estimate_rows(input)?,
            Plan::Aggregate { input, groups, .. } => {
                if groups.is_empty() {
                    1.0
                } else {
                    (self.estimate_rows(input)? * 0.1).max(1.0)
                }
            }
            Plan::Join { left, right, .. } => {
                let (l, r) = (self.estimate_rows(left)?, self.estimate_rows(right)?);
                l.max(r)
            }
            Plan::Apply { left, .. } => self.estimate_rows(left)?,
            Plan::SetOp { left, right, .. }
            | Plan::RecursiveCte {
                base: left,
                recursive: right,
                ..
            } => self.estimate_rows(left)? + self.estimate_rows(right)?,
        })
    }
}
