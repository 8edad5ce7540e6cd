//! `postbode status [--json]`: issues, deliveries per state, agenda items and
//! their mails, subscribers, unsubscribes, bounces and complaints per kind.

use anyhow::Result;
use serde_json::json;
use std::collections::BTreeMap;
use std::process::ExitCode;

use crate::config::Config;
use crate::delivery::health::{PAUSE_KEY, Pause};
use crate::domain::clock::{from_epoch, rfc3339};
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
                    "send_at": i.send_at.map(rfc3339), "started_at": i.started_at.map(rfc3339),
                    "sent_at": i.sent_at.map(rfc3339),
                    "errors": i.errors.lines().collect::<Vec<_>>(), "warning": i.warning,
                    "deliveries": per_issue.get(i.slug.as_str()).cloned().unwrap_or_default(),
                })
            })
            .collect();
        let out = json!({
            "issues": list,
            "agenda": agenda,
            "delivery": { "paused": paused.as_ref().map(|p| json!({
                "since": rfc3339(p.since), "until": rfc3339(p.until),
                "failures": p.failures, "last_reply": p.last_reply,
            })) },
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
    let lang = config.platform.language;
    let t = |key: &str| tr!(lang, key);
    if !unread.is_empty() {
        say!("{}", t("issues.status_unread"));
        for f in &unread {
            say!("  {}: {}", f.file, f.reason);
        }
        say!();
    }
    if !alerts.is_empty() {
        say!("{}", t("status.alerts"));
        for a in &alerts {
            say!("  {}  {}", local(Some(a.at)), a.message);
        }
        say!();
    }
    if let Some(p) = &paused {
        let said = tr!(
            lang,
            "status.paused",
            since = local(Some(p.since)),
            failures = p.failures,
            until = local(Some(p.until)),
            reply = p.last_reply
        );
        say!("{said}\n");
    }
    say!(
        "{:<32} {:<17} {:<17} {}",
        t("status.col_issue"),
        t("status.col_status"),
        t("status.col_send_at"),
        t("status.col_deliveries")
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
            say!("    {}", tr!(lang, "status.error", text = e));
        }
        for w in i.warning.lines() {
            say!("    {}", tr!(lang, "status.warning", text = w));
        }
        if let Some(n) = per_issue
            .get(i.slug.as_str())
            .and_then(|m| m.get("unknown"))
        {
            say!("    {}", tr!(lang, "status.unknown", n = n, slug = i.slug));
        }
    }
    if !agenda.is_empty() {
        say!(
            "\n{:<32} {:<10} {:<17} {}",
            t("status.col_agenda"),
            t("status.col_status"),
            t("status.col_starts"),
            t("status.col_agenda_mails")
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
    let subs = if subs.is_empty() {
        t("status.none")
    } else {
        subs
    };
    say!("\n{}", tr!(lang, "status.subscribers", list = subs));
    if !unsubscribes.is_empty() {
        say!("{}", t("status.unsubscribes"));
        say!(
            "  {:<32} {:<12} {:<17} {}",
            t("status.col_issue"),
            t("status.col_source"),
            t("status.col_reason"),
            t("status.col_count")
        );
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
        say!(
            "  {}",
            tr!(lang, "status.per_issue", list = line(&per_issue_unsub))
        );
        say!(
            "  {}",
            tr!(lang, "status.per_source", list = line(&per_source))
        );
        say!(
            "  {}",
            tr!(lang, "status.per_reason", list = line(&per_reason))
        );
    }
    if !clicks.is_empty() {
        say!("{}", t("status.clicks"));
        say!(
            "  {:<32} {:>6}  {}",
            t("status.col_issue"),
            t("status.col_clicks"),
            t("status.col_link")
        );
        for c in &clicks {
            say!("  {:<32} {:>6}  {}", c.issue, c.clicks, c.url);
        }
    }
    if !bounces.is_empty() {
        let b: Vec<_> = bounces.iter().map(|(k, n)| format!("{k} {n}")).collect();
        say!("{}", tr!(lang, "status.bounces", list = b.join(", ")));
    }
    Ok(ExitCode::SUCCESS)
}
