//! `numeric ^ numeric`: PostgreSQL's special cases (NaN, infinities, zero, negative bases) and
//! result-scale selection (`power_var`, `power_var_int`), computed with exact integer powers
//! where affordable and otherwise with fixed-point logarithms and exponentials.

use super::error::TypeError;
use super::numeric::{div_round, is_one, nbase_weight_first, pow10, Numeric, MAX_DSCALE};
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::num_traits::{One, Signed, ToPrimitive, Zero};

const MIN_SIG_DIGITS: i64 = 16;
const MAX_DISPLAY_SCALE: i64 = 1000;
/// Results with more digits than this are computed approximately rather than exactly.
const EXACT_DIGIT_BUDGET: i64 = 60_000;

fn int_result(v: i64) -> Numeric {
    Numeric::from_i64(v)
}

fn is_odd_integer(n: &Numeric) -> bool {
    match n.parts() {
        Some((mant, scale)) if n.is_integral() => {
            let int = mant / pow10(scale);
            (int % 2u32) != BigInt::zero()
        }
        _ => false,
    }
}

/// `base ^ exp` as PostgreSQL's `numeric_power`.
pub fn power(base: &Numeric, exp: &Numeric) -> Result<Numeric, TypeError> {
    if base.is_nan() {
        if !exp.is_nan() && !exp.is_infinite() && exp.signum() == 0 {
            return Ok(int_result(1));
        }
        return Ok(Numeric::nan());
    }
    if exp.is_nan() {
        if let Some((m, s)) = base.parts() {
            if is_one(m, s) {
                return Ok(int_result(1));
            }
        }
        return Ok(Numeric::nan());
    }
    let (sign1, sign2) = (base.signum(), exp.signum());
    if sign1 == 0 && sign2 < 0 {
        return Err(TypeError::ZeroToNegativePower);
    }
    if base.is_infinite() || exp.is_infinite() {
        if sign1 < 0 && !exp.is_infinite() && !exp.is_integral() {
            return Err(TypeError::NegativeToNonIntegerPower);
        }
        if let Some((m, s)) = base.parts() {
            if is_one(m, s) {
                return Ok(int_result(1));
            }
        }
        if sign2 == 0 {
            return Ok(int_result(1));
        }
        if sign1 == 0 && sign2 > 0 {
            return Ok(int_result(0));
        }
        if exp.is_infinite() {
            let abs_x_gt_one = match base.parts() {
                None => true,
                Some((m, s)) => {
                    if -m == pow10(s) {
                        return Ok(int_result(1));
                    }
                    m.abs() > pow10(s)
                }
            };
            return Ok(if abs_x_gt_one == (sign2 > 0) {
                Numeric::infinity(false)
            } else {
                int_result(0)
            });
        }
        if sign1 > 0 {
            return Ok(if sign2 > 0 {
                Numeric::infinity(false)
            } else {
                int_result(0)
            });
        }
        if sign2 < 0 {
            return Ok(int_result(0));
        }
        return Ok(Numeric::infinity(is_odd_integer(exp)));
    }
    let (bm, bs) = base.parts().ok_or(TypeError::NumericOverflow)?;
    let (em, es) = exp.parts().ok_or(TypeError::NumericOverflow)?;
    if exp.is_integral() {
        if let Some(n) = (em / pow10(es)).to_i64() {
            if n >= i64::from(i32::MIN) && n <= i64::from(i32::MAX) {
                let rscale = MIN_SIG_DIGITS
                    .max(i64::from(bs))
                    .clamp(0, MAX_DISPLAY_SCALE) as u32;
                return power_int(bm, bs, n, rscale);
            }
        }
    }
    if bm.is_zero() {
        return Numeric::new(BigInt::zero(), MIN_SIG_DIGITS as u32);
    }
    let negative_result = if bm.sign() == Sign::Minus {
        if !exp.is_integral() {
            return Err(TypeError::NegativeToNonIntegerPower);
        }
        is_odd_integer(exp)
    } else {
        false
    };
    let babs = bm.abs();
    let r = power_general(&babs, bs, em, es)?;
    Ok(if negative_result { r.neg() } else { r })
}

/// `power_var_int`: integer exponent, result rounded to `rscale`.
fn power_int(bm: &BigInt, bs: u32, n: i64, rscale: u32) -> Result<Numeric, TypeError> {
    match n {
        0 => return Numeric::new(pow10(rscale), rscale),
        1 => return Numeric::new(bm.clone(), bs).map(|v| v.round_to(rscale)),
        _ => {}
    }
    if bm.is_zero() {
        if n < 0 {
            return Err(TypeError::DivisionByZero);
        }
        return Numeric::new(BigInt::zero(), rscale);
    }
    // Decimal weight estimate of the result: n * log10(|base|).
    let log10_base = log10_abs(bm, bs);
    let f = n as f64 * log10_base;
    if f > 3.0 * 32767.0 * 4.0 {
        return Err(TypeError::NumericOverflow);
    }
    if f + 1.0 < -f64::from(rscale) || f + 1.0 < -(MAX_DISPLAY_SCALE as f64) {
        return Numeric::new(BigInt::zero(), rscale);
    }
    let un = n.unsigned_abs();
    let base_digits = bm.abs().to_string().len() as i64;
    if (base_digits as u128) * u128::from(un) <= EXACT_DIGIT_BUDGET as u128 {
        let p = bm.pow(un as u32);
        let pscale = u64::from(bs) * un;
        let mant = if n > 0 {
            rescale_u64(&p, pscale, rscale)
        } else {
            // 1 / (p * 10^-pscale) at rscale = 10^(pscale + rscale) / p
            div_round(&pow10_u64(pscale + u64::from(rscale)), &p)
        };
        return Numeric::new(mant, rscale);
    }
    // Approximate: floating decimal with a working precision of the needed digits + guards.
    let sig = (1 + i64::from(rscale) + f as i64).max(1) + (un as f64).ln() as i64 + 16;
    let x = Float::new(bm.abs(), -i64::from(bs)).truncate(sig);
    let mut result = Float::new(BigInt::one(), 0);
    let mut sq = x;
    let mut e = un;
    while e > 0 {
        if e & 1 == 1 {
            result = result.mul(&sq).truncate(sig);
        }
        e >>= 1;
        if e > 0 {
            sq = sq.mul(&sq).truncate(sig);
        }
    }
    let negative = bm.sign() == Sign::Minus && un % 2 == 1;
    let mut mant = if n > 0 {
        result.to_scale(rscale)
    } else {
        Float::new(BigInt::one(), 0)
            .div(&result, sig)
            .to_scale(rscale)
    };
    if negative {
        mant = -mant;
    }
    Numeric::new(mant, rscale)
}

fn pow10_u64(n: u64) -> BigInt {
    pow10(u32::try_from(n).unwrap_or(u32::MAX))
}

fn rescale_u64(mant: &BigInt, from: u64, to: u32) -> BigInt {
    let to = u64::from(to);
    if to >= from {
        mant * pow10_u64(to - from)
    } else {
        div_round(mant, &pow10_u64(from - to))
    }
}

/// log10(|m * 10^-s|) from the leading digits.
fn log10_abs(m: &BigInt, s: u32) -> f64 {
    let digits = m.abs().to_string();
    let lead: f64 = digits
        .get(..digits.len().min(17))
        .and_then(|d| d.parse().ok())
        .unwrap_or(1.0);
    lead.log10() + (digits.len() as f64 - digits.len().min(17) as f64) - f64::from(s)
}

/// A positive floating decimal `mant * 10^exp`.
#[derive(Clone, Debug)]
struct Float {
    mant: BigInt,
    exp: i64,
}

impl Float {
    fn new(mant: BigInt, exp: i64) -> Float {
        Float { mant, exp }
    }
    fn digits(&self) -> i64 {
        self.mant.to_string().len() as i64
    }
    /// Keeps at most `sig` significant digits (truncating).
    fn truncate(self, sig: i64) -> Float {
        let d = self.digits();
        if d <= sig {
            return self;
        }
        let drop = (d - sig) as u32;
        Float::new(self.mant / pow10(drop), self.exp + i64::from(drop))
    }
    fn mul(&self, o: &Float) -> Float {
        Float::new(&self.mant * &o.mant, self.exp + o.exp)
    }
    fn div(&self, o: &Float, sig: i64) -> Float {
        let shift = (sig + o.digits() - self.digits() + 2).max(0);
        let num = &self.mant * pow10(shift as u32);
        Float::new(num / &o.mant, self.exp - o.exp - shift)
    }
    /// The mantissa at decimal scale `scale`, rounded half away from zero.
    fn to_scale(&self, scale: u32) -> BigInt {
        let shift = self.exp + i64::from(scale);
        if shift >= 0 {
            &self.mant * pow10(shift as u32)
        } else if -shift > self.digits() + 1 {
            BigInt::zero()
        } else {
            div_round(&self.mant, &pow10((-shift) as u32))
        }
    }
}

/// PostgreSQL's `estimate_ln_dweight`.
fn estimate_ln_dweight(m: &BigInt, s: u32) -> i64 {
    let one = pow10(s);
    let lo = m * 10u32 >= &one * 9u32;
    let hi = m * 10u32 <= &one * 11u32;
    if lo && hi {
        let x = m - &one;
        if x.is_zero() {
            return 0;
        }
        let (w, first) = nbase_weight_first(&x, s);
        return w * 4 + (first as f64).log10() as i64;
    }
    let (w, first) = nbase_weight_first(m, s);
    // Second base-10000 digit, when the value has one.
    let e10 = -i64::from(s) - 4 * (w - 1);
    let two = if e10 >= 0 {
        m * pow10(e10 as u32)
    } else {
        m / pow10((-e10) as u32)
    };
    let two = two.to_i64().unwrap_or(first * 10000);
    let has_second = !(m % pow10_signed(-i64::from(s) - 4 * w)).is_zero();
    let (digits, dweight) = if has_second {
        (two as f64, (w - 1) * 4)
    } else {
        (first as f64, w * 4)
    };
    let ln_var = digits.ln() + dweight as f64 * std::f64::consts::LN_10;
    ln_var.abs().log10() as i64
}

/// 10^e as a modulus for "has digits below 10^-e... " checks; 1 when e >= 0 leaves nothing.
fn pow10_signed(e: i64) -> BigInt {
    if e >= 0 {
        BigInt::one()
    } else {
        pow10((-e) as u32)
    }
}

/// ln(m * 10^-s) as a fixed-point integer scaled by 10^prec (m > 0).
fn ln_fixed(m: &BigInt, s: u32, prec: u32) -> BigInt {
    let k = m.to_string().len() as i64 - i64::from(s) - 1; // value = y * 10^k, y in [1, 10)
    let guard = 12 + (k.unsigned_abs().max(1) as f64).log10() as u32;
    let p = prec + guard;
    let scale = pow10(p);
    // y scaled by 10^p
    let shift = i64::from(p) - k - i64::from(s);
    let y = if shift >= 0 {
        m * pow10(shift as u32)
    } else {
        m / pow10((-shift) as u32)
    };
    let ln_y = ln_reduced(&y, p, &scale);
    let ln10 = ln_reduced(&(&scale * 10u32), p, &scale);
    let total = ln_y + ln10 * k;
    div_round(&total, &pow10(guard))
}

/// ln(y / 10^p) for y/10^p in (0, 10], fixed point at 10^p.
fn ln_reduced(y: &BigInt, p: u32, scale: &BigInt) -> BigInt {
    const SQRTS: u32 = 8;
    let mut v = y.clone();
    for _ in 0..SQRTS {
        v = (&v * scale).sqrt();
    }
    // atanh series with z = (v - 1) / (v + 1)
    let z = (&v - scale) * scale / (&v + scale);
    let z2 = &z * &z / scale;
    let mut term = z.clone();
    let mut sum = z;
    let mut k: u32 = 1;
    loop {
        term = &term * &z2 / scale;
        if term.is_zero() {
            break;
        }
        sum += &term / (2 * k + 1);
        k += 1;
        if k > 10 * p + 100 {
            break;
        }
    }
    let _ = p;
    sum * (2u32 << SQRTS)
}

/// exp(x / 10^p) as a floating decimal with about `sig` significant digits.
fn exp_fixed(x: &BigInt, p: u32, sig: i64) -> Float {
    let scale = pow10(p);
    let ln10 = ln_reduced(&(&scale * 10u32), p, &scale);
    let q = div_round(x, &ln10);
    let r = x - &q * &ln10; // |r| <= ln(10)/2
                            // Work at precision w with r / 2^n, then square n times.
    const HALVINGS: u32 = 12;
    let w = (sig.max(1) as u32) + 20;
    let wscale = pow10(w);
    let r_w = if w >= p {
        &r * pow10(w - p)
    } else {
        div_round(&r, &pow10(p - w))
    };
    let t = r_w / (1u64 << HALVINGS);
    let mut term = wscale.clone();
    let mut sum = wscale.clone();
    let mut k: u32 = 1;
    loop {
        term = &term * &t / &wscale / k;
        if term.is_zero() {
            break;
        }
        sum += &term;
        k += 1;
        if k > 10 * w + 100 {
            break;
        }
    }
    for _ in 0..HALVINGS {
        sum = &sum * &sum / &wscale;
    }
    Float::new(sum, q.to_i64().unwrap_or(0) - i64::from(w))
}

/// `power_var` for a positive non-zero base and a non-integer (or huge integer) exponent.
fn power_general(bm: &BigInt, bs: u32, em: &BigInt, es: u32) -> Result<Numeric, TypeError> {
    let ln_dweight = estimate_ln_dweight(bm, bs);
    let local = (8 - ln_dweight).max(0) as u32;
    // ln(base) rounded to `local` digits, times exp, rounded to `local` digits.
    let ln_base = ln_fixed(bm, bs, local);
    let ln_num = div_round(&(ln_base * em), &pow10(es));
    let val = ln_num.to_f64().unwrap_or(f64::INFINITY) / 10f64.powi(local as i32);
    if val.abs() > 2000.0 * 3.01 {
        if val > 0.0 {
            return Err(TypeError::NumericOverflow);
        }
        return Numeric::new(BigInt::zero(), MAX_DISPLAY_SCALE as u32);
    }
    // PostgreSQL's own approximation of log10(e); the truncation below depends on it.
    #[allow(clippy::approx_constant)]
    let val = val * 0.434294481903252;
    let ival = val as i64;
    let rscale = (MIN_SIG_DIGITS - ival)
        .max(i64::from(bs))
        .max(i64::from(es))
        .clamp(0, MAX_DISPLAY_SCALE) as u32;
    let sig = (i64::from(rscale) + ival).max(0);
    let exp_digits = (em.abs().to_string().len() as i64 - i64::from(es)).max(1);
    let prec = (sig + exp_digits + 12).max(20) as u32;
    let ln_b = ln_fixed(bm, bs, prec);
    let y = div_round(&(ln_b * em), &pow10(es));
    let e = exp_fixed(&y, prec, sig + 4);
    let mant = e.to_scale(rscale);
    if rscale > MAX_DSCALE {
        return Err(TypeError::NumericOverflow);
    }
    Numeric::new(mant, rscale)
}
