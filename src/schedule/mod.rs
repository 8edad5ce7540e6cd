//! Time-driven and leader work: the folder watcher, starting issues at
//! `send_at`, the `[schedule]` cron jobs, and which of several processes on
//! one PostgreSQL database leads them (`cluster`).

pub mod cluster;
pub mod issues;
pub mod jobs;
pub mod watcher;

pub use issues::IssueScheduler;
