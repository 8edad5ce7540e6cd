//! `/api/v1/suppressions`: the addresses that must not be mailed (kept only
//! as salted hashes), and lifting one on purpose with a recorded reason, as
//! `postbode subscribers unsuppress EMAIL --reason TEXT` does.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{ApiError, ErrorBody};
use crate::domain::clock::rfc3339;
use crate::domain::email::SubscriberEmail;
use crate::web::AppState;

/// One entry of the suppression list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuppressionView {
    /// The address as its salted hash: the address itself is not kept.
    pub email_hash: String,
    /// `erased`, `bounced`, `complained` or `operator`.
    pub reason: String,
    #[schema(format = DateTime)]
    pub at: String,
}

/// The suppression list, oldest first.
#[utoipa::path(get, path = "/api/v1/suppressions", tag = "suppressions",
    responses(
        (status = 200, description = "Every suppression", body = Vec<SuppressionView>),
        (status = 401, description = "No or a wrong admin token", body = ErrorBody),
    ))]
pub async fn list(State(s): State<AppState>) -> Result<Json<Vec<SuppressionView>>, ApiError> {
    let list = s.db.suppressions().await?;
    Ok(Json(
        list.into_iter()
            .map(|x| SuppressionView {
                email_hash: x.email_hash,
                reason: x.reason,
                at: rfc3339(x.at),
            })
            .collect(),
    ))
}

/// An address to take off the list, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveBody {
    #[schema(format = Email)]
    pub email: String,
    /// Why it may be mailed again; kept with the record.
    pub reason: String,
}

/// What was lifted.
#[derive(Debug, Serialize, ToSchema)]
pub struct Lifted {
    pub email: String,
    /// Why it had been suppressed.
    pub was: String,
}

/// Takes an address off the suppression list. Nothing is sent to it until
/// it is added or signs up again.
#[utoipa::path(post, path = "/api/v1/suppressions/remove", tag = "suppressions",
    request_body = RemoveBody,
    responses(
        (status = 200, description = "Lifted", body = Lifted),
        (status = 400, description = "The address or the reason is not valid", body = ErrorBody),
        (status = 401, description = "No or a wrong admin token", body = ErrorBody),
        (status = 404, description = "The address is not on the list", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
    ))]
pub async fn remove(
    State(s): State<AppState>,
    body: Result<Json<RemoveBody>, JsonRejection>,
) -> Result<Json<Lifted>, ApiError> {
    let Json(b) = body?;
    let email = SubscriberEmail::parse(&b.email).map_err(|e| ApiError::invalid(e.to_string()))?;
    let reason = crate::domain::text::statement(&b.reason)
        .ok_or_else(|| ApiError::invalid("the reason is empty: say why it may be mailed again"))?;
    let was =
        s.db.lift_suppression(&email, &reason, s.now())
            .await?
            .ok_or_else(|| ApiError::not_found("the address is not on the suppression list"))?;
    Ok(Json(Lifted {
        email: email.as_str().to_string(),
        was,
    }))
}
