//! Double opt-in: the confirmation mail (`mjml/confirm.mjml`), sent when a
//! pending subscriber is created, and the mail with the preferences link for
//! an address that signs up again while active.

use anyhow::{Result, anyhow};
use minijinja::context;
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::Config;
use crate::domain::email::SubscriberEmail;
use crate::domain::links::Links;
use crate::domain::name::SubscriberName;
use crate::domain::reply::Outcome;
use crate::domain::subscriber::Language;
use crate::mail::{Kind, Mailer};
use crate::render::compile::compile;
use crate::render::layout::Layouts;
use crate::render::variant::PlatformInfo;

/// Confirmation links stay valid this long.
pub const CONFIRM_VALID_SECS: i64 = 7 * 24 * 3600;

/// Makes and sends the sign-up mails.
#[derive(Clone)]
pub struct SignupMails {
    templates_dir: PathBuf,
    platform: PlatformInfo,
    links: Links,
    mailer: Arc<Mailer>,
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

impl SignupMails {
    pub fn new(config: &Config, links: Links, mailer: Arc<Mailer>) -> Self {
        Self {
            templates_dir: config.templates_dir(),
            platform: PlatformInfo::from_config(config),
            links,
            mailer,
        }
    }

    /// Sends one of the sign-up mails (`Auto-Submitted: auto-generated`).
    pub async fn send(
        &self,
        mail: SignupMail,
        id: i64,
        email: &SubscriberEmail,
        name: &SubscriberName,
        language: Language,
    ) -> Result<Outcome> {
        let layouts = Layouts::new(&self.templates_dir);
        let confirm = self.links.confirm(id);
        let preferences = self.links.preferences(id);
        let en = language.is_en();
        let mjml = layouts
            .render(
                "confirm",
                context! {
                    platform => self.platform,
                    name => name.as_str(),
                    confirm_url => confirm,
                    preferences_url => preferences,
                    kind => mail.kind(),
                    language => language.as_str(),
                },
            )
            .map_err(|d| anyhow!("{d}"))?;
        let html = compile(&mjml).map_err(|(_, m)| anyhow!("mjml/confirm.mjml: {m}"))?;
        let platform = &self.platform.name;
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
        let out = self
            .mailer
            .composer
            .compose(email, name, &subject, text, html, &Kind::Auto)?;
        Ok(self.mailer.send_now(&out).await)
    }
}
