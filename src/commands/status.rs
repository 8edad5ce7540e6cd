//! `postbode status [--json]`: issues, deliveries per state, agenda items and
//! their mails, subscribers, unsubscribes, bounces and complaints per kind.

use anyhow::Result;
use serde_json::json;
use std::collections::BTreeMap;
use std::process::ExitCode;

use crate::config::Config;
use crate::delivery::health::{PAUSE_KEY, Pause};
use crate::domain::clock::from_epoch;
use crate::domain::texts::tr;
use crate::logging::say;
use crate::storage::Db;

/// How many of the newest alerts are shown.
const ALERTS_SHOWN: i64 = 10;

pub async fn status(db: &Db, config: &Config, as_json: bool) -> Result<ExitCode> {
    let tz = config.timezone();
    let issues = db.list_issues().await?;
    let counts = db.delivery_counts().await?;
    let subscribers = db.count_subscribers_by_status().await?;
    let unsubscribes = db.unsubscribe_counts().await?;
    let agenda = db.agenda_status().await?;
    let paused: Option<Pause> = db
        .setting(PAUSE_KEY)
        .await?
        .and_then(|v| serde_json::from_str(&v).ok());
    let bounces = db.bounce_counts().await?;
    let alerts = db.alerts(ALERTS_SHOWN).await?;
    let unread = db.unread_files().await?;
    let clicks = db.click_counts().await?;
    let mut per_issue_clicks: BTreeMap<&str, i64> = BTreeMap::new();
    for c in &clicks {
        *per_issue_clicks.entry(&c.issue).or_default() += c.clicks;
    }
    let mut per_issue: BTreeMap<&str, BTreeMap<&str, i64>> = BTreeMap::new();
    for c in &counts {
        per_issue
            .entry(&c.issue)
            .or_default()
            .insert(c.state.as_str(), c.count);
    }
    // Totals per issue, per source and per reason ("-" when none).
    let mut per_issue_unsub: BTreeMap<String, i64> = BTreeMap::new();
    let mut per_source: BTreeMap<String, i64> = BTreeMap::new();
    let mut per_reason: BTreeMap<String, i64> = BTreeMap::new();
    for u in &unsubscribes {
        let issue = u.issue.clone().unwrap_or_else(|| "-".into());
        let reason = if u.reason.is_empty() {
            "-".to_string()
        } else {
            u.reason.clone()
        };
        *per_issue_unsub.entry(issue).or_default() += u.count;
        *per_source.entry(u.source.clone()).or_default() += u.count;
        *per_reason.entry(reason).or_default() += u.count;
    }
    let local = |t: Option<i64>| {
        t.map(|t| {
            from_epoch(t)
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "-".into())
    };
    if as_json {
        let list: Vec<_> = issues
            .iter()
            .map(|i| {
                json!({
                    "slug": i.slug, "subject": i.subject, "status": i.hold.shown(i.status), "file": i.file,
                    "send_at": i.send_at, "started_at": i.started_at, "sent_at": i.sent_at,
                    "errors": i.errors.lines().collect::<Vec<_>>(), "warning": i.warning,
                    "deliveries": per_issue.get(i.slug.as_str()).cloned().unwrap_or_default(),
                })
            })
            .collect();
        let out = json!({
            "issues": list,
            "agenda": agenda,
            "delivery": { "paused": paused },
            "alerts": alerts,
            "unread_files": unread,
            "subscribers": subscribers.iter().map(|(s, n)| (s.as_str(), *n)).collect::<BTreeMap<_, _>>(),
            "unsubscribes": unsubscribes,
            "bounces": bounces,
            "unsubscribe_totals": {
                "per_issue": per_issue_unsub,
                "per_source": per_source,
                "per_reason": per_reason,
            },
            "clicks": clicks,
            "click_totals": { "per_issue": per_issue_clicks },
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    if !unread.is_empty() {
        say!("{}", tr!(config.platform.language, "issues.status_unread"));
        for f in &unread {
            say!("  {}: {}", f.file, f.reason);
        }
        say!();
    }
    if !alerts.is_empty() {
        say!("alerts (newest first):");
        for a in &alerts {
            say!("  {}  {}", local(Some(a.at)), a.message);
        }
        say!();
    }
    if let Some(p) = &paused {
        say!(
            "sending paused at {} after {} failed attempts in a row, trying again from {}; last reply: {}\n",
            local(Some(p.since)),
            p.failures,
            local(Some(p.until)),
            p.last_reply
        );
    }
    say!(
        "{:<32} {:<17} {:<17} deliveries",
        "issue",
        "status",
        "send at"
    );
    for i in &issues {
        let d = per_issue
            .get(i.slug.as_str())
            .map(|m| {
                m.iter()
                    .map(|(s, n)| format!("{s} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        say!(
            "{:<32} {:<17} {:<17} {}",
            i.slug,
            i.hold.shown(i.status),
            local(i.send_at),
            d
        );
        for e in i.errors.lines() {
            say!("    error: {e}");
        }
        for w in i.warning.lines() {
            say!("    warning: {w}");
        }
        if let Some(n) = per_issue
            .get(i.slug.as_str())
            .and_then(|m| m.get("unknown"))
        {
            say!(
                "    {n} message(s) were being sent during a crash: they may or may not have arrived (`postbode resend-unknown --issue {}` queues them again)",
                i.slug
            );
        }
    }
    if !agenda.is_empty() {
        say!(
            "\n{:<32} {:<10} {:<17} agenda mails",
            "agenda item",
            "status",
            "starts"
        );
        for a in &agenda {
            let mails = a
                .mails
                .iter()
                .flat_map(|(kind, states)| {
                    states
                        .iter()
                        .map(move |(state, n)| format!("{kind} {state} {n}"))
                })
                .collect::<Vec<_>>()
                .join(", ");
            let starts = if a.uid == "digest" {
                "-".to_string()
            } else {
                local(Some(a.starts_at))
            };
            say!("{:<32} {:<10} {:<17} {mails}", a.uid, a.status, starts);
        }
    }
    let subs = subscribers
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    say!(
        "\nsubscribers: {}",
        if subs.is_empty() { "none".into() } else { subs }
    );
    if !unsubscribes.is_empty() {
        say!("unsubscribes:");
        say!("  {:<32} {:<12} {:<17} count", "issue", "source", "reason");
        for u in &unsubscribes {
            say!(
                "  {:<32} {:<12} {:<17} {}",
                u.issue.as_deref().unwrap_or("-"),
                u.source,
                if u.reason.is_empty() { "-" } else { &u.reason },
                u.count
            );
        }
        let line = |m: &BTreeMap<String, i64>| {
            m.iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        say!("  per issue:  {}", line(&per_issue_unsub));
        say!("  per source: {}", line(&per_source));
        say!("  per reason: {}", line(&per_reason));
    }
    if !clicks.is_empty() {
        say!("clicks (counted per link, nothing per person):");
        say!("  {:<32} {:>6}  link", "issue", "clicks");
        for c in &clicks {
            say!("  {:<32} {:>6}  {}", c.issue, c.clicks, c.url);
        }
    }
    if !bounces.is_empty() {
        let b: Vec<_> = bounces.iter().map(|(k, n)| format!("{k} {n}")).collect();
        say!("bounces and complaints: {}", b.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}
