//! Taking an issue file into the database, following the lifecycle of SPEC §4:
//! draft → scheduled → sending → sent, or invalid with its errors.

use anyhow::Result;
use sha2::{Digest, Sha256};
use std::path::Path;

use super::agenda_checks::agenda_warnings;
use super::diagnostic::Diagnostic;
use super::parse::slug_of;
use crate::context::Ctx;
use crate::domain::issue::IssueStatus;
use crate::reminders::agenda::take_agenda;
use crate::storage::issues::{IssueRow, IssueWrite};

/// What happened to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// Same text as stored: nothing to do.
    Unchanged,
    Stored(IssueStatus),
    Invalid(Vec<Diagnostic>),
    /// Edited after sending started: the sent content is kept.
    Refused,
    /// The file name is not a slug.
    Ignored(String),
}

pub fn content_hash(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.as_bytes()))
}

/// Takes one file's current text. Safe to call again with the same text.
pub async fn ingest(ctx: &Ctx, path: &Path, raw: &str) -> Result<Ingested> {
    let file = path.display().to_string();
    let Some(slug) = slug_of(path) else {
        return Ok(Ingested::Ignored(format!(
            "{file}: the file name is not a slug (lower-case letters, digits, dashes); it is not taken as an issue"
        )));
    };
    let hash = content_hash(raw);
    let existing = ctx.db.issue_by_slug(&slug).await?;
    if let Some(e) = &existing {
        if e.content_hash == hash && e.status() != IssueStatus::Cancelled {
            return Ok(Ingested::Unchanged);
        }
        if e.status().is_frozen() {
            return frozen_edit(ctx, e, &file, raw, &hash).await;
        }
    }
    let now = ctx.now();
    let checked = ctx.renderer(&file, raw).and_then(|r| {
        r.variant(&r.issue.full_key()).map_err(|d| vec![d])?;
        Ok(r)
    });
    let parsed = checked.as_ref().ok().map(|r| r.issue.clone());
    let (status, send_at, subject, errors) = match checked {
        Err(diags) => (IssueStatus::Invalid, None, String::new(), diags),
        Ok(r) => {
            let issue = &r.issue;
            match issue.send_at {
                None => (IssueStatus::Draft, None, issue.subject.clone(), Vec::new()),
                Some(t) if t.timestamp() > now => (
                    IssueStatus::Scheduled,
                    Some(t.timestamp()),
                    issue.subject.clone(),
                    Vec::new(),
                ),
                Some(t) => {
                    let (line, col) = find_key(raw, "send_at");
                    let local = t.with_timezone(&ctx.tz).format("%Y-%m-%d %H:%M");
                    let d = Diagnostic::new(
                        &file,
                        line,
                        col,
                        format!(
                            "send_at lies in the past ({local}): set a future time, or remove send_at to keep the issue as a draft"
                        ),
                    );
                    (
                        IssueStatus::Invalid,
                        Some(t.timestamp()),
                        issue.subject.clone(),
                        vec![d],
                    )
                }
            }
        }
    };
    let errors_text = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    let write = IssueWrite {
        slug: &slug,
        file: &file,
        source: raw,
        content_hash: &hash,
        subject: &subject,
        status,
        send_at,
        errors: &errors_text,
    };
    if !ctx.db.write_issue(&write, now).await? {
        // Sending began between our read and our write.
        return Ok(Ingested::Refused);
    }
    if status == IssueStatus::Scheduled {
        ctx.wake_scheduler.notify_one();
    }
    if let (Some(issue), true) = (&parsed, status != IssueStatus::Invalid) {
        if let Some(row) = ctx.db.issue_by_slug(&slug).await? {
            take_agenda(ctx, row.id, issue, false).await?;
            // Valid, but worth telling the editor (`postbode status` shows it).
            let warnings = agenda_warnings(&file, raw, issue, ctx.clock.now(), ctx.tz);
            if !warnings.is_empty() {
                let text: Vec<String> = warnings.iter().map(ToString::to_string).collect();
                tracing::warn!("{}", text.join("; "));
                ctx.db.set_issue_warning(row.id, &text.join("\n")).await?;
            }
        }
    }
    if errors.is_empty() {
        tracing::info!(issue = %slug, status = %status, "issue taken in");
        Ok(Ingested::Stored(status))
    } else {
        for d in &errors {
            tracing::warn!("{d}");
        }
        Ok(Ingested::Invalid(errors))
    }
}

/// A file edited after its issue started sending: the content as sent is
/// kept, but its agenda is taken, so changed and cancelled meetings reach
/// those who were reminded (SPEC §4, §5).
async fn frozen_edit(
    ctx: &Ctx,
    e: &IssueRow,
    file: &str,
    raw: &str,
    hash: &str,
) -> Result<Ingested> {
    let warning = match ctx.renderer(file, raw) {
        Ok(r) => {
            let changes = take_agenda(ctx, e.id, &r.issue, true).await?;
            ctx.db.set_issue_hash(e.id, hash).await?;
            format!(
                "{file} was changed after sending started ({}); the content as sent is kept and changes to it are ignored, except the agenda: {} meeting(s) changed, {} cancelled, {} update or cancellation mail(s)",
                e.status,
                changes.updated.len(),
                changes.cancelled.len(),
                changes.mails
            )
        }
        Err(errs) => format!(
            "{file} was changed after sending started ({}) and now has errors; nothing of it is taken: {}",
            e.status,
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
    };
    tracing::warn!("{warning}");
    ctx.db.set_issue_warning(e.id, &warning).await?;
    Ok(Ingested::Refused)
}

/// Line and column of a front-matter key, for errors found after parsing.
pub fn find_key(raw: &str, key: &str) -> (usize, usize) {
    let text = super::source::normalise(raw);
    for (i, line) in text.lines().enumerate() {
        if let Some(rest) = line.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
            let col = key.len() + 2 + (rest.len() - rest.trim_start().len());
            return (i + 1, col);
        }
    }
    (1, 1)
}
