//! Built-in scalar and aggregate functions: name resolution with PostgreSQL's result types,
//! and evaluation.

use crate::error::{EngineError, Result};
use crate::types::ops::{eval_binary, eval_negate, BinaryOp};
use crate::types::{common_type, CastKind, DataType, Value};
use std::cmp::Ordering;
use std::collections::HashSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarFunc {
    Abs,
    Coalesce,
    NullIf,
    Lower,
    Upper,
    Length,
    Greatest,
    Least,
}

impl ScalarFunc {
    /// Resolves `name(args)`: the function, the type each argument is cast to, the result.
    pub fn resolve(
        name: &str,
        args: &[DataType],
    ) -> Result<Option<(ScalarFunc, Vec<DataType>, DataType)>> {
        let numeric = |t: &DataType| {
            matches!(
                t,
                DataType::Int2
                    | DataType::Int4
                    | DataType::Int8
                    | DataType::Float4
                    | DataType::Float8
                    | DataType::Numeric { .. }
            )
        };
        Ok(Some(match (name, args) {
            ("abs", [t]) if numeric(t) => (ScalarFunc::Abs, vec![t.clone()], t.clone()),
            ("abs", [DataType::Unknown]) => {
                (ScalarFunc::Abs, vec![DataType::Float8], DataType::Float8)
            }
            ("coalesce" | "greatest" | "least", ts) if !ts.is_empty() => {
                let t = common_type(ts)?;
                let f = match name {
                    "coalesce" => ScalarFunc::Coalesce,
                    "greatest" => ScalarFunc::Greatest,
                    _ => ScalarFunc::Least,
                };
                (f, vec![t.clone(); ts.len()], t)
            }
            ("nullif", [a, b]) => {
                let t = common_type(&[a.clone(), b.clone()])?;
                (ScalarFunc::NullIf, vec![t.clone(), t.clone()], t)
            }
            ("lower" | "upper", [_]) => {
                let f = if name == "lower" {
                    ScalarFunc::Lower
                } else {
                    ScalarFunc::Upper
                };
                (f, vec![DataType::Text], DataType::Text)
            }
            ("length" | "char_length" | "character_length", [_]) => {
                (ScalarFunc::Length, vec![DataType::Text], DataType::Int4)
            }
            _ => return Ok(None),
        }))
    }

    pub fn call(&self, args: &[Value]) -> Result<Value> {
        let first = args.first().cloned().unwrap_or(Value::Null);
        Ok(match self {
            ScalarFunc::Abs => {
                if first.is_null() {
                    return Ok(Value::Null);
                }
                let zero = Value::Int4(0).cast(&first.data_type(), CastKind::Explicit)?;
                let negative = first.sql_cmp(&zero)? == Some(Ordering::Less);
                if negative {
                    eval_negate(&first)?
                } else {
                    first
                }
            }
            ScalarFunc::Coalesce => args
                .iter()
                .find(|v| !v.is_null())
                .cloned()
                .unwrap_or(Value::Null),
            ScalarFunc::NullIf => {
                let second = args.get(1).cloned().unwrap_or(Value::Null);
                if !first.is_null()
                    && !second.is_null()
                    && first.sql_cmp(&second)? == Some(Ordering::Equal)
                {
                    Value::Null
                } else {
                    first
                }
            }
            ScalarFunc::Lower | ScalarFunc::Upper | ScalarFunc::Length => match first {
                Value::Null => Value::Null,
                Value::Text(s) => match self {
                    ScalarFunc::Lower => Value::Text(s.to_lowercase()),
                    ScalarFunc::Upper => Value::Text(s.to_uppercase()),
                    _ => Value::Int4(s.chars().count() as i32),
                },
                other => {
                    return Err(EngineError::DatatypeMismatch {
                        message: format!("text expected, got {}", other.data_type().display_name()),
                    })
                }
            },
            ScalarFunc::Greatest | ScalarFunc::Least => {
                let mut best: Option<Value> = None;
                for v in args.iter().filter(|v| !v.is_null()) {
                    let better = match &best {
                        None => true,
                        Some(b) => {
                            let o = v.sql_cmp(b)?;
                            if *self == ScalarFunc::Greatest {
                                o == Some(Ordering::Greater)
                            } else {
                                o == Some(Ordering::Less)
                            }
                        }
                    };
                    if better {
                        best = Some(v.clone());
                    }
                }
                best.unwrap_or(Value::Null)
            }
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggFunc {
    CountStar,
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

impl AggFunc {
    pub fn by_name(name: &str) -> Option<AggFunc> {
        Some(match name {
            "count" => AggFunc::Count,
            "sum" => AggFunc::Sum,
            "avg" => AggFunc::Avg,
            "min" => AggFunc::Min,
            "max" => AggFunc::Max,
            _ => return None,
        })
    }

    /// (type the argument is cast to, result type), as PostgreSQL defines them.
    pub fn types(&self, arg: &DataType) -> Result<(DataType, DataType)> {
        let arg = if *arg == DataType::Unknown {
            DataType::Text
        } else {
            arg.clone()
        };
        let numeric = DataType::Numeric {
            precision: None,
            scale: None,
        };
        Ok(match self {
            AggFunc::CountStar | AggFunc::Count => (arg, DataType::Int8),
            AggFunc::Min | AggFunc::Max => (arg.clone(), arg),
            AggFunc::Sum => match arg {
                DataType::Int2 | DataType::Int4 => (DataType::Int8, DataType::Int8),
                DataType::Int8 | DataType::Numeric { .. } => (numeric.clone(), numeric),
                DataType::Float4 => (DataType::Float4, DataType::Float4),
                DataType::Float8 => (DataType::Float8, DataType::Float8),
                DataType::Interval => (DataType::Interval, DataType::Interval),
                other => return Err(undefined("sum", &other)),
            },
            AggFunc::Avg => match arg {
                DataType::Int2 | DataType::Int4 | DataType::Int8 | DataType::Numeric { .. } => {
                    (numeric.clone(), numeric)
                }
                DataType::Float4 | DataType::Float8 => (DataType::Float8, DataType::Float8),
                other => return Err(undefined("avg", &other)),
            },
        })
    }
}

fn undefined(name: &str, t: &DataType) -> EngineError {
    EngineError::UndefinedFunction {
        signature: format!("{name}({})", t.display_name()),
    }
}

/// The running state of one aggregate over one group.
pub struct AggState {
    func: AggFunc,
    distinct: Option<HashSet<Vec<u8>>>,
    count: i64,
    acc: Value,
}

impl AggState {
    pub fn new(call: &super::plan::AggCall) -> AggState {
        AggState {
            func: call.func,
            distinct: call.distinct.then(HashSet::new),
            count: 0,
            acc: Value::Null,
        }
    }

    pub fn add(&mut self, arg: Option<Value>) -> Result<()> {
        let v = match arg {
            None => {
                self.count += 1;
                return Ok(());
            }
            Some(v) if v.is_null() => return Ok(()),
            Some(v) => v,
        };
        if let Some(seen) = &mut self.distinct {
            if !seen.insert(super::exec::row_key(std::slice::from_ref(&v))) {
                return Ok(());
            }
        }
        self.count += 1;
        self.acc = match self.func {
            AggFunc::CountStar | AggFunc::Count => Value::Null,
            AggFunc::Sum | AggFunc::Avg => {
                if self.acc.is_null() {
                    v
                } else {
                    eval_binary(BinaryOp::Add, &self.acc, &v)?
                }
            }
            AggFunc::Min | AggFunc::Max => {
                let replace = self.acc.is_null() || {
                    let o = v.sql_cmp(&self.acc)?;
                    if self.func == AggFunc::Min {
                        o == Some(Ordering::Less)
                    } else {
                        o == Some(Ordering::Greater)
                    }
                };
                if replace {
                    v
                } else {
                    std::mem::replace(&mut self.acc, Value::Null)
                }
            }
        };
        Ok(())
    }

    pub fn finish(self) -> Result<Value> {
        Ok(match self.func {
            AggFunc::CountStar | AggFunc::Count => Value::Int8(self.count),
            AggFunc::Avg if !self.acc.is_null() => {
                let n = Value::Int8(self.count).cast(&self.acc.data_type(), CastKind::Implicit)?;
                eval_binary(BinaryOp::Div, &self.acc, &n)?
            }
            _ => self.acc,
        })
    }
}
