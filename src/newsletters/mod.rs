//! The `newsletters/` folder: reading, parsing and watching the editors' issue files.

pub mod agenda_checks;
mod agenda_item;
pub mod diagnostic;
pub mod editorial;
pub mod front_matter;
pub mod ingest;
pub mod locate;
pub mod parse;
pub mod sections;
pub mod source;
pub mod watcher;

pub use diagnostic::Diagnostic;
pub use parse::{ParseContext, parse_issue};
