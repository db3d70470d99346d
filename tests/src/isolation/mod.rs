//! An isolation tester in the manner of PostgreSQL's `isolationtester`: specs of named
//! sessions whose steps interleave in listed permutations ([`spec`]), run against PostgreSQL
//! ([`pg`]) or Quill's embedded engine, printing what isolationtester prints ([`output`],
//! [`runner`]), so that Quill's output can be compared with PostgreSQL 15's
//! (`tests/isolation/expected/*.out`, written by `tests/isolation/regenerate.sh`).

pub mod output;
pub mod pg;
pub mod quill;
pub mod runner;
pub mod spec;

#[cfg(test)]
mod runner_tests;
