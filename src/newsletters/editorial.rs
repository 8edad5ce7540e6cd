//! Mail to editors: a proof of every newly valid or changed issue, and the
//! errors of an invalid one, so problems are seen before `send_at`.

use anyhow::Result;

use super::pipeline::LoadedIssue;
use crate::domain::diagnostic::Diagnostic;
use crate::domain::email::SubscriberEmail;
use crate::domain::links::Links;
use crate::domain::name::SubscriberName;
use crate::domain::redact::redact_addresses;
use crate::domain::reply::Outcome;
use crate::domain::subscriber::Language;
use crate::mail::{Kind, Mailer};
use crate::render::MergeValues;

/// Sends a proof of the full issue (every section) to `to`.
pub async fn send_proof(
    mailer: &Mailer,
    links: &Links,
    loaded: &LoadedIssue,
    to: &SubscriberEmail,
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
    let subject = format!("[Proef] {}", variant.subject(&values));
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

/// Proofs to every editor.
pub async fn send_proofs(
    mailer: &Mailer,
    links: &Links,
    editors: &[SubscriberEmail],
    loaded: &LoadedIssue,
) {
    let slug = &loaded.issue().slug;
    for to in editors {
        match send_proof(mailer, links, loaded, to).await {
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
) -> Result<()> {
    let list = errors
        .iter()
        .map(|d| format!("- {d}"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = format!(
        "Het nummer {slug} kan niet worden verzonden. Verbeter het bestand; postbode leest het opnieuw zodra het is opgeslagen.\n\n{list}\n"
    );
    let html = format!(
        "<p>Het nummer <b>{}</b> kan niet worden verzonden. Verbeter het bestand; postbode leest het opnieuw zodra het is opgeslagen.</p><pre>{}</pre>",
        html_escape::encode_text(slug),
        html_escape::encode_text(&list)
    );
    let subject = format!("[postbode] Fouten in {slug}");
    for to in editors {
        let out = mailer.composer.compose(
            to,
            &SubscriberName::default(),
            &subject,
            text.clone(),
            html.clone(),
            &Kind::Editorial,
        )?;
        let outcome = mailer.send_now(&out).await;
        if !matches!(outcome, Outcome::Sent(_)) {
            tracing::warn!(
                issue = %slug,
                "error report to an editor was not delivered: {}",
                redact_addresses(outcome.reply())
            );
        }
    }
    Ok(())
}
