//! The server's table of sessions: how many connections are admitted (against
//! max_connections), and each authenticated session's backend key with the handle that
//! cancels its running statement (for CancelRequest).

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
        }
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

    pub fn remove(&self, pid: i32) {
        if let Ok(mut s) = self.sessions.lock() {
            s.remove(&pid);
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
}
