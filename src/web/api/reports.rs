//! `/api/v1/agenda` and `/api/v1/stats`: the agenda with its reminder
//! mails, unsubscribes per issue and source, clicks per issue and link.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

use super::error::{ApiError, ErrorBody};
use crate::domain::clock::rfc3339;
use crate::web::AppState;

/// An agenda item and its mails.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaItemView {
    pub uid: String,
    pub title: String,
    pub status: String,
    #[schema(format = DateTime)]
    pub starts_at: String,
    pub sequence: i64,
    /// Announced by an issue that went out: its reminders may go.
    pub published: bool,
    /// Mail kind (`reminder`, `update` …) → state → count.
    pub mails: BTreeMap<String, BTreeMap<String, i64>>,
}

/// Every agenda item, earliest first; digests are counted under the uid `digest`.
#[utoipa::path(get, path = "/api/v1/agenda", tag = "reports",
    responses(
        (status = 200, description = "The agenda", body = Vec<AgendaItemView>),
        (status = 401, description = "No or a wrong admin token", body = ErrorBody),
    ))]
pub async fn agenda(State(s): State<AppState>) -> Result<Json<Vec<AgendaItemView>>, ApiError> {
    let items = s.db.agenda_status().await?;
    Ok(Json(
        items
            .into_iter()
            .map(|i| AgendaItemView {
                uid: i.uid,
                title: i.title,
                status: i.status,
                starts_at: rfc3339(i.starts_at),
                sequence: i.sequence,
                published: i.published,
                mails: i
                    .mails
                    .into_iter()
                    .map(|(kind, states)| {
                        let states = states
                            .into_iter()
                            .map(|(state, n)| (state.as_str().to_string(), n))
                            .collect();
                        (kind.as_str().to_string(), states)
                    })
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnsubscribeStat {
    /// Null when not from an issue (the preference page, the operator).
    pub issue: Option<String>,
    pub source: String,
    /// `too-much`, `not-relevant`, `never-subscribed`, `other`; empty when none was given.
    pub reason: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClickStat {
    pub issue: String,
    /// The link's place among the issue's links, from 0.
    pub link: i64,
    pub url: String,
    pub clicks: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    pub unsubscribes: Vec<UnsubscribeStat>,
    pub clicks: Vec<ClickStat>,
}

/// Unsubscribes per issue, source and reason; clicks per issue and link.
#[utoipa::path(get, path = "/api/v1/stats", tag = "reports",
    responses(
        (status = 200, description = "The counts", body = Stats),
        (status = 401, description = "No or a wrong admin token", body = ErrorBody),
    ))]
pub async fn stats(State(s): State<AppState>) -> Result<Json<Stats>, ApiError> {
    let unsubscribes =
        s.db.unsubscribe_counts()
            .await?
            .into_iter()
            .map(|u| UnsubscribeStat {
                issue: u.issue,
                source: u.source,
                reason: u.reason,
                count: u.count,
            })
            .collect();
    let clicks =
        s.db.click_counts()
            .await?
            .into_iter()
            .map(|c| ClickStat {
                issue: c.issue,
                link: c.link,
                url: c.url,
                clicks: c.clicks,
            })
            .collect();
    Ok(Json(Stats {
        unsubscribes,
        clicks,
    }))
}
