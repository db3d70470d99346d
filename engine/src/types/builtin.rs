//! The built-in types' catalog facts, in one table: each type's OID, `typname`, SQL name,
//! `typlen`, `typbyval`, `typalign`, `typstorage`, `typcategory`, `typispreferred`, `typelem`,
//! array type OID and collation, as PostgreSQL 15's `pg_type` has them. `pg_type` and
//! `pg_attribute` rows, the wire codec (OIDs, `typlen` in RowDescription, Bind parameter types)
//! and cast/operator resolution (category, preferred type) all read them from here, through
//! [`DataType`]'s methods.
//!
//! Invariants: every [`DataType`] other than `Array` has exactly one row, and that row's `ty` is
//! the type without modifier ([`DataType::base`]); an array type has no row of its own: its
//! facts follow from its element's row (`typarray`) as PostgreSQL's `_name` rows do.

use super::{DataType, RegKind, TypeCategory};

/// The collation a type's values get (`typcollation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collation {
    /// Not collatable (0).
    None,
    /// The database's default collation (`default`, OID 100).
    Default,
    /// The `C` collation (OID 950), as `name` has.
    C,
}

/// One built-in type's `pg_type` facts.
#[derive(Debug)]
pub struct BuiltinType {
    pub oid: u32,
    /// `typname`.
    pub name: &'static str,
    /// The name `format_type` prints (without modifier).
    pub sql_name: &'static str,
    /// `typlen`: bytes, -1 for variable length (varlena), -2 for a C string.
    pub len: i16,
    pub byval: bool,
    /// `typalign`: `c` (1), `s` (2), `i` (4), `d` (8).
    pub align: char,
    /// `typstorage`: `p` plain, `m` main, `x` extended.
    pub storage: char,
    pub category: TypeCategory,
    pub preferred: bool,
    /// `typelem`: the element type of a fixed-length type subscriptable as an array (`name`
    /// is a `char` array); 0 for none.
    pub elem: u32,
    /// `typarray`: the OID of the array type, 0 if the type has none.
    pub array: u32,
    pub collation: Collation,
    /// The Quill type (without modifier).
    pub ty: DataType,
}

/// The OID of `anyarray`: the type of an array whose element type has no array type.
pub const ANYARRAY_OID: u32 = 2277;

#[allow(clippy::too_many_arguments)]
const fn row(
    oid: u32,
    name: &'static str,
    sql_name: &'static str,
    len: i16,
    byval: bool,
    align: char,
    storage: char,
    category: TypeCategory,
    preferred: bool,
    elem: u32,
    array: u32,
    collation: Collation,
    ty: DataType,
) -> BuiltinType {
    BuiltinType {
        oid,
        name,
        sql_name,
        len,
        byval,
        align,
        storage,
        category,
        preferred,
        elem,
        array,
        collation,
        ty,
    }
}

use Collation as Co;
use DataType as T;
use TypeCategory as Ca;

const NUMERIC: DataType = T::Numeric {
    precision: None,
    scale: None,
};

// Columns: oid, typname, format_type name, typlen, typbyval, typalign, typstorage,
// typcategory, typispreferred, typelem, typarray, typcollation, Quill type.
#[rustfmt::skip]
mod rows {
    use super::*;
    pub static BOOL: BuiltinType =         row(16,   "bool",         "boolean",                     1,  true,  'c', 'p', Ca::Boolean,  true,  0,  1000, Co::None,    T::Bool);
    pub static BYTEA: BuiltinType =        row(17,   "bytea",        "bytea",                       -1, false, 'i', 'x', Ca::User,     false, 0,  1001, Co::None,    T::Bytea);
    pub static CHAR_BYTE: BuiltinType =    row(18,   "char",         "\"char\"",                    1,  true,  'c', 'p', Ca::Internal, false, 0,  1002, Co::None,    T::CharByte);
    pub static NAME: BuiltinType =         row(19,   "name",         "name",                        64, false, 'c', 'p', Ca::String,   false, 18, 1003, Co::C,       T::Name);
    pub static INT8: BuiltinType =         row(20,   "int8",         "bigint",                      8,  true,  'd', 'p', Ca::Numeric,  false, 0,  1016, Co::None,    T::Int8);
    pub static INT2: BuiltinType =         row(21,   "int2",         "smallint",                    2,  true,  's', 'p', Ca::Numeric,  false, 0,  1005, Co::None,    T::Int2);
    pub static INT4: BuiltinType =         row(23,   "int4",         "integer",                     4,  true,  'i', 'p', Ca::Numeric,  false, 0,  1007, Co::None,    T::Int4);
    pub static REGPROC: BuiltinType =      row(24,   "regproc",      "regproc",                     4,  true,  'i', 'p', Ca::Numeric,  false, 0,  1008, Co::None,    T::Reg(RegKind::Proc));
    pub static JSON: BuiltinType =         row(114,  "json",         "json",                        -1, false, 'i', 'x', Ca::User,     false, 0,  199,  Co::None,    T::Json);
    pub static TEXT: BuiltinType =         row(25,   "text",         "text",                        -1, false, 'i', 'x', Ca::String,   true,  0,  1009, Co::Default, T::Text);
    pub static OID: BuiltinType =          row(26,   "oid",          "oid",                         4,  true,  'i', 'p', Ca::Numeric,  true,  0,  1028, Co::None,    T::Oid);
    pub static FLOAT4: BuiltinType =       row(700,  "float4",       "real",                        4,  true,  'i', 'p', Ca::Numeric,  false, 0,  1021, Co::None,    T::Float4);
    pub static FLOAT8: BuiltinType =       row(701,  "float8",       "double precision",            8,  true,  'd', 'p', Ca::Numeric,  true,  0,  1022, Co::None,    T::Float8);
    pub static UNKNOWN: BuiltinType =      row(705,  "unknown",      "unknown",                     -2, false, 'c', 'p', Ca::Unknown,  false, 0,  0,    Co::None,    T::Unknown);
    pub static BPCHAR: BuiltinType =       row(1042, "bpchar",       "character",                   -1, false, 'i', 'x', Ca::String,   false, 0,  1014, Co::Default, T::Char(None));
    pub static VARCHAR: BuiltinType =      row(1043, "varchar",      "character varying",           -1, false, 'i', 'x', Ca::String,   false, 0,  1015, Co::Default, T::Varchar(None));
    pub static DATE: BuiltinType =         row(1082, "date",         "date",                        4,  true,  'i', 'p', Ca::DateTime, false, 0,  1182, Co::None,    T::Date);
    pub static TIME: BuiltinType =         row(1083, "time",         "time without time zone",      8,  true,  'd', 'p', Ca::DateTime, false, 0,  1183, Co::None,    T::Time);
    pub static TIMESTAMP: BuiltinType =    row(1114, "timestamp",    "timestamp without time zone", 8,  true,  'd', 'p', Ca::DateTime, false, 0,  1115, Co::None,    T::Timestamp);
    pub static TIMESTAMPTZ: BuiltinType =  row(1184, "timestamptz",  "timestamp with time zone",    8,  true,  'd', 'p', Ca::DateTime, true,  0,  1185, Co::None,    T::Timestamptz);
    pub static INTERVAL: BuiltinType =     row(1186, "interval",     "interval",                    16, false, 'd', 'p', Ca::Timespan, true,  0,  1187, Co::None,    T::Interval);
    pub static NUMERIC: BuiltinType =      row(1700, "numeric",      "numeric",                     -1, false, 'i', 'm', Ca::Numeric,  false, 0,  1231, Co::None,    super::NUMERIC);
    pub static JSONB: BuiltinType =        row(3802, "jsonb",        "jsonb",                       -1, false, 'i', 'x', Ca::User,     false, 0,  3807, Co::None,    T::Jsonb);
    pub static REGCLASS: BuiltinType =     row(2205, "regclass",     "regclass",                    4,  true,  'i', 'p', Ca::Numeric,  false, 0,  2210, Co::None,    T::Reg(RegKind::Class));
    pub static REGTYPE: BuiltinType =      row(2206, "regtype",      "regtype",                     4,  true,  'i', 'p', Ca::Numeric,  false, 0,  2211, Co::None,    T::Reg(RegKind::Type));
    pub static UUID: BuiltinType =         row(2950, "uuid",         "uuid",                        16, false, 'c', 'p', Ca::User,     false, 0,  2951, Co::None,    T::Uuid);
    pub static VOID: BuiltinType =         row(2278, "void",         "void",                        4,  true,  'i', 'p', Ca::Pseudo,   false, 0,  0,    Co::None,    T::Void);
    pub static REGNAMESPACE: BuiltinType = row(4089, "regnamespace", "regnamespace",                4,  true,  'i', 'p', Ca::Numeric,  false, 0,  4090, Co::None,    T::Reg(RegKind::Namespace));
    pub static REGROLE: BuiltinType =      row(4096, "regrole",      "regrole",                     4,  true,  'i', 'p', Ca::Numeric,  false, 0,  4097, Co::None,    T::Reg(RegKind::Role));
}

/// Every built-in type, in OID order.
pub static BUILTIN_TYPES: [&BuiltinType; 29] = [
    &rows::BOOL,
    &rows::BYTEA,
    &rows::CHAR_BYTE,
    &rows::NAME,
    &rows::INT8,
    &rows::INT2,
    &rows::INT4,
    &rows::REGPROC,
    &rows::TEXT,
    &rows::OID,
    &rows::JSON,
    &rows::FLOAT4,
    &rows::FLOAT8,
    &rows::UNKNOWN,
    &rows::BPCHAR,
    &rows::VARCHAR,
    &rows::DATE,
    &rows::TIME,
    &rows::TIMESTAMP,
    &rows::TIMESTAMPTZ,
    &rows::INTERVAL,
    &rows::NUMERIC,
    &rows::REGCLASS,
    &rows::REGTYPE,
    &rows::VOID,
    &rows::UUID,
    &rows::JSONB,
    &rows::REGNAMESPACE,
    &rows::REGROLE,
];

impl BuiltinType {
    /// `typtype`: `p` for the pseudo-types (`unknown`, `void`), `b` for base types.
    pub fn typtype(&self) -> char {
        match self.category {
            TypeCategory::Unknown | TypeCategory::Pseudo => 'p',
            _ => 'b',
        }
    }
}

/// The row of a type that is not an array; `None` for arrays.
pub(super) fn facts(ty: &DataType) -> Option<&'static BuiltinType> {
    Some(match ty {
        T::Bool => &rows::BOOL,
        T::Int2 => &rows::INT2,
        T::Int4 => &rows::INT4,
        T::Int8 => &rows::INT8,
        T::Float4 => &rows::FLOAT4,
        T::Float8 => &rows::FLOAT8,
        T::Numeric { .. } => &rows::NUMERIC,
        T::Text => &rows::TEXT,
        T::Varchar(_) => &rows::VARCHAR,
        T::Char(_) => &rows::BPCHAR,
        T::Bytea => &rows::BYTEA,
        T::Json => &rows::JSON,
        T::Jsonb => &rows::JSONB,
        T::Uuid => &rows::UUID,
        T::Date => &rows::DATE,
        T::Time => &rows::TIME,
        T::Timestamp => &rows::TIMESTAMP,
        T::Timestamptz => &rows::TIMESTAMPTZ,
        T::Interval => &rows::INTERVAL,
        T::Oid => &rows::OID,
        T::Name => &rows::NAME,
        T::CharByte => &rows::CHAR_BYTE,
        T::Reg(RegKind::Class) => &rows::REGCLASS,
        T::Reg(RegKind::Type) => &rows::REGTYPE,
        T::Reg(RegKind::Proc) => &rows::REGPROC,
        T::Reg(RegKind::Namespace) => &rows::REGNAMESPACE,
        T::Reg(RegKind::Role) => &rows::REGROLE,
        T::Unknown => &rows::UNKNOWN,
        T::Void => &rows::VOID,
        T::Array(_) | T::Enum(_) | T::Domain(_) => return None,
    })
}

/// The row with type OID `oid`.
pub fn by_oid(oid: u32) -> Option<&'static BuiltinType> {
    BUILTIN_TYPES.iter().copied().find(|t| t.oid == oid)
}

/// The row whose array type has OID `oid`.
pub fn by_array_oid(oid: u32) -> Option<&'static BuiltinType> {
    if oid == 0 {
        return None;
    }
    BUILTIN_TYPES.iter().copied().find(|t| t.array == oid)
}

impl DataType {
    /// The built-in type row of a type that is not an array (its element's for an array).
    fn row(&self) -> &'static BuiltinType {
        match self {
            T::Array(e) => e.row(),
            t => facts(t).unwrap_or(&rows::UNKNOWN),
        }
    }

    /// The name `format_type` prints for a type that is not an array, without modifier.
    pub(super) fn row_sql_name(&self) -> &'static str {
        self.row().sql_name
    }

    /// The PostgreSQL type OID.
    pub fn oid(&self) -> u32 {
        match self {
            T::Enum(e) => e.oid,
            T::Domain(d) => d.oid,
            T::Array(e) if e.typarray() != 0 => e.typarray(),
            T::Array(e) => match e.row().array {
                0 => ANYARRAY_OID,
                a => a,
            },
            t => t.row().oid,
        }
    }

    /// `typname` (`_int4` for `integer[]`).
    pub fn typname(&self) -> std::borrow::Cow<'static, str> {
        match self {
            T::Array(e) => std::borrow::Cow::Owned(format!("_{}", e.typname())),
            T::Enum(e) => std::borrow::Cow::Owned(e.name.clone()),
            T::Domain(d) => std::borrow::Cow::Owned(d.name.clone()),
            t => std::borrow::Cow::Borrowed(t.row().name),
        }
    }

    /// `typlen`: the stored size in bytes, -1 for variable length, -2 for `unknown`.
    pub fn typlen(&self) -> i16 {
        match self {
            T::Array(_) => -1,
            T::Enum(_) => 4,
            T::Domain(d) => d.base.typlen(),
            t => t.row().len,
        }
    }

    /// `typbyval`.
    pub fn typbyval(&self) -> bool {
        match self {
            T::Domain(d) => d.base.typbyval(),
            T::Enum(_) => true,
            T::Array(_) => false,
            t => t.row().byval,
        }
    }

    /// `typalign`; an array is aligned as its element, at least to 4 bytes.
    pub fn typalign(&self) -> char {
        match self {
            T::Array(e) if e.typalign() == 'd' => 'd',
            T::Array(_) | T::Enum(_) => 'i',
            T::Domain(d) => d.base.typalign(),
            t => t.row().align,
        }
    }

    /// `typstorage`.
    pub fn typstorage(&self) -> char {
        match self {
            T::Array(_) => 'x',
            T::Enum(_) => 'p',
            T::Domain(d) => d.base.typstorage(),
            t => t.row().storage,
        }
    }

    /// `typtype`.
    pub fn typtype(&self) -> char {
        match self {
            T::Array(_) => 'b',
            T::Enum(_) => 'e',
            T::Domain(_) => 'd',
            t => t.row().typtype(),
        }
    }

    /// `typelem`: an array's element type OID (0 for types that are not subscriptable).
    pub fn typelem(&self) -> u32 {
        match self {
            T::Array(e) => e.oid(),
            T::Enum(_) | T::Domain(_) => 0,
            t => t.row().elem,
        }
    }

    /// `typarray`: the OID of this type's array type (0 for none, and for arrays).
    pub fn typarray(&self) -> u32 {
        match self {
            T::Array(_) => 0,
            T::Enum(e) => e.array_oid,
            T::Domain(d) => d.array_oid,
            t => t.row().array,
        }
    }

    /// `typcollation`, as which collation; an array's is its element's.
    pub fn collation(&self) -> Collation {
        match self {
            T::Array(e) => e.collation(),
            T::Enum(_) => Collation::None,
            T::Domain(d) => d.base.collation(),
            t => t.row().collation,
        }
    }

    /// PostgreSQL's `typcategory`.
    pub fn category(&self) -> TypeCategory {
        match self {
            T::Array(_) => TypeCategory::Array,
            T::Enum(_) => TypeCategory::Enum,
            T::Domain(d) => d.base.category(),
            t => t.row().category,
        }
    }

    /// PostgreSQL's `typispreferred`.
    pub fn is_preferred(&self) -> bool {
        !matches!(self, T::Array(_) | T::Enum(_) | T::Domain(_)) && self.row().preferred
    }

    /// The Quill type of a type OID with a typmod (`atttypmod`; -1 for none), for the built-in
    /// types and their arrays.
    pub fn from_oid(oid: u32, typmod: i32) -> Option<DataType> {
        let Some(row) = by_oid(oid) else {
            let elem = by_array_oid(oid)?;
            return Some(T::Array(Box::new(DataType::from_oid(elem.oid, typmod)?)));
        };
        let len = (typmod >= 4).then(|| (typmod - 4) as u32);
        Some(match &row.ty {
            T::Char(_) => T::Char(len),
            T::Varchar(_) => T::Varchar(len),
            T::Numeric { .. } => T::Numeric {
                precision: len.map(|l| l >> 16),
                scale: len.map(|l| l & 0xFFFF),
            },
            t => t.clone(),
        })
    }
}

impl RegKind {
    /// The alias type's `typname` (`regclass`, ...).
    pub fn type_name(self) -> &'static str {
        DataType::Reg(self).row().name
    }
}

impl TypeCategory {
    /// The `typcategory` letter.
    pub fn code(self) -> char {
        match self {
            TypeCategory::Array => 'A',
            TypeCategory::Boolean => 'B',
            TypeCategory::DateTime => 'D',
            TypeCategory::Numeric => 'N',
            TypeCategory::Pseudo => 'P',
            TypeCategory::String => 'S',
            TypeCategory::Timespan => 'T',
            TypeCategory::User => 'U',
            TypeCategory::Unknown => 'X',
            TypeCategory::Internal => 'Z',
            TypeCategory::Enum => 'E',
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_the_row_of_its_type() {
        for row in BUILTIN_TYPES {
            assert!(std::ptr::eq(facts(&row.ty).unwrap(), row), "{}", row.name);
            assert_eq!(row.ty, row.ty.base(), "{}", row.name);
            assert_eq!(DataType::from_oid(row.oid, -1), Some(row.ty.clone()));
            if row.array != 0 {
                let arr = DataType::Array(Box::new(row.ty.clone()));
                assert_eq!(arr.oid(), row.array);
                assert_eq!(DataType::from_oid(row.array, -1), Some(arr));
            }
        }
        let mut oids: Vec<u32> = BUILTIN_TYPES.iter().map(|t| t.oid).collect();
        oids.extend(BUILTIN_TYPES.iter().map(|t| t.array).filter(|a| *a != 0));
        let n = oids.len();
        oids.sort_unstable();
        oids.dedup();
        assert_eq!(oids.len(), n, "type OIDs are unique");
    }

    #[test]
    fn typmods_come_back_from_oids() {
        for t in [
            DataType::Varchar(Some(3)),
            DataType::Char(Some(7)),
            DataType::Numeric {
                precision: Some(10),
                scale: Some(2),
            },
            DataType::Array(Box::new(DataType::Varchar(Some(5)))),
        ] {
            assert_eq!(DataType::from_oid(t.oid(), t.typmod()), Some(t));
        }
        assert_eq!(DataType::from_oid(1, -1), None);
    }
}
