//! Delivery: the ledger-driven sender, SMTP connections and their outcomes,
//! and the DKIM signature every message carries.

pub mod dkim;
pub mod engine;
pub mod health;
pub mod outcome;
pub mod smtp;
pub mod status_code;
pub mod transaction;
pub mod transport;
pub mod verp;

pub use engine::Engine;
pub use outcome::Outcome;
pub use transport::{Connector, Session, TransportKind};
