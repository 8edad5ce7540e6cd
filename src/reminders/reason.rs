//! The sentence in every agenda mail that tells the subscriber why they get
//! it and, with the links around it, how to stop.

use super::AgendaMails;
use super::mail::ReminderKind;
use crate::domain::segments::SegmentKind;
use crate::domain::subscriber::Recipient;
use crate::domain::texts::tr;
use crate::storage::agenda::StoredItem;

/// The sentence, in `r`'s language.
pub fn reason(m: &AgendaMails, r: &Recipient, stored: &StoredItem, kind: ReminderKind) -> String {
    let lang = r.language;
    if kind != ReminderKind::Reminder {
        return tr!(lang, "mail.reminder.reason_again");
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
                    let theme = m.catalogue.name_of(SegmentKind::Interest, i.as_str());
                    tr!(lang, "mail.reminder.reason_theme", theme = theme)
                })
        });
    match followed {
        Some(what) => tr!(lang, "mail.reminder.reason_follows", what = what),
        None => tr!(
            lang,
            "mail.reminder.reason_newsletter",
            platform = m.platform.name
        ),
    }
}
