//! Mail to editors: a proof of every newly valid or changed issue, and the
//! errors of an invalid one, so problems are seen before `send_at`.

use anyhow::Result;

use super::diagnostic::Diagnostic;
use crate::context::Ctx;
use crate::delivery::{Outcome, Session};
use crate::domain::subscriber::{Language, Recipient, Segments};
use crate::mailer::Kind;
use crate::render::IssueRenderer;

/// Sends a proof of the full issue (every section) to `to`.
pub async fn send_proof(ctx: &Ctx, renderer: &IssueRenderer, to: &str) -> Result<Outcome> {
    let issue = &renderer.issue;
    let variant = renderer
        .variant(&issue.full_key())
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    let sample = Recipient {
        id: 0,
        email: to.to_string(),
        name: String::new(),
        language: Language::Nl,
        segments: Segments::default(),
    };
    let mut values = ctx.merge_values(&sample, 0, &issue.slug);
    // A proof goes to an editor, not a subscriber: its footer links lead to the
    // archive instead of pages that would say "this link does not work".
    values.preferences_url = format!("{}/archive", ctx.config.base_url());
    values.unsubscribe_url = values.preferences_url.clone();
    let (html, text) = variant.personalise(&values);
    let subject = format!("[Proef] {}", variant.subject(&values));
    let kind = Kind::Bulk {
        unsubscribe_url: values.unsubscribe_url.clone(),
        auto_submitted: false,
    };
    let out = ctx.composer.compose(to, "", &subject, text, html, &kind)?;
    let mut session = Session::default();
    let outcome = ctx
        .connector
        .send(&mut session, &out.envelope, &out.bytes)
        .await;
    ctx.connector.close(&mut session).await;
    Ok(outcome)
}

/// Tells the editors what is wrong with an issue file.
pub async fn send_errors(ctx: &Ctx, slug: &str, errors: &[Diagnostic]) -> Result<()> {
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
    for to in &ctx.config.platform.editors {
        let out = ctx.composer.compose(
            to,
            "",
            &subject,
            text.clone(),
            html.clone(),
            &Kind::Editorial,
        )?;
        let mut session = Session::default();
        let outcome = ctx
            .connector
            .send(&mut session, &out.envelope, &out.bytes)
            .await;
        ctx.connector.close(&mut session).await;
        if !matches!(outcome, Outcome::Sent(_)) {
            tracing::warn!(issue = %slug, "error report to an editor was not delivered: {}", crate::delivery::outcome::redact_addresses(&format!("{outcome:?}")));
        }
    }
    Ok(())
}

/// Proofs to every editor.
pub async fn send_proofs(ctx: &Ctx, renderer: &IssueRenderer) {
    for to in &ctx.config.platform.editors {
        match send_proof(ctx, renderer, to).await {
            Ok(Outcome::Sent(_)) => {}
            Ok(o) => {
                tracing::warn!(issue = %renderer.issue.slug, "proof to an editor was not delivered: {}", crate::delivery::outcome::redact_addresses(&format!("{o:?}")))
            }
            Err(e) => {
                tracing::warn!(issue = %renderer.issue.slug, "proof could not be made: {e:#}")
            }
        }
    }
}
