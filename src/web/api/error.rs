//! Every error of the admin API is one JSON shape,
//! `{"error":{"code":"…","message":"…","details":…}}`: the handlers' own,
//! axum's rejections of a bad body, query or path, the refusal at the door
//! and whatever else a layer answers (405, 413), so a client parses one thing.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, body::Body};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::web::admin::{CHALLENGE, Refusal};

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `not_found`, `unauthorized`, `invalid`, `conflict`,
    /// `method_not_allowed`, `too_large`, `unsupported_media_type`, `internal`.
    pub code: String,
    /// For the operator, in English.
    pub message: String,
    /// More about what was wrong (the fields, the current state), if anything.
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Option<Value>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn with(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// The error a bare status means, for answers made by a layer.
    fn for_status(status: StatusCode) -> Self {
        let code = match status {
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            StatusCode::PAYLOAD_TOO_LARGE => "too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::CONFLICT => "conflict",
            s if s.is_server_error() => "internal",
            _ => "invalid",
        };
        let message = status.canonical_reason().unwrap_or("error").to_string();
        Self::new(status, code, message)
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        match r {
            // Without a token the API does not exist.
            Refusal::Off => Self::not_found("no such page"),
            Refusal::Unauthorized => Self::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send the admin token: Authorization: Bearer <secrets.admin_token>",
            ),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!("admin API request failed: {e:#}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the request failed; the server log says why",
        )
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as Content-Type: application/json",
            ),
            JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Self::for_status(StatusCode::PAYLOAD_TOO_LARGE)
            }
            other => Self::invalid("the body is not the JSON this endpoint takes")
                .with(serde_json::json!({ "reason": other.body_text() })),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::invalid("the query string is not valid")
            .with(serde_json::json!({ "reason": r.body_text() }))
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        Self::invalid("the path is not valid").with(serde_json::json!({ "reason": r.body_text() }))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                details: self.details,
            },
        };
        let mut r = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(CHALLENGE),
            );
        }
        r
    }
}

/// An error answer that is not JSON yet (axum's 405, a body over the limit)
/// becomes the JSON error of its status; every other answer passes.
pub async fn jsonify(r: Response<Body>) -> Response {
    let is_json = r
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let status = r.status();
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return r;
    }
    ApiError::for_status(status).into_response()
}

/// Unknown paths under `/api/v1`.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}
