//! Security headers on every answer: a Content-Security-Policy that lets a
//! page load nothing but its own stylesheet and post forms only to postbode,
//! no MIME sniffing, no `Referer` (a page behind a signed link must not hand
//! its token to the next site), and no caching of pages whose URL carries a
//! token. A handler that sets its own policy (the archive) keeps it.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;

/// The policy of an archived issue: the mail's own layout (its `<style>`
/// blocks and `style` attributes) and its images, nothing that runs.
pub const ARCHIVE_POLICY: &str = "default-src 'none'; img-src https: http: data:; \
     style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Paths whose last part is a signed link's token.
const TOKEN_PATHS: &[&str] = &[
    "/preferences/",
    "/unsubscribe/",
    "/confirm/",
    "/preview/",
    "/approve/",
];

pub async fn add(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let carries_token = TOKEN_PATHS.iter().any(|p| req.uri().path().starts_with(p));
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    if !h.contains_key(CONTENT_SECURITY_POLICY) {
        h.insert(CONTENT_SECURITY_POLICY, s.style.policy().clone());
    }
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if carries_token {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}
