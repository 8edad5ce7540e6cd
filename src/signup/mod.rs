//! The mails the web pages send on a visitor's request: the double opt-in
//! confirmation (`mjml/confirm.mjml`), the preferences link for an address
//! that signs up again while active, from the preference page the
//! short-lived link to one's data and the fresh link after revoking the
//! old ones (`mjml/links.mjml`), and the optional welcome after a confirmed
//! sign-up (`mjml/welcome.mjml`). Each in the subscriber's language.

pub mod operator;
mod texts;

pub use texts::LinkSet;

use anyhow::{Result, anyhow};
use minijinja::context;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Config;
use crate::domain::diagnostic::Diagnostic;
use crate::domain::email::SubscriberEmail;
use crate::domain::links::{Holder, Links};
use crate::domain::name::SubscriberName;
use crate::domain::reply::Outcome;
use crate::domain::subscriber::Language;
use crate::mail::{Kind, Mailer};
use crate::render::chrome::words;
use crate::render::compile::compile;
use crate::render::layout::Layouts;
use crate::render::variant::PlatformInfo;
use texts::subject_and_text;

/// Confirmation links stay valid this long.
pub const CONFIRM_VALID_SECS: i64 = 7 * 24 * 3600;

/// Makes and sends the mails of the web pages.
#[derive(Clone)]
pub struct SignupMails {
    templates_dir: PathBuf,
    platform: PlatformInfo,
    links: Links,
    mailer: Arc<Mailer>,
    data_link_hours: u32,
}

/// Which mail to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupMail {
    /// A new or pending address: a button to confirm.
    Confirm,
    /// A known address signed up again: a button to confirm the sign-up
    /// held apart as this request (`storage::signup`).
    ConfirmRequest(i64),
    /// The address is already active and signed up again: a button to the
    /// preferences page instead of a second confirmation.
    Preferences,
    /// Asked for on the preference page: links to download or erase one's
    /// data, valid `limits.data_link_hours`.
    DataLink,
    /// Every older link was revoked on the preference page: the new one.
    NewLinks,
    /// The sign-up was just confirmed: where to find the archive and one's
    /// preferences. Sent only when `mjml/welcome.mjml` exists.
    Welcome,
}

impl SignupMail {
    /// The layout and its `kind`.
    fn layout(self) -> (&'static str, &'static str) {
        match self {
            SignupMail::Confirm | SignupMail::ConfirmRequest(_) => ("confirm", "confirm"),
            SignupMail::Preferences => ("confirm", "preferences"),
            SignupMail::DataLink => ("links", "data"),
            SignupMail::NewLinks => ("links", "new-links"),
            SignupMail::Welcome => ("welcome", "welcome"),
        }
    }

    /// The confirmation link's context: the held request, or 0.
    fn request(self) -> i64 {
        match self {
            SignupMail::ConfirmRequest(r) => r,
            _ => 0,
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
            data_link_hours: config.limits.data_link_hours,
        }
    }

    /// Sends `mail` to `holder` at `email` (`Auto-Submitted: auto-generated`).
    /// It greets nobody by name: whoever fills in the form chooses the name,
    /// and a sign-up mail goes to an address nobody has confirmed yet, so
    /// a name in it would carry a stranger's words in our signed mail.
    pub async fn send(
        &self,
        mail: SignupMail,
        holder: Holder,
        email: &SubscriberEmail,
        language: Language,
    ) -> Result<Outcome> {
        let nobody = SubscriberName::default();
        self.send_to(mail, holder, email, &nobody, language).await
    }

    /// Whether the operator wants a welcome mail: `mjml/welcome.mjml` is
    /// in the templates folder (looked at each time, so adding or removing
    /// the file takes effect without a restart).
    pub fn welcomes(&self) -> bool {
        self.templates_dir.join("welcome.mjml").is_file()
    }

    /// Sends the welcome to a subscriber who just confirmed, greeted by the
    /// name they confirmed; None when [`Self::welcomes`] is false.
    pub async fn welcome(
        &self,
        holder: Holder,
        email: &SubscriberEmail,
        name: &SubscriberName,
        language: Language,
    ) -> Result<Option<Outcome>> {
        if !self.welcomes() {
            return Ok(None);
        }
        let sent = self.send_to(SignupMail::Welcome, holder, email, name, language);
        Ok(Some(sent.await?))
    }

    async fn send_to(
        &self,
        mail: SignupMail,
        holder: Holder,
        email: &SubscriberEmail,
        name: &SubscriberName,
        language: Language,
    ) -> Result<Outcome> {
        let confirm = self.links.confirm(holder, mail.request());
        let preferences = self.links.preferences(holder);
        let data_base = self.links.data(holder);
        let (data, erase) = (format!("{data_base}/data"), format!("{data_base}/erase"));
        let archive = archive_link(&self.links, language);
        let links = LinkSet {
            confirm: &confirm,
            preferences: &preferences,
            data: &data,
            erase: &erase,
            archive: &archive,
            data_hours: self.data_link_hours,
        };
        let greeting = name.greeting(language);
        let mjml = mail_mjml(
            &self.templates_dir,
            &self.platform,
            mail,
            &links,
            language,
            &greeting,
        )
        .map_err(|d| anyhow!("{d}"))?;
        let layout = mail.layout().0;
        let html = compile(&mjml).map_err(|(_, m)| anyhow!("mjml/{layout}.mjml: {m}"))?;
        let (subject, text) =
            subject_and_text(mail, language, &self.platform.name, &greeting, &links);
        let out = self
            .mailer
            .composer
            .compose(email, name, &subject, text, html, &Kind::Auto)?;
        Ok(self.mailer.send_now(&out).await)
    }
}

/// The archive's first page, its words in `language`.
fn archive_link(links: &Links, language: Language) -> String {
    match language {
        Language::Nl => links.page("/archive"),
        Language::En => links.page("/archive?lang=en"),
    }
}

/// The MJML of `mail` in `language`: its layout in `templates_dir` rendered
/// with `links`, the layout's texts (`t`) and `greeting` (the reader's name,
/// for the mails that greet).
pub fn mail_mjml(
    templates_dir: &Path,
    platform: &PlatformInfo,
    mail: SignupMail,
    links: &LinkSet<'_>,
    language: Language,
    greeting: &str,
) -> Result<String, Diagnostic> {
    let (layout, kind) = mail.layout();
    let (table, _, _) = texts::keys(mail);
    let args = links.args(&platform.name, greeting);
    Layouts::new(templates_dir).render(
        layout,
        context! {
            platform => platform,
            confirm_url => links.confirm,
            preferences_url => links.preferences,
            data_url => links.data,
            erase_url => links.erase,
            archive_url => links.archive,
            hours => links.data_hours,
            kind => kind,
            greeting => greeting,
            language => language.as_str(),
            t => words(language, table, &texts::as_args(&args)),
        },
    )
}
