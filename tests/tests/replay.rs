//! WAL consistency, whole-database form: run a workload, then rebuild every page from the log
//! alone on an empty disk and compare each page, byte for byte (checksum and free hole
//! masked), with the page the running engine wrote.

use quill_tests::sim::{open_fresh, options, run_workload, TrialConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;
use std::sync::Arc;
use storage::page::Page;
use storage::Storage;
use vfs::{OpenMode, SimVfs, Vfs};

fn copy_file(from: &SimVfs, to: &SimVfs, path: &Path) {
    let bytes = from.peek(path).expect("file to copy");
    to.create_dir_all(path.parent().expect("parent"))
        .expect("mkdir");
    let f = to.open(path, OpenMode::CreateIfMissing).expect("create");
    f.write_all_at(&bytes, 0).expect("write");
    f.sync().expect("sync");
    to.sync_dir(path.parent().expect("parent"))
        .expect("sync dir");
}

#[test]
fn replaying_the_whole_log_rebuilds_identical_pages() {
    let dir = Path::new("/db");
    let (mut pages_compared, mut records) = (0u64, 0u64);
    for seed in 0..40u64 {
        let mut cfg = TrialConfig::new(0x4e91_0000 + seed);
        cfg.checkpoints = false;
        cfg.steps = 600;
        let live = SimVfs::new(cfg.seed);
        let storage = open_fresh(&live, &cfg).expect("open");
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let out = run_workload(&storage, &cfg, &mut rng);
        assert!(out.error.is_none(), "workload failed: {:?}", out.error);
        storage.flush_dirty_pages().expect("flush");
        storage.log().flush_all().expect("flush log");
        drop(storage);

        // A disk holding only the log: no master record, no data files.
        let replay = SimVfs::new(cfg.seed);
        for seg in live.list(&dir.join("wal")).expect("list wal") {
            copy_file(&live, &replay, &seg);
        }
        let (rebuilt, report) =
            Storage::open(Arc::new(replay.clone()), dir, options(&cfg)).expect("replay");
        assert_eq!(report.losers, 0, "every transaction ended before the copy");
        records += report.records_scanned;
        rebuilt.flush_dirty_pages().expect("flush rebuilt");
        drop(rebuilt);
        for file in live.list(&dir.join("base")).expect("list base") {
            if file.extension().and_then(|e| e.to_str()) != Some("dat") {
                continue;
            }
            let a = live.peek(&file).expect("live file");
            let b = replay.peek(&file).unwrap_or_default();
            let n = a.len().max(b.len()) / 8192;
            for p in 0..n {
                let page = |bytes: &[u8]| {
                    let mut buf = vec![0u8; 8192];
                    let have = bytes.len().saturating_sub(p * 8192).min(8192);
                    buf[..have].copy_from_slice(&bytes[p * 8192..p * 8192 + have]);
                    Page::from_bytes(&buf).expect("page size").masked()
                };
                let (pa, pb) = (page(&a), page(&b));
                assert!(
                    pa == pb,
                    "seed {:#x}: {} page {p} differs after replay: live {pa:?}, replayed {pb:?}",
                    cfg.seed,
                    file.display()
                );
                pages_compared += 1;
            }
        }
    }
    println!("replay: {records} log records replayed from an empty disk, {pages_compared} pages identical");
    assert!(pages_compared > 100);
}
