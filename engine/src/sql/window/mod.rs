//! Window functions: the calls a `Plan::Window` computes (ranking and offset functions, and
//! aggregates over a frame), their frames (`ROWS | RANGE | GROUPS`, bounds, `EXCLUDE`),
//! PostgreSQL's argument and result types for them, and their evaluation over one sorted
//! partition (`exec`). Frame arithmetic lives in `frame`; the `EXCLUDE` clause, which
//! sqlparser does not read, is carried through parsing by `syntax`.

pub mod exec;
pub mod frame;
pub mod syntax;

use crate::error::{EngineError, Result};
use crate::sql::expr::Expr;
use crate::sql::plan::AggCall;
use crate::types::{common_type, DataType};

/// A window function (an aggregate used with OVER is `Agg`).
#[derive(Clone, Debug)]
pub enum WindowFunc {
    RowNumber,
    Rank,
    DenseRank,
    PercentRank,
    CumeDist,
    Ntile,
    Lag,
    Lead,
    FirstValue,
    LastValue,
    NthValue,
    /// An aggregate over the frame; its arguments and FILTER read the window's input row.
    Agg(AggCall),
}

impl WindowFunc {
    /// The built-in window function called `name`, if there is one.
    pub fn by_name(name: &str) -> Option<WindowFunc> {
        Some(match name {
            "row_number" => WindowFunc::RowNumber,
            "rank" => WindowFunc::Rank,
            "dense_rank" => WindowFunc::DenseRank,
            "percent_rank" => WindowFunc::PercentRank,
            "cume_dist" => WindowFunc::CumeDist,
            "ntile" => WindowFunc::Ntile,
            "lag" => WindowFunc::Lag,
            "lead" => WindowFunc::Lead,
            "first_value" => WindowFunc::FirstValue,
            "last_value" => WindowFunc::LastValue,
            "nth_value" => WindowFunc::NthValue,
            _ => return None,
        })
    }

    /// Whether the function reads the frame (the others read the partition and peers only).
    pub fn uses_frame(&self) -> bool {
        matches!(
            self,
            WindowFunc::FirstValue
                | WindowFunc::LastValue
                | WindowFunc::NthValue
                | WindowFunc::Agg(_)
        )
    }

    /// (types the arguments are cast to, result type) of a built-in window function, as
    /// PostgreSQL 15 declares them; `name` is the name called, for errors.
    pub fn types(&self, name: &str, args: &[DataType]) -> Result<(Vec<DataType>, DataType)> {
        let undefined = || EngineError::UndefinedFunction {
            signature: format!(
                "{name}({})",
                args.iter()
                    .map(|t| t.display_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        // A literal of unknown type reads as an integer in integer positions, else as text.
        let int = |t: &DataType| {
            *t == DataType::Unknown
                || crate::types::can_cast(t, &DataType::Int4, crate::types::CastKind::Implicit)
        };
        let args: Vec<DataType> = args
            .iter()
            .enumerate()
            .map(|(i, t)| match t {
                DataType::Unknown if i == 0 && !matches!(self, WindowFunc::Ntile) => DataType::Text,
                t => t.clone(),
            })
            .collect();
        Ok(match (self, args.as_slice()) {
            (WindowFunc::RowNumber | WindowFunc::Rank | WindowFunc::DenseRank, []) => {
                (Vec::new(), DataType::Int8)
            }
            (WindowFunc::PercentRank | WindowFunc::CumeDist, []) => (Vec::new(), DataType::Float8),
            (WindowFunc::Ntile, [n]) if int(n) => (vec![DataType::Int4], DataType::Int4),
            (WindowFunc::Lag | WindowFunc::Lead, [v]) => (vec![v.clone()], v.clone()),
            (WindowFunc::Lag | WindowFunc::Lead, [v, n]) if int(n) => {
                (vec![v.clone(), DataType::Int4], v.clone())
            }
            // lag/lead(anycompatible, integer, anycompatible): value and default share a type.
            (WindowFunc::Lag | WindowFunc::Lead, [v, n, d]) if int(n) => {
                let t = common_type(&[v.clone(), d.clone()]).map_err(|_| undefined())?;
                (vec![t.clone(), DataType::Int4, t.clone()], t)
            }
            (WindowFunc::FirstValue | WindowFunc::LastValue, [v]) => (vec![v.clone()], v.clone()),
            (WindowFunc::NthValue, [v, n]) if int(n) => {
                (vec![v.clone(), DataType::Int4], v.clone())
            }
            _ => return Err(undefined()),
        })
    }
}

/// `ROWS`, `RANGE` or `GROUPS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameUnits {
    Rows,
    Range,
    Groups,
}

/// One end of a frame; offsets are evaluated once per execution (they read no row).
#[derive(Clone, Debug)]
pub enum FrameBound {
    UnboundedPreceding,
    Preceding(Expr),
    CurrentRow,
    Following(Expr),
    UnboundedFollowing,
}

/// `EXCLUDE …`: rows of the frame left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exclusion {
    NoOthers,
    CurrentRow,
    Group,
    Ties,
}

/// A window frame. Without a frame clause: `RANGE UNBOUNDED PRECEDING` to `CURRENT ROW`.
#[derive(Clone, Debug)]
pub struct Frame {
    pub units: FrameUnits,
    pub start: FrameBound,
    pub end: FrameBound,
    pub exclusion: Exclusion,
}

impl Frame {
    pub fn default_frame() -> Frame {
        Frame {
            units: FrameUnits::Range,
            start: FrameBound::UnboundedPreceding,
            end: FrameBound::CurrentRow,
            exclusion: Exclusion::NoOthers,
        }
    }
}

/// One call of a `Plan::Window`.
#[derive(Clone, Debug)]
pub struct WindowCall {
    pub func: WindowFunc,
    /// Arguments over the window's input row (for `Agg`, the aggregate's own).
    pub args: Vec<Expr>,
    pub frame: Frame,
    pub result: DataType,
}

/// The calls of one window (one PARTITION BY / ORDER BY), computed by one `Plan::Window`.
#[derive(Clone, Debug)]
pub struct WindowSpec {
    pub partition: Vec<crate::sql::plan::SortKey>,
    pub order: Vec<crate::sql::plan::SortKey>,
    pub calls: Vec<WindowCall>,
}
