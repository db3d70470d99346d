//! Advisory locks: `pg_advisory_lock` and its family (`_shared`, `try_`, `_xact_`, `unlock`,
//! `unlock_all`), in both key forms (one bigint, two integers), through the lock manager's
//! [`LockTag::Advisory`] so that they wait like other locks (interruptible, `lock_timeout`,
//! visible to the session's wait probe) and take part in deadlock detection.
//!
//! Session-level locks are held by the session's owner id (see [`crate::lock`]) until unlocked
//! as many times as they were taken, or until the session ends; transaction-level ones by the
//! transaction, until it ends (they cannot be unlocked). Exclusive requests take
//! `ExclusiveLock`, shared ones `ShareLock`, as PostgreSQL.

use super::funcs::{FuncInfo, SysFunc};
use crate::error::{EngineError, Result};
use crate::lock::{LockMode, LockTag, WaitRules};
use crate::sql::exec::ExecCx;
use crate::types::{DataType as T, Value};
use storage::TxnId;

/// What an advisory lock function does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Waits for the lock.
    Lock,
    /// Takes the lock if it is free at once; returns whether it did.
    TryLock,
    /// Gives back one session-level acquisition; returns whether there was one.
    Unlock,
    /// Gives back every session-level advisory lock.
    UnlockAll,
}

/// One advisory lock function: its operation, mode and scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Advisory {
    pub op: Op,
    pub shared: bool,
    /// Held until the transaction ends (`_xact_`), else by the session.
    pub xact: bool,
}

const fn a(op: Op, shared: bool, xact: bool) -> SysFunc {
    SysFunc::Advisory(Advisory { op, shared, xact })
}

const fn f(oid: u32, name: &'static str, func: SysFunc, args: &'static [T], ret: T) -> FuncInfo {
    FuncInfo {
        oid,
        name,
        func,
        args,
        ret,
        nargs: args.len(),
    }
}

const K8: &[T] = &[T::Int8];
const K44: &[T] = &[T::Int4, T::Int4];

/// The advisory lock functions and their overloads (PostgreSQL's OIDs).
pub static ADVISORY_FUNCTIONS: &[FuncInfo] = &[
    f(
        2880,
        "pg_advisory_lock",
        a(Op::Lock, false, false),
        K8,
        T::Void,
    ),
    f(
        2881,
        "pg_advisory_lock_shared",
        a(Op::Lock, true, false),
        K8,
        T::Void,
    ),
    f(
        2882,
        "pg_try_advisory_lock",
        a(Op::TryLock, false, false),
        K8,
        T::Bool,
    ),
    f(
        2883,
        "pg_try_advisory_lock_shared",
        a(Op::TryLock, true, false),
        K8,
        T::Bool,
    ),
    f(
        2884,
        "pg_advisory_unlock",
        a(Op::Unlock, false, false),
        K8,
        T::Bool,
    ),
    f(
        2885,
        "pg_advisory_unlock_shared",
        a(Op::Unlock, true, false),
        K8,
        T::Bool,
    ),
    f(
        2886,
        "pg_advisory_lock",
        a(Op::Lock, false, false),
        K44,
        T::Void,
    ),
    f(
        2887,
        "pg_advisory_lock_shared",
        a(Op::Lock, true, false),
        K44,
        T::Void,
    ),
    f(
        2888,
        "pg_try_advisory_lock",
        a(Op::TryLock, false, false),
        K44,
        T::Bool,
    ),
    f(
        2889,
        "pg_try_advisory_lock_shared",
        a(Op::TryLock, true, false),
        K44,
        T::Bool,
    ),
    f(
        2890,
        "pg_advisory_unlock",
        a(Op::Unlock, false, false),
        K44,
        T::Bool,
    ),
    f(
        2891,
        "pg_advisory_unlock_shared",
        a(Op::Unlock, true, false),
        K44,
        T::Bool,
    ),
    f(
        2892,
        "pg_advisory_unlock_all",
        a(Op::UnlockAll, false, false),
        &[],
        T::Void,
    ),
    f(
        3089,
        "pg_advisory_xact_lock",
        a(Op::Lock, false, true),
        K8,
        T::Void,
    ),
    f(
        3090,
        "pg_advisory_xact_lock_shared",
        a(Op::Lock, true, true),
        K8,
        T::Void,
    ),
    f(
        3091,
        "pg_try_advisory_xact_lock",
        a(Op::TryLock, false, true),
        K8,
        T::Bool,
    ),
    f(
        3092,
        "pg_try_advisory_xact_lock_shared",
        a(Op::TryLock, true, true),
        K8,
        T::Bool,
    ),
    f(
        3093,
        "pg_advisory_xact_lock",
        a(Op::Lock, false, true),
        K44,
        T::Void,
    ),
    f(
        3094,
        "pg_advisory_xact_lock_shared",
        a(Op::Lock, true, true),
        K44,
        T::Void,
    ),
    f(
        3095,
        "pg_try_advisory_xact_lock",
        a(Op::TryLock, false, true),
        K44,
        T::Bool,
    ),
    f(
        3096,
        "pg_try_advisory_xact_lock_shared",
        a(Op::TryLock, true, true),
        K44,
        T::Bool,
    ),
];

/// The lock tag of a key given as one bigint or as two integers.
fn tag_of(args: &[Value]) -> Result<LockTag> {
    let int = |v: &Value| {
        v.as_i64().ok_or(EngineError::Internal {
            reason: "advisory lock key of a non-integer type",
        })
    };
    match args {
        [k] => {
            let k = int(k)? as u64;
            Ok(LockTag::Advisory((k >> 32) as u32, k as u32, 1))
        }
        [k1, k2] => Ok(LockTag::Advisory(int(k1)? as u32, int(k2)? as u32, 2)),
        _ => Err(EngineError::Internal {
            reason: "advisory lock function with a wrong argument count",
        }),
    }
}

/// Runs an advisory lock function for the statement's transaction and session.
pub fn call(func: Advisory, args: &[Value], cx: &ExecCx<'_>) -> Result<Value> {
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let (Some(waits), Some(session)) = (cx.waits, cx.session) else {
        return Err(EngineError::FeatureNotSupported {
            feature: "advisory locks here".into(),
        });
    };
    let locks = waits.locks;
    let txn = TxnId(session.txid);
    let holder = if func.xact {
        txn
    } else {
        locks
            .session_of(txn)
            .ok_or_else(|| EngineError::FeatureNotSupported {
                feature: "session-level advisory locks outside a session".into(),
            })?
    };
    let mode = if func.shared {
        LockMode::Share
    } else {
        LockMode::Exclusive
    };
    if func.op == Op::UnlockAll {
        locks.release_counted_all(holder, |t| matches!(t, LockTag::Advisory(..)));
        return Ok(Value::Text(String::new()));
    }
    let tag = tag_of(args)?;
    let take = |rules: &WaitRules| {
        if func.xact {
            locks.acquire(holder, tag, mode, rules, waits.probe)
        } else {
            locks.acquire_counted(holder, tag, mode, rules, waits.probe)
        }
    };
    Ok(match func.op {
        Op::Lock => {
            take(&waits.rules)?;
            Value::Text(String::new())
        }
        Op::TryLock => {
            let nowait = WaitRules {
                nowait: true,
                ..waits.rules
            };
            match take(&nowait) {
                Ok(()) => Value::Bool(true),
                Err(EngineError::LockNotAvailable { .. }) => Value::Bool(false),
                Err(e) => return Err(e),
            }
        }
        Op::Unlock => Value::Bool(locks.release_counted(holder, tag, mode)),
        Op::UnlockAll => Value::Text(String::new()),
    })
}
