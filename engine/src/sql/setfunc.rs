//! Set-returning functions in FROM: `generate_series` (integers, numerics, timestamps with an
//! interval step), `unnest(array)`, `pg_partition_ancestors(regclass)` and the JSON ones
//! (`setfunc_json`). `generate_series` and `unnest` yield one column, lazily, so
//! `generate_series(1, 1000000000) LIMIT 3` reads three; `json(b)_each(_text)` yields two
//! (`key`, `value`), and is refused in a select list, where its rows would be records.
//! `pg_listening_channels()` yields the session's channels (see `crate::notify`).

use crate::error::{EngineError, Result};
use crate::types::ops::{eval_binary, BinaryOp};
use crate::types::{common_type_for, DataType, RegKind, Value};
use std::cmp::Ordering;

/// A set-returning function, resolved for its argument types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetFunc {
    GenerateSeries,
    Unnest,
    /// The partition ancestors of a relation: none, as Quill has no partitioned tables
    /// (PostgreSQL returns no rows for a relation that is neither a partition nor
    /// partitioned).
    PartitionAncestors,
    /// A JSON set-returning function; `true` for the jsonb one.
    Json(super::setfunc_json::JsonSet, bool),
    /// `regexp_matches(text, text [, text])`: one `text[]` per match.
    RegexpMatches,
    /// `regexp_split_to_table(text, text [, text])`: the texts between matches.
    RegexpSplitToTable,
    /// The channels the session listens on.
    ListeningChannels,
}

/// A resolved call: the function, the types its arguments are cast to, the column type.
pub struct ResolvedSet {
    pub func: SetFunc,
    pub arg_types: Vec<DataType>,
    pub column: DataType,
    /// Every output column: the name of its OUT parameter, if the function has them, and its
    /// type (one entry, `column`, for a function returning a scalar type).
    pub columns: Vec<(Option<&'static str>, DataType)>,
}

fn undefined(name: &str, types: &[DataType]) -> EngineError {
    let args: Vec<String> = types.iter().map(|t| t.base_name().into_owned()).collect();
    EngineError::UndefinedFunction {
        signature: format!("{name}({})", args.join(", ")),
    }
}

impl SetFunc {
    /// Resolves `name(types)`; `None` if `name` is not a set-returning function.
    pub fn resolve(name: &str, types: &[DataType]) -> Option<Result<ResolvedSet>> {
        let name = name.strip_prefix("pg_catalog.").unwrap_or(name);
        Some(match name {
            "generate_series" => resolve_series(types),
            "pg_partition_ancestors" => match types {
                [DataType::Unknown | DataType::Oid | DataType::Reg(RegKind::Class)] => {
                    Ok(ResolvedSet {
                        func: SetFunc::PartitionAncestors,
                        arg_types: vec![DataType::Reg(RegKind::Class)],
                        column: DataType::Reg(RegKind::Class),
                        columns: vec![(None, DataType::Reg(RegKind::Class))],
                    })
                }
                _ => Err(undefined(name, types)),
            },
            "regexp_matches" | "regexp_split_to_table" => {
                let texts = |t: &DataType| {
                    *t == DataType::Unknown
                        || crate::types::can_cast(
                            t,
                            &DataType::Text,
                            crate::types::CastKind::Implicit,
                        )
                };
                if !(2..=3).contains(&types.len()) || !types.iter().all(texts) {
                    return Some(Err(undefined(name, types)));
                }
                let (func, column) = if name == "regexp_matches" {
                    (
                        SetFunc::RegexpMatches,
                        DataType::Array(Box::new(DataType::Text)),
                    )
                } else {
                    (SetFunc::RegexpSplitToTable, DataType::Text)
                };
                Ok(ResolvedSet {
                    func,
                    arg_types: vec![DataType::Text; types.len()],
                    column: column.clone(),
                    columns: vec![(None, column)],
                })
            }
            "pg_listening_channels" => match types {
                [] => Ok(ResolvedSet {
                    func: SetFunc::ListeningChannels,
                    arg_types: Vec::new(),
                    column: DataType::Text,
                    columns: vec![(None, DataType::Text)],
                }),
                _ => Err(undefined(name, types)),
            },
            "unnest" => match types {
                [DataType::Array(e)] => Ok(ResolvedSet {
                    func: SetFunc::Unnest,
                    arg_types: vec![DataType::Array(e.clone())],
                    column: (**e).clone(),
                    columns: vec![(None, (**e).clone())],
                }),
                [DataType::Unknown] => Err(EngineError::Function {
                    code: "42725",
                    message: "function unnest(unknown) is not unique".into(),
                }),
                _ => Err(undefined(name, types)),
            },
            _ => {
                let (f, jsonb) = super::setfunc_json::lookup(name)?;
                let j = if jsonb {
                    DataType::Jsonb
                } else {
                    DataType::Json
                };
                match types {
                    [t] if *t == DataType::Unknown
                        || t.base() == j
                        || crate::types::can_cast(t, &j, crate::types::CastKind::Implicit) =>
                    {
                        let columns = super::setfunc_json::columns(f, jsonb);
                        Ok(ResolvedSet {
                            func: SetFunc::Json(f, jsonb),
                            arg_types: vec![j],
                            // A `record` function's columns are the caller's to define.
                            column: columns.first().map_or(DataType::Unknown, |c| c.1.clone()),
                            columns,
                        })
                    }
                    _ => Err(undefined(name, types)),
                }
            }
        })
    }

    /// The function's name as PostgreSQL spells it (for errors).
    fn name(self) -> String {
        match self {
            SetFunc::GenerateSeries => "generate_series".into(),
            SetFunc::Unnest => "unnest".into(),
            SetFunc::PartitionAncestors => "pg_partition_ancestors".into(),
            SetFunc::RegexpMatches => "regexp_matches".into(),
            SetFunc::RegexpSplitToTable => "regexp_split_to_table".into(),
            SetFunc::ListeningChannels => "pg_listening_channels".into(),
            SetFunc::Json(f, jsonb) => {
                let base = match f {
                    super::setfunc_json::JsonSet::ArrayElements => "array_elements",
                    super::setfunc_json::JsonSet::ArrayElementsText => "array_elements_text",
                    super::setfunc_json::JsonSet::ObjectKeys => "object_keys",
                    super::setfunc_json::JsonSet::Each => "each",
                    super::setfunc_json::JsonSet::EachText => "each_text",
                    super::setfunc_json::JsonSet::ToRecord => "to_record",
                    super::setfunc_json::JsonSet::ToRecordset => "to_recordset",
                };
                format!("{}_{base}", if jsonb { "jsonb" } else { "json" })
            }
        }
    }

    /// The rows for arguments cast to the resolved types (one value per output column), in
    /// the statement's context `cx`.
    pub fn rows(
        self,
        args: Vec<Value>,
        record: &[(String, DataType)],
        cx: &crate::sql::exec::ExecCx<'_>,
    ) -> Result<Box<dyn Iterator<Item = Result<Vec<Value>>>>> {
        if args.iter().any(Value::is_null) {
            return Ok(Box::new(std::iter::empty()));
        }
        match self {
            SetFunc::Unnest => match args.into_iter().next() {
                Some(Value::Array(a)) => Ok(Box::new(a.items.into_iter().map(|v| Ok(vec![v])))),
                _ => Err(EngineError::Internal {
                    reason: "unnest of a non-array",
                }),
            },
            SetFunc::GenerateSeries => Ok(Box::new(series(args)?.map(|v| v.map(|v| vec![v])))),
            SetFunc::PartitionAncestors => Ok(Box::new(std::iter::empty())),
            SetFunc::RegexpMatches | SetFunc::RegexpSplitToTable => {
                let text = |i: usize| match args.get(i) {
                    Some(Value::Text(s)) => Ok(s.as_str()),
                    None => Ok(""),
                    Some(_) => Err(EngineError::Internal {
                        reason: "regexp set-returning function with a non-text argument",
                    }),
                };
                let (source, pattern, flags) = (text(0)?, text(1)?, text(2)?);
                let rows: Vec<Vec<Value>> = if self == SetFunc::RegexpMatches {
                    crate::types::regexp::regexp_matches(source, pattern, flags)?
                        .into_iter()
                        .map(|m| vec![super::functions::text_array(m)])
                        .collect()
                } else {
                    crate::types::regexp::regexp_split(
                        source,
                        pattern,
                        flags,
                        "regexp_split_to_table()",
                    )?
                    .into_iter()
                    .map(|s| vec![Value::Text(s)])
                    .collect()
                };
                Ok(Box::new(rows.into_iter().map(Ok)))
            }
            SetFunc::ListeningChannels => {
                let channels = cx
                    .session
                    .and_then(|e| e.notify)
                    .map(|n| n.listening())
                    .unwrap_or_default();
                Ok(Box::new(
                    channels.into_iter().map(|c| Ok(vec![Value::Text(c)])),
                ))
            }
            SetFunc::Json(f, _) => {
                let v = args.first().ok_or(EngineError::Internal {
                    reason: "JSON set-returning function without its argument",
                })?;
                let rows = super::setfunc_json::rows(f, &self.name(), v, record)?;
                Ok(Box::new(rows.into_iter().map(Ok)))
            }
        }
    }
}

fn resolve_series(types: &[DataType]) -> Result<ResolvedSet> {
    use DataType as T;
    let found = |t: DataType, step: DataType| {
        let mut arg_types = vec![t.clone(), t.clone()];
        if types.len() == 3 {
            arg_types.push(step);
        }
        Ok(ResolvedSet {
            func: SetFunc::GenerateSeries,
            arg_types,
            column: t.clone(),
            columns: vec![(None, t)],
        })
    };
    if !(2..=3).contains(&types.len()) {
        return Err(undefined("generate_series", types));
    }
    let ends = common_type_for("generate_series", &types[..2])
        .map_err(|_| undefined("generate_series", types))?;
    let step = types.get(2).cloned().unwrap_or(T::Unknown);
    let is_time = |t: &DataType| matches!(t, T::Timestamp | T::Timestamptz | T::Date);
    match ends.base() {
        T::Int2 | T::Int4 if matches!(step, T::Int2 | T::Int4 | T::Unknown) => {
            found(T::Int4, T::Int4)
        }
        T::Int2 | T::Int4 | T::Int8 if matches!(step, T::Int2 | T::Int4 | T::Int8 | T::Unknown) => {
            found(T::Int8, T::Int8)
        }
        T::Int2 | T::Int4 | T::Int8 | T::Numeric { .. }
            if !matches!(step, T::Float4 | T::Float8) && !is_time(&step) =>
        {
            let n = T::Numeric {
                precision: None,
                scale: None,
            };
            found(n.clone(), n)
        }
        T::Timestamp if types.len() == 3 && matches!(step, T::Interval | T::Unknown) => {
            found(T::Timestamp, T::Interval)
        }
        T::Timestamptz | T::Date
            if types.len() == 3 && matches!(step, T::Interval | T::Unknown) =>
        {
            found(T::Timestamptz, T::Interval)
        }
        _ => Err(undefined("generate_series", types)),
    }
}

/// `start, start + step, ...` while not past `stop` (in the step's direction).
fn series(args: Vec<Value>) -> Result<Box<dyn Iterator<Item = Result<Value>>>> {
    let mut it = args.into_iter();
    let (Some(start), Some(stop)) = (it.next(), it.next()) else {
        return Err(EngineError::Internal {
            reason: "generate_series without its bounds",
        });
    };
    let step = match it.next() {
        Some(s) => s,
        None => match &start {
            Value::Int4(_) => Value::Int4(1),
            Value::Int8(_) => Value::Int8(1),
            _ => Value::Numeric(crate::types::Numeric::from_i64(1)),
        },
    };
    let direction = match &step {
        Value::Interval(i) => i.cmp_key().cmp(&0),
        s => s.sql_cmp(&Value::Int4(0))?.unwrap_or(Ordering::Equal),
    };
    if direction == Ordering::Equal {
        return Err(EngineError::InvalidParameterValue {
            message: "step size cannot equal zero".into(),
        });
    }
    let mut next = Some(start);
    Ok(Box::new(std::iter::from_fn(move || {
        let cur = next.take()?;
        match cur.sql_cmp(&stop) {
            Ok(Some(o)) if o == direction => return None,
            Ok(_) => {}
            Err(e) => return Some(Err(e.into())),
        }
        // Overflow past the type's range ends the series, as in PostgreSQL.
        next = eval_binary(BinaryOp::Add, &cur, &step).ok();
        Some(Ok(cur))
    })))
}

/// A select list's set-returning calls over `input` (PostgreSQL's ProjectSet): for each input
/// row the calls run in lockstep, giving as many rows as the longest (the others' values NULL
/// once exhausted), each the input row followed by one value per call. An input row for which
/// every call is empty gives no row.
pub fn project_set<'a>(
    input: crate::sql::exec::RowIter<'a>,
    funcs: &'a [(SetFunc, Vec<crate::sql::expr::Expr>)],
    env: crate::sql::expr::Env<'a>,
) -> crate::sql::exec::RowIter<'a> {
    type Series = Box<dyn Iterator<Item = Result<Vec<Value>>>>;
    let mut current: Option<(Vec<Value>, Vec<Option<Series>>)> = None;
    let mut input = input;
    Box::new(std::iter::from_fn(move || loop {
        if let Some((row, iters)) = &mut current {
            let mut out = Vec::with_capacity(iters.len());
            let mut any = false;
            for it in iters.iter_mut() {
                match it.as_mut().and_then(Iterator::next) {
                    Some(Ok(v)) => {
                        any = true;
                        out.push(v.into_iter().next().unwrap_or(Value::Null));
                    }
                    Some(Err(e)) => return Some(Err(e)),
                    None => {
                        *it = None;
                        out.push(Value::Null);
                    }
                }
            }
            if any {
                let mut full = row.clone();
                full.extend(out);
                return Some(Ok(full));
            }
            current = None;
        }
        let row = match input.next()? {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        let mut iters = Vec::with_capacity(funcs.len());
        for (f, args) in funcs {
            let vals = match args
                .iter()
                .map(|a| a.eval(&row, &env))
                .collect::<Result<Vec<_>>>()
            {
                Ok(v) => v,
                Err(e) => return Some(Err(e)),
            };
            match f.rows(vals, &[], env.cx) {
                Ok(it) => iters.push(Some(it)),
                Err(e) => return Some(Err(e)),
            }
        }
        current = Some((row, iters));
    }))
}
