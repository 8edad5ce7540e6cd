//! Newsletter issues: from an editor's file in `newsletters/` to a checked,
//! compiled [`pipeline::LoadedIssue`], taken into the database (`ingest`),
//! with proofs and error reports for the editors.

pub mod agenda_checks;
mod agenda_item;
pub mod approval;
pub mod editorial;
pub mod file;
pub mod front_matter;
mod headings;
pub mod ingest;
pub mod locate;
pub mod parse;
pub mod pipeline;
pub mod proof_summary;
mod raw;
mod rules;
mod section_tag;
pub mod sections;
pub mod source;
pub mod upgrade;
pub mod validation;
mod words;
mod yaml_words;

pub use crate::domain::diagnostic::Diagnostic;
pub use file::IssueName;
pub use pipeline::{IssuePipeline, LoadedIssue};
