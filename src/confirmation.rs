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

/// Which of the two sign-up mails `mjml/confirm.mjml` renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupMail {
    /// A new or pending address: a button to confirm.
    Confirm,
    /// The address is already active and signed up again: a button to the
    /// preferences page instead of a second confirmation.
    Preferences,
}

impl SignupMail {
    fn kind(self) -> &'static str {
        match self {
            SignupMail::Confirm => "confirm",
            SignupMail::Preferences => "preferences",
        }
    }
}

/// Sends the confirmation mail to a pending subscriber.
pub async fn send_confirmation(
    ctx: &Ctx,
    id: i64,
    email: &str,
    name: &str,
    language: &str,
) -> Result<Outcome> {
    send_signup_mail(ctx, SignupMail::Confirm, id, email, name, language).await
}

/// Sends one of the sign-up mails (`Auto-Submitted: auto-generated`).
pub async fn send_signup_mail(
    ctx: &Ctx,
    mail: SignupMail,
    id: i64,
    email: &str,
    name: &str,
    language: &str,
) -> Result<Outcome> {
    let layouts = Arc::new(Layouts::new(&ctx.config.templates_dir()));
    let confirm = confirm_url(ctx, id);
    let preferences = ctx.preferences_url(id);
    let en = language == "en";
    let mjml = layouts
        .render(
            "confirm",
            context! {
                platform => ctx.platform,
                name => name,
                confirm_url => confirm,
                preferences_url => preferences,
                kind => mail.kind(),
                language => language,
            },
        )
        .map_err(|d| anyhow!("{d}"))?;
    let html = compile(&mjml).map_err(|(_, m)| anyhow!("mjml/confirm.mjml: {m}"))?;
    let platform = &ctx.platform.name;
    let (subject, text) = match (mail, en) {
        (SignupMail::Confirm, true) => (
            format!("Confirm your subscription to {platform}"),
            format!(
                "Thank you for signing up for the newsletter of {platform}.\n\nConfirm your subscription by opening this link (valid for 7 days):\n{confirm}\n\nDid you not sign up? Then ignore this mail: nothing happens.\n"
            ),
        ),
        (SignupMail::Confirm, false) => (
            format!("Bevestig je aanmelding bij het {platform}"),
            format!(
                "Bedankt voor je aanmelding voor de nieuwsbrief van het {platform}.\n\nBevestig je aanmelding met deze link (7 dagen geldig):\n{confirm}\n\nHeb je je niet aangemeld? Negeer deze mail dan: er gebeurt niets.\n"
            ),
        ),
        (SignupMail::Preferences, true) => (
            format!("You are already subscribed to {platform}"),
            format!(
                "Someone, probably you, just signed up again with this address for the newsletter of {platform}. This address is already subscribed, so nothing has changed.\n\nChange your workshops, themes, reminders or language here:\n{preferences}\n\nDid you not sign up again yourself? Then ignore this mail: your subscription stays as it is.\n"
            ),
        ),
        (SignupMail::Preferences, false) => (
            format!("Je bent al aangemeld bij het {platform}"),
            format!(
                "Iemand, waarschijnlijk jij, heeft zich zojuist opnieuw met dit adres aangemeld voor de nieuwsbrief van het {platform}. Dit adres is al aangemeld, er is dus niets veranderd.\n\nPas je werkplaatsen, thema's, herinneringen of taal hier aan:\n{preferences}\n\nHeb je je niet zelf opnieuw aangemeld? Negeer deze mail dan: je aanmelding blijft zoals die is.\n"
            ),
        ),
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
