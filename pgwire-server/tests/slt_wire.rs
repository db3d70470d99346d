//! The sqllogictest corpora over the wire: every file of SQLite's corpus (`tests/slt/sqlite`)
//! and of the PostgreSQL-dialect suite (`tests/slt/pg`) runs against `quill serve` through a
//! PostgreSQL client (statements by the simple protocol, queries prepared and executed by the
//! extended protocol with binary results), one test per file, a fresh server and data
//! directory each. A file passes when the records that fail are exactly those its corpus's
//! baseline lists (`quill-baseline.txt`), the same list the embedded runs
//! (`quill-tests`' `slt_pg` and `slt_sqlite`) are held to, so the records that pass are the
//! same both ways. These tests never rewrite the baseline: `QUILL_BLESS=1` applies to the
//! embedded runs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use quill_tests::slt::pg::{Config, PgBackend};
use quill_tests::slt::suite::{check_file, Corpus};
use support::Served;

/// A backend over `quill serve`: each reset stops the previous server and starts a new one
/// on a new, empty data directory.
fn wire_backend() -> PgBackend {
    let mut current: Option<(Served, tempfile::TempDir)> = None;
    PgBackend::with_fresh_hook(Box::new(move || {
        // Stop the previous server (its data directory goes with it) before starting anew.
        drop(current.take());
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let served = Served::start(&dir.path().join("data"));
        let mut config = Config::new();
        config
            .host("127.0.0.1")
            .port(served.port)
            .user("postgres")
            .dbname("postgres");
        current.replace((served, dir));
        Ok(config)
    }))
}

fn check(corpus: Corpus, file: &str) {
    if let Err(e) = check_file(corpus, file, &mut wire_backend(), "over the wire", false) {
        panic!("{e}");
    }
}

/// The PostgreSQL-dialect suite, one test per file.
mod pg {
    fn check(file: &str) {
        super::check(quill_tests::slt::suite::Corpus::Pg, file);
    }

    quill_tests::pg_suite_tests!(check);
}

/// SQLite's corpus, one test per file.
mod sqlite {
    fn check(file: &str) {
        super::check(quill_tests::slt::suite::Corpus::Sqlite, file);
    }

    quill_tests::sqlite_corpus_tests!(check);
}
