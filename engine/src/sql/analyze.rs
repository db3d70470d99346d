//! EXPLAIN ANALYZE's instrumentation: rows, loops and time of every plan node executed by
//! the current thread while [`collect`] runs.
//!
//! Nodes are identified by address, which is stable only while their plan lives; a
//! statement that builds and drops its own plans (INSERT … SELECT, UPDATE … FROM) renders
//! them with [`capture`] while they still exist.

use super::exec::RowIter;
use super::plan::Plan;
use std::cell::RefCell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What one plan node did: rows produced, times started, time spent (its inputs included).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NodeStats {
    pub rows: u64,
    pub loops: u64,
    pub time: Duration,
}

#[derive(Default)]
struct Collector {
    nodes: HashMap<usize, NodeStats>,
    /// Plans rendered by [`capture`], each as lines with their figures.
    captured: Vec<Vec<String>>,
}

thread_local! {
    static ACTIVE: RefCell<Option<Collector>> = const { RefCell::new(None) };
}

fn key(plan: &Plan) -> usize {
    plan as *const Plan as usize
}

fn note(key: usize, f: impl FnOnce(&mut NodeStats)) {
    ACTIVE.with(|a| {
        if let Some(c) = a.borrow_mut().as_mut() {
            f(c.nodes.entry(key).or_default());
        }
    });
}

fn active() -> bool {
    ACTIVE.with(|a| a.borrow().is_some())
}

/// Wraps the row stream of `plan` (started `setup` ago) so that it counts, when collecting.
pub fn instrument<'a>(plan: &'a Plan, rows: RowIter<'a>, setup: Instant) -> RowIter<'a> {
    if !active() {
        return rows;
    }
    let key = key(plan);
    let spent = setup.elapsed();
    note(key, |s| {
        s.loops += 1;
        s.time += spent;
    });
    Box::new(Counted { inner: rows, key })
}

struct Counted<'a> {
    inner: RowIter<'a>,
    key: usize,
}

impl Iterator for Counted<'_> {
    type Item = <RowIter<'static> as Iterator>::Item;

    fn next(&mut self) -> Option<Self::Item> {
        let start = Instant::now();
        let r = self.inner.next();
        let spent = start.elapsed();
        let produced = matches!(r, Some(Ok(_)));
        note(self.key, |s| {
            s.time += spent;
            s.rows += u64::from(produced);
        });
        r
    }
}

/// Runs `f` collecting node figures; returns its result, the figures and the captured plans.
pub fn collect<T>(f: impl FnOnce() -> T) -> (T, Stats) {
    let previous = ACTIVE.with(|a| a.borrow_mut().replace(Collector::default()));
    let out = f();
    let c = ACTIVE
        .with(|a| std::mem::replace(&mut *a.borrow_mut(), previous))
        .unwrap_or_default();
    (
        out,
        Stats {
            nodes: c.nodes,
            captured: c.captured,
        },
    )
}

/// Figures collected by [`collect`].
#[derive(Default)]
pub struct Stats {
    nodes: HashMap<usize, NodeStats>,
    pub captured: Vec<Vec<String>>,
}

impl Stats {
    /// The figures of `plan` (a node that never ran has none).
    pub fn of(&self, plan: &Plan) -> Option<NodeStats> {
        self.nodes.get(&key(plan)).copied()
    }
}

/// The text EXPLAIN ANALYZE appends to a node's label.
pub fn suffix(s: Option<NodeStats>) -> String {
    match s {
        Some(s) => format!(
            " (actual time={:.3} ms rows={} loops={})",
            s.time.as_secs_f64() * 1000.0,
            s.rows,
            s.loops
        ),
        None => " (never executed)".into(),
    }
}

/// Renders `plan` with the figures collected so far, for a statement that is about to drop it.
pub fn capture(plan: &Plan) {
    let lines = ACTIVE.with(|a| {
        a.borrow().as_ref().map(|c| {
            super::explain::explain_with(plan, &|p: &Plan| suffix(c.nodes.get(&key(p)).copied()))
        })
    });
    if let Some(lines) = lines {
        ACTIVE.with(|a| {
            if let Some(c) = a.borrow_mut().as_mut() {
                c.captured.push(lines);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::expr::Expr;
    use crate::types::Value;

    #[test]
    fn counts_rows_and_loops_only_while_collecting() {
        let plan = Plan::Values {
            rows: vec![vec![Expr::Const(Value::Int4(1))]; 3],
        };
        let rows = |p: &Plan| -> usize {
            let it: RowIter<'_> = Box::new((0..3).map(|_| Ok(Vec::new())));
            instrument(p, it, Instant::now()).count()
        };
        assert_eq!(rows(&plan), 3);
        let (n, stats) = collect(|| rows(&plan) + rows(&plan));
        assert_eq!(n, 6);
        let s = stats.of(&plan).expect("figures of a node that ran");
        assert_eq!((s.rows, s.loops), (6, 2));
        assert!(suffix(Some(s)).contains("rows=6 loops=2"));
        assert_eq!(suffix(None), " (never executed)");
        assert!(!active());
    }
}
