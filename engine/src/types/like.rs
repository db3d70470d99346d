//! `LIKE` / `ILIKE` pattern matching, a port of PostgreSQL's `MatchText`: `%` matches any
//! sequence, `_` one character, `\` makes the next pattern character literal, and a pattern
//! that ends in the escape character is an error when the matcher reaches it. Text matches by
//! UTF-8 character (`ILIKE` folds ASCII case only, as in the "C" locale); bytea by byte.

use super::error::TypeError;

/// Deepest `%` nesting followed before giving up (PostgreSQL's stack depth check).
const MAX_DEPTH: usize = 10_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    True,
    False,
    Abort,
}

struct Matcher {
    /// Advance by UTF-8 character (text) or by byte (bytea).
    chars: bool,
}

impl Matcher {
    fn char_len(&self, s: &[u8]) -> usize {
        if !self.chars {
            return 1;
        }
        let len = match s.first() {
            Some(&b) if b >= 0xF0 => 4,
            Some(&b) if b >= 0xE0 => 3,
            Some(&b) if b >= 0xC0 => 2,
            _ => 1,
        };
        len.min(s.len()).max(1)
    }

    fn run(&self, mut t: &[u8], mut p: &[u8], depth: usize) -> Result<Outcome, TypeError> {
        if depth > MAX_DEPTH {
            return Err(TypeError::StackDepthExceeded);
        }
        if p == b"%" {
            return Ok(Outcome::True);
        }
        while let (Some(&tc), Some(&pc)) = (t.first(), p.first()) {
            if pc == b'\\' {
                p = &p[1..];
                match p.first() {
                    None => return Err(TypeError::LikeEscapeAtEnd),
                    Some(&lit) if lit != tc => return Ok(Outcome::False),
                    Some(_) => {}
                }
            } else if pc == b'%' {
                p = &p[1..];
                while let Some(&c) = p.first() {
                    if c == b'%' {
                        p = &p[1..];
                    } else if c == b'_' {
                        if t.is_empty() {
                            return Ok(Outcome::Abort);
                        }
                        t = &t[self.char_len(t)..];
                        p = &p[1..];
                    } else {
                        break;
                    }
                }
                let Some(&first) = p.first() else {
                    return Ok(Outcome::True);
                };
                let firstpat = if first == b'\\' {
                    *p.get(1).ok_or(TypeError::LikeEscapeAtEnd)?
                } else {
                    first
                };
                while let Some(&c) = t.first() {
                    if c == firstpat {
                        let m = self.run(t, p, depth + 1)?;
                        if m != Outcome::False {
                            return Ok(m);
                        }
                    }
                    t = &t[self.char_len(t)..];
                }
                return Ok(Outcome::Abort);
            } else if pc == b'_' {
                t = &t[self.char_len(t)..];
                p = &p[1..];
                continue;
            } else if pc != tc {
                return Ok(Outcome::False);
            }
            t = &t[1..];
            p = &p[1..];
        }
        if !t.is_empty() {
            return Ok(Outcome::False);
        }
        while p.first() == Some(&b'%') {
            p = &p[1..];
        }
        Ok(if p.is_empty() {
            Outcome::True
        } else {
            Outcome::Abort
        })
    }
}

/// Whether `text` matches the LIKE `pattern`. `text_chars` selects character (text) rather
/// than byte (bytea) semantics; `ci` folds ASCII case (ILIKE).
pub fn like_match(text: &[u8], pattern: &[u8], ci: bool) -> Result<bool, TypeError> {
    like_match_with(text, pattern, ci, true)
}

/// [`like_match`] choosing text or bytea semantics.
pub fn like_match_with(
    text: &[u8],
    pattern: &[u8],
    ci: bool,
    text_chars: bool,
) -> Result<bool, TypeError> {
    let m = Matcher { chars: text_chars };
    let r = if ci {
        m.run(&text.to_ascii_lowercase(), &pattern.to_ascii_lowercase(), 0)?
    } else {
        m.run(text, pattern, 0)?
    };
    Ok(r == Outcome::True)
}
