//! `postbode send SLUG --test-to EMAIL`: a proof now, from the file in the folder.

use anyhow::{Result, bail};
use std::process::ExitCode;

use crate::context::Ctx;
use crate::delivery::Outcome;
use crate::domain::email::SubscriberEmail;
use crate::newsletters::editorial::send_proof;

pub async fn send_test(ctx: &Ctx, slug: &str, to: &str) -> Result<ExitCode> {
    let to = SubscriberEmail::parse(to).map_err(|m| anyhow::anyhow!("--test-to: {m}"))?;
    let dir = ctx.config.newsletters_dir();
    let path = ["md", "mjml"]
        .iter()
        .map(|ext| dir.join(format!("{slug}.{ext}")))
        .find(|p| p.is_file());
    let (file, source) = match path {
        Some(p) => (p.display().to_string(), std::fs::read_to_string(&p)?),
        None => match ctx.db.issue_by_slug(slug).await? {
            Some(row) => (row.file, row.source),
            None => bail!(
                "no issue {slug:?}: there is no {slug}.md or {slug}.mjml in {}",
                dir.display()
            ),
        },
    };
    let renderer = match ctx.renderer(&file, &source) {
        Ok(r) => r,
        Err(diags) => {
            for d in diags {
                eprintln!("{d}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    match send_proof(ctx, &renderer, to.as_str()).await? {
        Outcome::Sent(reply) => {
            println!("proof of {slug} sent ({reply})");
            Ok(ExitCode::SUCCESS)
        }
        other => {
            eprintln!("the proof was not delivered: {other:?}");
            Ok(ExitCode::FAILURE)
        }
    }
}
