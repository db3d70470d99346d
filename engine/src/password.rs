//! Password verifiers as PostgreSQL stores them in `pg_authid.rolpassword`, and the checks
//! that authentication makes against them.
//!
//! - SCRAM-SHA-256 (RFC 5802/7677, PostgreSQL's default `password_encryption`):
//!   `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64 fields). The
//!   password itself is never stored; a login proves knowledge of it.
//! - MD5: `md5` followed by the hex MD5 of password ‖ user name.
//!
//! A password given to CREATE/ALTER ROLE that already has one of these forms is stored as
//! is, as PostgreSQL does. Passwords are used as their UTF-8 bytes (PostgreSQL applies
//! SASLprep first, which leaves ASCII passwords unchanged).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest as _, Md5};
use sha2::Sha256;

/// PostgreSQL's `scram_iterations` default.
pub const SCRAM_ITERATIONS: u32 = 4096;
const SALT_LEN: usize = 16;

/// A stored SCRAM-SHA-256 verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScramVerifier {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub stored_key: [u8; 32],
    pub server_key: [u8; 32],
}

/// A stored password, by kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verifier {
    Scram(ScramVerifier),
    /// `md5` + 32 hex digits.
    Md5(String),
}

impl Verifier {
    /// Reads a stored verifier; `None` for anything that is not one (treated as no usable
    /// password).
    pub fn parse(stored: &str) -> Option<Verifier> {
        if is_md5(stored) {
            return Some(Verifier::Md5(stored.to_owned()));
        }
        ScramVerifier::parse(stored).map(Verifier::Scram)
    }
}

fn is_md5(s: &str) -> bool {
    s.len() == 35 && s.starts_with("md5") && s[3..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so construction cannot fail.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// SCRAM's Hi(): PBKDF2-HMAC-SHA-256 with one output block.
fn salted_password(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut u = hmac(password, &[salt, &1u32.to_be_bytes()]);
    let mut out = u;
    for _ in 1..iterations {
        u = hmac(password, &[&u]);
        for (o, x) in out.iter_mut().zip(u.iter()) {
            *o ^= x;
        }
    }
    out
}

/// Compares in time independent of where the inputs differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl ScramVerifier {
    /// The verifier of `password` with a given salt and iteration count.
    pub fn new(password: &str, salt: &[u8], iterations: u32) -> ScramVerifier {
        let salted = salted_password(password.as_bytes(), salt, iterations);
        let client_key = hmac(&salted, &[b"Client Key"]);
        ScramVerifier {
            iterations,
            salt: salt.to_vec(),
            stored_key: sha256(&client_key),
            server_key: hmac(&salted, &[b"Server Key"]),
        }
    }

    /// The verifier of `password` with a fresh random salt.
    pub fn generate(password: &str) -> ScramVerifier {
        let salt: [u8; SALT_LEN] = rand::random();
        ScramVerifier::new(password, &salt, SCRAM_ITERATIONS)
    }

    pub fn parse(s: &str) -> Option<ScramVerifier> {
        let rest = s.strip_prefix("SCRAM-SHA-256$")?;
        let (params, keys) = rest.split_once('$')?;
        let (iterations, salt) = params.split_once(':')?;
        let (stored, server) = keys.split_once(':')?;
        let iterations: u32 = iterations.parse().ok().filter(|&i| i > 0)?;
        Some(ScramVerifier {
            iterations,
            salt: B64.decode(salt).ok()?,
            stored_key: B64.decode(stored).ok()?.try_into().ok()?,
            server_key: B64.decode(server).ok()?.try_into().ok()?,
        })
    }

    /// The stored text form.
    pub fn encode(&self) -> String {
        format!(
            "SCRAM-SHA-256${}:{}${}:{}",
            self.iterations,
            B64.encode(&self.salt),
            B64.encode(self.stored_key),
            B64.encode(self.server_key)
        )
    }

    /// Whether `password` is the one this verifier was made from.
    pub fn matches_password(&self, password: &str) -> bool {
        let other = ScramVerifier::new(password, &self.salt, self.iterations);
        constant_time_eq(&other.stored_key, &self.stored_key)
    }

    /// Checks a client's proof over `auth_message`; on success returns the server
    /// signature the client expects in the final message.
    pub fn verify_proof(&self, auth_message: &[u8], proof: &[u8]) -> Option<[u8; 32]> {
        if proof.len() != 32 {
            return None;
        }
        let signature = hmac(&self.stored_key, &[auth_message]);
        let client_key: Vec<u8> = proof.iter().zip(signature).map(|(p, s)| p ^ s).collect();
        constant_time_eq(&sha256(&client_key), &self.stored_key)
            .then(|| hmac(&self.server_key, &[auth_message]))
    }
}

fn md5_hex(parts: &[&[u8]]) -> String {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The MD5 verifier of `password` for role `user`.
pub fn md5_verifier(password: &str, user: &str) -> String {
    format!("md5{}", md5_hex(&[password.as_bytes(), user.as_bytes()]))
}

/// What the client must answer to an MD5 challenge with `salt`, given the stored verifier.
pub fn md5_response(verifier: &str, salt: &[u8]) -> String {
    format!(
        "md5{}",
        md5_hex(&[verifier.as_bytes().get(3..).unwrap_or_default(), salt])
    )
}

/// What CREATE/ALTER ROLE ... PASSWORD stores: a given verifier as is, else the SCRAM
/// verifier of the password (or its MD5 verifier when `md5` is asked for).
pub fn encrypt(password: &str, user: &str, md5: bool) -> String {
    if Verifier::parse(password).is_some() {
        password.to_owned()
    } else if md5 {
        md5_verifier(password, user)
    } else {
        ScramVerifier::generate(password).encode()
    }
}

/// Whether a cleartext `password` matches the stored verifier of role `user`.
pub fn check_cleartext(stored: &str, user: &str, password: &str) -> bool {
    match Verifier::parse(stored) {
        Some(Verifier::Scram(v)) => v.matches_password(password),
        Some(Verifier::Md5(m)) => {
            constant_time_eq(md5_verifier(password, user).as_bytes(), m.as_bytes())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scram_verifier_matches_postgresql() {
        // Computed by PostgreSQL 15 for password 'x' (CREATE USER b PASSWORD 'x').
        let pg = "SCRAM-SHA-256$4096:uR25NzvJ4kxYUOqq4Wk1UA==$jh5uI89DFOJe6rKtCYDHZ145+DXxxFbAac6o2kondLA=:xXTZe1BjiTbWYLwmF5azKNre8K2Z3VTtgBw9L/M9tr0=";
        let v = ScramVerifier::parse(pg).unwrap();
        assert_eq!(v.encode(), pg);
        assert!(v.matches_password("x"));
        assert!(!v.matches_password("y"));
        assert_eq!(ScramVerifier::new("x", &v.salt, 4096), v);
        assert!(check_cleartext(pg, "b", "x"));
        assert!(!check_cleartext(pg, "b", "X"));
    }

    #[test]
    fn md5_verifier_and_challenge() {
        // PostgreSQL 15: SELECT 'md5' || md5('secret' || 'alice').
        let v = md5_verifier("secret", "alice");
        assert_eq!(v, "md54a0a68b43b6cd5cf266fa02f196e2371");
        assert!(is_md5(&v));
        assert!(check_cleartext(&v, "alice", "secret"));
        assert!(!check_cleartext(&v, "bob", "secret"));
        let salt = [1, 2, 3, 4];
        let client = format!("md5{}", md5_hex(&[&v.as_bytes()[3..], &salt]));
        assert_eq!(md5_response(&v, &salt), client);
    }

    #[test]
    fn given_verifiers_are_stored_as_is() {
        let m = md5_verifier("p", "u");
        assert_eq!(encrypt(&m, "other", false), m);
        let s = ScramVerifier::generate("p").encode();
        assert_eq!(encrypt(&s, "u", true), s);
        assert!(encrypt("p", "u", false).starts_with("SCRAM-SHA-256$4096:"));
        assert_eq!(encrypt("p", "u", true), m);
        assert!(Verifier::parse("SCRAM-SHA-256$0:AA==$AA==:AA==").is_none());
        assert!(Verifier::parse("md5xyz").is_none());
    }

    #[test]
    fn proof_round_trip() {
        let v = ScramVerifier::new("pencil", b"salty", 4096);
        let salted = salted_password(b"pencil", b"salty", 4096);
        let client_key = hmac(&salted, &[b"Client Key"]);
        let auth = b"n=,r=abc,r=abcdef,s=c2FsdHk=,i=4096,c=biws,r=abcdef";
        let sig = hmac(&sha256(&client_key), &[auth]);
        let proof: Vec<u8> = client_key.iter().zip(sig).map(|(k, s)| k ^ s).collect();
        let server_sig = v.verify_proof(auth, &proof).unwrap();
        assert_eq!(server_sig, hmac(&hmac(&salted, &[b"Server Key"]), &[auth]));
        let mut wrong = proof.clone();
        wrong[0] ^= 1;
        assert!(v.verify_proof(auth, &wrong).is_none());
        assert!(v.verify_proof(auth, &proof[..31]).is_none());
    }
}
