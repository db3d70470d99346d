//! Benchmarks of Quill's storage and SQL engines; run `cargo run --release -p quill-benches --bin quill-bench -- --help`.
