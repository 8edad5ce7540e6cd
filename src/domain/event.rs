//! What happened to a subscriber or an issue that another system may want to
//! know (SPEC: outgoing webhooks), and which configured webhook wants which
//! kind. The event is recorded with the change that causes it; the webhook
//! sender delivers it later.

use serde::{Deserialize, Deserializer};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    Subscribed,
    Confirmed,
    PreferencesChanged,
    Unsubscribed,
    Bounced,
    Complained,
    IssueSent,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::Subscribed,
        EventKind::Confirmed,
        EventKind::PreferencesChanged,
        EventKind::Unsubscribed,
        EventKind::Bounced,
        EventKind::Complained,
        EventKind::IssueSent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Subscribed => "subscribed",
            EventKind::Confirmed => "confirmed",
            EventKind::PreferencesChanged => "preferences_changed",
            EventKind::Unsubscribed => "unsubscribed",
            EventKind::Bounced => "bounced",
            EventKind::Complained => "complained",
            EventKind::IssueSent => "issue_sent",
        }
    }

    /// Every name, for a message about one that is not.
    pub fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEvent(pub String);

impl fmt::Display for UnknownEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown event {:?}; the events are: {}",
            self.0,
            EventKind::names()
        )
    }
}

impl std::error::Error for UnknownEvent {}

impl FromStr for EventKind {
    type Err = UnknownEvent;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| UnknownEvent(s.to_string()))
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The configured webhooks by key (their URL) with the kinds each wants:
/// an event is recorded once per webhook that wants its kind, and not at
/// all when none does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routes {
    hooks: Vec<(String, Vec<EventKind>)>,
}

impl Routes {
    pub fn new(hooks: Vec<(String, Vec<EventKind>)>) -> Self {
        Self { hooks }
    }

    /// The keys of the webhooks that want `kind`.
    pub fn wanting(&self, kind: EventKind) -> Vec<&str> {
        self.hooks
            .iter()
            .filter(|(_, kinds)| kinds.contains(&kind))
            .map(|(key, _)| key.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_an_unknown_one_lists_the_valid_ones() {
        for k in EventKind::ALL {
            assert_eq!(k.as_str().parse::<EventKind>(), Ok(k));
        }
        let e = "unsubscribe".parse::<EventKind>().expect_err("unknown");
        assert!(e.to_string().contains("preferences_changed, unsubscribed"));
    }

    #[test]
    fn routes_name_only_the_webhooks_that_want_a_kind() {
        let r = Routes::new(vec![
            ("a".into(), vec![EventKind::Subscribed]),
            (
                "b".into(),
                vec![EventKind::Subscribed, EventKind::IssueSent],
            ),
        ]);
        assert_eq!(r.wanting(EventKind::Subscribed), vec!["a", "b"]);
        assert_eq!(r.wanting(EventKind::IssueSent), vec!["b"]);
        assert!(r.wanting(EventKind::Bounced).is_empty());
    }
}
