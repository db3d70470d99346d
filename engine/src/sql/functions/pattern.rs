//! Pattern-matching functions: the scalar `regexp_*` ones (`regexp_replace`, `regexp_like`,
//! `regexp_match`, `regexp_split_to_array`, `regexp_count`, `regexp_instr`,
//! `regexp_substr`; the set-returning `regexp_matches` and `regexp_split_to_table` are in
//! `setfunc`), and the pattern rewrites behind `LIKE … ESCAPE` (`like_escape`) and
//! `SIMILAR TO` (`similar_to_escape`); also the integer prefix operator `~`.

use super::{arg, int_arg, text_arg, wrong_type, ScalarFunc};
use crate::error::{EngineError, Result};
use crate::types::array::ArrayValue;
use crate::types::regex::{self, RegexOptions};
use crate::types::regexp::{self, Occurrence};
use crate::types::{DataType, TypeError, Value};

/// `e` with PostgreSQL's HINT.
fn hinted(e: TypeError, hint: &str) -> EngineError {
    EngineError::Detailed {
        code: e.sqlstate(),
        message: e.to_string(),
        detail: String::new(),
        hint: Some(hint.to_owned()),
    }
}

/// A `text[]` of possibly-NULL texts.
pub(crate) fn text_array(items: Vec<Option<String>>) -> Value {
    let items = items
        .into_iter()
        .map(|s| s.map_or(Value::Null, Value::Text))
        .collect();
    Value::Array(Box::new(ArrayValue::from_items(DataType::Text, items)))
}

pub fn call(f: ScalarFunc, args: &[Value]) -> Result<Value> {
    use ScalarFunc as F;
    let opt_text = |i: usize| -> Result<&str> {
        if args.len() > i {
            text_arg(args, i)
        } else {
            Ok("")
        }
    };
    Ok(match f {
        F::LikeEscape => Value::Text(regex::like_escape(text_arg(args, 0)?, text_arg(args, 1)?)?),
        F::SimilarToEscape => {
            let escape = if args.len() > 1 {
                Some(text_arg(args, 1)?)
            } else {
                None
            };
            Value::Text(regex::similar_to_regex(text_arg(args, 0)?, escape)?)
        }
        F::RegexpReplace => {
            // (source, pattern, replacement [, start [, n]] [, flags])
            let (start, n, flags) = match args.get(3) {
                Some(Value::Text(flags)) => {
                    regexp::replace_flags_check(flags).map_err(|e| {
                        hinted(e, "If you meant to use regexp_replace() with a start parameter, cast the fourth argument to integer explicitly.")
                    })?;
                    (1, None, flags.as_str())
                }
                Some(_) => (
                    int_arg(args, 3)?,
                    if args.len() > 4 {
                        Some(int_arg(args, 4)?)
                    } else {
                        None
                    },
                    opt_text(5)?,
                ),
                None => (1, None, ""),
            };
            Value::Text(regexp::regexp_replace(
                text_arg(args, 0)?,
                text_arg(args, 1)?,
                text_arg(args, 2)?,
                start,
                n,
                flags,
            )?)
        }
        F::RegexpLike => {
            let (opts, global) = RegexOptions::parse(opt_text(2)?, true)?;
            if global {
                return Err(TypeError::InvalidParameterValue {
                    message: "regexp_like() does not support the \"global\" option".into(),
                }
                .into());
            }
            let re = regex::compile(text_arg(args, 1)?, opts)?;
            Value::Bool(re.is_match(text_arg(args, 0)?))
        }
        F::RegexpMatch => {
            let (opts, global) = RegexOptions::parse(opt_text(2)?, true)?;
            if global {
                return Err(hinted(
                    TypeError::InvalidParameterValue {
                        message: "regexp_match() does not support the \"global\" option".into(),
                    },
                    "Use the regexp_matches function instead.",
                ));
            }
            match regexp::regexp_match(text_arg(args, 0)?, text_arg(args, 1)?, opts)? {
                Some(m) => text_array(m),
                None => Value::Null,
            }
        }
        F::RegexpSplitToArray => text_array(
            regexp::regexp_split(
                text_arg(args, 0)?,
                text_arg(args, 1)?,
                opt_text(2)?,
                "regexp_split_to_array()",
            )?
            .into_iter()
            .map(Some)
            .collect(),
        ),
        F::RegexpCount => Value::Int4(regexp::regexp_count(
            text_arg(args, 0)?,
            text_arg(args, 1)?,
            opt_int(args, 2, 1)?,
            opt_text(3)?,
        )?),
        F::RegexpInstr => {
            // (source, pattern [, start [, n [, endoption [, flags [, subexpr]]]]])
            let o = Occurrence {
                start: opt_int(args, 2, 1)?,
                n: opt_int(args, 3, 1)?,
                subexpr: opt_int(args, 6, 0)?,
            };
            Value::Int4(regexp::regexp_instr(
                text_arg(args, 0)?,
                text_arg(args, 1)?,
                o,
                opt_int(args, 4, 0)?,
                opt_text(5)?,
            )?)
        }
        F::RegexpSubstr => {
            // (source, pattern [, start [, n [, flags [, subexpr]]]])
            let o = Occurrence {
                start: opt_int(args, 2, 1)?,
                n: opt_int(args, 3, 1)?,
                subexpr: opt_int(args, 5, 0)?,
            };
            regexp::regexp_substr(text_arg(args, 0)?, text_arg(args, 1)?, o, opt_text(4)?)?
                .map_or(Value::Null, Value::Text)
        }
        F::BitNot => crate::types::ops::eval_bit_not(arg(args, 0)?).ok_or_else(wrong_type)?,
        _ => return Err(wrong_type()),
    })
}

/// The `i`-th argument, an integer, or `default` when the call has fewer.
fn opt_int(args: &[Value], i: usize, default: i64) -> Result<i64> {
    if args.len() > i {
        int_arg(args, i)
    } else {
        Ok(default)
    }
}
