//! Reading a subscriber row back into domain types: a stored value the
//! current rules would refuse is cleaned here rather than failing the read.

use sqlx::Row;
use std::collections::HashMap;

use crate::domain::email::SubscriberEmail;
use crate::domain::name::SubscriberName;
use crate::domain::segments::Segments;
use crate::domain::subscriber::Subscriber;

/// The columns `subscriber_row` reads, in its order.
pub(super) const COLUMNS: &str = "id, email, name, status, language, reminders, created_at, confirmed_at, unsubscribed_at, digest, link_generation";

/// A stored name as the current rule allows it.
pub(super) fn stored_name(stored: &str) -> SubscriberName {
    SubscriberName::parse(stored).unwrap_or_else(|_| SubscriberName::cleaned(stored))
}

/// A stored address, or None (logged without the address) when it cannot be read.
pub(super) fn stored_email(id: i64, stored: &str) -> Option<SubscriberEmail> {
    SubscriberEmail::parse(stored)
        .map_err(|_| {
            tracing::error!(
                subscriber = id,
                "the stored e-mail address cannot be read; the subscriber is left out"
            )
        })
        .ok()
}

pub(super) fn subscriber_row(
    r: &sqlx::any::AnyRow,
    segs: &mut HashMap<i64, Segments>,
) -> Option<Subscriber> {
    let id: i64 = r.get(0);
    Some(Subscriber {
        id,
        email: stored_email(id, &r.get::<String, _>(1))?,
        name: stored_name(&r.get::<String, _>(2)),
        status: r
            .get::<String, _>(3)
            .parse()
            .map_err(|e| tracing::error!(subscriber = id, "{e}"))
            .ok()?,
        language: r.get::<String, _>(4).parse().unwrap_or_default(),
        reminders: r.get::<i64, _>(5) != 0,
        digest: r.get::<i64, _>(9) != 0,
        segments: segs.remove(&id).unwrap_or_default(),
        created_at: r.get(6),
        confirmed_at: r.get(7),
        unsubscribed_at: r.get(8),
        link_generation: generation(r.get(10)),
    })
}

/// A stored link generation; out of range (never written by us) reads as 0.
pub(super) fn generation(stored: i64) -> u32 {
    u32::try_from(stored).unwrap_or(0)
}
