//! The subjects and plain-text parts of the mails in [`super::SignupMail`],
//! from the text catalogue (`mail.confirm`, `mail.links` and `mail.welcome`
//! in src/domain/texts/{nl,en}/mail.toml). The HTML parts come from
//! `mjml/confirm.mjml`, `mjml/links.mjml` and `mjml/welcome.mjml`, which get
//! the same tables as `t`.

use std::fmt::Display;

use super::SignupMail;
use crate::domain::language::Language;
use crate::domain::texts::text;

/// The links a mail's text may carry.
pub struct LinkSet<'a> {
    pub confirm: &'a str,
    pub preferences: &'a str,
    pub data: &'a str,
    pub erase: &'a str,
    /// The archive of sent issues (the welcome mail points there).
    pub archive: &'a str,
    pub data_hours: u32,
}

impl LinkSet<'_> {
    /// What the texts' placeholders stand for, with `platform` and the
    /// greeting `name`. The name comes last: `{…}` typed in a name is never
    /// taken for a placeholder.
    pub fn args(&self, platform: &str, name: &str) -> Vec<(&'static str, String)> {
        vec![
            ("platform", platform.to_string()),
            ("confirm", self.confirm.to_string()),
            ("preferences", self.preferences.to_string()),
            ("data", self.data.to_string()),
            ("erase", self.erase.to_string()),
            ("archive", self.archive.to_string()),
            ("hours", self.data_hours.to_string()),
            ("name", name.to_string()),
        ]
    }
}

/// `args` as the catalogue takes them.
pub fn as_args<'a>(args: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a dyn Display)> {
    args.iter().map(|(k, v)| (*k, v as &dyn Display)).collect()
}

/// The catalogue table of `mail`'s texts and its keys for the subject and
/// the plain text.
pub fn keys(mail: SignupMail) -> (&'static str, &'static str, &'static str) {
    match mail {
        SignupMail::Confirm | SignupMail::ConfirmRequest(_) => ("mail.confirm", "subject", "plain"),
        SignupMail::Preferences => ("mail.confirm", "already_subject", "already_plain"),
        SignupMail::DataLink => ("mail.links", "data_subject", "data_plain"),
        SignupMail::NewLinks => ("mail.links", "new_subject", "new_plain"),
        SignupMail::Welcome => ("mail.welcome", "subject", "plain"),
    }
}

/// Subject and plain text of `mail` in `lang` for `platform`; `name` is
/// the greeting, for the mails that greet.
pub fn subject_and_text(
    mail: SignupMail,
    lang: Language,
    platform: &str,
    name: &str,
    l: &LinkSet<'_>,
) -> (String, String) {
    let (table, subject, plain) = keys(mail);
    let args = l.args(platform, name);
    let args = as_args(&args);
    (
        text(lang, &format!("{table}.{subject}"), &args),
        text(lang, &format!("{table}.{plain}"), &args),
    )
}
