//! The operator's deliberate decisions about one address:
//! `postbode subscribers confirm EMAIL --consent TEXT` for a pending
//! subscriber whose consent the platform holds otherwise, and
//! `postbode subscribers unsuppress EMAIL --reason TEXT` to take an address
//! off the suppression list. Both are recorded with the operator's words.

use anyhow::{Result, bail};
use std::process::ExitCode;

use crate::domain::email::SubscriberEmail;
use crate::domain::subscriber::{ConsentEvent, Status};
use crate::logging::{say, say_err};
use crate::storage::Db;
use crate::storage::subscribers::Consent;

/// The operator's words, on one line and not empty.
fn statement(text: &str, flag: &str) -> Result<String> {
    let Some(text) = crate::domain::text::statement(text) else {
        bail!("{flag} needs a text: say where consent was obtained, or why");
    };
    Ok(text)
}

pub async fn confirm(db: &Db, now: i64, email: &str, consent: &str) -> Result<ExitCode> {
    let email = SubscriberEmail::parse(email).map_err(|m| anyhow::anyhow!("{m}"))?;
    let text = statement(consent, "--consent")?;
    if db.is_suppressed(&email).await? {
        say_err!(
            "{email} is on the suppression list; lift it first with `postbode subscribers unsuppress {email} --reason TEXT`"
        );
        return Ok(ExitCode::FAILURE);
    }
    let Some(id) = db.subscriber_id_by_email(&email).await? else {
        say_err!(
            "{email} is not a subscriber; add it with `postbode subscribers add {email} --confirmed --consent TEXT`"
        );
        return Ok(ExitCode::FAILURE);
    };
    let consent = Consent {
        event: ConsentEvent::Confirmed,
        text,
        source: "operator".into(),
        ip: String::new(),
    };
    if db.confirm_with(id, &consent, now).await? {
        say!("{email} is confirmed (active); the consent you stated is kept with the record");
        return Ok(ExitCode::SUCCESS);
    }
    match db.subscriber_by_id(id).await?.map(|s| s.status) {
        Some(Status::Active) => {
            say!("{email} is already active; nothing changed");
            Ok(ExitCode::SUCCESS)
        }
        Some(status) => {
            say_err!(
                "{email} is {status}: only a pending subscriber can be confirmed; nothing changed"
            );
            Ok(ExitCode::FAILURE)
        }
        None => bail!("{email} was removed meanwhile"),
    }
}

pub async fn unsuppress(db: &Db, now: i64, email: &str, reason: &str) -> Result<ExitCode> {
    let email = SubscriberEmail::parse(email).map_err(|m| anyhow::anyhow!("{m}"))?;
    let reason = statement(reason, "--reason")?;
    match db.lift_suppression(&email, &reason, now).await? {
        Some(was) => {
            say!(
                "{email} is off the suppression list (it was suppressed: {was}); your reason is recorded. Nothing is sent to it until it is added or signs up again"
            );
            Ok(ExitCode::SUCCESS)
        }
        None => {
            say_err!("{email} is not on the suppression list; nothing changed");
            Ok(ExitCode::FAILURE)
        }
    }
}
