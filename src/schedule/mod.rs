//! Time-driven work: starting issues at `send_at`.

pub mod issues;

pub use issues::IssueScheduler;
