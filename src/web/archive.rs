//! `GET /archive` lists the issues that went out; `GET /archive/{slug}` shows
//! one as it was sent, with every section and no personal data, cleaned of
//! anything that could run (see [`crate::render::web_version`]) and under a
//! policy of its own. Its HTML is compiled and cleaned once, on the first
//! view, and kept with the issue.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_SECURITY_POLICY;
use axum::response::{Html, IntoResponse, Response};
use maud::html;

use super::AppState;
use super::error::AppError;
use super::headers::ARCHIVE_POLICY;
use super::page::respond;
use crate::domain::subscriber::Language;
use crate::render::MergeValues;
use crate::render::web_version::web_version;

pub async fn index(State(s): State<AppState>) -> Result<Response, AppError> {
    let issues = s.db.sent_issues().await?;
    let body = html! {
        h1 { "Archief" }
        @if issues.is_empty() { p { "Er zijn nog geen nieuwsbrieven verstuurd." } }
        ul.issues {
            @for i in &issues {
                li { a href=(format!("/archive/{}", i.slug)) { (i.subject) } }
            }
        }
    };
    Ok(respond(&s, StatusCode::OK, Language::Nl, "Archief", body))
}

pub async fn show(
    State(s): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let row = match s.db.issue_by_slug(&slug).await? {
        Some(r) if r.status.is_frozen() => r,
        _ => return Err(AppError::NotFound),
    };
    if let Some(html) = s.db.archive_html(row.id).await? {
        return Ok(archive_page(html));
    }
    let issues = s.issues.clone();
    let (file, source) = (row.file.clone(), row.source.clone());
    let loaded = tokio::task::spawn_blocking(move || issues.load_stored(&file, &source))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|d| anyhow::anyhow!("archived issue {slug} no longer loads: {d:?}"))?;
    let variant = loaded.full_variant().map_err(|d| anyhow::anyhow!("{d}"))?;
    // The web version belongs to nobody: its footer links lead home.
    let home = s.links.page("/");
    let values = MergeValues {
        name: "lezer".into(),
        preferences_url: home.clone(),
        unsubscribe_url: home,
        archive_url: s.links.archive(&row.slug),
    };
    let html = web_version(&variant.personalise(&values).0, &variant.subject(&values));
    s.db.set_archive_html(row.id, &html).await?;
    Ok(archive_page(html))
}

/// An issue's page under its own policy: the mail's styles and images, no scripts.
fn archive_page(html: String) -> Response {
    ([(CONTENT_SECURITY_POLICY, ARCHIVE_POLICY)], Html(html)).into_response()
}
