//! Deliberately broken variants of the durability protocol, used only to prove that the crash
//! tests catch each of them. They take effect only when the crate is built with the
//! `sabotage` feature (enabled by the test crates); otherwise [`Sabotage::active`] is always false.

/// One deliberate protocol violation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sabotage {
    /// A dirty page is written without first making the log durable up to its pageLSN.
    WalRule,
    /// Commit returns before its commit record is durable.
    EarlyCommitAck,
    /// Redo applies records without comparing the record's LSN with the pageLSN.
    RedoIgnoresPageLsn,
    /// Undo reverses changes without writing compensation records.
    UndoWithoutClr,
    /// The checkpoint's redo point is taken after its dirty page table, so pages dirtied in
    /// between are missed.
    CheckpointMissesDirtyPages,
    /// The master record is pointed at a checkpoint before its end record is durable.
    MasterBeforeCheckpointEnd,
    /// A new log segment's directory entry is never synced.
    SegmentDirNotSynced,
    /// No full-page images: a page torn by a crash cannot be repaired.
    NoFullPageWrites,
    /// A commit leaves the running set (becomes visible to other snapshots) before its
    /// commit record is durable.
    VisibleBeforeDurable,
    /// A transaction gets its id outside the interlock with snapshots, so a snapshot taken
    /// before it enters the running set sees it as committed.
    SnapshotWithoutInterlock,
    /// Pruning removes versions deleted by any committed transaction, ignoring the horizon
    /// of live snapshots.
    PruneIgnoresHorizon,
}

impl Sabotage {
    /// Violations of the durability protocol, caught by crash tests.
    pub const ALL: [Sabotage; 8] = [
        Sabotage::WalRule,
        Sabotage::EarlyCommitAck,
        Sabotage::RedoIgnoresPageLsn,
        Sabotage::UndoWithoutClr,
        Sabotage::CheckpointMissesDirtyPages,
        Sabotage::MasterBeforeCheckpointEnd,
        Sabotage::SegmentDirNotSynced,
        Sabotage::NoFullPageWrites,
    ];

    /// Violations of the visibility protocol, caught by concurrency tests.
    pub const VISIBILITY: [Sabotage; 3] = [
        Sabotage::VisibleBeforeDurable,
        Sabotage::SnapshotWithoutInterlock,
        Sabotage::PruneIgnoresHorizon,
    ];

    /// Whether `configured` is this sabotage and sabotage is compiled in.
    pub fn active(configured: Option<Sabotage>, which: Sabotage) -> bool {
        cfg!(feature = "sabotage") && configured == Some(which)
    }
}
