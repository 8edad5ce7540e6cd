//! The Markdown body: an intro, then one section per `## heading`, where a
//! heading may end in `{workshops=a,b}` or `{interests=x}` (or both in one
//! tag) to target it, then an optional closing block after a line
//! `{afsluiting}` that every reader gets.
//!
//! Nothing that looks like targeting may pass unparsed: a targeted section
//! that is not recognised goes to every reader with its tag visible, so a
//! heading without a space after `##`, a tag that is not closed, not at the
//! end of a `##` heading or anywhere else in the text is an error.

use super::headings::{self, Line};
use super::section_tag::parse_tag;
use crate::domain::issue::Section;
use crate::domain::language::Language;
use crate::domain::segments::{Catalogue, Segments};
use crate::domain::text;
use crate::domain::texts::tr;

/// Section titles are printed as headings and in the text part: one line.
const MAX_TITLE_CHARS: usize = 300;

pub use crate::render::merge::MERGE_TAGS;

pub struct Parsed {
    pub intro: String,
    pub sections: Vec<Section>,
    /// After `{afsluiting}`: for every reader, after the sections.
    pub closing: String,
}

/// An error at (line, column) of the file, and what to change.
pub type Located = (usize, usize, String);

/// What the body's text is being added to.
enum Part {
    Intro,
    Section,
    Closing,
}

/// Splits the body; `first_line` is the file line of the body's first line.
pub fn split_sections(
    body: &str,
    first_line: usize,
    catalogue: &Catalogue,
    lang: Language,
) -> (Parsed, Vec<Located>) {
    let mut errors = Vec::new();
    let mut parsed = Parsed {
        intro: String::new(),
        sections: Vec::new(),
        closing: String::new(),
    };
    let mut part = Part::Intro;
    let mut closing_line = None;
    for (i, line) in headings::classify(body).into_iter().enumerate() {
        let line_no = first_line + i;
        match line {
            Line::Text(text) => {
                for col in headings::stray_tags(text) {
                    errors.push((line_no, col, tr!(lang, "issues.tag_not_in_heading")));
                }
                let dest = match part {
                    Part::Intro => &mut parsed.intro,
                    Part::Section => match parsed.sections.last_mut() {
                        Some(s) => &mut s.markdown,
                        None => &mut parsed.intro,
                    },
                    Part::Closing => &mut parsed.closing,
                };
                dest.push_str(text);
                dest.push('\n');
            }
            Line::Verbatim(text) => {
                let dest = match (&part, parsed.sections.last_mut()) {
                    (Part::Section, Some(s)) => &mut s.markdown,
                    (Part::Closing, _) => &mut parsed.closing,
                    _ => &mut parsed.intro,
                };
                dest.push_str(text);
                dest.push('\n');
            }
            Line::Closing => {
                if let Some(first) = closing_line {
                    errors.push((line_no, 1, tr!(lang, "issues.closing_twice", line = first)));
                }
                closing_line.get_or_insert(line_no);
                part = Part::Closing;
            }
            Line::NoSpace { col } => {
                errors.push((line_no, col, tr!(lang, "issues.heading_without_space")));
            }
            Line::OtherLevel { hashes } => {
                errors.push((
                    line_no,
                    1,
                    tr!(lang, "issues.tag_on_other_heading", hashes = hashes),
                ));
            }
            Line::Heading(heading) => {
                if let Some(first) = closing_line {
                    errors.push((
                        line_no,
                        1,
                        tr!(lang, "issues.section_after_closing", line = first),
                    ));
                }
                part = Part::Section;
                let section = heading_section(heading, line_no, catalogue, lang, &mut errors);
                parsed.sections.push(section);
            }
        }
    }
    parsed.intro = parsed.intro.trim().to_string();
    parsed.closing = parsed.closing.trim().to_string();
    for s in &mut parsed.sections {
        s.markdown = s.markdown.trim().to_string();
    }
    (parsed, errors)
}

/// The section a `## ` line opens; `heading` is what follows `## `.
fn heading_section(
    heading: &str,
    line_no: usize,
    catalogue: &Catalogue,
    lang: Language,
    errors: &mut Vec<Located>,
) -> Section {
    // Columns count from the line's start: `## ` is three characters.
    // `{doelgroep=…}` at the end is meant as a tag too, with a key we lack.
    let at_end = heading
        .trim_end()
        .strip_suffix('}')
        .and_then(|h| h.rfind('{'))
        .filter(|&open| heading[open..].contains('='));
    let (title, target) = match headings::tag_start(heading).or(at_end) {
        None => (heading.trim().to_string(), Segments::default()),
        Some(open) => {
            let col = 4 + heading[..open].chars().count();
            let tag = parse_tag(&heading[open..], col, catalogue, lang);
            for (c, msg) in tag.errors {
                errors.push((line_no, c, msg));
            }
            (heading[..open].trim().to_string(), tag.segments)
        }
    };
    if let Err(e) = text::check(&title, MAX_TITLE_CHARS) {
        let why = super::words::text_error(&e, lang);
        errors.push((line_no, 4, tr!(lang, "issues.heading_text", why = why)));
    }
    if title.is_empty() {
        errors.push((line_no, 1, tr!(lang, "issues.heading_without_title")));
    }
    Section {
        title,
        markdown: String::new(),
        target,
    }
}

/// Every `{{ … }}` must be one of [`MERGE_TAGS`], or in a Markdown body
/// (`body`) `{{ sections }}`; returns (byte offset, message) per bad tag.
pub fn check_merge_tags(text: &str, body: bool, lang: Language) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(p) = text[rest..].find("{{") {
        let start = rest + p;
        let Some(len) = text[start..].find("}}") else {
            out.push((start, tr!(lang, "issues.merge_tag_not_closed")));
            break;
        };
        let name = text[start + 2..start + len].trim();
        let known = MERGE_TAGS.contains(&name) || (body && name == "sections");
        if !known {
            let shown: String = name.chars().take(40).collect();
            out.push((
                start,
                tr!(
                    lang,
                    "issues.merge_tag_unknown",
                    name = shown,
                    known = MERGE_TAGS.join(", ")
                ),
            ));
        }
        rest = start + len + 2;
    }
    out
}

#[cfg(test)]
#[path = "sections_tests.rs"]
mod tests;
