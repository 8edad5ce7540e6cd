//! Mail to editors: a proof of every newly valid or changed issue, and the
//! errors of an invalid one, so problems are seen before `send_at`.

use anyhow::Result;

use super::pipeline::LoadedIssue;
use super::proof_summary::{ProofSummary, with_summary_html};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::email::SubscriberEmail;
use crate::domain::links::Links;
use crate::domain::name::SubscriberName;
use crate::domain::redact::redact_addresses;
use crate::domain::reply::Outcome;
use crate::domain::subscriber::Language;
use crate::domain::texts::tr;
use crate::mail::{Kind, Mailer};
use crate::render::MergeValues;

/// Sends a proof of the full issue (every section) to `to`, with `summary`
/// at the top.
pub async fn send_proof(
    mailer: &Mailer,
    links: &Links,
    loaded: &LoadedIssue,
    to: &SubscriberEmail,
    summary: &ProofSummary,
) -> Result<Outcome> {
    let issue = loaded.issue();
    let variant = loaded.full_variant().map_err(|d| anyhow::anyhow!("{d}"))?;
    // A proof goes to an editor, not a subscriber: its footer links lead to
    // the archive instead of pages that would say "this link does not work".
    let archive = links.page("/archive");
    let values = MergeValues {
        name: SubscriberName::default().greeting(Language::Nl),
        preferences_url: archive.clone(),
        unsubscribe_url: archive,
        archive_url: links.archive(issue.slug.as_str()),
    };
    let (html, text) = variant.personalise(&values);
    let html = with_summary_html(&html, &summary.html);
    let text = if summary.text.is_empty() {
        text
    } else {
        format!("{}\n\n{}\n\n{text}", summary.text, "=".repeat(40))
    };
    let subject = format!("[PROEF] {}", variant.subject(&values));
    let kind = Kind::Bulk {
        unsubscribe_url: values.unsubscribe_url.clone(),
        auto_submitted: false,
    };
    let out =
        mailer
            .composer
            .compose(to, &SubscriberName::default(), &subject, text, html, &kind)?;
    Ok(mailer.send_now(&out).await)
}

/// Proofs to every editor, each with the summary (send time, readers per
/// variant, warnings).
pub async fn send_proofs(
    mailer: &Mailer,
    links: &Links,
    editors: &[SubscriberEmail],
    loaded: &LoadedIssue,
    summary: &ProofSummary,
) {
    let slug = &loaded.issue().slug;
    for to in editors {
        match send_proof(mailer, links, loaded, to, summary).await {
            Ok(Outcome::Sent(_)) => {}
            Ok(o) => tracing::warn!(
                issue = %slug,
                "proof to an editor was not delivered: {}",
                redact_addresses(o.reply())
            ),
            Err(e) => tracing::warn!(issue = %slug, "proof could not be made: {e:#}"),
        }
    }
}

/// Tells the editors what is wrong with an issue file.
pub async fn send_errors(
    mailer: &Mailer,
    editors: &[SubscriberEmail],
    slug: &str,
    errors: &[Diagnostic],
    lang: Language,
) -> Result<()> {
    let list = errors
        .iter()
        .map(|d| format!("- {d}"))
        .collect::<Vec<_>>()
        .join("\n");
    let intro = tr!(lang, "issues.mail_errors_intro", slug = slug);
    let subject = tr!(lang, "issues.mail_errors_subject", slug = slug);
    send_report(mailer, editors, &subject, &intro, &list).await
}

/// Tells the editors that a file in the folder is not read as an issue.
pub async fn send_unread(
    mailer: &Mailer,
    editors: &[SubscriberEmail],
    file: &str,
    reason: &str,
    lang: Language,
) -> Result<()> {
    let intro = tr!(lang, "issues.mail_unread_intro", file = file);
    let subject = tr!(lang, "issues.mail_unread_subject", file = file);
    send_report(mailer, editors, &subject, &intro, reason).await
}

/// A plain report to every editor: an intro and the details, escaped.
async fn send_report(
    mailer: &Mailer,
    editors: &[SubscriberEmail],
    subject: &str,
    intro: &str,
    details: &str,
) -> Result<()> {
    let text = format!("{intro}\n\n{details}\n");
    let html = format!(
        "<p>{}</p><pre style=\"white-space: pre-wrap\">{}</pre>",
        html_escape::encode_text(intro),
        html_escape::encode_text(details)
    );
    for to in editors {
        let out = mailer.composer.compose(
            to,
            &SubscriberName::default(),
            subject,
            text.clone(),
            html.clone(),
            &Kind::Editorial,
        )?;
        let outcome = mailer.send_now(&out).await;
        if !matches!(outcome, Outcome::Sent(_)) {
            tracing::warn!(
                "report to an editor was not delivered: {}",
                redact_addresses(outcome.reply())
            );
        }
    }
    Ok(())
}
