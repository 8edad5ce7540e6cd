//! `GET /l/{issue}/{link}`: a counted link (`tracking.clicks`). The link's
//! MAC names one link of one issue; the address it leads to comes from the
//! database, never from the request, so it cannot send anyone elsewhere.
//! A forged or unknown link gets the plain 404 page and counts nothing.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::AppError;

pub async fn follow(
    State(s): State<AppState>,
    Path((issue, link)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let index = s
        .links
        .verify_click(&issue, &link)
        .and_then(|i| i64::try_from(i).ok())
        .ok_or(AppError::InvalidLink)?;
    // Links in mail already sent keep working when counting is switched off.
    let url =
        s.db.follow_link(&issue, index, s.config.tracking.clicks)
            .await?
            .ok_or(AppError::InvalidLink)?;
    // Stored from the issue as web addresses; checked again all the same.
    if !matches!(
        url::Url::parse(&url)
            .map(|u| u.scheme().to_string())
            .as_deref(),
        Ok("http" | "https")
    ) {
        return Err(AppError::InvalidLink);
    }
    Ok((
        StatusCode::FOUND,
        [(LOCATION, url.as_str()), (CACHE_CONTROL, "no-store")],
    )
        .into_response())
}
