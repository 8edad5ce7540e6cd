//! `postbode resend-unknown [--issue SLUG] [--yes]`: the operator's explicit
//! decision to queue again what a crash left `unknown`. postbode never does
//! this on its own: those recipients may already have the message.

use anyhow::{Result, bail};
use std::process::ExitCode;

use crate::logging::say;
use crate::storage::Db;

pub async fn resend_unknown(db: &Db, now: i64, issue: Option<&str>, yes: bool) -> Result<ExitCode> {
    let issue_id = match issue {
        None => None,
        Some(slug) => match db.issue_by_slug(slug).await? {
            Some(row) => Some(row.id),
            None => bail!("there is no issue {slug:?}: see `postbode status` for the slugs"),
        },
    };
    let counts = db.unknown_counts(issue_id).await?;
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    if total == 0 {
        say!("no messages are recorded unknown");
        return Ok(ExitCode::SUCCESS);
    }
    for (what, n) in &counts {
        say!("{what}: {n} unknown");
    }
    if !yes {
        say!(
            "these were being sent when postbode stopped; their recipients may already have them. Run again with --yes to queue them again."
        );
        return Ok(ExitCode::SUCCESS);
    }
    let queued = db.requeue_unknown(issue_id, now).await?;
    say!("{queued} message(s) queued again; a running daemon sends them within a minute");
    Ok(ExitCode::SUCCESS)
}
