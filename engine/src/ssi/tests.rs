#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use super::*;
use std::path::Path;
use storage::{Storage, StorageOptions, Transaction};
use vfs::SimVfs;

const F: u32 = 100;
const IX: u32 = 101;

fn storage() -> Storage {
    let opts = StorageOptions {
        checkpoint_interval: None,
        ..StorageOptions::default()
    };
    Storage::open(Arc::new(SimVfs::new(3)), Path::new("/db"), opts)
        .expect("open")
        .0
}

/// Begins a storage transaction and registers it as serializable.
fn begin(st: &Storage, ssi: &Ssi, read_only: bool) -> Transaction {
    let txn = st.begin().unwrap();
    ssi.register(txn.id(), read_only, || st.snapshot(&txn));
    txn
}

fn commit(ssi: &Ssi, txn: Transaction) -> Result<()> {
    let me = txn.id();
    if let Err(e) = ssi.pre_commit(me) {
        txn.abort().unwrap();
        ssi.aborted(me);
        return Err(e);
    }
    txn.commit().unwrap();
    ssi.committed(me);
    Ok(())
}

fn reason(e: &EngineError) -> String {
    assert_eq!(e.sqlstate(), "40001");
    e.detail().unwrap_or_default().to_string()
}

fn tid(page: u32, slot: u16) -> Tid {
    Tid { page, slot }
}

#[test]
fn write_skew_dooms_the_pivot_at_the_first_commit() {
    let st = storage();
    let ssi = Ssi::new();
    let t1 = begin(&st, &ssi, false);
    let t2 = begin(&st, &ssi, false);
    let (a, b) = (t1.id(), t2.id());
    ssi.lock_relation(a, F);
    ssi.lock_relation(b, F);
    ssi.check_write_tuple(a, F, tid(0, 1)).unwrap();
    assert!(ssi.has_conflict(b, a));
    ssi.check_write_tuple(b, F, tid(0, 2)).unwrap();
    assert!(ssi.has_conflict(a, b));
    // Neither has committed: no dangerous structure yet.
    assert!(!ssi.is_doomed(a) && !ssi.is_doomed(b));
    commit(&ssi, t1).unwrap();
    assert!(
        ssi.is_doomed(b),
        "t2 -rw-> t1 -rw-> t2 with t1 committed first"
    );
    let e = commit(&ssi, t2).unwrap_err();
    assert_eq!(
        reason(&e),
        "Reason code: Canceled on identification as a pivot, during commit attempt."
    );
    assert_eq!(ssi.footprint(), (0, 0, 0, 0), "everything freed");
}

#[test]
fn transactions_that_do_not_overlap_do_not_conflict() {
    let st = storage();
    let ssi = Ssi::new();
    let t1 = begin(&st, &ssi, false);
    let a = t1.id();
    ssi.lock_relation(a, F);
    let t2 = begin(&st, &ssi, false);
    commit(&ssi, t1).unwrap();
    // t1 is kept: t2 overlaps it.
    assert_eq!(ssi.footprint().0, 2);
    let t3 = begin(&st, &ssi, false);
    let c = t3.id();
    // t3's snapshot sees t1's commit: writing what t1 read is no conflict.
    ssi.check_write_tuple(c, F, tid(0, 1)).unwrap();
    assert!(!ssi.has_conflict(a, c));
    // t2 does not see t1's commit: the same write is one.
    ssi.check_write_tuple(t2.id(), F, tid(0, 1)).unwrap();
    assert!(ssi.has_conflict(a, t2.id()));
    commit(&ssi, t2).unwrap();
    commit(&ssi, t3).unwrap();
    assert_eq!(ssi.footprint(), (0, 0, 0, 0));
}

#[test]
fn a_write_completing_a_structure_after_a_commit_fails_at_once() {
    let st = storage();
    let ssi = Ssi::new();
    let t0 = begin(&st, &ssi, false);
    let t1 = begin(&st, &ssi, false);
    let t2 = begin(&st, &ssi, false);
    // t1 read what t2 wrote: t1 -rw-> t2, and t2 commits.
    ssi.lock_tuple(t1.id(), F, tid(0, 1));
    ssi.check_write_tuple(t2.id(), F, tid(0, 1)).unwrap();
    commit(&ssi, t2).unwrap();
    // t0 read what t1 now writes: t0 -rw-> t1 -rw-> t2 (committed first); t1 is the writer.
    ssi.lock_tuple(t0.id(), F, tid(1, 1));
    let e = ssi.check_write_tuple(t1.id(), F, tid(1, 1)).unwrap_err();
    assert_eq!(
        reason(&e),
        "Reason code: Canceled on identification as a pivot, during write."
    );
    drop(t0);
    drop(t1);
}

#[test]
fn a_read_into_a_committed_pivot_fails() {
    let st = storage();
    let ssi = Ssi::new();
    let t0 = begin(&st, &ssi, false);
    let t1 = begin(&st, &ssi, false);
    let t2 = begin(&st, &ssi, false);
    let pivot = t1.id();
    // t1 -rw-> t2, t2 commits, then t1 commits (it is a pivot only once someone reads
    // into it).
    ssi.lock_tuple(pivot, F, tid(0, 1));
    ssi.check_write_tuple(t2.id(), F, tid(0, 1)).unwrap();
    commit(&ssi, t2).unwrap();
    ssi.check_write_tuple(pivot, F, tid(5, 5)).unwrap();
    commit(&ssi, t1).unwrap();
    // t0 meets a version t1 made that its snapshot does not show: t0 -rw-> t1.
    let e = ssi.check_read(t0.id(), pivot).unwrap_err();
    assert_eq!(
        reason(&e),
        format!(
            "Reason code: Canceled on conflict out to pivot {}, during read.",
            pivot.0
        )
    );
}

#[test]
fn a_read_only_transaction_reading_a_harmless_commit_is_not_canceled() {
    let st = storage();
    let ssi = Ssi::new();
    let w = begin(&st, &ssi, false);
    let r = begin(&st, &ssi, true);
    ssi.check_write_tuple(w.id(), F, tid(0, 1)).unwrap();
    let wid = w.id();
    commit(&ssi, w).unwrap();
    // The writer had no conflict out: the read-only reader appears to run before it.
    ssi.check_read(r.id(), wid).unwrap();
    assert!(!ssi.has_conflict(r.id(), wid));
    commit(&ssi, r).unwrap();
}

#[test]
fn a_read_only_transaction_with_a_safe_snapshot_is_not_tracked() {
    let st = storage();
    let ssi = Ssi::new();
    let txn = st.begin().unwrap();
    assert!(!ssi.register(txn.id(), true, || st.snapshot(&txn)).1);
    assert!(!ssi.is_serializable(txn.id()));
    let rw = begin(&st, &ssi, false);
    let txn2 = st.begin().unwrap();
    assert!(ssi.register(txn2.id(), true, || st.snapshot(&txn2)).1);
    assert!(ssi.is_serializable(txn2.id()));
    drop(rw);
}

#[test]
fn tuple_locks_are_promoted_to_page_then_relation() {
    let st = storage();
    let ssi = Ssi::new();
    let t = begin(&st, &ssi, false);
    let me = t.id();
    for slot in 0..TUPLES_PER_PAGE as u16 {
        ssi.lock_tuple(me, F, tid(0, slot));
    }
    assert_eq!(ssi.footprint().1, TUPLES_PER_PAGE);
    ssi.lock_tuple(me, F, tid(0, 99));
    assert_eq!(ssi.footprint().1, 1, "one page lock");
    for page in 1..=LOCKS_PER_RELATION as u32 {
        ssi.lock_tuple(me, F, tid(page, 0));
    }
    assert_eq!(ssi.footprint().1, 1, "one relation lock");
    // The relation lock covers a write anywhere in the relation.
    let other = begin(&st, &ssi, false);
    ssi.check_write_relation(other.id(), F).unwrap();
    assert!(ssi.has_conflict(me, other.id()));
}

#[test]
fn key_ranges_cover_their_keys_only() {
    let st = storage();
    let ssi = Ssi::new();
    let r = begin(&st, &ssi, false);
    let w = begin(&st, &ssi, false);
    ssi.lock_range(
        r.id(),
        IX,
        Bound::Included(vec![10]),
        Bound::Excluded(vec![20]),
    );
    ssi.check_write_key(w.id(), IX, &[20]).unwrap();
    ssi.check_write_key(w.id(), IX + 1, &[15]).unwrap();
    assert!(!ssi.has_conflict(r.id(), w.id()));
    ssi.check_write_key(w.id(), IX, &[15]).unwrap();
    assert!(ssi.has_conflict(r.id(), w.id()));
    // Past the limit, a transaction's ranges of an index become the whole index.
    for k in 0..=RANGES_PER_INDEX as u8 {
        ssi.lock_range(
            r.id(),
            IX + 2,
            Bound::Included(vec![k]),
            Bound::Included(vec![k]),
        );
    }
    assert_eq!(ssi.footprint().2, 2);
}

#[test]
fn rollback_drops_locks_and_conflicts() {
    let st = storage();
    let ssi = Ssi::new();
    let t1 = begin(&st, &ssi, false);
    let t2 = begin(&st, &ssi, false);
    ssi.lock_relation(t1.id(), F);
    ssi.check_write_relation(t2.id(), F).unwrap();
    assert!(ssi.has_conflict(t1.id(), t2.id()));
    let gone = t1.id();
    t1.abort().unwrap();
    ssi.aborted(gone);
    assert_eq!(ssi.footprint(), (1, 0, 0, 0));
    // With the reader gone, t2 commits.
    commit(&ssi, t2).unwrap();
    assert_eq!(ssi.footprint(), (0, 0, 0, 0));
}

#[test]
fn old_committed_transactions_are_summarised_and_still_conflict() {
    let st = storage();
    let ssi = Ssi::new();
    // A long-running transaction keeps every later commit relevant.
    let long = begin(&st, &ssi, false);
    for i in 0..(MAX_COMMITTED + 10) {
        let t = begin(&st, &ssi, false);
        ssi.lock_tuple(t.id(), F, tid(i as u32, 0));
        ssi.check_write_tuple(t.id(), F + 1, tid(i as u32, 0))
            .unwrap();
        commit(&ssi, t).unwrap();
    }
    let (xacts, _, _, summarised) = ssi.footprint();
    assert_eq!(xacts, MAX_COMMITTED + 1, "bounded");
    assert_eq!(summarised, 10);
    // A write on what a summarised transaction read is a conflict in from it.
    ssi.check_write_tuple(long.id(), F, tid(0, 0)).unwrap();
    assert!(ssi.state.lock().xacts[&long.id()].summary_conflict_in);
    commit(&ssi, long).unwrap();
    assert_eq!(ssi.footprint(), (0, 0, 0, 0));
}

fn database() -> crate::Database {
    let mut opts = crate::DatabaseOptions::default();
    opts.storage.checkpoint_interval = None;
    crate::Database::open_with(Arc::new(SimVfs::new(5)), Path::new("/db"), opts).expect("open")
}

#[test]
fn sessions_in_write_skew_lose_one_at_commit() {
    let db = database();
    let mut setup = db.session();
    setup
        .execute("CREATE TABLE oncall (name text PRIMARY KEY, on_call boolean NOT NULL)")
        .unwrap();
    setup
        .execute("INSERT INTO oncall VALUES ('a', true), ('b', true)")
        .unwrap();
    let (mut a, mut b) = (db.session(), db.session());
    for (s, name) in [(&mut a, "a"), (&mut b, "b")] {
        s.execute("BEGIN ISOLATION LEVEL SERIALIZABLE").unwrap();
        let n: i64 = s
            .query("SELECT count(*) FROM oncall WHERE on_call", &[])
            .unwrap()
            .get(0, 0)
            .unwrap();
        assert_eq!(n, 2);
        s.execute(&format!(
            "UPDATE oncall SET on_call = false WHERE name = '{name}'"
        ))
        .unwrap();
    }
    a.execute("COMMIT").unwrap();
    let e = b.execute("COMMIT").unwrap_err();
    assert_eq!(e.sqlstate(), "40001");
    assert_eq!(
        e.detail(),
        Some("Reason code: Canceled on identification as a pivot, during commit attempt.")
    );
    let left: i64 = setup
        .query("SELECT count(*) FROM oncall WHERE on_call", &[])
        .unwrap()
        .get(0, 0)
        .unwrap();
    assert_eq!(left, 1);
    assert_eq!(db.ssi().footprint(), (0, 0, 0, 0));
}

#[test]
fn only_transactions_needing_a_safe_snapshot_are_refused() {
    let db = database();
    let mut s = db.session();
    for sql in [
        "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE",
        "SET SESSION CHARACTERISTICS AS TRANSACTION DEFERRABLE",
    ] {
        let e = s.execute(sql).unwrap_err();
        assert_eq!(e.sqlstate(), "0A000", "{sql}");
    }
    // The refused BEGIN opened no block.
    s.execute("BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY")
        .unwrap();
    s.execute("COMMIT").unwrap();
    // NOT DEFERRABLE is the default; DEFERRABLE elsewhere has no effect.
    for begin in [
        "START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, NOT DEFERRABLE",
        "BEGIN ISOLATION LEVEL SERIALIZABLE DEFERRABLE",
        "BEGIN READ ONLY, DEFERRABLE",
    ] {
        s.execute(begin).unwrap();
        s.execute("COMMIT").unwrap();
    }
    // Becoming SERIALIZABLE READ ONLY DEFERRABLE later is refused and changes nothing.
    s.execute("BEGIN DEFERRABLE").unwrap();
    let e = s
        .execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE READ ONLY")
        .unwrap_err();
    assert_eq!(e.sqlstate(), "0A000");
    let level: String = s
        .query("SHOW transaction_isolation", &[])
        .unwrap()
        .get(0, 0)
        .unwrap();
    assert_eq!(level, "read committed");
    s.execute("COMMIT").unwrap();
}
