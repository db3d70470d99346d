//! Benchmarks of Quill's storage engine; run `cargo run --release -p quill-benches --bin quill-bench -- --help`.
