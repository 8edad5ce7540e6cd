//! The one door of the admin side (`/metrics`, `/api/v1/…`): the holder of
//! `secrets.admin_token` only, compared in constant time. Without an admin
//! token configured these pages do not exist (404); a missing or wrong token
//! is 401 with `WWW-Authenticate: Bearer`. Each caller draws the refusal in
//! its own format (Prometheus text, JSON).

use axum::http::{HeaderMap, header};

use super::AppState;
use crate::domain::secret;

/// Why a request is not let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No admin token is configured: the admin pages are off.
    Off,
    /// The bearer token is missing or wrong.
    Unauthorized,
}

/// The value of `WWW-Authenticate` on a 401.
pub const CHALLENGE: &str = "Bearer";

/// Lets the request in when it carries `Authorization: Bearer <admin_token>`.
pub fn check(s: &AppState, headers: &HeaderMap) -> Result<(), Refusal> {
    let Some(expected) = s.admin_token.as_deref() else {
        return Err(Refusal::Off);
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if secret::same(given.trim(), expected) {
        Ok(())
    } else {
        Err(Refusal::Unauthorized)
    }
}
