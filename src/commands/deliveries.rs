//! `postbode deliveries SLUG [--json]`: who got an issue. One line per
//! recipient of its ledger (state, attempts, the server's last reply, when it
//! last changed) and the count per state at the end.

use anyhow::Result;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

use crate::config::Config;
use crate::domain::clock::{from_epoch, rfc3339};
use crate::domain::redact::redact_addresses;
use crate::domain::texts::tr;
use crate::logging::{say, say_err};
use crate::storage::Db;
use crate::storage::ledger_rows::LedgerRow;

/// Rows read per query: a ledger of 100,000 recipients is printed a page at a
/// time, never held whole.
const PAGE: i64 = 1000;

pub async fn deliveries(db: &Db, config: &Config, slug: &str, as_json: bool) -> Result<ExitCode> {
    let lang = config.platform.language;
    let Some(issue) = db.issue_by_slug(slug).await? else {
        say_err!("{}", tr!(lang, "ops.no_such_issue", slug = slug));
        return Ok(ExitCode::FAILURE);
    };
    let first = db.ledger_page(issue.id, 0, PAGE).await?;
    if first.is_empty() && issue.started_at.is_none() {
        // Not an error: the question "who got it" has the answer "nobody yet".
        let status = issue.hold.shown(issue.status);
        if as_json {
            println!("[]");
        } else {
            say!(
                "{}",
                tr!(lang, "deliveries.not_started", slug = slug, status = status)
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let erased = tr!(lang, "deliveries.erased");
    let mut out = Output::new(as_json, config, erased);
    out.start(lang);
    let mut page = first;
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    loop {
        for row in &page {
            *counts.entry(row.state.clone()).or_default() += 1;
            out.row(row)?;
        }
        let Some(last) = page.last().map(|r| r.id) else {
            break;
        };
        if (page.len() as i64) < PAGE {
            break;
        }
        page = db.ledger_page(issue.id, last, PAGE).await?;
    }
    out.finish(lang, &counts)?;
    Ok(ExitCode::SUCCESS)
}

/// The table or the JSON array, written as the rows come.
struct Output {
    json: bool,
    tz: chrono_tz::Tz,
    erased: String,
    first: bool,
    stdout: std::io::Stdout,
}

impl Output {
    fn new(json: bool, config: &Config, erased: String) -> Self {
        Self {
            json,
            tz: config.timezone(),
            erased,
            first: true,
            stdout: std::io::stdout(),
        }
    }

    fn start(&mut self, lang: crate::domain::language::Language) {
        if self.json {
            return;
        }
        let t = |key: &str| tr!(lang, key);
        say!(
            "{:<40} {:<10} {:>8}  {:<16}  {}",
            t("deliveries.col_recipient"),
            t("deliveries.col_state"),
            t("deliveries.col_attempts"),
            t("deliveries.col_updated"),
            t("deliveries.col_reply")
        );
    }

    fn row(&mut self, row: &LedgerRow) -> Result<()> {
        // Servers quote addresses in their replies, also other people's.
        let reply = redact_addresses(&row.last_reply);
        let when = from_epoch(row.updated_at);
        if self.json {
            let item = json!({
                "email": row.email,
                "state": row.state,
                "attempts": row.attempts,
                "last_reply": reply,
                "updated_at": rfc3339(row.updated_at),
            });
            let sep = if self.first { "[\n  " } else { ",\n  " };
            self.first = false;
            write!(self.stdout.lock(), "{sep}{item}")?;
            return Ok(());
        }
        let email = row.email.as_deref().unwrap_or(&self.erased);
        let local = when.with_timezone(&self.tz).format("%Y-%m-%d %H:%M");
        say!(
            "{:<40} {:<10} {:>8}  {:<16}  {}",
            email,
            row.state,
            row.attempts,
            local,
            reply
        );
        Ok(())
    }

    fn finish(
        &mut self,
        lang: crate::domain::language::Language,
        counts: &BTreeMap<String, i64>,
    ) -> Result<()> {
        if self.json {
            let end = if self.first { "[]\n" } else { "\n]\n" };
            write!(self.stdout.lock(), "{end}")?;
            return Ok(());
        }
        let total: i64 = counts.values().sum();
        let list = counts
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        say!(
            "\n{}",
            tr!(lang, "deliveries.totals", total = total, list = list)
        );
        Ok(())
    }
}
