//! `format_type` and the `regtype` conversions over the built-in types
//! ([`crate::types::builtin`] holds their facts).

use crate::types::builtin::{by_array_oid, by_oid};
use crate::types::DataType;

/// `format_type(oid, typmod)`: the SQL name with the modifier; `???` for an unknown OID
/// and `name[]` for the array types of the built-in ones. Without a typmod `bpchar` prints
/// as `character`, with typmod -1 as `bpchar` (PostgreSQL's special case).
pub fn format_type(oid: u32, typmod: Option<i32>) -> String {
    match (DataType::from_oid(oid, typmod.unwrap_or(-1)), typmod) {
        (Some(t), None) => t.base_name().into_owned(),
        (Some(t), Some(_)) => t.display_name(),
        (None, _) => "???".into(),
    }
}

/// The OID of a type name as `regtypein` reads it (SQL spellings too).
pub fn type_oid(name: &str) -> Option<u32> {
    let t = crate::sql::parse_type_name(name).ok()?;
    Some(t.oid())
}

/// `regtypeout`: the name a type OID prints as (`character` for `bpchar`, as PostgreSQL's).
pub fn type_name(oid: u32) -> Option<String> {
    if let Some(row) = by_oid(oid) {
        return Some(row.sql_name.to_string());
    }
    by_array_oid(oid).map(|e| format!("{}[]", e.sql_name))
}
