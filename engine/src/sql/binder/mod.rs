//! The binder: turns a parsed query into a plan whose expressions are resolved and typed.
//!
//! Scopes: a query binds its expressions over the row its FROM clause produces (the
//! `Scope`, columns in FROM order). Enclosing queries' scopes sit on `outer`, innermost last;
//! a column found there becomes a reference `up` levels out (a correlated subquery).
//!
//! Joins: comma-separated FROM items and inner joins are flattened into relations plus a
//! list of conditions; relations are joined greedily (next the one connected to what is
//! joined so far by an equality, hashed), each relation's own conditions filter it first, and
//! a projection restores FROM order so that the rest of the query binds over one layout.
//! An equi-join with a base table the join would scan whole becomes an index nested loop
//! (a `Plan::Apply` probing the table's index per row) when the estimated rows of what is
//! joined so far, times the pages of a probe, stay under the table's pages (`estimate`).
//! Outer joins and LATERAL items are joined to everything before them at once (a LATERAL
//! item's plan reads those rows as its enclosing row, re-run per row).

mod aggregate;
mod array;
mod call;
mod cte;
mod estimate;
mod expr;
mod from;
mod grouping_sets;
mod join_order;
mod locking;
mod operators;
pub(crate) mod policies;
mod select;
mod setops;
mod tablesample;
mod walk;
mod window;

pub use expr::{coerce, object_name};
pub(crate) use join_order::{conjuncts, index_access};
pub use select::column_name as output_name;

use crate::catalog::Catalog;
use crate::error::{EngineError, Result};
use crate::types::DataType;
use sqlparser::ast;

#[derive(Clone, Debug)]
pub struct ScopeCol {
    /// The table name or alias the column can be qualified with.
    pub table: Option<String>,
    pub name: String,
    pub ty: DataType,
    /// The right side's copy of a USING / NATURAL join column: reachable only qualified,
    /// and left out of `*` (the left side's copy stands for both).
    pub merged: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub cols: Vec<ScopeCol>,
    /// The order `*` lists the columns in, when it is not `cols`' order (after a join with
    /// USING / NATURAL, whose join columns come first, as in PostgreSQL).
    pub star: Option<Vec<usize>>,
}

impl Scope {
    /// Every column index in `*` order (`star` orders a prefix of the columns; columns
    /// added after it follow in their own order).
    pub fn star_order(&self) -> Vec<usize> {
        let mut order = self.star.clone().unwrap_or_default();
        order.extend(order.len()..self.cols.len());
        order
    }

    /// The columns `*` expands to, in order (merged copies left out).
    pub fn star_columns(&self) -> Vec<usize> {
        self.star_order()
            .into_iter()
            .filter(|&i| self.cols.get(i).is_some_and(|c| !c.merged))
            .collect()
    }
}

/// Aggregation state while binding a grouped query's SELECT list, HAVING and ORDER BY.
pub struct AggCtx {
    pub input_scope: Scope,
    pub group_asts: Vec<ast::Expr>,
    pub group_exprs: Vec<crate::sql::expr::Expr>,
    pub group_types: Vec<DataType>,
    pub aggs: Vec<crate::sql::plan::AggCall>,
    pub agg_types: Vec<DataType>,
    /// GROUPING SETS / ROLLUP / CUBE: the sets, as positions in `group_exprs`.
    pub sets: Option<Vec<Vec<usize>>>,
    /// With `sets`: the grouped row's column holding the index of the row's set.
    pub set_slot: Option<usize>,
}

/// A bound common table expression: name, plan, columns.
pub type Cte = (String, crate::sql::plan::Plan, Vec<(String, DataType)>);

pub struct Binder<'a> {
    pub catalog: &'a Catalog,
    /// Scopes of the enclosing queries, innermost last.
    pub outer: Vec<Scope>,
    /// Types of `$n` parameters, as declared or inferred.
    pub param_types: Vec<DataType>,
    /// Common table expressions in scope (WITH), innermost last.
    pub ctes: Vec<Cte>,
    /// The id the next recursive CTE's work table gets.
    next_work_table: usize,
    /// The store, for table sizes when choosing join methods (None: no estimates).
    storage: Option<&'a storage::Storage>,
    /// Table sizes looked up so far: heap file → (pages, estimated rows).
    sizes: std::collections::HashMap<u32, (f64, f64)>,
    /// While a select list is bound: its set-returning calls, each read back through a
    /// column reference `SRF_SLOT + n` that the select binder renumbers.
    srfs: Option<Vec<(crate::sql::setfunc::SetFunc, Vec<crate::sql::expr::Expr>)>>,
    /// While a select list (with its ORDER BY) is bound: its window calls, each read back
    /// through a column reference `WIN_SLOT + n` that the select binder renumbers.
    windows: Option<Vec<window::PendingWindow>>,
    /// Why window calls are refused while `windows` is None.
    window_ban: window::WindowBan,
    /// The WINDOW clause of the select being bound.
    named_windows: Vec<(String, window::ResolvedSpec)>,
    /// The next query bound is a statement's own query, which may lock rows (`FOR UPDATE`);
    /// binding a query clears it, so nested queries may not.
    row_locks_allowed: bool,
    /// Whether reading a relation checks the SELECT privilege (not when a view's query is
    /// only bound to learn its columns, at CREATE VIEW).
    privilege_checks: bool,
    /// The role privileges are checked for while a view's query is bound: the view's owner.
    /// `None`: the catalog's acting current user.
    check_as: Option<u32>,
    /// Tables whose policies are being bound (innermost last), to detect a policy that
    /// leads back to its own table.
    rls_stack: Vec<u32>,
}

/// The first placeholder column index of a select list's set-returning calls.
pub(crate) const SRF_SLOT: usize = usize::MAX / 2;

/// An identifier's name: unquoted ones fold to lower case, as in PostgreSQL.
pub fn ident_name(i: &ast::Ident) -> String {
    match i.quote_style {
        Some(_) => i.value.clone(),
        None => i.value.to_lowercase(),
    }
}

impl<'a> Binder<'a> {
    pub fn new(catalog: &'a Catalog, param_types: Vec<DataType>) -> Binder<'a> {
        Binder {
            catalog,
            outer: Vec::new(),
            param_types,
            ctes: Vec::new(),
            next_work_table: 0,
            storage: None,
            sizes: std::collections::HashMap::new(),
            srfs: None,
            windows: None,
            window_ban: window::WindowBan::Clause("this context"),
            named_windows: Vec::new(),
            row_locks_allowed: false,
            privilege_checks: true,
            check_as: None,
            rls_stack: Vec::new(),
        }
    }

    /// Binds without checking privileges (a view's query at CREATE VIEW: it is checked,
    /// as the view's owner, when the view is read).
    pub fn without_privilege_checks(mut self) -> Binder<'a> {
        self.privilege_checks = false;
        self
    }

    /// Lets the query bound next (a statement's own query) lock rows.
    pub fn allowing_row_locks(mut self) -> Binder<'a> {
        self.row_locks_allowed = true;
        self
    }

    /// Lets the planner look at table sizes (to choose index nested-loop joins).
    pub fn with_storage(mut self, storage: &'a storage::Storage) -> Binder<'a> {
        self.storage = Some(storage);
        self
    }

    /// Finds a column: (levels up, index, type).
    fn resolve_column(&self, e: &ast::Expr, scope: &Scope) -> Result<(usize, usize, DataType)> {
        let (table, name) = match e {
            ast::Expr::Identifier(i) => (None, ident_name(i)),
            ast::Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                let n = parts.len();
                (Some(ident_name(&parts[n - 2])), ident_name(&parts[n - 1]))
            }
            _ => {
                return Err(EngineError::Syntax {
                    message: format!("bad column reference {e}"),
                    position: None,
                })
            }
        };
        let scopes = std::iter::once(scope).chain(self.outer.iter().rev());
        for (up, s) in scopes.enumerate() {
            let mut hits = s.cols.iter().enumerate().filter(|(_, c)| {
                c.name == name
                    && match &table {
                        Some(t) => c.table.as_ref() == Some(t),
                        None => !c.merged,
                    }
            });
            if let Some((i, c)) = hits.next() {
                if hits.next().is_some() {
                    return Err(EngineError::AmbiguousColumn { name });
                }
                return Ok((up, i, c.ty.clone()));
            }
        }
        match table {
            Some(t)
                if !std::iter::once(scope)
                    .chain(self.outer.iter())
                    .any(|s| s.cols.iter().any(|c| c.table.as_ref() == Some(&t))) =>
            {
                Err(EngineError::MissingFromEntry { table: t })
            }
            Some(t) => Err(EngineError::UndefinedColumn {
                name: format!("{t}.{name}"),
            }),
            None => Err(EngineError::UndefinedColumn { name }),
        }
    }

    /// Binds one FROM item on its own (a MERGE's source): its plan, whose rows are its
    /// scope's columns in order.
    pub fn bind_from_item(
        &mut self,
        item: &ast::TableWithJoins,
    ) -> Result<(crate::sql::plan::Plan, Scope)> {
        self.bind_from(std::slice::from_ref(item), None)
    }

    /// Binds a subquery appearing in an expression over `scope`.
    pub fn bind_subquery(
        &mut self,
        q: &ast::Query,
        scope: &Scope,
    ) -> Result<(crate::sql::plan::Plan, Vec<(String, DataType)>)> {
        self.outer.push(scope.clone());
        let res = self.bind_query(q);
        self.outer.pop();
        res
    }
}
