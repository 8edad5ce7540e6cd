//! What an editor needs to know before an issue goes out, at the top of its
//! proof: when it is sent (local time), whether it waits for approval (with
//! the signed approval link), who gets which sections (readers per variant,
//! counted on today's subscribers, each with a signed preview link), what
//! `check` warns about and what the link check found.

use anyhow::Result;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

use super::pipeline::{IssuePipeline, LoadedIssue};
use super::validation;
use crate::domain::editor_link::EditorAction;
use crate::domain::issue::{Body, IssueStatus};
use crate::domain::language::Language;
use crate::domain::links::Links;
use crate::domain::texts::tr;
use crate::storage::Db;
use crate::storage::issues::IssueRow;

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

/// One line of the summary: words, or words that link somewhere.
enum Line {
    Text(String),
    Link { label: String, url: String },
}

/// What the summary is made from.
pub struct ProofFacts<'a> {
    pub db: &'a Db,
    pub pipeline: &'a IssuePipeline,
    pub links: &'a Links,
    pub loaded: &'a LoadedIssue,
    pub now: DateTime<Utc>,
    /// What the link check found, as editors read it; None: not checked.
    pub link_report: Option<String>,
}

pub async fn proof_summary(f: &ProofFacts<'_>) -> Result<ProofSummary> {
    let (lang, tz) = (f.pipeline.language(), f.pipeline.timezone());
    let issue = f.loaded.issue();
    // Links to the issue as stored: only when that is the version proofed.
    let stored =
        f.db.issue_by_slug(issue.slug.as_str())
            .await?
            .filter(|r| r.content_hash == f.loaded.hash);
    let mut lines = vec![Line::Text(tr!(lang, "issues.proof_intro"))];
    lines.push(Line::Text(match issue.send_at {
        Some(t) => {
            let at = t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z");
            tr!(lang, "issues.proof_send_at", at = at)
        }
        None => tr!(lang, "issues.proof_draft"),
    }));
    if let Some(row) = stored
        .as_ref()
        .filter(|r| r.status == IssueStatus::AwaitingApproval)
    {
        lines.push(Line::Text(tr!(lang, "approval.proof_waiting")));
        if let Some(url) = f.links.editor(
            EditorAction::Approve,
            row.id,
            &row.content_hash,
            Vec::new(),
            Language::Nl,
        ) {
            let label = tr!(lang, "approval.proof_link");
            lines.push(Line::Link { label, url });
        }
    }
    let preview = |key: Vec<bool>, readers: Language| -> Option<String> {
        let row: &IssueRow = stored.as_ref()?;
        f.links.editor(
            EditorAction::Preview,
            row.id,
            &row.content_hash,
            key,
            readers,
        )
    };
    if let Some(url) = preview(issue.full_key(), Language::default()) {
        let label = tr!(lang, "issues.proof_preview_full");
        lines.push(Line::Link { label, url });
    }
    // Readers per variant: the sections each set of followers gets, in
    // the words of their language.
    let mut per_key: BTreeMap<(Vec<bool>, bool), i64> = BTreeMap::new();
    for ((segments, readers), n) in f.db.active_segment_sets().await? {
        if issue.audience.is_empty() || segments.follows_any(&issue.audience) {
            let key = (issue.variant_key(&segments), readers.is_en());
            *per_key.entry(key).or_default() += n;
        }
    }
    let total: i64 = per_key.values().sum();
    lines.push(Line::Text(tr!(lang, "issues.proof_readers", total = total)));
    let languages = per_key.keys().map(|(_, en)| *en).collect::<BTreeSet<_>>();
    let mut variants: Vec<((Vec<bool>, bool), i64)> = per_key.into_iter().collect();
    variants.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if let Body::Markdown { sections, .. } = &issue.body {
        for ((key, en), n) in variants {
            let readers = if en { Language::En } else { Language::Nl };
            let titles: Vec<&str> = sections
                .iter()
                .zip(&key)
                .filter(|(_, on)| **on)
                .map(|(s, _)| s.title.as_str())
                .collect();
            let list = if titles.is_empty() {
                tr!(lang, "issues.proof_no_sections")
            } else {
                titles.join(", ")
            };
            let said = if languages.len() > 1 {
                let language = tr!(lang, &format!("issues.language_{readers}"));
                tr!(
                    lang,
                    "issues.proof_variant_in",
                    n = n,
                    sections = list,
                    language = language
                )
            } else {
                tr!(lang, "issues.proof_variant", n = n, sections = list)
            };
            let said = format!("- {said}");
            lines.push(match preview(key, readers) {
                Some(url) => Line::Link {
                    label: format!("{said} · {}", tr!(lang, "issues.proof_preview")),
                    url,
                },
                None => Line::Text(said),
            });
        }
    }
    let warnings = validation::all_warnings(f.loaded, f.now, tz, lang);
    if !warnings.is_empty() {
        lines.push(Line::Text(tr!(lang, "issues.proof_warnings")));
        lines.extend(
            warnings
                .iter()
                .map(|w| Line::Text(format!("- {}", w.as_warning(lang)))),
        );
    }
    if let Some(report) = &f.link_report {
        lines.push(Line::Text(report.clone()));
    }
    Ok(written(&lines))
}

/// The lines as text (a link after its words) and as HTML (the words as
/// the link), every value escaped.
fn written(lines: &[Line]) -> ProofSummary {
    let mut text = Vec::new();
    let mut html = String::new();
    for line in lines {
        match line {
            Line::Text(t) => {
                text.push(t.clone());
                html.push_str(&html_escape::encode_text(t));
            }
            Line::Link { label, url } => {
                text.push(format!("{label}: {url}"));
                html.push_str(&format!(
                    "<a href=\"{}\" style=\"color:#0645ad;text-decoration:underline;word-break:break-all;\">{}</a>",
                    html_escape::encode_double_quoted_attribute(url),
                    html_escape::encode_text(label)
                ));
            }
        }
        html.push('\n');
    }
    ProofSummary {
        text: text.join("\n"),
        html: format!(
            "<div style=\"max-width:600px;margin:0 auto;padding:12px 16px;background:#fff7d6;border:2px solid #e0b000;font:14px/1.5 Arial,sans-serif;color:#222;white-space:pre-wrap;overflow-wrap:anywhere;\">{}</div>",
            html.trim_end()
        ),
    }
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
