//! Sequence values: `nextval`, `currval`, `setval`.
//!
//! A sequence's definition is a catalog row (transactional, like a table's); its current
//! value is not. As in PostgreSQL, values handed out stay used when the transaction that
//! drew them aborts, and they must never be handed out twice, crash or not.
//!
//! Durability works as PostgreSQL's WAL-logged sequences do: before a value is handed out,
//! a state row saying "values up to R may have been used" (R = that value plus
//! [`LOG_AHEAD`] − 1 increments) is written and committed in a transaction of its own
//! (independent of the caller's). Until R is reached, values come from memory. After a
//! crash, a sequence restarts after R: up to `LOG_AHEAD` values are skipped, none repeats.
//!
//! State rows live in the heap [`SEQUENCE_FILE`], one per sequence that ever drew a value:
//! `oid u32 | last i64 | is_called u8` (little endian). A row whose OID names no sequence
//! (a sequence dropped, or created by a transaction that rolled back) is ignored; OIDs are
//! never handed out again after being seen there (see `Catalog::load`).
//!
//! Invariant: for every sequence with a state in memory, `logged` is at or beyond `last`
//! in the direction of the increment whenever `is_called` holds, and the state row on disk
//! says at least `logged`.

use crate::catalog::{Catalog, SequenceDef, TableDef};
use crate::error::{EngineError, Result};
use crate::types::Value;
use parking_lot::Mutex;
use std::cell::RefCell;
use std::collections::HashMap;
use storage::{Storage, Tid};

/// Data file of the sequence state heap.
pub const SEQUENCE_FILE: u32 = 3;
/// Values reserved by one state write.
pub const LOG_AHEAD: i64 = 32;

#[derive(Clone, Debug)]
struct State {
    /// The last value handed out (or, when `!is_called`, the next one to hand out).
    last: i64,
    is_called: bool,
    /// Durable reservation: values up to here may have been handed out (None: nothing
    /// reserved beyond what `last` / `is_called` say).
    logged: Option<i64>,
    /// The state row, once written.
    tid: Option<Tid>,
}

/// The database's sequence states (shared by sessions).
#[derive(Default)]
pub struct Sequences {
    states: Mutex<HashMap<u32, State>>,
}

fn encode(oid: u32, last: i64, is_called: bool) -> Vec<u8> {
    let mut b = Vec::with_capacity(13);
    b.extend_from_slice(&oid.to_le_bytes());
    b.extend_from_slice(&last.to_le_bytes());
    b.push(is_called as u8);
    b
}

fn decode(b: &[u8]) -> Result<(u32, i64, bool)> {
    if b.len() != 13 {
        return Err(EngineError::CatalogCorrupt {
            reason: format!("sequence state row of {} bytes", b.len()),
        });
    }
    let mut oid = [0u8; 4];
    oid.copy_from_slice(&b[0..4]);
    let mut last = [0u8; 8];
    last.copy_from_slice(&b[4..12]);
    Ok((
        u32::from_le_bytes(oid),
        i64::from_le_bytes(last),
        b[12] != 0,
    ))
}

/// The value after `v`, or None past the bound.
fn step(v: i64, sq: &SequenceDef) -> Option<i64> {
    v.checked_add(sq.increment)
        .filter(|n| *n >= sq.min && *n <= sq.max)
}

impl Sequences {
    /// Reads the state rows; also returns the largest OID they name (0 if none).
    pub fn load(storage: &Storage) -> Result<(Sequences, u32)> {
        let mut states = HashMap::new();
        let mut max_oid = 0;
        for row in storage.heap(SEQUENCE_FILE).scan() {
            let (tid, bytes) = row?;
            let (oid, last, is_called) = decode(&bytes)?;
            max_oid = max_oid.max(oid);
            states.insert(
                oid,
                State {
                    last,
                    is_called,
                    logged: is_called.then_some(last),
                    tid: Some(tid),
                },
            );
        }
        Ok((
            Sequences {
                states: Mutex::new(states),
            },
            max_oid,
        ))
    }

    /// Writes and commits a state row in a transaction of its own.
    fn persist(storage: &Storage, oid: u32, st: &mut State, last: i64, called: bool) -> Result<()> {
        let heap = storage.heap(SEQUENCE_FILE);
        let mut txn = storage.begin()?;
        let bytes = encode(oid, last, called);
        let written = match st.tid {
            Some(tid) => heap.update(&mut txn, tid, &bytes),
            None => heap.insert(&mut txn, &bytes),
        };
        match written {
            Ok(tid) => {
                txn.commit()?;
                st.tid = Some(tid);
                Ok(())
            }
            Err(e) => {
                let _ = txn.abort();
                Err(e.into())
            }
        }
    }

    /// `nextval`: the next value of sequence `seq`.
    pub fn next(&self, storage: &Storage, seq: &TableDef) -> Result<i64> {
        let sq = definition(seq)?;
        let mut states = self.states.lock();
        let st = states.entry(seq.oid).or_insert(State {
            last: sq.start,
            is_called: false,
            logged: None,
            tid: None,
        });
        let next = if !st.is_called {
            st.last
        } else {
            match step(st.last, sq) {
                Some(n) => n,
                None if sq.cycle => {
                    // A new round: whatever was reserved lies on the other side.
                    st.logged = None;
                    if sq.increment > 0 {
                        sq.min
                    } else {
                        sq.max
                    }
                }
                None => {
                    let (which, bound) = if sq.increment > 0 {
                        ("maximum", sq.max)
                    } else {
                        ("minimum", sq.min)
                    };
                    return Err(EngineError::SequenceLimit {
                        message: format!(
                            "nextval: reached {which} value of sequence \"{}\" ({bound})",
                            seq.name
                        ),
                    });
                }
            }
        };
        let covered = st.logged.is_some_and(|l| {
            if sq.increment > 0 {
                next <= l
            } else {
                next >= l
            }
        });
        if !covered {
            let mut reserve = next;
            for _ in 1..LOG_AHEAD {
                match step(reserve, sq) {
                    Some(n) => reserve = n,
                    None => break,
                }
            }
            Self::persist(storage, seq.oid, st, reserve, true)?;
            st.logged = Some(reserve);
        }
        st.last = next;
        st.is_called = true;
        Ok(next)
    }

    /// `setval`: the sequence continues after `value` (`is_called`) or at it.
    pub fn set(
        &self,
        storage: &Storage,
        seq: &TableDef,
        value: i64,
        is_called: bool,
    ) -> Result<()> {
        let sq = definition(seq)?;
        if value < sq.min || value > sq.max {
            return Err(EngineError::Function {
                code: "22003",
                message: format!(
                    "setval: value {value} is out of bounds for sequence \"{}\" ({}..{})",
                    seq.name, sq.min, sq.max
                ),
            });
        }
        let mut states = self.states.lock();
        let st = states.entry(seq.oid).or_insert(State {
            last: sq.start,
            is_called: false,
            logged: None,
            tid: None,
        });
        Self::persist(storage, seq.oid, st, value, is_called)?;
        st.last = value;
        st.is_called = is_called;
        st.logged = is_called.then_some(value);
        Ok(())
    }
}

fn definition(seq: &TableDef) -> Result<&SequenceDef> {
    seq.sequence
        .as_ref()
        .ok_or_else(|| EngineError::WrongObjectType {
            name: seq.name.clone(),
            expected: "a sequence",
        })
}

/// The sequence functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqOp {
    Nextval,
    Currval,
    Setval,
}

impl SeqOp {
    pub fn from_name(name: &str) -> Option<SeqOp> {
        Some(match name {
            "nextval" => SeqOp::Nextval,
            "currval" => SeqOp::Currval,
            "setval" => SeqOp::Setval,
            _ => return None,
        })
    }
}

/// Values each session last drew, by sequence OID (what `currval` reports).
pub type Currvals = RefCell<HashMap<u32, i64>>;

/// What evaluating a sequence function needs: the shared states, the definitions visible
/// to the statement, and the session's `currval` values.
#[derive(Clone, Copy)]
pub struct SeqEnv<'a> {
    pub sequences: &'a Sequences,
    pub catalog: &'a Catalog,
    pub currvals: &'a Currvals,
    /// The statement runs in a READ ONLY transaction: nextval and setval fail (25006).
    pub read_only: bool,
}

impl SeqEnv<'_> {
    /// Calls `op` with arguments (sequence name, then setval's value and is_called).
    pub fn call(&self, storage: &Storage, op: SeqOp, args: &[Value]) -> Result<Value> {
        let name = match args.first() {
            Some(Value::Null) | None => return Ok(Value::Null),
            Some(v) => v.to_text().unwrap_or_default(),
        };
        // A regclass-like name: unquoted parts fold to lower case.
        let name = match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
            Some(quoted) => quoted.to_string(),
            None => name.to_lowercase(),
        };
        let seq = self
            .catalog
            .get(&name)
            .ok_or_else(|| EngineError::UndefinedTable { name: name.clone() })?;
        definition(&seq)?;
        use crate::acl::{SELECT, UPDATE, USAGE};
        // An identity column draws from its sequence without the inserting role's rights
        // on it (PostgreSQL's NextValueExpr); a serial column's default is a plain nextval.
        let identity = identity_sequence(self.catalog, &seq);
        match op {
            SeqOp::Nextval if identity => {}
            SeqOp::Nextval => crate::acl::require_any(self.catalog, &seq, USAGE | UPDATE, None)?,
            SeqOp::Currval => crate::acl::require_any(self.catalog, &seq, SELECT | USAGE, None)?,
            SeqOp::Setval => crate::acl::require(self.catalog, &seq, UPDATE, None)?,
        }
        if self.read_only && op != SeqOp::Currval {
            return Err(EngineError::ReadOnlyTransaction {
                what: format!("{}()", format!("{op:?}").to_lowercase()),
            });
        }
        match op {
            SeqOp::Nextval => {
                let v = self.sequences.next(storage, &seq)?;
                self.currvals.borrow_mut().insert(seq.oid, v);
                Ok(Value::Int8(v))
            }
            SeqOp::Currval => match self.currvals.borrow().get(&seq.oid) {
                Some(v) => Ok(Value::Int8(*v)),
                None => Err(EngineError::ObjectNotInState {
                    message: format!(
                        "currval of sequence \"{name}\" is not yet defined in this session"
                    ),
                }),
            },
            SeqOp::Setval => {
                let value = match args.get(1) {
                    Some(Value::Null) | None => return Ok(Value::Null),
                    Some(v) => match v.cast(
                        &crate::types::DataType::Int8,
                        crate::types::CastKind::Implicit,
                    )? {
                        Value::Int8(n) => n,
                        _ => return Ok(Value::Null),
                    },
                };
                let is_called = match args.get(2) {
                    None => true,
                    Some(Value::Bool(b)) => *b,
                    Some(_) => return Ok(Value::Null),
                };
                self.sequences.set(storage, &seq, value, is_called)?;
                if is_called {
                    self.currvals.borrow_mut().insert(seq.oid, value);
                }
                Ok(Value::Int8(value))
            }
        }
    }
}

/// Whether `seq` is the sequence of an identity column (its table's column default draws
/// from it).
fn identity_sequence(catalog: &Catalog, seq: &TableDef) -> bool {
    let Some(table) = seq
        .sequence
        .as_ref()
        .and_then(|s| s.owned_by)
        .and_then(|t| catalog.by_oid(t))
    else {
        return false;
    };
    let quoted = format!("'{}'", seq.name);
    table
        .columns
        .iter()
        .any(|c| c.identity.is_some() && c.default.as_deref().is_some_and(|d| d.contains(&quoted)))
}

/// Default bounds and start of a sequence of type `ty` counting by `increment`, as
/// PostgreSQL chooses them when CREATE SEQUENCE leaves them out.
pub fn default_bounds(ty: &crate::types::DataType, increment: i64) -> (i64, i64) {
    use crate::types::DataType as T;
    let (lo, hi) = match ty {
        T::Int2 => (i16::MIN.into(), i16::MAX.into()),
        T::Int4 => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN, i64::MAX),
    };
    if increment > 0 {
        (1, hi)
    } else {
        (lo, -1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(increment: i64, min: i64, max: i64, cycle: bool) -> SequenceDef {
        SequenceDef {
            ty: crate::types::DataType::Int8,
            start: if increment > 0 { min } else { max },
            increment,
            min,
            max,
            cycle,
            owned_by: None,
        }
    }

    #[test]
    fn steps_stay_within_bounds() {
        let up = def(5, 1, 12, false);
        assert_eq!(step(1, &up), Some(6));
        assert_eq!(step(11, &up), None);
        let down = def(-1, -3, -1, true);
        assert_eq!(step(-2, &down), Some(-3));
        assert_eq!(step(-3, &down), None);
        assert_eq!(step(i64::MAX, &def(1, 1, i64::MAX, false)), None);
    }

    #[test]
    fn state_rows_round_trip() {
        let b = encode(16390, -42, true);
        assert_eq!(decode(&b).expect("decodes"), (16390, -42, true));
        assert!(decode(&b[..12]).is_err());
    }

    #[test]
    fn default_bounds_follow_postgres() {
        use crate::types::DataType as T;
        assert_eq!(default_bounds(&T::Int4, 1), (1, i32::MAX as i64));
        assert_eq!(default_bounds(&T::Int2, -1), (i16::MIN as i64, -1));
    }
}
