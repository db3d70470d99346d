//! The JSON parser shared by `json` and `jsonb`: PostgreSQL's lexer and grammar (RFC 8259
//! with PostgreSQL's token rules), its error details, and a tree that keeps each value's
//! place in the input so that `json` operators can return the input text of a sub-value.

use super::super::error::TypeError;
use super::super::numeric::Numeric;

/// A parsed JSON value with the byte range of its text in the input.
#[derive(Clone, Debug)]
pub struct Node {
    pub start: usize,
    pub end: usize,
    pub kind: NodeKind,
}

/// The kinds of JSON values; object members keep their input order and duplicates.
#[derive(Clone, Debug)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Number(Numeric),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Colon,
    Comma,
    Str(String),
    Num(Numeric),
    True,
    False,
    Null,
    End,
}

/// Whether `for_jsonb`: jsonb rejects `\u0000` (which json keeps as text).
struct Lexer<'a> {
    s: &'a str,
    pos: usize,
    for_jsonb: bool,
}

fn syntax(detail: String) -> TypeError {
    TypeError::InvalidJson {
        code: "22P02",
        message: "invalid input syntax for type json",
        detail,
    }
}

/// PostgreSQL's `JSON_ALPHANUMERIC_CHAR`: characters that continue a bad token.
fn alnum(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii()
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn skip_ws(&mut self) {
        let r = self.rest();
        let t = r.trim_start_matches([' ', '\t', '\n', '\r']);
        self.pos += r.len() - t.len();
    }

    /// The next token and where it starts.
    fn next(&mut self) -> Result<(Tok, usize), TypeError> {
        self.skip_ws();
        let start = self.pos;
        let Some(c) = self.rest().chars().next() else {
            return Ok((Tok::End, start));
        };
        let single = |t: Tok, me: &mut Self| {
            me.pos += 1;
            Ok((t, start))
        };
        match c {
            '{' => single(Tok::LBrace, self),
            '}' => single(Tok::RBrace, self),
            '[' => single(Tok::LBracket, self),
            ']' => single(Tok::RBracket, self),
            ':' => single(Tok::Colon, self),
            ',' => single(Tok::Comma, self),
            '"' => Ok((Tok::Str(self.string()?), start)),
            '-' | '0'..='9' => Ok((Tok::Num(self.number()?), start)),
            _ => {
                let word_len: usize = self
                    .rest()
                    .chars()
                    .take_while(|c| alnum(*c))
                    .map(char::len_utf8)
                    .sum();
                let len = if word_len == 0 {
                    c.len_utf8()
                } else {
                    word_len
                };
                let word = &self.rest()[..len];
                self.pos += len;
                match word {
                    "true" => Ok((Tok::True, start)),
                    "false" => Ok((Tok::False, start)),
                    "null" => Ok((Tok::Null, start)),
                    _ => Err(syntax(format!("Token \"{word}\" is invalid."))),
                }
            }
        }
    }

    /// A number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` not followed by a letter
    /// or digit; otherwise the whole run is an invalid token.
    fn number(&mut self) -> Result<Numeric, TypeError> {
        let r = self.rest().as_bytes();
        let mut i = 0;
        let mut ok = true;
        if r.first() == Some(&b'-') {
            i += 1;
        }
        let digits = |i: &mut usize| {
            let s = *i;
            while r.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - s
        };
        if r.get(i) == Some(&b'0') {
            i += 1;
        } else if digits(&mut i) == 0 {
            ok = false;
        }
        if ok && r.get(i) == Some(&b'.') {
            i += 1;
            ok = digits(&mut i) > 0;
        }
        if ok && matches!(r.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(r.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            ok = digits(&mut i) > 0;
        }
        let tail: usize = self.rest()[i..]
            .chars()
            .take_while(|c| alnum(*c))
            .map(char::len_utf8)
            .sum();
        if !ok || tail > 0 {
            let bad = &self.rest()[..i + tail];
            return Err(syntax(format!("Token \"{bad}\" is invalid.")));
        }
        let text = &self.rest()[..i];
        self.pos += i;
        Numeric::parse(text).map_err(|_| syntax(format!("Token \"{text}\" is invalid.")))
    }

    /// A string token (the cursor on its opening quote), unescaped.
    fn string(&mut self) -> Result<String, TypeError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut high: Option<u32> = None;
        loop {
            let Some(c) = self.rest().chars().next() else {
                let tok = &self.s[start..];
                return Err(syntax(format!("Token \"{tok}\" is invalid.")));
            };
            self.pos += c.len_utf8();
            if c != '\\' && high.is_some() {
                return Err(syntax(
                    "Unicode low surrogate must follow a high surrogate.".into(),
                ));
            }
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let Some(e) = self.rest().chars().next() else {
                        let tok = &self.s[start..];
                        return Err(syntax(format!("Token \"{tok}\" is invalid.")));
                    };
                    self.pos += e.len_utf8();
                    if e != 'u' && high.is_some() {
                        return Err(syntax(
                            "Unicode low surrogate must follow a high surrogate.".into(),
                        ));
                    }
                    match e {
                        '"' | '\\' | '/' => out.push(e),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => {
                            let hex = self.rest().get(..4).unwrap_or("");
                            let code = (hex.len() == 4
                                && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                            .then(|| u32::from_str_radix(hex, 16).ok())
                            .flatten()
                            .ok_or_else(|| {
                                syntax(
                                    "\"\\u\" must be followed by four hexadecimal digits.".into(),
                                )
                            })?;
                            self.pos += 4;
                            if (0xD800..0xDC00).contains(&code) {
                                if high.is_some() {
                                    return Err(syntax(
                                        "Unicode high surrogate must not follow a high surrogate."
                                            .into(),
                                    ));
                                }
                                high = Some(code);
                            } else if (0xDC00..0xE000).contains(&code) {
                                let Some(h) = high.take() else {
                                    return Err(syntax(
                                        "Unicode low surrogate must follow a high surrogate."
                                            .into(),
                                    ));
                                };
                                let cp = 0x10000 + ((h - 0xD800) << 10) + (code - 0xDC00);
                                out.extend(char::from_u32(cp));
                            } else if code == 0 {
                                if self.for_jsonb {
                                    return Err(TypeError::InvalidJson {
                                        code: "22P05",
                                        message: "unsupported Unicode escape sequence",
                                        detail: "\\u0000 cannot be converted to text.".into(),
                                    });
                                }
                                out.push_str("\\u0000");
                            } else {
                                out.extend(char::from_u32(code));
                            }
                        }
                        other => {
                            return Err(syntax(format!(
                                "Escape sequence \"\\{other}\" is invalid."
                            )))
                        }
                    }
                }
                c if (c as u32) < 0x20 => {
                    return Err(syntax(format!(
                        "Character with value 0x{:02x} must be escaped.",
                        c as u32
                    )))
                }
                c => out.push(c),
            }
        }
    }
}

/// The text of a token for "found" details.
fn token_text(lx: &Lexer<'_>, start: usize, tok: &Tok) -> String {
    match tok {
        Tok::End => String::new(),
        _ => lx.s[start..lx.pos].to_string(),
    }
}

fn unexpected(expected: &str, lx: &Lexer<'_>, start: usize, tok: &Tok) -> TypeError {
    if *tok == Tok::End {
        return syntax("The input string ended unexpectedly.".into());
    }
    syntax(format!(
        "{expected}, but found \"{}\".",
        token_text(lx, start, tok)
    ))
}

/// Nesting deeper than this fails as PostgreSQL's stack-depth check does (54001). Every
/// walk over a jsonb tree (output, comparison, containment) recurses once per level, so
/// this bound also bounds their stack use.
const MAX_DEPTH: usize = 1000;

fn value(lx: &mut Lexer<'_>, first: (Tok, usize), depth: usize) -> Result<Node, TypeError> {
    if depth > MAX_DEPTH {
        return Err(TypeError::StackDepthExceeded);
    }
    let (tok, start) = first;
    let kind = match tok {
        Tok::Null => NodeKind::Null,
        Tok::True => NodeKind::Bool(true),
        Tok::False => NodeKind::Bool(false),
        Tok::Num(n) => NodeKind::Number(n),
        Tok::Str(s) => NodeKind::String(s),
        Tok::LBracket => {
            let mut items = Vec::new();
            let mut t = lx.next()?;
            if t.0 != Tok::RBracket {
                loop {
                    match t.0 {
                        Tok::RBrace | Tok::RBracket | Tok::Colon | Tok::Comma | Tok::End => {
                            return Err(unexpected(
                                if items.is_empty() {
                                    "Expected array element or \"]\""
                                } else {
                                    "Expected JSON value"
                                },
                                lx,
                                t.1,
                                &t.0,
                            ))
                        }
                        _ => {}
                    }
                    items.push(value(lx, t, depth + 1)?);
                    let sep = lx.next()?;
                    match sep.0 {
                        Tok::Comma => t = lx.next()?,
                        Tok::RBracket => break,
                        _ => return Err(unexpected("Expected \",\" or \"]\"", lx, sep.1, &sep.0)),
                    }
                }
            }
            NodeKind::Array(items)
        }
        Tok::LBrace => {
            let mut members = Vec::new();
            let mut t = lx.next()?;
            if t.0 != Tok::RBrace {
                loop {
                    let key = match t.0 {
                        Tok::Str(k) => k,
                        other => {
                            return Err(unexpected(
                                if members.is_empty() {
                                    "Expected string or \"}\""
                                } else {
                                    "Expected string"
                                },
                                lx,
                                t.1,
                                &other,
                            ))
                        }
                    };
                    let colon = lx.next()?;
                    if colon.0 != Tok::Colon {
                        return Err(unexpected("Expected \":\"", lx, colon.1, &colon.0));
                    }
                    let v = lx.next()?;
                    if matches!(
                        v.0,
                        Tok::RBrace | Tok::RBracket | Tok::Colon | Tok::Comma | Tok::End
                    ) {
                        return Err(unexpected("Expected JSON value", lx, v.1, &v.0));
                    }
                    members.push((key, value(lx, v, depth + 1)?));
                    let sep = lx.next()?;
                    match sep.0 {
                        Tok::Comma => t = lx.next()?,
                        Tok::RBrace => break,
                        _ => return Err(unexpected("Expected \",\" or \"}\"", lx, sep.1, &sep.0)),
                    }
                }
            }
            NodeKind::Object(members)
        }
        other => return Err(unexpected("Expected JSON value", lx, start, &other)),
    };
    Ok(Node {
        start,
        end: lx.pos,
        kind,
    })
}

/// Parses a whole JSON text (PostgreSQL's `json_in` / `jsonb_in` grammar).
pub fn parse(text: &str, for_jsonb: bool) -> Result<Node, TypeError> {
    let mut lx = Lexer {
        s: text,
        pos: 0,
        for_jsonb,
    };
    let first = lx.next()?;
    let node = value(&mut lx, first, 0)?;
    let last = lx.next()?;
    if last.0 != Tok::End {
        return Err(unexpected("Expected end of input", &lx, last.1, &last.0));
    }
    Ok(node)
}
