//! psycopg 3 (from PyPI) against `quill serve`: `tests/clients/psycopg_basics.py` connects,
//! round-trips every supported type in text and binary, runs transactions, savepoints,
//! prepared statements, a pipelined executemany, COPY in and out, checks SQLSTATEs and
//! cancels a long query.
//!
//! psycopg is installed into a virtual environment under the target directory on first use.
//! Without python3 (or without access to PyPI) the test says so and passes, unless
//! `QUILL_REQUIRE_CLIENTS` is set, as CI sets it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::Served;

/// A Python interpreter that can `import psycopg`, or why there is none.
fn python_with_psycopg() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("psycopg-venv");
    let python = venv.join("bin/python");
    let has_psycopg = |py: &Path| {
        Command::new(py)
            .args(["-c", "import psycopg"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if has_psycopg(&python) {
        return Ok(python);
    }
    let system = std::env::var("QUILL_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&system)
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .map_err(|e| format!("cannot run {system}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{system} -m venv failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let out = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "psycopg[binary]>=3.1,<4"])
        .output()
        .map_err(|e| format!("cannot run pip: {e}"))?;
    if !out.status.success() || !has_psycopg(&python) {
        return Err(format!(
            "pip install psycopg failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(python)
}

#[test]
fn psycopg_basics() {
    let python = match python_with_psycopg() {
        Ok(p) => p,
        Err(why) if std::env::var_os("QUILL_REQUIRE_CLIENTS").is_none() => {
            eprintln!(
                "SKIPPED psycopg_basics: {why} (set QUILL_REQUIRE_CLIENTS=1 to fail instead)"
            );
            return;
        }
        Err(why) => panic!("psycopg is required: {why}"),
    };
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(&dir.path().join("data"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/clients/psycopg_basics.py");
    let dsn = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres",
        served.port
    );
    let out = Command::new(python)
        .arg(&script)
        .arg(&dsn)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "psycopg_basics.py failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
    served.terminate();
}
