//! The `numeric` type: arbitrary-precision decimals with PostgreSQL's display scale, NaN and
//! ±Infinity, its text I/O, typmod rounding, arithmetic with PostgreSQL's result-scale rules,
//! conversions to and from integers and floats, and an order-preserving key encoding.

use super::error::TypeError;
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::num_traits::{Signed, ToPrimitive, Zero};
use std::cmp::Ordering;

/// Largest display scale a numeric can carry (PostgreSQL's `NUMERIC_DSCALE_MAX`).
pub const MAX_DSCALE: u32 = 16383;
/// A finite numeric must be below 10^this (PostgreSQL's weight limit in decimal digits).
pub const MAX_INTEGER_DIGITS: i64 = 131072;
/// Largest precision of a `numeric(p,s)` typmod.
pub const MAX_PRECISION: u32 = 1000;
/// Minimum significant digits of a division result (`NUMERIC_MIN_SIG_DIGITS`).
const MIN_SIG_DIGITS: i64 = 16;
/// Largest display scale chosen by division and power (`NUMERIC_MAX_DISPLAY_SCALE`).
const MAX_DISPLAY_SCALE: i64 = 1000;

/// A PostgreSQL `numeric` value.
#[derive(Clone, Debug)]
pub struct Numeric(Repr);

#[derive(Clone, Debug)]
enum Repr {
    NaN,
    PosInf,
    NegInf,
    /// `mant * 10^-scale`; `scale` is the display scale.
    Finite {
        mant: BigInt,
        scale: u32,
    },
}

pub(crate) fn pow10(n: u32) -> BigInt {
    BigInt::from(10u32).pow(n)
}

/// Number of decimal digits of `|v|` (0 for zero).
fn digit_count(v: &BigInt) -> i64 {
    if v.is_zero() {
        return 0;
    }
    if let Some(small) = v.abs().to_u128() {
        return i64::from(small.ilog10()) + 1;
    }
    let bits = v.bits();
    // log10(2) ≈ 0.30103; start from an estimate and correct it.
    let mut d = ((bits.saturating_sub(1)) as f64 * std::f64::consts::LOG10_2) as i64;
    let abs = v.abs();
    while d > 0 && pow10(d as u32 - 1) > abs {
        d -= 1;
    }
    while pow10(d as u32) <= abs {
        d += 1;
    }
    d
}

/// Divides rounding half away from zero.
pub(crate) fn div_round(n: &BigInt, d: &BigInt) -> BigInt {
    let (q, r) = (n / d, n % d);
    if (r.abs() * 2u32) >= d.abs() {
        if (n.sign() == Sign::Minus) != (d.sign() == Sign::Minus) {
            q - 1
        } else {
            q + 1
        }
    } else {
        q
    }
}

/// Rescales `mant * 10^-from` to scale `to`, rounding half away from zero.
fn rescale(mant: &BigInt, from: u32, to: u32) -> BigInt {
    match to.cmp(&from) {
        Ordering::Equal => mant.clone(),
        Ordering::Greater => mant * pow10(to - from),
        Ordering::Less => div_round(mant, &pow10(from - to)),
    }
}

fn is_pg_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

impl Numeric {
    pub fn nan() -> Numeric {
        Numeric(Repr::NaN)
    }
    pub fn infinity(negative: bool) -> Numeric {
        Numeric(if negative { Repr::NegInf } else { Repr::PosInf })
    }
    /// `mant * 10^-scale`, checked against the numeric format's limits.
    pub fn new(mant: BigInt, scale: u32) -> Result<Numeric, TypeError> {
        let n = Numeric(Repr::Finite { mant, scale });
        n.check_limits()?;
        Ok(n)
    }
    pub fn from_i64(v: i64) -> Numeric {
        Numeric(Repr::Finite {
            mant: BigInt::from(v),
            scale: 0,
        })
    }
    pub fn is_nan(&self) -> bool {
        matches!(self.0, Repr::NaN)
    }
    pub fn is_infinite(&self) -> bool {
        matches!(self.0, Repr::PosInf | Repr::NegInf)
    }
    /// The display scale (0 for NaN and infinities).
    pub fn scale(&self) -> u32 {
        match &self.0 {
            Repr::Finite { scale, .. } => *scale,
            _ => 0,
        }
    }
    /// -1, 0 or 1 (NaN reports 0, +Infinity 1, -Infinity -1).
    pub fn signum(&self) -> i32 {
        match &self.0 {
            Repr::NaN => 0,
            Repr::PosInf => 1,
            Repr::NegInf => -1,
            Repr::Finite { mant, .. } => match mant.sign() {
                Sign::Minus => -1,
                Sign::NoSign => 0,
                Sign::Plus => 1,
            },
        }
    }

    fn check_limits(&self) -> Result<(), TypeError> {
        if let Repr::Finite { mant, scale } = &self.0 {
            if *scale > MAX_DSCALE {
                return Err(TypeError::NumericOverflow);
            }
            if digit_count(mant) - i64::from(*scale) > MAX_INTEGER_DIGITS {
                return Err(TypeError::NumericOverflow);
            }
        }
        Ok(())
    }

    /// PostgreSQL's `numeric_in` (without typmod).
    pub fn parse(input: &str) -> Result<Numeric, TypeError> {
        let bad = || TypeError::InvalidTextRepresentation {
            type_name: "numeric",
            input: input.to_string(),
        };
        let t = input.trim_matches(is_pg_space);
        let lower = t.to_ascii_lowercase();
        match lower.as_str() {
            "nan" => return Ok(Numeric::nan()),
            "infinity" | "+infinity" | "inf" | "+inf" => return Ok(Numeric::infinity(false)),
            "-infinity" | "-inf" => return Ok(Numeric::infinity(true)),
            _ => {}
        }
        let bytes = t.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if let Some(&c) = bytes.first() {
            if c == b'+' || c == b'-' {
                negative = c == b'-';
                i = 1;
            }
        }
        let mut digits = String::new();
        let mut frac_digits: i64 = 0;
        let mut seen_point = false;
        let mut any_digit = false;
        while let Some(&c) = bytes.get(i) {
            if c.is_ascii_digit() {
                digits.push(c as char);
                any_digit = true;
                if seen_point {
                    frac_digits += 1;
                }
            } else if c == b'.' && !seen_point {
                seen_point = true;
            } else {
                break;
            }
            i += 1;
        }
        if !any_digit {
            return Err(bad());
        }
        let mut exponent: i64 = 0;
        if let Some(&c) = bytes.get(i) {
            if c != b'e' && c != b'E' {
                return Err(bad());
            }
            i += 1;
            let mut exp_neg = false;
            if let Some(&s) = bytes.get(i) {
                if s == b'+' || s == b'-' {
                    exp_neg = s == b'-';
                    i += 1;
                }
            }
            let start = i;
            while let Some(&c) = bytes.get(i) {
                if !c.is_ascii_digit() {
                    break;
                }
                // Saturate: anything this large overflows the format anyway.
                exponent = (exponent * 10 + i64::from(c - b'0')).min(1 << 40);
                i += 1;
            }
            if i == start || i != bytes.len() {
                return Err(bad());
            }
            if exp_neg {
                exponent = -exponent;
            }
        }
        let mut mant: BigInt = digits.parse().map_err(|_| bad())?;
        if negative {
            mant = -mant;
        }
        // value = mant * 10^(exponent - frac_digits)
        let scale = frac_digits - exponent;
        if scale > i64::from(MAX_DSCALE) {
            return Err(TypeError::NumericOverflow);
        }
        if scale >= 0 {
            Numeric::new(mant, scale as u32)
        } else {
            let shift = -scale;
            if digit_count(&mant) + shift > MAX_INTEGER_DIGITS + 1 {
                return Err(TypeError::NumericOverflow);
            }
            Numeric::new(mant * pow10(shift as u32), 0)
        }
    }

    /// Applies a `numeric(precision, scale)` typmod: rounds to `scale` digits and checks that
    /// the integer part fits in `precision - scale` digits.
    pub fn apply_typmod(&self, precision: u32, scale: u32) -> Result<Numeric, TypeError> {
        match &self.0 {
            Repr::NaN => Ok(self.clone()),
            Repr::PosInf | Repr::NegInf => Err(TypeError::NumericFieldOverflow {
                detail: format!(
                    "A field with precision {precision}, scale {scale} cannot hold an infinite value."
                ),
            }),
            Repr::Finite { mant, scale: s } => {
                let m = rescale(mant, *s, scale);
                let max_digits = i64::from(precision) - i64::from(scale);
                if digit_count(&m) - i64::from(scale) > max_digits {
                    let limit = if max_digits > 0 {
                        format!("10^{max_digits}")
                    } else {
                        "1".to_string()
                    };
                    return Err(TypeError::NumericFieldOverflow {
                        detail: format!(
                            "A field with precision {precision}, scale {scale} must round to an absolute value less than {limit}."
                        ),
                    });
                }
                Ok(Numeric(Repr::Finite { mant: m, scale }))
            }
        }
    }

    /// Rounds to `scale` fractional digits (half away from zero).
    pub fn round_to(&self, scale: u32) -> Numeric {
        match &self.0 {
            Repr::Finite { mant, scale: s } => Numeric(Repr::Finite {
                mant: rescale(mant, *s, scale),
                scale,
            }),
            _ => self.clone(),
        }
    }

    fn finite(&self) -> Option<(&BigInt, u32)> {
        match &self.0 {
            Repr::Finite { mant, scale } => Some((mant, *scale)),
            _ => None,
        }
    }

    /// Rounds half away from zero to an integer; `None` for NaN, infinities and huge values.
    pub fn to_i128_rounded(&self) -> Option<i128> {
        let (mant, scale) = self.finite()?;
        rescale(mant, scale, 0).to_i128()
    }

    /// Conversion to an integer type as PostgreSQL's `numeric_int4` and friends do.
    pub fn to_int(&self, type_name: &'static str, min: i64, max: i64) -> Result<i64, TypeError> {
        match &self.0 {
            Repr::NaN => Err(TypeError::CannotConvertSpecial {
                what: "NaN",
                type_name,
            }),
            Repr::PosInf | Repr::NegInf => Err(TypeError::CannotConvertSpecial {
                what: "infinity",
                type_name,
            }),
            Repr::Finite { .. } => self
                .to_i128_rounded()
                .filter(|v| *v >= i128::from(min) && *v <= i128::from(max))
                .map(|v| v as i64)
                .ok_or(TypeError::IntegerOutOfRange { type_name }),
        }
    }

    /// The value as a float8 (correctly rounded from the decimal text, as PostgreSQL does);
    /// `None` when it is outside float8's range.
    pub fn to_f64(&self) -> Option<f64> {
        match &self.0 {
            Repr::NaN => Some(f64::NAN),
            Repr::PosInf => Some(f64::INFINITY),
            Repr::NegInf => Some(f64::NEG_INFINITY),
            Repr::Finite { .. } => {
                let v: f64 = self.to_string().parse().ok()?;
                if v.is_infinite() || (v == 0.0 && self.signum() != 0) {
                    None
                } else {
                    Some(v)
                }
            }
        }
    }

    /// Like [`Numeric::to_f64`] for float4.
    pub fn to_f32(&self) -> Option<f32> {
        match &self.0 {
            Repr::NaN => Some(f32::NAN),
            Repr::PosInf => Some(f32::INFINITY),
            Repr::NegInf => Some(f32::NEG_INFINITY),
            Repr::Finite { .. } => {
                let v: f32 = self.to_string().parse().ok()?;
                if v.is_infinite() || (v == 0.0 && self.signum() != 0) {
                    None
                } else {
                    Some(v)
                }
            }
        }
    }

    /// PostgreSQL's `float8_numeric` / `float4_numeric`: the float printed with `digits`
    /// significant digits (15 for float8, 6 for float4), read back as numeric.
    pub fn from_float(v: f64, digits: usize) -> Result<Numeric, TypeError> {
        if v.is_nan() {
            return Ok(Numeric::nan());
        }
        if v.is_infinite() {
            return Ok(Numeric::infinity(v < 0.0));
        }
        let s = format!("{:.*e}", digits.saturating_sub(1), v);
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i64 = e.parse().unwrap_or(0);
        let negative = m.starts_with('-');
        let mut ds: String = m.chars().filter(char::is_ascii_digit).collect();
        while ds.len() > 1 && ds.ends_with('0') {
            ds.pop();
        }
        let mut mant: BigInt = ds.parse().map_err(|_| TypeError::NumericOverflow)?;
        if negative {
            mant = -mant;
        }
        // value = 0.d1d2... * 10^(exp+1) = mant * 10^(exp - (len-1))
        let scale = ds.len() as i64 - 1 - exp;
        if scale >= 0 {
            Numeric::new(mant, scale as u32)
        } else {
            Numeric::new(mant * pow10((-scale) as u32), 0)
        }
    }

    pub fn neg(&self) -> Numeric {
        Numeric(match &self.0 {
            Repr::NaN => Repr::NaN,
            Repr::PosInf => Repr::NegInf,
            Repr::NegInf => Repr::PosInf,
            Repr::Finite { mant, scale } => Repr::Finite {
                mant: -mant,
                scale: *scale,
            },
        })
    }

    pub fn abs(&self) -> Numeric {
        if self.signum() < 0 {
            self.neg()
        } else {
            self.clone()
        }
    }

    fn add_sub(&self, other: &Numeric, subtract: bool) -> Result<Numeric, TypeError> {
        let other = if subtract { other.neg() } else { other.clone() };
        match (&self.0, &other.0) {
            (Repr::NaN, _) | (_, Repr::NaN) => Ok(Numeric::nan()),
            (Repr::PosInf, Repr::NegInf) | (Repr::NegInf, Repr::PosInf) => Ok(Numeric::nan()),
            (Repr::PosInf | Repr::NegInf, _) => Ok(self.clone()),
            (_, Repr::PosInf | Repr::NegInf) => Ok(other),
            (Repr::Finite { mant: a, scale: sa }, Repr::Finite { mant: b, scale: sb }) => {
                let s = (*sa).max(*sb);
                Numeric::new(rescale(a, *sa, s) + rescale(b, *sb, s), s)
            }
        }
    }

    pub fn add(&self, other: &Numeric) -> Result<Numeric, TypeError> {
        self.add_sub(other, false)
    }

    pub fn sub(&self, other: &Numeric) -> Result<Numeric, TypeError> {
        self.add_sub(other, true)
    }

    pub fn mul(&self, other: &Numeric) -> Result<Numeric, TypeError> {
        match (&self.0, &other.0) {
            (Repr::NaN, _) | (_, Repr::NaN) => Ok(Numeric::nan()),
            (Repr::Finite { .. }, Repr::Finite { .. }) => {
                let (a, sa) = self.finite().ok_or(TypeError::NumericOverflow)?;
                let (b, sb) = other.finite().ok_or(TypeError::NumericOverflow)?;
                let s = sa + sb;
                let product = a * b;
                if s > MAX_DSCALE {
                    Numeric::new(rescale(&product, s, MAX_DSCALE), MAX_DSCALE)
                } else {
                    Numeric::new(product, s)
                }
            }
            _ => {
                let sign = self.signum() * other.signum();
                Ok(match sign.cmp(&0) {
                    Ordering::Equal => Numeric::nan(),
                    Ordering::Greater => Numeric::infinity(false),
                    Ordering::Less => Numeric::infinity(true),
                })
            }
        }
    }

    pub fn div(&self, other: &Numeric) -> Result<Numeric, TypeError> {
        match (&self.0, &other.0) {
            (Repr::NaN, _) | (_, Repr::NaN) => Ok(Numeric::nan()),
            (Repr::PosInf | Repr::NegInf, Repr::PosInf | Repr::NegInf) => Ok(Numeric::nan()),
            (Repr::PosInf | Repr::NegInf, Repr::Finite { .. }) => {
                match self.signum() * other.signum() {
                    0 => Err(TypeError::DivisionByZero),
                    s => Ok(Numeric::infinity(s < 0)),
                }
            }
            (Repr::Finite { .. }, Repr::PosInf | Repr::NegInf) => Ok(Numeric::from_i64(0)),
            (Repr::Finite { mant: a, scale: sa }, Repr::Finite { mant: b, scale: sb }) => {
                if b.is_zero() {
                    return Err(TypeError::DivisionByZero);
                }
                let rscale = select_div_scale(a, *sa, b, *sb);
                Numeric::new(div_to_scale(a, *sa, b, *sb, rscale), rscale)
            }
        }
    }

    /// `self % other` (truncated; the result has the dividend's sign).
    pub fn rem(&self, other: &Numeric) -> Result<Numeric, TypeError> {
        match (&self.0, &other.0) {
            (Repr::NaN, _) | (_, Repr::NaN) => Ok(Numeric::nan()),
            (Repr::PosInf | Repr::NegInf, Repr::Finite { mant, .. }) if mant.is_zero() => {
                Err(TypeError::DivisionByZero)
            }
            (Repr::PosInf | Repr::NegInf, _) => Ok(Numeric::nan()),
            (Repr::Finite { .. }, Repr::PosInf | Repr::NegInf) => Ok(self.clone()),
            (Repr::Finite { mant: a, scale: sa }, Repr::Finite { mant: b, scale: sb }) => {
                if b.is_zero() {
                    return Err(TypeError::DivisionByZero);
                }
                let s = (*sa).max(*sb);
                Numeric::new(rescale(a, *sa, s) % rescale(b, *sb, s), s)
            }
        }
    }

    /// `self ^ other` with PostgreSQL's special cases and result scale.
    pub fn pow(&self, exp: &Numeric) -> Result<Numeric, TypeError> {
        super::numeric_pow::power(self, exp)
    }

    /// True for a finite integral value.
    pub fn is_integral(&self) -> bool {
        match &self.0 {
            Repr::Finite { mant, scale } => (mant % pow10(*scale)).is_zero(),
            _ => false,
        }
    }

    /// The finite value's mantissa and scale.
    pub fn parts(&self) -> Option<(&BigInt, u32)> {
        self.finite()
    }

    /// PostgreSQL's total order: -Infinity < finite values < +Infinity < NaN; NaN = NaN.
    pub fn cmp_total(&self, other: &Numeric) -> Ordering {
        fn rank(n: &Numeric) -> u8 {
            match n.0 {
                Repr::NegInf => 0,
                Repr::Finite { .. } => 1,
                Repr::PosInf => 2,
                Repr::NaN => 3,
            }
        }
        match (&self.0, &other.0) {
            (Repr::Finite { mant: a, scale: sa }, Repr::Finite { mant: b, scale: sb }) => {
                let s = (*sa).max(*sb);
                rescale(a, *sa, s).cmp(&rescale(b, *sb, s))
            }
            _ => rank(self).cmp(&rank(other)),
        }
    }

    /// Appends a byte string whose memcmp order is [`Numeric::cmp_total`] and that is equal
    /// for equal values regardless of display scale (1.0 and 1.00 encode alike). Prefix-freedom
    /// comes from the caller wrapping it as an escaped byte string.
    pub fn encode_sortable(&self, out: &mut Vec<u8>) {
        let (mant, scale) = match &self.0 {
            Repr::NegInf => return out.push(0x00),
            Repr::PosInf => return out.push(0x05),
            Repr::NaN => return out.push(0x06),
            Repr::Finite { mant, scale } => (mant, *scale),
        };
        if mant.is_zero() {
            return out.push(0x03);
        }
        let mut digits = mant.abs().to_string().into_bytes();
        // Exponent of the leading digit: value = 0.d1d2... * 10^(len - scale).
        let exponent = digits.len() as i64 - i64::from(scale);
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        let exp_bytes = ((exponent as i32 as u32) ^ 0x8000_0000).to_be_bytes();
        if mant.sign() == Sign::Minus {
            out.push(0x02);
            out.extend(exp_bytes.iter().map(|b| !b));
            out.extend(digits.iter().map(|d| !(d - b'0' + 1)));
            out.push(0xFF);
        } else {
            out.push(0x04);
            out.extend_from_slice(&exp_bytes);
            out.extend(digits.iter().map(|d| d - b'0' + 1));
        }
    }
}

/// PostgreSQL's `select_div_scale`: at least 16 significant digits, and no less than either
/// input's display scale, at most 1000.
fn select_div_scale(a: &BigInt, sa: u32, b: &BigInt, sb: u32) -> u32 {
    let (w1, f1) = nbase_weight_first(a, sa);
    let (w2, f2) = nbase_weight_first(b, sb);
    let mut qweight = w1 - w2;
    if f1 <= f2 {
        qweight -= 1;
    }
    let rscale = (MIN_SIG_DIGITS - qweight * 4)
        .max(i64::from(sa))
        .max(i64::from(sb))
        .clamp(0, MAX_DISPLAY_SCALE);
    rscale as u32
}

/// The weight (power of 10000) and value of the leading base-10000 digit of `mant * 10^-scale`,
/// as PostgreSQL's internal representation has them; (0, 0) for zero.
pub(crate) fn nbase_weight_first(mant: &BigInt, scale: u32) -> (i64, i64) {
    if mant.is_zero() {
        return (0, 0);
    }
    // Decimal exponent of the leading digit.
    let e10 = digit_count(mant) - 1 - i64::from(scale);
    let weight = e10.div_euclid(4);
    // floor(|v| / 10000^weight) = floor(|mant| * 10^(-scale - 4*weight))
    let shift = -i64::from(scale) - 4 * weight;
    let abs = mant.abs();
    let first = if shift >= 0 {
        abs * pow10(shift as u32)
    } else {
        abs / pow10((-shift) as u32)
    };
    (weight, first.to_i64().unwrap_or(0))
}

/// `a/b` rounded half away from zero to `rscale` digits, as a mantissa at that scale.
fn div_to_scale(a: &BigInt, sa: u32, b: &BigInt, sb: u32, rscale: u32) -> BigInt {
    // (a * 10^-sa) / (b * 10^-sb) * 10^rscale = a * 10^(sb + rscale - sa) / b
    let shift = i64::from(sb) + i64::from(rscale) - i64::from(sa);
    if shift >= 0 {
        div_round(&(a * pow10(shift as u32)), b)
    } else {
        div_round(a, &(b * pow10((-shift) as u32)))
    }
}

impl std::fmt::Display for Numeric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Repr::NaN => f.write_str("NaN"),
            Repr::PosInf => f.write_str("Infinity"),
            Repr::NegInf => f.write_str("-Infinity"),
            Repr::Finite { mant, scale } => {
                let digits = mant.abs().to_string();
                let scale = *scale as usize;
                if mant.sign() == Sign::Minus {
                    f.write_str("-")?;
                }
                if scale == 0 {
                    return f.write_str(&digits);
                }
                let padded = if digits.len() <= scale {
                    format!("{}{}", "0".repeat(scale + 1 - digits.len()), digits)
                } else {
                    digits
                };
                let (int, frac) = padded.split_at(padded.len() - scale);
                write!(f, "{int}.{frac}")
            }
        }
    }
}

impl PartialEq for Numeric {
    fn eq(&self, other: &Numeric) -> bool {
        self.cmp_total(other) == Ordering::Equal
    }
}

impl Eq for Numeric {}

impl PartialOrd for Numeric {
    fn partial_cmp(&self, other: &Numeric) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Numeric {
    fn cmp(&self, other: &Numeric) -> Ordering {
        self.cmp_total(other)
    }
}

impl std::hash::Hash for Numeric {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let mut key = Vec::new();
        self.encode_sortable(&mut key);
        key.hash(state);
    }
}

pub(crate) fn is_one(mant: &BigInt, scale: u32) -> bool {
    *mant == pow10(scale)
}
