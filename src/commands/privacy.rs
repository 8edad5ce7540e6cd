//! `postbode subscribers export|erase EMAIL`: a person's rights from the command line.

use anyhow::{Result, bail};
use std::process::ExitCode;

use crate::context::Ctx;
use crate::domain::email::SubscriberEmail;

async fn subscriber_id(ctx: &Ctx, email: &str) -> Result<i64> {
    let email = SubscriberEmail::parse(email).map_err(|m| anyhow::anyhow!("{m}"))?;
    match ctx.db.subscriber_id_by_email(&email).await? {
        Some(id) => Ok(id),
        None if ctx.db.is_suppressed(email.as_str()).await? => {
            bail!(
                "{email} is not a subscriber; its data was erased and the address is on the suppression list"
            )
        }
        None => bail!("{email} is not a subscriber"),
    }
}

pub async fn export(ctx: &Ctx, email: &str) -> Result<ExitCode> {
    let id = subscriber_id(ctx, email).await?;
    let Some(data) = ctx.db.personal_data(id).await? else {
        bail!("{email} is not a subscriber");
    };
    println!("{}", serde_json::to_string_pretty(&data)?);
    Ok(ExitCode::SUCCESS)
}

pub async fn erase(ctx: &Ctx, email: &str) -> Result<ExitCode> {
    let id = subscriber_id(ctx, email).await?;
    let Some(erased) = ctx.db.erase_subscriber(id, ctx.now()).await? else {
        bail!("{email} is not a subscriber");
    };
    println!("erased {email}:");
    println!("  the subscriber record and {} segment(s)", erased.segments);
    println!("  {} consent record(s)", erased.consents);
    println!("  {} delivery record(s)", erased.deliveries);
    if erased.unsubscribes_unlinked > 0 {
        println!(
            "  {} unsubscribe record(s) kept for the statistics, no longer linked to the address",
            erased.unsubscribes_unlinked
        );
    }
    println!(
        "the address is on the suppression list (salted hash only) and will not be mailed again"
    );
    Ok(ExitCode::SUCCESS)
}
