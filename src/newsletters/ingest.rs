//! Taking an issue file into the database, following the lifecycle of SPEC §4:
//! draft → scheduled → sending → sent, or invalid with its errors.

use anyhow::Result;
use chrono::{DateTime, Utc};
use std::sync::Arc;

use super::agenda_checks::agenda_warnings;
use super::file::IssueName;
use super::pipeline::{IssuePipeline, LoadedIssue, content_hash};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::issue::{Hold, IssueStatus};
use crate::domain::texts::tr;
use crate::linkcheck::tracked_urls;
use crate::reminders::agenda::take_agenda;
use crate::storage::Db;
use crate::storage::issues::{IssueRow, IssueWrite};

/// What happened to a file.
#[derive(Clone)]
pub enum Ingested {
    /// Same text as stored: nothing to do.
    Unchanged,
    /// Stored as draft or scheduled; editors get a proof of it.
    Stored(IssueStatus, Arc<LoadedIssue>),
    Invalid(Vec<Diagnostic>),
    /// Edited after sending started: the sent content is kept (its agenda is taken).
    Refused,
}

impl std::fmt::Debug for Ingested {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ingested::Unchanged => write!(f, "Unchanged"),
            Ingested::Stored(s, _) => write!(f, "Stored({s})"),
            Ingested::Invalid(d) => write!(f, "Invalid({d:?})"),
            Ingested::Refused => write!(f, "Refused"),
        }
    }
}

/// What taking a file in needs.
pub struct Intake<'a> {
    pub db: &'a Db,
    pub pipeline: &'a IssuePipeline,
    pub tz: chrono_tz::Tz,
    pub now: DateTime<Utc>,
}

impl Intake<'_> {
    /// Takes one file's current text. Safe to call again with the same text.
    pub async fn ingest(&self, name: &IssueName, raw: &str) -> Result<Ingested> {
        let db = self.db;
        let hash = content_hash(raw);
        let existing = db.issue_by_slug(name.slug.as_str()).await?;
        if let Some(e) = &existing {
            if e.hold == Hold::Cancelled {
                return self.cancelled_edit(e, name, &hash).await;
            }
            if e.content_hash == hash && e.status != IssueStatus::Cancelled {
                return Ok(Ingested::Unchanged);
            }
            if e.status.is_frozen() {
                return self.frozen_edit(e, name, raw, &hash).await;
            }
        }
        let now = self.now.timestamp();
        let loaded = self.pipeline.load(name, raw);
        let (status, send_at, subject, errors) = match &loaded {
            Err(diags) => (IssueStatus::Invalid, None, String::new(), diags.clone()),
            Ok(l) => {
                let issue = l.issue();
                match issue.send_at {
                    None => (IssueStatus::Draft, None, issue.subject.clone(), Vec::new()),
                    Some(t) if t.timestamp() > now => (
                        if self.pipeline.require_approval() {
                            IssueStatus::AwaitingApproval
                        } else {
                            IssueStatus::Scheduled
                        },
                        Some(t.timestamp()),
                        issue.subject.clone(),
                        Vec::new(),
                    ),
                    Some(t) => {
                        let (line, col) = find_key(raw, "send_at");
                        let local = t.with_timezone(&self.tz).format("%Y-%m-%d %H:%M");
                        let lang = self.pipeline.language();
                        let d = Diagnostic::new(
                            &name.shown,
                            line,
                            col,
                            tr!(lang, "issues.send_at_past_at", at = local),
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
        let plan = loaded.as_ref().ok().map(|l| l.plan());
        let write = IssueWrite {
            slug: name.slug.as_str(),
            file: &name.shown,
            source: raw,
            content_hash: &hash,
            subject: &subject,
            status,
            send_at,
            errors: &errors_text,
            plan: plan.as_ref().filter(|_| status != IssueStatus::Invalid),
        };
        if !db.write_issue(&write, now).await? {
            // Sending began between our read and our write.
            return Ok(Ingested::Refused);
        }
        let loaded = match (loaded, status) {
            (
                Ok(l),
                IssueStatus::Draft | IssueStatus::AwaitingApproval | IssueStatus::Scheduled,
            ) => l,
            _ => {
                // The editors get these by mail; for the operator an issue
                // that will not go out is an error.
                for d in &errors {
                    tracing::error!("{d}");
                }
                return Ok(Ingested::Invalid(errors));
            }
        };
        if let Some(row) = db.issue_by_slug(name.slug.as_str()).await? {
            // The addresses counted links lead to, by their place in the issue.
            db.set_issue_links(row.id, &tracked_urls(loaded.issue()))
                .await?;
            let plan = loaded.plan();
            take_agenda(db, self.tz, now, row.id, name.slug.as_str(), &plan, false).await?;
            // Valid, but worth telling the editor (`postbode status` shows it).
            let warnings = agenda_warnings(
                &name.shown,
                raw,
                loaded.issue(),
                self.now,
                self.tz,
                self.pipeline.language(),
            );
            if !warnings.is_empty() {
                let text: Vec<String> = warnings.iter().map(ToString::to_string).collect();
                tracing::warn!("{}", text.join("; "));
                db.set_issue_warning(row.id, &text.join("\n")).await?;
            }
        }
        tracing::info!(issue = %name.slug, status = %status, "issue taken in");
        Ok(Ingested::Stored(status, loaded))
    }

    /// A file that could not be read (too large, a link, not UTF-8): the
    /// issue becomes invalid with the reason, unless it is already being
    /// sent, whose content as sent is kept.
    pub async fn refused(&self, name: &IssueName, why: Diagnostic) -> Result<Ingested> {
        let hash = content_hash(&format!("refused: {why}"));
        let existing = self.db.issue_by_slug(name.slug.as_str()).await?;
        if let Some(e) = &existing {
            if e.hold == Hold::Cancelled {
                return self.cancelled_edit(e, name, &hash).await;
            }
            if e.content_hash == hash {
                return Ok(Ingested::Unchanged);
            }
            if e.status.is_frozen() {
                let warning = format!("{why} (the issue as sent is kept)");
                tracing::warn!("{warning}");
                self.db.set_issue_warning(e.id, &warning).await?;
                self.db.set_issue_hash(e.id, &hash).await?;
                return Ok(Ingested::Refused);
            }
        }
        let write = IssueWrite {
            slug: name.slug.as_str(),
            file: &name.shown,
            source: "",
            content_hash: &hash,
            subject: "",
            status: IssueStatus::Invalid,
            send_at: None,
            errors: &why.to_string(),
            plan: None,
        };
        if !self.db.write_issue(&write, self.now.timestamp()).await? {
            return Ok(Ingested::Refused);
        }
        tracing::error!("{why}");
        Ok(Ingested::Invalid(vec![why]))
    }

    /// The operator cancelled the issue (`postbode cancel`): that is final,
    /// so its file no longer brings it back and an edit is refused with a
    /// warning, shown by `postbode status`.
    async fn cancelled_edit(&self, e: &IssueRow, name: &IssueName, hash: &str) -> Result<Ingested> {
        if e.content_hash == hash {
            return Ok(Ingested::Unchanged);
        }
        let lang = self.pipeline.language();
        let warning = crate::domain::texts::tr!(
            lang,
            "ops.edit_after_cancel",
            file = name.shown,
            slug = name.slug
        );
        tracing::warn!("{warning}");
        self.db.set_issue_warning(e.id, &warning).await?;
        self.db.set_issue_hash(e.id, hash).await?;
        Ok(Ingested::Refused)
    }

    /// A file edited after its issue started sending: the content as sent is
    /// kept, but its agenda is taken, so changed and cancelled meetings reach
    /// those who were reminded (SPEC §4, §5).
    async fn frozen_edit(
        &self,
        e: &IssueRow,
        name: &IssueName,
        raw: &str,
        hash: &str,
    ) -> Result<Ingested> {
        let file = &name.shown;
        let warning = match self.pipeline.load(name, raw) {
            Ok(l) => {
                let now = self.now.timestamp();
                let plan = l.plan();
                let changes =
                    take_agenda(self.db, self.tz, now, e.id, &e.slug, &plan, true).await?;
                self.db.set_issue_hash(e.id, hash).await?;
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
        self.db.set_issue_warning(e.id, &warning).await?;
        Ok(Ingested::Refused)
    }
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
