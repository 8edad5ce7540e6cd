//! Liveness: `GET /healthz`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::AppState;

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
