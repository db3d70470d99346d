//! Aggregate functions: name lookup, PostgreSQL's argument and result types, running state.

use crate::error::{EngineError, Result};
use crate::types::ops::{eval_binary, BinaryOp};
use crate::types::{CastKind, DataType, Value};
use std::cmp::Ordering;
use std::collections::HashSet;

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
    pub fn new(call: &crate::sql::plan::AggCall) -> AggState {
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
            if !seen.insert(crate::sql::exec::row_key(std::slice::from_ref(&v))) {
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
