//! The registry of a database's sessions, as `pg_stat_activity` shows them: each session's
//! backend process id, role, state, current (or last) query and when its connection,
//! transaction and query began, and when the database was opened
//! (`pg_postmaster_start_time`).
//!
//! Each entry also names the session's database, so DROP DATABASE can tell whether others
//! use it and, WITH (FORCE), terminate them: a terminated session's running statement is
//! cancelled and its next one fails with 57P01 (a server then closes the connection).
//!
//! A session holds an [`ActivityHandle`] for its whole life; the entry disappears when the
//! handle is dropped. Entries are only ever written by their own session, and read as a
//! copy ([`Registry::entries`]).

use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;

/// Microseconds since 2000-01-01 UTC (PostgreSQL's timestamp epoch).
pub type Micros = i64;

/// Now, in microseconds since 2000-01-01 UTC.
pub fn now() -> Micros {
    const UNIX_TO_PG_EPOCH_SECS: i64 = 946_684_800;
    chrono::Utc::now().timestamp_micros() - UNIX_TO_PG_EPOCH_SECS * 1_000_000
}

/// What a session is doing, named as `pg_stat_activity.state` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Active,
    Idle,
    IdleInTransaction,
    IdleInTransactionAborted,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Active => "active",
            State::Idle => "idle",
            State::IdleInTransaction => "idle in transaction",
            State::IdleInTransactionAborted => "idle in transaction (aborted)",
        }
    }
}

/// One session's activity.
#[derive(Clone, Debug)]
pub struct Entry {
    pub pid: i32,
    /// The session's role (`None`: an embedded session, which runs as the bootstrap
    /// superuser).
    pub user: Option<String>,
    /// The session's `application_name` setting, as of its latest statement.
    pub application_name: String,
    pub state: State,
    /// The running query's text, or the last one's when idle (empty before the first).
    pub query: String,
    pub backend_start: Micros,
    pub xact_start: Option<Micros>,
    pub query_start: Option<Micros>,
    pub state_change: Micros,
    /// OID of the session's database.
    pub database: u32,
    /// Set by DROP DATABASE … WITH (FORCE): the session must end.
    pub terminated: bool,
    /// Cancels the session's running statement.
    pub cancel: crate::interrupt::CancelHandle,
}

/// A database's sessions.
#[derive(Debug)]
pub struct Registry {
    /// When the database was opened.
    started: Micros,
    next_id: AtomicU64,
    /// Embedded sessions get process ids counting down from here, below any real pid a
    /// server hands out (Linux pids stay below 2^22).
    next_pid: AtomicI32,
    sessions: Mutex<BTreeMap<u64, Entry>>,
}

impl Default for Registry {
    fn default() -> Registry {
        Registry {
            started: now(),
            next_id: AtomicU64::new(1),
            next_pid: AtomicI32::new(i32::MAX),
            sessions: Mutex::new(BTreeMap::new()),
        }
    }
}

impl Registry {
    /// When the database was opened (`pg_postmaster_start_time`).
    pub fn started(&self) -> Micros {
        self.started
    }

    /// Registers a new, idle session.
    pub fn register(self: &Arc<Self>) -> ActivityHandle {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let pid = self.next_pid.fetch_sub(1, Ordering::Relaxed);
        let t = now();
        self.sessions.lock().insert(
            id,
            Entry {
                pid,
                user: None,
                application_name: String::new(),
                state: State::Idle,
                query: String::new(),
                backend_start: t,
                xact_start: None,
                query_start: None,
                state_change: t,
                database: crate::catalog::POSTGRES_OID,
                terminated: false,
                cancel: crate::interrupt::CancelHandle::new(),
            },
        );
        ActivityHandle {
            registry: self.clone(),
            id,
        }
    }

    /// A copy of every session's entry, in the order the sessions began.
    pub fn entries(&self) -> Vec<Entry> {
        self.sessions.lock().values().cloned().collect()
    }

    /// How many sessions other than `me` use database `db` (terminated ones not counted).
    pub fn others_in(&self, db: u32, me: &ActivityHandle) -> usize {
        self.sessions
            .lock()
            .iter()
            .filter(|(id, e)| **id != me.id && e.database == db && !e.terminated)
            .count()
    }

    /// Terminates every session other than `me` using database `db` (DROP DATABASE …
    /// WITH (FORCE)): marks it and cancels its running statement.
    pub fn terminate_in(&self, db: u32, me: &ActivityHandle) {
        for (id, e) in self.sessions.lock().iter_mut() {
            if *id != me.id && e.database == db {
                e.terminated = true;
                e.cancel.cancel();
            }
        }
    }
}

/// A session's place in the registry; dropping it removes the entry.
#[derive(Debug)]
pub struct ActivityHandle {
    registry: Arc<Registry>,
    id: u64,
}

impl ActivityHandle {
    fn update(&self, f: impl FnOnce(&mut Entry)) {
        if let Some(e) = self.registry.sessions.lock().get_mut(&self.id) {
            f(e);
        }
    }

    /// The session's backend process id.
    pub fn pid(&self) -> i32 {
        self.registry
            .sessions
            .lock()
            .get(&self.id)
            .map_or(0, |e| e.pid)
    }

    /// Sets the backend process id (a server uses the one it gave the client).
    pub fn set_pid(&self, pid: i32) {
        self.update(|e| e.pid = pid);
    }

    pub fn set_user(&self, user: &str) {
        self.update(|e| e.user = Some(user.to_owned()));
    }

    /// The session now uses database `db`.
    pub fn set_database(&self, db: u32) {
        self.update(|e| e.database = db);
    }

    /// The handle that cancels the session's running statement.
    pub fn set_cancel(&self, cancel: crate::interrupt::CancelHandle) {
        self.update(|e| e.cancel = cancel);
    }

    /// Whether DROP DATABASE … WITH (FORCE) terminated the session.
    pub fn terminated(&self) -> bool {
        self.registry
            .sessions
            .lock()
            .get(&self.id)
            .is_some_and(|e| e.terminated)
    }

    /// The registry the session is in.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// A statement with text `query` begins.
    pub fn statement_started(&self, query: &str) {
        let t = now();
        self.update(|e| {
            e.state = State::Active;
            e.query = query.to_owned();
            e.query_start = Some(t);
            e.state_change = t;
        });
    }

    /// The session waits for its next statement, with its transaction in `status` and its
    /// `application_name` set to `application_name`.
    pub fn statement_ended(&self, status: crate::TransactionStatus, application_name: String) {
        let state = match status {
            crate::TransactionStatus::Idle => State::Idle,
            crate::TransactionStatus::InBlock => State::IdleInTransaction,
            crate::TransactionStatus::Failed => State::IdleInTransactionAborted,
        };
        let t = now();
        self.update(|e| {
            e.state = state;
            e.application_name = application_name;
            e.state_change = t;
        });
    }

    /// A transaction begins (`Some`) or ends (`None`).
    pub fn set_transaction(&self, started: bool) {
        let t = now();
        self.update(|e| e.xact_start = started.then_some(t));
    }
}

impl Drop for ActivityHandle {
    fn drop(&mut self) {
        self.registry.sessions.lock().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_come_and_go() {
        let r = Arc::new(Registry::default());
        let a = r.register();
        let b = r.register();
        assert_ne!(a.pid(), b.pid());
        b.set_pid(4242);
        b.statement_started("SELECT 1");
        let es = r.entries();
        assert_eq!(es.len(), 2);
        assert_eq!(es[1].pid, 4242);
        assert_eq!(es[1].state, State::Active);
        assert_eq!(es[1].query, "SELECT 1");
        b.statement_ended(crate::TransactionStatus::Idle, "app".into());
        assert_eq!(r.entries()[1].state.name(), "idle");
        drop(b);
        assert_eq!(r.entries().len(), 1);
        drop(a);
        assert!(r.entries().is_empty());
    }
}
