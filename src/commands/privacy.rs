//! `postbode subscribers export|erase EMAIL`: a person's rights from the command line.

use anyhow::{Result, bail};
use std::process::ExitCode;

use crate::domain::email::SubscriberEmail;
use crate::logging::say;
use crate::storage::Db;

async fn subscriber_id(db: &Db, email: &str) -> Result<i64> {
    let email = SubscriberEmail::parse(email).map_err(|m| anyhow::anyhow!("{m}"))?;
    match db.subscriber_id_by_email(&email).await? {
        Some(id) => Ok(id),
        None if db.is_suppressed(&email).await? => {
            bail!(
                "{email} is not a subscriber; its data was erased and the address is on the suppression list"
            )
        }
        None => bail!("{email} is not a subscriber"),
    }
}

pub async fn export(db: &Db, email: &str) -> Result<ExitCode> {
    let id = subscriber_id(db, email).await?;
    let Some(data) = db.personal_data(id).await? else {
        bail!("{email} is not a subscriber");
    };
    println!("{}", serde_json::to_string_pretty(&data)?);
    Ok(ExitCode::SUCCESS)
}

pub async fn erase(db: &Db, now: i64, email: &str) -> Result<ExitCode> {
    let id = subscriber_id(db, email).await?;
    let Some(erased) = db.erase_subscriber(id, now).await? else {
        bail!("{email} is not a subscriber");
    };
    say!("erased {email}:");
    say!("  the subscriber record and {} segment(s)", erased.segments);
    say!("  {} consent record(s)", erased.consents);
    say!("  {} delivery record(s)", erased.deliveries);
    if erased.unsubscribes_unlinked > 0 {
        say!(
            "  {} unsubscribe record(s) kept for the statistics, no longer linked to the address",
            erased.unsubscribes_unlinked
        );
    }
    say!("the address is on the suppression list (salted hash only) and will not be mailed again");
    Ok(ExitCode::SUCCESS)
}
