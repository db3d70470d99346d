//! Order-preserving key encoding for B+tree keys.
//!
//! B+tree keys are byte strings compared bytewise (memcmp order, a proper prefix sorts first).
//! This module turns SQL values into such byte strings so that, for two values `a`, `b` of the
//! same type, `encode(a) < encode(b)` bytewise iff `a < b` in PostgreSQL's ordering, and equal
//! values encode identically. A composite key is the concatenation of its columns' encodings.
//!
//! Every column encoding is a tag byte followed (for non-NULL values) by the value bytes:
//!
//! | Tag    | Meaning                                  |
//! |--------|------------------------------------------|
//! | `0x00` | NULL in a `NULLS FIRST` column           |
//! | `0x01` | non-NULL value, value bytes follow       |
//! | `0x02` | NULL in a `NULLS LAST` column            |
//!
//! Value bytes for ascending order:
//!
//! | Type    | Bytes                                                                   |
//! |---------|-------------------------------------------------------------------------|
//! | `Bool`  | 1 byte: `0x00` false, `0x01` true                                       |
//! | `Int`   | 8 bytes big-endian of `v` with the sign bit flipped                     |
//! | `Float` | 8 bytes big-endian of the normalized bits `b`: `!b` if negative, else   |
//! |         | `b` with the sign bit set                                               |
//! | `Text`  | UTF-8 bytes, each `0x00` escaped as `0x00 0xFF`, then `0x00 0x00`       |
//! | `Bytes` | same as `Text`                                                          |
//!
//! Floats are normalized first: `-0.0` becomes `+0.0` and every NaN becomes the quiet NaN
//! `0x7FF8_0000_0000_0000`, which then sorts above `+Infinity`.
//!
//! For `Desc` columns every value byte (not the tag) is inverted (`b ^ 0xFF`), so a text
//! terminator becomes `0xFF 0xFF` and an escaped NUL `0xFF 0x00`.
//!
//! Invariants:
//! - Order: per column, bytewise order of encodings equals PostgreSQL order under the column's
//!   direction and null placement (NaN above everything, `-0.0 == 0.0`, text in "C" collation).
//! - Canonical: equal values (including all NaNs, and `±0.0`) have identical encodings.
//! - Prefix-free: no column encoding is a proper prefix of another of the same type and order,
//!   so concatenations sort lexicographically by column and decoding is unambiguous.
//! - Decoding accepts exactly the encodings produced here (modulo float bit patterns) and
//!   reports anything else as a [`KeyDecodeError`]; it never panics.

/// A borrowed SQL value to encode. Integers of every width are widened to `i64` by the caller.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyValue<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(&'a str),
    Bytes(&'a [u8]),
}

/// Sort direction of one key column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// Placement of NULLs in one key column, independent of direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NullOrder {
    First,
    Last,
}

/// Ordering of one key column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnOrder {
    pub direction: Direction,
    pub nulls: NullOrder,
}

impl ColumnOrder {
    /// PostgreSQL's default for `ASC`: nulls last.
    pub const ASC: ColumnOrder = ColumnOrder {
        direction: Direction::Asc,
        nulls: NullOrder::Last,
    };
    /// PostgreSQL's default for `DESC`: nulls first.
    pub const DESC: ColumnOrder = ColumnOrder {
        direction: Direction::Desc,
        nulls: NullOrder::First,
    };
}

/// Column types a key can be decoded as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    Bool,
    Int,
    Float,
    Text,
    Bytes,
}

/// A decoded key column.
#[derive(Clone, Debug, PartialEq)]
pub enum OwnedKeyValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
}

impl OwnedKeyValue {
    /// Borrows this value for re-encoding.
    pub fn as_key_value(&self) -> KeyValue<'_> {
        match self {
            OwnedKeyValue::Null => KeyValue::Null,
            OwnedKeyValue::Bool(b) => KeyValue::Bool(*b),
            OwnedKeyValue::Int(i) => KeyValue::Int(*i),
            OwnedKeyValue::Float(f) => KeyValue::Float(*f),
            OwnedKeyValue::Text(s) => KeyValue::Text(s),
            OwnedKeyValue::Bytes(b) => KeyValue::Bytes(b),
        }
    }
}

/// Why a byte string is not a valid key for the given column types and orders.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum KeyDecodeError {
    #[error("column {column}: key ends inside the value")]
    Truncated { column: usize },
    #[error("column {column}: invalid tag byte {tag:#04x}")]
    InvalidTag { column: usize, tag: u8 },
    #[error("column {column}: invalid boolean byte {byte:#04x}")]
    InvalidBool { column: usize, byte: u8 },
    #[error("column {column}: invalid escape byte {byte:#04x} after 0x00")]
    InvalidEscape { column: usize, byte: u8 },
    #[error("column {column}: text is not valid UTF-8")]
    InvalidUtf8 { column: usize },
    #[error("{count} trailing bytes after the last column")]
    TrailingBytes { count: usize },
}

const TAG_NULL_FIRST: u8 = 0x00;
const TAG_VALUE: u8 = 0x01;
const TAG_NULL_LAST: u8 = 0x02;
const SIGN: u64 = 1 << 63;
const CANONICAL_NAN: u64 = 0x7FF8_0000_0000_0000;

fn null_tag(nulls: NullOrder) -> u8 {
    match nulls {
        NullOrder::First => TAG_NULL_FIRST,
        NullOrder::Last => TAG_NULL_LAST,
    }
}

fn order_at(orders: &[ColumnOrder], i: usize) -> ColumnOrder {
    orders.get(i).copied().unwrap_or(ColumnOrder::ASC)
}

/// Maps a float to a u64 whose unsigned order is PostgreSQL's float order.
fn float_to_key(f: f64) -> u64 {
    let bits = if f.is_nan() {
        CANONICAL_NAN
    } else if f == 0.0 {
        0
    } else {
        f.to_bits()
    };
    if bits & SIGN != 0 {
        !bits
    } else {
        bits | SIGN
    }
}

fn float_from_key(k: u64) -> f64 {
    f64::from_bits(if k & SIGN != 0 { k ^ SIGN } else { !k })
}

fn escape_into(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() + 2);
    for &b in bytes {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

/// Appends the encoding of one column value.
pub fn encode_value(out: &mut Vec<u8>, v: &KeyValue<'_>, order: ColumnOrder) {
    if let KeyValue::Null = v {
        out.push(null_tag(order.nulls));
        return;
    }
    out.push(TAG_VALUE);
    let start = out.len();
    match *v {
        KeyValue::Null => {}
        KeyValue::Bool(b) => out.push(u8::from(b)),
        KeyValue::Int(i) => out.extend_from_slice(&((i as u64) ^ SIGN).to_be_bytes()),
        KeyValue::Float(f) => out.extend_from_slice(&float_to_key(f).to_be_bytes()),
        KeyValue::Text(s) => escape_into(out, s.as_bytes()),
        KeyValue::Bytes(b) => escape_into(out, b),
    }
    if order.direction == Direction::Desc {
        for b in &mut out[start..] {
            *b = !*b;
        }
    }
}

/// Encodes a composite key. Columns without an entry in `orders` use [`ColumnOrder::ASC`].
pub fn encode_key(values: &[KeyValue<'_>], orders: &[ColumnOrder]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        encode_value(&mut out, v, order_at(orders, i));
    }
    out
}

/// Decodes a key produced by [`encode_key`] given the column types; columns without an entry
/// in `orders` use [`ColumnOrder::ASC`]. The whole input must be consumed.
pub fn decode_key(
    bytes: &[u8],
    types: &[KeyType],
    orders: &[ColumnOrder],
) -> Result<Vec<OwnedKeyValue>, KeyDecodeError> {
    let mut out = Vec::with_capacity(types.len());
    let mut rest = bytes;
    for (column, &ty) in types.iter().enumerate() {
        let (value, used) = decode_value(rest, column, ty, order_at(orders, column))?;
        out.push(value);
        rest = rest.get(used..).unwrap_or_default();
    }
    if !rest.is_empty() {
        return Err(KeyDecodeError::TrailingBytes { count: rest.len() });
    }
    Ok(out)
}

/// Decodes one column from the front of `input`; returns the value and the bytes consumed.
fn decode_value(
    input: &[u8],
    column: usize,
    ty: KeyType,
    order: ColumnOrder,
) -> Result<(OwnedKeyValue, usize), KeyDecodeError> {
    let truncated = KeyDecodeError::Truncated { column };
    let (&tag, rest) = input.split_first().ok_or(truncated.clone())?;
    if tag == null_tag(order.nulls) {
        return Ok((OwnedKeyValue::Null, 1));
    }
    if tag != TAG_VALUE {
        return Err(KeyDecodeError::InvalidTag { column, tag });
    }
    let mask = match order.direction {
        Direction::Asc => 0x00,
        Direction::Desc => 0xFF,
    };
    let read_u64 = || -> Result<u64, KeyDecodeError> {
        let raw: [u8; 8] = rest
            .get(..8)
            .and_then(|s| s.try_into().ok())
            .ok_or(truncated.clone())?;
        Ok(u64::from_be_bytes(raw.map(|b| b ^ mask)))
    };
    let (value, used) = match ty {
        KeyType::Bool => match rest.first().map(|b| b ^ mask) {
            None => return Err(truncated),
            Some(0) => (OwnedKeyValue::Bool(false), 1),
            Some(1) => (OwnedKeyValue::Bool(true), 1),
            Some(byte) => return Err(KeyDecodeError::InvalidBool { column, byte }),
        },
        KeyType::Int => (OwnedKeyValue::Int((read_u64()? ^ SIGN) as i64), 8),
        KeyType::Float => (OwnedKeyValue::Float(float_from_key(read_u64()?)), 8),
        KeyType::Text => {
            let (buf, used) = unescape(rest, mask, column)?;
            let s = String::from_utf8(buf).map_err(|_| KeyDecodeError::InvalidUtf8 { column })?;
            (OwnedKeyValue::Text(s), used)
        }
        KeyType::Bytes => {
            let (buf, used) = unescape(rest, mask, column)?;
            (OwnedKeyValue::Bytes(buf), used)
        }
    };
    Ok((value, 1 + used))
}

/// Reverses [`escape_into`] (after applying `mask`); returns the bytes and the bytes consumed.
fn unescape(input: &[u8], mask: u8, column: usize) -> Result<(Vec<u8>, usize), KeyDecodeError> {
    let mut buf = Vec::new();
    let mut bytes = input.iter().map(|b| b ^ mask);
    let mut used = 0;
    loop {
        let b = bytes.next().ok_or(KeyDecodeError::Truncated { column })?;
        used += 1;
        if b != 0 {
            buf.push(b);
            continue;
        }
        let e = bytes.next().ok_or(KeyDecodeError::Truncated { column })?;
        used += 1;
        match e {
            0x00 => return Ok((buf, used)),
            0xFF => buf.push(0),
            byte => return Err(KeyDecodeError::InvalidEscape { column, byte }),
        }
    }
}

/// The smallest key strictly greater than every key having `prefix` as a prefix, for range
/// scans over "all keys starting with `prefix`". `None` if no such key exists (`prefix` is
/// empty or all `0xFF`).
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let last = prefix.iter().rposition(|&b| b != 0xFF)?;
    let mut succ = prefix[..=last].to_vec();
    succ[last] += 1;
    Some(succ)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;
    use std::cmp::Ordering;
    use KeyType as T;
    use OwnedKeyValue as V;

    const ALL_TYPES: [KeyType; 5] = [T::Bool, T::Int, T::Float, T::Text, T::Bytes];

    fn all_orders() -> Vec<ColumnOrder> {
        let (dirs, nulls) = (
            [Direction::Asc, Direction::Desc],
            [NullOrder::First, NullOrder::Last],
        );
        let order = |(direction, nulls)| ColumnOrder { direction, nulls };
        dirs.into_iter()
            .flat_map(|d| nulls.map(|n| order((d, n))))
            .collect()
    }

    /// Distinct floats in PostgreSQL order, including subnormals, infinities and NaN.
    fn edge_floats() -> Vec<f64> {
        let (inf, max, minp) = (f64::INFINITY, f64::MAX, f64::MIN_POSITIVE);
        let (sub, tiny) = (f64::from_bits((1 << 52) - 1), f64::from_bits(1));
        let negative = [-inf, -max, -1.0, -minp, -sub, -tiny];
        let positive = [0.0, tiny, sub, minp, 1.0, max, inf, f64::NAN];
        negative.into_iter().chain(positive).collect()
    }

    /// Reference comparison of two values of the same type under a column order.
    fn pg_cmp(a: &V, b: &V, order: ColumnOrder) -> Ordering {
        let null_first = match order.nulls {
            NullOrder::First => Ordering::Less,
            NullOrder::Last => Ordering::Greater,
        };
        let c = match (a, b) {
            (V::Null, V::Null) => return Ordering::Equal,
            (V::Null, _) => return null_first,
            (_, V::Null) => return null_first.reverse(),
            (V::Bool(x), V::Bool(y)) => x.cmp(y),
            (V::Int(x), V::Int(y)) => x.cmp(y),
            // PostgreSQL's float8 order: NaNs are equal and above everything, -0.0 == 0.0.
            (V::Float(x), V::Float(y)) => {
                let nan = x.is_nan().cmp(&y.is_nan());
                nan.then_with(|| x.partial_cmp(y).unwrap_or(Ordering::Equal))
            }
            (V::Text(x), V::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
            (V::Bytes(x), V::Bytes(y)) => x.cmp(y),
            _ => panic!("mixed types {a:?} {b:?}"),
        };
        match order.direction {
            Direction::Asc => c,
            Direction::Desc => c.reverse(),
        }
    }

    fn lex_cmp(a: &[V], b: &[V], orders: &[ColumnOrder]) -> Ordering {
        let mut cols = a.iter().zip(b).zip(orders);
        let first_ne = cols.find_map(|((x, y), o)| Some(pg_cmp(x, y, *o)).filter(|c| c.is_ne()));
        first_ne.unwrap_or(Ordering::Equal)
    }

    fn enc(v: &V, order: ColumnOrder) -> Vec<u8> {
        let mut out = Vec::new();
        encode_value(&mut out, &v.as_key_value(), order);
        out
    }

    fn enc_key(vals: &[V], orders: &[ColumnOrder]) -> Vec<u8> {
        let borrowed: Vec<KeyValue<'_>> = vals.iter().map(V::as_key_value).collect();
        encode_key(&borrowed, orders)
    }

    /// Equality after the encoding's float normalization (-0.0 is 0.0, all NaNs are equal).
    fn same(a: &[V], b: &[V]) -> bool {
        let canon = |f: f64| if f.is_nan() { f64::NAN } else { f + 0.0 }.to_bits();
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| match (x, y) {
                (V::Float(p), V::Float(q)) => canon(*p) == canon(*q),
                (p, q) => p == q,
            })
    }

    fn float_strategy() -> BoxedStrategy<f64> {
        let sign = |neg: bool| if neg { SIGN } else { 0 };
        prop_oneof![
            any::<f64>(),
            (select(edge_floats()), any::<bool>()).prop_map(|(f, n)| if n { -f } else { f }),
            (0u64..1 << 52, any::<bool>()).prop_map(move |(m, n)| f64::from_bits(m | sign(n))),
            (1u64..1 << 52, any::<bool>())
                .prop_map(move |(m, n)| f64::from_bits(0x7FF0_0000_0000_0000 | m | sign(n))),
            (-4i32..4).prop_map(f64::from),
        ]
        .boxed()
    }

    fn value_strategy(ty: KeyType) -> BoxedStrategy<V> {
        let inner = match ty {
            T::Bool => any::<bool>().prop_map(V::Bool).boxed(),
            T::Int => prop_oneof![
                any::<i64>(),
                -3i64..3,
                select(vec![i64::MIN, i64::MIN + 1, i64::MAX - 1, i64::MAX]),
            ]
            .prop_map(V::Int)
            .boxed(),
            T::Float => float_strategy().prop_map(V::Float).boxed(),
            T::Text => {
                let chars = vec!['\0', '\u{1}', 'a', 'b', '\u{7f}', 'é', '\u{10FFFF}'];
                let small = prop::collection::vec(select(chars), 0..5)
                    .prop_map(|cs| cs.into_iter().collect::<String>());
                prop_oneof![any::<String>(), small]
                    .prop_map(V::Text)
                    .boxed()
            }
            T::Bytes => prop_oneof![
                prop::collection::vec(any::<u8>(), 0..16),
                prop::collection::vec(select(vec![0u8, 1, 0xFE, 0xFF]), 0..6),
            ]
            .prop_map(V::Bytes)
            .boxed(),
        };
        prop_oneof![1 => Just(V::Null), 6 => inner].boxed()
    }

    /// Column types and orders (1–4 columns) plus two rows; the second row copies a random
    /// prefix of the first so that ties on leading columns are common.
    #[allow(clippy::type_complexity)]
    fn composite() -> impl Strategy<Value = (Vec<KeyType>, Vec<ColumnOrder>, Vec<V>, Vec<V>)> {
        let cols = prop::collection::vec(select(ALL_TYPES.to_vec()), 1..=4);
        cols.prop_flat_map(|types| {
            let row = || types.iter().map(|t| value_strategy(*t)).collect::<Vec<_>>();
            let orders = prop::collection::vec(select(all_orders()), types.len());
            (Just(types.clone()), orders, row(), row(), 0..=types.len())
        })
        .prop_map(|(types, orders, a, mut b, shared)| {
            b[..shared].clone_from_slice(&a[..shared]);
            (types, orders, a, b)
        })
    }

    fn check_pair(a: &V, b: &V) -> Result<(), TestCaseError> {
        for order in all_orders() {
            let (ea, eb) = (enc(a, order), enc(b, order));
            prop_assert_eq!(ea.cmp(&eb), pg_cmp(a, b, order), "{:?}", (a, b, order));
        }
        Ok(())
    }

    macro_rules! pair_order_tests {
        ($($name:ident: $ty:ident),*) => {
            proptest! {
                #![proptest_config(ProptestConfig::with_cases(4000))]
                $(#[test]
                fn $name(a in value_strategy(T::$ty), b in value_strategy(T::$ty)) {
                    check_pair(&a, &b)?;
                })*
            }
        };
    }

    pair_order_tests!(
        pair_order_bool: Bool,
        pair_order_int: Int,
        pair_order_float: Float,
        pair_order_text: Text,
        pair_order_bytes: Bytes
    );

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn composite_order((_types, orders, a, b) in composite()) {
            let (ea, eb) = (enc_key(&a, &orders), enc_key(&b, &orders));
            prop_assert_eq!(ea.cmp(&eb), lex_cmp(&a, &b, &orders));
        }

        #[test]
        fn roundtrip((types, orders, a, _b) in composite()) {
            let key = enc_key(&a, &orders);
            let decoded = decode_key(&key, &types, &orders);
            prop_assert!(decoded.is_ok(), "{:?}", decoded);
            let decoded = decoded.unwrap_or_default();
            prop_assert!(same(&decoded, &a), "{:?} != {:?}", decoded, a);
            prop_assert_eq!(enc_key(&decoded, &orders), key);
        }

        #[test]
        fn damaged_keys_fail_without_panicking(
            (types, orders, a, _b) in composite(),
            pos: usize,
            byte: u8,
        ) {
            let key = enc_key(&a, &orders);
            prop_assert!(decode_key(&key[..pos % key.len()], &types, &orders).is_err());
            let longer = [&key[..], &[byte]].concat();
            let trailing = Err(KeyDecodeError::TrailingBytes { count: 1 });
            prop_assert_eq!(decode_key(&longer, &types, &orders), trailing);
            let mut mutated = key.clone();
            mutated[pos % key.len()] = byte;
            if let Ok(vals) = decode_key(&mutated, &types, &orders) {
                prop_assert_eq!(vals.len(), types.len());
            }
        }

        #[test]
        fn decode_arbitrary_bytes_never_panics(
            bytes in prop::collection::vec(any::<u8>(), 0..48),
            cols in prop::collection::vec((select(ALL_TYPES.to_vec()), select(all_orders())), 0..5),
        ) {
            let (types, orders): (Vec<KeyType>, Vec<ColumnOrder>) = cols.into_iter().unzip();
            let _ = decode_key(&bytes, &types, &orders);
        }

        #[test]
        fn prefix_successor_bounds_keys(
            prefix in prop::collection::vec(select(vec![0u8, 1, 0x7F, 0xFE, 0xFF]), 0..6),
            suffix in prop::collection::vec(any::<u8>(), 0..6),
            other in prop::collection::vec(select(vec![0u8, 1, 0x7F, 0xFE, 0xFF]), 0..8),
        ) {
            let with_prefix = [&prefix[..], &suffix[..]].concat();
            match prefix_successor(&prefix) {
                None => prop_assert!(prefix.iter().all(|&b| b == 0xFF)),
                Some(s) => {
                    prop_assert!(prefix < s && with_prefix < s);
                    if !other.starts_with(&prefix) && other > prefix {
                        prop_assert!(other >= s);
                    }
                }
            }
        }

        #[test]
        fn prefix_successor_on_encoded_columns((_types, orders, a, b) in composite()) {
            let prefix = enc_key(&a[..1], &orders);
            let Some(succ) = prefix_successor(&prefix) else {
                return Err(TestCaseError::fail("encoded column is never all 0xFF"));
            };
            let (ka, kb) = (enc_key(&a, &orders), enc_key(&b, &orders));
            prop_assert!(prefix <= ka && ka < succ);
            let in_range = prefix <= kb && kb < succ;
            prop_assert_eq!(in_range, pg_cmp(&a[0], &b[0], orders[0]).is_eq());
        }
    }

    /// Checks that `sorted` is strictly ascending under both the reference and the encoding,
    /// and that NULL lands on the requested side.
    fn check_sorted(sorted: &[V]) {
        for order in all_orders() {
            for (i, a) in sorted.iter().enumerate() {
                for (j, b) in sorted.iter().enumerate() {
                    let want = match order.direction {
                        Direction::Asc => i.cmp(&j),
                        Direction::Desc => j.cmp(&i),
                    };
                    assert_eq!(pg_cmp(a, b, order), want, "reference {a:?} {b:?}");
                    let got = enc(a, order).cmp(&enc(b, order));
                    assert_eq!(got, want, "{a:?} {b:?} {order:?}");
                }
                let null = enc(&V::Null, order).cmp(&enc(a, order));
                assert_eq!(null, pg_cmp(&V::Null, a, order));
            }
        }
    }

    #[test]
    fn edge_cases_sort() {
        check_sorted(&[V::Bool(false), V::Bool(true)]);
        let (min, max) = (i64::MIN, i64::MAX);
        check_sorted(&[min, min + 1, -256, -1, 0, 1, 255, 256, max - 1, max].map(V::Int));
        check_sorted(&edge_floats().into_iter().map(V::Float).collect::<Vec<_>>());
        let texts = [
            "", "\0", "\0\0", "\0a", "\u{1}", "a", "a\0", "a\0b", "a\u{1}", "ab", "é",
        ];
        check_sorted(&texts.map(|s| V::Text(s.into())));
        let hex = [
            "", "00", "0000", "00ff", "00ff00", "01", "feff", "ff", "ff00", "ffff",
        ];
        let byte = |h: &str, i: usize| u8::from_str_radix(&h[i..i + 2], 16).unwrap();
        check_sorted(&hex.map(|h| V::Bytes((0..h.len()).step_by(2).map(|i| byte(h, i)).collect())));
    }

    #[test]
    fn equal_values_encode_identically() {
        for order in all_orders() {
            assert_eq!(enc(&V::Float(-0.0), order), enc(&V::Float(0.0), order));
            let nan = enc(&V::Float(f64::NAN), order);
            for bits in [0x7FF0_0000_0000_0001, 0xFFF8_0000_0000_0000, u64::MAX] {
                assert_eq!(enc(&V::Float(f64::from_bits(bits)), order), nan);
            }
        }
        let key = encode_key(&[KeyValue::Float(-0.0), KeyValue::Float(-f64::NAN)], &[]);
        let got = decode_key(&key, &[T::Float, T::Float], &[]).unwrap();
        assert_eq!(got[0], V::Float(0.0));
        assert!(matches!(got[1], V::Float(f) if f.to_bits() == f64::NAN.to_bits()));
    }

    #[test]
    fn byte_layout() {
        let (asc, desc) = (ColumnOrder::ASC, ColumnOrder::DESC);
        assert_eq!(enc(&V::Null, asc), [TAG_NULL_LAST]);
        assert_eq!(enc(&V::Null, desc), [TAG_NULL_FIRST]);
        assert_eq!(enc(&V::Int(0), asc), [1, 0x80, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(enc(&V::Bytes(vec![0, 0xFF]), asc), [1, 0, 0xFF, 0xFF, 0, 0]);
        assert_eq!(
            enc(&V::Bytes(vec![0, 0xFF]), desc),
            [1, 0xFF, 0, 0, 0xFF, 0xFF]
        );
        // Missing orders default to ASC.
        let vals = [KeyValue::Int(5), KeyValue::Null];
        assert_eq!(encode_key(&vals, &[]), encode_key(&vals, &[asc, asc]));
        assert_eq!(prefix_successor(&[]), None);
        assert_eq!(prefix_successor(&[0xFF, 0xFF]), None);
        assert_eq!(prefix_successor(&[1, 0xFF, 0xFF]), Some(vec![2]));
    }

    #[test]
    fn decode_errors() {
        use KeyDecodeError as E;
        let cases: [(&[u8], KeyType, E); 6] = [
            (b"", T::Int, E::Truncated { column: 0 }),
            (b"\x00", T::Int, E::InvalidTag { column: 0, tag: 0 }),
            (b"\x01\x02", T::Bool, E::InvalidBool { column: 0, byte: 2 }),
            (
                b"\x01\x00\x07",
                T::Bytes,
                E::InvalidEscape { column: 0, byte: 7 },
            ),
            (b"\x01\xC3\x00\x00", T::Text, E::InvalidUtf8 { column: 0 }),
            (b"\x02\x02", T::Int, E::TrailingBytes { count: 1 }),
        ];
        for (bytes, ty, want) in cases {
            assert_eq!(decode_key(bytes, &[ty], &[ColumnOrder::ASC]), Err(want));
        }
        assert_eq!(decode_key(&[], &[], &[]), Ok(vec![]));
    }
}
