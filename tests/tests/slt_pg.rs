//! Quill's own PostgreSQL-dialect sqllogictest suite, `tests/slt/pg/*.slt`, whose expected
//! results are PostgreSQL 15's (`tests/slt/pg/regenerate.sh` writes them), run against the
//! embedded engine with engine label `quill`: one test per file, a fresh database each.
//!
//! Each test prints the file's counts and every failing record, and passes when the records
//! that fail are exactly those `tests/slt/pg/quill-baseline.txt` lists for the file (see
//! `quill_tests::slt::suite`). `QUILL_BLESS=1` rewrites the baseline from the run;
//! `cargo test --release -p quill-tests --test slt_pg types` runs one file.

use quill_tests::slt::quill::QuillBackend;
use quill_tests::slt::suite::{check_file, Corpus};

fn check(file: &str) {
    if let Err(e) = check_file(Corpus::Pg, file, &mut QuillBackend::new(), "embedded", true) {
        panic!("{e}");
    }
}

quill_tests::pg_suite_tests!(check);
