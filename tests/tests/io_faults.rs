//! I/O faults: EIO on reads, writes, syncs and directory syncs (once or persistent) and a full
//! disk, injected at random points of the workload. Each must surface as a clear error, and
//! after a crash and recovery every acknowledged commit must be there.

use quill_tests::sim::{run_trial, Injected, TrialConfig};
use vfs::FaultKind;

#[test]
fn injected_io_errors_lose_nothing_acknowledged() {
    let faults = [
        Injected::Eio {
            kind: FaultKind::Write,
            persistent: false,
        },
        Injected::Eio {
            kind: FaultKind::Write,
            persistent: true,
        },
        Injected::Eio {
            kind: FaultKind::Sync,
            persistent: false,
        },
        Injected::Eio {
            kind: FaultKind::Sync,
            persistent: true,
        },
        Injected::Eio {
            kind: FaultKind::Read,
            persistent: false,
        },
        Injected::Eio {
            kind: FaultKind::SyncDir,
            persistent: false,
        },
        Injected::Eio {
            kind: FaultKind::Any,
            persistent: false,
        },
        Injected::Enospc,
    ];
    let mut failures = Vec::new();
    let mut errors_seen = 0;
    let per_fault = 60;
    for (f, fault) in faults.iter().enumerate() {
        for i in 0..per_fault {
            let mut cfg = TrialConfig::new(0xfa17_0000 + (f as u64) * 1000 + i);
            cfg.fault = Some(*fault);
            match run_trial(&cfg) {
                Ok(s) => errors_seen += s.error_seen.is_some() as u32,
                Err(e) => failures.push(e),
            }
        }
    }
    println!(
        "io_faults: {} trials, {errors_seen} hit their injected fault, {} failures",
        faults.len() * per_fault as usize,
        failures.len()
    );
    assert!(
        errors_seen as usize > faults.len() * per_fault as usize / 3,
        "faults rarely fired"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
