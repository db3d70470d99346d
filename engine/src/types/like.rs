//! `LIKE` / `ILIKE` pattern matching with PostgreSQL's rules: `%` matches any sequence, `_`
//! one character, `\` escapes the next pattern character, and a pattern ending in the escape
//! character is an error. Text patterns match by UTF-8 character (`ILIKE` folds ASCII case,
//! as in the "C" locale); bytea patterns match by byte.

use super::error::TypeError;

/// Splits the next unit (a UTF-8 character, or a single byte if not valid UTF-8) off `s`.
fn next_unit(s: &[u8]) -> usize {
    match s.first() {
        None => 0,
        Some(&b) if b < 0x80 => 1,
        Some(&b) => {
            let len = if b >= 0xF0 {
                4
            } else if b >= 0xE0 {
                3
            } else if b >= 0xC0 {
                2
            } else {
                1
            };
            len.min(s.len())
        }
    }
}

fn fold(b: &[u8], ci: bool) -> Vec<u8> {
    if ci {
        b.to_ascii_lowercase()
    } else {
        b.to_vec()
    }
}

/// Whether `text` matches the LIKE `pattern` (case-insensitively if `ci`).
pub fn like_match(text: &[u8], pattern: &[u8], ci: bool) -> Result<bool, TypeError> {
    let (t, p) = (fold(text, ci), fold(pattern, ci));
    // Validate the escape usage first so the error does not depend on the text.
    let mut i = 0;
    while i < p.len() {
        if p[i] == b'\\' {
            if i + 1 >= p.len() {
                return Err(TypeError::LikeEscapeAtEnd);
            }
            i += 1;
        }
        i += next_unit(&p[i..]).max(1);
    }
    Ok(matches(&t, &p))
}

/// Iterative wildcard matching with single-star backtracking (linear in practice).
fn matches(t: &[u8], p: &[u8]) -> bool {
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() && p[pi] == b'%' {
            while pi < p.len() && p[pi] == b'%' {
                pi += 1;
            }
            if pi == p.len() {
                return true;
            }
            star = Some((pi, ti));
            continue;
        }
        if ti == t.len() && pi == p.len() {
            return true;
        }
        let step = if ti < t.len() && pi < p.len() {
            let tu = next_unit(&t[ti..]).max(1);
            if p[pi] == b'_' {
                Some((tu, 1))
            } else {
                let (lit_start, extra) = if p[pi] == b'\\' { (pi + 1, 1) } else { (pi, 0) };
                let pu = next_unit(&p[lit_start..]).max(1);
                if p.get(lit_start..lit_start + pu) == t.get(ti..ti + tu) {
                    Some((tu, pu + extra))
                } else {
                    None
                }
            }
        } else {
            None
        };
        match step {
            Some((tu, pu)) => {
                ti += tu;
                pi += pu;
            }
            None => match star {
                Some((sp, st)) if st < t.len() => {
                    let next = st + next_unit(&t[st..]).max(1);
                    star = Some((sp, next));
                    ti = next;
                    pi = sp;
                }
                _ => return false,
            },
        }
    }
}
