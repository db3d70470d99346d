//! The `uuid` type's text I/O (PostgreSQL's `uuid_in` / `uuid_out`) and `gen_random_uuid()`.
//!
//! A value is its 16 bytes; order, equality and hashing are those of the bytes (`memcmp`), as
//! PostgreSQL's `uuid_cmp`.

use super::error::TypeError;

/// Parses a uuid as `uuid_in` does: 32 hex digits (either case), optionally inside `{ }`,
/// with an optional `-` after any group of four digits (but not after the last). No blanks.
pub fn parse(text: &str) -> Result<[u8; 16], TypeError> {
    let bad = || TypeError::InvalidTextRepresentation {
        type_name: "uuid",
        input: text.to_string(),
    };
    let mut src = text.as_bytes();
    let braces = src.first() == Some(&b'{');
    if braces {
        src = &src[1..];
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        let (hi, lo) = match src {
            [h, l, ..] => (hex(*h).ok_or_else(bad)?, hex(*l).ok_or_else(bad)?),
            _ => return Err(bad()),
        };
        *byte = hi << 4 | lo;
        src = &src[2..];
        if src.first() == Some(&b'-') && i % 2 == 1 && i < 15 {
            src = &src[1..];
        }
    }
    if braces {
        match src.split_first() {
            Some((b'}', rest)) => src = rest,
            _ => return Err(bad()),
        }
    }
    if !src.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// `uuid_out`: lower-case hex in the 8-4-4-4-12 form.
pub fn format(u: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// `gen_random_uuid()`: a version 4 (random) uuid of RFC 4122's variant.
pub fn random() -> [u8; 16] {
    let mut u: [u8; 16] = rand::random();
    u[6] = (u[6] & 0x0F) | 0x40;
    u[8] = (u[8] & 0x3F) | 0x80;
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANON: &str = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";

    #[test]
    fn accepts_postgresql_input_forms() {
        for s in [
            "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
            "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
            "a0eebc999c0b4ef8bb6d6bb9bd380a11",
            "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
            "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}",
        ] {
            assert_eq!(format(&parse(s).unwrap()), CANON, "{s}");
        }
    }

    #[test]
    fn rejects_malformed_input() {
        for s in [
            "",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-",
            "-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eeb-c99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",
            "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
            " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1é",
        ] {
            let e = parse(s).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("invalid input syntax for type uuid: \"{s}\"")
            );
            assert_eq!(e.sqlstate(), "22P02");
        }
    }

    #[test]
    fn random_uuids_are_version_4() {
        let a = random();
        let b = random();
        assert_ne!(a, b);
        let s = format(&a);
        assert_eq!(&s[14..15], "4");
        assert!(matches!(&s[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(parse(&s).unwrap(), a);
    }
}
