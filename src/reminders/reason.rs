//! The sentence in every agenda mail that tells the subscriber why they get
//! it and, with the links around it, how to stop.

use crate::config::Config;
use crate::domain::subscriber::Recipient;
use crate::storage::agenda::StoredItem;

use super::mail::ReminderKind;

pub fn reason(config: &Config, r: &Recipient, stored: &StoredItem, kind: ReminderKind) -> String {
    if kind != ReminderKind::Reminder {
        return "Je krijgt dit bericht omdat je eerder een herinnering voor deze bijeenkomst kreeg."
            .into();
    }
    let item = &stored.item;
    let name = |list: &[crate::config::Segment], slug: &str| {
        list.iter()
            .find(|s| s.slug == slug)
            .map_or_else(|| slug.to_string(), |s| s.name.clone())
    };
    let followed = item
        .workshop
        .iter()
        .find(|w| r.segments.workshops.contains(w))
        .map(|w| name(&config.workshops, w))
        .or_else(|| {
            item.interests
                .iter()
                .find(|i| r.segments.interests.contains(i))
                .map(|i| format!("het thema {}", name(&config.interests, i)))
        });
    match followed {
        Some(what) => format!(
            "Je krijgt deze herinnering omdat je {what} volgt en herinneringen aan hebt staan."
        ),
        None => format!(
            "Je krijgt deze herinnering omdat je de nieuwsbrief van {} ontvangt en herinneringen aan hebt staan.",
            config.platform.name
        ),
    }
}
