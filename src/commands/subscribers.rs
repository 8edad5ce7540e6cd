//! `postbode subscribers add|list|unsubscribe`.

use anyhow::{Result, bail};
use std::process::ExitCode;

use crate::cli::{AddArgs, ConsentArgs};
use crate::config::Config;
use crate::domain::email::SubscriberEmail;
use crate::domain::redact::redact_addresses;
use crate::domain::reply::Outcome;
use crate::domain::subscriber::{FieldError, SubscriberFields, TypedChoices, UnsubscribeSource};
use crate::logging::say;
use crate::signup::SignupMails;
use crate::signup::operator::{self, AddOutcome, OperatorConsent, Refused};
use crate::storage::Db;
use crate::storage::subscribers::NewSubscriber;

/// A new subscriber from checked fields and what the operator says of
/// consent, by the rule of [`crate::signup::operator::new_subscriber`].
pub fn new_subscriber(
    fields: SubscriberFields,
    consent: &ConsentArgs,
    source: &str,
) -> NewSubscriber {
    let stated = OperatorConsent {
        confirmed: consent.confirmed,
        text: consent.consent.clone(),
    };
    operator::new_subscriber(fields, &stated, source)
        .expect("the command line requires --consent with --confirmed")
}

/// The operator's words for every mistake in one subscriber's fields.
pub fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(FieldError::operator_message)
        .collect::<Vec<_>>()
        .join("; ")
}

pub async fn add(
    db: &Db,
    config: &Config,
    mails: &SignupMails,
    now: i64,
    a: AddArgs,
) -> Result<ExitCode> {
    let typed = TypedChoices {
        name: &a.name,
        workshops: &a.workshops,
        interests: &a.interests,
        reminders: a.reminders,
        language: &a.language,
    };
    let fields = SubscriberFields::parse(&a.email, &typed, &config.catalogue())
        .map_err(|errors| anyhow::anyhow!("{}", describe(&errors)))?;
    let new = new_subscriber(fields, &a.consent, "command line");
    let email = &new.fields.email;
    match operator::add(db, mails, &new, now).await? {
        Err(Refused::Suppressed) => bail!(
            "{email} is on the suppression list (its data was erased or it must not be mailed); it was not added"
        ),
        Err(refused) => bail!("{email}: {refused}; it was not added"),
        Ok(AddOutcome::Exists(_)) => say!("{email} is already a subscriber; nothing changed"),
        Ok(AddOutcome::Pending(_, Outcome::Sent(_))) => {
            say!("added {email} (pending); confirmation mail sent")
        }
        Ok(AddOutcome::Pending(_, other)) => say!(
            "added {email} (pending); the confirmation mail was not delivered: {}",
            redact_addresses(other.reply())
        ),
        Ok(AddOutcome::Active(_)) => say!("added {email} (active)"),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn list(db: &Db, json: bool) -> Result<ExitCode> {
    let subs = db.list_subscribers().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&subs)?);
        return Ok(ExitCode::SUCCESS);
    }
    say!(
        "{:<36} {:<24} {:<13} {:<4} {:<9} workshops / interests",
        "email",
        "name",
        "status",
        "lang",
        "reminders"
    );
    let join = |l: &[crate::domain::slug::Slug]| {
        l.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
    };
    for s in &subs {
        say!(
            "{:<36} {:<24} {:<13} {:<4} {:<9} {} / {}",
            s.email,
            s.name,
            s.status,
            s.language,
            if s.reminders { "yes" } else { "no" },
            join(s.segments.workshops()),
            join(s.segments.interests())
        );
    }
    say!("{} subscribers", subs.len());
    Ok(ExitCode::SUCCESS)
}

/// `postbode subscribers unsubscribe EMAIL`: for a person who asked by phone or mail.
pub async fn unsubscribe(db: &Db, now: i64, email: &str) -> Result<ExitCode> {
    let email = SubscriberEmail::parse(email).map_err(|m| anyhow::anyhow!("{m}"))?;
    let Some(id) = db.subscriber_id_by_email(&email).await? else {
        bail!("{email} is not a subscriber");
    };
    if db
        .unsubscribe(id, UnsubscribeSource::Operator, None, now)
        .await?
    {
        say!(
            "{email} is unsubscribed (source: operator); no mail leaves for this address from now on"
        );
    } else {
        say!("{email} was not subscribed; nothing changed");
    }
    Ok(ExitCode::SUCCESS)
}
