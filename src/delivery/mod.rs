//! Delivery: the ledger-driven sender (dispatcher and supervised workers),
//! what each row becomes, and how the sender watches the SMTP server and
//! itself.

mod backoff;
pub mod content;
pub mod engine;
pub mod health;
mod ledger_writer;
pub mod liveness;
pub mod metrics;
mod outcome;
mod worker;

pub use engine::{Engine, EngineParts, Probe, Stage};
pub use liveness::Liveness;
pub use metrics::SendMetrics;
