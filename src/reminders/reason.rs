//! The sentence in every agenda mail that tells the subscriber why they get
//! it and, with the links around it, how to stop.

use super::AgendaMails;
use super::mail::ReminderKind;
use crate::domain::segments::SegmentKind;
use crate::domain::subscriber::Recipient;
use crate::storage::agenda::StoredItem;

pub fn reason(m: &AgendaMails, r: &Recipient, stored: &StoredItem, kind: ReminderKind) -> String {
    if kind != ReminderKind::Reminder {
        return "Je krijgt dit bericht omdat je eerder een herinnering voor deze bijeenkomst kreeg."
            .into();
    }
    let item = &stored.item;
    let followed = item
        .workshop
        .iter()
        .find(|w| r.segments.workshops().contains(w))
        .map(|w| m.catalogue.name_of(SegmentKind::Workshop, w.as_str()))
        .or_else(|| {
            item.interests
                .iter()
                .find(|i| r.segments.interests().contains(i))
                .map(|i| {
                    format!(
                        "het thema {}",
                        m.catalogue.name_of(SegmentKind::Interest, i.as_str())
                    )
                })
        });
    match followed {
        Some(what) => format!(
            "Je krijgt deze herinnering omdat je {what} volgt en herinneringen aan hebt staan."
        ),
        None => format!(
            "Je krijgt deze herinnering omdat je de nieuwsbrief van {} ontvangt en herinneringen aan hebt staan.",
            m.platform.name
        ),
    }
}
