//! [`SltBackend`] over a server speaking PostgreSQL's protocol (a real PostgreSQL, or `quill
//! serve`), through the synchronous `postgres` client.
//!
//! Each [`reset`](SltBackend::reset) gets an empty database, so every file starts from
//! nothing: against PostgreSQL it drops and recreates a scratch database (by default
//! `quill_slt`) from an administrative connection; otherwise a caller's hook provides one
//! (e.g. a server started on a new data directory). Statements go through the simple-query protocol (so any statement
//! works); queries through the extended protocol, whose typed binary results are mapped to
//! [`SltValue`]s: integer types to `Int`, `float4`/`float8` to `Float`, `numeric` to `Int` when
//! its scale is 0 and it fits, else `Float`, `bool` to `Bool`, character types to `Text`.
//! A query with a result column of any other type (`date`, `interval`, `bytea`, ...) runs
//! through the simple-query protocol instead, whose values are PostgreSQL's own text output:
//! those columns become `Text` of it, and the columns of the types above are mapped the same
//! way from their text form.

use std::error::Error;
use std::str::FromStr;

use postgres::types::{FromSql, Type};
pub use postgres::Config;
use postgres::{Client, NoTls, SimpleQueryMessage};

use super::{SltBackend, SltError, SltValue};

/// The default name of the scratch database.
pub const DEFAULT_SCRATCH_DB: &str = "quill_slt";

/// A server speaking PostgreSQL's protocol as an sqllogictest backend.
pub struct PgBackend {
    fresh: Fresh,
    client: Option<Client>,
}

/// Makes a fresh, empty database for the next file and says how to connect to it.
pub type FreshHook = Box<dyn FnMut() -> Result<Config, String>>;

/// A scratch database dropped and recreated through an administrative connection.
struct Scratch {
    admin: Client,
    config: Config,
    scratch: String,
}

/// How [`PgBackend::reset`] gets an empty database.
enum Fresh {
    /// Drop and recreate a scratch database through an administrative connection.
    ScratchDatabase(Box<Scratch>),
    /// Ask the caller (e.g. start a server on a new, empty data directory).
    Hook(FreshHook),
}

impl PgBackend {
    /// Connects to the server described by `conn` (a libpq-style string such as
    /// `host=/tmp port=55433 user=postgres`); the scratch database `scratch` is dropped and
    /// recreated by each reset, so it must not hold anything of value.
    pub fn connect(conn: &str, scratch: &str) -> Result<Self, String> {
        if scratch.is_empty()
            || !scratch
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(format!(
                "scratch database name {scratch:?} must be [A-Za-z0-9_]+"
            ));
        }
        let config = Config::from_str(conn).map_err(|e| format!("bad connection string: {e}"))?;
        if config.get_dbname() == Some(scratch) {
            return Err(format!(
                "the connection string names the scratch database {scratch}; name another one \
                 (e.g. dbname=postgres) for the administrative connection"
            ));
        }
        let admin = config.connect(NoTls).map_err(|e| err_text(&e))?;
        Ok(PgBackend {
            fresh: Fresh::ScratchDatabase(Box::new(Scratch {
                admin,
                config,
                scratch: scratch.to_string(),
            })),
            client: None,
        })
    }

    /// A backend whose [`reset`](SltBackend::reset) calls `fresh` for an empty database (the
    /// previous client is closed first) and connects to what it returns.
    pub fn with_fresh_hook(fresh: FreshHook) -> Self {
        PgBackend {
            fresh: Fresh::Hook(fresh),
            client: None,
        }
    }

    fn client(&mut self) -> Result<&mut Client, String> {
        self.client
            .as_mut()
            .ok_or_else(|| "not connected to the scratch database: call reset first".to_string())
    }
}

impl SltBackend for PgBackend {
    fn statement(&mut self, sql: &str) -> Result<(), String> {
        self.client()?.batch_execute(sql).map_err(|e| err_text(&e))
    }

    fn statement_with_sqlstate(&mut self, sql: &str) -> Result<(), SltError> {
        let client = self.client().map_err(SltError::uncoded)?;
        client.batch_execute(sql).map_err(|e| SltError {
            sqlstate: e.as_db_error().map(|db| db.code().code().to_string()),
            message: err_text(&e),
        })
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<SltValue>>, String> {
        let client = self.client()?;
        let stmt = client.prepare(sql).map_err(|e| err_text(&e))?;
        let types: Vec<Type> = stmt.columns().iter().map(|c| c.type_().clone()).collect();
        if !types.iter().all(binary_decoded) {
            return query_as_text(client, sql, &types);
        }
        let rows = client.query(&stmt, &[]).map_err(|e| err_text(&e))?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| {
                        row.try_get::<_, PgCell>(i)
                            .map(|c| c.0)
                            .map_err(|e| err_text(&e))
                    })
                    .collect()
            })
            .collect()
    }

    fn reset(&mut self) -> Result<(), String> {
        // Close our own session on the scratch database before dropping it.
        self.client = None;
        let config = match &mut self.fresh {
            Fresh::ScratchDatabase(s) => {
                let Scratch {
                    admin,
                    config,
                    scratch,
                } = &mut **s;
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
                    .map_err(|e| err_text(&e))?;
                admin
                    .batch_execute(&format!("CREATE DATABASE {scratch}"))
                    .map_err(|e| err_text(&e))?;
                let mut config = config.clone();
                config.dbname(scratch.as_str());
                config
            }
            Fresh::Hook(fresh) => fresh()?,
        };
        let client = config.connect(NoTls).map_err(|e| err_text(&e))?;
        self.client = Some(client);
        Ok(())
    }
}

/// True for the result types [`PgCell`] decodes from the binary format.
fn binary_decoded(ty: &Type) -> bool {
    [
        Type::BOOL,
        Type::INT2,
        Type::INT4,
        Type::INT8,
        Type::OID,
        Type::FLOAT4,
        Type::FLOAT8,
        Type::NUMERIC,
        Type::CHAR,
        Type::TEXT,
        Type::VARCHAR,
        Type::BPCHAR,
        Type::NAME,
        Type::UNKNOWN,
    ]
    .contains(ty)
}

/// Runs `sql` through the simple-query protocol and maps each text value by its column's
/// type (`types`, from preparing it): as [`PgCell`] maps the binary form, other types to
/// `Text` of PostgreSQL's output.
fn query_as_text(
    client: &mut Client,
    sql: &str,
    types: &[Type],
) -> Result<Vec<Vec<SltValue>>, String> {
    let messages = client.simple_query(sql).map_err(|e| err_text(&e))?;
    let mut rows = Vec::new();
    for message in &messages {
        let SimpleQueryMessage::Row(row) = message else {
            continue;
        };
        if row.len() != types.len() {
            return Err(format!(
                "simple query returned {} columns, prepared statement {}",
                row.len(),
                types.len()
            ));
        }
        let values = types
            .iter()
            .enumerate()
            .map(|(i, ty)| match row.get(i) {
                None => Ok(SltValue::Null),
                Some(text) => text_value(ty, text),
            })
            .collect::<Result<Vec<_>, String>>()?;
        rows.push(values);
    }
    Ok(rows)
}

/// One value from PostgreSQL's text output of a value of type `ty`.
fn text_value(ty: &Type, text: &str) -> Result<SltValue, String> {
    let bad = |e: &dyn std::fmt::Display| format!("cannot read {ty} value {text:?}: {e}");
    let parse_float = |t: &str| match t {
        "NaN" => Ok(f64::NAN),
        "Infinity" => Ok(f64::INFINITY),
        "-Infinity" => Ok(f64::NEG_INFINITY),
        _ => t.parse::<f64>().map_err(|e| bad(&e)),
    };
    Ok(match *ty {
        Type::BOOL => SltValue::Bool(text == "t"),
        Type::INT2 | Type::INT4 | Type::INT8 | Type::OID => {
            SltValue::Int(text.parse::<i64>().map_err(|e| bad(&e))?)
        }
        Type::FLOAT4 | Type::FLOAT8 => SltValue::Float(parse_float(text)?),
        Type::NUMERIC => match text.parse::<i64>() {
            Ok(i) => SltValue::Int(i),
            Err(_) => SltValue::Float(parse_float(text)?),
        },
        _ => SltValue::Text(text.to_string()),
    })
}

/// The text of a client error: the server's message when there is one.
fn err_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => match e.source() {
            Some(src) => format!("{e}: {src}"),
            None => e.to_string(),
        },
    }
}

/// One result cell decoded from PostgreSQL's binary format.
struct PgCell(SltValue);

type BoxError = Box<dyn Error + Sync + Send>;

impl<'a> FromSql<'a> for PgCell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let v = match *ty {
            Type::BOOL => SltValue::Bool(bool::from_sql(ty, raw)?),
            Type::INT2 => SltValue::Int(i16::from_sql(ty, raw)?.into()),
            Type::INT4 => SltValue::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT8 => SltValue::Int(i64::from_sql(ty, raw)?),
            Type::OID => SltValue::Int(u32::from_sql(ty, raw)?.into()),
            // Through the shortest decimal form, so that REAL 1.1 reads as 1.1, not
            // 1.100000023841858.
            Type::FLOAT4 => SltValue::Float(f32::from_sql(ty, raw)?.to_string().parse::<f64>()?),
            Type::FLOAT8 => SltValue::Float(f64::from_sql(ty, raw)?),
            Type::NUMERIC => decode_numeric(raw)?,
            Type::CHAR => {
                SltValue::Text(char::from(i8::from_sql(ty, raw)?.to_ne_bytes()[0]).to_string())
            }
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                SltValue::Text(String::from_utf8(raw.to_vec())?)
            }
            _ => return Err(format!("unsupported result column type {ty}").into()),
        };
        Ok(PgCell(v))
    }

    fn from_sql_null(_ty: &Type) -> Result<Self, BoxError> {
        Ok(PgCell(SltValue::Null))
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }
}

/// Decodes a binary `numeric`: `ndigits`, `weight`, `sign`, `dscale` (16 bits each), then
/// `ndigits` base-10000 digits, the first worth `10000^weight`.
fn decode_numeric(raw: &[u8]) -> Result<SltValue, BoxError> {
    let word = |i: usize| -> Result<u16, BoxError> {
        match raw.get(2 * i..2 * i + 2) {
            Some(b) => Ok(u16::from_be_bytes([b[0], b[1]])),
            None => Err("truncated numeric".into()),
        }
    };
    let ndigits = usize::from(word(0)?);
    let weight = i64::from(word(1)? as i16);
    let sign = word(2)?;
    let dscale = word(3)?;
    match sign {
        0xC000 => return Ok(SltValue::Float(f64::NAN)),
        0xD000 => return Ok(SltValue::Float(f64::INFINITY)),
        0xF000 => return Ok(SltValue::Float(f64::NEG_INFINITY)),
        0x0000 | 0x4000 => {}
        other => return Err(format!("bad numeric sign {other:#x}").into()),
    }
    let mut digits = String::with_capacity(ndigits * 4 + 1);
    if sign == 0x4000 {
        digits.push('-');
    }
    for i in 0..ndigits {
        digits.push_str(&format!("{:04}", word(4 + i)?));
    }
    if ndigits == 0 {
        return Ok(if dscale == 0 {
            SltValue::Int(0)
        } else {
            SltValue::Float(0.0)
        });
    }
    // The digit string times 10^(4 * (weight - ndigits + 1)).
    let exp = 4 * (weight - i64::try_from(ndigits)? + 1);
    if dscale == 0 {
        if let Ok(exp) = u32::try_from(exp) {
            if let Some(v) = digits
                .parse::<i64>()
                .ok()
                .and_then(|d| 10i64.checked_pow(exp).and_then(|p| d.checked_mul(p)))
            {
                return Ok(SltValue::Int(v));
            }
        }
    }
    Ok(SltValue::Float(format!("{digits}e{exp}").parse::<f64>()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(ndigits: u16, weight: i16, sign: u16, dscale: u16, d: &[u16]) -> Vec<u8> {
        let mut v = Vec::new();
        for w in [ndigits, weight as u16, sign, dscale].iter().chain(d) {
            v.extend_from_slice(&w.to_be_bytes());
        }
        v
    }

    #[test]
    fn numeric_decoding() {
        // 150.5 = 150 * 10000^0 + 5000 * 10000^-1
        let v = decode_numeric(&numeric(2, 0, 0, 1, &[150, 5000])).unwrap();
        assert_eq!(v, SltValue::Float(150.5));
        // -12345678 = 1234 * 10000^1 + 5678
        let v = decode_numeric(&numeric(2, 1, 0x4000, 0, &[1234, 5678])).unwrap();
        assert_eq!(v, SltValue::Int(-12345678));
        // 20000 = 2 * 10000^1, trailing zero digit groups omitted
        let v = decode_numeric(&numeric(1, 1, 0, 0, &[2])).unwrap();
        assert_eq!(v, SltValue::Int(20000));
        // 0.0012 = 12 * 10000^-1
        let v = decode_numeric(&numeric(1, -1, 0, 4, &[12])).unwrap();
        assert_eq!(v, SltValue::Float(0.0012));
        assert_eq!(
            decode_numeric(&numeric(0, 0, 0, 0, &[])).unwrap(),
            SltValue::Int(0)
        );
        assert!(decode_numeric(&[0, 1]).is_err());
    }
}
