//! Liveness and Prometheus metrics.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write;
use std::sync::Arc;

use crate::context::Ctx;

/// Answers 200 when the database answers.
pub async fn healthz(State(ctx): State<Arc<Ctx>>) -> Response {
    match sqlx::query("SELECT 1").execute(&ctx.db.pool).await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!("health check: database unavailable: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

pub async fn metrics(State(ctx): State<Arc<Ctx>>) -> Response {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP postbode_deliveries Ledger rows per issue and state."
    );
    let _ = writeln!(out, "# TYPE postbode_deliveries gauge");
    if let Ok(rows) = ctx.db.delivery_counts().await {
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
    if let Ok(rows) = ctx.db.count_subscribers_by_status().await {
        for (status, n) in rows {
            let _ = writeln!(out, "postbode_subscribers{{status=\"{status}\"}} {n}");
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
