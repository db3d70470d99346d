//! Connection handling over the wire: logins per pg_hba rules (trust, reject, password,
//! md5, scram-sha-256) with right and wrong passwords, role and database checks, TLS,
//! cancellation, max_connections, the startup timeout, and malformed or oversized input,
//! each with PostgreSQL's SQLSTATE. tokio-postgres drives the logins; raw sockets the
//! rest.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use std::time::{Duration, Instant};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_postgres::NoTls;

const RULES: &str = "\
host all postgres 127.0.0.1/32 trust
host all ghost 127.0.0.1/32 trust
host all idle 127.0.0.1/32 trust
host all banned 127.0.0.1/32 reject
host all pw_user 127.0.0.1/32 password
host all md5_user 127.0.0.1/32 md5
host all md5_scram 127.0.0.1/32 md5
hostssl all tls_user 127.0.0.1/32 scram-sha-256
hostnossl all tls_user 127.0.0.1/32 reject
host all all 127.0.0.1/32 scram-sha-256
";

async fn rules_server() -> TestServer {
    TestServer::start(|c, dir| {
        let path = dir.join("hba.conf");
        std::fs::write(&path, RULES).unwrap();
        c.hba_file = Some(path);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_per_rule_and_password_kind() {
    tokio::time::timeout(LIMIT, async {
        let server = rules_server().await;
        let admin = server.connect("postgres", None).await;
        admin
            .batch_execute(
                "CREATE USER scram_user PASSWORD 'right';
                 CREATE USER md5_scram PASSWORD 'right';
                 CREATE USER nopass;
                 CREATE ROLE idle PASSWORD 'right';
                 SET password_encryption = 'md5';
                 CREATE USER md5_user PASSWORD 'right';
                 CREATE USER pw_user PASSWORD 'right';
                 CREATE USER md5_only PASSWORD 'right';",
            )
            .await
            .unwrap();
        assert_eq!(
            code(
                &admin
                    .batch_execute("CREATE ROLE scram_user")
                    .await
                    .unwrap_err()
            ),
            "42710"
        );
        // Right passwords, each method (md5 with a SCRAM verifier uses SCRAM).
        for user in ["scram_user", "md5_user", "pw_user", "md5_scram"] {
            let c = server.connect(user, Some("right")).await;
            let row = c.query_one("SELECT 1 + 1", &[]).await.unwrap();
            assert_eq!(row.get::<_, i32>(0), 2, "{user}");
        }
        // Wrong or missing passwords, unknown roles behind a password rule, a role without
        // a password, an MD5 verifier behind a SCRAM rule: 28P01.
        for (user, password) in [
            ("scram_user", Some("wrong")),
            ("md5_user", Some("wrong")),
            ("pw_user", Some("wrong")),
            ("md5_scram", Some("Right")),
            ("nobody", Some("right")),
            ("nopass", Some("")),
            ("nopass", Some("x")),
            ("md5_only", Some("right")),
        ] {
            let e = server.try_connect(user, password).await.unwrap_err();
            assert_eq!(code(&e), "28P01", "{user}: {e}");
        }
        // Role and database checks; reject rules (a TLS-only user over plain TCP).
        let cases = [
            (
                "ghost",
                "postgres",
                "28000",
                "role \"ghost\" does not exist",
            ),
            (
                "idle",
                "postgres",
                "28000",
                "role \"idle\" is not permitted to log in",
            ),
            (
                "postgres",
                "other",
                "3D000",
                "database \"other\" does not exist",
            ),
            (
                "banned",
                "postgres",
                "28000",
                "pg_hba.conf rejects connection",
            ),
            ("tls_user", "postgres", "28000", "no encryption"),
        ];
        for (user, db, want, message) in cases {
            let mut conf = server.conf(user, Some("right"));
            conf.dbname(db);
            let e = conf.connect(NoTls).await.map(|_| ()).unwrap_err();
            assert_eq!(code(&e), want, "{user}: {e}");
            let db_error = e.as_db_error().unwrap();
            assert!(
                db_error.message().contains(message),
                "{}",
                db_error.message()
            );
            assert_eq!(db_error.severity(), "FATAL");
        }
        // Password changes take effect at the next login; renames keep SCRAM passwords.
        admin
            .batch_execute(
                "SET password_encryption = 'scram-sha-256';
                 ALTER ROLE scram_user PASSWORD 'next';
                 ALTER ROLE scram_user RENAME TO s2;
                 ALTER ROLE md5_user RENAME TO m2",
            )
            .await
            .unwrap();
        let e = server
            .try_connect("scram_user", Some("next"))
            .await
            .unwrap_err();
        assert_eq!(code(&e), "28P01");
        server.connect("s2", Some("next")).await;
        // An MD5 verifier covers the role name: a rename clears it, as in PostgreSQL.
        let e = server.try_connect("m2", Some("right")).await.unwrap_err();
        assert_eq!(code(&e), "28P01");
        drop(admin);
        server.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_survive_a_restart() {
    tokio::time::timeout(LIMIT, async {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let rules = dir.path().join("hba.conf");
        std::fs::write(&rules, RULES).unwrap();
        let configure = |c: &mut pgwire_server::ServerConfig, _: &std::path::Path| {
            c.data_dir = data.clone();
            c.hba_file = Some(rules.clone());
        };
        let server = TestServer::start(configure).await;
        let admin = server.connect("postgres", None).await;
        admin
            .batch_execute(
                "CREATE USER alice PASSWORD 'a'; BEGIN; CREATE USER bob PASSWORD 'b'; ROLLBACK",
            )
            .await
            .unwrap();
        drop(admin);
        server.stop().await;
        let server = TestServer::start(configure).await;
        server.connect("alice", Some("a")).await;
        let e = server.try_connect("bob", Some("b")).await.unwrap_err();
        assert_eq!(code(&e), "28P01");
        server.stop().await;
    })
    .await
    .expect("in time");
}

/// A self-signed certificate for "localhost", as PEM files in `dir`.
fn write_certificate(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, Vec<u8>) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert_path, key_path) = (dir.join("server.crt"), dir.join("server.key"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
    (cert_path, key_path, cert.cert.der().to_vec())
}

/// Opens a TLS session the PostgreSQL way (SSLRequest, 'S', handshake) trusting `ca`.
async fn tls_stream(
    addr: std::net::SocketAddr,
    ca: &[u8],
) -> tokio_rustls::client::TlsStream<TcpStream> {
    use tokio_rustls::rustls;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(&[0, 0, 0, 8, 4, 210, 22, 47]).await.unwrap();
    let mut answer = [0u8; 1];
    tcp.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"S");
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(ca.to_vec()))
        .unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    connector.connect(name, tcp).await.expect("TLS handshake")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_when_configured() {
    tokio::time::timeout(LIMIT, async {
        let certs = tempfile::tempdir().unwrap();
        let (cert, key, ca) = write_certificate(certs.path());
        let server = TestServer::start(|c, dir| {
            let path = dir.join("hba.conf");
            std::fs::write(&path, RULES).unwrap();
            c.hba_file = Some(path);
            c.ssl_cert_file = Some(cert);
            c.ssl_key_file = Some(key);
        })
        .await;
        let admin = server.connect("postgres", None).await;
        admin
            .batch_execute("CREATE USER tls_user PASSWORD 'secret'")
            .await
            .unwrap();
        // Over TLS the hostssl rule applies: SCRAM login, queries.
        let stream = tls_stream(server.addr, &ca).await;
        let mut conf = server.conf("tls_user", Some("secret"));
        conf.ssl_mode(tokio_postgres::config::SslMode::Disable);
        let (client, connection) = conf.connect_raw(stream, NoTls).await.expect("TLS login");
        tokio::spawn(connection);
        let row = client
            .query_one("SELECT 'over tls'::text", &[])
            .await
            .unwrap();
        assert_eq!(row.get::<_, String>(0), "over tls");
        // Wrong password over TLS.
        let stream = tls_stream(server.addr, &ca).await;
        let mut conf = server.conf("tls_user", Some("nope"));
        conf.ssl_mode(tokio_postgres::config::SslMode::Disable);
        let e = conf
            .connect_raw(stream, NoTls)
            .await
            .map(|_| ())
            .unwrap_err();
        assert_eq!(code(&e), "28P01");
        // GSSENCRequest is refused with 'N'; the startup then goes on in plain text.
        let mut raw = TcpStream::connect(server.addr).await.unwrap();
        raw.write_all(&[0, 0, 0, 8, 4, 210, 22, 48]).await.unwrap();
        let mut answer = [0u8; 1];
        raw.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"N");
        drop((client, admin));
        server.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssl_refused_without_a_certificate() {
    tokio::time::timeout(LIMIT, async {
        let server = TestServer::start(|_, _| {}).await;
        let mut raw = TcpStream::connect(server.addr).await.unwrap();
        raw.write_all(&[0, 0, 0, 8, 4, 210, 22, 47]).await.unwrap();
        let mut answer = [0u8; 1];
        raw.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"N");
        // The startup follows on the same connection.
        raw.write_all(&startup_packet(&[("user", "postgres")]))
            .await
            .unwrap();
        let mut first = [0u8; 9];
        raw.read_exact(&mut first).await.unwrap();
        assert_eq!(&first, b"R\x00\x00\x00\x08\x00\x00\x00\x00");
        drop(raw);
        server.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_request_stops_the_running_statement() {
    tokio::time::timeout(LIMIT, async {
        let server = TestServer::start(|_, _| {}).await;
        let client = server.connect("postgres", None).await;
        client
            .batch_execute("CREATE TABLE t (a int)")
            .await
            .unwrap();
        let values: Vec<String> = (0..2000).map(|i| format!("({i})")).collect();
        client
            .batch_execute(&format!("INSERT INTO t VALUES {}", values.join(",")))
            .await
            .unwrap();
        // A CancelRequest with a wrong key is ignored; the right key cancels (57014).
        let token = client.cancel_token();
        let bystander = server.connect("postgres", None).await;
        let started = Instant::now();
        let addr = server.addr;
        let canceller = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let mut raw = TcpStream::connect(addr).await.unwrap();
            // pid 1, key 1: matches no session.
            raw.write_all(&[0, 0, 0, 16, 4, 210, 22, 46, 0, 0, 0, 1, 0, 0, 0, 1])
                .await
                .unwrap();
            let mut rest = Vec::new();
            let _ = raw.read_to_end(&mut rest).await;
            assert!(rest.is_empty(), "no reply to a CancelRequest");
            tokio::time::sleep(Duration::from_millis(500)).await;
            token.cancel_query(NoTls).await.unwrap();
        });
        let e = client
            .query_one("SELECT count(*) FROM t a, t b, t c", &[])
            .await
            .unwrap_err();
        canceller.await.unwrap();
        assert_eq!(code(&e), "57014");
        assert_eq!(
            e.as_db_error().unwrap().message(),
            "canceling statement due to user request"
        );
        assert!(started.elapsed() >= Duration::from_millis(800));
        assert!(started.elapsed() < Duration::from_secs(20));
        // Both sessions go on.
        let row = client
            .query_one("SELECT count(*) FROM t", &[])
            .await
            .unwrap();
        assert_eq!(row.get::<_, i64>(0), 2000);
        bystander.simple_query("SELECT 1").await.unwrap();
        drop((client, bystander));
        server.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_connections_and_startup_timeout() {
    tokio::time::timeout(LIMIT, async {
        let server = TestServer::start(|c, _| {
            c.max_connections = 2;
            c.authentication_timeout = Duration::from_millis(1500);
        })
        .await;
        let a = server.connect("postgres", None).await;
        let b = server.connect("postgres", None).await;
        let e = server.try_connect("postgres", None).await.unwrap_err();
        assert_eq!(code(&e), "53300");
        assert_eq!(
            e.as_db_error().unwrap().message(),
            "sorry, too many clients already"
        );
        drop(b);
        // The slot is given back once that connection is gone.
        let mut c = None;
        for _ in 0..50 {
            if let Ok(client) = server.try_connect("postgres", None).await {
                c = Some(client);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let c = c.expect("a freed slot is reused");
        drop(c);
        tokio::time::sleep(Duration::from_millis(200)).await;
        // Silent connections, and one stuck in the middle of its startup packet, are
        // closed after authentication_timeout; the established session is untouched.
        let started = Instant::now();
        let mut silent = TcpStream::connect(server.addr).await.unwrap();
        let mut partial = TcpStream::connect(server.addr).await.unwrap();
        partial.write_all(&[0, 0, 0, 40, 0, 3]).await.unwrap();
        assert!(read_until_closed(&mut silent).await.is_empty());
        assert!(read_until_closed(&mut partial).await.is_empty());
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(1400), "{waited:?}");
        assert!(waited < Duration::from_secs(8), "{waited:?}");
        let rules = server.dir.as_ref().unwrap().path().join("data/pg_hba.conf");
        assert!(rules.exists(), "initdb-style rules written on first start");
        a.simple_query("SELECT 1").await.unwrap();
        drop(a);
        server.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_that_stalls_times_out() {
    tokio::time::timeout(LIMIT, async {
        let server = TestServer::start(|c, dir| {
            let path = dir.join("hba.conf");
            std::fs::write(&path, "host all postgres 127.0.0.1/32 scram-sha-256\n").unwrap();
            c.hba_file = Some(path);
            c.authentication_timeout = Duration::from_millis(1000);
        })
        .await;
        let mut raw = TcpStream::connect(server.addr).await.unwrap();
        raw.write_all(&startup_packet(&[("user", "postgres")]))
            .await
            .unwrap();
        let seen = read_until_closed(&mut raw).await;
        // AuthenticationSASL, then the FATAL when the client never answers.
        assert!(seen.starts_with(b"R"));
        assert_eq!(error_codes(&seen), ["08P01"]);
        // No rule for this user.
        let e = server.try_connect("other", None).await.unwrap_err();
        assert_eq!(code(&e), "28000");
        assert!(e.as_db_error().unwrap().message().starts_with(
            "no pg_hba.conf entry for host \"127.0.0.1\", user \"other\", database \"postgres\""
        ));
        server.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_input() {
    tokio::time::timeout(LIMIT, async {
        let server = TestServer::start(|c, _| c.max_message_size = 64 << 10).await;
        let keeper = server.connect("postgres", None).await;
        keeper
            .batch_execute("CREATE TABLE k (a int); INSERT INTO k VALUES (1)")
            .await
            .unwrap();

        // Startup packets: bad lengths close silently; protocol 2.0 → 0A000; a missing
        // terminator → 08P01; no user → 28000.
        // (The second is a CancelRequest without its process id and key.)
        for packet in [
            vec![0, 0, 0, 4],
            vec![0, 0, 0, 8, 4, 210, 22, 46],
            vec![0xff, 0xff, 0xff, 0xf0],
            {
                let mut p = (20_000u32).to_be_bytes().to_vec();
                p.extend([0, 3, 0, 0]);
                p
            },
        ] {
            let mut raw = TcpStream::connect(server.addr).await.unwrap();
            raw.write_all(&packet).await.unwrap();
            assert!(read_until_closed(&mut raw).await.is_empty());
        }
        let mut v2 = startup_packet(&[("user", "postgres")]);
        v2[4..8].copy_from_slice(&[0, 2, 0, 0]);
        let mut unterminated = startup_packet(&[("user", "postgres")]);
        unterminated.pop();
        let len = unterminated.len() as u32;
        unterminated[..4].copy_from_slice(&len.to_be_bytes());
        for (packet, want) in [
            (v2, "0A000"),
            (unterminated, "08P01"),
            (startup_packet(&[("database", "postgres")]), "28000"),
        ] {
            let mut raw = TcpStream::connect(server.addr).await.unwrap();
            raw.write_all(&packet).await.unwrap();
            assert_eq!(error_codes(&read_until_closed(&mut raw).await), [want]);
        }

        // After startup: each of these ends its connection with FATAL 08P01.
        let mut huge = b"Q".to_vec();
        huge.extend(((1u32 << 30) - 2).to_be_bytes());
        huge.extend(b"SELECT 1");
        let mut big = b"Q".to_vec();
        big.extend(((70u32 << 10) + 4).to_be_bytes());
        big.extend(vec![b' '; 70 << 10]);
        let messages: Vec<Vec<u8>> = vec![
            huge,
            big,
            b"Q\x00\x00\x00\x03".to_vec(),
            b"z\x00\x00\x00\x04".to_vec(),
            // A Bind whose parameter runs past the message (pgwire 0.42 would panic).
            b"B\x00\x00\x00\x11\x00\x00\x00\x00\x00\x01\x00\x00\x00\x64abc".to_vec(),
            b"B\x00\x00\x00\x08\xff\xff\xff\xff".to_vec(),
            // Query without its terminating NUL.
            b"Q\x00\x00\x00\x0cSELECT 1".to_vec(),
            // Describe longer than the small-message limit.
            b"D\x00\x01\x00\x00".to_vec(),
        ];
        for m in messages {
            let mut raw = raw_session(server.addr).await;
            raw.write_all(&m).await.unwrap();
            let seen = read_until_closed(&mut raw).await;
            assert_eq!(error_codes(&seen), ["08P01"], "{:?}", &m[..m.len().min(16)]);
        }
        // A message in pieces is fine; the server still answers.
        let mut raw = raw_session(server.addr).await;
        for b in b"Q\x00\x00\x00\x0dSELECT 1\x00" {
            raw.write_all(&[*b]).await.unwrap();
        }
        let mut reply = [0u8; 1];
        raw.read_exact(&mut reply).await.unwrap();
        assert_eq!(&reply, b"T");

        // The first session is untouched.
        let row = keeper.query_one("SELECT a FROM k", &[]).await.unwrap();
        assert_eq!(row.get::<_, i32>(0), 1);
        drop((keeper, raw));
        server.stop().await;
    })
    .await
    .expect("in time");
}
