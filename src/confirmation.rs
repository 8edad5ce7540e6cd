//! Double opt-in: the confirmation mail (`mjml/confirm.mjml`), sent when a
//! pending subscriber is created, and at most once per address per 10 minutes.

use anyhow::{Result, anyhow};
use minijinja::context;
use std::sync::Arc;

use crate::context::Ctx;
use crate::delivery::{Outcome, Session};
use crate::domain::token::Purpose;
use crate::mailer::Kind;
use crate::render::compile::compile;
use crate::render::layout::Layouts;

/// Confirmation links stay valid this long.
pub const CONFIRM_VALID_SECS: i64 = 7 * 24 * 3600;

pub fn confirm_url(ctx: &Ctx, subscriber_id: i64) -> String {
    format!(
        "{}/confirm/{}",
        ctx.config.base_url(),
        ctx.token(Purpose::Confirm, subscriber_id, 0)
    )
}

/// Sends the confirmation mail to a pending subscriber.
pub async fn send_confirmation(
    ctx: &Ctx,
    id: i64,
    email: &str,
    name: &str,
    language: &str,
) -> Result<Outcome> {
    let layouts = Arc::new(Layouts::new(&ctx.config.templates_dir()));
    let confirm = confirm_url(ctx, id);
    let en = language == "en";
    let mjml = layouts
        .render(
            "confirm",
            context! {
                platform => ctx.platform,
                name => name,
                confirm_url => confirm,
                preferences_url => ctx.preferences_url(id),
                kind => "confirm",
                language => language,
            },
        )
        .map_err(|d| anyhow!("{d}"))?;
    let html = compile(&mjml).map_err(|(_, m)| anyhow!("mjml/confirm.mjml: {m}"))?;
    let (subject, text) = if en {
        (
            format!("Confirm your subscription to {}", ctx.platform.name),
            format!(
                "Thank you for signing up for the newsletter of {}.\n\nConfirm your subscription by opening this link (valid for 7 days):\n{confirm}\n\nDid you not sign up? Then ignore this mail: nothing happens.\n",
                ctx.platform.name
            ),
        )
    } else {
        (
            format!("Bevestig je aanmelding bij het {}", ctx.platform.name),
            format!(
                "Bedankt voor je aanmelding voor de nieuwsbrief van het {}.\n\nBevestig je aanmelding met deze link (7 dagen geldig):\n{confirm}\n\nHeb je je niet aangemeld? Negeer deze mail dan: er gebeurt niets.\n",
                ctx.platform.name
            ),
        )
    };
    let out = ctx
        .composer
        .compose(email, name, &subject, text, html, &Kind::Auto)?;
    let mut session = Session::default();
    let outcome = ctx
        .connector
        .send(&mut session, &out.envelope, &out.bytes)
        .await;
    ctx.connector.close(&mut session).await;
    Ok(outcome)
}
