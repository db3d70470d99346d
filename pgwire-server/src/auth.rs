//! Password authentication exchanges (server side): SCRAM-SHA-256 (RFC 5802/7677, without
//! channel binding, as PostgreSQL offers it over connections without TLS binding), MD5
//! challenges and cleartext passwords, checked against the role's stored verifier
//! ([`engine::password`]).
//!
//! A role that does not exist or has no usable verifier goes through the same exchange
//! against a random verifier and fails at its end, as PostgreSQL's mock authentication
//! does, so a client cannot learn which roles exist.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use engine::password::{self, ScramVerifier, Verifier};

/// Why an exchange failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// 28P01.
    #[error("password authentication failed for user \"{user}\"")]
    Failed { user: String },
    /// 08P01: the client broke the exchange's format.
    #[error("{0}")]
    Protocol(String),
}

impl AuthError {
    pub fn sqlstate(&self) -> &'static str {
        match self {
            AuthError::Failed { .. } => "28P01",
            AuthError::Protocol(_) => "08P01",
        }
    }
}

fn malformed(what: &str) -> AuthError {
    AuthError::Protocol(format!("malformed SCRAM message ({what})"))
}

/// A SCRAM verifier no password matches.
fn mock_verifier() -> ScramVerifier {
    ScramVerifier {
        iterations: password::SCRAM_ITERATIONS,
        salt: rand::random::<[u8; 16]>().to_vec(),
        stored_key: rand::random(),
        server_key: rand::random(),
    }
}

/// The SCRAM verifier to authenticate `stored` against (a mock one when there is none).
pub fn scram_verifier(stored: Option<&str>) -> (ScramVerifier, bool) {
    match stored.and_then(Verifier::parse) {
        Some(Verifier::Scram(v)) => (v, true),
        _ => (mock_verifier(), false),
    }
}

/// A SCRAM exchange after the server's first message.
pub struct Scram {
    user: String,
    verifier: ScramVerifier,
    /// The verifier is the role's own (else the exchange must fail).
    real: bool,
    gs2_header: String,
    client_first_bare: String,
    server_first: String,
    nonce: String,
}

impl Scram {
    /// Reads the client's first message (the SASLInitialResponse data) and returns the
    /// exchange with the server's first message to send.
    pub fn start(
        user: &str,
        stored: Option<&str>,
        client_first: &[u8],
    ) -> Result<(Scram, String), AuthError> {
        let text = std::str::from_utf8(client_first).map_err(|_| malformed("not UTF-8"))?;
        // gs2-header: cbind-flag "," [authzid] ","
        let (flag, rest) = text
            .split_once(',')
            .ok_or_else(|| malformed("no GS2 header"))?;
        match flag {
            "n" | "y" => {}
            f if f.starts_with("p=") => {
                return Err(AuthError::Protocol(
                    "SCRAM channel binding negotiation error".into(),
                ))
            }
            _ => return Err(malformed("invalid channel binding flag")),
        }
        let (authzid, bare) = rest
            .split_once(',')
            .ok_or_else(|| malformed("no GS2 header"))?;
        if !authzid.is_empty() {
            return Err(AuthError::Protocol(
                "client uses authorization identity, but it is not supported".into(),
            ));
        }
        let mut attrs = bare.split(',');
        let first = attrs.next().unwrap_or_default();
        let first = if first.starts_with("m=") {
            return Err(malformed("mandatory extension not supported"));
        } else {
            first
        };
        if !first.starts_with("n=") {
            return Err(malformed("expected n="));
        }
        let client_nonce = attrs
            .next()
            .and_then(|a| a.strip_prefix("r="))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b','))
            .ok_or_else(|| malformed("expected r="))?;
        let server_nonce = B64.encode(rand::random::<[u8; 18]>());
        let nonce = format!("{client_nonce}{server_nonce}");
        let (verifier, real) = scram_verifier(stored);
        let server_first = format!(
            "r={nonce},s={},i={}",
            B64.encode(&verifier.salt),
            verifier.iterations
        );
        let exchange = Scram {
            user: user.to_owned(),
            verifier,
            real,
            gs2_header: format!("{flag},{authzid},"),
            client_first_bare: bare.to_owned(),
            server_first: server_first.clone(),
            nonce,
        };
        Ok((exchange, server_first))
    }

    /// Checks the client's final message; on success returns the server's final message.
    pub fn finish(&self, client_final: &[u8]) -> Result<String, AuthError> {
        let text = std::str::from_utf8(client_final).map_err(|_| malformed("not UTF-8"))?;
        let (without_proof, proof) = text
            .rsplit_once(",p=")
            .ok_or_else(|| malformed("expected p="))?;
        let mut attrs = without_proof.split(',');
        let binding = attrs
            .next()
            .and_then(|a| a.strip_prefix("c="))
            .ok_or_else(|| malformed("expected c="))?;
        if B64.decode(binding).ok().as_deref() != Some(self.gs2_header.as_bytes()) {
            return Err(AuthError::Protocol(
                "SCRAM channel binding check failed".into(),
            ));
        }
        let nonce = attrs
            .next()
            .and_then(|a| a.strip_prefix("r="))
            .ok_or_else(|| malformed("expected r="))?;
        if nonce != self.nonce {
            return Err(malformed("nonce does not match"));
        }
        let proof = B64.decode(proof).map_err(|_| malformed("invalid proof"))?;
        let auth_message = format!(
            "{},{},{}",
            self.client_first_bare, self.server_first, without_proof
        );
        match self.verifier.verify_proof(auth_message.as_bytes(), &proof) {
            Some(signature) if self.real => Ok(format!("v={}", B64.encode(signature))),
            _ => Err(AuthError::Failed {
                user: self.user.clone(),
            }),
        }
    }
}

/// Checks an MD5 challenge response; a role without an MD5 verifier never passes.
pub fn check_md5(
    user: &str,
    stored: Option<&str>,
    salt: &[u8; 4],
    response: &str,
) -> Result<(), AuthError> {
    let ok = match stored.and_then(Verifier::parse) {
        Some(Verifier::Md5(v)) => password::constant_time_eq(
            password::md5_response(&v, salt).as_bytes(),
            response.as_bytes(),
        ),
        _ => false,
    };
    ok.then_some(()).ok_or_else(|| AuthError::Failed {
        user: user.to_owned(),
    })
}

/// Checks a cleartext password against either kind of verifier.
pub fn check_cleartext(user: &str, stored: Option<&str>, given: &str) -> Result<(), AuthError> {
    let ok = !given.is_empty() && stored.is_some_and(|s| password::check_cleartext(s, user, given));
    ok.then_some(()).ok_or_else(|| AuthError::Failed {
        user: user.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256};

    fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
        m.update(data);
        m.finalize().into_bytes().to_vec()
    }

    /// The client side of SCRAM, written from RFC 5802.
    fn client_final(password: &str, client_first_bare: &str, server_first: &str) -> String {
        let mut parts = server_first.split(',');
        let nonce = parts.next().unwrap().strip_prefix("r=").unwrap();
        let salt = B64
            .decode(parts.next().unwrap().strip_prefix("s=").unwrap())
            .unwrap();
        let iters: u32 = parts
            .next()
            .unwrap()
            .strip_prefix("i=")
            .unwrap()
            .parse()
            .unwrap();
        let mut u = hmac(password.as_bytes(), &[salt, vec![0, 0, 0, 1]].concat());
        let mut salted = u.clone();
        for _ in 1..iters {
            u = hmac(password.as_bytes(), &u);
            salted.iter_mut().zip(&u).for_each(|(s, x)| *s ^= x);
        }
        let client_key = hmac(&salted, b"Client Key");
        let stored_key = Sha256::digest(&client_key);
        let without_proof = format!("c=biws,r={nonce}");
        let auth = format!("{client_first_bare},{server_first},{without_proof}");
        let sig = hmac(&stored_key, auth.as_bytes());
        let proof: Vec<u8> = client_key.iter().zip(sig).map(|(k, s)| k ^ s).collect();
        format!("{without_proof},p={}", B64.encode(proof))
    }

    #[test]
    fn scram_exchange() {
        let stored = ScramVerifier::generate("pencil").encode();
        let bare = "n=,r=rOprNGfwEbeRWgbNEkqO";
        let (ex, first) =
            Scram::start("user", Some(&stored), format!("n,,{bare}").as_bytes()).unwrap();
        assert!(first.starts_with("r=rOprNGfwEbeRWgbNEkqO"));
        let fin = client_final("pencil", bare, &first);
        assert!(ex.finish(fin.as_bytes()).unwrap().starts_with("v="));
        let wrong = client_final("Pencil", bare, &first);
        assert_eq!(
            ex.finish(wrong.as_bytes()),
            Err(AuthError::Failed {
                user: "user".into()
            })
        );
        // Without a SCRAM verifier (none, or MD5) nothing passes.
        for stored in [None, Some(password::md5_verifier("pencil", "user"))] {
            let (ex, first) =
                Scram::start("user", stored.as_deref(), format!("n,,{bare}").as_bytes()).unwrap();
            let fin = client_final("pencil", bare, &first);
            assert_eq!(ex.finish(fin.as_bytes()).unwrap_err().sqlstate(), "28P01");
        }
    }

    #[test]
    fn malformed_scram_messages() {
        for first in [
            "",
            "x,,n=,r=a",
            "p=tls-server-end-point,,n=,r=a",
            "n,a=b,n=,r=a",
            "n,,n=,",
            "n,,r=a",
        ] {
            let e = Scram::start("u", None, first.as_bytes()).err().unwrap();
            assert_eq!(e.sqlstate(), "08P01", "{first}");
        }
        let (ex, _) = Scram::start("u", None, b"n,,n=,r=abc").unwrap();
        for fin in [
            "",
            "c=biws,r=abc",
            "c=eSws,r=abc,p=AAAA",
            "c=biws,r=other,p=AAAA",
        ] {
            assert_eq!(
                ex.finish(fin.as_bytes()).unwrap_err().sqlstate(),
                "08P01",
                "{fin}"
            );
        }
    }

    #[test]
    fn md5_and_cleartext() {
        let md5 = password::md5_verifier("pw", "u");
        let salt = [9, 8, 7, 6];
        let answer = password::md5_response(&md5, &salt);
        assert!(check_md5("u", Some(&md5), &salt, &answer).is_ok());
        assert!(check_md5("u", Some(&md5), &[0; 4], &answer).is_err());
        let scram = ScramVerifier::generate("pw").encode();
        assert!(check_md5("u", Some(&scram), &salt, &answer).is_err());
        assert!(check_cleartext("u", Some(&scram), "pw").is_ok());
        assert!(check_cleartext("u", Some(&md5), "pw").is_ok());
        assert!(check_cleartext("u", Some(&md5), "").is_err());
        assert!(check_cleartext("u", None, "pw").is_err());
    }
}
