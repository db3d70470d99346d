//! Test support shared by Quill's crash, fault and process-kill tests.

pub mod kill9;
pub mod sim;
pub mod slt;
