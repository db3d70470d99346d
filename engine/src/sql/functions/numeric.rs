//! Mathematical functions on `numeric`, with PostgreSQL's special values and its choice of
//! result scale (`numeric_sqrt`, `numeric_exp`, `numeric_ln`, `log_var`: at least 16
//! significant digits and no fewer decimals than the input, at most 1000). Square roots,
//! logarithms and exponentials are computed in fixed point with guard digits and rounded.

use super::math::{numeric_abs, scale_arg};
use super::{arg, pg_error, wrong_type, ScalarFunc};
use crate::error::{EngineError, Result};
use crate::types::ops::{eval_binary, BinaryOp};
use crate::types::{Numeric, TypeError, Value};
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::num_traits::{Signed, ToPrimitive, Zero};

const MIN_SIG_DIGITS: i64 = 16;
const MAX_DISPLAY_SCALE: i64 = 1000;
/// The scales `round` / `trunc` take: up to `NUMERIC_DSCALE_MAX` decimals, down to one digit
/// beyond the largest weight.
const MAX_ROUND_SCALE: i64 = 16383;
const MIN_ROUND_SCALE: i64 = -(32767 + 1) * 4 - 1;

fn pow10(n: u64) -> BigInt {
    BigInt::from(10u32).pow(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Number of decimal digits of `|v|` (0 for zero).
fn digits(v: &BigInt) -> i64 {
    if v.is_zero() {
        0
    } else {
        v.abs().to_string().len() as i64
    }
}

/// Divides rounding half away from zero.
fn div_round(n: &BigInt, d: &BigInt) -> BigInt {
    let (q, r) = (n / d, n % d);
    if r.abs() * 2u32 >= d.abs() {
        if (n.sign() == Sign::Minus) != (d.sign() == Sign::Minus) {
            q - 1
        } else {
            q + 1
        }
    } else {
        q
    }
}

/// `mant * 10^-from` at scale `to` (rounded half away from zero, or truncated).
fn rescale(mant: &BigInt, from: i64, to: i64, round: bool) -> BigInt {
    if to >= from {
        mant * pow10((to - from) as u64)
    } else if round {
        div_round(mant, &pow10((from - to) as u64))
    } else {
        mant / pow10((from - to) as u64)
    }
}

fn make(mant: BigInt, scale: i64) -> Result<Value> {
    let scale = u32::try_from(scale).map_err(|_| TypeError::NumericOverflow)?;
    Ok(Value::Numeric(Numeric::new(mant, scale)?))
}

fn parts(n: &Numeric) -> Result<(&BigInt, i64)> {
    n.parts()
        .map(|(m, s)| (m, i64::from(s)))
        .ok_or_else(wrong_type)
}

fn numeric_arg(args: &[Value], i: usize) -> Result<&Numeric> {
    match arg(args, i)? {
        Value::Numeric(n) => Ok(n),
        _ => Err(wrong_type()),
    }
}

fn log_of_zero() -> EngineError {
    pg_error("2201E", "cannot take logarithm of zero".into())
}

fn log_of_negative() -> EngineError {
    pg_error("2201E", "cannot take logarithm of a negative number".into())
}

/// The weight of the leading base-10000 digit and that digit's value, as PostgreSQL's
/// representation has them ((0, 0) for zero).
fn nbase_weight(mant: &BigInt, scale: i64) -> (i64, BigInt) {
    if mant.is_zero() {
        return (0, BigInt::zero());
    }
    let e10 = digits(mant) - 1 - scale;
    let w = e10.div_euclid(4);
    (w, floor_at(mant, scale, w))
}

/// `floor(|v| / 10000^w)` for `v = mant * 10^-scale`.
fn floor_at(mant: &BigInt, scale: i64, w: i64) -> BigInt {
    let shift = -scale - 4 * w;
    if shift >= 0 {
        mant.abs() * pow10(shift as u64)
    } else {
        mant.abs() / pow10((-shift) as u64)
    }
}

/// PostgreSQL's `estimate_ln_dweight`: the decimal weight of ln(v), v > 0.
fn estimate_ln_dweight(mant: &BigInt, scale: i64) -> i64 {
    let one = pow10(scale as u64);
    if mant * 10u32 >= &one * 9u32 && mant * 10u32 <= &one * 11u32 {
        let x = mant - &one;
        if x.is_zero() {
            return 0;
        }
        let (w, first) = nbase_weight(&x, scale);
        return w * 4 + trunc_log10(first.to_f64().unwrap_or(1.0));
    }
    let (w, first) = nbase_weight(mant, scale);
    // More than one base-10000 digit: something below the leading one is non-zero.
    let shift = -scale - 4 * w;
    let single = shift >= 0 || (mant.abs() % pow10((-shift) as u64)).is_zero();
    let (digits, dweight) = if single {
        (first.to_f64().unwrap_or(1.0), w * 4)
    } else {
        let two = floor_at(mant, scale, w - 1);
        (two.to_f64().unwrap_or(1.0), (w - 1) * 4)
    };
    let ln_var = digits.ln() + dweight as f64 * std::f64::consts::LN_10;
    trunc_log10(ln_var)
}

/// `(int) log10(fabs(v))`, with 0 for a zero argument.
fn trunc_log10(v: f64) -> i64 {
    let l = v.abs().log10();
    if l.is_finite() {
        l as i64
    } else {
        0
    }
}

fn clamp_scale(r: i64) -> i64 {
    r.clamp(0, MAX_DISPLAY_SCALE)
}

/// ln(y / 10^w) for y / 10^w in (0, 10], fixed point at 10^w: square roots bring the
/// argument near 1, then the atanh series.
fn ln_reduced(y: &BigInt, w: u64) -> BigInt {
    const SQRTS: u32 = 10;
    let one = pow10(w);
    let mut v = y.clone();
    for _ in 0..SQRTS {
        v = (&v * &one).sqrt();
    }
    let z = (&v - &one) * &one / (&v + &one);
    let z2 = &z * &z / &one;
    let mut term = z.clone();
    let mut sum = z;
    let mut k: u32 = 1;
    loop {
        term = &term * &z2 / &one;
        if term.is_zero() {
            break;
        }
        sum += &term / (2 * k + 1);
        k += 1;
    }
    sum * (2u32 << SQRTS)
}

/// ln(mant * 10^-scale) (> 0) in fixed point at 10^p.
fn ln_fixed(mant: &BigInt, scale: i64, p: u64) -> BigInt {
    let k = digits(mant) - 1 - scale; // v = y * 10^k, y in [1, 10)
    let w = p + 8 + digits(&BigInt::from(k)) as u64;
    let shift = w as i64 - scale - k;
    let y = if shift >= 0 {
        mant * pow10(shift as u64)
    } else {
        mant / pow10((-shift) as u64)
    };
    let mut total = ln_reduced(&y, w);
    if k != 0 {
        total += ln_reduced(&(pow10(w) * 10u32), w) * k;
    }
    div_round(&total, &pow10(w - p))
}

/// exp(x / 10^w) for |x / 10^w| small, fixed point at 10^w: halvings, Taylor, squarings.
fn exp_reduced(x: &BigInt, w: u64) -> BigInt {
    const HALVINGS: u32 = 10;
    let one = pow10(w);
    let t = x / (1u32 << HALVINGS);
    let mut term = one.clone();
    let mut sum = one.clone();
    let mut k: u32 = 1;
    loop {
        term = &term * &t / &one / k;
        if term.is_zero() {
            break;
        }
        sum += &term;
        k += 1;
    }
    for _ in 0..HALVINGS {
        sum = &sum * &sum / &one;
    }
    sum
}

/// exp(mant * 10^-scale) rounded to `rscale` decimals, as a mantissa at that scale.
fn exp_to_scale(mant: &BigInt, scale: i64, rscale: i64, approx: f64) -> BigInt {
    let q = (approx / std::f64::consts::LN_10).round() as i64;
    // Significant digits the result needs, plus guards.
    let sig = (q + rscale + 1).max(1) as u64;
    let w = sig + 20;
    let ln10 = ln_fixed(&BigInt::from(10u32), 0, w + digits(&BigInt::from(q)) as u64);
    let ln10 = div_round(&ln10, &pow10(digits(&BigInt::from(q)) as u64));
    let x = rescale(mant, scale, w as i64, true);
    let r = x - ln10 * q;
    let e = exp_reduced(&r, w);
    // e / 10^w * 10^q at rscale.
    let shift = q + rscale - w as i64;
    if shift >= 0 {
        e * pow10(shift as u64)
    } else {
        div_round(&e, &pow10((-shift) as u64))
    }
}

/// A numeric as f64 without overflow (for scale estimates).
fn approx(n: &Numeric) -> f64 {
    n.to_f64().unwrap_or(if n.signum() < 0 {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    })
}

/// `log_var`: log base `b` of `x`, both positive and finite.
fn log_base(b: &Numeric, x: &Numeric) -> Result<Value> {
    let (bm, bs) = parts(b)?;
    let (xm, xs) = parts(x)?;
    for m in [bm, xm] {
        match m.sign() {
            Sign::NoSign => return Err(log_of_zero()),
            Sign::Minus => return Err(log_of_negative()),
            Sign::Plus => {}
        }
    }
    let (db, dx) = (estimate_ln_dweight(bm, bs), estimate_ln_dweight(xm, xs));
    let rscale = clamp_scale((MIN_SIG_DIGITS - (dx - db)).max(bs).max(xs));
    let p = (rscale + 20 + db.abs() + dx.abs()) as u64;
    let lb = ln_fixed(bm, bs, p);
    if lb.is_zero() {
        return Err(TypeError::DivisionByZero.into());
    }
    let lx = ln_fixed(xm, xs, p);
    make(div_round(&(lx * pow10(rscale as u64)), &lb), rscale)
}

pub(super) fn call(f: ScalarFunc, n: &Numeric, args: &[Value]) -> Result<Value> {
    use ScalarFunc as F;
    let special = n.is_nan() || n.is_infinite();
    match f {
        F::Abs => numeric_abs(&Value::Numeric(n.clone())),
        F::Mod => Ok(eval_binary(BinaryOp::Mod, &args[0], arg(args, 1)?)?),
        F::Power => Ok(eval_binary(BinaryOp::Pow, &args[0], arg(args, 1)?)?),
        F::Round | F::Trunc | F::Ceil | F::Floor if special => Ok(Value::Numeric(n.clone())),
        F::Round | F::Trunc => {
            let (m, s) = parts(n)?;
            let target = scale_arg(args)?
                .unwrap_or(0)
                .clamp(MIN_ROUND_SCALE, MAX_ROUND_SCALE);
            if target >= 0 {
                make(rescale(m, s, target, f == F::Round), target)
            } else {
                let unit = pow10(target.unsigned_abs());
                make(rescale(m, s, target, f == F::Round) * unit, 0)
            }
        }
        F::Ceil | F::Floor => {
            let (m, s) = parts(n)?;
            let d = pow10(s as u64);
            let (q, r) = (m / &d, m % &d);
            let bump = !r.is_zero()
                && if f == F::Ceil {
                    m.sign() == Sign::Plus
                } else {
                    m.sign() == Sign::Minus
                };
            let q = if !bump {
                q
            } else if f == F::Ceil {
                q + 1
            } else {
                q - 1
            };
            make(q, 0)
        }
        F::Sign => Ok(if n.is_nan() {
            Value::Numeric(n.clone())
        } else {
            Value::Numeric(Numeric::from_i64(i64::from(n.signum())))
        }),
        F::Scale => Ok(match n.parts() {
            Some((_, s)) => Value::Int4(s as i32),
            None => Value::Null,
        }),
        F::Div => {
            let d = numeric_arg(args, 1)?;
            if n.is_nan() || d.is_nan() {
                return Ok(Value::Numeric(Numeric::nan()));
            }
            if special || d.is_infinite() {
                // The division's own special cases, truncated.
                return match n.div(d)? {
                    q if q.is_nan() || q.is_infinite() => Ok(Value::Numeric(q)),
                    _ => make(BigInt::zero(), 0),
                };
            }
            let ((a, sa), (b, sb)) = (parts(n)?, parts(d)?);
            if b.is_zero() {
                return Err(TypeError::DivisionByZero.into());
            }
            make((a * pow10(sb as u64)) / (b * pow10(sa as u64)), 0)
        }
        F::Gcd | F::Lcm => {
            let other = numeric_arg(args, 1)?;
            if special || other.is_nan() || other.is_infinite() {
                return Ok(Value::Numeric(Numeric::nan()));
            }
            let ((a, sa), (b, sb)) = (parts(n)?, parts(other)?);
            let s = sa.max(sb);
            let (a, b) = (
                rescale(a, sa, s, false).abs(),
                rescale(b, sb, s, false).abs(),
            );
            let mut g = (a.clone(), b.clone());
            while !g.1.is_zero() {
                g = (g.1.clone(), &g.0 % &g.1);
            }
            let r = if f == F::Gcd {
                g.0
            } else if a.is_zero() || b.is_zero() {
                BigInt::zero()
            } else {
                a / g.0 * b
            };
            make(r, s)
        }
        F::Sqrt => {
            if n.is_nan() || (n.is_infinite() && n.signum() > 0) {
                return Ok(Value::Numeric(n.clone()));
            }
            if n.signum() < 0 {
                return Err(pg_error(
                    "2201F",
                    "cannot take square root of a negative number".into(),
                ));
            }
            let (m, s) = parts(n)?;
            let (w, _) = nbase_weight(m, s);
            let sweight = (w + 1) * 4 / 2 - 1;
            let rscale = clamp_scale((MIN_SIG_DIGITS - sweight).max(s));
            // floor(sqrt(v) * 10^(rscale+1)), then rounded at rscale.
            let root = rescale(m, s, 2 * (rscale + 1), false).sqrt();
            make(div_round(&root, &BigInt::from(10u32)), rscale)
        }
        F::Exp => {
            if n.is_nan() || (n.is_infinite() && n.signum() > 0) {
                return Ok(Value::Numeric(n.clone()));
            }
            if n.is_infinite() {
                return make(BigInt::zero(), 0);
            }
            let (m, s) = parts(n)?;
            let x = approx(n);
            // PostgreSQL's own approximation of log10(e): the truncation depends on it.
            #[allow(clippy::approx_constant)]
            let dweight = (x * 0.434294481903252).clamp(-2000.0, 2000.0) as i64;
            let rscale = clamp_scale((MIN_SIG_DIGITS - dweight).max(s));
            if x.abs() >= 6000.0 {
                if x > 0.0 {
                    return Err(TypeError::NumericOverflow.into());
                }
                return make(BigInt::zero(), rscale);
            }
            make(exp_to_scale(m, s, rscale, x), rscale)
        }
        F::Ln => {
            if n.is_nan() || (n.is_infinite() && n.signum() > 0) {
                return Ok(Value::Numeric(n.clone()));
            }
            match n.signum() {
                0 => return Err(log_of_zero()),
                -1 => return Err(log_of_negative()),
                _ => {}
            }
            let (m, s) = parts(n)?;
            let rscale = clamp_scale((MIN_SIG_DIGITS - estimate_ln_dweight(m, s)).max(s));
            let l = ln_fixed(m, s, (rscale + 12) as u64);
            make(div_round(&l, &pow10(12)), rscale)
        }
        F::Log | F::Log10 => {
            let (base, x) = match args.get(1) {
                Some(_) => (n.clone(), numeric_arg(args, 1)?.clone()),
                None => (Numeric::from_i64(10), n.clone()),
            };
            if base.is_nan() || x.is_nan() {
                return Ok(Value::Numeric(Numeric::nan()));
            }
            if base.is_infinite() || x.is_infinite() {
                if base.signum() < 0 || x.signum() < 0 {
                    return Err(log_of_negative());
                }
                if base.signum() == 0 || x.signum() == 0 {
                    return Err(log_of_zero());
                }
                return Ok(Value::Numeric(
                    match (base.is_infinite(), x.is_infinite()) {
                        (true, true) => Numeric::nan(),
                        (true, false) => Numeric::from_i64(0),
                        _ => Numeric::infinity(false),
                    },
                ));
            }
            log_base(&base, &x)
        }
        _ => Err(wrong_type()),
    }
}
