//! Which links an issue has: every `href` and image `src` of its Markdown
//! (intro and sections, inline HTML included), its agenda items' `url`s and
//! its raw MJML, in the order they stand in the file. One list for the link
//! check and for click counting, so both speak of the same links.

use pulldown_cmark::{Event, Parser, Tag};

use crate::domain::issue::{Body, Issue};

/// A link as it leaves the issue: a page to open or an image to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Link,
    Image,
}

/// One link of an issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundLink {
    /// The address, entities decoded.
    pub url: String,
    /// The address as written in the file, to find its line.
    pub written: String,
    pub kind: LinkKind,
}

/// Why a link is not fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// `mailto:`, `tel:`, `sms:`.
    MailOrPhone,
    /// `#top`: a place in the same page.
    Anchor,
    /// `{{ preferences_url }}`: filled in per reader when sending.
    MergeTag,
    /// Another scheme (`data:`, `ftp:`…): not a web page.
    NotWeb,
}

/// What to do with one link's address: fetch it, leave it, or say it
/// cannot work (a relative address has no meaning in a mail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Web(url::Url),
    Skip(Skipped),
    NotAbsolute,
}

/// The one rule for which links are fetched (and counted).
pub fn target(url: &str) -> Target {
    let url = url.trim();
    if url.contains("{{") {
        return Target::Skip(Skipped::MergeTag);
    }
    if url.starts_with('#') {
        return Target::Skip(Skipped::Anchor);
    }
    match url::Url::parse(url) {
        Ok(u) => match u.scheme() {
            "http" | "https" if u.host_str().is_some() => Target::Web(u),
            "http" | "https" => Target::NotAbsolute,
            "mailto" | "tel" | "sms" => Target::Skip(Skipped::MailOrPhone),
            _ => Target::Skip(Skipped::NotWeb),
        },
        Err(_) => Target::NotAbsolute,
    }
}

/// Every link and image of the issue, agenda first (the front matter comes
/// first in the file), then the body.
pub fn links(issue: &Issue) -> Vec<FoundLink> {
    let mut out = Vec::new();
    for item in &issue.agenda {
        if !item.url.trim().is_empty() {
            out.push(FoundLink {
                url: item.url.trim().to_string(),
                written: item.url.trim().to_string(),
                kind: LinkKind::Link,
            });
        }
    }
    match &issue.body {
        Body::Markdown {
            intro,
            sections,
            closing,
        } => {
            markdown_links(intro, &mut out);
            for s in sections {
                markdown_links(&s.markdown, &mut out);
            }
            markdown_links(closing, &mut out);
        }
        Body::Mjml(doc) => html_links(doc, &mut out),
    }
    out
}

/// The addresses click counting rewrites, each once, in order: web pages
/// the reader opens (never images, which would count opens).
pub fn tracked_urls(issue: &Issue) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in links(issue) {
        if l.kind == LinkKind::Link
            && matches!(target(&l.url), Target::Web(_))
            && !out.contains(&l.url)
        {
            out.push(l.url);
        }
    }
    out
}

fn markdown_links(md: &str, out: &mut Vec<FoundLink>) {
    for event in Parser::new(md) {
        let (url, kind) = match event {
            Event::Start(Tag::Link { dest_url, .. }) => (dest_url, LinkKind::Link),
            Event::Start(Tag::Image { dest_url, .. }) => (dest_url, LinkKind::Image),
            Event::Html(h) | Event::InlineHtml(h) => {
                html_links(&h, out);
                continue;
            }
            _ => continue,
        };
        out.push(FoundLink {
            url: url.to_string(),
            written: url.to_string(),
            kind,
        });
    }
}

/// `href` and `src` attributes of HTML or MJML (`mj-button`, `mj-image`…).
fn html_links(html: &str, out: &mut Vec<FoundLink>) {
    for token in htmlparser::Tokenizer::from(html) {
        // What does not tokenize was refused by the MJML check already.
        let Ok(token) = token else { break };
        let htmlparser::Token::Attribute { local, value, .. } = token else {
            continue;
        };
        let kind = match local.as_str().to_ascii_lowercase().as_str() {
            "href" => LinkKind::Link,
            "src" => LinkKind::Image,
            _ => continue,
        };
        let Some(value) = value else { continue };
        let written = value.as_str().trim().to_string();
        if written.is_empty() {
            continue;
        }
        out.push(FoundLink {
            url: html_escape::decode_html_entities(&written).into_owned(),
            written,
            kind,
        });
    }
}

/// Line and column of each link in the file `text`: the next place its
/// address is written, after the places found for earlier links with the
/// same address. None when it is written differently (escaped Markdown).
pub fn locate(text: &str, links: &[FoundLink]) -> Vec<Option<(usize, usize)>> {
    let mut from: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    links
        .iter()
        .map(|l| {
            let start = from.get(l.written.as_str()).copied().unwrap_or(0);
            let at = text.get(start..)?.find(&l.written)? + start;
            from.insert(&l.written, at + l.written.len());
            Some(crate::domain::diagnostic::line_col(text, at))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_links_are_fetched() {
        assert!(matches!(target("https://kus.example.nl/a"), Target::Web(_)));
        assert_eq!(
            target("mailto:redactie@kus.example.nl"),
            Target::Skip(Skipped::MailOrPhone)
        );
        assert_eq!(
            target("tel:+31301234567"),
            Target::Skip(Skipped::MailOrPhone)
        );
        assert_eq!(target("#agenda"), Target::Skip(Skipped::Anchor));
        assert_eq!(
            target("{{ preferences_url }}"),
            Target::Skip(Skipped::MergeTag)
        );
        assert_eq!(
            target("https://x.nl/?u={{unsubscribe_url}}"),
            Target::Skip(Skipped::MergeTag)
        );
        assert_eq!(target("/archive"), Target::NotAbsolute);
        assert_eq!(
            target("data:image/png;base64,AA"),
            Target::Skip(Skipped::NotWeb)
        );
    }

    #[test]
    fn markdown_and_inline_html_links_and_images_are_found_in_order() {
        let mut out = Vec::new();
        markdown_links(
            "[a](https://a.nl/x) ![b](https://b.nl/p.png)\n\n<a href=\"https://c.nl/?p=1&amp;q=2\">c</a> <https://d.nl>",
            &mut out,
        );
        let urls: Vec<(&str, LinkKind)> = out.iter().map(|l| (l.url.as_str(), l.kind)).collect();
        assert_eq!(
            urls,
            [
                ("https://a.nl/x", LinkKind::Link),
                ("https://b.nl/p.png", LinkKind::Image),
                ("https://c.nl/?p=1&q=2", LinkKind::Link),
                ("https://d.nl", LinkKind::Link),
            ]
        );
    }

    #[test]
    fn repeated_addresses_get_their_own_lines() {
        let text = "a\n[x](https://a.nl)\n[y](https://a.nl)\n";
        let l = FoundLink {
            url: "https://a.nl".into(),
            written: "https://a.nl".into(),
            kind: LinkKind::Link,
        };
        let at = locate(text, &[l.clone(), l]);
        assert_eq!(at, [Some((2, 5)), Some((3, 5))]);
    }
}
