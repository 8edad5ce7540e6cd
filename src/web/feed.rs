//! `GET /archive.atom`: the newest sent issues as an Atom feed (RFC 4287),
//! written by `atom_syndication`, which escapes every value. Each entry
//! carries the issue's cleaned web version, the same page the archive shows
//! (every section, no personal links), its subject as title and its
//! preheader as summary. Ids are `urn:uuid` names derived from the list's
//! `platform.list_id` and the issue's slug, so they stay the same whatever
//! the address the feed is read at.

use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset};
use uuid::Uuid;

use super::AppState;
use super::archive::{PER_PAGE, web_page};
use super::error::AppError;
use crate::domain::clock::from_epoch;

pub async fn feed(State(s): State<AppState>) -> Result<Response, AppError> {
    let base = s.links.base().to_string();
    let platform = &s.config.platform;
    let list = Uuid::new_v5(&Uuid::NAMESPACE_DNS, platform.list_id.as_bytes());
    let rows = s.db.sent_issues(PER_PAGE, 0).await?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in &rows {
        let page = web_page(&s, row).await?;
        let preheader = preheader(&s, &row.file, &row.source).await;
        let url = s.links.archive(&row.slug);
        entries.push(Entry {
            id: format!("urn:uuid:{}", Uuid::new_v5(&list, row.slug.as_bytes())),
            title: Text::plain(xml_text(&row.subject)),
            updated: at(row.sent_at.or(row.started_at).unwrap_or_default()),
            links: vec![link(&url, "alternate", "text/html")],
            summary: preheader.map(|p| Text::plain(xml_text(&p))),
            content: Some(Content {
                value: Some(xml_text(body_of(&page))),
                content_type: Some("html".into()),
                ..Content::default()
            }),
            ..Entry::default()
        });
    }
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or_else(|| at(s.now()));
    let lang = s.config.platform.language;
    let feed = Feed {
        id: format!("urn:uuid:{list}"),
        title: Text::plain(xml_text(&crate::domain::texts::tr!(
            lang,
            "archive.feed_title",
            platform = platform.name
        ))),
        updated,
        authors: vec![Person {
            name: xml_text(&platform.name),
            uri: Some(base.clone()),
            ..Person::default()
        }],
        links: vec![
            link(
                &format!("{base}/archive.atom"),
                "self",
                "application/atom+xml",
            ),
            link(&format!("{base}/archive"), "alternate", "text/html"),
        ],
        entries,
        ..Feed::default()
    };
    let xml = feed
        .write_to(Vec::new())
        .map_err(|e| anyhow::anyhow!("writing the feed failed: {e}"))?;
    Ok(([(CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml).into_response())
}

/// The issue's preheader, if it has one (parsing is cached by the pipeline).
async fn preheader(s: &AppState, file: &str, source: &str) -> Option<String> {
    let issues = s.issues.clone();
    let (file, source) = (file.to_string(), source.to_string());
    let loaded = tokio::task::spawn_blocking(move || issues.load_stored(&file, &source))
        .await
        .ok()?
        .ok()?;
    let p = loaded.issue().preheader.trim().to_string();
    (!p.is_empty()).then_some(p)
}

fn at(epoch: i64) -> DateTime<FixedOffset> {
    from_epoch(epoch).fixed_offset()
}

fn link(href: &str, rel: &str, mime: &str) -> Link {
    Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: Some(mime.to_string()),
        ..Link::default()
    }
}

/// What is inside the cleaned page's `<body>`: the mail without the page
/// around it.
fn body_of(page: &str) -> &str {
    let Some(open) = page.find("<body") else {
        return page;
    };
    let inner = &page[open..];
    let inner = inner.find('>').map_or(inner, |i| &inner[i + 1..]);
    inner.rfind("</body>").map_or(inner, |i| &inner[..i])
}

/// Text as XML 1.0 allows it: escaping cannot carry control characters, so
/// they go (tab and line breaks stay).
fn xml_text(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r')
                || !(c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}')
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{body_of, xml_text};

    #[test]
    fn control_characters_go_and_text_stays() {
        assert_eq!(xml_text("a\u{0}b\u{7}c\u{1b}d\u{85}e\tf\ng"), "abcde\tf\ng");
        assert_eq!(xml_text("<script>&"), "<script>&");
    }

    #[test]
    fn the_body_is_taken_out_of_the_page() {
        let page = "<html><head><title>t</title></head><body style=\"x\"><p>hoi</p></body></html>";
        assert_eq!(body_of(page), "<p>hoi</p>");
    }
}
