//! `postbode subscribers add|list`.

use anyhow::{Result, bail};
use std::process::ExitCode;

use crate::cli::{AddArgs, ConsentArgs};
use crate::confirmation::send_confirmation;
use crate::context::Ctx;
use crate::delivery::Outcome;
use crate::domain::email::SubscriberEmail;
use crate::domain::subscriber::{Language, Segments, Status};
use crate::storage::subscribers::{Added, Consent, NewSubscriber};

/// One subscriber's fields as typed on the command line or in a CSV row.
pub struct SubscriberInput<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub workshops: Vec<String>,
    pub interests: Vec<String>,
    pub reminders: bool,
    pub language: &'a str,
}

/// Checks one subscriber's fields against the configuration; the messages say what to do.
pub fn validate(
    ctx: &Ctx,
    input: SubscriberInput<'_>,
    consent: &ConsentArgs,
    source: &str,
) -> std::result::Result<NewSubscriber, String> {
    let SubscriberInput {
        email,
        name,
        workshops,
        interests,
        reminders,
        language,
    } = input;
    let email = SubscriberEmail::parse(email)?;
    for w in &workshops {
        if !ctx.config.is_workshop(w) {
            return Err(format!(
                "unknown workshop {w:?}: use a slug from [[workshops]] in postbode.toml"
            ));
        }
    }
    for i in &interests {
        if !ctx.config.is_interest(i) {
            return Err(format!(
                "unknown interest {i:?}: use a slug from [[interests]] in postbode.toml"
            ));
        }
    }
    let language: Language = language.parse()?;
    if name.chars().count() > 200 {
        return Err("the name is longer than 200 characters".into());
    }
    let (status, event, text) = if consent.confirmed {
        (
            Status::Active,
            "imported",
            consent.consent.clone().unwrap_or_default(),
        )
    } else {
        (Status::Pending, "subscribed", String::new())
    };
    Ok(NewSubscriber {
        email,
        name: name.trim().to_string(),
        segments: Segments {
            workshops,
            interests,
        },
        reminders,
        language,
        status,
        consent: Consent {
            event: event.into(),
            text,
            source: source.into(),
            ip: String::new(),
        },
    })
}

pub async fn add(ctx: &Ctx, a: AddArgs) -> Result<ExitCode> {
    let input = SubscriberInput {
        email: &a.email,
        name: &a.name,
        workshops: a.workshops,
        interests: a.interests,
        reminders: a.reminders,
        language: &a.language,
    };
    let new = match validate(ctx, input, &a.consent, "command line") {
        Ok(n) => n,
        Err(m) => bail!("{m}"),
    };
    if ctx.db.is_suppressed(new.email.as_str()).await? {
        bail!(
            "{} is on the suppression list (its data was erased or it must not be mailed); it was not added",
            new.email
        );
    }
    match ctx.db.add_subscriber(&new, ctx.now()).await? {
        Added::Exists(_) => {
            println!("{} is already a subscriber; nothing changed", new.email);
        }
        Added::Created(id) if new.status == Status::Pending => {
            match send_confirmation(
                ctx,
                id,
                new.email.as_str(),
                &new.name,
                new.language.as_str(),
            )
            .await?
            {
                Outcome::Sent(_) => {
                    println!("added {} (pending); confirmation mail sent", new.email)
                }
                other => println!(
                    "added {} (pending); the confirmation mail was not delivered: {other:?}",
                    new.email
                ),
            }
        }
        Added::Created(_) => println!("added {} (active)", new.email),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn list(ctx: &Ctx, json: bool) -> Result<ExitCode> {
    let subs = ctx.db.list_subscribers().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&subs)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<36} {:<24} {:<13} {:<4} {:<9} workshops / interests",
        "email", "name", "status", "lang", "reminders"
    );
    for s in &subs {
        println!(
            "{:<36} {:<24} {:<13} {:<4} {:<9} {} / {}",
            s.email,
            s.name,
            s.status,
            s.language,
            if s.reminders { "yes" } else { "no" },
            s.workshops.join(","),
            s.interests.join(",")
        );
    }
    println!("{} subscribers", subs.len());
    Ok(ExitCode::SUCCESS)
}

/// `postbode subscribers unsubscribe EMAIL`: for a person who asked by phone or mail.
pub async fn unsubscribe(ctx: &Ctx, email: &str) -> Result<ExitCode> {
    let email = SubscriberEmail::parse(email).map_err(|m| anyhow::anyhow!("{m}"))?;
    let Some(id) = ctx.db.subscriber_id_by_email(&email).await? else {
        bail!("{email} is not a subscriber");
    };
    if ctx.db.unsubscribe(id, "operator", None, ctx.now()).await? {
        println!(
            "{email} is unsubscribed (source: operator); no mail leaves for this address from now on"
        );
    } else {
        println!("{email} was not subscribed; nothing changed");
    }
    Ok(ExitCode::SUCCESS)
}
