//! `postbode pause SLUG`, `resume SLUG` and `cancel SLUG`: the operator's
//! emergency stop, also while an issue is being sent. The stop itself lives
//! in the database ([`crate::storage::holds`]), so it holds for every
//! `postbode serve` on it; this prints what was done and how far the issue got.

use anyhow::Result;
use std::process::ExitCode;

use crate::domain::language::Language;
use crate::logging::{say, say_err};
use crate::storage::Db;
use crate::storage::holds::{HoldOutcome, Progress};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Pause,
    Resume,
    Cancel,
}

pub async fn stop(db: &Db, lang: Language, now: i64, what: Stop, slug: &str) -> Result<ExitCode> {
    let outcome = match what {
        Stop::Pause => db.pause_issue(slug, now).await?,
        Stop::Resume => db.resume_issue(slug, now).await?,
        Stop::Cancel => db.cancel_sending(slug, now).await?,
    };
    let (key, progress, ok) = match (&outcome, what) {
        (HoldOutcome::NoSuchIssue, _) => ("ops.no_such_issue", None, false),
        (HoldOutcome::NotNow(status), _) => (refusal(what, status), None, false),
        (HoldOutcome::Already(p), Stop::Pause) => ("ops.already_paused", Some(p), true),
        (HoldOutcome::Already(p), Stop::Resume) => ("ops.not_paused", Some(p), true),
        (HoldOutcome::Already(p), Stop::Cancel) => ("ops.already_cancelled", Some(p), true),
        (HoldOutcome::Done(p), Stop::Pause) if !p.started => {
            ("ops.paused_not_started", Some(p), true)
        }
        (HoldOutcome::Done(p), Stop::Pause) => ("ops.paused", Some(p), true),
        (HoldOutcome::Done(p), Stop::Resume) if !p.started => {
            ("ops.resumed_not_started", Some(p), true)
        }
        (HoldOutcome::Done(p), Stop::Resume) => ("ops.resumed", Some(p), true),
        (HoldOutcome::Done(p), Stop::Cancel) => ("ops.cancelled", Some(p), true),
    };
    let status = match &outcome {
        HoldOutcome::NotNow(s) => s,
        _ => progress.map_or("", |p| p.status),
    };
    let text = crate::domain::texts::tr!(lang, key, slug = slug, status = status);
    if !ok {
        say_err!("{text}");
        return Ok(ExitCode::FAILURE);
    }
    say!("{text}");
    if let Some(p) = progress.filter(|p| p.started) {
        say!("{}", counts(lang, p));
    }
    Ok(ExitCode::SUCCESS)
}

/// Why `what` cannot be done to an issue in `status`.
fn refusal(what: Stop, status: &str) -> &'static str {
    match (what, status) {
        (Stop::Resume, "cancelled") => "ops.cannot_resume_cancelled",
        (Stop::Resume, "sent") => "ops.cannot_resume_sent",
        (Stop::Resume, _) => "ops.cannot_resume",
        (Stop::Cancel, _) => "ops.cannot_cancel_sent",
        (Stop::Pause, _) => "ops.cannot_pause",
    }
}

fn counts(lang: Language, p: &Progress) -> String {
    crate::domain::texts::tr!(
        lang,
        "ops.progress",
        sent = p.sent,
        in_flight = p.in_flight,
        left = p.left,
        cancelled = p.cancelled
    )
}
