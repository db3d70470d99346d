//! Roles and privileges over the wire: a non-superuser logs in with a password and is held
//! to its privileges (current_user, session_user and `is_superuser` are its own; what it was
//! not granted fails with 42501, what it was granted works), a role without LOGIN cannot
//! connect, and committed grants hold after a restart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use support::*;

const RULES: &str = "\
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_role_is_held_to_its_privileges() {
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
                "CREATE USER alice PASSWORD 'secret';
                 CREATE ROLE nologin PASSWORD 'secret';
                 CREATE TABLE owned (id int, v text);
                 INSERT INTO owned VALUES (1, 'a');
                 CREATE TABLE readable (id int);
                 INSERT INTO readable VALUES (7);
                 GRANT SELECT ON readable TO alice;
                 CREATE SEQUENCE seq;",
            )
            .await
            .unwrap();
        let e = server
            .try_connect("nologin", Some("secret"))
            .await
            .unwrap_err();
        assert_eq!(code(&e), "28000");

        let alice = server.connect("alice", Some("secret")).await;
        let row = alice
            .query_one("SELECT current_user::text, session_user::text", &[])
            .await
            .unwrap();
        assert_eq!(row.get::<_, String>(0), "alice");
        assert_eq!(row.get::<_, String>(1), "alice");
        let row = alice.query_one("SHOW is_superuser", &[]).await.unwrap();
        assert_eq!(row.get::<_, String>(0), "off");
        for sql in [
            "SELECT * FROM owned",
            "UPDATE owned SET v = 'x'",
            "DELETE FROM owned",
            "TRUNCATE owned",
            "DROP TABLE owned",
            "INSERT INTO readable VALUES (8)",
            "SELECT nextval('seq')",
            "CREATE TABLE mine (a int)",
            "SELECT count(*) FROM pg_authid",
            "SET SESSION AUTHORIZATION postgres",
            "SET ROLE postgres",
        ] {
            let e = alice.batch_execute(sql).await.unwrap_err();
            assert_eq!(code(&e), "42501", "{sql}");
        }
        let e = alice.batch_execute("DROP TABLE owned").await.unwrap_err();
        assert_eq!(
            e.as_db_error().map(|d| d.message()),
            Some("must be owner of table owned")
        );
        // Checked when a prepared statement runs (extended protocol).
        let n: i64 = alice
            .query_one("SELECT count(*) FROM readable WHERE id = $1", &[&7i32])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 1);
        let e = alice
            .query_one("SELECT count(*) FROM owned WHERE id = $1", &[&1i32])
            .await
            .unwrap_err();
        assert_eq!(code(&e), "42501");
        admin
            .batch_execute("GRANT SELECT, UPDATE ON owned TO alice")
            .await
            .unwrap();
        alice
            .batch_execute("UPDATE owned SET v = 'b' WHERE id = 1")
            .await
            .unwrap();
        drop(alice);
        drop(admin);
        server.stop().await;

        // After a restart the committed grant holds.
        let server = TestServer::start(configure).await;
        let alice = server.connect("alice", Some("secret")).await;
        let row = alice.query_one("SELECT v FROM owned", &[]).await.unwrap();
        assert_eq!(row.get::<_, String>(0), "b");
        let e = alice.batch_execute("DELETE FROM owned").await.unwrap_err();
        assert_eq!(code(&e), "42501");
        server.stop().await;
    })
    .await
    .expect("in time");
}
