//! Delivery: the ledger-driven sender, SMTP connections and their outcomes.

pub mod engine;
pub mod outcome;
pub mod smtp;
pub mod transaction;
pub mod transport;

pub use engine::Engine;
pub use outcome::Outcome;
pub use transport::{Connector, Session, TransportKind};
