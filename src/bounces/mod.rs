//! Learning from bounces and complaints: read the MTA's report, find the
//! message it is about, record it and apply the policy (`policy`).

pub mod apply;
pub mod fields;
pub mod handle;
pub mod locate;
pub mod mailbox;
pub mod policy;
pub mod report;

pub use handle::{Failure, Handled, MAX_REPORT_BYTES, handle};
