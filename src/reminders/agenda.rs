//! Taking an issue's agenda: the reminder instants of every item, computed in
//! the platform's zone, handed to the store, which works out what changed.

use anyhow::Result;

use crate::context::Ctx;
use crate::domain::issue::Issue;
use crate::domain::reminder::reminder_times;
use crate::storage::agenda::{AgendaChanges, ItemPlan};

/// Stores the agenda of `issue` (stored as `issue_id`). `published`: the
/// issue has started sending. Wakes the scheduler for new reminder times and
/// the sender for update and cancellation mails.
pub async fn take_agenda(
    ctx: &Ctx,
    issue_id: i64,
    issue: &Issue,
    published: bool,
) -> Result<AgendaChanges> {
    let plans: Vec<ItemPlan<'_>> = issue
        .agenda
        .iter()
        .map(|item| ItemPlan {
            item,
            due: reminder_times(item, ctx.tz)
                .into_iter()
                .map(|(o, at)| (o.to_string(), at.timestamp()))
                .collect(),
        })
        .collect();
    let changes = ctx
        .db
        .sync_agenda(issue_id, &issue.audience, &plans, published, ctx.now())
        .await?;
    for uid in &changes.updated {
        tracing::info!(issue = %issue.slug, item = %uid, "agenda item changed");
    }
    for uid in &changes.cancelled {
        tracing::info!(issue = %issue.slug, item = %uid, "agenda item cancelled");
    }
    ctx.wake_scheduler.notify_one();
    if changes.mails > 0 {
        tracing::info!(issue = %issue.slug, mails = changes.mails, "agenda update and cancellation mails queued");
        ctx.wake_sender.notify_one();
    }
    Ok(changes)
}
