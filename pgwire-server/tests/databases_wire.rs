//! Databases over the wire: connecting to a database created with CREATE DATABASE (its own
//! relations), FATAL 3D000 for one that does not exist and 55000 for template0, DROP
//! DATABASE refused with 55006 and PostgreSQL's detail while another session uses it, and
//! WITH (FORCE) ending that session's connection (FATAL 57P01).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use support::{code, TestServer};
use tokio_postgres::{Client, NoTls};

async fn connect_to(server: &TestServer, db: &str) -> Result<Client, tokio_postgres::Error> {
    let mut conf = server.conf("postgres", None);
    conf.dbname(db);
    let (client, connection) = conf.connect(NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

#[tokio::test]
async fn connect_drop_and_force() {
    let server = TestServer::start(|_, _| {}).await;
    let admin = server.connect("postgres", None).await;
    admin
        .batch_execute("CREATE TABLE only_in_postgres (a int); CREATE DATABASE app")
        .await
        .unwrap();

    let Err(e) = connect_to(&server, "nope").await else {
        panic!("admitted to a database that does not exist")
    };
    assert_eq!(code(&e), "3D000");
    assert_eq!(
        e.as_db_error().map(|d| (d.severity(), d.message())),
        Some(("FATAL", "database \"nope\" does not exist"))
    );
    let Err(e) = connect_to(&server, "template0").await else {
        panic!("admitted to template0")
    };
    assert_eq!(code(&e), "55000");

    let app = connect_to(&server, "app").await.unwrap();
    let row = app
        .query_one("SELECT current_database()", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "app");
    let e = app
        .simple_query("SELECT * FROM only_in_postgres")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "42P01");
    app.batch_execute("CREATE TABLE t (a int); INSERT INTO t VALUES (7)")
        .await
        .unwrap();
    let row = app.query_one("SELECT a FROM t", &[]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 7);

    // Another session uses it: refused, after PostgreSQL's wait, with its detail.
    let e = admin.simple_query("DROP DATABASE app").await.unwrap_err();
    assert_eq!(code(&e), "55006");
    let db = e.as_db_error().unwrap();
    assert_eq!(
        db.message(),
        "database \"app\" is being accessed by other users"
    );
    assert_eq!(
        db.detail(),
        Some("There is 1 other session using the database.")
    );
    let e = app.simple_query("DROP DATABASE app").await.unwrap_err();
    assert_eq!(code(&e), "55006");
    assert_eq!(
        e.as_db_error().unwrap().message(),
        "cannot drop the currently open database"
    );
    let e = admin
        .simple_query("BEGIN; DROP DATABASE app")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "25001");
    admin.simple_query("ROLLBACK").await.unwrap();

    admin
        .simple_query("DROP DATABASE app WITH (FORCE)")
        .await
        .unwrap();
    let e = app.simple_query("SELECT 1").await.unwrap_err();
    assert!(
        code(&e) == "57P01" || e.is_closed(),
        "the forced-out session ends: {e}"
    );
    assert!(app.is_closed() || app.simple_query("SELECT 1").await.is_err());
    let Err(e) = connect_to(&server, "app").await else {
        panic!("admitted to a dropped database")
    };
    assert_eq!(code(&e), "3D000");
    let rows = admin
        .query("SELECT datname FROM pg_database ORDER BY oid", &[])
        .await
        .unwrap();
    let names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(names, ["template1", "template0", "postgres"]);
    drop(admin);
    server.stop().await;
}
