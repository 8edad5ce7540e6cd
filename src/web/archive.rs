//! `GET /archive` lists the issues that went out, a page at a time;
//! `GET /archive/{slug}` shows one as it was sent, with every section and no
//! personal data, cleaned of anything that could run (see
//! [`crate::render::web_version`]) and under a policy of its own. Its HTML is
//! compiled and cleaned once, on the first view, and kept with the issue;
//! the Atom feed ([`super::feed`]) serves the same.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_SECURITY_POLICY;
use axum::response::{Html, IntoResponse, Response};
use maud::html;

use super::AppState;
use super::error::AppError;
use super::forms::query_value;
use super::headers::ARCHIVE_POLICY;
use super::page::respond_with_head;
use crate::domain::subscriber::Language;
use crate::render::MergeValues;
use crate::render::web_version::{mail_language, web_version};
use crate::storage::issues::IssueRow;

/// Issues per page of the archive.
pub const PER_PAGE: i64 = 20;

/// `?page=N`, counted from 1; absent = the first. None: not a page number.
fn page_number(raw: &str) -> Option<i64> {
    if raw.is_empty() {
        return Some(1);
    }
    // Digits only: no sign, no spaces, and short enough not to overflow.
    if raw.len() > 9 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok().filter(|&n| n >= 1)
}

pub async fn index(
    State(s): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let lang = Language::or_dutch(&query_value(query.as_deref(), "lang"));
    let t = |key: &str| crate::domain::texts::tr!(lang, key);
    let total = s.db.count_sent_issues().await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let feed = format!("{}/archive.atom", s.links.base());
    let head = html! {
        link rel="alternate" type="application/atom+xml" title=(t("archive.feed")) href=(feed);
    };
    let asked = query_value(query.as_deref(), "page");
    let Some(page) = page_number(&asked).filter(|&p| p <= pages) else {
        let body = html! {
            h1 { (t("archive.title")) }
            p { (crate::domain::texts::tr!(lang, "archive.no_such_page", pages = pages)) }
            p { a href="/archive" { (t("archive.first_page")) } }
        };
        return Ok(respond_with_head(
            &s,
            StatusCode::NOT_FOUND,
            lang,
            &t("archive.title"),
            head,
            body,
        ));
    };
    let issues = s.db.sent_issues(PER_PAGE, (page - 1) * PER_PAGE).await?;
    let link = |p: i64| {
        let lang = if lang.is_en() { "&lang=en" } else { "" };
        format!("/archive?page={p}{lang}")
    };
    let body = html! {
        h1 { (t("archive.title")) }
        @if issues.is_empty() { p { (t("archive.empty")) } }
        ul.issues {
            @for i in &issues {
                li { a href=(format!("/archive/{}", i.slug)) { (i.subject) } }
            }
        }
        nav.pages {
            @if page > 1 { a rel="prev" href=(link(page - 1)) { (t("archive.newer")) } " " }
            @if pages > 1 { span { (crate::domain::texts::tr!(lang, "archive.page_of", page = page, pages = pages)) } " " }
            @if page < pages { a rel="next" href=(link(page + 1)) { (t("archive.older")) } }
        }
        p { a href=(feed) { (t("archive.feed")) } }
    };
    Ok(respond_with_head(
        &s,
        StatusCode::OK,
        lang,
        &t("archive.title"),
        head,
        body,
    ))
}

pub async fn show(
    State(s): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let row = match s.db.issue_by_slug(&slug).await? {
        Some(r) if r.status.is_frozen() => r,
        _ => return Err(AppError::NotFound),
    };
    let html = web_page(&s, &row).await?;
    Ok(([(CONTENT_SECURITY_POLICY, ARCHIVE_POLICY)], Html(html)).into_response())
}

/// The cleaned web version of a sent issue, compiled on first use and kept.
pub async fn web_page(s: &AppState, row: &IssueRow) -> Result<String, AppError> {
    if let Some(html) = s.db.archive_html(row.id).await? {
        return Ok(html);
    }
    let slug = row.slug.clone();
    let issues = s.issues.clone();
    let (file, source) = (row.file.clone(), row.source.clone());
    let loaded = tokio::task::spawn_blocking(move || issues.load_stored(&file, &source))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|d| anyhow::anyhow!("archived issue {slug} no longer loads: {d:?}"))?;
    let variant = loaded.full_variant().map_err(|d| anyhow::anyhow!("{d}"))?;
    // The web version belongs to nobody: its footer links lead home, and a
    // greeting by name greets the reader, in the issue's own language.
    let home = s.links.page("/");
    let mut values = MergeValues {
        name: crate::domain::texts::tr!(Language::Nl, "archive.reader"),
        preferences_url: home.clone(),
        unsubscribe_url: home,
        archive_url: s.links.archive(&row.slug),
    };
    let (mut mail, _) = variant.personalise(&values);
    if let Some(lang) = mail_language(&mail).and_then(|l| l.parse::<Language>().ok()) {
        if lang != Language::Nl {
            values.name = crate::domain::texts::tr!(lang, "archive.reader");
            mail = variant.personalise(&values).0;
        }
    }
    let html = web_version(&mail, &variant.subject(&values));
    s.db.set_archive_html(row.id, &html).await?;
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::page_number;

    #[test]
    fn only_whole_positive_page_numbers_are_pages() {
        assert_eq!(page_number(""), Some(1));
        assert_eq!(page_number("1"), Some(1));
        assert_eq!(page_number("02"), Some(2));
        for bad in [
            "0",
            "-1",
            "+2",
            " 1",
            "1.5",
            "x",
            "99999999999999999999",
            "１",
        ] {
            assert_eq!(page_number(bad), None, "{bad}");
        }
    }
}
