//! Sending a session's notifications (LISTEN / NOTIFY) to its client as NotificationResponse
//! messages. PostgreSQL sends them only when the session is not in a transaction block:
//! before the ReadyForQuery that ends a query (simple protocol) or a Sync (extended
//! protocol), and at once while the connection waits for the client's next message.
//!
//! The engine delivers a notification into the session's inbox from the committing
//! session's thread and wakes the [`Arrivals`] installed as the session's waker: it sets a
//! flag (so a Sync checks the inbox only when something may be there) and wakes the
//! connection's task if it waits for the client (`connection::serve`). The flag is cleared
//! only on the session's thread while the session is idle, just before it takes its
//! notifications, so notifications delivered during a transaction block stay flagged until
//! the block ends.

use crate::conn::Conn;
use engine::{Notification, Session, TransactionStatus};
use futures::sink::{Sink, SinkExt};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::response::NotificationResponse;
use pgwire::messages::PgWireBackendMessage;
use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Wake, Waker};

/// One connection's signal that notifications were delivered to its session.
#[derive(Default)]
pub(crate) struct Arrivals {
    /// Set when a notification arrives; cleared on the session's thread when it takes them.
    pending: AtomicBool,
    /// Wakes the connection's task waiting for the client's next message.
    ready: tokio::sync::Notify,
}

impl Wake for Arrivals {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.pending.store(true, Ordering::Release);
        // Stores a permit if the task is not waiting now: it will not miss this arrival.
        self.ready.notify_one();
    }
}

impl Arrivals {
    /// The waker to install on the session.
    pub(crate) fn waker(self: &Arc<Self>) -> Waker {
        Waker::from(self.clone())
    }

    /// Waits until a notification may have arrived (cancel-safe).
    pub(crate) async fn arrived(&self) {
        self.ready.notified().await;
    }

    /// Whether a notification may be waiting in the session's inbox.
    pub(crate) fn pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// On the session's thread: the notifications to send now (none inside a transaction
    /// block, where they keep waiting).
    pub(crate) fn take(&self, s: &mut Session) -> Vec<Notification> {
        if s.transaction_status() != TransactionStatus::Idle {
            return Vec::new();
        }
        self.pending.store(false, Ordering::Release);
        s.take_notifications()
    }
}

/// Queues NotificationResponse messages for `notes` (the caller flushes).
pub(crate) async fn feed_notifications<C>(
    client: &mut C,
    notes: Vec<Notification>,
) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    for n in notes {
        client
            .feed(PgWireBackendMessage::NotificationResponse(
                NotificationResponse::new(n.pid, n.channel, n.payload),
            ))
            .await?;
    }
    Ok(())
}

impl Conn {
    /// Queues the notifications waiting for the session, if it is idle (the caller
    /// flushes). Asks the session's thread only when some may be waiting.
    pub(crate) async fn feed_waiting_notifications<C>(&self, client: &mut C) -> PgWireResult<()>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !self.arrivals.pending() {
            return Ok(());
        }
        let arrivals = self.arrivals.clone();
        let notes = self.worker()?.run(move |s| arrivals.take(s)).await?;
        feed_notifications(client, notes).await
    }
}
