//! Binding window function calls: the WINDOW clause (named windows, each refining an earlier
//! one by PostgreSQL's rules), `OVER name` / `OVER (spec)`, the call's arguments and FILTER,
//! the frame (units, bounds, their offsets' types, `EXCLUDE`), and where window calls may
//! appear. A select list's calls are collected while it is bound and read back through
//! placeholder columns `WIN_SLOT + n`; [`Binder::plan_windows`] then stacks one
//! `Plan::Window` per distinct window over the (grouped) input, sorting only where the sort
//! below does not already order the rows as the window needs.

use super::expr::{coerce, object_name};
use super::select::{sort_key, unsupported};
use super::{ident_name, AggCtx, Binder, Scope};
use crate::error::{EngineError, Result};
use crate::sql::expr::{children_mut, columns_used, Expr};
use crate::sql::functions::AggFunc;
use crate::sql::plan::{AggCall, Plan, SortKey};
use crate::sql::window::{
    syntax, Exclusion, Frame, FrameBound, FrameUnits, WindowCall, WindowFunc, WindowSpec,
};
use crate::types::DataType;
use sqlparser::ast;

/// The first placeholder column index of a select list's window calls (below `SRF_SLOT`).
pub(crate) const WIN_SLOT: usize = usize::MAX / 4;

/// Why window calls are refused where an expression is being bound.
#[derive(Clone, Copy, Debug)]
pub enum WindowBan {
    /// A clause of the query (`WHERE`, `GROUP BY`, …).
    Clause(&'static str),
    InAggregate,
    Nested,
    Definition,
}

impl WindowBan {
    fn error(self) -> EngineError {
        let (code, message) = match self {
            WindowBan::Clause(c) => ("42P20", format!("window functions are not allowed in {c}")),
            WindowBan::InAggregate => (
                "42803",
                "aggregate function calls cannot contain window function calls".into(),
            ),
            WindowBan::Nested => ("42P20", "window function calls cannot be nested".into()),
            WindowBan::Definition => (
                "42P20",
                "window functions are not allowed in window definitions".into(),
            ),
        };
        EngineError::Function { code, message }
    }
}

/// A window specification with its references to named windows resolved.
#[derive(Clone, Debug)]
pub struct ResolvedSpec {
    partition: Vec<ast::Expr>,
    order: Vec<ast::OrderByExpr>,
    frame: Option<(ast::WindowFrame, Exclusion)>,
}

/// A window call bound while its select list is: its window's keys and the call.
#[derive(Clone, Debug)]
pub struct PendingWindow {
    partition: Vec<SortKey>,
    order: Vec<SortKey>,
    call: WindowCall,
}

fn windowing(message: String) -> EngineError {
    EngineError::Function {
        code: "42P20",
        message,
    }
}

fn offset_of(b: &ast::WindowFrameBound) -> Option<&ast::Expr> {
    match b {
        ast::WindowFrameBound::Preceding(Some(e)) | ast::WindowFrameBound::Following(Some(e)) => {
            Some(e)
        }
        _ => None,
    }
}

/// The frame errors PostgreSQL's grammar raises.
fn check_frame_syntax(f: &ast::WindowFrame) -> Result<()> {
    use ast::WindowFrameBound as B;
    let fail = |m: &str| Err(windowing(m.to_string()));
    let Some(end) = &f.end_bound else {
        return match &f.start_bound {
            B::Following(None) => fail("frame start cannot be UNBOUNDED FOLLOWING"),
            B::Following(Some(_)) => {
                fail("frame starting from following row cannot end with current row")
            }
            _ => Ok(()),
        };
    };
    match (&f.start_bound, end) {
        (B::Following(None), _) => fail("frame start cannot be UNBOUNDED FOLLOWING"),
        (_, B::Preceding(None)) => fail("frame end cannot be UNBOUNDED PRECEDING"),
        (B::CurrentRow, B::Preceding(Some(_))) => {
            fail("frame starting from current row cannot have preceding rows")
        }
        (B::Following(Some(_)), B::Preceding(Some(_)) | B::CurrentRow) => {
            fail("frame starting from following row cannot have preceding rows")
        }
        _ => Ok(()),
    }
}

/// The type a `RANGE` offset is cast to for an ORDER BY key of type `key` (PostgreSQL's
/// in_range support functions), or the 0A000 error for an unsupported pair.
fn range_offset_type(key: &DataType, offset: &DataType) -> Result<DataType> {
    let numeric = DataType::Numeric {
        precision: None,
        scale: None,
    };
    let int = |t: &DataType| matches!(t, DataType::Int2 | DataType::Int4 | DataType::Int8);
    let unknown = *offset == DataType::Unknown;
    let to = match key {
        k if int(k) => {
            (int(offset) || unknown).then(|| if unknown { k.clone() } else { offset.clone() })
        }
        DataType::Numeric { .. } => {
            (int(offset) || unknown || matches!(offset, DataType::Numeric { .. }))
                .then(|| numeric.clone())
        }
        DataType::Float4 | DataType::Float8 => (int(offset)
            || unknown
            || matches!(
                offset,
                DataType::Float4 | DataType::Float8 | DataType::Numeric { .. }
            ))
        .then_some(DataType::Float8),
        DataType::Date | DataType::Timestamp | DataType::Timestamptz | DataType::Interval => {
            (unknown || *offset == DataType::Interval).then_some(DataType::Interval)
        }
        DataType::Time => {
            return Err(unsupported(
                "RANGE with offset PRECEDING/FOLLOWING over time keys",
            ))
        }
        other => {
            return Err(EngineError::Function {
                code: "0A000",
                message: format!(
                    "RANGE with offset PRECEDING/FOLLOWING is not supported for column type {}",
                    other.display_name()
                ),
            })
        }
    };
    to.ok_or_else(|| EngineError::Function {
        code: "0A000",
        message: format!(
            "RANGE with offset PRECEDING/FOLLOWING is not supported for column type {} and offset type {}",
            key.display_name(),
            offset.display_name()
        ),
    })
}

impl Binder<'_> {
    /// Resolves a query's WINDOW clause into `named_windows` (each may refine an earlier one).
    pub(super) fn bind_window_clause(&mut self, defs: &[ast::NamedWindowDefinition]) -> Result<()> {
        self.named_windows.clear();
        for ast::NamedWindowDefinition(name, expr) in defs {
            let name = ident_name(name);
            if self.named_windows.iter().any(|(n, _)| *n == name) {
                return Err(windowing(format!("window \"{name}\" is already defined")));
            }
            let spec = match expr {
                ast::NamedWindowExpr::WindowSpec(spec) => self.resolve_spec(spec)?,
                ast::NamedWindowExpr::NamedWindow(_) => {
                    return Err(EngineError::Syntax {
                        message: format!("syntax error in the definition of window \"{name}\""),
                        position: None,
                    })
                }
            };
            self.named_windows.push((name, spec));
        }
        Ok(())
    }

    /// Binds the keys of every named window (for their errors; calls bind them again).
    pub(super) fn check_named_windows(
        &mut self,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<()> {
        let specs: Vec<ResolvedSpec> = self.named_windows.iter().map(|(_, s)| s.clone()).collect();
        for spec in specs {
            let keys = spec
                .partition
                .iter()
                .chain(spec.order.iter().map(|o| &o.expr));
            for e in keys {
                self.bind_banned(e, scope, agg, WindowBan::Definition)?;
            }
        }
        Ok(())
    }

    fn named_window(&self, name: &str) -> Result<&ResolvedSpec> {
        self.named_windows
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s)
            .ok_or_else(|| EngineError::Function {
                code: "42704",
                message: format!("window \"{name}\" does not exist"),
            })
    }

    /// A specification with the window it names (if any) copied in, by PostgreSQL's rules.
    fn resolve_spec(&self, spec: &ast::WindowSpec) -> Result<ResolvedSpec> {
        let (base, exclusion) = syntax::split_name(spec.window_name.as_ref());
        let frame = spec.window_frame.clone().map(|f| (f, exclusion));
        let Some(base) = base else {
            return Ok(ResolvedSpec {
                partition: spec.partition_by.clone(),
                order: spec.order_by.clone(),
                frame,
            });
        };
        let named = self.named_window(&base)?;
        if !spec.partition_by.is_empty() {
            return Err(windowing(format!(
                "cannot override PARTITION BY clause of window \"{base}\""
            )));
        }
        if !spec.order_by.is_empty() && !named.order.is_empty() {
            return Err(windowing(format!(
                "cannot override ORDER BY clause of window \"{base}\""
            )));
        }
        if named.frame.is_some() {
            return Err(windowing(format!(
                "cannot copy window \"{base}\" because it has a frame clause"
            )));
        }
        Ok(ResolvedSpec {
            partition: named.partition.clone(),
            order: if spec.order_by.is_empty() {
                named.order.clone()
            } else {
                spec.order_by.clone()
            },
            frame,
        })
    }

    /// Binds `e` with window calls refused for `ban` (and set-returning calls refused).
    fn bind_banned(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
        ban: WindowBan,
    ) -> Result<(Expr, DataType)> {
        let saved = (self.windows.take(), self.window_ban, self.srfs.take());
        self.window_ban = ban;
        let r = self.bind_grouped(e, scope, agg);
        (self.windows, self.window_ban, self.srfs) = saved;
        r
    }

    /// Binds a call with OVER into a placeholder column of the select list's window calls.
    pub(super) fn bind_window_call(
        &mut self,
        f: &ast::Function,
        args: &[&ast::Expr],
        distinct: bool,
        star: bool,
        scope: &Scope,
        agg: &mut Option<&mut AggCtx>,
    ) -> Result<(Expr, DataType)> {
        if self.windows.is_none() {
            return Err(self.window_ban.error());
        }
        let Some(over) = &f.over else {
            return Err(EngineError::Internal {
                reason: "window call without OVER",
            });
        };
        let name = object_name(&f.name);
        if f.null_treatment.is_some() {
            return Err(EngineError::Syntax {
                message: "syntax error at or near \"NULLS\"".into(),
                position: None,
            });
        }
        if !f.within_group.is_empty() {
            return Err(unsupported("WITHIN GROUP with OVER"));
        }
        let mut bound = Vec::with_capacity(args.len());
        for a in args {
            bound.push(self.bind_banned(a, scope, agg, WindowBan::Nested)?);
        }
        let arg_types: Vec<DataType> = bound.iter().map(|(_, t)| t.clone()).collect();
        let has_order = matches!(&f.args, ast::FunctionArguments::List(l)
            if l.clauses.iter().any(|c| matches!(c, ast::FunctionArgumentClause::OrderBy(_))));
        let (func, cast_to, result) = match AggFunc::by_name(&name) {
            Some(a) => {
                if distinct {
                    return Err(EngineError::Function {
                        code: "0A000",
                        message: "DISTINCT is not implemented for window functions".into(),
                    });
                }
                if has_order {
                    return Err(EngineError::Function {
                        code: "0A000",
                        message: "aggregate ORDER BY is not implemented for window functions"
                            .into(),
                    });
                }
                let (a, (cast_to, result)) = match (a, star, bound.is_empty()) {
                    (AggFunc::Count, true, true) => {
                        (AggFunc::CountStar, (Vec::new(), DataType::Int8))
                    }
                    (a, false, false) => (a, a.types(&name, &arg_types)?),
                    _ => {
                        return Err(EngineError::UndefinedFunction {
                            signature: format!("{name} with {} arguments", args.len()),
                        })
                    }
                };
                let filter = match &f.filter {
                    Some(w) => {
                        let (x, t) = self.bind_banned(w, scope, agg, WindowBan::Nested)?;
                        Some(coerce(x, &t, &DataType::Bool)?)
                    }
                    None => None,
                };
                let call = AggCall {
                    func: a,
                    args: Vec::new(),
                    distinct: false,
                    filter,
                    order_by: Vec::new(),
                    result: result.clone(),
                };
                (WindowFunc::Agg(call), cast_to, result)
            }
            None => {
                let Some(w) = WindowFunc::by_name(&name) else {
                    // A scalar function: PostgreSQL names it if it exists.
                    self.bind_call(&name, bound)?;
                    return Err(EngineError::Function {
                        code: "42809",
                        message: format!(
                            "OVER specified, but {name} is not a window function nor an aggregate function"
                        ),
                    });
                };
                if distinct || star {
                    return Err(EngineError::Function {
                        code: "0A000",
                        message: "DISTINCT is not implemented for window functions".into(),
                    });
                }
                if f.filter.is_some() {
                    return Err(EngineError::Function {
                        code: "0A000",
                        message: "FILTER is not implemented for non-aggregate window functions"
                            .into(),
                    });
                }
                let (cast_to, result) = w.types(&name, &arg_types)?;
                (w, cast_to, result)
            }
        };
        let mut call_args = Vec::with_capacity(bound.len());
        for ((x, t), to) in bound.into_iter().zip(&cast_to) {
            self.infer_param(&x, &t, to);
            call_args.push(coerce(x, &t, to)?);
        }
        let spec = match over {
            ast::WindowType::NamedWindow(n) => self.named_window(&ident_name(n))?.clone(),
            ast::WindowType::WindowSpec(s) => self.resolve_spec(s)?,
        };
        let mut partition = Vec::with_capacity(spec.partition.len());
        for e in &spec.partition {
            let (x, _) = self.bind_banned(e, scope, agg, WindowBan::Definition)?;
            partition.push(SortKey {
                expr: x,
                desc: false,
                nulls_first: false,
            });
        }
        let mut order = Vec::with_capacity(spec.order.len());
        let mut order_types = Vec::with_capacity(spec.order.len());
        for ob in &spec.order {
            let (x, t) = self.bind_banned(&ob.expr, scope, agg, WindowBan::Definition)?;
            order.push(sort_key(x, &ob.options));
            order_types.push(t);
        }
        let frame = match &spec.frame {
            None => Frame::default_frame(),
            Some((f, exclusion)) => self.bind_frame(f, *exclusion, &order_types, scope)?,
        };
        let sink = self.windows.as_mut().ok_or(EngineError::Internal {
            reason: "window calls collected outside a select list",
        })?;
        sink.push(PendingWindow {
            partition,
            order,
            call: WindowCall {
                func,
                args: call_args,
                frame,
                result: result.clone(),
            },
        });
        Ok((
            Expr::Column {
                up: 0,
                index: WIN_SLOT + sink.len() - 1,
            },
            result,
        ))
    }

    fn bind_frame(
        &mut self,
        f: &ast::WindowFrame,
        exclusion: Exclusion,
        order_types: &[DataType],
        scope: &Scope,
    ) -> Result<Frame> {
        check_frame_syntax(f)?;
        let (units, word) = match f.units {
            ast::WindowFrameUnits::Rows => (FrameUnits::Rows, "ROWS"),
            ast::WindowFrameUnits::Range => (FrameUnits::Range, "RANGE"),
            ast::WindowFrameUnits::Groups => (FrameUnits::Groups, "GROUPS"),
        };
        let end_bound = f
            .end_bound
            .clone()
            .unwrap_or(ast::WindowFrameBound::CurrentRow);
        let has_offset = offset_of(&f.start_bound).is_some() || offset_of(&end_bound).is_some();
        if units == FrameUnits::Range && has_offset && order_types.len() != 1 {
            return Err(windowing(
                "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column".into(),
            ));
        }
        if units == FrameUnits::Groups && order_types.is_empty() {
            return Err(windowing("GROUPS mode requires an ORDER BY clause".into()));
        }
        let mut bound = |b: &ast::WindowFrameBound| -> Result<FrameBound> {
            use ast::WindowFrameBound as B;
            let (e, preceding) = match b {
                B::CurrentRow => return Ok(FrameBound::CurrentRow),
                B::Preceding(None) => return Ok(FrameBound::UnboundedPreceding),
                B::Following(None) => return Ok(FrameBound::UnboundedFollowing),
                B::Preceding(Some(e)) => (e, true),
                B::Following(Some(e)) => (e, false),
            };
            let (x, t) =
                self.bind_banned(e, scope, &mut None, WindowBan::Clause("window frame"))?;
            let mut used = Vec::new();
            columns_used(&x, &mut used);
            if !used.is_empty() {
                return Err(EngineError::InvalidColumnReference {
                    message: format!("argument of {word} must not contain variables"),
                });
            }
            let to = match units {
                FrameUnits::Range => range_offset_type(&order_types[0], &t)?,
                _ => DataType::Int8,
            };
            self.infer_param(&x, &t, &to);
            let t = match &x {
                Expr::Param(i) => self.param_types.get(*i).cloned().unwrap_or(t),
                _ => t,
            };
            let x = coerce(x, &t, &to).map_err(|e| match e.sqlstate() {
                "42804" => EngineError::DatatypeMismatch {
                    message: format!(
                        "argument of {word} must be type {}, not type {}",
                        to.display_name(),
                        t.display_name()
                    ),
                },
                _ => e,
            })?;
            Ok(if preceding {
                FrameBound::Preceding(x)
            } else {
                FrameBound::Following(x)
            })
        };
        let start = bound(&f.start_bound)?;
        let end = bound(&end_bound)?;
        Ok(Frame {
            units,
            start,
            end,
            exclusion,
        })
    }

    /// Stacks the select list's window calls over `plan` (rows of `base_width` columns): one
    /// `Plan::Window` per distinct window, each sorted first unless the sort below already
    /// orders its rows. Returns the plan and each call's column.
    pub(super) fn plan_windows(
        &self,
        mut plan: Plan,
        pending: Vec<PendingWindow>,
        base_width: usize,
    ) -> (Plan, Vec<usize>) {
        // Windows with equal keys share a node; a window whose sort keys are a prefix of
        // another's runs above it without a sort of its own.
        // (identity, partition keys, ORDER BY keys, the calls' indexes in `pending`)
        type Group = (String, Vec<SortKey>, Vec<SortKey>, Vec<usize>);
        let mut groups: Vec<Group> = Vec::new();
        for (n, p) in pending.iter().enumerate() {
            let key = format!("{:?}|{:?}", p.partition, p.order);
            match groups.iter_mut().find(|g| g.0 == key) {
                Some(g) => g.3.push(n),
                None => groups.push((key, p.partition.clone(), p.order.clone(), vec![n])),
            }
        }
        groups.sort_by_key(|g| std::cmp::Reverse(g.1.len() + g.2.len()));
        let mut positions = vec![0; pending.len()];
        let mut width = base_width;
        let mut sorted: Vec<String> = Vec::new();
        for (_, partition, order, members) in groups {
            let keys: Vec<SortKey> = partition.iter().chain(&order).cloned().collect();
            let wanted: Vec<String> = keys
                .iter()
                .map(|k| format!("{:?}{}{}", k.expr, k.desc, k.nulls_first))
                .collect();
            if !keys.is_empty() && !sorted.starts_with(&wanted) {
                plan = Plan::Sort {
                    input: Box::new(plan),
                    keys,
                };
                sorted = wanted;
            }
            let mut calls = Vec::with_capacity(members.len());
            for n in members {
                positions[n] = width;
                width += 1;
                calls.push(pending[n].call.clone());
            }
            plan = Plan::Window {
                input: Box::new(plan),
                window: WindowSpec {
                    partition,
                    order,
                    calls,
                },
            };
        }
        (plan, positions)
    }
}

/// Points the placeholder references to window calls (`WIN_SLOT + n`) at their columns.
pub(super) fn renumber_window_slots(e: &mut Expr, positions: &[usize]) {
    if let Expr::Column { up: 0, index } = e {
        if (WIN_SLOT..super::SRF_SLOT).contains(index) {
            if let Some(&p) = positions.get(*index - WIN_SLOT) {
                *index = p;
            }
        }
        return;
    }
    for c in children_mut(e) {
        renumber_window_slots(c, positions);
    }
}
