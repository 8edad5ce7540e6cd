//! The web side: subscriber pages behind signed links, the archive, health and metrics.

pub mod archive;
pub mod confirm;
pub mod error;
pub mod health;
pub mod limits;
pub mod page;
pub mod preferences;
pub mod subscribe;
pub mod unsubscribe;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension};
use axum::routing::{get, post};
use std::sync::Arc;

use crate::context::Ctx;

/// Form bodies are small; anything larger is refused before it is read.
const BODY_LIMIT: usize = 16 * 1024;

pub fn router(ctx: Arc<Ctx>) -> Router {
    let signup_limits = Arc::new(subscribe::Limits::new());
    Router::new()
        .route("/", get(subscribe::form))
        .route(
            "/subscribe",
            post(subscribe::submit).layer(Extension(signup_limits)),
        )
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .route(
            "/unsubscribe/{token}",
            get(unsubscribe::show).post(unsubscribe::confirm),
        )
        .route("/unsubscribe/{token}/reason", post(unsubscribe::reason))
        .route(
            "/preferences/{token}",
            get(preferences::show).post(preferences::save),
        )
        .route(
            "/preferences/{token}/unsubscribe",
            post(preferences::unsubscribe),
        )
        .route("/preferences/{token}/data", get(preferences::data))
        .route(
            "/preferences/{token}/erase",
            get(preferences::erase_page).post(preferences::erase),
        )
        .route(
            "/confirm/{token}",
            get(confirm::show).post(confirm::confirm),
        )
        .route("/confirm/{token}/resend", post(confirm::resend))
        .route("/archive", get(archive::index))
        .route("/archive/{slug}", get(archive::show))
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(ctx)
}

/// Serves until `shutdown`.
pub async fn serve(
    ctx: Arc<Ctx>,
    shutdown: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    let addr = ctx.config.listen_addr()?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("http.listen: cannot listen on {addr}: {e}"))?;
    tracing::info!(%addr, "web pages ready");
    axum::serve(
        listener,
        router(ctx).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move { shutdown.cancelled().await })
    .await?;
    Ok(())
}
