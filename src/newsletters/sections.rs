//! The Markdown body: an intro, then one section per `## heading`, where a
//! heading may end in `{workshops=a,b}` or `{interests=x}` to target it.

use crate::domain::issue::Section;
use crate::domain::segments::{Catalogue, SegmentKind, Segments};
use crate::domain::text;

/// Section titles are printed as headings and in the text part: one line.
const MAX_TITLE_CHARS: usize = 300;

pub use crate::render::merge::MERGE_TAGS;

pub struct Parsed {
    pub intro: String,
    pub sections: Vec<Section>,
}

/// Splits the body; `first_line` is the file line of the body's first line.
/// Errors come back as (line, col, message).
pub fn split_sections(
    body: &str,
    first_line: usize,
    catalogue: &Catalogue,
) -> (Parsed, Vec<(usize, usize, String)>) {
    let mut errors = Vec::new();
    let mut intro = String::new();
    let mut sections: Vec<Section> = Vec::new();
    let mut fence: Option<&str> = None;
    for (i, line) in body.lines().enumerate() {
        let line_no = first_line + i;
        let trimmed = line.trim_start();
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
            }
        } else if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
        } else if let Some(heading) = line.strip_prefix("## ") {
            let (title, target) = parse_heading(heading, line_no, 4, catalogue, &mut errors);
            if let Err(e) = text::check(&title, MAX_TITLE_CHARS) {
                errors.push((line_no, 4, format!("section heading: {e}")));
            }
            if title.is_empty() {
                errors.push((
                    line_no,
                    1,
                    "a section heading needs a title after ##".into(),
                ));
            }
            sections.push(Section {
                title,
                markdown: String::new(),
                target,
            });
            continue;
        }
        let dest = match sections.last_mut() {
            Some(s) => &mut s.markdown,
            None => &mut intro,
        };
        dest.push_str(line);
        dest.push('\n');
    }
    for s in &mut sections {
        s.markdown = s.markdown.trim().to_string();
    }
    (
        Parsed {
            intro: intro.trim().to_string(),
            sections,
        },
        errors,
    )
}

fn parse_heading(
    heading: &str,
    line_no: usize,
    col0: usize,
    catalogue: &Catalogue,
    errors: &mut Vec<(usize, usize, String)>,
) -> (String, Segments) {
    let mut title = heading.trim_end().to_string();
    let (mut workshops, mut interests) = (Vec::new(), Vec::new());
    while title.ends_with('}') {
        let Some(open) = title.rfind('{') else { break };
        let tag = title[open + 1..title.len() - 1].to_string();
        let col = col0 + title[..open].chars().count();
        let Some((key, values)) = tag.split_once('=') else {
            errors.push((line_no, col, format!("section tag {{{tag}}} is not understood: write {{workshops=slug}} or {{interests=slug}}")));
            title.truncate(open);
            title = title.trim_end().to_string();
            continue;
        };
        let (list, kind) = match key.trim() {
            "workshops" | "workshop" => (&mut workshops, SegmentKind::Workshop),
            "interests" | "interest" => (&mut interests, SegmentKind::Interest),
            other => {
                errors.push((line_no, col, format!("section tag {{{other}=…}} is not known: use {{workshops=…}} or {{interests=…}}")));
                title.truncate(open);
                title = title.trim_end().to_string();
                continue;
            }
        };
        // Each value's own offset: `arbeid` in `arbeid-en-inclusie,arbeid` is the second.
        let mut at = key.len() + 1;
        for part in values.split(',') {
            let (v, start) = (part.trim(), at + part.len() - part.trim_start().len());
            at += part.len() + 1;
            if v.is_empty() {
                continue;
            }
            match catalogue.find(kind, v) {
                Ok(slug) => list.push(slug),
                Err(u) => {
                    let vcol = col + tag[..start].chars().count() + 1;
                    errors.push((
                        line_no,
                        vcol,
                        format!(
                            "{u}: use a slug from the [[{}s]] list in postbode.toml",
                            kind.as_str()
                        ),
                    ));
                }
            }
        }
        title.truncate(open);
        title = title.trim_end().to_string();
    }
    (title, Segments::new(workshops, interests))
}

/// Every `{{ … }}` must be one of [`MERGE_TAGS`]; returns (byte offset, message) per bad tag.
pub fn check_merge_tags(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(p) = text[rest..].find("{{") {
        let start = rest + p;
        let Some(len) = text[start..].find("}}") else {
            out.push((
                start,
                "`{{` is not closed: write merge tags like {{ subscriber.name }}".into(),
            ));
            break;
        };
        let name = text[start + 2..start + len].trim();
        if !MERGE_TAGS.contains(&name) {
            out.push((
                start,
                format!(
                    "unknown merge tag {{{{ {name} }}}}: use one of {}",
                    MERGE_TAGS.join(", ")
                ),
            ));
        }
        rest = start + len + 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Catalogue {
        let seg = |s: &str| crate::domain::segments::Segment {
            slug: crate::domain::slug::Slug::parse(s).expect("slug"),
            name: s.into(),
        };
        Catalogue {
            workshops: vec![seg("arbeid-en-inclusie"), seg("jeugd")],
            interests: vec![seg("geweld-in-gezinnen")],
        }
    }

    #[test]
    fn splits_intro_and_targeted_sections() {
        let body = "Beste lezer,\n\n## Kick-off {workshops=arbeid-en-inclusie,jeugd}\nTekst.\n\n```\n## not a heading\n```\n## Algemeen\nVoor iedereen.\n";
        let (p, errs) = split_sections(body, 5, &known());
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(p.intro, "Beste lezer,");
        assert_eq!(p.sections.len(), 2);
        assert_eq!(p.sections[0].title, "Kick-off");
        let w: Vec<&str> = p.sections[0]
            .target
            .workshops()
            .iter()
            .map(|s| s.as_str())
            .collect();
        assert_eq!(w, ["arbeid-en-inclusie", "jeugd"]);
        assert!(p.sections[0].markdown.contains("## not a heading"));
        assert!(p.sections[1].target.is_empty());
    }

    #[test]
    fn unknown_slugs_and_tags_point_at_their_column() {
        let (_, errs) = split_sections("## Nieuws {workshops=onbekend}\n", 10, &known());
        assert_eq!(errs.len(), 1);
        assert_eq!((errs[0].0, errs[0].1), (10, 22));
        assert!(errs[0].2.contains("unknown workshop \"onbekend\""));
        let (_, errs) = split_sections("## Nieuws {thema=x}\n", 1, &known());
        assert!(errs[0].2.contains("{thema=…}"));
    }

    #[test]
    fn merge_tags_are_checked() {
        assert!(check_merge_tags("Beste {{ subscriber.name }}, {{unsubscribe_url}}").is_empty());
        let bad = check_merge_tags("Hoi {{ subscriber.email }}");
        assert_eq!(bad[0].0, 4);
        assert!(bad[0].1.contains("unknown merge tag"));
    }
}
