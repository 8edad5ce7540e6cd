//! Issues to mail: layout (minijinja) → MJML → HTML (mrml) and plain text,
//! compiled once per variant and personalised per recipient by merge tags.

pub mod chrome;
pub mod compile;
pub mod dates;
pub mod encoded;
pub mod ics;
pub mod layout;
pub mod layout_check;
pub mod markdown;
pub mod merge;
pub mod nesting;
pub mod qp;
pub mod stack;
pub mod text;
pub mod trace;
pub mod tracking;
pub mod validate;
pub mod variant;
pub mod web_version;

pub use merge::{MergeTemplate, MergeValues};
pub use variant::{IssueRenderer, Variant};
