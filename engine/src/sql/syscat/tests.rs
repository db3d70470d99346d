//! System catalog queries against a small schema, checked against what PostgreSQL 15
//! returns for the same schema.

use crate::{Database, DatabaseOptions, Session};
use std::path::Path;
use std::sync::Arc;
use vfs::SimVfs;

fn rows(s: &mut Session, sql: &str) -> Vec<String> {
    s.query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.to_text().unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

fn code(s: &mut Session, sql: &str) -> &'static str {
    match s.execute(sql) {
        Ok(_) => "ok",
        Err(e) => e.sqlstate(),
    }
}

fn setup() -> (Database, SimVfs) {
    let fs = SimVfs::new(7);
    let mut opts = DatabaseOptions::default();
    opts.storage.checkpoint_interval = None;
    let db = Database::open_with(Arc::new(fs.clone()), Path::new("/db"), opts).expect("open");
    let mut s = db.session();
    s.execute(
        "CREATE TABLE items (id integer PRIMARY KEY, name varchar(40) NOT NULL UNIQUE, \
         price numeric(10,2) DEFAULT 0, qty integer CHECK (qty >= 0))",
    )
    .expect("create");
    s.execute("CREATE INDEX items_qty ON items (qty)")
        .expect("index");
    s.execute("CREATE VIEW cheap AS SELECT id FROM items WHERE price < 10")
        .expect("view");
    drop(s);
    (db, fs)
}

#[test]
fn pg_class_lists_tables_indexes_and_views() {
    let (db, _fs) = setup();
    let mut s = db.session();
    assert_eq!(
        rows(
            &mut s,
            "SELECT n.nspname, c.relname, c.relkind, c.relnatts, c.relchecks, c.relhasindex \
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' ORDER BY 2"
        ),
        vec![
            "public|cheap|v|1|0|f",
            "public|items|r|4|1|t",
            "public|items_name_key|i|1|0|f",
            "public|items_pkey|i|1|0|f",
            "public|items_qty|i|1|0|f",
        ]
    );
    // Unqualified system names resolve through the implicit pg_catalog; user tables
    // through public.
    assert_eq!(
        rows(
            &mut s,
            "SELECT count(*) FROM pg_class WHERE relname = 'pg_class'"
        ),
        vec!["1"]
    );
    assert_eq!(rows(&mut s, "SELECT count(*) FROM public.items"), vec!["0"]);
    assert_eq!(code(&mut s, "SELECT * FROM nosuch.items"), "42P01");
    assert_eq!(code(&mut s, "SELECT * FROM pg_catalog.items"), "42P01");
}

#[test]
fn attributes_types_and_defaults() {
    let (db, _fs) = setup();
    let mut s = db.session();
    assert_eq!(
        rows(
            &mut s,
            "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, \
             (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true) FROM pg_catalog.pg_attrdef d \
              WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef) \
             FROM pg_catalog.pg_attribute a \
             WHERE a.attrelid = 'items'::regclass AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum"
        ),
        vec![
            "id|integer|t|NULL",
            "name|character varying(40)|t|NULL",
            "price|numeric(10,2)|f|0",
            "qty|integer|f|NULL",
        ]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT typname, typlen, typcategory FROM pg_type WHERE oid IN (19, 23, 1043) ORDER BY oid"
        ),
        vec!["name|64|S", "int4|4|N", "varchar|-1|S"]
    );
}

#[test]
fn indexes_and_constraints() {
    let (db, _fs) = setup();
    let mut s = db.session();
    assert_eq!(
        rows(
            &mut s,
            "SELECT c2.relname, i.indisprimary, i.indisunique, pg_catalog.pg_get_indexdef(i.indexrelid, 0, true), \
             pg_catalog.pg_get_constraintdef(con.oid, true), contype \
             FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i \
             LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x')) \
             WHERE c.oid = 'items'::regclass AND c.oid = i.indrelid AND i.indexrelid = c2.oid \
             ORDER BY i.indisprimary DESC, c2.relname"
        ),
        vec![
            "items_pkey|t|t|CREATE UNIQUE INDEX items_pkey ON public.items USING btree (id)|PRIMARY KEY (id)|p",
            "items_name_key|f|t|CREATE UNIQUE INDEX items_name_key ON public.items USING btree (name)|UNIQUE (name)|u",
            "items_qty|f|f|CREATE INDEX items_qty ON public.items USING btree (qty)|NULL|NULL",
        ]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT conname, pg_get_constraintdef(oid, true) FROM pg_constraint WHERE contype = 'c'"
        ),
        vec!["items_qty_check|CHECK (qty >= 0)"]
    );
}

#[test]
fn functions_and_reg_casts() {
    let (db, _fs) = setup();
    let mut s = db.session();
    assert_eq!(
        rows(
            &mut s,
            "SELECT pg_get_userbyid(10), current_database(), current_schema(), current_user, \
             'items'::regclass, 'items'::regclass::oid = (SELECT oid FROM pg_class WHERE relname = 'items'), \
             'pg_class'::regclass::oid, 'integer'::regtype, 23::regtype, 'information_schema.tables'::regclass"
        ),
        vec!["postgres|postgres|public|postgres|items|t|1259|integer|integer|information_schema.tables"]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT relname FROM pg_class WHERE pg_table_is_visible(oid) AND relname IN ('items', 'tables', 'pg_type') ORDER BY 1"
        ),
        vec!["items", "pg_type"]
    );
    assert!(rows(&mut s, "SELECT version()")[0].starts_with("PostgreSQL 15.0 (Quill "));
    assert_eq!(code(&mut s, "SELECT 'nosuch'::regclass"), "42P01");
    assert_eq!(code(&mut s, "SELECT 'nosuch'::regtype"), "42704");
    assert_eq!(rows(&mut s, "SELECT to_regclass('nosuch')"), vec!["NULL"]);
    assert_eq!(rows(&mut s, "SELECT 99999::regclass"), vec!["99999"]);
}

#[test]
fn information_schema_views() {
    let (db, _fs) = setup();
    let mut s = db.session();
    assert_eq!(
        rows(
            &mut s,
            "SELECT table_name, table_type FROM information_schema.tables \
             WHERE table_schema = 'public' ORDER BY 1"
        ),
        vec!["cheap|VIEW", "items|BASE TABLE"]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT column_name, ordinal_position, column_default, is_nullable, data_type, \
             character_maximum_length, numeric_precision, numeric_scale \
             FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position"
        ),
        vec![
            "id|1|NULL|NO|integer|NULL|32|0",
            "name|2|NULL|NO|character varying|40|NULL|NULL",
            "price|3|0|YES|numeric|NULL|10|2",
            "qty|4|NULL|YES|integer|NULL|32|0",
        ]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT schema_name FROM information_schema.schemata ORDER BY 1"
        ),
        vec!["information_schema", "pg_catalog", "pg_toast", "public"]
    );
}
