//! uuid and enum values over the wire through tokio-postgres: parameters described with
//! their type OIDs (uuid 2950; an enum type's own OID, which tokio-postgres looks up in
//! pg_type and pg_enum), bound in binary (uuid: 16 bytes; enum: the label's text) and in text
//! format, results read back in binary and as text, and the errors for a uuid of the wrong
//! length (22P03) and a label the type does not have (22P02).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use std::error::Error;
use support::*;
use tokio_postgres::types::{to_sql_checked, FromSql, IsNull, Kind, ToSql, Type};

type BoxError = Box<dyn Error + Sync + Send>;

/// A value as its binary wire bytes, sent and received as they are.
#[derive(Debug, PartialEq)]
struct Raw(Vec<u8>);

impl ToSql for Raw {
    fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(&self.0);
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::UUID || matches!(ty.kind(), Kind::Enum(_))
    }
    to_sql_checked!();
}

impl<'a> FromSql<'a> for Raw {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Raw(raw.to_vec()))
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::UUID || matches!(ty.kind(), Kind::Enum(_))
    }
}

const UUID_TEXT: &str = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
const UUID_BYTES: [u8; 16] = [
    0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uuid_and_enum_in_binary_and_text() {
    tokio::time::timeout(LIMIT, async {
        let server = TestServer::start(|_, _| {}).await;
        let client = server.connect("postgres", None).await;
        client
            .batch_execute(
                "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'); \
                 CREATE TABLE t (id int4, u uuid, m mood)",
            )
            .await
            .unwrap();
        let insert = client
            .prepare("INSERT INTO t VALUES ($1, $2, $3)")
            .await
            .unwrap();
        assert_eq!(insert.params()[1], Type::UUID);
        let mood = insert.params()[2].clone();
        assert_eq!(mood.name(), "mood");
        assert_eq!(
            mood.kind(),
            &Kind::Enum(vec!["sad".into(), "ok".into(), "happy".into()])
        );
        let row: [&(dyn ToSql + Sync); 3] =
            [&1i32, &Raw(UUID_BYTES.to_vec()), &Raw(b"happy".to_vec())];
        assert_eq!(client.execute(&insert, &row).await.unwrap(), 1);

        // Binary results: the 16 bytes and the label; the columns carry the types' OIDs.
        let select = client
            .prepare("SELECT u, m FROM t WHERE id = $1")
            .await
            .unwrap();
        assert_eq!(select.columns()[0].type_(), &Type::UUID);
        assert_eq!(select.columns()[1].type_().oid(), mood.oid());
        let r = client.query_one(&select, &[&1i32]).await.unwrap();
        assert_eq!(r.get::<_, Raw>(0), Raw(UUID_BYTES.to_vec()));
        assert_eq!(r.get::<_, Raw>(1), Raw(b"happy".to_vec()));

        // Text: simple query, and a row inserted from text literals reads back equal.
        client
            .batch_execute(&format!(
                "INSERT INTO t VALUES (2, '{{{}}}', 'ok')",
                UUID_TEXT.to_uppercase()
            ))
            .await
            .unwrap();
        let msgs = client
            .simple_query("SELECT u, m, m < 'happy' FROM t ORDER BY id")
            .await
            .unwrap();
        let rows: Vec<Vec<String>> = msgs
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => Some(
                    (0..3)
                        .map(|i| r.get(i).unwrap_or("NULL").to_owned())
                        .collect(),
                ),
                _ => None,
            })
            .collect();
        assert_eq!(
            rows,
            [[UUID_TEXT, "happy", "f"], [UUID_TEXT, "ok", "t"]].map(|r| r.map(String::from))
        );
        let r = client.query_one(&select, &[&2i32]).await.unwrap();
        assert_eq!(r.get::<_, Raw>(0), Raw(UUID_BYTES.to_vec()));
        assert_eq!(r.get::<_, Raw>(1), Raw(b"ok".to_vec()));

        // A uuid parameter compared with the stored ones; an enum parameter in order.
        let n = client
            .query_one(
                "SELECT count(*) FROM t WHERE u = $1 AND m >= $2",
                &[&Raw(UUID_BYTES.to_vec()), &Raw(b"ok".to_vec())],
            )
            .await
            .unwrap();
        assert_eq!(n.get::<_, i64>(0), 2);

        // gen_random_uuid() in binary is 16 bytes of version 4.
        let r = client
            .query_one("SELECT gen_random_uuid()", &[])
            .await
            .unwrap();
        let g = r.get::<_, Raw>(0).0;
        assert_eq!(g.len(), 16);
        assert_eq!(g[6] >> 4, 4);

        // Errors: a uuid of 15 bytes, a label the type does not have.
        let err = client
            .execute(&insert, &[&3i32, &Raw(vec![0; 15]), &None::<Raw>])
            .await
            .unwrap_err();
        assert_eq!(err.code().unwrap().code(), "22P03");
        let err = client
            .execute(&insert, &[&3i32, &None::<Raw>, &Raw(b"angry".to_vec())])
            .await
            .unwrap_err();
        assert_eq!(err.code().unwrap().code(), "22P02");
        drop(client);
        server.stop().await;
    })
    .await
    .expect("in time");
}
