//! The session's clock: the start times of the running transaction and statement, which
//! `now()` / `CURRENT_TIMESTAMP` / `transaction_timestamp()` and `statement_timestamp()`
//! return (PostgreSQL's `xactStartTimestamp` and `stmtStartTimestamp`).
//!
//! Like the session time zone (`crate::types::tz`), the times live per thread: a session
//! installs them ([`install`]) on the thread that runs each of its statements, before the
//! statement is bound or run. Invariant: within one transaction every statement sees the
//! same transaction start, the time its first statement (or BEGIN) started; a thread no
//! session has run on reads the wall clock for both.

use std::cell::Cell;

/// Microseconds from 1970-01-01 to 2000-01-01.
const PG_EPOCH_UNIX_USECS: i64 = 946_684_800_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Times {
    transaction: i64,
    statement: i64,
}

thread_local! {
    static TIMES: Cell<Option<Times>> = const { Cell::new(None) };
    /// How many times this thread has read a time (any of the functions below).
    static READS: Cell<u64> = const { Cell::new(0) };
}

/// How many times this thread has read the clock so far: a plan whose binding read it holds
/// a time, and must not be reused at another time.
pub fn reads() -> u64 {
    READS.with(Cell::get)
}

fn note_read() {
    READS.with(|r| r.set(r.get().wrapping_add(1)));
}

/// The wall clock: microseconds since 2000-01-01 UTC (`clock_timestamp()`).
pub fn wall() -> i64 {
    note_read();
    chrono::Utc::now().timestamp_micros() - PG_EPOCH_UNIX_USECS
}

/// Installs the running transaction's and statement's start times on this thread.
pub fn install(transaction: i64, statement: i64) {
    TIMES.with(|t| {
        t.set(Some(Times {
            transaction,
            statement,
        }))
    });
}

/// The running transaction's start (`now()`).
pub fn transaction_start() -> i64 {
    note_read();
    TIMES.with(Cell::get).map_or_else(wall, |t| t.transaction)
}

/// The running statement's start (`statement_timestamp()`).
pub fn statement_start() -> i64 {
    note_read();
    TIMES.with(Cell::get).map_or_else(wall, |t| t.statement)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_times_are_read_back() {
        let before = wall();
        assert!(before > 0);
        install(10, 20);
        assert_eq!((transaction_start(), statement_start()), (10, 20));
        assert!(wall() >= before);
    }
}
