//! The built-in types as `pg_type` lists them (PostgreSQL 15's OIDs, names, lengths,
//! categories and array types), and `format_type`.

use crate::types::{DataType, RegKind};

/// A built-in type: OID, `typname`, `typlen`, `typcategory`, `typispreferred`, the OID of
/// its array type, and whether it is collatable.
pub struct BuiltinType {
    pub oid: u32,
    pub name: &'static str,
    pub len: i16,
    pub category: char,
    pub preferred: bool,
    pub array: u32,
    pub collatable: bool,
}

const fn t(
    oid: u32,
    name: &'static str,
    len: i16,
    category: char,
    preferred: bool,
    array: u32,
    collatable: bool,
) -> BuiltinType {
    BuiltinType {
        oid,
        name,
        len,
        category,
        preferred,
        array,
        collatable,
    }
}

pub const BUILTIN_TYPES: &[BuiltinType] = &[
    t(16, "bool", 1, 'B', true, 1000, false),
    t(17, "bytea", -1, 'U', false, 1001, false),
    t(18, "char", 1, 'Z', false, 1002, false),
    t(19, "name", 64, 'S', false, 1003, true),
    t(20, "int8", 8, 'N', false, 1016, false),
    t(21, "int2", 2, 'N', false, 1005, false),
    t(23, "int4", 4, 'N', false, 1007, false),
    t(24, "regproc", 4, 'N', false, 1008, false),
    t(25, "text", -1, 'S', true, 1009, true),
    t(26, "oid", 4, 'N', true, 1028, false),
    t(700, "float4", 4, 'N', false, 1021, false),
    t(701, "float8", 8, 'N', true, 1022, false),
    t(705, "unknown", -2, 'X', false, 0, false),
    t(1042, "bpchar", -1, 'S', false, 1014, true),
    t(1043, "varchar", -1, 'S', false, 1015, true),
    t(1082, "date", 4, 'D', false, 1182, false),
    t(1083, "time", 8, 'D', false, 1183, false),
    t(1114, "timestamp", 8, 'D', false, 1115, false),
    t(1184, "timestamptz", 8, 'D', true, 1185, false),
    t(1186, "interval", 16, 'T', true, 1187, false),
    t(1700, "numeric", -1, 'N', false, 1231, false),
    t(2205, "regclass", 4, 'N', false, 2210, false),
    t(2206, "regtype", 4, 'N', false, 2211, false),
    t(4089, "regnamespace", 4, 'N', false, 4090, false),
    t(4096, "regrole", 4, 'N', false, 4097, false),
];

/// The Quill type of a type OID with a typmod (`atttypmod`; -1 for none).
pub fn data_type(oid: u32, typmod: i32) -> Option<DataType> {
    let len = (typmod >= 4).then(|| (typmod - 4) as u32);
    Some(match oid {
        16 => DataType::Bool,
        17 => DataType::Bytea,
        18 => DataType::CharByte,
        19 => DataType::Name,
        20 => DataType::Int8,
        21 => DataType::Int2,
        23 => DataType::Int4,
        24 => DataType::Reg(RegKind::Proc),
        25 => DataType::Text,
        26 => DataType::Oid,
        700 => DataType::Float4,
        701 => DataType::Float8,
        705 => DataType::Unknown,
        1042 => DataType::Char(len),
        1043 => DataType::Varchar(len),
        1082 => DataType::Date,
        1083 => DataType::Time,
        1114 => DataType::Timestamp,
        1184 => DataType::Timestamptz,
        1186 => DataType::Interval,
        1700 => DataType::Numeric {
            precision: len.map(|l| l >> 16),
            scale: len.map(|l| l & 0xFFFF),
        },
        2205 => DataType::Reg(RegKind::Class),
        2206 => DataType::Reg(RegKind::Type),
        4089 => DataType::Reg(RegKind::Namespace),
        4096 => DataType::Reg(RegKind::Role),
        _ => {
            let elem = BUILTIN_TYPES.iter().find(|t| t.array == oid && oid != 0)?;
            DataType::Array(Box::new(data_type(elem.oid, typmod)?))
        }
    })
}

/// `format_type(oid, typmod)`: the SQL name with the modifier; `???` for an unknown OID
/// and `name[]` for the array types of the built-in ones.
pub fn format_type(oid: u32, typmod: Option<i32>) -> String {
    let typmod = typmod.unwrap_or(-1);
    if oid == 1042 && typmod < 0 {
        // A `bpchar` without length prints as such (PostgreSQL's special case).
        return "bpchar".into();
    }
    if let Some(t) = data_type(oid, typmod) {
        return t.display_name();
    }
    if let Some(elem) = BUILTIN_TYPES.iter().find(|t| t.array == oid && oid != 0) {
        return format!("{}[]", format_type(elem.oid, Some(typmod)));
    }
    "???".into()
}

/// The OID of a type name as `regtypein` reads it (SQL spellings too).
pub fn type_oid(name: &str) -> Option<u32> {
    let t = crate::sql::parse_type_name(name).ok()?;
    Some(t.oid())
}

/// `regtypeout`: the name a type OID prints as.
pub fn type_name(oid: u32) -> Option<String> {
    if oid == 1042 {
        return Some("character".into());
    }
    data_type(oid, -1).map(|t| t.display_name()).or_else(|| {
        BUILTIN_TYPES
            .iter()
            .find(|t| t.array == oid && oid != 0)
            .and_then(|e| type_name(e.oid))
            .map(|n| format!("{n}[]"))
    })
}
