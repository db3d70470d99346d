//! Every type `pg_type` lists agrees with what the wire codec does with it: the OID a client
//! declares maps back to the type, RowDescription carries the row's OID and `typlen`, a
//! fixed-length value's binary form is `typlen` bytes, an array's binary header names
//! `typelem`, and binary values decode to what they encode from.

use crate::codec::{datatype_for_oid, decode_param, encode_row, Format};
use crate::conn::field_descriptions;
use engine::{Column, DataType, Database, Value};

/// A value's text for a type named by `typname` (element types of arrays included).
fn sample(typname: &str) -> Option<&'static str> {
    Some(match typname {
        "bool" => "t",
        "bytea" => "\\x0102",
        "char" => "c",
        "name" => "a_name",
        "int8" => "-9000000000",
        "int2" => "-2",
        "int4" => "40000",
        "regproc" | "regclass" | "regtype" | "regnamespace" | "regrole" | "oid" => "4000000000",
        "text" => "some text",
        "float4" => "1.5",
        "float8" => "-2.25",
        "unknown" => "u",
        "bpchar" => "b  ",
        "varchar" => "v",
        "date" => "2024-02-29",
        "time" => "12:34:56.789",
        "timestamp" => "2024-02-29 12:34:56.789",
        "timestamptz" => "2024-02-29 12:34:56.789+00",
        "interval" => "1 year 2 mons 3 days 04:05:06.5",
        "numeric" => "-12345.6789",
        "void" => "",
        "json" => "[1,  2.50, true]",
        "jsonb" => "[1, 2.50, null]",
        "uuid" => "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        _ => return None,
    })
}

/// The payload of a one-column DataRow.
fn payload(row: &pgwire::messages::data::DataRow) -> Vec<u8> {
    let data = &row.data[..];
    let len = i32::from_be_bytes([data[0], data[1], data[2], data[3]]);
    assert!(len >= 0, "a non-NULL value");
    data[4..].to_vec()
}

#[test]
fn pg_type_agrees_with_the_codec_for_every_type() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    let rows = s
        .query(
            "SELECT oid::int8, typname::text, typlen, typbyval, typelem::int8, typtype::text \
             FROM pg_type ORDER BY oid",
            &[],
        )
        .unwrap();
    assert!(rows.rows.len() > 40, "pg_type lists the built-in types");
    for i in 0..rows.rows.len() {
        let oid = rows.get::<i64>(i, 0).unwrap() as u32;
        let typname = rows.get::<String>(i, 1).unwrap();
        let typlen = rows.get::<i16>(i, 2).unwrap();
        let byval = rows.get::<bool>(i, 3).unwrap();
        let typelem = rows.get::<i64>(i, 4).unwrap() as u32;
        let typtype = rows.get::<String>(i, 5).unwrap();

        // A client declaring this OID for a parameter gets this type.
        let ty = datatype_for_oid(oid).unwrap_or_else(|| panic!("{typname}: OID {oid}"));
        assert_eq!(ty.oid(), oid, "{typname}");
        assert_eq!(ty.typname(), typname, "{typname}");

        // RowDescription describes a column of it with pg_type's OID and typlen.
        let column = Column {
            name: "c".into(),
            ty: ty.clone(),
        };
        let fields = field_descriptions(std::slice::from_ref(&column), &[Format::Binary]);
        assert_eq!(fields[0].type_id, oid, "{typname}");
        assert_eq!(fields[0].type_size, typlen, "{typname}");

        // A value's binary form: typlen bytes for the fixed-length base types (`name` is sent
        // as its text; the pseudo-type `void` as nothing), typelem as an array's element type, and what decodes from it
        // encodes to the same bytes.
        let text = match &ty {
            DataType::Array(_) => {
                let elem = typname.trim_start_matches('_');
                let v = sample(elem).unwrap_or_else(|| panic!("a sample of {elem}"));
                format!("{{\"{v}\",NULL}}")
            }
            _ => sample(&typname)
                .unwrap_or_else(|| panic!("a sample of {typname}"))
                .to_string(),
        };
        let value = Value::parse(&text, &ty).unwrap_or_else(|e| panic!("{typname}: {e}"));
        let bytes = payload(&encode_row(std::slice::from_ref(&value), &[Format::Binary]));
        if typtype == "b" && typlen > 0 && typname != "name" {
            assert_eq!(bytes.len(), typlen as usize, "{typname}");
        }
        if typtype == "b" {
            assert_eq!(byval, (1..=8).contains(&typlen), "{typname}: typbyval");
        }
        if let DataType::Array(_) = &ty {
            let elem = u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            assert_eq!(elem, typelem, "{typname}");
        }
        let decoded = decode_param(Some(&bytes), Format::Binary, &ty, 1)
            .unwrap_or_else(|e| panic!("{typname}: {e:?}"));
        let again = payload(&encode_row(&[decoded], &[Format::Binary]));
        assert_eq!(again, bytes, "{typname}");
    }
}
