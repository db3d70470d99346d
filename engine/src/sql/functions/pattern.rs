//! Pattern-matching functions: `regexp_replace`, `regexp_like`, and the pattern rewrites
//! behind `LIKE … ESCAPE` (`like_escape`) and `SIMILAR TO` (`similar_to_escape`); also the
//! integer prefix operator `~`.

use super::{arg, text_arg, wrong_type, ScalarFunc};
use crate::error::Result;
use crate::types::regex::{self, RegexOptions};
use crate::types::Value;

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
        F::RegexpReplace => Value::Text(regex::regexp_replace(
            text_arg(args, 0)?,
            text_arg(args, 1)?,
            text_arg(args, 2)?,
            opt_text(3)?,
        )?),
        F::RegexpLike => {
            let (opts, _) = RegexOptions::parse(opt_text(2)?, false)?;
            let re = regex::compile(text_arg(args, 1)?, opts)?;
            Value::Bool(re.is_match(text_arg(args, 0)?))
        }
        F::BitNot => crate::types::ops::eval_bit_not(arg(args, 0)?).ok_or_else(wrong_type)?,
        _ => return Err(wrong_type()),
    })
}
