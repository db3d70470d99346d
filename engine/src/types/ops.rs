//! Binary operators: resolution against PostgreSQL's `pg_operator` entries for the supported
//! types with its candidate-selection rules (`oper_select_candidate` / `func_select_candidate`),
//! and evaluation of arithmetic, comparison, concatenation, LIKE and boolean logic with
//! PostgreSQL's overflow, division-by-zero and special-value behaviour.

use super::error::TypeError;
use super::value::{float_cmp, Value};
use super::{can_cast, CastKind, DataType, TypeCategory};
use std::cmp::Ordering;

pub use super::like::{like_match, like_match_with};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    /// `||`
    Concat,
    And,
    Or,
    Like,
    ILike,
    NotLike,
    NotILike,
    /// `~`, `~*`, `!~`, `!~*`: POSIX regular expressions.
    RegexMatch,
    RegexIMatch,
    NotRegexMatch,
    NotRegexIMatch,
    /// `^@`
    StartsWith,
    BitAnd,
    BitOr,
    /// `#`
    BitXor,
    ShiftLeft,
    ShiftRight,
    /// `@>` (arrays)
    Contains,
    /// `<@` (arrays)
    ContainedBy,
    /// `&&` (arrays)
    Overlap,
    /// `->` (json, jsonb)
    JsonGet,
    /// `->>`
    JsonGetText,
    /// `#>`
    JsonPath,
    /// `#>>`
    JsonPathText,
    /// `?` (jsonb)
    JsonExists,
    /// `?|`
    JsonExistsAny,
    /// `?&`
    JsonExistsAll,
    /// `#-`
    JsonDeletePath,
}

impl BinaryOp {
    /// The operator's name in `pg_operator` (and in error messages).
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "^",
            BinaryOp::Eq => "=",
            BinaryOp::NotEq => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::Concat => "||",
            BinaryOp::And => "AND",
            BinaryOp::Or => "OR",
            BinaryOp::Like => "~~",
            BinaryOp::ILike => "~~*",
            BinaryOp::NotLike => "!~~",
            BinaryOp::NotILike => "!~~*",
            BinaryOp::RegexMatch => "~",
            BinaryOp::RegexIMatch => "~*",
            BinaryOp::NotRegexMatch => "!~",
            BinaryOp::NotRegexIMatch => "!~*",
            BinaryOp::StartsWith => "^@",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "#",
            BinaryOp::ShiftLeft => "<<",
            BinaryOp::ShiftRight => ">>",
            BinaryOp::Contains => "@>",
            BinaryOp::ContainedBy => "<@",
            BinaryOp::Overlap => "&&",
            BinaryOp::JsonGet => "->",
            BinaryOp::JsonGetText => "->>",
            BinaryOp::JsonPath => "#>",
            BinaryOp::JsonPathText => "#>>",
            BinaryOp::JsonExists => "?",
            BinaryOp::JsonExistsAny => "?|",
            BinaryOp::JsonExistsAll => "?&",
            BinaryOp::JsonDeletePath => "#-",
        }
    }

    /// Operators that exist only for json and jsonb operands.
    pub fn is_json_only(self) -> bool {
        matches!(
            self,
            BinaryOp::JsonGet
                | BinaryOp::JsonGetText
                | BinaryOp::JsonPath
                | BinaryOp::JsonPathText
                | BinaryOp::JsonExists
                | BinaryOp::JsonExistsAny
                | BinaryOp::JsonExistsAll
                | BinaryOp::JsonDeletePath
        )
    }

    /// `= <> < <= > >=`.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq
        )
    }
}

/// An operand slot of a `pg_operator` entry.
#[derive(Clone, Debug, PartialEq)]
enum Slot {
    T(DataType),
    /// `anynonarray`
    Any,
}

impl Slot {
    fn category(&self) -> Option<TypeCategory> {
        match self {
            Slot::T(t) => Some(t.category()),
            Slot::Any => None,
        }
    }
    fn is_preferred(&self) -> bool {
        matches!(self, Slot::T(t) if t.is_preferred())
    }
}

#[derive(Clone, Debug)]
struct Candidate {
    left: Slot,
    right: Slot,
    result: DataType,
}

fn num() -> DataType {
    DataType::Numeric {
        precision: None,
        scale: None,
    }
}

/// The `pg_operator` entries for `op` whose operands are among the supported types.
fn candidates(op: BinaryOp) -> Vec<Candidate> {
    use DataType as T;
    let c = |l: DataType, r: DataType, res: DataType| Candidate {
        left: Slot::T(l),
        right: Slot::T(r),
        result: res,
    };
    let ints = [T::Int2, T::Int4, T::Int8];
    let width = |t: &DataType| match t {
        T::Int2 => 0,
        T::Int4 => 1,
        _ => 2,
    };
    let mut v = Vec::new();
    let int_pairs = |v: &mut Vec<Candidate>, bool_result: bool| {
        for l in &ints {
            for r in &ints {
                let wider = if width(l) >= width(r) { l } else { r };
                let res = if bool_result { T::Bool } else { wider.clone() };
                v.push(c(l.clone(), r.clone(), res));
            }
        }
    };
    let float_pairs = |v: &mut Vec<Candidate>, bool_result: bool| {
        for (l, r) in [
            (T::Float4, T::Float4),
            (T::Float4, T::Float8),
            (T::Float8, T::Float4),
            (T::Float8, T::Float8),
        ] {
            let res = if bool_result {
                T::Bool
            } else if l == T::Float4 && r == T::Float4 {
                T::Float4
            } else {
                T::Float8
            };
            v.push(c(l, r, res));
        }
    };
    match op {
        BinaryOp::Eq
        | BinaryOp::NotEq
        | BinaryOp::Lt
        | BinaryOp::LtEq
        | BinaryOp::Gt
        | BinaryOp::GtEq => {
            int_pairs(&mut v, true);
            float_pairs(&mut v, true);
            let b = T::Bool;
            for t in [
                num(),
                T::Bool,
                T::Bytea,
                T::Char(None),
                T::Text,
                T::Date,
                T::Timestamp,
                T::Timestamptz,
                T::Time,
                T::Interval,
                T::Oid,
                T::Name,
                T::CharByte,
                T::Jsonb,
                T::Uuid,
            ] {
                v.push(c(t.clone(), t, b.clone()));
            }
            // `name` against `text` (btnametextcmp and friends).
            v.push(c(T::Name, T::Text, b.clone()));
            v.push(c(T::Text, T::Name, b.clone()));
            for (l, r) in [
                (T::Date, T::Timestamp),
                (T::Date, T::Timestamptz),
                (T::Timestamp, T::Date),
                (T::Timestamp, T::Timestamptz),
                (T::Timestamptz, T::Date),
                (T::Timestamptz, T::Timestamp),
            ] {
                v.push(c(l, r, b.clone()));
            }
        }
        BinaryOp::Add => {
            int_pairs(&mut v, false);
            float_pairs(&mut v, false);
            v.push(c(num(), num(), num()));
            for (l, r, res) in [
                (T::Date, T::Int4, T::Date),
                (T::Int4, T::Date, T::Date),
                (T::Date, T::Interval, T::Timestamp),
                (T::Interval, T::Date, T::Timestamp),
                (T::Date, T::Time, T::Timestamp),
                (T::Time, T::Date, T::Timestamp),
                (T::Interval, T::Interval, T::Interval),
                (T::Interval, T::Time, T::Time),
                (T::Time, T::Interval, T::Time),
                (T::Interval, T::Timestamp, T::Timestamp),
                (T::Timestamp, T::Interval, T::Timestamp),
                (T::Interval, T::Timestamptz, T::Timestamptz),
                (T::Timestamptz, T::Interval, T::Timestamptz),
            ] {
                v.push(c(l, r, res));
            }
        }
        BinaryOp::Sub => {
            int_pairs(&mut v, false);
            float_pairs(&mut v, false);
            v.push(c(num(), num(), num()));
            for (l, r, res) in [
                (T::Date, T::Date, T::Int4),
                (T::Date, T::Int4, T::Date),
                (T::Date, T::Interval, T::Timestamp),
                (T::Interval, T::Interval, T::Interval),
                (T::Time, T::Interval, T::Time),
                (T::Time, T::Time, T::Interval),
                (T::Timestamptz, T::Interval, T::Timestamptz),
                (T::Timestamptz, T::Timestamptz, T::Interval),
                (T::Timestamp, T::Interval, T::Timestamp),
                (T::Timestamp, T::Timestamp, T::Interval),
            ] {
                v.push(c(l, r, res));
            }
        }
        BinaryOp::Mul => {
            int_pairs(&mut v, false);
            float_pairs(&mut v, false);
            v.push(c(num(), num(), num()));
            v.push(c(T::Float8, T::Interval, T::Interval));
            v.push(c(T::Interval, T::Float8, T::Interval));
        }
        BinaryOp::Div => {
            int_pairs(&mut v, false);
            float_pairs(&mut v, false);
            v.push(c(num(), num(), num()));
            v.push(c(T::Interval, T::Float8, T::Interval));
        }
        BinaryOp::Mod => {
            for t in ints {
                v.push(c(t.clone(), t.clone(), t));
            }
            v.push(c(num(), num(), num()));
        }
        BinaryOp::Pow => {
            v.push(c(T::Float8, T::Float8, T::Float8));
            v.push(c(num(), num(), num()));
        }
        BinaryOp::Concat => {
            v.push(c(T::Text, T::Text, T::Text));
            v.push(Candidate {
                left: Slot::Any,
                right: Slot::T(T::Text),
                result: T::Text,
            });
            v.push(Candidate {
                left: Slot::T(T::Text),
                right: Slot::Any,
                result: T::Text,
            });
            v.push(c(T::Bytea, T::Bytea, T::Bytea));
        }
        BinaryOp::Like | BinaryOp::NotLike => {
            v.push(c(T::Text, T::Text, T::Bool));
            v.push(c(T::Char(None), T::Text, T::Bool));
            v.push(c(T::Bytea, T::Bytea, T::Bool));
        }
        BinaryOp::ILike | BinaryOp::NotILike => {
            v.push(c(T::Text, T::Text, T::Bool));
            v.push(c(T::Char(None), T::Text, T::Bool));
        }
        BinaryOp::RegexMatch
        | BinaryOp::RegexIMatch
        | BinaryOp::NotRegexMatch
        | BinaryOp::NotRegexIMatch => {
            v.push(c(T::Text, T::Text, T::Bool));
            v.push(c(T::Char(None), T::Text, T::Bool));
        }
        BinaryOp::StartsWith => v.push(c(T::Text, T::Text, T::Bool)),
        BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor => {
            for t in ints {
                v.push(c(t.clone(), t.clone(), t));
            }
        }
        BinaryOp::ShiftLeft | BinaryOp::ShiftRight => {
            for t in ints {
                v.push(c(t.clone(), T::Int4, t));
            }
        }
        BinaryOp::And
        | BinaryOp::Or
        | BinaryOp::Overlap
        | BinaryOp::Contains
        | BinaryOp::ContainedBy
        | BinaryOp::JsonGet
        | BinaryOp::JsonGetText
        | BinaryOp::JsonPath
        | BinaryOp::JsonPathText
        | BinaryOp::JsonExists
        | BinaryOp::JsonExistsAny
        | BinaryOp::JsonExistsAll
        | BinaryOp::JsonDeletePath => {}
    }
    for (l, r, res) in super::json::ops::signatures(op) {
        v.push(c(l, r, res));
    }
    v
}

fn slot_matches_exactly(slot: &Slot, t: &DataType) -> bool {
    matches!(slot, Slot::T(s) if s == t)
}

fn can_coerce(from: &DataType, slot: &Slot) -> bool {
    match slot {
        Slot::Any => true,
        Slot::T(t) => {
            from == t || *from == DataType::Unknown || can_cast(from, t, CastKind::Implicit)
        }
    }
}

/// Keeps the candidates with the highest score; returns how many remain.
fn keep_best(cands: &mut Vec<Candidate>, score: impl Fn(&Candidate) -> usize) {
    let best = cands.iter().map(&score).max().unwrap_or(0);
    cands.retain(|c| score(c) == best);
}

/// PostgreSQL's `func_select_candidate` for two arguments.
fn select_candidate(inputs: [&DataType; 2], mut cands: Vec<Candidate>) -> Option<Candidate> {
    let slots = |c: &Candidate| [c.left.clone(), c.right.clone()];
    let unknown = |i: usize| *inputs[i] == DataType::Unknown;
    // Most exact matches.
    keep_best(&mut cands, |c| {
        let s = slots(c);
        (0..2)
            .filter(|&i| !unknown(i) && slot_matches_exactly(&s[i], inputs[i]))
            .count()
    });
    if cands.len() == 1 {
        return cands.pop();
    }
    // Exact matches or preferred types where coercion is needed.
    keep_best(&mut cands, |c| {
        let s = slots(c);
        (0..2)
            .filter(|&i| {
                !unknown(i)
                    && (slot_matches_exactly(&s[i], inputs[i])
                        || (s[i].is_preferred() && s[i].category() == Some(inputs[i].category())))
            })
            .count()
    });
    if cands.len() == 1 {
        return cands.pop();
    }
    // Resolve unknown inputs by the categories the candidates accept there.
    let mut resolved = true;
    let mut slot_cat: [Option<Option<TypeCategory>>; 2] = [None, None];
    let mut slot_pref = [false, false];
    for i in 0..2 {
        if !unknown(i) {
            continue;
        }
        let mut conflict = false;
        for c in &cands {
            let s = &slots(c)[i];
            let (cat, pref) = (s.category(), s.is_preferred());
            match slot_cat[i] {
                None => {
                    slot_cat[i] = Some(cat);
                    slot_pref[i] = pref;
                }
                Some(sc) if sc == cat => slot_pref[i] |= pref,
                Some(_) => {
                    if cat == Some(TypeCategory::String) {
                        slot_cat[i] = Some(cat);
                        slot_pref[i] = pref;
                    } else {
                        conflict = true;
                    }
                }
            }
        }
        if conflict && slot_cat[i] != Some(Some(TypeCategory::String)) {
            resolved = false;
            break;
        }
    }
    if resolved {
        let kept: Vec<Candidate> = cands
            .iter()
            .filter(|c| {
                let s = slots(c);
                (0..2).all(|i| {
                    !unknown(i)
                        || (Some(s[i].category()) == slot_cat[i]
                            && (!slot_pref[i] || s[i].is_preferred()))
                })
            })
            .cloned()
            .collect();
        if kept.len() == 1 {
            return kept.into_iter().next();
        }
        if !kept.is_empty() {
            cands = kept;
        }
    }
    // Last gasp: unknown inputs assumed to be of the (single) known type.
    let known: Vec<&DataType> = inputs
        .iter()
        .copied()
        .filter(|t| **t != DataType::Unknown)
        .collect();
    if known.len() == 1 {
        let k = known[0];
        let fits: Vec<&Candidate> = cands
            .iter()
            .filter(|c| can_coerce(k, &c.left) && can_coerce(k, &c.right))
            .collect();
        if fits.len() == 1 {
            return fits.into_iter().next().cloned();
        }
    }
    None
}

fn operand_type(input: &DataType, slot: &Slot) -> DataType {
    match slot {
        Slot::Any if *input == DataType::Unknown => DataType::Text,
        Slot::Any => input.clone(),
        Slot::T(t) if input.base() == *t => input.clone(),
        Slot::T(t) => t.clone(),
    }
}

/// Resolves a binary operator as PostgreSQL does for the given operand types (`Unknown` for
/// untyped literals). Returns the types to cast the operands to and the result type.
/// The side of a `text || anynonarray` operator that is not text keeps its type (the value is
/// converted with its output function during evaluation).
pub fn resolve_binary(
    op: BinaryOp,
    left: &DataType,
    right: &DataType,
) -> Result<(DataType, DataType, DataType), TypeError> {
    if matches!(op, BinaryOp::And | BinaryOp::Or) {
        for t in [left, right] {
            if !matches!(t, DataType::Bool | DataType::Unknown) {
                return Err(TypeError::DatatypeMismatch {
                    message: format!(
                        "argument of {} must be type boolean, not type {}",
                        op.symbol(),
                        t.base_name()
                    ),
                });
            }
        }
        return Ok((DataType::Bool, DataType::Bool, DataType::Bool));
    }
    let (lb, rb) = (left.base(), right.base());
    // anyenum's comparison operators: both sides of one enum type (an untyped literal
    // becomes that type).
    if op.is_comparison() {
        let e = match (&lb, &rb) {
            (DataType::Enum(a), DataType::Enum(b)) if a == b => Some(&lb),
            (DataType::Enum(_), DataType::Unknown) => Some(&lb),
            (DataType::Unknown, DataType::Enum(_)) => Some(&rb),
            _ => None,
        };
        if let Some(e) = e {
            return Ok((e.clone(), e.clone(), DataType::Bool));
        }
    }
    let json_operand = |t: &DataType| matches!(t, DataType::Json | DataType::Jsonb);
    if !op.is_json_only() && !json_operand(&lb) && !json_operand(&rb) {
        if let Some(r) = resolve_array_op(op, &lb, &rb) {
            return r;
        }
    }
    let all = candidates(op);
    let finish = |c: &Candidate| {
        Ok((
            operand_type(left, &c.left),
            operand_type(right, &c.right),
            c.result.clone(),
        ))
    };
    let exact = |l: &DataType, r: &DataType| {
        all.iter()
            .find(|c| slot_matches_exactly(&c.left, l) && slot_matches_exactly(&c.right, r))
    };
    if let Some(c) = exact(&lb, &rb) {
        return finish(c);
    }
    if lb == DataType::Unknown && rb != DataType::Unknown {
        if let Some(c) = exact(&rb, &rb) {
            return finish(c);
        }
    }
    if rb == DataType::Unknown && lb != DataType::Unknown {
        if let Some(c) = exact(&lb, &lb) {
            return finish(c);
        }
    }
    let viable: Vec<Candidate> = all
        .into_iter()
        .filter(|c| can_coerce(&lb, &c.left) && can_coerce(&rb, &c.right))
        .collect();
    let err_names = || (lb.base_name().to_string(), rb.base_name().to_string());
    match viable.len() {
        0 => {
            let (l, r) = err_names();
            Err(TypeError::UndefinedOperator {
                op: op.symbol(),
                left: l,
                right: r,
            })
        }
        1 => finish(&viable[0]),
        _ => match select_candidate([&lb, &rb], viable) {
            Some(c) => finish(&c),
            None => {
                let (l, r) = err_names();
                Err(TypeError::AmbiguousOperator {
                    op: op.symbol(),
                    left: l,
                    right: r,
                })
            }
        },
    }
}

/// The array operators (`anycompatiblearray` operands): comparisons, `@>`, `<@`, `&&` and
/// `||`. An untyped literal against an array is an array of the same type; `||` with one
/// array side takes an element on the other. `None` when neither side is an array.
fn resolve_array_op(
    op: BinaryOp,
    l: &DataType,
    r: &DataType,
) -> Option<Result<(DataType, DataType, DataType), TypeError>> {
    use DataType as T;
    let array_op = matches!(
        op,
        BinaryOp::Contains | BinaryOp::ContainedBy | BinaryOp::Overlap
    );
    if !array_op && !matches!(l, T::Array(_)) && !matches!(r, T::Array(_)) {
        return None;
    }
    let undefined = || TypeError::UndefinedOperator {
        op: op.symbol(),
        left: l.base_name().to_string(),
        right: r.base_name().to_string(),
    };
    let arr = |e: DataType| T::Array(Box::new(e));
    let common = |a: &DataType, b: &DataType| {
        super::common_type_for("operator", &[a.clone(), b.clone()]).map_err(|_| undefined())
    };
    Some((|| {
        let (le, re) = match (l, r) {
            (T::Array(a), T::Array(b)) => (Some(&**a), Some(&**b)),
            (T::Array(a), T::Unknown) => (Some(&**a), Some(&**a)),
            (T::Unknown, T::Array(b)) => (Some(&**b), Some(&**b)),
            (T::Array(a), _) => (Some(&**a), None),
            (_, T::Array(b)) => (None, Some(&**b)),
            _ => (None, None),
        };
        if op == BinaryOp::Concat {
            return match (le, re) {
                (Some(a), Some(b)) => {
                    let e = common(a, b)?;
                    Ok((arr(e.clone()), arr(e.clone()), arr(e)))
                }
                (Some(a), None) => {
                    let e = common(a, r)?;
                    Ok((arr(e.clone()), e.clone(), arr(e)))
                }
                (None, Some(b)) => {
                    let e = common(l, b)?;
                    Ok((e.clone(), arr(e.clone()), arr(e)))
                }
                (None, None) => Err(undefined()),
            };
        }
        let comparable = op.is_comparison() || array_op;
        match (le, re) {
            // `anyarray` operands: both sides of one array type (no coercion between them).
            (Some(a), Some(b)) if comparable && a.base() == b.base() => {
                Ok((arr(a.base()), arr(a.base()), T::Bool))
            }
            _ => Err(undefined()),
        }
    })())
}

/// The result type of unary minus on `ty` (`- unknown` is ambiguous, as in PostgreSQL).
pub fn resolve_negate(ty: &DataType) -> Result<DataType, TypeError> {
    match ty.base() {
        t @ (DataType::Int2
        | DataType::Int4
        | DataType::Int8
        | DataType::Float4
        | DataType::Float8
        | DataType::Numeric { .. }
        | DataType::Interval) => Ok(t),
        DataType::Unknown => Err(TypeError::AmbiguousPrefixOperator {
            op: "-",
            operand: "unknown".into(),
        }),
        t => Err(TypeError::UndefinedPrefixOperator {
            op: "-",
            operand: t.base_name().to_string(),
        }),
    }
}

fn undefined(op: BinaryOp, l: &Value, r: &Value) -> TypeError {
    TypeError::UndefinedOperator {
        op: op.symbol(),
        left: l.data_type().base_name().to_string(),
        right: r.data_type().base_name().to_string(),
    }
}

/// Evaluates an operator on operands already cast to the resolved operand types. NULL in
/// gives NULL out, except AND/OR, which use three-valued logic. `Text` operands are treated
/// as `text`; see [`eval_binary_typed`] for `char(n)` comparison semantics.
pub fn eval_binary(op: BinaryOp, l: &Value, r: &Value) -> Result<Value, TypeError> {
    match op {
        BinaryOp::And => return Ok(and_or(l, r, true)),
        BinaryOp::Or => return Ok(and_or(l, r, false)),
        _ => {}
    }
    if l.is_null() || r.is_null() {
        return Ok(Value::Null);
    }
    if op.is_comparison() {
        let ord = l.sql_cmp(r)?.unwrap_or(Ordering::Equal);
        return Ok(Value::Bool(compare_result(op, ord)));
    }
    if op.is_json_only() || matches!(l, Value::Jsonb(_)) {
        if let Some(v) = super::json::eval_op(op, l, r)? {
            return Ok(v);
        }
    }
    match op {
        BinaryOp::Contains | BinaryOp::ContainedBy | BinaryOp::Overlap => match (l, r) {
            (Value::Array(a), Value::Array(b)) => {
                Ok(Value::Bool(super::array::containment(op, a, b)?))
            }
            _ => Err(undefined(op, l, r)),
        },
        BinaryOp::Concat => concat(l, r),
        BinaryOp::Like | BinaryOp::NotLike | BinaryOp::ILike | BinaryOp::NotILike => {
            let ci = matches!(op, BinaryOp::ILike | BinaryOp::NotILike);
            let negate = matches!(op, BinaryOp::NotLike | BinaryOp::NotILike);
            let m = match (l, r) {
                (Value::Text(s), Value::Text(p)) => like_match(s.as_bytes(), p.as_bytes(), ci)?,
                (Value::Bytea(s), Value::Bytea(p)) if !ci => like_match_with(s, p, false, false)?,
                _ => return Err(undefined(op, l, r)),
            };
            Ok(Value::Bool(m != negate))
        }
        BinaryOp::RegexMatch
        | BinaryOp::RegexIMatch
        | BinaryOp::NotRegexMatch
        | BinaryOp::NotRegexIMatch => {
            let ci = matches!(op, BinaryOp::RegexIMatch | BinaryOp::NotRegexIMatch);
            let negate = matches!(op, BinaryOp::NotRegexMatch | BinaryOp::NotRegexIMatch);
            match (l, r) {
                (Value::Text(s), Value::Text(p)) => {
                    Ok(Value::Bool(super::regex::regex_match(s, p, ci)? != negate))
                }
                _ => Err(undefined(op, l, r)),
            }
        }
        BinaryOp::StartsWith => match (l, r) {
            (Value::Text(s), Value::Text(p)) => Ok(Value::Bool(s.starts_with(p.as_str()))),
            _ => Err(undefined(op, l, r)),
        },
        BinaryOp::BitAnd
        | BinaryOp::BitOr
        | BinaryOp::BitXor
        | BinaryOp::ShiftLeft
        | BinaryOp::ShiftRight => super::bitops::eval(op, l, r).ok_or_else(|| undefined(op, l, r)),
        _ => super::arith::arith(op, l, r),
    }
}

/// [`eval_binary`] with the operands' static types, giving `character` comparisons
/// PostgreSQL's semantics (trailing spaces are insignificant).
pub fn eval_binary_typed(
    op: BinaryOp,
    l: &Value,
    left_type: &DataType,
    r: &Value,
    right_type: &DataType,
) -> Result<Value, TypeError> {
    if op.is_comparison()
        && matches!(left_type, DataType::Char(_))
        && matches!(right_type, DataType::Char(_))
    {
        if let (Value::Text(a), Value::Text(b)) = (l, r) {
            let ord = a
                .trim_end_matches(' ')
                .as_bytes()
                .cmp(b.trim_end_matches(' ').as_bytes());
            return Ok(Value::Bool(compare_result(op, ord)));
        }
    }
    eval_binary(op, l, r)
}

fn compare_result(op: BinaryOp, ord: Ordering) -> bool {
    match op {
        BinaryOp::Eq => ord == Ordering::Equal,
        BinaryOp::NotEq => ord != Ordering::Equal,
        BinaryOp::Lt => ord == Ordering::Less,
        BinaryOp::LtEq => ord != Ordering::Greater,
        BinaryOp::Gt => ord == Ordering::Greater,
        _ => ord != Ordering::Less,
    }
}

fn and_or(l: &Value, r: &Value, is_and: bool) -> Value {
    let b = |v: &Value| match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    };
    match (b(l), b(r)) {
        (Some(x), Some(y)) => Value::Bool(if is_and { x && y } else { x || y }),
        (Some(x), None) | (None, Some(x)) => {
            if x != is_and {
                Value::Bool(x)
            } else {
                Value::Null
            }
        }
        (None, None) => Value::Null,
    }
}

fn concat(l: &Value, r: &Value) -> Result<Value, TypeError> {
    let text = |v: &Value| match v {
        Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        v => v.to_text().unwrap_or_default(),
    };
    match (l, r) {
        (Value::Bytea(a), Value::Bytea(b)) => {
            let mut out = a.clone();
            out.extend_from_slice(b);
            Ok(Value::Bytea(out))
        }
        (Value::Text(_), _) | (_, Value::Text(_)) => Ok(Value::Text(text(l) + &text(r))),
        _ => Err(undefined(BinaryOp::Concat, l, r)),
    }
}

/// Unary minus.
pub fn eval_negate(v: &Value) -> Result<Value, TypeError> {
    Ok(match v {
        Value::Null => Value::Null,
        Value::Int2(i) => Value::Int2(i.checked_neg().ok_or(TypeError::IntegerOutOfRange {
            type_name: "smallint",
        })?),
        Value::Int4(i) => Value::Int4(i.checked_neg().ok_or(TypeError::IntegerOutOfRange {
            type_name: "integer",
        })?),
        Value::Int8(i) => Value::Int8(i.checked_neg().ok_or(TypeError::IntegerOutOfRange {
            type_name: "bigint",
        })?),
        Value::Float4(f) => Value::Float4(-f),
        Value::Float8(f) => Value::Float8(-f),
        Value::Numeric(n) => Value::Numeric(n.neg()),
        Value::Interval(i) => Value::Interval(i.checked_neg()?),
        v => {
            return Err(TypeError::UndefinedPrefixOperator {
                op: "-",
                operand: v.data_type().base_name().to_string(),
            })
        }
    })
}

/// Compares two floats as PostgreSQL does (exposed for sorting helpers).
pub fn float8_cmp(a: f64, b: f64) -> Ordering {
    float_cmp(a, b)
}

/// Prefix `~` on an integer (None for other types).
pub fn eval_bit_not(v: &Value) -> Option<Value> {
    super::bitops::not(v)
}
