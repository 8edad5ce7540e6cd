//! How deep an issue nests, checked before anything recursive sees it. mrml
//! parses and renders one level of nesting per call, without a limit: 2,000
//! nested quotes (2 KB of Markdown) or 4,000 nested `<div>`s overflow a
//! thread's stack and abort the whole process. Tags are counted with the
//! tokenizer mrml itself parses with (`htmlparser`), so whatever mrml takes
//! for an element (`<_>`, `<é>` included) counts here.
//!
//! An editor's text may nest [`MAX_DEPTH`] levels (an error at its place);
//! a whole document, layout included, [`MAX_DOCUMENT_DEPTH`], which the
//! compiler checks again before mrml runs, whatever the document came from.

use htmlparser::{ElementEnd, Token, Tokenizer};
use pulldown_cmark::{Event, Options, Parser};

/// The deepest an editor's text may nest: quotes, lists, emphasis and tags
/// together. No newsletter needs more than a few dozen.
pub const MAX_DEPTH: usize = 64;

/// The deepest a compiled document may nest: the text's levels plus the
/// layout's own, with room to spare.
pub const MAX_DOCUMENT_DEPTH: usize = 2 * MAX_DEPTH;

/// HTML elements that never have content, as mrml treats them.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// The byte offset where the MJML or HTML `text` first nests deeper than
/// [`MAX_DEPTH`] elements, with the message for the editor.
pub fn check_tags(text: &str) -> Result<(), (usize, String)> {
    check_tags_to(text, MAX_DEPTH)
}

/// Like [`check_tags`] with the limit of a whole compiled document.
pub fn check_document(text: &str) -> Result<(), (usize, String)> {
    check_tags_to(text, MAX_DOCUMENT_DEPTH)
}

fn check_tags_to(text: &str, limit: usize) -> Result<(), (usize, String)> {
    Tags::default()
        .feed(text, 0, limit)
        .map_err(|at| (at, too_deep("tags", limit)))
}

/// The open elements as mrml's parser sees them: an element is open from its
/// start tag until `/>`, its closing tag, or the `>` of a void element. A
/// closing tag closes the innermost open element of its name and everything
/// inside it; one that matches nothing open is ignored, so stray closing
/// tags cannot hide real nesting.
#[derive(Default)]
struct Tags {
    open: Vec<String>,
}

impl Tags {
    /// Reads `text`; Err(offset) where the open elements plus `outer` levels
    /// first pass `limit`. Where the tokenizer gives up, mrml gives up too,
    /// with a syntax error: counting stops there.
    fn feed(&mut self, text: &str, outer: usize, limit: usize) -> Result<(), usize> {
        for token in Tokenizer::from(text) {
            let Ok(token) = token else { break };
            match token {
                Token::ElementStart {
                    prefix,
                    local,
                    span,
                } => {
                    self.open.push(name(prefix.as_str(), local.as_str()));
                    if self.open.len() + outer > limit {
                        return Err(span.start());
                    }
                }
                Token::ElementEnd {
                    end: ElementEnd::Empty,
                    ..
                } => {
                    self.open.pop();
                }
                Token::ElementEnd {
                    end: ElementEnd::Open,
                    ..
                } if self.open.last().is_some_and(|n| VOID.contains(&n.as_str())) => {
                    self.open.pop();
                }
                Token::ElementEnd {
                    end: ElementEnd::Close(..),
                    ..
                } => {
                    self.open.pop();
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn name(prefix: &str, local: &str) -> String {
    if prefix.is_empty() {
        local.to_ascii_lowercase()
    } else {
        format!("{prefix}:{local}").to_ascii_lowercase()
    }
}

/// The byte offset where Markdown first nests deeper than [`MAX_DEPTH`]:
/// quotes (`>`), lists, emphasis, and HTML tags written in the Markdown,
/// together; and a comment opened with `<!--` and never closed, which would
/// swallow the rest of the mail.
pub fn check_markdown(md: &str) -> Result<(), (usize, String)> {
    if let Some(at) = md.find("<!--").filter(|&at| !md[at..].contains("-->")) {
        return Err((
            at,
            "a comment is opened with <!-- and never closed with -->: close it, or remove it"
                .into(),
        ));
    }
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut depth: usize = 0;
    let mut tags = Tags::default();
    for (event, range) in Parser::new_ext(md, opts).into_offset_iter() {
        match event {
            Event::Start(_) => {
                depth += 1;
                if depth + tags.open.len() > MAX_DEPTH {
                    return Err((
                        range.start,
                        too_deep("quotes, lists or emphasis", MAX_DEPTH),
                    ));
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            // HTML blocks come line by line: the open tags carry over.
            Event::Html(html) | Event::InlineHtml(html) => {
                tags.feed(&html, depth, MAX_DEPTH).map_err(|at| {
                    (
                        range.start + at.min(range.len()),
                        too_deep("HTML tags", MAX_DEPTH),
                    )
                })?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn too_deep(what: &str, limit: usize) -> String {
    format!(
        "the text nests {what} more than {limit} levels deep here; no mail program can show that: remove the extra levels"
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
        assert!(check_tags("<mjml><mj-body><mj-section><mj-column><mj-text><p>a<br>b<img src=\"x\"></p></mj-text></mj-column></mj-section></mj-body></mjml>").is_ok());
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
    fn any_name_mrml_takes_for_an_element_counts() {
        for tag in ["<_>", "<é>", "<a:b>", "<DIV>"] {
            let deep = format!("<mj-text>{}</mj-text>", tag.repeat(1000));
            assert!(check_tags(&deep).is_err(), "{tag}");
            let md = format!("<div>\n{}\n", tag.repeat(1000));
            assert!(check_markdown(&md).is_err(), "{tag} in Markdown");
        }
    }

    #[test]
    fn closed_and_void_tags_do_not_add_up() {
        let flat = "<p>a</p>".repeat(10_000) + &"<br>".repeat(1000) + &"<x/>".repeat(1000);
        assert!(check_tags(&flat).is_ok());
        let links = "<https://example.nl> ".repeat(200);
        assert!(check_markdown(&links).is_ok());
    }

    #[test]
    fn mismatched_closing_tags_do_not_hide_nesting() {
        // mrml closes <b> at </a>: every repetition leaves one more <a> open.
        let sneaky = "<a><b></a>".repeat(200);
        assert!(check_tags(&sneaky).is_err());
        assert!(check_markdown(&format!("x\n\n<div>{sneaky}\n")).is_err());
        // Closing more than is open closes nothing further.
        assert!(check_tags(&"</x>".repeat(100)).is_ok());
    }

    #[test]
    fn an_unclosed_comment_is_pointed_at() {
        let (at, msg) = check_markdown("Hallo\n\n<!-- nog niet af\n\nTekst\n").expect_err("open");
        assert_eq!(at, 7);
        assert!(msg.contains("never closed"), "{msg}");
        assert!(check_markdown("a <!-- b --> c").is_ok());
    }
}
