//! What an editor needs to know before an issue goes out, at the top of its
//! proof: when it is sent (local time), who gets which sections (readers per
//! variant, counted on today's subscribers) and what `check` warns about.

use anyhow::Result;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use super::pipeline::{IssuePipeline, LoadedIssue};
use super::validation;
use crate::domain::issue::Body;
use crate::domain::texts::tr;
use crate::storage::Db;

/// The summary as plain text and as HTML, in the editors' language.
pub struct ProofSummary {
    pub text: String,
    pub html: String,
}

impl ProofSummary {
    /// No summary (a proof asked for on the command line without a database).
    pub fn none() -> Self {
        Self {
            text: String::new(),
            html: String::new(),
        }
    }
}

pub async fn proof_summary(
    db: &Db,
    pipeline: &IssuePipeline,
    loaded: &LoadedIssue,
    now: DateTime<Utc>,
) -> Result<ProofSummary> {
    let (lang, tz) = (pipeline.language(), pipeline.timezone());
    let issue = loaded.issue();
    let mut lines = vec![tr!(lang, "issues.proof_intro")];
    lines.push(match issue.send_at {
        Some(t) => {
            let at = t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z");
            tr!(lang, "issues.proof_send_at", at = at)
        }
        None => tr!(lang, "issues.proof_draft"),
    });
    // Readers per variant: the sections each set of followers gets.
    let mut per_key: BTreeMap<Vec<bool>, i64> = BTreeMap::new();
    for (segments, n) in db.active_segment_sets().await? {
        if issue.audience.is_empty() || segments.follows_any(&issue.audience) {
            *per_key.entry(issue.variant_key(&segments)).or_default() += n;
        }
    }
    let total: i64 = per_key.values().sum();
    lines.push(tr!(lang, "issues.proof_readers", total = total));
    let mut variants: Vec<(Vec<bool>, i64)> = per_key.into_iter().collect();
    variants.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if let Body::Markdown { sections, .. } = &issue.body {
        for (key, n) in &variants {
            let titles: Vec<&str> = sections
                .iter()
                .zip(key)
                .filter(|(_, on)| **on)
                .map(|(s, _)| s.title.as_str())
                .collect();
            let list = if titles.is_empty() {
                tr!(lang, "issues.proof_no_sections")
            } else {
                titles.join(", ")
            };
            lines.push(format!(
                "- {}",
                tr!(lang, "issues.proof_variant", n = n, sections = list)
            ));
        }
    }
    let warnings = validation::all_warnings(loaded, now, tz, lang);
    if !warnings.is_empty() {
        lines.push(tr!(lang, "issues.proof_warnings"));
        lines.extend(warnings.iter().map(|w| format!("- {}", w.as_warning(lang))));
    }
    let text = lines.join("\n");
    let html = format!(
        "<div style=\"max-width:600px;margin:0 auto;padding:12px 16px;background:#fff7d6;border:2px solid #e0b000;font:14px/1.5 Arial,sans-serif;color:#222;white-space:pre-wrap;\">{}</div>",
        html_escape::encode_text(&text)
    );
    Ok(ProofSummary { text, html })
}

/// `html` with `summary` placed right after its `<body …>` tag.
pub fn with_summary_html(html: &str, summary: &str) -> String {
    let at = html
        .find("<body")
        .and_then(|b| html[b..].find('>').map(|e| b + e + 1));
    match at {
        Some(i) if !summary.is_empty() => format!("{}{summary}{}", &html[..i], &html[i..]),
        _ => html.to_string(),
    }
}
