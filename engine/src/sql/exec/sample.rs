//! `TABLESAMPLE BERNOULLI (percent)` and `TABLESAMPLE SYSTEM (percent)` with an optional
//! `REPEATABLE (seed)`: a scan of the table that keeps each row (BERNOULLI) or each page
//! with all its rows (SYSTEM) with probability `percent / 100`, decided by a hash of the
//! seed and the row's or page's position, so that one seed over an unchanged table keeps
//! the same rows. Without REPEATABLE the seed is drawn at random for each scan. 0 keeps
//! nothing and 100 keeps everything, exactly. The arguments are evaluated once per scan;
//! a NULL percentage or one outside [0, 100] is 2202H, a NULL seed 2202G, as in
//! PostgreSQL.

use super::{Env, RowIter};
use crate::catalog::TableDef;
use crate::error::{EngineError, Result};
use crate::sql::expr::Expr;
use crate::types::Value;

/// The built-in sampling methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleMethod {
    /// Each row on its own.
    Bernoulli,
    /// Each page with all its rows.
    System,
}

/// A bound `TABLESAMPLE` clause: the percentage as `real`, the seed as `double precision`.
#[derive(Clone, Debug)]
pub struct TableSample {
    pub method: SampleMethod,
    pub percent: Expr,
    pub seed: Option<Expr>,
}

fn sample_error(code: &'static str, message: &str) -> EngineError {
    EngineError::Function {
        code,
        message: message.to_string(),
    }
}

/// SplitMix64's finalizer: a well-mixed 64-bit hash of `x`.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The upper bound below which a 32-bit hash keeps its row or page: `percent / 100` of
/// 2^32 (so 0 keeps nothing and 100 keeps every hash).
fn cutoff(percent: f64) -> u64 {
    ((u64::from(u32::MAX) + 1) as f64 * percent / 100.0).round() as u64
}

/// Whether the hash of `seed` and `position` falls below `cutoff`.
fn keeps(seed: u64, position: u64, cutoff: u64) -> bool {
    (mix(seed ^ mix(position)) >> 32) < cutoff
}

/// The rows of `table` that `sample` keeps.
pub(super) fn scan<'a>(
    table: &'a TableDef,
    sample: &'a TableSample,
    env: Env<'a>,
) -> Result<RowIter<'a>> {
    let percent = match sample.percent.eval(&[], &env)? {
        Value::Null => {
            return Err(sample_error(
                "2202H",
                "TABLESAMPLE parameter cannot be null",
            ))
        }
        Value::Float4(p) => f64::from(p),
        Value::Float8(p) => p,
        _ => {
            return Err(EngineError::Internal {
                reason: "TABLESAMPLE percentage of an unexpected type",
            })
        }
    };
    if !(0.0..=100.0).contains(&percent) {
        return Err(sample_error(
            "2202H",
            "sample percentage must be between 0 and 100",
        ));
    }
    let seed = match &sample.seed {
        Some(e) => match e.eval(&[], &env)? {
            Value::Null => {
                return Err(sample_error(
                    "2202G",
                    "TABLESAMPLE REPEATABLE parameter cannot be null",
                ))
            }
            // -0 and 0 are the same seed.
            Value::Float8(s) => mix((s + 0.0).to_bits()),
            _ => {
                return Err(EngineError::Internal {
                    reason: "TABLESAMPLE seed of an unexpected type",
                })
            }
        },
        None => rand::random(),
    };
    let cutoff = cutoff(percent);
    let method = sample.method;
    Ok(Box::new(env.cx.reader().scan(table).filter_map(move |t| {
        let (tid, row) = match t {
            Ok(t) => t,
            Err(e) => return Some(Err(e)),
        };
        let page = u64::from(tid.page);
        let position = match method {
            SampleMethod::System => page,
            SampleMethod::Bernoulli => (page << 16) | u64::from(tid.slot),
        };
        keeps(seed, position, cutoff).then_some(Ok(row))
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_are_exact_at_the_ends() {
        assert_eq!(cutoff(0.0), 0);
        assert_eq!(cutoff(100.0), 1 << 32);
        assert!((0..1000).all(|i| keeps(7, i, cutoff(100.0))));
        assert!((0..1000).all(|i| !keeps(7, i, cutoff(0.0))));
        let kept = (0..10_000).filter(|i| keeps(7, *i, cutoff(25.0))).count();
        assert!((2_000..3_000).contains(&kept), "{kept}");
    }
}
