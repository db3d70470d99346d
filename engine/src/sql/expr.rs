//! Bound expressions (names resolved, operand types settled, casts explicit) and their
//! evaluation over a row.
//!
//! A row is a `Vec<Value>`; `Column { up, index }` reads column `index` of the current row
//! (`up == 0`) or of an enclosing query's row (`up > 0`, for correlated subqueries).

use super::exec::{run, ExecCx};
use super::functions::ScalarFunc;
use super::plan::Plan;
use crate::error::{EngineError, Result};
use crate::types::ops::{eval_binary, eval_negate, BinaryOp};
use crate::types::{CastKind, DataType, Value};
use std::cmp::Ordering;

pub type Row = Vec<Value>;

#[derive(Clone, Debug)]
pub enum Expr {
    Const(Value),
    Column {
        up: usize,
        index: usize,
    },
    Param(usize),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Cast(Box<Expr>, DataType),
    IsNull(Box<Expr>, bool),
    /// `IS [NOT] DISTINCT FROM` (the bool is true for NOT DISTINCT).
    IsDistinct(Box<Expr>, Box<Expr>, bool),
    /// `IS [NOT] TRUE/FALSE`: (expr, value tested, negated).
    IsBool(Box<Expr>, bool, bool),
    Case {
        operand: Option<Box<Expr>>,
        branches: Vec<(Expr, Expr)>,
        otherwise: Option<Box<Expr>>,
    },
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    /// `expr op ANY/ALL (ARRAY[list])`.
    AnyList {
        expr: Box<Expr>,
        op: BinaryOp,
        all: bool,
        list: Vec<Expr>,
    },
    /// `ARRAY[items]`: items of the element type (or, for a multi-dimensional array, arrays
    /// of it, which must have equal shapes).
    Array {
        elem: DataType,
        items: Vec<Expr>,
    },
    /// `expr op ANY/ALL (array)` over an array value.
    AnyArray {
        expr: Box<Expr>,
        op: BinaryOp,
        all: bool,
        array: Box<Expr>,
    },
    /// A comparison of two row constructors of equal length, operands pairwise of one type:
    /// `=` and `<>` combine the pairs; `<` `<=` `>` `>=` decide at the first unequal pair.
    RowCompare {
        op: BinaryOp,
        left: Vec<Expr>,
        right: Vec<Expr>,
    },
    Func(ScalarFunc, Vec<Expr>),
    /// A catalog function (with the catalog snapshot it reads).
    Sys(Box<super::syscat::SysCall>),
    /// `nextval` / `currval` / `setval`: volatile, evaluated through the sequences.
    Sequence(crate::sequence::SeqOp, Vec<Expr>),
    /// `pg_sleep(seconds)`: volatile; waits, stopping early with 57014 when the statement is
    /// cancelled or times out. Its value is `void` (NULL for a NULL argument).
    Sleep(Box<Expr>),
    Subquery(Box<Subquery>),
    /// A value cast to a domain, checked against the domain's constraints.
    DomainCheck(Box<super::ddl_domains::DomainCheckExpr>),
}

#[derive(Clone, Debug)]
pub struct Subquery {
    pub plan: Plan,
    pub kind: SubqueryKind,
}

#[derive(Clone, Debug)]
pub enum SubqueryKind {
    /// The single value of the single row (NULL if no row; 21000 if several).
    Scalar,
    Exists {
        negated: bool,
    },
    /// `expr [NOT] IN (subquery)`, `expr op ANY/ALL (subquery)`: compares with each row
    /// (one expression per subquery column; several for a row constructor).
    Quantified {
        exprs: Vec<Expr>,
        op: BinaryOp,
        all: bool,
        negated: bool,
    },
    /// `ARRAY(subquery)`: the single column's values as an array of `elem`.
    Array {
        elem: DataType,
    },
}

/// Everything evaluation needs besides the row.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub cx: &'a ExecCx<'a>,
    /// Rows of the enclosing queries, innermost first.
    pub outer: &'a [&'a [Value]],
}

fn truth(v: &Value) -> Result<Option<bool>> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        other => Err(EngineError::DatatypeMismatch {
            message: format!(
                "argument of boolean context must be type boolean, not type {}",
                other.data_type().display_name()
            ),
        }),
    }
}

fn from_truth(t: Option<bool>) -> Value {
    t.map_or(Value::Null, Value::Bool)
}

impl Expr {
    pub fn eval(&self, row: &[Value], env: &Env<'_>) -> Result<Value> {
        match self {
            Expr::Const(v) => Ok(v.clone()),
            Expr::Column { up, index } => {
                let src: &[Value] = if *up == 0 {
                    row
                } else {
                    env.outer.get(up - 1).copied().unwrap_or(&[])
                };
                src.get(*index).cloned().ok_or(EngineError::Internal {
                    reason: "column reference out of range",
                })
            }
            Expr::Param(i) => env.cx.params.get(*i).cloned().ok_or(EngineError::Internal {
                reason: "parameter out of range",
            }),
            Expr::Binary(op, l, r) => {
                let (l, r) = (l.eval(row, env)?, r.eval(row, env)?);
                Ok(eval_binary(*op, &l, &r)?)
            }
            Expr::And(l, r) => {
                let a = truth(&l.eval(row, env)?)?;
                if a == Some(false) {
                    return Ok(Value::Bool(false));
                }
                let b = truth(&r.eval(row, env)?)?;
                Ok(from_truth(match (a, b) {
                    (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                }))
            }
            Expr::Or(l, r) => {
                let a = truth(&l.eval(row, env)?)?;
                if a == Some(true) {
                    return Ok(Value::Bool(true));
                }
                let b = truth(&r.eval(row, env)?)?;
                Ok(from_truth(match (a, b) {
                    (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                }))
            }
            Expr::Not(e) => Ok(from_truth(truth(&e.eval(row, env)?)?.map(|b| !b))),
            Expr::Neg(e) => Ok(eval_negate(&e.eval(row, env)?)?),
            Expr::Cast(e, ty) => Ok(e.eval(row, env)?.cast(ty, CastKind::Explicit)?),
            Expr::IsNull(e, negated) => Ok(Value::Bool(e.eval(row, env)?.is_null() != *negated)),
            Expr::IsDistinct(l, r, not) => {
                let (a, b) = (l.eval(row, env)?, r.eval(row, env)?);
                let same = match (a.is_null(), b.is_null()) {
                    (true, true) => true,
                    (true, false) | (false, true) => false,
                    _ => a.sql_cmp(&b)? == Some(Ordering::Equal),
                };
                Ok(Value::Bool(same == *not))
            }
            Expr::IsBool(e, want, negated) => {
                let t = truth(&e.eval(row, env)?)?;
                Ok(Value::Bool((t == Some(*want)) != *negated))
            }
            Expr::Case {
                operand,
                branches,
                otherwise,
            } => {
                let subject = match operand {
                    Some(o) => Some(o.eval(row, env)?),
                    None => None,
                };
                for (when, then) in branches {
                    let w = when.eval(row, env)?;
                    let hit = match &subject {
                        Some(s) => {
                            !s.is_null() && !w.is_null() && s.sql_cmp(&w)? == Some(Ordering::Equal)
                        }
                        None => truth(&w)? == Some(true),
                    };
                    if hit {
                        return then.eval(row, env);
                    }
                }
                match otherwise {
                    Some(e) => e.eval(row, env),
                    None => Ok(Value::Null),
                }
            }
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let v = expr.eval(row, env)?;
                let mut items = Vec::with_capacity(list.len());
                for e in list {
                    items.push(e.eval(row, env)?);
                }
                Ok(from_truth(in_values(&v, items.iter(), *negated)?))
            }
            Expr::AnyList {
                expr,
                op,
                all,
                list,
            } => {
                let v = expr.eval(row, env)?;
                let mut unknown = false;
                for e in list {
                    match truth(&eval_binary(*op, &v, &e.eval(row, env)?)?)? {
                        Some(true) if !*all => return Ok(Value::Bool(true)),
                        Some(false) if *all => return Ok(Value::Bool(false)),
                        None => unknown = true,
                        _ => {}
                    }
                }
                Ok(if unknown {
                    Value::Null
                } else {
                    Value::Bool(*all)
                })
            }
            Expr::Array { elem, items } => {
                let mut vals = Vec::with_capacity(items.len());
                for e in items {
                    vals.push(e.eval(row, env)?);
                }
                Ok(crate::types::array::construct(elem, vals)?)
            }
            Expr::AnyArray {
                expr,
                op,
                all,
                array,
            } => {
                let v = expr.eval(row, env)?;
                let arr = match array.eval(row, env)? {
                    Value::Array(a) => a,
                    _ => return Ok(Value::Null),
                };
                let mut unknown = false;
                for item in &arr.items {
                    match truth(&eval_binary(*op, &v, item)?)? {
                        Some(true) if !*all => return Ok(Value::Bool(true)),
                        Some(false) if *all => return Ok(Value::Bool(false)),
                        None => unknown = true,
                        _ => {}
                    }
                }
                Ok(if unknown {
                    Value::Null
                } else {
                    Value::Bool(*all)
                })
            }
            Expr::RowCompare { op, left, right } => {
                let l = left
                    .iter()
                    .map(|e| e.eval(row, env))
                    .collect::<Result<Vec<_>>>()?;
                let r = right
                    .iter()
                    .map(|e| e.eval(row, env))
                    .collect::<Result<Vec<_>>>()?;
                Ok(from_truth(row_compare(*op, &l, &r)?))
            }
            Expr::Func(f, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(a.eval(row, env)?);
                }
                f.call(&vals)
            }
            Expr::Sys(c) => {
                let mut vals = Vec::with_capacity(c.args.len());
                for a in &c.args {
                    vals.push(a.eval(row, env)?);
                }
                c.eval(&vals, env.cx)
            }
            Expr::Sequence(op, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(a.eval(row, env)?);
                }
                let seq = env.cx.seq.ok_or(EngineError::FeatureNotSupported {
                    feature: "a sequence function here".into(),
                })?;
                seq.call(env.cx.storage, *op, &vals)
            }
            Expr::DomainCheck(c) => {
                let v = c.arg.eval(row, env)?;
                c.check(&v, env)?;
                Ok(v)
            }
            Expr::Sleep(secs) => match secs.eval(row, env)? {
                Value::Null => Ok(Value::Null),
                v => {
                    let secs = v.as_f64_lossy().unwrap_or(0.0);
                    // Beyond what a Duration holds: as good as forever, until cancelled.
                    let d = std::time::Duration::try_from_secs_f64(secs.max(0.0))
                        .unwrap_or(std::time::Duration::MAX);
                    crate::interrupt::sleep(d)?;
                    Ok(Value::Text(String::new()))
                }
            },
            Expr::Subquery(sq) => sq.eval(row, env),
        }
    }

    /// Evaluates a predicate: true only for TRUE (NULL and FALSE reject the row).
    pub fn test(&self, row: &[Value], env: &Env<'_>) -> Result<bool> {
        Ok(truth(&self.eval(row, env)?)? == Some(true))
    }
}

/// `v IN items` with SQL's NULL rules (None = unknown).
fn in_values<'a>(
    v: &Value,
    items: impl Iterator<Item = &'a Value>,
    negated: bool,
) -> Result<Option<bool>> {
    let mut items = items.peekable();
    // Nothing is IN an empty set, not even NULL.
    if items.peek().is_none() {
        return Ok(Some(negated));
    }
    if v.is_null() {
        return Ok(None);
    }
    let mut saw_null = false;
    for item in items {
        if item.is_null() {
            saw_null = true;
        } else if v.sql_cmp(item)? == Some(Ordering::Equal) {
            return Ok(Some(!negated));
        }
    }
    Ok(if saw_null { None } else { Some(negated) })
}

/// Compares two rows of equal length with SQL's NULL rules (None = unknown).
pub fn row_compare(op: BinaryOp, l: &[Value], r: &[Value]) -> Result<Option<bool>> {
    let pairs = l.iter().zip(r);
    match op {
        BinaryOp::Eq | BinaryOp::NotEq => {
            // `=`: false if a pair differs; `<>`: true if a pair differs.
            let mut unknown = false;
            for (a, b) in pairs {
                match truth(&eval_binary(BinaryOp::Eq, a, b)?)? {
                    Some(false) => return Ok(Some(op == BinaryOp::NotEq)),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            Ok(if unknown {
                None
            } else {
                Some(op == BinaryOp::Eq)
            })
        }
        _ => {
            for (a, b) in pairs {
                match truth(&eval_binary(BinaryOp::Eq, a, b)?)? {
                    None => return Ok(None),
                    Some(false) => return truth(&eval_binary(op, a, b)?),
                    Some(true) => {}
                }
            }
            Ok(Some(matches!(op, BinaryOp::LtEq | BinaryOp::GtEq)))
        }
    }
}

impl Subquery {
    fn eval(&self, row: &[Value], env: &Env<'_>) -> Result<Value> {
        let mut outer: Vec<&[Value]> = Vec::with_capacity(env.outer.len() + 1);
        outer.push(row);
        outer.extend_from_slice(env.outer);
        let rows = run(&self.plan, env.cx, &outer)?;
        match &self.kind {
            SubqueryKind::Scalar => match rows.len() {
                0 => Ok(Value::Null),
                1 => Ok(rows[0].first().cloned().unwrap_or(Value::Null)),
                _ => Err(EngineError::CardinalityViolation),
            },
            SubqueryKind::Exists { negated } => Ok(Value::Bool(rows.is_empty() == *negated)),
            SubqueryKind::Array { elem } => {
                let items = rows
                    .into_iter()
                    .map(|r| r.into_iter().next().unwrap_or(Value::Null))
                    .collect();
                Ok(crate::types::array::construct(elem, items)?)
            }
            SubqueryKind::Quantified {
                exprs,
                op,
                all,
                negated,
            } => {
                let vals = exprs
                    .iter()
                    .map(|e| e.eval(row, env))
                    .collect::<Result<Vec<_>>>()?;
                if let ([v], BinaryOp::Eq, false) = (vals.as_slice(), op, all) {
                    let items = rows.iter().map(|r| r.first().unwrap_or(&Value::Null));
                    return Ok(from_truth(in_values(v, items, *negated)?));
                }
                // ANY: true if some comparison is true; ALL: false if some is false.
                let mut unknown = false;
                for item in &rows {
                    let t = match vals.as_slice() {
                        [v] => truth(&eval_binary(*op, v, item.first().unwrap_or(&Value::Null))?)?,
                        vs => row_compare(*op, vs, item)?,
                    };
                    match t {
                        Some(true) if !*all => return Ok(Value::Bool(!*negated)),
                        Some(false) if *all => return Ok(Value::Bool(*negated)),
                        None => unknown = true,
                        _ => {}
                    }
                }
                let t = if unknown { None } else { Some(*all) };
                Ok(from_truth(t.map(|b| b != *negated)))
            }
        }
    }
}

/// Rewrites every current-row column reference with `f` (e.g. to move an expression onto
/// a differently laid-out row). References to enclosing rows are left alone.
pub fn map_columns(e: &mut Expr, f: &dyn Fn(usize) -> usize) {
    map_up(e, 0, f);
}

/// Inside a subquery plan, references `depth` levels up point at the row being remapped.
fn map_outer_columns(plan: &mut Plan, depth: usize, f: &dyn Fn(usize) -> usize) {
    plan.for_each_expr_mut(&mut |e, extra| map_up(e, depth + extra, f));
}

/// Rewrites references `depth` levels up (0: the current row) with `f`.
fn map_up(e: &mut Expr, depth: usize, f: &dyn Fn(usize) -> usize) {
    match e {
        Expr::Column { up, index } if *up == depth => *index = f(*index),
        Expr::Const(_) | Expr::Column { .. } | Expr::Param(_) => {}
        Expr::Binary(_, l, r) | Expr::And(l, r) | Expr::Or(l, r) | Expr::IsDistinct(l, r, _) => {
            map_up(l, depth, f);
            map_up(r, depth, f);
        }
        Expr::Not(x)
        | Expr::Neg(x)
        | Expr::Cast(x, _)
        | Expr::IsNull(x, _)
        | Expr::IsBool(x, _, _) => map_up(x, depth, f),
        Expr::Case {
            operand,
            branches,
            otherwise,
        } => {
            if let Some(o) = operand {
                map_up(o, depth, f);
            }
            for (w, t) in branches {
                map_up(w, depth, f);
                map_up(t, depth, f);
            }
            if let Some(o) = otherwise {
                map_up(o, depth, f);
            }
        }
        Expr::InList { expr, list, .. } => {
            map_up(expr, depth, f);
            for x in list {
                map_up(x, depth, f);
            }
        }
        Expr::AnyList { expr, list, .. } => {
            map_up(expr, depth, f);
            for x in list {
                map_up(x, depth, f);
            }
        }
        Expr::RowCompare { left, right, .. } => {
            for x in left.iter_mut().chain(right.iter_mut()) {
                map_up(x, depth, f);
            }
        }
        Expr::Array { items, .. } => items.iter_mut().for_each(|a| map_up(a, depth, f)),
        Expr::AnyArray { expr, array, .. } => {
            map_up(expr, depth, f);
            map_up(array, depth, f);
        }
        Expr::Func(_, args) | Expr::Sequence(_, args) => {
            args.iter_mut().for_each(|a| map_up(a, depth, f))
        }
        Expr::Sleep(x) => map_up(x, depth, f),
        Expr::DomainCheck(c) => map_up(&mut c.arg, depth, f),
        Expr::Sys(c) => c.args.iter_mut().for_each(|a| map_up(a, depth, f)),
        Expr::Subquery(sq) => {
            map_outer_columns(&mut sq.plan, depth + 1, f);
            if let SubqueryKind::Quantified { exprs, .. } = &mut sq.kind {
                exprs.iter_mut().for_each(|x| map_up(x, depth, f));
            }
        }
    }
}

/// The current-row columns an expression reads (None if it reads enclosing rows' columns
/// through a subquery in a way that is not tracked: callers then keep it where it is).
pub fn columns_used(e: &Expr, out: &mut Vec<usize>) -> bool {
    match e {
        Expr::Column { up: 0, index } => {
            out.push(*index);
            true
        }
        Expr::Const(_) | Expr::Column { .. } | Expr::Param(_) => true,
        Expr::Binary(_, l, r) | Expr::And(l, r) | Expr::Or(l, r) | Expr::IsDistinct(l, r, _) => {
            columns_used(l, out) && columns_used(r, out)
        }
        Expr::Not(x)
        | Expr::Neg(x)
        | Expr::Cast(x, _)
        | Expr::IsNull(x, _)
        | Expr::IsBool(x, _, _) => columns_used(x, out),
        Expr::Case {
            operand,
            branches,
            otherwise,
        } => {
            operand.as_ref().is_none_or(|o| columns_used(o, out))
                && branches
                    .iter()
                    .all(|(w, t)| columns_used(w, out) && columns_used(t, out))
                && otherwise.as_ref().is_none_or(|o| columns_used(o, out))
        }
        Expr::InList { expr, list, .. } | Expr::AnyList { expr, list, .. } => {
            columns_used(expr, out) && list.iter().all(|x| columns_used(x, out))
        }
        Expr::RowCompare { left, right, .. } => {
            left.iter().chain(right).all(|x| columns_used(x, out))
        }
        Expr::Array { items, .. } => items.iter().all(|x| columns_used(x, out)),
        Expr::AnyArray { expr, array, .. } => columns_used(expr, out) && columns_used(array, out),
        Expr::Func(_, args) => args.iter().all(|a| columns_used(a, out)),
        Expr::Sys(c) => c.args.iter().all(|a| columns_used(a, out)),
        Expr::DomainCheck(c) => columns_used(&c.arg, out),
        // Volatile: evaluated where it was written.
        Expr::Subquery(_) | Expr::Sequence(..) | Expr::Sleep(_) => false,
    }
}

/// The direct sub-expressions of `e` (not those inside subquery plans).
pub fn children_mut(e: &mut Expr) -> Vec<&mut Expr> {
    match e {
        Expr::Const(_) | Expr::Column { .. } | Expr::Param(_) => Vec::new(),
        Expr::Binary(_, l, r) | Expr::And(l, r) | Expr::Or(l, r) | Expr::IsDistinct(l, r, _) => {
            vec![&mut **l, &mut **r]
        }
        Expr::Not(x)
        | Expr::Neg(x)
        | Expr::Cast(x, _)
        | Expr::IsNull(x, _)
        | Expr::IsBool(x, _, _) => vec![&mut **x],
        Expr::Case {
            operand,
            branches,
            otherwise,
        } => {
            let mut out: Vec<&mut Expr> = Vec::new();
            if let Some(o) = operand {
                out.push(&mut **o);
            }
            for (w, t) in branches {
                out.push(w);
                out.push(t);
            }
            if let Some(o) = otherwise {
                out.push(&mut **o);
            }
            out
        }
        Expr::InList { expr, list, .. } | Expr::AnyList { expr, list, .. } => {
            let mut out: Vec<&mut Expr> = vec![&mut **expr];
            out.extend(list.iter_mut());
            out
        }
        Expr::RowCompare { left, right, .. } => left.iter_mut().chain(right.iter_mut()).collect(),
        Expr::Array { items, .. } => items.iter_mut().collect(),
        Expr::AnyArray { expr, array, .. } => vec![&mut **expr, &mut **array],
        Expr::Func(_, args) | Expr::Sequence(_, args) => args.iter_mut().collect(),
        Expr::Sleep(x) => vec![&mut **x],
        Expr::DomainCheck(c) => vec![&mut c.arg],
        Expr::Sys(c) => c.args.iter_mut().collect(),
        Expr::Subquery(sq) => match &mut sq.kind {
            SubqueryKind::Quantified { exprs, .. } => exprs.iter_mut().collect(),
            _ => Vec::new(),
        },
    }
}

/// Rewrites with `f`, inside the subqueries of `e` only, their references to the row `e`
/// is evaluated over (e.g. when that row becomes a grouped row).
pub fn map_subquery_refs(e: &mut Expr, f: &dyn Fn(usize) -> usize) {
    if let Expr::Subquery(sq) = e {
        map_outer_columns(&mut sq.plan, 1, f);
    }
    for c in children_mut(e) {
        map_subquery_refs(c, f);
    }
}
