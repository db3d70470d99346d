//! json and jsonb over the wire through tokio-postgres: parameters described as json (114)
//! and jsonb (3802), bound in binary (json: the text; jsonb: version byte 1 and the text)
//! and in text format, results read back in binary (the same layouts, jsonb normalised) and
//! as text, and the errors for a bad jsonb version byte (22P03) and bad JSON (22P02).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use std::error::Error;
use support::*;
use tokio_postgres::types::{to_sql_checked, Format, FromSql, IsNull, ToSql, Type};

type BoxError = Box<dyn Error + Sync + Send>;

/// A json or jsonb value as its binary wire bytes, sent and received as they are.
#[derive(Debug, PartialEq)]
struct Raw(Vec<u8>);

impl ToSql for Raw {
    fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(&self.0);
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSON || *ty == Type::JSONB
    }
    to_sql_checked!();
}

impl<'a> FromSql<'a> for Raw {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Raw(raw.to_vec()))
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSON || *ty == Type::JSONB
    }
}

/// A parameter sent in text format.
#[derive(Debug)]
struct Txt(&'static str);

impl ToSql for Txt {
    fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    fn encode_format(&self, _: &Type) -> Format {
        Format::Text
    }
    to_sql_checked!();
}

fn jsonb_bytes(text: &str) -> Raw {
    let mut b = vec![1u8];
    b.extend_from_slice(text.as_bytes());
    Raw(b)
}

const JSON_IN: &str = r#"{"b": 1,  "a" : [1, 2.50], "b": "é"}"#;
/// What PostgreSQL 15 prints for JSON_IN as jsonb.
const JSONB_OUT: &str = r#"{"a": [1, 2.50], "b": "é"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_and_jsonb_in_binary_and_text() {
    tokio::time::timeout(LIMIT, async {
        let server = TestServer::start(|_, _| {}).await;
        let client = server.connect("postgres", None).await;
        client
            .batch_execute("CREATE TABLE docs (id int4, j json, jb jsonb)")
            .await
            .unwrap();
        let insert = client
            .prepare("INSERT INTO docs VALUES ($1, $2, $3)")
            .await
            .unwrap();
        assert_eq!(insert.params(), &[Type::INT4, Type::JSON, Type::JSONB]);
        let binary: [&(dyn ToSql + Sync); 3] = [
            &1i32,
            &Raw(JSON_IN.as_bytes().to_vec()),
            &jsonb_bytes(JSON_IN),
        ];
        assert_eq!(client.execute(&insert, &binary).await.unwrap(), 1);
        let text: [&(dyn ToSql + Sync); 3] = [&2i32, &Txt(JSON_IN), &Txt(JSON_IN)];
        assert_eq!(client.execute(&insert, &text).await.unwrap(), 1);

        // Binary results: json keeps its text, jsonb comes back normalised after version 1.
        let select = client
            .prepare("SELECT j, jb FROM docs WHERE id = $1")
            .await
            .unwrap();
        assert_eq!(select.columns()[0].type_(), &Type::JSON);
        assert_eq!(select.columns()[1].type_(), &Type::JSONB);
        for id in [1i32, 2] {
            let r = client.query_one(&select, &[&id]).await.unwrap();
            assert_eq!(r.get::<_, Raw>(0), Raw(JSON_IN.as_bytes().to_vec()));
            assert_eq!(r.get::<_, Raw>(1), jsonb_bytes(JSONB_OUT));
        }

        // Text results.
        let msgs = client
            .simple_query("SELECT j, jb, jb -> 'a' -> 1, jb ->> 'b' FROM docs ORDER BY id")
            .await
            .unwrap();
        let rows: Vec<Vec<String>> = msgs
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => Some(
                    (0..4)
                        .map(|i| r.get(i).unwrap_or("NULL").to_owned())
                        .collect(),
                ),
                _ => None,
            })
            .collect();
        assert_eq!(rows.len(), 2);
        for row in &rows {
            assert_eq!(row, &[JSON_IN, JSONB_OUT, "2.50", "é"]);
        }

        // A jsonb parameter compared with a stored value, and NULLs.
        let found = client
            .query_one(
                "SELECT count(*) FROM docs WHERE jb = $1",
                &[&jsonb_bytes(r#"{"b":"é","a":[1,2.5]}"#)],
            )
            .await
            .unwrap();
        assert_eq!(found.get::<_, i64>(0), 2);
        client
            .execute(&insert, &[&3i32, &None::<Raw>, &None::<Raw>])
            .await
            .unwrap();
        let r = client.query_one(&select, &[&3i32]).await.unwrap();
        assert_eq!(r.get::<_, Option<Raw>>(0), None);
        assert_eq!(r.get::<_, Option<Raw>>(1), None);

        // A jsonb version other than 1, and text that is not JSON.
        let err = client
            .execute(&insert, &[&4i32, &None::<Raw>, &Raw(b"\x02{}".to_vec())])
            .await
            .unwrap_err();
        assert_eq!(err.code().unwrap().code(), "22P03");
        let err = client
            .execute(&insert, &[&4i32, &Raw(b"{\"a\":".to_vec()), &None::<Raw>])
            .await
            .unwrap_err();
        assert_eq!(err.code().unwrap().code(), "22P02");
        let err = client
            .execute(&insert, &[&4i32, &None::<Raw>, &jsonb_bytes("[1,]")])
            .await
            .unwrap_err();
        assert_eq!(err.code().unwrap().code(), "22P02");
        drop(client);
        server.stop().await;
    })
    .await
    .expect("in time");
}
