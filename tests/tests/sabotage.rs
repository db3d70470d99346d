//! The crash tests have teeth: each deliberately broken variant of the durability protocol
//! (see `wal::Sabotage`) must make the crash campaign fail within a bounded number of trials.

use quill_tests::sim::{run_trial, TrialConfig};
use storage::Sabotage;
use vfs::CrashMode;

/// Trials allowed per variant before declaring it missed.
const BUDGET: u64 = 3_000;

fn caught_after(which: Sabotage) -> Option<(u64, String)> {
    for i in 0..BUDGET {
        let mut cfg = TrialConfig::new(0xbad0_0000 + i);
        cfg.sabotage = Some(which);
        cfg.mode = Some(CrashMode::PowerLoss);
        cfg.pool_frames = 16 + (i % 4) as usize;
        if let Err(e) = run_trial(&cfg) {
            return Some((i + 1, e));
        }
    }
    None
}

#[test]
fn every_sabotaged_variant_is_caught() {
    let mut missed = Vec::new();
    for which in Sabotage::ALL {
        match caught_after(which) {
            Some((n, why)) => {
                let reason = why.split_once("}): ").map_or(why.as_str(), |(_, r)| r);
                let short: String = reason.chars().take(240).collect();
                println!("sabotage {which:?}: caught after {n} trials: {short}");
            }
            None => missed.push(which),
        }
    }
    assert!(
        missed.is_empty(),
        "not caught within {BUDGET} trials: {missed:?}"
    );
}
