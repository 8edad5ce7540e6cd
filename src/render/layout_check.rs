//! The MJML a Markdown issue expands to (its layout with the intro and
//! every section) checked by [`super::validate`], each problem traced back
//! to the layout's line or to the editor's own text ([`super::trace`]).

use super::IssueRenderer;
use super::layout::safe;
use super::trace::{Origin, mark_piece};
use super::validate::{Problem, describe, walk};
use crate::domain::issue::{Body, Section};
use crate::domain::language::Language;

/// A problem in a Markdown issue's expanded MJML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// In the layout file `file`, at `line`:`col`.
    Layout {
        file: String,
        line: usize,
        col: usize,
        message: String,
    },
    /// In the editor's text, where `needle` (the start of the tag at fault,
    /// as the editor typed it: raw HTML passes through Markdown unchanged)
    /// stands for the `nth` time, counted from 0 over the editor's text.
    Editor {
        needle: String,
        nth: usize,
        message: String,
    },
}

impl IssueRenderer {
    /// Every problem in the issue's expanded MJML, all sections included.
    /// Problems in the layout after the first one in the editor's text are
    /// most likely its consequences (a `</mj-text>` typed in a section
    /// unbalances what follows) and are left out until that one is fixed.
    /// A layout that fails to render is reported when it is compiled.
    pub fn check_layout(&self, lang: Language) -> Vec<Found> {
        let Body::Markdown {
            intro,
            sections,
            closing,
        } = &self.issue.body
        else {
            return Vec::new();
        };
        let chosen: Vec<&Section> = sections.iter().collect();
        let intro = super::variant::with_section_list(intro, &chosen);
        let mark = |id, html: String| safe(mark_piece(id, &html));
        // The words around the text are the same markup in every language.
        let ctx = self.context(&intro, &chosen, closing, Language::default(), &mark);
        let name = self.issue.template.as_str();
        let Ok(traced) = self.layouts.render_traced(name, ctx) else {
            return Vec::new();
        };
        let path = self.layouts.path_of(name);
        let source = std::fs::read_to_string(&path).unwrap_or_default();
        let file = path.display().to_string();
        let findings = walk(&traced.text);
        let first_editor = findings
            .iter()
            .map(|f| match f.problem {
                Problem::NeverClosed {
                    shown_by: Some(b), ..
                } => b,
                _ => f.at,
            })
            .filter(|at| matches!(traced.origin(*at), Origin::Piece { .. }))
            .min()
            .unwrap_or(usize::MAX);
        let mut out: Vec<Found> = Vec::new();
        for f in findings {
            let (at, problem) = typed_close(&traced.text, f.at, f.problem, |b| {
                matches!(traced.origin(b), Origin::Piece { .. })
            });
            let needle = needle(&traced.text, at);
            let message = describe(&problem, lang);
            let found = match traced.origin(at) {
                Origin::Piece { .. } => {
                    let nth = traced
                        .pieces()
                        .iter()
                        .map(|(r, _)| &traced.text[r.start..r.end.min(at).max(r.start)])
                        .map(|before| before.matches(needle.as_str()).count())
                        .sum();
                    Found::Editor {
                        needle,
                        nth,
                        message,
                    }
                }
                Origin::Layout { .. } if at > first_editor => continue,
                Origin::Layout { line } => {
                    let text = source.lines().nth(line.saturating_sub(1)).unwrap_or("");
                    let col = text
                        .find(needle.as_str())
                        .map_or(1, |b| text[..b].chars().count() + 1);
                    Found::Layout {
                        file: file.clone(),
                        line,
                        col,
                        message,
                    }
                }
            };
            if !out.contains(&found) {
                out.push(found);
            }
        }
        out
    }
}

/// The start of the tag or attribute at `at`, as written: `<mj-image`,
/// `</mj-text`, `colr=`.
fn needle(text: &str, at: usize) -> String {
    text[at..]
        .char_indices()
        .take_while(|(i, c)| {
            !(c.is_whitespace() || *c == '>' || *c == '"' || *c == '\'' || (*c == '/' && *i > 1))
        })
        .map(|(_, c)| c)
        .collect()
}

/// A tag left open by a closing tag the editor typed (`</mj-column>` in a
/// section's text) is the editor's doing: reported at that closing tag.
fn typed_close(
    text: &str,
    at: usize,
    problem: Problem,
    typed: impl Fn(usize) -> bool,
) -> (usize, Problem) {
    match problem {
        Problem::NeverClosed {
            tag,
            shown_by: Some(close),
        } if typed(close) => {
            let name = needle(text, close).trim_start_matches("</").to_string();
            (
                close,
                Problem::ClosesOuter {
                    open: tag,
                    close: name,
                },
            )
        }
        other => (at, other),
    }
}
