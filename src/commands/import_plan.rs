//! What an import would do, before it does it: which rows are new, which
//! differ from the subscriber already there, which are the same, and which
//! addresses are on the suppression list (never imported).

use anyhow::Result;
use std::collections::BTreeSet;

use crate::domain::segments::Segments;
use crate::domain::subscriber::{Subscriber, SubscriberFields};
use crate::storage::Db;
use crate::storage::subscribers::NewSubscriber;

/// The rows of a file, sorted by what importing them means.
#[derive(Debug, Default)]
pub struct Plan {
    /// Indexes of rows for addresses not known yet.
    pub new: Vec<usize>,
    /// Indexes of rows that differ from the existing subscriber, with its
    /// id and its digest choice (which the file does not carry).
    pub changed: Vec<(usize, i64, bool)>,
    pub unchanged: usize,
    /// Indexes of rows whose address is suppressed.
    pub suppressed: Vec<usize>,
}

pub async fn plan(db: &Db, rows: &[NewSubscriber]) -> Result<Plan> {
    let mut p = Plan::default();
    for (i, row) in rows.iter().enumerate() {
        let email = &row.fields.email;
        if db.is_suppressed(email).await? {
            p.suppressed.push(i);
            continue;
        }
        let existing = match db.subscriber_id_by_email(email).await? {
            Some(id) => db.subscriber_by_id(id).await?,
            None => None,
        };
        match existing {
            None => p.new.push(i),
            Some(s) if differs(&s, &row.fields) => p.changed.push((i, s.id, s.digest)),
            Some(_) => p.unchanged += 1,
        }
    }
    Ok(p)
}

fn slugs(s: &Segments) -> (BTreeSet<&str>, BTreeSet<&str>) {
    (
        s.workshops().iter().map(|x| x.as_str()).collect(),
        s.interests().iter().map(|x| x.as_str()).collect(),
    )
}

/// Whether the row would change what is stored for `s`.
fn differs(s: &Subscriber, f: &SubscriberFields) -> bool {
    let c = &f.choices;
    s.name != c.name
        || s.language != c.language
        || s.reminders != c.reminders
        || slugs(&s.segments) != slugs(&c.segments)
}
