//! How deep an issue nests, checked before anything recursive sees it. mrml
//! parses and renders one level of nesting per call, without a limit: 2,000
//! nested quotes (2 KB of Markdown) or 4,000 nested `<div>`s overflow a
//! thread's stack and abort the whole process. No newsletter needs more than a
//! few dozen levels, so more than [`MAX_DEPTH`] is an error at its place.

use pulldown_cmark::{Event, Options, Parser};

/// The deepest nesting an issue may have: quotes, lists and tags together.
pub const MAX_DEPTH: usize = 64;

/// Elements that never have content, so they never nest.
const VOID: &[&str] = &[
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
    "mj-image",
    "mj-divider",
    "mj-spacer",
    "mj-carousel-image",
    "mj-breakpoint",
    "mj-font",
    "mj-all",
    "mj-class",
    "mj-social-element",
];

/// The byte offset where `text` (MJML or HTML) first nests deeper than
/// [`MAX_DEPTH`] tags, with the message for the editor.
pub fn check_tags(text: &str) -> Result<(), (usize, String)> {
    Tags::default()
        .feed(text, 0)
        .map_err(|at| (at, too_deep("tags")))
}

/// The open tags, as a forgiving HTML parser sees them: a closing tag closes
/// the innermost open tag of its name and everything opened inside it; one
/// that matches nothing open is ignored, so stray closing tags cannot hide
/// real nesting.
#[derive(Default)]
struct Tags {
    open: Vec<String>,
}

impl Tags {
    /// Reads `text`; Err(offset) where the open tags plus `outer` levels
    /// first pass [`MAX_DEPTH`].
    fn feed(&mut self, text: &str, outer: usize) -> Result<(), usize> {
        let mut from = 0;
        while let Some(p) = text[from..].find('<') {
            let at = from + p;
            let tail = &text[at..];
            if tail.starts_with("<!--") {
                from = at + tail.find("-->").map_or(tail.len(), |e| e + 3);
                continue;
            }
            let closing = tail.starts_with("</");
            let name: String = tail[if closing { 2 } else { 1 }..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
                .to_ascii_lowercase();
            if name.is_empty() {
                from = at + 1;
                continue;
            }
            let end = tag_end(tail).unwrap_or(tail.len().saturating_sub(1));
            let self_closing = tail[..end].ends_with('/');
            if closing {
                if let Some(i) = self.open.iter().rposition(|n| *n == name) {
                    self.open.truncate(i);
                }
            } else if !self_closing && !VOID.contains(&name.as_str()) {
                self.open.push(name);
                if self.open.len() + outer > MAX_DEPTH {
                    return Err(at);
                }
            }
            from = at + end + 1;
        }
        Ok(())
    }
}

/// The byte offset where Markdown first nests deeper than [`MAX_DEPTH`]:
/// quotes (`>`), lists, and HTML tags written in the Markdown, together.
pub fn check_markdown(md: &str) -> Result<(), (usize, String)> {
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut depth: usize = 0;
    let mut tags = Tags::default();
    for (event, range) in Parser::new_ext(md, opts).into_offset_iter() {
        match event {
            Event::Start(_) => {
                depth += 1;
                if depth + tags.open.len() > MAX_DEPTH {
                    return Err((range.start, too_deep("quotes, lists or emphasis")));
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            // HTML blocks come line by line: the open tags carry over.
            Event::Html(html) | Event::InlineHtml(html) => {
                tags.feed(&html, depth)
                    .map_err(|at| (range.start + at.min(range.len()), too_deep("HTML tags")))?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn too_deep(what: &str) -> String {
    format!(
        "the text nests {what} more than {MAX_DEPTH} levels deep here; no mail program can show that: remove the extra levels"
    )
}

/// The offset of the `>` that ends the tag starting `tail`, outside quotes.
pub(super) fn tag_end(tail: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in tail.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_nesting_passes() {
        assert!(check_markdown("> a quote\n> > in a quote\n\n- a\n  - b\n    - c\n").is_ok());
        assert!(check_tags("<mjml><mj-body><mj-section><mj-column><mj-text><p>a<br>b<img src=x></p></mj-text></mj-column></mj-section></mj-body></mjml>").is_ok());
    }

    #[test]
    fn deep_quotes_are_stopped_at_their_line() {
        let md = format!("Intro\n\n{}deep\n", "> ".repeat(3000));
        let (at, msg) = check_markdown(&md).expect_err("too deep");
        assert_eq!(md[..at].matches('\n').count(), 2, "on the third line");
        assert!(msg.contains("more than 64 levels"), "{msg}");
    }

    #[test]
    fn deep_tags_are_stopped_where_they_pass_the_limit() {
        let html = "<div>".repeat(5000);
        let (at, _) = check_tags(&html).expect_err("too deep");
        assert_eq!(at, 5 * MAX_DEPTH);
        let md = format!("text\n\n{}\n", "<div>".repeat(200));
        assert!(check_markdown(&md).is_err());
        let mjml = format!(
            "<mjml><mj-body>{}</mj-body></mjml>",
            "<mj-wrapper>".repeat(100)
        );
        assert!(check_tags(&mjml).is_err());
    }

    #[test]
    fn closed_and_void_tags_do_not_add_up() {
        let flat = "<p>a</p>".repeat(10_000) + &"<br>".repeat(1000) + &"<x/>".repeat(1000);
        assert!(check_tags(&flat).is_ok());
        let links = "<https://example.nl> ".repeat(200);
        assert!(check_markdown(&links).is_ok());
    }

    #[test]
    fn stray_closing_tags_do_not_hide_nesting() {
        let sneaky = "<div></mj-image></span>".repeat(200);
        assert!(check_tags(&sneaky).is_err());
        assert!(check_markdown(&format!("x\n\n{sneaky}\n")).is_err());
    }
}
