//! Aggregate functions: name lookup, PostgreSQL's argument and result types, running state
//! (with DISTINCT and an ORDER BY inside the call).
//!
//! Variances follow PostgreSQL: over `numeric` (and integer inputs, cast to numeric) the sums
//! of x and x² are exact and the result `(n·Σx² − (Σx)²) / (n·(n−1))` takes numeric
//! division's scale, its square root that same scale; over floats the Youngs–Cramer
//! recurrence of `float8_accum` is used.

use crate::error::{EngineError, Result};
use crate::sql::exec::{cmp_keys, row_key};
use crate::types::ops::{eval_binary, BinaryOp};
use crate::types::{CastKind, DataType, Numeric, Value};
use bigdecimal::num_bigint::BigInt;
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
    BoolAnd,
    BoolOr,
    StringAgg,
    ArrayAgg,
    VarSamp,
    VarPop,
    StddevSamp,
    StddevPop,
    JsonAgg,
    JsonbAgg,
    JsonObjectAgg,
    JsonbObjectAgg,
    // Ordered-set aggregates (`f(direct args) WITHIN GROUP (ORDER BY sorted args)`); their
    // arguments are the direct ones, then the sorted ones (see `ordered_set`).
    PercentileCont,
    PercentileDisc,
    Mode,
    // Hypothetical-set aggregates: the rank the direct arguments would have among the rows.
    HypRank,
    HypDenseRank,
    HypPercentRank,
    HypCumeDist,
}

impl AggFunc {
    /// The ordered-set and hypothetical-set aggregates, by name.
    pub fn ordered_set_by_name(name: &str) -> Option<AggFunc> {
        Some(match name {
            "percentile_cont" => AggFunc::PercentileCont,
            "percentile_disc" => AggFunc::PercentileDisc,
            "mode" => AggFunc::Mode,
            "rank" => AggFunc::HypRank,
            "dense_rank" => AggFunc::HypDenseRank,
            "percent_rank" => AggFunc::HypPercentRank,
            "cume_dist" => AggFunc::HypCumeDist,
            _ => return None,
        })
    }

    /// Whether this is an ordered-set or hypothetical-set aggregate.
    pub fn is_ordered_set(self) -> bool {
        matches!(
            self,
            AggFunc::PercentileCont
                | AggFunc::PercentileDisc
                | AggFunc::Mode
                | AggFunc::HypRank
                | AggFunc::HypDenseRank
                | AggFunc::HypPercentRank
                | AggFunc::HypCumeDist
        )
    }

    pub fn by_name(name: &str) -> Option<AggFunc> {
        Some(match name {
            "count" => AggFunc::Count,
            "sum" => AggFunc::Sum,
            "avg" => AggFunc::Avg,
            "min" => AggFunc::Min,
            "max" => AggFunc::Max,
            "bool_and" | "every" => AggFunc::BoolAnd,
            "bool_or" => AggFunc::BoolOr,
            "string_agg" => AggFunc::StringAgg,
            "array_agg" => AggFunc::ArrayAgg,
            "variance" | "var_samp" => AggFunc::VarSamp,
            "var_pop" => AggFunc::VarPop,
            "stddev" | "stddev_samp" => AggFunc::StddevSamp,
            "stddev_pop" => AggFunc::StddevPop,
            "json_agg" => AggFunc::JsonAgg,
            "jsonb_agg" => AggFunc::JsonbAgg,
            "json_object_agg" => AggFunc::JsonObjectAgg,
            "jsonb_object_agg" => AggFunc::JsonbObjectAgg,
            _ => return None,
        })
    }

    /// (types the arguments are cast to, result type), as PostgreSQL defines them; `name` is
    /// the name called, for errors.
    pub fn types(&self, name: &str, args: &[DataType]) -> Result<(Vec<DataType>, DataType)> {
        let args: Vec<DataType> = args
            .iter()
            .map(|t| {
                if *t == DataType::Unknown {
                    DataType::Text
                } else {
                    t.clone()
                }
            })
            .collect();
        let numeric = DataType::Numeric {
            precision: None,
            scale: None,
        };
        let one = |cast: DataType, result: DataType| Ok((vec![cast], result));
        let undefined = || EngineError::UndefinedFunction {
            signature: format!(
                "{name}({})",
                args.iter()
                    .map(|t| t.display_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        if *self == AggFunc::StringAgg {
            return match args.as_slice() {
                // Any string type converts to text implicitly.
                [a, d] if a.is_string() && d.is_string() => {
                    Ok((vec![DataType::Text, DataType::Text], DataType::Text))
                }
                _ => Err(undefined()),
            };
        }
        match (self, args.as_slice()) {
            (AggFunc::JsonObjectAgg | AggFunc::JsonbObjectAgg, [k, v]) => {
                let ret = if *self == AggFunc::JsonObjectAgg {
                    DataType::Json
                } else {
                    DataType::Jsonb
                };
                return Ok((vec![k.clone(), v.clone()], ret));
            }
            (AggFunc::JsonAgg, [a]) => return Ok((vec![a.clone()], DataType::Json)),
            (AggFunc::JsonbAgg, [a]) => return Ok((vec![a.clone()], DataType::Jsonb)),
            (
                AggFunc::JsonAgg
                | AggFunc::JsonbAgg
                | AggFunc::JsonObjectAgg
                | AggFunc::JsonbObjectAgg,
                _,
            ) => return Err(undefined()),
            _ => {}
        }
        let [arg] = args.as_slice() else {
            return Err(undefined());
        };
        // A domain's values aggregate as its base type's.
        let arg = arg.without_domain().clone();
        match self {
            AggFunc::ArrayAgg => {
                let elem = match &arg {
                    DataType::Array(e) => (**e).clone(),
                    t => t.clone(),
                };
                one(arg, DataType::Array(Box::new(elem)))
            }
            AggFunc::CountStar | AggFunc::Count => one(arg, DataType::Int8),
            // json, jsonb and uuid have no min / max (their order is for btree indexes only).
            AggFunc::Min | AggFunc::Max
                if matches!(arg, DataType::Json | DataType::Jsonb | DataType::Uuid) =>
            {
                Err(undefined())
            }
            AggFunc::Min | AggFunc::Max => one(arg.clone(), arg),
            AggFunc::Sum => match arg {
                DataType::Int2 | DataType::Int4 => one(DataType::Int8, DataType::Int8),
                DataType::Int8 | DataType::Numeric { .. } => one(numeric.clone(), numeric),
                DataType::Float4 | DataType::Float8 | DataType::Interval => one(arg.clone(), arg),
                _ => Err(undefined()),
            },
            AggFunc::Avg => match arg {
                DataType::Int2 | DataType::Int4 | DataType::Int8 | DataType::Numeric { .. } => {
                    one(numeric.clone(), numeric)
                }
                DataType::Float4 | DataType::Float8 => one(DataType::Float8, DataType::Float8),
                _ => Err(undefined()),
            },
            AggFunc::BoolAnd | AggFunc::BoolOr => match arg {
                DataType::Bool => one(DataType::Bool, DataType::Bool),
                _ => Err(undefined()),
            },
            AggFunc::VarSamp | AggFunc::VarPop | AggFunc::StddevSamp | AggFunc::StddevPop => {
                match arg {
                    DataType::Int2 | DataType::Int4 | DataType::Int8 | DataType::Numeric { .. } => {
                        one(numeric.clone(), numeric)
                    }
                    DataType::Float4 | DataType::Float8 => one(DataType::Float8, DataType::Float8),
                    _ => Err(undefined()),
                }
            }
            AggFunc::StringAgg
            | AggFunc::JsonAgg
            | AggFunc::JsonbAgg
            | AggFunc::JsonObjectAgg
            | AggFunc::JsonbObjectAgg => Err(undefined()),
            // Typed by `ordered_set::types`.
            AggFunc::PercentileCont
            | AggFunc::PercentileDisc
            | AggFunc::Mode
            | AggFunc::HypRank
            | AggFunc::HypDenseRank
            | AggFunc::HypPercentRank
            | AggFunc::HypCumeDist => Err(undefined()),
        }
    }

    fn is_json(self) -> bool {
        matches!(
            self,
            AggFunc::JsonAgg | AggFunc::JsonbAgg | AggFunc::JsonObjectAgg | AggFunc::JsonbObjectAgg
        )
    }

    fn is_variance(self) -> bool {
        matches!(
            self,
            AggFunc::VarSamp | AggFunc::VarPop | AggFunc::StddevSamp | AggFunc::StddevPop
        )
    }
}

/// Running sums of a variance: exact over numeric, Youngs–Cramer over float8.
#[derive(Clone)]
enum Moments {
    Numeric { sx: Numeric, sx2: Numeric },
    Float { sx: f64, sxx: f64 },
}

/// Input rows held for an ORDER BY inside the call: (sort key values, argument values).
type HeldRows = Vec<(Vec<Value>, Vec<Value>)>;

/// The running state of one aggregate over one group (cloned to read a window aggregate's
/// value part-way).
#[derive(Clone)]
pub struct AggState {
    func: AggFunc,
    distinct: Option<HashSet<Vec<u8>>>,
    /// With an ORDER BY inside the call: (descending, NULLs first) per key, and the rows
    /// held until the end.
    ordered: Option<(Vec<(bool, bool)>, HeldRows)>,
    count: i64,
    acc: Value,
    moments: Option<Moments>,
    /// array_agg: the element type and the values so far.
    items: Option<(DataType, Vec<Value>)>,
    /// The JSON aggregates: each row's (value, second argument or NULL), NULLs kept.
    json: Option<Vec<(Value, Value)>>,
    /// The result type (an ordered-set aggregate's result is built from it).
    result: DataType,
}

impl AggState {
    pub fn new(call: &crate::sql::plan::AggCall) -> AggState {
        AggState {
            func: call.func,
            distinct: call.distinct.then(HashSet::new),
            ordered: (!call.order_by.is_empty()).then(|| {
                (
                    call.order_by
                        .iter()
                        .map(|k| (k.desc, k.nulls_first))
                        .collect(),
                    Vec::new(),
                )
            }),
            count: 0,
            acc: Value::Null,
            result: call.result.clone(),
            moments: None,
            json: call.func.is_json().then(Vec::new),
            items: (call.func == AggFunc::ArrayAgg).then(|| {
                (
                    call.result.element().cloned().unwrap_or(DataType::Unknown),
                    Vec::new(),
                )
            }),
        }
    }

    /// Adds one input row: the call's argument values and its ORDER BY key values.
    pub fn add(&mut self, args: Vec<Value>, keys: Vec<Value>) -> Result<()> {
        match &mut self.ordered {
            Some((_, held)) => {
                held.push((keys, args));
                Ok(())
            }
            None => self.accumulate(args),
        }
    }

    fn accumulate(&mut self, args: Vec<Value>) -> Result<()> {
        if self.func == AggFunc::CountStar {
            self.count += 1;
            return Ok(());
        }
        // Every aggregate but string_agg (whose delimiter may be NULL) and array_agg (which
        // keeps NULLs) ignores rows with a NULL argument.
        let skip = match self.func {
            AggFunc::StringAgg => args.first().is_none_or(Value::is_null),
            AggFunc::ArrayAgg | AggFunc::JsonAgg | AggFunc::JsonbAgg => false,
            AggFunc::JsonObjectAgg | AggFunc::JsonbObjectAgg => {
                if args.first().is_none_or(Value::is_null) {
                    return Err(EngineError::Function {
                        code: "22023",
                        message: "field name must not be null".into(),
                    });
                }
                false
            }
            _ => args.iter().any(Value::is_null),
        };
        if skip {
            return Ok(());
        }
        if let Some(seen) = &mut self.distinct {
            if !seen.insert(row_key(&args)) {
                return Ok(());
            }
        }
        let mut args = args.into_iter();
        let v = args.next().ok_or(EngineError::Internal {
            reason: "aggregate without its argument",
        })?;
        self.count += 1;
        if let Some(pairs) = &mut self.json {
            pairs.push((v, args.next().unwrap_or(Value::Null)));
            return Ok(());
        }
        if let Some((_, items)) = &mut self.items {
            items.push(v);
            return Ok(());
        }
        self.acc = match self.func {
            AggFunc::CountStar
            | AggFunc::Count
            | AggFunc::ArrayAgg
            | AggFunc::JsonAgg
            | AggFunc::JsonbAgg
            | AggFunc::JsonObjectAgg
            | AggFunc::JsonbObjectAgg => Value::Null,
            // Computed from the held rows by `ordered_set::finish`.
            AggFunc::PercentileCont
            | AggFunc::PercentileDisc
            | AggFunc::Mode
            | AggFunc::HypRank
            | AggFunc::HypDenseRank
            | AggFunc::HypPercentRank
            | AggFunc::HypCumeDist => Value::Null,
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
            AggFunc::BoolAnd | AggFunc::BoolOr => {
                let (Value::Bool(b), acc) = (&v, &self.acc) else {
                    return Err(EngineError::Internal {
                        reason: "bool_and/bool_or over a non-boolean",
                    });
                };
                let acc = match acc {
                    Value::Bool(a) => *a,
                    _ => self.func == AggFunc::BoolAnd,
                };
                Value::Bool(if self.func == AggFunc::BoolAnd {
                    acc && *b
                } else {
                    acc || *b
                })
            }
            AggFunc::StringAgg => {
                let mut acc = match std::mem::replace(&mut self.acc, Value::Null) {
                    Value::Text(s) => Some(s),
                    _ => None,
                };
                let delimiter = args.next();
                let text = |x: &Value| x.to_text().unwrap_or_default();
                match &mut acc {
                    None => acc = Some(text(&v)),
                    Some(s) => {
                        if let Some(d) = delimiter.as_ref().filter(|d| !d.is_null()) {
                            s.push_str(&text(d));
                        }
                        s.push_str(&text(&v));
                    }
                }
                acc.map_or(Value::Null, Value::Text)
            }
            AggFunc::VarSamp | AggFunc::VarPop | AggFunc::StddevSamp | AggFunc::StddevPop => {
                self.add_moment(v)?;
                Value::Null
            }
        };
        Ok(())
    }

    fn add_moment(&mut self, v: Value) -> Result<()> {
        let n = self.count as f64; // already counts v
        match (&mut self.moments, v) {
            (None, Value::Numeric(x)) => {
                self.moments = Some(Moments::Numeric {
                    sx2: x.mul(&x)?,
                    sx: x,
                })
            }
            (Some(Moments::Numeric { sx, sx2 }), Value::Numeric(x)) => {
                *sx2 = sx2.add(&x.mul(&x)?)?;
                *sx = sx.add(&x)?;
            }
            (None, Value::Float8(x)) => self.moments = Some(Moments::Float { sx: x, sxx: 0.0 }),
            (Some(Moments::Float { sx, sxx }), Value::Float8(x)) => {
                *sx += x;
                let t = x * n - *sx;
                *sxx += t * t / (n * (n - 1.0));
            }
            _ => {
                return Err(EngineError::Internal {
                    reason: "variance over an unexpected type",
                })
            }
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<Value> {
        if let Some((order, mut held)) = self.ordered.take() {
            let mut failure = None;
            held.sort_by(|(a, _), (b, _)| {
                cmp_keys(a, b, &order).unwrap_or_else(|e| {
                    failure.get_or_insert(e);
                    Ordering::Equal
                })
            });
            if let Some(e) = failure {
                return Err(e);
            }
            if self.func.is_ordered_set() {
                return super::ordered_set::finish(self.func, &order, held, &self.result);
            }
            for (_, args) in held {
                self.accumulate(args)?;
            }
        }
        if self.func.is_variance() {
            return self.finish_variance();
        }
        if let Some(pairs) = self.json.take() {
            return super::json::aggregate(self.func, pairs);
        }
        if let Some((elem, items)) = self.items.take() {
            // No input rows: NULL, not an empty array.
            if items.is_empty() {
                return Ok(Value::Null);
            }
            return Ok(crate::types::array::construct(&elem, items)?);
        }
        Ok(match self.func {
            AggFunc::CountStar | AggFunc::Count => Value::Int8(self.count),
            AggFunc::Avg if !self.acc.is_null() => {
                let n = Value::Int8(self.count).cast(&self.acc.data_type(), CastKind::Implicit)?;
                eval_binary(BinaryOp::Div, &self.acc, &n)?
            }
            _ => self.acc,
        })
    }

    fn finish_variance(self) -> Result<Value> {
        let sample = matches!(self.func, AggFunc::VarSamp | AggFunc::StddevSamp);
        let stddev = matches!(self.func, AggFunc::StddevSamp | AggFunc::StddevPop);
        let n = self.count;
        if n == 0 || (sample && n == 1) {
            return Ok(Value::Null);
        }
        Ok(match self.moments {
            None => Value::Null,
            Some(Moments::Float { sxx, .. }) => {
                let var = sxx / if sample { n as f64 - 1.0 } else { n as f64 };
                Value::Float8(if stddev { var.sqrt() } else { var })
            }
            Some(Moments::Numeric { sx, sx2 }) => {
                if sx.is_nan() || sx2.is_nan() || sx.is_infinite() || sx2.is_infinite() {
                    return Ok(Value::Numeric(Numeric::nan()));
                }
                let nn = Numeric::from_i64(n);
                let num = nn.mul(&sx2)?.sub(&sx.mul(&sx)?)?;
                if num.signum() <= 0 {
                    return Ok(Value::Numeric(Numeric::from_i64(0)));
                }
                let den = Numeric::from_i64(n.saturating_mul(if sample { n - 1 } else { n }));
                let var = num.div(&den)?;
                Value::Numeric(if stddev { sqrt_at_scale(&var)? } else { var })
            }
        })
    }
}

/// The square root of a positive `v`, rounded to `v`'s own scale.
fn sqrt_at_scale(v: &Numeric) -> Result<Numeric> {
    let Some((mant, scale)) = v.parts() else {
        return Ok(v.clone());
    };
    // sqrt(m·10^-s) at scale s+1 is sqrt(m·10^(s+2)) · 10^-(s+1); then round to s.
    let root = (mant * BigInt::from(10u32).pow(scale + 2)).sqrt();
    let ten = BigInt::from(10u32);
    let (q, r) = (&root / &ten, &root % &ten);
    let rounded = if r >= BigInt::from(5u32) { q + 1 } else { q };
    Ok(Numeric::new(rounded, scale)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::expr::Expr;
    use crate::sql::plan::{AggCall, SortKey};

    fn call(func: AggFunc, distinct: bool, desc: Option<bool>) -> AggCall {
        AggCall {
            func,
            args: Vec::new(),
            result: DataType::Unknown,
            distinct,
            filter: None,
            order_by: desc
                .map(|desc| SortKey {
                    expr: Expr::Const(Value::Null),
                    desc,
                    nulls_first: desc,
                })
                .into_iter()
                .collect(),
        }
    }

    fn num(s: &str) -> Value {
        Value::Numeric(Numeric::parse(s).expect("numeric"))
    }

    fn text(v: Value) -> String {
        v.to_text().unwrap_or_else(|| "NULL".into())
    }

    #[test]
    fn numeric_variance_takes_division_scale() {
        let mut s = AggState::new(&call(AggFunc::VarSamp, false, None));
        for x in ["1", "2", "3"] {
            s.add(vec![num(x)], vec![]).expect("add");
        }
        assert_eq!(text(s.finish().expect("finish")), "1.00000000000000000000");
        let mut s = AggState::new(&call(AggFunc::StddevPop, false, None));
        for x in ["1", "2", "3", "4"] {
            s.add(vec![num(x)], vec![]).expect("add");
        }
        // sqrt(1.25)
        assert_eq!(text(s.finish().expect("finish")), "1.1180339887498948");
    }

    #[test]
    fn sample_variance_of_one_row_is_null_float_follows_youngs_cramer() {
        let mut s = AggState::new(&call(AggFunc::StddevSamp, false, None));
        s.add(vec![num("5")], vec![]).expect("add");
        assert_eq!(s.finish().expect("finish"), Value::Null);
        let mut s = AggState::new(&call(AggFunc::VarPop, false, None));
        for x in [1.0, 2.0, 4.0] {
            s.add(vec![Value::Float8(x)], vec![]).expect("add");
        }
        let Value::Float8(v) = s.finish().expect("finish") else {
            panic!("not a float")
        };
        assert!((v - 14.0 / 9.0).abs() < 1e-12);
    }

    #[test]
    fn string_agg_orders_and_skips_nulls() {
        let mut s = AggState::new(&call(AggFunc::StringAgg, true, Some(true)));
        for x in ["b", "a", "c", "a"] {
            let t = Value::Text(x.into());
            s.add(vec![t.clone(), Value::Text(",".into())], vec![t])
                .expect("add");
        }
        s.add(
            vec![Value::Null, Value::Text(",".into())],
            vec![Value::Null],
        )
        .expect("add");
        assert_eq!(text(s.finish().expect("finish")), "c,b,a");
    }

    #[test]
    fn bool_and_or_ignore_nulls() {
        let mut and = AggState::new(&call(AggFunc::BoolAnd, false, None));
        let mut or = AggState::new(&call(AggFunc::BoolOr, false, None));
        for b in [Value::Bool(true), Value::Null, Value::Bool(false)] {
            and.add(vec![b.clone()], vec![]).expect("add");
            or.add(vec![b], vec![]).expect("add");
        }
        assert_eq!(and.finish().expect("finish"), Value::Bool(false));
        assert_eq!(or.finish().expect("finish"), Value::Bool(true));
    }
}
