//! Test support shared by Quill's crash, fault and process-kill tests, and the
//! sqllogictest harness ([`slt`]).

pub mod history;
pub mod kill9;
pub mod sim;
pub mod slt;
