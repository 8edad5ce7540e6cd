//! The web side: subscriber pages behind signed links, the archive, health
//! and metrics. Handlers get typed values: a form is parsed once into domain
//! types, a link into a [`verified::Verified`] subscriber, and every failure
//! is one [`error::AppError`].

pub mod admin;
pub mod api;
pub mod approve;
pub mod archive;
pub mod clicks;
pub mod client;
pub mod confirm;
pub mod error;
mod feed;
pub mod forms;
pub mod headers;
pub mod health;
pub mod limits;
pub mod metrics;
pub mod origin;
pub mod page;
pub mod preferences;
pub mod preview;
pub mod privacy;
pub mod server;
pub mod signup_pages;
pub mod subscribe;
pub mod unsubscribe;
pub mod verified;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::{from_fn_with_state, map_response_with_state};
use axum::routing::{get, post};
use std::sync::Arc;
use tower_http::timeout::TimeoutLayer;

use crate::config::Config;
use crate::delivery::Liveness;
use crate::domain::clock::{SharedClock, epoch};
use crate::domain::links::Links;
use crate::newsletters::IssuePipeline;
use crate::signup::SignupMails;
use crate::storage::Db;

/// Form bodies are small; anything larger is refused before it is read.
const BODY_LIMIT: usize = 16 * 1024;

/// What the pages work with.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub clock: SharedClock,
    pub links: Links,
    pub signup: SignupMails,
    pub issues: Arc<IssuePipeline>,
    pub liveness: Arc<Liveness>,
    /// What the sender counts, for `/metrics`.
    pub metrics: crate::delivery::SendMetrics,
    pub limits: Arc<limits::Limits>,
    /// `secrets.admin_token`, checked at start-up; None: the admin pages are off.
    pub admin_token: Option<Arc<str>>,
    /// The pages' stylesheet and the policy that allows it, built once.
    pub style: Arc<page::PageStyle>,
}

/// The daemon's name for what the web pages get.
pub type State = AppState;

impl AppState {
    pub fn now(&self) -> i64 {
        epoch(self.clock.now())
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(subscribe::form))
        .route("/subscribe", post(subscribe::submit))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(metrics::metrics))
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
        .route(
            "/preferences/{token}/data-link",
            post(privacy::request_data_link),
        )
        .route("/preferences/{token}/revoke", post(privacy::revoke))
        .route("/preferences/{token}/data", get(privacy::data))
        .route(
            "/preferences/{token}/erase",
            get(privacy::erase_page).post(privacy::erase),
        )
        .route(
            "/confirm/{token}",
            get(confirm::show).post(confirm::confirm),
        )
        .route("/confirm/{token}/resend", post(confirm::resend))
        .route("/archive", get(archive::index))
        .route("/archive.atom", get(feed::feed))
        .route("/archive/{slug}", get(archive::show))
        .route("/l/{issue}/{link}", get(clicks::follow))
        .route("/preview/{token}", get(preview::show))
        .route(
            "/approve/{token}",
            get(approve::show).post(approve::approve),
        )
        .nest("/api/v1", api::router(state.clone()))
        .fallback(error::not_found)
        .layer(map_response_with_state(state.clone(), error::render))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            server::REQUEST_TIMEOUT,
        ))
        .layer(from_fn_with_state(state.clone(), headers::add))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Serves until `shutdown`, with the timeouts and the connection cap of
/// [`server`].
pub async fn serve(
    state: AppState,
    shutdown: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    let addr = state.config.http.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("http.listen: cannot listen on {addr}: {e}"))?;
    tracing::info!(%addr, "web pages ready");
    server::run(listener, router(state), shutdown).await
}
