//! `/api/v1/issues`: what is stored about each issue, its audience and
//! ledger, the emergency stop of `postbode pause|resume|cancel` and who got
//! it (`postbode deliveries`).

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, ErrorBody};
use super::paging::{PageRequest, next_cursor};
use crate::domain::clock::rfc3339;
use crate::domain::redact::redact_addresses;
use crate::storage::holds::{HoldOutcome, Progress};
use crate::storage::issues::IssueRow;
use crate::web::AppState;

/// An issue as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueView {
    pub slug: String,
    pub subject: String,
    /// `draft`, `awaiting_approval`, `scheduled`, `sending`, `sent`,
    /// `invalid`, `cancelled`, or `paused` while the operator holds it.
    pub state: String,
    #[schema(format = DateTime)]
    pub send_at: Option<String>,
    #[schema(format = DateTime)]
    pub started_at: Option<String>,
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
    /// Why the file was refused, for an invalid issue.
    pub errors: String,
    pub warning: String,
}

impl From<&IssueRow> for IssueView {
    fn from(r: &IssueRow) -> Self {
        Self {
            slug: r.slug.clone(),
            subject: r.subject.clone(),
            state: r.hold.shown(r.status).to_string(),
            send_at: r.send_at.map(rfc3339),
            started_at: r.started_at.map(rfc3339),
            sent_at: r.sent_at.map(rfc3339),
            errors: r.errors.clone(),
            warning: r.warning.clone(),
        }
    }
}

/// An issue with its audience and its ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueDetail {
    #[serde(flatten)]
    pub issue: IssueView,
    /// Once sending started, the messages queued for it; before, the active
    /// subscribers it would go to now.
    pub audience: i64,
    /// Ledger rows by state (`queued`, `sending`, `sent`, `failed` …).
    pub deliveries: BTreeMap<String, i64>,
}

async fn find(s: &AppState, slug: &str) -> Result<IssueRow, ApiError> {
    s.db.issue_by_slug(slug)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no issue {slug:?}")))
}

/// Every issue.
#[utoipa::path(get, path = "/api/v1/issues", tag = "issues",
    responses(
        (status = 200, description = "Every issue", body = Vec<IssueView>),
        (status = 401, description = "No or a wrong admin token", body = ErrorBody),
    ))]
pub async fn list(State(s): State<AppState>) -> Result<Json<Vec<IssueView>>, ApiError> {
    let rows = s.db.list_issues().await?;
    Ok(Json(rows.iter().map(IssueView::from).collect()))
}

/// One issue, its audience and its messages per state.
#[utoipa::path(get, path = "/api/v1/issues/{slug}", tag = "issues",
    params(("slug" = String, Path, description = "The issue's slug")),
    responses(
        (status = 200, description = "The issue", body = IssueDetail),
        (status = 401, description = "No or a wrong admin token", body = ErrorBody),
        (status = 404, description = "No such issue", body = ErrorBody),
    ))]
pub async fn show(
    State(s): State<AppState>,
    slug: Result<Path<String>, PathRejection>,
) -> Result<Json<IssueDetail>, ApiError> {
    let Path(slug) = slug?;
    let row = find(&s, &slug).await?;
    let deliveries = s.db.issue_delivery_counts(row.id).await?;
    let audience = match (&row.plan, row.started_at) {
        (_, Some(_)) => deliveries.values().sum(),
        (Some(plan), None) => s.db.audience_size(&plan.audience).await?,
        (None, None) => 0,
    };
    Ok(Json(IssueDetail {
        issue: IssueView::from(&row),
        audience,
        deliveries,
    }))
}

/// What a stop did and how far the issue got.
#[derive(Debug, Serialize, ToSchema)]
pub struct HoldView {
    pub slug: String,
    /// The state now.
    pub state: String,
    /// False when it already was so.
    pub changed: bool,
    /// Whether sending had started.
    pub started: bool,
    pub sent: i64,
    /// Being handed to the SMTP server now: these finish.
    pub in_flight: i64,
    /// Queued or claimed: what a resume sends.
    pub left: i64,
    pub cancelled: i64,
}

fn hold_answer(slug: String, what: &str, outcome: HoldOutcome) -> Result<Json<HoldView>, ApiError> {
    let (changed, p): (bool, Progress) = match outcome {
        HoldOutcome::NoSuchIssue => return Err(ApiError::not_found(format!("no issue {slug:?}"))),
        HoldOutcome::NotNow(status) => {
            return Err(
                ApiError::conflict(format!("an issue that is {status} cannot be {what}"))
                    .with(json!({ "state": status })),
            );
        }
        HoldOutcome::Already(p) => (false, p),
        HoldOutcome::Done(p) => (true, p),
    };
    Ok(Json(HoldView {
        slug,
        state: p.status.to_string(),
        changed,
        started: p.started,
        sent: p.sent,
        in_flight: p.in_flight,
        left: p.left,
        cancelled: p.cancelled,
    }))
}

/// Pauses an issue, also while it is being sent; a resume goes on from
/// where it stopped.
#[utoipa::path(post, path = "/api/v1/issues/{slug}/pause", tag = "issues",
    params(("slug" = String, Path, description = "The issue's slug")),
    responses(
        (status = 200, description = "Paused (or already paused)", body = HoldView),
        (status = 401, description = "No or a wrong admin token", body = ErrorBody),
        (status = 404, description = "No such issue", body = ErrorBody),
        (status = 409, description = "Not possible in the issue's state", body = ErrorBody),
    ))]
pub async fn pause(
    State(s): State<AppState>,
    slug: Result<Path<String>, PathRejection>,
) -> Result<Json<HoldView>, ApiError> {
    let Path(slug) = slug?;
    let outcome = s.db.pause_issue(&slug, s.now()).await?;
    hold_answer(slug, "paused", outcome)
}

/// Resumes a paused issue.
#[utoipa::path(post, path = "/api/v1/issues/{slug}/resume", tag = "issues",
    params(("slug" = String, Path, description = "The issue's slug")),
    responses(
        (status = 200, description = "Resumed (or was not paused)", body = HoldView),
        (status = 401, description = "No or a wrong admin token", body = ErrorBody),
        (status = 404, description = "No such issue", body = ErrorBody),
        (status = 409, description = "Not possible in the issue's state", body = ErrorBody),
    ))]
pub async fn resume(
    State(s): State<AppState>,
    slug: Result<Path<String>, PathRejection>,
) -> Result<Json<HoldView>, ApiError> {
    let Path(slug) = slug?;
    let outcome = s.db.resume_issue(&slug, s.now()).await?;
    hold_answer(slug, "resumed", outcome)
}

/// Cancels an issue: what is not handed over yet is never sent.
#[utoipa::path(post, path = "/api/v1/issues/{slug}/cancel", tag = "issues",
    params(("slug" = String, Path, description = "The issue's slug")),
    responses(
        (status = 200, description = "Cancelled (or already cancelled)", body = HoldView),
        (status = 401, description = "No or a wrong admin token", body = ErrorBody),
        (status = 404, description = "No such issue", body = ErrorBody),
        (status = 409, description = "Already sent", body = ErrorBody),
    ))]
pub async fn cancel(
    State(s): State<AppState>,
    slug: Result<Path<String>, PathRejection>,
) -> Result<Json<HoldView>, ApiError> {
    let Path(slug) = slug?;
    let outcome = s.db.cancel_sending(&slug, s.now()).await?;
    hold_answer(slug, "cancelled", outcome)
}

/// One recipient's message of an issue.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Null when the subscriber was erased since.
    pub email: Option<String>,
    pub state: String,
    pub attempts: i64,
    /// The mail server's last reply (addresses in it redacted).
    pub last_reply: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// One page of an issue's ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page length: 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// Who got an issue: one row per recipient, as `postbode deliveries SLUG`.
#[utoipa::path(get, path = "/api/v1/issues/{slug}/deliveries", tag = "issues",
    params(("slug" = String, Path, description = "The issue's slug"), PageQuery),
    responses(
        (status = 200, description = "One page of the ledger", body = DeliveryPage),
        (status = 400, description = "The limit or cursor is not valid", body = ErrorBody),
        (status = 401, description = "No or a wrong admin token", body = ErrorBody),
        (status = 404, description = "No such issue", body = ErrorBody),
    ))]
pub async fn deliveries(
    State(s): State<AppState>,
    slug: Result<Path<String>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<DeliveryPage>, ApiError> {
    let Path(slug) = slug?;
    let Query(q) = query?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let row = find(&s, &slug).await?;
    let mut rows = s.db.ledger_page(row.id, page.after, page.limit + 1).await?;
    let more = rows.len() as i64 > page.limit;
    rows.truncate(usize::try_from(page.limit).unwrap_or(0));
    let next_after = rows.last().map(|r| r.id).filter(|_| more);
    Ok(Json(DeliveryPage {
        items: rows
            .iter()
            .map(|r| DeliveryView {
                email: r.email.clone(),
                state: r.state.clone(),
                attempts: r.attempts,
                // Servers quote addresses in their replies, also other people's.
                last_reply: redact_addresses(&r.last_reply),
                updated_at: rfc3339(r.updated_at),
            })
            .collect(),
        next_cursor: next_cursor(next_after),
    }))
}
