//! The server's table of sessions: how many connections are admitted (against
//! max_connections), how many sessions each role has (against its CONNECTION LIMIT), and
//! each authenticated session's backend key with the handle that cancels its running
//! statement (for CancelRequest).

use engine::CancelHandle;
use pgwire::messages::startup::SecretKey;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub struct Registry {
    max_connections: usize,
    admitted: AtomicUsize,
    /// Backend process id → (secret key, cancel handle).
    sessions: Mutex<HashMap<i32, (SecretKey, CancelHandle)>>,
    /// Role OID → its sessions now (entries are removed when they reach 0).
    per_role: Mutex<HashMap<u32, usize>>,
}

/// One session counted against its role, given back when dropped.
pub struct RoleSlot {
    registry: Arc<Registry>,
    role: u32,
}

impl Drop for RoleSlot {
    fn drop(&mut self) {
        if let Ok(mut counts) = self.registry.per_role.lock() {
            if let Some(n) = counts.get_mut(&self.role) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    counts.remove(&self.role);
                }
            }
        }
    }
}

/// A connection's place among the admitted ones, given back when dropped.
pub struct Slot(Arc<Registry>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Registry {
    pub fn new(max_connections: usize) -> Registry {
        Registry {
            max_connections,
            admitted: AtomicUsize::new(0),
            sessions: Mutex::new(HashMap::new()),
            per_role: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one more session of `role`, unless that would exceed its CONNECTION LIMIT
    /// (`None`). As in PostgreSQL, a limit of -1 means none and superusers are not limited
    /// (their sessions are still counted).
    pub fn admit_role(self: &Arc<Self>, role: &engine::Role) -> Option<RoleSlot> {
        let mut counts = self.per_role.lock().ok()?;
        let n = counts.entry(role.oid).or_insert(0);
        let limited = role.connection_limit >= 0 && !role.superuser;
        // PostgreSQL counts the new session with the others: refused when the count
        // would be above the limit.
        if limited && *n + 1 > role.connection_limit as usize {
            if *n == 0 {
                counts.remove(&role.oid);
            }
            return None;
        }
        *n += 1;
        Some(RoleSlot {
            registry: self.clone(),
            role: role.oid,
        })
    }

    /// Admits one more connection unless `max_connections` are in already.
    pub fn admit(self: &Arc<Self>) -> Option<Slot> {
        self.admitted
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max_connections).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(self.clone()))
    }

    pub fn admitted(&self) -> usize {
        self.admitted.load(Ordering::Acquire)
    }

    pub fn register(&self, pid: i32, key: SecretKey, handle: CancelHandle) {
        if let Ok(mut s) = self.sessions.lock() {
            s.insert(pid, (key, handle));
        }
    }

    /// Forgets a session whose connection ended, cancelling the statement it may still be
    /// running (one waiting for a lock would otherwise hold its locks until granted; the
    /// cancelled statement ends, and the session's thread then rolls its transaction back).
    pub fn remove(&self, pid: i32) {
        if let Ok(mut s) = self.sessions.lock() {
            if let Some((_, handle)) = s.remove(&pid) {
                handle.cancel();
            }
        }
    }

    /// Cancels every session's running statement (shutdown).
    pub fn cancel_all(&self) {
        if let Ok(s) = self.sessions.lock() {
            for (_, h) in s.values() {
                h.cancel();
            }
        }
    }

    /// Cancels the running statement of session `pid` if `key` is its secret key; a
    /// request with a wrong key is ignored, as in PostgreSQL. Returns whether it matched.
    pub fn cancel(&self, pid: i32, key: &SecretKey) -> bool {
        let handle = match self.sessions.lock() {
            Ok(s) => match s.get(&pid) {
                Some((k, h)) if k.eq_value(key) => Some(h.clone()),
                _ => None,
            },
            Err(_) => None,
        };
        match handle {
            Some(h) => {
                h.cancel();
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admission_and_cancel_keys() {
        let r = Arc::new(Registry::new(2));
        let a = r.admit().unwrap();
        let _b = r.admit().unwrap();
        assert!(r.admit().is_none());
        drop(a);
        assert!(r.admit().is_some());
        let h = CancelHandle::new();
        r.register(7, SecretKey::I32(42), h);
        assert!(!r.cancel(7, &SecretKey::I32(41)));
        assert!(!r.cancel(8, &SecretKey::I32(42)));
        assert!(r.cancel(
            7,
            &SecretKey::Bytes(bytes::Bytes::from_static(&[0, 0, 0, 42]))
        ));
        r.remove(7);
        assert!(!r.cancel(7, &SecretKey::I32(42)));
    }

    #[test]
    fn role_connection_limits() {
        let r = Arc::new(Registry::new(100));
        let mut alice = engine::Role::new(20, "alice".into());
        alice.connection_limit = 2;
        let a1 = r.admit_role(&alice).unwrap();
        let _a2 = r.admit_role(&alice).unwrap();
        assert!(r.admit_role(&alice).is_none());
        drop(a1);
        let _a3 = r.admit_role(&alice).unwrap();
        assert!(r.admit_role(&alice).is_none());
        // Another role is counted apart; no limit (-1) means none.
        let bob = engine::Role::new(21, "bob".into());
        let bobs: Vec<_> = (0..50).map(|_| r.admit_role(&bob).unwrap()).collect();
        // Limit 0 refuses every session; a superuser is never refused.
        let mut zero = engine::Role::new(22, "zero".into());
        zero.connection_limit = 0;
        assert!(r.admit_role(&zero).is_none());
        zero.superuser = true;
        let _z = (0..3)
            .map(|_| r.admit_role(&zero).unwrap())
            .collect::<Vec<_>>();
        drop(bobs);
        assert!(r.per_role.lock().unwrap().get(&21).is_none());
    }
}
