//! `/api/v1/subscribers`: list (filtered, keyset-paged), show, create by the
//! rule of `postbode subscribers add`, change choices, erase as the erase
//! page does.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, ErrorBody};
use super::paging::{PageRequest, next_cursor};
use crate::domain::clock::rfc3339;
use crate::domain::reply::Outcome;
use crate::domain::slug::Slug;
use crate::domain::subscriber::{
    Choices, FieldError, Status, Subscriber, SubscriberFields, TypedChoices,
};
use crate::signup::operator::{self, AddOutcome, OperatorConsent, Refused};
use crate::storage::privacy::Preferences;
use crate::storage::subscriber_pages::SubscriberFilter;
use crate::web::AppState;

/// A subscriber's status.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatusView {
    Pending,
    Active,
    Unsubscribed,
    Bounced,
    Complained,
}

impl From<Status> for StatusView {
    fn from(s: Status) -> Self {
        match s {
            Status::Pending => Self::Pending,
            Status::Active => Self::Active,
            Status::Unsubscribed => Self::Unsubscribed,
            Status::Bounced => Self::Bounced,
            Status::Complained => Self::Complained,
        }
    }
}

impl From<StatusView> for Status {
    fn from(s: StatusView) -> Self {
        match s {
            StatusView::Pending => Self::Pending,
            StatusView::Active => Self::Active,
            StatusView::Unsubscribed => Self::Unsubscribed,
            StatusView::Bounced => Self::Bounced,
            StatusView::Complained => Self::Complained,
        }
    }
}

/// A subscriber as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriberView {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub status: StatusView,
    /// `nl` or `en`.
    pub language: String,
    pub reminders: bool,
    pub digest: bool,
    pub workshops: Vec<String>,
    pub interests: Vec<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub confirmed_at: Option<String>,
    #[schema(format = DateTime)]
    pub unsubscribed_at: Option<String>,
}

impl From<&Subscriber> for SubscriberView {
    fn from(s: &Subscriber) -> Self {
        let slugs = |l: &[Slug]| l.iter().map(|s| s.as_str().to_string()).collect();
        Self {
            id: s.id,
            email: s.email.as_str().to_string(),
            name: s.name.as_str().to_string(),
            status: s.status.into(),
            language: s.language.as_str().to_string(),
            reminders: s.reminders,
            digest: s.digest,
            workshops: slugs(s.segments.workshops()),
            interests: slugs(s.segments.interests()),
            created_at: rfc3339(s.created_at),
            confirmed_at: s.confirmed_at.map(rfc3339),
            unsubscribed_at: s.unsubscribed_at.map(rfc3339),
        }
    }
}

/// One page of subscribers.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriberPage {
    pub items: Vec<SubscriberView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubscriberQuery {
    /// Only subscribers with this status.
    pub status: Option<StatusView>,
    /// Only followers of this workshop (its slug).
    pub workshop: Option<String>,
    /// Only followers of this interest (its slug).
    pub interest: Option<String>,
    /// Part of the address or the name, in any case.
    pub q: Option<String>,
    /// Page length: 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// A segment filter's slug; one that cannot be a slug is a mistake.
fn slug_filter(given: Option<&str>, what: &str) -> Result<Option<Slug>, ApiError> {
    given
        .map(|g| {
            Slug::parse(g).map_err(|_| ApiError::invalid(format!("{what} {g:?} is not a slug")))
        })
        .transpose()
}

/// Subscribers, oldest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/subscribers", tag = "subscribers",
    params(SubscriberQuery),
    responses(
        (status = 200, description = "One page", body = SubscriberPage),
        (status = 400, description = "A filter, limit or cursor is not valid", body = ErrorBody),
        (status = 401, description = "No or a wrong admin token", body = ErrorBody),
    ))]
pub async fn list(
    State(s): State<AppState>,
    query: Result<Query<SubscriberQuery>, QueryRejection>,
) -> Result<Json<SubscriberPage>, ApiError> {
    let Query(q) = query?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let filter = SubscriberFilter {
        status: q.status.map(Status::from),
        workshop: slug_filter(q.workshop.as_deref(), "workshop")?,
        interest: slug_filter(q.interest.as_deref(), "interest")?,
        text: q.q.filter(|t| !t.is_empty()),
    };
    let found =
        s.db.subscriber_page(&filter, page.after, page.limit)
            .await?;
    Ok(Json(SubscriberPage {
        items: found.items.iter().map(SubscriberView::from).collect(),
        next_cursor: next_cursor(found.next_after),
    }))
}

async fn find(s: &AppState, id: i64) -> Result<Subscriber, ApiError> {
    s.db.subscriber_by_id(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no subscriber {id}")))
}

/// One subscriber.
#[utoipa::path(get, path = "/api/v1/subscribers/{id}", tag = "subscribers",
    params(("id" = i64, Path, description = "The subscriber's id")),
    responses(
        (status = 200, description = "The subscriber", body = SubscriberView),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "No or a wrong admin token", body = ErrorBody),
        (status = 404, description = "No such subscriber", body = ErrorBody),
    ))]
pub async fn show(
    State(s): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<SubscriberView>, ApiError> {
    let Path(id) = id?;
    Ok(Json(SubscriberView::from(&find(&s, id).await?)))
}

/// A subscriber to add, as `postbode subscribers add` takes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubscriberBody {
    #[schema(format = Email)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    /// `nl` (default) or `en`.
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub workshops: Vec<String>,
    #[serde(default)]
    pub interests: Vec<String>,
    #[serde(default)]
    pub reminders: bool,
    /// Consent was obtained elsewhere: active at once, no confirmation mail.
    /// Requires `consent`.
    #[serde(default)]
    pub confirmed: bool,
    /// Where and how consent was obtained (kept as the consent record).
    pub consent: Option<String>,
}

/// What adding did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub subscriber: SubscriberView,
    /// For a pending subscriber: `sent`, or what the mail server said.
    pub confirmation_mail: Option<String>,
}

/// The fields' mistakes, all at once.
fn field_errors(errors: &[FieldError]) -> ApiError {
    let list: Vec<String> = errors.iter().map(FieldError::operator_message).collect();
    ApiError::invalid(list.join("; ")).with(json!({ "fields": list }))
}

/// Adds a subscriber: pending with a confirmation mail, or active at once
/// with `confirmed` and the `consent` statement.
#[utoipa::path(post, path = "/api/v1/subscribers", tag = "subscribers",
    request_body = NewSubscriberBody,
    responses(
        (status = 201, description = "Added", body = Created),
        (status = 400, description = "A field is not valid, or consent is not stated", body = ErrorBody),
        (status = 401, description = "No or a wrong admin token", body = ErrorBody),
        (status = 409, description = "Already a subscriber, or on the suppression list", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
    ))]
pub async fn create(
    State(s): State<AppState>,
    body: Result<Json<NewSubscriberBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let Json(b) = body?;
    let typed = TypedChoices {
        name: &b.name,
        workshops: &b.workshops,
        interests: &b.interests,
        reminders: b.reminders,
        language: &b.language,
    };
    let fields = SubscriberFields::parse(&b.email, &typed, &s.config.catalogue())
        .map_err(|e| field_errors(&e))?;
    let consent = OperatorConsent {
        confirmed: b.confirmed,
        text: b.consent,
    };
    let new = operator::new_subscriber(fields, &consent, "admin API")
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    let (id, mail) = match operator::add(&s.db, &s.signup, &new, s.now()).await? {
        Err(r @ Refused::Suppressed) => {
            return Err(ApiError::conflict(r.to_string()).with(json!({ "reason": "suppressed" })));
        }
        Err(r @ Refused::ConsentMissing) => return Err(ApiError::invalid(r.to_string())),
        Ok(AddOutcome::Exists(id)) => {
            return Err(ApiError::conflict("already a subscriber; nothing changed")
                .with(json!({ "reason": "exists", "id": id })));
        }
        Ok(AddOutcome::Active(id)) => (id, None),
        Ok(AddOutcome::Pending(id, Outcome::Sent(_))) => (id, Some("sent".to_string())),
        Ok(AddOutcome::Pending(id, other)) => (
            id,
            Some(crate::domain::redact::redact_addresses(other.reply())),
        ),
    };
    let subscriber = SubscriberView::from(&find(&s, id).await?);
    Ok((
        StatusCode::CREATED,
        Json(Created {
            subscriber,
            confirmation_mail: mail,
        }),
    ))
}

/// New choices; what is left out stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriberChanges {
    pub name: Option<String>,
    /// `nl` or `en`.
    pub language: Option<String>,
    pub workshops: Option<Vec<String>>,
    pub interests: Option<Vec<String>>,
}

/// Changes a subscriber's name, language, workshops or interests, by the
/// rule of the preference centre, recorded in the consent history.
#[utoipa::path(patch, path = "/api/v1/subscribers/{id}", tag = "subscribers",
    params(("id" = i64, Path, description = "The subscriber's id")),
    request_body = SubscriberChanges,
    responses(
        (status = 200, description = "Changed", body = SubscriberView),
        (status = 400, description = "A field is not valid", body = ErrorBody),
        (status = 401, description = "No or a wrong admin token", body = ErrorBody),
        (status = 404, description = "No such subscriber", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
    ))]
pub async fn update(
    State(s): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<SubscriberChanges>, JsonRejection>,
) -> Result<Json<SubscriberView>, ApiError> {
    let Path(id) = id?;
    let Json(c) = body?;
    let current = find(&s, id).await?;
    let slugs = |l: &[Slug]| l.iter().map(|s| s.as_str().to_string()).collect::<Vec<_>>();
    let name = c.name.unwrap_or_else(|| current.name.as_str().to_string());
    let language = c
        .language
        .unwrap_or_else(|| current.language.as_str().to_string());
    let workshops = c
        .workshops
        .unwrap_or_else(|| slugs(current.segments.workshops()));
    let interests = c
        .interests
        .unwrap_or_else(|| slugs(current.segments.interests()));
    let typed = TypedChoices {
        name: &name,
        workshops: &workshops,
        interests: &interests,
        reminders: current.reminders,
        language: &language,
    };
    let choices = Choices::parse(&typed, &s.config.catalogue()).map_err(|e| field_errors(&e))?;
    let prefs = Preferences {
        choices,
        digest: current.digest,
    };
    if !s
        .db
        .update_choices(id, &prefs, "admin API", "", s.now())
        .await?
    {
        return Err(ApiError::not_found(format!("no subscriber {id}")));
    }
    Ok(Json(SubscriberView::from(&find(&s, id).await?)))
}

/// What an erasure removed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasedView {
    pub consents: u64,
    pub deliveries: u64,
    pub segments: u64,
    /// Unsubscribe rows kept for the statistics, no longer linked to anyone.
    pub unsubscribes_unlinked: u64,
}

/// Erases a subscriber (GDPR), as the erase page does: the data goes, the
/// address stays only as a hash on the suppression list.
#[utoipa::path(delete, path = "/api/v1/subscribers/{id}", tag = "subscribers",
    params(("id" = i64, Path, description = "The subscriber's id")),
    responses(
        (status = 200, description = "Erased", body = ErasedView),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "No or a wrong admin token", body = ErrorBody),
        (status = 404, description = "No such subscriber", body = ErrorBody),
    ))]
pub async fn erase(
    State(s): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<ErasedView>, ApiError> {
    let Path(id) = id?;
    let e =
        s.db.erase_subscriber(id, s.now())
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no subscriber {id}")))?;
    tracing::info!(subscriber = id, "subscriber erased through the admin API");
    Ok(Json(ErasedView {
        consents: e.consents,
        deliveries: e.deliveries,
        segments: e.segments,
        unsubscribes_unlinked: e.unsubscribes_unlinked,
    }))
}
