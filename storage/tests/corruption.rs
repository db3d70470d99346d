//! Damage on disk is reported, never used: a flipped bit in a data page gives an error naming
//! the file and page; a damaged master record or a damaged log before the checkpoint refuses
//! to open instead of silently losing data.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use rand::{Rng, SeedableRng};
use std::path::Path;
use std::sync::Arc;
use storage::{Storage, StorageError, StorageOptions};
use vfs::SimVfs;

fn opts() -> StorageOptions {
    StorageOptions {
        pool_frames: 8,
        checkpoint_interval: None,
        ..StorageOptions::default()
    }
}

fn filled(seed: u64) -> SimVfs {
    let fs = SimVfs::new(seed);
    let (st, _) = Storage::open(Arc::new(fs.clone()), Path::new("/db"), opts()).expect("open");
    let mut t = st.begin().expect("begin");
    for i in 0..600u32 {
        st.heap(1)
            .insert(&mut t, &[i.to_le_bytes().as_slice(), &[7u8; 100]].concat())
            .expect("insert");
    }
    t.commit().expect("commit");
    st.close().expect("close");
    fs
}

#[test]
fn every_flipped_bit_in_a_data_page_is_reported() {
    let fs = filled(1);
    let data = Path::new("/db/base/00000001.dat");
    let len = fs.peek(data).expect("data file").len();
    let pages = len / 8192;
    assert!(pages >= 5);
    let mut rng = rand::rngs::StdRng::seed_from_u64(99);
    let trials = 2_000;
    for _ in 0..trials {
        let fs = fs.crash(vfs::CrashMode::ProcessKill);
        let page = rng.gen_range(0..pages);
        let byte = page * 8192 + rng.gen_range(0..8192);
        let original = fs.peek(data).expect("data")[byte];
        fs.poke(data, byte as u64, &[original ^ (1 << rng.gen_range(0..8))]);
        let (st, _) = Storage::open(Arc::new(fs.clone()), Path::new("/db"), opts()).expect("open");
        let err = st
            .heap(1)
            .scan()
            .find_map(|r| r.err())
            .expect("the damaged page must not be read silently");
        match &err {
            StorageError::CorruptPage { path, page: p, .. } => {
                assert_eq!(path, data);
                assert_eq!(p.page_no as usize, page);
            }
            other => panic!("unexpected error {other}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("00000001.dat") && msg.contains(&format!("1:{page}")),
            "{msg}"
        );
        assert!(st.check_integrity().is_err());
    }
}

#[test]
fn damaged_master_record_refuses_to_open() {
    let fs = filled(2);
    fs.poke(Path::new("/db/control"), 20, &[0xff; 4]);
    fs.poke(Path::new("/db/control"), 512 + 20, &[0xff; 4]);
    let err = Storage::open(Arc::new(fs), Path::new("/db"), opts()).expect_err("must refuse");
    assert!(err.to_string().contains("master"), "{err}");
}

#[test]
fn damaged_checkpoint_record_refuses_to_open() {
    let fs = filled(3);
    let seg = Path::new("/db/wal/0000000000000000.wal");
    let len = fs.peek(seg).expect("segment").len();
    // A clean close ends the log with the checkpoint's end record, which the master names:
    // damage inside it must not be taken for a torn tail.
    fs.poke(seg, (len - 10) as u64, &[0xAA, 0x55]);
    let before = fs.peek(seg).expect("segment");
    let err =
        Storage::open(Arc::new(fs.clone()), Path::new("/db"), opts()).expect_err("must refuse");
    assert!(err.to_string().contains("checkpoint"), "{err}");
    // Refusing must not destroy anything: the damaged log is left for salvage.
    assert_eq!(
        fs.peek(seg).expect("segment"),
        before,
        "a refused open changed the log"
    );
}
