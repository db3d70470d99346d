//! A session's settings (PostgreSQL's GUCs): their defaults, the values `SET`,
//! `SET LOCAL` and `set_config` give them, and how a transaction's end keeps or undoes
//! those (a rolled-back transaction undoes its `SET`s; `SET LOCAL` lasts until the
//! transaction ends either way), as `SHOW` and `current_setting` read them. Values are
//! text; the one setting the engine acts on with a unit, `statement_timeout` (an integer of
//! milliseconds, 0 = off), is parsed as `SET` and postgresql.conf accept it and kept as
//! `SHOW` prints it.

use crate::error::{EngineError, Result};
use parking_lot::Mutex;
use std::collections::BTreeMap;

/// The name of the statement timeout setting.
pub const STATEMENT_TIMEOUT: &str = "statement_timeout";
/// How long a statement waits for a lock before failing with 55P03 (0: no limit).
pub const LOCK_TIMEOUT: &str = "lock_timeout";
/// How long a lock wait lasts before the waiter looks for a deadlock.
pub const DEADLOCK_TIMEOUT: &str = "deadlock_timeout";

/// Settings in milliseconds, with their smallest value.
const MILLISECOND_SETTINGS: &[(&str, u32)] = &[
    (STATEMENT_TIMEOUT, 0),
    (LOCK_TIMEOUT, 0),
    (DEADLOCK_TIMEOUT, 1),
];

/// Time units PostgreSQL accepts, with their length in milliseconds (longest first, the
/// order `SHOW` picks them in).
const TIME_UNITS: &[(&str, f64)] = &[
    ("d", 86_400_000.0),
    ("h", 3_600_000.0),
    ("min", 60_000.0),
    ("s", 1_000.0),
    ("ms", 1.0),
    ("us", 0.001),
];

const TIME_UNITS_HINT: &str =
    "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".";

/// Parses a time setting whose base unit is milliseconds, within `0 ..= i32::MAX`, as
/// PostgreSQL's `parse_int`: a number (decimals allowed, rounded half to even), optional
/// whitespace and a case-sensitive unit (`us`, `ms`, `s`, `min`, `h`, `d`); no unit means
/// milliseconds. Errors are PostgreSQL's (22023, with its hints).
pub fn parse_milliseconds(name: &str, value: &str) -> Result<u32> {
    let invalid = |hint: Option<&'static str>| EngineError::InvalidSetting {
        name: name.to_owned(),
        value: value.to_owned(),
        hint,
    };
    let text = value.trim_start();
    let number_len = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(text.len());
    // An exponent needs digits after it; "5e" is not a number with unit "e".
    let (number, rest) = text.split_at(number_len);
    let n: f64 = number.parse().map_err(|_| invalid(None))?;
    let rest = rest.trim();
    let ms = if rest.is_empty() {
        n
    } else {
        let (_, per) = TIME_UNITS
            .iter()
            .find(|(u, _)| *u == rest)
            .ok_or_else(|| invalid(Some(TIME_UNITS_HINT)))?;
        n * per
    };
    let ms = ms.round_ties_even();
    if !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&ms) {
        return Err(invalid(Some("Value exceeds integer range.")));
    }
    if ms < 0.0 {
        return Err(EngineError::InvalidParameterValue {
            message: format!(
                "{ms} ms is outside the valid range for parameter \"{name}\" (0 .. {})",
                i32::MAX
            ),
        });
    }
    // In range 0 ..= i32::MAX, checked above.
    Ok(ms as u32)
}

/// A millisecond setting as `SHOW` prints it: `0`, else in the longest unit that divides it
/// (`100ms`, `2s`, `1min`, `1h`, `1d`).
pub fn show_milliseconds(ms: u32) -> String {
    if ms == 0 {
        return "0".into();
    }
    for (unit, per) in TIME_UNITS {
        // `per` is whole for every unit from ms up.
        let per = *per as u64;
        if per >= 1 && u64::from(ms).is_multiple_of(per) {
            return format!("{}{unit}", u64::from(ms) / per);
        }
    }
    format!("{ms}ms")
}

/// The settings a session starts with: name as `pg_settings` spells it, value, type.
pub const DEFAULTS: &[(&str, &str, &str)] = &[
    ("DateStyle", "ISO, MDY", "string"),
    ("IntervalStyle", "postgres", "enum"),
    ("TimeZone", "UTC", "string"),
    ("application_name", "", "string"),
    ("client_encoding", "UTF8", "string"),
    ("client_min_messages", "notice", "enum"),
    (DEADLOCK_TIMEOUT, "1s", "integer"),
    (DEFAULT_ISOLATION, "read committed", "enum"),
    (DEFAULT_READ_ONLY, "off", "bool"),
    ("extra_float_digits", "1", "integer"),
    ("integer_datetimes", "on", "bool"),
    ("is_superuser", "on", "bool"),
    ("lock_timeout", "0", "integer"),
    ("max_identifier_length", "63", "integer"),
    ("password_encryption", "scram-sha-256", "enum"),
    ("row_security", "on", "bool"),
    ("search_path", "\"$user\", public", "string"),
    ("server_encoding", "UTF8", "string"),
    ("server_version", "15.0", "string"),
    ("server_version_num", "150000", "integer"),
    ("standard_conforming_strings", "on", "bool"),
    (STATEMENT_TIMEOUT, "0", "integer"),
    (TRANSACTION_ISOLATION, "read committed", "enum"),
    (TRANSACTION_READ_ONLY, "off", "bool"),
];

/// Settings `RESET ALL` leaves alone (PostgreSQL's GUC_NO_RESET_ALL): who the session is.
const NO_RESET_ALL: &[&str] = &["role", "session_authorization", "is_superuser"];

/// The isolation level and access mode new transactions start with.
pub const DEFAULT_ISOLATION: &str = "default_transaction_isolation";
pub const DEFAULT_READ_ONLY: &str = "default_transaction_read_only";
/// The running transaction's isolation level and access mode: set (as local values) when a
/// transaction block begins or changes them; otherwise the defaults above.
pub const TRANSACTION_ISOLATION: &str = "transaction_isolation";
pub const TRANSACTION_READ_ONLY: &str = "transaction_read_only";

/// The isolation levels, as the settings spell them.
pub const ISOLATION_LEVELS: [&str; 4] = [
    "serializable",
    "repeatable read",
    "read committed",
    "read uncommitted",
];

/// The value of an isolation-level setting as stored: one of [`ISOLATION_LEVELS`] (any
/// case on input), else 22023 with PostgreSQL's hint.
pub fn parse_isolation(name: &str, value: &str) -> Result<&'static str> {
    let v = value.trim().to_lowercase();
    ISOLATION_LEVELS
        .iter()
        .find(|l| **l == v)
        .copied()
        .ok_or_else(|| EngineError::InvalidSetting {
            name: name.to_owned(),
            value: value.to_owned(),
            hint: Some(
                "Available values: serializable, repeatable read, read committed, read uncommitted.",
            ),
        })
}

/// A Boolean setting's value as stored (`on`/`off`), from any spelling PostgreSQL accepts
/// (`on`, `off`, `true`, `false`, `yes`, `no`, `1`, `0` and unique prefixes of the words).
pub fn parse_bool(name: &str, value: &str) -> Result<&'static str> {
    let v = value.trim().to_lowercase();
    let on = ["true", "yes"]
        .iter()
        .any(|w| !v.is_empty() && w.starts_with(&v))
        || v == "on"
        || v == "1";
    let off = ["false", "no"]
        .iter()
        .any(|w| !v.is_empty() && w.starts_with(&v))
        || (v.len() >= 2 && "off".starts_with(&v))
        || v == "0";
    match (on, off) {
        (true, false) => Ok("on"),
        (false, true) => Ok("off"),
        _ => Err(EngineError::InvalidParameterValue {
            message: format!("parameter \"{name}\" requires a Boolean value"),
        }),
    }
}

/// Checks and normalises a value of setting `name` as it is stored and shown.
fn normalise(name: &str, value: &str) -> Result<String> {
    if let Some(minimum) = MILLISECOND_SETTINGS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, m)| *m)
    {
        let ms = parse_milliseconds(name, value)?;
        if ms < minimum {
            return Err(EngineError::InvalidParameterValue {
                message: format!(
                    "{ms} ms is outside the valid range for parameter \"{name}\" ({minimum} .. {})",
                    i32::MAX
                ),
            });
        }
        return Ok(show_milliseconds(ms));
    }
    Ok(match name {
        "timezone" => {
            // A zone of the tz database (shown with its canonical spelling) or a fixed offset.
            let zone = crate::types::tz::Zone::lookup(value.trim()).ok_or_else(|| {
                EngineError::InvalidSetting {
                    name: "TimeZone".to_owned(),
                    value: value.to_owned(),
                    hint: None,
                }
            })?;
            zone.iana_name().unwrap_or(value.trim()).to_owned()
        }
        DEFAULT_ISOLATION | TRANSACTION_ISOLATION => parse_isolation(name, value)?.to_owned(),
        DEFAULT_READ_ONLY | TRANSACTION_READ_ONLY | "row_security" => {
            parse_bool(name, value)?.to_owned()
        }
        _ => value.to_owned(),
    })
}

/// The setting whose value `name` shows when it has none of its own: the running
/// transaction's characteristics default to those new transactions start with.
fn falls_back_to(name: &str) -> Option<&'static str> {
    match name {
        TRANSACTION_ISOLATION => Some(DEFAULT_ISOLATION),
        TRANSACTION_READ_ONLY => Some(DEFAULT_READ_ONLY),
        _ => None,
    }
}

/// The default of setting `name` (any case), if it is one.
pub fn default_of(name: &str) -> Option<&'static str> {
    DEFAULTS
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v, _)| *v)
}

/// A session's settings. Shared by reference with running statements (`set_config`), so
/// changes go through a lock.
#[derive(Debug, Default)]
pub struct Settings {
    state: Mutex<SettingsState>,
}

#[derive(Debug, Default)]
struct SettingsState {
    /// The values `RESET` returns to where they differ from the defaults: those the
    /// connection's startup parameters gave (lower-case names).
    reset: BTreeMap<String, String>,
    /// Values set for the session (lower-case names).
    session: BTreeMap<String, String>,
    /// Values set until the end of the transaction (`SET LOCAL`); they hide `session`.
    local: BTreeMap<String, String>,
    /// `session` as the open transaction found it, once the transaction has changed it:
    /// restored if the transaction rolls back.
    saved: Option<BTreeMap<String, String>>,
    /// Counts the changes of any setting's value as `get` reads it (a `SET` to the value in
    /// force already is none): what a cached plan was bound under (see
    /// `session::plan_cache`).
    generation: u64,
}

impl SettingsState {
    /// The value of `name` (lower case): local, session, the setting it falls back to, or
    /// the default.
    fn value(&self, name: &str) -> Option<String> {
        if let Some(v) = self
            .local
            .get(name)
            .or_else(|| self.session.get(name))
            .or_else(|| self.reset.get(name))
        {
            return Some(v.clone());
        }
        if let Some(other) = falls_back_to(name) {
            return self.value(other);
        }
        default_of(name).map(str::to_owned)
    }
}

impl Settings {
    /// The value of setting `name` (any case): set locally, set for the session, or the
    /// default; `None` for a name that is none of these.
    pub fn get(&self, name: &str) -> Option<String> {
        let name = name.to_lowercase();
        let st = self.state.lock();
        st.value(&name)
    }

    /// The isolation level and read-only flag a new transaction starts with, read under one
    /// lock without allocating: this runs at the start of every statement's transaction.
    /// Stored values are normalised (see `normalise`), so they compare as they are.
    pub fn transaction_defaults(&self) -> (&'static str, bool) {
        let st = self.state.lock();
        let value = |name: &str| {
            st.local
                .get(name)
                .or_else(|| st.session.get(name))
                .or_else(|| st.reset.get(name))
                .map(String::as_str)
        };
        let isolation = value(DEFAULT_ISOLATION)
            .and_then(|v| ISOLATION_LEVELS.iter().find(|l| **l == v).copied())
            .unwrap_or("read committed");
        (isolation, value(DEFAULT_READ_ONLY) == Some("on"))
    }

    /// The session's `search_path`, parsed (read at the start of every statement).
    pub fn search_path(&self) -> crate::search_path::SearchPath {
        let st = self.state.lock();
        st.local
            .get("search_path")
            .or_else(|| st.session.get("search_path"))
            .or_else(|| st.reset.get("search_path"))
            .map_or_else(crate::search_path::SearchPath::default, |v| {
                crate::search_path::SearchPath::parse(v)
            })
    }

    /// `SHOW name`: the value, or 42704 for a name that is not a setting.
    pub fn show(&self, name: &str) -> Result<String> {
        self.get(name)
            .ok_or_else(|| EngineError::UndefinedParameter {
                name: name.to_owned(),
            })
    }

    /// Sets `name` to `value` (`None`: back to its default) for the session, or until the
    /// transaction ends when `local`. `in_txn` says whether a transaction is open (a
    /// session value set inside one is undone if it rolls back). Returns the value as
    /// `SHOW` then prints it.
    pub fn set(
        &self,
        name: &str,
        value: Option<&str>,
        local: bool,
        in_txn: bool,
    ) -> Result<String> {
        let name = name.to_lowercase();
        let value = match value {
            Some(v) if v.eq_ignore_ascii_case("default") && default_of(&name).is_some() => None,
            Some(v) => Some(normalise(&name, v)?),
            None => None,
        };
        let mut st = self.state.lock();
        let st = &mut *st;
        let before = st.value(&name);
        if local {
            match &value {
                Some(v) => st.local.insert(name.clone(), v.clone()),
                // Back to the session's value for the rest of the transaction.
                None => match st.session.get(&name).or_else(|| st.reset.get(&name)) {
                    Some(v) => st.local.insert(name.clone(), v.clone()),
                    None => st.local.remove(&name),
                },
            };
        } else {
            if in_txn && st.saved.is_none() {
                st.saved = Some(st.session.clone());
            }
            st.local.remove(&name);
            match &value {
                Some(v) => st.session.insert(name.clone(), v.clone()),
                None => st.session.remove(&name),
            };
        }
        let after = st.value(&name);
        if after != before {
            st.generation += 1;
        }
        Ok(after.unwrap_or_default())
    }

    /// The session values become the values `RESET` returns to (the connection's startup
    /// parameters, applied with `SET` before its first query).
    pub fn make_current_the_reset_values(&self) {
        let mut st = self.state.lock();
        let session = std::mem::take(&mut st.session);
        st.reset.extend(session);
        st.generation += 1;
    }

    /// `RESET ALL`: every session value back to its default (undone if the open transaction
    /// rolls back, as a `SET` is), local values included; the running transaction's
    /// characteristics stay.
    pub fn reset_all(&self, in_txn: bool) {
        let mut st = self.state.lock();
        if in_txn && st.saved.is_none() {
            st.saved = Some(st.session.clone());
        }
        st.session
            .retain(|name, _| NO_RESET_ALL.contains(&name.as_str()));
        st.local.retain(|name, _| {
            name == TRANSACTION_ISOLATION
                || name == TRANSACTION_READ_ONLY
                || NO_RESET_ALL.contains(&name.as_str())
        });
        st.generation += 1;
    }

    /// The transaction ended: local values go; a rollback also undoes the session values it
    /// set.
    pub fn end_transaction(&self, committed: bool) {
        let mut st = self.state.lock();
        let st = &mut *st;
        // Whether a value `get` reads changes: a local one hiding another value, or a
        // session one the rollback restores.
        let mut changed = false;
        let local = std::mem::take(&mut st.local);
        if let Some(saved) = st.saved.take() {
            if !committed && saved != st.session {
                st.session = saved;
                changed = true;
            }
        }
        changed |= local
            .iter()
            .any(|(name, v)| st.value(name).as_ref() != Some(v));
        if changed {
            st.generation += 1;
        }
    }

    /// Changes so far of any setting's value (see the field).
    pub fn generation(&self) -> u64 {
        self.state.lock().generation
    }

    /// The statement timeout in milliseconds (0: none).
    pub fn statement_timeout(&self) -> u32 {
        self.milliseconds(STATEMENT_TIMEOUT, 0)
    }

    /// The lock timeout in milliseconds (0: none).
    pub fn lock_timeout(&self) -> u32 {
        self.milliseconds(LOCK_TIMEOUT, 0)
    }

    /// The deadlock timeout in milliseconds.
    pub fn deadlock_timeout(&self) -> u32 {
        self.milliseconds(DEADLOCK_TIMEOUT, 1000)
    }

    fn milliseconds(&self, name: &str, fallback: u32) -> u32 {
        self.get(name)
            .and_then(|v| parse_milliseconds(name, &v).ok())
            .unwrap_or(fallback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_follow_transactions() {
        let s = Settings::default();
        assert_eq!(s.get("DateStyle").as_deref(), Some("ISO, MDY"));
        assert!(s.get("no_such").is_none());
        // A session value set outside a transaction stays.
        s.set("application_name", Some("a"), false, false).ok();
        s.end_transaction(false);
        assert_eq!(s.get("application_name").as_deref(), Some("a"));
        // One set in a transaction that rolls back is undone; one committed stays.
        s.set("application_name", Some("b"), false, true).ok();
        s.end_transaction(false);
        assert_eq!(s.get("application_name").as_deref(), Some("a"));
        s.set("application_name", Some("c"), false, true).ok();
        s.end_transaction(true);
        assert_eq!(s.get("application_name").as_deref(), Some("c"));
        // A local value lasts until the transaction ends, committed or not.
        assert_eq!(
            s.set("Application_Name", Some("d"), true, true)
                .ok()
                .as_deref(),
            Some("d")
        );
        assert_eq!(s.get("application_name").as_deref(), Some("d"));
        s.end_transaction(true);
        assert_eq!(s.get("application_name").as_deref(), Some("c"));
        // statement_timeout is parsed and shown as SHOW shows it.
        assert_eq!(
            s.set(STATEMENT_TIMEOUT, Some("2000"), false, false)
                .ok()
                .as_deref(),
            Some("2s")
        );
        assert_eq!(s.statement_timeout(), 2000);
        assert!(s.set(STATEMENT_TIMEOUT, Some("x"), false, false).is_err());
        s.set(STATEMENT_TIMEOUT, None, false, false).ok();
        assert_eq!(s.statement_timeout(), 0);
    }

    #[test]
    fn transaction_defaults_read_every_layer() {
        let s = Settings::default();
        assert_eq!(s.transaction_defaults(), ("read committed", false));
        s.set(DEFAULT_READ_ONLY, Some("yes"), false, false).ok();
        s.make_current_the_reset_values();
        assert_eq!(s.transaction_defaults(), ("read committed", true));
        s.set(DEFAULT_ISOLATION, Some("Repeatable Read"), false, true)
            .ok();
        s.set(DEFAULT_READ_ONLY, Some("off"), true, true).ok();
        assert_eq!(s.transaction_defaults(), ("repeatable read", false));
        s.end_transaction(false);
        assert_eq!(s.transaction_defaults(), ("read committed", true));
    }

    fn p(v: &str) -> Result<u32> {
        parse_milliseconds(STATEMENT_TIMEOUT, v)
    }

    #[test]
    fn parses_as_postgres() {
        // Each case checked against PostgreSQL 15's SET and SHOW.
        for (input, ms, shown) in [
            ("100", 100, "100ms"),
            ("2s", 2000, "2s"),
            ("2000", 2000, "2s"),
            ("60s", 60_000, "1min"),
            ("1.5s", 1500, "1500ms"),
            ("1500us", 2, "2ms"),
            ("3600000", 3_600_000, "1h"),
            ("86400000", 86_400_000, "1d"),
            ("0", 0, "0"),
            ("5 s", 5000, "5s"),
            ("1.5", 2, "2ms"),
            ("2.5", 2, "2ms"),
            ("0.4", 0, "0"),
            (" 7ms ", 7, "7ms"),
        ] {
            assert_eq!(p(input).ok(), Some(ms), "{input}");
            assert_eq!(show_milliseconds(ms), shown, "{input}");
        }
    }

    #[test]
    fn refuses_as_postgres() {
        let msg =
            |v: &str| p(v).map_err(|e| (e.sqlstate(), e.to_string(), e.hint().map(str::to_owned)));
        assert_eq!(
            msg("-1"),
            Err((
                "22023",
                "-1 ms is outside the valid range for parameter \"statement_timeout\" (0 .. 2147483647)".into(),
                None
            ))
        );
        assert_eq!(
            msg("abc"),
            Err((
                "22023",
                "invalid value for parameter \"statement_timeout\": \"abc\"".into(),
                None
            ))
        );
        assert_eq!(
            msg("5S").err().and_then(|e| e.2),
            Some(TIME_UNITS_HINT.to_owned())
        );
        for too_big in ["100d", "2147483648"] {
            assert_eq!(
                msg(too_big).err().and_then(|e| e.2),
                Some("Value exceeds integer range.".to_owned()),
                "{too_big}"
            );
        }
        assert!(p("").is_err());
        assert!(p("s").is_err());
        assert!(p("1 s s").is_err());
    }
}
