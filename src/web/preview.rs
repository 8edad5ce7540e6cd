//! `GET /preview/{token}`: an editor's preview of one variant of an issue,
//! from the signed link in its proof; no login. The link names the issue,
//! the version of its text and the sections shown, nobody's address: the
//! page greets "reader" and its personal links lead to the archive. The mail
//! is cleaned like the archive's web version (nothing of it runs), with a
//! banner on top saying what it is. A link to an older version of the text
//! or an expired one gets a page saying so and what to do.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY};
use axum::response::{Html, IntoResponse, Response};
use maud::html;

use super::AppState;
use super::error::AppError;
use super::headers::ARCHIVE_POLICY;
use super::page::respond;
use crate::domain::editor_link::{EditorAction, EditorLink};
use crate::domain::issue::Body;
use crate::domain::texts::tr;
use crate::newsletters::proof_summary::with_summary_html;
use crate::render::MergeValues;
use crate::render::web_version::web_version;
use crate::storage::issues::IssueRow;

/// The issue a genuine, current editor link names, or the page that says
/// why it is not (expired, or the text changed since).
pub async fn linked_issue(
    s: &AppState,
    token: &str,
    action: EditorAction,
) -> Result<Result<(EditorLink, IssueRow), Response>, AppError> {
    let link = s
        .links
        .verify_editor(token, action)
        .ok_or(AppError::InvalidLink)?;
    let row =
        s.db.issue_by_id(link.issue_id)
            .await?
            .ok_or(AppError::InvalidLink)?;
    let lang = s.config.platform.language;
    if s.now() > link.expires_at {
        let body = html! {
            h1 { (tr!(lang, "preview.expired_title")) }
            p { (tr!(lang, "preview.expired", slug = row.slug)) }
        };
        let title = tr!(lang, "preview.expired_title");
        return Ok(Err(respond(s, StatusCode::GONE, lang, &title, body)));
    }
    if !link.is_of(&row.content_hash) {
        let body = html! {
            h1 { (tr!(lang, "preview.outdated_title")) }
            p { (tr!(lang, "preview.outdated", subject = row.subject)) }
        };
        let title = tr!(lang, "preview.outdated_title");
        return Ok(Err(respond(s, StatusCode::GONE, lang, &title, body)));
    }
    Ok(Ok((link, row)))
}

pub async fn show(
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (link, row) = match linked_issue(&s, &token, EditorAction::Preview).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let issues = s.issues.clone();
    let (file, source) = (row.file.clone(), row.source.clone());
    let loaded = tokio::task::spawn_blocking(move || issues.load_stored(&file, &source))
        .await
        .map_err(anyhow::Error::from)?
        // The stored text no longer loads (the configuration changed): the
        // editor gets its errors by mail; there is nothing to show.
        .map_err(|_| AppError::NotFound)?;
    let issue = loaded.issue();
    let titles: Vec<&str> = match &issue.body {
        Body::Markdown { sections, .. } if sections.len() == link.sections.len() => sections
            .iter()
            .zip(&link.sections)
            .filter(|(_, on)| **on)
            .map(|(s, _)| s.title.as_str())
            .collect(),
        Body::Mjml(_) if link.sections.is_empty() => Vec::new(),
        _ => return Err(AppError::InvalidLink),
    };
    let variant = loaded
        .renderer
        .variant_in(&link.sections, link.language)
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    let lang = s.config.platform.language;
    let archive = s.links.page("/archive");
    let values = MergeValues {
        // Greeted as its readers are when no name is known.
        name: tr!(link.language, "archive.reader"),
        preferences_url: archive.clone(),
        unsubscribe_url: archive,
        archive_url: s.links.archive(&row.slug),
    };
    let (mail, _) = variant.personalise(&values);
    let shown = if link.sections.iter().all(|on| *on) {
        tr!(lang, "preview.all_sections")
    } else if titles.is_empty() {
        tr!(lang, "issues.proof_no_sections")
    } else {
        titles.join(", ")
    };
    let banner = format!(
        "<div style=\"box-sizing:border-box;max-width:600px;margin:0 auto;padding:12px 16px;background:#fff7d6;border:2px solid #e0b000;font:14px/1.5 Arial,sans-serif;color:#222;overflow-wrap:anywhere;\">{}</div>",
        html_escape::encode_text(&tr!(lang, "preview.banner", sections = shown))
    );
    let title = tr!(lang, "preview.title", subject = variant.subject(&values));
    let page = with_summary_html(&web_version(&mail, &title), &banner);
    Ok((
        [
            (CONTENT_SECURITY_POLICY, ARCHIVE_POLICY),
            (CACHE_CONTROL, "no-store"),
        ],
        Html(page),
    )
        .into_response())
}
