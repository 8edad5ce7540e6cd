//! Subscribers: their status, language and choices, and the one parser for
//! what a person types when signing up or changing their preferences.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

use super::email::{EmailError, SubscriberEmail};
pub use super::language::Language;
use super::links::Holder;
use super::name::SubscriberName;
use super::segments::{Catalogue, SegmentKind, Segments, UnknownSegment};
use super::text::TextError;
use crate::domain::texts::tr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Active,
    Unsubscribed,
    Bounced,
    Complained,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Active => "active",
            Status::Unsubscribed => "unsubscribed",
            Status::Bounced => "bounced",
            Status::Complained => "complained",
        }
    }

    /// Still on the list: mail may go to them (active) or will once they
    /// confirm (pending).
    pub fn is_subscribed(self) -> bool {
        matches!(self, Status::Active | Status::Pending)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "pending" => Status::Pending,
            "active" => Status::Active,
            "unsubscribed" => Status::Unsubscribed,
            "bounced" => Status::Bounced,
            "complained" => Status::Complained,
            _ => return Err(format!("unknown subscriber status {s:?}")),
        })
    }
}

/// A subscriber as the sending side sees it.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub id: i64,
    pub email: SubscriberEmail,
    pub name: SubscriberName,
    pub language: Language,
    pub segments: Segments,
    /// Links made now carry it; raising it revokes the older ones.
    pub link_generation: u32,
}

impl Recipient {
    pub fn holder(&self) -> Holder {
        Holder {
            id: self.id,
            generation: self.link_generation,
        }
    }
}

/// What a person chooses: the fields of the preference centre, and of the
/// sign-up form besides the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choices {
    pub name: SubscriberName,
    pub segments: Segments,
    pub reminders: bool,
    pub language: Language,
}

/// A new subscriber's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberFields {
    pub email: SubscriberEmail,
    pub choices: Choices,
}

/// Choices as typed, before parsing.
#[derive(Debug, Clone, Default)]
pub struct TypedChoices<'a> {
    pub name: &'a str,
    pub workshops: &'a [String],
    pub interests: &'a [String],
    pub reminders: bool,
    /// Empty means Dutch.
    pub language: &'a str,
}

/// One thing wrong with what a person typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    MissingEmail,
    Email(EmailError),
    Name(TextError),
    Segment(UnknownSegment),
    Language(String),
}

impl Choices {
    /// The one rule for names, segments and language, wherever they come from.
    pub fn parse(typed: &TypedChoices<'_>, catalogue: &Catalogue) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = SubscriberName::parse(typed.name)
            .map_err(|e| errors.push(FieldError::Name(e)))
            .unwrap_or_default();
        let segments = catalogue
            .segments(typed.workshops, typed.interests)
            .map_err(|unknown| errors.extend(unknown.into_iter().map(FieldError::Segment)))
            .unwrap_or_default();
        let language = typed
            .language
            .parse()
            .map_err(|_| {
                errors.push(FieldError::Language(
                    typed.language.chars().take(20).collect(),
                ))
            })
            .unwrap_or_default();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            name,
            segments,
            reminders: typed.reminders,
            language,
        })
    }
}

impl SubscriberFields {
    /// The address and the choices, every mistake reported at once.
    pub fn parse(
        email: &str,
        typed: &TypedChoices<'_>,
        catalogue: &Catalogue,
    ) -> Result<Self, Vec<FieldError>> {
        let email = if email.trim().is_empty() {
            Err(FieldError::MissingEmail)
        } else {
            SubscriberEmail::parse(email).map_err(FieldError::Email)
        };
        let choices = Choices::parse(typed, catalogue);
        match (email, choices) {
            (Ok(email), Ok(choices)) => Ok(Self { email, choices }),
            (email, choices) => {
                let mut errors: Vec<FieldError> = email.err().into_iter().collect();
                errors.extend(choices.err().unwrap_or_default());
                Err(errors)
            }
        }
    }
}

impl FieldError {
    /// What to change, in the reader's language.
    pub fn message(&self, lang: Language) -> String {
        match self {
            FieldError::MissingEmail => tr!(lang, "pages.fields.missing_email"),
            FieldError::Email(e) => tr!(lang, "pages.fields.bad_email", email = e.shown),
            FieldError::Name(TextError::TooLong { max }) => {
                tr!(lang, "pages.fields.name_too_long", max = max)
            }
            FieldError::Name(TextError::Forbidden { position, .. }) => {
                tr!(lang, "pages.fields.name_forbidden", position = position)
            }
            FieldError::Segment(u) => match u.kind {
                SegmentKind::Workshop => {
                    tr!(lang, "pages.fields.unknown_workshop", given = u.given)
                }
                SegmentKind::Interest => tr!(lang, "pages.fields.unknown_theme", given = u.given),
            },
            FieldError::Language(l) => tr!(lang, "pages.fields.unknown_language", given = l),
        }
    }

    /// For the command line and CSV import, which speak to the operator.
    pub fn operator_message(&self) -> String {
        match self {
            FieldError::MissingEmail => "the e-mail address is missing".into(),
            FieldError::Email(e) => e.to_string(),
            FieldError::Name(e) => format!("the name is not accepted: {e}"),
            FieldError::Segment(u) => format!(
                "{u}: use a slug from [[{}s]] in postbode.toml",
                u.kind.as_str()
            ),
            FieldError::Language(l) => format!("language {l:?} is not supported: use nl or en"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::segments::Segment;
    use crate::domain::slug::Slug;

    fn catalogue() -> Catalogue {
        Catalogue {
            workshops: vec![Segment {
                slug: Slug::parse("jeugd").expect("slug"),
                name: "Jeugd".into(),
            }],
            interests: Vec::new(),
        }
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let w = vec!["jeugd".to_string(), "zorg".to_string()];
        let typed = TypedChoices {
            name: "A\nB",
            workshops: &w,
            language: "fr",
            ..TypedChoices::default()
        };
        let errors = SubscriberFields::parse("nope", &typed, &catalogue()).expect_err("bad");
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors[0]
                .message(Language::Nl)
                .contains("geen geldig e-mailadres")
        );
        assert!(errors[1].message(Language::En).contains("line-breaking"));
        assert!(
            errors[2]
                .operator_message()
                .contains("unknown workshop \"zorg\"")
        );
        assert!(errors[3].message(Language::Nl).contains("Onbekende taal"));
    }

    #[test]
    fn good_fields_parse() {
        let w = vec!["jeugd".to_string()];
        let typed = TypedChoices {
            name: " Anouk ",
            workshops: &w,
            reminders: true,
            ..TypedChoices::default()
        };
        let f = SubscriberFields::parse("a@example.nl", &typed, &catalogue()).expect("good");
        assert_eq!(f.choices.name.as_str(), "Anouk");
        assert_eq!(f.choices.language, Language::Nl);
        assert!(f.choices.reminders);
    }
}

/// A subscriber as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Subscriber {
    pub id: i64,
    pub email: SubscriberEmail,
    pub name: SubscriberName,
    pub status: Status,
    pub language: Language,
    pub reminders: bool,
    /// Chose the weekly agenda digest in the preference centre.
    pub digest: bool,
    #[serde(flatten)]
    pub segments: Segments,
    #[serde(serialize_with = "crate::domain::clock::as_rfc3339::serialize")]
    pub created_at: i64,
    #[serde(serialize_with = "crate::domain::clock::as_rfc3339::option::serialize")]
    pub confirmed_at: Option<i64>,
    #[serde(serialize_with = "crate::domain::clock::as_rfc3339::option::serialize")]
    pub unsubscribed_at: Option<i64>,
    /// Links made now carry it; raising it revokes the older ones.
    #[serde(skip)]
    pub link_generation: u32,
}

impl Subscriber {
    pub fn holder(&self) -> Holder {
        Holder {
            id: self.id,
            generation: self.link_generation,
        }
    }
}

/// A line of a subscriber's consent history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentEvent {
    /// Signed up on the form, waiting for confirmation.
    Subscribed,
    /// Added by the operator with consent obtained elsewhere.
    Imported,
    Confirmed,
    /// Changed their choices in the preference centre.
    Changed,
    Withdrawn,
}

impl ConsentEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentEvent::Subscribed => "subscribed",
            ConsentEvent::Imported => "imported",
            ConsentEvent::Confirmed => "confirmed",
            ConsentEvent::Changed => "changed",
            ConsentEvent::Withdrawn => "withdrawn",
        }
    }
}

/// Where an unsubscribe came from, for the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsubscribeSource {
    /// The mail client's button (RFC 8058).
    OneClick,
    /// The page behind the link in the mail.
    Page,
    Preferences,
    Bounce,
    Complaint,
    Operator,
}

impl UnsubscribeSource {
    pub fn as_str(self) -> &'static str {
        match self {
            UnsubscribeSource::OneClick => "one-click",
            UnsubscribeSource::Page => "page",
            UnsubscribeSource::Preferences => "preferences",
            UnsubscribeSource::Bounce => "bounce",
            UnsubscribeSource::Complaint => "complaint",
            UnsubscribeSource::Operator => "operator",
        }
    }
}
