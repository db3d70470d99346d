//! `quill shell`: each script of `tests/shell/` run with `-f` on a fresh directory prints
//! exactly what psql 15 prints for it against PostgreSQL 15 (`tests/shell/regenerate.sh`
//! writes `expected/`; stderr merged into stdout, psql's `psql:` prefix read as `quill:`);
//! `-c`, standard input and the exit statuses behave as psql's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const QUILL: &str = env!("CARGO_BIN_EXE_quill");

fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/shell")
}

/// Runs `quill shell DIR ARGS` in the scripts' directory with `stdin`; (exit status, stdout
/// and stderr merged in the order written).
fn shell(dir: &Path, args: &[&str], stdin: &str) -> (i32, String) {
    let out = tempfile::NamedTempFile::new().unwrap();
    // One open file for both streams, so that they share its offset.
    let sink = out.reopen().unwrap();
    let mut child = Command::new(QUILL)
        .arg("shell")
        .arg(dir)
        .args(args)
        .current_dir(scripts_dir())
        .stdin(Stdio::piped())
        .stdout(sink.try_clone().unwrap())
        .stderr(sink)
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let status = child.wait().unwrap();
    let text = std::fs::read_to_string(out.path()).unwrap();
    (status.code().unwrap_or(-1), text)
}

#[test]
fn scripts_print_what_psql_prints() {
    let mut failures = Vec::new();
    let mut n = 0;
    for entry in std::fs::read_dir(scripts_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("sql") {
            continue;
        }
        n += 1;
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let expected =
            std::fs::read_to_string(scripts_dir().join("expected").join(format!("{stem}.out")))
                .unwrap();
        let db = tempfile::tempdir().unwrap();
        let (code, got) = shell(&db.path().join("data"), &["-f", &name], "");
        if code != 0 || got != expected {
            failures.push(format!(
                "{name}: exit {code}\n--- psql 15\n{expected}\n--- quill shell\n{got}"
            ));
        }
    }
    assert!(n > 0, "no scripts found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn commands_stdin_and_exit_statuses() {
    let db = tempfile::tempdir().unwrap();
    let dir = db.path().join("data");
    // -c: psql's output, status 0; the last command failing gives 1.
    assert_eq!(
        shell(&dir, &["-c", "SELECT 1"], ""),
        (
            0,
            " ?column? \n----------\n        1\n(1 row)\n\n".to_owned()
        )
    );
    assert_eq!(
        shell(
            &dir,
            &[
                "-c",
                "CREATE TABLE t (a int); INSERT INTO t VALUES (1), (2)"
            ],
            ""
        ),
        (0, "CREATE TABLE\nINSERT 0 2\n".to_owned())
    );
    let (code, out) = shell(&dir, &["-c", "SELECT nosuch FROM t"], "");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("ERROR:  column \"nosuch\" does not exist\nLINE 1: "),
        "{out}"
    );
    // Standard input that is not a terminal is read to its end.
    assert_eq!(
        shell(
            &dir,
            &[],
            "SELECT sum(a)\n  FROM t;\n\\x\nSELECT a FROM t WHERE a = 2;\n"
        ),
        (
            0,
            " sum \n-----\n   3\n(1 row)\n\nExpanded display is on.\n-[ RECORD 1 ]\na | 2\n\n"
                .to_owned()
        )
    );
    // Errors do not stop a script, unless --on-error-stop (status 3).
    let script = "SELECT 1/0;\nINSERT INTO t VALUES (3);\n";
    let (code, out) = shell(&dir, &[], script);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "ERROR:  division by zero\nINSERT 0 1\n");
    let (code, out) = shell(&dir, &["--on-error-stop"], script);
    assert_eq!((code, out.as_str()), (3, "ERROR:  division by zero\n"));
    assert_eq!(
        shell(&dir, &["-c", "SELECT count(*) FROM t"], "").1,
        " count \n-------\n     3\n(1 row)\n\n"
    );
    // -c and -f run in the order given.
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), "INSERT INTO t VALUES (4);\n").unwrap();
    let f = script.path().to_str().unwrap();
    assert_eq!(
        shell(
            &dir,
            &[
                "-c",
                "SELECT count(*) FROM t",
                "-f",
                f,
                "-c",
                "SELECT count(*) FROM t"
            ],
            ""
        )
        .1,
        " count \n-------\n     3\n(1 row)\n\nINSERT 0 1\n count \n-------\n     4\n(1 row)\n\n"
    );
    // Another command's option is refused, not ignored.
    let (code, out) = shell(&dir, &["--rows", "5"], "");
    assert_eq!(code, 2, "{out}");
    assert!(
        out.starts_with("quill: unknown option '--rows' for quill shell"),
        "{out}"
    );
    // A directory that cannot be opened: status 2.
    let file = db.path().join("not-a-directory");
    std::fs::write(&file, b"x").unwrap();
    let (code, out) = shell(&file, &["-c", "SELECT 1"], "");
    assert_eq!(code, 2, "{out}");
}
