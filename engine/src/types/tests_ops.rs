//! Hand-written tests of the type API: type metadata and SQL spellings, assignment casts and
//! length rules, cast contexts, common-type errors, unary minus, boolean operator typing and
//! the row codec's layout. Expected values were checked against PostgreSQL 15.

use super::ops::{eval_binary, eval_negate, resolve_binary, resolve_negate, BinaryOp};
use super::row::{decode_row, encode_row};
use super::tests_io::{literal, ty};
use super::{can_cast, common_type, common_type_for, CastKind, DataType, TypeCategory, Value};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

fn sql_type(s: &str) -> Result<DataType, String> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect)
        .try_with_sql(s)
        .map_err(|e| e.to_string())?;
    let t = parser.parse_data_type().map_err(|e| e.to_string())?;
    DataType::from_sql(&t).map_err(|e| format!("{}: {e}", e.sqlstate()))
}

#[test]
fn type_metadata_matches_pg_catalog() {
    // (type, oid, atttypmod, format_type)
    let cases: &[(&str, u32, i32, &str)] = &[
        ("bool", 16, -1, "boolean"),
        ("int2", 21, -1, "smallint"),
        ("int4", 23, -1, "integer"),
        ("int8", 20, -1, "bigint"),
        ("float4", 700, -1, "real"),
        ("float8", 701, -1, "double precision"),
        ("numeric", 1700, -1, "numeric"),
        ("numeric(5,2)", 1700, 327686, "numeric(5,2)"),
        ("numeric(10)", 1700, 655364, "numeric(10,0)"),
        ("text", 25, -1, "text"),
        ("varchar", 1043, -1, "character varying"),
        ("varchar(3)", 1043, 7, "character varying(3)"),
        ("char(3)", 1042, 7, "character(3)"),
        ("bpchar", 1042, -1, "bpchar"),
        ("bytea", 17, -1, "bytea"),
        ("date", 1082, -1, "date"),
        ("time", 1083, -1, "time without time zone"),
        ("timestamp", 1114, -1, "timestamp without time zone"),
        ("timestamptz", 1184, -1, "timestamp with time zone"),
        ("interval", 1186, -1, "interval"),
        ("unknown", 705, -1, "unknown"),
    ];
    for (name, oid, typmod, display) in cases {
        let t = ty(name);
        assert_eq!(t.oid(), *oid, "{name}");
        assert_eq!(t.typmod(), *typmod, "{name}");
        assert_eq!(t.display_name(), *display, "{name}");
    }
    assert_eq!(ty("bpchar").base_name(), "character");
    assert_eq!(ty("varchar(3)").category(), TypeCategory::String);
    assert_eq!(ty("interval").category(), TypeCategory::Timespan);
    assert_eq!(ty("bytea").category(), TypeCategory::User);
}

#[test]
fn sql_spellings_map_to_types() {
    let cases: &[(&str, &str)] = &[
        ("int", "int4"),
        ("integer", "int4"),
        ("int4", "int4"),
        ("smallint", "int2"),
        ("int2", "int2"),
        ("bigint", "int8"),
        ("int8", "int8"),
        ("real", "float4"),
        ("float4", "float4"),
        ("float", "float8"),
        ("float(24)", "float4"),
        ("float(25)", "float8"),
        ("float(53)", "float8"),
        ("double precision", "float8"),
        ("float8", "float8"),
        ("decimal", "numeric"),
        ("numeric", "numeric"),
        ("numeric(10,2)", "numeric(10,2)"),
        ("decimal(5)", "numeric(5,0)"),
        ("boolean", "bool"),
        ("bool", "bool"),
        ("text", "text"),
        ("varchar(10)", "varchar(10)"),
        ("character varying(10)", "varchar(10)"),
        ("character varying", "varchar"),
        ("varchar", "varchar"),
        ("char(3)", "char(3)"),
        ("character(3)", "char(3)"),
        ("char", "char(1)"),
        ("character", "char(1)"),
        ("bpchar", "bpchar"),
        ("bytea", "bytea"),
        ("date", "date"),
        ("time", "time"),
        ("time without time zone", "time"),
        ("timestamp", "timestamp"),
        ("timestamp without time zone", "timestamp"),
        ("timestamp with time zone", "timestamptz"),
        ("timestamptz", "timestamptz"),
        ("interval", "interval"),
    ];
    for (sql, want) in cases {
        assert_eq!(sql_type(sql), Ok(ty(want)), "{sql}");
    }
    // Errors as PostgreSQL reports them.
    let errors: &[(&str, &str)] = &[
        (
            "float(0)",
            "22023: precision for type float must be at least 1 bit",
        ),
        (
            "float(54)",
            "22023: precision for type float must be less than 54 bits",
        ),
        (
            "numeric(1001,2)",
            "22023: NUMERIC precision 1001 must be between 1 and 1000",
        ),
        (
            "numeric(0)",
            "22023: NUMERIC precision 0 must be between 1 and 1000",
        ),
        (
            "varchar(0)",
            "22023: length for type varchar must be at least 1",
        ),
        (
            "varchar(10485761)",
            "22023: length for type varchar cannot exceed 10485760",
        ),
        ("money", "42704: type \"money\" does not exist"),
    ];
    for (sql, want) in errors {
        assert_eq!(sql_type(sql).unwrap_err(), *want, "{sql}");
    }
}

fn assign(v: Value, from: &str, to: &str) -> Result<String, String> {
    v.cast_from(&ty(from), &ty(to), CastKind::Assignment)
        .map(|v| v.to_text().unwrap_or_default())
        .map_err(|e| format!("{}: {e}", e.sqlstate()))
}

#[test]
fn assignment_casts_follow_insert_semantics() {
    let text = |s: &str| Value::Text(s.into());
    let too_long_v3 = Err("22001: value too long for type character varying(3)".to_string());
    assert_eq!(assign(text("abcd"), "text", "varchar(3)"), too_long_v3);
    assert_eq!(
        assign(text("abc  "), "text", "varchar(3)"),
        Ok("abc".into())
    );
    assert_eq!(
        assign(Value::Int4(12345), "int4", "varchar(3)"),
        too_long_v3
    );
    assert_eq!(assign(Value::Bool(true), "bool", "varchar(3)"), too_long_v3);
    assert_eq!(
        assign(text("abcd"), "text", "char(3)"),
        Err("22001: value too long for type character(3)".into())
    );
    assert_eq!(assign(text("ab"), "text", "char(3)"), Ok("ab ".into()));
    assert_eq!(assign(Value::Float8(2.5), "float8", "int4"), Ok("2".into()));
    assert_eq!(
        assign(
            literal("1.005", &ty("numeric")).unwrap(),
            "numeric",
            "numeric(5,2)"
        ),
        Ok("1.01".into())
    );
    assert_eq!(
        assign(Value::Int4(70000), "int4", "int2"),
        Err("22003: smallint out of range".into())
    );
    // Explicit casts truncate instead.
    let v = text("abcdef")
        .cast(&ty("varchar(3)"), CastKind::Explicit)
        .unwrap();
    assert_eq!(v.to_text().unwrap(), "abc");
    // Input functions apply the length rule of an insert.
    assert_eq!(
        Value::parse("abcd", &ty("varchar(3)"))
            .unwrap_err()
            .sqlstate(),
        "22001"
    );
    assert_eq!(
        Value::parse("ab", &ty("char(3)"))
            .unwrap()
            .to_text()
            .unwrap(),
        "ab "
    );
    // Casts that exist in no context.
    let e = Value::Bool(true)
        .cast(&ty("date"), CastKind::Explicit)
        .unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.to_string().as_str()),
        ("42846", "cannot cast type boolean to date")
    );
    assert!(Value::Null
        .cast(&ty("date"), CastKind::Implicit)
        .unwrap()
        .is_null());
}

#[test]
fn cast_contexts_follow_pg_cast() {
    use CastKind::{Assignment as A, Explicit as E, Implicit as I};
    // (from, to, weakest context allowing it, or None)
    let cases: &[(&str, &str, Option<CastKind>)] = &[
        ("int4", "int8", Some(I)),
        ("int8", "int4", Some(A)),
        ("int4", "int2", Some(A)),
        ("int2", "numeric", Some(I)),
        ("numeric", "float8", Some(I)),
        ("float8", "numeric", Some(A)),
        ("float8", "int4", Some(A)),
        ("float4", "float8", Some(I)),
        ("float8", "float4", Some(A)),
        ("int8", "float4", Some(I)),
        ("int4", "bool", Some(E)),
        ("bool", "int4", Some(E)),
        ("int8", "bool", None),
        ("int4", "text", Some(A)),
        ("text", "int4", Some(E)),
        ("bool", "text", Some(A)),
        ("varchar", "text", Some(I)),
        ("char(3)", "varchar", Some(I)),
        ("text", "char(3)", Some(I)),
        ("varchar(10)", "varchar(5)", Some(I)),
        ("date", "timestamp", Some(I)),
        ("date", "timestamptz", Some(I)),
        ("timestamp", "date", Some(A)),
        ("timestamptz", "timestamp", Some(A)),
        ("timestamp", "timestamptz", Some(I)),
        ("time", "interval", Some(I)),
        ("interval", "time", Some(A)),
        ("date", "time", None),
        ("bool", "date", None),
        ("bytea", "text", Some(A)),
        ("text", "bytea", Some(E)),
        ("unknown", "date", Some(I)),
        ("numeric(5,2)", "numeric(3,1)", Some(I)),
    ];
    let rank = |k: CastKind| match k {
        I => 0,
        A => 1,
        E => 2,
    };
    for (from, to, weakest) in cases {
        for kind in [I, A, E] {
            let want = weakest.is_some_and(|w| rank(w) <= rank(kind));
            assert_eq!(
                can_cast(&ty(from), &ty(to), kind),
                want,
                "{from} -> {to} {kind:?}"
            );
        }
    }
}

#[test]
fn common_type_rules_and_errors() {
    let ct = |names: &[&str]| {
        let ts: Vec<DataType> = names.iter().map(|n| ty(n)).collect();
        common_type(&ts)
    };
    assert_eq!(ct(&["unknown", "unknown"]), Ok(DataType::Text));
    assert_eq!(ct(&["int4", "int8", "numeric"]), Ok(ty("numeric")));
    assert_eq!(ct(&["int4", "float8", "numeric"]), Ok(DataType::Float8));
    assert_eq!(ct(&["varchar(3)", "varchar(3)"]), Ok(ty("varchar(3)")));
    assert_eq!(ct(&["varchar(3)", "varchar(5)"]), Ok(ty("varchar")));
    // The first of two mutually implicitly castable types wins.
    assert_eq!(ct(&["varchar(3)", "text"]), Ok(ty("varchar")));
    assert_eq!(ct(&["text", "varchar(3)"]), Ok(DataType::Text));
    assert_eq!(ct(&["numeric(5,2)", "unknown"]), Ok(ty("numeric")));
    let e = ct(&["int4", "bool"]).unwrap_err();
    assert_eq!(e.sqlstate(), "42804");
    assert_eq!(
        e.to_string(),
        "UNION types integer and boolean cannot be matched"
    );
    let e = common_type_for("CASE", &[ty("text"), ty("int4")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "CASE types text and integer cannot be matched"
    );
    let e = ct(&["date", "time"]).unwrap_err();
    assert_eq!(e.sqlstate(), "42846");
    assert_eq!(
        e.to_string(),
        "UNION could not convert type time without time zone to date"
    );
}

#[test]
fn unary_minus_and_boolean_operators() {
    assert_eq!(eval_negate(&Value::Int4(5)).unwrap(), Value::Int4(-5));
    let e = eval_negate(&Value::Int2(i16::MIN)).unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.to_string()),
        ("22003", "smallint out of range".into())
    );
    assert_eq!(
        eval_negate(&Value::Float8(0.0)).unwrap().to_text().unwrap(),
        "-0"
    );
    assert!(eval_negate(&Value::Null).unwrap().is_null());
    let e = resolve_negate(&DataType::Bool).unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.to_string()),
        ("42883", "operator does not exist: - boolean".into())
    );
    let e = resolve_negate(&DataType::Unknown).unwrap_err();
    assert_eq!(
        (e.sqlstate(), e.to_string()),
        ("42725", "operator is not unique: - unknown".into())
    );
    assert_eq!(resolve_negate(&ty("numeric(5,2)")), Ok(ty("numeric")));
    let e = resolve_binary(BinaryOp::And, &DataType::Int4, &DataType::Bool).unwrap_err();
    assert_eq!(e.sqlstate(), "42804");
    assert_eq!(
        e.to_string(),
        "argument of AND must be type boolean, not type integer"
    );
    assert_eq!(
        resolve_binary(BinaryOp::Or, &DataType::Unknown, &DataType::Bool),
        Ok((DataType::Bool, DataType::Bool, DataType::Bool))
    );
    // Three-valued logic.
    let (t, f, n) = (Value::Bool(true), Value::Bool(false), Value::Null);
    let and = |a: &Value, b: &Value| eval_binary(BinaryOp::And, a, b).unwrap();
    let or = |a: &Value, b: &Value| eval_binary(BinaryOp::Or, a, b).unwrap();
    assert_eq!(and(&f, &n), f);
    assert!(and(&t, &n).is_null());
    assert_eq!(or(&t, &n), t);
    assert!(or(&f, &n).is_null());
    assert!(eval_binary(BinaryOp::Add, &Value::Int4(1), &n)
        .unwrap()
        .is_null());
    assert_eq!(Value::Int4(1).sql_cmp(&Value::Null), Ok(None));
}

#[test]
fn resolved_operand_types_keep_modifiers_and_name_polymorphic_sides() {
    // int2 + int4 uses the cross-type operator; no cast needed.
    assert_eq!(
        resolve_binary(BinaryOp::Add, &DataType::Int2, &DataType::Int4),
        Ok((DataType::Int2, DataType::Int4, DataType::Int4))
    );
    // numeric(5,2) operands keep their type; the result has no modifier.
    let n52 = ty("numeric(5,2)");
    assert_eq!(
        resolve_binary(BinaryOp::Mul, &n52, &DataType::Int4),
        Ok((n52.clone(), ty("numeric"), ty("numeric")))
    );
    // integer || unknown is anynonarray || text: the integer side keeps its type.
    assert_eq!(
        resolve_binary(BinaryOp::Concat, &DataType::Int4, &DataType::Unknown),
        Ok((DataType::Int4, DataType::Text, DataType::Text))
    );
    // varchar = bpchar resolves to bpchar = bpchar.
    assert_eq!(
        resolve_binary(BinaryOp::Eq, &ty("varchar"), &ty("char(3)")),
        Ok((ty("bpchar"), ty("char(3)"), DataType::Bool))
    );
}

#[test]
fn row_layout_is_compact_with_a_null_bitmap() {
    let row = [Value::Int4(7), Value::Null, Value::Text("hi".into())];
    let bytes = encode_row(&row);
    // count, bitmap (column 1 NULL), int4 LE, varint length, bytes
    assert_eq!(bytes, [3, 0b010, 7, 0, 0, 0, 2, b'h', b'i']);
    let types = [DataType::Int4, DataType::Bool, DataType::Text];
    assert_eq!(decode_row(&bytes, &types).unwrap(), row.to_vec());
    // Rows written before columns were added decode the new columns as NULL.
    let mut wider = types.to_vec();
    wider.push(DataType::Date);
    let decoded = decode_row(&bytes, &wider).unwrap();
    assert!(decoded[3].is_null());
    // Too few types, truncation and trailing garbage are errors.
    assert_eq!(
        decode_row(&bytes, &types[..2]).unwrap_err().sqlstate(),
        "XX001"
    );
    assert!(decode_row(&bytes[..bytes.len() - 1], &types).is_err());
    let mut extra = bytes.clone();
    extra.push(0);
    assert!(decode_row(&extra, &types).is_err());
    assert!(decode_row(&[], &types).is_err());
}
