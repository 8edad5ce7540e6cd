//! Time-driven work: starting issues at `send_at`, and the `[schedule]` cron jobs.

pub mod issues;
pub mod jobs;

pub use issues::IssueScheduler;
