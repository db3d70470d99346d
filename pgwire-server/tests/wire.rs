//! The server over the wire: an in-process `quill` on 127.0.0.1 (port 0) with a temporary
//! data directory, driven by tokio-postgres (simple and extended protocol, transactions,
//! SQLSTATEs, restarts), psql (when installed) and raw malformed input. Every test is bounded
//! in time and stops its server itself.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use std::future::Future;
use std::path::Path;
use std::time::{Duration, SystemTime};
use support::{TestServer, LIMIT};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;
use tokio_postgres::SimpleQueryMessage;

/// A parameter sent as the given bytes whatever its type (to send malformed values).
#[derive(Debug)]
struct RawBytes(&'static [u8]);

impl tokio_postgres::types::ToSql for RawBytes {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(self.0);
        Ok(tokio_postgres::types::IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// Runs a test body against a fresh server and data directory, bounded in time.
async fn with_server<F, Fut>(body: F)
where
    F: FnOnce(TestServer, std::path::PathBuf) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_at(&data).await;
    tokio::time::timeout(LIMIT, body(server, data))
        .await
        .expect("test finished in time");
}

fn code(e: &tokio_postgres::Error) -> String {
    e.code()
        .map(|c| c.code().to_owned())
        .unwrap_or_else(|| format!("no SQLSTATE: {e}"))
}

fn rows_of(msgs: &[SimpleQueryMessage]) -> Vec<Vec<Option<String>>> {
    msgs.iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_owned)).collect())
            }
            _ => None,
        })
        .collect()
}

fn tags_of(msgs: &[SimpleQueryMessage]) -> Vec<u64> {
    msgs.iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::CommandComplete(n) => Some(*n),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_protocol_statements_and_results() {
    with_server(|server, _| async move {
        let c = server.connect("postgres", None).await;
        c.batch_execute(
            "CREATE TABLE t (id integer PRIMARY KEY, name text, amount numeric(10,2), ok boolean);
             INSERT INTO t VALUES (1, 'one', 1.5, true), (2, NULL, -2, false);",
        )
        .await
        .unwrap();
        let msgs = c
            .simple_query("SELECT id, name, amount, ok FROM t ORDER BY id; SELECT count(*) FROM t")
            .await
            .unwrap();
        assert_eq!(
            rows_of(&msgs),
            vec![
                vec![Some("1".into()), Some("one".into()), Some("1.50".into()), Some("t".into())],
                vec![Some("2".into()), None, Some("-2.00".into()), Some("f".into())],
                vec![Some("2".into())],
            ]
        );
        assert_eq!(tags_of(&msgs), vec![2, 1]);
        let msgs = c
            .simple_query("UPDATE t SET name = 'two' WHERE id = 2; DELETE FROM t WHERE id > 5")
            .await
            .unwrap();
        assert_eq!(tags_of(&msgs), vec![1, 0]);
        // An empty query and comments only.
        assert!(rows_of(&c.simple_query("").await.unwrap()).is_empty());
        assert!(rows_of(&c.simple_query(" ; -- nothing\n").await.unwrap()).is_empty());
        // An error skips the rest of the message; what ran before it stays.
        let e = c
            .batch_execute(
                "INSERT INTO t VALUES (10, 'x', 0, true); SELECT 1/0; INSERT INTO t VALUES (11, 'y', 0, true)",
            )
            .await
            .unwrap_err();
        assert_eq!(code(&e), "22012");
        let msgs = c.simple_query("SELECT id FROM t WHERE id >= 10").await.unwrap();
        assert_eq!(rows_of(&msgs), vec![vec![Some("10".into())]]);
        // A syntax error anywhere runs nothing; its position counts in the whole string.
        let e = c
            .batch_execute("INSERT INTO t VALUES (12, 'z', 0, true); SELEC 1")
            .await
            .unwrap_err();
        assert_eq!(code(&e), "42601");
        let pos = e.as_db_error().and_then(|d| d.position()).cloned();
        assert!(
            matches!(pos, Some(tokio_postgres::error::ErrorPosition::Original(42))),
            "{pos:?}"
        );
        let msgs = c.simple_query("SELECT id FROM t WHERE id = 12").await.unwrap();
        assert!(rows_of(&msgs).is_empty());
        // SET application_name is reported back; SHOW works over the simple protocol.
        c.batch_execute("SET application_name = 'renamed'").await.unwrap();
        let msgs = c.simple_query("SHOW application_name").await.unwrap();
        assert_eq!(rows_of(&msgs), vec![vec![Some("renamed".into())]]);
        drop(c);
        server.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_statements_with_parameters() {
    with_server(|server, _| async move {
        let c = server.connect("postgres", None).await;
        c.batch_execute(
            "CREATE TABLE p (id integer PRIMARY KEY, big bigint, name text, x double precision,
                             flag boolean, at timestamptz, small smallint)",
        )
        .await
        .unwrap();
        let insert = c
            .prepare("INSERT INTO p VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .await
            .unwrap();
        assert_eq!(
            insert.params(),
            &[
                Type::INT4,
                Type::INT8,
                Type::TEXT,
                Type::FLOAT8,
                Type::BOOL,
                Type::TIMESTAMPTZ,
                Type::INT2
            ]
        );
        assert!(insert.columns().is_empty());
        let at = SystemTime::UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456);
        for i in 0..3i32 {
            let n = c
                .execute(
                    &insert,
                    &[
                        &i,
                        &(i64::from(i) << 40),
                        &format!("name {i}"),
                        &(f64::from(i) / 4.0),
                        &(i % 2 == 0),
                        &at,
                        &(i as i16),
                    ],
                )
                .await
                .unwrap();
            assert_eq!(n, 1, "INSERT 0 1 gives one row affected");
        }
        let select = c
            .prepare("SELECT id, big, name, x, flag, at, small FROM p WHERE id >= $1 ORDER BY id")
            .await
            .unwrap();
        assert_eq!(select.params(), &[Type::INT4]);
        let types: Vec<Type> = select.columns().iter().map(|c| c.type_().clone()).collect();
        assert_eq!(
            types,
            vec![
                Type::INT4,
                Type::INT8,
                Type::TEXT,
                Type::FLOAT8,
                Type::BOOL,
                Type::TIMESTAMPTZ,
                Type::INT2
            ]
        );
        let rows = c.query(&select, &[&1i32]).await.unwrap();
        assert_eq!(rows.len(), 2);
        let r = &rows[1];
        assert_eq!(r.get::<_, i32>(0), 2);
        assert_eq!(r.get::<_, i64>(1), 2 << 40);
        assert_eq!(r.get::<_, String>(2), "name 2");
        assert_eq!(r.get::<_, f64>(3), 0.5);
        assert!(r.get::<_, bool>(4));
        assert_eq!(r.get::<_, SystemTime>(5), at);
        assert_eq!(r.get::<_, i16>(6), 2);
        // NULL parameters and an untyped parameter inferred as text.
        let rows = c
            .query(
                "SELECT $1::text IS NULL, $2 || '!'",
                &[&None::<String>, &"hi"],
            )
            .await
            .unwrap();
        assert!(rows[0].get::<_, bool>(0));
        assert_eq!(rows[0].get::<_, String>(1), "hi!");
        // UPDATE/DELETE: parameters typed by the columns they meet.
        let st = c
            .prepare("UPDATE p SET name = $1 WHERE id = $2")
            .await
            .unwrap();
        assert_eq!(st.params(), &[Type::TEXT, Type::INT4]);
        let n = c.execute(&st, &[&"renamed", &1i32]).await.unwrap();
        assert_eq!(n, 1);
        let n = c
            .execute("DELETE FROM p WHERE id = $1", &[&0i32])
            .await
            .unwrap();
        assert_eq!(n, 1);
        let names: Vec<String> = c
            .query("SELECT name FROM p ORDER BY id", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(names, vec!["renamed", "name 2"]);
        // `$1::integer` makes $1 an integer (as in PostgreSQL); text cast to integer reports
        // the type's input error.
        let st = c.prepare("SELECT $1::integer + 1").await.unwrap();
        assert_eq!(st.params(), &[Type::INT4]);
        let e = c
            .query("SELECT $1::text::integer + 1", &[&"12x"])
            .await
            .unwrap_err();
        assert_eq!(code(&e), "22P02");
        // Row limits: a portal fetched two rows at a time.
        let mut c = c;
        let txn = c.transaction().await.unwrap();
        let stmt = txn.prepare("SELECT id FROM p ORDER BY id").await.unwrap();
        let portal = txn.bind(&stmt, &[]).await.unwrap();
        assert_eq!(txn.query_portal(&portal, 1).await.unwrap().len(), 1);
        assert_eq!(txn.query_portal(&portal, 1).await.unwrap().len(), 1);
        assert_eq!(txn.query_portal(&portal, 1).await.unwrap().len(), 0);
        txn.commit().await.unwrap();
        drop(c);
        server.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transaction_with_an_error_and_sqlstates() {
    with_server(|server, _| async move {
        let c = server.connect("postgres", None).await;
        c.batch_execute("CREATE TABLE k (id integer PRIMARY KEY)")
            .await
            .unwrap();
        c.batch_execute("BEGIN").await.unwrap();
        c.execute("INSERT INTO k VALUES ($1)", &[&1i32])
            .await
            .unwrap();
        let e = c.query("SELECT 1/0", &[]).await.unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::DIVISION_BY_ZERO));
        let e = c.query("SELECT 1", &[]).await.unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::IN_FAILED_SQL_TRANSACTION));
        let e = c.batch_execute("SELECT 1").await.unwrap_err();
        assert_eq!(code(&e), "25P02");
        c.batch_execute("ROLLBACK").await.unwrap();
        assert_eq!(c.query("SELECT id FROM k", &[]).await.unwrap().len(), 0);
        // An error found before the engine runs anything (here a parameter that does not
        // parse) fails the transaction block too.
        c.batch_execute("BEGIN").await.unwrap();
        c.execute("INSERT INTO k VALUES ($1)", &[&1i32])
            .await
            .unwrap();
        let e = c
            .query("SELECT 1 + $1::integer", &[&RawBytes(b"xx")])
            .await
            .unwrap_err();
        assert_eq!(code(&e), "22P03");
        let e = c.batch_execute("SELECT 1").await.unwrap_err();
        assert_eq!(code(&e), "25P02");
        c.batch_execute("ROLLBACK").await.unwrap();
        assert_eq!(c.query("SELECT id FROM k", &[]).await.unwrap().len(), 0);
        // A committed transaction through the client's API.
        let mut c = c;
        let txn = c.transaction().await.unwrap();
        txn.execute("INSERT INTO k VALUES ($1)", &[&7i32])
            .await
            .unwrap();
        txn.commit().await.unwrap();
        // SQLSTATEs.
        let e = c.query("SELECT * FROM missing", &[]).await.unwrap_err();
        assert_eq!(code(&e), "42P01");
        let e = c.batch_execute("SELECT * FROM missing").await.unwrap_err();
        assert_eq!(code(&e), "42P01");
        let e = c.batch_execute("SELECT 5 / 0").await.unwrap_err();
        assert_eq!(code(&e), "22012");
        let e = c
            .execute("INSERT INTO k VALUES ($1)", &[&7i32])
            .await
            .unwrap_err();
        assert_eq!(code(&e), "23505");
        let e = c
            .batch_execute("INSERT INTO k VALUES (7)")
            .await
            .unwrap_err();
        assert_eq!(code(&e), "23505");
        assert!(e.to_string().contains("k_pkey") || e.as_db_error().is_some());
        // The connection is usable after errors.
        let rows = c.query("SELECT count(*) FROM k", &[]).await.unwrap();
        assert_eq!(rows[0].get::<_, i64>(0), 1);
        drop(c);
        server.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_survives_a_restart() {
    with_server(|server, data| async move {
        let c = server.connect("postgres", None).await;
        c.batch_execute("CREATE TABLE d (id integer PRIMARY KEY, v text)")
            .await
            .unwrap();
        for i in 0..50 {
            c.execute("INSERT INTO d VALUES ($1, $2)", &[&i, &format!("v{i}")])
                .await
                .unwrap();
        }
        // Left open at shutdown: rolled back.
        let open = server.connect("postgres", None).await;
        open.batch_execute("BEGIN; INSERT INTO d VALUES (1000, 'open')")
            .await
            .unwrap();
        drop(c);
        server.stop().await;
        drop(open);

        let server = TestServer::start_at(&data).await;
        let c = server.connect("postgres", None).await;
        let rows = c
            .query("SELECT count(*), max(id) FROM d", &[])
            .await
            .unwrap();
        assert_eq!(rows[0].get::<_, i64>(0), 50);
        assert_eq!(rows[0].get::<_, i32>(1), 49);
        c.execute("INSERT INTO d VALUES (50, 'after restart')", &[])
            .await
            .unwrap();
        drop(c);
        server.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_input_ends_only_that_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    with_server(|server, _| async move {
        let c = server.connect("postgres", None).await;
        // A startup packet claiming a huge length: refused, connection closed.
        let mut raw = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        raw.write_all(b"\x7f\xff\xff\xffgarbage").await.unwrap();
        let mut seen = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), raw.read_to_end(&mut seen))
            .await
            .expect("the server closes the connection")
            .ok();
        // A valid startup, then a truncated Bind message: that connection ends.
        let mut raw = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        let mut startup = Vec::new();
        let body = b"\x00\x03\x00\x00user\x00postgres\x00\x00";
        startup.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
        startup.extend_from_slice(body);
        raw.write_all(&startup).await.unwrap();
        raw.write_all(b"B\x00\x00\x00\x08\xff\xff\xff\xff")
            .await
            .unwrap();
        let mut seen = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), raw.read_to_end(&mut seen))
            .await
            .expect("the server closes the connection")
            .ok();
        assert!(
            seen.starts_with(b"R\x00\x00\x00\x08\x00\x00\x00\x00"),
            "AuthenticationOk first"
        );
        // Other sessions are untouched.
        let rows = c.query("SELECT 1", &[]).await.unwrap();
        assert_eq!(rows[0].get::<_, i32>(0), 1);
        let c2 = server.connect("postgres", None).await;
        assert_eq!(
            c2.query("SELECT 2", &[]).await.unwrap()[0].get::<_, i32>(0),
            2
        );
        drop((c, c2));
        server.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_smoke_test() {
    let Some(psql) = ["/usr/bin/psql", "/usr/local/bin/psql"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        eprintln!("psql is not installed; skipping");
        return;
    };
    with_server(|server, _| async move {
        let port = server.addr.port().to_string();
        let run = |args: Vec<String>| {
            let psql = psql.to_owned();
            tokio::task::spawn_blocking(move || {
                std::process::Command::new(psql)
                    .args(args)
                    .env("PGCONNECT_TIMEOUT", "10")
                    .output()
                    .expect("psql runs")
            })
        };
        let base = |extra: &[&str]| {
            let mut v: Vec<String> = ["-X", "-h", "127.0.0.1", "-p", &port, "-U", "postgres"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            v.extend(extra.iter().map(|s| s.to_string()));
            v
        };
        let out = run(base(&["-c", "select 1"])).await.unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("?column?") && text.contains("(1 row)"),
            "{text}"
        );
        let out = run(base(&[
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            "create table s (a int, b text)",
            "-c",
            "insert into s values (1, 'x'), (2, NULL)",
            "-c",
            "select a, b from s order by a",
        ]))
        .await
        .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "CREATE TABLE\nINSERT 0 2\n1|x\n2|\n"
        );
        let out = run(base(&["-c", "select * from nope"])).await.unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("relation \"nope\" does not exist"));
        server.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deallocate_forgets_prepared_statements() {
    with_server(|server, _| async move {
        let c = server.connect("postgres", None).await;
        let st = c.prepare("SELECT 1").await.unwrap();
        assert_eq!(c.query(&st, &[]).await.unwrap().len(), 1);
        let e = c.batch_execute("DEALLOCATE no_such").await.unwrap_err();
        assert_eq!(code(&e), "26000");
        // DEALLOCATE runs in order among the other statements of a query string.
        let msgs = c
            .simple_query("SELECT 2; DEALLOCATE ALL; SELECT 3")
            .await
            .unwrap();
        assert_eq!(
            rows_of(&msgs),
            vec![vec![Some("2".to_owned())], vec![Some("3".to_owned())]]
        );
        let e = c.query(&st, &[]).await.unwrap_err();
        assert_eq!(code(&e), "26000");
        // In a failed transaction block it is refused like any statement but ROLLBACK.
        c.batch_execute("BEGIN").await.unwrap();
        assert!(c.batch_execute("SELECT 1/0").await.is_err());
        let e = c.batch_execute("DEALLOCATE ALL").await.unwrap_err();
        assert_eq!(code(&e), "25P02");
        c.batch_execute("ROLLBACK").await.unwrap();
    })
    .await;
}
