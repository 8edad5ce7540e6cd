//! Liveness and Prometheus metrics.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

use super::AppState;
use super::error::AppError;
use crate::domain::secret;

/// 200 while the database answers and the sender works; 503 with the reason
/// when a delivery worker is dead or the sender is stuck.
pub async fn healthz(State(s): State<AppState>) -> Response {
    if let Err(e) = sqlx::query("SELECT 1").execute(&s.db.pool).await {
        tracing::error!("health check: database unavailable: {e}");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response();
    }
    if let Some(problem) = s.liveness.problem(s.now()) {
        tracing::error!("health check: {problem}");
        return (StatusCode::SERVICE_UNAVAILABLE, format!("{problem}\n")).into_response();
    }
    (StatusCode::OK, "ok\n").into_response()
}

/// Prometheus text, for the holder of `secrets.admin_token` only: the counts
/// say how many people unsubscribed from which issue. Without an admin token
/// the page does not exist.
pub async fn metrics(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let Some(expected) = s.admin_token.as_deref() else {
        return Err(AppError::NotFound);
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !secret::same(given.trim(), expected) {
        return Ok((
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "send the admin token: Authorization: Bearer <secrets.admin_token>\n",
        )
            .into_response());
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP postbode_deliveries Ledger rows per issue and state."
    );
    let _ = writeln!(out, "# TYPE postbode_deliveries gauge");
    if let Ok(rows) = s.db.delivery_counts().await {
        for r in rows {
            let _ = writeln!(
                out,
                "postbode_deliveries{{issue=\"{}\",state=\"{}\"}} {}",
                r.issue, r.state, r.count
            );
        }
    }
    let _ = writeln!(out, "# HELP postbode_subscribers Subscribers per status.");
    let _ = writeln!(out, "# TYPE postbode_subscribers gauge");
    if let Ok(rows) = s.db.count_subscribers_by_status().await {
        for (status, n) in rows {
            let _ = writeln!(out, "postbode_subscribers{{status=\"{status}\"}} {n}");
        }
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response())
}
