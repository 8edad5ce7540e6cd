//! `postbode approve SLUG`: an editor's approval from the command line, the
//! same as the signed link in the issue's proof. It approves the version of
//! the text that is stored now; the approval itself is
//! [`crate::storage::approval`].

use anyhow::Result;
use std::process::ExitCode;

use crate::config::Config;
use crate::domain::texts::tr;
use crate::logging::{say, say_err};
use crate::newsletters::approval::said;
use crate::storage::Db;
use crate::storage::approval::ApprovedVia;

pub async fn approve(db: &Db, config: &Config, now: i64, slug: &str) -> Result<ExitCode> {
    let lang = config.platform.language;
    if !config.platform.require_approval {
        say_err!("{}", tr!(lang, "approval.not_required"));
        return Ok(ExitCode::FAILURE);
    }
    let Some(row) = db.issue_by_slug(slug).await? else {
        say_err!("{}", tr!(lang, "ops.no_such_issue", slug = slug));
        return Ok(ExitCode::FAILURE);
    };
    let stored = row.content_hash.clone();
    let outcome = db
        .approve_issue(&row, |h| h == stored, ApprovedVia::Command, now)
        .await?;
    let tz = config.platform.timezone;
    let (text, ok) = said(lang, tz, now, slug, &outcome);
    if ok {
        say!("{text}");
        Ok(ExitCode::SUCCESS)
    } else {
        say_err!("{text}");
        Ok(ExitCode::FAILURE)
    }
}
