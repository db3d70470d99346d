//! Test support shared by Quill's crash, fault and process-kill tests, the history checker
//! ([`history`]), the sqllogictest harness ([`slt`]) and the isolation tester ([`isolation`]).

pub mod history;
pub mod isolation;
pub mod kill9;
pub mod sim;
pub mod sim_sessions;
pub mod slt;
