//! The administration functions that read the running session, its transaction or the
//! storage rather than the catalog alone: `current_setting`, `set_config`,
//! `pg_backend_pid`, the relation and database sizes, `txid_current` /
//! `pg_current_xact_id`, `pg_current_wal_lsn`, `pg_postmaster_start_time`, `gen_random_uuid`,
//! `pg_notify`, `pg_notification_queue_usage` (these are evaluated each time they run, never
//! folded when bound), `pg_size_pretty`, and the rows of `pg_stat_activity`.

use super::funcs::{FuncInfo, SysFunc};
use super::{RelRef, Snapshot};
use crate::catalog::TableDef;
use crate::error::{EngineError, Result};
use crate::sql::exec::ExecCx;
use crate::types::{DataType as T, Numeric, RegKind, Value};
use bigdecimal::num_bigint::BigInt;

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

const REGCLASS: T = T::Reg(RegKind::Class);

/// The administration functions and their overloads (PostgreSQL's OIDs). `pg_lsn` and
/// `xid8` are not types of Quill's: `pg_current_wal_lsn` returns the LSN's text and
/// `pg_current_xact_id` a bigint.
pub static ADMIN_FUNCTIONS: &[FuncInfo] = &[
    f(
        2077,
        "current_setting",
        SysFunc::CurrentSetting,
        &[T::Text],
        T::Text,
    ),
    f(
        3294,
        "current_setting",
        SysFunc::CurrentSetting,
        &[T::Text, T::Bool],
        T::Text,
    ),
    f(
        2078,
        "set_config",
        SysFunc::SetConfig,
        &[T::Text, T::Text, T::Bool],
        T::Text,
    ),
    f(2026, "pg_backend_pid", SysFunc::PgBackendPid, &[], T::Int4),
    f(
        2288,
        "pg_size_pretty",
        SysFunc::PgSizePretty,
        &[T::Int8],
        T::Text,
    ),
    f(
        3166,
        "pg_size_pretty",
        SysFunc::PgSizePretty,
        &[T::Numeric {
            precision: None,
            scale: None,
        }],
        T::Text,
    ),
    f(
        2325,
        "pg_relation_size",
        SysFunc::RelationSize(SizeOf::Relation),
        &[REGCLASS],
        T::Int8,
    ),
    f(
        2332,
        "pg_relation_size",
        SysFunc::RelationSize(SizeOf::Relation),
        &[REGCLASS, T::Text],
        T::Int8,
    ),
    f(
        2997,
        "pg_table_size",
        SysFunc::RelationSize(SizeOf::Table),
        &[REGCLASS],
        T::Int8,
    ),
    f(
        2998,
        "pg_indexes_size",
        SysFunc::RelationSize(SizeOf::Indexes),
        &[REGCLASS],
        T::Int8,
    ),
    f(
        2286,
        "pg_total_relation_size",
        SysFunc::RelationSize(SizeOf::Total),
        &[REGCLASS],
        T::Int8,
    ),
    f(
        2168,
        "pg_database_size",
        SysFunc::PgDatabaseSize,
        &[T::Name],
        T::Int8,
    ),
    f(
        2324,
        "pg_database_size",
        SysFunc::PgDatabaseSize,
        &[T::Oid],
        T::Int8,
    ),
    f(2943, "txid_current", SysFunc::TxidCurrent, &[], T::Int8),
    f(
        5059,
        "pg_current_xact_id",
        SysFunc::TxidCurrent,
        &[],
        T::Int8,
    ),
    f(
        2849,
        "pg_current_wal_lsn",
        SysFunc::PgCurrentWalLsn,
        &[],
        T::Text,
    ),
    f(
        2560,
        "pg_postmaster_start_time",
        SysFunc::PgPostmasterStartTime,
        &[],
        T::Timestamptz,
    ),
    f(
        3432,
        "gen_random_uuid",
        SysFunc::GenRandomUuid,
        &[],
        T::Uuid,
    ),
    f(
        3036,
        "pg_notify",
        SysFunc::PgNotify,
        &[T::Text, T::Text],
        T::Void,
    ),
    f(
        3296,
        "pg_notification_queue_usage",
        SysFunc::PgNotificationQueueUsage,
        &[],
        T::Float8,
    ),
];

/// What a size function measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeOf {
    /// The relation's own data file (`pg_relation_size`).
    Relation,
    /// A table's heap (`pg_table_size`; Quill keeps no TOAST, free space or visibility map
    /// files beside it).
    Table,
    /// A table's indexes together.
    Indexes,
    /// Heap and indexes.
    Total,
}

/// Whether `func` reads the session, transaction or storage (evaluated when it runs).
pub fn is_runtime(func: SysFunc) -> bool {
    matches!(
        func,
        SysFunc::CurrentSetting
            | SysFunc::SetConfig
            | SysFunc::PgBackendPid
            | SysFunc::RelationSize(_)
            | SysFunc::PgDatabaseSize
            | SysFunc::TxidCurrent
            | SysFunc::PgCurrentWalLsn
            | SysFunc::PgPostmasterStartTime
            | SysFunc::Advisory(_)
            | SysFunc::GenRandomUuid
            | SysFunc::PgNotify
            | SysFunc::PgNotificationQueueUsage
    )
}

fn unrecognized(name: &str) -> EngineError {
    EngineError::UndefinedParameter {
        name: name.to_owned(),
    }
}

fn as_oid(v: &Value) -> u32 {
    match v {
        Value::Oid(o) | Value::Reg(_, o, _) => *o,
        v => v.as_i64().map_or(0, |i| i as u32),
    }
}

fn file_bytes(cx: &ExecCx<'_>, file: u32) -> Result<i64> {
    let bytes = cx.storage.heap_bytes(file)?;
    Ok(i64::try_from(bytes).unwrap_or(i64::MAX))
}

/// The size of table `t` (or of its index `index`) as `what` measures it. Views and
/// sequences have no data file of their own: 0.
fn relation_size(cx: &ExecCx<'_>, t: &TableDef, index: Option<usize>, what: SizeOf) -> Result<i64> {
    if let Some(i) = index {
        return match what {
            SizeOf::Indexes => Ok(0),
            _ => file_bytes(cx, t.indexes[i].file),
        };
    }
    if t.view.is_some() || t.sequence.is_some() {
        return Ok(0);
    }
    let heap = || file_bytes(cx, t.file);
    let indexes = || -> Result<i64> {
        let mut n = 0i64;
        for ix in &t.indexes {
            n = n.saturating_add(file_bytes(cx, ix.file)?);
        }
        Ok(n)
    };
    match what {
        SizeOf::Relation | SizeOf::Table => heap(),
        SizeOf::Indexes => indexes(),
        SizeOf::Total => Ok(heap()?.saturating_add(indexes()?)),
    }
}

/// Evaluates a runtime function (see [`is_runtime`]) on arguments of its parameter types.
pub fn call(func: SysFunc, s: &Snapshot, args: &[Value], cx: &ExecCx<'_>) -> Result<Value> {
    let settings = cx.session.and_then(|e| e.settings);
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    // set_config and pg_notify are not strict; the others are.
    if !matches!(func, SysFunc::SetConfig | SysFunc::PgNotify) && args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    Ok(match func {
        SysFunc::CurrentSetting => {
            let name = arg(0).to_text().unwrap_or_default();
            let missing_ok = matches!(arg(1), Value::Bool(true));
            let found = match settings {
                Some(st) => st.get(&name),
                None => crate::guc::default_of(&name).map(str::to_owned),
            };
            match found {
                Some(v) => Value::Text(v),
                None if missing_ok => Value::Null,
                None => return Err(unrecognized(&name)),
            }
        }
        SysFunc::SetConfig => {
            let Some(name) = arg(0).to_text() else {
                return Err(EngineError::Function {
                    code: "22004",
                    message: "SET requires parameter name".into(),
                });
            };
            let value = arg(1).to_text();
            let local = matches!(arg(2), Value::Bool(true));
            let Some(st) = settings else {
                return Err(EngineError::FeatureNotSupported {
                    feature: "set_config outside a session".into(),
                });
            };
            // As SET: a parameter PostgreSQL does not have is refused, unless its name is
            // qualified (a custom one, `myapp.x`).
            if st.get(&name).is_none() && !name.contains('.') {
                return Err(unrecognized(&name));
            }
            // A statement always runs in a transaction: a local value lasts until it ends.
            Value::Text(st.set(&name, value.as_deref(), local, true)?)
        }
        SysFunc::PgBackendPid => Value::Int4(cx.session.map_or(0, |e| e.backend_pid)),
        SysFunc::RelationSize(what) => {
            if let Some(Value::Text(fork)) = args.get(1) {
                if fork != "main" {
                    // PostgreSQL's other forks (fsm, vm, init) do not exist in Quill.
                    if !matches!(fork.as_str(), "fsm" | "vm" | "init") {
                        return Err(EngineError::InvalidParameterValue {
                            message: "invalid fork name".into(),
                        });
                    }
                    return Ok(Value::Int8(0));
                }
            }
            match s.relation(as_oid(&arg(0))) {
                Some(RelRef::Table(t)) => Value::Int8(relation_size(cx, t, None, what)?),
                Some(RelRef::Index(t, i)) => Value::Int8(relation_size(cx, t, Some(i), what)?),
                Some(RelRef::System(_)) => Value::Int8(0),
                None => Value::Null,
            }
        }
        SysFunc::PgDatabaseSize => {
            let known = match arg(0) {
                Value::Oid(o) => o == s.database,
                v => v.to_text().as_deref() == Some(s.database_name.as_str()),
            };
            if !known {
                return match arg(0) {
                    Value::Oid(_) => Ok(Value::Null),
                    v => Err(EngineError::Function {
                        code: "3D000",
                        message: format!(
                            "database \"{}\" does not exist",
                            v.to_text().unwrap_or_default()
                        ),
                    }),
                };
            }
            let mut n = 0i64;
            for file in cx.storage.data_files()? {
                n = n.saturating_add(file_bytes(cx, file)?);
            }
            Value::Int8(n)
        }
        SysFunc::TxidCurrent => {
            let id = cx.session.map_or(0, |e| e.txid);
            Value::Int8(i64::try_from(id).unwrap_or(i64::MAX))
        }
        SysFunc::PgCurrentWalLsn => {
            let lsn = cx.storage.log().end_lsn().0;
            Value::Text(format!("{:X}/{:X}", lsn >> 32, lsn & 0xFFFF_FFFF))
        }
        SysFunc::PgPostmasterStartTime => Value::Timestamptz(s.started),
        SysFunc::Advisory(a) => super::advisory::call(a, args, cx)?,
        SysFunc::GenRandomUuid => Value::Uuid(crate::types::uuid::random()),
        SysFunc::PgNotify => {
            let Some(notify) = cx.session.and_then(|e| e.notify) else {
                return Err(EngineError::FeatureNotSupported {
                    feature: "pg_notify outside a session".into(),
                });
            };
            // A NULL channel is an empty one; a NULL payload an empty payload.
            let channel = arg(0).to_text().unwrap_or_default();
            let payload = arg(1).to_text().unwrap_or_default();
            notify.notify(&channel, &payload)?;
            Value::Text(String::new())
        }
        SysFunc::PgNotificationQueueUsage => Value::Float8(
            cx.session
                .and_then(|e| e.notify)
                .map_or(0.0, |n| n.queue_usage()),
        ),
        _ => {
            return Err(EngineError::Internal {
                reason: "not a runtime function",
            })
        }
    })
}

/// The units of `pg_size_pretty`: name, the limit below which a value is shown in it,
/// whether it is rounded half away from zero, and its size as a power of two.
const SIZE_UNITS: &[(&str, i64, bool, u32)] = &[
    ("bytes", 10 * 1024, false, 0),
    ("kB", 20 * 1024 - 1, true, 10),
    ("MB", 20 * 1024 - 1, true, 20),
    ("GB", 20 * 1024 - 1, true, 30),
    ("TB", 20 * 1024 - 1, true, 40),
    ("PB", 20 * 1024 - 1, true, 50),
];

/// PostgreSQL's `pg_size_pretty`: the size in the largest unit that keeps it under the
/// unit's limit, divided with truncation toward zero at each step (one bit less before a
/// half-rounded unit, so that the final halving rounds).
fn size_pretty<N>(
    mut size: N,
    below: impl Fn(&N, i64) -> bool,
    div_pow2: impl Fn(N, u32) -> N,
    half_round: impl Fn(N) -> N,
    show: impl Fn(&N) -> String,
) -> String {
    for (i, &(unit, limit, round, bits)) in SIZE_UNITS.iter().enumerate() {
        let next = SIZE_UNITS.get(i + 1);
        match next {
            Some(&(_, _, next_round, next_bits)) if !below(&size, limit) => {
                let shift = next_bits - bits - u32::from(next_round) + u32::from(round);
                size = div_pow2(size, shift);
            }
            _ => {
                if round {
                    size = half_round(size);
                }
                return format!("{} {unit}", show(&size));
            }
        }
    }
    show(&size)
}

fn trunc_div_numeric(n: &Numeric, d: &BigInt) -> Numeric {
    match n.parts() {
        Some((mant, scale)) => {
            let denom = d * BigInt::from(10).pow(scale);
            Numeric::new(mant / denom, 0).unwrap_or_else(|_| n.clone())
        }
        None => n.clone(),
    }
}

/// `pg_size_pretty(bigint)` and `pg_size_pretty(numeric)`.
pub fn pg_size_pretty(v: &Value) -> Result<Value> {
    Ok(match v {
        Value::Null => Value::Null,
        Value::Numeric(n) => Value::Text(size_pretty(
            n.clone(),
            |n, limit| n.abs().cmp_total(&Numeric::from_i64(limit)).is_lt(),
            |n, bits| trunc_div_numeric(&n, &(BigInt::from(1) << bits)),
            |n| {
                let one = Numeric::from_i64(1);
                let moved = if n.signum() >= 0 {
                    n.add(&one)
                } else {
                    n.sub(&one)
                };
                moved.map_or(n, |m| trunc_div_numeric(&m, &BigInt::from(2)))
            },
            Numeric::to_string,
        )),
        v => {
            let size = v.as_i64().ok_or(EngineError::Internal {
                reason: "pg_size_pretty of a non-integer",
            })?;
            Value::Text(size_pretty(
                size,
                |n, limit| n.unsigned_abs() < limit.unsigned_abs(),
                |n, bits| n / (1i64 << bits),
                |n| (n + if n < 0 { -1 } else { 1 }) / 2,
                i64::to_string,
            ))
        }
    })
}

/// The rows of `pg_stat_activity`: one per session.
pub fn pg_stat_activity(s: &Snapshot) -> Vec<Vec<Value>> {
    use super::{fill, name, oid, text};
    let ts = |t: Option<i64>| t.map_or(Value::Null, Value::Timestamptz);
    let superuser = s
        .role_name(super::BOOTSTRAP_SUPERUSER)
        .unwrap_or_else(|| "postgres".to_owned());
    s.activity
        .iter()
        .map(|e| {
            let user = e.user.clone().unwrap_or_else(|| superuser.clone());
            let user_oid = s.roles.get(&user).map(|r| r.oid);
            let idle = e.state != crate::activity::State::Active;
            fill(
                super::columns::PG_STAT_ACTIVITY,
                vec![
                    ("datid", oid(e.database)),
                    (
                        "datname",
                        s.databases
                            .iter()
                            .find(|d| d.oid == e.database)
                            .map_or(Value::Null, |d| name(&d.name)),
                    ),
                    ("pid", Value::Int4(e.pid)),
                    ("usesysid", user_oid.map_or(Value::Null, oid)),
                    ("usename", name(&user)),
                    ("application_name", text(&e.application_name)),
                    ("backend_start", Value::Timestamptz(e.backend_start)),
                    ("xact_start", ts(e.xact_start)),
                    ("query_start", ts(e.query_start)),
                    ("state_change", Value::Timestamptz(e.state_change)),
                    (
                        "wait_event_type",
                        if idle { text("Client") } else { Value::Null },
                    ),
                    (
                        "wait_event",
                        if idle {
                            text("ClientRead")
                        } else {
                            Value::Null
                        },
                    ),
                    ("state", text(e.state.name())),
                    ("query", text(&e.query)),
                    ("backend_type", text("client backend")),
                ],
            )
        })
        .collect()
}

/// The rows of `pg_prepared_statements`: the viewing session's named statements. Plan
/// choices are not counted per statement: `generic_plans` and `custom_plans` are 0.
pub fn pg_prepared_statements(s: &Snapshot) -> Vec<Vec<Value>> {
    use super::{fill, text};
    s.prepared
        .iter()
        .map(|p| {
            let types = p
                .parameter_types
                .iter()
                .map(|t| {
                    Value::Reg(
                        crate::types::RegKind::Type,
                        t.oid(),
                        t.base_name().to_string(),
                    )
                })
                .collect();
            let types = crate::types::array::construct(
                &crate::types::DataType::Reg(crate::types::RegKind::Type),
                types,
            )
            .unwrap_or(Value::Null);
            fill(
                super::columns::PG_PREPARED_STATEMENTS,
                vec![
                    ("name", text(&p.name)),
                    ("statement", text(&p.statement)),
                    ("prepare_time", Value::Timestamptz(p.prepare_time)),
                    ("parameter_types", types),
                    ("from_sql", Value::Bool(p.from_sql)),
                    ("generic_plans", Value::Int8(0)),
                    ("custom_plans", Value::Int8(0)),
                ],
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pretty(v: Value) -> String {
        pg_size_pretty(&v)
            .ok()
            .and_then(|v| v.to_text())
            .unwrap_or_default()
    }

    #[test]
    fn sizes_print_as_postgres_prints_them() {
        // Each case checked against PostgreSQL 15.
        for (n, shown) in [
            (12_345_678i64, "12 MB"),
            (0, "0 bytes"),
            (1023, "1023 bytes"),
            (10_239, "10239 bytes"),
            (10_240, "10 kB"),
            (-10_240, "-10 kB"),
            (1_234_567_890_123_456, "1123 TB"),
        ] {
            assert_eq!(pretty(Value::Int8(n)), shown, "{n}");
        }
        for (n, shown) in [
            ("12345678.9", "12 MB"),
            ("-1", "-1 bytes"),
            ("10485760000000000000000", "9313226 PB"),
        ] {
            let v = Value::Numeric(Numeric::parse(n).unwrap_or_else(|_| Numeric::nan()));
            assert_eq!(pretty(v), shown, "{n}");
        }
    }
}
