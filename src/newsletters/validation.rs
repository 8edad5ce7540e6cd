//! An issue's MJML checked as mjml checks it (see `render::validate`),
//! reported at the place in the file where the problem stands: the editor's
//! issue file, or the layout in `mjml/` a Markdown issue is poured into.
//! And what does not stop an issue but costs readers: no preview text, and
//! HTML so large that Gmail clips it.

use super::pipeline::LoadedIssue;
use super::source;
use crate::domain::diagnostic::{Diagnostic, line_col};
use crate::domain::issue::Body;
use crate::domain::language::Language;
use crate::render::IssueRenderer;
use crate::render::MergeValues;
use crate::render::layout_check::Found;
use crate::render::validate::has_preview;

/// Gmail shows "[Message clipped]" and hides the rest of a mail whose HTML
/// is larger than about 102 KB.
pub const GMAIL_CLIP_BYTES: usize = 102 * 1024;

/// The problems in a Markdown issue's expanded MJML. Those in the editor's
/// own text (raw HTML or MJML typed in the Markdown) point at the issue
/// file, found by the tag as typed; those in the layout at the layout file.
pub fn layout_errors(
    shown: &str,
    raw: &str,
    renderer: &IssueRenderer,
    lang: Language,
) -> Vec<Diagnostic> {
    let text = source::normalise(raw);
    let body_start = source::split(&text).map_or(0, |s| s.body_offset);
    renderer
        .check_layout(lang)
        .into_iter()
        .map(|found| match found {
            Found::Layout {
                file,
                line,
                col,
                message,
            } => Diagnostic::new(&file, line, col, message),
            Found::Editor {
                needle,
                nth,
                message,
            } => {
                let at = text[body_start..]
                    .match_indices(needle.as_str())
                    .nth(nth)
                    .map_or(body_start, |(i, _)| body_start + i);
                let (line, col) = line_col(&text, at);
                Diagnostic::new(shown, line, col, message)
            }
        })
        .collect()
}

/// Everything `check` and the proof warn about in a valid issue: its agenda
/// (see `agenda_checks`), then what a reader would miss.
pub fn all_warnings(
    loaded: &LoadedIssue,
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
    lang: Language,
) -> Vec<Diagnostic> {
    let shown = loaded.name.shown.as_str();
    let mut out =
        super::agenda_checks::agenda_warnings(shown, &loaded.text, loaded.issue(), now, tz, lang);
    out.extend(warnings(loaded, lang));
    out
}

/// What a reader would miss: a preview text next to the subject, and the
/// end of a mail Gmail clips.
pub fn warnings(loaded: &LoadedIssue, lang: Language) -> Vec<Diagnostic> {
    let shown = loaded.name.shown.as_str();
    let issue = loaded.issue();
    let text = source::normalise(&loaded.text);
    let mut out = Vec::new();
    match &issue.body {
        Body::Mjml(doc) if !has_preview(doc) => {
            let at = ["<mj-head", "<mjml"]
                .iter()
                .find_map(|t| text.find(t))
                .unwrap_or(0);
            let (line, col) = line_col(&text, at);
            out.push(Diagnostic::new(
                shown,
                line,
                col,
                crate::domain::texts::tr!(lang, "validate.no_preview"),
            ));
        }
        Body::Markdown { .. } if issue.preheader.trim().is_empty() => {
            let (line, col) = super::ingest::find_key(&text, "subject");
            out.push(Diagnostic::new(
                shown,
                line,
                col,
                crate::domain::texts::tr!(lang, "validate.no_preheader"),
            ));
        }
        _ => {}
    }
    if let Ok(variant) = loaded.full_variant() {
        // Values as long as real ones: a name, and links with a token.
        let link =
            |what: &str| format!("https://nieuwsbrief.example.org/{what}/{}", "x".repeat(43));
        let values = MergeValues {
            name: "Voornaam Achternaam".into(),
            preferences_url: link("preferences"),
            unsubscribe_url: link("unsubscribe"),
            archive_url: link("archive"),
        };
        let (html, _) = variant.personalise(&values);
        if html.len() > GMAIL_CLIP_BYTES {
            let kb = html.len().div_ceil(1024);
            out.push(Diagnostic::new(
                shown,
                1,
                1,
                crate::domain::texts::tr!(lang, "validate.too_big", kb = kb),
            ));
        }
    }
    out
}
