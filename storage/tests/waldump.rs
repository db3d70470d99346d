//! `waldump` end to end: a real store on disk, a few transactions (commit, abort, savepoint
//! rollback, delete), then the binary's output: records, CLRs, checkpoint tables, filters,
//! `--stats`, and damaged logs (reported with a non-zero exit, never a panic, never modified).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use storage::{Storage, StorageOptions};
use wal::LogOptions;

/// A scratch directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "quill-waldump-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn options(segment_size: u64) -> StorageOptions {
    StorageOptions {
        checkpoint_interval: None,
        log: LogOptions {
            segment_size,
            ..LogOptions::default()
        },
        ..StorageOptions::default()
    }
}

/// Transactions: 1 commits three inserts; 2 inserts, deletes one of 1's rows and aborts;
/// 3 inserts, takes a savepoint, inserts again, rolls back to it and commits; then, if
/// `bulk`, a fourth commits 100 rows of 200 bytes into heap 2. Returns the first three ids.
fn populate(dir: &Path, segment_size: u64, bulk: bool) -> [u64; 3] {
    let (st, _) =
        Storage::open(Arc::new(vfs::OsVfs::new()), dir, options(segment_size)).expect("open");
    let heap = st.heap(1);
    let mut t1 = st.begin().expect("begin");
    let id1 = t1.id().0;
    let mut tids = Vec::new();
    for i in 0..3u8 {
        tids.push(heap.insert(&mut t1, &[i; 42]).expect("insert"));
    }
    t1.commit().expect("commit");

    let mut t2 = st.begin().expect("begin");
    let id2 = t2.id().0;
    heap.insert(&mut t2, b"never committed").expect("insert");
    heap.delete(&mut t2, tids[1]).expect("delete");
    t2.abort().expect("abort");

    let mut t3 = st.begin().expect("begin");
    let id3 = t3.id().0;
    heap.insert(&mut t3, b"kept").expect("insert");
    let sp = t3.savepoint();
    heap.insert(&mut t3, b"rolled back").expect("insert");
    t3.rollback_to(sp).expect("rollback to savepoint");
    t3.commit().expect("commit");
    if bulk {
        let mut t4 = st.begin().expect("begin");
        for i in 0..100u8 {
            st.heap(2).insert(&mut t4, &[i; 200]).expect("insert");
        }
        t4.commit().expect("commit");
    }
    // Dropped without close: the log ends with transaction 3's commit.
    drop(heap);
    drop(st);
    [id1, id2, id3]
}

fn waldump(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_waldump"))
        .args(args)
        .output()
        .expect("run waldump")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn lines_with<'a>(out: &'a str, needle: &str) -> Vec<&'a str> {
    out.lines().filter(|l| l.contains(needle)).collect()
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let bytes = std::fs::read(&p).expect("read");
                out.push((p, bytes));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn dumps_records_clrs_checkpoints_and_stats() {
    let tmp = TempDir::new("basic");
    let dir = tmp.0.join("db");
    let [t1, t2, t3] = populate(&dir, LogOptions::default().segment_size, false);
    let d = dir.to_str().expect("utf-8 path");
    let before = snapshot(&dir);

    let o = waldump(&[d]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "exit {:?}\n{out}\n{err}", o.status);
    assert!(out.starts_with("master: seq "), "{out}");
    assert!(out.contains("checkpoint begin 0/00000040"), "{out}");
    assert!(out.contains("segment size 16777216 (default"), "{out}");
    assert!(
        out.contains("lsn: 0/00000040, len:     40, txn:     0, prev: 0/00000000, CheckpointBegin"),
        "{out}"
    );
    // Each transaction's Begin, two commits (1 and 3), one abort with its end.
    assert_eq!(lines_with(&out, ", Begin").len(), 3, "{out}");
    assert_eq!(lines_with(&out, ", Commit").len(), 2, "{out}");
    assert_eq!(lines_with(&out, ", Abort").len(), 1, "{out}");
    assert_eq!(lines_with(&out, ", End").len(), 1, "{out}");
    // The new heap page: formatted by a redo-only system record carrying a full-page image.
    let init = lines_with(&out, "desc: heap init");
    assert_eq!(init.len(), 1, "{out}");
    assert!(init[0].contains("page: 1:0, image: full"), "{}", init[0]);
    assert!(init[0].contains("redo-only"), "{}", init[0]);
    let inserts = lines_with(&out, "desc: heap insert slot");
    assert_eq!(inserts.len(), 3 + 1 + 2, "{out}");
    assert!(
        inserts[0].contains(&format!("txn: {t1:>5}")) && inserts[0].contains("xmin 1 (42 bytes)"),
        "{}",
        inserts[0]
    );
    assert_eq!(
        lines_with(&out, &format!("heap set-xmax slot 1 xmax 0 -> {t2}")).len(),
        1,
        "{out}"
    );
    // CLRs: transaction 2 undoes its delete and its insert, transaction 3 one insert.
    let clrs = lines_with(&out, ", Clr, undo_next: ");
    assert_eq!(clrs.len(), 3, "{out}");
    assert!(clrs.iter().all(|l| l.contains("redo-only")), "{out}");
    assert!(clrs.iter().any(|l| l.contains("heap remove slot")), "{out}");
    assert!(
        clrs.iter().any(|l| l.contains(&format!("txn: {t2:>5}"))
            && l.contains(&format!("heap set-xmax slot 1 xmax {t2} -> 0"))),
        "{out}"
    );
    assert!(
        clrs.iter().any(|l| l.contains(&format!("txn: {t3:>5}"))),
        "{out}"
    );
    // The checkpoint taken by open, with its tables.
    assert!(
        out.contains("CheckpointEnd, begin: 0/00000040, next_txn: 1, txns: 0, dirty pages: 0"),
        "{out}"
    );
    assert!(out.contains("end of log at "), "{out}");
    assert!(out.contains(": end of written log ("), "{out}");
    assert!(out.contains("named by the master: found"), "{out}");

    // Filters.
    let o = waldump(&[d, "--txn", &t2.to_string()]);
    let (out, _) = text(&o);
    assert!(o.status.success());
    let shown: Vec<&str> = out.lines().filter(|l| l.starts_with("lsn: ")).collect();
    assert!(!shown.is_empty());
    assert!(
        shown.iter().all(|l| l.contains(&format!("txn: {t2:>5}"))),
        "{out}"
    );
    let o = waldump(&[d, "--page", "1:0"]);
    let (out, _) = text(&o);
    let shown: Vec<&str> = out.lines().filter(|l| l.starts_with("lsn: ")).collect();
    assert!(shown.len() >= 10, "{out}");
    assert!(shown.iter().all(|l| l.contains("page: 1:0")), "{out}");
    let o = waldump(&[d, "--page", "7:3"]);
    assert!(
        text(&o).0.contains(" records read, 0 shown)"),
        "{}",
        text(&o).0
    );

    // --start from a record boundary taken from the first dump; a non-boundary is reported.
    let o = waldump(&[d, "--start", "0/00000040"]);
    assert!(o.status.success());
    let o = waldump(&[d, "--start", "0/00000041"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("not a record boundary"), "{out}");

    // Verbose: the checkpoint tables and the segment files.
    let o = waldump(&[d, "-v"]);
    let (out, _) = text(&o);
    assert!(
        out.contains("    0000000000000000.wal: start 0/00000000"),
        "{out}"
    );
    assert!(out.contains("    image: type Heap"), "{out}");

    // Stats: one row per kind and operation, and a total.
    let o = waldump(&[d, "--stats"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        !out.contains("lsn: "),
        "--stats prints no record lines\n{out}"
    );
    let row = |name: &str| -> Vec<String> {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} row in\n{out}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(row("Commit")[1], "2");
    assert_eq!(row("Abort")[1], "1");
    assert_eq!(row("CheckpointBegin")[1], "1");
    assert!(out.contains("Update/heap insert"), "{out}");
    assert!(out.contains("Clr/heap remove"), "{out}");
    assert!(out.contains("Clr/heap set-xmax"), "{out}");
    let total = row("Total");
    let records: u64 = total[1].parse().expect("count");
    assert!(records > 15, "{out}");
    assert_eq!(total[2], "100.00");
    assert!(
        out.contains("images: 1 full-page, 0 consistency-check"),
        "{out}"
    );

    // Help documents every flag.
    let o = waldump(&["--help"]);
    let (help, _) = text(&o);
    assert!(o.status.success());
    for flag in [
        "--start",
        "--stats",
        "--txn",
        "--page",
        "--segment-size",
        "--verbose",
        "--help",
    ] {
        assert!(help.contains(flag), "--help does not mention {flag}");
    }
    // Usage errors exit with 2.
    assert_eq!(waldump(&[]).status.code(), Some(2));
    assert_eq!(waldump(&[d, "--bogus"]).status.code(), Some(2));
    assert_eq!(waldump(&[d, "--page", "x"]).status.code(), Some(2));
    assert_eq!(waldump(&["/nonexistent/quill/dir"]).status.code(), Some(1));

    assert!(
        snapshot(&dir) == before,
        "waldump modified the data directory"
    );
}

#[test]
fn dumps_btree_records_and_multi_page_splits() {
    let tmp = TempDir::new("btree");
    let dir = tmp.0.join("db");
    let aborted = {
        let (st, _) = Storage::open(
            Arc::new(vfs::OsVfs::new()),
            &dir,
            options(LogOptions::default().segment_size),
        )
        .expect("open");
        let tree = st.create_btree(3, true).expect("create tree");
        let key = |i: u32| {
            let mut k = vec![b'k'; 200];
            k[..4].copy_from_slice(&i.to_be_bytes());
            k
        };
        let tid = |i: u32| storage::Tid { page: i, slot: 0 };
        let mut t = st.begin().expect("begin");
        for i in 0..200 {
            tree.insert(&mut t, &key(i), tid(i)).expect("insert");
        }
        t.commit().expect("commit");
        let mut t = st.begin().expect("begin");
        let aborted = t.id().0;
        tree.delete(&mut t, &key(7), tid(7)).expect("delete");
        tree.insert(&mut t, &key(1000), tid(1000)).expect("insert");
        t.abort().expect("abort");
        let mut t = st.begin().expect("begin");
        tree.delete(&mut t, &key(8), tid(8)).expect("delete");
        t.commit().expect("commit");
        aborted
    };
    let d = dir.to_str().expect("utf-8 path");
    let o = waldump(&[d]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    // The tree's creation and every split are multi-page records, one detail line per page.
    let multi = lines_with(&out, ", MultiPage, pages: ");
    assert!(multi.len() >= 2, "{out}");
    assert!(
        out.contains("desc: btree meta init root 1, unique"),
        "{out}"
    );
    assert!(out.contains("desc: batch of "), "{out}");
    assert!(out.contains("btree append "), "{out}");
    assert!(out.contains("btree set-links left "), "{out}");
    assert_eq!(
        lines_with(&out, "desc: btree insert key ").len(),
        201,
        "{out}"
    );
    assert!(out.contains("deleted false -> true"), "{out}");
    // The aborted transaction's logical undo: a CLR per change.
    let clrs: Vec<&str> = lines_with(&out, ", Clr, ")
        .into_iter()
        .filter(|l| l.contains(&format!("txn: {aborted:>5}")))
        .collect();
    assert_eq!(clrs.len(), 2, "{out}");
    assert!(
        clrs.iter().any(|l| l.contains("desc: btree remove key ")),
        "{out}"
    );
    assert!(
        clrs.iter().any(|l| l.contains("deleted true -> false")),
        "{out}"
    );
    // --page matches a page anywhere in a multi-page record.
    let o = waldump(&[d, "--page", "3:0"]);
    let (out, _) = text(&o);
    assert!(lines_with(&out, ", MultiPage, pages: ").len() >= 2, "{out}");
    let o = waldump(&[d, "--stats"]);
    let (out, _) = text(&o);
    assert!(out.lines().any(|l| l.starts_with("MultiPage ")), "{out}");
    assert!(out.contains("Update/btree insert"), "{out}");
    assert!(out.contains("Clr/btree set-state"), "{out}");
}

#[test]
fn infers_the_segment_size_from_file_names() {
    let tmp = TempDir::new("segments");
    let dir = tmp.0.join("db");
    populate(&dir, 4096, true);
    let d = dir.to_str().expect("utf-8 path");
    let o = waldump(&[d]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        out.contains("segment size 4096 (inferred from the segment file names)"),
        "{out}"
    );
    assert!(out.contains("named by the master: found"), "{out}");
    // A wrong explicit size is used as given, with a warning.
    let o = waldump(&[d, "--segment-size", "8K"]);
    let (out, _) = text(&o);
    assert!(
        out.contains("disagrees with the segment file names"),
        "{out}"
    );
    assert!(
        out.contains("NOT ALIGNED") || out.contains("the log ignores it"),
        "{out}"
    );
}

#[test]
fn damaged_logs_are_reported_never_panicked_on_nor_modified() {
    let tmp = TempDir::new("damage");
    let dir = tmp.0.join("db");
    populate(&dir, LogOptions::default().segment_size, false);
    let d = dir.to_str().expect("utf-8 path");
    let seg = dir.join("wal").join("0000000000000000.wal");
    let good = std::fs::read(&seg).expect("segment");

    // Damage inside the body of the checkpoint end record the master names (at 0x68, after
    // the 40-byte begin record at 0x40): recovery would refuse to start.
    let mut bad = good.clone();
    bad[0x68 + 50] ^= 0x10;
    std::fs::write(&seg, &bad).expect("write");
    let o = waldump(&[d]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(
        out.contains("end of log at 0/00000068: checksum mismatch"),
        "{out}"
    );
    assert!(out.contains("before the checkpoint end record"), "{out}");
    assert!(out.contains("tail: "), "{out}");
    assert!(err.contains("waldump: error: "), "{err}");
    assert_eq!(
        std::fs::read(&seg).expect("segment"),
        bad,
        "waldump cut the log"
    );

    // A torn tail after the checkpoint is the normal end of a crashed log: exit 0.
    let mut torn = good.clone();
    let n = torn.len();
    torn[n - 3] ^= 0xFF;
    std::fs::write(&seg, &torn).expect("write");
    let o = waldump(&[d]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(out.contains("checksum mismatch"), "{out}");
    assert!(out.contains("tail: "), "{out}");

    // Random damage anywhere, and garbage segments: an error or a clean stop, never a panic.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..24 {
        let mut bytes = good.clone();
        let len = bytes.len() as u64;
        match round % 3 {
            0 => {
                for _ in 0..1 + next() % 8 {
                    let at = (next() % len) as usize;
                    bytes[at] ^= 1 << (next() % 8);
                }
            }
            1 => bytes.truncate((next() % len) as usize),
            _ => {
                let at = (next() % len) as usize;
                for b in &mut bytes[at..] {
                    *b = next() as u8;
                }
            }
        }
        std::fs::write(&seg, &bytes).expect("write");
        for args in [vec![d], vec![d, "--stats", "-v"]] {
            let o = waldump(&args);
            let (out, err) = text(&o);
            assert!(
                matches!(o.status.code(), Some(0) | Some(1)) && !err.contains("panicked"),
                "round {round}: exit {:?}\n{out}\n{err}",
                o.status
            );
        }
    }
    // A segment whose name puts it at the end of the LSN space.
    std::fs::write(&seg, &good).expect("write");
    std::fs::write(dir.join("wal").join("FFFFFFFFFF000000.wal"), [0xAB; 64]).expect("write");
    let o = waldump(&[d]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}
