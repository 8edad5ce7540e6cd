//! `GET /approve/{token}` · `POST /approve/{token}`: an editor approves an
//! issue from the signed link in its proof (`platform.require_approval`).
//! The GET shows what is approved and a button, and changes nothing (mail
//! scanners open every link); the POST approves the version of the text the
//! proof showed, and only that one ([`crate::storage::approval`]).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::html;

use super::AppState;
use super::error::AppError;
use super::origin::is_cross_site;
use super::page::respond;
use super::preview::linked_issue;
use super::signup_pages::cross_site;
use crate::domain::clock::local_minute;
use crate::domain::editor_link::EditorAction;
use crate::domain::texts::tr;
use crate::newsletters::approval::said;
use crate::storage::approval::ApprovedVia;

pub async fn show(
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (_, row) = match linked_issue(&s, &token, EditorAction::Approve).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let lang = s.config.platform.language;
    let tz = s.config.platform.timezone;
    let when = match row.send_at {
        Some(t) if t <= s.now() => {
            tr!(lang, "approval.page_send_now", at = local_minute(t, tz))
        }
        Some(t) => tr!(lang, "approval.page_send_at", at = local_minute(t, tz)),
        None => String::new(),
    };
    let title = tr!(lang, "approval.page_title");
    let body = html! {
        h1 { (title) }
        p { (tr!(lang, "approval.page_intro")) }
        p { strong { (row.subject) } " (" (row.slug) ")" }
        @if !when.is_empty() { p { (when) } }
        form method="post" { button type="submit" { (tr!(lang, "approval.page_button")) } }
    };
    Ok(respond(&s, StatusCode::OK, lang, &title, body))
}

pub async fn approve(
    State(s): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let lang = s.config.platform.language;
    if is_cross_site(&headers, s.links.base()) {
        tracing::warn!("an approval posted from another web site was refused");
        return Ok(cross_site(&s, lang));
    }
    let (link, row) = match linked_issue(&s, &token, EditorAction::Approve).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let outcome =
        s.db.approve_issue(&row, |h| link.is_of(h), ApprovedVia::Link, s.now())
            .await?;
    let (text, ok) = said(
        lang,
        s.config.platform.timezone,
        s.now(),
        &row.slug,
        &outcome,
    );
    if ok {
        tracing::info!(issue = %row.slug, "issue approved through its proof");
    }
    let title = tr!(lang, "approval.page_title");
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    Ok(respond(
        &s,
        status,
        lang,
        &title,
        html! { h1 { (title) } p { (text) } },
    ))
}
