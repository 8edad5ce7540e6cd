//! A subscriber added by the operator, from the command line
//! (`postbode subscribers add`) or the admin API (`POST /api/v1/subscribers`):
//! one consent rule and one sequence (suppression list, insert, confirmation
//! mail) for both, so neither can let through what the other refuses.

use anyhow::Result;

use super::{SignupMail, SignupMails};
use crate::domain::links::Holder;
use crate::domain::reply::Outcome;
use crate::domain::subscriber::{ConsentEvent, Status, SubscriberFields};
use crate::storage::Db;
use crate::storage::subscribers::{Added, Consent, NewSubscriber};

/// What the operator states about consent.
#[derive(Debug, Clone, Default)]
pub struct OperatorConsent {
    /// Consent was obtained elsewhere: active at once, no confirmation mail.
    pub confirmed: bool,
    /// Where and how; required with `confirmed`.
    pub text: Option<String>,
}

/// Why an operator's subscriber is refused before anything is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("a confirmed subscriber needs the consent text: say where consent was obtained")]
    ConsentMissing,
    #[error(
        "the address is on the suppression list (its data was erased or it must not be mailed)"
    )]
    Suppressed,
}

/// What adding did.
#[derive(Debug)]
pub enum AddOutcome {
    /// Already known; nothing changed.
    Exists(i64),
    /// Active at once (consent stated).
    Active(i64),
    /// Pending; the confirmation mail went out, or what the server said.
    Pending(i64, Outcome),
}

/// A new subscriber from checked fields and what the operator says of
/// consent: confirmed, active at once with the stated consent; else pending
/// until the confirmation mail is answered.
pub fn new_subscriber(
    fields: SubscriberFields,
    consent: &OperatorConsent,
    source: &str,
) -> Result<NewSubscriber, Refused> {
    let (status, event, text) = if consent.confirmed {
        let Some(text) = consent.text.as_deref() else {
            return Err(Refused::ConsentMissing);
        };
        (Status::Active, ConsentEvent::Imported, text)
    } else {
        (Status::Pending, ConsentEvent::Subscribed, "")
    };
    Ok(NewSubscriber {
        fields,
        status,
        consent: Consent {
            event,
            text: crate::domain::text::cleaned(text, 2000),
            source: source.into(),
            ip: String::new(),
        },
    })
}

/// Adds `new` unless the address is suppressed; a pending subscriber gets
/// the confirmation mail.
pub async fn add(
    db: &Db,
    mails: &SignupMails,
    new: &NewSubscriber,
    now: i64,
) -> Result<Result<AddOutcome, Refused>> {
    if db.is_suppressed(&new.fields.email).await? {
        return Ok(Err(Refused::Suppressed));
    }
    Ok(Ok(match db.add_subscriber(new, now).await? {
        Added::Exists(id) => AddOutcome::Exists(id),
        Added::Created(id) if new.status == Status::Pending => {
            let sent = mails
                .send(
                    SignupMail::Confirm,
                    Holder::new_subscriber(id),
                    &new.fields.email,
                    new.fields.choices.language,
                )
                .await?;
            AddOutcome::Pending(id, sent)
        }
        Added::Created(id) => AddOutcome::Active(id),
    }))
}
