//! Taking an issue's agenda: the reminder instants of every item, computed in
//! the platform's zone, handed to the store, which works out what changed.

use anyhow::Result;
use chrono_tz::Tz;

use crate::domain::reminder::reminder_times;
use crate::storage::Db;
use crate::storage::agenda::{AgendaChanges, ItemPlan};
use crate::storage::issues::SendPlan;

/// Stores the agenda of the issue `issue_id` (`slug` in the log) as `plan`
/// has it. `published`: the issue has started sending. The caller wakes the
/// scheduler (new reminder times) and, when `mails` were queued, the sender.
pub async fn take_agenda(
    db: &Db,
    tz: Tz,
    now: i64,
    issue_id: i64,
    slug: &str,
    plan: &SendPlan,
    published: bool,
) -> Result<AgendaChanges> {
    let plans: Vec<ItemPlan<'_>> = plan
        .agenda
        .iter()
        .map(|item| ItemPlan {
            item,
            due: reminder_times(item, tz)
                .into_iter()
                .map(|(o, at)| (o.to_string(), at.timestamp()))
                .collect(),
        })
        .collect();
    let changes = db
        .sync_agenda(issue_id, &plan.audience, &plans, published, now)
        .await?;
    for uid in &changes.updated {
        tracing::info!(issue = %slug, item = %uid, "agenda item changed");
    }
    for uid in &changes.cancelled {
        tracing::info!(issue = %slug, item = %uid, "agenda item cancelled");
    }
    if changes.mails > 0 {
        tracing::info!(issue = %slug, mails = changes.mails, "agenda update and cancellation mails queued");
    }
    Ok(changes)
}
