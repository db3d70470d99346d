//! Randomized tests: key encoding order agrees with `sql_cmp` for every type and column
//! order, the row codec round-trips and never panics on corrupt bytes, text output parses
//! back to the same value, and parsing, casting and operators never panic on arbitrary input.

use super::array::ArrayValue;
use super::ops::{eval_binary, BinaryOp};
use super::row::{decode_row, encode_row};
use super::{CastKind, DataType, Interval, Numeric, Value};
use bigdecimal::num_bigint::BigInt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cmp::Ordering;
use storage::keycode::{ColumnOrder, Direction, NullOrder};

const TYPES: [DataType; 18] = [
    DataType::Bool,
    DataType::Int2,
    DataType::Int4,
    DataType::Int8,
    DataType::Float4,
    DataType::Float8,
    DataType::Numeric {
        precision: None,
        scale: None,
    },
    DataType::Text,
    DataType::Varchar(None),
    DataType::Char(None),
    DataType::Bytea,
    DataType::Date,
    DataType::Time,
    DataType::Timestamp,
    DataType::Timestamptz,
    DataType::Interval,
    DataType::Jsonb,
    DataType::Uuid,
];

fn pick<T: Clone>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.gen_range(0..items.len())].clone()
}

fn random_f64(rng: &mut StdRng) -> f64 {
    match rng.gen_range(0..6) {
        0 => pick(
            rng,
            &[
                0.0,
                -0.0,
                1.0,
                -1.0,
                0.1,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::MAX,
                f64::MIN_POSITIVE,
                5e-324,
            ],
        ),
        1 => f64::from_bits(rng.gen()),
        2 => rng.gen_range(-1000..1000) as f64 / 8.0,
        _ => rng.gen_range(-1e6..1e6),
    }
}

fn random_numeric(rng: &mut StdRng) -> Numeric {
    match rng.gen_range(0..12) {
        0 => Numeric::nan(),
        1 => Numeric::infinity(rng.gen()),
        _ => {
            let digits = rng.gen_range(0..30);
            let mut mant = BigInt::from(rng.gen_range(-9i64..=9));
            for _ in 0..digits {
                mant = mant * 10 + rng.gen_range(0..10);
            }
            Numeric::new(mant, rng.gen_range(0..12)).unwrap_or_else(|_| Numeric::from_i64(0))
        }
    }
}

fn random_text(rng: &mut StdRng) -> String {
    let alphabet = ['a', 'b', ' ', '\0', 'é', 'Z', '%', '\u{1}', '\u{10FFFF}'];
    (0..rng.gen_range(0..6))
        .map(|_| pick(rng, &alphabet))
        .collect()
}

/// A random jsonb value, nested at most three deep (scalars of every kind, empty and
/// non-empty containers, keys that sort by length before bytes).
fn random_json(rng: &mut StdRng, depth: u32) -> super::json::Json {
    use super::json::Json;
    let pick_kind = if depth >= 3 {
        rng.gen_range(0..4)
    } else {
        rng.gen_range(0..6)
    };
    match pick_kind {
        0 => Json::Null,
        1 => Json::Bool(rng.gen()),
        2 => {
            let mut n = random_numeric(rng);
            while n.is_nan() || n.is_infinite() {
                n = random_numeric(rng);
            }
            Json::Number(n)
        }
        3 => Json::String(random_text(rng).replace('\0', "")),
        4 => Json::Array(
            (0..rng.gen_range(0..4))
                .map(|_| random_json(rng, depth + 1))
                .collect(),
        ),
        _ => Json::object(
            (0..rng.gen_range(0..4))
                .map(|_| {
                    let k = pick(rng, &["a", "b", "aa", "", "é"]).to_string();
                    (k, random_json(rng, depth + 1))
                })
                .collect(),
        ),
    }
}

/// A random non-NULL value of `ty` (extreme values included).
fn random_value(rng: &mut StdRng, ty: &DataType) -> Value {
    const DAY: i64 = 86_400_000_000;
    match ty {
        DataType::Bool => Value::Bool(rng.gen()),
        DataType::Int2 => Value::Int2(if rng.gen() {
            rng.gen()
        } else {
            rng.gen_range(-3..3)
        }),
        DataType::Int4 => Value::Int4(if rng.gen() {
            rng.gen()
        } else {
            rng.gen_range(-3..3)
        }),
        DataType::Int8 => Value::Int8(if rng.gen() {
            rng.gen()
        } else {
            rng.gen_range(-3..3)
        }),
        DataType::Float4 => Value::Float4(random_f64(rng) as f32),
        DataType::Float8 => Value::Float8(random_f64(rng)),
        DataType::Numeric { .. } => Value::Numeric(random_numeric(rng)),
        DataType::Text
        | DataType::Varchar(_)
        | DataType::Char(_)
        | DataType::Name
        | DataType::CharByte
        | DataType::Unknown => Value::Text(random_text(rng)),
        // void has one value, shown as the empty string.
        DataType::Void => Value::Text(String::new()),
        DataType::Oid => Value::Oid(rng.gen()),
        DataType::Reg(k) => {
            let o: u32 = rng.gen();
            Value::Reg(*k, o, o.to_string())
        }
        DataType::Bytea => Value::Bytea(
            (0..rng.gen_range(0..6))
                .map(|_| pick(rng, &[0u8, 1, 0x7F, 0xFF]))
                .collect(),
        ),
        DataType::Date => Value::Date(match rng.gen_range(0..10) {
            0 => pick(rng, &[i32::MIN, i32::MAX]),
            _ => rng.gen_range(-2_451_545..2_145_031_948),
        }),
        DataType::Time => Value::Time(rng.gen_range(0..=DAY)),
        DataType::Timestamp | DataType::Timestamptz => {
            let t = match rng.gen_range(0..10) {
                0 => pick(rng, &[i64::MIN, i64::MAX]),
                _ => rng.gen_range(-211_813_488_000_000_000..9_223_371_331_200_000_000),
            };
            if *ty == DataType::Timestamp {
                Value::Timestamp(t)
            } else {
                Value::Timestamptz(t)
            }
        }
        DataType::Interval => Value::Interval(Interval {
            months: rng.gen_range(-10_000_000..10_000_000),
            days: rng.gen_range(-10_000_000..10_000_000),
            micros: if rng.gen() {
                rng.gen_range(-DAY * 3..DAY * 3)
            } else {
                rng.gen_range(-(1i64 << 60)..(1i64 << 60))
            },
        }),
        DataType::Json => Value::Json(random_json(rng, 0).to_text()),
        DataType::Jsonb => Value::Jsonb(Box::new(random_json(rng, 0))),
        DataType::Uuid => Value::Uuid(rng.gen()),
        DataType::Array(elem) => {
            let items = (0..rng.gen_range(0..5))
                .map(|_| {
                    if rng.gen_range(0..5) == 0 {
                        Value::Null
                    } else {
                        random_value(rng, elem)
                    }
                })
                .collect();
            Value::Array(Box::new(ArrayValue::from_items((**elem).clone(), items)))
        }
        DataType::Domain(d) => random_value(rng, &d.base),
        DataType::Enum(e) => {
            let all = e.values();
            match all.len() {
                0 => Value::Null,
                n => Value::Enum(Box::new(all[rng.gen_range(0..n)].clone())),
            }
        }
    }
}

fn orders() -> Vec<ColumnOrder> {
    let mut v = Vec::new();
    for direction in [Direction::Asc, Direction::Desc] {
        for nulls in [NullOrder::First, NullOrder::Last] {
            v.push(ColumnOrder { direction, nulls });
        }
    }
    v
}

fn key(v: &Value, order: ColumnOrder) -> Vec<u8> {
    let mut out = Vec::new();
    v.encode_key(&mut out, order);
    out
}

/// The expected order of two values under a column order, from `sql_cmp`.
fn expected(a: &Value, b: &Value, order: ColumnOrder) -> Ordering {
    let null_first = match order.nulls {
        NullOrder::First => Ordering::Less,
        NullOrder::Last => Ordering::Greater,
    };
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => null_first,
        (false, true) => null_first.reverse(),
        (false, false) => {
            let c = a.sql_cmp(b).unwrap().unwrap();
            match order.direction {
                Direction::Asc => c,
                Direction::Desc => c.reverse(),
            }
        }
    }
}

#[test]
fn key_order_matches_sql_cmp() {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    for ty in TYPES.iter() {
        for _ in 0..3000 {
            let gen = |rng: &mut StdRng| {
                if rng.gen_range(0..20) == 0 {
                    Value::Null
                } else {
                    random_value(rng, ty)
                }
            };
            let a = gen(&mut rng);
            // Often compare against a nearby or identical value.
            let b = if rng.gen_range(0..4) == 0 {
                a.clone()
            } else {
                gen(&mut rng)
            };
            for order in orders() {
                let (ka, kb) = (key(&a, order), key(&b, order));
                assert_eq!(
                    ka.cmp(&kb),
                    expected(&a, &b, order),
                    "{ty:?} {a:?} {b:?} {order:?}"
                );
                // Prefix-free: a key followed by another column still sorts the same way.
                let mut ka2 = ka.clone();
                Value::Int4(0).encode_key(&mut ka2, order);
                let want = match expected(&a, &b, order) {
                    Ordering::Equal => Ordering::Greater,
                    o => o,
                };
                assert_eq!(ka2.cmp(&kb), want, "{a:?} {b:?}");
            }
        }
    }
}

#[test]
fn documented_cross_type_key_equalities_hold() {
    let asc = ColumnOrder::ASC;
    assert_eq!(key(&Value::Int2(7), asc), key(&Value::Int8(7), asc));
    assert_eq!(key(&Value::Int4(-7), asc), key(&Value::Int8(-7), asc));
    assert_eq!(key(&Value::Float4(1.5), asc), key(&Value::Float8(1.5), asc));
    assert_eq!(
        key(&Value::Float8(-0.0), asc),
        key(&Value::Float8(0.0), asc)
    );
    let n = |s: &str| Value::Numeric(Numeric::parse(s).unwrap());
    assert_eq!(key(&n("1.0"), asc), key(&n("1.00"), asc));
    assert_eq!(key(&n("-0.00"), asc), key(&n("0"), asc));
    assert_eq!(key(&n("120"), asc), key(&n("1.2e2"), asc));
    assert_eq!(
        key(&Value::Timestamp(5), asc),
        key(&Value::Timestamptz(5), asc)
    );
    let iv = |m, d, us| {
        Value::Interval(Interval {
            months: m,
            days: d,
            micros: us,
        })
    };
    assert_eq!(key(&iv(1, 0, 0), asc), key(&iv(0, 30, 0), asc));
    assert_eq!(key(&iv(0, 1, 0), asc), key(&iv(0, 0, 86_400_000_000), asc));
    // Not equal across integer and numeric: callers cast first.
    assert_ne!(key(&Value::Int4(1), asc), key(&n("1"), asc));
}

#[test]
fn row_codec_round_trips() {
    let mut rng = StdRng::seed_from_u64(42);
    for _ in 0..3000 {
        let n = rng.gen_range(0..20);
        let types: Vec<DataType> = (0..n).map(|_| pick(&mut rng, &TYPES)).collect();
        let values: Vec<Value> = types
            .iter()
            .map(|t| {
                if rng.gen_range(0..4) == 0 {
                    Value::Null
                } else {
                    random_value(&mut rng, t)
                }
            })
            .collect();
        let bytes = encode_row(&values);
        assert_eq!(decode_row(&bytes, &types).unwrap(), values);
    }
}

#[test]
fn row_decode_never_panics_on_corrupt_bytes() {
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..20_000 {
        let n = rng.gen_range(0..8);
        let types: Vec<DataType> = (0..n).map(|_| pick(&mut rng, &TYPES)).collect();
        let values: Vec<Value> = types.iter().map(|t| random_value(&mut rng, t)).collect();
        let mut bytes = encode_row(&values);
        match rng.gen_range(0..4) {
            0 => bytes.truncate(rng.gen_range(0..=bytes.len())),
            1 => {
                for _ in 0..rng.gen_range(1..4) {
                    if !bytes.is_empty() {
                        let i = rng.gen_range(0..bytes.len());
                        bytes[i] = rng.gen();
                    }
                }
            }
            2 => bytes = (0..rng.gen_range(0..24)).map(|_| rng.gen()).collect(),
            _ => bytes.push(rng.gen()),
        }
        let _ = decode_row(&bytes, &types);
        // Decoding under the wrong types must not panic either.
        let other: Vec<DataType> = (0..n).map(|_| pick(&mut rng, &TYPES)).collect();
        let _ = decode_row(&bytes, &other);
    }
    // A huge declared length must not allocate or panic.
    let _ = decode_row(&[1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], &[DataType::Text]);
}

#[test]
fn text_output_parses_back_to_the_same_value() {
    let mut rng = StdRng::seed_from_u64(99);
    for ty in TYPES.iter() {
        for _ in 0..2000 {
            let v = random_value(&mut rng, ty);
            if let Value::Interval(i) = &v {
                // PostgreSQL cannot read back time fields near the int64 limit either.
                if i.micros.unsigned_abs() > 1 << 62 {
                    continue;
                }
            }
            let text = v.to_text().unwrap();
            let back = Value::parse(&text, ty).unwrap_or_else(|e| panic!("{ty:?} {text:?}: {e}"));
            assert_eq!(back, v, "{ty:?} {text:?}");
        }
    }
}

#[test]
fn arrays_round_trip_through_text_rows_and_keys() {
    let mut rng = StdRng::seed_from_u64(7);
    for elem in [
        DataType::Int4,
        DataType::Text,
        DataType::Float8,
        DataType::Numeric {
            precision: None,
            scale: None,
        },
        DataType::Bool,
        DataType::Timestamptz,
    ] {
        let ty = DataType::Array(Box::new(elem.clone()));
        for _ in 0..500 {
            let v = random_value(&mut rng, &ty);
            let w = random_value(&mut rng, &ty);
            let text = v.to_text().unwrap_or_default();
            let back = Value::parse(&text, &ty).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(back, v, "{ty:?} {text:?}");
            let row = encode_row(&[v.clone(), w.clone()]);
            let decoded = decode_row(&row, &[ty.clone(), ty.clone()]).unwrap_or_default();
            assert_eq!(decoded, vec![v.clone(), w.clone()]);
            let (mut kv, mut kw) = (Vec::new(), Vec::new());
            v.encode_key(&mut kv, ColumnOrder::ASC);
            w.encode_key(&mut kw, ColumnOrder::ASC);
            let by_cmp = v.sql_cmp(&w).ok().flatten();
            assert_eq!(Some(kv.cmp(&kw)), by_cmp, "{text:?} vs {:?}", w.to_text());
        }
    }
}

fn random_input(rng: &mut StdRng) -> String {
    let pieces = [
        "1",
        "0",
        "9",
        "-",
        "+",
        ".",
        ":",
        "/",
        " ",
        "e",
        "E",
        "x",
        "\\",
        "T",
        "Z",
        "inf",
        "nan",
        "2024",
        "12",
        "31",
        "day",
        "year",
        "ago",
        "@",
        "P",
        "H",
        "M",
        "S",
        "jan",
        "bc",
        "pm",
        "é",
        "99999999999999999999",
        "-2147483648",
        "24",
        "60",
        "'",
        "%",
        "_",
        "allballs",
        "epoch",
        "infinity",
        "1e400",
        "00",
        "utc",
        "+05:30",
        "1-2",
        "\t",
    ];
    (0..rng.gen_range(0..8))
        .map(|_| pick(rng, &pieces))
        .collect()
}

#[test]
fn parse_cast_and_operators_never_panic() {
    let mut rng = StdRng::seed_from_u64(1234);
    let mut all_types = TYPES.to_vec();
    all_types.extend([
        DataType::Varchar(Some(3)),
        DataType::Char(Some(2)),
        DataType::Numeric {
            precision: Some(5),
            scale: Some(2),
        },
    ]);
    for _ in 0..20_000 {
        let input = random_input(&mut rng);
        for ty in &all_types {
            let _ = Value::parse(&input, ty);
        }
    }
    let ops = [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Mod,
        BinaryOp::Pow,
        BinaryOp::Lt,
        BinaryOp::Concat,
        BinaryOp::Like,
        BinaryOp::ILike,
    ];
    for _ in 0..20_000 {
        let (ta, tb) = (pick(&mut rng, &TYPES), pick(&mut rng, &TYPES));
        let (a, b) = (random_value(&mut rng, &ta), random_value(&mut rng, &tb));
        for op in ops {
            let _ = eval_binary(op, &a, &b);
        }
        let target = pick(&mut rng, &all_types);
        for kind in [CastKind::Implicit, CastKind::Assignment, CastKind::Explicit] {
            let _ = a.cast_from(&ta, &target, kind);
        }
        let _ = super::ops::eval_negate(&a);
    }
}
