//! Client authentication rules in pg_hba.conf's format: one rule per line,
//! `TYPE DATABASE USER [ADDRESS] METHOD`, the first rule matching a connection decides.
//!
//! TYPE is `local` (Unix socket; no ADDRESS), `host`, `hostssl` or `hostnossl`; DATABASE and
//! USER are `all` or comma-separated names; ADDRESS is `IP/prefix`, `IP MASK`, `all`,
//! `samehost` or `samenet` (the last two are read as loopback); METHOD is `trust`, `reject`,
//! `password`, `md5` or `scram-sha-256`. A connection no rule matches is refused (28000),
//! as in PostgreSQL.

use std::net::IpAddr;

/// What initdb writes: trust for local and loopback connections.
pub const DEFAULT_RULES: &str = "\
# TYPE  DATABASE        USER            ADDRESS                 METHOD

# \"local\" is for Unix domain socket connections only
local   all             all                                     trust
# IPv4 local connections:
host    all             all             127.0.0.1/32            trust
# IPv6 local connections:
host    all             all             ::1/128                 trust
";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Trust,
    Reject,
    Password,
    Md5,
    ScramSha256,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Trust => "trust",
            Method::Reject => "reject",
            Method::Password => "password",
            Method::Md5 => "md5",
            Method::ScramSha256 => "scram-sha-256",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Local,
    Host,
    HostSsl,
    HostNoSsl,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Address {
    Any,
    Loopback,
    Net(IpAddr, u8),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Rule {
    kind: Kind,
    /// Empty: all.
    databases: Vec<String>,
    /// Empty: all.
    users: Vec<String>,
    address: Address,
    method: Method,
}

/// How a connection arrived.
#[derive(Clone, Copy, Debug)]
pub enum Peer {
    Local,
    Tcp { addr: IpAddr, ssl: bool },
}

/// A parsed rule list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rules(Vec<Rule>);

#[derive(Debug, thiserror::Error)]
#[error("authentication rules, line {line}: {reason}")]
pub struct HbaError {
    pub line: usize,
    pub reason: String,
}

fn names(field: &str) -> Vec<String> {
    if field == "all" {
        return Vec::new();
    }
    field
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_matches('"').to_owned())
        .collect()
}

fn prefix_of_mask(mask: IpAddr) -> Option<u8> {
    let bits: u128 = match mask {
        IpAddr::V4(m) => u128::from(u32::from(m)) << 96,
        IpAddr::V6(m) => u128::from(m),
    };
    let ones = bits.leading_ones();
    (bits.checked_shl(ones).unwrap_or(0) == 0).then_some(ones as u8)
}

fn parse_address<'a>(words: &mut impl Iterator<Item = &'a str>) -> Result<Address, String> {
    let first = words.next().ok_or("missing address")?;
    match first {
        "all" => return Ok(Address::Any),
        "samehost" | "samenet" => return Ok(Address::Loopback),
        _ => {}
    }
    if let Some((ip, prefix)) = first.split_once('/') {
        let ip: IpAddr = ip
            .parse()
            .map_err(|_| format!("invalid IP address \"{ip}\""))?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|&p| p <= max)
            .ok_or_else(|| format!("invalid CIDR mask in address \"{first}\""))?;
        return Ok(Address::Net(ip, prefix));
    }
    let ip: IpAddr = first
        .parse()
        .map_err(|_| format!("invalid IP address \"{first}\" (host names are not supported)"))?;
    let mask: IpAddr = words
        .next()
        .ok_or("missing IP mask")?
        .parse()
        .map_err(|_| "invalid IP mask".to_owned())?;
    if mask.is_ipv4() != ip.is_ipv4() {
        return Err("IP address and mask do not match".into());
    }
    let prefix = prefix_of_mask(mask).ok_or("invalid IP mask")?;
    Ok(Address::Net(ip, prefix))
}

fn parse_method(m: &str) -> Result<Method, String> {
    Ok(match m {
        "trust" => Method::Trust,
        "reject" => Method::Reject,
        "password" => Method::Password,
        "md5" => Method::Md5,
        "scram-sha-256" => Method::ScramSha256,
        other => return Err(format!("invalid authentication method \"{other}\"")),
    })
}

impl Rules {
    /// Whether no rule was given (every connection would be refused).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn parse(text: &str) -> Result<Rules, HbaError> {
        let mut rules = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let err = |reason: String| HbaError {
                line: n + 1,
                reason,
            };
            let mut words = line.split_whitespace();
            let kind = match words.next() {
                Some("local") => Kind::Local,
                Some("host") => Kind::Host,
                Some("hostssl") => Kind::HostSsl,
                Some("hostnossl") => Kind::HostNoSsl,
                Some(other) => return Err(err(format!("invalid connection type \"{other}\""))),
                None => continue,
            };
            let databases = names(words.next().ok_or_else(|| err("missing database".into()))?);
            let users = names(words.next().ok_or_else(|| err("missing user".into()))?);
            let address = if kind == Kind::Local {
                Address::Any
            } else {
                parse_address(&mut words).map_err(err)?
            };
            let method = parse_method(words.next().ok_or_else(|| err("missing method".into()))?)
                .map_err(err)?;
            if let Some(extra) = words.next() {
                return Err(err(format!(
                    "authentication options are not supported: \"{extra}\""
                )));
            }
            rules.push(Rule {
                kind,
                databases,
                users,
                address,
                method,
            });
        }
        Ok(Rules(rules))
    }

    /// The method of the first rule matching the connection; `None`: no rule matches.
    pub fn method(&self, peer: Peer, database: &str, user: &str) -> Option<Method> {
        self.0
            .iter()
            .find(|r| r.matches(peer, database, user))
            .map(|r| r.method)
    }
}

fn in_net(addr: IpAddr, net: IpAddr, prefix: u8) -> bool {
    let to_bits = |a: IpAddr| -> (u128, u32) {
        match a {
            IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
            IpAddr::V6(v) => match v.to_ipv4_mapped() {
                Some(v4) => (u128::from(u32::from(v4)), 32),
                None => (u128::from(v), 128),
            },
        }
    };
    let ((a, abits), (n, nbits)) = (to_bits(addr), to_bits(net));
    if abits != nbits {
        return false;
    }
    let shift = u32::from(nbits as u8 - prefix.min(nbits as u8));
    a.checked_shr(shift).unwrap_or(0) == n.checked_shr(shift).unwrap_or(0)
}

impl Rule {
    fn matches(&self, peer: Peer, database: &str, user: &str) -> bool {
        let peer_ok = match (self.kind, peer) {
            (Kind::Local, Peer::Local) => true,
            (Kind::Local, _) | (_, Peer::Local) => false,
            (Kind::HostSsl, Peer::Tcp { ssl, .. }) => ssl,
            (Kind::HostNoSsl, Peer::Tcp { ssl, .. }) => !ssl,
            (Kind::Host, Peer::Tcp { .. }) => true,
        };
        let addr_ok = match (&self.address, peer) {
            (Address::Any, _) | (_, Peer::Local) => true,
            (Address::Loopback, Peer::Tcp { addr, .. }) => addr.is_loopback(),
            (Address::Net(net, prefix), Peer::Tcp { addr, .. }) => in_net(addr, *net, *prefix),
        };
        let listed =
            |list: &[String], name: &str| list.is_empty() || list.iter().any(|n| n == name);
        peer_ok && addr_ok && listed(&self.databases, database) && listed(&self.users, user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(a: &str) -> Peer {
        Peer::Tcp {
            addr: a.parse().unwrap(),
            ssl: false,
        }
    }

    #[test]
    fn first_matching_rule_decides() {
        let rules = Rules::parse(
            "host all alice 127.0.0.1/32 scram-sha-256\n\
             hostssl all all 10.0.0.0 255.0.0.0 md5   # TLS only\n\
             host postgres bob,carol 10.1.0.0/16 password\n\
             host all all 0.0.0.0/0 reject\n",
        )
        .unwrap();
        assert_eq!(
            rules.method(tcp("127.0.0.1"), "postgres", "alice"),
            Some(Method::ScramSha256)
        );
        assert_eq!(
            rules.method(tcp("127.0.0.1"), "postgres", "bob"),
            Some(Method::Reject)
        );
        assert_eq!(
            rules.method(tcp("10.1.2.3"), "postgres", "carol"),
            Some(Method::Password)
        );
        let ssl = Peer::Tcp {
            addr: "10.1.2.3".parse().unwrap(),
            ssl: true,
        };
        assert_eq!(rules.method(ssl, "postgres", "carol"), Some(Method::Md5));
        assert_eq!(rules.method(tcp("::1"), "postgres", "alice"), None);
        assert_eq!(rules.method(Peer::Local, "postgres", "alice"), None);
        assert_eq!(
            rules.method(tcp("::ffff:127.0.0.1"), "postgres", "alice"),
            Some(Method::ScramSha256)
        );
    }

    #[test]
    fn defaults_trust_loopback_only() {
        let rules = Rules::parse(DEFAULT_RULES).unwrap();
        assert_eq!(
            rules.method(tcp("127.0.0.1"), "postgres", "x"),
            Some(Method::Trust)
        );
        assert_eq!(
            rules.method(tcp("::1"), "postgres", "x"),
            Some(Method::Trust)
        );
        assert_eq!(
            rules.method(Peer::Local, "postgres", "x"),
            Some(Method::Trust)
        );
        assert_eq!(rules.method(tcp("192.168.1.1"), "postgres", "x"), None);
    }

    #[test]
    fn bad_rules_name_their_line() {
        for (text, line) in [
            ("host all all 127.0.0.1/33 trust", 1),
            ("\nhost all all 127.0.0.1/32 ident", 2),
            ("hots all all 127.0.0.1/32 trust", 1),
            ("host all all", 1),
            ("host all all 10.0.0.0 255.0.255.0 trust", 1),
            ("host all all 127.0.0.1/32 md5 clientcert=1", 1),
        ] {
            assert_eq!(Rules::parse(text).unwrap_err().line, line, "{text}");
        }
    }
}
