//! Parameters and results of every supported type through tokio-postgres: bound in binary
//! format (tokio-postgres' encoders, plus numeric and interval encoders written here from
//! PostgreSQL's binary layouts) and in text format, read back in binary and as text, and
//! compared with the text PostgreSQL 15 prints for the same values; then transactions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use std::error::Error;
use support::*;
use tokio_postgres::types::{to_sql_checked, Format, FromSql, IsNull, ToSql, Type};

type BoxError = Box<dyn Error + Sync + Send>;

/// A parameter sent in text format, whatever its type.
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

/// numeric in PostgreSQL's binary layout: base-10000 digits, weight, sign, scale.
#[derive(Debug, PartialEq)]
struct Numeric(String);

impl ToSql for Numeric {
    fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        let (negative, s) = match self.0.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, self.0.as_str()),
        };
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let int = int.trim_start_matches('0');
        // Pad to whole base-10000 groups on both sides of the point.
        let lead = (4 - int.len() % 4) % 4;
        let int_padded = format!("{}{int}", "0".repeat(lead));
        let frac_padded = format!("{frac}{}", "0".repeat((4 - frac.len() % 4) % 4));
        let mut digits: Vec<i16> = (int_padded + &frac_padded)
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap().parse().unwrap())
            .collect();
        let mut weight = (int.len() as i16 + 3) / 4 - 1;
        while digits.first() == Some(&0) {
            digits.remove(0);
            weight -= 1;
        }
        while digits.last() == Some(&0) {
            digits.pop();
        }
        out.extend_from_slice(&(digits.len() as i16).to_be_bytes());
        out.extend_from_slice(&weight.to_be_bytes());
        out.extend_from_slice(&(if negative { 0x4000u16 } else { 0 }).to_be_bytes());
        out.extend_from_slice(&(frac.len() as i16).to_be_bytes());
        for d in digits {
            out.extend_from_slice(&d.to_be_bytes());
        }
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
    to_sql_checked!();
}

impl<'a> FromSql<'a> for Numeric {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let field = |i: usize| i16::from_be_bytes([raw[i], raw[i + 1]]);
        let (n, weight, sign, scale) = (field(0) as usize, field(2), field(4), field(6));
        let digits: Vec<i16> = (0..n).map(|i| field(8 + 2 * i)).collect();
        let mut int = String::new();
        for w in 0..=weight.max(0) {
            let d = if w <= weight {
                digits.get(w as usize).copied().unwrap_or(0)
            } else {
                0
            };
            int.push_str(&format!("{d:04}"));
        }
        if weight < 0 {
            int = "0".into();
        }
        let int = int.trim_start_matches('0');
        let mut frac = String::new();
        for k in 1..=((scale as i32 + 3) / 4) {
            let idx = weight as i32 + k;
            let d = if idx >= 0 {
                digits.get(idx as usize).copied().unwrap_or(0)
            } else {
                0
            };
            frac.push_str(&format!("{d:04}"));
        }
        frac.truncate(scale as usize);
        let int = if int.is_empty() { "0" } else { int };
        let sign = if sign == 0x4000 { "-" } else { "" };
        Ok(Numeric(if scale > 0 {
            format!("{sign}{int}.{frac}")
        } else {
            format!("{sign}{int}")
        }))
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

/// interval in PostgreSQL's binary layout: microseconds, days, months.
#[derive(Debug, PartialEq)]
struct Interval {
    micros: i64,
    days: i32,
    months: i32,
}

impl ToSql for Interval {
    fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(&self.micros.to_be_bytes());
        out.extend_from_slice(&self.days.to_be_bytes());
        out.extend_from_slice(&self.months.to_be_bytes());
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }
    to_sql_checked!();
}

impl<'a> FromSql<'a> for Interval {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Interval {
            micros: i64::from_be_bytes(raw[0..8].try_into()?),
            days: i32::from_be_bytes(raw[8..12].try_into()?),
            months: i32::from_be_bytes(raw[12..16].try_into()?),
        })
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }
}

const COLUMNS: &str = "id int4, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, n numeric(12,3), \
     b bool, t text, v varchar(10), c char(5), by bytea, d date, tm time, ts timestamp, \
     tz timestamptz, iv interval";

/// What PostgreSQL 15 prints for the row (TimeZone UTC).
const EXPECTED: [&str; 16] = [
    "-12",
    "2147483647",
    "-9007199254740993",
    "1.5",
    "2.25",
    "-1234.500",
    "t",
    "héllo",
    "abc",
    "abc  ",
    "\\x00ff10",
    "2024-02-29",
    "13:45:30.5",
    "2024-02-29 13:45:30.5",
    "2024-02-29 13:45:30.5+00",
    "1 year 2 mons 3 days 04:05:06.5",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_in_binary_and_text() {
    tokio::time::timeout(LIMIT, async {
        let server = TestServer::start(|_, _| {}).await;
        let client = server.connect("postgres", None).await;
        client
            .batch_execute(&format!("CREATE TABLE typed ({COLUMNS})"))
            .await
            .unwrap();
        let insert = client
            .prepare("INSERT INTO typed VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)")
            .await
            .unwrap();
        let types: Vec<Type> = insert.params().to_vec();
        assert_eq!(
            types,
            [
                Type::INT4, Type::INT2, Type::INT4, Type::INT8, Type::FLOAT4, Type::FLOAT8,
                Type::NUMERIC, Type::BOOL, Type::TEXT, Type::VARCHAR, Type::BPCHAR, Type::BYTEA,
                Type::DATE, Type::TIME, Type::TIMESTAMP, Type::TIMESTAMPTZ, Type::INTERVAL
            ]
        );
        let date = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let time = NaiveTime::from_hms_milli_opt(13, 45, 30, 500).unwrap();
        let ts = NaiveDateTime::new(date, time);
        let tz: DateTime<Utc> = DateTime::from_naive_utc_and_offset(ts, Utc);
        let iv = Interval {
            micros: ((4 * 60 + 5) * 60 + 6) * 1_000_000 + 500_000,
            days: 3,
            months: 14,
        };
        let numeric = Numeric("-1234.500".into());
        let bytes: Vec<u8> = vec![0, 255, 16];
        let binary: [&(dyn ToSql + Sync); 17] = [
            &1i32, &-12i16, &i32::MAX, &-9_007_199_254_740_993i64, &1.5f32, &2.25f64, &numeric,
            &true, &"héllo", &"abc", &"abc", &bytes, &date, &time, &ts, &tz, &iv,
        ];
        assert_eq!(client.execute(&insert, &binary).await.unwrap(), 1);
        let text: [&(dyn ToSql + Sync); 17] = [
            &Txt("2"), &Txt("-12"), &Txt("2147483647"), &Txt("-9007199254740993"), &Txt("1.5"),
            &Txt("2.25"), &Txt("-1234.5"), &Txt("true"), &Txt("héllo"), &Txt("abc"), &Txt("abc"),
            &Txt("\\x00ff10"), &Txt("2024-02-29"), &Txt("13:45:30.5"),
            &Txt("2024-02-29 13:45:30.5"), &Txt("2024-02-29 13:45:30.5+00"),
            &Txt("1 year 2 mons 3 days 04:05:06.5"),
        ];
        assert_eq!(client.execute(&insert, &text).await.unwrap(), 1);

        // Both rows print as PostgreSQL prints the values (text results).
        let msgs = client
            .simple_query("SELECT * FROM typed ORDER BY id")
            .await
            .unwrap();
        let rows: Vec<Vec<String>> = msgs
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => {
                    Some((1..17).map(|i| r.get(i).unwrap_or("NULL").to_owned()).collect())
                }
                _ => None,
            })
            .collect();
        assert_eq!(rows.len(), 2);
        for row in &rows {
            assert_eq!(row, &EXPECTED);
        }

        // Binary results decode to the values bound.
        let select = client
            .prepare("SELECT * FROM typed WHERE id = $1 AND i2 = $2 AND d = $3")
            .await
            .unwrap();
        for id in [1i32, 2] {
            let r = client.query_one(&select, &[&id, &-12i16, &date]).await.unwrap();
            assert_eq!(r.get::<_, i16>(1), -12);
            assert_eq!(r.get::<_, i32>(2), i32::MAX);
            assert_eq!(r.get::<_, i64>(3), -9_007_199_254_740_993);
            assert_eq!(r.get::<_, f32>(4), 1.5);
            assert_eq!(r.get::<_, f64>(5), 2.25);
            assert_eq!(r.get::<_, Numeric>(6), numeric);
            assert!(r.get::<_, bool>(7));
            assert_eq!(r.get::<_, String>(8), "héllo");
            assert_eq!(r.get::<_, String>(9), "abc");
            assert_eq!(r.get::<_, String>(10), "abc  ");
            assert_eq!(r.get::<_, Vec<u8>>(11), bytes);
            assert_eq!(r.get::<_, NaiveDate>(12), date);
            assert_eq!(r.get::<_, NaiveTime>(13), time);
            assert_eq!(r.get::<_, NaiveDateTime>(14), ts);
            assert_eq!(r.get::<_, DateTime<Utc>>(15), tz);
            assert_eq!(r.get::<_, Interval>(16), iv);
        }
        // NULLs.
        client
            .execute(
                "INSERT INTO typed (id, n, iv, tz) VALUES ($1, $2, $3, $4)",
                &[&3i32, &None::<Numeric>, &None::<Interval>, &None::<DateTime<Utc>>],
            )
            .await
            .unwrap();
        let r = client
            .query_one("SELECT n, iv, tz FROM typed WHERE id = 3", &[])
            .await
            .unwrap();
        assert_eq!(r.get::<_, Option<Numeric>>(0), None);
        assert_eq!(r.get::<_, Option<Interval>>(1), None);
        assert_eq!(r.get::<_, Option<DateTime<Utc>>>(2), None);
        drop(client);
        server.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_and_their_sqlstates() {
    tokio::time::timeout(LIMIT, async {
        let server = TestServer::start(|_, _| {}).await;
        let mut client = server.connect("postgres", None).await;
        client
            .batch_execute("CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL)")
            .await
            .unwrap();
        let tx = client.transaction().await.unwrap();
        tx.execute("INSERT INTO acct VALUES ($1, $2)", &[&1i32, &100i32])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let tx = client.transaction().await.unwrap();
        let update = tx
            .prepare_typed("UPDATE acct SET balance = balance - $1", &[Type::INT4])
            .await
            .unwrap();
        tx.execute(&update, &[&30i32]).await.unwrap();
        tx.rollback().await.unwrap();
        let row = client
            .query_one("SELECT balance FROM acct", &[])
            .await
            .unwrap();
        assert_eq!(row.get::<_, i32>(0), 100);
        // Errors inside a block: the block fails (25P02) until ROLLBACK.
        client.batch_execute("BEGIN").await.unwrap();
        let e = client
            .execute("INSERT INTO acct VALUES ($1, $2)", &[&1i32, &5i32])
            .await
            .unwrap_err();
        assert_eq!(code(&e), "23505");
        let e = client.query("SELECT 1", &[]).await.unwrap_err();
        assert_eq!(code(&e), "25P02");
        client.batch_execute("ROLLBACK").await.unwrap();
        for (sql, want) in [
            ("INSERT INTO acct VALUES (2, NULL)", "23502"),
            ("SELECT 1/0", "22012"),
            ("SELECT 'abc'::int", "22P02"),
            ("SELECT nope FROM acct", "42703"),
            ("SELECT * FROM nope", "42P01"),
            ("SELEC 1", "42601"),
            ("CREATE ROLE postgres", "42710"),
            ("DROP ROLE nobody", "42704"),
        ] {
            let e = client.batch_execute(sql).await.unwrap_err();
            assert_eq!(code(&e), want, "{sql}");
        }
        drop(client);
        server.stop().await;
    })
    .await
    .expect("in time");
}

/// Arrays: bound as parameters in binary (tokio-postgres' array encoder) and text, with the
/// parameter type inferred from `= ANY($1)` and from the column, read back in binary into
/// vectors (NULL elements included) and as PostgreSQL's text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arrays_in_binary_and_text() {
    tokio::time::timeout(LIMIT, async {
        let server = TestServer::start(|_, _| {}).await;
        let client = server.connect("postgres", None).await;
        client
            .batch_execute("CREATE TABLE arr (id int PRIMARY KEY, ints int[], words text[], big int8[], flags bool[])")
            .await
            .unwrap();
        let insert = client
            .prepare("INSERT INTO arr VALUES ($1, $2, $3, $4, $5)")
            .await
            .unwrap();
        assert_eq!(
            insert.params(),
            [Type::INT4, Type::INT4_ARRAY, Type::TEXT_ARRAY, Type::INT8_ARRAY, Type::BOOL_ARRAY]
        );
        let words: Vec<Option<String>> = vec![Some("a b".into()), None, Some("c,\"d\"".into())];
        client
            .execute(
                &insert,
                &[&1i32, &vec![1i32, -2, 3], &words, &vec![i64::MAX], &vec![true, false]],
            )
            .await
            .unwrap();
        client
            .execute(
                &insert,
                &[&Txt("2"), &Txt("{}"), &Txt("{x,NULL}"), &Txt("{{1,2},{3,4}}"), &Txt("{t}")],
            )
            .await
            .unwrap();
        let rows = client
            .query("SELECT ints, words, flags FROM arr WHERE id = 1", &[])
            .await
            .unwrap();
        assert_eq!(rows[0].get::<_, Vec<i32>>(0), vec![1, -2, 3]);
        assert_eq!(rows[0].get::<_, Vec<Option<String>>>(1), words);
        assert_eq!(rows[0].get::<_, Vec<bool>>(2), vec![true, false]);
        let find = client
            .prepare("SELECT id FROM arr WHERE $1 = ANY (words) ORDER BY id")
            .await
            .unwrap();
        assert_eq!(find.params(), [Type::TEXT]);
        let ids: Vec<i32> = client
            .query(&find, &[&"x"])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(ids, vec![2]);
        let any = client
            .prepare("SELECT count(*) FROM arr WHERE id = ANY ($1)")
            .await
            .unwrap();
        assert_eq!(any.params(), [Type::INT4_ARRAY]);
        let n: i64 = client.query_one(&any, &[&vec![1i32, 2, 9]]).await.unwrap().get(0);
        assert_eq!(n, 2);
        let text: Vec<String> = client
            .simple_query("SELECT words::text || ' ' || big::text FROM arr ORDER BY id")
            .await
            .unwrap()
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
                _ => None,
            })
            .collect();
        assert_eq!(
            text,
            vec![
                r#"{"a b",NULL,"c,\"d\""} {9223372036854775807}"#.to_string(),
                "{x,NULL} {{1,2},{3,4}}".to_string()
            ]
        );
        // A malformed literal is 22P02; an element of the wrong binary type is refused.
        let e = client
            .execute(&insert, &[&Txt("3"), &Txt("{1,"), &Txt("{}"), &Txt("{}"), &Txt("{}")])
            .await
            .unwrap_err();
        assert_eq!(code(&e), "22P02");
        drop(client);
        server.stop().await;
    })
    .await
    .expect("in time");
}
