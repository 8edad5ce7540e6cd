//! The admin JSON API under `/api/v1`, for the holder of
//! `secrets.admin_token` ([`crate::web::admin`]). Every answer is JSON; every
//! error has the shape of [`error::ErrorBody`]. The OpenAPI document at
//! `/api/v1/openapi.json` is derived from the handlers' own types and
//! annotations, so it describes what the code does.

pub mod error;
pub mod issues;
pub mod paging;
pub mod reports;
pub mod subscribers;
pub mod suppressions;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{Next, from_fn_with_state, map_response};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::AppState;
use error::ApiError;

/// The document: every path of this module, the bearer scheme required by all.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "postbode admin API",
        version = "1",
        description = "Subscribers, issues, suppressions, agenda and statistics of one postbode installation. Every request needs `Authorization: Bearer <secrets.admin_token>`."
    ),
    paths(
        subscribers::list,
        subscribers::show,
        subscribers::create,
        subscribers::update,
        subscribers::erase,
        issues::list,
        issues::show,
        issues::pause,
        issues::resume,
        issues::cancel,
        issues::deliveries,
        suppressions::list,
        suppressions::remove,
        reports::agenda,
        reports::stats,
        openapi,
    ),
    modifiers(&BearerScheme),
    security(("bearer" = []))
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme the document refers to.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json", body = Object),
        (status = 401, description = "No or a wrong admin token", body = error::ErrorBody),
    )
)]
pub async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

/// Lets only the admin in, before any extractor looks at the request.
/// No answer is kept by a cache on the way: they carry personal data.
async fn door(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let mut r = match super::admin::check(&s, req.headers()) {
        Ok(()) => next.run(req).await,
        Err(refusal) => ApiError::from(refusal).into_response(),
    };
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The routes, to be nested at `/api/v1`.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/subscribers",
            get(subscribers::list).post(subscribers::create),
        )
        .route(
            "/subscribers/{id}",
            get(subscribers::show)
                .patch(subscribers::update)
                .delete(subscribers::erase),
        )
        .route("/issues", get(issues::list))
        .route("/issues/{slug}", get(issues::show))
        .route("/issues/{slug}/pause", post(issues::pause))
        .route("/issues/{slug}/resume", post(issues::resume))
        .route("/issues/{slug}/cancel", post(issues::cancel))
        .route("/issues/{slug}/deliveries", get(issues::deliveries))
        .route("/suppressions", get(suppressions::list))
        .route("/suppressions/remove", post(suppressions::remove))
        .route("/agenda", get(reports::agenda))
        .route("/stats", get(reports::stats))
        .route("/openapi.json", get(openapi))
        .fallback(error::not_found)
        .layer(map_response(error::jsonify))
        .layer(from_fn_with_state(state, door))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_declares_every_operation_and_the_bearer_scheme() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("JSON");
        assert_eq!(doc["openapi"], "3.1.0");
        let operations: usize = doc["paths"]
            .as_object()
            .expect("paths")
            .values()
            .map(|p| p.as_object().map_or(0, |m| m.len()))
            .sum();
        assert_eq!(operations, 16, "{:#}", doc["paths"]);
        assert_eq!(doc["security"][0]["bearer"], serde_json::json!([]));
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
    }
}
