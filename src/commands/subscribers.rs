//! `postbode subscribers add|list|unsubscribe`.

use anyhow::{Result, bail};
use std::process::ExitCode;

use crate::cli::{AddArgs, ConsentArgs};
use crate::config::Config;
use crate::domain::email::SubscriberEmail;
use crate::domain::links::Holder;
use crate::domain::redact::redact_addresses;
use crate::domain::reply::Outcome;
use crate::domain::subscriber::{
    ConsentEvent, FieldError, Status, SubscriberFields, TypedChoices, UnsubscribeSource,
};
use crate::logging::say;
use crate::signup::{SignupMail, SignupMails};
use crate::storage::Db;
use crate::storage::subscribers::{Added, Consent, NewSubscriber};

/// A new subscriber from checked fields and what the operator says of consent:
/// with `--confirmed`, active at once with the stated consent; else pending
/// until the confirmation mail is answered.
pub fn new_subscriber(
    fields: SubscriberFields,
    consent: &ConsentArgs,
    source: &str,
) -> NewSubscriber {
    let (status, event, text) = if consent.confirmed {
        (
            Status::Active,
            ConsentEvent::Imported,
            consent.consent.clone().unwrap_or_default(),
        )
    } else {
        (Status::Pending, ConsentEvent::Subscribed, String::new())
    };
    NewSubscriber {
        fields,
        status,
        consent: Consent {
            event,
            text: crate::domain::text::cleaned(&text, 2000),
            source: source.into(),
            ip: String::new(),
        },
    }
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
    if db.is_suppressed(email).await? {
        bail!(
            "{email} is on the suppression list (its data was erased or it must not be mailed); it was not added"
        );
    }
    match db.add_subscriber(&new, now).await? {
        Added::Exists(_) => say!("{email} is already a subscriber; nothing changed"),
        Added::Created(id) if new.status == Status::Pending => {
            let c = &new.fields.choices;
            match mails
                .send(
                    SignupMail::Confirm,
                    Holder::new_subscriber(id),
                    email,
                    c.language,
                )
                .await?
            {
                Outcome::Sent(_) => say!("added {email} (pending); confirmation mail sent"),
                other => say!(
                    "added {email} (pending); the confirmation mail was not delivered: {}",
                    redact_addresses(other.reply())
                ),
            }
        }
        Added::Created(_) => say!("added {email} (active)"),
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
