//! The fields of the forms as posted (`application/x-www-form-urlencoded`,
//! repeated keys for checkboxes). These are the raw values; the domain's one
//! parser (`SubscriberFields`, `Choices`) turns them into typed ones.

use crate::domain::subscriber::TypedChoices;

/// No form offers more checkboxes than this; more values are ignored.
const MAX_VALUES: usize = 64;

/// The sign-up form (`GET /`, `POST /subscribe`).
#[derive(Debug, Default, Clone)]
pub struct SubscribeForm {
    pub email: String,
    pub name: String,
    pub workshops: Vec<String>,
    pub interests: Vec<String>,
    pub reminders: bool,
    pub language: String,
    /// The honeypot: people leave it empty.
    pub website: String,
    /// The signed, time-limited token the form was shown with.
    pub form_token: String,
}

impl SubscribeForm {
    /// The first value of each single field counts; checkbox values are
    /// kept once each.
    pub fn parse(body: &[u8]) -> Self {
        let mut v = Self::default();
        let (mut seen_email, mut seen_name, mut seen_language) = (false, false, false);
        let mut seen_token = false;
        for (key, value) in url::form_urlencoded::parse(body) {
            let value = value.into_owned();
            match key.as_ref() {
                "email" if !seen_email => {
                    seen_email = true;
                    v.email = value;
                }
                "name" if !seen_name => {
                    seen_name = true;
                    v.name = value;
                }
                "workshops" => add(&mut v.workshops, value),
                "interests" => add(&mut v.interests, value),
                "reminders" => v.reminders = !value.is_empty(),
                "language" if !seen_language => {
                    seen_language = true;
                    v.language = value;
                }
                "website" => v.website.push_str(&value),
                "form_token" if !seen_token => {
                    seen_token = true;
                    v.form_token = value;
                }
                _ => {}
            }
        }
        v
    }

    pub fn choices(&self) -> TypedChoices<'_> {
        TypedChoices {
            name: &self.name,
            workshops: &self.workshops,
            interests: &self.interests,
            reminders: self.reminders,
            language: &self.language,
        }
    }
}

/// The preference centre's form: the sign-up form's choices and the digest.
#[derive(Debug, Default, Clone)]
pub struct PreferencesForm {
    pub name: String,
    pub workshops: Vec<String>,
    pub interests: Vec<String>,
    pub reminders: bool,
    pub digest: bool,
    /// None: keep the current language.
    pub language: Option<String>,
}

impl PreferencesForm {
    pub fn parse(body: &[u8]) -> Self {
        let mut s = Self::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "name" => s.name = v,
                "workshops" => add(&mut s.workshops, v),
                "interests" => add(&mut s.interests, v),
                "reminders" => s.reminders = v == "on",
                "digest" => s.digest = v == "on",
                "language" => s.language = Some(v),
                _ => {}
            }
        }
        s
    }

    /// The choices, with `current` as the language when none was posted.
    pub fn choices<'a>(&'a self, current: &'a str) -> TypedChoices<'a> {
        TypedChoices {
            name: &self.name,
            workshops: &self.workshops,
            interests: &self.interests,
            reminders: self.reminders,
            language: self.language.as_deref().unwrap_or(current),
        }
    }
}

fn add(list: &mut Vec<String>, value: String) {
    if list.len() < MAX_VALUES && !list.contains(&value) {
        list.push(value);
    }
}

/// The value of `key` in a query string such as `lang=en`.
pub fn query_value(query: Option<&str>, key: &str) -> String {
    query
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_are_kept_and_deduplicated() {
        let v = SubscribeForm::parse(
            b"email=a%40example.nl&name=A+B&workshops=x&workshops=y&workshops=x&interests=z&reminders=on&language=en&website=",
        );
        assert_eq!(v.email, "a@example.nl");
        assert_eq!(v.name, "A B");
        assert_eq!(v.workshops, ["x", "y"]);
        assert_eq!(v.interests, ["z"]);
        assert!(v.reminders);
        assert_eq!(v.language, "en");
        assert!(v.website.is_empty());
    }

    #[test]
    fn a_flood_of_checkbox_values_is_cut() {
        let body: String = (0..1000).map(|i| format!("workshops=w{i}&")).collect();
        assert_eq!(
            SubscribeForm::parse(body.as_bytes()).workshops.len(),
            MAX_VALUES
        );
    }
}
