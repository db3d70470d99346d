//! SQL cursors of a session: DECLARE … CURSOR, FETCH, MOVE, CLOSE.
//!
//! A cursor's query runs to completion at DECLARE and the session keeps its rows. Quill runs
//! transactions one at a time, so rows read at DECLARE are exactly what PostgreSQL's cursor
//! would read from its snapshot, and a WITH HOLD cursor needs nothing more at commit.
//!
//! Position, as PostgreSQL counts it: 0 is before the first row, 1..=n on a row, n + 1
//! after the last. FETCH returns the rows it steps onto; MOVE steps the same way and only
//! counts them.
//!
//! Lifetime: a cursor without HOLD closes when its transaction ends; any cursor declared
//! in a transaction that rolls back (or after a savepoint rolled back to) closes too.

use crate::error::{EngineError, Result};
use crate::session::Column;
use crate::sql::ast;
use crate::types::Value;
use std::collections::BTreeMap;

/// Where a FETCH or MOVE goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The next `n` rows (`u64::MAX`: all of them).
    Forward(u64),
    /// The previous `n` rows, nearest first.
    Backward(u64),
    /// Onto row `n` (negative: from the end; 0: before the first row).
    Absolute(i64),
    /// Onto the row `n` away from the current position.
    Relative(i64),
}

impl Direction {
    /// Reads sqlparser's FETCH direction.
    pub fn from_ast(d: &ast::FetchDirection) -> Result<Direction> {
        use ast::FetchDirection as F;
        let count = |v: &ast::ValueWithSpan| -> Result<i64> {
            match &v.value {
                ast::Value::Number(n, _) => n.parse::<i64>().map_err(|_| EngineError::Syntax {
                    message: format!("invalid row count {n}"),
                    position: None,
                }),
                other => Err(EngineError::Syntax {
                    message: format!("invalid row count {other}"),
                    position: None,
                }),
            }
        };
        // A negative count turns FORWARD into BACKWARD and back, as in PostgreSQL.
        let forward = |n: i64| {
            if n >= 0 {
                Direction::Forward(n.unsigned_abs())
            } else {
                Direction::Backward(n.unsigned_abs())
            }
        };
        Ok(match d {
            F::Next => Direction::Forward(1),
            F::Prior => Direction::Backward(1),
            F::First => Direction::Absolute(1),
            F::Last => Direction::Absolute(-1),
            F::Absolute { limit } => Direction::Absolute(count(limit)?),
            F::Relative { limit } => Direction::Relative(count(limit)?),
            F::All | F::ForwardAll => Direction::Forward(u64::MAX),
            F::BackwardAll => Direction::Backward(u64::MAX),
            F::Count { limit } => forward(count(limit)?),
            F::Forward { limit } => match limit {
                Some(l) => forward(count(l)?),
                None => Direction::Forward(1),
            },
            F::Backward { limit } => match limit {
                Some(l) => forward(count(l)?.saturating_neg()),
                None => Direction::Backward(1),
            },
        })
    }
}

/// One open cursor.
#[derive(Debug)]
pub struct Cursor {
    pub columns: Vec<Column>,
    rows: Vec<Vec<Value>>,
    /// 0 ..= rows.len() + 1 (see the module documentation).
    pos: usize,
    /// WITH HOLD: survives the commit of its transaction.
    hold: bool,
    /// NO SCROLL: refuses to move backward.
    no_scroll: bool,
    /// Savepoints open when it was declared, while its transaction runs (`None` once that
    /// transaction committed).
    declared_at: Option<usize>,
}

impl Cursor {
    pub fn new(
        columns: Vec<Column>,
        rows: Vec<Vec<Value>>,
        hold: bool,
        no_scroll: bool,
        savepoints: usize,
    ) -> Cursor {
        Cursor {
            columns,
            rows,
            pos: 0,
            hold,
            no_scroll,
            declared_at: Some(savepoints),
        }
    }

    /// Steps in `dir`; returns the indexes of the rows stepped onto, in order.
    pub fn step(&mut self, dir: Direction) -> Result<Vec<usize>> {
        let n = self.rows.len();
        let target = match dir {
            Direction::Forward(_) => None,
            Direction::Backward(_) => Some(0),
            Direction::Absolute(k) if k >= 0 => Some(usize::try_from(k).unwrap_or(usize::MAX)),
            Direction::Absolute(k) => Some((n + 1).saturating_sub(k.unsigned_abs() as usize)),
            Direction::Relative(k) if k >= 0 => Some(
                self.pos
                    .saturating_add(usize::try_from(k).unwrap_or(usize::MAX)),
            ),
            Direction::Relative(k) => Some(self.pos.saturating_sub(k.unsigned_abs() as usize)),
        };
        if self.no_scroll && target.is_some_and(|t| t < self.pos) {
            return Err(EngineError::ObjectNotInState {
                message: "cursor can only scan forward".into(),
            });
        }
        let mut got = Vec::new();
        match dir {
            Direction::Forward(count) => {
                while (got.len() as u64) < count && self.pos <= n {
                    self.pos += 1;
                    if self.pos <= n {
                        got.push(self.pos - 1);
                    }
                }
            }
            Direction::Backward(count) => {
                while (got.len() as u64) < count && self.pos >= 1 {
                    self.pos -= 1;
                    if self.pos >= 1 {
                        got.push(self.pos - 1);
                    }
                }
            }
            Direction::Absolute(_) | Direction::Relative(_) => {
                self.pos = target.unwrap_or(0).min(n + 1);
                if (1..=n).contains(&self.pos) {
                    got.push(self.pos - 1);
                }
            }
        }
        Ok(got)
    }

    pub fn row(&self, i: usize) -> Option<&Vec<Value>> {
        self.rows.get(i)
    }
}

/// The cursors of one session, by name.
#[derive(Debug, Default)]
pub struct Cursors {
    open: BTreeMap<String, Cursor>,
}

impl Cursors {
    pub fn contains(&self, name: &str) -> bool {
        self.open.contains_key(name)
    }

    pub fn declare(&mut self, name: String, cursor: Cursor) -> Result<()> {
        if self.open.contains_key(&name) {
            return Err(EngineError::DuplicateCursor { name });
        }
        self.open.insert(name, cursor);
        Ok(())
    }

    pub fn get_mut(&mut self, name: &str) -> Result<&mut Cursor> {
        self.open
            .get_mut(name)
            .ok_or_else(|| EngineError::UndefinedCursor { name: name.into() })
    }

    pub fn get(&self, name: &str) -> Result<&Cursor> {
        self.open
            .get(name)
            .ok_or_else(|| EngineError::UndefinedCursor { name: name.into() })
    }

    pub fn close(&mut self, name: &str) -> Result<()> {
        self.open
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| EngineError::UndefinedCursor { name: name.into() })
    }

    pub fn close_all(&mut self) {
        self.open.clear();
    }

    /// The transaction ended: cursors without HOLD close, and so does every cursor declared
    /// in it if it rolled back; held ones it declared now outlive it.
    pub fn transaction_ended(&mut self, committed: bool) {
        self.open
            .retain(|_, c| c.hold && (committed || c.declared_at.is_none()));
        for c in self.open.values_mut() {
            c.declared_at = None;
        }
    }

    /// Savepoints released down to `open` still open: cursors declared inside them now
    /// belong to the savepoint (or transaction) that remains.
    pub fn released_to(&mut self, open: usize) {
        for c in self.open.values_mut() {
            if let Some(d) = c.declared_at.as_mut() {
                *d = (*d).min(open);
            }
        }
    }

    /// Rolled back to the savepoint that was the `depth`-th open one (0-based): cursors
    /// declared after it close.
    pub fn rolled_back_to(&mut self, depth: usize) {
        self.open
            .retain(|_, c| c.declared_at.is_none_or(|d| d <= depth));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(n: i32, no_scroll: bool) -> Cursor {
        let rows = (1..=n).map(|i| vec![Value::Int4(i)]).collect();
        Cursor::new(Vec::new(), rows, false, no_scroll, 0)
    }

    #[test]
    fn forward_and_backward_step_as_postgres() {
        let mut c = cursor(5, false);
        assert_eq!(c.step(Direction::Forward(2)).ok(), Some(vec![0, 1]));
        assert_eq!(
            c.step(Direction::Forward(u64::MAX)).ok(),
            Some(vec![2, 3, 4])
        );
        assert_eq!(c.step(Direction::Forward(1)).ok(), Some(vec![]));
        // After the end, BACKWARD 1 lands on the last row.
        assert_eq!(c.step(Direction::Backward(1)).ok(), Some(vec![4]));
        assert_eq!(c.step(Direction::Backward(10)).ok(), Some(vec![3, 2, 1, 0]));
        assert_eq!(c.step(Direction::Backward(1)).ok(), Some(vec![]));
        assert_eq!(c.step(Direction::Forward(1)).ok(), Some(vec![0]));
    }

    #[test]
    fn absolute_and_relative_land_on_one_row() {
        let mut c = cursor(3, false);
        assert_eq!(c.step(Direction::Absolute(-1)).ok(), Some(vec![2]));
        assert_eq!(c.step(Direction::Relative(-1)).ok(), Some(vec![1]));
        assert_eq!(c.step(Direction::Relative(0)).ok(), Some(vec![1]));
        assert_eq!(c.step(Direction::Absolute(7)).ok(), Some(vec![]));
        assert_eq!(c.step(Direction::Forward(1)).ok(), Some(vec![]));
        assert_eq!(c.step(Direction::Absolute(0)).ok(), Some(vec![]));
        assert_eq!(c.step(Direction::Forward(1)).ok(), Some(vec![0]));
    }

    #[test]
    fn no_scroll_refuses_to_go_back() {
        let mut c = cursor(3, true);
        assert_eq!(c.step(Direction::Forward(2)).ok(), Some(vec![0, 1]));
        let e = c.step(Direction::Backward(1)).expect_err("backward");
        assert_eq!(e.sqlstate(), "55000");
        assert!(c.step(Direction::Absolute(1)).is_err());
        assert_eq!(c.step(Direction::Absolute(3)).ok(), Some(vec![2]));
    }

    #[test]
    fn transaction_end_closes_what_it_should() {
        let mut cs = Cursors::default();
        let held = |cs: &mut Cursors, name: &str, hold: bool| {
            let mut c = cursor(1, false);
            c.hold = hold;
            cs.declare(name.into(), c).expect("declare");
        };
        held(&mut cs, "plain", false);
        held(&mut cs, "held", true);
        assert_eq!(
            cs.declare("held".into(), cursor(1, false))
                .expect_err("dup")
                .sqlstate(),
            "42P03"
        );
        cs.transaction_ended(true);
        assert!(!cs.contains("plain") && cs.contains("held"));
        held(&mut cs, "held2", true);
        cs.transaction_ended(false);
        assert!(cs.contains("held") && !cs.contains("held2"));
        assert_eq!(cs.close("nosuch").expect_err("34000").sqlstate(), "34000");
    }
}
