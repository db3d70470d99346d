//! Bitwise operators on integers (`& | # ~ << >>`), with the results PostgreSQL's C
//! implementation gives: shifts take their count modulo the width of the C type they are
//! computed in (`int` for smallint and integer, 64 bits for bigint) and `>>` keeps the sign.

use super::ops::BinaryOp;
use super::value::Value;

fn bits32(op: BinaryOp, a: i32, b: i32) -> i32 {
    match op {
        BinaryOp::BitAnd => a & b,
        BinaryOp::BitOr => a | b,
        BinaryOp::BitXor => a ^ b,
        BinaryOp::ShiftLeft => a.wrapping_shl(b as u32),
        _ => a.wrapping_shr(b as u32),
    }
}

/// `l op r` for integer operands of the resolved types (smallint/integer/bigint with an
/// integer shift count); None for other operand types.
pub fn eval(op: BinaryOp, l: &Value, r: &Value) -> Option<Value> {
    Some(match (l, r) {
        (Value::Int2(a), Value::Int2(b)) => {
            Value::Int2(bits32(op, i32::from(*a), i32::from(*b)) as i16)
        }
        (Value::Int2(a), Value::Int4(b)) => Value::Int2(bits32(op, i32::from(*a), *b) as i16),
        (Value::Int4(a), Value::Int4(b)) => Value::Int4(bits32(op, *a, *b)),
        (Value::Int8(a), Value::Int8(b)) => Value::Int8(match op {
            BinaryOp::BitAnd => a & b,
            BinaryOp::BitOr => a | b,
            BinaryOp::BitXor => a ^ b,
            _ => return None,
        }),
        (Value::Int8(a), Value::Int4(b)) => Value::Int8(match op {
            BinaryOp::ShiftLeft => a.wrapping_shl(*b as u32),
            BinaryOp::ShiftRight => a.wrapping_shr(*b as u32),
            _ => return None,
        }),
        _ => return None,
    })
}

/// `~v` on an integer; None for other types.
pub fn not(v: &Value) -> Option<Value> {
    Some(match v {
        Value::Null => Value::Null,
        Value::Int2(a) => Value::Int2(!a),
        Value::Int4(a) => Value::Int4(!a),
        Value::Int8(a) => Value::Int8(!a),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_and_masks_as_in_c() {
        let i4 = Value::Int4;
        let run = |op, a, b| eval(op, &i4(a), &i4(b)).and_then(|v| v.to_text());
        assert_eq!(run(BinaryOp::BitAnd, 5, 3).as_deref(), Some("1"));
        assert_eq!(run(BinaryOp::BitOr, 5, 3).as_deref(), Some("7"));
        assert_eq!(run(BinaryOp::BitXor, 5, 3).as_deref(), Some("6"));
        assert_eq!(run(BinaryOp::ShiftLeft, 1, 33).as_deref(), Some("2"));
        assert_eq!(run(BinaryOp::ShiftRight, -8, 1).as_deref(), Some("-4"));
        let s = eval(BinaryOp::ShiftLeft, &Value::Int2(1), &i4(20)).and_then(|v| v.to_text());
        assert_eq!(s.as_deref(), Some("0"));
        assert_eq!(not(&i4(5)).and_then(|v| v.to_text()).as_deref(), Some("-6"));
        assert!(eval(BinaryOp::BitAnd, &Value::Float8(1.0), &Value::Float8(1.0)).is_none());
    }
}
