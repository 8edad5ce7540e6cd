//! MJML checked as the reference compiler, mjml 4.18.0, checks it with
//! `validationLevel: 'soft'` (mrml, which compiles our mail, checks none of
//! it), and beyond it: closing tags that do not match, images without alt.
//! Each problem is found at a byte offset; the caller turns that into a
//! position in the file the editor wrote.

mod messages;
mod rules;
mod types;
mod walk;

pub use messages::describe;
pub use types::AttrType;
pub use walk::{Finding, walk};

use crate::domain::language::Language;

/// What can be wrong in an MJML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// An attribute the component does not declare (`colr` on mj-text).
    IllegalAttribute { tag: String, attr: String },
    /// A value not of the attribute's type (`font-size="twelve"`).
    BadValue {
        tag: String,
        attr: String,
        value: String,
        kind: AttrType,
    },
    /// A component in a parent that may not hold it (mj-column in mj-body).
    WrongParent { tag: String, parent: String },
    /// An `mj-` tag mjml does not know.
    UnknownTag { tag: String },
    /// An HTML tag where only MJML may stand (a `<p>` in mj-column).
    HtmlOutsideText { tag: String, parent: String },
    /// An MJML tag inside the HTML content of mj-text, mj-button …
    MjmlInText { tag: String, parent: String },
    /// `<mj-text>…</mj-txt>`.
    MismatchedClose { open: String, close: String },
    /// `</mj-column>` while the mj-text inside it is still open.
    ClosesOuter { open: String, close: String },
    /// A closing tag with nothing open of its name.
    StrayClose { tag: String },
    /// `shown_by`: the closing tag of an outer element that came while it
    /// was open (where a Markdown editor may have typed it).
    NeverClosed {
        tag: String,
        shown_by: Option<usize>,
    },
    /// An image without alt text, which screen readers and mail programs
    /// that block images need.
    MissingAlt,
}

/// Every problem in an `.mjml` issue's body, as (byte offset, message); when
/// the validator finds none, what mrml itself refuses. mrml's errors would
/// mostly repeat the validator's, less precisely.
pub fn check_mjml_issue(body: &str, lang: Language) -> Vec<(usize, String)> {
    let found: Vec<(usize, String)> = walk(body)
        .into_iter()
        .map(|f| (f.at, describe(&f.problem, lang)))
        .collect();
    if !found.is_empty() {
        return found;
    }
    match super::compile::check_mjml(body) {
        Ok(()) => Vec::new(),
        Err(e) => vec![e],
    }
}

/// Whether an MJML document has a preview text (`<mj-preview>`).
pub fn has_preview(doc: &str) -> bool {
    doc.contains("<mj-preview")
}

#[cfg(test)]
mod tests;
