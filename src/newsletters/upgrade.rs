//! Issues taken in by a version that did not store their send plan: the plan
//! is made once from the stored text, so sending starts from columns. A
//! scheduled issue whose text no longer loads (the configuration lost one of
//! its workshops) becomes invalid with the reason, as it would at send time.

use anyhow::Result;

use super::pipeline::IssuePipeline;
use crate::domain::issue::IssueStatus;
use crate::storage::Db;

/// Fills the missing plans; returns how many were made.
pub async fn fill_send_plans(db: &Db, pipeline: &IssuePipeline, now: i64) -> Result<usize> {
    let mut filled = 0;
    for row in db.list_issues().await? {
        if row.plan.is_some() || row.status == IssueStatus::Invalid {
            continue;
        }
        match pipeline.load_stored(&row.file, &row.source) {
            Ok(loaded) => {
                db.set_issue_plan(row.id, &loaded.plan()).await?;
                filled += 1;
            }
            Err(errs)
                if matches!(
                    row.status,
                    IssueStatus::Scheduled | IssueStatus::AwaitingApproval
                ) =>
            {
                let text = errs
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n");
                tracing::error!(issue = %row.slug, "cannot be sent as stored: {text}");
                db.mark_issue_invalid(row.id, &text, now).await?;
            }
            // Drafts, cancelled and sent issues need no plan to go on.
            Err(_) => {}
        }
    }
    if filled > 0 {
        tracing::info!(
            issues = filled,
            "send plans of issues taken in by an earlier version made"
        );
    }
    Ok(filled)
}
