//! Function resolution: the `pg_proc` entries of the supported types for each function name,
//! and PostgreSQL's choice among them (`func_get_detail`: an exact match, else the candidates
//! the arguments convert to implicitly, narrowed by `func_select_candidate`).

use super::{pg_error, ScalarFunc};
use crate::error::Result;
use crate::types::ops::resolve_binary;
use crate::types::ops::BinaryOp;
use crate::types::{can_cast, common_type_for, CastKind, DataType, TypeCategory};

/// A resolved call: the function, the types its arguments are cast to, the result type.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub func: ScalarFunc,
    pub arg_types: Vec<DataType>,
    pub ret: DataType,
}

const NUM: DataType = DataType::Numeric {
    precision: None,
    scale: None,
};
const BPCHAR: DataType = DataType::Char(None);

/// One `pg_proc` entry.
struct Sig {
    func: ScalarFunc,
    args: &'static [DataType],
    ret: DataType,
}

/// `text[]`, the result of the `regexp_*` functions that return every group of a match.
fn text_array() -> DataType {
    DataType::Array(Box::new(DataType::Text))
}

const fn sig(func: ScalarFunc, args: &'static [DataType], ret: DataType) -> Sig {
    Sig { func, args, ret }
}

/// The overloads of `name` over the supported types.
fn signatures(name: &str) -> Vec<Sig> {
    use DataType::{
        Bool, Bytea, Date, Float4, Float8, Int2, Int4, Int8, Interval, Text, Time, Timestamp,
        Timestamptz,
    };
    use ScalarFunc as F;
    let numeric_or_float = |f: ScalarFunc| vec![sig(f, &[Float8], Float8), sig(f, &[NUM], NUM)];
    match name {
        // Strings.
        "length" => vec![
            sig(F::Length, &[Text], Int4),
            sig(F::BpcharLength, &[BPCHAR], Int4),
            sig(F::Length, &[Bytea], Int4),
        ],
        "char_length" | "character_length" => vec![
            sig(F::Length, &[Text], Int4),
            sig(F::BpcharLength, &[BPCHAR], Int4),
        ],
        "octet_length" => vec![
            sig(F::OctetLength, &[Text], Int4),
            sig(F::OctetLength, &[BPCHAR], Int4),
            sig(F::OctetLength, &[Bytea], Int4),
        ],
        "bit_length" => vec![
            sig(F::BitLength, &[Text], Int4),
            sig(F::BitLength, &[Bytea], Int4),
        ],
        "lower" => vec![sig(F::Lower, &[Text], Text)],
        "upper" => vec![sig(F::Upper, &[Text], Text)],
        "initcap" => vec![sig(F::Initcap, &[Text], Text)],
        "substr" | "substring" => vec![
            sig(F::Substr, &[Text, Int4], Text),
            sig(F::Substr, &[Text, Int4, Int4], Text),
            sig(F::Substr, &[Bytea, Int4], Bytea),
            sig(F::Substr, &[Bytea, Int4, Int4], Bytea),
        ],
        "strpos" => vec![sig(F::StrPos, &[Text, Text], Int4)],
        "position" => vec![
            sig(F::StrPos, &[Text, Text], Int4),
            sig(F::StrPos, &[Bytea, Bytea], Int4),
        ],
        "btrim" | "ltrim" | "rtrim" => {
            let f = match name {
                "btrim" => F::BTrim,
                "ltrim" => F::LTrim,
                _ => F::RTrim,
            };
            vec![
                sig(f, &[Text], Text),
                sig(f, &[Text, Text], Text),
                sig(f, &[Bytea, Bytea], Bytea),
            ]
        }
        "replace" => vec![sig(F::Replace, &[Text, Text, Text], Text)],
        "translate" => vec![sig(F::Translate, &[Text, Text, Text], Text)],
        "overlay" => vec![
            sig(F::Overlay, &[Text, Text, Int4], Text),
            sig(F::Overlay, &[Text, Text, Int4, Int4], Text),
            sig(F::Overlay, &[Bytea, Bytea, Int4], Bytea),
            sig(F::Overlay, &[Bytea, Bytea, Int4, Int4], Bytea),
        ],
        "left" => vec![sig(F::Left, &[Text, Int4], Text)],
        "right" => vec![sig(F::Right, &[Text, Int4], Text)],
        "repeat" => vec![sig(F::Repeat, &[Text, Int4], Text)],
        "reverse" => vec![sig(F::Reverse, &[Text], Text)],
        "lpad" | "rpad" => {
            let f = if name == "lpad" { F::LPad } else { F::RPad };
            vec![
                sig(f, &[Text, Int4], Text),
                sig(f, &[Text, Int4, Text], Text),
            ]
        }
        "split_part" => vec![sig(F::SplitPart, &[Text, Text, Int4], Text)],
        "starts_with" => vec![sig(F::StartsWith, &[Text, Text], Bool)],
        "like_escape" => vec![sig(F::LikeEscape, &[Text, Text], Text)],
        "similar_to_escape" => vec![
            sig(F::SimilarToEscape, &[Text], Text),
            sig(F::SimilarToEscape, &[Text, Text], Text),
        ],
        "regexp_replace" => vec![
            sig(F::RegexpReplace, &[Text, Text, Text], Text),
            sig(F::RegexpReplace, &[Text, Text, Text, Text], Text),
            sig(F::RegexpReplace, &[Text, Text, Text, Int4], Text),
            sig(F::RegexpReplace, &[Text, Text, Text, Int4, Int4], Text),
            sig(
                F::RegexpReplace,
                &[Text, Text, Text, Int4, Int4, Text],
                Text,
            ),
        ],
        "regexp_match" => vec![
            sig(F::RegexpMatch, &[Text, Text], text_array()),
            sig(F::RegexpMatch, &[Text, Text, Text], text_array()),
        ],
        "regexp_split_to_array" => vec![
            sig(F::RegexpSplitToArray, &[Text, Text], text_array()),
            sig(F::RegexpSplitToArray, &[Text, Text, Text], text_array()),
        ],
        "regexp_count" => vec![
            sig(F::RegexpCount, &[Text, Text], Int4),
            sig(F::RegexpCount, &[Text, Text, Int4], Int4),
            sig(F::RegexpCount, &[Text, Text, Int4, Text], Int4),
        ],
        "regexp_instr" => vec![
            sig(F::RegexpInstr, &[Text, Text], Int4),
            sig(F::RegexpInstr, &[Text, Text, Int4], Int4),
            sig(F::RegexpInstr, &[Text, Text, Int4, Int4], Int4),
            sig(F::RegexpInstr, &[Text, Text, Int4, Int4, Int4], Int4),
            sig(F::RegexpInstr, &[Text, Text, Int4, Int4, Int4, Text], Int4),
            sig(
                F::RegexpInstr,
                &[Text, Text, Int4, Int4, Int4, Text, Int4],
                Int4,
            ),
        ],
        "regexp_substr" => vec![
            sig(F::RegexpSubstr, &[Text, Text], Text),
            sig(F::RegexpSubstr, &[Text, Text, Int4], Text),
            sig(F::RegexpSubstr, &[Text, Text, Int4, Int4], Text),
            sig(F::RegexpSubstr, &[Text, Text, Int4, Int4, Text], Text),
            sig(F::RegexpSubstr, &[Text, Text, Int4, Int4, Text, Int4], Text),
        ],
        "regexp_like" => vec![
            sig(F::RegexpLike, &[Text, Text], Bool),
            sig(F::RegexpLike, &[Text, Text, Text], Bool),
        ],
        "md5" => vec![sig(F::Md5, &[Text], Text), sig(F::Md5, &[Bytea], Text)],
        "encode" => vec![sig(F::Encode, &[Bytea, Text], Text)],
        "decode" => vec![sig(F::Decode, &[Text, Text], Bytea)],
        "sha224" => vec![sig(F::Sha224, &[Bytea], Bytea)],
        "sha256" => vec![sig(F::Sha256, &[Bytea], Bytea)],
        "sha384" => vec![sig(F::Sha384, &[Bytea], Bytea)],
        "sha512" => vec![sig(F::Sha512, &[Bytea], Bytea)],
        "get_byte" => vec![sig(F::GetByte, &[Bytea, Int4], Int4)],
        "set_byte" => vec![sig(F::SetByte, &[Bytea, Int4, Int4], Bytea)],
        "convert_to" => vec![sig(F::ConvertTo, &[Text, DataType::Name], Bytea)],
        "convert_from" => vec![sig(F::ConvertFrom, &[Bytea, DataType::Name], Text)],
        "chr" => vec![sig(F::Chr, &[Int4], Text)],
        "ascii" => vec![sig(F::Ascii, &[Text], Int4)],
        "quote_literal" => vec![sig(F::QuoteLiteral, &[Text], Text)],
        "quote_ident" => vec![sig(F::QuoteIdent, &[Text], Text)],
        "to_hex" => vec![sig(F::ToHex, &[Int4], Text), sig(F::ToHex, &[Int8], Text)],
        // Numbers.
        "abs" => [Int2, Int4, Int8, Float4, Float8, NUM]
            .iter()
            .map(|t| Sig {
                func: F::Abs,
                args: match t {
                    Int2 => &[Int2],
                    Int4 => &[Int4],
                    Int8 => &[Int8],
                    Float4 => &[Float4],
                    Float8 => &[Float8],
                    _ => &[NUM],
                },
                ret: t.clone(),
            })
            .collect(),
        "round" | "trunc" => {
            let f = if name == "round" { F::Round } else { F::Trunc };
            let mut v = numeric_or_float(f);
            v.push(sig(f, &[NUM, Int4], NUM));
            v
        }
        "ceil" | "ceiling" => numeric_or_float(F::Ceil),
        "floor" => numeric_or_float(F::Floor),
        "sign" => numeric_or_float(F::Sign),
        "sqrt" => numeric_or_float(F::Sqrt),
        "exp" => numeric_or_float(F::Exp),
        "ln" => numeric_or_float(F::Ln),
        "log10" => numeric_or_float(F::Log10),
        "log" => {
            let mut v = numeric_or_float(F::Log);
            v.push(sig(F::Log, &[NUM, NUM], NUM));
            v
        }
        "cbrt" => vec![sig(F::Cbrt, &[Float8], Float8)],
        "degrees" => vec![sig(F::Degrees, &[Float8], Float8)],
        "radians" => vec![sig(F::Radians, &[Float8], Float8)],
        "pi" => vec![sig(F::Pi, &[], Float8)],
        "mod" => vec![
            sig(F::Mod, &[Int2, Int2], Int2),
            sig(F::Mod, &[Int4, Int4], Int4),
            sig(F::Mod, &[Int8, Int8], Int8),
            sig(F::Mod, &[NUM, NUM], NUM),
        ],
        "div" => vec![sig(F::Div, &[NUM, NUM], NUM)],
        "power" | "pow" => vec![
            sig(F::Power, &[Float8, Float8], Float8),
            sig(F::Power, &[NUM, NUM], NUM),
        ],
        "gcd" | "lcm" => {
            let f = if name == "gcd" { F::Gcd } else { F::Lcm };
            vec![
                sig(f, &[Int4, Int4], Int4),
                sig(f, &[Int8, Int8], Int8),
                sig(f, &[NUM, NUM], NUM),
            ]
        }
        "scale" => vec![sig(F::Scale, &[NUM], Int4)],
        "factorial" => vec![sig(F::Factorial, &[Int8], NUM)],
        // Dates and times.
        "now" | "transaction_timestamp" => vec![sig(F::Now, &[], Timestamptz)],
        "statement_timestamp" => vec![sig(F::StatementTimestamp, &[], Timestamptz)],
        "clock_timestamp" => vec![sig(F::ClockTimestamp, &[], Timestamptz)],
        "timezone" => vec![
            sig(F::AtTimeZone, &[Text, Timestamp], Timestamptz),
            sig(F::AtTimeZone, &[Text, Timestamptz], Timestamp),
            sig(F::AtTimeZone, &[Interval, Timestamp], Timestamptz),
            sig(F::AtTimeZone, &[Interval, Timestamptz], Timestamp),
        ],
        "date_trunc" => vec![
            sig(F::DateTrunc, &[Text, Timestamp], Timestamp),
            sig(F::DateTrunc, &[Text, Timestamptz], Timestamptz),
            sig(F::DateTrunc, &[Text, Interval], Interval),
        ],
        "date_part" => vec![
            sig(F::DatePart, &[Text, Date], Float8),
            sig(F::DatePart, &[Text, Time], Float8),
            sig(F::DatePart, &[Text, Timestamp], Float8),
            sig(F::DatePart, &[Text, Timestamptz], Float8),
            sig(F::DatePart, &[Text, Interval], Float8),
        ],
        "extract" => vec![
            sig(F::Extract, &[Text, Date], NUM),
            sig(F::Extract, &[Text, Time], NUM),
            sig(F::Extract, &[Text, Timestamp], NUM),
            sig(F::Extract, &[Text, Timestamptz], NUM),
            sig(F::Extract, &[Text, Interval], NUM),
        ],
        "make_date" => vec![sig(F::MakeDate, &[Int4, Int4, Int4], Date)],
        "age" => vec![
            sig(F::Age, &[Timestamp], Interval),
            sig(F::Age, &[Timestamptz], Interval),
            sig(F::Age, &[Timestamp, Timestamp], Interval),
            sig(F::Age, &[Timestamptz, Timestamptz], Interval),
        ],
        "to_timestamp" => vec![
            sig(F::ToTimestamp, &[Float8], Timestamptz),
            sig(F::ToTimestampText, &[Text, Text], Timestamptz),
        ],
        "to_date" => vec![sig(F::ToDate, &[Text, Text], Date)],
        "to_number" => vec![sig(F::ToNumber, &[Text, Text], NUM)],
        "make_timestamp" => vec![sig(
            F::MakeTimestamp,
            &[Int4, Int4, Int4, Int4, Int4, Float8],
            Timestamp,
        )],
        "make_timestamptz" => vec![
            sig(
                F::MakeTimestamptz,
                &[Int4, Int4, Int4, Int4, Int4, Float8],
                Timestamptz,
            ),
            sig(
                F::MakeTimestamptz,
                &[Int4, Int4, Int4, Int4, Int4, Float8, Text],
                Timestamptz,
            ),
        ],
        "make_interval" => {
            static ARGS: [DataType; 7] = [Int4, Int4, Int4, Int4, Int4, Int4, Float8];
            (0..=7)
                .map(|n| sig(F::MakeInterval, &ARGS[..n], Interval))
                .collect()
        }
        "justify_days" => vec![sig(F::JustifyDays, &[Interval], Interval)],
        "justify_hours" => vec![sig(F::JustifyHours, &[Interval], Interval)],
        "justify_interval" => vec![sig(F::JustifyInterval, &[Interval], Interval)],
        "date_bin" => vec![
            sig(F::DateBin, &[Interval, Timestamp, Timestamp], Timestamp),
            sig(
                F::DateBin,
                &[Interval, Timestamptz, Timestamptz],
                Timestamptz,
            ),
        ],
        "width_bucket" => vec![
            sig(F::WidthBucket, &[Float8, Float8, Float8, Int4], Int4),
            sig(F::WidthBucket, &[NUM, NUM, NUM, Int4], Int4),
        ],
        "to_char" => vec![
            sig(F::ToChar, &[Timestamp, Text], Text),
            sig(F::ToChar, &[Timestamptz, Text], Text),
            sig(F::ToChar, &[Interval, Text], Text),
            sig(F::ToChar, &[NUM, Text], Text),
            sig(F::ToChar, &[Int4, Text], Text),
            sig(F::ToChar, &[Int8, Text], Text),
            sig(F::ToChar, &[Float4, Text], Text),
            sig(F::ToChar, &[Float8, Text], Text),
        ],
        _ => Vec::new(),
    }
}

/// `name(types)` as PostgreSQL spells it in "function ... does not exist".
pub fn signature_text(name: &str, types: &[DataType]) -> String {
    let args: Vec<String> = types.iter().map(|t| t.base_name().to_string()).collect();
    format!("{name}({})", args.join(", "))
}

pub fn resolve(name: &str, types: &[DataType]) -> Result<Option<Resolved>> {
    let name = name.strip_prefix("pg_catalog.").unwrap_or(name);
    let found = |func, arg_types, ret| {
        Ok(Some(Resolved {
            func,
            arg_types,
            ret,
        }))
    };
    if let Some(r) = super::array::resolve(name, types) {
        return r.map(Some);
    }
    if let Some(r) = super::json::resolve(name, types) {
        return r.map(Some);
    }
    // Functions with variadic or polymorphic arguments.
    match (name, types) {
        ("coalesce" | "greatest" | "least", ts) if !ts.is_empty() => {
            let (func, context) = match name {
                "coalesce" => (ScalarFunc::Coalesce, "COALESCE"),
                "greatest" => (ScalarFunc::Greatest, "GREATEST"),
                _ => (ScalarFunc::Least, "LEAST"),
            };
            let t = common_type_for(context, ts)?;
            return found(func, vec![t.clone(); ts.len()], t);
        }
        // NULLIF(a, b) is `CASE WHEN a = b THEN NULL ELSE a END`, with `=` resolved as usual.
        ("nullif", [a, b]) => {
            let (l, r, _) = resolve_binary(BinaryOp::Eq, a, b)?;
            return found(ScalarFunc::NullIf, vec![l.clone(), r], l);
        }
        // concat("any"...), concat_ws(text, "any"...): values keep their types and are
        // printed with their output functions.
        ("concat", ts) if !ts.is_empty() => {
            return found(ScalarFunc::Concat, any_args(ts), DataType::Text);
        }
        ("format", [fmt, rest @ ..]) if coercible(fmt, &DataType::Text) => {
            let mut arg_types = vec![DataType::Text];
            arg_types.extend(any_args(rest));
            return found(ScalarFunc::Format, arg_types, DataType::Text);
        }
        ("concat_ws", [sep, rest @ ..]) if !rest.is_empty() && coercible(sep, &DataType::Text) => {
            let mut arg_types = vec![DataType::Text];
            arg_types.extend(any_args(rest));
            return found(ScalarFunc::ConcatWs, arg_types, DataType::Text);
        }
        _ => {}
    }
    let cands: Vec<Sig> = signatures(name)
        .into_iter()
        .filter(|s| s.args.len() == types.len())
        .collect();
    // An exact match of the argument types.
    if let Some(s) = cands
        .iter()
        .find(|s| s.args.iter().zip(types).all(|(a, t)| *a == t.base()))
    {
        return found(s.func, cast_targets(s.args, types), s.ret.clone());
    }
    let viable: Vec<&Sig> = cands
        .iter()
        .filter(|s| s.args.iter().zip(types).all(|(a, t)| coercible(t, a)))
        .collect();
    let chosen = match viable.len() {
        0 => return Ok(None),
        1 => viable[0],
        _ => match select_candidate(types, viable) {
            Some(s) => s,
            None => {
                return Err(pg_error(
                    "42725",
                    format!("function {} is not unique", signature_text(name, types)),
                ))
            }
        },
    };
    found(
        chosen.func,
        cast_targets(chosen.args, types),
        chosen.ret.clone(),
    )
}

fn any_args(types: &[DataType]) -> Vec<DataType> {
    types
        .iter()
        .map(|t| match t {
            DataType::Unknown => DataType::Text,
            t => t.clone(),
        })
        .collect()
}

/// Cast targets: an argument already of the parameter's type keeps its modifier.
fn cast_targets(params: &[DataType], types: &[DataType]) -> Vec<DataType> {
    params
        .iter()
        .zip(types)
        .map(|(p, t)| if t.base() == *p { t.clone() } else { p.clone() })
        .collect()
}

/// `can_coerce_type` in implicit context (an unknown literal goes anywhere).
fn coercible(from: &DataType, to: &DataType) -> bool {
    *from == DataType::Unknown || from.base() == *to || can_cast(from, to, CastKind::Implicit)
}

/// Keeps the candidates with the highest score.
fn keep_best(cands: &mut Vec<&Sig>, score: impl Fn(&Sig) -> usize) {
    let best = cands.iter().map(|s| score(s)).max().unwrap_or(0);
    cands.retain(|s| score(s) == best);
}

/// PostgreSQL's `func_select_candidate`.
fn select_candidate<'a>(inputs: &[DataType], mut cands: Vec<&'a Sig>) -> Option<&'a Sig> {
    let inputs: Vec<DataType> = inputs.iter().map(DataType::base).collect();
    let unknown = |i: usize| inputs[i] == DataType::Unknown;
    let n = inputs.len();
    // Most exact matches.
    keep_best(&mut cands, |s| {
        (0..n)
            .filter(|&i| !unknown(i) && s.args[i] == inputs[i])
            .count()
    });
    if cands.len() == 1 {
        return cands.pop();
    }
    // Most exact matches or preferred types of the input's category.
    keep_best(&mut cands, |s| {
        (0..n)
            .filter(|&i| {
                !unknown(i)
                    && (s.args[i] == inputs[i]
                        || (s.args[i].is_preferred()
                            && s.args[i].category() == inputs[i].category()))
            })
            .count()
    });
    if cands.len() == 1 {
        return cands.pop();
    }
    // Unknown inputs: the category the candidates accept there (string wins a conflict),
    // preferring preferred types.
    let mut resolved = true;
    let mut slot: Vec<Option<(TypeCategory, bool)>> = vec![None; n];
    for i in (0..n).filter(|&i| unknown(i)) {
        let mut conflict = false;
        for s in &cands {
            let (cat, pref) = (s.args[i].category(), s.args[i].is_preferred());
            match slot[i] {
                None => slot[i] = Some((cat, pref)),
                Some((c, p)) if c == cat => slot[i] = Some((c, p || pref)),
                Some(_) if cat == TypeCategory::String => slot[i] = Some((cat, pref)),
                Some(_) => conflict = true,
            }
        }
        if conflict && slot[i].map(|(c, _)| c) != Some(TypeCategory::String) {
            resolved = false;
            break;
        }
    }
    if resolved && slot.iter().any(Option::is_some) {
        let kept: Vec<&Sig> = cands
            .iter()
            .copied()
            .filter(|s| {
                (0..n).all(|i| match slot[i] {
                    None => true,
                    Some((cat, pref)) => {
                        s.args[i].category() == cat && (!pref || s.args[i].is_preferred())
                    }
                })
            })
            .collect();
        if kept.len() == 1 {
            return kept.into_iter().next();
        }
        if !kept.is_empty() {
            cands = kept;
        }
    }
    // Last resort: unknown inputs taken to be of the one type all known inputs share.
    let mut known = inputs.iter().filter(|t| **t != DataType::Unknown);
    if let Some(k) = known.next() {
        if known.all(|t| t == k) && inputs.contains(&DataType::Unknown) {
            let fits: Vec<&Sig> = cands
                .iter()
                .copied()
                .filter(|s| s.args.iter().all(|a| coercible(k, a)))
                .collect();
            if fits.len() == 1 {
                return fits.into_iter().next();
            }
        }
    }
    None
}
