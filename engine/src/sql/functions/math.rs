//! Mathematical functions on integers, floats and numerics. Float results follow
//! PostgreSQL's `float.c` (the C library's functions, with its overflow and underflow
//! checks, 2201E for logarithms of zero or negatives, 2201F for square roots of
//! negatives); numeric ones live in `numeric`.

use super::numeric as num;
use super::{
    arg, bigint_out_of_range, f64_arg, int_arg, integer_out_of_range, pg_error,
    smallint_out_of_range, wrong_type, ScalarFunc,
};
use crate::error::{EngineError, Result};
use crate::types::ops::{eval_binary, eval_negate, BinaryOp};
use crate::types::{TypeError, Value};

/// PostgreSQL's `RADIANS_PER_DEGREE`.
const RADIANS_PER_DEGREE: f64 = 0.017_453_292_519_943_295;

fn overflow() -> EngineError {
    TypeError::FloatOverflow.into()
}

fn underflow() -> EngineError {
    TypeError::FloatUnderflow.into()
}

/// `check_float8_val`: an infinite result from finite inputs overflowed; a zero result from
/// a non-zero input underflowed.
fn checked(result: f64, inf_ok: bool, zero_ok: bool) -> Result<Value> {
    if result.is_infinite() && !inf_ok {
        return Err(overflow());
    }
    if result == 0.0 && !zero_ok {
        return Err(underflow());
    }
    Ok(Value::Float8(result))
}

fn log_error(x: f64) -> Option<EngineError> {
    if x == 0.0 {
        Some(pg_error("2201E", "cannot take logarithm of zero".into()))
    } else if x < 0.0 {
        Some(pg_error(
            "2201E",
            "cannot take logarithm of a negative number".into(),
        ))
    } else {
        None
    }
}

pub(super) fn call(f: ScalarFunc, args: &[Value]) -> Result<Value> {
    use ScalarFunc as F;
    if f == F::Pi {
        return Ok(Value::Float8(std::f64::consts::PI));
    }
    let first = arg(args, 0)?;
    if let Value::Numeric(n) = first {
        return num::call(f, n, args);
    }
    Ok(match f {
        F::Abs => match first {
            Value::Float4(v) => Value::Float4(v.abs()),
            Value::Float8(v) => Value::Float8(v.abs()),
            Value::Int2(v) => Value::Int2(v.checked_abs().ok_or_else(smallint_out_of_range)?),
            Value::Int4(v) => Value::Int4(v.checked_abs().ok_or_else(integer_out_of_range)?),
            Value::Int8(v) => Value::Int8(v.checked_abs().ok_or_else(bigint_out_of_range)?),
            _ => return Err(wrong_type()),
        },
        F::Mod => eval_binary(BinaryOp::Mod, first, arg(args, 1)?)?,
        F::Power => eval_binary(BinaryOp::Pow, first, arg(args, 1)?)?,
        F::Gcd | F::Lcm => gcd_lcm(f == F::Gcd, first, arg(args, 1)?)?,
        F::Factorial => factorial(int_arg(args, 0)?)?,
        _ => float_call(f, f64_arg(args, 0)?)?,
    })
}

fn float_call(f: ScalarFunc, x: f64) -> Result<Value> {
    use ScalarFunc as F;
    Ok(match f {
        F::Round => Value::Float8(x.round_ties_even()),
        F::Trunc => Value::Float8(x.trunc()),
        F::Ceil => Value::Float8(x.ceil()),
        F::Floor => Value::Float8(x.floor()),
        F::Sign => Value::Float8(if x > 0.0 {
            1.0
        } else if x < 0.0 {
            -1.0
        } else {
            0.0
        }),
        F::Sqrt => {
            if x < 0.0 {
                return Err(pg_error(
                    "2201F",
                    "cannot take square root of a negative number".into(),
                ));
            }
            checked(x.sqrt(), x.is_infinite(), x == 0.0)?
        }
        F::Cbrt => checked(glibc_cbrt(x), x.is_infinite(), x == 0.0)?,
        F::Exp => {
            if x.is_nan() {
                Value::Float8(x)
            } else if x.is_infinite() {
                Value::Float8(if x > 0.0 { x } else { 0.0 })
            } else {
                checked(x.exp(), false, false)?
            }
        }
        F::Ln | F::Log | F::Log10 => {
            if let Some(e) = log_error(x) {
                return Err(e);
            }
            let r = if f == F::Ln { x.ln() } else { x.log10() };
            checked(r, x.is_infinite(), x == 1.0)?
        }
        F::Degrees => checked(x / RADIANS_PER_DEGREE, x.is_infinite(), x == 0.0)?,
        F::Radians => checked(x * RADIANS_PER_DEGREE, x.is_infinite(), x == 0.0)?,
        _ => return Err(wrong_type()),
    })
}

/// The C library's `cbrt` as glibc computes it (`sysdeps/ieee754/dbl-64/s_cbrt.c`: a
/// polynomial first guess and one Halley step), so that results match PostgreSQL's to the
/// last bit (Rust's own `cbrt` rounds differently).
fn glibc_cbrt(x: f64) -> f64 {
    #[allow(clippy::excessive_precision)]
    const CBRT2: f64 = 1.2599210498948731648;
    #[allow(clippy::excessive_precision)]
    const SQR_CBRT2: f64 = 1.5874010519681994748;
    const FACTOR: [f64; 5] = [1.0 / SQR_CBRT2, 1.0 / CBRT2, 1.0, CBRT2, SQR_CBRT2];
    if x == 0.0 || !x.is_finite() {
        return x + x;
    }
    // frexp: |x| = xm * 2^xe with xm in [0.5, 1).
    let (a, extra) = if x.abs() < f64::MIN_POSITIVE {
        (x.abs() * 2f64.powi(54), -54)
    } else {
        (x.abs(), 0)
    };
    let bits = a.to_bits();
    let xe = ((bits >> 52) & 0x7ff) as i32 - 1022 + extra;
    let xm = f64::from_bits((bits & !(0x7ff_u64 << 52)) | (1022_u64 << 52));
    #[allow(clippy::excessive_precision)]
    let u = 0.354_895_765_043_919_860
        + ((1.508_191_937_815_848_96
            + ((-2.114_994_941_673_712_87
                + ((2.446_931_225_635_344_30
                    + ((-1.834_692_774_836_130_86
                        + (0.784_932_344_976_639_262 - 0.145_263_899_385_486_377 * xm) * xm)
                        * xm))
                    * xm))
                * xm))
            * xm);
    let t2 = u * u * u;
    let ym = u * (t2 + 2.0 * xm) / (2.0 * t2 + xm) * FACTOR[(2 + xe % 3) as usize];
    // ldexp by xe / 3 (|xe / 3| < 360): one multiplication by an exact power of two.
    let y = if x > 0.0 { ym } else { -ym };
    y * 2f64.powi(xe / 3)
}

/// `factorial(n)`: numeric; negative arguments are out of range, as are results beyond the
/// numeric format (n > 32177).
fn factorial(n: i64) -> Result<Value> {
    if n < 0 {
        // PostgreSQL: 22003 "factorial of a negative number is undefined".
        return Err(TypeError::NumericFieldOverflow {
            detail: "factorial of a negative number is undefined".into(),
        }
        .into());
    }
    if n > 32177 {
        return Err(TypeError::NumericOverflow.into());
    }
    let mut acc = bigdecimal::num_bigint::BigInt::from(1u32);
    for k in 2..=n {
        acc *= k;
    }
    Ok(Value::Numeric(crate::types::Numeric::new(acc, 0)?))
}

fn gcd_u128(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Integer `gcd` / `lcm`: results that do not fit the type (e.g. `gcd(-2147483648, 0)`)
/// are out of range.
fn gcd_lcm(is_gcd: bool, a: &Value, b: &Value) -> Result<Value> {
    let (x, y) = match (a.as_int(), b.as_int()) {
        (Some(x), Some(y)) => (x, y),
        _ => return Err(wrong_type()),
    };
    let (ux, uy) = (x.unsigned_abs() as u128, y.unsigned_abs() as u128);
    let g = gcd_u128(ux, uy);
    let r = if is_gcd {
        g
    } else if ux == 0 || uy == 0 {
        0
    } else {
        ux / g * uy
    };
    match a {
        Value::Int4(_) => i32::try_from(r)
            .map(Value::Int4)
            .map_err(|_| integer_out_of_range()),
        _ => i64::try_from(r)
            .map(Value::Int8)
            .map_err(|_| bigint_out_of_range()),
    }
}

trait AsInt {
    fn as_int(&self) -> Option<i64>;
}

impl AsInt for Value {
    fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int2(v) => Some(i64::from(*v)),
            Value::Int4(v) => Some(i64::from(*v)),
            Value::Int8(v) => Some(*v),
            _ => None,
        }
    }
}

/// `abs` of a numeric (keeps its display scale).
pub(super) fn numeric_abs(v: &Value) -> Result<Value> {
    match v {
        Value::Numeric(n) if n.signum() < 0 => Ok(eval_negate(v)?),
        _ => Ok(v.clone()),
    }
}

/// `int_arg` for the scale argument of `round` / `trunc`.
pub(super) fn scale_arg(args: &[Value]) -> Result<Option<i64>> {
    match args.get(1) {
        Some(_) => int_arg(args, 1).map(Some),
        None => Ok(None),
    }
}
