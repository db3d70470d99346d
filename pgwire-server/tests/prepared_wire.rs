//! Named prepared statements over the wire: one namespace for SQL's PREPARE / EXECUTE /
//! DEALLOCATE and the extended protocol's Parse / Bind / Describe / Close, as PostgreSQL
//! (driven by raw protocol messages, since client libraries name their statements
//! themselves); and the session time zone in text and binary results.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use std::time::Duration;
use support::{error_codes, raw_session, TestServer, LIMIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A frontend message: type byte, length, body.
fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    m.extend_from_slice(body);
    m
}

fn cstr(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

fn query(sql: &str) -> Vec<u8> {
    let mut b = Vec::new();
    cstr(&mut b, sql);
    message(b'Q', &b)
}

fn parse(name: &str, sql: &str) -> Vec<u8> {
    let mut b = Vec::new();
    cstr(&mut b, name);
    cstr(&mut b, sql);
    b.extend_from_slice(&0u16.to_be_bytes());
    message(b'P', &b)
}

/// Bind of statement `stmt` to the unnamed portal, parameters as text, results as text.
fn bind(stmt: &str, params: &[&str]) -> Vec<u8> {
    let mut b = Vec::new();
    cstr(&mut b, "");
    cstr(&mut b, stmt);
    b.extend_from_slice(&0u16.to_be_bytes());
    b.extend_from_slice(&(params.len() as u16).to_be_bytes());
    for p in params {
        b.extend_from_slice(&(p.len() as i32).to_be_bytes());
        b.extend_from_slice(p.as_bytes());
    }
    b.extend_from_slice(&0u16.to_be_bytes());
    message(b'B', &b)
}

fn describe(kind: u8, name: &str) -> Vec<u8> {
    let mut b = vec![kind];
    cstr(&mut b, name);
    message(b'D', &b)
}

fn close(kind: u8, name: &str) -> Vec<u8> {
    let mut b = vec![kind];
    cstr(&mut b, name);
    message(b'C', &b)
}

fn execute() -> Vec<u8> {
    let mut b = Vec::new();
    cstr(&mut b, "");
    b.extend_from_slice(&0i32.to_be_bytes());
    message(b'E', &b)
}

fn sync() -> Vec<u8> {
    message(b'S', &[])
}

/// Sends `msgs` and reads the backend messages up to and including ReadyForQuery.
async fn exchange(s: &mut TcpStream, msgs: &[Vec<u8>]) -> Vec<(u8, Vec<u8>)> {
    s.write_all(&msgs.concat()).await.unwrap();
    let mut out = Vec::new();
    loop {
        let mut head = [0u8; 5];
        tokio::time::timeout(Duration::from_secs(10), s.read_exact(&mut head))
            .await
            .expect("the server answers")
            .unwrap();
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut body = vec![0u8; len - 4];
        s.read_exact(&mut body).await.unwrap();
        let done = head[0] == b'Z';
        out.push((head[0], body));
        if done {
            return out;
        }
    }
}

/// The text values of the DataRows among `msgs`.
fn rows(msgs: &[(u8, Vec<u8>)]) -> Vec<Vec<Option<String>>> {
    msgs.iter()
        .filter(|(k, _)| *k == b'D')
        .map(|(_, b)| {
            let n = u16::from_be_bytes([b[0], b[1]]) as usize;
            let mut at = 2;
            (0..n)
                .map(|_| {
                    let len = i32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
                    at += 4;
                    if len < 0 {
                        return None;
                    }
                    let v = String::from_utf8_lossy(&b[at..at + len as usize]).into_owned();
                    at += len as usize;
                    Some(v)
                })
                .collect()
        })
        .collect()
}

/// The SQLSTATEs of the ErrorResponses among `msgs`.
fn errors(msgs: &[(u8, Vec<u8>)]) -> Vec<String> {
    let mut raw = Vec::new();
    for (k, b) in msgs {
        raw.push(*k);
        raw.extend_from_slice(&((b.len() + 4) as u32).to_be_bytes());
        raw.extend_from_slice(b);
    }
    error_codes(&raw)
}

/// The command tags of the CommandCompletes among `msgs`.
fn tags(msgs: &[(u8, Vec<u8>)]) -> Vec<String> {
    msgs.iter()
        .filter(|(k, _)| *k == b'C')
        .map(|(_, b)| String::from_utf8_lossy(b.strip_suffix(&[0]).unwrap_or(b)).into_owned())
        .collect()
}

fn text(v: &str) -> Option<String> {
    Some(v.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_and_protocol_statements_share_one_namespace() {
    tokio::time::timeout(LIMIT, async {
        let server = TestServer::start(|_, _| {}).await;
        let mut s = raw_session(server.addr).await;

        // PREPAREd in SQL, described and executed through the extended protocol.
        let r = exchange(&mut s, &[query("PREPARE q (int) AS SELECT $1 * 2 AS doubled")]).await;
        assert_eq!(tags(&r), ["PREPARE"]);
        let r = exchange(&mut s, &[describe(b'S', "q"), sync()]).await;
        let params = r.iter().find(|(k, _)| *k == b't').expect("ParameterDescription");
        assert_eq!(params.1, [0, 1, 0, 0, 0, 23], "one int4 parameter");
        let r = exchange(&mut s, &[bind("q", &["21"]), execute(), sync()]).await;
        assert_eq!(errors(&r), Vec::<String>::new());
        assert_eq!(rows(&r), [[text("42")]]);
        assert_eq!(tags(&r), ["SELECT 1"]);

        // Parse cannot take the name; Close removes the statement for SQL too.
        let r = exchange(&mut s, &[parse("q", "SELECT 1"), sync()]).await;
        assert_eq!(errors(&r), ["42P05"]);
        let r = exchange(&mut s, &[close(b'S', "q"), sync()]).await;
        assert_eq!(errors(&r), Vec::<String>::new());
        let r = exchange(&mut s, &[query("EXECUTE q(1)")]).await;
        assert_eq!(errors(&r), ["26000"]);

        // Made by Parse, executed and listed in SQL, deallocated in SQL.
        let r = exchange(&mut s, &[parse("p1", "SELECT $1::int + 1"), sync()]).await;
        assert_eq!(errors(&r), Vec::<String>::new());
        let r = exchange(&mut s, &[query("EXECUTE p1(1)")]).await;
        assert_eq!(rows(&r), [[text("2")]]);
        let r = exchange(
            &mut s,
            &[query(
                "SELECT name, statement, from_sql::text, parameter_types::text FROM pg_prepared_statements",
            )],
        )
        .await;
        assert_eq!(
            rows(&r),
            [[text("p1"), text("SELECT $1::int + 1"), text("false"), text("{integer}")]]
        );
        let r = exchange(&mut s, &[query("PREPARE p1 AS SELECT 2")]).await;
        assert_eq!(errors(&r), ["42P05"]);
        let r = exchange(&mut s, &[query("DEALLOCATE p1")]).await;
        assert_eq!(tags(&r), ["DEALLOCATE"]);
        let r = exchange(&mut s, &[bind("p1", &["1"]), execute(), sync()]).await;
        assert_eq!(errors(&r), ["26000"]);

        // The unnamed statement is the connection's own, and not listed.
        let r = exchange(&mut s, &[parse("", "SELECT 7"), bind("", &[]), execute(), sync()]).await;
        assert_eq!(rows(&r), [[text("7")]]);
        let r = exchange(&mut s, &[query("SELECT count(*) FROM pg_prepared_statements")]).await;
        assert_eq!(rows(&r), [[text("0")]]);
        drop(s);
        server.stop().await;
    })
    .await
    .expect("test finishes in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_zone_applies_to_text_and_not_to_binary_results() {
    tokio::time::timeout(LIMIT, async {
        let server = TestServer::start(|_, _| {}).await;
        let c = server.connect("postgres", None).await;
        c.batch_execute(
            "CREATE TABLE ev (at timestamptz); INSERT INTO ev VALUES ('2024-07-15 12:00:00+00')",
        )
        .await
        .unwrap();
        c.batch_execute("SET TIME ZONE 'Asia/Tokyo'").await.unwrap();
        // Text results (simple protocol) are in the session's zone.
        let msgs = c.simple_query("SELECT at FROM ev").await.unwrap();
        let shown: Vec<String> = msgs
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
                _ => None,
            })
            .collect();
        assert_eq!(shown, ["2024-07-15 21:00:00+09"]);
        // Binary results are the instant, whatever the zone.
        let row = c.query_one("SELECT at FROM ev", &[]).await.unwrap();
        let at: chrono::DateTime<chrono::Utc> = row.get(0);
        assert_eq!(at.to_rfc3339(), "2024-07-15T12:00:00+00:00");
        // A local timestamp parameter is read in the session's zone.
        let local = chrono::NaiveDate::from_ymd_opt(2024, 7, 15)
            .and_then(|d| d.and_hms_opt(21, 0, 0))
            .unwrap();
        let row = c
            .query_one(
                "SELECT count(*) FROM ev WHERE at = $1::timestamp",
                &[&local],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<_, i64>(0), 1);
        // Each session has its own zone.
        let other = server.connect("postgres", None).await;
        let row = other
            .query_one("SELECT at::text FROM ev", &[])
            .await
            .unwrap();
        assert_eq!(row.get::<_, String>(0), "2024-07-15 12:00:00+00");
        drop((c, other));
        server.stop().await;
    })
    .await
    .expect("test finishes in time");
}
