//! Notifications (LISTEN / NOTIFY / UNLISTEN, `pg_notify`): the database-wide notification
//! queue ([`NotifyHub`]), each listening session's [`Inbox`], and a session's transactional
//! state ([`SessionNotify`]).
//!
//! A transaction's LISTEN, UNLISTEN and NOTIFY take effect only when it commits, as in
//! PostgreSQL: at commit the session first applies its LISTEN/UNLISTEN actions to the hub's
//! listener table, then puts each of its notifications into the inbox of every session
//! listening on the channel at that moment (the committing session included). A rolled-back
//! transaction (or savepoint) leaves nothing behind. Committing transactions that notify or
//! change what they listen on hold the hub's commit-order mutex from before their storage
//! commit until their notifications are delivered, so every inbox receives notifications in
//! the order their transactions committed, and a LISTEN sees exactly the notifications of
//! transactions that committed after it.
//!
//! Within one transaction a notification with the same channel and payload as an earlier one
//! is sent once, at the place of the first. Notifications wait in the inbox until the session
//! takes them between transactions (PostgreSQL delivers only when the session is not in a
//! transaction block); the bytes they take count against the queue's capacity
//! ([`QUEUE_CAPACITY`]) until every listener has taken them, and a commit that would exceed it
//! fails with 54000.

use crate::error::{EngineError, Result};
use parking_lot::{Condvar, Mutex, MutexGuard};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::Waker;
use std::time::{Duration, Instant};

/// How many bytes of notifications may wait for their listeners (PostgreSQL's queue holds
/// 8 GB; Quill keeps them in memory).
pub const QUEUE_CAPACITY: u64 = 1 << 30;

/// Channel names are identifiers: at most NAMEDATALEN - 1 bytes.
const CHANNEL_MAX: usize = 63;

/// A payload must be shorter than this many bytes (PostgreSQL's NOTIFY_PAYLOAD_MAX_LENGTH).
const PAYLOAD_LIMIT: usize = 8000;

/// One notification as a listener receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The backend process id of the session whose transaction sent it.
    pub pid: i32,
    pub channel: String,
    pub payload: String,
}

/// A delivered notification, shared by the inboxes of all its listeners; its bytes count as
/// queued until the last listener has taken it.
struct Queued {
    note: Notification,
    bytes: u64,
    usage: Arc<AtomicU64>,
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.usage.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

/// The bytes a notification takes in the queue (PostgreSQL's entry: a 16-byte header, both
/// strings with their terminators, aligned to 4).
fn entry_bytes(channel: &str, payload: &str) -> u64 {
    let n = 16 + channel.len() + 1 + payload.len() + 1;
    ((n + 3) & !3) as u64
}

/// What waits in an inbox.
#[derive(Default)]
struct InboxState {
    queue: VecDeque<Arc<Queued>>,
    /// Woken when a notification arrives (an async server's connection task).
    waker: Option<Waker>,
}

/// A listening session's delivered notifications, in commit order.
#[derive(Default)]
pub struct Inbox {
    /// The queue and the waker; held only to push, take or install.
    state: Mutex<InboxState>,
    /// Signalled when notifications arrive.
    arrived: Condvar,
}

impl Inbox {
    fn push(&self, items: &[Arc<Queued>]) {
        let waker = {
            let mut st = self.state.lock();
            st.queue.extend(items.iter().cloned());
            st.waker.clone()
        };
        self.arrived.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn take(&self) -> Vec<Notification> {
        let drained: Vec<Arc<Queued>> = self.state.lock().queue.drain(..).collect();
        drained.iter().map(|q| q.note.clone()).collect()
    }

    fn clear(&self) {
        let drained: Vec<Arc<Queued>> = self.state.lock().queue.drain(..).collect();
        drop(drained);
    }

    /// Waits until something is in the inbox or `deadline` passes.
    fn wait_until(&self, deadline: Instant) {
        let mut st = self.state.lock();
        while st.queue.is_empty() {
            if self.arrived.wait_until(&mut st, deadline).timed_out() {
                return;
            }
        }
    }

    fn set_waker(&self, waker: Option<Waker>) {
        let pending = {
            let mut st = self.state.lock();
            st.waker = waker.clone();
            !st.queue.is_empty()
        };
        if let (true, Some(w)) = (pending, waker) {
            w.wake();
        }
    }
}

/// One listening session in the hub's table.
struct Listener {
    inbox: Arc<Inbox>,
    /// The channels it listens on, as of its latest commit.
    channels: HashSet<String>,
}

/// The database-wide notification queue: who listens on what, and the queue's usage.
pub struct NotifyHub {
    /// The listener table, by session id. Its mutex is also the commit-order mutex: a
    /// committing transaction with notifications or LISTEN/UNLISTEN actions holds it from
    /// before its storage commit until it has delivered (see the module doc). Taken with no
    /// lock-manager wait pending and no catalog mutex held; inboxes' mutexes are taken
    /// inside it.
    listeners: Mutex<HashMap<u64, Listener>>,
    /// Bytes of notifications delivered and not yet taken by all their listeners.
    usage: Arc<AtomicU64>,
    capacity: u64,
    next_session: AtomicU64,
}

impl Default for NotifyHub {
    fn default() -> Self {
        NotifyHub::with_capacity(QUEUE_CAPACITY)
    }
}

impl NotifyHub {
    /// A hub whose queue holds `capacity` bytes.
    pub fn with_capacity(capacity: u64) -> NotifyHub {
        NotifyHub {
            listeners: Mutex::new(HashMap::new()),
            usage: Arc::new(AtomicU64::new(0)),
            capacity,
            next_session: AtomicU64::new(1),
        }
    }

    /// Before `session`'s storage commit: when the transaction has notifications or LISTEN/UNLISTEN
    /// actions, takes the commit-order mutex and checks that its notifications fit in the
    /// queue (54000 otherwise: the caller rolls the transaction back). The returned
    /// [`PendingCommit`] delivers (for `session`, which must belong to this hub) once the commit is durable; dropping it discards the work.
    pub fn pre_commit(
        &self,
        session: &SessionNotify,
        pid: i32,
    ) -> Result<Option<PendingCommit<'_>>> {
        let (actions, notes) = {
            let mut st = session.state();
            st.marks.clear();
            st.seen.clear();
            (
                std::mem::take(&mut st.actions),
                std::mem::take(&mut st.notes),
            )
        };
        if actions.is_empty() && notes.is_empty() {
            return Ok(None);
        }
        let listeners = self.listeners.lock();
        let bytes: u64 = notes.iter().map(|(c, p)| entry_bytes(c, p)).sum();
        let used = self.usage.load(Ordering::Acquire);
        if used.saturating_add(bytes) > self.capacity {
            return Err(EngineError::ProgramLimitExceeded {
                message: "too many notifications in the NOTIFY queue".into(),
            });
        }
        Ok(Some(PendingCommit {
            hub: self,
            listeners,
            actions,
            notes,
            pid,
        }))
    }

    /// The fraction of the queue's capacity in use (`pg_notification_queue_usage()`).
    pub fn usage(&self) -> f64 {
        self.usage.load(Ordering::Acquire) as f64 / self.capacity as f64
    }
}

/// A LISTEN or UNLISTEN waiting for its transaction's commit.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Action {
    Listen(String),
    Unlisten(String),
    UnlistenAll,
}

/// A session's channels and its open transaction's pending work.
#[derive(Default)]
struct State {
    /// The channels the session listens on, as of its latest commit, in the order of their
    /// LISTEN.
    listening: Vec<String>,
    actions: Vec<Action>,
    /// Pending notifications (channel, payload), duplicates folded, in order.
    notes: Vec<(String, String)>,
    /// The pairs in `notes`.
    seen: HashSet<(String, String)>,
    /// Per open savepoint: the lengths of `actions` and `notes` when it was set.
    marks: Vec<(usize, usize)>,
}

impl State {
    fn truncate(&mut self, (actions, notes): (usize, usize)) {
        self.actions.truncate(actions);
        if notes < self.notes.len() {
            self.notes.truncate(notes);
            self.seen = self.notes.iter().cloned().collect();
        }
    }
}

/// A place in a transaction's pending lists, to return to if a statement is undone.
#[derive(Clone, Copy, Debug)]
pub struct Mark(usize, usize);

/// A session's side of notifications: its inbox, channels, and its open transaction's
/// LISTEN/UNLISTEN actions and notifications.
pub struct SessionNotify {
    hub: Arc<NotifyHub>,
    /// The session's key in the hub's listener table.
    id: u64,
    inbox: Arc<Inbox>,
    /// Used from the session's thread only; a mutex because `pg_notify` reaches it through a
    /// shared reference while a statement runs.
    state: Mutex<State>,
}

fn invalid(message: &str) -> EngineError {
    EngineError::InvalidParameterValue {
        message: message.into(),
    }
}

/// Checks a channel name as NOTIFY and `pg_notify` do.
fn check_channel(channel: &str) -> Result<()> {
    if channel.is_empty() {
        return Err(invalid("channel name cannot be empty"));
    }
    if channel.len() > CHANNEL_MAX {
        return Err(invalid("channel name too long"));
    }
    Ok(())
}

impl SessionNotify {
    /// A new session's state on `hub` (listening on nothing).
    pub fn new(hub: Arc<NotifyHub>) -> SessionNotify {
        let id = hub.next_session.fetch_add(1, Ordering::Relaxed);
        SessionNotify {
            hub,
            id,
            inbox: Arc::new(Inbox::default()),
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock()
    }

    /// LISTEN `channel` when the transaction commits.
    pub fn listen(&self, channel: &str) {
        self.state()
            .actions
            .push(Action::Listen(channel.to_owned()));
    }

    /// UNLISTEN `channel` (every channel when `None`) when the transaction commits.
    pub fn unlisten(&self, channel: Option<&str>) {
        let a = match channel {
            Some(c) => Action::Unlisten(c.to_owned()),
            None => Action::UnlistenAll,
        };
        self.state().actions.push(a);
    }

    /// NOTIFY `channel` with `payload` when the transaction commits (once per distinct
    /// channel and payload).
    pub fn notify(&self, channel: &str, payload: &str) -> Result<()> {
        check_channel(channel)?;
        if payload.len() >= PAYLOAD_LIMIT {
            return Err(invalid("payload string too long"));
        }
        let mut st = self.state();
        let key = (channel.to_owned(), payload.to_owned());
        if st.seen.insert(key.clone()) {
            st.notes.push(key);
        }
        Ok(())
    }

    /// The channels the session listens on (as of its latest commit).
    pub fn listening(&self) -> Vec<String> {
        self.state().listening.clone()
    }

    /// The fraction of the queue in use.
    pub fn queue_usage(&self) -> f64 {
        self.hub.usage()
    }

    /// Where the pending lists stand now.
    pub fn mark(&self) -> Mark {
        let st = self.state();
        Mark(st.actions.len(), st.notes.len())
    }

    /// Forgets what was added after `m` (an undone statement).
    pub fn undo_to(&self, m: Mark) {
        self.state().truncate((m.0, m.1));
    }

    /// A savepoint was set.
    pub fn savepoint(&self) {
        let mut st = self.state();
        let m = (st.actions.len(), st.notes.len());
        st.marks.push(m);
    }

    /// Savepoint number `pos` (from 0, the oldest) and those after it were released: what
    /// they added stays with the transaction.
    pub fn release(&self, pos: usize) {
        self.state().marks.truncate(pos);
    }

    /// The transaction rolled back to savepoint number `pos`, which stays.
    pub fn rollback_to(&self, pos: usize) {
        let mut st = self.state();
        st.marks.truncate(pos + 1);
        if let Some(&m) = st.marks.get(pos) {
            st.truncate(m);
        }
    }

    /// The transaction rolled back: nothing of it takes effect.
    pub fn abort(&self) {
        let mut st = self.state();
        st.actions.clear();
        st.notes.clear();
        st.seen.clear();
        st.marks.clear();
    }

    /// The hub the session belongs to (its commits go through [`NotifyHub::pre_commit`]).
    pub fn hub(&self) -> Arc<NotifyHub> {
        self.hub.clone()
    }

    /// Takes the notifications delivered to the session, in commit order.
    pub fn take(&self) -> Vec<Notification> {
        self.inbox.take()
    }

    /// Waits until a notification is delivered or `timeout` passes; returns those delivered.
    pub fn wait(&self, timeout: Duration) -> Vec<Notification> {
        let deadline = Instant::now()
            .checked_add(timeout)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365));
        self.inbox.wait_until(deadline);
        self.inbox.take()
    }

    /// Installs (or removes) the waker woken when a notification is delivered; woken at once
    /// if some are waiting.
    pub fn set_waker(&self, waker: Option<Waker>) {
        self.inbox.set_waker(waker);
    }
}

impl Drop for SessionNotify {
    /// A session that ends stops listening; what waited in its inbox is dropped.
    fn drop(&mut self) {
        self.hub.listeners.lock().remove(&self.id);
        self.inbox.clear();
    }
}

/// A committing transaction's LISTEN/UNLISTEN actions and notifications, holding the
/// commit-order mutex until [`PendingCommit::deliver`] (or its drop, for a commit that
/// failed).
pub struct PendingCommit<'a> {
    hub: &'a NotifyHub,
    listeners: MutexGuard<'a, HashMap<u64, Listener>>,
    actions: Vec<Action>,
    notes: Vec<(String, String)>,
    pid: i32,
}

impl PendingCommit<'_> {
    /// The transaction committed: applies its LISTEN/UNLISTEN actions, then delivers its
    /// notifications to every session listening on their channels, itself included.
    pub fn deliver(mut self, s: &SessionNotify) {
        {
            let mut st = s.state();
            for a in &self.actions {
                match a {
                    Action::Listen(c) => {
                        if !st.listening.contains(c) {
                            st.listening.push(c.clone());
                        }
                    }
                    Action::Unlisten(c) => st.listening.retain(|x| x != c),
                    Action::UnlistenAll => st.listening.clear(),
                }
            }
            if st.listening.is_empty() {
                self.listeners.remove(&s.id);
            } else {
                let channels = st.listening.iter().cloned().collect();
                self.listeners
                    .entry(s.id)
                    .or_insert_with(|| Listener {
                        inbox: s.inbox.clone(),
                        channels: HashSet::new(),
                    })
                    .channels = channels;
            }
        }
        let queued: Vec<Arc<Queued>> = std::mem::take(&mut self.notes)
            .into_iter()
            .map(|(channel, payload)| {
                let bytes = entry_bytes(&channel, &payload);
                self.hub.usage.fetch_add(bytes, Ordering::AcqRel);
                Arc::new(Queued {
                    note: Notification {
                        pid: self.pid,
                        channel,
                        payload,
                    },
                    bytes,
                    usage: self.hub.usage.clone(),
                })
            })
            .collect();
        for l in self.listeners.values() {
            let mine: Vec<Arc<Queued>> = queued
                .iter()
                .filter(|q| l.channels.contains(&q.note.channel))
                .cloned()
                .collect();
            if !mine.is_empty() {
                l.inbox.push(&mine);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
    use super::*;

    fn commit(s: &SessionNotify, pid: i32) -> Result<()> {
        if let Some(p) = s.hub().pre_commit(s, pid)? {
            p.deliver(s);
        }
        Ok(())
    }

    fn channels(v: &[Notification]) -> Vec<(&str, &str)> {
        v.iter()
            .map(|n| (n.channel.as_str(), n.payload.as_str()))
            .collect()
    }

    #[test]
    fn listen_takes_effect_at_commit() {
        let hub = Arc::new(NotifyHub::default());
        let (a, b) = (SessionNotify::new(hub.clone()), SessionNotify::new(hub));
        a.listen("c");
        assert!(a.listening().is_empty());
        b.notify("c", "early").unwrap();
        commit(&b, 2).unwrap();
        commit(&a, 1).unwrap();
        assert_eq!(a.listening(), vec!["c".to_string()]);
        assert!(a.take().is_empty(), "committed before the LISTEN");
        b.notify("c", "late").unwrap();
        commit(&b, 2).unwrap();
        let got = a.take();
        assert_eq!(channels(&got), vec![("c", "late")]);
        assert_eq!(got[0].pid, 2);
    }

    #[test]
    fn duplicates_fold_and_keep_first_order() {
        let hub = Arc::new(NotifyHub::default());
        let a = SessionNotify::new(hub);
        a.listen("c");
        a.listen("d");
        commit(&a, 1).unwrap();
        for (c, p) in [("c", "1"), ("d", "1"), ("c", "1"), ("c", "2"), ("d", "1")] {
            a.notify(c, p).unwrap();
        }
        commit(&a, 1).unwrap();
        assert_eq!(
            channels(&a.take()),
            vec![("c", "1"), ("d", "1"), ("c", "2")]
        );
    }

    #[test]
    fn savepoints_and_abort_discard() {
        let hub = Arc::new(NotifyHub::default());
        let a = SessionNotify::new(hub);
        a.listen("c");
        commit(&a, 1).unwrap();
        a.notify("c", "kept").unwrap();
        a.savepoint();
        a.notify("c", "dropped").unwrap();
        a.unlisten(None);
        a.rollback_to(0);
        a.notify("c", "after").unwrap();
        a.savepoint();
        a.notify("c", "released").unwrap();
        a.release(1);
        commit(&a, 1).unwrap();
        assert_eq!(
            channels(&a.take()),
            vec![("c", "kept"), ("c", "after"), ("c", "released")]
        );
        assert_eq!(a.listening(), vec!["c".to_string()]);
        a.notify("c", "x").unwrap();
        a.abort();
        commit(&a, 1).unwrap();
        assert!(a.take().is_empty());
    }

    #[test]
    fn unlisten_before_notify_in_one_transaction_stops_self_delivery() {
        let hub = Arc::new(NotifyHub::default());
        let a = SessionNotify::new(hub);
        a.listen("c");
        a.notify("c", "self").unwrap();
        commit(&a, 1).unwrap();
        assert_eq!(channels(&a.take()), vec![("c", "self")]);
        a.unlisten(Some("c"));
        a.notify("c", "gone").unwrap();
        commit(&a, 1).unwrap();
        assert!(a.take().is_empty());
        assert!(a.listening().is_empty());
    }

    #[test]
    fn validation() {
        let a = SessionNotify::new(Arc::new(NotifyHub::default()));
        let code = |r: Result<()>| r.unwrap_err().sqlstate();
        assert_eq!(code(a.notify("", "p")), "22023");
        assert_eq!(code(a.notify(&"x".repeat(64), "p")), "22023");
        assert!(a.notify(&"x".repeat(63), "p").is_ok());
        assert_eq!(code(a.notify("c", &"p".repeat(8000))), "22023");
        assert!(a.notify("c", &"p".repeat(7999)).is_ok());
    }

    #[test]
    fn full_queue_refuses_the_commit_and_usage_drains() {
        let hub = Arc::new(NotifyHub::with_capacity(100));
        let (a, b) = (
            SessionNotify::new(hub.clone()),
            SessionNotify::new(hub.clone()),
        );
        a.listen("c");
        commit(&a, 1).unwrap();
        b.notify("c", &"p".repeat(40)).unwrap();
        commit(&b, 2).unwrap();
        assert!(hub.usage() > 0.5);
        b.notify("c", &"q".repeat(40)).unwrap();
        let err = hub.pre_commit(&b, 2).err().expect("queue full");
        assert_eq!(err.sqlstate(), "54000");
        assert_eq!(
            err.to_string(),
            "too many notifications in the NOTIFY queue"
        );
        assert_eq!(a.take().len(), 1);
        assert_eq!(hub.usage(), 0.0);
        drop(a);
        b.notify("c", "nobody").unwrap();
        commit(&b, 2).unwrap();
        assert_eq!(hub.usage(), 0.0);
    }

    #[test]
    fn waiter_wakes_on_delivery() {
        let hub = Arc::new(NotifyHub::default());
        let a = SessionNotify::new(hub.clone());
        a.listen("c");
        commit(&a, 1).unwrap();
        std::thread::scope(|sc| {
            let waiter = sc.spawn(|| a.wait(Duration::from_secs(60)));
            let b = SessionNotify::new(hub);
            b.notify("c", "wake").unwrap();
            commit(&b, 2).unwrap();
            let got = waiter.join().unwrap();
            assert_eq!(channels(&got), vec![("c", "wake")]);
        });
    }
}
