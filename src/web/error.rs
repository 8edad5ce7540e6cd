//! One error type for every page. A handler returns [`AppError`]; it carries
//! no detail to the visitor: a bad link gets the same plain 404 page whatever
//! was wrong with it, a fault is logged here and answered with a 500 page.
//! The pages are drawn by [`render`], the one place that knows the frame.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::html;

use super::AppState;
use super::page::page;
use crate::domain::subscriber::Language;
use crate::domain::texts::tr;

#[derive(Debug)]
pub enum AppError {
    /// A forged, altered, truncated, expired or wrong-purpose link, or one
    /// about a subscriber who is gone.
    InvalidLink,
    NotFound,
    /// Logged; the visitor sees only that something went wrong.
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

/// Which error page [`render`] draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorPage {
    InvalidLink,
    NotFound,
    Internal,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, which) = match self {
            AppError::InvalidLink => (StatusCode::NOT_FOUND, ErrorPage::InvalidLink),
            AppError::NotFound => (StatusCode::NOT_FOUND, ErrorPage::NotFound),
            AppError::Internal(e) => {
                tracing::error!("request failed: {e:#}");
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorPage::Internal)
            }
        };
        let mut r = status.into_response();
        r.extensions_mut().insert(which);
        r
    }
}

/// Draws the page of an [`AppError`] answer; other answers pass unchanged.
pub async fn render(State(s): State<AppState>, r: Response) -> Response {
    let Some(which) = r.extensions().get::<ErrorPage>().copied() else {
        return r;
    };
    // Nobody is known here, so the page speaks Dutch, then English.
    let key = match which {
        ErrorPage::InvalidLink => "invalid",
        ErrorPage::NotFound => "not_found",
        ErrorPage::Internal => "internal",
    };
    let t = |lang, part: &str| tr!(lang, &format!("pages.errors.{key}{part}"));
    let title = t(Language::Nl, "_title");
    let body = html! {
        h1 { (t(Language::Nl, "")) }
        p { (t(Language::Nl, "_text")) }
        p lang="en" { (t(Language::En, "_text")) }
    };
    (
        r.status(),
        Html(page(&s, Language::Nl, &title, body).into_string()),
    )
        .into_response()
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}
