//! Table access: the one place where the SQL engine reads and writes a table's rows.
//!
//! **Reads** go through a [`Reader`]: a storage handle plus the statement's [`Snapshot`].
//! A reader returns exactly the row versions the snapshot sees — those inserted by
//! transactions committed when the snapshot was taken (or by the reader's own transaction)
//! and not deleted by them. Index probes return the same versions: an index entry only
//! leads to a heap version, which is checked against the snapshot like a scanned one.
//!
//! **Writes** ([`insert_row`], [`delete_row`]) run in the statement's transaction and
//! follow PostgreSQL's rules for concurrent writers:
//! - a version being changed by another running transaction is waited for (the wait goes
//!   through the lock manager, so it is interruptible and deadlocks are found), then tried
//!   again;
//! - a version that a transaction committed after the snapshot deleted or replaced fails
//!   with [`EngineError::ConcurrentUpdate`]; at READ COMMITTED an UPDATE or DELETE then
//!   re-checks the row's newest version ([`newest_version`], EvalPlanQual), other statements
//!   are restarted by the session; REPEATABLE READ and SERIALIZABLE fail with 40001;
//! - an update links the old version to the new one ([`Writer::update_row`]) and holds the
//!   old one in FOR NO KEY UPDATE strength unless it changes a key column;
//! - a unique index entry of a running transaction with the same key is waited for, and
//!   the insert then succeeds (that transaction rolled back) or fails with 23505.
//!
//! **Serializable tracking** ([`crate::ssi`]): the reads of a SERIALIZABLE transaction
//! lock what they cover (a sequential scan its relation, an index scan its key range and
//! the versions it reaches) and report the versions of concurrent serializable transactions
//! they meet but do not see; its writes check the locks of the others on what they change
//! (a deleted or replaced version, the relation an insert goes into, the index keys it
//! adds). Temporary tables are not tracked.
//!
//! [`committed_rows`] reads the latest committed versions without a snapshot; it serves
//! statements that run alone (under the catalog's exclusive lock: index builds, table
//! rewrites), where no other transaction can be changing the table.

use crate::catalog::{IndexDef, TableDef};
use crate::error::{EngineError, Result};
use crate::lock::{LockManager, LockMode, LockTag, WaitProbe, WaitRules};
use crate::row_lock::Strength;
use crate::sql::expr::Row;
use crate::ssi::{self, ReadHandle, Ssi};
use crate::types::row::{decode_row, encode_row};
use crate::types::{DataType, Value};
use std::ops::Bound;
use storage::heap_page::TupleHeader;
use storage::keycode::ColumnOrder;
use storage::{ScanDirection, Snapshot, Storage, StorageError, Tid, Transaction, TxnId};

/// Reads rows as one snapshot sees them.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    pub storage: &'a Storage,
    pub snapshot: &'a Snapshot,
    /// Serializable-transaction tracking: the reads of a SERIALIZABLE transaction take
    /// SIREAD locks and check the versions of concurrent ones (None: no tracking).
    pub ssi: Option<&'a Ssi>,
}

/// A stream of visible rows with their tids.
pub type Rows<'a> = Box<dyn Iterator<Item = Result<(Tid, Row)>> + 'a>;

fn column_types(table: &TableDef) -> Vec<DataType> {
    table.columns.iter().map(|c| c.ty.clone()).collect()
}

/// A serializable read in progress: what it checks at every version it examines.
struct Serial<'a> {
    ssi: &'a Ssi,
    handle: ReadHandle,
}

impl Serial<'_> {
    /// Fails if the reader is doomed; records a rw-conflict out when the version was made
    /// by a concurrent transaction the snapshot does not show.
    fn examine(&self, snapshot: &Snapshot, h: &TupleHeader, visible: bool) -> Result<()> {
        self.handle.check_doomed()?;
        match ssi::conflict_xid(snapshot, h.xmin, h.xmax, visible) {
            Some(xid) => self.ssi.check_read(self.handle.owner(), xid),
            None => Ok(()),
        }
    }
}

impl<'a> Reader<'a> {
    /// The tracking of this read, when the snapshot's transaction is serializable (reads
    /// of temporary tables are not tracked: no other session sees them).
    fn serial(&self, table: &TableDef) -> Option<Serial<'a>> {
        if table.is_temp() {
            return None;
        }
        let ssi = self.ssi?;
        let handle = ssi.reader(self.snapshot.owner())?;
        Some(Serial { ssi, handle })
    }

    /// The table's visible rows in storage order, one page pinned at a time. A serializable
    /// reader locks the whole relation first (a sequential scan reads every row, and the
    /// absence of others).
    pub fn scan(&self, table: &TableDef) -> Rows<'a> {
        let types = column_types(table);
        let Some(serial) = self.serial(table) else {
            return Box::new(
                self.storage
                    .heap(table.file)
                    .scan_as(self.snapshot)
                    .map(move |t| {
                        crate::interrupt::check()?;
                        let (tid, bytes) = t?;
                        Ok((tid, decode_row(&bytes, &types)?))
                    }),
            );
        };
        serial.ssi.lock_relation(serial.handle.owner(), table.file);
        let snapshot = self.snapshot;
        let mut versions = self.storage.heap(table.file).scan_versions();
        Box::new(std::iter::from_fn(move || loop {
            if let Err(e) = crate::interrupt::check() {
                return Some(Err(e));
            }
            let (tid, h, bytes) = match versions.next_version()? {
                Ok(v) => v,
                Err(e) => return Some(Err(e.into())),
            };
            let visible = snapshot.tuple_visible(&h);
            if let Err(e) = serial.examine(snapshot, &h, visible) {
                return Some(Err(e));
            }
            if visible {
                return Some(
                    decode_row(&bytes, &types)
                        .map(|r| (tid, r))
                        .map_err(EngineError::from),
                );
            }
        }))
    }

    /// Every visible row of the table.
    pub fn rows(&self, table: &TableDef) -> Result<Vec<(Tid, Row)>> {
        self.scan(table).collect()
    }

    /// The visible rows whose key in index `index` lies within the bounds, in key order.
    /// A serializable reader locks the key range first (the keys it finds and those it does
    /// not), and each row's version before reading it.
    pub fn index_range(
        &self,
        table: &TableDef,
        index: &IndexDef,
        lo: Bound<Vec<u8>>,
        hi: Bound<Vec<u8>>,
        dir: ScanDirection,
    ) -> Result<Rows<'a>> {
        let tree = self.storage.btree(index.file)?;
        let heap = self.storage.heap(table.file);
        let types = column_types(table);
        let snapshot = self.snapshot;
        let serial = self.serial(table);
        if let Some(s) = &serial {
            s.ssi
                .lock_range(s.handle.owner(), index.file, lo.clone(), hi.clone());
        }
        let file = table.file;
        Ok(Box::new(tree.range_as(snapshot, lo, hi, dir).filter_map(
            move |entry| {
                let fetched = entry.map_err(EngineError::from).and_then(|(_, tid)| {
                    let Some(s) = &serial else {
                        return Ok((tid, heap.get_as(snapshot, tid)?));
                    };
                    s.ssi.lock_tuple(s.handle.owner(), file, tid);
                    let Some((h, bytes)) = heap.get_with_header(tid)? else {
                        return Ok((tid, None));
                    };
                    let visible = snapshot.tuple_visible(&h);
                    s.examine(snapshot, &h, visible)?;
                    Ok((tid, visible.then_some(bytes)))
                });
                match fetched {
                    Ok((tid, Some(bytes))) => Some(
                        decode_row(&bytes, &types)
                            .map(|r| (tid, r))
                            .map_err(EngineError::from),
                    ),
                    Ok((_, None)) => None,
                    Err(e) => Some(Err(e)),
                }
            },
        )))
    }
}

/// The latest committed (and own) versions of every row, for statements that run alone.
pub fn committed_rows(storage: &Storage, table: &TableDef) -> Result<Vec<(Tid, Row)>> {
    let types = column_types(table);
    let mut out = Vec::new();
    for t in storage.heap(table.file).scan() {
        let (tid, bytes) = t?;
        out.push((tid, decode_row(&bytes, &types)?));
    }
    Ok(out)
}

/// The latest committed (or own) version at `tid`, for statements that run alone.
pub fn committed_row(storage: &Storage, table: &TableDef, tid: Tid) -> Result<Option<Row>> {
    match storage.heap(table.file).get(tid)? {
        Some(bytes) => Ok(Some(decode_row(&bytes, &column_types(table))?)),
        None => Ok(None),
    }
}

/// The newest version of the row whose version at `tid` a transaction that committed after
/// the statement's snapshot replaced or deleted (PostgreSQL's EvalPlanQual fetch): follows
/// the next-version links while the xmax is a committed transaction's. `None` when the row
/// was deleted, or when transaction `me` itself changed the newest version. A version whose
/// xmax is a running transaction's is returned: writing it waits for that transaction.
/// The versions along the chain are not pruned meanwhile: their deleters committed after
/// the snapshot, which the statement's registered xmin holds above the horizon.
///
/// A header is a copy taken under the page latch, and the xmax's transaction may end
/// between that copy and the check that it is running: an updater sets the xmax first and
/// the link later, so a copy taken in between has no link yet. The link is therefore read
/// from a copy taken after the xmax's transaction was seen ended, when it is final.
pub fn newest_version(
    storage: &Storage,
    table: &TableDef,
    me: TxnId,
    tid: Tid,
) -> Result<Option<(Tid, Row)>> {
    let heap = storage.heap(table.file);
    let mut tid = tid;
    loop {
        let Some((h, bytes)) = heap.get_with_header(tid)? else {
            return Ok(None);
        };
        if h.xmax == TxnId::NONE || (h.xmax != me && storage.is_running(h.xmax)) {
            return Ok(Some((tid, decode_row(&bytes, &column_types(table))?)));
        }
        if h.xmax == me {
            return Ok(None);
        }
        // The xmax's transaction has ended. A copy taken now carries the link it left if it
        // committed; if it rolled back, the copy shows the xmax cleared and the version is
        // looked at again.
        let Some((ended, _)) = heap.get_with_header(tid)? else {
            return Ok(None);
        };
        if ended.xmax != h.xmax {
            continue;
        }
        match ended.link.next() {
            Some((page, slot)) => tid = Tid { page, slot },
            None => return Ok(None),
        }
    }
}

/// The current version of a row transaction `me` stored at `tid`: that version if
/// `snapshot` sees it, else the version a later update by `me` put in its place (following
/// the next-version links of the versions `me` replaced); `None` once the row is deleted.
pub fn own_current_version(
    storage: &Storage,
    snapshot: &Snapshot,
    table: &TableDef,
    me: TxnId,
    tid: Tid,
) -> Result<Option<Row>> {
    let heap = storage.heap(table.file);
    let mut tid = tid;
    loop {
        let Some((h, bytes)) = heap.get_with_header(tid)? else {
            return Ok(None);
        };
        if snapshot.tuple_visible(&h) {
            return Ok(Some(decode_row(&bytes, &column_types(table))?));
        }
        match h.link.next() {
            // Each link leads to a newer version, written after this one.
            Some((page, slot)) if h.xmax == me => tid = Tid { page, slot },
            _ => return Ok(None),
        }
    }
}

/// What a writer needs to wait for other transactions.
#[derive(Clone, Copy)]
pub struct Waits<'a> {
    pub locks: &'a LockManager,
    /// Where serializable writes check the SIREAD locks of concurrent transactions.
    pub ssi: &'a Ssi,
    pub rules: WaitRules,
    pub probe: &'a WaitProbe,
}

impl Waits<'_> {
    /// Waits until transaction `holder` has ended (committed durably or rolled back).
    pub fn for_transaction(&self, storage: &Storage, me: TxnId, holder: TxnId) -> Result<()> {
        loop {
            if !storage.is_running(holder) {
                return Ok(());
            }
            let tag = LockTag::Transaction(holder);
            if self.locks.is_registered(holder) {
                self.locks
                    .acquire(me, tag, LockMode::Share, &self.rules, self.probe)?;
                self.locks.release(me, tag);
            } else {
                // A transaction of the engine's own bookkeeping (no lock of its own): it
                // ends without waiting for anyone, so polling terminates.
                crate::interrupt::sleep(std::time::Duration::from_millis(1))?;
            }
        }
    }
}

/// Whether replacing `old` by `new` changes a key column: a column of a unique index, which a
/// foreign key may reference (PostgreSQL's key columns; Quill's unique indexes are never
/// partial nor on expressions). Such an update takes the row in FOR UPDATE strength, any
/// other in FOR NO KEY UPDATE.
pub fn key_changed(table: &TableDef, old: &Row, new: &Row) -> bool {
    table
        .indexes
        .iter()
        .filter(|ix| ix.unique)
        .flat_map(|ix| ix.columns.iter())
        .any(|&c| old.get(c) != new.get(c))
}

/// The B+tree key of a row in an index. In a unique index, a key with a NULL gets the tid
/// appended so that NULLs never collide (NULLs are distinct, as in PostgreSQL).
pub fn index_key(index: &IndexDef, row: &[Value], tid: Tid) -> Vec<u8> {
    let mut key = Vec::new();
    let mut has_null = false;
    for &c in &index.columns {
        let v = row.get(c).unwrap_or(&Value::Null);
        has_null |= v.is_null();
        v.encode_key(&mut key, ColumnOrder::ASC);
    }
    if index.unique && has_null {
        key.extend_from_slice(&tid.page.to_be_bytes());
        key.extend_from_slice(&tid.slot.to_be_bytes());
    }
    key
}

/// A unique index's 23505 names the index, with PostgreSQL's DETAIL
/// `Key (a)=(1) already exists.` for the row that could not be stored.
pub fn index_error(e: StorageError, table: &TableDef, index: &IndexDef, row: &Row) -> EngineError {
    match e {
        StorageError::UniqueViolation { .. } => EngineError::UniqueViolation {
            constraint: index.name.clone(),
            detail: format!("{} already exists.", key_text(table, index, row)),
        },
        other => other.into(),
    }
}

/// `Key (a, b)=(1, x)`: an index's columns and a row's values of them, as PostgreSQL's
/// unique-violation details show them.
pub fn key_text(table: &TableDef, index: &IndexDef, row: &Row) -> String {
    let names: Vec<&str> = index
        .columns
        .iter()
        .map(|&c| table.columns.get(c).map_or("?", |col| col.name.as_str()))
        .collect();
    let values: Vec<String> = index
        .columns
        .iter()
        .map(|&c| {
            row.get(c)
                .and_then(Value::to_text)
                .unwrap_or_else(|| "null".into())
        })
        .collect();
    format!("Key ({})=({})", names.join(", "), values.join(", "))
}

/// Where a write runs: the storage, the transaction, and how to wait for others.
pub struct Writer<'a, 'b> {
    pub storage: &'a Storage,
    pub txn: &'b mut Transaction,
    pub waits: Waits<'a>,
    /// Counts deleted versions per table for autovacuum.
    pub activity: &'a crate::vacuum::Activity,
}

impl Writer<'_, '_> {
    /// Stores a new row and its index entries (constraints are the caller's).
    pub fn insert_row(&mut self, table: &TableDef, row: &Row) -> Result<Tid> {
        let me = self.txn.id();
        let tracked = !table.is_temp();
        let tid = self
            .storage
            .heap(table.file)
            .insert(self.txn, &encode_row(row))?;
        if tracked {
            self.waits.ssi.check_write_relation(me, table.file)?;
        }
        for ix in &table.indexes {
            let tree = self.storage.btree(ix.file)?;
            let key = index_key(ix, row, tid);
            loop {
                match tree.insert(self.txn, &key, tid) {
                    Ok(()) => break,
                    Err(StorageError::KeyConflict { holder, .. }) => {
                        self.waits.for_transaction(self.storage, me, holder)?;
                    }
                    Err(e) => {
                        // A duplicate is checked as a write of its key first: a
                        // serialization anomaly it hides is reported instead (as
                        // PostgreSQL's unique check does).
                        if tracked && matches!(e, StorageError::UniqueViolation { .. }) {
                            self.waits.ssi.check_write_key(me, ix.file, &key)?;
                        }
                        return Err(index_error(e, table, ix, row));
                    }
                }
            }
            if tracked {
                self.waits.ssi.check_write_key(me, ix.file, &key)?;
            }
        }
        Ok(tid)
    }

    /// Stores encoded rows of a table without indexes (COPY's batched load).
    pub fn insert_many(&mut self, table: &TableDef, rows: &[Vec<u8>]) -> Result<Vec<Tid>> {
        if !table.indexes.is_empty() {
            return Err(EngineError::Internal {
                reason: "batched insert into a table with indexes",
            });
        }
        let tids = self.storage.heap(table.file).insert_many(self.txn, rows)?;
        if !table.is_temp() {
            self.waits
                .ssi
                .check_write_relation(self.txn.id(), table.file)?;
        }
        Ok(tids)
    }

    /// Deletes the row version at `tid` (which the statement's snapshot saw as `row`) and
    /// marks its index entries deleted, waiting for a running transaction changing it.
    /// Row locks of other transactions on the version are waited for first, in FOR UPDATE
    /// strength (see [`crate::row_lock`] for why taking the tuple lock before setting xmax
    /// and releasing it right after is race-free).
    pub fn delete_row(&mut self, table: &TableDef, tid: Tid, row: &Row) -> Result<()> {
        self.remove_version(table, tid, row, Strength::Update)
    }

    /// Replaces the row version at `tid` (seen as `old`) with `new` (constraints are the
    /// caller's); returns the new version's tid. The old version is taken in FOR NO KEY
    /// UPDATE strength unless the update changes a key column ([`key_changed`]), so it does
    /// not wait for FOR KEY SHARE lockers. The old version is then linked to the new one, and
    /// the other transactions' locks on the old version are carried to the new one (a FOR
    /// KEY SHARE lock taken before a key-keeping update still holds off a later delete).
    pub fn update_row(&mut self, table: &TableDef, tid: Tid, old: &Row, new: &Row) -> Result<Tid> {
        let keeps_key = !key_changed(table, old, new);
        let strength = if keeps_key {
            Strength::NoKeyUpdate
        } else {
            Strength::Update
        };
        self.remove_version(table, tid, old, strength)?;
        let new_tid = self.insert_row(table, new)?;
        self.storage
            .heap(table.file)
            .link(self.txn, tid, new_tid, keeps_key)?;
        self.waits.locks.carry(
            crate::row_lock::tuple_tag(table.file, tid),
            crate::row_lock::tuple_tag(table.file, new_tid),
            self.txn.id(),
        );
        Ok(new_tid)
    }

    /// Sets the xmax of the version at `tid` holding its tuple lock in `strength`, and marks
    /// its index entries deleted.
    fn remove_version(
        &mut self,
        table: &TableDef,
        tid: Tid,
        row: &Row,
        strength: Strength,
    ) -> Result<()> {
        let me = self.txn.id();
        let tag = crate::row_lock::tuple_tag(table.file, tid);
        let locks = self.waits.locks;
        // A lock the transaction already holds on the tuple (a row lock of its own) stays:
        // should this delete be rolled back to a savepoint, the row stays locked.
        let held_before = locks.holds_any(me, tag);
        locks.acquire(
            me,
            tag,
            strength.mode(),
            &self.waits.rules,
            self.waits.probe,
        )?;
        let set = self.set_xmax(table, tid);
        if !held_before {
            locks.release(me, tag);
        }
        set?;
        // Checked once the version carries this transaction's xmax: a serializable reader
        // locking it later sees the xmax (and checks it), one that locked it before is
        // found here.
        if !table.is_temp() {
            self.waits.ssi.check_write_tuple(me, table.file, tid)?;
        }
        // Temporary tables are left to their session (autovacuum skips them, as
        // PostgreSQL's).
        if !table.is_temp() {
            self.activity.note_delete(table.file);
        }
        for ix in &table.indexes {
            let tree = self.storage.btree(ix.file)?;
            let key = index_key(ix, row, tid);
            loop {
                match tree.delete(self.txn, &key, tid) {
                    Ok(()) => break,
                    Err(StorageError::KeyConflict { holder, .. }) => {
                        self.waits.for_transaction(self.storage, me, holder)?;
                    }
                    Err(e) => return Err(index_error(e, table, ix, row)),
                }
            }
        }
        Ok(())
    }

    /// Sets the version's xmax, waiting for a running transaction that changes it.
    fn set_xmax(&mut self, table: &TableDef, tid: Tid) -> Result<()> {
        let heap = self.storage.heap(table.file);
        loop {
            match heap.delete(self.txn, tid) {
                Ok(()) => return Ok(()),
                Err(StorageError::Conflict { holder, .. }) => {
                    let me = self.txn.id();
                    self.waits.for_transaction(self.storage, me, holder)?;
                }
                Err(StorageError::Updated { .. }) => return Err(EngineError::ConcurrentUpdate),
                Err(e) => return Err(e.into()),
            }
        }
    }
}
